"""Every number of a fit as the receipt records it: quantity -> labels and values.

Labels name the elements so that pure R (``r_scripts/verify.R``) builds the same ones:
matrices are flattened row by row (``"row,col"``), ranef modes by level then term
(``"level,term"``), conditional variances by level, term, term. Scalars have the label "".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from pylme.receipts.receipt import json_number
from pylme.results.fit import GlmerFit, LmerFit, MixedFit


def _q(labels: Iterable[str], values: Any) -> dict[str, list[Any]]:
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    labels = list(labels)
    if len(labels) != len(flat):
        raise ValueError(f"{len(labels)} labels for {len(flat)} values")
    return {"labels": labels, "values": [json_number(v) for v in flat]}


def _scalar(value: Any) -> dict[str, list[Any]]:
    return _q([""], [value])


def _pairs(names: Sequence[str]) -> list[str]:
    return [f"{a},{b}" for a in names for b in names]


def fit_numbers(fit: MixedFit, info: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """The recorded quantities of ``fit``; ``info`` is R's ``pylme_receipt_info`` (theta)."""
    fe = fit.fixef
    vc = fit.varcorr
    vc_labels = [f"{g},{a or ''},{b or ''}" for g, a, b in zip(vc.grp, vc.var1, vc.var2)]
    out = {
        "fixef": _q(fe.terms, fe.estimate),
        "fixef_se": _q(fe.terms, fe.std_error),
        "vcov": _q(_pairs(fe.terms), fe.vcov),
        "varcorr_vcov": _q(vc_labels, vc.vcov),
        "varcorr_sdcor": _q(vc_labels, vc.sdcor),
        "theta": _q(info["theta_names"] or (), info["theta"]),
        "loglik": _scalar(fit.loglik),
        "deviance": _scalar(fit.deviance),
        "AIC": _scalar(fit.aic),
        "BIC": _scalar(fit.bic),
        "sigma": _scalar(fit.sigma),
        "df": _scalar(fit.df),
        "nobs": _scalar(fit.nobs),
        "ngrps": _q(fit.ngrps.keys(), list(fit.ngrps.values())),
    }
    if fe.p_value is not None:
        out["fixef_p_value"] = _q(fe.terms, fe.p_value)
    if fe.df is not None:
        out["fixef_df"] = _q(fe.terms, fe.df)
    if isinstance(fit, LmerFit) and fit.reml_criterion is not None:
        out["REMLcrit"] = _scalar(fit.reml_criterion)
    if isinstance(fit, GlmerFit) and fit.theta is not None:
        out["nb_theta"] = _scalar(fit.theta)
    for group, m in fit.ranef.items():
        out[f"ranef:{group}"] = _q([f"{lv},{t}" for lv in m.levels for t in m.terms], m.modes)
        out[f"cond_var:{group}"] = _q(
            [f"{lv},{p}" for lv in m.levels for p in _pairs(m.terms)], m.cond_var
        )
    return out


def convergence_record(fit: MixedFit) -> dict[str, Any]:
    """The optimizer's record; ``converged``, ``singular``, ``optimizer`` and ``code`` are
    compared on verification, the messages are kept for reading."""
    c = fit.convergence
    return {
        "converged": c.converged,
        "singular": c.singular,
        "optimizer": c.optimizer,
        "code": c.code,
        "lme4_messages": list(c.lme4_messages),
        "optimizer_warnings": list(c.optimizer_warnings),
        "warnings": list(c.warnings),
    }


#: The convergence entries compared on verification.
COMPARED_CONVERGENCE = ("converged", "singular", "optimizer", "code")
