"""Property: whatever frame pylme.to_r is given, R sees what the frame holds.

Frames of every column kind (props_columns.py) go through ``pylme.to_r``; R's own view of
each column (class, levels and their order, NA positions, values; r_scripts/props.R) must
equal the expectation worked out in Python from the raw values (props_frames.py). The
levels of string columns are R's ``factor()`` order, asked of R with the strings sent by
rpy2 itself. Shrunk failures are kept below as plain regression tests.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from props_check import check_column, check_frame, r_summary
from props_columns import frames
from props_csv import read_in_pure_r, same_view
from props_frames import Column, Expect, expect_factor, expect_float, expect_int

import pylme


def _check(drawn) -> None:
    lib, n, data, cols = drawn
    if any(c.expect.error for c in cols):
        with pytest.raises(pylme.DataError, match="2\\^53"):
            pylme.to_r(data)
        return
    check_frame(r_summary(pylme.to_r(data)), cols, n)


@given(frames())
def test_r_sees_what_the_frame_holds(drawn):
    _check(drawn)


#: One Rscript process per example, so a tenth of the profile's examples.
PURE_R_EXAMPLES = max(1, settings.default.max_examples // 10)


@settings(max_examples=PURE_R_EXAMPLES)
@given(frames(max_rows=300))
def test_a_pure_r_read_of_the_same_values_sees_the_same(drawn):
    lib, n, data, cols = drawn
    if any(c.expect.error for c in cols):
        return  # the first property checks the DataError
    embedded = r_summary(pylme.to_r(data))
    with tempfile.TemporaryDirectory() as folder:
        pure = read_in_pure_r(cols, n, Path(folder))
    assert same_view(embedded, pure) == []


# -- the check can fail ------------------------------------------------------------------


def _one(name, data, expect, kind="double"):
    col = Column(name, data, expect, kind)
    return r_summary(pylme.to_r(pd.DataFrame({name: data}))), col


def test_check_sees_a_wrong_value_na_class_or_level():
    raw = [1.5, None, -0.0]
    view, col = _one("x", np.array([1.5, np.nan, -0.0]), expect_float(raw))
    check_frame(view, [col], 3)
    wrong = [
        Expect(("numeric",), col.expect.na, np.array([1.5, 0.0, 0.0])),  # -0.0 is not 0.0
        Expect(("numeric",), np.array([False, False, True]), col.expect.values),
        Expect(("integer",), col.expect.na, col.expect.values),
    ]
    for e in wrong:
        with pytest.raises(AssertionError):
            check_column(Column("x", None, e, "double"), view["columns"][0], 3)
    cat = pd.Categorical(["b", None, "a"], categories=["b", "a", "c"])
    view, col = _one("c", cat, expect_factor(["b", None, "a"], ("b", "a", "c")), "factor")
    check_frame(view, [col], 3)
    for e in (
        expect_factor(["b", None, "a"], ("a", "b", "c")),
        expect_factor(["b", None, "b"], ("b", "a", "c")),
        expect_factor(["b", None, "a"], None),  # R's sorted order is a, b
    ):
        with pytest.raises(AssertionError):
            check_column(Column("c", None, e, "factor"), view["columns"][0], 3)
    with pytest.raises(AssertionError):
        check_frame(view, [col], 4)


def test_int_expectation_follows_r_integer_range():
    # .Machine$integer.max is 2147483647; -2147483648 is NA_integer_ in R.
    assert expect_int([2**31 - 1, None]).rclass == ("integer",)
    assert expect_int([-(2**31)]).rclass == ("numeric",)
    assert expect_int([2**53]).rclass == ("numeric",) and expect_int([2**53 + 1]).error


# -- regressions: failures hypothesis found and shrank -----------------------------------


@pytest.mark.parametrize("values", [[], [None, None]])
def test_categorical_with_no_categories_is_a_factor_with_no_levels(values):
    # Shrunk: pd.Categorical([], categories=[]) has categories of no type (Arrow's null
    # dictionary), and pylme refused it. R: factor(c(NA, NA)) has levels character(0).
    cat = pd.Categorical(values, categories=[])
    view, col = _one("c", cat, expect_factor(values, ()), "factor")
    check_frame(view, [col], len(values))


@pytest.mark.parametrize("strings", [["\x1f", ""], ["", "\x1f"], ["a", "\x1fa", "a"]])
def test_levels_of_strings_the_collation_ties_follow_row_order(strings):
    # Shrunk: R's collation ties "" and "\x1f", and sort() keeps tied strings in the order
    # they come, so factor()'s levels follow the rows. A pure-R process agrees with pylme.
    from test_conversion import r_factor_levels

    view, col = _one("s", pd.array(strings, dtype=object), expect_factor(strings, None), "string")
    check_frame(view, [col], len(strings))
    assert list(view["columns"][0]["levels"]) == r_factor_levels(strings)


def test_pure_r_comparison_sees_a_wrong_value(tmp_path):
    raw = [0.1, None, 2.0]
    col = Column("x", None, expect_float(raw), "double")
    embedded = r_summary(pylme.to_r(pd.DataFrame({"x": raw}, dtype=float)))
    assert same_view(embedded, read_in_pure_r([col], 3, tmp_path)) == []
    col.expect.values[2] = np.nextafter(2.0, 3.0)  # one ulp off
    assert same_view(embedded, read_in_pure_r([col], 3, tmp_path)) == ["column 'x': values"]
    col.expect.na[0] = True
    assert "column 'x': na" in same_view(embedded, read_in_pure_r([col], 3, tmp_path))
