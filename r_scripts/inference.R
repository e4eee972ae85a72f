# inference: R functions for pylme.inference (sourced once per session into pylme's environment).
# lmerTest, pbkrtest, emmeans and broom.mixed are called by namespace, never attached; Python
# checks that they are installed (pylme_packages_installed) before calling what needs them.

# Which of the named packages are installed (a logical vector named by package).
pylme_packages_installed <- function(req) {
  pk <- unlist(req$packages)
  vapply(pk, function(p) nzchar(system.file(package = p)), logical(1))
}

# A data.frame (or matrix) as a plain list: names, row names, columns (factors as strings).
pylme_frame_out <- function(df) {
  df <- as.data.frame(df, stringsAsFactors = FALSE, check.names = FALSE)
  cols <- lapply(df, function(x) {
    if (is.factor(x)) as.character(x) else if (is.logical(x)) as.numeric(x) else as.vector(x)
  })
  list(names = names(df), rownames = rownames(df), columns = unname(cols))
}

# --- confint ----------------------------------------------------------------------------------

# lme4's confint(method = "boot") statistic (confint.merMod's own bootFun), plus a call to
# `tick` so that Python can move a progress bar after each refit.
pylme_boot_fun <- function(object, tick) {
  useSc <- as.logical(object@devcomp$dims[["useSc"]])
  vn <- lme4:::profnames(object, FALSE, useSc = useSc)
  function(x) {
    th <- x@theta
    nvec <- lengths(x@cnms)
    ss <- if (lme4::isLMM(x) || lme4::isNLMM(x)) {
      lme4:::Cv_to_Sv(th, n = nvec, s = stats::sigma(x))
    } else if (useSc) {
      c(lme4:::Cv_to_Sv(th, n = nvec), stats::sigma(x))
    } else {
      lme4:::Cv_to_Sv(th, n = nvec)
    }
    if (!is.null(tick)) tick()
    c(stats::setNames(ss, vn), lme4::fixef(x))
  }
}

# confint(model, parm, level, method, nsim, boot.type, oldNames = FALSE), under set.seed(seed)
# for the bootstrap. `tick` (optional) is called once per bootstrap refit.
# The bootstrap runs confint.merMod's own "boot" branch (bootMer, the all-failed check,
# confint(bb, level, type), the parm rows) so that the refits' messages, which confint() only
# prints (print.bootWarnings), come back as counts (pylme_boot_msgs).
pylme_confint <- function(req) {
  m <- req$model
  if (identical(req$method, "boot")) {
    if (!is.null(req$seed)) set.seed(req$seed)
    bb <- lme4::bootMer(m, FUN = pylme_boot_fun(m, req$tick), nsim = req$nsim)
    if (all(is.na(bb$t))) stop("*all* bootstrap runs failed!")
    ci <- stats::confint(bb, level = req$level, type = req$boot_type)
    if (!is.null(req$parm)) ci <- ci[unlist(req$parm), , drop = FALSE]
    return(list(rownames = rownames(ci), colnames = colnames(ci), values = unname(as.matrix(ci)),
                refits = pylme_boot_msgs(bb)))
  }
  args <- list(m, level = req$level, method = req$method, oldNames = FALSE, quiet = TRUE)
  if (!is.null(req$parm)) args$parm <- unlist(req$parm)
  ci <- do.call(stats::confint, args)
  list(rownames = rownames(ci), colnames = colnames(ci), values = unname(as.matrix(ci)))
}

