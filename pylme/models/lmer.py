"""``pylme.lmer``: linear mixed models with lme4's ``lmer``."""

from __future__ import annotations

from typing import Any

from pylme.models.options import check_contrasts, check_control, check_na_action
from pylme.models.pipeline import formula_variables, run_fit
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
    na_action: str = "omit",
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
    """
    na = check_na_action(na_action)
    ctrl = check_control(control)
    contr = check_contrasts(contrasts, formula_variables(formula)) if contrasts is not None else None
    if not isinstance(REML, bool):
        raise TypeError(f"REML must be True or False; got {REML!r}")
    options = {
        "REML": REML, "weights": _describe(weights), "offset": _describe(offset),
        "contrasts": contr, "control": ctrl, "na_action": na_action,
    }
    req = {"kind": "lmer", "REML": REML, "contrasts": contr, "control": ctrl, "na_action": na}
    fit = run_fit("lmer", formula, data, weights=weights, offset=offset, req=req, options=options)
    if not isinstance(fit, LmerFit):
        raise TypeError(f"lme4 returned a {type(fit).__name__} for an lmer call")
    return fit


def _describe(value: Any) -> Any:
    """How provenance records a weights/offset option: the column name, or 'array'."""
    if value is None or isinstance(value, str):
        return value
    return "<array>"
