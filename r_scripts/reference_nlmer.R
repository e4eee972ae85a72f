# Pure-R references for pylme.nlmer's tests: no Python involved.
# Usage: Rscript reference_nlmer.R <cases.json> <out.json>
# Each case: {"id", "formula", "data" (typed columns, see data_io.R), "start": {name: value},
# "nAGQ" (optional, lme4's default 1), "control": nlmerControl arguments (optional)}.
# Each model is fitted as a user types it in R, nlmer(<formula>, data = d, start = start, ...), with
# na.exclude so that R itself pads fitted values and residuals for dropped rows; every
# quantity is taken with lme4's user-level accessors, then confint(method = "Wald"),
# predict() and update(fit, nAGQ = 0L) (lme4's ?nlmer example 2).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

# What print(summary(fit)) shows, one line each; lme4's vcov() warns (on stderr, not in the
# printed text) when it falls back from the finite-difference Hessian.
summary_lines <- function(fit) {
  suppressWarnings(utils::capture.output(print(summary(fit))))
}

quantities <- function(fit) {
  cs <- suppressWarnings(coef(summary(fit)))
  re <- ranef(fit, condVar = TRUE)
  post <- lapply(re, function(x) {
    pv <- attr(x, "postVar")
    if (is.list(pv)) lapply(pv, as.numeric) else list(as.numeric(pv))
  })
  ll <- logLik(fit)
  list(
    fixef_terms = rownames(cs), fixef = unname(cs[, 1]), se = unname(cs[, 2]), statistic = unname(cs[, 3]),
    vcov = as.numeric(as.matrix(suppressWarnings(vcov(fit)))),
    varcorr = as.data.frame(VarCorr(fit)),
    ranef = as.data.frame(re),
    postvar = post,
    coef = lapply(coef(fit), function(x) list(levels = rownames(x), terms = colnames(x), values = as.numeric(as.matrix(x)))),
    fitted = unname(fitted(fit)), residuals = unname(residuals(fit)),
    scaled_residuals = unname(residuals(fit, type = "pearson", scaled = TRUE)),
    loglik = as.numeric(ll), df = attr(ll, "df"), aic = AIC(fit), bic = BIC(fit),
    deviance = deviance(fit), reml_criterion = NULL,
    sigma = sigma(fit), nobs = nobs(fit), ngrps = as.list(ngrps(fit)), df_residual = df.residual(fit),
    singular = isSingular(fit),
    summary = summary_lines(fit)
  )
}

fit_case <- function(case) {
  d <- pylme_read_frame(case$data)
  f <- stats::as.formula(case$formula)
  start <- unlist(case$start)
  nAGQ <- if (is.null(case$nAGQ)) 1L else as.integer(case$nAGQ)
  # lme4's nlformula reads the formula from the call unevaluated: it must be written in it.
  call <- bquote(nlmer(.(f), data = d, start = start, nAGQ = nAGQ, na.action = na.exclude))
  if (!is.null(case$control)) {
    control <- do.call(nlmerControl, case$control)
    call$control <- quote(control)
  }
  fit <- suppressWarnings(eval(call))
  ci <- suppressWarnings(confint(fit, method = "Wald", oldNames = FALSE))
  out <- quantities(fit)
  out$confint_wald <- list(rownames = rownames(ci), lower = unname(ci[, 1]), upper = unname(ci[, 2]))
  out$predict <- unname(predict(fit))
  out$update_nagq0 <- quantities(suppressWarnings(update(fit, nAGQ = 0L)))
  out
}

cases <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(cases, function(case) {
  tryCatch(fit_case(case), error = function(e) list(error = conditionMessage(e)))
})
names(results) <- vapply(cases, function(c) c$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null", dataframe = "columns")
