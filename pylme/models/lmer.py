"""``pylme.lmer``: linear mixed models with lme4's ``lmer``."""

from __future__ import annotations

from typing import Any

from pylme.errors import OptionError
from pylme.literals import Ddf, NaAction
from pylme.models.ddf import with_ddf
from pylme.models.pipeline import run_fit
from pylme.results.fit import LmerFit


def lmer(
    formula: str,
    data: Any,
    *,
    REML: bool = True,
    weights: Any = None,
    offset: Any = None,
    contrasts: dict[str, str] | None = None,
    control: Any = None,
    na_action: NaAction = "omit",
    ddf: Ddf | None = None,
    trusted: bool = False,
) -> LmerFit:
    """Fit a linear mixed model with lme4's ``lmer``, in lme4's own formula syntax.

    Parameters
    ----------
    formula : str
        An lme4 formula, e.g. ``"Reaction ~ Days + (Days | Subject)"``.
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Only the columns the formula, weights and offset need are sent to R.
    REML : bool
        REML (default) or maximum likelihood.
    weights, offset : str or array-like, optional
        A column name, or one value per row.
    contrasts : dict, optional
        Column -> R contrast name, e.g. ``{"g": "contr.sum"}``.
    control : dict or pylme.Control, optional
        ``lmerControl`` arguments by their R names, e.g. ``{"optimizer": "Nelder_Mead"}``.
    na_action : {"omit", "exclude", "fail"}
        "omit"/"exclude": rows with missing values are left out of the fit (with a warning),
        and per-row results hold NaN for them. "fail": raise :class:`DataError` instead.
    ddf : {"Satterthwaite", "Kenward-Roger"}, optional
        Denominator degrees of freedom from lmerTest (and pbkrtest): ``fit.fixef.df`` and
        ``fit.fixef.p_value`` are filled as lmerTest's ``summary(fit, ddf = ...)`` gives them.
        None (the default) computes nothing and needs no extra R package.
    trusted : bool
        False (the default) refuses, before R evaluates anything, a formula that calls a
        function outside pylme's allow-list. True turns that check off: a formula can then run
        any R code, so pass True only for formulas you wrote yourself.
    """
    if not isinstance(REML, bool):
        raise OptionError(f"REML must be True or False; got {REML!r}")
    fit = run_fit(
        "lmer",
        formula,
        data,
        weights=weights,
        offset=offset,
        contrasts=contrasts,
        control=control,
        na_action=na_action,
        specific={"REML": REML},
        trusted=trusted,
    )
    if not isinstance(fit, LmerFit):
        raise TypeError(f"lme4 returned a {type(fit).__name__} for an lmer call")
    return fit if ddf is None else with_ddf(fit, ddf)
