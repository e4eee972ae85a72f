# Pure-R reference for where lme4's warnings and messages come from (no Python in between).
# Fits the cases below with lme4 in plain R and prints one line per condition, tab-separated:
# kind (warning / message), the function that signalled it (the head of conditionCall() for
# a warning; for a message, whose conditionCall() is message() itself, the function that
# called message()), whether the fit is singular (isSingular(fit), the boundary test lme4's
# checkConv makes with the same default tolerance 1e-4), and the text.
# Usage: Rscript r_scripts/reference_origins.R   (the tests fit the same cases with pylme)
suppressPackageStartupMessages(library(lme4))
cases <- list(
  # bobyqa stopped after 5 evaluations: minqa's advice, optwrap's return code, and two of
  # checkConv's warnings ("unable to evaluate scaled gradient", a degenerate Hessian).
  bobyqa_maxfun_5 = function() {
    lmer(Reaction ~ Days + (Days | Subject), sleepstudy,
      control = lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 5))
    )
  },
  # A boundary fit: checkConv's singular message.
  dyestuff2 = function() lmer(Yield ~ 1 + (1 | Batch), Dyestuff2)
)
for (name in names(cases)) {
  rows <- list()
  note <- function(kind) {
    function(cond) {
      cl <- conditionCall(cond)
      if (kind == "message") {
        i <- Position(function(c) identical(c, cl), sys.calls(), right = TRUE)
        cl <- sys.call(sys.parents()[i])
      }
      fun <- if (is.null(cl) || !is.name(cl[[1L]])) "" else as.character(cl[[1L]])
      rows[[length(rows) + 1L]] <<- c(kind, fun, sub("\n$", "", conditionMessage(cond)))
      invokeRestart(if (kind == "warning") "muffleWarning" else "muffleMessage")
    }
  }
  fit <- withCallingHandlers(cases[[name]](), warning = note("warning"), message = note("message"))
  for (r in rows) cat(paste(name, r[1], r[2], isSingular(fit), r[3], sep = "\t"), "\n", sep = "")
}
