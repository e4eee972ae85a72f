"""Cook's distance per observation or group, the largest labelled (``fit.plot_influence()``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.plots._mpl import axes_for
from pylme.results.fit import MixedFit
from pylme.results.methods import implements


def top_indices(values: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` largest values, largest first (ties in key order; NaN last)."""
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
    return order[: min(top, len(values))]


@implements("plot_influence")
def plot_influence(
    fit: MixedFit,
    groups: str | None = None,
    *,
    top: int = 5,
    ax: Any = None,
    maxfun: int = 1000,
    progress: bool | None = None,
) -> Any:
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise OptionError(f"top must be a non-negative integer; got {top!r}")
    fig, (axis,) = axes_for(1, ax, what="plot_influence()", width=7.0, height=4.0)
    inf = fit.influence(groups, maxfun=maxfun, progress=progress)
    cooks = np.asarray(inf.cooks_distance, float)
    x = np.arange(1, len(cooks) + 1, dtype=float)
    axis.vlines(x, 0.0, cooks, color="0.5", linewidth=1.0)
    axis.plot(x, cooks, "o", color="tab:blue", markersize=3, label="Cook's distance")
    for i in top_indices(cooks, top):
        axis.annotate(
            inf.keys[i],
            (x[i], cooks[i]),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize="small",
        )
    axis.set_xlabel(groups if groups else "observation")
    axis.set_ylabel("Cook's distance")
    axis.set_title(f"Influence: Cook's distance per {groups or 'observation'}")
    return fig
