# Formula handling: parse a formula string without evaluating anything in it.

pylme_parse_formula <- function(text, env = baseenv(), trusted = FALSE) {
  if (!is.character(text) || length(text) != 1L || is.na(text)) {
    pylme_stop("formula", "the formula must be a single string")
  }
  expr <- tryCatch(
    str2lang(text),
    error = function(e) pylme_stop("formula", paste0("could not parse the formula: ", conditionMessage(e)))
  )
  pylme_check_safe(expr, isTRUE(trusted))
  if (!is.call(expr) || !identical(expr[[1L]], as.name("~"))) {
    pylme_stop("formula", "the formula must have the form 'response ~ terms'")
  }
  if (length(expr) != 3L) {
    pylme_stop("formula", "the formula has no response: it must have the form 'response ~ terms'")
  }
  stats::as.formula(expr, env = env)
}

# Operators of the formula language: their operands are terms, where a variable must stand.
PYLME_FORMULA_OPS <- c("~", "+", "-", "*", "/", ":", "^", "%in%", "|", "||", "(")

# Pure operators and functions allowed inside calls (arithmetic, comparisons, transforms).
# Beyond the hardening issue's list: floor/ceiling/trunc/signif/sign (pure rounding),
# atan2/sinpi/cospi/tanpi (trigonometric), relevel (reorders factor levels), and c (builds
# a vector of constants, as in factor(x, levels = c("a", "b"))).
# Added for issue 23 (everyday pure functions; each computes from its arguments alone, with
# no side effect, no evaluation of text and no access to the environment or the file system):
#   mean, median, sd        centring and scaling, as in I(Days - mean(Days))
#   min, max, range, sum    summaries of a column, as in I((x - min(x)) / (max(x) - min(x)))
#   length, rev             the length of a column, a column in reverse order
#   cut                     binning a numeric column into a factor, as in cut(Days, 3)
#   ifelse                  elementwise choice, as in ifelse(Days > 4, 1, 0)
#   pnorm, qnorm            normal distribution and quantile functions (probit scale)
#   plogis, qlogis          logistic distribution and quantile functions (logit scale)
# Their arguments are walked like any other, so a call hidden inside one is still refused.
PYLME_SAFE_CALLS <- c(
  "+", "-", "*", "/", "^", "%%", "%/%", "(",
  "==", "!=", "<", ">", "<=", ">=", "&", "&&", "|", "||", "!", "%in%",
  "I", "log", "log2", "log10", "log1p", "exp", "expm1", "sqrt", "abs",
  "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
  "asinh", "acosh", "atanh", "sinpi", "cospi", "tanpi",
  "pmin", "pmax", "round", "signif", "floor", "ceiling", "trunc", "sign",
  "poly", "ns", "bs", "scale", "factor", "as.factor", "ordered", "relevel",
  "as.numeric", "as.integer", "as.logical", "offset", "cbind", "interaction", "c",
  "mean", "median", "sd", "min", "max", "range", "sum", "length", "rev", "cut", "ifelse",
  "pnorm", "qnorm", "plogis", "qlogis"
)

# R's self-starting nonlinear models (stats), allowed ONLY as the middle part of an nlmer
# formula, `response ~ SSlogis(input, Asym, xmid, scal) ~ Asym | group` (checked in
# nlmer.R); each computes a curve and its gradient from its arguments alone. Anywhere else
# (an lmer formula, inside I(), a random term) pylme_check_safe refuses them.
PYLME_NONLINEAR_CALLS <- c("SSlogis", "SSasymp", "SSmicmen", "SSfpl", "SSgompertz", "SSbiexp")

# pkg::fun calls allowed (`:::` never is).
PYLME_SAFE_NAMESPACED <- c("splines::ns", "splines::bs", "stats::poly", "stats::offset")

pylme_unsafe <- function(what) {
  pylme_stop("formula", also = "pylme_refused", paste0(
    what, ". pylme refuses it before R evaluates anything, because a formula can run code. ",
    "Pass trusted=True to allow any R function (only for formulas you wrote yourself)."
  ))
}