# confint()'s `parm` in either of lme4's naming schemes, resolved to the new names
# (oldNames = FALSE) in R's parameter order, as lme4's get.which() orders them: "theta_" selects
# every variance-covariance parameter (sigma included), "beta_" every fixed effect, and a name
# may be new (sd_(Intercept)|Subject, sigma) or old (.sig01, .sigma). Unknown names are a
# pylme_value_error listing the valid ones (R would return an empty matrix with a warning).
pylme_confint_parm <- function(req) {
  m <- req$model
  parm <- unlist(req$parm)
  useSc <- as.logical(m@devcomp$dims[["useSc"]])
  fe <- names(lme4::fixef(m))
  new_vp <- lme4:::profnames(m, FALSE, useSc = useSc)
  old_vp <- lme4:::profnames(m, TRUE, useSc = useSc)
  new <- c(new_vp, fe)
  old <- c(old_vp, fe)
  nvp <- length(new_vp)
  known <- parm %in% c(new, old, "theta_", "beta_")
  if (!all(known)) {
    pylme_stop("value", sprintf(
      "parm: unknown parameter name(s) %s; valid names: %s (or lme4's older names %s), and the groups 'theta_' (all variance parameters) and 'beta_' (all fixed effects)",
      paste(sQuote(parm[!known], FALSE), collapse = ", "),
      paste(new, collapse = ", "), paste(old_vp, collapse = ", ")
    ))
  }
  idx <- integer()
  if ("theta_" %in% parm) idx <- c(idx, seq_len(nvp))
  if ("beta_" %in% parm && length(fe)) idx <- c(idx, nvp + seq_along(fe))
  idx <- c(idx, match(parm, new), match(parm, old))
  new[sort(unique(idx[!is.na(idx)]))]
}

# The parameter names confint() reports (oldNames = FALSE), in its order.
pylme_confint_names <- function(req) {
  m <- req$model
  useSc <- as.logical(m@devcomp$dims[["useSc"]])
  c(lme4:::profnames(m, FALSE, useSc = useSc), names(lme4::fixef(m)))
}

# --- model comparison -------------------------------------------------------------------------

# anova(m1, m2, ..., refit, model.names): the rows are named by `names` (R's row names).
pylme_anova_models <- function(req) {
  if (!all(vapply(req$models, methods::is, logical(1), "merMod"))) stop("anova() compares merMod fits", call. = FALSE)
  args <- c(unname(req$models), list(refit = isTRUE(req$refit), model.names = unlist(req$names)))
  tab <- do.call("anova", args, envir = asNamespace("stats"))
  # lme4 >= 1.1-36 names -2 logLik "-2*log(L)"; pylme's frame keeps one name on every version
  # ("deviance", as broom.mixed's glance and lme4 < 1.1-36).
  names(tab)[names(tab) == "-2*log(L)"] <- "deviance"
  pylme_frame_out(tab)
}

# --- lmerTest ---------------------------------------------------------------------------------

# lmerTest's summary(as_lmerModLmerTest(model), ddf)$coefficients and its print() lines.
pylme_lmertest_coefs <- function(req) {
  mt <- lmerTest::as_lmerModLmerTest(req$model)
  s <- summary(mt, ddf = req$ddf)
  cs <- s$coefficients
  list(
    terms = rownames(cs), estimate = unname(cs[, "Estimate"]), std_error = unname(cs[, "Std. Error"]),
    df = unname(cs[, "df"]), statistic = unname(cs[, "t value"]), p_value = unname(cs[, "Pr(>|t|)"])
  )
}

# lmerTest's anova(model, type, ddf): one row per term.
pylme_lmertest_anova <- function(req) {
  mt <- lmerTest::as_lmerModLmerTest(req$model)
  tab <- stats::anova(mt, type = req$type, ddf = req$ddf)
  out <- pylme_frame_out(tab)
  out$heading <- attr(tab, "heading")
  out
}

# --- emmeans ----------------------------------------------------------------------------------

