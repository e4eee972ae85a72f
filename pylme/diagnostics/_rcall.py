"""One R call for the diagnostics: R packages checked first, R's warnings passed on, R's
plain-list frames (``pylme_frame_out``) turned into pandas, and the checks on a fit's kind."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError, warning_category
from pylme.models.ddf import require_r_packages
from pylme.results.fit import LmerFit, MixedFit
from pylme.runtime.session import get_session


def call_r(
    function: str, req: dict[str, Any], *, packages: Sequence[str] = (), purpose: str = ""
) -> Any:
    """``function(req)`` in pylme's R environment after checking ``packages``; R's warnings
    become Python warnings (:func:`pylme.errors.warning_category`)."""
    if packages:
        require_r_packages(packages, purpose or function)
    res = get_session().call(function, req)
    for text in res.warnings:
        warnings.warn(f"R: {text}", warning_category(text), stacklevel=4)
    return res.value


def number(value: Any) -> float:
    """An R length-one number (NA as NaN)."""
    arr = np.asarray(value, dtype=float).ravel()
    return float(arr[0]) if arr.size else float("nan")


def frame(out: dict[str, Any], *, index: bool = True) -> Any:
    """A pandas DataFrame from ``pylme_frame_out``'s list: R's column names, R's row names as
    the index; NA is NaN."""
    import pandas as pd

    names = list(out["names"] or ())
    cols = [
        np.array(c, dtype=object) if isinstance(c, tuple) else np.asarray(c)
        for c in out["columns"] or []
    ]
    df = pd.DataFrame(dict(zip(names, cols)), columns=names)
    if index:
        df.index = pd.Index(list(out["rownames"] or ()))
    return df


def check_fit(fit: Any, what: str) -> None:
    if not isinstance(fit, MixedFit):
        raise OptionError(f"{what} takes a pylme fit; got {type(fit).__name__}")


def require_lmer(fit: Any, what: str) -> None:
    """lmerTest's ranova and step work on linear mixed models only."""
    check_fit(fit, what)
    if not isinstance(fit, LmerFit):
        raise OptionError(
            f"{what} is lmerTest's, for lmer fits only; for a glmer fit use fit.drop1() or "
            "pylme.anova(fit1, fit2)"
        )
