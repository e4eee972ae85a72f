"""The canonical data fingerprint (scheme ``pylme-data-v1``), the same bytes that
``r_scripts/receipts.R`` writes in R.

It covers the columns the model used (those the formula names, plus weights and offset), in
the receipt's order, and the row count. Per column: its name; its kind (R's double and
integer are both ``numeric``, hashed as float64 values, so 3 and 3.0 hash alike; ``logical``;
``factor`` and ``ordered`` with their levels in order); and every value, row by row (row order
matters), with NA and NaN alike as R's NA and -0.0 as 0.0. Nothing else: not the other
columns of the frame, not the frame's library or file format, not column order in the file.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from pylme.conversion.rtypes import INT_MIN, NA_REAL_BITS

if TYPE_CHECKING:
    from pylme.conversion.columns import ColumnPlan

SCHEME = "pylme-data-v1"


def _int(n: int) -> bytes:
    return struct.pack("<i", n)


def _str(s: str) -> bytes:
    raw = s.encode("utf-8", "surrogatepass")
    return _int(len(raw)) + raw


def canonical_kind(r_type: str) -> str:
    """``numeric`` for R's double and integer; otherwise the R type itself."""
    return "numeric" if r_type in ("double", "integer") else r_type


def prefix(n_rows: int, n_columns: int) -> bytes:
    return _str(SCHEME) + _int(n_rows) + _int(n_columns)


def column_bytes(plan: ColumnPlan, r_type: str) -> bytes:
    """The canonical bytes of one planned column (strings already resolved to a factor)."""
    kind = canonical_kind(r_type)
    levels = tuple(plan.levels or ()) if kind in ("factor", "ordered") else ()
    head = _str(plan.name) + _str(kind) + _int(len(levels)) + b"".join(_str(v) for v in levels)
    if kind == "numeric":
        values = np.asarray(plan.r_values(), dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0
        bits = values.view(np.uint64)
        na = np.isnan(values) if plan.na is None else (plan.na | np.isnan(values))
        bits[na] = np.uint64(NA_REAL_BITS)
        return head + values.astype("<f8").tobytes()
    codes = np.asarray(plan.r_values(), dtype=np.int32).copy()
    if plan.na is not None:
        codes[plan.na] = INT_MIN
    return head + codes.astype("<i4").tobytes()


def digest(n_rows: int, columns: Sequence[bytes]) -> str:
    """The fingerprint of a data set given its columns' canonical bytes."""
    h = hashlib.sha256(prefix(n_rows, len(columns)))
    for part in columns:
        h.update(part)
    return h.hexdigest()


def column_digests(n_rows: int, columns: Sequence[bytes]) -> list[str]:
    """Each column's own fingerprint (a one-column data set), to name the first that differs."""
    return [digest(n_rows, [part]) for part in columns]
