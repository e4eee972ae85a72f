"""``fit.confint()``: lme4's profile, Wald and parametric-bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.literals import BootType, ConfintMethod, check_literal
from pylme.progress import progress_bar, show_progress
from pylme.results.methods import implements
from pylme.results.refits import RefitReport
from pylme.runtime.session import get_session


def _check(level: float, nsim: int, seed: int | None) -> None:
    if not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise OptionError(f"level must be a number between 0 and 1; got {level!r}")
    if isinstance(nsim, bool) or not isinstance(nsim, int) or nsim < 1:
        raise OptionError(f"nsim must be a positive integer; got {nsim!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise OptionError(f"seed must be an integer or None; got {seed!r}")


def _resolve_parm(fit: Any, parm: Any) -> list[str]:
    """``parm`` as lme4's new parameter names, in R's order (``pylme_confint_parm``)."""
    from pylme.inference.rcall import call_r

    items = [parm] if isinstance(parm, str) else parm
    if (
        not isinstance(items, (list, tuple))
        or not items
        or not all(isinstance(p, str) for p in items)
    ):
        raise OptionError(
            "parm must be a parameter name or a list of them (e.g. '.sig01', 'sigma', "
            f"'theta_', 'beta_'); got {type(parm).__name__}"
        )
    req = {"model": fit.r_model(), "parm": list(items)}
    out = call_r("pylme_confint_parm", req, purpose="fit.confint()")
    return [out] if isinstance(out, str) else list(out)


def _frame(out: dict[str, Any]) -> Any:
    import pandas as pd

    values = np.asarray(out["values"], dtype=float).reshape(len(out["rownames"]), -1)
    return pd.DataFrame(
        values, index=pd.Index(list(out["rownames"])), columns=list(out["colnames"])
    )


def _ticker(bar: Any) -> Any:
    """An R function that moves ``bar`` by one (rpy2 calls back into Python)."""
    import rpy2.rinterface as ri

    @ri.rternalize
    def tick() -> Any:
        bar.update(1)
        return ri.BoolSexpVector([True])

    return tick


def _boot(fit: Any, req: dict[str, Any], nsim: int, progress: bool | None) -> Any:
    from pylme.inference.rcall import call_r

    if not show_progress(progress):
        return call_r("pylme_confint", req)
    bar = progress_bar(nsim + 1, "bootstrap refits", progress)
    try:
        return call_r("pylme_confint", {**req, "tick": _ticker(bar)})
    finally:
        bar.close()


def _profile(
    fit: Any, req: dict[str, Any], parm: Sequence[str] | None, progress: bool | None
) -> Any:
    """One R call per parameter when a bar is shown (each parameter is profiled on its own, as
    in one call); a single call otherwise."""
    from pylme.inference.rcall import call_r

    if not show_progress(progress):
        return call_r("pylme_confint", req)
    names = (
        list(parm)
        if parm is not None
        else list(get_session().call("pylme_confint_names", {"model": req["model"]}).value)
    )
    bar = progress_bar(len(names), "profiling parameters", progress)
    parts = []
    try:
        for name in names:
            parts.append(call_r("pylme_confint", {**req, "parm": [name]}))
            bar.update(1)
    finally:
        bar.close()
    return {
        "rownames": tuple(n for p in parts for n in p["rownames"]),
        "colnames": parts[0]["colnames"],
        "values": np.vstack([np.asarray(p["values"]).reshape(1, -1) for p in parts]),
    }


@implements("confint")
def confint(
    fit: Any,
    method: ConfintMethod = "profile",
    *,
    level: float = 0.95,
    parm: Sequence[str] | None = None,
    nsim: int = 500,
    seed: int | None = None,
    boot_type: BootType = "perc",
    progress: bool | None = None,
) -> Any:
    """R's ``confint(fit, parm, level, method, nsim, boot.type, oldNames = FALSE)``.

    The index holds R's parameter names (``sd_(Intercept)|Subject``, ``sigma``, ...), the
    columns R's (``2.5 %``, ``97.5 %``); NA (Wald intervals of variance parameters) is NaN.
    ``parm`` takes lme4's names in either scheme (``"sd_(Intercept)|Subject"`` or ``".sig01"``,
    ``"sigma"`` or ``".sigma"``), a fixed effect's name, and lme4's groups ``"theta_"`` (every
    variance parameter) and ``"beta_"`` (every fixed effect); rows come in R's parameter order,
    under the new names. An unknown name raises :class:`~pylme.errors.OptionError` listing
    the valid ones.
    ``"boot"`` runs under ``set.seed(seed)``; its bar moves once per refit. What the refits
    reported (R prints it: "3 message(s): boundary (singular) fit ...") is in
    ``df.attrs["refits"]`` (a :class:`~pylme.results.RefitReport`: counts of singular,
    not converged and failed refits) and comes as one ``ConvergenceWarning`` or
    ``SingularFitWarning`` with R's lines. ``"profile"`` with a bar profiles one parameter
    per R call and moves once per parameter.
    """
    from pylme.inference.rcall import call_r

    check_literal(method, ConfintMethod, "method")
    check_literal(boot_type, BootType, "boot_type")
    _check(level, nsim, seed)
    if parm is not None:
        parm = _resolve_parm(fit, parm)
    req: dict[str, Any] = {"model": fit.r_model(), "method": method, "level": float(level)}
    if parm is not None:
        req["parm"] = list(parm)
    if method == "boot":
        req.update(nsim=int(nsim), boot_type=boot_type, seed=seed)
        out = _boot(fit, req, int(nsim), progress)
        report = RefitReport.from_r(int(nsim), [out["refits"]])
        report.warn("confint(method='boot')")
        df = _frame(out)
        df.attrs["refits"] = report
        return df
    elif method == "profile":
        out = _profile(fit, req, parm, progress)
    else:
        out = call_r("pylme_confint", req)
    return _frame(out)
