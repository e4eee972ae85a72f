"""``fit.emmeans()`` and ``fit.contrasts()``: estimated marginal means with emmeans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.literals import LmerDf, check_literal
from pylme.results.fit import LmerFit
from pylme.results.methods import implements

#: emmeans' annotations kept as lists (the others, such as ``adjust``, are single values).
LIST_ATTRS = ("mesg", "clNames", "pri.vars", "by.vars")


#: The R packages each lmer_df needs besides emmeans (None: emmeans' default, Kenward-Roger).
LMER_DF_PACKAGES = {
    None: ("pbkrtest",),
    "kenward-roger": ("pbkrtest",),
    "satterthwaite": ("lmerTest",),
    "asymptotic": (),
}


def _packages(fit: Any, lmer_df: str | None = None) -> tuple[str, ...]:
    if not isinstance(fit, LmerFit):
        return ("emmeans",)
    return ("emmeans", *LMER_DF_PACKAGES[lmer_df])


def _lmer_df(fit: Any, lmer_df: Any) -> LmerDf | None:
    if lmer_df is None:
        return None
    check_literal(lmer_df, LmerDf, "lmer_df")
    if not isinstance(fit, LmerFit):
        raise OptionError("lmer_df is emmeans' lmer.df, for lmer fits only")
    return lmer_df  # type: ignore[no-any-return]


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
    """One frame; or, for emmeans' emm_list (a two-sided formula spec), a dict of frames
    keyed by R's names (``"emmeans"``, ``"contrasts"``)."""
    from pylme.inference.rcall import frame

    if "parts" in out:
        return {name: _result(part) for name, part in out["parts"].items()}

    df = frame(out)
    for key, value in (out.get("attrs") or {}).items():
        items = list(value) if isinstance(value, tuple) else np.asarray(value).ravel().tolist()
        df.attrs[key] = items if key in LIST_ATTRS or len(items) != 1 else items[0]
    return df


def _request(fit: Any, specs: Any, by: Any, at: Any = None, lmer_df: Any = None) -> dict[str, Any]:
    """A formula spec (a string with ``~``) goes to R as text, parsed there
    (``pylme_emm_formula``); names go as a list."""
    formula = specs if isinstance(specs, str) and "~" in specs else None
    return {
        "model": fit.r_model(),
        "specs": None if formula is not None else _names(specs, "specs"),
        "formula": formula,
        "by": _names(by, "by"),
        "at": _at(at),
        "lmer_df": lmer_df,
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
    lmer_df: LmerDf | None = None,
) -> Any:
    """``as.data.frame(summary(emmeans(fit, specs, by, at, lmer.df), type, level))`` with
    emmeans' column names; its notes (``mesg``: the df method, the confidence level) and
    ``type``, ``adjust``, ``by.vars`` ... go into ``DataFrame.attrs``.

    ``specs`` is a variable name, a list of them, or emmeans' formula spec: ``"~ recipe"``,
    ``"~ recipe | temperature"`` (``by`` after the bar), or ``"pairwise ~ recipe"``, which
    gives a dict of frames (``"emmeans"``, ``"contrasts"``) as R's ``emm_list`` prints them.
    ``lmer_df`` is emmeans' ``lmer.df`` (None: emmeans' default, Kenward-Roger). A variable
    the model does not have raises :class:`~pylme.errors.OptionError` naming the argument.
    """
    from pylme.inference.rcall import call_r

    if not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise OptionError(f"level must be a number between 0 and 1; got {level!r}")
    if type is not None and not isinstance(type, str):
        raise OptionError(f"type must be a string such as 'response' or None; got {type!r}")
    df = _lmer_df(fit, lmer_df)
    req = {**_request(fit, specs, by, at, df), "type": type, "level": float(level)}
    return _result(
        call_r("pylme_emmeans", req, packages=_packages(fit, df), purpose="fit.emmeans()")
    )


@implements("contrasts")
def contrasts(
    fit: Any,
    specs: str | Sequence[str],
    *,
    method: str = "eff",
    by: str | Sequence[str] | None = None,
    adjust: str | None = None,
    lmer_df: LmerDf | None = None,
) -> Any:
    """``as.data.frame(contrast(emmeans(fit, specs, by, lmer.df), method, adjust))`` with
    emmeans' column names; its notes (the df method, the p-value adjustment) go into
    ``DataFrame.attrs``. ``specs`` may be a one-sided formula spec, as in :func:`emmeans`."""
    from pylme.inference.rcall import call_r

    if not isinstance(method, str) or not method:
        raise OptionError(f"method must be an emmeans contrast name; got {method!r}")
    if adjust is not None and not isinstance(adjust, str):
        raise OptionError(f"adjust must be an emmeans adjustment name or None; got {adjust!r}")
    df = _lmer_df(fit, lmer_df)
    req = {**_request(fit, specs, by, lmer_df=df), "method": method, "adjust": adjust}
    return _result(
        call_r("pylme_contrasts", req, packages=_packages(fit, df), purpose="fit.contrasts()")
    )
