# The receipt schema (receipt_schema.json), checked by verify.R before anything is refitted.
# The same rules as pylme/receipts/schema.py, written out once here; the test
# tests/test_receipts_schema.py feeds both the same cases and expects the same field.
# A receipt read with jsonlite::fromJSON(simplifyVector = FALSE): a JSON object is a named
# list, an array an unnamed list, null is NULL, an integer literal is an R integer.

PYLME_NON_FINITE <- c("NaN", "Inf", "-Inf")
PYLME_R_NAME <- "^[A-Za-z.][A-Za-z0-9._]*$"

pylme_read_schema <- function(dir) {
  jsonlite::fromJSON(file.path(dir, "receipt_schema.json"), simplifyVector = FALSE)
}

pylme_receipt_bad <- function(field, problem, value) {
  shown <- if (is.null(value)) "null" else paste(deparse(value, nlines = 1L, width.cutoff = 80L), collapse = "")
  if (nchar(shown) > 80L) shown <- paste0(substr(shown, 1L, 77L), "...")
  stop(structure(
    class = c("pylme_receipt_error", "error", "condition"),
    list(message = sprintf("receipt field %s: %s; got %s", field, problem, shown), call = NULL, field = field)
  ))
}

pylme_is_object <- function(v) is.list(v) && !is.null(names(v))
pylme_is_array <- function(v) is.list(v) && is.null(names(v))
pylme_is_string <- function(v) is.character(v) && length(v) == 1L && !is.na(v)
pylme_is_scalar <- function(v) {
  (is.character(v) || is.numeric(v) || is.logical(v)) && length(v) == 1L && !is.na(v)
}

pylme_check_value <- function(value, spec, field, columns, option, s) {
  if (endsWith(spec, "|null")) {
    if (is.null(value)) return(invisible(TRUE))
    spec <- substr(spec, 1L, nchar(spec) - 5L)
  }
  kind <- sub(":.*$", "", spec)
  rest <- if (grepl(":", spec, fixed = TRUE)) sub("^[^:]*:", "", spec) else ""
  bad <- function(problem) pylme_receipt_bad(field, problem, value)
  switch(kind,
    string = if (!pylme_is_string(value)) bad("must be a string"),
    boolean = if (!(is.logical(value) && length(value) == 1L && !is.na(value))) bad("must be true or false"),
    integer = if (!(is.integer(value) && length(value) == 1L && !is.na(value))) bad("must be an integer"),
    number = if (!(is.null(value) || (is.numeric(value) && length(value) == 1L) ||
      (pylme_is_string(value) && value %in% PYLME_NON_FINITE))) {
      bad("must be a number (or \"NaN\", \"Inf\", \"-Inf\")")
    },
    one_of = {
      allowed <- unlist(s$vocabularies[[rest]])
      if (!pylme_is_string(value) || !(value %in% allowed)) {
        bad(paste("must be one of", paste0("'", allowed, "'", collapse = ", ")))
      }
    },
    column = {
      name <- if (identical(value, "<array>") && !is.null(s$hidden_columns[[option]])) s$hidden_columns[[option]] else value
      if (!pylme_is_string(value) || !(name %in% columns)) {
        bad(sprintf("must name one of the receipt's data columns [%s]", paste0("'", columns, "'", collapse = ", ")))
      }
    },
    array = {
      if (!pylme_is_array(value)) bad("must be a list")
      for (i in seq_along(value)) pylme_check_value(value[[i]], rest, sprintf("%s[%d]", field, i - 1L), columns, option, s)
    },
    map = , contrasts = , control = {
      if (!pylme_is_object(value)) bad("must be an object")
      for (i in seq_along(value)) {
        key <- names(value)[[i]]
        where <- paste0(field, ".", key)
        item <- value[[i]]
        if (kind == "map") {
          pylme_check_value(item, rest, where, columns, option, s)
        } else if (kind == "contrasts") {
          pylme_check_value(key, "column", where, columns, option, s)
          pylme_check_value(item, "one_of:contrast", where, columns, option, s)
        } else {
          pylme_check_control(key, item, where, s)
        }
      }
    },
    record = pylme_check_record(value, rest, field, columns, s),
    stop("receipt_schema.json: unknown type ", spec)
  )
  invisible(TRUE)
}

