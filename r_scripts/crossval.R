# Cross-validation (pylme.cross_validate): the fold assignment, one fold's held-out predictions
# and log densities, and the metrics. The fits themselves are pylme fits (pylme_fit).

# The folds, as pure R gives them from the seed:
#   set.seed(seed); g <- factor(groups)
#   scheme "group": f <- sample(rep_len(seq_len(K), nlevels(g))); folds <- f[as.integer(g)]
#   scheme "row":   folds <- sample(rep_len(seq_len(K), n))
pylme_cv_folds <- function(req) {
  K <- as.integer(req$folds)
  if (!is.null(req$seed)) set.seed(as.integer(req$seed))
  if (identical(req$scheme, "group")) {
    g <- factor(req$data[[1L]])
    if (anyNA(g)) {
      pylme_stop("data", sprintf(
        "groups column '%s' has %d missing value(s): every row needs a group to be held out with",
        names(req$data)[1L], sum(is.na(g))))
    }
    if (nlevels(g) < K) {
      pylme_stop("value", sprintf(
        "folds = %d, but groups column '%s' has only %d level(s): use at most %d folds",
        K, names(req$data)[1L], nlevels(g), nlevels(g)))
    }
    f <- sample(rep_len(seq_len(K), nlevels(g)))
    return(f[as.integer(g)])
  }
  n <- as.integer(req$n)
  if (n < K) pylme_stop("value", sprintf("folds = %d, but the data have only %d row(s)", K, n))
  sample(rep_len(seq_len(K), n))
}

# What a fold's held-out rows need: predict()'s columns and the response's.
pylme_cv_vars <- function(req) {
  info <- pylme_predict_vars(req)
  fit <- req$model
  info$needed <- union(info$needed, all.vars(stats::formula(fit)[[2L]]))
  info
}

# The observed response of rows nd: y on the response scale (a binomial's proportion of
# successes for cbind(s, f), 0/1 for a factor: its first level is failure, as in glm), and
# the successes and trials of a binomial.
pylme_cv_observed <- function(fit, nd) {
  y <- eval(stats::formula(fit)[[2L]], nd, environment(stats::formula(fit)))
  if (is.matrix(y)) {
    size <- rowSums(y)
    return(list(y = y[, 1L] / size, succ = y[, 1L], size = size))
  }
  if (is.factor(y)) y <- as.numeric(y != levels(y)[1L])
  y <- as.numeric(y)
  list(y = y, succ = y, size = rep(1, length(y)))
}

# The log density of each held-out y given the prediction mu and the training fit:
# lmer: dnorm(y, mu, sigma(fit), log = TRUE); binomial: dbinom(succ, size, mu, log = TRUE);
# poisson: dpois(y, mu, log = TRUE); other families: NA.
pylme_cv_logdens <- function(fit, obs, mu) {
  if (!lme4::isGLMM(fit)) return(stats::dnorm(obs$y, mu, stats::sigma(fit), log = TRUE))
  fam <- stats::family(fit)$family
  if (identical(fam, "binomial")) return(stats::dbinom(obs$succ, obs$size, mu, log = TRUE))
  if (identical(fam, "poisson")) return(stats::dpois(obs$y, mu, log = TRUE))
  rep(NA_real_, length(mu))
}

# One fold: predict(fit, newdata, allow.new.levels = TRUE, type = "response") for the
# held-out rows, their observed y and log densities (NA for rows with a missing value).
pylme_cv_fold <- function(req) {
  fit <- req$model
  rows <- pylme_pi_rows(fit, req$newdata)
  k <- rows$keep
  nd <- rows$nd
  if (!nrow(nd)) {
    na <- rep(NA_real_, length(k))
    return(list(pred = na, y = na, ll = na, n_train = stats::nobs(fit)))
  }
  mu <- stats::predict(fit, newdata = nd, allow.new.levels = TRUE, type = "response")
  obs <- pylme_cv_observed(fit, nd)
  ll <- pylme_cv_logdens(fit, obs, unname(mu))
  list(pred = pylme_pi_pad(k, mu), y = pylme_pi_pad(k, obs$y), ll = pylme_pi_pad(k, ll),
       n_train = stats::nobs(fit))
}

# The metrics of the rows with a prediction and an observed y (e = y - pred):
# n, rmse = sqrt(mean(e^2)), mae = mean(abs(e)), loglik = sum(ll); per fold, then all rows.
pylme_cv_metrics <- function(req) {
  fold <- as.integer(req$folds)
  y <- as.numeric(req$y)
  p <- as.numeric(req$pred)
  ll <- as.numeric(req$ll)
  ok <- !is.na(y) & !is.na(p)
  one <- function(s) {
    e <- y[s] - p[s]
    c(n = sum(s), rmse = sqrt(mean(e^2)), mae = mean(abs(e)), loglik = sum(ll[s]))
  }
  per <- vapply(seq_len(as.integer(req$k)), function(k) one(ok & fold == k), numeric(4))
  list(n = per["n", ], rmse = per["rmse", ], mae = per["mae", ], loglik = per["loglik", ],
       overall = as.list(one(ok)))
}
