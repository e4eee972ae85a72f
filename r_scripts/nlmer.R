# lme4's nlmer: three-part formulas `response ~ SSlogis(input, Asym, xmid, scal) ~ Asym | g`.
# The middle part is one call to a self-starting model of stats (PYLME_NONLINEAR_CALLS in
# formula.R); `start` names a starting value for each of its parameters.

pylme_nl_shape <- paste(
  "an nlmer formula has three parts, 'response ~ SSlogis(input, Asym, xmid, scal) ~ Asym | group':",
  "the response, the nonlinear model and its parameters' random effects"
)

# Parse and check an nlmer formula without evaluating anything in it. The response and the
# third part pass pylme_check_safe as any lme4 formula does; the middle part must be one call
# to a self-starting model whose arguments pass the same check and whose parameters are plain
# names. lme4's nlformula pastes variable and parameter names into R text and parses it
# again (parse(text = paste(...))), so a backquoted name such as `a + system("x")` would turn
# into code there: every name must be a syntactic R name. Returns the formula (environment
# `env`), the model's name and its parameters (NULL when trusted: then nothing is checked).
pylme_nl_parse <- function(text, env = baseenv(), trusted = FALSE) {
  if (!is.character(text) || length(text) != 1L || is.na(text)) {
    pylme_stop("formula", "the formula must be a single string")
  }
  expr <- tryCatch(
    str2lang(text),
    error = function(e) pylme_stop("formula", paste0("could not parse the formula: ", conditionMessage(e)))
  )
  is_tilde <- function(e) is.call(e) && identical(e[[1L]], as.name("~")) && length(e) == 3L
  if (!is_tilde(expr) || !is_tilde(expr[[2L]])) pylme_stop("formula", pylme_nl_shape)
  f <- stats::as.formula(expr, env = env)
  if (isTRUE(trusted)) return(list(formula = f, model = NULL, parameters = NULL))
  model <- expr[[2L]][[3L]]
  pylme_check_safe(expr[[2L]][[2L]])
  pylme_check_safe(expr[[3L]])
  name <- if (is.call(model) && is.name(model[[1L]])) as.character(model[[1L]]) else ""
  if (!name %in% PYLME_NONLINEAR_CALLS) {
    if (is.call(model)) pylme_check_safe(model)
    pylme_stop("formula", also = "pylme_refused", sprintf(
      "the middle part of an nlmer formula must be a call to one of %s (R's self-starting models); got %s",
      paste(PYLME_NONLINEAR_CALLS, collapse = ", "), paste(deparse(model, nlines = 1L), collapse = "")
    ))
  }
  fun <- get(name, envir = asNamespace("stats"))
  matched <- tryCatch(match.call(fun, model), error = function(e) {
    pylme_stop("formula", sprintf("%s: %s", paste(deparse(model, nlines = 1L), collapse = ""), conditionMessage(e)))
  })
  args <- as.list(matched)[-1L]
  for (i in seq_along(args)) if (!missing_arg(args, i)) pylme_check_safe(args[[i]])
  formal <- names(formals(fun))
  missing <- setdiff(formal, names(args))
  if (length(missing)) {
    pylme_stop("formula", sprintf(
      "%s() takes the arguments %s; missing: %s", name, paste(formal, collapse = ", "),
      paste(missing, collapse = ", ")
    ))
  }
  params <- args[formal[-1L]]
  if (!all(vapply(params, is.name, TRUE))) {
    pylme_stop("formula", sprintf(
      "the parameters of %s() (%s) must be plain names, the names start= gives values for",
      name, paste(formal[-1L], collapse = ", ")
    ))
  }
  params <- vapply(params, as.character, "")
  bad <- Filter(function(v) !identical(make.names(v), v), unique(c(all.vars(f), params)))
  if (length(bad)) {
    pylme_stop("formula", also = "pylme_refused", sprintf(
      "the nlmer formula has the name '%s', which is not a syntactic R name: lme4's nlmer pastes names into R code, so pylme refuses it before R evaluates anything. Rename the column (letters, digits, '.' and '_')",
      bad[1L]
    ))
  }
  list(formula = f, model = name, parameters = unname(params))
}

