"""Small Python values (options, control lists, requests) to R values.

Only for arguments: scalars, lists of scalars, dicts, numpy arrays and R objects.
Data frames go through :mod:`pylme.conversion.to_r`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pylme.conversion.rtypes import INT_MAX, INT_MIN
from pylme.runtime import rpy2_compat


def _ri() -> Any:
    import rpy2.rinterface as ri

    return ri


_STRSXP, _CE_UTF8 = 16, 1
#: From this many strings up, ASCII strings are cut out of one R string by R's substring().
_MANY_STRINGS = 64


def _cut_ascii(joined: str, strings: Sequence[str]) -> Any:
    """R's ``substring(joined, first, last)``: every string in one vectorized R call."""
    import rpy2.rinterface as ri

    ends = np.cumsum(np.fromiter(map(len, strings), np.int32, len(strings)), dtype=np.int32)
    firsts = ends - np.fromiter(map(len, strings), np.int32, len(strings)) + 1
    whole = ri.StrSexpVector([joined])
    return ri.baseenv["substring"](
        whole,
        ri.IntSexpVector.from_memoryview(firsts.data),
        ri.IntSexpVector.from_memoryview(ends.data),
    )


def str_vector(strings: Sequence[str]) -> Any:
    """An R character vector of ``strings`` (UTF-8), built through rpy2's C interface.

    About three times faster than ``StrSexpVector`` for the thousands of unique strings of
    a large string column. R strings cannot hold a NUL character, so one raises ValueError.
    """
    if not rpy2_compat.is_ready():  # R's C functions would crash before R starts
        raise RuntimeError("R is not started: call pylme.runtime.get_session() first")
    if len(strings) >= _MANY_STRINGS:
        joined = "".join(strings)
        if joined.isascii():  # one character is one byte: R's substring() cuts them all
            if "\x00" in joined:
                raise ValueError("R strings cannot contain the NUL character '\\x00'")
            return _cut_ascii(joined, strings)
    encoded = [s.encode("utf-8") for s in strings]
    if any(b"\x00" in b for b in encoded):
        raise ValueError("R strings cannot contain the NUL character '\\x00'")
    rlib = rpy2_compat.rlib()
    mkchar, set_elt = rlib.Rf_mkCharLenCE, rlib.SET_STRING_ELT
    with rpy2_compat.r_lock():
        vec = rlib.Rf_protect(rlib.Rf_allocVector(_STRSXP, len(encoded)))
        try:
            for i, b in enumerate(encoded):
                set_elt(vec, i, mkchar(b, len(b), _CE_UTF8))
            return rpy2_compat.wrap(vec)
        finally:
            rlib.Rf_unprotect(1)


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
        return str_vector(items)
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
