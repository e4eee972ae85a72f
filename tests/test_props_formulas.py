"""Property: every formula of the allowed grammar is accepted and gives lme4's own model
frame; the same formulas with one refused call inserted at any node are refused before R
evaluates anything (checked with a marker file the call would create).

Formulas come from props_formulas.py. The reference is lme4 itself in the embedded session:
``lme4::lFormula`` on the formula as R parses it with no check (what trusted=True does)
and the same R data (r_scripts/props.R). Shrunk failures are kept below as plain tests.
"""

from __future__ import annotations

import tempfile
import warnings
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from props_check import helpers
from props_formulas import formula_data, formulas, render, tampered

import pylme
from pylme.runtime import get_session
from pylme.runtime.from_r import from_r

DATA = formula_data()
#: Where the refused calls would write; a fresh folder for this test process.
MARKER = Path(tempfile.mkdtemp(prefix="pylme-props-")) / "marker"


@cache
def r_data():
    return pylme.to_r(DATA)


def _text(s: str):
    return get_session().ri.StrSexpVector([s])


def same_frame(fit, text: str) -> str:
    """ "" when the fit's model frame and X are identical() to lme4::lFormula's; else what
    differs."""
    diff = helpers()["pylme_props_same_frame"](fit.r_model(), _text(text), r_data())
    return from_r(diff)[0]


def r_error(text: str) -> str:
    """lme4::lmer's error on the formula parsed with no check, or "" when it fits."""
    return from_r(helpers()["pylme_props_lmer_error"](_text(text), r_data()))[0]


def check_accepted(text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singular fits, rank-deficient X: R's own notes
        try:
            fit = pylme.lmer(text, DATA)
        except pylme.PylmeError as exc:
            assert "refuses it" not in str(exc), f"{text}: refused"
            r_err = r_error(text)
            assert r_err, f"{text}: pylme failed ({exc}) where lme4 fits"
            assert r_err.splitlines()[0] in str(exc), f"{text}: {exc} is not R's {r_err}"
            return
    assert same_frame(fit, text) == "", text


@given(formulas())
def test_every_allowed_formula_gives_lme4s_model_frame(tree):
    check_accepted(render(tree))


@given(tampered(str(MARKER)))
def test_a_refused_call_anywhere_is_refused_before_evaluation(pair):
    _, bad = pair
    MARKER.unlink(missing_ok=True)
    with pytest.raises(pylme.FormulaError, match="refuses it before R evaluates anything"):
        pylme.lmer(bad, DATA)
    assert not MARKER.exists(), bad


@settings(max_examples=max(1, settings.default.max_examples // 10))
@given(tampered(str(MARKER), at_variables=True))
def test_without_the_check_the_inserted_call_does_run(pair):
    """The refusal property can fail: with trusted=True the same insertions write the file.

    Only at a variable: R evaluates every variable, but not every node (the power in
    (a + b)^2, a call in place of the whole formula, a formula left with no random term
    stop in R's or pylme's formula checks first)."""
    good, bad = pair
    assume(r_error(good) == "")  # lme4 fails some (e.g. (1 || g) in lme4 1.1-31) early
    assume("|" in bad.split("~", 1)[1])  # with no random term pylme stops before lme4
    MARKER.unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pylme.lmer(bad, DATA, trusted=True)
        except pylme.PylmeError:
            pass
    assert MARKER.exists(), bad
    MARKER.unlink() if MARKER.is_file() else MARKER.rmdir()


def test_model_frame_check_sees_a_different_formula():
    fit = pylme.lmer("y ~ x1 + (1 | g1)", DATA)
    assert same_frame(fit, "y ~ x1 + (1 | g1)") == ""
    assert "model frame" in same_frame(fit, "y ~ x2 + (1 | g1)")
    assert same_frame(fit, "y ~ log(x1) + (1 | g1)") != ""


# -- regressions: failures hypothesis found and shrank -----------------------------------


def test_a_model_with_no_fixed_effects():
    # Shrunk: y ~ 0 + (1 | g1) fits in lme4 but pylme failed parsing the result (R's
    # names(fixef(fit)) is NULL there). R: length(fixef(m)) is 0 and vcov(m) is 0 x 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pylme.lmer("y ~ 0 + (1 | g1)", DATA)
    assert fit.fixef.terms == () and fit.fixef.vcov.shape == (0, 0)
    assert same_frame(fit, "y ~ 0 + (1 | g1)") == ""


def test_a_namespaced_call_in_a_nested_grouping_term():
    # Shrunk on lme4 1.1-37: reformulas' findbars fails on (1 | utils::f(...) / g2) with a
    # parse error, where lmer builds the model frame first (so the call runs). pylme's
    # no-random-term check ran findbars first, so trusted=True differed from R. R 4.5:
    # lmer(y ~ x1 + (1 | utils::write.csv(1, m) / g2), d) writes m, then "invalid type (NULL)".
    bad = f'y ~ x1 + (1 | utils::write.csv(1, "{MARKER}") / g2)'
    MARKER.unlink(missing_ok=True)
    with pytest.raises(pylme.FormulaError, match="refuses it before R evaluates anything"):
        pylme.lmer(bad, DATA)
    assert not MARKER.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(pylme.FormulaError, match="invalid type"):
            pylme.lmer(bad, DATA, trusted=True)
    assert MARKER.exists()
    MARKER.unlink()
