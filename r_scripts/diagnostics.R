# diagnostics: R functions for pylme.diagnostics (sourced once per session into pylme's
# environment). performance and lmerTest are called by namespace, never attached; Python checks
# that they are installed (pylme_packages_installed, inference.R) before calling what needs them.
# Frames go back through pylme_frame_out (inference.R).

# The data frame the model was fitted to: the one pylme sent (in the formula's environment), or
# for a model read from an .rds file, its call's data evaluated there.
pylme_diag_data <- function(m) {
  env <- environment(stats::formula(m))
  d <- env$.pylme_data
  if (is.null(d)) d <- tryCatch(eval(stats::getCall(m)$data, env), error = function(e) NULL)
  if (!is.data.frame(d)) pylme_stop("data", "the model's data are not available in R to refit it")
  d
}

# --- influence ------------------------------------------------------------------------------

# lme4's influence(model, groups, data): one refit per deleted case (or level of `groups`).
# Returns the deleted keys (R's rownames, or the levels), fixef and sigma without each, Cook's
# distance and dfbetas (lme4's methods on the influence object) and, per case, hatvalues().
pylme_influence <- function(req) {
  m <- req$model
  d <- pylme_diag_data(m)
  if (!is.null(req$tick)) m <- pylme_ticking_model(m, req$tick)
  args <- list(m, data = d, maxfun = req$maxfun)
  if (!is.null(req$groups)) args$groups <- req$groups
  inf <- do.call(stats::influence, args)
  fx <- inf[[2L]]
  vc <- inf[[4L]]
  keys <- as.character(inf$deleted)
  hat <- NULL
  if (is.null(req$groups)) {
    h <- stats::hatvalues(m)
    hat <- unname(h[match(keys, names(h))])
  }
  list(
    keys = keys, terms = colnames(fx), fixef_deleted = unname(fx),
    sigma_deleted = unname(sqrt(vc[, "sigma^2"])),
    cooks = unname(stats::cooks.distance(inf)), dfbetas = unname(stats::dfbetas(inf)),
    hat = hat, converged = unname(inf$converged)
  )
}

# A copy of the model whose call's na.action also calls tick() once per refit: influence()
# refits through update(), whose model frames are built with that na.action (a few times per
# refit); lme4's deleteGroup(del) holds the deleted key, so a new `del` is a new refit (without
# it, every call ticks). The rows kept, and so every number, are na.action's own.
pylme_ticking_model <- function(m, tick) {
  na <- m@call$na.action
  na_fun <- if (is.null(na)) match.fun(getOption("na.action")) else eval(na, environment(stats::formula(m)))
  last <- NULL
  m@call$na.action <- function(object, ...) {
    key <- dynGet("del", ifnotfound = NULL)
    if (is.null(key) || !identical(key, last)) {
      last <<- key
      tick()
    }
    na_fun(object, ...)
  }
  m
}

# hatvalues(model), placed on the rows pylme sent (NA where a row was dropped).
pylme_hatvalues <- function(req) {
  m <- req$model
  h <- stats::hatvalues(m)
  out <- rep(NA_real_, pylme_data_rows(m))
  out[pylme_used_rows(m, length(out))] <- unname(h)
  out
}

# --- performance ----------------------------------------------------------------------------

pylme_num <- function(x) if (is.null(x) || length(x) == 0L) NA_real_ else as.numeric(x)[[1L]]

# x[[name]] of a performance result, NA when performance gave NA instead of a list (a singular
# fit: r2_nakagawa and icc then warn and return NA).
pylme_field <- function(x, name) if (is.list(x)) pylme_num(x[[name]]) else NA_real_

# performance's r2_nakagawa, icc and model_performance (AIC, AICc, BIC, RMSE, Sigma).
pylme_performance <- function(req) {
  m <- req$model
  r2 <- performance::r2_nakagawa(m)
  ic <- performance::icc(m)
  mp <- performance::model_performance(m, metrics = c("AIC", "AICc", "BIC", "RMSE", "SIGMA"))
  list(
    r2_marginal = pylme_field(r2, "R2_marginal"), r2_conditional = pylme_field(r2, "R2_conditional"),
    icc_adjusted = pylme_field(ic, "ICC_adjusted"), icc_unadjusted = pylme_field(ic, "ICC_unadjusted"),
    aic = pylme_field(mp, "AIC"), aicc = pylme_field(mp, "AICc"), bic = pylme_field(mp, "BIC"),
    rmse = pylme_field(mp, "RMSE"), sigma = pylme_field(mp, "Sigma")
  )
}

