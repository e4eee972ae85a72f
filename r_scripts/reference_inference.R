# Pure-R references for pylme's inference tests: no Python involved.
# Usage: Rscript reference_inference.R <in.json> <out.json>
# in.json: {"data": {name: typed columns (see data_io.R)},
#           "models": {id: {"function": "lmer"|"glmer", "formula", "data", "REML", "family"}},
#           "queries": {id: {"kind", "model" or "models", arguments...}}}
# Each query is the plain R call a user would write (confint, anova, lmerTest's summary and
# anova, emmeans, contrast, broom.mixed::tidy); the result is written back as JSON.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

# What the console shows for `x <- summary(...); x`: the printed text and R's messages (lme4's
# note on a correlation matrix not shown, for more than 12 fixed effects) in order, one line each.
console_lines <- function(x) {
  out <- character()
  con <- textConnection("out", "w", local = TRUE)
  sink(con)
  sink(con, type = "message")
  tryCatch(print(x), finally = {
    sink(type = "message")
    sink()
    close(con)
  })
  out
}

input <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
frames <- lapply(input$data, pylme_read_frame)

fit_model <- function(spec) {
  d <- frames[[spec$data]]
  f <- stats::as.formula(spec$formula)
  environment(f) <- environment()
  if (spec[["function"]] == "lmer") {
    lmer(f, data = d, REML = if (is.null(spec$REML)) TRUE else spec$REML)
  } else {
    glmer(f, data = d, family = get(spec$family, mode = "function")())
  }
}
models <- lapply(input$models, function(s) suppressWarnings(suppressMessages(fit_model(s))))

frame_json <- function(df) {
  df <- as.data.frame(df, check.names = FALSE, stringsAsFactors = FALSE)
  list(names = names(df), rownames = rownames(df), columns = lapply(df, function(x) {
    if (is.factor(x)) return(as.character(x))
    x <- as.vector(x)
    # JSON has no Inf: write "Inf"/"-Inf" (Python's float() reads them); NA stays null.
    if (is.double(x) && any(is.infinite(x))) x <- lapply(x, function(v) if (is.infinite(v)) as.character(v) else v)
    x
  }))
}

run_query <- function(q) {
  m <- if (!is.null(q[["model"]])) models[[q[["model"]]]]
  switch(q$kind,
    confint = {
      # oldNames = FALSE unless the query says (R's own default is oldNames = TRUE).
      cargs <- list(m, method = q$method, level = q$level,
                    oldNames = if (is.null(q$old_names)) FALSE else q$old_names)
      if (!is.null(q$parm)) cargs$parm <- unlist(q$parm)
      if (q$method == "boot") {
        cargs$nsim <- q$nsim
        cargs$boot.type <- q$boot_type
        set.seed(q$seed)
      }
      ci <- suppressWarnings(suppressMessages(do.call(confint, cargs)))
      list(rownames = rownames(ci), colnames = colnames(ci), columns = lapply(seq_len(ncol(ci)), function(j) unname(ci[, j])))
    },
    anova = {
      # anova(fit1, fit2, ...) as an R user types it: the models bound to names (q$names, or
      # fit1, fit2, ...), which R shows as the row names.
      env <- new.env()
      nms <- if (is.null(q$names)) paste0("fit", seq_along(q$models)) else unlist(q$names)
      for (i in seq_along(nms)) assign(nms[[i]], models[[q$models[[i]]]], envir = env)
      call <- as.call(c(list(quote(anova)), lapply(nms, as.name), list(refit = q$refit)))
      tab <- suppressMessages(eval(call, env))
      frame_json(tab)
    },
    lmertest = {
      s <- summary(lmerTest::as_lmerModLmerTest(m), ddf = q$ddf)
      cs <- s$coefficients
      list(
        terms = rownames(cs), estimate = unname(cs[, 1]), std_error = unname(cs[, 2]),
        df = unname(cs[, 3]), statistic = unname(cs[, 4]), p_value = unname(cs[, 5]),
        summary = console_lines(s)
      )
    },
    lmertest_anova = frame_json(anova(lmerTest::as_lmerModLmerTest(m), type = q$type, ddf = q$ddf)),
    glmer_p = {
      cs <- coef(summary(m))
      list(terms = rownames(cs), p_value = unname(cs[, "Pr(>|z|)"]))
    },
    emmeans = {
      specs <- if (!is.null(q$formula)) stats::as.formula(q$formula) else unlist(q$specs)
      eargs <- list(m, specs = specs, level = q$level)
      if (!is.null(q$by)) eargs$by <- unlist(q$by)
      if (!is.null(q$type)) eargs$type <- q$type
      if (!is.null(q$lmer_df)) eargs$lmer.df <- q$lmer_df
      e <- do.call(emmeans::emmeans, eargs)
      if (inherits(e, "emm_list")) {
        # what print(e) shows: summary() of each part
        lapply(summary(e), function(s) c(frame_json(s), list(mesg = attr(s, "mesg"))))
      } else {
        df <- as.data.frame(e)
        c(frame_json(df), list(mesg = attr(df, "mesg")))
      }
    },
    contrasts = {
      eargs <- list(m, specs = unlist(q$specs))
      if (!is.null(q$by)) eargs$by <- unlist(q$by)
      e <- do.call(emmeans::emmeans, eargs)
      df <- as.data.frame(emmeans::contrast(e, method = q$method, adjust = q$adjust))
      c(frame_json(df), list(mesg = attr(df, "mesg")))
    },
    tidy = {
      if (!is.null(q$ddf)) {
        tab <- broom.mixed::tidy(lmerTest::as_lmerModLmerTest(m), effects = unlist(q$effects),
          conf.int = q$conf_int, conf.level = q$level, ddf.method = q$ddf)
      } else {
        tab <- broom.mixed::tidy(m, effects = unlist(q$effects), conf.int = q$conf_int, conf.level = q$level)
      }
      frame_json(tab)
    },
    stop("unknown query kind ", q$kind)
  )
}

results <- lapply(input$queries, function(q) tryCatch(run_query(q), error = function(e) list(error = conditionMessage(e))))
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null")
