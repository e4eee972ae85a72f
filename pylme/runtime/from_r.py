"""R values (from pylme's own R functions) to plain Python values.

Numeric vectors become numpy arrays (copied out of R's memory; matrices and arrays keep
their shape), character vectors become tuples of ``str`` with ``None`` for NA, named lists
become dicts, and unnamed lists become lists. Anything else is returned as the R object.

The walk reads R's memory through rpy2's C interface (:mod:`pylme.runtime.rpy2_compat`) rather than
through rpy2 objects: a fit's result list has about a hundred small vectors, and wrapping
each in an rpy2 object (and asking R for its ``names()`` by an R call) cost more than the
copying. Every vector is reached from ``obj``, which rpy2 keeps protected, so nothing read
here can be collected while the walk runs; nothing here allocates in R.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.conversion.rtypes import INT_MIN
from pylme.runtime import rpy2_compat

# R's SEXPTYPE codes (Rinternals.h).
_NILSXP, _LGLSXP, _INTSXP, _REALSXP, _STRSXP, _VECSXP, _RAWSXP = 0, 10, 13, 14, 16, 19, 24


def _keys(names: tuple[str | None, ...]) -> list[str]:
    return ["NA" if n is None else n for n in names]


class _Reader:
    """Reads R vectors by their C pointers (``cdata``)."""

    def __init__(self) -> None:
        self.rlib = rpy2_compat.rlib()
        self.ffi = rpy2_compat.ffi()
        self.encodings = rpy2_compat.char_encodings()
        self.wrap = rpy2_compat.wrap
        self.names_sym = self.rlib.Rf_install(b"names")  # symbols are never collected
        self.dim_sym = self.rlib.R_DimSymbol
        self.na_string = self.rlib.R_NaString
        self.nil = self.rlib.R_NilValue

    def strings(self, cdata: Any) -> tuple[str | None, ...]:
        rlib, ffi, na, enc = self.rlib, self.ffi, self.na_string, self.encodings
        out: list[str | None] = []
        for i in range(rlib.Rf_xlength(cdata)):
            elt = rlib.STRING_ELT(cdata, i)
            if elt == na:
                out.append(None)
            else:
                out.append(ffi.string(rlib.R_CHAR(elt)).decode(enc[rlib.Rf_getCharCE(elt)]))
        return tuple(out)

    def _numbers(self, ptr: Any, n: int, size: int, dtype: type) -> np.ndarray:
        if n == 0:
            return np.empty(0, dtype)
        return np.frombuffer(self.ffi.buffer(ptr, n * size), dtype=dtype).copy()

    def _shaped(self, arr: np.ndarray, cdata: Any) -> np.ndarray:
        dim = self.rlib.Rf_getAttrib(cdata, self.dim_sym)
        if dim != self.nil:
            nd = self.rlib.Rf_xlength(dim)
            if nd > 1:
                dims = tuple(self._numbers(self.rlib.INTEGER(dim), nd, 4, np.int32).tolist())
                arr = arr.reshape(dims, order="F")
        return arr

    def value(self, cdata: Any) -> Any:
        rlib = self.rlib
        t = cdata.sxpinfo.type
        if t == _NILSXP:
            return None
        if t == _REALSXP:
            n = rlib.Rf_xlength(cdata)
            return self._shaped(self._numbers(rlib.REAL(cdata), n, 8, np.float64), cdata)
        if t == _LGLSXP:
            raw = self._numbers(rlib.LOGICAL(cdata), rlib.Rf_xlength(cdata), 4, np.int32)
            return self._shaped(raw.astype(bool), cdata)
        if t == _INTSXP:
            raw = self._numbers(rlib.INTEGER(cdata), rlib.Rf_xlength(cdata), 4, np.int32)
            na = raw == INT_MIN
            if na.any():
                out = raw.astype(np.float64)
                out[na] = np.nan
                return self._shaped(out, cdata)
            return self._shaped(raw.astype(np.int64), cdata)
        if t == _RAWSXP:
            n = rlib.Rf_xlength(cdata)
            return bytes(self.ffi.buffer(rlib.RAW(cdata), n)) if n else b""
        if t == _STRSXP:
            return self.strings(cdata)
        if t == _VECSXP:
            items = [self.value(rlib.VECTOR_ELT(cdata, i)) for i in range(rlib.Rf_xlength(cdata))]
            names = rlib.Rf_getAttrib(cdata, self.names_sym)
            if names == self.nil:
                return items
            return dict(zip(_keys(self.strings(names)), items))
        return self.wrap(cdata)


_reader: _Reader | None = None


def _get_reader() -> _Reader:
    global _reader
    if _reader is None:
        _reader = _Reader()
    return _reader


def from_r(obj: Any) -> Any:
    """The Python value of an R object (an rpy2 ``Sexp``); see the module docstring."""
    import rpy2.rinterface as ri

    if obj is ri.NULL or isinstance(obj, ri.NULLType):
        return None
    if not isinstance(obj, ri.Sexp):
        return obj
    return _get_reader().value(rpy2_compat.cdata(obj))


def r_names(obj: Any) -> tuple[str, ...]:
    """The ``names`` of an R object without an R call (empty when it has none)."""
    reader = _get_reader()
    names = reader.rlib.Rf_getAttrib(rpy2_compat.cdata(obj), reader.names_sym)
    if names == reader.nil:
        return ()
    return tuple(_keys(reader.strings(names)))
