"""Data to verify against a receipt, read in the receipt's types.

Each column the receipt lists is planned (:mod:`pylme.conversion`) and brought to the R type
the receipt recorded: numbers to double or integer, text (a CSV's factors) to a factor with
the receipt's levels in the receipt's order, 0/1 or "TRUE"/"FALSE" text to logical. What
cannot be brought there is noted as a problem and kept as it is, so that the fingerprint
differs and the refit shows the effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pylme.conversion.rtypes import INT_MAX, INT_MIN

if TYPE_CHECKING:
    from pylme.conversion.columns import ColumnPlan

_TRUE = ("TRUE", "True", "true", "T", "1")
_FALSE = ("FALSE", "False", "false", "F", "0")


@dataclass(frozen=True)
class ColumnRecord:
    """One column as the receipt recorded it."""

    name: str
    type: str  # "double" | "integer" | "logical" | "factor" | "ordered"
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Conformed:
    """The data in the receipt's types: one plan per recorded column, and what did not fit."""

    plans: list[ColumnPlan]
    types: list[str]
    n_rows: int
    problems: dict[str, str]


def _plan(*args: Any) -> ColumnPlan:
    from pylme.conversion.columns import ColumnPlan

    return ColumnPlan(*args)


def _as_text(plan: ColumnPlan) -> tuple[list[str | None], np.ndarray]:
    """A column's values as R's ``as.character`` would write them."""
    na = np.zeros(len(plan.r_values()), bool) if plan.na is None else plan.na
    if plan.kind in ("string", "factor"):
        levels = list(plan.levels or ())
        offset = 0 if plan.kind == "string" else 1
        return [None if m else levels[int(c) - offset] for c, m in zip(plan.r_values(), na)], na
    if plan.kind == "logical":
        return [None if m else ("TRUE" if v else "FALSE") for v, m in zip(plan.r_values(), na)], na
    out: list[str | None] = []
    for v, m in zip(plan.r_values(), na):
        if m:
            out.append(None)
        elif float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(repr(float(v)))
    return out, na


def _factor(plan: ColumnPlan, rec: ColumnRecord) -> tuple[ColumnPlan, str | None]:
    ordered = rec.type == "ordered"
    if plan.kind == "factor":
        if tuple(plan.levels or ()) != rec.levels:
            return plan, f"its levels {list(plan.levels or ())} differ from the receipt's"
        return _plan(
            plan.name, "factor", plan.r_values(), plan.na, plan.arrow_type, rec.levels, ordered
        ), None
    text, na = _as_text(plan)
    levels = list(rec.levels)
    unknown = sorted({t for t in text if t is not None and t not in rec.levels})
    position = {v: i + 1 for i, v in enumerate(levels + unknown)}
    codes = np.array([0 if t is None else position[t] for t in text], dtype=np.int32)
    problem = f"values not among the receipt's levels: {unknown[:5]}" if unknown else None
    levels_now = tuple(levels + unknown)
    return _plan(
        plan.name, "factor", codes, na if na.any() else None, plan.arrow_type, levels_now, ordered
    ), problem


def _numeric(plan: ColumnPlan, rec: ColumnRecord) -> tuple[ColumnPlan, str | None]:
    if plan.kind not in ("double", "integer"):
        return plan, f"it was numeric ({rec.type}); now it is {plan.kind}"
    values = np.asarray(plan.r_values(), dtype=np.float64)
    if rec.type == "integer":
        ok = values if plan.na is None else values[~plan.na]
        if np.all(np.isfinite(ok) & (ok == np.round(ok)) & (ok > INT_MIN) & (ok <= INT_MAX)):
            ints = np.where(np.isfinite(values), values, 0).astype(np.int32)
            na = plan.na if plan.na is not None else None
            if na is None and np.isnan(values).any():
                na = np.isnan(values)
            return _plan(plan.name, "integer", ints, na, plan.arrow_type), None
    return _plan(plan.name, "double", values, plan.na, plan.arrow_type), None


def _logical(plan: ColumnPlan, rec: ColumnRecord) -> tuple[ColumnPlan, str | None]:
    if plan.kind == "logical":
        return plan, None
    text, na = _as_text(plan)
    if all(t is None or t in _TRUE + _FALSE for t in text):
        values = np.array([t in _TRUE for t in text], dtype=np.int32)
        return _plan(plan.name, "logical", values, na if na.any() else None, "bool"), None
    return plan, f"it was logical; now it is {plan.kind}"


def conform(data: Any, records: Sequence[ColumnRecord]) -> Conformed:
    """Plan the recorded columns of ``data`` in the receipt's types (DataError: a column is
    missing)."""
    from pylme.conversion.columns import plan_column
    from pylme.conversion.frames import as_arrow_table

    table = as_arrow_table(data, [r.name for r in records])
    plans, types, problems = [], [], {}
    for i, rec in enumerate(records):
        plan = plan_column(rec.name, table.column(i))
        if rec.type in ("factor", "ordered"):
            plan, problem = _factor(plan, rec)
        elif rec.type == "logical":
            plan, problem = _logical(plan, rec)
        else:
            plan, problem = _numeric(plan, rec)
        plans.append(plan)
        types.append(_r_type(plan))
        if problem:
            problems[rec.name] = problem
    return Conformed(plans, types, table.num_rows, problems)


def _r_type(plan: ColumnPlan) -> str:
    if plan.kind == "factor":
        return "ordered" if plan.ordered else "factor"
    return "factor" if plan.kind == "string" else plan.kind


def arrow_table(conformed: Conformed) -> Any:
    """The conformed columns as a ``pyarrow.Table`` that pylme sends to R unchanged."""
    import pyarrow as pa

    arrays = []
    for plan in conformed.plans:
        mask = plan.na
        if plan.kind == "double":
            arr = pa.array(np.asarray(plan.r_values(), np.float64), mask=mask)
        elif plan.kind == "integer":
            arr = pa.array(np.asarray(plan.r_values(), np.int32), mask=mask)
        elif plan.kind == "logical":
            arr = pa.array(np.asarray(plan.r_values()).astype(bool), mask=mask)
        else:
            offset = 0 if plan.kind == "string" else 1
            idx = pa.array(np.asarray(plan.r_values(), np.int32) - offset, mask=mask)
            dictionary = pa.array(list(plan.levels or ()), pa.string())
            arr = pa.DictionaryArray.from_arrays(idx, dictionary, ordered=plan.ordered)
        arrays.append(arr)
    return pa.table(arrays, names=[p.name for p in conformed.plans])
