"""Plots of a fit with matplotlib (the ``pylme[plot]`` extra): caterpillar, residual and
influence plots, and power curves.

matplotlib is imported when a plot is drawn; without it a plot raises
:class:`MatplotlibMissingError`, which names ``pip install 'pylme[plot]'``.
"""

from __future__ import annotations

from pylme.plots._mpl import MatplotlibMissingError
from pylme.plots.influence import plot_influence
from pylme.plots.power import plot_power_curve
from pylme.plots.ranef import plot_ranef
from pylme.plots.residuals import plot_residuals

__all__ = [
    "MatplotlibMissingError",
    "plot_influence",
    "plot_power_curve",
    "plot_ranef",
    "plot_residuals",
]
