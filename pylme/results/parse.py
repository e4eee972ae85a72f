"""The plain list ``pylme_extract()`` returns (as Python values) to result dataclasses."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.results._arrays import frozen_array, frozen_result
from pylme.results.fit import GlmerFit, LmerFit, MixedFit
from pylme.results.fixef import FixedEffects
from pylme.results.meta import Convergence, Provenance
from pylme.results.nlmer_fit import NlmerFit
from pylme.results.ranef import ConditionalModes, GroupCoefficients
from pylme.results.varcorr import VarCorr
from pylme.runtime.handles import ModelHandle


def _scalar(x: Any) -> Any:
    return None if x is None else x[0]


def _fixef(raw: dict[str, Any], z: bool) -> FixedEffects:
    p = len(raw["terms"])
    return FixedEffects(
        terms=tuple(raw["terms"]),
        estimate=frozen_array(raw["estimate"]),
        std_error=frozen_array(raw["std_error"]),
        statistic=frozen_array(raw["statistic"]),
        vcov=frozen_array(np.reshape(raw["vcov"], (p, p))),
        p_value=None if raw.get("p_value") is None else frozen_array(raw["p_value"]),
        statistic_name="z value" if z else "t value",
    )


def _varcorr(raw: dict[str, Any]) -> VarCorr:
    return VarCorr(
        grp=tuple(raw["grp"]),
        var1=tuple(raw["var1"]),
        var2=tuple(raw["var2"]),
        vcov=frozen_array(raw["vcov"]),
        sdcor=frozen_array(raw["sdcor"]),
        has_residual=bool(raw["use_sc"][0]),
    )


def _ranef(items: list[dict[str, Any]]) -> dict[str, ConditionalModes]:
    out = {}
    for it in items:
        n, k = len(it["levels"]), len(it["terms"])
        cv = np.reshape(it["cond_var"], (k, k, n), order="F")
        out[it["group"][0]] = ConditionalModes(
            group=it["group"][0],
            levels=tuple(it["levels"]),
            terms=tuple(it["terms"]),
            modes=frozen_array(np.reshape(it["modes"], (n, k), order="F")),
            cond_var=frozen_array(np.transpose(cv, (2, 0, 1))),
        )
    return out


def _coef(items: list[dict[str, Any]]) -> dict[str, GroupCoefficients]:
    out = {}
    for it in items:
        n, k = len(it["levels"]), len(it["terms"])
        out[it["group"][0]] = GroupCoefficients(
            group=it["group"][0],
            levels=tuple(it["levels"]),
            terms=tuple(it["terms"]),
            values=frozen_array(np.reshape(it["values"], (n, k), order="F")),
        )
    return out


def _convergence(
    raw: dict[str, Any],
    warnings: tuple[str, ...],
    messages: tuple[str, ...],
    output: str,
    origins: tuple[tuple[str, ...], tuple[str, ...]],
) -> Convergence:
    return Convergence(
        converged=bool(raw["converged"][0]),
        singular=bool(raw["singular"][0]),
        optimizer=_scalar(raw["optimizer"]) or "",
        code=int(raw["code"][0]) if raw["code"] is not None and len(raw["code"]) else 0,
        messages=messages,
        warnings=warnings,
        lme4_messages=tuple(raw["lme4_messages"] or ()),
        optimizer_warnings=tuple(raw["optimizer_warnings"] or ()),
        optimizer_message=_scalar(raw.get("optimizer_message")),
        output=output,
        warning_origins=origins[0],
        message_origins=origins[1],
    )


def parse_fit(
    raw: dict[str, Any],
    *,
    provenance: Provenance,
    warnings: tuple[str, ...],
    messages: tuple[str, ...],
    output: str,
    handle: ModelHandle | None = None,
    warning_origins: tuple[str, ...] = (),
    message_origins: tuple[str, ...] = (),
) -> MixedFit:
    s = raw["stats"]
    common: dict[str, Any] = dict(
        formula=" ".join(raw["formula"]),
        fixef=_fixef(
            raw["fixef"], z=bool(raw["glmm"][0]) and not bool(raw["varcorr"]["use_sc"][0])
        ),
        varcorr=_varcorr(raw["varcorr"]),
        ranef=_ranef(raw["ranef"]),
        coef=_coef(raw["coef"]),
        fitted=frozen_result(raw["fitted"]),
        residuals=frozen_result(raw["residuals"]),
        scaled_residuals=frozen_result(raw["scaled_residuals"]),
        loglik=float(s["loglik"][0]),
        df=int(s["df"][0]),
        aic=float(s["aic"][0]),
        bic=float(s["bic"][0]),
        deviance=float(s["deviance"][0]),
        sigma=float(s["sigma"][0]),
        nobs=int(s["nobs"][0]),
        ngrps={k: int(v[0]) for k, v in raw["ngrps"].items()},
        df_residual=int(s["df_residual"][0]),
        n_dropped=int(s["n_dropped"][0]),
        convergence=_convergence(
            raw["convergence"], warnings, messages, output, (warning_origins, message_origins)
        ),
        provenance=provenance,
        _handle=handle,
    )
    nlmer = raw.get("nlmer")
    if nlmer is not None:
        names, values = nlmer["start_names"] or (), nlmer["start"]
        start = {} if values is None else dict(zip(names, map(float, np.atleast_1d(values))))
        return NlmerFit(
            **common,
            nAGQ=int(nlmer["nAGQ"][0]),
            start=start,
            formula_lines=tuple(nlmer["formula_lines"] or ()),
        )
    if not bool(raw["glmm"][0]):
        rc = s.get("reml_criterion")
        return LmerFit(
            **common, reml=bool(s["reml"][0]), reml_criterion=None if rc is None else float(rc[0])
        )
    fam = raw["family"]
    theta = fam.get("theta")
    return GlmerFit(
        **common,
        family=fam["family"][0],
        link=fam["link"][0],
        nAGQ=int(fam["nAGQ"][0]),
        linear_predictor=frozen_result(raw["linear_predictor"]),
        theta=None if theta is None else float(theta[0]),
    )
