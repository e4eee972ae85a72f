# Check receipts against the receipt schema only (receipt_schema.R), without refitting:
# for each receipt in a JSON array, print one line: OK, or the field the check names.
# The tests feed the same receipts to pylme/receipts/schema.py and compare.
# Usage: Rscript r_scripts/check_receipts.R receipts.json
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "receipt_schema.R"))
schema <- pylme_read_schema(here)
for (body in jsonlite::fromJSON(args[[1]], simplifyVector = FALSE)) {
  res <- tryCatch(
    {
      pylme_check_receipt(body, schema)
      "OK"
    },
    pylme_receipt_error = function(e) paste("FIELD", e$field)
  )
  cat(res, "\n", sep = "")
}
