"""What :func:`pylme.power` returns: simr's ``powerSim`` object as a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.results._arrays import pandas

#: simr's description of each test (``fixed(term, method)``'s ``description``).
TEST_TEXT = {
    "lrt": "Likelihood ratio",
    "satterthwaite": "Satterthwaite (package lmerTest)",
    "z": "z-test",
}
#: Where lme4 reports a convergence problem of a refit (``pylme_origin`` in runtime.R).
CONVERGENCE_ORIGINS = ("checkConv", "optwrap", "Nelder_Mead")


@dataclass(frozen=True, slots=True)
class PowerResult:
    """Power by simulation for one fixed effect (simr's ``powerSim``).

    term, test, alpha : str, str, float
        What was tested, how (``"lrt"``, ``"satterthwaite"`` or ``"z"``), at which level.
    nsim, successes : int
        Simulations run, and how many gave ``p < alpha`` (simr's ``x``; a failed simulation
        counts as not significant, as in simr).
    power : float
        ``successes / nsim``.
    ci : tuple of float
        The 95% Clopper-Pearson interval (lower, upper), R's ``binom.test(successes, nsim)``:
        simr's ``confint()`` (``binom.confint(method = "exact")``).
    p_values : numpy.ndarray
        Shape (nsim,): the p-value of each simulation, NaN where it failed.
    failed, singular, not_converged : int
        Simulations that failed (no p-value), whose refit lme4 reported singular (its boundary
        check), and whose refit lme4 reported a convergence problem.
    conditions : tuple of (index, stage, kind, origin, message)
        Every warning, message and error, as simr's ``$warnings``/``$errors`` frames: the
        simulation (1-based ``index``), the ``stage`` (``"Simulating"``, ``"Fitting"``,
        ``"Testing"``, or ``"Worker"`` when a worker process failed), ``kind`` (``"warning"``,
        ``"message"``, ``"error"``), where lme4 signalled it (``origin``, see
        :func:`pylme.errors.warning_category`) and R's text.
    nrow : int
        Rows of each simulated data set that were fitted.
    fixef : dict of str to float
        The fixed effects simulated from (the fit's, with ``effect`` put in).
    observed : bool
        True when no ``effect`` was given: the simulations use the fit's own estimate, which
        simr warns is an "observed power" calculation.
    seed, backend : int, str
        The seed, and ``"serial"`` (one random stream) or ``"loky"``/``"dask"`` (one seed per
        simulation).
    extend : tuple of (str, int) or None
        The variable the design was extended along and its number of levels.
    """

    term: str
    test: str
    alpha: float
    nsim: int
    successes: int
    power: float
    ci: tuple[float, float]
    p_values: np.ndarray
    failed: int
    singular: int
    not_converged: int
    conditions: tuple[tuple[int, str, str, str, str], ...]
    nrow: int
    fixef: dict[str, float]
    observed: bool
    seed: int
    backend: str
    extend: tuple[str, int] | None = None

    @property
    def effect(self) -> float | None:
        """The value of the tested coefficient in the simulations (None for a term with
        several coefficients, such as a factor)."""
        return self.fixef.get(self.term)

    def to_frame(self) -> Any:
        """One row: ``term, test, successes, nsim, power, lower, upper, failed, singular,
        not_converged, nrow`` (simr's ``summary()`` calls ``nsim`` ``trials`` and ``power``
        ``mean``)."""
        return pandas().DataFrame([self.as_row()])

    def as_row(self) -> dict[str, Any]:
        """:meth:`to_frame`'s row as a dict."""
        return {
            "term": self.term,
            "test": self.test,
            "successes": self.successes,
            "nsim": self.nsim,
            "power": self.power,
            "lower": self.ci[0],
            "upper": self.ci[1],
            "failed": self.failed,
            "singular": self.singular,
            "not_converged": self.not_converged,
            "nrow": self.nrow,
        }

    def conditions_frame(self) -> Any:
        """The warnings, messages and errors: ``index, stage, kind, origin, message``."""
        cols = ["index", "stage", "kind", "origin", "message"]
        return pandas().DataFrame(list(self.conditions), columns=cols)

    def summary(self) -> str:
        """simr's ``print.powerSim`` layout."""
        lines = [
            f"Power for predictor '{self.term}', (95% confidence interval):",
            "      " + _percentages(self.power, *self.ci),
            "",
            f"Test: {TEST_TEXT[self.test]}",
        ]
        if self.effect is not None:
            lines.append(f"      Effect size for {self.term} is {self.effect:#.2g}")
        counts = ", ".join(
            _count(len({c[0] for c in self.conditions if c[2] == kind}), kind)
            for kind in ("error", "warning", "message")
        )
        lines += ["", f"Based on {self.nsim} simulations, ({counts})"]
        lines.append(f"alpha = {self.alpha:g}, nrow = {self.nrow}")
        if self.observed:
            lines += ["", "nb: result might be an observed power calculation"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _count(n: int, kind: str) -> str:
    return f"{n} {kind}" + ("" if n == 1 else "s")


def _percent(x: float, sign: bool) -> str:
    """simr's as.percentage1/2: ``%5.2f``, and 100.0 for 1."""
    text = "100.0" if x == 1 else f"{100 * x:5.2f}"
    return text + ("%" if sign else "")


def _percentages(power: float, lower: float, upper: float) -> str:
    return f"{_percent(power, True)} ({_percent(lower, False)}, {_percent(upper, False)})"
