# power: pylme.power() and pylme.power_curve(), simr's powerSim() and powerCurve() step for
# step. simr is not in Debian, so its algorithm (simr 1.0.x: R/powerSim.R, doSim.R, doFit.R,
# testLibrary.R, extend.R, modify.R, powerCurve.R) is written out here, in simr's order:
#   fixef(object)[term] <- effect                       (modify.R: object@beta)
#   extend(object, along, n)                            (extend.R: attr(object, "newData"))
#   set.seed(seed); repeat nsim times:
#     y <- doSim(object)    simulate(formula, newparams, newdata = getData(object), family, weights)
#     z <- doFit(y, object) the model's own call, evaluated again on getData(object) with y
#     p <- doTest(z, test)  fixed(term, "lr" | "sa" | "z")
# Fitting and testing draw no random numbers, so only doSim moves R's random stream.
# Python passes every value as an argument; the term is checked against the model's own
# names before anything uses it.

# simr's getData(): the extended data simr attaches (attr "newData"), else the call's data
# evaluated in the formula's environment (for a pylme fit, the .pylme_data pylme sent).
pylme_power_getdata <- function(object) {
  nd <- attr(object, "newData")
  if (!is.null(nd)) return(nd)
  dc <- stats::getCall(object)$data
  if (is.data.frame(dc)) return(dc)
  eval(dc, envir = environment(stats::formula(object)))
}

# simr's extend.data.frame(data, along, n = n): n "slices" of the data, one per new value of
# `along`, slice i copying the rows of the i-th old value (recycled). A factor gets the levels
# make.unique(rep(letters, length = n)), anything else the values 1..n.
pylme_power_extend <- function(data, along, n) {
  a <- is.factor(data[[along]])
  if (a) {
    values <- character(n)
    suppressWarnings(values[] <- letters)
    values <- make.unique(values)
  } else {
    values <- seq_len(n)
  }
  oldValues <- values
  suppressWarnings(oldValues[] <- as.character(unique(data[[along]])))
  f <- function(value, oldValue) {
    one <- data[(data[[along]] == oldValue), , drop = FALSE]
    if (a) levels(one[[along]]) <- values
    one[[along]][] <- value
    one
  }
  X <- do.call(rbind, mapply(f, values, oldValues, SIMPLIFY = FALSE))
  X$.simr_repl <- NULL
  for (j in seq_along(X)) {
    C <- attr(data[[j]], "contrasts")
    if (!is.null(C)) stats::contrasts(X[[j]]) <- C
  }
  X
}

# The object simr simulates from and fits to: fixed effects set (simr's `fixef<-`), and the
# data extended along one variable (simr's extend.default).
pylme_power_object <- function(req) {
  object <- req$model
  beta <- lme4::fixef(object)
  if (length(req$effect_names)) {
    nm <- as.character(req$effect_names)
    bad <- setdiff(nm, colnames(lme4::getME(object, "X")))
    if (length(bad)) {
      pylme_stop("value", sprintf(
        "effect: %s is not the name of a fixed effect; the model's are %s",
        bad[1L], paste(names(beta), collapse = ", ")
      ))
    }
    beta[nm] <- as.numeric(req$effect_values)
    object@beta <- unname(beta)
  }
  if (!is.null(req$along)) object <- pylme_power_extend_object(object, as.character(req$along), req$n)
  object
}

# simr's extend.default(object, along, n = n): the object, with its extended data attached.
pylme_power_extend_object <- function(object, along, n) {
  data <- pylme_power_getdata(object)
  if (!(along %in% names(data))) {
    pylme_stop("value", sprintf(
      "extend: '%s' is not a column of the model's data (%s)", along, paste(names(data), collapse = ", ")
    ))
  }
  f <- stats::formula(object)
  fixed_vars <- all.vars(lme4::nobars(f[[length(f)]]))
  if (is.factor(data[[along]]) && along %in% fixed_vars) {
    pylme_stop("value", sprintf("extend: cannot extend along a fixed factor ('%s')", along))
  }
  n_old <- length(unique(data[[along]]))
  if (is.factor(data[[along]]) && n < n_old) {
    pylme_stop("value", sprintf(
      "extend: '%s' has %d levels; extend grows a design, so n must be at least %d (power_curve's breaks look at fewer)",
      along, n_old, n_old
    ))
  }
  attr(object, "newData") <- pylme_power_extend(data, along, as.integer(n))
  object
}

