# receipts: R functions for pylme.receipts (sourced once per session into pylme's environment,
# and by r_scripts/verify.R, which verifies a receipt in pure R).
#
# The canonical data bytes (scheme "pylme-data-v1"); pylme/receipts/canonical.py writes the
# same bytes in Python. Strings are UTF-8 with a 4-byte little-endian length in front; counts
# are 4-byte little-endian integers. Per column: name, kind ("numeric" for R's double and
# integer, "logical", "factor", "ordered"), the number of levels and the levels (factors
# only), then one value per row: numeric as little-endian IEEE doubles (-0 written as 0, every
# NA or NaN as R's NA_real_), logical and factor codes as 4-byte integers (NA as R's
# NA_integer_, -2^31).

pylme_canon_int <- function(n) writeBin(as.integer(n), raw(), size = 4L, endian = "little")

pylme_canon_str <- function(s) {
  r <- charToRaw(enc2utf8(as.character(s)))
  c(pylme_canon_int(length(r)), r)
}

pylme_canon_kind <- function(type) {
  switch(type,
    double = , integer = "numeric", logical = "logical", factor = "factor", ordered = "ordered",
    stop("unknown column type ", type)
  )
}

# Bytes of one column: `x` as sent to R, `type` the R type recorded for it.
pylme_canonical_column <- function(x, name, type) {
  kind <- pylme_canon_kind(type)
  lev <- if (kind %in% c("factor", "ordered")) levels(x) else character()
  head <- c(pylme_canon_str(name), pylme_canon_str(kind), pylme_canon_int(length(lev)))
  if (length(lev)) head <- c(head, unlist(lapply(lev, pylme_canon_str)))
  body <- if (kind == "numeric") {
    v <- as.double(x) + 0
    v[is.na(v)] <- NA_real_
    writeBin(v, raw(), size = 8L, endian = "little")
  } else {
    writeBin(as.integer(x), raw(), size = 4L, endian = "little")
  }
  c(head, body)
}

# What a data set's fingerprint hashes before its columns: the scheme, rows, columns.
pylme_canonical_prefix <- function(n_rows, n_columns) {
  c(pylme_canon_str("pylme-data-v1"), pylme_canon_int(n_rows), pylme_canon_int(n_columns))
}

# What a receipt needs from R besides the fit's own numbers: lme4's theta, the BLAS and
# LAPACK in use, the versions of extra packages, and (when `columns` is given) the canonical
# bytes of each column of the data the model was fitted to.
pylme_receipt_info <- function(req) {
  fit <- req$model
  th <- lme4::getME(fit, "theta")
  pkg <- vapply(as.character(unlist(req$packages)), function(p) {
    if (nzchar(system.file(package = p))) as.character(utils::packageVersion(p)) else NA_character_
  }, "")
  out <- list(
    theta_names = names(th), theta = unname(as.numeric(th)),
    blas = as.character(extSoftVersion()[["BLAS"]]), lapack = La_version(),
    lapack_library = La_library(), packages = as.list(pkg)
  )
  if (!is.null(req$columns)) {
    df <- environment(stats::formula(fit))$.pylme_data
    if (!is.data.frame(df)) {
      pylme_stop("value", "this fit's R model does not hold the data it was fitted to, so no receipt can fingerprint them; fit it with pylme.lmer/glmer")
    }
    cols <- as.character(unlist(req$columns))
    types <- as.character(unlist(req$types))
    out$column_bytes <- lapply(seq_along(cols), function(i) {
      pylme_canonical_column(df[[cols[i]]], cols[i], types[i])
    })
  }
  out
}
