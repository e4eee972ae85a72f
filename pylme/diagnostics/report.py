"""The result types of ``fit.check()``: one :class:`CheckLine` per check, with its numbers in
:class:`Overdispersion`, :class:`ZeroInflation` and :class:`Collinearity`, in a
:class:`CheckReport`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.literals import CheckStatus
from pylme.results.methods import implementation


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One check: its ``status`` (ok, note, problem or not checked), its number (NaN where it
    has none), the R call it comes from, and a sentence saying what it means."""

    check: str
    status: CheckStatus
    value: float
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Overdispersion:
    """``performance::check_overdispersion(fit)``: Pearson's chi-squared (``chisq``), the
    dispersion ``ratio`` (chisq / df), the residual ``df`` and the p-value ``p``."""

    chisq: float
    ratio: float
    df: float
    p: float


@dataclass(frozen=True, slots=True)
class ZeroInflation:
    """``performance::check_zeroinflation(fit)``: ``observed`` and ``predicted`` zeros, their
    ``ratio`` (predicted / observed) and the ``tolerance`` around 1."""

    observed: float
    predicted: float
    ratio: float
    tolerance: float


@dataclass(frozen=True, slots=True, eq=False)
class Collinearity:
    """``performance::check_collinearity(fit)``, one entry per term (shape (k,)): ``VIF``,
    its interval, ``SE_factor`` (sqrt(VIF)) and ``Tolerance`` (1 / VIF)."""

    terms: tuple[str, ...]
    vif: np.ndarray
    vif_ci_low: np.ndarray
    vif_ci_high: np.ndarray
    se_factor: np.ndarray
    tolerance: np.ndarray

    def to_frame(self) -> Any:
        """performance's columns: ``Term, VIF, VIF_CI_low, VIF_CI_high, SE_factor, Tolerance``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "Term": list(self.terms),
                "VIF": self.vif,
                "VIF_CI_low": self.vif_ci_low,
                "VIF_CI_high": self.vif_ci_high,
                "SE_factor": self.se_factor,
                "Tolerance": self.tolerance,
            }
        )


@dataclass(frozen=True, slots=True, eq=False)
class CheckReport:
    """``fit.check()``: ``rows`` (one :class:`CheckLine` per check, in order: singularity,
    overdispersion, zero-inflation, collinearity, convergence) and the numbers behind them
    (None where a check does not apply to the model). ``convergence`` holds
    ``fit.check_convergence()``'s verdict when it ran."""

    rows: tuple[CheckLine, ...]
    singular: bool
    overdispersion: Overdispersion | None
    zeroinflation: ZeroInflation | None
    collinearity: Collinearity | None
    convergence: Any = None

    def line(self, check: str) -> CheckLine:
        """The row of ``check`` (``"singularity"``, ``"overdispersion"``, ...)."""
        for row in self.rows:
            if row.check == check:
                return row
        raise KeyError(f"no {check!r} line; the lines are {[r.check for r in self.rows]}")

    @property
    def status(self) -> CheckStatus:
        """The worst status of the checks that ran (ok < note < problem)."""
        ran = [r.status for r in self.rows if r.status != "not checked"]
        return next((s for s in ("problem", "note") if s in ran), "ok")  # type: ignore[return-value]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([dataclasses.asdict(r) for r in self.rows])

    def __str__(self) -> str:
        width = max(len(r.check) for r in self.rows)
        lines = [f"Model check: {self.status}"]
        lines += [f"  {r.check:<{width}}  {r.status:<11}  {r.message}" for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return str(implementation("html")(self))
