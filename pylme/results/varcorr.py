"""Variance components and correlations, stored as R's ``as.data.frame(VarCorr(fit))``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.results._arrays import pandas


@dataclass(frozen=True, slots=True)
class VarianceComponent:
    """One random-effect variance: ``group`` as lme4 names it, ``term`` in that group."""

    group: str
    term: str
    variance: float
    sd: float


@dataclass(frozen=True, slots=True)
class Correlation:
    """The correlation of two random-effect terms within one group."""

    group: str
    term1: str
    term2: str
    corr: float


@dataclass(frozen=True, slots=True, eq=False)
class VarCorr:
    """lme4's ``VarCorr()``, held as the rows of ``as.data.frame(VarCorr(fit))``.

    grp, var1, var2 : tuple of str (None where R has NA)
        Shape (k,) each: the group, and the term(s) of the row. ``var2`` is None for a
        variance and names the second term for a covariance.
    vcov, sdcor : np.ndarray
        Shape (k,): variance or covariance, and standard deviation or correlation.
    has_residual : bool
        Whether the model has a residual scale (lmer, and glmer families with a scale).
    """

    grp: tuple[str, ...]
    var1: tuple[str | None, ...]
    var2: tuple[str | None, ...]
    vcov: np.ndarray
    sdcor: np.ndarray
    has_residual: bool

    @property
    def components(self) -> tuple[VarianceComponent, ...]:
        """Random-effect variances (the residual row excluded)."""
        return tuple(
            VarianceComponent(g, v1 or "", float(v), float(s))
            for g, v1, v2, v, s in zip(self.grp, self.var1, self.var2, self.vcov, self.sdcor)
            if v2 is None and g != "Residual"
        )

    @property
    def correlations(self) -> tuple[Correlation, ...]:
        return tuple(
            Correlation(g, v1 or "", v2, float(s))
            for g, v1, v2, s in zip(self.grp, self.var1, self.var2, self.sdcor)
            if v2 is not None
        )

    @property
    def sigma(self) -> float | None:
        """Residual standard deviation; None for families without a scale parameter."""
        if not self.has_residual:
            return None
        for g, s in zip(self.grp, self.sdcor):
            if g == "Residual":
                return float(s)
        return None

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for g in self.grp if g != "Residual"))

    def to_frame(self) -> Any:
        """R's ``as.data.frame(VarCorr(fit))``: columns grp, var1, var2, vcov, sdcor."""
        pd = pandas()
        return pd.DataFrame(
            {
                "grp": pd.Series(list(self.grp), dtype=object),
                "var1": pd.Series(list(self.var1), dtype=object),
                "var2": pd.Series(list(self.var2), dtype=object),
                "vcov": np.asarray(self.vcov),
                "sdcor": np.asarray(self.sdcor),
            }
        )
