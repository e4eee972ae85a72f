"""``fit.influence()`` and ``fit.hatvalues()``: lme4's case-deletion diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.errors import DataError, OptionError
from pylme.progress import progress_bar, show_progress
from pylme.results._arrays import frozen_array
from pylme.results.fit import MixedFit
from pylme.results.methods import implements


@dataclass(frozen=True, slots=True, eq=False)
class Influence:
    """lme4's ``influence(fit, groups)``, one entry per deleted observation or level.

    groups : str or None
        The grouping column whose levels were deleted; None for single observations.
    keys : tuple of str, shape (n,)
        R's row names of the data (observations) or the levels, in R's order.
    terms : tuple of str, shape (p,)
        The fixed-effect names.
    hat : np.ndarray or None, shape (n,)
        ``hatvalues(fit)`` per observation (NaN for a row the fit dropped); None for groups.
    cooks_distance : np.ndarray, shape (n,)
        ``cooks.distance(influence(fit))``.
    dfbetas : np.ndarray, shape (n, p)
        ``dfbetas(influence(fit))``.
    fixed_effects_deleted : np.ndarray, shape (n, p)
        ``influence(fit)[["fixed.effects[-case]"]]``: the fixed effects without each entry.
    sigma_deleted : np.ndarray, shape (n,)
        ``sqrt(influence(fit)[["var.cov.comps[-case]"]][, "sigma^2"])``.
    converged : np.ndarray of bool, shape (n,)
        Whether each deletion refit converged without warnings.
    """

    groups: str | None
    keys: tuple[str, ...]
    terms: tuple[str, ...]
    hat: np.ndarray | None
    cooks_distance: np.ndarray
    dfbetas: np.ndarray
    fixed_effects_deleted: np.ndarray
    sigma_deleted: np.ndarray
    converged: np.ndarray

    def to_frame(self) -> Any:
        """One row per key (index named ``case`` or the group): ``hat`` (observations only),
        ``cooks_distance``, ``dfbetas_<term>``, ``fixed_effects_deleted_<term>``,
        ``sigma_deleted`` and ``converged``."""
        import pandas as pd

        cols: dict[str, Any] = {}
        if self.hat is not None:
            cols["hat"] = self.hat
        cols["cooks_distance"] = self.cooks_distance
        for j, t in enumerate(self.terms):
            cols[f"dfbetas_{t}"] = self.dfbetas[:, j]
        for j, t in enumerate(self.terms):
            cols[f"fixed_effects_deleted_{t}"] = self.fixed_effects_deleted[:, j]
        cols["sigma_deleted"] = self.sigma_deleted
        cols["converged"] = self.converged
        index = pd.Index(list(self.keys), name=self.groups or "case")
        return pd.DataFrame(cols, index=index)

    def _repr_html_(self) -> str:
        return str(self.to_frame()._repr_html_())


def _check(fit: MixedFit, groups: str | None, maxfun: int) -> None:
    if groups is not None:
        if not isinstance(groups, str) or not groups:
            raise OptionError(f"groups must be a column name or None; got {groups!r}")
        if groups not in fit.provenance.columns:
            raise DataError(
                f"groups={groups!r} is not a column of the data the model was fitted to "
                f"({', '.join(fit.provenance.columns)})"
            )
    if isinstance(maxfun, bool) or not isinstance(maxfun, int) or maxfun < 1:
        raise OptionError(f"maxfun must be a positive integer; got {maxfun!r}")


def ticker(bar: Any) -> Any:
    """An R function that moves ``bar`` by one (rpy2 calls back into Python)."""
    import rpy2.rinterface as ri

    @ri.rternalize
    def tick() -> Any:
        bar.update(1)
        return ri.BoolSexpVector([True])

    return tick


@implements("influence")
def influence(
    fit: MixedFit, groups: str | None = None, *, maxfun: int = 1000, progress: bool | None = None
) -> Influence:
    from pylme.diagnostics._rcall import call_r, check_fit

    check_fit(fit, "fit.influence()")
    _check(fit, groups, maxfun)
    req: dict[str, Any] = {"model": fit.r_model(), "groups": groups, "maxfun": maxfun}
    if show_progress(progress):
        n = fit.ngrps.get(groups, 0) if groups else fit.provenance.n_rows
        bar = progress_bar(n or 1, "influence() refits", progress)
        try:
            out = call_r("pylme_influence", {**req, "tick": ticker(bar)}, purpose="fit.influence()")
        finally:
            bar.close()
    else:
        out = call_r("pylme_influence", req, purpose="fit.influence()")
    keys = tuple(str(k) for k in out["keys"])
    p = len(out["terms"])
    return Influence(
        groups=groups,
        keys=keys,
        terms=tuple(out["terms"]),
        hat=None if out["hat"] is None else frozen_array(out["hat"]),
        cooks_distance=frozen_array(out["cooks"]),
        dfbetas=frozen_array(np.reshape(out["dfbetas"], (len(keys), p))),
        fixed_effects_deleted=frozen_array(np.reshape(out["fixef_deleted"], (len(keys), p))),
        sigma_deleted=frozen_array(out["sigma_deleted"]),
        converged=frozen_array(out["converged"], dtype=bool),
    )


@implements("hatvalues")
def hatvalues(fit: MixedFit) -> np.ndarray:
    from pylme.diagnostics._rcall import call_r, check_fit

    check_fit(fit, "fit.hatvalues()")
    return frozen_array(call_r("pylme_hatvalues", {"model": fit.r_model()}))
