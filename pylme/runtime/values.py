"""Small Python values (options, control lists, requests) to R values.

Only for arguments: scalars, lists of scalars, dicts, numpy arrays and R objects.
Data frames go through :mod:`pylme.conversion.to_r`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pylme.conversion.rtypes import INT_MAX, INT_MIN


def _ri() -> Any:
    import rpy2.rinterface as ri

    return ri


def _scalar_vector(ri: Any, items: Sequence[Any]) -> Any:
    if all(isinstance(x, (bool, np.bool_)) for x in items):
        return ri.BoolSexpVector([bool(x) for x in items])
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in items):
        if all(INT_MIN < int(x) <= INT_MAX for x in items):
            return ri.IntSexpVector([int(x) for x in items])
        return ri.FloatSexpVector([float(x) for x in items])
    if all(isinstance(x, (int, float, np.integer, np.floating)) for x in items):
        return ri.FloatSexpVector([float(x) for x in items])
    if all(isinstance(x, str) for x in items):
        return ri.StrSexpVector(list(items))
    return None


def to_r_value(value: Any) -> Any:
    """Convert one argument value to an R object (rpy2 rinterface level)."""
    ri = _ri()
    if isinstance(value, ri.Sexp):
        return value
    if value is None:
        return ri.NULL
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ri.ByteSexpVector(bytes(value))
    if isinstance(value, Mapping):
        out = ri.ListSexpVector([to_r_value(v) for v in value.values()])
        out.do_slot_assign("names", ri.StrSexpVector([str(k) for k in value.keys()]))
        return out
    if isinstance(value, np.ndarray):
        if value.dtype == np.float64:
            return ri.FloatSexpVector.from_memoryview(np.ascontiguousarray(value).data)
        return to_r_value(value.tolist())
    if isinstance(value, (str, bool, int, float, np.generic)):
        vec = _scalar_vector(ri, [value])
        if vec is None:
            raise TypeError(f"cannot pass {value!r} ({type(value).__name__}) to R")
        return vec
    if isinstance(value, (list, tuple)):
        if len(value) == 0:
            return ri.ListSexpVector([])
        vec = _scalar_vector(ri, list(value))
        if vec is not None:
            return vec
        return ri.ListSexpVector([to_r_value(v) for v in value])
    raise TypeError(
        f"cannot pass a {type(value).__name__} to R: use numbers, strings, lists or dicts"
    )
