"""``fit.allfit()``: lme4's ``allFit()``, one optimizer per R call so that a bar can show it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.diagnostics.allfit_result import AllFit, OptimizerFit
from pylme.errors import OptionError
from pylme.literals import AllFitOptimizer, check_literal
from pylme.models.ddf import require_r_packages
from pylme.progress import progress_bar
from pylme.results._arrays import frozen_array
from pylme.results.methods import implements
from pylme.runtime.session import get_session

#: The R package behind each optimizer that lme4 does not bring itself.
PACKAGES = {"nmkbw": "dfoptim", "optimx.L-BFGS-B": "optimx"}


def _num(value: Any) -> float:
    """A length-one R number (NULL or NA as NaN)."""
    if value is None or len(value) == 0:
        return math.nan
    return float(value[0])


def _text(value: Any) -> str:
    return str(value[0]) if value else ""


def parse_one(name: str, d: dict[str, Any], grad_tol: float) -> OptimizerFit:
    """One fit as ``pylme_conv_one`` returned it."""
    empty = frozen_array([])
    if not bool(d["ok"][0]):
        nan = math.nan
        return OptimizerFit(
            name=name, ok=False, converged=False, fixef=empty, theta=empty, sdcor=empty,
            sigma=nan, loglik=nan, feval=nan, code=nan, time=nan, max_grad=nan,
            grad_status="", singular=False, error=_text(d.get("error")),
        )  # fmt: skip
    grad, status, code = _num(d["max_grad"]), _text(d["grad_status"]), _num(d["code"])
    grad_ok = grad <= grad_tol if status == "checked" else status != "unevaluable"
    return OptimizerFit(
        name=name,
        ok=True,
        converged=bool(code == 0 and grad_ok),
        fixef=frozen_array(d["fixef"]),
        theta=frozen_array(d["theta"]),
        sdcor=frozen_array(d["sdcor"]),
        sigma=_num(d["sigma"]),
        loglik=_num(d["loglik"]),
        feval=_num(d["feval"]),
        code=code,
        time=_num(d["time"]),
        max_grad=grad,
        grad_status=status,
        singular=bool(d["singular"][0]),
        warnings=tuple(str(w) for w in d["warnings"] or ()),
    )


def labels(raw: Sequence[dict[str, Any]], fit: Any) -> tuple[tuple[str, ...], ...]:
    """fixef, theta and sdcor names, from the first refit that ran (the fit's terms if none)."""
    for d in raw:
        if bool(d["ok"][0]):
            theta = tuple(d["theta_names"] or ())
            extra = ("sigma",) if len(d["sdcor"]) > len(theta) else ()
            return tuple(d["fixef_names"] or ()), theta, theta + extra
    return tuple(fit.fixef.terms), (), ()


def _wanted(optimizers: Sequence[str] | str | None, installed: list[str]) -> list[str]:
    if optimizers is None:
        return installed
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    wanted = list(
        dict.fromkeys(check_literal(o, AllFitOptimizer, "optimizers") for o in optimizers)
    )
    if not wanted:
        raise OptionError("optimizers is empty; give None (every installed one) or their names")
    needed = sorted({PACKAGES[o] for o in wanted if o in PACKAGES})
    require_r_packages(needed, f"fit.allfit(optimizers={wanted!r})")
    absent = [o for o in wanted if o not in installed]
    if absent:
        raise OptionError(f"this lme4's allFit() does not offer {absent}; it has {installed}")
    return [o for o in installed if o in wanted]  # allFit's order


@implements("allfit")
def allfit(
    fit: Any,
    optimizers: Sequence[str] | str | None = None,
    *,
    maxfun: int = 100_000,
    progress: bool | None = None,
) -> AllFit:
    """R's ``allFit(fit, meth.tab, maxfun)`` (see :meth:`pylme.LmerFit.allfit`)."""
    if isinstance(maxfun, bool) or not isinstance(maxfun, int) or maxfun < 1:
        raise OptionError(f"maxfun must be a positive integer; got {maxfun!r}")
    session = get_session()
    model = fit.r_model()
    inst = session.call("pylme_allfit_installed", {}).value
    wanted = _wanted(optimizers, list(inst["names"]))
    req = {
        "model": model,
        "control": fit.provenance.options.get("control"),
        "maxfun": float(maxfun),
    }
    # Without optimx or dfoptim, allFit() takes only its own method table: one call for all.
    complete = bool(inst["complete"][0])
    batches = [[o] for o in wanted] if complete else [wanted]
    names: list[str] = []
    raw: list[dict[str, Any]] = []
    bar = progress_bar(len(wanted), "allFit optimizers", progress)
    try:
        for batch in batches:
            out = session.call(
                "pylme_allfit", {**req, "optimizers": batch, "subset": complete}
            ).value
            names += list(out["names"])
            raw += list(out["fits"])
            bar.update(len(batch))
    finally:
        bar.close()
    tol = float(np.asarray(session.call("pylme_conv_tol", {"model": model}).value)[0])
    fixef_names, theta_names, sdcor_names = labels(raw, fit)
    fits = tuple(parse_one(n, d, tol) for n, d in zip(names, raw))
    return AllFit(fits, fixef_names, theta_names, sdcor_names, tol, maxfun)
