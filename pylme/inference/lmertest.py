"""``fit.anova()``: lmerTest's F tests of the fixed-effect terms of one lmer fit."""

from __future__ import annotations

from typing import Any

from pylme.errors import OptionError
from pylme.literals import Ddf, check_literal
from pylme.models.ddf import check_ddf_fit, ddf_packages
from pylme.results.fit import LmerFit, MixedFit
from pylme.results.methods import implements

TYPES = {1: "1", 2: "2", 3: "3", "1": "1", "2": "2", "3": "3", "I": "1", "II": "2", "III": "3"}


@implements("anova")
def lmertest_anova(fit: Any, type: int = 3, ddf: Ddf = "Satterthwaite") -> Any:
    """lmerTest's ``anova(fit, type, ddf)``: one row per term, with the columns ``Sum Sq``,
    ``Mean Sq``, ``NumDF``, ``DenDF``, ``F value`` and ``Pr(>F)``; lmerTest's heading goes in
    ``attrs["heading"]``."""
    from pylme.inference.rcall import call_r, frame

    if isinstance(type, MixedFit) or isinstance(ddf, MixedFit):
        raise OptionError(
            "fit.anova() is lmerTest's F table of one fit; to compare fits, as R's "
            "anova(fit, other_fit) does, call pylme.anova(fit, other_fit)"
        )
    if not isinstance(fit, LmerFit):
        raise OptionError(
            "fit.anova() is lmerTest's F test for lmer fits; for glmer fits compare models with "
            "pylme.anova(fit1, fit2)"
        )
    if isinstance(type, bool) or type not in TYPES:
        raise OptionError(f"type must be 1, 2 or 3 (or 'I', 'II', 'III'); got {type!r}")
    check_literal(ddf, Ddf, "ddf")
    check_ddf_fit(fit, ddf)
    out = call_r(
        "pylme_lmertest_anova",
        {"model": fit.r_model(), "type": TYPES[type], "ddf": ddf},
        packages=ddf_packages(ddf),
        purpose="fit.anova()",
    )
    df = frame(out, index=True)
    df.attrs["heading"] = [str(h) for h in out.get("heading") or ()]
    return df
