# many: R functions for pylme.parallel (sourced once per session into pylme's environment).
#
# lmer_many: lme4's own modular route, step for step what lme4::lmer() does (lFormula,
# mkLmerDevfun, optimizeLmer, checkConv, mkMerMod), with lFormula run once per pattern of
# missing responses and only the response swapped in between fits.

# Run expr, recording its warnings and messages (muffled) as pylme_call() would.
pylme_many_capture <- function(expr) {
  warnings <- character()
  messages <- character()
  warning_origins <- character()
  message_origins <- character()
  value <- tryCatch(
    withCallingHandlers(expr,
      warning = function(w) {
        warnings <<- c(warnings, conditionMessage(w))
        warning_origins <<- c(warning_origins, pylme_origin(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        messages <<- c(messages, sub("\n$", "", conditionMessage(m)))
        message_origins <<- c(message_origins, pylme_origin(m))
        invokeRestart("muffleMessage")
      }
    ),
    error = function(e) e
  )
  list(
    value = value, warnings = warnings, messages = messages,
    warning_origins = warning_origins, message_origins = message_origins
  )
}

pylme_many_error <- function(e) {
  list(error_class = class(e), error_message = conditionMessage(e))
}

# Put response `y` (its name) into every place of a model frame that names the response,
# as lme4's refit(rename.response = TRUE) does, and give the frame its fit's environment.
pylme_many_rename <- function(fr, y, env) {
  sym <- as.name(y)
  fr[[1L]] <- env$.pylme_data[[y]][if (is.null(na <- attr(fr, "na.action"))) TRUE else -na]
  names(fr)[1L] <- y
  f <- attr(fr, "formula")
  f[[2L]] <- sym
  environment(f) <- env
  attr(fr, "formula") <- f
  tt <- attr(fr, "terms")
  tt[[2L]] <- sym
  for (a in c("variables", "predvars", "predvars.fixed", "predvars.random")) {
    v <- attr(tt, a)
    if (!is.null(v)) {
      v[[2L]] <- sym
      attr(tt, a) <- v
    }
  }
  dc <- attr(tt, "dataClasses")
  names(dc)[1L] <- y
  attr(tt, "dataClasses") <- dc
  vf <- attr(tt, "varnames.fixed")
  if (!is.null(vf)) attr(tt, "varnames.fixed")[1L] <- y
  fa <- attr(tt, "factors")
  if (length(fa)) rownames(fa)[1L] <- y
  attr(tt, "factors") <- fa
  environment(tt) <- env
  attr(fr, "terms") <- tt
  fr
}

# One lmer fit on a prepared lFormula result: lme4::lmer's body after lFormula.
pylme_many_fit <- function(lmod, theta0, lx0, mcout, control) {
  lmod$formula <- NULL
  # mkLmerDevfun's C++ objects write theta into reTrms in place: give each fit fresh copies
  # of the start values, so that it starts where lmer would.
  lmod$reTrms$theta <- theta0 + 0
  lmod$reTrms$Lambdat@x <- lx0 + 0
  devfun <- do.call(lme4::mkLmerDevfun, c(lmod, list(start = NULL, verbose = 0L, control = control)))
  opt <- lme4::optimizeLmer(devfun,
    optimizer = control$optimizer, restart_edge = control$restart_edge,
    boundary.tol = control$boundary.tol, control = control$optCtrl, verbose = 0L,
    start = NULL, calc.derivs = control$calc.derivs, use.last.params = control$use.last.params
  )
  cc <- lme4::checkConv(attr(opt, "derivs"), opt$par,
    ctrl = control$checkConv, lbound = environment(devfun)$lower
  )
  lme4::mkMerMod(environment(devfun), opt, lmod$reTrms, fr = lmod$fr, mc = mcout, lme4conv = cc)
}

pylme_many_env <- function(data, y, others) {
  env <- new.env(parent = globalenv())
  assign(".pylme_data", data[c(y, setdiff(others, y))], envir = env)
  env
}

# req: rhs (a formula text "~ ..."), data, responses, others (the other columns, in order),
# REML, control, contrasts, na_action, weights, offset.
pylme_lmer_many <- function(req) {
  rhs <- pylme_parse_formula(paste(".pylme_response", req$rhs), baseenv())
  pylme_check_safe(rhs, isTRUE(req$trusted))
  pylme_check_bars(rhs)
  control <- pylme_control("lmer", req$control)
  data <- req$data
  n_rows <- nrow(data)
  responses <- as.character(req$responses)
  others <- as.character(req$others)
  na_fun <- if (identical(req$na_action, "fail")) quote(stats::na.fail) else quote(stats::na.omit)
  call_for <- function(y, fun, env) {
    f <- rhs
    f[[2L]] <- as.name(y)
    environment(f) <- env
    args <- list(formula = f, data = quote(.pylme_data), na.action = na_fun)
    if (!is.null(req$weights)) args$weights <- as.name(req$weights)
    if (!is.null(req$offset)) args$offset <- as.name(req$offset)
    if (!is.null(req$contrasts)) args$contrasts <- req$contrasts
    args$REML <- isTRUE(req$REML)
    args$control <- control
    as.call(c(list(fun), args))
  }
  pattern <- vapply(responses, function(y) {
    paste(which(is.na(data[[y]])), collapse = ",")
  }, character(1))
  models <- vector("list", length(responses))
  results <- vector("list", length(responses))
  for (key in unique(pattern)) {
    idx <- which(pattern == key)
    env0 <- pylme_many_env(data, responses[idx[1L]], others)
    front <- pylme_many_capture(eval(call_for(responses[idx[1L]], quote(lme4::lFormula), env0), env0))
    if (inherits(front$value, "error")) {
      for (i in idx) results[[i]] <- pylme_many_error(front$value)
      next
    }
    lmod <- front$value
    theta0 <- lmod$reTrms$theta + 0
    lx0 <- lmod$reTrms$Lambdat@x + 0
    for (i in idx) {
      y <- responses[i]
      env <- if (i == idx[1L]) env0 else pylme_many_env(data, y, others)
      one <- pylme_many_capture({
        mcout <- match.call(lme4::lmer, call_for(y, quote(lme4::lmer), env))
        lm_i <- lmod
        lm_i$fr <- pylme_many_rename(lmod$fr, y, env)
        f <- lmod$formula
        f[[2L]] <- as.name(y)
        environment(f) <- env
        mcout$formula <- f
        fit <- pylme_many_fit(lm_i, theta0, lx0, mcout, control)
        list(fit = fit, extract = pylme_extract(fit, n_rows))
      })
      if (inherits(one$value, "error")) {
        results[[i]] <- pylme_many_error(one$value)
      } else {
        models[i] <- list(one$value$fit)
        results[[i]] <- c(one$value$extract, list(
          warnings = c(front$warnings, one$warnings),
          messages = c(front$messages, one$messages),
          warning_origins = c(front$warning_origins, one$warning_origins),
          message_origins = c(front$message_origins, one$message_origins)
        ))
      }
    }
  }
  list(models = models, results = results)
}

# -- parametric bootstrap -------------------------------------------------------------------

# The default statistic: the random-effect SDs and correlations, sigma, then the fixed effects,
# named and ordered as confint(fit, oldNames = FALSE) names them.
pylme_boot_stat <- function(statistic) {
  if (identical(statistic, "fixef")) {
    return(function(m) lme4::fixef(m))
  }
  function(m) {
    use_sc <- as.logical(m@devcomp$dims[["useSc"]])
    sc <- if (use_sc && (lme4::isLMM(m) || lme4::isNLMM(m))) stats::sigma(m) else NULL
    nvec <- lengths(m@cnms)
    ss <- if (is.null(sc)) lme4:::Cv_to_Sv(m@theta, n = nvec) else lme4:::Cv_to_Sv(m@theta, n = nvec, s = sc)
    pn <- lme4:::tnames(m, old = FALSE, prefix = c("sd", "cor"))
    if (use_sc) pn <- c(pn, "sigma")
    c(stats::setNames(as.numeric(ss), pn), lme4::fixef(m))
  }
}

# The messages, warnings and errors of a bootMer run's refits (attr(b, "boot.all.msgs"), what
# lme4's print.bootWarnings prints): per kind, the texts and their counts, in the order
# print.bootWarnings takes them (sort() of the table: fewest first).
pylme_boot_msgs <- function(b) {
  msgs <- attr(b, "boot.all.msgs")
  kinds <- c(message = "factory-message", warning = "factory-warning", error = "factory-error")
  lapply(kinds, function(k) {
    m <- if (is.null(msgs[[k]])) integer() else sort(msgs[[k]])
    list(text = as.character(names(m)), count = as.integer(m))
  })
}

# R's own bootMer with one seed for the whole run (backend = "serial").
pylme_bootstrap <- function(req) {
  FUN <- pylme_boot_stat(req$statistic)
  b <- lme4::bootMer(req$model, FUN, nsim = as.integer(req$nsim), seed = as.integer(req$seed))
  list(t = unname(b$t), names = names(b$t0), refits = pylme_boot_msgs(b))
}

# One bootMer replicate per seed (the parallel backends): the same results whatever the split.
pylme_bootstrap_seeds <- function(req) {
  FUN <- pylme_boot_stat(req$statistic)
  seeds <- as.integer(req$seeds)
  boots <- lapply(seeds, function(s) lme4::bootMer(req$model, FUN, nsim = 1L, seed = s))
  rows <- lapply(boots, function(b) as.numeric(b$t[1L, ]))
  list(t = do.call(rbind, rows), names = names(FUN(req$model)),
       refits = lapply(boots, pylme_boot_msgs))
}

# -- results travelling back from workers ----------------------------------------------------
#
# An lme4 model's reference-class objects (its `pp` and `resp` slots) each hold a copy of
# their class (`.refClassDef`) and the methods R's `$` installed in them on first use: with
# them, serialize() writes about 1.2 MB for sleepstudy's model. Here those stay behind (about
# 65 KB and 0.3 ms are left), and the receiving side puts `.refClassDef` back; `$` installs
# the methods again when they are next used, as it does in a new object. A check of the R and
# lme4 versions and of this format travels with the bytes. (The bytes live only between a
# worker and the process that asked: a pickled fit holds R's ordinary serialize() bytes.)

pylme_many_registry <- local({
  reg <- NULL
  function() {
    if (is.null(reg)) {
      classes <- c("merPredD", "lmerResp", "glmResp", "nlsResp", "lmResp")
      defs <- lapply(classes, function(cl) methods::getClass(cl, where = asNamespace("lme4")))
      # Each class's method names (what `$` may have installed in an object of it).
      methods <- lapply(defs, function(d) ls(d@refMethods, all.names = TRUE))
      check <- c(R = paste(R.version$major, R.version$minor, sep = "."),
                 lme4 = as.character(utils::packageVersion("lme4")), order = "4")
      reg <<- list(check = check, defs = stats::setNames(defs, classes),
                   methods = stats::setNames(methods, classes))
    }
    reg
  }
})

pylme_many_serialize <- function(req) {
  reg <- pylme_many_registry()
  # Native byte order (xdr = FALSE, faster): the bytes only travel from a worker to the
  # pylme process that asked (this machine, or a cluster's, all little-endian where R and
  # pylme run); a fit pickled from there is written with R's ordinary serialize() (see
  # pylme/parallel/travel.py).
  list(raw = lapply(req$models, function(m) {
    rcs <- pylme_many_rc_envs(m, reg)
    on.exit(pylme_many_rc_restore(rcs, reg))  # the worker's model stays whole
    for (x in rcs) {
      rm(list = intersect(ls(x$env, all.names = TRUE), c(".refClassDef", reg$methods[[x$cls]])),
         envir = x$env)
    }
    serialize(list(check = reg$check, model = m), NULL, xdr = FALSE)
  }))
}

# The model's lme4 reference-class objects (its `pp` and `resp` slots) of a class the
# registry knows: list(env = its environment, cls = its class) each.
pylme_many_rc_envs <- function(m, reg) {
  out <- list()
  if (!isS4(m)) return(out)
  for (nm in c("pp", "resp")) {
    if (!methods::.hasSlot(m, nm)) next
    obj <- methods::slot(m, nm)
    cls <- class(obj)[[1L]]
    if (!is.environment(obj) || is.null(reg$defs[[cls]])) next
    out[[length(out) + 1L]] <- list(env = as.environment(obj), cls = cls)
  }
  out
}

# Each object's class definition back in place (methods come back through `$` on use).
pylme_many_rc_restore <- function(rcs, reg) {
  for (x in rcs) {
    if (!exists(".refClassDef", envir = x$env, inherits = FALSE)) {
      assign(".refClassDef", reg$defs[[x$cls]], envir = x$env)
    }
  }
}

pylme_many_unserialize <- function(req) {
  reg <- pylme_many_registry()
  x <- unserialize(req$payload)
  if (!identical(x$check, reg$check)) {
    form <- function(check) if (is.na(check["order"])) "1" else check[["order"]]
    pylme_stop("value", sprintf(
      paste("this model was made by a worker with R %s, lme4 %s (pylme's model format %s);",
            "here R %s, lme4 %s (format %s): fit it again here"),
      x$check[["R"]], x$check[["lme4"]], form(x$check),
      reg$check[["R"]], reg$check[["lme4"]], form(reg$check)
    ))
  }
  pylme_many_rc_restore(pylme_many_rc_envs(x$model, reg), reg)
  list(model = x$model)
}

# Before loky workers are forked from this process (pylme/parallel/fork_start.py): build what
# every worker would otherwise build for itself (the classes' registry, 2 ms), so they share it.
pylme_fork_prepare <- function(req) {
  pylme_many_registry()
  list(ok = TRUE)
}

# In a freshly forked worker: forget the parent's random-number state, so the worker's first
# draw is seeded from the time and its own pid as in a freshly started R (without this, every
# worker would continue the parent's stream and draw the same numbers).
pylme_fork_child <- function(req) {
  if (exists(".Random.seed", envir = globalenv(), inherits = FALSE)) {
    rm(".Random.seed", envir = globalenv())
  }
  list(ok = TRUE)
}