pylme_call_name <- function(head) {
  if (is.name(head)) {
    return(as.character(head))
  }
  if (is.call(head) && length(head) == 3L && is.name(head[[1L]]) &&
    as.character(head[[1L]]) %in% c("::", ":::")) {
    op <- as.character(head[[1L]])
    if (identical(op, ":::")) pylme_unsafe(sprintf("the formula uses ':::' (%s)", paste(deparse(head), collapse = "")))
    pkg <- head[[2L]]
    fun <- head[[3L]]
    full <- paste0(as.character(pkg), "::", as.character(fun))
    if ((is.name(pkg) || is.character(pkg)) && (is.name(fun) || is.character(fun)) &&
      full %in% PYLME_SAFE_NAMESPACED) {
      return(full)
    }
    pylme_unsafe(sprintf("the formula calls %s(), which is not on pylme's list of allowed functions", full))
  }
  pylme_unsafe(sprintf(
    "the formula calls a computed function (%s)",
    paste(deparse(head, nlines = 1L), collapse = "")
  ))
}

# Refuse, before anything is evaluated, a formula (or any expression a user sends, such as
# a re.form) that could run code: walk the whole parsed call tree (both sides, every term,
# inside every call) and allow only the formula operators and the pure functions above.
# A string may stand only as an argument of an allowed function, never where a variable
# must stand. `trusted = TRUE` turns the check off. Iterative, so a long formula cannot
# exhaust R's expression stack.
pylme_check_safe <- function(expr, trusted = FALSE) {
  if (isTRUE(trusted)) {
    return(invisible(TRUE))
  }
  stack <- list(list(expr, TRUE))
  while (length(stack)) {
    item <- stack[[length(stack)]]
    stack[[length(stack)]] <- NULL
    e <- item[[1L]]
    in_formula <- item[[2L]]
    if (is.name(e) || is.null(e)) next
    if (is.call(e)) {
      name <- pylme_call_name(e[[1L]])
      formula_op <- in_formula && name %in% PYLME_FORMULA_OPS
      if (!formula_op && !(name %in% c(PYLME_SAFE_CALLS, PYLME_SAFE_NAMESPACED))) {
        found <- exists(name, envir = globalenv(), mode = "function")
        if (name %in% PYLME_NONLINEAR_CALLS) {
          pylme_unsafe(sprintf(
            "the formula calls %s(), which pylme allows only as the middle part of an nlmer formula (pylme.nlmer('y ~ %s(...) ~ p | g', data, start=...))",
            name, name
          ))
        }
        pylme_unsafe(if (found) {
          sprintf("the formula calls %s, which is not on pylme's list of allowed functions", pylme_show(name))
        } else {
          sprintf("could not find function \"%s\" (and pylme allows only a fixed list of functions)", name)
        })
      }
      args <- as.list(e)[-1L]
      for (a in rev(seq_along(args))) {
        if (!missing_arg(args, a)) stack[[length(stack) + 1L]] <- list(args[[a]], formula_op)
      }
      next
    }
    if (is.character(e)) {
      if (in_formula) {
        pylme_stop("formula", also = "pylme_refused", sprintf(
          "the formula has the string \"%s\" where a variable must stand; write the column name without quotes (or in backquotes)",
          e[1L]
        ))
      }
      next
    }
    if (is.numeric(e) || is.logical(e) || is.complex(e)) next
    pylme_unsafe(sprintf("the formula holds a %s object", typeof(e)))
  }
  invisible(TRUE)
}

# An empty argument (as in x[, 1]) is the missing symbol; skip it rather than touch it.
missing_arg <- function(args, i) {
  identical(args[[i]], quote(expr = ))
}

pylme_show <- function(name) {
  if (grepl("^[A-Za-z.][A-Za-z0-9._]*$", name)) paste0(name, "()") else paste0("'", name, "'")
}

pylme_check_bars <- function(f) {
  # lme4 >= 1.1-36 (reformulas) fails in findbars on some terms, e.g. (1 | pkg::f(x) / g),
  # where lFormula builds the model frame first; leave those to lme4, so the error is R's own.
  bars <- tryCatch(lme4::findbars(f), error = function(e) list())
  if (is.null(bars)) {
    pylme_stop("formula", "No random effects terms specified in formula (lme4 needs at least one term such as (1 | g))")
  }
  invisible(TRUE)
}
