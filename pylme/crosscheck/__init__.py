"""Independent evidence from statsmodels that a pylme fit is right (``fit.crosscheck()``).

lmer fits: statsmodels' MixedLM log-likelihood evaluated at lme4's own estimates (the strong
check: same objective), and a refit compared quantity by quantity. glmer fits: statsmodels'
Bayesian mixed GLMs (variational Bayes, ``fit_vb``), approximate by nature, compared with
loose, labelled bands.
"""

from __future__ import annotations

from pylme.crosscheck.glmm import crosscheck_glmm
from pylme.crosscheck.lmm import crosscheck_lmm
from pylme.crosscheck.result import CheckRow, CrossCheck
from pylme.errors import PylmeError
from pylme.results.fit import GlmerFit, LmerFit, MixedFit
from pylme.results.methods import implements


@implements("crosscheck")
def crosscheck(fit: MixedFit, *, refit: bool = True) -> CrossCheck:
    try:
        import statsmodels  # noqa: F401
    except ImportError as exc:
        raise PylmeError(
            "crosscheck() needs statsmodels: pip install 'pylme[statsmodels]'"
        ) from exc
    if isinstance(fit, GlmerFit):
        return crosscheck_glmm(fit)
    if not isinstance(fit, LmerFit):
        raise PylmeError(f"crosscheck() takes an LmerFit or GlmerFit; got {type(fit).__name__}")
    return crosscheck_lmm(fit, refit)


__all__ = ["CheckRow", "CrossCheck", "crosscheck"]
