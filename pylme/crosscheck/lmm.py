"""Cross-check of an lmer fit against statsmodels' MixedLM."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pylme.crosscheck.design import MixedLMPlan, mixedlm_inputs, plan_mixedlm, read_design, vc_name
from pylme.crosscheck.result import CheckRow, CrossCheck, row

#: Same objective at the same parameter values: only floating-point rounding separates them.
LOGLIK_AT_LME4_RTOL = 1e-8
#: statsmodels' optimizer stops about 1e-6..1e-5 (relative) from lme4's optimum on the fixed
#: effects; the scale of the difference is the estimate or its SE, whichever is larger.
FIXEF_RTOL = 1e-4
#: statsmodels' SEs come from its own Hessian at its own optimum: about 1e-3 with slopes.
SE_RTOL = 5e-3
#: Variance components: about 1e-5 on random intercepts, 1e-3 on slopes; the 2e-2 band
#: admits statsmodels' looser convergence on slope covariances (dietox).
VARIANCE_RTOL = 2e-2
#: Random-slope covariances near a boundary move most (statsmodels' test_dietox_slopes: 1e-1).
COVARIANCE_RTOL = 1e-1
#: Residual variance: set by the fixed effects and variances, about 1e-4.
SCALE_RTOL = 1e-3
#: Conditional modes, relative to the largest mode of the factor.
MODES_RTOL = 1e-2


def _varcorr_lookup(fit: Any) -> dict[tuple[str, str, str | None], float]:
    vc = fit.varcorr
    return {(g, v1 or "", v2): float(v) for g, v1, v2, v in zip(vc.grp, vc.var1, vc.var2, vc.vcov)}


def _at_lme4(fit: Any, plan: MixedLMPlan, model: Any) -> tuple[float, CheckRow]:
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    look = _varcorr_lookup(fit)
    sigma2 = look[("Residual", "", None)]
    k = 0 if plan.re_term is None else len(plan.re_term.columns)
    cov_re = np.zeros((k, k))
    if plan.re_term is not None:
        cols, g = plan.re_term.columns, plan.re_term.group
        for a in range(k):
            cov_re[a, a] = look[(g, cols[a], None)]
            for b in range(a):
                v = look.get((g, cols[b], cols[a]), look.get((g, cols[a], cols[b]), 0.0))
                cov_re[a, b] = cov_re[b, a] = v
    by_name = {vc_name(t): look[(t.group, t.columns[0], None)] for t in plan.vc_terms}
    vcomp = np.array([by_name[n] for n in model.exog_vc.names]) / sigma2
    params = MixedLMParams.from_components(
        fe_params=np.asarray(fit.fixef.estimate), cov_re=cov_re / sigma2, vcomp=vcomp
    )
    model.reml = bool(fit.reml)
    model.cov_pen = None  # attributes MixedLM.fit() sets before it evaluates loglike
    model.fe_pen = None
    ll = float(model.loglike(params, profile_fe=False))
    return ll, row(
        "loglik at lme4's estimates",
        fit.loglik,
        ll,
        LOGLIK_AT_LME4_RTOL,
        note="statsmodels' objective evaluated at lme4's parameters",
    )


def _refit_rows(fit: Any, plan: MixedLMPlan, model: Any) -> list[CheckRow]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # statsmodels' default optimizer can stop early on random slopes (dietox: its
        # log-likelihood 3.3 below its own Nelder-Mead + BFGS result); keep statsmodels'
        # better optimum of the two, chosen by statsmodels' own likelihood alone.
        tries = [
            model.fit(reml=bool(fit.reml)),
            model.fit(reml=bool(fit.reml), method=["nm", "bfgs"]),
        ]
        usable = [
            r for r in tries if np.isfinite(r.llf) and np.all(np.isfinite(r.bse_fe))
        ] or tries[:1]
        res = max(usable, key=lambda r: r.llf)
    rows = []
    fe = fit.fixef
    for i, term in enumerate(fe.terms):
        scale = max(abs(fe.estimate[i]), fe.std_error[i])
        rows.append(
            row(
                f"fixef[{term}]",
                fe.estimate[i],
                res.fe_params[i],
                FIXEF_RTOL,
                scale,
                "scale: max(|est|, SE)",
            )
        )
    for i, term in enumerate(fe.terms):
        rows.append(row(f"se[{term}]", fe.std_error[i], res.bse_fe[i], SE_RTOL))
    look = _varcorr_lookup(fit)
    rows.append(row("residual variance", look[("Residual", "", None)], res.scale, SCALE_RTOL))
    if plan.re_term is not None:
        cols, g = plan.re_term.columns, plan.re_term.group
        for a in range(len(cols)):
            rows.append(
                row(
                    f"var[{g}: {cols[a]}]",
                    look[(g, cols[a], None)],
                    np.asarray(res.cov_re)[a, a],
                    VARIANCE_RTOL,
                )
            )
            for b in range(a):
                cov = look.get((g, cols[b], cols[a]), look.get((g, cols[a], cols[b]), 0.0))
                sd = np.sqrt(look[(g, cols[a], None)] * look[(g, cols[b], None)])
                rows.append(
                    row(
                        f"cov[{g}: {cols[b]}, {cols[a]}]",
                        cov,
                        np.asarray(res.cov_re)[a, b],
                        COVARIANCE_RTOL,
                        sd,
                        "scale: product of the two SDs",
                    )
                )
    for name, v in zip(model.exog_vc.names, res.vcomp):
        t = next(t for t in plan.vc_terms if vc_name(t) == name)
        rows.append(
            row(
                f"var[{t.group}: {t.columns[0]}]",
                look[(t.group, t.columns[0], None)],
                v,
                VARIANCE_RTOL,
            )
        )
    if plan.re_term is not None:
        t = plan.re_term
        modes = fit.ranef[t.factor]
        k = len(t.columns)
        idx = [modes.terms.index(c) for c in t.columns]
        ours = np.asarray(modes.modes)[:, idx]
        theirs = np.array(
            [np.asarray(res.random_effects[j + 1])[:k] for j in range(len(modes.levels))]
        )
        worst = float(np.max(np.abs(ours - theirs)))
        scale = float(np.max(np.abs(ours))) or 1.0
        rows.append(
            row(
                f"ranef[{t.factor}] (max over levels)",
                scale,
                scale + worst * float(np.sign(worst or 1)),
                MODES_RTOL,
                scale,
                "lme4 column: largest |mode|; statsmodels column: that plus the largest difference",
            )
        )
    return rows


def crosscheck_lmm(fit: Any, refit: bool) -> CrossCheck:
    from statsmodels.regression.mixed_linear_model import MixedLM

    design = read_design(fit)
    plan = plan_mixedlm(design)
    skipped = list(plan.skipped)
    if np.any(design.weights != 1):
        skipped.append(("weights", "statsmodels' MixedLM has no prior weights"))
        return CrossCheck(False, (), None, tuple(skipped), "MixedLM")
    if skipped:
        return CrossCheck(False, (), None, tuple(skipped), "MixedLM")
    groups, exog_re, exog_vc = mixedlm_inputs(design, plan)
    y = design.y - design.offset  # an offset in a linear model is a shift of the response
    model = MixedLM(y, design.X, groups, exog_re=exog_re, exog_vc=exog_vc)
    ll, strong = _at_lme4(fit, plan, model)
    rows = [strong] + (_refit_rows(fit, plan, model) if refit else [])
    if np.any(design.offset != 0):
        skipped.append(
            (
                "offset",
                "compared with the response shifted by the offset (same model for a linear fit)",
            )
        )
    return CrossCheck(all(r.ok for r in rows), tuple(rows), ll, tuple(skipped), "MixedLM")
