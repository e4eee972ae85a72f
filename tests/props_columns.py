"""Hypothesis strategies for columns of every kind pylme takes, as pandas, pyarrow or polars,
and whole frames of them (see props_frames.py for the values and the expectations)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
from hypothesis import strategies as st
from props_frames import (
    ALPHABET,
    INT_TYPES,
    MAX_ROWS,
    STRINGS,
    Column,
    _int_pool,
    _spread,
    expect_bool,
    expect_factor,
    expect_float,
    expect_int,
)

LIBRARIES = ["pandas", "pyarrow", "polars"]
PL_INT = {t: getattr(pl, t.capitalize().replace("Uint", "UInt")) for t in INT_TYPES}


def _arrow(draw: Any, build: Any, raw: list, dictionary: bool = False) -> Any:
    """A pyarrow column of ``raw`` built by ``build``: whole, sliced (non-zero offset) or
    split into chunks (dictionary chunks may each carry their own dictionary)."""
    how = draw(st.sampled_from(["whole", "sliced", "chunked"]))
    n = len(raw)
    if how == "sliced" and n:
        k = draw(st.integers(1, min(n, 9)))
        return pa.concat_arrays([build(raw[:k]), build(raw)]).slice(k)
    if how == "chunked":
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=4)))
        bounds = [0, *cuts, n]
        chunks = [build(raw[a:b]) for a, b in zip(bounds, bounds[1:])]
        return pa.chunked_array(chunks, type=chunks[0].type)
    return build(raw)


@st.composite
def float_column(draw: Any, lib: str, n: int) -> tuple[Any, Any, str]:
    width = draw(st.sampled_from([32, 64] if lib == "polars" else [16, 32, 64]))
    nullable = lib != "pandas" or draw(st.booleans())
    raw = _spread(draw, st.floats(width=width), n, nullable)
    np_dtype = {16: np.float16, 32: np.float32, 64: np.float64}[width]
    if lib == "polars":
        data: Any = pl.Series(raw, dtype=pl.Float32 if width == 32 else pl.Float64)
    elif lib == "pyarrow":

        def build(part: list) -> pa.Array:
            vals = np.array([0.0 if v is None else v for v in part], dtype=np_dtype)
            return pa.array(vals, mask=np.array([v is None for v in part], bool))

        data = _arrow(draw, build, raw)
    elif nullable and width != 16:
        data = pd.array(raw, dtype=f"Float{width}")
    else:
        data = np.array([np.nan if v is None else v for v in raw], dtype=np_dtype)
    return data, expect_float(raw), "double"


@st.composite
def int_column(draw: Any, lib: str, n: int) -> tuple[Any, Any, str]:
    dtype = draw(st.sampled_from(INT_TYPES))
    nullable = lib != "pandas" or draw(st.booleans())
    raw = _spread(draw, _int_pool(dtype), n, nullable)
    if lib == "polars":
        data: Any = pl.Series(raw, dtype=PL_INT[dtype])
    elif lib == "pyarrow":
        data = _arrow(draw, lambda part: pa.array(part, type=pa.from_numpy_dtype(dtype)), raw)
    elif nullable:
        data = pd.array(raw, dtype=dtype.capitalize().replace("Uint", "UInt"))
    else:
        data = np.array(raw, dtype=dtype)
    return data, expect_int(raw), "integer"


@st.composite
def bool_column(draw: Any, lib: str, n: int) -> tuple[Any, Any, str]:
    nullable = lib != "pandas" or draw(st.booleans())
    raw = _spread(draw, st.booleans(), n, nullable)
    if lib == "polars":
        data: Any = pl.Series(raw, dtype=pl.Boolean)
    elif lib == "pyarrow":
        data = _arrow(draw, lambda part: pa.array(part, type=pa.bool_()), raw)
    else:
        data = pd.array(raw, dtype="boolean") if nullable else np.array(raw, dtype=bool)
    return data, expect_bool(raw), "logical"


@st.composite
def string_column(draw: Any, lib: str, n: int) -> tuple[Any, Any, str]:
    raw = _spread(draw, STRINGS, n, nullable=True)
    if lib == "polars":
        cat = draw(st.booleans())
        data: Any = pl.Series(raw, dtype=pl.Categorical if cat else pl.String)
    elif lib == "pyarrow":
        t = draw(st.sampled_from([pa.string(), pa.large_string(), pa.string_view()]))
        data = _arrow(draw, lambda part: pa.array(part, type=t), raw)
    else:
        dtype = draw(st.sampled_from(["object", "string[python]", "string[pyarrow]", "str"]))
        data = pd.array(raw, dtype=dtype)
        if dtype == "object" and all(v is None for v in raw):
            # No string at all: pandas cannot tell the type; it goes as Arrow's null type,
            # which is R's logical NA (as R's read.csv reads an empty column).
            return data, expect_bool([None] * n), "logical"
    return data, expect_factor(raw, None), "string"


@st.composite
def categorical_column(draw: Any, lib: str, n: int) -> tuple[Any, Any, str]:
    ints = lib == "pandas" and draw(st.booleans())
    cats_strategy = st.integers(-(10**6), 10**6) if ints else STRINGS
    cats = draw(
        st.lists(cats_strategy, min_size=1 if lib == "polars" else 0, max_size=8, unique=True)
    )
    ordered = True if lib == "polars" else draw(st.booleans())  # polars Enum is ordered
    raw = _spread(draw, st.sampled_from(cats), n, True) if cats else [None] * n
    levels = tuple(str(c) for c in cats)
    expect = expect_factor([None if v is None else str(v) for v in raw], levels, ordered)
    if lib == "polars":
        return pl.Series(raw, dtype=pl.Enum(cats)), expect, "factor"
    if lib == "pandas":
        return pd.Categorical(raw, categories=cats, ordered=ordered), expect, "factor"
    index_type = draw(st.sampled_from([pa.int8(), pa.int16(), pa.int32(), pa.int64()]))
    value_type = draw(st.sampled_from([pa.string(), pa.large_string()]))
    pos = {c: i for i, c in enumerate(cats)}

    def build(part: list) -> pa.Array:
        idx = pa.array([None if v is None else pos[v] for v in part], type=index_type)
        return pa.DictionaryArray.from_arrays(idx, pa.array(cats, value_type), ordered=ordered)

    if draw(st.booleans()):
        return _arrow(draw, build, raw), expect, "factor"
    # Each chunk encodes its own values: R's levels are the chunks' dictionaries in turn.
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=1, max_size=3)))
    parts = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, n])]
    chunks = [pa.array(p, type=value_type).dictionary_encode() for p in parts]
    union = list(dict.fromkeys(v for c in chunks for v in c.dictionary.to_pylist()))
    return pa.chunked_array(chunks), expect_factor(raw, tuple(union)), "factor"


KINDS = [float_column, int_column, bool_column, string_column, categorical_column]


@st.composite
def frames(draw: Any, max_rows: int = MAX_ROWS) -> tuple[str, int, Any, list[Column]]:
    """(library, rows, frame, columns in frame order)."""
    lib = draw(st.sampled_from(LIBRARIES))
    n = draw(st.one_of(st.integers(0, 12), st.integers(0, max_rows)))
    k = draw(st.integers(1, 6))
    names = draw(
        st.lists(st.text(ALPHABET, min_size=1, max_size=6), min_size=k, max_size=k, unique=True)
    )
    cols = []
    for name in names:
        data, expect, kind = draw(draw(st.sampled_from(KINDS))(lib, n))
        cols.append(Column(name, data, expect, kind))
    cols = draw(st.permutations(cols))
    return lib, n, make_frame(lib, cols), cols


def make_frame(lib: str, cols: list[Column]) -> Any:
    if lib == "polars":
        return pl.DataFrame([c.data.alias(c.name) for c in cols])
    if lib == "pyarrow":
        return pa.table({c.name: c.data for c in cols})
    return pd.DataFrame({c.name: c.data for c in cols})
