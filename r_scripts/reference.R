# Pure-R reference fits for pylme's tests: no Python involved.
# Usage: Rscript reference.R <cases.json> <out.json>
# Each case: {"id", "function" (lmer/glmer/glmer.nb), "formula", "data" (typed columns,
# see data_io.R), "options": {REML, weights, offset, contrasts, control, family, link, nAGQ}}.
# Every quantity is taken with lme4's user-level accessors, fitted with na.exclude so that
# R itself pads fitted values and residuals for dropped rows.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

# What the console shows for `x <- summary(fit); x` (auto-printed, so lme4 names it x):
# the printed text and R's messages (lme4's note on a correlation matrix not shown) in the
# order they appear, one line each.
console_lines <- function(fit) {
  out <- character()
  con <- textConnection("out", "w", local = TRUE)
  sink(con)
  sink(con, type = "message")
  tryCatch({
    x <- summary(fit)
    print(x)
  }, finally = {
    sink(type = "message")
    sink()
    close(con)
  })
  out
}

fit_case <- function(case) {
  d <- pylme_read_frame(case$data)
  # Columns R should see as factor(), as a string column reaches R through pylme.
  for (nm in unlist(case$as_factor)) d[[nm]] <- factor(d[[nm]])
  o <- case$options
  f <- stats::as.formula(case$formula)
  environment(f) <- environment()
  args <- list(formula = f, data = quote(d), na.action = quote(na.exclude))
  if (!is.null(o$weights)) args$weights <- as.name(o$weights)
  if (!is.null(o$offset)) args$offset <- as.name(o$offset)
  if (!is.null(o$contrasts)) args$contrasts <- o$contrasts
  fn <- case[["function"]]
  if (fn == "lmer") {
    args$REML <- if (is.null(o$REML)) TRUE else o$REML
    if (!is.null(o$control)) args$control <- do.call(lmerControl, o$control)
  } else {
    if (!is.null(o$control)) args$control <- do.call(glmerControl, o$control)
    if (!is.null(o$nAGQ)) args$nAGQ <- o$nAGQ
    if (fn == "glmer") {
      fam <- get(o$family, mode = "function")
      args$family <- if (is.null(o$link)) fam() else fam(link = o$link)
    }
  }
  fun <- switch(fn, lmer = quote(lmer), glmer = quote(glmer), glmer.nb = quote(glmer.nb))
  fit <- suppressWarnings(suppressMessages(eval(as.call(c(list(fun), args)))))
  cs <- coef(summary(fit))
  re <- ranef(fit, condVar = TRUE)
  post <- lapply(re, function(x) {
    pv <- attr(x, "postVar")
    if (is.list(pv)) lapply(pv, as.numeric) else list(as.numeric(pv))
  })
  ll <- logLik(fit)
  out <- list(
    fixef_terms = rownames(cs), fixef = unname(cs[, 1]), se = unname(cs[, 2]), statistic = unname(cs[, 3]),
    p_value = if (ncol(cs) >= 4) unname(cs[, 4]) else NULL,
    vcov = as.numeric(as.matrix(vcov(fit))),
    varcorr = as.data.frame(VarCorr(fit)),
    ranef = as.data.frame(re),
    postvar = post,
    coef = lapply(coef(fit), function(x) list(levels = rownames(x), terms = colnames(x), values = as.numeric(as.matrix(x)))),
    fitted = unname(fitted(fit)), residuals = unname(residuals(fit)),
    loglik = as.numeric(ll), df = attr(ll, "df"), aic = AIC(fit), bic = BIC(fit),
    deviance = if (isREML(fit)) deviance(fit, REML = FALSE) else deviance(fit),
    reml_criterion = if (isREML(fit)) REMLcrit(fit) else NULL,
    sigma = sigma(fit), nobs = nobs(fit), ngrps = as.list(ngrps(fit)), df_residual = df.residual(fit),
    singular = isSingular(fit),
    summary = console_lines(fit)
  )
  if (isGLMM(fit)) {
    out$linear_predictor <- unname(predict(fit, type = "link"))
    out$family <- family(fit)$family
    out$link <- family(fit)$link
    if (fn == "glmer.nb") out$theta <- getME(fit, "glmer.nb.theta")
  }
  out
}

cases <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(cases, function(case) {
  tryCatch(fit_case(case), error = function(e) list(error = conditionMessage(e)))
})
names(results) <- vapply(cases, function(c) c$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null", dataframe = "columns")
