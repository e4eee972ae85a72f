# Pure-R references for pylme.nlmer's tests: no Python involved.
# Usage: Rscript reference_nlmer.R <cases.json> <out.json>
# Each case: {"id", "formula", "data" (typed columns, see data_io.R), "start": {name: value},
# "nAGQ" (optional, lme4's default 1), "control": nlmerControl arguments (optional)}.
# Each model is fitted as a user types it in R, nlmer(<formula>, data = d, start = start, ...), with
# na.exclude so that R itself pads fitted values and residuals for dropped rows; every
# quantity is taken with lme4's user-level accessors, then confint(method = "Wald"),
# predict(), update(fit, nAGQ = 0L) (lme4's ?nlmer example 2) and anova(updated, fit).
# "save_rds": a path to saveRDS() the model to; "probe_methods": true to record what R does
# with the methods pylme refuses on nlmer fits (what_r_does below).
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
  upd <- suppressWarnings(update(fit, nAGQ = 0L))
  out$update_nagq0 <- quantities(upd)
  an <- anova(upd, fit)
  out$anova <- lapply(as.list(an), unname)
  if (requireNamespace("broom.mixed", quietly = TRUE)) {
    out$tidy <- as.list(as.data.frame(suppressWarnings(broom.mixed::tidy(fit, conf.int = TRUE))))
  }
  if (!is.null(case$save_rds)) saveRDS(fit, case$save_rds)
  if (isTRUE(case$probe_methods)) out$r_does <- what_r_does(fit, d)
  out
}

# What lme4 (and broom.mixed, emmeans) do with an nlmer fit, for the methods pylme refuses
# on NlmerFit: TRUE where R fails. Quiet: each try's output and conditions are dropped.
r_fails <- function(expr) {
  utils::capture.output(res <- suppressMessages(suppressWarnings(
    tryCatch({
      force(expr)
      FALSE
    }, error = function(e) TRUE)
  )), type = "output")
  res
}

what_r_does <- function(fit, d) {
  has <- function(p) requireNamespace(p, quietly = TRUE)
  af <- suppressMessages(suppressWarnings(allFit(fit, verbose = FALSE)))
  list(
    simulate_fails = r_fails(simulate(fit, nsim = 1, seed = 1)),
    refit_fails = r_fails(refit(fit, fitted(fit))),
    bootMer_fails = r_fails(bootMer(fit, fixef, nsim = 2, seed = 1)),
    profile_fails = r_fails(confint(fit, method = "profile")),
    predict_newdata_fails = r_fails(predict(fit, newdata = d[1:3, ])),
    # With re.form = NA lme4 returns X %*% beta: the first parameter, not the curve.
    predict_population = unname(predict(fit, re.form = NA)),
    hatvalues_fails = r_fails(hatvalues(fit)),
    influence_fails = r_fails(influence(fit)),
    allFit_all_failed = all(vapply(af, function(x) inherits(x, "error"), TRUE)),
    drop1_rows = nrow(drop1(fit)),
    emmeans_fails = if (has("emmeans")) r_fails(emmeans::emmeans(fit, ~1)) else NULL
  )
}

cases <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(cases, function(case) {
  tryCatch(fit_case(case), error = function(e) list(error = conditionMessage(e)))
})
names(results) <- vapply(cases, function(c) c$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null", dataframe = "columns")
