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

# The parameter names confint() reports (oldNames = FALSE), in its order.
pylme_confint_names <- function(req) {
  m <- req$model
  useSc <- as.logical(m@devcomp$dims[["useSc"]])
  c(lme4:::profnames(m, FALSE, useSc = useSc), names(lme4::fixef(m)))
}

# --- model comparison -------------------------------------------------------------------------

# anova(m0, m1, ..., refit): models named m0, m1, ... so that the row names give positions.
pylme_anova_models <- function(req) {
  env <- new.env(parent = baseenv())
  nms <- paste0("m", seq_along(req$models) - 1L)
  for (i in seq_along(nms)) assign(nms[[i]], req$models[[i]], envir = env)
  call <- as.call(c(list(quote(stats::anova)), lapply(nms, as.name), list(refit = isTRUE(req$refit))))
  tab <- eval(call, env)
  out <- pylme_frame_out(tab)
  out$model <- as.integer(sub("^m", "", rownames(tab)))
  out
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

pylme_emm_grid <- function(req) {
  args <- list(req$model, specs = unlist(req$specs))
  if (!is.null(req$by)) args$by <- unlist(req$by)
  if (!is.null(req$at)) args$at <- req$at
  do.call(emmeans::emmeans, args)
}

pylme_emm_out <- function(s) {
  out <- pylme_frame_out(s)
  keep <- c("mesg", "estName", "clNames", "pri.vars", "by.vars", "adjust", "type")
  out$attrs <- Filter(Negate(is.null), stats::setNames(lapply(keep, function(k) attr(s, k)), keep))
  out
}

# as.data.frame(emmeans(model, specs, by, at, type, level)), with emmeans' notes.
pylme_emmeans <- function(req) {
  e <- pylme_emm_grid(req)
  args <- list(e, level = req$level)
  if (!is.null(req$type)) args$type <- req$type
  pylme_emm_out(do.call(summary, args))
}

# as.data.frame(contrast(emmeans(model, specs, by), method, adjust)), with emmeans' notes.
pylme_contrasts <- function(req) {
  e <- pylme_emm_grid(req)
  args <- list(e, method = req$method)
  if (!is.null(req$adjust)) args$adjust <- req$adjust
  pylme_emm_out(summary(do.call(emmeans::contrast, args)))
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
