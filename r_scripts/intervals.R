# Prediction intervals: fit.predict(newdata, interval = ..., method = ...).
# Every function takes the model (req$model) and newdata as an R frame; rows of newdata with a
# missing value in a column the prediction needs get NA, as in pylme_predict.

# newdata's complete rows, levels matched to the model's (what predict() is given).
pylme_pi_rows <- function(fit, newdata) {
  nd <- pylme_match_levels(fit, newdata)
  keep <- stats::complete.cases(nd)
  list(nd = nd[keep, , drop = FALSE], keep = keep)
}

pylme_pi_pad <- function(keep, x) {
  out <- rep(NA_real_, length(keep))
  out[keep] <- unname(as.numeric(x))
  out
}

# Whether a re.form (from pylme_re_form) keeps no random effect: NA or a formula with no bars.
pylme_pi_no_re <- function(re_form) {
  if (is.null(re_form)) return(FALSE)
  if (!inherits(re_form, "formula")) return(isTRUE(is.na(re_form)))
  length(lme4::findbars(re_form)) == 0L
}

# The fixed-effect model matrix of nd, built as lme4's predict.merMod builds it (the fit's
# factor levels and contrasts, the columns lme4 dropped for rank deficiency dropped).
pylme_pi_x <- function(fit, nd) {
  X0 <- lme4::getME(fit, "X")
  tt <- stats::terms(fit, fixed.only = TRUE)
  mf <- stats::model.frame(fit, fixed.only = TRUE)
  is_fac <- vapply(mf, is.factor, TRUE)
  is_fac[attr(tt, "response")] <- FALSE
  xlev <- if (any(is_fac)) lapply(mf[is_fac], levels) else NULL
  mfnew <- suppressWarnings(stats::model.frame(stats::delete.response(tt), nd,
                                               na.action = stats::na.pass, xlev = xlev))
  rhs <- stats::formula(substitute(~R, list(R = lme4:::RHSForm(stats::formula(fit, fixed.only = TRUE)))))
  X <- stats::model.matrix(rhs, data = mfnew, contrasts.arg = attr(X0, "contrasts"))
  dropped <- attr(X0, "col.dropped")
  if (is.numeric(dropped) && length(dropped)) X <- X[, -dropped, drop = FALSE]
  X
}

# sum over the random-effect terms kept by re.form of z' C z, where z is the row's
# random-effect model-matrix row for the term and C the conditional covariance of its level's
# random effects (ranef(condVar = TRUE)'s postVar) or, for a level the model never saw, the
# term's covariance matrix (VarCorr).
pylme_pi_re_var <- function(fit, nd, re_form) {
  bars <- if (is.null(re_form)) lme4::findbars(stats::formula(fit)) else lme4::findbars(re_form)
  out <- numeric(nrow(nd))
  if (!length(bars)) return(out)
  re <- lme4::ranef(fit, condVar = TRUE)
  vc <- lme4::VarCorr(fit)
  cnms <- fit@cnms
  env <- environment(stats::formula(fit))
  mf <- fit@frame
  xlev <- lapply(mf[vapply(mf, is.factor, TRUE)], levels)
  for (b in bars) {
    gname <- paste(deparse(b[[3L]], width.cutoff = 500L), collapse = " ")
    lhs <- stats::as.formula(call("~", b[[2L]]), env = env)
    mfz <- stats::model.frame(lhs, nd, na.action = stats::na.pass,
                              xlev = xlev[intersect(names(xlev), all.vars(lhs))])
    Z <- stats::model.matrix(lhs, mfz)
    same <- which(names(cnms) == gname)
    k <- same[vapply(same, function(i) identical(cnms[[i]], colnames(Z)), TRUE)]
    if (length(k) != 1L) {
      pylme_stop("value", sprintf(
        "re_form: the term (%s | %s) is not a random-effect term of the model",
        paste(deparse(b[[2L]]), collapse = " "), gname))
    }
    pv <- attr(re[[gname]], "postVar")
    if (is.list(pv)) pv <- pv[[match(k, same)]]
    sigma_k <- as.matrix(vc[[k]])
    g <- as.character(eval(b[[3L]], nd, env))
    lev <- match(g, rownames(re[[gname]]))
    for (l in unique(lev)) {
      rows <- which(if (is.na(l)) is.na(lev) else (!is.na(lev) & lev == l))
      C <- if (is.na(l)) sigma_k else matrix(pv[, , l], nrow(sigma_k), ncol(sigma_k))
      Zl <- Z[rows, , drop = FALSE]
      out[rows] <- out[rows] + rowSums((Zl %*% C) * Zl)
    }
  }
  out
}

