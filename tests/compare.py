"""Quantity-by-quantity comparison of a pylme fit with R's reference values (see rref.py)."""

from __future__ import annotations

import numpy as np
import rref
from conftest import RTOL, assert_close

QUANTITIES = [
    "fixef_terms",
    "fixef",
    "std_error",
    "statistic",
    "vcov",
    "varcorr_labels",
    "varcorr_values",
    "ranef_labels",
    "ranef_values",
    "cond_var",
    "coef",
    "fitted",
    "residuals",
    "loglik",
    "df",
    "aic",
    "bic",
    "deviance",
    "reml_criterion",
    "sigma",
    "nobs",
    "ngrps",
    "df_residual",
    "singular",
]


def _strs(x):
    """R's JSON writes a length-1 vector as a scalar."""
    return x if isinstance(x, list) else [x]


def check(q: str, fit, ref: dict, rtol: float = RTOL) -> None:
    f = rref.as_float_array
    if q == "fixef_terms":
        assert list(fit.fixef.terms) == _strs(ref["fixef_terms"])
    elif q == "fixef":
        assert_close(fit.fixef.estimate, f(ref["fixef"]), rtol=rtol, what=q)
    elif q == "std_error":
        assert_close(fit.fixef.std_error, f(ref["se"]), rtol=rtol, what=q)
    elif q == "statistic":
        assert_close(fit.fixef.statistic, f(ref["statistic"]), rtol=rtol, what=q)
    elif q == "vcov":
        p = len(fit.fixef.terms)
        assert_close(fit.fixef.vcov, f(ref["vcov"]).reshape((p, p), order="F"), rtol=rtol, what=q)
    elif q == "varcorr_labels":
        vc = fit.varcorr.to_frame()
        for col in ("grp", "var1", "var2"):
            assert list(vc[col]) == ref["varcorr"][col], col
    elif q == "varcorr_values":
        vc = fit.varcorr.to_frame()
        assert_close(vc["vcov"], f(ref["varcorr"]["vcov"]), rtol=rtol, what="vcov")
        assert_close(vc["sdcor"], f(ref["varcorr"]["sdcor"]), rtol=rtol, what="sdcor")
    elif q == "ranef_labels":
        rf = fit.ranef_frame()
        for col in ("grpvar", "term", "grp"):
            assert list(rf[col]) == ref["ranef"][col], col
    elif q == "ranef_values":
        rf = fit.ranef_frame()
        assert_close(rf["condval"], f(ref["ranef"]["condval"]), rtol=rtol, what="condval")
        assert_close(rf["condsd"], f(ref["ranef"]["condsd"]), rtol=rtol, what="condsd")
    elif q == "cond_var":
        assert list(fit.ranef) == list(ref["postvar"])
        for g, blocks in ref["postvar"].items():
            cv = fit.ranef[g].cond_var
            n = cv.shape[0]
            j = 0
            for blk in blocks.values() if isinstance(blocks, dict) else blocks:
                arr = f(blk)
                m = int(round(np.sqrt(arr.size / n)))
                expected = arr.reshape((m, m, n), order="F").transpose(2, 0, 1)
                assert_close(cv[:, j : j + m, j : j + m], expected, rtol=rtol, what=f"cond_var {g}")
                j += m
    elif q == "coef":
        assert list(fit.coef) == list(ref["coef"])
        for g, c in ref["coef"].items():
            ours = fit.coef[g]
            assert list(ours.levels) == _strs(c["levels"]) and list(ours.terms) == _strs(c["terms"])
            assert_close(
                ours.values,
                f(c["values"]).reshape(ours.values.shape, order="F"),
                rtol=rtol,
                what=f"coef {g}",
            )
    elif q == "fitted":
        assert_close(fit.fitted, f(ref["fitted"]), rtol=rtol, what=q)
    elif q == "residuals":
        assert_close(fit.residuals, f(ref["residuals"]), rtol=rtol, what=q)
    elif q == "reml_criterion":
        if ref.get("reml_criterion") is None:
            assert fit.reml_criterion is None
        else:
            assert_close(fit.reml_criterion, ref["reml_criterion"], rtol=rtol, what=q)
    elif q in ("nobs", "df", "df_residual"):
        assert getattr(fit, q) == ref[q]
    elif q == "singular":
        assert fit.convergence.singular == ref["singular"]
    elif q == "ngrps":
        assert list(fit.ngrps.items()) == [(k, v) for k, v in ref["ngrps"].items()]
    elif q == "p_value":
        assert_close(fit.fixef.p_value, f(ref["p_value"]), rtol=rtol, what=q)
    elif q == "linear_predictor":
        assert_close(fit.linear_predictor, f(ref["linear_predictor"]), rtol=rtol, what=q)
    elif q == "family":
        assert (fit.family, fit.link) == (ref["family"], ref["link"])
    elif q == "theta":
        assert_close(fit.theta, ref["theta"], rtol=rtol, what=q)
    else:
        assert_close(getattr(fit, q), ref[q], rtol=rtol, what=q)


def r_summary_lines(lines: list[str]) -> list[str]:
    """R's summary without the lines pylme leaves out: Data (pylme has no frame name) and the
    Control block (R deparses the whole control object over several lines)."""
    out, skipping = [], False
    for ln in lines:
        if ln.startswith("Control:"):
            skipping = True
        elif skipping and ln == "":
            skipping = False
        if not skipping and not ln.startswith("   Data:"):
            out.append(ln)
    return out
