"""``fit.tidy()``: every parameter in one frame, as broom.mixed's ``tidy()``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pylme.errors import OptionError
from pylme.literals import check_literal
from pylme.results.methods import implements

Effects = Literal["fixed", "ran_pars", "ran_vals", "ran_coefs"]


@implements("tidy")
def tidy(
    fit: Any,
    conf_int: bool = False,
    *,
    level: float = 0.95,
    effects: Sequence[str] = ("ran_pars", "fixed"),
) -> Any:
    """``broom.mixed::tidy(fit, effects, conf.int, conf.level)`` with snake_case column names
    (``std_error``, ``p_value``, ``conf_low`` ...). A fit with ``ddf`` gets lmerTest's df and
    p-values (``ddf.method``)."""
    from pylme.inference.rcall import call_r, frame

    if not isinstance(conf_int, bool):
        raise OptionError(f"conf_int must be True or False; got {conf_int!r}")
    if not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise OptionError(f"level must be a number between 0 and 1; got {level!r}")
    items = [effects] if isinstance(effects, str) else list(effects)
    for e in items:
        check_literal(e, Effects, "effects")
    ddf = fit.fixef.ddf
    packages = (
        ["broom.mixed"]
        + (["lmerTest"] if ddf else [])
        + (["pbkrtest"] if ddf == "Kenward-Roger" else [])
    )
    req = {
        "model": fit.r_model(),
        "effects": items,
        "conf_int": conf_int,
        "level": float(level),
        "ddf": ddf,
    }
    df = frame(call_r("pylme_tidy", req, packages=packages, purpose="fit.tidy()"))
    df.columns = [c.replace(".", "_") for c in df.columns]
    return df
