"""Inputs that look odd but are valid fit as in R, with R's levels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import rref
from compare import check

import pylme


def _frame(labels, seed=3):
    rng = np.random.default_rng(seed)
    g = np.repeat(labels, 12)
    u = dict(zip(labels, rng.normal(scale=1.5, size=len(labels))))
    x = rng.normal(size=len(g))
    y = 1 + 0.5 * x + np.array([u[v] for v in g]) + rng.normal(size=len(g))
    return pd.DataFrame({"y": y, "x": x, "g": pd.array(g, dtype=object)})


def _na_levels():
    return _frame(["NA", "", "a", "b", "NAN"]), "y ~ x + (1 | g)"


def _non_ascii():
    d = _frame(["ü", "é", "日本", "Zürich", "a"])
    return d.rename(columns={"y": "größe", "g": "gruppe_ä"}), "größe ~ x + (1 | gruppe_ä)"


def _spaces():
    d = _frame(["a b", "c d", "e", "f g h"])
    return (
        d.rename(columns={"y": "reaction time", "x": "days slept", "g": "subject id"}),
        "`reaction time` ~ `days slept` + (1 | `subject id`)",
    )


def _nullable_strings():
    d = _frame(["a", "b", "c", "d", "e"])
    g = d["g"].astype("string")
    g[[0, 13, 30]] = pd.NA
    return d.assign(g=g), "y ~ x + (1 | g)"


def _float_nan():
    d = _frame(["a", "b", "c", "d", "e"])
    d.loc[[2, 17], "x"] = np.nan
    d.loc[40, "y"] = np.nan
    return d, "y ~ x + (1 | g)"


ODD = {
    "levels NA and empty": (_na_levels, 0),
    "non-ASCII names and levels": (_non_ascii, 0),
    "names with spaces": (_spaces, 0),
    "nullable string group with nulls": (_nullable_strings, 3),
    "float NaN": (_float_nan, 3),
}


@pytest.fixture(scope="module")
def references():
    cases = []
    for cid, (make, _) in ODD.items():
        d, formula = make()
        group = [c for c in d.columns if formula.count(c) and d[c].dtype != float][-1]
        cases.append(
            {
                "id": cid,
                "function": "lmer",
                "formula": formula,
                "data": d,
                "options": {},
                "as_factor": [group],
            }
        )
    return rref.reference_fits(cases)


@pytest.mark.parametrize("case", list(ODD))
def test_odd_but_valid(case, references):
    make, dropped = ODD[case]
    d, formula = make()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fit = pylme.lmer(formula, d)
    ref = references[case]
    assert "error" not in ref, ref.get("error")
    for quantity in ("fixef_terms", "fixef", "ranef_labels", "ranef_values", "nobs", "ngrps"):
        check(quantity, fit, ref)
    assert fit.n_dropped == dropped
    if dropped:
        assert any("rows had missing values" in str(w.message) for w in seen)


def test_na_and_empty_strings_are_levels(references):
    d, formula = _na_levels()
    fit = pylme.lmer(formula, d)
    assert set(fit.ranef["g"].levels) == {"NA", "", "a", "b", "NAN"}
    ref_levels = references["levels NA and empty"]["ranef"]["grp"]
    assert list(fit.ranef["g"].levels) == list(dict.fromkeys(ref_levels))
