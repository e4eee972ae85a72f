# Pure-R references for pylme's postfit tests (predict, simulate, refit, update, .rds): no Python.
# Usage: Rscript reference_postfit.R <tasks.json> <out.json>
# Each task: {"id", "model": {"function", "formula", "data" (typed columns, see data_io.R),
#   "options": {REML, family, link, nAGQ}} or "rds": a path to readRDS, "save_rds": a path to
#   saveRDS the model to, "ops": [{"op": "predict" | "simulate" | "refit" | "update" |
#   "quantities" | "summary", ...}]}.
# predict with newdata predicts the rows complete in newdata (which holds only the needed
# columns) and pads the others with NA: the rule pylme documents.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

un <- function(x) if (is.null(x)) NULL else unlist(x)

# jsonlite writes at most 15 significant digits whatever `digits` says; a seeded simulate is
# compared exactly, so its doubles travel as "%.17g" text, which reads back bit for bit.
exact <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

fit_model <- function(m) {
  d <- pylme_read_frame(m$data)
  for (nm in un(m$as_factor)) d[[nm]] <- factor(d[[nm]])
  o <- m$options
  f <- stats::as.formula(m$formula)
  environment(f) <- environment()
  args <- list(formula = f, data = quote(d), na.action = quote(na.exclude))
  if (m[["function"]] == "lmer") {
    args$REML <- if (is.null(o$REML)) TRUE else o$REML
    fun <- quote(lmer)
  } else {
    fam <- get(o$family, mode = "function")
    args$family <- if (is.null(o$link)) fam() else fam(link = o$link)
    if (!is.null(o$nAGQ)) args$nAGQ <- o$nAGQ
    fun <- quote(glmer)
  }
  suppressWarnings(suppressMessages(eval(as.call(c(list(fun), args)))))
}

re_form <- function(x) {
  if (is.null(x)) NULL else if (identical(x, "NA")) NA else stats::as.formula(x)
}

# Every quantity of a fit, with lme4's user-level accessors.
quantities <- function(fit) {
  cs <- coef(summary(fit))
  re <- ranef(fit, condVar = TRUE)
  ll <- logLik(fit)
  out <- list(
    fixef_terms = rownames(cs), fixef = unname(cs[, 1]), se = unname(cs[, 2]),
    statistic = unname(cs[, 3]), vcov = as.numeric(as.matrix(vcov(fit))),
    varcorr = as.data.frame(VarCorr(fit)), ranef = as.data.frame(re),
    postvar = lapply(re, function(x) as.numeric(attr(x, "postVar"))),
    coef = lapply(coef(fit), function(x) as.numeric(as.matrix(x))),
    fitted = unname(fitted(fit)), residuals = unname(residuals(fit)),
    scaled_residuals = unname(residuals(fit, type = "pearson", scaled = TRUE)),
    loglik = as.numeric(ll), df = attr(ll, "df"), aic = AIC(fit), bic = BIC(fit),
    deviance = if (isREML(fit)) deviance(fit, REML = FALSE) else deviance(fit),
    reml_criterion = if (isREML(fit)) REMLcrit(fit) else NULL,
    sigma = sigma(fit), nobs = nobs(fit), ngrps = as.list(ngrps(fit)),
    df_residual = df.residual(fit), formula = paste(deparse(formula(fit), width.cutoff = 500L), collapse = " "),
    reml = isREML(fit), singular = isSingular(fit)
  )
  if (isGLMM(fit)) {
    out$linear_predictor <- unname(predict(fit, type = "link"))
    out$family <- family(fit)$family
    out$link <- family(fit)$link
  }
  out
}

run_op <- function(fit, op) {
  switch(op$op,
    predict = {
      rf <- re_form(op$re_form)
      # No type given: predict() is called without one, so R's own default applies.
      args <- list(fit, re.form = rf)
      if (!is.null(op$type)) args$type <- op$type
      if (is.null(op$newdata)) {
        unname(do.call(predict, args))
      } else {
        nd <- pylme_read_frame(op$newdata)
        keep <- complete.cases(nd)
        out <- rep(NA_real_, nrow(nd))
        args$newdata <- nd[keep, , drop = FALSE]
        args$allow.new.levels <- isTRUE(op$allow_new_levels)
        out[keep] <- unname(do.call(predict, args))
        out
      }
    },
    simulate = {
      sims <- if (is.null(op$re_form)) simulate(fit, nsim = op$nsim, seed = op$seed)
              else simulate(fit, nsim = op$nsim, seed = op$seed, re.form = re_form(op$re_form))
      lapply(sims, function(x) exact(if (is.matrix(x)) unname(x[, 1]) else unname(as.numeric(x))))
    },
    refit = {
      nr <- unlist(op$newresp)
      if (!is.null(op$ncol)) nr <- matrix(nr, ncol = op$ncol)
      quantities(suppressWarnings(suppressMessages(refit(fit, nr))))
    },
    update = {
      extra <- if (is.null(op$options)) list() else op$options
      new <- if (is.null(op$formula)) {
        suppressWarnings(suppressMessages(do.call(update, c(list(fit), extra))))
      } else {
        suppressWarnings(suppressMessages(do.call(update, c(list(fit, stats::as.formula(op$formula)), extra))))
      }
      quantities(new)
    },
    quantities = quantities(fit),
    summary = list(
      summary = capture.output(print(summary(fit))),
      anova = as.list(as.data.frame(anova(fit)))
    ),
    stop("unknown op ", op$op)
  )
}

run_task <- function(task) {
  fit <- if (!is.null(task$rds)) readRDS(task$rds) else fit_model(task$model)
  if (!is.null(task$save_rds)) saveRDS(fit, task$save_rds)
  lapply(task$ops, function(op) tryCatch(run_op(fit, op), error = function(e) list(error = conditionMessage(e))))
}

tasks <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(tasks, function(task) tryCatch(run_task(task), error = function(e) list(error = conditionMessage(e))))
names(results) <- vapply(tasks, function(t) t$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null", dataframe = "columns")
