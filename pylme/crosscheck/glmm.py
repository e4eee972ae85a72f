"""Approximate cross-check of a glmer fit against statsmodels' Bayesian mixed GLMs.

statsmodels' ``BinomialBayesMixedGLM`` / ``PoissonBayesMixedGLM`` fit a Bayesian model with
priors on the fixed effects and log-SDs, not glmer's Laplace maximum likelihood: every row
is approximate and judged on a loose band. The default is the variational fit (``fit_vb``),
whose posterior means of the SDs track glmer's; the joint posterior mode (``fit_map``) lets
the SDs collapse towards zero (seen on cbpp: 3e-7 against glmer's 0.642). Both are
deterministic (BFGS from fixed starting values), so no random state is involved.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pylme.crosscheck.design import read_design
from pylme.crosscheck.result import CrossCheck, row

#: Fixed effects: the MAP shrinks them a little; compare in units of glmer's SE.
FIXEF_SE_UNITS = 0.5
#: Random-effect SDs: |log(SD ratio)|; the prior on log-SDs pulls the MAP, so a factor of ~1.5.
SD_LOG_RATIO = 0.4
#: Conditional modes: 1 - correlation between glmer's modes and the posterior means.
MODES_1_MINUS_CORR = 0.1
APPROX = "approximate: statsmodels variational Bayes GLMM vs glmer's Laplace ML"


def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center and scale the non-constant columns (when there is an intercept), so that
    statsmodels' optimizer is not thrown by badly scaled covariates; undone by :func:`unscale`."""
    sd = X.std(axis=0)
    const = sd == 0
    if not const.any():
        return X, np.zeros(X.shape[1]), np.ones(X.shape[1])
    center = np.where(const, 0.0, X.mean(axis=0))
    spread = np.where(const, 1.0, sd)
    return (X - center) / spread, center, spread


def unscale(b: np.ndarray, center: np.ndarray, spread: np.ndarray) -> np.ndarray:
    out = b / spread
    const = (center == 0) & (spread == 1)
    if const.any() and center.any():
        i = int(np.flatnonzero(const)[0])
        out[i] = b[i] - float(np.sum(out * center))
    return out


def crosscheck_glmm(fit: Any, method: str = "vb") -> CrossCheck:
    from scipy import sparse
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM, PoissonBayesMixedGLM

    skipped: list[tuple[str, str]] = []
    canonical = {"binomial": "logit", "poisson": "log"}
    if fit.family not in canonical or fit.link != canonical[fit.family]:
        skipped.append(
            (
                f"family {fit.family} ({fit.link})",
                "statsmodels has Bayesian mixed GLMs only for binomial-logit and Poisson-log",
            )
        )
        return CrossCheck(False, (), None, tuple(skipped), "BayesMixedGLM")
    design = read_design(fit)
    for t in design.terms:
        if len(t.columns) > 1:
            skipped.append(
                (
                    f"({' + '.join(t.columns)} | {t.group})",
                    "correlated random effects: statsmodels' Bayesian "
                    "mixed GLMs have independent variance components only",
                )
            )
    if np.any(design.offset != 0):
        skipped.append(("offset", "statsmodels' Bayesian mixed GLMs take no offset"))
    if skipped:
        return CrossCheck(False, (), None, tuple(skipped), "BayesMixedGLM")
    y = design.y
    X, center, spread = standardize(design.X)
    blocks, ident = [], []
    for j, t in enumerate(design.terms):
        n_lev = len(t.levels)
        ind = sparse.csr_matrix(
            (t.mm[:, 0], (np.arange(len(y)), t.codes - 1)), shape=(len(y), n_lev)
        )
        blocks.append(ind)
        ident += [j] * n_lev
    Z = sparse.hstack(blocks).tocsr()
    if fit.family == "binomial":
        trials = design.weights
        if np.any(np.abs(trials - np.round(trials)) > 1e-8):
            return CrossCheck(
                False, (), None, (("weights", "non-integer binomial trials"),), "BayesMixedGLM"
            )
        trials = np.round(trials).astype(int)
        succ = np.round(y * trials).astype(int)
        rep = np.repeat(np.arange(len(y)), trials)
        endog = np.concatenate([np.r_[np.ones(s), np.zeros(n - s)] for s, n in zip(succ, trials)])
        X, Z = X[rep], Z[rep]
        model = BinomialBayesMixedGLM(endog, X, Z, np.array(ident))
    else:
        model = PoissonBayesMixedGLM(y, X, Z, np.array(ident))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit_map() if method == "map" else model.fit_vb()
    fe_mean = unscale(np.asarray(res.fe_mean), center, spread)
    rows = []
    fe = fit.fixef
    for i, term in enumerate(fe.terms):
        rows.append(
            row(
                f"fixef[{term}]",
                fe.estimate[i],
                fe_mean[i],
                FIXEF_SE_UNITS,
                fe.std_error[i],
                f"{APPROX}; rel_diff in glmer SEs",
            )
        )
    start = 0
    for j, t in enumerate(design.terms):
        sd = next(
            c.sd for c in fit.varcorr.components if c.group == t.group and c.term == t.columns[0]
        )
        sm_sd = float(np.exp(res.vcp_mean[j]))
        r = row(
            f"sd[{t.group}: {t.columns[0]}]",
            sd,
            sm_sd,
            SD_LOG_RATIO,
            note=f"{APPROX}; rel_diff = |log ratio|",
        )
        rows.append(
            type(r)(
                r.quantity,
                r.lme4,
                r.statsmodels,
                r.abs_diff,
                abs(np.log(sm_sd / sd)),
                r.tol,
                bool(abs(np.log(sm_sd / sd)) <= SD_LOG_RATIO),
                r.note,
            )
        )
        n_lev = len(t.levels)
        theirs = np.asarray(res.vc_mean[start : start + n_lev])
        start += n_lev
        modes = fit.ranef[t.factor]
        ours = np.asarray(modes.modes)[:, modes.terms.index(t.columns[0])]
        corr = (
            float(np.corrcoef(ours, theirs)[0, 1])
            if np.std(ours) > 0 and np.std(theirs) > 0
            else 0.0
        )
        rows.append(
            type(r)(
                f"ranef[{t.group}: {t.columns[0]}] correlation",
                1.0,
                corr,
                1 - corr,
                1 - corr,
                MODES_1_MINUS_CORR,
                bool(1 - corr <= MODES_1_MINUS_CORR),
                f"{APPROX}; rel_diff = 1 - corr",
            )
        )
    return CrossCheck(
        all(r.ok for r in rows), tuple(rows), None, tuple(skipped), "BayesMixedGLM (approximate)"
    )
