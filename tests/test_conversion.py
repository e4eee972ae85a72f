"""Round trips through pylme.to_r: values, NA positions, R types, levels and their order."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rref

import pylme
from pylme.runtime import get_session
from pylme.runtime.from_r import from_r

STRINGS = ["b", "a", "B", "_x", "a b", "x10", "x9", "Z", "a"]


def r_view(frame):
    """What R sees: {column: (class, values as Python, is.na mask, levels or None)}."""
    ri = get_session().ri
    base = ri.baseenv
    out = {}
    names = list(frame.names)
    assert tuple(base["class"](frame)) == ("data.frame",)
    for i, name in enumerate(names):
        col = frame[i]
        cls = tuple(base["class"](col))
        na = from_r(base["is.na"](col))
        lev = base["levels"](col)
        levels = None if lev is ri.NULL else tuple(lev)
        values = from_r(base["unclass"](col))
        out[name] = (cls, values, np.asarray(na), levels)
    return out


def r_factor_levels(strings: list[str]) -> list[str]:
    """Levels that a separate pure-R process gives factor() for these strings."""
    code = "x <- jsonlite::fromJSON(file('stdin')); cat(jsonlite::toJSON(levels(factor(x))))"
    res = subprocess.run(
        [rref.rscript(), "-e", code],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout)


def frame_pandas():
    return pd.DataFrame(
        {
            "f64": [1.5, np.nan, -2.25, 3.0],
            "f32": np.array([1.0, 2.5, np.nan, 4.0], dtype=np.float32),
            "i8": np.array([1, -2, 3, 4], dtype=np.int8),
            "i32": np.array([1, 2, -3, 2**31 - 1], dtype=np.int32),
            "i64_fits": np.array([1, 2, 3, -(2**31) + 1], dtype=np.int64),
            "i64_big": np.array([1, 2, 2**40, -(2**31)], dtype=np.int64),
            "boolean": [True, False, True, False],
            "nullable_int": pd.array([1, None, 3, None], dtype="Int64"),
            "nullable_bool": pd.array([True, None, False, True], dtype="boolean"),
            "nullable_float": pd.array([0.5, None, 2.0, np.nan], dtype="Float64"),
            "cat": pd.Categorical(["lo", "hi", None, "lo"], categories=["lo", "hi", "unused"]),
            "ordered": pd.Categorical(
                ["b", "c", "a", "b"], categories=["c", "b", "a"], ordered=True
            ),
            "strings": pd.array(["b", "_x", None, "A"], dtype=object),
            "int_cats": pd.Categorical([3, 1, 2, 3], categories=[3, 1, 2]),
        }
    )


def test_pandas_types_values_and_na():
    v = r_view(pylme.to_r(frame_pandas()))
    cls, vals, na, _ = v["f64"]
    assert cls == ("numeric",) and list(na) == [False, True, False, False]
    assert vals[0] == 1.5 and vals[2] == -2.25
    assert v["f32"][0] == ("numeric",) and list(v["f32"][2]) == [False, False, True, False]
    assert v["i8"][0] == ("integer",) and list(v["i8"][1]) == [1, -2, 3, 4]
    assert v["i32"][0] == ("integer",) and v["i32"][1][3] == 2**31 - 1
    assert v["i64_fits"][0] == ("integer",) and v["i64_fits"][1][3] == -(2**31) + 1
    # -2^31 is R's integer NA, 2^40 does not fit: the column becomes double, exactly.
    assert v["i64_big"][0] == ("numeric",) and list(v["i64_big"][1]) == [1, 2, 2**40, -(2**31)]
    assert not v["i64_big"][2].any()
    assert v["boolean"][0] == ("logical",) and list(v["boolean"][1]) == [True, False, True, False]
    assert v["nullable_int"][0] == ("integer",) and list(v["nullable_int"][2]) == [
        False,
        True,
        False,
        True,
    ]
    assert v["nullable_bool"][0] == ("logical",) and list(v["nullable_bool"][2]) == [
        False,
        True,
        False,
        False,
    ]
    assert list(v["nullable_float"][2]) == [False, True, False, True]


def test_nan_becomes_r_na_not_nan():
    ri = get_session().ri
    frame = pylme.to_r(pd.DataFrame({"x": [np.nan, 1.0]}))
    assert list(from_r(ri.baseenv["is.nan"](frame[0]))) == [False, False]  # NA, not NaN
    assert list(from_r(ri.baseenv["is.na"](frame[0]))) == [True, False]


def test_categoricals_keep_declared_order_and_ordered_flag():
    v = r_view(pylme.to_r(frame_pandas()))
    cls, codes, na, levels = v["cat"]
    assert cls == ("factor",) and levels == ("lo", "hi", "unused")
    assert list(na) == [False, False, True, False] and codes[0] == 1 and codes[1] == 2
    cls, codes, _, levels = v["ordered"]
    assert cls == ("ordered", "factor") and levels == ("c", "b", "a")
    assert list(codes) == [2, 1, 3, 2]
    assert v["int_cats"][3] == ("3", "1", "2")


def test_string_levels_are_r_factor_levels():
    frame = pylme.to_r(pd.DataFrame({"s": pd.array(STRINGS, dtype=object)}))
    cls, codes, na, levels = r_view(frame)["s"]
    expected = r_factor_levels(STRINGS)
    assert cls == ("factor",)
    assert list(levels) == expected
    assert [levels[c - 1] for c in codes] == STRINGS  # every row keeps its label


def test_string_levels_in_running_session_match_factor_on_full_column():
    ri = get_session().ri
    frame = pylme.to_r(pd.DataFrame({"s": pd.array(STRINGS, dtype=object)}))
    direct = ri.baseenv["factor"](ri.StrSexpVector(STRINGS))
    assert tuple(ri.baseenv["levels"](direct)) == tuple(ri.baseenv["levels"](frame[0]))
    assert list(from_r(ri.baseenv["unclass"](direct))) == list(
        from_r(ri.baseenv["unclass"](frame[0]))
    )


def test_string_na_positions():
    cls, codes, na, levels = r_view(pylme.to_r(frame_pandas()))["strings"]
    assert list(na) == [False, False, True, False]
    assert [levels[int(c) - 1] for c, n in zip(codes, na) if not n] == ["b", "_x", "A"]


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_same_r_frame_from_every_library(kind):
    pdf = pd.DataFrame(
        {
            "x": [1.0, None, 3.0],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "b": [True, False, True],
            "s": ["b", "a", "B"],
            "c": pd.Categorical(["z", "a", "z"], categories=["z", "a"]),
        }
    )
    if kind == "pandas":
        data = pdf
    elif kind == "pyarrow":
        data = pa.Table.from_pandas(pdf, preserve_index=False)
    else:
        data = pl.DataFrame(
            {
                "x": [1.0, None, 3.0],
                "n": pl.Series([1, None, 3], dtype=pl.Int64),
                "b": [True, False, True],
                "s": ["b", "a", "B"],
                "c": pl.Series(["z", "a", "z"], dtype=pl.Enum(["z", "a"])),
            }
        )
    v = r_view(pylme.to_r(data))
    assert v["x"][0] == ("numeric",) and list(v["x"][2]) == [False, True, False]
    assert v["n"][0] == ("integer",) and list(v["n"][2]) == [False, True, False]
    assert v["b"][0] == ("logical",)
    assert list(v["s"][3]) == r_factor_levels(["b", "a", "B"])
    assert v["c"][3] == ("z", "a") and list(v["c"][1]) == [1, 2, 1]


def test_polars_categorical_levels_follow_r():
    data = pl.DataFrame({"c": pl.Series(["b", "a", "B"], dtype=pl.Categorical)})
    assert list(r_view(pylme.to_r(data))["c"][3]) == r_factor_levels(["b", "a", "B"])


def test_chunked_arrow_with_different_dictionaries():
    a = pa.chunked_array(
        [
            pa.array(["x", "y"]).dictionary_encode(),
            pa.array(["z", "x"]).dictionary_encode(),
        ]
    )
    v = r_view(pylme.to_r(pa.table({"d": a})))
    levels = v["d"][3]
    assert [levels[c - 1] for c in v["d"][1]] == ["x", "y", "z", "x"]


def test_only_named_columns_are_sent():
    frame = pylme.to_r(frame_pandas(), columns=["f64", "cat"])
    assert tuple(frame.names) == ("f64", "cat")


@pytest.mark.parametrize(
    "column, dtype",
    [
        (pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"])), "timestamp"),
        (pd.Series([b"a", b"b"]), "binary"),
        (pd.Series([[1], [2, 3]]), "list"),
    ],
)
def test_unsupported_types_name_the_column(column, dtype):
    with pytest.raises(pylme.DataError, match=f"column 'bad'.*{dtype}"):
        pylme.to_r(pd.DataFrame({"bad": column}))


def test_int64_beyond_double_precision_is_an_error():
    with pytest.raises(pylme.DataError, match="column 'big'.*2\\^53"):
        pylme.to_r(pd.DataFrame({"big": np.array([1, 2**60], dtype=np.int64)}))


def test_mixed_object_column_is_an_error():
    with pytest.raises(pylme.DataError, match="column 'mixed'"):
        pylme.to_r(pd.DataFrame({"mixed": pd.array(["a", 1], dtype=object)}))
