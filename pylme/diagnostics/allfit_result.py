"""The result of ``fit.allfit()``: one :class:`OptimizerFit` per optimizer, and their spread."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from pylme.results._arrays import pandas
from pylme.results.methods import implementation

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class OptimizerFit:
    """One refit of the model (an element of R's ``allFit(m)``).

    ok : bool
        The refit ran (R's ``summary(allFit(m))$which.OK``); ``error`` holds R's message if not.
    converged : bool
        ``ok``, the optimizer returned code 0, and lme4's scaled gradient (``max_grad``) is
        within lme4's tolerance (or not checked, as lme4 skips it for singular fits).
    fixef, theta, sdcor : np.ndarray
        ``fixef()``, ``getME(, "theta")`` and ``as.data.frame(VarCorr())$sdcor``; empty when
        not ``ok``.
    max_grad, grad_status :
        lme4's scaled gradient ``max(pmin(|solve(chol(H), g)|, |g|))`` and ``"checked"``, or
        why it is NaN: ``"singular"``, ``"no derivatives"`` or ``"unevaluable"``.
    objective : float
        -2 * logLik: what the optimizers minimise (the REML criterion for a REML fit).
    time : float
        Elapsed seconds of the refit (``attr(, "time")["elapsed"]``); NaN for the fit itself.
    warnings : tuple of str
        The optimizer's warnings and lme4's convergence messages (``@optinfo``).
    """

    name: str
    ok: bool
    converged: bool
    fixef: np.ndarray
    theta: np.ndarray
    sdcor: np.ndarray
    sigma: float
    loglik: float
    feval: float
    code: float
    time: float
    max_grad: float
    grad_status: str
    singular: bool
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def objective(self) -> float:
        return -2.0 * self.loglik


class OptimizerRow(NamedTuple):
    """One line of the HTML table of an :class:`AllFit`."""

    optimizer: str
    converged: bool
    logLik: float
    feval: float
    time: float
    max_grad: float
    warnings: str


def control_for(name: str) -> dict[str, object]:
    """The ``control`` for ``pylme.lmer``/``glmer`` that fits with allFit's optimizer ``name``
    (``"nloptwrap.NLOPT_LN_BOBYQA"`` -> nloptwrap with that algorithm)."""
    optimizer, _, method = name.partition(".")
    if not method:
        return {"optimizer": optimizer}
    key = "algorithm" if optimizer == "nloptwrap" else "method"
    return {"optimizer": optimizer, "optCtrl": {key: method}}


def rel_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b| / max(|a|, |b|)`` elementwise (0 where both are 0)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.abs(a - b) / scale
    return np.where(scale == 0, 0.0, out)


@dataclass(frozen=True, slots=True)
class AllFit:
    """Result of :meth:`pylme.LmerFit.allfit`: the model refitted by each optimizer.

    fits : tuple of OptimizerFit
        In allFit's order (``names(allFit(m))``).
    fixef_names, theta_names, sdcor_names : tuple of str
        Labels of the arrays of each fit; ``sdcor_names`` are R's ``summary(allFit(m))$sdcor``
        column names (the theta names, plus ``sigma`` when the model has a scale).
    grad_tol : float
        lme4's gradient tolerance the ``converged`` flags use (``check.conv.grad``'s ``tol``).
    maxfun : int
        The evaluation limit each optimizer was given (allFit's ``maxfun``).
    """

    fits: tuple[OptimizerFit, ...]
    fixef_names: tuple[str, ...]
    theta_names: tuple[str, ...]
    sdcor_names: tuple[str, ...]
    grad_tol: float
    maxfun: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fits)

    @property
    def converged(self) -> tuple[OptimizerFit, ...]:
        return tuple(f for f in self.fits if f.converged)

    def __getitem__(self, name: str) -> OptimizerFit:
        for f in self.fits:
            if f.name == name:
                return f
        raise KeyError(f"no optimizer {name!r}; allFit ran {', '.join(self.names)}")

    def to_frame(self) -> pd.DataFrame:
        """One row per optimizer (index: allFit's names): ``ok``, ``converged``, the fixed
        effects (by term), theta (by R's names), ``sigma``, ``logLik``, ``feval``, ``time``,
        ``max_grad``, ``warnings`` (joined by "; ") and ``error``; NaN where a refit failed."""
        pd = pandas()
        rows = []
        for f in self.fits:
            row: dict[str, object] = {"ok": f.ok, "converged": f.converged}
            for names, values in ((self.fixef_names, f.fixef), (self.theta_names, f.theta)):
                row.update(zip(names, values if f.ok else [math.nan] * len(names)))
            row.update(sigma=f.sigma, logLik=f.loglik, feval=f.feval, time=f.time)
            row.update(max_grad=f.max_grad, warnings="; ".join(f.warnings), error=f.error)
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(self.names, name="optimizer"))

    def spread(self) -> pd.DataFrame:
        """The spread across the optimizers that converged, per parameter: ``quantity``
        (fixef, theta, sigma, logLik), ``parameter``, ``min``, ``max`` and ``rel_diff``
        ``= (max - min) / max(|min|, |max|)``; R's ``summary(allFit(m))`` tables, reduced."""
        pd = pandas()
        conv = self.converged
        blocks: list[tuple[str, tuple[str, ...], list[Any]]] = [
            ("fixef", self.fixef_names, [f.fixef for f in conv]),
            ("theta", self.theta_names, [f.theta for f in conv]),
        ]
        if "sigma" in self.sdcor_names:
            blocks.append(("sigma", ("sigma",), [[f.sigma] for f in conv]))
        blocks.append(("logLik", ("logLik",), [[f.loglik] for f in conv]))
        rows = []
        for quantity, names, values in blocks:
            mat = np.asarray(values, float).reshape(len(conv), len(names))
            lo = mat.min(axis=0) if len(conv) else np.full(len(names), math.nan)
            hi = mat.max(axis=0) if len(conv) else np.full(len(names), math.nan)
            for name, a, b, r in zip(names, lo, hi, rel_diff(lo, hi)):
                rows.append((quantity, name, a, b, r))
        return pd.DataFrame(rows, columns=["quantity", "parameter", "min", "max", "rel_diff"])

    @property
    def rows(self) -> tuple[OptimizerRow, ...]:
        """One summary row per optimizer, for the HTML table."""
        return tuple(
            OptimizerRow(f.name, f.converged, f.loglik, f.feval, f.time, f.max_grad,
                         "; ".join(f.warnings) or (f.error or ""))
            for f in self.fits
        )  # fmt: skip

    def __str__(self) -> str:
        n = len(self.converged)
        total = len(self.fits)
        lines = [f"allFit: {n} of {total} optimizers converged (gradient tol {self.grad_tol:g})"]
        for f in self.fits:
            state = "converged" if f.converged else ("failed" if not f.ok else "not converged")
            lines.append(f"  {f.name:<32} logLik {f.loglik:>14.8g}  {state}")
        if n:
            worst = self.spread().sort_values("rel_diff").iloc[-1]
            lines.append(
                f"largest spread: {worst['quantity']} {worst['parameter']} "
                f"(relative difference {worst['rel_diff']:.2e})"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return str(implementation("html")(self))
