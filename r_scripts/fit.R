# One call per fit: build the lme4 call from values (never from pasted text), fit it,
# and return the model plus everything pylme_extract() takes out of it.

pylme_control <- function(kind, ctrl) {
  fun <- switch(kind, lmer = lme4::lmerControl, nlmer = lme4::nlmerControl, lme4::glmerControl)
  if (is.null(ctrl) || length(ctrl) == 0L) {
    return(fun())
  }
  allowed <- setdiff(names(formals(fun)), "...")
  bad <- setdiff(names(ctrl), allowed)
  if (length(bad)) {
    pylme_stop("value", sprintf(
      "unknown %s argument(s): %s. Allowed: %s",
      switch(kind, lmer = "lmerControl", nlmer = "nlmerControl", "glmerControl"),
      paste(bad, collapse = ", "), paste(allowed, collapse = ", ")
    ))
  }
  do.call(fun, ctrl)
}

# The families pylme fits, from a fixed table (never looked up by name with get(), which
# would find any function of stats or base). verify.R uses the same table.
PYLME_FAMILIES <- list(
  binomial = stats::binomial, poisson = stats::poisson, Gamma = stats::Gamma,
  inverse.gaussian = stats::inverse.gaussian, gaussian = stats::gaussian
)

pylme_family <- function(req) {
  if (!is.character(req$family) || length(req$family) != 1L || !(req$family %in% names(PYLME_FAMILIES))) {
    pylme_stop("value", sprintf("unknown family; allowed: %s", paste(names(PYLME_FAMILIES), collapse = ", ")))
  }
  fam <- PYLME_FAMILIES[[req$family]]
  if (is.null(req$link)) fam() else fam(link = req$link)
}

pylme_fit <- function(req) {
  if (identical(req$kind, "nlmer")) return(pylme_nlmer_fit(req)) # nlmer.R
  env <- new.env(parent = globalenv())
  f <- pylme_parse_formula(req$formula, env, trusted = isTRUE(req$trusted))
  pylme_check_bars(f)
  assign(".pylme_data", req$data, envir = env)
  args <- list(
    formula = f,
    data = quote(.pylme_data),
    na.action = if (identical(req$na_action, "fail")) quote(stats::na.fail) else quote(stats::na.omit)
  )
  if (!is.null(req$weights)) args$weights <- as.name(req$weights)
  if (!is.null(req$offset)) args$offset <- as.name(req$offset)
  if (!is.null(req$contrasts)) args$contrasts <- req$contrasts
  front <- switch(req$kind,
    lmer = {
      args$REML <- isTRUE(req$REML)
      quote(lme4::lFormula)
    },
    glmer = {
      args$family <- pylme_family(req)
      if (identical(req$family, "binomial")) pylme_check_binary_response(f, req$data)
      args$nAGQ <- req$nAGQ
      quote(lme4::glFormula)
    },
    glmer.nb = {
      args$nAGQ <- req$nAGQ
      quote(lme4::glFormula)
    }
  )
  args$control <- pylme_control(req$kind, req$control)
  fun <- switch(req$kind,
    lmer = quote(lme4::lmer), glmer = quote(lme4::glmer), glmer.nb = quote(lme4::glmer.nb)
  )
  fit <- tryCatch(
    eval(as.call(c(list(fun), args)), env),
    error = function(e) pylme_classify_failure(e, front, args, env)
  )
  c(list(model = fit), pylme_extract(fit, nrow(req$data)))
}

# An lme4 failure is a formula (or data) problem when lme4's own formula stage fails on
# the same arguments; otherwise it is a fitting failure and stays an R error.
pylme_classify_failure <- function(e, front, args, env) {
  msg <- conditionMessage(e)
  data_patterns <- c(
    "(non-NA) cases", "missing values in object", "y values must be 0 <= y <= 1",
    "negative values not allowed", "non-positive values not allowed", "positive values only"
  )
  if (any(vapply(data_patterns, grepl, logical(1), x = msg, fixed = TRUE))) pylme_stop("data", msg)
  if (grepl("nAGQ", msg, fixed = TRUE)) pylme_stop("value", paste0("lme4 rejected nAGQ: ", msg))
  stage <- c("formula", "data", "na.action", "weights", "offset", "contrasts", "family")
  fargs <- args[intersect(names(args), stage)]
  if (identical(front, quote(lme4::glFormula)) && is.null(fargs$family)) fargs$family <- quote(stats::poisson)
  front_ok <- tryCatch(
    {
      suppressWarnings(suppressMessages(eval(as.call(c(list(front), fargs)), env)))
      TRUE
    },
    error = function(e2) FALSE
  )
  if (!front_ok) pylme_stop("formula", msg)
  stop(e)
}

# R's binomial family quietly treats every level but the first of a factor response as
# success; a response with more than two levels is almost always a mistake, so say so.
pylme_check_binary_response <- function(f, data) {
  lhs <- f[[2L]]
  if (is.call(lhs) && identical(lhs[[1L]], as.name("cbind"))) {
    # The formula passed pylme_check_safe, so its response may be evaluated.
    y <- stats::model.response(stats::model.frame(
      stats::as.formula(call("~", lhs, 1), env = environment(f)), data,
      na.action = stats::na.pass
    ))
    bad <- which(rowSums(y < 0, na.rm = TRUE) > 0)
    if (length(bad)) {
      pylme_stop("data", sprintf(
        "the binomial response %s has negative counts in %d row(s) (first: row %d); counts must be >= 0",
        paste(deparse(lhs), collapse = ""), length(bad), bad[1L]
      ))
    }
  }
  if (is.name(lhs) && as.character(lhs) %in% names(data)) {
    y <- data[[as.character(lhs)]]
    if (is.factor(y) && nlevels(droplevels(y)) > 2L) {
      pylme_stop("data", sprintf(
        "the binomial response '%s' has %d levels (%s); it needs two (the first is failure)",
        as.character(lhs), nlevels(droplevels(y)), paste(levels(droplevels(y)), collapse = ", ")
      ))
    }
  }
  invisible(TRUE)
}
