"""R values (from pylme's own R functions) to plain Python values.

Numeric vectors become numpy arrays (copied out of R's memory; matrices and arrays keep
their shape), character vectors become tuples of ``str`` with ``None`` for NA, named lists
become dicts, and unnamed lists become lists. Anything else is returned as the R object.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.conversion.rtypes import INT_MIN


def _dims(obj: Any) -> tuple[int, ...] | None:
    try:
        return tuple(int(d) for d in obj.do_slot("dim"))
    except LookupError:
        return None


def _shaped(arr: np.ndarray, obj: Any) -> np.ndarray:
    dims = _dims(obj)
    if dims is not None and len(dims) > 1:
        arr = arr.reshape(dims, order="F")
    return arr


def from_r(obj: Any) -> Any:
    import rpy2.rinterface as ri

    if obj is ri.NULL or isinstance(obj, ri.NULLType):
        return None
    if isinstance(obj, ri.FloatSexpVector):
        return _shaped(np.array(obj.memoryview(), dtype=np.float64, copy=True), obj)
    if isinstance(obj, ri.BoolSexpVector):
        raw = np.array(obj.memoryview(), dtype=np.int32, copy=True)
        return _shaped(raw.astype(bool), obj)
    if isinstance(obj, ri.IntSexpVector):
        raw = np.array(obj.memoryview(), dtype=np.int32, copy=True)
        if (raw == INT_MIN).any():
            out = raw.astype(np.float64)
            out[raw == INT_MIN] = np.nan
            return _shaped(out, obj)
        return _shaped(raw.astype(np.int64), obj)
    if isinstance(obj, ri.ByteSexpVector):
        return bytes(obj)
    if isinstance(obj, ri.StrSexpVector):
        na = ri.NA_Character
        return tuple(None if s is na else str(s) for s in obj)
    if isinstance(obj, ri.ListSexpVector):
        names = obj.names
        items = [from_r(x) for x in obj]
        if names is ri.NULL or isinstance(names, ri.NULLType):
            return items
        return {str(n): v for n, v in zip(names, items)}
    return obj
