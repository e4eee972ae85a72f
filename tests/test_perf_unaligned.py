"""Buffers at unaligned addresses (as frames deserialized by Dask can be) convert exactly.

Each test builds the same data twice, once in ordinary (aligned) memory and once with every
buffer at an odd address, and checks that R receives identical objects and that lme4 fits
them to the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import assert_close

import pylme
from pylme.runtime import get_session


def _shifted(data: bytes) -> pa.Buffer:
    """A copy of ``data`` in a pyarrow buffer whose address is 1 mod 8."""
    store = bytearray(len(data) + 16)
    whole = pa.py_buffer(store)  # zero-copy: the buffer is the bytearray's memory
    pad = (1 - whole.address) % 8
    store[pad : pad + len(data)] = data
    return whole.slice(pad, len(data))


def odd(data: bytes | np.ndarray) -> pa.Buffer:
    b = data.tobytes() if isinstance(data, np.ndarray) else data
    buf = _shifted(b)
    assert buf.address % 8 == 1 and buf.to_pybytes() == b
    return buf


def validity(mask_valid: np.ndarray) -> pa.Buffer:
    return odd(np.packbits(mask_valid, bitorder="little"))


def unaligned_copy(arr: pa.Array) -> pa.Array:
    """The same array, rebuilt with every buffer at an odd address."""
    if isinstance(arr, pa.DictionaryArray):
        return pa.DictionaryArray.from_arrays(unaligned_copy(arr.indices), arr.dictionary)
    bufs = [None if b is None else odd(b.to_pybytes()) for b in arr.buffers()]
    out = pa.Array.from_buffers(arr.type, len(arr), bufs, arr.null_count, arr.offset)
    out.validate(full=True)
    return out


def table_pair() -> tuple[pa.Table, pa.Table]:
    """The same columns (sliced by one row) in aligned and in unaligned memory."""
    rng = np.random.default_rng(1)
    n = 101
    valid = rng.random(n) > 0.2
    f = rng.normal(size=n)
    f[3] = np.nan
    cols = {
        "f64": pa.array(f, from_pandas=True),
        "f64_null": pa.array(np.where(valid, f, np.nan), mask=~valid),
        "f32": pa.array(f.astype(np.float32)),
        "i8": pa.array(rng.integers(-100, 100, n).astype(np.int8)),
        "i32": pa.array(rng.integers(-(2**31) + 1, 2**31 - 1, n).astype(np.int32), mask=~valid),
        "i64": pa.array(rng.integers(-(10**6), 10**6, n), mask=~valid),
        "i64_big": pa.array(rng.integers(-(2**40), 2**40, n)),
        "u64": pa.array(rng.integers(0, 10**6, n).astype(np.uint64)),
        "flag": pa.array(rng.random(n) < 0.5, mask=~valid),
        "s": pa.array([f"g{i % 7}" if v else None for i, v in enumerate(valid)]),
        "cat": pa.array([f"c{i % 5}" for i in range(n)]).dictionary_encode(),
    }
    sliced = {k: v.slice(1) for k, v in cols.items()}  # a non-zero Arrow offset as well
    odd_cols = {k: unaligned_copy(v) for k, v in sliced.items()}
    return pa.table(sliced), pa.table(odd_cols)


def r_identical(a, b) -> bool:
    ri = get_session().ri
    return bool(ri.baseenv["identical"](a, b)[0])


def test_the_buffers_are_really_unaligned_and_rpy2_rejects_them():
    """The situation the fix is for: rpy2's from_memoryview refuses such memory."""
    ri = get_session().ri
    _, odd_table = table_pair()
    values = odd_table.column("f64").chunk(0).buffers()[1]
    assert values.address % 8 == 1
    view = np.frombuffer(values, np.float64, count=len(odd_table))
    assert not view.flags["ALIGNED"]
    with pytest.raises(ValueError, match="Incompatible C type sizes"):
        ri.FloatSexpVector.from_memoryview(view.data)


def test_arrow_unaligned_buffers_convert_identically():
    sliced, odd_table = table_pair()
    expected = pylme.to_r(sliced)
    got = pylme.to_r(odd_table)
    assert r_identical(got, expected)
    # and the comparison can fail: a changed value is seen
    changed = odd_table.set_column(0, "f64", pa.array(np.zeros(len(odd_table))))
    assert not r_identical(pylme.to_r(changed), expected)


def test_pandas_columns_in_unaligned_memory_convert_identically():
    rng = np.random.default_rng(2)
    n = 50
    x = rng.normal(size=n)
    k = rng.integers(0, 1000, n)
    odd_x = np.frombuffer(odd(x), np.float64)
    odd_k = np.frombuffer(odd(k), np.int64)
    assert not odd_x.flags["ALIGNED"] and not odd_k.flags["ALIGNED"]
    aligned = pd.DataFrame({"x": x, "k": k})
    unaligned = pd.DataFrame({"x": odd_x, "k": odd_k}, copy=False)
    assert r_identical(pylme.to_r(unaligned), pylme.to_r(aligned))


def test_lmer_on_unaligned_columns_matches_aligned(sleepstudy):
    t = pa.Table.from_pandas(sleepstudy, preserve_index=False)
    odd_t = pa.table({name: unaligned_copy(t.column(name).chunk(0)) for name in t.column_names})
    assert odd_t.column("Reaction").chunk(0).buffers()[1].address % 8 == 1
    formula = "Reaction ~ Days + (Days | Subject)"
    a = pylme.lmer(formula, t)
    b = pylme.lmer(formula, odd_t)
    assert b.provenance.data_sha256 == a.provenance.data_sha256
    assert_close(b.fixef.estimate, a.fixef.estimate, what="fixef")
    assert_close(b.varcorr.vcov, a.varcorr.vcov, what="varcorr")
    assert_close(b.ranef["Subject"].modes, a.ranef["Subject"].modes, what="ranef")
    assert_close(b.fitted, a.fitted, what="fitted")
