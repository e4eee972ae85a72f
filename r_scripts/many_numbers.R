# many_numbers: lmer_many's numbers route (keep = "numbers"), sourced once per session.
#
# lme4::lmer() runs lFormula(), mkLmerDevfun(), optimizeLmer(), checkConv() and mkMerMod().
# Here the first two run once per pattern of missing responses. For each response:
# - the response is swapped into the deviance function's response module (lmerResp's
#   setResp(), which copies the values into the module's y);
# - theta goes back to lme4's default start: the one mkLmerDevfun() sets, including its
#   start for models whose random terms are all intercepts, which depends on the response;
# - lme4's own optimizeLmer() and checkConv() run, with lmer()'s arguments;
# - the numbers are read from the deviance function's modules with the formulas of
#   mkMerMod(), sigma.merMod(), logLik.merMod(), vcov.merMod() and VarCorr.merMod() (lme4
#   1.1-31), without building a merMod.
# The deviance function calls lme4's C entry point lmer_Deviance with the modules' external
# pointers taken once (mkLmerDevfun's closure asks the two reference objects for them on
# every call, which is half of each evaluation's time on a small model); the C code and its
# arguments are the same, so are the values.

# The design: the right-hand side, the design columns, and the options; patterns are added
# as responses with new patterns of missing values arrive (at most PYLME_MANY_PATTERNS kept).
PYLME_MANY_PATTERNS <- 16L

pylme_many_design <- function(req) {
  rhs <- pylme_parse_formula(paste(".pylme_y", req$rhs), baseenv(), trusted = isTRUE(req$trusted))
  pylme_check_bars(rhs)
  S <- new.env(parent = emptyenv())
  S$rhs <- rhs
  S$data <- req$data
  S$control <- pylme_control("lmer", req$control)
  S$REML <- isTRUE(req$REML)
  S$weights <- req$weights
  S$offset <- req$offset
  S$contrasts <- req$contrasts
  S$na_fun <- if (identical(req$na_action, "fail")) quote(stats::na.fail) else quote(stats::na.omit)
  S$ddf <- req$ddf
  S$patterns <- new.env(hash = TRUE, parent = emptyenv())
  S$order <- character()
  S$since_gc <- 0L
  # The columns of the results: every column of the fixed-effects model matrix (a pattern
  # whose X lme4 reduces for rank gives NA for the dropped ones, as fixef(add.dropped = TRUE)),
  # and the rows of as.data.frame(VarCorr()).
  ctrl <- S$control
  ctrl$checkControl$check.rankX <- "ignore"
  probe <- tryCatch(
    suppressWarnings(suppressMessages(pylme_many_lformula(S, rep(0, nrow(S$data)), ctrl))),
    error = function(e) NULL
  )
  if (is.null(probe)) {
    S$terms <- character()
    S$vc <- list(grp = character(), var1 = character(), var2 = character())
  } else {
    S$terms <- colnames(probe$lmod$X)
    vc <- pylme_varcorr(pylme_many_varcorr(probe$lmod$reTrms, 1, probe$lmod$reTrms$theta))
    S$vc <- vc[c("grp", "var1", "var2")]
  }
  list(design = S, terms = S$terms, vc = S$vc)
}

# lme4::lFormula()'s arguments as lmer() passes them, with `y` as the response, and the
# environment they are evaluated in.
pylme_many_call <- function(S, y, control = S$control) {
  env <- new.env(parent = globalenv())
  d <- S$data
  d[[".pylme_y"]] <- y
  env$.pylme_data <- d
  f <- S$rhs
  environment(f) <- env
  args <- list(formula = f, data = quote(.pylme_data), na.action = S$na_fun, REML = S$REML)
  if (!is.null(S$weights)) args$weights <- as.name(S$weights)
  if (!is.null(S$offset)) args$offset <- as.name(S$offset)
  if (!is.null(S$contrasts)) args$contrasts <- S$contrasts
  args$control <- control
  list(args = args, env = env)
}

pylme_many_lformula <- function(S, y, control = S$control) {
  cl <- pylme_many_call(S, y, control)
  list(lmod = eval(as.call(c(list(quote(lme4::lFormula)), cl$args)), cl$env))
}

# An error as pylme_fit() classes it (a data or formula error, or R's own error).
pylme_many_classify <- function(S, e, y) {
  cl <- pylme_many_call(S, y)
  tryCatch(pylme_classify_failure(e, quote(lme4::lFormula), cl$args, cl$env), error = function(e2) e2)
}

