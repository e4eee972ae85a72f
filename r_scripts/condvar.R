# Conditional variances of the random effects: the same numbers as the "postVar" attribute
# of lme4::ranef(fit, condVar = TRUE), one nc x nc block per level of each term.
#
#   Var(b | y) = sigma^2 * Lambda A^{-1} Lambda',   A = Lambda' Z' W Z Lambda + I
#
# lme4 computes these with one sparse triangular solve per level (merPredDcondVar), which is
# quick for small models and takes seconds for large ones (2.7 s on InstEval, a quarter of the
# fit). For large models pylme uses a Schur complement instead: the block of A that belongs to
# the term with the most columns is block diagonal by level (every row of the data belongs to
# one level), so it is inverted block by block, and only the rest, S = C - B' D^{-1} B, is
# inverted as a dense matrix. A >= I, so S >= I and this is well conditioned.

# Which method "auto" picks: lme4's own routine for small models (q < 1000 random-effect
# columns), where it costs milliseconds; the Schur complement where the dense part (q_r, the
# columns outside the largest term) stays at most 5000 (200 MB) and 3/4 of q. Measured here
# (reference BLAS), Schur vs lme4: InstEval (q 4128, q_r 1156) 0.26 s vs 2.7 s; three crossed
# 700-level factors (q_r/q = 0.67) 0.88 s vs 1.98 s; two 1000-level (x|g) terms 1.9 s vs 8.9 s.
#
# Small models (q <= 200 columns) take the dense route: A is inverted as a dense matrix,
# which costs microseconds there, while lme4's routine builds a reference-class object per
# call (about 1 ms of a 20 ms sleepstudy fit, a twentieth of lmer_many's time per response).
pylme_cond_var_method <- function(fit, method = "auto") {
  if (!method %in% c("auto", "lme4", "schur", "dense")) pylme_stop("value", paste0("unknown cond_var method '", method, "'"))
  if (method != "auto") return(method)
  nb <- diff(fit@Gp)
  q <- sum(nb)
  q_r <- q - max(nb)
  if (q <= 200L) return("dense")
  if (q >= 1000L && q_r <= 5000L && q_r <= 0.75 * q) "schur" else "lme4"
}

# The dense route: Var(b | y) = sigma^2 Lambda A^{-1} Lambda', every level's block of it.
pylme_cond_var_dense <- function(fit) {
  Gp <- fit@Gp
  nb <- diff(Gp)
  nc <- lengths(fit@cnms)
  A <- as.matrix(Matrix::tcrossprod(fit@pp$LamtUt))
  diag(A) <- diag(A) + 1
  Lt <- as.matrix(fit@pp$Lambdat)
  V <- stats::sigma(fit)^2 * crossprod(Lt, chol2inv(chol(A)) %*% Lt)
  per_term <- lapply(seq_along(nb), function(k) {
    nl <- nb[k] / nc[k]
    out <- array(0, c(nc[k], nc[k], nl))
    for (l in seq_len(nl)) {
      idx <- Gp[k] + (l - 1L) * nc[k] + seq_len(nc[k])
      out[, , l] <- V[idx, idx]
    }
    out
  })
  pylme_cond_var_by_factor(fit, per_term)
}

# Per-term (nc, nc, n_levels) arrays arranged by grouping factor as ranef()'s "postVar" is:
# one array per factor, or a list of arrays where several terms share the factor.
pylme_cond_var_by_factor <- function(fit, per_term) {
  fl <- fit@flist
  asgn <- attr(fl, "assign")
  out <- lapply(seq_along(fl), function(i) {
    terms <- which(asgn == i)
    if (length(terms) == 1L) per_term[[terms]] else per_term[terms]
  })
  names(out) <- names(fl)
  out
}

