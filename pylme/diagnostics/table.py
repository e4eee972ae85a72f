"""``pylme.model_table(*fits)``: MuMIn's ``model.sel`` layout, one row per model, by AICc."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import DataError, OptionError
from pylme.results.fit import LmerFit, MixedFit


def aicc(aic: float, k: int, n: int) -> float:
    """AICc = AIC + 2k(k + 1) / (n - k - 1) (MuMIn's ``AICc``); NaN when n - k - 1 <= 0."""
    return aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else float("nan")


def _same_data(fits: Sequence[MixedFit]) -> None:
    """The same rows (nobs) and the same values in every column two fits share, as
    ``pylme.anova`` checks."""
    first = fits[0]
    for i, f in enumerate(fits):
        if f.nobs != first.nobs:
            raise DataError(
                f"model_table compares models fitted to the same data: fit 0 has {first.nobs} "
                f"observations, fit {i} has {f.nobs}"
            )
        ha, hb = first.provenance.column_sha256, f.provenance.column_sha256
        differ = sorted(c for c in set(ha) & set(hb) if ha[c] != hb[c])
        if differ:
            raise DataError(
                f"fits 0 and {i} were fitted to different data: column(s) "
                f"{', '.join(map(repr, differ))} hold different values"
            )


def _same_criterion(fits: Sequence[MixedFit], fixed: list[tuple[str, ...]]) -> None:
    """REML likelihoods compare only models with the same fixed effects (and all REML)."""
    reml = [isinstance(f, LmerFit) and f.reml for f in fits]
    if any(reml) and not all(reml):
        raise OptionError(
            "model_table got REML and ML fits: their likelihoods are not comparable; refit the "
            "REML fits with REML=False (fit.update(REML=False))"
        )
    if any(reml) and len(set(fixed)) > 1:
        raise OptionError(
            "REML fits with different fixed effects cannot be compared by AIC (the REML "
            "likelihood depends on the fixed effects); refit them with REML=False "
            "(fit.update(REML=False))"
        )


def model_table(*fits: MixedFit, names: Sequence[str] | None = None) -> Any:
    """One row per model, sorted by AICc: ``model``, ``fixed`` and ``random`` (the terms),
    ``df``, ``logLik``, ``AIC``, ``AICc``, ``BIC``, ``delta_AICc`` and ``weight`` (Akaike
    weights, exp(-delta/2) normalised), as MuMIn's ``model.sel``.

    ``AICc`` is AIC + 2k(k + 1) / (n - k - 1) with k = ``df`` and n = ``nobs``. Fits of
    different data raise :class:`~pylme.errors.DataError`; REML fits with different fixed
    effects (or REML mixed with ML fits) raise :class:`~pylme.errors.OptionError`.

    See Also
    --------
    MuMIn::model.sel, stats::AIC, stats::BIC, stats::logLik
    """
    import pandas as pd

    from pylme.diagnostics._rcall import call_r

    if not fits:
        raise OptionError("model_table() takes one or more fits")
    for i, f in enumerate(fits):
        if not isinstance(f, MixedFit):
            raise OptionError(f"model_table() takes pylme fits; argument {i} is {type(f).__name__}")
    labels = [f"model{i + 1}" for i in range(len(fits))] if names is None else list(names)
    if len(labels) != len(fits) or len(set(labels)) != len(labels):
        raise OptionError(f"names must be {len(fits)} distinct names, one per fit; got {names!r}")
    _same_data(fits)
    terms = [call_r("pylme_model_terms", {"model": f.r_model()}) for f in fits]
    fixed = [tuple(sorted(t["fixed"] or ())) for t in terms]
    _same_criterion(fits, fixed)
    df = pd.DataFrame(
        {
            "model": [str(x) for x in labels],
            "fixed": [" + ".join(t["fixed"] or ()) or "1" for t in terms],
            "random": [" + ".join(t["random"] or ()) for t in terms],
            "df": [int(f.df) for f in fits],
            "logLik": [float(f.loglik) for f in fits],
            "AIC": [float(f.aic) for f in fits],
            "AICc": [aicc(float(f.aic), int(f.df), int(f.nobs)) for f in fits],
            "BIC": [float(f.bic) for f in fits],
        }
    )
    delta = df["AICc"].to_numpy() - np.nanmin(df["AICc"].to_numpy())
    w = np.exp(-delta / 2)
    df["delta_AICc"] = delta
    df["weight"] = w / np.nansum(w)
    return df.sort_values("AICc", kind="stable").reset_index(drop=True)
