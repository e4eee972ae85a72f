# Pure-R reference for pylme's defaults test: the formals() of the R functions pylme mirrors.
# Usage: Rscript reference_defaults.R <in.json> <out.json>
# in.json: {"functions": ["lme4::lmer", "lme4:::predict.merMod", ...]} (pkg::name or
# pkg:::name; looked up in the package's namespace, never evaluated as code).
# out.json: {function: {argument: {"kind", "value", "text"}}}, kind one of
#   "missing" (no default), "null", "na", "value" (a constant), "choices" (c(...) of
#   constants, as match.arg() reads them: value is the first), "call" (any other expression;
#   text is its deparse). Also "options": R's getOption("na.action") and emmeans' lmer.df option.
args <- commandArgs(trailingOnly = TRUE)
input <- jsonlite::read_json(args[[1]], simplifyVector = TRUE)

lookup <- function(name) {
  parts <- strsplit(name, ":::?")[[1L]]
  get(parts[[2L]], envir = asNamespace(parts[[1L]]), mode = "function")
}

describe <- function(d) {
  text <- paste(deparse(d), collapse = " ")
  if (identical(d, quote(expr = ))) return(list(kind = "missing", value = NULL, text = ""))
  if (is.null(d)) return(list(kind = "null", value = NULL, text = text))
  if (is.atomic(d) && length(d) == 1L && is.na(d)) return(list(kind = "na", value = NULL, text = text))
  if (is.atomic(d) && length(d) == 1L) return(list(kind = "value", value = d, text = text))
  if (is.call(d) && identical(d[[1L]], as.name("c")) && all(vapply(as.list(d)[-1L], is.atomic, TRUE))) {
    return(list(kind = "choices", value = eval(d, baseenv())[[1L]], text = text))
  }
  list(kind = "call", value = NULL, text = text)
}

out <- lapply(stats::setNames(input$functions, input$functions), function(name) {
  fm <- formals(lookup(name))
  stats::setNames(lapply(names(fm), function(n) describe(fm[[n]])), names(fm))
})
out$options <- list(
  na.action = getOption("na.action"),
  lmer.df = if (nzchar(system.file(package = "emmeans"))) emmeans::get_emm_option("lmer.df") else NULL
)
jsonlite::write_json(out, args[[2]], auto_unbox = TRUE, null = "null", digits = I(17))
