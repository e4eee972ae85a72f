"""A power curve (``pylme.plot_power_curve``): simr's ``plot.powerCurve`` with matplotlib."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.plots._mpl import axes_for

COLUMNS = ("breaks", "power", "lower", "upper")


def plot_power_curve(frame: Any, *, target: float | None = 0.8, ax: Any = None) -> Any:
    """Draw :func:`pylme.power_curve`'s frame: power against the breaks, with its 95%
    Clopper-Pearson interval as error bars, and a dashed line at ``target`` (simr's
    ``plot.powerCurve`` draws 80%; None for none).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``power_curve``'s result (columns ``breaks, power, lower, upper``).
    target : float or None
        Power to mark with a dashed line.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    missing = [c for c in COLUMNS if c not in getattr(frame, "columns", ())]
    if missing:
        raise OptionError(
            f"plot_power_curve() takes pylme.power_curve()'s frame; it lacks {missing}"
        )
    fig, (axis,) = axes_for(1, ax, what="plot_power_curve()", width=6.0, height=4.0)
    x = np.asarray(frame["breaks"], float)
    y = np.asarray(frame["power"], float)
    err = np.vstack([y - np.asarray(frame["lower"], float), np.asarray(frame["upper"], float) - y])
    axis.errorbar(x, y, yerr=err, fmt="o", color="tab:blue", capsize=3, label="power (95% CI)")
    axis.plot(x, y, linestyle="-.", color="tab:blue", alpha=0.75)
    if target is not None:
        axis.axhline(target, linestyle="--", color="0.4", linewidth=1.0)
    axis.set_ylim(0.0, 1.0)
    ticks = np.linspace(0.0, 1.0, 6)
    axis.set_yticks(ticks)
    axis.set_yticklabels([f"{t:.0%}" for t in ticks])
    along = frame.attrs.get("along", "")
    axis.set_xlabel(f"number of levels in {along}" if along else "breaks")
    axis.set_ylabel("power")
    term = frame.attrs.get("term")
    axis.set_title(f"Power for {term}" if term else "Power")
    return fig
