"""``fit.predict(newdata, interval=...)``: confidence and prediction intervals.

Three methods, each R's own numbers (``r_scripts/intervals.R``): ``"delta"`` (standard errors
from ``vcov()``, ``sigma()`` and ``ranef(condVar = TRUE)``), ``"simulate"``
(``merTools::predictInterval``) and ``"bootstrap"`` (percentiles of ``bootMer`` over
``predict``; run by :mod:`pylme.parallel`, which registers ``predict_bootstrap``). The
formulas are in :meth:`pylme.results.fit.MixedFit.predict`'s docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.errors import OptionError, lme4_messages, warn, warning_category
from pylme.literals import Backend, IntervalKind, IntervalMethod, check_literal
from pylme.results.fit import GlmerFit, MixedFit
from pylme.results.methods import implementation

#: re_form values that keep no random effect (R's NA and ~0).
NO_RE = ("NA", "~0", "~ 0")


def _check(level: Any, nsim: Any, seed: Any) -> None:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise OptionError(f"level must be a number between 0 and 1; got {level!r}")
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise OptionError(f"nsim must be a positive int; got {nsim!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise OptionError(f"seed must be an int or None; got {seed!r}")


def _check_combination(
    fit: MixedFit, interval: str, method: str, re_form: str | None, backend: str, seed: Any
) -> None:
    glmm = isinstance(fit, GlmerFit)
    if interval == "prediction" and glmm and method != "simulate":
        raise OptionError(
            f"interval='prediction' with method={method!r} is for lmer fits only (a GLMM has "
            "no residual variance to add on the link scale); use method='simulate' "
            "(merTools::predictInterval) or interval='confidence'"
        )
    if method == "simulate" and re_form is not None and re_form.strip() not in NO_RE:
        raise OptionError(
            "method='simulate' (merTools::predictInterval) takes re_form=None (all random "
            f"effects) or '~0' (none); got {re_form!r}: use method='delta' or 'bootstrap'"
        )
    if backend != "serial" and method != "bootstrap":
        raise OptionError(f"backend={backend!r} applies to method='bootstrap' only")
    if backend != "serial" and seed is None:
        raise OptionError(
            f"method='bootstrap' with backend={backend!r} needs an int seed (each replicate's "
            "seed is drawn from it)"
        )


def emit_r_warnings(res: Any) -> None:
    """R's warnings of a call, as pylme warnings classed by where R signalled them."""
    for i, text in enumerate(res.warnings):
        origin = res.warning_origins[i] if i < len(res.warning_origins) else ""
        for part in lme4_messages(text):
            warn(f"R: {part}", warning_category(origin))


def interval_frame(value: dict[str, Any], newdata: Any, n_rows: int) -> Any:
    """``fit``, ``lower``, ``upper`` as a DataFrame indexed like ``newdata`` (pandas)."""
    import pandas as pd

    cols = {
        k: np.asarray(value[k], dtype=np.float64).reshape(-1) for k in ("fit", "lower", "upper")
    }
    for k, v in cols.items():
        if v.shape != (n_rows,):
            raise RuntimeError(f"R returned {v.shape[0]} values of {k} for {n_rows} rows")
    index = newdata.index if isinstance(newdata, pd.DataFrame) else pd.RangeIndex(n_rows)
    return pd.DataFrame(cols, index=index)


def predict_interval(
    fit: MixedFit,
    newdata: Any,
    *,
    re_form: str | None,
    allow_new_levels: bool,
    type: str,
    interval: IntervalKind,
    level: float = 0.95,
    method: IntervalMethod = "delta",
    nsim: int = 1000,
    seed: int | None = None,
    use_u: bool = False,
    backend: Backend = "serial",
    n_jobs: int = -1,
    progress: bool | None = None,
) -> Any:
    """The interval frame (see ``MixedFit.predict``)."""
    from pylme.models.ddf import require_r_packages
    from pylme.postfit.predict import newdata_call

    check_literal(interval, IntervalKind, "interval")
    check_literal(method, IntervalMethod, "method")
    check_literal(backend, Backend, "backend")
    _check(level, nsim, seed)
    if newdata is None:
        raise OptionError(
            "intervals need newdata: pass the rows to predict (the fitted data for fitted values)"
        )
    _check_combination(fit, interval, method, re_form, backend, seed)
    if not isinstance(use_u, bool) or (use_u and method != "bootstrap"):
        raise OptionError(
            f"use_u (bootMer's use.u) is True or False, for method='bootstrap'; got {use_u!r}"
        )
    req: dict[str, Any] = {
        "model": fit.r_model(),
        "re_form": re_form,
        "type": type,
        "interval": interval,
        "level": float(level),
    }
    anl = allow_new_levels
    if method == "delta":
        res, n = newdata_call(
            fit, newdata, "pylme_pi_delta", req, vars_re_form=re_form, allow_new_levels=anl
        )
    elif method == "simulate":
        require_r_packages(["merTools"], "fit.predict(method='simulate')")
        req.update(nsim=int(nsim), seed=None if seed is None else int(seed))
        # merTools reads every grouping factor of the model from newdata, whatever re_form
        res, n = newdata_call(
            fit, newdata, "pylme_pi_simulate", req, vars_re_form=None, allow_new_levels=anl
        )
    else:
        value = implementation("predict_bootstrap")(
            fit,
            newdata,
            {**req, "use_u": use_u},
            allow_new_levels=allow_new_levels,
            nsim=int(nsim),
            seed=None if seed is None else int(seed),
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
        )
        df = interval_frame(value, newdata, np.asarray(value["fit"]).size)
        df.attrs["refits"] = value["refits"]
        return df
    emit_r_warnings(res)
    return interval_frame(res.value, newdata, n)
