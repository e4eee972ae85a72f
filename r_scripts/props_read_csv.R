# Pure-R reference for the conversion property tests: no Python involved in reading.
# Usage: Rscript props_read_csv.R <frame.csv> <schema.json> <out.json>
# The CSV has a header and quotes every string; a missing value is the unquoted field
# U+E000 (hypothesis never puts that character in a string). Doubles are C99 hex
# ("0x1.8p+1", "Inf", "-Inf"), which R reads exactly. The schema lists each column's type
# (double, integer, logical, string, factor) and a factor's levels and ordered flag; a string
# column becomes factor(x), as pylme sends it. Writes R's view of the frame
# (pylme_props_summary in props.R) as JSON, with doubles as C99 hex.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "props.R"))

schema <- jsonlite::fromJSON(args[[2L]], simplifyVector = FALSE)
n_cols <- length(schema$columns)
raw <- utils::read.csv(args[[1L]],
  colClasses = rep("character", n_cols), na.strings = "\ue000", check.names = FALSE,
  encoding = "UTF-8", strip.white = FALSE, comment.char = ""
)
if (nrow(raw) != schema$n_rows) stop("read ", nrow(raw), " rows, expected ", schema$n_rows)
df <- as.data.frame(lapply(seq_len(n_cols), function(j) {
  col <- schema$columns[[j]]
  x <- raw[[j]]
  switch(col$type,
    double = as.numeric(x),
    integer = as.integer(x),
    logical = as.logical(x),
    string = factor(x),
    factor = factor(x, levels = as.character(unlist(col$levels)), ordered = isTRUE(col$ordered)),
    stop("unknown column type ", col$type)
  )
}), check.names = FALSE)
names(df) <- names(raw)
out <- pylme_props_summary(df)
out$columns <- lapply(out$columns, function(col) {
  if (is.double(col$values)) col$values <- sprintf("%a", col$values)
  col
})
writeLines(jsonlite::toJSON(out, auto_unbox = FALSE, null = "null"), args[[3L]], useBytes = TRUE)
