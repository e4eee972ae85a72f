# Helpers for the property-based tests (tests/test_props_*.py). Not part of pylme's session:
# the tests source this file into an environment of their own (embedded R), and
# props_read_csv.R sources it in a pure-R process (Rscript).

# R's own view of each column of a data.frame: class, levels, NA positions (0-based),
# NaN count, and the values with NA written as 0 (factors as their 1-based codes,
# logicals as 0/1), so that Python compares them as plain numbers.
pylme_props_summary <- function(df) {
  cols <- lapply(df, function(x) {
    na <- is.na(x)
    v <- unclass(x)
    attributes(v) <- NULL
    n_nan <- sum(is.nan(v))
    v[na] <- 0L
    list(
      class = class(x),
      levels = if (is.factor(x)) levels(x) else NULL,
      na = which(na) - 1L,
      n_nan = n_nan,
      values = if (is.logical(v)) as.integer(v) else v
    )
  })
  list(names = names(df), n_rows = nrow(df), columns = unname(cols))
}

# The levels R's factor() gives for a character vector (in this session's collation).
pylme_props_levels <- function(x) levels(factor(x))

# lme4's own model frame and fixed-effects design for a formula given as text, parsed by
# R with no check at all (what trusted=True does), on `data`.
pylme_props_lformula <- function(text, data) {
  env <- new.env(parent = globalenv())
  f <- stats::as.formula(str2lang(text), env = env)
  lf <- lme4::lFormula(f, data = data, na.action = stats::na.omit)
  list(fr = lf$fr, X = lf$X)
}

# Whether a fitted merMod's model frame and X are identical() to lme4::lFormula's on the
# same formula and data. Environments (of the formula and its terms) are set aside: they
# differ by construction. Returns "" when identical, else what differs.
pylme_props_same_frame <- function(model, text, data) {
  ref <- pylme_props_lformula(text, data)
  strip <- function(fr) {
    tt <- attr(fr, "terms")
    attr(tt, ".Environment") <- NULL
    f <- attr(fr, "formula")
    attr(fr, "terms") <- NULL
    attr(fr, "formula") <- NULL
    list(fr = fr, terms = tt, formula = if (is.null(f)) NULL else deparse(f))
  }
  a <- strip(model@frame)
  b <- strip(ref$fr)
  X <- lme4::getME(model, "X")
  diffs <- c(
    if (!identical(a$fr, b$fr)) "model frame",
    if (!identical(a$terms, b$terms)) "terms",
    if (!identical(a$formula, b$formula)) "formula",
    if (!identical(unname(X), unname(ref$X))) "X",
    if (!identical(colnames(X), colnames(ref$X))) "colnames(X)"
  )
  paste(diffs, collapse = ", ")
}

# lme4::lmer's error message for a formula given as text (parsed with no check) on `data`,
# or "" when it fits.
pylme_props_lmer_error <- function(text, data) {
  tryCatch(
    {
      f <- stats::as.formula(str2lang(text), env = new.env(parent = globalenv()))
      suppressWarnings(suppressMessages(lme4::lmer(f, data = data)))
      ""
    },
    error = function(e) conditionMessage(e)
  )
}
