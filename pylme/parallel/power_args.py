"""The arguments of :func:`pylme.power` and :func:`pylme.power_curve`, checked before R runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pylme.errors import DataError, OptionError
from pylme.literals import PowerTest, check_literal


def check(fit: Any, term: Any, test: str, nsim: Any, alpha: Any, seed: Any, what: str) -> None:
    """Everything Python can check; R then checks ``term`` against the model's names."""
    from pylme.results.fit import LmerFit, MixedFit

    if not isinstance(fit, MixedFit):
        raise OptionError(f"{what} takes a pylme fit; got {type(fit).__name__}")
    if not isinstance(term, str) or not term:
        raise OptionError(f"term must be the name of a fixed-effect term; got {term!r}")
    check_literal(test, PowerTest, "test")
    if test == "satterthwaite":
        if not isinstance(fit, LmerFit):
            raise OptionError(
                "test='satterthwaite' is lmerTest's, for lmer fits; use test='z' or 'lrt'"
            )
        from pylme.models.ddf import require_r_packages

        require_r_packages(("lmerTest",), f"{what}(test='satterthwaite')")
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise OptionError(f"nsim must be a whole number >= 1; got {nsim!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise OptionError(f"alpha must be a number between 0 and 1; got {alpha!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**31:
        raise OptionError(f"seed must be a whole number from 0 to 2^31 - 1; got {seed!r}")
    if fit.n_dropped:
        raise DataError(
            f"the fit dropped {fit.n_dropped} rows with missing values; simulating needs "
            f"complete rows (as simr does): fit again on the complete rows, then call {what}"
        )


def effect_values(term: str, effect: Any) -> dict[str, float]:
    """``effect`` as {coefficient: value}: a number sets ``term``'s coefficient."""
    if effect is None:
        return {}
    if isinstance(effect, Mapping):
        items = dict(effect)
    elif isinstance(effect, (int, float, np.number)) and not isinstance(effect, bool):
        items = {term: effect}
    else:
        raise OptionError(
            f"effect must be a number or a dict of coefficient: value; got {effect!r}"
        )
    out = {}
    for name, value in items.items():
        ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
        if not isinstance(name, str) or not ok or not np.isfinite(float(value)):
            raise OptionError(f"effect: {name!r}: {value!r} must be a coefficient name: a number")
        out[name] = float(value)
    return out


def extension(extend: Any) -> tuple[str, int] | None:
    """``extend={"Subject": 40}`` as ("Subject", 40)."""
    if extend is None:
        return None
    bad = OptionError(f"extend must be one {{column: number of levels}}; got {extend!r}")
    if not isinstance(extend, Mapping) or len(extend) != 1:
        raise bad
    ((along, n),) = extend.items()
    if not isinstance(along, str) or isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise bad
    if n < 1:
        raise OptionError(f"extend: the number of levels must be >= 1; got {n}")
    return along, int(n)


def curve_breaks(breaks: Any) -> list[int] | None:
    if breaks is None:
        return None
    out = list(breaks) if not isinstance(breaks, (str, bytes)) else None
    if not out or any(isinstance(b, bool) or not isinstance(b, (int, np.integer)) for b in out):
        raise OptionError(f"breaks must be a list of whole numbers >= 1; got {breaks!r}")
    if min(out) < 1:
        raise OptionError(f"breaks must be a list of whole numbers >= 1; got {breaks!r}")
    return [int(b) for b in out]


def request(
    term: str, test: str, effect: dict[str, float], ext: tuple[str, int] | None
) -> dict[str, Any]:
    """The values R's ``pylme_power_run`` takes."""
    return {
        "term": term,
        "test": test,
        "effect_names": list(effect),
        "effect_values": np.asarray(list(effect.values()), dtype=np.float64),
        "along": None if ext is None else ext[0],
        "n": None if ext is None else ext[1],
    }
