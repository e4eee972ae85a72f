"""Column plans to R vectors and an R ``data.frame``: one buffer copy per column.

Numeric buffers are copied into R with ``from_memoryview``; NA positions are then written
straight into the R vector's memory. String columns send only their unique values to R,
which orders them as its own ``factor()`` would; the per-row codes are mapped in numpy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.conversion.columns import ColumnPlan, plan_column
from pylme.conversion.frames import as_arrow_table
from pylme.runtime.session import R_LOCK, RSession, get_session

INT_MIN = np.int32(-(2**31))
NA_REAL_BITS = np.uint64(0x7FF00000000007A2)  # R's NA_real_: a NaN whose low word is 1954


def plan_frame(data: Any, columns: Sequence[str] | None = None) -> list[ColumnPlan]:
    """Plan every column (no R involved). Raises DataError for missing columns or bad types."""
    table = as_arrow_table(data, columns)
    return [plan_column(name, table.column(i)) for i, name in enumerate(table.column_names)]


def fingerprint(plans: Sequence[ColumnPlan]) -> str:
    """SHA-256 over names, kinds, values, NA positions and levels of what is sent to R."""
    h = hashlib.sha256()
    for plan in plans:
        plan.update_digest(h)
    return h.hexdigest()


def _resolve_strings(session: RSession, plan: ColumnPlan) -> ColumnPlan:
    """Let R order the unique strings; map the 0-based codes to R's 1-based level codes."""
    res = session.call("pylme_levels", {"uniques": list(plan.levels or ())}).value
    position = np.asarray(res["position"], dtype=np.int32)
    codes = position[plan.values] if len(position) else plan.values + 1
    return ColumnPlan(plan.name, "factor", codes.astype(np.int32, copy=False), plan.na, plan.arrow_type, res["levels"])


def _vector(ri: Any, plan: ColumnPlan) -> Any:
    values = np.ascontiguousarray(plan.values)
    if plan.kind == "double":
        vec = ri.FloatSexpVector.from_memoryview(values.data)
        if plan.na is not None:
            np.frombuffer(vec.memoryview(), dtype=np.uint64)[plan.na] = NA_REAL_BITS
        return vec
    cls = ri.BoolSexpVector if plan.kind == "logical" else ri.IntSexpVector
    vec = cls.from_memoryview(values.data)
    if plan.na is not None:
        np.frombuffer(vec.memoryview(), dtype=np.int32)[plan.na] = INT_MIN
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
    table = as_arrow_table(data, columns)
    plans = [plan_column(name, table.column(i)) for i, name in enumerate(table.column_names)]
    frame, _ = build_r_frame(plans, table.num_rows)
    return frame