# VarCorr.merMod's structure from reTrms, sigma and theta (lme4's own mkVarCorr).
pylme_many_varcorr <- function(reTrms, sc, theta) {
  cnms <- reTrms$cnms
  fl <- reTrms$flist
  structure(
    lme4:::mkVarCorr(sc, cnms = cnms, nc = lengths(cnms), theta = theta, nms = names(fl)[attr(fl, "assign")]),
    useSc = TRUE, class = "VarCorr.merMod"
  )
}

# One pattern of missing values: lFormula() and mkLmerDevfun() as lmer() runs them.
pylme_many_pattern <- function(S, y) {
  P <- new.env(parent = emptyenv())
  front <- pylme_many_capture(pylme_many_lformula(S, y))
  P$front <- front[c("warnings", "messages", "warning_origins", "message_origins")]
  if (inherits(front$value, "error")) {
    P$error <- front$value
    return(P)
  }
  lmod <- front$value$lmod
  fr <- lmod$fr
  na <- attr(fr, "na.action")
  P$keep <- if (is.null(na)) seq_along(y) else seq_along(y)[-as.integer(na)]
  # mkLmerDevfun's C++ modules write theta into reTrms in place: keep lme4's start first.
  P$theta0 <- lmod$reTrms$theta + 0
  lmod$formula <- NULL
  made <- pylme_many_capture(do.call(lme4::mkLmerDevfun, c(lmod, list(
    start = NULL, verbose = 0L, control = S$control
  ))))
  for (k in names(P$front)) P$front[[k]] <- c(P$front[[k]], made[[k]])
  if (inherits(made$value, "error")) {
    P$error <- made$value
    return(P)
  }
  rho <- environment(made$value)
  rho$pp_ptr <- rho$pp$ptr()
  rho$resp_ptr <- rho$resp$ptr()
  devfun <- function(theta) .Call(lmer_Deviance, pp_ptr, resp_ptr, as.double(theta))
  environment(devfun) <- rho
  P$devfun <- devfun
  P$rho <- rho
  P$reTrms <- lmod$reTrms
  P$fr <- fr
  P$lower <- lmod$reTrms$lower
  P$icept <- all(lmod$reTrms$cnms == "(Intercept)") &&
    length(lmod$reTrms$flist) == length(lmod$reTrms$lower)
  P$cols <- match(colnames(lmod$X), S$terms)
  P$n <- nrow(rho$pp$V)
  P$p <- ncol(rho$pp$V)
  P$ldW <- sum(log(rho$resp$weights))
  P
}

pylme_many_get_pattern <- function(S, y) {
  key <- paste0("na:", paste(which(is.na(y)), collapse = ","))
  P <- S$patterns[[key]]
  if (is.null(P)) {
    if (length(S$order) >= PYLME_MANY_PATTERNS) {
      rm(list = S$order[[1L]], envir = S$patterns)
      S$order <- S$order[-1L]
    }
    P <- pylme_many_pattern(S, y)
    assign(key, P, envir = S$patterns)
    S$order <- c(S$order, key)
  }
  P
}

# One fit: lmer()'s steps after mkLmerDevfun() on the pattern's modules, response `y`.
pylme_many_fit1 <- function(S, P, y) {
  if (!all(is.finite(y))) stop("NA/NaN/Inf in 'y'") # mkRespMod()'s check
  control <- S$control
  rho <- P$rho
  devfun <- P$devfun
  rho$pp$setTheta(P$theta0)
  rho$resp$setResp(y)
  if (P$icept) { # mkLmerDevfun(start = NULL)'s start, line for line
    v <- sapply(P$reTrms$flist, function(f) stats::var(stats::ave(y, f)))
    v.e <- stats::var(y) - sum(v)
    if (!is.na(v.e) && v.e > 0) {
      v.rel <- v / v.e
      if (all(v.rel >= P$lower^2)) rho$pp$setTheta(sqrt(v.rel))
    }
  }
  devfun(rho$pp$theta)
  opt <- if (length(control$optimizer) == 0) {
    s <- rho$pp$theta
    list(par = s, fval = devfun(s), conv = 1000, message = "no optimization")
  } else {
    lme4::optimizeLmer(devfun,
      optimizer = control$optimizer, restart_edge = control$restart_edge,
      boundary.tol = control$boundary.tol, control = control$optCtrl, verbose = 0L,
      start = NULL, calc.derivs = control$calc.derivs, use.last.params = control$use.last.params
    )
  }
  cc <- lme4::checkConv(attr(opt, "derivs"), opt$par, ctrl = control$checkConv, lbound = P$lower)
  list(opt = opt, cc = cc)
}

