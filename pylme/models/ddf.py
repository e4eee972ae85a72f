"""lmerTest's denominator degrees of freedom for an lmer fit (``lmer(..., ddf=...)``)."""

from __future__ import annotations

from pylme.errors import OptionError
from pylme.literals import Ddf, check_literal
from pylme.results.fit import LmerFit


def with_ddf(fit: LmerFit, ddf: Ddf) -> LmerFit:
    """``fit`` with ``fixef.df`` and ``fixef.p_value`` from lmerTest's ``summary(fit, ddf)``."""
    check_literal(ddf, Ddf, "ddf")
    raise OptionError(f"ddf={ddf!r} is not available yet")