# simr's doSim.merMod.
pylme_power_dosim <- function(object) {
  simParams <- list(
    beta = lme4::fixef(object),
    theta = lme4::getME(object, "theta"),
    sigma = stats::sigma(object)
  )
  useSc <- object@devcomp$dims["useSc"]
  if (!useSc) simParams$sigma <- NULL
  simData <- pylme_power_getdata(object)
  w <- stats::weights(object)
  if (!is.null(w)) if (length(w) != nrow(simData)) {
    if (length(unique(w)) != 1) {
      if (pylme_power_cbind(object)) w <- NULL else stop("Non-uniform weights are not supported yet.")
    } else {
      w <- rep(w[1], nrow(simData))
    }
  }
  stats::simulate(
    stats::formula(object),
    newparams = simParams, newdata = simData, family = stats::family(object), weights = w
  )[[1]]
}

# simr's cbindResponse().
pylme_power_cbind <- function(object) {
  stats::family(object)$family == "binomial" && is.matrix(stats::model.response(object@frame))
}

# simr's doFit.default: the model's call, with the response replaced by y, evaluated on the
# object's data (rows `subset`, or all of them when NULL).
pylme_power_dofit <- function(y, fit, subset) {
  responseName <- stats::formula(fit)[[2]]
  if (as.character(responseName)[1] == "cbind") {
    responseForm <- responseName
    responseName <- responseName[[2]]
    if (is.matrix(y)) y <- y[, 1]
  } else {
    if (!is.character(responseName)) responseName <- deparse(responseName)
    responseName <- make.names(responseName)
    responseForm <- as.symbol(responseName)
  }
  newData <- pylme_power_getdata(fit)
  newData[[responseName]] <- y
  if (!is.null(subset)) newData <- newData[subset, , drop = FALSE]
  newCall <- stats::getCall(fit)
  newCall[["formula"]][[2]] <- responseForm
  newCall[["data"]] <- quote(newData)
  if ("weights" %in% names(newCall)) {
    N <- nrow(pylme_power_getdata(fit))
    w <- stats::weights(fit)
    if (length(w) != N) {
      if (length(unique(w)) != 1) stop("Non-uniform weights are not supported")
      w <- rep(w[1], N)
    }
    if (!is.null(subset)) w <- w[subset]
    newCall[["weights"]] <- w
  }
  e <- new.env(parent = environment(stats::formula(newCall)))
  attr(newCall$formula, ".Environment") <- e
  assign("newData", newData, envir = e)
  eval(newCall)
}

# simr's doTest with fixed(term, method): "lrt" is lrtest (drop1(z, term, test = "Chisq")),
# "satterthwaite" is satest (lmerTest's summary), "z" is ztest (summary()'s z, or t as z).
pylme_power_dotest <- function(z, term, test) {
  pval <- switch(test,
    lrt = {
      labels <- attr(stats::terms(z), "term.labels")
      order <- attr(stats::terms(z), "order")
      if (term %in% unlist(strsplit(labels[order > 1], ":", fixed = TRUE))) {
        warning("Main effect (", term, ") was tested but there were interactions.")
      }
      a <- stats::drop1(z, term, test = "Chisq")
      a[term, "Pr(Chi)"]
    },
    satterthwaite = {
      a <- summary(lmerTest::as_lmerModLmerTest(z), ddf = "Satterthwaite")$coefficients
      a[term, "Pr(>|t|)"]
    },
    z = {
      a <- summary(z)$coefficients
      if (inherits(z, "lmerMod")) stats::pnorm(abs(a[term, "t value"]), lower.tail = FALSE) * 2
      else a[term, "Pr(>|z|)"]
    }
  )
  if (!is.numeric(pval) || length(pval) != 1 || is.na(pval)) stop("Test did not return a p-value")
  pval
}

