# Write a data set that an R package ships as typed column JSON (see data_io.R).
# Usage: Rscript export_data.R <package> <dataset> <out.json>
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(requireNamespace(args[[1]], quietly = TRUE))
env <- new.env()
utils::data(list = args[[2]], package = args[[1]], envir = env)
df <- as.data.frame(get(args[[2]], envir = env))
jsonlite::write_json(pylme_frame_spec(df), args[[3]], digits = NA, na = "null", auto_unbox = TRUE)
