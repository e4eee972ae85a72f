"""Residual plots: fitted against residuals, and a normal QQ plot of the scaled residuals."""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

from pylme.plots._mpl import axes_for
from pylme.results.fit import MixedFit
from pylme.results.methods import implements


def ppoints(n: int) -> np.ndarray:
    """R's ``ppoints(n)``: (i - a) / (n + 1 - 2a), a = 3/8 for n <= 10, else 1/2."""
    a = 3 / 8 if n <= 10 else 0.5
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def normal_quantiles(n: int) -> np.ndarray:
    """``qnorm(ppoints(n))``, the theoretical quantiles of R's ``qqnorm``."""
    inv = NormalDist().inv_cdf
    return np.array([inv(p) for p in ppoints(n)])


@implements("plot_residuals")
def plot_residuals(fit: MixedFit, *, axes: Any = None) -> Any:
    fig, (left, right) = axes_for(2, axes, what="plot_residuals()", width=4.5, height=4.0)
    fitted, resid = np.asarray(fit.fitted, float), np.asarray(fit.residuals, float)
    keep = ~(np.isnan(fitted) | np.isnan(resid))
    kind = "deviance residuals" if getattr(fit, "family", None) is not None else "residuals"
    left.axhline(0.0, color="0.6", linewidth=0.8)
    left.plot(fitted[keep], resid[keep], "o", markersize=3, alpha=0.7, label=kind)
    left.set_xlabel("fitted values")
    left.set_ylabel(kind)
    left.set_title("Residuals against fitted")
    scaled = np.sort(np.asarray(fit.scaled_residuals, float))
    scaled = scaled[~np.isnan(scaled)]
    theory = normal_quantiles(len(scaled))
    right.plot(theory, scaled, "o", markersize=3, alpha=0.7, label="scaled residuals")
    # R's qqline: the line through the first and third quartiles
    q_sample = np.quantile(scaled, [0.25, 0.75])
    q_theory = np.array([NormalDist().inv_cdf(0.25), NormalDist().inv_cdf(0.75)])
    slope = (q_sample[1] - q_sample[0]) / (q_theory[1] - q_theory[0])
    right.axline((q_theory[0], q_sample[0]), slope=slope, color="0.5", linewidth=0.8)
    right.set_xlabel("standard normal quantiles")
    right.set_ylabel("scaled Pearson residuals")
    right.set_title("Normal QQ plot")
    fig.tight_layout()
    return fig
