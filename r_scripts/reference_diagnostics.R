# Pure-R references for pylme's diagnostics tests: no Python involved.
# Usage: Rscript reference_diagnostics.R <in.json> <out.json>
# in.json: {"data": {name: typed columns (see data_io.R)},
#           "models": {id: {"function": "lmer"|"glmer"|"lmerTest", "formula", "data", "REML",
#                           "family"}},
#           "queries": {id: {"kind", "model" or "models", arguments...}}}
# Each query is the plain R call a user would write (influence, hatvalues, performance's
# r2_nakagawa / icc / model_performance / check_*, drop1, lmerTest's ranova and step, and a
# model.sel-style table from logLik, AIC, BIC and the AICc formula).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

input <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
frames <- lapply(input$data, pylme_read_frame)

# Each model is fitted by a call like a user's at top level: the formula and the options
# written into the call, the data a variable of the global environment (so that update(),
# drop1(), influence() and step() find everything as they would in an R session).
for (nm in names(frames)) assign(nm, frames[[nm]], envir = globalenv())
fit_model <- function(spec) {
  f <- stats::as.formula(spec$formula, env = globalenv())
  reml <- if (is.null(spec$REML)) TRUE else spec$REML
  call <- switch(spec[["function"]],
    lmer = bquote(lmer(.(f), data = .(as.name(spec$data)), REML = .(reml))),
    lmerTest = bquote(lmerTest::lmer(.(f), data = .(as.name(spec$data)), REML = .(reml))),
    glmer = bquote(glmer(.(f), data = .(as.name(spec$data)), family = .(as.name(spec$family))))
  )
  eval(call, globalenv())
}
models <- lapply(input$models, function(s) suppressWarnings(suppressMessages(fit_model(s))))
model_data <- function(id) frames[[input$models[[id]]$data]]

frame_json <- function(df) {
  df <- as.data.frame(df, check.names = FALSE, stringsAsFactors = FALSE)
  list(names = names(df), rownames = rownames(df), columns = lapply(df, function(x) {
    if (is.factor(x)) as.character(x) else as.vector(x)
  }))
}

run_query <- function(q) {
  m <- if (!is.null(q[["model"]])) models[[q[["model"]]]]
  switch(q$kind,
    influence = {
      # The model's data are passed as data = (influence() otherwise looks the call's data up
      # in its caller's frame).
      d <- model_data(q$model)
      inf <- if (is.null(q$groups)) influence(m, data = d) else influence(m, groups = q$groups, data = d)
      h <- hatvalues(m)
      list(
        keys = as.character(rownames(inf[[2]])), terms = colnames(inf[[2]]),
        fixef_deleted = lapply(seq_len(ncol(inf[[2]])), function(j) unname(inf[[2]][, j])),
        sigma_deleted = unname(sqrt(inf[[4]][, "sigma^2"])),
        cooks = unname(cooks.distance(inf)),
        dfbetas = lapply(seq_len(ncol(inf[[2]])), function(j) unname(dfbetas(inf)[, j])),
        hat = unname(h), hat_names = names(h)
      )
    },
    hatvalues = list(values = unname(hatvalues(m)), names = names(hatvalues(m))),
    performance = {
      r2 <- suppressWarnings(performance::r2_nakagawa(m))
      ic <- suppressWarnings(performance::icc(m))
      mp <- suppressMessages(performance::model_performance(m))
      # A singular fit: r2_nakagawa / icc warn and give NA (or NA entries) instead of numbers.
      field <- function(x, name) if (is.list(x) && !is.null(x[[name]])) unname(x[[name]]) else NA
      list(
        r2_marginal = field(r2, "R2_marginal"), r2_conditional = field(r2, "R2_conditional"),
        icc_adjusted = field(ic, "ICC_adjusted"), icc_unadjusted = field(ic, "ICC_unadjusted"),
        aic = mp$AIC, aicc = mp$AICc, bic = mp$BIC, rmse = mp$RMSE, sigma = mp$Sigma
      )
    },
    check = {
      out <- list(singular = performance::check_singularity(m))
      if (isTRUE(q$overdispersion)) out$overdispersion <- unclass(performance::check_overdispersion(m))
      if (isTRUE(q$zeroinflation)) out$zeroinflation <- unclass(performance::check_zeroinflation(m))
      cl <- suppressWarnings(performance::check_collinearity(m))
      if (!is.null(cl)) out$collinearity <- frame_json(cl)
      out
    },
    drop1 = frame_json(drop1(m, test = q$test)),
    ranova = frame_json(lmerTest::ranova(m)),
    step = {
      s <- lmerTest::step(m, reduce.fixed = q$reduce_fixed, reduce.random = q$reduce_random,
                alpha.fixed = q$alpha_fixed, alpha.random = q$alpha_random)
      final <- lmerTest::get_model(s)
      list(
        random = frame_json(s$random), fixed = frame_json(s$fixed),
        formula = paste(deparse(formula(final), width.cutoff = 500L), collapse = " "),
        merMod = inherits(final, "merMod"),
        fixef = if (inherits(final, "merMod")) unname(fixef(final)) else unname(coef(final)),
        fixef_names = names(if (inherits(final, "merMod")) fixef(final) else coef(final)),
        loglik = as.numeric(logLik(final))
      )
    },
    table = {
      ms <- models[unlist(q$models)]
      ll <- vapply(ms, function(x) as.numeric(logLik(x)), 0)
      k <- vapply(ms, function(x) attr(logLik(x), "df"), 0)
      n <- vapply(ms, nobs, 0)
      aic <- vapply(ms, AIC, 0)
      aicc <- aic + 2 * k * (k + 1) / (n - k - 1)  # MuMIn's AICc
      delta <- aicc - min(aicc)
      w <- exp(-delta / 2) / sum(exp(-delta / 2))
      o <- order(aicc)
      list(model = unlist(q$models)[o], logLik = unname(ll[o]), df = unname(k[o]),
           AIC = unname(aic[o]), AICc = unname(aicc[o]), BIC = unname(vapply(ms, BIC, 0)[o]),
           delta_AICc = unname(delta[o]), weight = unname(w[o]))
    },
    stop("unknown query kind ", q$kind)
  )
}

results <- lapply(input$queries, function(q) tryCatch(run_query(q), error = function(e) list(error = conditionMessage(e))))
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null")
