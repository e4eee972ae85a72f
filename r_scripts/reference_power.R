# Pure-R reference for pylme.power() and pylme.power_curve(): the loop simr's powerSim and
# powerCurve run, written out in plain R (simr itself is not in Debian), no Python involved.
# Usage: Rscript reference_power.R <tasks.json> <out.json>
# Each task: {"id", "data" (typed columns, see data_io.R), "function": "lmer" | "glmer",
#   "formula", "REML", "family", "term", "test": "lrt" | "satterthwaite" | "z",
#   "effect": {coefficient: value} or {}, "extend": {"along", "n"} or null,
#   "curve": {"along", "breaks"} or null, "nsim", "seed", "seeds": [per-simulation seeds] or [],
#   "alpha"}
# Out, per task id: "p" (serial: set.seed(seed) once, then nsim times simulate, fit, test;
#   one vector per break for a curve, all simulations drawn first as powerCurve does),
#   "p_seeds" (simulation i from set.seed(seeds[i])), "successes", "lower", "upper"
#   (binom.test's Clopper-Pearson interval for the serial p), "nrow", the extended data's
#   rows ("n_data"), and "said": what each serial refit said (its warnings and messages), one
#   entry per fit in order (per break, then per simulation). Doubles travel as "%.17g" text.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

exact <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
percent <- function(x, sign) paste0(ifelse(x == 1, "100.0", sprintf("%5.2f", 100 * x)), sign)

