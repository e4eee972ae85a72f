"""``fit.check_convergence()``: lme4's ``?convergence`` procedure (the scaled gradient, a
restart from the estimates, allFit) turned into a verdict with its evidence."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pylme.diagnostics.allfit import allfit as run_allfit
from pylme.diagnostics.allfit import parse_one
from pylme.diagnostics.allfit_result import AllFit, OptimizerFit, control_for, rel_diff
from pylme.diagnostics.verdict import ConvergenceCheck, Evidence
from pylme.errors import OptionError
from pylme.results.methods import implements
from pylme.runtime.session import get_session

#: Estimates that differ by less than this (relative) are the same optimum.
RTOL = 1e-3
#: A -2 log-likelihood lower by more than this is a better optimum.
DEVIANCE_TOL = 1e-4


def params(f: OptimizerFit) -> np.ndarray:
    """The estimated parameters compared: fixef, theta and sigma."""
    return np.concatenate([f.fixef, f.theta, [f.sigma]])


def max_rel(a: OptimizerFit, b: OptimizerFit) -> float:
    if not (a.ok and b.ok):
        return math.nan
    return float(np.max(rel_diff(params(a), params(b)), initial=0.0))


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise OptionError(f"{what} must be a positive number; got {value!r}")
    return float(value)


def _status(bad: bool) -> Any:
    return "problem" if bad else "ok"


def evidence(fit: Any, own: OptimizerFit, restart: OptimizerFit, af: AllFit, tols: Any) -> Any:
    """The checks in ``?convergence``'s order, and what each says."""
    rtol, dtol = tols
    conv = af.converged
    best = min(conv, key=lambda f: f.objective) if conv else None
    gain = own.objective - best.objective if best else math.nan
    use = next(f.name for f in conv if f.objective <= best.objective + dtol) if best else None
    diff = max_rel(own, best) if best else math.nan
    r_gain = own.objective - restart.objective if restart.ok else math.nan
    r_diff = max_rel(own, restart)
    warned = not fit.convergence.converged
    spread = af.spread() if conv else None
    top = spread.sort_values("rel_diff").iloc[-1] if spread is not None else None
    rows = (
        Evidence("lme4's convergence checks", float(len(fit.convergence.lme4_messages)),
                 math.nan, "note" if warned else "ok", "; ".join(fit.convergence.lme4_messages)),
        Evidence("scaled gradient (max)", own.max_grad, af.grad_tol,
                 "note" if own.max_grad > af.grad_tol else "ok", own.grad_status),
        Evidence("restart: -2 logLik lowered by", r_gain, dtol,
                 _status(r_gain > dtol) if restart.ok else "note",
                 restart.error or "; ".join(restart.warnings)),
        Evidence("restart: estimates moved (relative)", r_diff, rtol, _status(r_diff > rtol), ""),
        Evidence("allFit: optimizers converged", float(len(conv)), math.nan,
                 _status(not conv), f"{len(conv)} of {len(af.fits)}"),
        Evidence("allFit: -2 logLik lowered by (best)", gain, dtol, _status(gain > dtol),
                 best.name if best else ""),
        Evidence("allFit: estimates differ from the best", diff, rtol, _status(diff > rtol), ""),
        Evidence("allFit: spread among converged", float(top["rel_diff"]) if top is not None
                 else math.nan, rtol, "note" if top is not None and top["rel_diff"] > rtol
                 else "ok", f"{top['quantity']} {top['parameter']}" if top is not None else ""),
    )  # fmt: skip
    numbers = {"best": best.name if best else None, "gain": gain, "diff": diff}
    numbers.update(r_gain=r_gain, r_diff=r_diff, use=use if best and gain > dtol else None)
    return rows, numbers, warned


def verdict_of(rows: tuple[Evidence, ...], warned: bool, use: str | None) -> tuple[str, str]:
    problems = [r for r in rows if r.status == "problem"]
    if problems:
        what = "; ".join(f"{r.check} {r.value:.3g} (tol {r.tolerance:g})" for r in problems)
        hint = f" Refit with control={control_for(use)} (allFit's {use})." if use else ""
        return "problem", f"Not at the optimum: {what}.{hint}"
    if warned:
        return "false positive", (
            "lme4 warned, but the restart and every converged optimizer agree with the fit "
            "within the tolerances."
        )
    return "ok", "No warning, and the restart and the optimizers agree with the fit."


@implements("check_convergence")
def check_convergence(
    fit: Any,
    *,
    rtol: float = RTOL,
    deviance_tol: float = DEVIANCE_TOL,
    allfit: AllFit | None = None,
    progress: bool | None = None,
) -> ConvergenceCheck:
    """``?convergence``'s procedure (see :meth:`pylme.LmerFit.check_convergence`)."""
    tols = (_positive(rtol, "rtol"), _positive(deviance_tol, "deviance_tol"))
    if allfit is not None and not isinstance(allfit, AllFit):
        raise OptionError(f"allfit must be the result of fit.allfit(); got {type(allfit)}")
    if allfit is not None and allfit.fixef_names != tuple(fit.fixef.terms):
        raise OptionError("allfit comes from another model (its fixed-effect terms differ)")
    req = {"model": fit.r_model(), "control": fit.provenance.options.get("control")}
    out = get_session().call("pylme_conv_restart", req).value
    tol = float(out["tol"][0])
    own, restart = parse_one("fit", out["fit"], tol), parse_one("restart", out["restart"], tol)
    af = allfit if allfit is not None else run_allfit(fit, progress=progress)
    rows, n, warned = evidence(fit, own, restart, af, tols)
    verdict, reason = verdict_of(rows, warned, n["use"])
    return ConvergenceCheck(
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        lme4_warned=warned,
        lme4_messages=tuple(fit.convergence.lme4_messages),
        max_grad=own.max_grad,
        grad_tol=tol,
        grad_status=own.grad_status,
        restart=restart,
        allfit=af,
        best=n["best"],
        use_optimizer=n["use"],
        deviance_gain=n["gain"],
        max_rel_diff=n["diff"],
        restart_gain=n["r_gain"],
        restart_rel_diff=n["r_diff"],
        rtol=tols[0],
        deviance_tol=tols[1],
        rows=rows,
    )