# start= as a named numeric vector, checked against the model's parameters.
pylme_nl_start <- function(parsed, start) {
  values <- unlist(start)
  if (!is.numeric(values) || !length(values) || is.null(names(values))) {
    pylme_stop("value", "start must give a number for each parameter of the nonlinear model, e.g. start={'Asym': 200, 'xmid': 725, 'scal': 350}")
  }
  params <- parsed$parameters
  if (is.null(params)) params <- intersect(names(values), all.vars(parsed$formula[[2L]][[3L]]))
  unknown <- setdiff(names(values), params)
  if (length(unknown)) {
    pylme_stop("value", sprintf(
      "start names %s, which %s not a parameter of the model; its parameters are %s",
      paste0("'", unknown, "'", collapse = ", "), if (length(unknown) > 1L) "are" else "is",
      paste(params, collapse = ", ")
    ))
  }
  missing <- setdiff(params, names(values))
  if (length(missing)) {
    pylme_stop("value", sprintf(
      "start has no value for %s; give one for each parameter of the model (%s)",
      paste0("'", missing, "'", collapse = ", "), paste(params, collapse = ", ")
    ))
  }
  values[params]
}

# The columns an nlmer formula needs: its variables but the parameters.
pylme_nl_formula_vars <- function(req) {
  parsed <- pylme_nl_parse(req$formula, trusted = isTRUE(req$trusted))
  start <- pylme_nl_start(parsed, req$start)
  setdiff(all.vars(parsed$formula), names(start))
}

# The self-starting models are stats' own, whatever the global environment holds.
pylme_nl_env <- function() {
  models <- mget(PYLME_NONLINEAR_CALLS, envir = asNamespace("stats"))
  new.env(parent = list2env(models, parent = globalenv()))
}

pylme_nlmer_fit <- function(req) {
  env <- pylme_nl_env()
  parsed <- pylme_nl_parse(req$formula, env, trusted = isTRUE(req$trusted))
  assign(".pylme_data", req$data, envir = env)
  args <- list(
    formula = parsed$formula, data = quote(.pylme_data), start = pylme_nl_start(parsed, req$start),
    nAGQ = as.integer(req$nAGQ), control = pylme_control("nlmer", req$control),
    na.action = if (identical(req$na_action, "fail")) quote(stats::na.fail) else quote(stats::na.omit)
  )
  if (!is.null(req$weights)) args$weights <- as.name(req$weights)
  if (!is.null(req$offset)) args$offset <- as.name(req$offset)
  fit <- tryCatch(eval(as.call(c(list(quote(lme4::nlmer)), args)), env), error = function(e) {
    msg <- conditionMessage(e)
    if (grepl("nAGQ", msg, fixed = TRUE)) pylme_stop("value", paste0("lme4 rejected nAGQ: ", msg))
    data_patterns <- c("(non-NA) cases", "missing values in object", "0 (non-NA)")
    if (any(vapply(data_patterns, grepl, logical(1), x = msg, fixed = TRUE))) pylme_stop("data", msg)
    stop(e)
  })
  c(list(model = fit), pylme_extract(fit, nrow(req$data)))
}

# What pylme_extract adds for an nlmer fit: nAGQ and the starting values, from the call
# (literal values when pylme made it). A model fitted in R may name a variable there: then
# start is left out, and nAGQ is read from the optimizer's result (lme4's nlmer optimizes the
# covariance parameters alone for nAGQ = 0, and with the fixed effects for nAGQ = 1).
pylme_nlmer_info <- function(fit) {
  cl <- fit@call
  start <- if (is.numeric(cl$start)) cl$start else if (is.list(cl$start)) unlist(cl$start$nlpars) else NULL
  nagq <- if (length(fit@optinfo$val) > length(lme4::getME(fit, "theta"))) 1L else 0L
  list(
    nAGQ = if (is.numeric(cl$nAGQ)) as.integer(cl$nAGQ) else nagq,
    start_names = if (is.numeric(start)) names(start) else NULL,
    start = if (is.numeric(start)) unname(start) else NULL,
    # What summary() prints: lme4's .prt.call deparses the call's formula (60 characters a line).
    formula_lines = deparse(cl$formula)
  )
}
