# Pure-R reference for pylme's plot tests: what lme4 would draw. No Python involved.
# Usage: Rscript reference_plots.R <case.json> <out.json>
# case: {"function": "lmer"|"glmer", "formula", "family" (glmer), "data" (see data_io.R)}.
# Out: per grouping factor, lme4's own dotplot data (lme4:::asDf0: levels in plotting order,
# values and conditional SDs per term); fitted values, residuals, and R's qqnorm of the
# scaled Pearson residuals (the QQ plot's points).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

case <- jsonlite::fromJSON(args[[1]], simplifyVector = FALSE)
d <- pylme_read_frame(case$data)
f <- stats::as.formula(case$formula)
environment(f) <- environment()
fit <- if (case[["function"]] == "lmer") {
  lmer(f, data = d)
} else {
  glmer(f, data = d, family = case$family)
}
re <- ranef(fit, condVar = TRUE)
dot <- lapply(stats::setNames(names(re), names(re)), function(g) {
  ss <- lme4:::asDf0(re, g)
  order <- levels(ss$.nn)  # y positions 1..n, bottom to top
  terms <- levels(ss$ind)
  per_term <- lapply(stats::setNames(terms, terms), function(t) {
    rows <- ss[ss$ind == t, ]
    at <- match(order, as.character(rows$.nn))
    list(values = rows$values[at], se = rows$se[at])
  })
  list(levels = order, terms = terms, panels = per_term)
})
r <- residuals(fit, type = "pearson", scaled = TRUE)
qq <- stats::qqnorm(r, plot.it = FALSE)
out <- list(
  dotplot = dot,
  fitted = unname(fitted(fit)),
  residuals = unname(residuals(fit)),
  qq_x = unname(qq$x), qq_y = unname(qq$y)
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = FALSE), args[[2]])
