"""``pylme.anova(*fits)``: lme4's likelihood-ratio comparison of nested fits, on the same data."""

from __future__ import annotations

import warnings
from typing import Any

from pylme.errors import DataError, OptionError, PylmeWarning
from pylme.results.fit import MixedFit


def check_same_data(fits: tuple[MixedFit, ...]) -> None:
    """Fits must use the same rows: equal nobs (as R checks), and equal values in every column
    two fits both sent to R (per-column SHA-256 of the data as sent)."""
    first = fits[0]
    for i, other in enumerate(fits[1:], start=1):
        if other.nobs != first.nobs:
            raise DataError(
                f"models were not all fitted to the same size of dataset: fit 0 has "
                f"{first.nobs} observations, fit {i} has {other.nobs}"
            )
    for i, a in enumerate(fits):
        for j in range(i + 1, len(fits)):
            b = fits[j]
            ha, hb = a.provenance.column_sha256, b.provenance.column_sha256
            differ = sorted(c for c in set(ha) & set(hb) if ha[c] != hb[c])
            if differ:
                raise DataError(
                    f"fits {i} and {j} were fitted to different data: column(s) "
                    f"{', '.join(map(repr, differ))} hold different values; anova compares "
                    "models fitted to the same data"
                )


def anova(*fits: MixedFit, refit: bool = True) -> Any:
    """R's ``anova(m1, m2, ..., refit)``: one row per fit in R's order (by number of
    parameters), R's columns (``npar``, ``AIC``, ``BIC``, ``logLik``, ``deviance``, ``Chisq``,
    ``Df``, ``Pr(>Chisq)``) and ``model``, each fit's position in the call (0-based).

    With ``refit=True`` REML fits are refitted by ML first, as R does (one PylmeWarning says
    so). Fits to different data raise :class:`~pylme.errors.DataError`.
    """
    from pylme.inference.rcall import call_r, frame

    if len(fits) < 2:
        raise OptionError(f"anova() compares two or more fits; got {len(fits)}")
    for i, f in enumerate(fits):
        if not isinstance(f, MixedFit):
            raise OptionError(f"anova() takes pylme fits; argument {i} is {type(f).__name__}")
    if not isinstance(refit, bool):
        raise OptionError(f"refit must be True or False; got {refit!r}")
    check_same_data(fits)
    out = call_r(
        "pylme_anova_models", {"models": [f.r_model() for f in fits], "refit": refit}, stacklevel=3
    )
    if refit and any(getattr(f, "reml", False) for f in fits):
        warnings.warn(
            "refitting REML model(s) with ML (instead of REML) for the likelihood-ratio test, as "
            "R's anova() does; pass refit=False to compare the REML fits as they are",
            PylmeWarning,
            stacklevel=2,
        )
    df = frame(out)
    df.insert(0, "model", [int(m) for m in out["model"]])
    return df
