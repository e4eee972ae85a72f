"""``pylme.anova(*fits)``: lme4's likelihood-ratio comparison of nested fits, on the same data."""

from __future__ import annotations

import warnings
from typing import Any

from pylme.errors import DataError, OptionError, PylmeWarning
from pylme.results.fit import MixedFit


def check_same_data(fits: tuple[MixedFit, ...], labels: Any = None) -> None:
    """Fits must use the same rows: equal nobs (as R checks), and equal values in every column
    two fits both sent to R (per-column SHA-256 of the data as sent). ``labels`` name the
    fits in the message (default: their 0-based positions)."""
    name = list(labels) if labels is not None else [str(i) for i in range(len(fits))]
    first = fits[0]
    for i, other in enumerate(fits[1:], start=1):
        if other.nobs != first.nobs:
            raise DataError(
                f"models were not all fitted to the same size of dataset: fit {name[0]} has "
                f"{first.nobs} observations, fit {name[i]} has {other.nobs}"
            )
    for i, a in enumerate(fits):
        for j in range(i + 1, len(fits)):
            b = fits[j]
            ha, hb = a.provenance.column_sha256, b.provenance.column_sha256
            differ = sorted(c for c in set(ha) & set(hb) if ha[c] != hb[c])
            if differ:
                raise DataError(
                    f"fits {name[i]} and {name[j]} were fitted to different data: column(s) "
                    f"{', '.join(map(repr, differ))} hold different values; anova compares "
                    "models fitted to the same data"
                )


def model_names(fits: tuple[Any, ...], named: dict[str, Any], names: Any) -> list[str]:
    """One name per fit: ``names=``, else keyword names, else ``fit1``, ``fit2``, ... by
    position (R shows the argument expressions, which Python cannot see)."""
    n = len(fits) + len(named)
    if names is None:
        return [f"fit{i}" for i in range(1, len(fits) + 1)] + list(named)
    if named:
        raise OptionError("give model names either as keywords or as names=, not both")
    if isinstance(names, str) or not all(isinstance(x, str) and x for x in names):
        raise OptionError(f"names must be a list of non-empty strings; got {names!r}")
    names = list(names)
    if len(names) != n:
        raise OptionError(f"names has {len(names)} entries for {n} fits")
    return names


def anova(*fits: MixedFit, refit: bool = True, names: Any = None, **named: MixedFit) -> Any:
    """R's ``anova(m1, m2, ..., refit)``: one row per fit in R's order (by number of
    parameters), ``model`` (each fit's name, as R's row names), then R's columns (``npar``, an
    int, ``AIC``, ``BIC``, ``logLik``, ``deviance``, ``Chisq``, ``Df``, ``Pr(>Chisq)``).

    Name the fits as keywords (``pylme.anova(slope=m1, intercept=m0)``) or with
    ``names=["slope", "intercept"]``; unnamed fits are ``fit1``, ``fit2``, ... by position.
    With ``refit=True`` REML fits are refitted by ML first, as R does (one PylmeWarning says
    so). Fits to different data raise :class:`~pylme.errors.DataError`.

    See Also
    --------
    lme4::anova.merMod (``model.names`` carries the names)
    """
    from pylme.inference.rcall import call_r, frame

    labels = model_names(fits, named, names)
    fits = (*fits, *named.values())
    if len(fits) < 2:
        raise OptionError(f"anova() compares two or more fits; got {len(fits)}")
    if len(set(labels)) != len(labels):
        raise OptionError(f"model names must be unique; got {labels}")
    for label, f in zip(labels, fits):
        if not isinstance(f, MixedFit):
            raise OptionError(f"anova() takes pylme fits; {label} is {type(f).__name__}")
    if not isinstance(refit, bool):
        raise OptionError(f"refit must be True or False; got {refit!r}")
    check_same_data(fits, labels)
    req = {"models": [f.r_model() for f in fits], "refit": refit, "names": labels}
    out = call_r("pylme_anova_models", req, stacklevel=3)
    if refit and any(getattr(f, "reml", False) for f in fits):
        warnings.warn(
            "refitting REML model(s) with ML (instead of REML) for the likelihood-ratio test, as "
            "R's anova() does; pass refit=False to compare the REML fits as they are",
            PylmeWarning,
            stacklevel=2,
        )
    df = frame(out)
    df["npar"] = df["npar"].astype(int)
    df.insert(0, "model", [str(m) for m in out["rownames"]])
    return df