# method = "delta": fit +- qnorm(1 - (1 - level) / 2) * se on the link scale, with
# se^2 = x' V x (confidence), plus sigma^2 and the random effects' part (prediction).
pylme_pi_delta <- function(req) {
  fit <- req$model
  re_form <- pylme_re_form(req$re_form)
  rows <- pylme_pi_rows(fit, req$newdata)
  nd <- rows$nd
  if (!nrow(nd)) {
    na <- rep(NA_real_, length(rows$keep))
    return(list(fit = na, lower = na, upper = na, se = na))
  }
  eta <- stats::predict(fit, newdata = nd, re.form = re_form,
                        allow.new.levels = isTRUE(req$allow_new_levels), type = "link")
  X <- pylme_pi_x(fit, nd)
  V <- as.matrix(stats::vcov(fit))
  v <- rowSums((X %*% V) * X)
  if (identical(req$interval, "prediction")) {
    v <- v + stats::sigma(fit)^2
    if (!pylme_pi_no_re(re_form)) v <- v + pylme_pi_re_var(fit, nd, re_form)
  }
  se <- sqrt(v)
  q <- stats::qnorm(1 - (1 - req$level) / 2)
  lo <- eta - q * se
  hi <- eta + q * se
  if (identical(req$type, "response")) {
    inv <- stats::family(fit)$linkinv
    eta <- inv(eta)
    a <- inv(lo)
    b <- inv(hi)
    lo <- pmin(a, b)
    hi <- pmax(a, b)
  }
  k <- rows$keep
  list(fit = pylme_pi_pad(k, eta), lower = pylme_pi_pad(k, lo), upper = pylme_pi_pad(k, hi),
       se = pylme_pi_pad(k, se))
}

# method = "simulate": merTools::predictInterval (which = "full", or "fixed" for re.form ~0),
# include.resid.var for prediction intervals, stat = "median".
pylme_pi_simulate <- function(req) {
  fit <- req$model
  rows <- pylme_pi_rows(fit, req$newdata)
  which <- if (pylme_pi_no_re(pylme_re_form(req$re_form))) "fixed" else "full"
  type <- if (lme4::isGLMM(fit) && identical(req$type, "response")) "probability" else "linear.prediction"
  r <- merTools::predictInterval(
    fit, newdata = rows$nd, which = which, level = req$level, n.sims = as.integer(req$nsim),
    stat = "median", type = type, include.resid.var = identical(req$interval, "prediction"),
    seed = req$seed
  )
  k <- rows$keep
  list(fit = pylme_pi_pad(k, r$fit), lower = pylme_pi_pad(k, r$lwr), upper = pylme_pi_pad(k, r$upr))
}

# bootMer's FUN for method = "bootstrap": predict(m, newdata, re.form, allow.new.levels, type),
# plus rnorm(n, 0, sigma(m)) for a prediction interval (lmer only).
pylme_pi_boot_fun <- function(req, nd, tick = NULL) {
  re_form <- pylme_re_form(req$re_form)
  anl <- isTRUE(req$allow_new_levels)
  type <- req$type
  noise <- identical(req$interval, "prediction")
  function(m) {
    p <- stats::predict(m, newdata = nd, re.form = re_form, allow.new.levels = anl, type = type)
    if (noise) p <- p + stats::rnorm(length(p), 0, stats::sigma(m))
    if (!is.null(tick)) tick()
    unname(as.numeric(p))
  }
}

# R's bootMer(fit, FUN, nsim, seed = seed, use.u): one random stream (backend = "serial").
pylme_pi_boot <- function(req) {
  fit <- req$model
  rows <- pylme_pi_rows(fit, req$newdata)
  if (!nrow(rows$nd)) return(list(t = matrix(numeric(), as.integer(req$nsim), 0L), refits = NULL))
  seed <- if (is.null(req$seed)) NULL else as.integer(req$seed)
  b <- lme4::bootMer(fit, pylme_pi_boot_fun(req, rows$nd, req$tick),
                     nsim = as.integer(req$nsim), seed = seed, use.u = isTRUE(req$use_u))
  list(t = unname(b$t), refits = pylme_boot_msgs(b))
}

# One bootMer replicate per seed (the parallel backends).
pylme_pi_boot_seeds <- function(req) {
  fit <- req$model
  rows <- pylme_pi_rows(fit, req$newdata)
  if (!nrow(rows$nd)) {
    return(list(t = matrix(numeric(), length(req$seeds), 0L), refits = list()))
  }
  FUN <- pylme_pi_boot_fun(req, rows$nd)
  boots <- lapply(as.integer(req$seeds), function(s) lme4::bootMer(fit, FUN, nsim = 1L, seed = s, use.u = isTRUE(req$use_u)))
  list(t = do.call(rbind, lapply(boots, function(b) as.numeric(b$t[1L, ]))),
       refits = lapply(boots, pylme_boot_msgs))
}

# The interval from the replicates t (nsim x complete rows): the point prediction, and
# quantile(t[, j], c((1 - level) / 2, (1 + level) / 2), na.rm = TRUE) (R's type 7).
pylme_pi_boot_summary <- function(req) {
  fit <- req$model
  rows <- pylme_pi_rows(fit, req$newdata)
  k <- rows$keep
  t <- matrix(as.numeric(req$t), ncol = sum(k))
  eta <- if (nrow(rows$nd)) {
    stats::predict(fit, newdata = rows$nd, re.form = pylme_re_form(req$re_form),
                   allow.new.levels = isTRUE(req$allow_new_levels), type = req$type)
  } else numeric()
  probs <- c((1 - req$level) / 2, (1 + req$level) / 2)
  q <- vapply(seq_len(ncol(t)), function(j) {
    stats::quantile(t[, j], probs, na.rm = TRUE, names = FALSE, type = 7)
  }, numeric(2))
  list(fit = pylme_pi_pad(k, eta), lower = pylme_pi_pad(k, q[1L, ]), upper = pylme_pi_pad(k, q[2L, ]))
}
