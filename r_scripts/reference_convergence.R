# Pure-R references for pylme's allFit and convergence tests: no Python involved.
# Usage: Rscript reference_convergence.R <in.json> <out.json>
# in.json: {"data": {name: typed columns (see data_io.R)},
#           "models": {id: {"formula", "data", "control": lmerControl arguments or null,
#                           "family": null for lmer, or a glmer family name}}}
# Each model is fitted as a user types it, lmer(f, data = d, control = lmerControl(...)) or
# glmer(f, data = d, family = binomial), at top level; then ?convergence's steps: the scaled
# gradient (lme4's checkConv), the restart update(m, start = pars), and summary(allFit(m)).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

input <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
frames <- lapply(input$data, pylme_read_frame)

# lme4's checkConv: max(pmin(|solve(chol(H), g)|, |g|)); NA for a singular fit (not checked).
scaled_gradient <- function(m) {
  if (isSingular(m)) return(NA_real_)
  d <- m@optinfo$derivs
  max(pmin(abs(with(d, solve(chol(Hessian), gradient))), abs(d$gradient)))
}
grad_tol <- 0.002 # lmerControl()$checkConv$check.conv.grad$tol: the models keep the default

one_fit <- function(x) {
  list(
    fixef = unname(fixef(x)), theta = unname(getME(x, "theta")), sigma = sigma(x),
    loglik = as.numeric(logLik(x)), code = x@optinfo$conv$opt, max_grad = scaled_gradient(x),
    warnings = as.character(c(unlist(x@optinfo$warnings), unlist(x@optinfo$conv$lme4$messages)))
  )
}

results <- list()
for (id in names(input$models)) {
  spec <- input$models[[id]]
  d <- frames[[spec$data]]
  f <- as.formula(spec$formula)
  call <- if (!is.null(spec$family)) {
    bquote(glmer(f, data = d, family = .(as.name(spec$family))))
  } else if (is.null(spec$control)) {
    quote(lmer(f, data = d))
  } else {
    bquote(lmer(f, data = d, control = .(as.call(c(quote(lmerControl), spec$control)))))
  }
  m <- suppressWarnings(eval(call))
  # ?convergence: an LMM restarts from theta, a GLMM from theta and the fixed effects.
  pars <- if (isLMM(m)) getME(m, "theta") else getME(m, c("theta", "fixef"))
  restart <- suppressWarnings(update(m, start = pars))
  af <- suppressWarnings(allFit(m, verbose = FALSE))
  ss <- summary(af)
  ok_fits <- af[ss$which.OK]
  codes <- vapply(ok_fits, function(x) x@optinfo$conv$opt, numeric(1))
  grads <- vapply(ok_fits, scaled_gradient, numeric(1))
  converged <- codes == 0 & (is.na(grads) | grads <= grad_tol)
  # The spread: per parameter, (max - min) / max(|min|, |max|) over the converged optimizers.
  spread <- function(tab) {
    tab <- as.matrix(tab)[converged, , drop = FALSE]
    apply(tab, 2, function(x) if (max(abs(x)) == 0) 0 else diff(range(x)) / max(abs(x)))
  }
  results[[id]] <- list(
    fit = one_fit(m), restart = one_fit(restart),
    allfit = list(
      names = names(af), which_ok = unname(ss$which.OK),
      fixef = unname(as.list(as.data.frame(t(ss$fixef)))), fixef_names = colnames(ss$fixef),
      theta = unname(as.list(as.data.frame(t(ss$theta)))), theta_names = colnames(ss$theta),
      sdcor = unname(as.list(as.data.frame(t(as.matrix(ss$sdcor))))), sdcor_names = colnames(ss$sdcor),
      llik = unname(ss$llik), feval = unname(ss$feval), code = unname(codes),
      max_grad = unname(grads), converged = unname(converged),
      msgs = unname(lapply(ss$msgs, function(x) as.character(unlist(x)))),
      warnings = unname(lapply(ok_fits, function(x) as.character(unlist(x@optinfo$warnings)))),
      spread = list(
        fixef = unname(spread(ss$fixef)), theta = unname(spread(ss$theta)),
        # sigma only where the model has a scale (summary.allFit's sdcor has it then).
        sigma = if ("sigma" %in% colnames(ss$sdcor)) spread(cbind(sapply(ok_fits, sigma))),
        logLik = spread(cbind(ss$llik))
      )
    )
  )
}
jsonlite::write_json(results, args[[2]], digits = I(17), na = "null", auto_unbox = TRUE, null = "null")
