"""Planned columns (:mod:`pylme.conversion`) to R vectors and an R ``data.frame``.

Numeric buffers are copied into R vectors with ``from_memoryview`` (one copy), and NA
positions are written into R's memory; string columns send only their unique values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.conversion.columns import ColumnPlan
from pylme.conversion.plan import plan_frame
from pylme.conversion.rtypes import INT_MIN, NA_REAL_BITS
from pylme.runtime.session import R_LOCK, RSession, get_session

_NA_INTEGER = np.int32(INT_MIN)
_NA_REAL = np.uint64(NA_REAL_BITS)


def _resolve_strings(session: RSession, plan: ColumnPlan) -> ColumnPlan:
    """Let R order the unique strings; map the 0-based codes to R's 1-based level codes."""
    res = session.call("pylme_levels", {"uniques": list(plan.levels or ())}).value
    position = np.asarray(res["position"], dtype=np.int32)
    codes = position[plan.values] if len(position) else plan.values + 1
    return ColumnPlan(
        plan.name,
        "factor",
        codes.astype(np.int32, copy=False),
        plan.na,
        plan.arrow_type,
        res["levels"],
    )


def _vector(ri: Any, plan: ColumnPlan) -> Any:
    values = np.ascontiguousarray(plan.values)
    if plan.kind == "double":
        vec = ri.FloatSexpVector.from_memoryview(values.data)
        if plan.na is not None:
            np.frombuffer(vec.memoryview(), dtype=np.uint64)[plan.na] = _NA_REAL
        return vec
    cls = ri.BoolSexpVector if plan.kind == "logical" else ri.IntSexpVector
    vec = cls.from_memoryview(values.data)
    if plan.na is not None:
        np.frombuffer(vec.memoryview(), dtype=np.int32)[plan.na] = _NA_INTEGER
    if plan.kind == "factor":
        vec.do_slot_assign("levels", ri.StrSexpVector(list(plan.levels or ())))
        vec.rclass = ri.StrSexpVector(["ordered", "factor"] if plan.ordered else ["factor"])
    return vec


def build_r_frame(plans: Sequence[ColumnPlan], n_rows: int) -> tuple[Any, list[ColumnPlan]]:
    """An R ``data.frame`` from planned columns, and the plans as sent (strings resolved)."""
    session = get_session()
    ri = session.ri
    with R_LOCK:
        sent = [_resolve_strings(session, p) if p.kind == "string" else p for p in plans]
        frame = ri.ListSexpVector([_vector(ri, p) for p in sent])
        frame.do_slot_assign("names", ri.StrSexpVector([p.name for p in sent]))
        frame.do_slot_assign("row.names", ri.IntSexpVector([ri.NA_Integer, -n_rows]))
        frame.rclass = ri.StrSexpVector(["data.frame"])
    return frame, sent


def to_r(data: Any, columns: Sequence[str] | None = None) -> Any:
    """Convert a pandas, polars or pyarrow frame to an R ``data.frame`` through Arrow.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
    columns : sequence of str, optional
        Only these columns (default: all).

    Returns
    -------
    rpy2.rinterface.ListSexpVector
        The R data frame (an rpy2 low-level object; wrap it with ``rpy2.robjects`` if needed).
    """
    planned = plan_frame(data, columns)
    frame, _ = build_r_frame(planned.columns, planned.n_rows)
    return frame
