"""Hypothesis strategies for frames, and what R must see for each column, worked out in Python.

A frame is drawn as a list of column specs, each with its raw values (``None`` for a null)
and the Python-side expectation, which is computed from the raw values alone (never from
pylme's conversion code): R's class, the NA mask, the values, and for factors the label of
each row and the levels in order. Columns become pandas, pyarrow (plain, sliced, chunked,
dictionary, large_string, string_view) or polars columns of many types.

Row values come from a small pool that hypothesis draws (boundary and odd values included),
spread over up to 2,000 rows by a numpy generator seeded by hypothesis, so that big frames
stay cheap to draw and a failure still shrinks (to fewer rows, smaller pools, seed 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

#: R's integer range: ``.Machine$integer.max``; ``-.Machine$integer.max - 1`` is NA_integer_.
R_INT_MAX = 2**31 - 1
#: Integers a double holds exactly: ``2^53`` (``.Machine$double.digits`` is 53).
EXACT = 2**53
MAX_ROWS = 2000

INT_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
#: Characters hypothesis may put in strings: any but NUL (R strings cannot hold it), the
#: surrogates (not valid UTF-8) and U+E000, the CSV reference's NA marker.
ALPHABET = st.characters(exclude_categories=("Cs",), exclude_characters="\x00\ue000")
ODD_STRINGS = ["", "NA", "na", "NaN", "NULL", " ", "a b", "Z", "z", "é", "e", "ß", "İ", "日本"]
STRINGS = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.text(ALPHABET, max_size=8),
    st.builds(lambda s, k: s * k, st.text(ALPHABET, min_size=1, max_size=4), st.integers(50, 300)),
)


@dataclass
class Expect:
    """What R must see for one column."""

    rclass: tuple[str, ...]
    na: np.ndarray  # bool, shape (n,)
    values: np.ndarray | None = None  # numeric/integer/logical: shape (n,), any at NA
    labels: list[str | None] | None = None  # factor: each row's label, None at NA
    levels: tuple[str, ...] | None = None  # factor with declared levels
    r_sorted: bool = False  # factor whose levels are R's factor() order of the labels
    error: bool = False  # pylme must raise DataError (an integer beyond 2^53)


@dataclass
class Column:
    name: str
    data: Any  # a pandas Series/array, pyarrow Array/ChunkedArray or polars Series
    expect: Expect
    kind: str  # for the CSV reference: double, integer, logical, factor, string


def _int_pool(dtype: str) -> st.SearchStrategy[int]:
    info = np.iinfo(dtype)
    edges = [0, 1, -1, info.min, info.max, R_INT_MAX, R_INT_MAX + 1, -R_INT_MAX, -R_INT_MAX - 1]
    edges += [EXACT, EXACT + 1, -EXACT, -EXACT - 1]
    edges = [v for v in edges if info.min <= v <= info.max]
    return st.one_of(st.sampled_from(edges), st.integers(int(info.min), int(info.max)))


def _spread(draw: Any, pool_strategy: st.SearchStrategy, n: int, nullable: bool) -> list:
    """n values from a drawn pool, with nulls (None) where ``nullable``."""
    pool = draw(st.lists(pool_strategy, min_size=1, max_size=6))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    picks = [pool[i] for i in rng.integers(0, len(pool), n)]
    if nullable:
        p_null = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
        nulls = rng.random(n) < p_null
        picks = [None if z else v for v, z in zip(picks, nulls)]
    return picks


def _null_mask(raw: list) -> np.ndarray:
    return np.array([v is None for v in raw], dtype=bool)


def expect_float(raw: list) -> Expect:
    vals = np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)
    return Expect(("numeric",), np.isnan(vals), vals)


def expect_int(raw: list) -> Expect:
    present = [v for v in raw if v is not None]
    na = _null_mask(raw)
    if all(-R_INT_MAX <= v <= R_INT_MAX for v in present):
        return Expect(("integer",), na, np.array([0 if v is None else v for v in raw], np.int64))
    if all(abs(v) <= EXACT for v in present):
        vals = np.array([0.0 if v is None else float(v) for v in raw], np.float64)
        return Expect(("numeric",), na, vals)
    return Expect(("numeric",), na, error=True)


def expect_bool(raw: list) -> Expect:
    return Expect(("logical",), _null_mask(raw), np.array([bool(v) for v in raw], np.int64))


def expect_factor(raw: list, levels: tuple[str, ...] | None, ordered: bool = False) -> Expect:
    cls = ("ordered", "factor") if ordered else ("factor",)
    return Expect(cls, _null_mask(raw), labels=list(raw), levels=levels, r_sorted=levels is None)
