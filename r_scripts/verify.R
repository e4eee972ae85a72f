# Verify a pylme receipt in pure R (no Python): refit the receipt's call on a CSV file with
# the recorded column types and level orders, compare every recorded number with the same
# tolerance as pylme.verify, and check the data's canonical fingerprint when R can compute
# SHA-256 (the digest or openssl package).
# Usage: Rscript r_scripts/verify.R receipt.json data.csv [--rtol=1e-8]
# Exit codes: 0 everything matches, 1 something differs, 2 bad input (one line on stderr).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "receipts.R"))
source(file.path(here, "receipt_schema.R"))
# pylme's own checkers, not copies: pylme_stop (runtime.R), the formula allow-list
# (formula.R's pylme_check_safe, run by pylme_parse_formula) and the family table (fit.R).
source(file.path(here, "runtime.R"))
source(file.path(here, "formula.R"))
source(file.path(here, "fit.R"))

bad_input <- function(msg) {
  cat("verify.R: ", gsub("\\s+", " ", msg), "\n", sep = "", file = stderr())
  quit(status = 2L, save = "no")
}
files <- args[!startsWith(args, "--")]
rtol_arg <- sub("^--rtol=", "", grep("^--rtol=", args, value = TRUE))
rtol <- if (length(rtol_arg)) as.numeric(rtol_arg) else 1e-8
if (length(files) != 2L) bad_input("usage: Rscript verify.R receipt.json data.csv [--rtol=1e-8]")
receipt <- tryCatch(jsonlite::fromJSON(files[[1]], simplifyVector = FALSE),
  error = function(e) bad_input(paste("cannot read the receipt:", conditionMessage(e)))
)
# The whole receipt is checked before anything in it is used: the schema, then the formula
# against pylme's allow-list (parsed by R, nothing evaluated). A receipt may come from anyone.
tryCatch(pylme_check_receipt(receipt, pylme_read_schema(here)),
  pylme_receipt_error = function(e) bad_input(conditionMessage(e))
)
f <- tryCatch(pylme_parse_formula(receipt$call$formula),
  pylme_formula_error = function(e) bad_input(paste("receipt field call.formula:", conditionMessage(e)))
)
if (!file.exists(files[[2]])) bad_input(sprintf("data file '%s' not found", files[[2]]))
raw_data <- tryCatch(
  utils::read.csv(files[[2]], colClasses = "character", check.names = FALSE,
    na.strings = character(), stringsAsFactors = FALSE, encoding = "UTF-8"),
  error = function(e) bad_input(paste("cannot read the data:", conditionMessage(e)))
)