# Per grouping factor (named as lme4 names them), what lme4 puts in "postVar": an
# (nc, nc, n_levels) array, or a list of such arrays when several terms share the factor.
pylme_cond_var_schur <- function(fit) {
  Gp <- fit@Gp
  nb <- diff(Gp)
  nc <- lengths(fit@cnms)
  q <- sum(nb)
  A <- Matrix::tcrossprod(fit@pp$LamtUt)
  Matrix::diag(A) <- Matrix::diag(A) + 1
  m <- which.max(nb)
  im <- Gp[m] + seq_len(nb[m])
  ir <- seq_len(q)[-im]

  # D^{-1}, block diagonal with nc[m] x nc[m] blocks.
  D <- A[im, im, drop = FALSE]
  Dinv <- if (nc[m] == 1L) Matrix::Diagonal(x = 1 / Matrix::diag(D)) else Matrix::solve(D)
  blocks <- vector("list", length(nb))
  pairs <- function(k) expand.grid(a = seq_len(nc[k]), b = seq_len(nc[k]))
  rows_of <- function(k, a) (seq_len(nb[k] / nc[k]) - 1L) * nc[k] + a

  # The term's blocks of A^{-1} = D^{-1} + E S^{-1} E', one row per level and one column per
  # (a, b) position in the block (expand.grid order); D^{-1} first.
  prs <- pairs(m)
  nl <- nb[m] / nc[m]
  Mm <- matrix(0, nl, nrow(prs))
  for (j in seq_len(nrow(prs))) Mm[, j] <- Dinv[cbind(rows_of(m, prs$a[j]), rows_of(m, prs$b[j]))]

  if (length(ir) > 0L) {
    B <- A[im, ir, drop = FALSE]
    E <- Dinv %*% B
    # S is sparse (a fifth full on InstEval): its sparse Cholesky, with CHOLMOD's fill-reducing
    # permutation p, costs a fraction of a dense one. Sinv below is the inverse of S[p, p].
    S <- Matrix::forceSymmetric(A[ir, ir, drop = FALSE] - Matrix::crossprod(B, E), uplo = "L")
    ch <- Matrix::Cholesky(methods::as(S, "CsparseMatrix"), LDL = FALSE, super = TRUE)
    p <- ch@perm + 1L
    Sinv <- chol2inv(as.matrix(Matrix::t(methods::as(ch, "sparseMatrix"))))
    pinv <- order(p)
    # E S^{-1} E': each entry is a sum over the nonzeros of one row of E, taken against
    # S^{-1} E' in column chunks of about 1e7 numbers.
    Et <- methods::as(Matrix::t(E), "CsparseMatrix")[p, , drop = FALSE]
    step <- max(nc[m], (1e7 %/% length(ir)) %/% nc[m] * nc[m])
    for (start in seq(1L, nb[m], by = step)) {
      end <- min(nb[m], start + step - 1L)
      Ec <- Et[, start:end, drop = FALSE]
      SE <- as.matrix(Sinv %*% Ec)
      col <- rep(seq_len(end - start + 1L), diff(Ec@p)) - 1L
      k <- Ec@i + 1L
      lev0 <- col %/% nc[m]
      a <- col %% nc[m] + 1L
      level <- (start - 1L) %/% nc[m] + lev0 + 1L
      for (bb in seq_len(nc[m])) {
        key <- level + (a - 1L + (bb - 1L) * nc[m]) * nl
        sums <- rowsum(Ec@x * SE[cbind(k, lev0 * nc[m] + bb)], key)
        at <- sort(unique(key))
        Mm[at] <- Mm[at] + sums[, 1L]
      }
    }
    for (k in seq_along(nb)[-m]) {
      pos <- pinv[match(Gp[k] + seq_len(nb[k]), ir)]
      prs <- pairs(k)
      blocks[[k]] <- sapply(seq_len(nrow(prs)), function(j) {
        Sinv[cbind(pos[rows_of(k, prs$a[j])], pos[rows_of(k, prs$b[j])])]
      })
    }
  }

  blocks[[m]] <- Mm

  # Scale by Lambda: every level of term k shares the same nc x nc block T of Lambda.
  sig2 <- stats::sigma(fit)^2
  Lt <- fit@pp$Lambdat
  per_term <- lapply(seq_along(nb), function(k) {
    nl <- nb[k] / nc[k]
    M <- array(t(matrix(blocks[[k]], nl)), c(nc[k], nc[k], nl))
    idx <- Gp[k] + seq_len(nc[k])
    T <- t(as.matrix(Lt[idx, idx, drop = FALSE]))
    TM <- T %*% matrix(M, nc[k])
    TMt <- aperm(array(TM, c(nc[k], nc[k], nl)), c(2L, 1L, 3L))
    sig2 * array(T %*% matrix(TMt, nc[k]), c(nc[k], nc[k], nl))
  })

  pylme_cond_var_by_factor(fit, per_term)
}

# Number of random-effect columns (q), for the tests of the route choice.
pylme_n_re_columns <- function(fit) sum(diff(fit@Gp))
