"""Property: whatever frame pylme.to_r is given, R sees what the frame holds.

Frames of every column kind (props_columns.py) go through ``pylme.to_r``; R's own view of
each column (class, levels and their order, NA positions, values; r_scripts/props.R) must
equal the expectation worked out in Python from the raw values (props_frames.py). The
levels of string columns are R's ``factor()`` order, asked of R with the strings sent by
rpy2 itself. Shrunk failures are kept below as plain regression tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from props_check import check_column, check_frame, r_summary
from props_columns import frames
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
