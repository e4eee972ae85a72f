"""The result of :func:`pylme.cross_validate`: per-fold and overall metrics, and per-row
out-of-fold predictions with their fold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Out-of-fold predictions and their metrics.

    formula : str
        The model's formula.
    scheme : {"group", "row"}
        "group": each fold holds out whole levels of ``groups``; "row": single rows.
    groups : str or None
        The grouping column (None for the row scheme).
    k : int
        Number of folds.
    seed : int or None
        The seed the folds were drawn with (R's ``set.seed``).
    folds : np.ndarray
        Shape (n,), int: each data row's fold, 1 ... k (aligned with the data's rows).
    predictions : np.ndarray
        Shape (n,): the out-of-fold prediction of each row (response scale), from the fit
        without the row's fold; NaN where a column the model uses is missing.
    observed : np.ndarray
        Shape (n,): the observed response as scored (a binomial's proportion of successes).
    n_train, n_test : np.ndarray
        Shape (k,), int: rows each fold's fit used, and held-out rows scored.
    fold_metrics : Mapping[str, np.ndarray]
        Metric name -> shape (k,), one value per fold.
    overall : Mapping[str, float]
        Metric name -> the value over every scored row (rmse and mae pooled, loglik summed).
    warnings : tuple of tuple of str
        Per fold, the warnings of its fit (lme4's, as ``fit.convergence.warnings``).
    """

    formula: str
    scheme: str
    groups: str | None
    k: int
    seed: int | None
    folds: np.ndarray
    predictions: np.ndarray
    observed: np.ndarray
    n_train: np.ndarray
    n_test: np.ndarray
    fold_metrics: Mapping[str, np.ndarray]
    overall: Mapping[str, float]
    warnings: tuple[tuple[str, ...], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per fold: ``fold``, ``n_train``, ``n_test`` and the metrics."""
        import pandas as pd

        cols = {
            "fold": np.arange(1, self.k + 1),
            "n_train": self.n_train,
            "n_test": self.n_test,
            **{m: np.asarray(v) for m, v in self.fold_metrics.items()},
        }
        return pd.DataFrame(cols)

    def summary(self) -> str:
        """The overall metrics and the fold table, as text."""
        head = (
            f"Cross-validation of {self.formula}: {self.k} folds by "
            + (f"level of {self.groups}" if self.scheme == "group" else "row")
            + (f" (seed {self.seed})" if self.seed is not None else "")
        )
        overall = "  ".join(f"{m} {v:.6g}" for m, v in self.overall.items())
        return f"{head}\nOverall: {overall}\n{self.to_frame().to_string(index=False)}"

    def __str__(self) -> str:
        return self.summary()