# The same text pyarrow's CSV reader (and so `pylme verify`) takes as missing.
NULLS <- c("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
  "1.#QNAN", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null")
NUMBER <- "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"

# Numbers parsed by jsonlite (correctly rounded), not read.csv (which can be 1 ulp off).
as_number <- function(x) {
  na <- is.na(x) | x %in% NULLS
  inf <- x %in% c("inf", "Inf", "INF", "infinity", "Infinity")
  ninf <- x %in% c("-inf", "-Inf", "-INF", "-infinity", "-Infinity")
  ok <- na | inf | ninf | grepl(NUMBER, x)
  if (!all(ok)) return(list(value = suppressWarnings(as.numeric(x)), problem = "it holds text that is not a number"))
  txt <- ifelse(na | inf | ninf, "null", x)
  v <- as.double(jsonlite::parse_json(paste0("[", paste(txt, collapse = ","), "]"), simplifyVector = TRUE))
  if (!length(v)) v <- double()
  v[inf] <- Inf
  v[ninf] <- -Inf
  list(value = v, problem = NULL)
}

conform <- function(x, col) {
  type <- col$type
  lev <- as.character(unlist(col$levels))
  x[x %in% NULLS] <- NA
  if (type %in% c("factor", "ordered")) {
    unknown <- sort(setdiff(unique(x[!is.na(x)]), lev))
    problem <- if (length(unknown)) paste("values not among the receipt's levels:", paste(head(unknown, 5), collapse = ", "))
    return(list(value = factor(x, levels = c(lev, unknown), ordered = type == "ordered"), problem = problem))
  }
  if (type == "logical") {
    u <- toupper(x)
    if (!all(is.na(u) | u %in% c("TRUE", "T", "1", "FALSE", "F", "0"))) {
      return(list(value = x, problem = "it was logical; now it holds other text"))
    }
    return(list(value = ifelse(is.na(u), NA, u %in% c("TRUE", "T", "1")), problem = NULL))
  }
  num <- as_number(x)
  v <- num$value
  if (type == "integer" && is.null(num$problem)) {
    f <- v[!is.na(v)]
    if (all(is.finite(f) & f == round(f) & abs(f) < 2^31)) v <- as.integer(v)
  }
  list(value = v, problem = num$problem)
}

cols <- receipt$data$columns
missing <- setdiff(vapply(cols, function(c) c$name, ""), names(raw_data))
if (length(missing)) bad_input(sprintf("column %s not found in the data", paste0("'", missing, "'", collapse = ", ")))
problems <- list()
d <- as.data.frame(lapply(cols, function(col) {
  res <- conform(raw_data[[col$name]], col)
  if (!is.null(res$problem)) problems[[col$name]] <<- res$problem
  res$value
}), stringsAsFactors = FALSE)
names(d) <- vapply(cols, function(c) c$name, "")

# -- the data's fingerprint ----------------------------------------------------------------
sha256 <- if (requireNamespace("digest", quietly = TRUE)) {
  function(r) digest::digest(r, algo = "sha256", serialize = FALSE)
} else if (requireNamespace("openssl", quietly = TRUE)) {
  function(r) as.character(openssl::sha256(r))
} else {
  NULL
}
if (is.null(sha256)) {
  data_ok <- NA
  data_message <- "not checked: this R has no SHA-256 (install the R package digest or openssl)"
} else {
  n <- nrow(d)
  parts <- lapply(seq_along(cols), function(i) pylme_canonical_column(d[[i]], cols[[i]]$name, cols[[i]]$type))
  fp <- sha256(c(pylme_canonical_prefix(n, length(parts)), unlist(parts)))
  data_ok <- identical(fp, receipt$data$fingerprint)
  data_message <- if (data_ok) {
    sprintf("sha256 %s..., %d rows, %d columns", substr(fp, 1, 16), n, length(parts))
  } else if (n != receipt$data$n_rows) {
    sprintf("the row count differs: recorded %d, now %d", receipt$data$n_rows, n)
  } else {
    first <- which(vapply(seq_along(cols), function(i) {
      !identical(sha256(c(pylme_canonical_prefix(n, 1L), parts[[i]])), cols[[i]]$sha256)
    }, TRUE))[1]
    nm <- cols[[first]]$name
    why <- if (!is.null(problems[[nm]])) problems[[nm]] else "its values differ"
    sprintf("column '%s' is the first that differs: %s", nm, why)
  }
}

# -- the refit -----------------------------------------------------------------------------
suppressPackageStartupMessages(library(lme4))
call <- receipt$call
o <- call$options
fn <- call[["function"]]
scalar_list <- function(x) lapply(x, function(v) if (is.list(v) && all(lengths(v) == 1L) && is.null(names(v))) unlist(v) else v)
environment(f) <- environment()
fargs <- list(formula = f, data = quote(d),
  na.action = if (identical(o$na_action, "fail")) quote(stats::na.fail) else quote(stats::na.omit))
if (!is.null(o$weights)) fargs$weights <- as.name(if (o$weights == "<array>") ".pylme_weights" else o$weights)
if (!is.null(o$offset)) fargs$offset <- as.name(if (o$offset == "<array>") ".pylme_offset" else o$offset)
if (!is.null(o$contrasts)) fargs$contrasts <- lapply(o$contrasts, unlist)
ctrl <- if (is.null(o$control)) list() else scalar_list(o$control)
if (fn == "lmer") {
  fargs$REML <- if (is.null(o$REML)) TRUE else isTRUE(o$REML)
  fargs$control <- do.call(lmerControl, ctrl)
  fun <- if (!is.null(o$ddf)) quote(lmerTest::lmer) else quote(lme4::lmer)
} else {
  fargs$control <- do.call(glmerControl, ctrl)
  if (!is.null(o$nAGQ)) fargs$nAGQ <- o$nAGQ
  if (fn == "glmer") fargs$family <- pylme_family(list(family = o$family, link = o$link))
  fun <- switch(fn, glmer = quote(lme4::glmer), glmer.nb = quote(lme4::glmer.nb))
}
fit <- tryCatch(suppressWarnings(suppressMessages(eval(as.call(c(list(fun), fargs))))),
  error = function(e) e
)

# -- the numbers, labelled as pylme labels them --------------------------------------------
q <- function(labels, values) list(labels = as.character(labels), values = as.numeric(values))
pairs <- function(nm) {
  g <- expand.grid(b = nm, a = nm, stringsAsFactors = FALSE)
  paste(g$a, g$b, sep = ",")
}
nz <- function(x) ifelse(is.na(x), "", x)
numbers_of <- function(fit) {
  glmm <- isGLMM(fit)
  beta <- fixef(fit)
  V <- as.matrix(vcov(fit))
  se <- sqrt(diag(V))
  vc <- as.data.frame(VarCorr(fit))
  vcl <- paste(vc$grp, nz(vc$var1), nz(vc$var2), sep = ",")
  th <- getME(fit, "theta")
  ll <- logLik(fit)
  out <- list(
    fixef = q(names(beta), beta), fixef_se = q(names(beta), se),
    vcov = q(pairs(names(beta)), t(V)),
    varcorr_vcov = q(vcl, vc$vcov), varcorr_sdcor = q(vcl, vc$sdcor),
    theta = q(names(th), th),
    loglik = q("", as.numeric(ll)),
    deviance = q("", if (isREML(fit)) deviance(fit, REML = FALSE) else deviance(fit)),
    AIC = q("", AIC(fit)), BIC = q("", BIC(fit)), sigma = q("", sigma(fit)),
    df = q("", attr(ll, "df")), nobs = q("", nobs(fit)),
    ngrps = q(names(ngrps(fit)), ngrps(fit))
  )
  if (glmm) out$fixef_p_value <- q(names(beta), 2 * stats::pnorm(abs(beta / se), lower.tail = FALSE))
  if (!is.null(o$ddf)) {
    cs <- stats::coef(summary(fit, ddf = o$ddf))
    out$fixef_df <- q(names(beta), cs[, "df"])
    out$fixef_p_value <- q(names(beta), cs[, ncol(cs)])
  }
  if (isREML(fit)) out$REMLcrit <- q("", REMLcrit(fit))
  if (fn == "glmer.nb") out$nb_theta <- q("", getME(fit, "glmer.nb.theta"))
  re <- ranef(fit, condVar = TRUE)
  for (g in names(re)) {
    m <- re[[g]]
    lv <- rownames(m)
    tm <- colnames(m)
    pv <- attr(m, "postVar")
    k <- length(tm)
    if (is.list(pv)) {
      full <- array(NA_real_, c(k, k, length(lv)))
      j <- 0L
      for (blk in pv) {
        idx <- j + seq_len(dim(blk)[1L])
        full[idx, idx, ] <- blk
        j <- j + dim(blk)[1L]
      }
      pv <- full
    }
    gl <- expand.grid(t = tm, l = lv, stringsAsFactors = FALSE)
    out[[paste0("ranef:", g)]] <- q(paste(gl$l, gl$t, sep = ","), t(as.matrix(m)))
    gc <- expand.grid(b = tm, a = tm, l = lv, stringsAsFactors = FALSE)
    out[[paste0("cond_var:", g)]] <- q(paste(gc$l, gc$a, gc$b, sep = ","), aperm(pv, c(2, 1, 3)))
  }
  out
}
convergence_of <- function(fit) {
  oi <- fit@optinfo
  msgs <- as.character(unlist(oi$conv$lme4$messages))
  code <- oi$conv$opt
  list(
    converged = isTRUE(code == 0) && !any(!grepl("singular", msgs, fixed = TRUE)),
    singular = isSingular(fit), optimizer = as.character(oi$optimizer), code = as.integer(code)
  )
}

# -- comparison, as pylme.verify does it ---------------------------------------------------
num <- function(v) if (is.null(v)) NA_real_ else if (is.character(v)) as.numeric(v) else as.numeric(v)
rel_diff <- function(a, b, scale) {
  if (is.nan(a) || is.na(a) || is.na(b)) return(if (is.na(a) && is.na(b)) 0 else Inf)
  if (a == b) return(0)
  if (!is.finite(a) || !is.finite(b) || scale == 0) return(Inf)
  abs(b - a) / scale
}
rows <- list()
add_row <- function(quantity, recorded, now, rd) {
  rows[[length(rows) + 1L]] <<- list(quantity = quantity, recorded = recorded, now = now, rel_diff = rd, ok = rd <= rtol)
}
if (inherits(fit, "error")) {
  add_row("refit", "fitted", paste("failed:", conditionMessage(fit)), Inf)
} else {
  now <- numbers_of(fit)
  rec <- receipt$result$numbers
  for (qn in sort(union(names(rec), names(now)), method = "radix")) {
    rl <- as.character(unlist(rec[[qn]]$labels))
    rv <- vapply(rec[[qn]]$values, num, 0)
    nl <- now[[qn]]$labels
    nv <- now[[qn]]$values
    scale <- if (any(is.finite(rv))) max(abs(rv[is.finite(rv)])) else 0
    for (lab in c(rl, setdiff(nl, rl))) {
      name <- if (lab == "") qn else sprintf("%s[%s]", qn, lab)
      a <- if (lab %in% rl) rv[[match(lab, rl)]] else NULL
      b <- if (lab %in% nl) nv[[match(lab, nl)]] else NULL
      rd <- if (is.null(a) || is.null(b)) Inf else rel_diff(a, b, scale)
      add_row(name, if (is.null(a)) NA else a, if (is.null(b)) NA else b, rd)
    }
  }
  conv <- convergence_of(fit)
  for (key in c("converged", "singular", "optimizer", "code")) {
    a <- receipt$result$convergence[[key]]
    b <- conv[[key]]
    add_row(paste0("convergence.", key), a, b, if (identical(as.character(a), as.character(b))) 0 else Inf)
  }
}

# -- versions (the R side) -----------------------------------------------------------------
ver <- function(p) if (nzchar(system.file(package = p))) as.character(utils::packageVersion(p)) else NA_character_
now_versions <- list(
  R = paste(R.version$major, R.version$minor, sep = "."), lme4 = ver("lme4"), Matrix = ver("Matrix"),
  BLAS = as.character(extSoftVersion()[["BLAS"]]), LAPACK = La_version()
)
for (p in c("lmerTest", "pbkrtest")) if (!is.null(receipt$versions[[p]])) now_versions[[p]] <- ver(p)
vdiff <- Filter(Negate(is.null), lapply(names(now_versions), function(k) {
  a <- receipt$versions[[k]]
  if (!is.null(a) && !identical(as.character(a), now_versions[[k]])) sprintf("%s %s -> %s", k, a, now_versions[[k]])
}))

# -- the report ----------------------------------------------------------------------------
cat(sprintf("verify.R: %s('%s')  (rtol %g)\n", fn, call$formula, rtol))
cat(sprintf("data:     %s: %s\n", if (isTRUE(data_ok)) "matches" else if (is.na(data_ok)) "NOT CHECKED" else "DIFFERS", data_message))
cat(if (length(vdiff)) sprintf("versions: DIFFER (warning): %s\n", paste(unlist(vdiff), collapse = "; ")) else "versions: match\n")
groups <- vapply(rows, function(r) sub("\\[.*$", "", r$quantity), "")
ug <- unique(groups)
width <- max(nchar(c(ug, "quantity")))
cat(sprintf("  %-*s  %5s  %12s  ok\n", width, "quantity", "n", "max rel_diff"))
for (g in ug) {
  rs <- rows[groups == g]
  worst <- max(vapply(rs, function(r) r$rel_diff, 0))
  cat(sprintf("  %-*s  %5d  %12.3g  %s\n", width, g, length(rs), worst, if (all(vapply(rs, function(r) r$ok, TRUE))) "yes" else "NO"))
}
bad <- Filter(function(g) !all(vapply(rows[groups == g], function(r) r$ok, TRUE)), ug)
if (length(bad)) {
  cat("differs (the largest difference of each quantity):\n")
  for (g in bad) {
    rs <- rows[groups == g]
    nbad <- sum(!vapply(rs, function(r) r$ok, TRUE))
    w <- rs[[which.max(vapply(rs, function(r) r$rel_diff, 0))]]
    fmt <- function(v) if (is.numeric(v)) format(v, digits = 17) else as.character(v)
    cat(sprintf("  %s: recorded %s, now %s (%d of %d differ)\n", w$quantity, fmt(w$recorded), fmt(w$now), nbad, length(rs)))
  }
}
ok <- !isFALSE(data_ok) && all(vapply(rows, function(r) r$ok, TRUE))
cat("result:   ", if (ok) "OK" else "FAILED", "\n", sep = "")
quit(status = if (ok) 0L else 1L, save = "no")