run_task <- function(task) {
  d <- pylme_read_frame(task$data)
  f <- stats::as.formula(task$formula)
  is_glmm <- identical(task[["function"]], "glmer")
  # drop1 and lmerTest refit the model in its formula's environment: this function's frame,
  # which holds the data.
  fit_to <- function(dat) {
    environment(f) <- environment()
    if (is_glmm) {
      fam <- get(task$family, mode = "function")
      glmer(f, data = dat, family = fam())
    } else if (identical(task$test, "satterthwaite")) {
      lmerTest::lmer(f, data = dat, REML = isTRUE(task$REML))
    } else {
      lmer(f, data = dat, REML = isTRUE(task$REML))
    }
  }
  fit <- suppressWarnings(suppressMessages(fit_to(d)))

  # The parameters simulated from: the fit's, with fixef(fit)[names] <- effect.
  beta <- fixef(fit)
  for (nm in names(task$effect)) beta[[nm]] <- task$effect[[nm]]
  params <- list(beta = beta, theta = getME(fit, "theta"))
  if (!is_glmm) params$sigma <- sigma(fit)

  # The design: extended along one variable, slice i a copy of the rows of the i-th distinct
  # value (recycled), relabelled a, b, ..., z, a.1, ... (a factor) or 1..n (anything else).
  # A curve's breaks: given, or simr's default (3 up to the number of levels, at most 10).
  design <- d
  ext <- task$extend
  breaks <- NULL
  if (!is.null(task$curve)) {
    along <- task$curve$along
    n_levels <- length(unique(d[[along]]))
    breaks <- unlist(task$curve$breaks)
    if (is.null(breaks)) {
      breaks <- if (n_levels < 3) n_levels else if (n_levels - 2 <= 10) 3:n_levels else
        round(seq(3, n_levels, length.out = 10))
    }
    if (is.null(ext) && max(breaks) > n_levels) ext <- list(along = along, n = max(breaks))
  }
  if (!is.null(ext)) {
    x <- d[[ext$along]]
    old <- unique(x)
    labels <- if (is.factor(x)) make.unique(rep_len(letters, ext$n)) else seq_len(ext$n)
    slices <- list()
    for (i in seq_len(ext$n)) {
      slice <- d[as.character(x) == as.character(old[(i - 1) %% length(old) + 1]), , drop = FALSE]
      slice[[ext$along]] <- if (is.factor(x)) factor(rep(labels[i], nrow(slice)), levels = labels) else labels[i]
      slices[[i]] <- slice
    }
    design <- do.call(rbind, slices)
  }
  # Weights as simr passes them: the fit's (all 1 for lmer, the sizes of a cbind binomial),
  # repeated when uniform and dropped when not, once the design has grown.
  weights <- weights(fit)
  if (length(weights) != nrow(design)) {
    weights <- if (length(unique(weights)) == 1) rep(weights[1], nrow(design)) else NULL
  }
  response <- all.vars(f[[2]])[1]

  simulate_y <- function() {
    y <- simulate(formula(fit), newparams = params, newdata = design, family = family(fit),
                  weights = weights)[[1]]
    if (is.matrix(y)) y[, 1] else y
  }
  test_p <- function(y, rows) {
    dat <- design
    dat[[response]] <- y
    dat <- dat[rows, , drop = FALSE]
    said <- character()
    z <- withCallingHandlers(fit_to(dat),
      warning = function(w) {
        said <<- c(said, conditionMessage(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        said <<- c(said, sub("\n$", "", conditionMessage(m)))
        invokeRestart("muffleMessage")
      }
    )
    said_by_fits[[length(said_by_fits) + 1L]] <<- said
    switch(task$test,
      lrt = drop1(z, task$term, test = "Chisq")[task$term, "Pr(Chi)"],
      satterthwaite = coef(summary(z))[task$term, "Pr(>|t|)"],
      z = if (is_glmm) coef(summary(z))[task$term, "Pr(>|z|)"] else
        2 * pnorm(-abs(coef(summary(z))[task$term, "t value"]))
    )
  }
  rows_for <- if (is.null(task$curve)) {
    list(rep(TRUE, nrow(design)))
  } else {
    x <- design[[task$curve$along]]
    targets <- sort(unique(x))
    lapply(breaks, function(b) x %in% head(targets, b))
  }

  # Serial: one stream. powerSim: simulate, fit, test in turn; powerCurve: every simulation
  # first, then each break's fits.
  said_by_fits <- list() # what each serial refit said (warnings and messages), in fit order
  set.seed(task$seed)
  if (is.null(task$curve)) {
    p <- numeric(task$nsim)
    for (i in seq_len(task$nsim)) p[i] <- test_p(simulate_y(), rows_for[[1]])
    p <- list(p)
  } else {
    ys <- lapply(seq_len(task$nsim), function(i) simulate_y())
    p <- lapply(rows_for, function(rows) vapply(ys, test_p, 0, rows = rows))
  }
  successes <- vapply(p, function(v) sum(v < task$alpha, na.rm = TRUE), 0)
  ci <- vapply(successes, function(x) binom.test(x, task$nsim)$conf.int[1:2], numeric(2))
  out <- list(
    p = lapply(p, exact), successes = successes, lower = exact(ci[1, ]), upper = exact(ci[2, ]),
    nrow = vapply(rows_for, sum, 0), n_data = nrow(design),
    said = lapply(said_by_fits, function(x) as.list(x)), breaks = breaks,
    # simr's print.powerSim line: power (lower, upper) in per cent
    printed = paste0(percent(successes / task$nsim, "%"), " (", percent(ci[1, ], ""), ", ",
                     percent(ci[2, ], ""), ")")
  )
  # Per-simulation seeds (the parallel backends): simulation i from set.seed(seeds[i]).
  if (length(task$seeds)) {
    per <- lapply(unlist(task$seeds), function(s) {
      set.seed(s)
      y <- simulate_y()
      vapply(rows_for, function(rows) test_p(y, rows), 0)
    })
    out$p_seeds <- lapply(seq_along(rows_for), function(j) exact(vapply(per, `[`, 0, j)))
  }
  out
}

tasks <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
out <- list()
for (task in tasks) {
  out[[task$id]] <- tryCatch(run_task(task), error = function(e) list(error = paste(conditionMessage(e), deparse(conditionCall(e))[1])))
}
jsonlite::write_json(out, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null")
