# After the fit: predict, simulate, refit, update, and the .rds round trip.
# Every function takes the model as an R object (req$model) and user text only as values:
# formulas are parsed with str2lang and checked by pylme_check_safe before anything runs.

# A re.form from Python: NULL (all random effects), "NA" / "~0" (none), or "~ terms".
pylme_re_form <- function(text) {
  if (is.null(text)) return(NULL)
  if (identical(text, "NA")) return(NA)
  expr <- tryCatch(
    str2lang(text),
    error = function(e) pylme_stop("formula", paste0("could not parse re_form: ", conditionMessage(e)))
  )
  pylme_check_safe(expr, trusted = FALSE)
  if (!is.call(expr) || !identical(expr[[1L]], as.name("~")) || length(expr) != 2L) {
    pylme_stop("formula", "re_form must be None, 'NA', '~0' or a one-sided formula such as '~(1 | g)'")
  }
  stats::as.formula(expr, env = baseenv())
}

# Row positions (1-based, in the data sent) that the fit used.
pylme_used_rows <- function(fit, n_rows) {
  omit <- attr(fit@frame, "na.action")
  if (is.null(omit)) seq_len(n_rows) else seq_len(n_rows)[-as.integer(omit)]
}

# The number of rows of the data the model was fitted to (used rows plus dropped ones).
pylme_data_rows <- function(fit) {
  nrow(fit@frame) + length(attr(fit@frame, "na.action"))
}

# What predict() needs from newdata for a re.form, and the levels the model knows.
pylme_predict_vars <- function(req) {
  fit <- req$model
  re_form <- pylme_re_form(req$re_form)
  fixed <- all.vars(stats::delete.response(stats::terms(fit, fixed.only = TRUE)))
  off <- fit@call$offset
  if (!is.null(off)) fixed <- union(fixed, all.vars(off))
  bars <- if (is.null(re_form)) lme4::findbars(stats::formula(fit))
          else if (identical(re_form, NA)) NULL else lme4::findbars(re_form)
  groups <- unique(unlist(lapply(bars, function(b) all.vars(b[[3L]]))))
  random <- unique(unlist(lapply(bars, all.vars)))
  fr <- fit@frame
  factors <- names(fr)[vapply(fr, function(x) is.factor(x) || is.character(x), TRUE)]
  list(
    needed = union(fixed, random), fixed = fixed, groups = groups,
    level_columns = factors,
    levels = lapply(fr[factors], function(x) levels(droplevels(as.factor(x))))
  )
}

# The newdata factors, matched to the model's levels by label.
pylme_match_levels <- function(fit, newdata) {
  fr <- fit@frame
  for (nm in intersect(names(newdata), names(fr))) {
    orig <- fr[[nm]]
    x <- newdata[[nm]]
    if (!is.factor(orig) || !(is.factor(x) || is.character(x) || is.numeric(x))) next
    lab <- as.character(x)
    if (all(is.na(lab) | lab %in% levels(orig))) {
      newdata[[nm]] <- factor(lab, levels = levels(orig), ordered = is.ordered(orig))
    } else {
      newdata[[nm]] <- lab
    }
  }
  newdata
}

pylme_predict <- function(req) {
  fit <- req$model
  re_form <- pylme_re_form(req$re_form)
  type <- req$type
  if (is.null(req$newdata)) {
    p <- stats::predict(fit, re.form = re_form, type = type)
    n <- pylme_data_rows(fit)
    if (length(p) == n) return(unname(as.numeric(p)))
    out <- rep(NA_real_, n)
    out[pylme_used_rows(fit, n)] <- unname(as.numeric(p))
    return(out)
  }
  nd <- pylme_match_levels(fit, req$newdata)
  keep <- stats::complete.cases(nd)
  out <- rep(NA_real_, nrow(nd))
  if (!any(keep)) return(out)
  p <- tryCatch(
    stats::predict(fit, newdata = nd[keep, , drop = FALSE], re.form = re_form,
                   allow.new.levels = isTRUE(req$allow_new_levels), type = type),
    error = function(e) {
      msg <- conditionMessage(e)
      if (grepl("new level", msg, fixed = TRUE)) pylme_stop("data", msg)
      stop(e)
    }
  )
  out[keep] <- unname(as.numeric(p))
  out
}

pylme_simulate <- function(req) {
  fit <- req$model
  args <- list(fit, nsim = req$nsim, seed = req$seed)
  if (!is.null(req$re_form)) args$re.form <- pylme_re_form(req$re_form)
  else args["re.form"] <- list(NULL)
  sims <- do.call(stats::simulate, args)
  n <- pylme_data_rows(fit)
  used <- pylme_used_rows(fit, n)
  cols <- lapply(sims, function(x) {
    if (is.matrix(x)) x <- x[, 1L]
    if (length(x) == n && length(used) < n) x <- x[used] # na.exclude pads; keep used rows
    if (is.factor(x)) as.character(x) else unname(as.numeric(x))
  })
  list(names = names(sims), columns = unname(cols), rows = used)
}