# Run expr; its value, its error message (NULL if none), and its warnings and messages
# (muffled) with where each came from, as simr's maybe() records them.
pylme_power_capture <- function(expr) {
  kind <- character()
  origin <- character()
  text <- character()
  value <- tryCatch(
    withCallingHandlers(expr,
      warning = function(w) {
        kind <<- c(kind, "warning")
        origin <<- c(origin, pylme_origin(w))
        text <<- c(text, conditionMessage(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        kind <<- c(kind, "message")
        origin <<- c(origin, pylme_origin(m))
        text <<- c(text, sub("\n$", "", conditionMessage(m)))
        invokeRestart("muffleMessage")
      }
    ),
    error = function(e) structure(list(message = conditionMessage(e)), class = "pylme_power_failed")
  )
  failed <- inherits(value, "pylme_power_failed")
  if (failed) {
    kind <- c(kind, "error")
    origin <- c(origin, "")
    text <- c(text, value$message)
  }
  list(value = if (failed) NULL else value, failed = failed, kind = kind, origin = origin, text = text)
}

# The rows of each point of a power curve: simr's powerCurve subsets, x %in% head(targets, b)
# with targets the sorted distinct values of `along` (a factor's in level order).
pylme_power_subsets <- function(data, along, breaks) {
  if (is.null(along)) return(list(NULL))
  x <- data[[along]]
  targets <- sort(unique(x))
  lapply(as.integer(breaks), function(b) x %in% utils::head(targets, b))
}

# simr's tidySeq(pcmin = 3, to, pcmax = 10): powerCurve's default breaks.
pylme_power_tidyseq <- function(to, from = 3, maxLength = 10) {
  if (to < from) return(to)
  if (to - from + 1 <= maxLength) return(seq(from, to))
  round(seq(from, to, length = maxLength))
}

# Everything one run needs, in an environment the steps share. A power curve whose largest
# break exceeds the levels of `along` extends along it first (req$auto_extend), as
# powerCurve(extend(fit, along = along, n = max(breaks)), along = along, breaks = breaks).
pylme_power_run <- function(req) {
  run <- new.env(parent = emptyenv())
  object <- pylme_power_object(req)
  data <- pylme_power_getdata(object)
  along <- req$curve_along
  breaks <- NULL
  run$extended <- FALSE
  if (!is.null(along)) {
    if (!(along %in% names(data))) {
      pylme_stop("value", sprintf(
        "along: '%s' is not a column of the model's data (%s)", along, paste(names(data), collapse = ", ")
      ))
    }
    n_lev <- length(unique(data[[along]]))
    breaks <- if (is.null(req$breaks)) pylme_power_tidyseq(n_lev) else as.integer(req$breaks)
    if (max(breaks) > n_lev) {
      if (!isTRUE(req$auto_extend)) {
        pylme_stop("value", sprintf(
          "breaks: the largest break (%d) exceeds the %d levels of '%s' after extend; extend it to at least %d levels",
          max(breaks), n_lev, along, max(breaks)
        ))
      }
      object <- pylme_power_extend_object(object, along, max(breaks))
      data <- pylme_power_getdata(object)
      run$extended <- TRUE
    }
  }
  run$object <- object
  run$term <- as.character(req$term)
  run$test <- as.character(req$test)
  run$breaks <- breaks
  run$subsets <- pylme_power_subsets(data, along, breaks)
  run$nrow <- vapply(run$subsets, function(s) if (is.null(s)) nrow(data) else sum(s), 1)
  pylme_power_check_term(object, run$term, run$test)
  run
}

pylme_power_check_term <- function(object, term, test) {
  if (identical(test, "lrt")) {
    allowed <- attr(stats::terms(object, fixed.only = TRUE), "term.labels")
    what <- "a fixed-effect term (drop1's scope)"
  } else {
    allowed <- names(lme4::fixef(object))
    what <- "a fixed-effect coefficient"
  }
  if (!(term %in% allowed)) {
    pylme_stop("value", sprintf(
      "term: '%s' is not %s of the model; test='%s' takes one of %s",
      term, what, test, paste(allowed, collapse = ", ")
    ))
  }
  if (identical(test, "satterthwaite") && !inherits(object, "lmerMod")) {
    pylme_stop("value", "test='satterthwaite' is lmerTest's, for lmer fits; use test='z' or 'lrt'")
  }
  invisible(TRUE)
}

# One simulation (simr's f() in powerSim): draw y with `draw`, then fit and test on each subset.
pylme_power_one <- function(run, draw) {
  S <- length(run$subsets)
  p <- rep(NA_real_, S)
  out <- list(subset = integer(), stage = character(), kind = character(), origin = character(), text = character())
  add <- function(cap, stage, s) {
    k <- length(cap$kind)
    out$subset <<- c(out$subset, rep(as.integer(s), k))
    out$stage <<- c(out$stage, rep(stage, k))
    out$kind <<- c(out$kind, cap$kind)
    out$origin <<- c(out$origin, cap$origin)
    out$text <<- c(out$text, cap$text)
  }
  sim <- draw()
  add(sim, "Simulating", 0L)
  if (!sim$failed) {
    for (s in seq_len(S)) {
      fit <- pylme_power_capture(pylme_power_dofit(sim$value, run$object, run$subsets[[s]]))
      add(fit, "Fitting", s)
      if (fit$failed) next
      tst <- pylme_power_capture(pylme_power_dotest(fit$value, run$term, run$test))
      add(tst, "Testing", s)
      if (!tst$failed) p[s] <- tst$value
    }
  }
  c(list(p = p), out)
}

# fun() with R's random-number state `state` in place, and the state it leaves; the session's
# own .Random.seed (R keeps it in globalenv) is put back afterwards.
pylme_power_rng <- function(state, fun) {
  genv <- globalenv()
  had <- exists(".Random.seed", envir = genv, inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = genv, inherits = FALSE) else NULL
  on.exit(if (had) assign(".Random.seed", old, envir = genv)
          else if (exists(".Random.seed", envir = genv, inherits = FALSE)) rm(".Random.seed", envir = genv))
  if (!is.null(state)) assign(".Random.seed", state, envir = genv)
  value <- fun()
  list(value = value, state = get(".Random.seed", envir = genv, inherits = FALSE))
}

# Serial runs: one random stream, set.seed(seed) once (simr's powerSim(..., seed = seed)).
pylme_power_start <- function(req) {
  run <- pylme_power_run(req)
  seed <- as.integer(req$seed)
  run$state <- pylme_power_rng(NULL, function() set.seed(seed))$state
  list(
    run = run, nrow = run$nrow, breaks = run$breaks, extended = run$extended,
    beta = unname(lme4::fixef(run$object)), beta_names = names(lme4::fixef(run$object)),
    n_data = nrow(pylme_power_getdata(run$object))
  )
}

# The next simulation of a serial run.
pylme_power_step <- function(req) {
  run <- req$run
  pylme_power_one(run, function() {
    r <- pylme_power_rng(run$state, function() pylme_power_capture(pylme_power_dosim(run$object)))
    run$state <- r$state
    r$value
  })
}

# Parallel runs: simulation i draws from set.seed(seeds[i]), whatever process runs it.
pylme_power_seeds <- function(req) {
  run <- pylme_power_run(req)
  lapply(as.integer(req$seeds), function(seed) {
    pylme_power_one(run, function() {
      pylme_power_rng(NULL, function() {
        set.seed(seed)
        pylme_power_capture(pylme_power_dosim(run$object))
      })$value
    })
  })
}

# simr's confidence interval for power: binom::binom.confint(x, n, methods = "exact"), the
# Clopper-Pearson interval, which is binom.test's.
pylme_power_ci <- function(req) {
  x <- as.integer(req$x)
  n <- as.integer(req$n)
  ci <- vapply(seq_along(x), function(i) {
    as.numeric(stats::binom.test(x[i], n[i], conf.level = req$level)$conf.int)
  }, numeric(2))
  list(lower = ci[1, ], upper = ci[2, ])
}
