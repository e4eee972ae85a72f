# The single extraction path for lmer and glmer fits: one plain named list of vectors
# and matrices, which Python turns into dataclasses.

# Conditional modes with their conditional variances (see condvar.R for the method).
# Returns the per-group lists, and lme4's ranef() itself as attribute "ranef" (for coef).
pylme_ranef <- function(fit, cond_var = "auto") {
  method <- pylme_cond_var_method(fit, cond_var)
  if (method == "lme4") {
    re <- lme4::ranef(fit, condVar = TRUE)
    post <- lapply(re, attr, "postVar")
  } else {
    re <- lme4::ranef(fit, condVar = FALSE)
    post <- if (method == "dense") pylme_cond_var_dense(fit) else pylme_cond_var_schur(fit)
  }
  out <- lapply(names(re), function(g) {
    d <- re[[g]]
    pv <- post[[g]]
    k <- ncol(d)
    n <- nrow(d)
    if (is.list(pv)) {
      # Separate terms for one factor, e.g. (x || g): lme4 gives one block per term and
      # does not compute the covariances between blocks, which stay NA.
      full <- array(NA_real_, c(k, k, n))
      j <- 0L
      for (blk in pv) {
        m <- dim(blk)[1L]
        idx <- j + seq_len(m)
        full[idx, idx, ] <- blk
        j <- j + m
      }
      pv <- full
    }
    list(
      group = g, levels = rownames(d), terms = colnames(d),
      modes = unname(as.matrix(d)), cond_var = array(as.numeric(pv), dim(pv))
    )
  })
  attr(out, "ranef") <- re
  out
}

# lme4's coef.merMod (1.1-31), line for line, on the conditional modes pylme_ranef already
# has (ranef's values do not depend on condVar), instead of computing ranef() a second time.
pylme_coef_mer <- function(fit, ref) {
  fef <- data.frame(rbind(lme4::fixef(fit)), check.names = FALSE)
  refnames <- unlist(lapply(ref, colnames))
  nmiss <- length(missnames <- setdiff(refnames, names(fef)))
  if (nmiss > 0) {
    fillvars <- stats::setNames(data.frame(rbind(rep(0, nmiss))), missnames)
    fef <- cbind(fillvars, fef)
  }
  val <- lapply(ref, function(x) fef[rep.int(1L, nrow(x)), , drop = FALSE])
  for (i in seq_along(val)) {
    refi <- ref[[i]]
    row.names(val[[i]]) <- row.names(refi)
    nmsi <- colnames(refi)
    if (!all(nmsi %in% names(fef))) stop("unable to align random and fixed effects")
    for (nm in nmsi) val[[i]][[nm]] <- val[[i]][[nm]] + refi[, nm]
  }
  val
}

pylme_coef <- function(fit, ref = lme4::ranef(fit, condVar = FALSE)) {
  cf <- pylme_coef_mer(fit, ref)
  lapply(names(cf), function(g) {
    d <- cf[[g]]
    list(group = g, levels = rownames(d), terms = colnames(d), values = unname(as.matrix(d)))
  })
}

pylme_convergence <- function(fit) {
  oi <- fit@optinfo
  lme4_msgs <- as.character(unlist(oi$conv$lme4$messages))
  code <- oi$conv$opt
  list(
    converged = isTRUE(code == 0) && !any(!grepl("singular", lme4_msgs, fixed = TRUE)),
    singular = lme4::isSingular(fit),
    optimizer = as.character(oi$optimizer),
    code = as.integer(code),
    lme4_messages = lme4_msgs,
    optimizer_warnings = as.character(unlist(oi$warnings)),
    optimizer_message = if (is.null(oi$message)) NULL else as.character(oi$message)
  )
}

pylme_family_info <- function(fit) {
  fam <- stats::family(fit)
  theta <- if (grepl("^Negative Binomial", fam$family)) lme4::getME(fit, "glmer.nb.theta") else NULL
  list(family = fam$family, link = fam$link, nAGQ = as.integer(fit@devcomp$dims[["nAGQ"]]), theta = theta)
}

