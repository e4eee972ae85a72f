# `pylme doctor`: R's version, the R packages pylme uses, and the BLAS, one "key<TAB>value"
# line each (value NA when missing). Run with Rscript; needs nothing beyond base R.
ver <- function(p) {
  if (nzchar(system.file(package = p))) as.character(utils::packageVersion(p)) else NA_character_
}
out <- c(R = paste(R.version$major, R.version$minor, sep = "."))
# The packages to check are the arguments (pylme's doctor passes its whole table).
pkgs <- commandArgs(trailingOnly = TRUE)
if (!length(pkgs)) pkgs <- c("lme4", "Matrix", "lmerTest", "emmeans", "pbkrtest", "broom.mixed")
for (p in pkgs) out[p] <- ver(p)
blas <- tryCatch(utils::sessionInfo()$BLAS, error = function(e) NA_character_)
if (is.null(blas) || !nzchar(blas)) blas <- tryCatch(extSoftVersion()[["BLAS"]], error = function(e) NA_character_)
out["BLAS"] <- blas
cat(paste(names(out), ifelse(is.na(out), "NA", out), sep = "\t"), sep = "\n")
