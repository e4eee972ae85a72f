"""The fit results: :class:`LmerFit` and :class:`GlmerFit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.results.fixef import FixedEffects
from pylme.results.meta import Convergence, Provenance
from pylme.results.ranef import ConditionalModes, GroupCoefficients, ranef_frame
from pylme.results.varcorr import VarCorr


@dataclass(frozen=True, slots=True, weakref_slot=True, eq=False)
class MixedFit:
    """Fields shared by every lme4 fit. Per-row arrays have shape (n_rows,): one value per
    input row, NaN where the row was dropped for missing values (na.exclude alignment).

    fitted : np.ndarray
        Fitted values on the response scale.
    residuals : np.ndarray
        lme4's ``residuals()``: response residuals for lmer, deviance residuals for glmer.
    scaled_residuals : np.ndarray
        ``residuals(fit, type = "pearson", scaled = TRUE)``, as in ``summary()``.
    formula : str
        The formula as R deparses it (``provenance.formula`` keeps the text as given).
    deviance : float
        lme4's ``deviance()``: for an ML lmer fit -2 * loglik; for a REML fit the ML
        deviance at the REML estimates, ``deviance(fit, REML = FALSE)`` (``reml_criterion``
        holds ``REMLcrit()``); for a glmer fit not -2 * loglik (see GlmerFit).
    df : int
        Number of estimated parameters (``attr(logLik(fit), "df")``).
    """

    formula: str
    fixef: FixedEffects
    varcorr: VarCorr
    ranef: dict[str, ConditionalModes]
    coef: dict[str, GroupCoefficients]
    fitted: np.ndarray
    residuals: np.ndarray
    scaled_residuals: np.ndarray
    loglik: float
    df: int
    aic: float
    bic: float
    deviance: float
    sigma: float
    nobs: int
    ngrps: dict[str, int]
    df_residual: int
    n_dropped: int
    convergence: Convergence
    provenance: Provenance

    def ranef_frame(self) -> Any:
        """All conditional modes as R's ``as.data.frame(ranef(fit, condVar = TRUE))``."""
        return ranef_frame(self.ranef)

    def summary(self) -> str:
        """Text laid out like lme4's ``print(summary(fit))``."""
        from pylme.results.summary import format_summary

        return format_summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.formula!r}: nobs={self.nobs}, loglik={self.loglik:.4f}>"

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def r_model(self) -> Any:
        """The live R model (an rpy2 object), for use with rpy2; only in the fitting process."""
        from pylme.runtime.handles import r_model

        return r_model(self)

    def crosscheck(self, *, refit: bool = True) -> Any:
        """Check this fit against statsmodels (see :mod:`pylme.crosscheck`)."""
        from pylme.crosscheck import crosscheck

        return crosscheck(self, refit=refit)


@dataclass(frozen=True, slots=True, eq=False)
class LmerFit(MixedFit):
    """Result of :func:`pylme.lmer`.

    reml : bool
        Fitted by REML (True) or maximum likelihood.
    reml_criterion : float or None
        lme4's ``REMLcrit()`` for REML fits; None for ML fits.
    """

    reml: bool = True
    reml_criterion: float | None = None


@dataclass(frozen=True, slots=True, eq=False)
class GlmerFit(MixedFit):
    """Result of :func:`pylme.glmer` and :func:`pylme.glmer_nb`.

    deviance : float
        lme4's ``deviance()`` for a GLMM: the sum of squared deviance residuals at the
        conditional modes, which is **not** -2 * loglik.
    linear_predictor : np.ndarray
        Fitted values on the link scale, shape (n_rows,); ``fitted`` is the response scale.
    theta : float or None
        The estimated negative-binomial theta (glmer_nb only).
    """

    family: str = "binomial"
    link: str = "logit"
    nAGQ: int = 1
    linear_predictor: np.ndarray | None = None
    theta: float | None = None
