# Pure-R reference for pylme's parametric bootstrap: lme4's bootMer, no Python involved.
# Usage: Rscript reference_many.R <in.json> <out.json>
# in: {"data" (typed columns, see data_io.R), "formula", "REML", "nsim", "seed"}
# out: {"names": confint(fit, oldNames = FALSE) row names, "t": bootMer(...)$t by column,
#       "t_seeds": with "seeds" given, bootMer(fit, FUN, nsim = 1, seed = s)$t for each s}
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

req <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
d <- pylme_read_frame(req$data)
fit <- lmer(stats::as.formula(req$formula), data = d, REML = isTRUE(req$REML))
labels <- rownames(suppressMessages(confint(fit, method = "Wald", oldNames = FALSE)))
# The statistic, written independently of pylme's: VarCorr's SDs and correlations in
# lower-triangle order (sigma last), then the fixed effects.
FUN <- function(m) {
  vc <- as.data.frame(VarCorr(m), order = "lower.tri")
  stats::setNames(c(vc$sdcor, fixef(m)), labels)
}
b <- bootMer(fit, FUN, nsim = req$nsim, seed = req$seed)
out <- list(names = colnames(b$t), t = lapply(seq_len(ncol(b$t)), function(j) b$t[, j]))
# Optional: one replicate per seed (what pylme's parallel backends compute).
if (length(req$seeds)) {
  per <- t(vapply(unlist(req$seeds), function(s) bootMer(fit, FUN, nsim = 1L, seed = s)$t[1L, ],
                  numeric(length(labels))))
  out$t_seeds <- lapply(seq_len(ncol(per)), function(j) per[, j])
}
jsonlite::write_json(out, args[[2]], digits = I(17), na = "null", auto_unbox = FALSE, null = "null")
