"""Fixed effects: estimates, standard errors, test statistics and their covariance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.results._arrays import pandas


@dataclass(frozen=True, slots=True, eq=False)
class FixedEffects:
    """lme4's ``fixef()``, ``vcov()`` and the coefficient table of ``summary()``.

    terms : tuple of str
        Column names of the fixed-effects design, shape (p,), in lme4's order.
    estimate, std_error, statistic : np.ndarray
        Shape (p,). ``statistic`` is the Wald statistic, estimate / std_error.
    vcov : np.ndarray
        Covariance of the estimates, shape (p, p).
    p_value : np.ndarray or None
        p-values, shape (p,): lme4's Wald z p-values for glmer; lmerTest's t-test p-values
        for an lmer fitted with ``ddf=``; None otherwise.
    df : np.ndarray or None
        Denominator degrees of freedom, shape (p,), for an lmer fitted with ``ddf=``
        (lmerTest's Satterthwaite or Kenward-Roger); None otherwise.
    ddf : str or None
        Which method gave ``df`` ("Satterthwaite" or "Kenward-Roger").
    statistic_name : str
        lme4's label: "z value" for a GLMM without a scale parameter, "t value" otherwise.
    """

    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    vcov: np.ndarray
    p_value: np.ndarray | None = None
    statistic_name: str = "t value"
    df: np.ndarray | None = None
    ddf: str | None = None

    @property
    def correlation(self) -> np.ndarray:
        """Correlation of the fixed-effect estimates, shape (p, p)."""
        sd = np.sqrt(np.diag(self.vcov))
        return self.vcov / np.outer(sd, sd)

    @property
    def p_value_name(self) -> str:
        """R's label of the p-value column: lmerTest's ``Pr(>|t|)`` with ``df``, else lme4's
        ``Pr(>|z|)``."""
        return "Pr(>|t|)" if self.df is not None else "Pr(>|z|)"

    def __getitem__(self, term: str) -> float:
        return float(self.estimate[self.terms.index(term)])

    def to_dict(self) -> dict[str, float]:
        return {t: float(v) for t, v in zip(self.terms, self.estimate)}

    def to_frame(self) -> Any:
        """The coefficient table with R's column names, indexed by term: lme4's, or lmerTest's
        (``Estimate``, ``Std. Error``, ``df``, ``t value``, ``Pr(>|t|)``) for a fit with ``ddf``."""
        cols: dict[str, Any] = {"Estimate": self.estimate, "Std. Error": self.std_error}
        if self.df is not None:
            cols["df"] = self.df
        cols[self.statistic_name] = self.statistic
        if self.p_value is not None:
            cols[self.p_value_name] = self.p_value
        return pandas().DataFrame(cols, index=pandas().Index(self.terms, name="term"))