# --- check ----------------------------------------------------------------------------------

pylme_count_family <- function(fam) {
  fam == "poisson" || startsWith(fam, "Negative Binomial")
}

# performance's check_singularity, check_overdispersion (Poisson and binomial GLMMs),
# check_zeroinflation (count GLMMs) and check_collinearity (NULL with fewer than two terms).
pylme_check <- function(req) {
  m <- req$model
  fam <- if (lme4::isGLMM(m)) stats::family(m)$family else "gaussian"
  out <- list(singular = isTRUE(performance::check_singularity(m)), family = fam)
  if (fam %in% c("poisson", "binomial")) {
    od <- performance::check_overdispersion(m)
    out$overdispersion <- list(
      chisq = pylme_num(od$chisq_statistic), ratio = pylme_num(od$dispersion_ratio),
      df = pylme_num(od$residual_df), p = pylme_num(od$p_value)
    )
  }
  if (pylme_count_family(fam)) {
    zi <- performance::check_zeroinflation(m)
    out$zeroinflation <- list(
      predicted = pylme_num(zi$predicted.zeros), observed = pylme_num(zi$observed.zeros),
      ratio = pylme_num(zi$ratio), tolerance = pylme_num(zi$tolerance)
    )
  }
  # check_collinearity needs two terms (with one it warns and returns NULL): skip it then.
  if (length(attr(stats::terms(m, fixed.only = TRUE), "term.labels")) >= 2L) {
    cl <- performance::check_collinearity(m)
    if (!is.null(cl) && nrow(cl) > 0L) out$collinearity <- pylme_frame_out(cl)
  }
  out
}

# --- drop1, ranova, step ----------------------------------------------------------------------

# drop1(model, test): one row per term (and "<none>"), R's columns.
pylme_drop1 <- function(req) {
  pylme_frame_out(stats::drop1(req$model, test = req$test))
}

# When a random term's removal leaves no random effects, lmerTest builds lm(formula, data =
# <the call's data>) and evaluates it in its caller's frame, where pylme's data variable
# (.pylme_data) is not visible: ranova() and step() get a copy of the model whose call holds the
# data frame itself (the same rows, so the same numbers).
pylme_data_in_call <- function(m) {
  m@call$data <- pylme_diag_data(m)
  m
}

# lmerTest's ranova(model, reduce.terms): a likelihood-ratio test per random-effect term.
# ranova() evaluates that lm() call (unqualified) in its caller's frame: call it from a frame
# that sees stats.
pylme_ranova <- function(req) {
  env <- new.env(parent = asNamespace("stats"))
  env$mt <- lmerTest::as_lmerModLmerTest(pylme_data_in_call(req$model))
  env$reduce <- isTRUE(req$reduce_terms)
  pylme_frame_out(eval(quote(lmerTest::ranova(mt, reduce.terms = reduce)), env))
}

# lmerTest's step(): its random and fixed elimination tables, and the final model (extracted
# as a pylme fit when it still has random effects).
pylme_step <- function(req) {
  s <- lmerTest::step(
    lmerTest::as_lmerModLmerTest(pylme_data_in_call(req$model)),
    reduce.fixed = isTRUE(req$reduce_fixed), reduce.random = isTRUE(req$reduce_random),
    alpha.random = req$alpha_random, alpha.fixed = req$alpha_fixed
  )
  final <- lmerTest::get_model(s)
  out <- list(
    random = if (!is.null(s$random)) pylme_frame_out(s$random),
    fixed = if (!is.null(s$fixed)) pylme_frame_out(s$fixed),
    final_formula = paste(deparse(stats::formula(final), width.cutoff = 500L), collapse = " ")
  )
  if (inherits(final, "merMod")) {
    out$final <- c(list(model = final), pylme_extract(final, pylme_data_rows(final)))
  }
  out
}

# --- model tables ---------------------------------------------------------------------------

# The fixed-effect term labels and random-effect terms of a model, as MuMIn's model.sel names them.
pylme_model_terms <- function(req) {
  m <- req$model
  fixed <- attr(stats::terms(m, fixed.only = TRUE), "term.labels")
  bars <- lme4::findbars(stats::formula(m))
  random <- vapply(bars, function(b) paste0("(", paste(deparse(b), collapse = " "), ")"), "")
  list(fixed = as.character(fixed), random = as.character(random))
}
