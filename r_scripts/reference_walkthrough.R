# Pure-R reference for the walkthrough example: the post's figures on imm10, with lme4
# defaults. Usage: Rscript reference_walkthrough.R <imm10.csv> <out.json>
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lme4))
d <- utils::read.csv(args[[1]])
d$hi <- d$math > 50
vc <- function(m) as.data.frame(VarCorr(m))
m1 <- lmer(math ~ homework + (1 | schid), data = d)
m2 <- lmer(math ~ homework + (1 + homework | schid), data = d)
g <- glmer(hi ~ homework + (1 | schid), data = d, family = binomial)
out <- list(
  intercept_sd = vc(m1)$sdcor[1],
  residual_sd = sigma(m1),
  intercept_slope_corr = vc(m2)$sdcor[3],
  logistic_effect = unname(fixef(g)["homework"]),
  logistic_group_sd = vc(g)$sdcor[1]
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE), args[[2]])
