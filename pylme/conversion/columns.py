"""One Arrow column to a :class:`ColumnPlan`: numpy buffers ready to copy into an R vector.

Pure Arrow and numpy, no R and no per-row Python work. Mapping (Arrow type -> R type):

=========================================  ==========================================
float16/32/64                              double; NaN and null become NA
int8/16, uint8/16, int32/int64/uint32/64   integer when every value fits R's integer
                                           range (-2^31 is R's NA, so it does not fit),
                                           otherwise double; a 64-bit value beyond
                                           2^53 raises :class:`DataError`
bool                                       logical, NA where null
dictionary (pandas categorical)            factor with the declared level order;
                                           ordered becomes an ordered factor
string / large_string                      factor whose levels R's ``factor()`` orders
                                           in the running session's collation
null (all missing)                         logical NA
date, time, timestamp, duration, decimal,  :class:`DataError` naming the column and type
binary, list, struct, map, ...
=========================================  ==========================================
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pylme.conversion.frames import scratch_pool
from pylme.conversion.rtypes import EXACT_DOUBLE, INT_MAX, INT_MIN
from pylme.errors import DataError


@dataclass
class ColumnPlan:
    """What one R vector will hold.

    values : np.ndarray
        shape (n,): the numbers to copy into the R vector, often a zero-copy view of the
        Arrow buffer (any alignment, any numeric dtype; the copy into R casts to R's type,
        so an integer or logical plan may hold int8..int64 or uint8 values, and a double
        plan may hold int64 values below 2^53). Positions in ``na`` hold arbitrary values.
        ``kind == "factor"``: R's 1-based codes once ``shift`` is added; ``kind ==
        "string"``: 0-based indices into ``levels`` (the unique strings).
    na : np.ndarray or None
        bool mask, shape (n,), of positions that become NA in R.
    """

    name: str
    kind: str  # "double" | "integer" | "logical" | "factor" | "string"
    values: np.ndarray
    na: np.ndarray | None
    arrow_type: str
    levels: tuple[str, ...] | None = None
    ordered: bool = False
    #: Added to ``values`` as they are copied into R (a categorical's 0-based codes + 1).
    shift: int = 0

    def r_values(self) -> np.ndarray:
        """The values as R stores them (float64 or int32), with 0 where ``na`` is set."""
        dtype = np.float64 if self.kind == "double" else np.int32
        out = np.array(self.values, dtype=dtype, copy=True, order="C")
        if self.shift:
            np.add(out, self.shift, out=out)
        if self.na is not None:
            out[self.na] = 0
        return out

    def update_digest(self, h: hashlib._Hash) -> None:
        h.update(f"{self.name}\x00{self.kind}\x00{self.ordered}\x00".encode())
        h.update(self.r_values().tobytes())
        if self.na is not None:
            h.update(np.packbits(self.na).tobytes())
        if self.levels is not None:
            h.update("\x00".join(self.levels).encode("utf-8", "surrogatepass"))


def _flat(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        if col.num_chunks == 1:
            return col.chunk(0)
        if pa.types.is_dictionary(col.type):
            col = col.unify_dictionaries(memory_pool=scratch_pool())
            if not col.num_chunks:
                return pa.array([], type=col.type)
            return pa.concat_arrays(col.chunks, memory_pool=scratch_pool())
        return col.combine_chunks(memory_pool=scratch_pool())
    return col


def _bits(buf: pa.Buffer | None, offset: int, n: int) -> np.ndarray:
    """An Arrow bitmap (validity or boolean values) as uint8 0/1, shape (n,)."""
    if n == 0 or buf is None:
        return np.zeros(n, np.uint8)
    packed = np.frombuffer(buf, np.uint8, count=(offset + n + 7) // 8)
    return np.unpackbits(packed, count=offset + n, bitorder="little")[offset:]


def _null_mask(arr: pa.Array) -> np.ndarray | None:
    if arr.null_count == 0:
        return None
    return _bits(arr.buffers()[0], arr.offset, len(arr)) == 0


def _numeric_values(arr: pa.Array) -> np.ndarray:
    """The value buffer of a fixed-width numeric array as a zero-copy numpy view.

    Arrow may hand buffers at any address (Dask's deserialized frames are not always
    aligned); numpy views them as they are, and the copy into R reads them correctly.
    Positions that are null hold whatever the buffer holds there.
    """
    dtype = np.dtype(arr.type.to_pandas_dtype())
    n = len(arr)
    buf = arr.buffers()[1]
    if n == 0 or buf is None:
        return np.empty(n, dtype)
    return np.frombuffer(buf, dtype, count=n, offset=arr.offset * dtype.itemsize)


def _double(name: str, arr: pa.Array) -> ColumnPlan:
    if arr.type != pa.float64():
        arr = arr.cast(pa.float64(), memory_pool=scratch_pool())
    values = _numeric_values(arr)
    na = np.isnan(values)
    nulls = _null_mask(arr)
    if nulls is not None:
        na |= nulls
    return ColumnPlan(name, "double", values, na if na.any() else None, str(arr.type))


def _integer(name: str, arr: pa.Array) -> ColumnPlan:
    t = arr.type
    if t.bit_width <= 16:
        return ColumnPlan(name, "integer", _numeric_values(arr), _null_mask(arr), str(t))
    mm = pc.min_max(arr).as_py()
    lo, hi = mm["min"], mm["max"]
    if lo is None or (lo > INT_MIN and hi <= INT_MAX):
        return ColumnPlan(name, "integer", _numeric_values(arr), _null_mask(arr), str(t))
    if lo < -EXACT_DOUBLE or hi > EXACT_DOUBLE:
        raise DataError(
            f"column {name!r} ({t}) holds values beyond 2^53 (range {lo}..{hi}), which neither "
            "R's integer "
            "nor its double can hold exactly. Rescale or convert the column."
        )
    return ColumnPlan(name, "double", _numeric_values(arr), _null_mask(arr), str(t))


def _logical(name: str, arr: pa.Array) -> ColumnPlan:
    values = _bits(arr.buffers()[1], arr.offset, len(arr))
    return ColumnPlan(name, "logical", values, _null_mask(arr), "bool")


def _level_strings(name: str, dictionary: pa.Array) -> tuple[str, ...]:
    t = dictionary.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        levels = dictionary.to_pylist()
    elif pa.types.is_integer(t):
        levels = [str(v) for v in dictionary.to_pylist()]
    elif pa.types.is_null(t):  # a categorical with no categories (pandas gives them no type)
        levels = dictionary.to_pylist()
    else:
        raise DataError(
            f"column {name!r} is a categorical with {t} categories; pylme supports string or "
            "integer "
            "categories. Convert the categories to strings first."
        )
    if any(v is None for v in levels):
        raise DataError(f"column {name!r} has a missing value among its categories")
    if len(set(levels)) != len(levels):
        raise DataError(f"column {name!r} has duplicated categories, which an R factor cannot hold")
    return tuple(levels)


def _factor(name: str, arr: pa.DictionaryArray) -> ColumnPlan:
    levels = _level_strings(name, arr.dictionary)
    idx = arr.indices
    codes = _numeric_values(idx)
    ordered = bool(arr.type.ordered)
    return ColumnPlan(
        name, "factor", codes, _null_mask(idx), str(arr.type), levels, ordered, shift=1
    )


def _string(name: str, arr: pa.Array) -> ColumnPlan:
    enc = pc.dictionary_encode(arr, memory_pool=scratch_pool())
    uniques = tuple(enc.dictionary.to_pylist())
    codes = _numeric_values(enc.indices)
    return ColumnPlan(name, "string", codes, _null_mask(enc.indices), str(arr.type), uniques)


def plan_column(name: str, col: pa.ChunkedArray | pa.Array) -> ColumnPlan:
    """Plan the R vector for one column, or raise :class:`DataError` for an unsupported type."""
    arr = _flat(col)
    t = arr.type
    if pa.types.is_floating(t):
        return _double(name, arr)
    if pa.types.is_integer(t):
        return _integer(name, arr)
    if pa.types.is_boolean(t):
        return _logical(name, arr)
    if pa.types.is_dictionary(t):
        return _factor(name, arr)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return _string(name, arr)
    if pa.types.is_null(t):
        n = len(arr)
        return ColumnPlan(name, "logical", np.zeros(n, np.int32), np.ones(n, bool), "null")
    raise DataError(
        f"column {name!r} has type {t}, which pylme does not send to R. Supported: numbers, "
        "booleans, "
        "strings and categoricals. Convert dates/times to numbers (for example days since a "
        "start date)."
    )