# The numbers of one fit, as mkMerMod() and the merMod methods compute them.
pylme_many_numbers1 <- function(S, P, opt, cc) {
  pp <- P$rho$pp
  resp <- P$rho$resp
  n <- P$n
  p <- P$p
  beta <- pp$beta(1)
  pwrss <- resp$wrss() + pp$sqrL(1)
  sigmaML <- pwrss / n
  sigma <- if (S$REML) sqrt(unname(sigmaML * (n / (n - p)))) else sqrt(unname(sigmaML))
  V <- sigma^2 * pp$unsc()
  se <- sqrt(diag(V))
  theta <- pp$theta
  ll <- -opt$fval / 2
  df <- length(beta) + length(theta) + 1L
  deviance <- if (S$REML) {
    -P$ldW + pp$ldL2() + n * (1 + log(2 * pi * pwrss) - log(n))
  } else {
    opt$fval
  }
  vc <- pylme_varcorr(pylme_many_varcorr(P$reTrms, sigma, theta))
  code <- lme4:::getConv(opt)
  msgs <- as.character(unlist(cc$messages))
  list(
    beta = unname(beta), se = unname(se), V = V, vcov = vc$vcov, sdcor = vc$sdcor,
    sigma = sigma, loglik = ll, aic = -2 * ll + 2 * df,
    bic = -2 * ll + log(n) * df, deviance = deviance, nobs = n,
    code = as.integer(code),
    singular = any(theta[P$lower == 0] < formals(lme4::isSingular)$tol),
    converged = isTRUE(code == 0) && !any(!grepl("singular", msgs, fixed = TRUE))
  )
}

# lmerTest's Satterthwaite (or Kenward-Roger) table for one fit, with this pattern's deviance
# function (what as_lmerModLmerTest() gets from lmer(devFunOnly = TRUE) on the same data).
# Its warnings are dropped, as pylme.lmer(ddf = ...) drops them.
pylme_many_ddf1 <- function(S, P, y, opt, cc, r) {
  if (identical(S$ddf, "Satterthwaite")) {
    return(suppressWarnings(pylme_many_satterthwaite(S, P, r)))
  }
  fr <- P$fr
  fr[[1L]] <- y
  m <- lme4::mkMerMod(P$rho, opt, P$reTrms, fr = fr, lme4conv = cc)
  mt <- suppressWarnings(lmerTest:::as_lmerModLT(m, P$devfun))
  cs <- lmerTest:::get_coefmat(mt, ddf = S$ddf) # summary(mt, ddf)$coefficients, without the rest
  list(se = unname(cs[, "Std. Error"]), t = unname(cs[, "t value"]),
       df = unname(cs[, "df"]), p = unname(cs[, "Pr(>|t|)"]))
}

# lmerTest 3.1's as_lmerModLT() and contest1D() (Satterthwaite) for every coefficient, step
# for step, without the S4 model objects: the numbers of summary(as_lmerModLmerTest(fit)).
# `r` holds this fit's beta, sigma and vcov (sigma^2 * unsc(), as vcov.merMod for an lmer fit).
pylme_many_satterthwaite <- function(S, P, r) {
  devfun <- P$devfun
  varpar_opt <- unname(c(P$rho$pp$theta, r$sigma))
  h <- numDeriv::hessian(func = lmerTest:::devfun_vp, x = varpar_opt, devfun = devfun, reml = S$REML)
  eig_h <- eigen(h, symmetric = TRUE)
  tol <- 1e-08
  pos <- eig_h$values > tol
  q <- sum(pos)
  h_inv <- with(eig_h, {
    vectors[, pos, drop = FALSE] %*% diag(1 / values[pos], nrow = q) %*% t(vectors[, pos, drop = FALSE])
  })
  vcov_varpar <- 2 * h_inv
  Jac <- numDeriv::jacobian(func = lmerTest:::get_covbeta, x = varpar_opt, devfun = devfun)
  p <- length(r$beta)
  Jac_list <- lapply(1:ncol(Jac), function(i) array(Jac[, i], dim = rep(p, 2)))
  qform <- function(x, A) sum(x * (A %*% x))
  Lmat <- diag(p)
  out <- lapply(seq_len(p), function(i) {
    L <- Lmat[i, ]
    estimate <- sum(L * r$beta)
    var_con <- qform(L, r$V)
    grad_var_con <- vapply(Jac_list, function(x) qform(L, x), numeric(1L))
    satt_denom <- qform(grad_var_con, vcov_varpar)
    ddf <- drop(2 * var_con^2 / satt_denom)
    se <- sqrt(var_con)
    tstat <- (estimate - 0) / se
    c(se, tstat, ddf, 2 * stats::pt(abs(tstat), df = ddf, lower.tail = FALSE))
  })
  m <- matrix(unlist(out), nrow = 4L)
  list(se = m[1L, ], t = m[2L, ], df = m[3L, ], p = m[4L, ])
}