pylme_check_control <- function(key, value, field, s) {
  if (!grepl(PYLME_R_NAME, key)) pylme_receipt_bad(field, "must be an lmerControl/glmerControl argument name", key)
  if (!pylme_is_scalar(value) && !(is.list(value) && all(vapply(value, pylme_is_scalar, TRUE)))) {
    pylme_receipt_bad(field, "must be a number, string or boolean, or a list of them", value)
  }
  if (key == "optimizer") {
    names <- if (is.list(value)) value else list(value)
    if (length(names) < 1L || length(names) > 2L) pylme_receipt_bad(field, "must be one optimizer name (or two for glmer)", value)
    for (i in seq_along(names)) {
      where <- if (length(names) == 1L) field else sprintf("%s[%d]", field, i - 1L)
      pylme_check_value(names[[i]], "one_of:optimizer", where, character(), "", s)
    }
  }
}

pylme_check_record <- function(value, name, field, columns, s) {
  fields <- s$records[[name]]
  if (!pylme_is_object(value)) pylme_receipt_bad(if (nzchar(field)) field else "(the receipt)", "must be an object", value)
  prefix <- if (nzchar(field)) paste0(field, ".") else ""
  known <- sub("^[?]", "", names(fields))
  for (key in names(value)) {
    if (!(key %in% known)) {
      pylme_receipt_bad(paste0(prefix, key), sprintf("is not a field of %s (%s)", name, paste(sort(known, method = "radix"), collapse = ", ")), key)
    }
  }
  for (i in seq_along(fields)) {
    bare <- known[[i]]
    if (!(bare %in% names(value))) {
      if (!startsWith(names(fields)[[i]], "?")) pylme_receipt_bad(paste0(prefix, bare), "is missing", NULL)
      next
    }
    pylme_check_value(value[[bare]], fields[[i]], paste0(prefix, bare), columns, bare, s)
  }
}

# Check a receipt (as read by jsonlite) against the schema; an error of class
# pylme_receipt_error (with $field) names the first field that breaks it.
pylme_check_receipt <- function(body, s) {
  if (!pylme_is_object(body)) pylme_receipt_bad("(the receipt)", "must be a JSON object", class(body)[1L])
  version <- body[["schema_version"]]
  if (is.integer(version) && length(version) == 1L && !identical(version, as.integer(s$schema_version))) {
    pylme_receipt_bad("schema_version", sprintf("this pylme reads receipts of schema %d", s$schema_version), version)
  }
  pylme_check_record(body[["data"]], "data", "data", character(), s)
  columns <- vapply(body[["data"]][["columns"]], function(c) c[["name"]], "")
  pylme_check_record(body, "receipt", "", columns, s)
  fn <- body[["call"]][["function"]]
  options <- body[["call"]][["options"]]
  for (key in names(options)) {
    if (!(key %in% unlist(s$options_of[[fn]]))) pylme_receipt_bad(paste0("call.options.", key), paste("is not an option of", fn), options[[key]])
  }
  for (key in unlist(s$required_of[[fn]])) {
    if (is.null(options[[key]])) pylme_receipt_bad(paste0("call.options.", key), paste("is required for", fn), NULL)
  }
  family <- options[["family"]]
  link <- options[["link"]]
  if (!is.null(family) && !is.null(link) && !(link %in% unlist(s$links[[family]]))) {
    allowed <- unlist(s$links[[family]])
    pylme_receipt_bad("call.options.link", sprintf("must be a link of the %s family (%s)", family, paste0("'", allowed, "'", collapse = ", ")), link)
  }
  invisible(TRUE)
}