pylme_refit <- function(req) {
  fit <- req$model
  newresp <- req$newresp
  if (!is.null(req$dim)) newresp <- matrix(newresp, nrow = req$dim[[1L]], ncol = req$dim[[2L]])
  new <- lme4::refit(fit, newresp)
  c(list(model = new), pylme_extract(new, pylme_data_rows(new)))
}

# update(): R's own update() builds the call; it is evaluated where update() would evaluate it,
# the formula's environment, which holds the data pylme sent (.pylme_data).
pylme_update <- function(req) {
  fit <- req$model
  env <- environment(stats::formula(fit))
  args <- list(fit, evaluate = FALSE)
  if (!is.null(req$formula)) {
    f <- pylme_parse_formula(req$formula, env)
    args$formula. <- f
  }
  opts <- req$options
  kind <- if (lme4::isNLMM(fit)) "nlmer" else if (lme4::isGLMM(fit)) "glmer" else "lmer"
  if (!is.null(opts$control)) opts$control <- pylme_control(kind, opts$control)
  if (!is.null(opts$family)) opts$family <- pylme_family(opts$family)
  call <- do.call(stats::update, c(args, opts))
  # A model fitted in plain R calls lmer() by its bare name; pylme does not attach lme4.
  fn <- call[[1L]]
  if (is.name(fn) && as.character(fn) %in% c("lmer", "glmer", "glmer.nb")) {
    call[[1L]] <- call("::", as.name("lme4"), fn)
  }
  data <- tryCatch(eval(call$data, env), error = function(e) NULL)
  if (is.data.frame(data)) {
    # An nlmer formula also names the model's parameters (the fixed effects), not columns.
    params <- if (identical(kind, "nlmer")) names(lme4::fixef(fit)) else character()
    missing_cols <- setdiff(all.vars(call$formula), c(names(data), params))
    if (length(missing_cols)) {
      pylme_stop("data", sprintf(
        "update() refits on the data already in R, which holds only the columns %s; the formula also needs %s. Fit again with the full data instead",
        paste(names(data), collapse = ", "), paste(missing_cols, collapse = ", ")
      ))
    }
  }
  new <- eval(call, env)
  c(list(model = new, formula_text = paste(deparse(stats::formula(new), width.cutoff = 500L), collapse = " ")),
    pylme_extract(new, pylme_data_rows(new)))
}

pylme_save_rds <- function(req) {
  saveRDS(req$model, file = req$path)
  invisible(TRUE)
}

# A merMod saved by R, with what pylme's provenance records about it.
pylme_read_rds <- function(req) {
  fit <- tryCatch(readRDS(req$path), error = function(e) pylme_stop("data", conditionMessage(e)))
  if (!methods::is(fit, "merMod")) {
    pylme_stop("data", sprintf("'%s' holds a %s, not an lme4 model (merMod)", req$path, class(fit)[1L]))
  }
  fr <- fit@frame
  fn <- fit@call[[1L]]
  fn <- sub("^lme4::", "", paste(deparse(fn), collapse = ""))
  glmm <- lme4::isGLMM(fit)
  fam <- if (glmm) pylme_family_info(fit) else NULL
  is_col <- vapply(fr, function(x) is.null(dim(x)), TRUE)
  info <- list(
    function_name = fn,
    formula_text = paste(deparse(stats::formula(fit), width.cutoff = 500L), collapse = " "),
    reml = lme4::isREML(fit),
    family = if (glmm) fam$family else NULL,
    link = if (glmm) fam$link else NULL,
    nAGQ = if (glmm) fam$nAGQ else NULL,
    n_rows = pylme_data_rows(fit),
    columns = names(fr)[is_col],
    column_types = lapply(fr[is_col], function(x) {
      if (is.ordered(x)) "ordered" else if (is.factor(x)) "factor" else typeof(x)
    }),
    levels = lapply(fr[vapply(fr, is.factor, TRUE)], levels)
  )
  # pylme_extract pads per-row values itself; a model fitted with na.exclude already pads
  # them, so extract from a copy whose na.action says "omit" (the model kept is unchanged).
  plain <- fit
  omit <- attr(plain@frame, "na.action")
  if (!is.null(omit)) {
    class(omit) <- "omit"
    attr(plain@frame, "na.action") <- omit
  }
  c(list(model = fit, info = info, frame_serialized = serialize(fr, NULL, version = 3L)),
    pylme_extract(plain, info$n_rows))
}
