# Memory of the pure-R side, for tests/benchmarks/bench_memory.py (run by Rscript; no Python).
#
#   Rscript r_scripts/bench_memory.R DATA_DIR MODE OUT_JSON
#
# DATA_DIR holds y.f64 and x.f64 (little-endian doubles) and g.txt (one label per line), the
# same values as the Parquet file pylme reads. MODE:
#   lme4   lmer(y ~ x + (1 | g)) plus ranef(condVar = TRUE), what an lme4 user runs;
#   stages the same fit in steps (lmer; ranef(condVar = TRUE); pylme's conditional variances;
#          pylme's whole extraction), each measured from where the previous one left off.
# Growth is VmHWM after a step minus VmRSS before it, with the high-water mark reset
# (/proc/self/clear_refs) before each step; "peak" is the highest VmHWM of the process.

args <- commandArgs(trailingOnly = TRUE)
dir <- args[[1L]]
mode <- args[[2L]]
out <- args[[3L]]
suppressPackageStartupMessages(library(lme4))

status_mb <- function(field) {
  line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(strsplit(trimws(sub(".*:", "", line)), " +")[[1L]][1L]) / 1024
}
peak <- 0
heap0 <- 0
# R's own heap (vectors and cons cells) at its highest since the last reset, in MB.
heap_peak <- function() sum(gc()[, 6L])
reset <- function() {
  peak <<- max(peak, status_mb("VmHWM"))
  heap0 <<- sum(gc(full = TRUE, reset = TRUE)[, 2L])
  cat("5", file = "/proc/self/clear_refs")
  status_mb("VmRSS")
}
grown <- function(before) status_mb("VmHWM") - before
heap_grown <- function() heap_peak() - heap0

read_data <- function() {
  n <- file.size(file.path(dir, "y.f64")) / 8
  rd <- function(name) readBin(file.path(dir, name), "double", n = n, endian = "little")
  # Character labels, as arrow::read_parquet() or read.csv() give them.
  data.frame(y = rd("y.f64"), x = rd("x.f64"), g = readLines(file.path(dir, "g.txt")))
}
d <- read_data()
# Warm up on the first 2,000 rows (loads lme4's and Matrix's code, as in the Python process).
w <- lmer(y ~ x + (1 | g), d[seq_len(2000L), ])
invisible(ranef(w, condVar = TRUE))
rm(w)

res <- list(mode = mode, rows = nrow(d))
env <- new.env()
here <- dirname(sub("--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
for (f in c("runtime.R", "formula.R", "fit.R", "condvar.R", "extract.R")) {
  sys.source(file.path(here, f), envir = env)
}
if (identical(mode, "lme4")) {
  before <- reset()
  t <- system.time({
    fit <- lmer(y ~ x + (1 | g), d)
    re <- ranef(fit, condVar = TRUE)
  })[["elapsed"]]
  res$growth_mb <- grown(before)
  res$seconds <- t
  res$rss_before_mb <- before
} else if (identical(mode, "pylme")) {
  # pylme's own R code (one pylme_fit call) on the frame as pylme sends it: g a factor.
  d$g <- factor(d$g)
  req <- list(kind = "lmer", formula = "y ~ x + (1 | g)", data = d, REML = TRUE, na_action = "omit")
  before <- reset()
  t <- system.time(res$n <- length(env$pylme_fit(req)))[["elapsed"]]
  res$growth_mb <- grown(before)
  res$heap_mb <- heap_grown()
  res$seconds <- t
} else if (identical(mode, "stages")) {
  before <- reset()
  fit <- lmer(y ~ x + (1 | g), d)
  res$lmer_mb <- grown(before)
  res$lmer_heap_mb <- heap_grown()
  before <- reset()
  re <- ranef(fit, condVar = TRUE)
  res$ranef_condvar_lme4_mb <- grown(before)
  res$ranef_condvar_lme4_heap_mb <- heap_grown()
  rm(re)
  before <- reset()
  pv <- env$pylme_cond_var_schur(fit)
  res$condvar_pylme_mb <- grown(before)
  res$condvar_pylme_heap_mb <- heap_grown()
  rm(pv)
  before <- reset()
  ex <- env$pylme_extract(fit, nrow(d))
  res$extract_mb <- grown(before)
  res$extract_heap_mb <- heap_grown()
  res$extract_object_mb <- as.numeric(object.size(ex)) / 2^20
  rm(ex)
  before <- reset()
  s <- serialize(fit, NULL)
  res$serialize_mb <- grown(before)
  res$serialize_heap_mb <- heap_grown()
  res$serialized_mb <- length(s) / 2^20
}
res$peak_mb <- max(peak, status_mb("VmHWM"))
writeLines(jsonlite::toJSON(res, auto_unbox = TRUE, digits = NA), out)