# The columns of as.data.frame(VarCorr(fit)) (lme4 1.1-31's as.data.frame.VarCorr.merMod,
# order "cov.last"), computed the same way without building data frames; var2 is always
# character (NA on the variance rows).
pylme_varcorr <- function(x) {
  parts <- lapply(names(x), function(grp) {
    v <- x[[grp]]
    lt <- lower.tri(v, diag = FALSE)
    nm <- rownames(v)
    n <- nrow(v)
    list(
      grp = rep(grp, n + sum(lt)), var1 = nm[c(seq(n), col(v)[lt])],
      var2 = c(rep(NA_character_, n), nm[row(v)[lt]]),
      vcov = c(diag(v), v[lt]), sdcor = c(attr(v, "stddev"), attr(v, "correlation")[lt])
    )
  })
  if (attr(x, "useSc")) {
    ss <- attr(x, "sc")
    parts <- c(parts, list(list(
      grp = "Residual", var1 = NA_character_, var2 = NA_character_, vcov = ss^2, sdcor = ss
    )))
  }
  cols <- c("grp", "var1", "var2", "vcov", "sdcor")
  stats::setNames(lapply(cols, function(k) unname(unlist(lapply(parts, `[[`, k)))), cols)
}

pylme_extract <- function(fit, n_rows) {
  # The fit left its working vectors behind as garbage. On large data, collect it before
  # extraction allocates (and Python copies the results), so that those reuse its memory
  # instead of adding to the process's peak (32 MB less at 500,000 rows; the collection
  # takes a few percent of such a fit's time, and would double a small fit's).
  if (n_rows >= 1e5) gc(verbose = FALSE)
  glmm <- lme4::isGLMM(fit)
  beta <- lme4::fixef(fit)
  # For an LMM, lme4's vcov.merMod is sigma^2 * unsc() (no Hessian: lmer's holds theta only),
  # wrapped in S4 classes that cost 0.4 ms; take the same matrix directly (identical() to it).
  V <- if (lme4::isLMM(fit)) {
    stats::sigma(fit)^2 * fit@pp$unsc()
  } else {
    as.matrix(stats::vcov(fit, correlation = FALSE)) # the correlation is not used
  }
  se <- sqrt(diag(V))
  stat <- unname(beta / se)
  omit <- attr(fit@frame, "na.action")
  keep <- if (is.null(omit)) seq_len(n_rows) else seq_len(n_rows)[-as.integer(omit)]
  pad <- function(x) {
    if (is.null(omit) && length(x) == n_rows) return(unname(as.numeric(x)))
    out <- rep(NA_real_, n_rows)
    out[keep] <- unname(as.numeric(x))
    out
  }
  # fitted.merMod and residuals.merMod (lme4 1.1-31) compute these same vectors from
  # fit@resp, then name them by rownames(model.frame(fit)): one new string per row (about
  # 30 MB of garbage per call at 500,000 rows), which pad() drops again.
  ll <- stats::logLik(fit)
  use_sc <- as.logical(fit@devcomp$dims[["useSc"]])
  # nlmer: lme4's own conditional variances (pylme's dense and Schur routes are for lmer/glmer).
  nlmm <- lme4::isNLMM(fit)
  re <- pylme_ranef(fit, if (nlmm) "lme4" else "auto")
  list(
    glmm = glmm, nlmm = nlmm,
    formula = paste(deparse(fit@call$formula, width.cutoff = 500L), collapse = " "),
    fixef = list(
      terms = as.character(names(beta)), estimate = unname(beta), std_error = unname(se),
      statistic = stat, p_value = if (glmm) 2 * stats::pnorm(abs(stat), lower.tail = FALSE) else NULL,
      vcov = unname(V)
    ),
    varcorr = c(pylme_varcorr(lme4::VarCorr(fit)), list(use_sc = use_sc)),
    ranef = re,
    coef = pylme_coef(fit, attr(re, "ranef")),
    fitted = pad(if (length(fit@resp$mu)) fit@resp$mu else stats::fitted(fit)),
    residuals = pad(stats::residuals(fit@resp, if (glmm) "deviance" else "response")),
    scaled_residuals = pad(stats::residuals(fit@resp, "pearson") / stats::sigma(fit)),
    linear_predictor = if (glmm) pad(stats::predict(fit, type = "link")) else NULL,
    stats = list(
      loglik = as.numeric(ll), df = as.integer(attr(ll, "df")),
      aic = stats::AIC(fit), bic = stats::BIC(fit),
      deviance = if (lme4::isREML(fit)) stats::deviance(fit, REML = FALSE) else stats::deviance(fit),
      reml_criterion = if (lme4::isREML(fit)) lme4::REMLcrit(fit) else NULL,
      reml = lme4::isREML(fit),
      sigma = stats::sigma(fit), nobs = as.integer(stats::nobs(fit)),
      df_residual = as.integer(stats::df.residual(fit)), n_dropped = length(omit)
    ),
    ngrps = as.list(lme4::ngrps(fit)),
    convergence = pylme_convergence(fit),
    family = if (glmm) pylme_family_info(fit) else NULL,
    nlmer = if (nlmm) pylme_nlmer_info(fit) else NULL # nlmer.R
  )
}
