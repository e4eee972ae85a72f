# Model matrices of a fitted model, for Python-side cross-checks (pylme.crosscheck).
pylme_design <- function(req) {
  fit <- req$model
  fl <- lme4::getME(fit, "flist")
  cnms <- lme4::getME(fit, "cnms")
  mm <- lme4::getME(fit, "mmList")
  # which grouping factor each random-effect term belongs to
  asgn <- attr(fl, "assign")
  X <- lme4::getME(fit, "X")
  resp <- fit@resp
  terms <- lapply(seq_along(cnms), function(i) {
    f <- fl[[asgn[i]]]
    list(group = names(lme4::VarCorr(fit))[i], factor = names(fl)[asgn[i]], columns = cnms[[i]],
         codes = as.integer(f), levels = levels(f), mm = unname(as.matrix(mm[[i]])))
  })
  list(
    X = unname(as.matrix(X)), x_names = colnames(X), y = as.numeric(lme4::getME(fit, "y")),
    weights = as.numeric(stats::weights(fit)), offset = as.numeric(lme4::getME(fit, "offset")),
    terms = terms
  )
}
