"""Independent evidence from statsmodels that a pylme fit is right (``fit.crosscheck()``).

lmer fits: statsmodels' MixedLM log-likelihood evaluated at lme4's own estimates (the strong
check: same objective), and a refit compared quantity by quantity. glmer fits: statsmodels'
Bayesian mixed GLMs (``fit_map``), approximate by nature, compared with loose, labelled bands.
"""

from __future__ import annotations

from typing import Any

from pylme.crosscheck.result import CheckRow, CrossCheck
from pylme.errors import PylmeError


def crosscheck(fit: Any, *, refit: bool = True) -> CrossCheck:
    try:
        import statsmodels  # noqa: F401
    except ImportError as exc:
        raise PylmeError("crosscheck() needs statsmodels: pip install 'pylme[statsmodels]'") from exc
    from pylme.results.fit import GlmerFit

    if isinstance(fit, GlmerFit):
        from pylme.crosscheck.glmm import crosscheck_glmm

        return crosscheck_glmm(fit)
    from pylme.crosscheck.lmm import crosscheck_lmm

    return crosscheck_lmm(fit, refit)


__all__ = ["CheckRow", "CrossCheck", "crosscheck"]
