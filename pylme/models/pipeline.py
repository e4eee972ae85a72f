"""The one fitting pipeline lmer and glmer share: frame -> Arrow -> R -> plain list -> dataclass."""

from __future__ import annotations

import uuid
import warnings
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from pylme._version import __version__
from pylme.conversion.columns import ColumnPlan, plan_column
from pylme.conversion.plan import fingerprint, plan_frame
from pylme.errors import DataError, FormulaError, PylmeWarning, warning_category
from pylme.models.options import check_contrasts, check_control, check_na_action
from pylme.results.fit import MixedFit
from pylme.results.meta import Provenance
from pylme.results.parse import parse_fit
from pylme.runtime.handles import ModelHandle
from pylme.runtime.rframe import build_r_frame
from pylme.runtime.session import R_LOCK, get_session

WEIGHTS_COLUMN = ".pylme_weights"
OFFSET_COLUMN = ".pylme_offset"


def formula_variables(formula: Any) -> list[str]:
    """The variables the formula names (R's ``all.vars``): the columns to send to R."""
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError(
            f"the formula must be a non-empty string such as 'y ~ x + (1 | g)'; got {formula!r}"
        )
    return list(_all_vars(formula))


@lru_cache(maxsize=512)
def _all_vars(formula: str) -> tuple[str, ...]:
    # A pure function of the text, asked of R's own parser once per formula
    # (failures are not cached).
    return tuple(get_session().call("pylme_formula_vars", {"formula": formula}).value or ())


def _describe(value: Any) -> Any:
    """How provenance records a weights/offset option: the column name, or '<array>'."""
    if value is None or isinstance(value, str):
        return value
    return "<array>"


def _vector_column(kind: str, value: Any, n_rows: int, name: str) -> ColumnPlan:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise DataError(
            f"{kind} has shape {arr.shape}; it must be one value per row ({n_rows} rows)"
        )
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise DataError(f"{kind} must be numeric; got dtype {arr.dtype}")
    return plan_column(name, pa.array(arr.astype(np.float64)))


def _aux_name(value: Any, columns: list[str], hidden: str) -> str | None:
    """The R name of a weights/offset option: its column (added to ``columns``) or a hidden
    column."""
    if value is None:
        return None
    if isinstance(value, str):
        if value not in columns:
            columns.append(value)
        return value
    return hidden


def run_fit(
    function: str,
    formula: str,
    data: Any,
    *,
    weights: Any,
    offset: Any,
    contrasts: Any,
    control: Any,
    na_action: str,
    specific: dict[str, Any],
    trusted: bool = False,
) -> MixedFit:
    """Fit with lme4's ``function`` in one R call and parse the result.

    The options every model takes are checked here; ``specific`` holds the model's own R
    arguments (REML, family, link, nAGQ), already checked. Provenance records them all.
    """
    na = check_na_action(na_action)
    ctrl = check_control(control)
    columns = formula_variables(formula)
    contr = check_contrasts(contrasts, columns) if contrasts is not None else None
    options = {
        **specific,
        "weights": _describe(weights),
        "offset": _describe(offset),
        "contrasts": contr,
        "control": ctrl,
        "na_action": na_action,
    }
    req = {**specific, "kind": function, "contrasts": contr, "control": ctrl, "na_action": na}
    weights_name = _aux_name(weights, columns, WEIGHTS_COLUMN)
    offset_name = _aux_name(offset, columns, OFFSET_COLUMN)
    planned = plan_frame(data, columns)
    n_rows = planned.n_rows
    plans = planned.columns + [
        _vector_column(kind, value, n_rows, hidden)
        for kind, value, hidden in (
            ("weights", weights, WEIGHTS_COLUMN),
            ("offset", offset, OFFSET_COLUMN),
        )
        if value is not None and not isinstance(value, str)
    ]
    if n_rows <= 0:
        raise DataError("the data has no rows")
    session = get_session()
    with R_LOCK:
        frame, sent = build_r_frame(plans, n_rows)
        result = session.call(
            "pylme_fit",
            {
                **req,
                "formula": formula,
                "data": frame,
                "weights": weights_name,
                "offset": offset_name,
            },
            keep=("model",),
        )
        del frame
    raw = result.value
    provenance = Provenance(
        formula=formula,
        function=function,
        options=options,
        data_sha256=fingerprint(sent),
        columns=tuple(p.name for p in sent),
        n_rows=n_rows,
        fitted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        versions=versions(),
        fit_id=uuid.uuid4().hex,
        column_types={p.name: r_type(p) for p in sent},
        levels={p.name: tuple(p.levels or ()) for p in sent if p.kind == "factor"},
        column_sha256={p.name: fingerprint([p]) for p in sent},
    )
    fit = parse_fit(
        raw,
        provenance=provenance,
        warnings=result.warnings,
        messages=result.messages,
        output=result.output,
        handle=ModelHandle(raw.pop("model")),
    )
    _emit_warnings(fit)
    return fit


def r_type(plan: ColumnPlan) -> str:
    """The R type a planned (and sent) column has in R."""
    if plan.kind == "factor":
        return "ordered" if plan.ordered else "factor"
    return plan.kind


def _emit_warnings(fit: MixedFit) -> None:
    for text in fit.convergence.warnings + fit.convergence.messages:
        warnings.warn(f"lme4: {text}", warning_category(text), stacklevel=4)
    if fit.n_dropped:
        warnings.warn(
            f"{fit.n_dropped} of {fit.provenance.n_rows} rows had missing values in the "
            "model's columns and "
            "were left out of the fit; fitted and residuals hold NaN for them",
            PylmeWarning,
            stacklevel=4,
        )


def versions() -> dict[str, str | None]:
    import rpy2

    v = dict(get_session().versions)
    v.pop("collate", None)
    return {**v, "rpy2": rpy2.__version__, "pylme": __version__}
