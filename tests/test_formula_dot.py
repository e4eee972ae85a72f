"""R's '.' in a formula (issue 23, item 10): every other column of the data, as lme4 expands
it; compared quantity by quantity with the same formula fitted in pure R on the same frame."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import rref
from compare import QUANTITIES, check

import pylme


def sleep_x2():
    d = rref.r_dataset("lme4", "sleepstudy")
    return d.assign(x2=d["Days"] ** 2)


CASES = {
    # id -> (function, formula, frame, options)
    "lmer_dot_minus": ("lmer", "Reaction ~ . - Subject + (1 | Subject)", sleep_x2, {}),
    "lmer_dot_ml": (
        "lmer",
        "Reaction ~ . - Subject + (Days | Subject)",
        sleep_x2,
        {"REML": False},
    ),
    "glmer_dot": (
        "glmer",
        "cbind(incidence, size - incidence) ~ . - herd + (1 | herd)",
        lambda: rref.r_dataset("lme4", "cbpp"),
        {"family": "binomial"},
    ),
}
#: glmer's Laplace fit agrees with a separate R run to ~1e-7 (the optimizer's tolerance).
GLMM_RTOL = 1e-6


@pytest.fixture(scope="module")
def references():
    cases = [
        {"id": cid, "function": fn, "formula": f, "data": make(), "options": opts}
        for cid, (fn, f, make, opts) in CASES.items()
    ]
    return rref.reference_fits(cases)


@pytest.fixture(scope="module")
def fits():
    out = {}
    for cid, (fn, formula, make, opts) in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pylme.PylmeWarning)
            out[cid] = getattr(pylme, fn)(formula, make(), **opts)
    return out


#: (case, quantity) pairs; a GLMM has no REML criterion.
PAIRS = [
    (c, q)
    for c in CASES
    for q in QUANTITIES
    if not (c.startswith("glmer") and q == "reml_criterion")
]


@pytest.mark.parametrize(("case", "quantity"), PAIRS)
def test_dot_matches_pure_r(case, quantity, fits, references):
    ref = references[case]
    assert "error" not in ref, ref.get("error")
    check(quantity, fits[case], ref, GLMM_RTOL if case.startswith("glmer") else 1e-8)


def test_dot_expands_to_the_other_columns(fits, references):
    # R: names(fixef(lmer(Reaction ~ . - Subject + (1 | Subject), d))) with d's x2 column
    assert list(fits["lmer_dot_minus"].fixef.terms) == ["(Intercept)", "Days", "x2"]
    assert fits["lmer_dot_minus"].provenance.columns == ("Reaction", "Subject", "Days", "x2")


def test_the_check_sees_a_column_left_out(references):
    """Without x2 the fit differs from R's '.' fit: the comparison would catch a '.' that
    dropped a column."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        fewer = pylme.lmer("Reaction ~ Days + (1 | Subject)", sleep_x2())
    with pytest.raises(AssertionError):
        check("fixef_terms", fewer, references["lmer_dot_minus"])


def test_dot_with_array_weights_is_a_formula_error():
    d = sleep_x2()
    with pytest.raises(pylme.FormulaError, match="give weights as a column name"):
        pylme.lmer("Reaction ~ . - Subject + (1 | Subject)", d, weights=np.ones(len(d)))
