# Pure-R reference for what a bootstrap's refits report: no Python involved.
# Usage: Rscript reference_boot_warnings.R <case.json> <out.json>
# case: {"formula", "data" (see data_io.R), "nsim", "seed"}.
# Out: confint(fit, method = "boot", nsim, seed, oldNames = FALSE) (rownames, values by
# column) and the message it prints about the refits (lme4's print.bootWarnings), as lines.
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

case <- jsonlite::fromJSON(args[[1]], simplifyVector = FALSE)
d <- pylme_read_frame(case$data)
f <- stats::as.formula(case$formula)
environment(f) <- environment()
fit <- lmer(f, data = d)
said <- character()
ci <- withCallingHandlers(
  confint(fit, method = "boot", nsim = case$nsim, seed = case$seed, oldNames = FALSE),
  message = function(m) {
    said <<- c(said, conditionMessage(m))
    invokeRestart("muffleMessage")
  }
)
lines <- unlist(strsplit(said, "\n", fixed = TRUE))
lines <- lines[nzchar(lines) & !startsWith(lines, "Computing bootstrap")]
out <- list(rownames = rownames(ci), values = unname(as.numeric(ci)), lines = lines)
writeLines(jsonlite::toJSON(out, digits = NA), args[[2]])
