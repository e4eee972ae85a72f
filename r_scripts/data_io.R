# Typed column JSON, shared by the pure-R reference script and the data exporter.
# A frame is {"n_rows": n, "columns": [{"name", "type", ...}]} with type one of
# double / integer / logical / character (with "values", null for NA) or factor
# (with "levels", "ordered" and 1-based "codes", null for NA).

pylme_read_frame <- function(spec) {
  n <- spec$n_rows
  cols <- lapply(spec$columns, function(col) {
    na_fill <- function(v, na) {
      if (length(v) == 0L) return(rep(na, n))
      v <- lapply(v, function(x) if (is.null(x)) na else x)
      unlist(v, use.names = FALSE)
    }
    switch(col$type,
      double = as.double(na_fill(col$values, NA_real_)),
      integer = as.integer(na_fill(col$values, NA_integer_)),
      logical = as.logical(na_fill(col$values, NA)),
      character = as.character(na_fill(col$values, NA_character_)),
      factor = {
        codes <- as.integer(na_fill(col$codes, NA_integer_))
        factor(unlist(col$levels)[codes], levels = unlist(col$levels), ordered = isTRUE(col$ordered))
      },
      stop("unknown column type ", col$type)
    )
  })
  df <- as.data.frame(cols, stringsAsFactors = FALSE)
  names(df) <- vapply(spec$columns, function(c) c$name, "")
  df
}

pylme_frame_spec <- function(df) {
  cols <- lapply(names(df), function(nm) {
    x <- df[[nm]]
    if (is.factor(x)) {
      list(name = nm, type = "factor", levels = levels(x), ordered = is.ordered(x), codes = as.integer(x))
    } else if (is.logical(x)) {
      list(name = nm, type = "logical", values = x)
    } else if (is.integer(x)) {
      list(name = nm, type = "integer", values = x)
    } else if (is.numeric(x)) {
      list(name = nm, type = "double", values = as.double(x))
    } else {
      list(name = nm, type = "character", values = as.character(x))
    }
  })
  list(n_rows = nrow(df), columns = cols)
}
