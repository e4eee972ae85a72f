"""``fit.predict()``: R's ``predict(fit, newdata, re.form, allow.new.levels, type)``.

``newdata`` goes to R through the same Arrow conversion as a fit, and only the columns the
prediction needs are sent. Levels are matched by label; a level the model never saw is a
:class:`~pylme.errors.DataError` naming the column (checked here, before R predicts),
unless ``allow_new_levels=True``. Rows with a missing value in a needed column get NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pylme.errors import DataError, OptionError
from pylme.literals import IntervalKind, PredictType, check_literal
from pylme.results.fit import MixedFit
from pylme.results.methods import implements
from pylme.runtime.session import R_LOCK, get_session

if TYPE_CHECKING:
    from pylme.conversion.columns import ColumnPlan


def check_re_form(re_form: Any) -> str | None:
    """``None``, ``"NA"``, ``"~0"`` or a one-sided formula string (parsed in R)."""
    if re_form is not None and not isinstance(re_form, str):
        raise OptionError(
            f"re_form must be None, 'NA', '~0' or a formula string such as '~(1 | g)'; "
            f"got {re_form!r}"
        )
    return re_form


def _labels(plan: ColumnPlan) -> set[str]:
    """The distinct non-missing labels of a planned column (as R's as.character gives them)."""
    values = plan.r_values()  # R's codes: 1-based for a factor, 0-based for unique strings
    if plan.kind in ("factor", "string"):
        codes = values if plan.na is None else values[~plan.na]
        base = 1 if plan.kind == "factor" else 0
        levels = plan.levels or ()
        return {levels[c - base] for c in np.unique(codes)}
    if plan.kind == "integer":
        vals = values if plan.na is None else values[~plan.na]
        return {str(int(v)) for v in np.unique(vals)}
    return set()


def _check_levels(plans: list[ColumnPlan], info: dict[str, Any], allow_new_levels: bool) -> None:
    levels = info["levels"] or {}
    groups = set(info["groups"] or ())
    fixed = set(info["fixed"] or ())
    for plan in plans:
        known = levels.get(plan.name)
        if known is None:
            continue
        if plan.name in groups and plan.name not in fixed and allow_new_levels:
            continue
        new = sorted(_labels(plan) - set(known))
        if new:
            shown = ", ".join(repr(v) for v in new[:10]) + (" ..." if len(new) > 10 else "")
            hint = (
                "; pass allow_new_levels=True to predict them from the fixed effects alone"
                if plan.name in groups and plan.name not in fixed
                else ""
            )
            raise DataError(
                f"newdata column {plan.name!r} has {len(new)} level(s) the model was not fitted "
                f"with: {shown}{hint}"
            )


def newdata_call(
    fit: MixedFit,
    newdata: Any,
    function: str,
    req: dict[str, Any],
    *,
    allow_new_levels: bool,
    vars_re_form: str | None,
    vars_function: str = "pylme_predict_vars",
) -> tuple[Any, int]:
    """``function({**req, newdata})`` with ``newdata`` sent to R as predict() sends it: only
    the columns ``vars_function`` names (for ``vars_re_form``), levels checked first. Returns
    the R call's result (value and warnings) and the number of rows of ``newdata``."""
    from pylme.conversion.plan import plan_frame
    from pylme.runtime.rframe import build_r_frame

    session = get_session()
    info = session.call(vars_function, {"model": req["model"], "re_form": vars_re_form}).value
    planned = plan_frame(newdata, list(info["needed"] or ()))
    _check_levels(planned.columns, info, allow_new_levels)
    with R_LOCK:
        frame, _ = build_r_frame(planned.columns, planned.n_rows)
        res = session.call(
            function, {**req, "newdata": frame, "allow_new_levels": allow_new_levels}
        )
        del frame
    return res, planned.n_rows


@implements("predict")
def predict(
    fit: MixedFit,
    newdata: Any = None,
    *,
    re_form: str | None = None,
    allow_new_levels: bool = False,
    type: PredictType = "link",
    interval: IntervalKind | None = None,
    **interval_options: Any,
) -> Any:
    check_literal(type, PredictType, "type")
    check_re_form(re_form)
    if not isinstance(allow_new_levels, bool):
        raise OptionError(f"allow_new_levels must be True or False; got {allow_new_levels!r}")
    if interval is not None:
        from pylme.postfit.intervals import predict_interval

        return predict_interval(
            fit,
            newdata,
            re_form=re_form,
            allow_new_levels=allow_new_levels,
            type=type,
            interval=interval,
            **interval_options,
        )
    model = fit.r_model()
    session = get_session()
    req: dict[str, Any] = {"model": model, "re_form": re_form, "type": type}
    if newdata is None:
        return np.asarray(session.call("pylme_predict", req).value, dtype=np.float64).reshape(-1)
    res, n_rows = newdata_call(
        fit,
        newdata,
        "pylme_predict",
        req,
        allow_new_levels=allow_new_levels,
        vars_re_form=re_form,
    )
    out = np.asarray(res.value, dtype=np.float64).reshape(-1)
    if out.shape != (n_rows,):
        raise RuntimeError(f"R returned {out.shape[0]} predictions for {n_rows} rows")
    return out