# emmeans' formula spec ("~ recipe", "~ recipe | temperature", "pairwise ~ recipe"), parsed
# by R's parser and walked by pylme's formula check: nothing in it is evaluated here.
pylme_emm_formula <- function(text) {
  expr <- tryCatch(str2lang(text), error = function(e) {
    pylme_stop("value", paste0("specs: could not parse the formula spec: ", conditionMessage(e)))
  })
  pylme_check_safe(expr, FALSE)
  if (!is.call(expr) || !identical(expr[[1L]], as.name("~"))) {
    pylme_stop("value", "specs: a formula spec has the form '~ a', '~ a | b' or 'pairwise ~ a'")
  }
  stats::as.formula(expr, env = baseenv())
}

# Every variable the specs, by and at name must be one of the model's fixed-effect variables
# (emmeans' reference grid); otherwise a short pylme_value_error naming the argument.
pylme_emm_check_vars <- function(m, specs, by, at) {
  known <- all.vars(stats::delete.response(stats::terms(m)))
  check <- function(what, vars) {
    bad <- setdiff(vars, known)
    if (length(bad)) {
      pylme_stop("value", sprintf(
        "%s: no variable named %s in the model's fixed effects (emmeans' reference grid); its variables are %s",
        what, paste(sQuote(bad, FALSE), collapse = ", "), paste(known, collapse = ", ")
      ))
    }
  }
  if (inherits(specs, "formula")) check("specs", all.vars(specs[[length(specs)]])) else check("specs", specs)
  check("by", by)
  check("at", names(at))
}

pylme_emm_grid <- function(req) {
  m <- req$model
  specs <- if (!is.null(req$formula)) pylme_emm_formula(req$formula) else unlist(req$specs)
  pylme_emm_check_vars(m, specs, unlist(req$by), req$at)
  args <- list(m, specs = specs)
  if (!is.null(req$by)) args$by <- unlist(req$by)
  if (!is.null(req$at)) args$at <- req$at
  if (!is.null(req$lmer_df)) args$lmer.df <- req$lmer_df
  do.call("emmeans", args, envir = asNamespace("emmeans"))
}

pylme_emm_out <- function(s) {
  out <- pylme_frame_out(s)
  keep <- c("mesg", "estName", "clNames", "pri.vars", "by.vars", "adjust", "type")
  out$attrs <- Filter(Negate(is.null), stats::setNames(lapply(keep, function(k) attr(s, k)), keep))
  out
}

# as.data.frame(summary(emmeans(model, specs, by, at, lmer.df), type, level)), with emmeans'
# notes. A two-sided formula spec gives emmeans' emm_list: one such frame per part (R's
# print shows the same tables), under `parts`.
pylme_emmeans <- function(req) {
  e <- pylme_emm_grid(req)
  sargs <- list(level = req$level)
  if (!is.null(req$type)) sargs$type <- req$type
  if (inherits(e, "emm_list")) {
    parts <- lapply(names(e), function(n) pylme_emm_out(do.call(summary, c(list(e[[n]]), sargs))))
    return(list(parts = stats::setNames(parts, names(e))))
  }
  pylme_emm_out(do.call(summary, c(list(e), sargs)))
}

# as.data.frame(contrast(emmeans(model, specs, by), method, adjust)), with emmeans' notes.
pylme_contrasts <- function(req) {
  e <- pylme_emm_grid(req)
  args <- list(e, method = req$method)
  if (!is.null(req$adjust)) args$adjust <- req$adjust
  pylme_emm_out(summary(do.call("contrast", args, envir = asNamespace("emmeans"))))
}

# --- broom.mixed ------------------------------------------------------------------------------

# broom.mixed::tidy(model, effects, conf.int, conf.level); a fit with ddf goes through lmerTest
# so that df and p-values are those of its ddf method.
pylme_tidy <- function(req) {
  m <- req$model
  args <- list(effects = unlist(req$effects), conf.int = isTRUE(req$conf_int), conf.level = req$level)
  if (!is.null(req$ddf)) {
    m <- lmerTest::as_lmerModLmerTest(m)
    args$ddf.method <- req$ddf
  }
  tab <- do.call(broom.mixed::tidy, c(list(m), args))
  pylme_frame_out(tab)
}
