"""Conditional modes (``ranef``) and per-group coefficients (``coef``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.results._arrays import pandas


@dataclass(frozen=True, slots=True, eq=False)
class ConditionalModes:
    """lme4's ``ranef(fit, condVar = TRUE)`` for one grouping factor.

    group : str
        The grouping factor as lme4 names it (``"Subject"``, ``"cask:batch"``).
    levels : tuple of str
        Its levels in R's order, shape (n_levels,).
    terms : tuple of str
        The random-effect terms, shape (n_terms,).
    modes : np.ndarray
        Conditional modes, shape (n_levels, n_terms).
    cond_var : np.ndarray
        Conditional covariance matrices (lme4's ``postVar``), shape (n_levels, n_terms, n_terms).
        Where a factor has separate terms, as in ``(x || g)``, lme4 computes only each term's
        own block and the entries between blocks are NaN.
    """

    group: str
    levels: tuple[str, ...]
    terms: tuple[str, ...]
    modes: np.ndarray
    cond_var: np.ndarray

    @property
    def cond_sd(self) -> np.ndarray:
        """Conditional standard deviations, shape (n_levels, n_terms)."""
        return np.sqrt(np.diagonal(self.cond_var, axis1=1, axis2=2))

    def to_frame(self) -> Any:
        """R's ``as.data.frame(ranef(fit, condVar = TRUE))`` rows for this factor."""
        n, k = self.modes.shape
        return pandas().DataFrame(
            {
                "grpvar": [self.group] * (n * k),
                "term": np.repeat(np.array(self.terms, dtype=object), n),
                "grp": np.tile(np.array(self.levels, dtype=object), k),
                "condval": self.modes.T.reshape(-1),
                "condsd": self.cond_sd.T.reshape(-1),
            }
        )


@dataclass(frozen=True, slots=True, eq=False)
class GroupCoefficients:
    """lme4's ``coef()`` for one grouping factor: fixed plus random effects per level.

    values : np.ndarray
        Shape (n_levels, n_terms), rows in ``levels`` order, columns in ``terms`` order.
    """

    group: str
    levels: tuple[str, ...]
    terms: tuple[str, ...]
    values: np.ndarray

    def to_frame(self) -> Any:
        pd = pandas()
        return pd.DataFrame(
            self.values, index=pd.Index(self.levels, name=self.group), columns=list(self.terms)
        )


def ranef_frame(ranef: dict[str, ConditionalModes]) -> Any:
    """All factors stacked, as R's ``as.data.frame(ranef(fit, condVar = TRUE))``."""
    pd = pandas()
    return pd.concat([m.to_frame() for m in ranef.values()], ignore_index=True)
