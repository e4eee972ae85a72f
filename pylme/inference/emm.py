"""``fit.emmeans()`` and ``fit.contrasts()``: estimated marginal means with emmeans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.results.fit import LmerFit
from pylme.results.methods import implements

#: emmeans' annotations kept as lists (the others, such as ``adjust``, are single values).
LIST_ATTRS = ("mesg", "clNames", "pri.vars", "by.vars")
#: emmeans' default df for lmer fits is Kenward-Roger's, which needs pbkrtest.
LMER_PACKAGES = ("emmeans", "pbkrtest")


def _packages(fit: Any) -> tuple[str, ...]:
    return LMER_PACKAGES if isinstance(fit, LmerFit) else ("emmeans",)


def _names(value: str | Sequence[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    if not items or not all(isinstance(v, str) and v for v in items):
        raise OptionError(f"{what} must be a variable name or a list of them; got {value!r}")
    return items


def _at(at: Mapping[str, Any] | None) -> dict[str, list[Any]] | None:
    if at is None:
        return None
    if not isinstance(at, Mapping):
        raise OptionError(f"at must map variable names to values; got {type(at).__name__}")
    out = {}
    for k, v in at.items():
        vals = [v] if isinstance(v, (str, int, float)) else list(v)
        out[str(k)] = [x.item() if hasattr(x, "item") else x for x in vals]
    return out


def _result(out: dict[str, Any]) -> Any:
    from pylme.inference.rcall import frame

    df = frame(out)
    for key, value in (out.get("attrs") or {}).items():
        items = list(value) if isinstance(value, tuple) else np.asarray(value).ravel().tolist()
        df.attrs[key] = items if key in LIST_ATTRS or len(items) != 1 else items[0]
    return df


def _request(fit: Any, specs: Any, by: Any, at: Any = None) -> dict[str, Any]:
    return {
        "model": fit.r_model(),
        "specs": _names(specs, "specs"),
        "by": _names(by, "by"),
        "at": _at(at),
    }


@implements("emmeans")
def emmeans(
    fit: Any,
    specs: str | Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    at: Mapping[str, Any] | None = None,
    type: str | None = None,
    level: float = 0.95,
) -> Any:
    """``as.data.frame(emmeans(fit, specs, by, at, type, level))`` with emmeans' column names;
    its notes (``mesg``: the df method, the confidence level) and ``type``, ``adjust``,
    ``by.vars`` ... go into ``DataFrame.attrs``."""
    from pylme.inference.rcall import call_r

    if not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise OptionError(f"level must be a number between 0 and 1; got {level!r}")
    if type is not None and not isinstance(type, str):
        raise OptionError(f"type must be a string such as 'response' or None; got {type!r}")
    req = {**_request(fit, specs, by, at), "type": type, "level": float(level)}
    return _result(call_r("pylme_emmeans", req, packages=_packages(fit), purpose="fit.emmeans()"))


@implements("contrasts")
def contrasts(
    fit: Any,
    specs: str | Sequence[str],
    *,
    method: str = "pairwise",
    by: str | Sequence[str] | None = None,
    adjust: str | None = None,
) -> Any:
    """``as.data.frame(contrast(emmeans(fit, specs, by), method, adjust))`` with emmeans' column
    names; its notes (the df method, the p-value adjustment) go into ``DataFrame.attrs``."""
    from pylme.inference.rcall import call_r

    if not isinstance(method, str) or not method:
        raise OptionError(f"method must be an emmeans contrast name; got {method!r}")
    if adjust is not None and not isinstance(adjust, str):
        raise OptionError(f"adjust must be an emmeans adjustment name or None; got {adjust!r}")
    req = {**_request(fit, specs, by), "method": method, "adjust": adjust}
    return _result(
        call_r("pylme_contrasts", req, packages=_packages(fit), purpose="fit.contrasts()")
    )
