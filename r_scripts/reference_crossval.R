# Pure-R reference for pylme.cross_validate: the folds from the seed, a loop of lmer/glmer
# fits without each fold, predictions of the fold, and the metrics. No Python.
# Usage: Rscript reference_crossval.R <tasks.json> <out.json>
# Each task: {"id", "function": "lmer" | "glmer", "formula", "family" (glmer), "data" (typed
#   columns, see data_io.R), "groups", "folds", "scheme": "group" | "row", "seed"}.
# Results: folds, predictions, per-fold n / rmse / mae / loglik and the overall ones; doubles
# as "%.17g" text (read back bit for bit).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "data_io.R"))
suppressPackageStartupMessages(library(lme4))

exact <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

run_task <- function(task) {
  data <- pylme_read_frame(task$data)
  K <- task$folds
  set.seed(task$seed)
  if (identical(task$scheme, "group")) {
    g <- factor(data[[task$groups]])
    f <- sample(rep_len(seq_len(K), nlevels(g)))
    folds <- f[as.integer(g)]
  } else {
    folds <- sample(rep_len(seq_len(K), nrow(data)))
  }
  f <- as.formula(task$formula)
  pred <- y <- ll <- rep(NA_real_, nrow(data))
  n_train <- integer(K)
  for (k in seq_len(K)) {
    train <- data[folds != k, , drop = FALSE]
    test <- data[folds == k, , drop = FALSE]
    fit <- suppressWarnings(suppressMessages(
      if (identical(task[["function"]], "lmer")) lmer(f, data = train)
      else glmer(f, data = train, family = get(task$family, mode = "function")())
    ))
    n_train[k] <- nobs(fit)
    mu <- predict(fit, newdata = test, allow.new.levels = TRUE, type = "response")
    idx <- which(folds == k)
    pred[idx] <- mu
    if (isGLMM(fit)) { # binomial with cbind(successes, failures): y is the proportion
      resp <- eval(f[[2]], test)
      size <- rowSums(resp)
      y[idx] <- resp[, 1] / size
      ll[idx] <- dbinom(resp[, 1], size, mu, log = TRUE)
    } else {
      y[idx] <- test[[all.vars(f[[2]])]]
      ll[idx] <- dnorm(y[idx], mu, sigma(fit), log = TRUE)
    }
  }
  e <- y - pred
  per <- lapply(seq_len(K), function(k) {
    s <- folds == k
    c(n = sum(s), rmse = sqrt(mean(e[s]^2)), mae = mean(abs(e[s])), loglik = sum(ll[s]))
  })
  per <- do.call(rbind, per)
  list(
    folds = folds, n_train = n_train, predictions = exact(pred),
    n = per[, "n"], rmse = exact(per[, "rmse"]), mae = exact(per[, "mae"]),
    loglik = exact(per[, "loglik"]),
    overall = list(rmse = exact(sqrt(mean(e^2))), mae = exact(mean(abs(e))), loglik = exact(sum(ll)))
  )
}

tasks <- jsonlite::read_json(args[[1]], simplifyVector = FALSE)
results <- lapply(tasks, run_task)
names(results) <- vapply(tasks, function(t) t$id, "")
jsonlite::write_json(results, args[[2]], digits = I(17), auto_unbox = TRUE)
