# convergence: R functions for pylme.diagnostics: lme4's allFit() and the checks of its help
# page ?convergence (the scaled gradient, a restart from the estimates). Sourced once per session
# into pylme's environment. allFit() loads optimx and dfoptim itself (requireNamespace); Python
# checks that a requested optimizer's package is installed before calling.

# allFit()'s name for each row of its method table: "bobyqa", "optimx.L-BFGS-B", ...
pylme_allfit_names <- function(tab) {
  gsub("\\.$", "", paste(tab[, "optimizer"], tab[, "method"], sep = "."))
}

# The optimizers allFit() would use here (it drops those whose package is missing), and whether
# both of its optional packages are present: only then does allFit() accept a method table of
# our own (without dfoptim or optimx it filters the table by the row positions of its default).
pylme_allfit_installed <- function(req) {
  tab <- suppressMessages(lme4::allFit(show.meth.tab = TRUE))
  list(
    names = pylme_allfit_names(tab),
    complete = nzchar(system.file(package = "optimx")) && nzchar(system.file(package = "dfoptim"))
  )
}

# The model as allFit() and update() rebuild it. pylme's fits hold their control as an
# evaluated lmerControl object in the call, which allFit() cannot turn back into arguments;
# it gets the call a user would have typed instead (lmerControl(<the arguments pylme sent>)).
pylme_conv_model <- function(m, control) {
  if (inherits(m@call$control, "merControl")) {
    fun <- if (lme4::isGLMM(m)) quote(lme4::glmerControl) else quote(lme4::lmerControl)
    m@call$control <- if (length(control)) as.call(c(list(fun), control)) else NULL
  }
  m
}

# The gradient tolerance lme4 checked this fit with (check.conv.grad's tol, 0.002 by default).
pylme_grad_tol <- function(m) {
  ctrl <- m@call$control
  if (is.call(ctrl)) ctrl <- eval(ctrl, asNamespace("lme4"))
  if (!inherits(ctrl, "merControl")) ctrl <- if (lme4::isGLMM(m)) lme4::glmerControl() else lme4::lmerControl()
  ctrl$checkConv$check.conv.grad$tol
}

pylme_conv_tol <- function(req) pylme_grad_tol(req$model)

# lme4's convergence check on the gradient (checkConv): max(pmin(|solve(chol(H), g)|, |g|)),
# and its status: checked, or why not: singular (lme4 skips the check), no derivatives, or
# unevaluable (no Cholesky factor of the Hessian: lme4 then reports a failure).
pylme_scaled_gradient <- function(m) {
  d <- m@optinfo$derivs
  if (lme4::isSingular(m)) return(list(value = NA_real_, status = "singular"))
  if (is.null(d)) return(list(value = NA_real_, status = "no derivatives"))
  sc <- tryCatch(with(d, solve(chol(Hessian), gradient)), error = function(e) NULL)
  if (is.null(sc) || anyNA(sc)) return(list(value = NA_real_, status = "unevaluable"))
  list(value = max(pmin(abs(sc), abs(d$gradient))), status = "checked")
}

# What summary(allFit(m)) takes from each fit, plus the optimizer's code, lme4's messages and
# the gradient check; an error (allFit keeps failed fits as conditions) as its message.
pylme_conv_one <- function(x) {
  if (inherits(x, "error")) return(list(ok = FALSE, error = conditionMessage(x)))
  g <- pylme_scaled_gradient(x)
  tt <- attr(x, "time")
  list(
    ok = TRUE,
    fixef = unname(lme4::fixef(x)), fixef_names = names(lme4::fixef(x)),
    theta = unname(lme4::getME(x, "theta")), theta_names = names(lme4::getME(x, "theta")),
    sdcor = as.data.frame(lme4::VarCorr(x))[["sdcor"]],
    sigma = stats::sigma(x), loglik = as.numeric(stats::logLik(x)),
    feval = as.numeric(x@optinfo$feval), code = as.numeric(x@optinfo$conv$opt),
    time = if (is.null(tt)) NA_real_ else unname(tt[["elapsed"]]),
    warnings = as.character(c(unlist(x@optinfo$warnings), unlist(x@optinfo$conv$lme4$messages))),
    max_grad = g$value, grad_status = g$status, singular = lme4::isSingular(x)
  )
}

# allFit(m, meth.tab, maxfun) for the named optimizers; its own warnings are muffled (each fit
# keeps them in @optinfo). allFit() assigns `ctrl` into the formula's environment; what was
# there before is put back.
pylme_allfit <- function(req) {
  m <- pylme_conv_model(req$model, req$control)
  env <- environment(stats::formula(m))
  had <- exists("ctrl", envir = env, inherits = FALSE)
  old <- if (had) get("ctrl", envir = env, inherits = FALSE)
  on.exit(if (had) assign("ctrl", old, envir = env) else if (exists("ctrl", envir = env, inherits = FALSE)) rm("ctrl", envir = env))
  wanted <- unlist(req$optimizers)
  tab <- NULL
  if (isTRUE(req$subset)) {
    all <- suppressMessages(lme4::allFit(show.meth.tab = TRUE))
    tab <- all[pylme_allfit_names(all) %in% wanted, , drop = FALSE]
  }
  af <- suppressWarnings(suppressMessages(
    lme4::allFit(m, meth.tab = tab, verbose = FALSE, maxfun = req$maxfun)
  ))
  keep <- names(af)[names(af) %in% wanted]
  list(names = keep, fits = unname(lapply(af[keep], pylme_conv_one)))
}

# The fit itself and ?convergence's restart from its estimates: update(m, start = pars), with
# pars the theta (LMM) or theta and fixef (GLMM), as the help page writes it.
pylme_conv_restart <- function(req) {
  m <- pylme_conv_model(req$model, req$control)
  pars <- if (lme4::isLMM(m)) lme4::getME(m, "theta") else lme4::getME(m, c("theta", "fixef"))
  t0 <- proc.time()
  r <- tryCatch(
    suppressWarnings(suppressMessages(do.call(stats::update, list(m, start = pars)))),
    error = function(e) e
  )
  if (!inherits(r, "error")) attr(r, "time") <- proc.time() - t0
  list(fit = pylme_conv_one(req$model), restart = pylme_conv_one(r), tol = pylme_grad_tol(req$model))
}
