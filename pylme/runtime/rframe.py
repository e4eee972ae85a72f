"""Planned columns (:mod:`pylme.conversion`) to R vectors and an R ``data.frame``.

Each column is copied once, straight into a newly allocated R vector (numpy casts while it
copies, and reads buffers at any alignment), and NA positions are then written into R's
memory; string columns send only their unique values, and their codes are mapped to R's
level codes in the same single pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.conversion.columns import ColumnPlan
from pylme.conversion.plan import plan_frame
from pylme.conversion.rtypes import INT_MIN, NA_REAL_BITS
from pylme.errors import DataError
from pylme.runtime import rpy2_compat
from pylme.runtime.from_r import from_r
from pylme.runtime.session import R_LOCK, RSession, get_session
from pylme.runtime.values import str_vector

_NA_INTEGER = np.int32(INT_MIN)
_NA_REAL = np.uint64(NA_REAL_BITS)
# R's SEXPTYPE codes (Rinternals.h).
_LGLSXP, _INTSXP, _REALSXP = 10, 13, 14


def _view(vec: Any, sexptype: int, n: int) -> np.ndarray:
    """A numpy view of an R vector's memory (float64 or int32), valid while ``vec`` lives.

    Read through rpy2's C interface, not ``vec.memoryview()``: rpy2 3.5's memoryview drops
    a reference to ``None`` on every call (its C helper that swaps strides), so a long
    session of fits would bring ``None``'s count to zero and CPython would abort.
    """
    if not n:
        return np.empty(0, np.float64 if sexptype == _REALSXP else np.int32)
    rlib, ffi, cdata = rpy2_compat.rlib(), rpy2_compat.ffi(), rpy2_compat.cdata(vec)
    if sexptype == _REALSXP:
        return np.frombuffer(ffi.buffer(rlib.REAL(cdata), 8 * n), np.float64)
    pointer = rlib.INTEGER(cdata) if sexptype == _INTSXP else rlib.LOGICAL(cdata)
    return np.frombuffer(ffi.buffer(pointer, 4 * n), np.int32)


def _alloc(sexptype: int, n: int) -> tuple[Any, np.ndarray]:
    """A new R vector of length ``n`` and a numpy view of its memory (float64 or int32)."""
    with rpy2_compat.r_lock():
        # rpy2 preserves the vector as soon as it wraps it; nothing allocates in between.
        vec = rpy2_compat.wrap(rpy2_compat.rlib().Rf_allocVector(sexptype, n))
    return vec, _view(vec, sexptype, n)


def _resolve_strings(session: RSession, plan: ColumnPlan) -> tuple[ColumnPlan, Any, np.ndarray]:
    """Let R order the unique strings (its ``factor()`` in this session's collation).

    Returns the plan with R's levels, R's own levels vector (set as the factor's levels
    as it is), and ``position``: for each unique string, its 1-based level code.
    """
    uniques = plan.levels or ()
    try:
        r_uniques = str_vector(uniques)
    except ValueError as exc:
        raise DataError(f"column {plan.name!r}: {exc}") from exc
    res = session.call("pylme_levels", {"uniques": r_uniques}, keep=("levels",)).value
    position = np.asarray(res["position"], dtype=np.int32)
    n = len(uniques)
    if n and np.array_equal(np.sort(position), np.arange(1, n + 1)):
        order = np.empty(n, np.intp)
        order[position - 1] = np.arange(n)
        levels = tuple(uniques[j] for j in order.tolist())
    else:  # not one level per unique string: take R's levels as they are
        levels = tuple(s or "NA" for s in from_r(res["levels"]) or ())
    sent = ColumnPlan(plan.name, "factor", plan.values, plan.na, plan.arrow_type, levels)
    return sent, res["levels"], position


def _vector(ri: Any, plan: ColumnPlan, r_levels: Any = None, position: Any = None) -> Any:
    """The R vector for a plan: one copy of the values into R's memory, then NA in place."""
    n = len(plan.values)
    if plan.kind == "double":
        vec, dst = _alloc(_REALSXP, n)
        np.copyto(dst, plan.values, casting="unsafe")
        if plan.na is not None:
            dst.view(np.uint64)[plan.na] = _NA_REAL
        return vec
    vec, dst = _alloc(_LGLSXP if plan.kind == "logical" else _INTSXP, n)
    if position is not None:  # a string column: R's code of each row's unique string
        if len(position):
            np.take(position, plan.values, out=dst, mode="clip")
    elif plan.shift:
        np.add(plan.values, plan.shift, out=dst, casting="unsafe")
    else:
        np.copyto(dst, plan.values, casting="unsafe")
    if plan.na is not None:
        dst[plan.na] = _NA_INTEGER
    if plan.kind == "factor":
        if r_levels is None:
            r_levels = str_vector(plan.levels or ())
        vec.do_slot_assign("levels", r_levels)
        vec.rclass = ri.StrSexpVector(["ordered", "factor"] if plan.ordered else ["factor"])
    return vec


def build_r_frame(
    plans: Sequence[ColumnPlan], n_rows: int, *, sent_codes: bool = True
) -> tuple[Any, list[ColumnPlan]]:
    """An R ``data.frame`` from planned columns, and the plans as sent (strings resolved).

    A string column is sent as a factor; its sent plan holds R's 1-based level codes (as a
    categorical's plan does) unless ``sent_codes`` is false (then the 0-based indices into
    the unique strings, which saves a copy when only the R frame is wanted).
    """
    session = get_session()
    ri = session.ri
    with R_LOCK:
        sent, vectors = [], []
        for p in plans:
            if p.kind == "string":
                q, r_levels, position = _resolve_strings(session, p)
                vec = _vector(ri, q, r_levels, position)
                if sent_codes:
                    codes = _view(vec, _INTSXP, n_rows).copy() if n_rows else q.values
                    q = dataclasses.replace(q, values=codes)
                sent.append(q)
                vectors.append(vec)
            else:
                sent.append(p)
                vectors.append(_vector(ri, p))
        frame = ri.ListSexpVector(vectors)
        del vectors
        frame.do_slot_assign("names", str_vector([p.name for p in sent]))
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
    frame, _ = build_r_frame(planned.columns, planned.n_rows, sent_codes=False)
    return frame
