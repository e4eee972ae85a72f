# Pure-R references for pylme's prediction intervals (fit.predict(interval=...)): no Python.
# Usage: Rscript reference_intervals.R <tasks.json> <out.json>
# Each task: {"id", "rds": a model saved by pylme's to_rds, "ops": [{"method": "delta" |
#   "simulate" | "bootstrap", "interval", "level", "re_form", "allow_new_levels", "type",
#   "newdata" (typed columns, see data_io.R), "nsim", "seed", "use_u" (bootstrap), "drop_re" (delta: leave the
#   random effects' part out, to show the test sees it)}]}.
# Rows of newdata with a missing value get NA (newdata holds only the columns pylme sends).
# Results are {"fit", "lower", "upper"} as "%.17g" text (read back bit for bit).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

exact <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
re_form <- function(x) if (is.null(x)) NULL else if (identical(x, "NA")) NA else stats::as.formula(x)
pad <- function(keep, x) {
  out <- rep(NA_real_, length(keep))
  out[keep] <- unname(as.numeric(x))
  out
}

# The delta method by hand: X from the fixed-effect formula, V = vcov(fit); the random
# effects' part from ranef(condVar = TRUE) (a new level: VarCorr), slopes read from nd.
delta <- function(fit, nd, op) {
  rf <- re_form(op$re_form)
  eta <- predict(fit, newdata = nd, re.form = rf, allow.new.levels = isTRUE(op$allow_new_levels))
  X <- model.matrix(delete.response(terms(fit, fixed.only = TRUE)), nd)
  v <- diag(X %*% as.matrix(vcov(fit)) %*% t(X))
  if (identical(op$interval, "prediction")) {
    v <- v + sigma(fit)^2
    keep_terms <- if (is.null(rf)) seq_along(fit@cnms)
                  else if (identical(rf, NA) || !length(findbars(rf))) integer()
                  else which(names(fit@cnms) %in% vapply(findbars(rf), function(b) deparse(b[[3]]), ""))
    re <- ranef(fit, condVar = TRUE)
    vc <- VarCorr(fit)
    if (!isTRUE(op$drop_re)) for (k in keep_terms) {
      g <- names(fit@cnms)[k]
      cn <- fit@cnms[[k]]
      z <- sapply(cn, function(c) if (c == "(Intercept)") rep(1, nrow(nd)) else nd[[c]])
      z <- matrix(z, nrow = nrow(nd))
      pv <- attr(re[[g]], "postVar")
      if (is.list(pv)) pv <- pv[[sum(names(fit@cnms)[seq_len(k)] == g)]]
      for (i in seq_len(nrow(nd))) {
        l <- match(as.character(nd[[g]][i]), rownames(re[[g]]))
        C <- if (is.na(l)) as.matrix(vc[[k]]) else matrix(pv[, , l], length(cn))
        v[i] <- v[i] + drop(z[i, ] %*% C %*% z[i, ])
      }
    }
  }
  q <- qnorm(1 - (1 - op$level) / 2)
  out <- cbind(eta, eta - q * sqrt(v), eta + q * sqrt(v))
  if (identical(op$type, "response")) out <- family(fit)$linkinv(out)
  list(fit = out[, 1], lower = pmin(out[, 2], out[, 3]), upper = pmax(out[, 2], out[, 3]))
}

simulate_pi <- function(fit, nd, op) {
  rf <- re_form(op$re_form)
  which <- if (!is.null(rf) && (identical(rf, NA) || !length(findbars(rf)))) "fixed" else "full"
  type <- if (isGLMM(fit) && identical(op$type, "response")) "probability" else "linear.prediction"
  r <- suppressWarnings(merTools::predictInterval(
    fit, newdata = nd, which = which, level = op$level, n.sims = op$nsim, stat = "median",
    type = type, include.resid.var = identical(op$interval, "prediction"), seed = op$seed
  ))
  list(fit = r$fit, lower = r$lwr, upper = r$upr)
}

bootstrap_pi <- function(fit, nd, op) {
  rf <- re_form(op$re_form)
  anl <- isTRUE(op$allow_new_levels)
  type <- if (is.null(op$type)) "link" else op$type
  FUN <- if (identical(op$interval, "prediction")) {
    function(m) {
      p <- predict(m, newdata = nd, re.form = rf, allow.new.levels = anl, type = type)
      p + rnorm(length(p), 0, sigma(m))
    }
  } else {
    function(m) predict(m, newdata = nd, re.form = rf, allow.new.levels = anl, type = type)
  }
  b <- suppressWarnings(suppressMessages(bootMer(fit, FUN, nsim = op$nsim, seed = op$seed, use.u = isTRUE(op$use_u))))
  a <- (1 - op$level) / 2
  list(
    fit = predict(fit, newdata = nd, re.form = rf, allow.new.levels = anl, type = type),
    lower = apply(b$t, 2, quantile, probs = a, na.rm = TRUE, names = FALSE),
    upper = apply(b$t, 2, quantile, probs = 1 - a, na.rm = TRUE, names = FALSE)
  )
}

run_op <- function(fit, op) {
  nd <- pylme_read_frame(op$newdata)
  keep <- complete.cases(nd)
  res <- switch(op$method,
    delta = delta(fit, nd[keep, , drop = FALSE], op),
    simulate = simulate_pi(fit, nd[keep, , drop = FALSE], op),
    bootstrap = bootstrap_pi(fit, nd[keep, , drop = FALSE], op),
    stop("unknown method ", op$method)
  )
  lapply(res, function(x) exact(pad(keep, x)))
}

run_task <- function(task) {
  fit <- readRDS(task$rds)
  lapply(task$ops, function(op) tryCatch(run_op(fit, op), error = function(e) list(error = conditionMessage(e))))
}

tasks <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(tasks, function(task) tryCatch(run_task(task), error = function(e) list(error = conditionMessage(e))))
names(results) <- vapply(tasks, function(t) t$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null")