# req: design (from pylme_many_design), Y (the responses, n_rows x k, by column), names.
pylme_many_numbers <- function(req) {
  S <- req$design
  Y <- req$Y
  nr <- nrow(S$data)
  k <- length(Y) %/% nr
  dim(Y) <- c(nr, k)
  p_all <- length(S$terms)
  nvc <- length(S$vc$grp)
  mat <- function(m) matrix(NA_real_, k, m)
  est <- mat(p_all); se <- mat(p_all); tval <- mat(p_all)
  ddf <- !is.null(S$ddf)
  dfm <- if (ddf) mat(p_all) else NULL
  pv <- if (ddf) mat(p_all) else NULL
  vcov <- mat(nvc); sdcor <- mat(nvc)
  num <- function() rep(NA_real_, k)
  sigma <- num(); loglik <- num(); aic <- num(); bic <- num(); deviance <- num()
  nobs <- rep(NA_integer_, k); code <- rep(NA_integer_, k)
  singular <- rep(NA, k); converged <- rep(NA, k)
  err_class <- rep(NA_character_, k); err_msg <- rep(NA_character_, k)
  conds <- list(warnings = list(), messages = list(), warning_origins = list(), message_origins = list())
  add_conds <- function(i, cap) {
    for (nm in names(conds)) if (length(cap[[nm]])) conds[[nm]][[i]] <<- cap[[nm]]
  }
  for (i in seq_len(k)) {
    yall <- Y[, i]
    P <- pylme_many_get_pattern(S, yall)
    if (!is.null(P$error)) {
      add_conds(i, P$front)
      e <- pylme_many_classify(S, P$error, yall)
      err_class[i] <- paste(class(e), collapse = "\r")
      err_msg[i] <- conditionMessage(e)
      next
    }
    y <- yall[P$keep]
    one <- pylme_many_capture({
      f <- pylme_many_fit1(S, P, y)
      out <- pylme_many_numbers1(S, P, f$opt, f$cc)
      if (ddf) out$ddf <- pylme_many_ddf1(S, P, y, f$opt, f$cc, out)
      out
    })
    cap <- list()
    for (nm in names(conds)) cap[[nm]] <- c(P$front[[nm]], one[[nm]])
    add_conds(i, cap)
    if (inherits(one$value, "error")) {
      e <- pylme_many_classify(S, one$value, yall)
      err_class[i] <- paste(class(e), collapse = "\r")
      err_msg[i] <- conditionMessage(e)
      next
    }
    r <- one$value
    cols <- P$cols
    est[i, cols] <- r$beta
    se[i, cols] <- r$se
    tval[i, cols] <- r$beta / r$se
    if (ddf) {
      se[i, cols] <- r$ddf$se
      tval[i, cols] <- r$ddf$t
      dfm[i, cols] <- r$ddf$df
      pv[i, cols] <- r$ddf$p
    }
    vcov[i, ] <- r$vcov
    sdcor[i, ] <- r$sdcor
    sigma[i] <- r$sigma; loglik[i] <- r$loglik; aic[i] <- r$aic; bic[i] <- r$bic
    deviance[i] <- r$deviance; nobs[i] <- r$nobs; code[i] <- r$code
    singular[i] <- r$singular; converged[i] <- r$converged
  }
  # A full collection every 1,000 responses: without it R's heap keeps growing in steps for
  # the first few thousand responses (to about 70 MB more, then flat); with it, it grows
  # once. About 20 ms each (more once lmerTest is loaded).
  S$since_gc <- S$since_gc + k
  if (S$since_gc >= 1000L) {
    gc(verbose = FALSE)
    S$since_gc <- 0L
  }
  flat <- function(x) {
    length(x) <- k
    list(text = as.character(unlist(x)), count = as.integer(lengths(x)))
  }
  list(
    estimate = est, std_error = se, statistic = tval, df = dfm, p_value = pv,
    vcov = vcov, sdcor = sdcor, sigma = sigma, loglik = loglik, aic = aic, bic = bic,
    deviance = deviance, nobs = nobs, code = code, singular = singular, converged = converged,
    error_class = err_class, error_message = err_msg,
    warnings = flat(conds$warnings), messages = flat(conds$messages),
    warning_origins = flat(conds$warning_origins), message_origins = flat(conds$message_origins)
  )
}
