"""Caterpillar plot of the conditional modes: lme4's ``dotplot(ranef(fit, condVar = TRUE))``.

As lme4 draws it (``lme4:::asDf0`` and ``panel.ci``): one panel group per grouping factor
(all of them unless ``group=`` names one), one panel per term, the levels sorted
by the group's first term (ties in the order of the sorted level names), each mode with a
segment from mode - 1.96 SD to mode + 1.96 SD, where SD is the conditional SD.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.plots._mpl import axes_for, pyplot
from pylme.results.fit import MixedFit
from pylme.results.methods import implements

#: lme4's ``dotplot.ranef.mer`` draws mode ± 1.96 conditional SDs (not qnorm(0.975)).
HALF_WIDTH = 1.96


def level_order(levels: Sequence[str], first_term: np.ndarray) -> np.ndarray:
    """Indices of ``levels`` from the smallest first-term mode up (R's ``reorder``: a stable
    sort of the modes, starting from the levels in sorted order)."""
    by_name = np.array(sorted(range(len(levels)), key=lambda i: levels[i]), dtype=int)
    return by_name[np.argsort(first_term[by_name], kind="stable")]


def _draw(axes: list[Any], modes: Any, chosen: list[str]) -> None:
    """One group's panels, one per term in ``chosen``."""
    order = level_order(modes.levels, modes.modes[:, 0])
    y = np.arange(1, len(order) + 1, dtype=float)
    labels = [modes.levels[i] for i in order]
    sd = modes.cond_sd
    for axis, term in zip(axes, chosen):
        j = modes.terms.index(term)
        x, half = modes.modes[order, j], HALF_WIDTH * sd[order, j]
        axis.axvline(0.0, color="0.8", linewidth=0.8, zorder=0)
        axis.hlines(y, x - half, x + half, color="black", linewidth=1.0, label="mode ± 1.96 SD")
        axis.plot(x, y, "o", color="tab:blue", markersize=4, label="conditional mode")
        axis.set_title(term)
        axis.set_yticks(y)
        axis.set_yticklabels(labels if axis is axes[0] else [], fontsize="small")
        axis.set_ylim(0.5, len(order) + 0.5)


def _all_groups(fit: MixedFit, ax: Any) -> Any:
    """Every grouping factor, one row of panels each (as ``dotplot.ranef.mer`` gives one plot
    per factor): a figure of subfigures titled by group, or the ``ax`` given (one Axes per
    panel, group by group)."""
    groups = list(fit.ranef)
    n_panels = [len(fit.ranef[g].terms) for g in groups]
    if ax is not None:
        fig, axes = axes_for(sum(n_panels), ax, what="plot_ranef() of every group")
        at = 0
        for g, n in zip(groups, n_panels):
            _draw(axes[at : at + n], fit.ranef[g], list(fit.ranef[g].terms))
            at += n
        return fig
    plt = pyplot()
    fig = plt.figure(figsize=(3.2 * max(n_panels), 4.0 * len(groups)), layout="constrained")
    for sub, g, n in zip(fig.subfigures(len(groups), 1, squeeze=False)[:, 0], groups, n_panels):
        _draw(list(sub.subplots(1, n, squeeze=False)[0]), fit.ranef[g], list(fit.ranef[g].terms))
        sub.suptitle(g)
    return fig


@implements("plot_ranef")
def plot_ranef(
    fit: MixedFit, group: str | None = None, *, terms: Sequence[str] | None = None, ax: Any = None
) -> Any:
    if not fit.ranef:
        raise OptionError("this fit has no random effects to plot")
    if group is None and len(fit.ranef) > 1:
        if terms is not None:
            raise OptionError(
                f"terms= needs group= (one of {list(fit.ranef)}): this fit has several "
                "grouping factors"
            )
        return _all_groups(fit, ax)
    group = group if group is not None else next(iter(fit.ranef))
    if group not in fit.ranef:
        raise OptionError(f"group must be one of {sorted(fit.ranef)}; got {group!r}")
    modes = fit.ranef[group]
    chosen = list(modes.terms) if terms is None else [str(t) for t in terms]
    for t in chosen:
        if t not in modes.terms:
            raise OptionError(f"terms of {group!r} are {list(modes.terms)}; got {t!r}")
    fig, axes = axes_for(len(chosen), ax, what="plot_ranef()")
    _draw(axes, modes, chosen)
    fig.suptitle(group)
    return fig
