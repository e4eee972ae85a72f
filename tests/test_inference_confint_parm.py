"""fit.confint(parm=...) in lme4's old and new names and its groups, against R's
confint(fit, parm = ...) run in pure R (issue 23, item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import RTOL, assert_close
from rref_inference import PROFILE_RTOL, QUERIES, fit, ref, strings

import pylme

#: The new names (oldNames = FALSE) of days_int's parameters, R's lme4:::profnames(m, FALSE)
#: for Reaction ~ Days + (1 | Subject): .sig01 -> sd_(Intercept)|Subject, .sigma -> sigma.
NEW_NAMES = {".sig01": "sd_(Intercept)|Subject", ".sigma": "sigma"}

CASES = {
    # query id -> (parm as the user gives it, tolerance)
    "ci_parm_old": ([".sig01", ".sigma"], PROFILE_RTOL),
    "ci_parm_new": (["sd_(Intercept)|Subject"], PROFILE_RTOL),
    "ci_parm_theta": ("theta_", PROFILE_RTOL),
    "ci_parm_beta": ("beta_", RTOL),
}


def check_values(ours, r, rtol):
    """Same intervals as R, row by row, under lme4's new names."""
    names = [NEW_NAMES.get(n, n) for n in strings(r["rownames"])]
    assert list(ours.index) == names
    assert list(ours.columns) == strings(r["colnames"])
    for j, col in enumerate(ours.columns):
        expected = np.array(r["columns"][j], dtype=float).reshape(-1)  # JSON unboxes one row
        assert_close(ours[col].to_numpy(), expected, rtol, what=col)


@pytest.mark.parametrize("query", list(CASES))
def test_parm_matches_r(query):
    parm, rtol = CASES[query]
    q = QUERIES[query]
    ours = fit(q["model"]).confint(q["method"], parm=parm, level=q["level"], progress=False)
    check_values(ours, ref(query), rtol)


def test_old_names_with_a_progress_bar():
    """The bar path profiles each resolved name in its own call: the same intervals."""
    ours = fit("days_int").confint("profile", parm=[".sigma", ".sig01"], progress=True)
    check_values(ours, ref("ci_parm_old"), PROFILE_RTOL)  # R's order, whatever the user's


def test_the_check_sees_a_wrong_interval():
    ours = fit("days_int").confint("profile", parm=[".sig01", ".sigma"], progress=False)
    ours.iloc[1, 0] *= 1 + 1e-5
    with pytest.raises(AssertionError):
        check_values(ours, ref("ci_parm_old"), PROFILE_RTOL)


@pytest.mark.parametrize("parm", [["nope"], [".sig01", ".sig09"]])
def test_unknown_name_lists_the_valid_ones(parm):
    """R returns an empty matrix with a warning; pylme says which names exist."""
    with pytest.raises(pylme.OptionError) as info:
        fit("slope").confint("Wald", parm=parm)
    text = str(info.value)
    assert text.startswith("fit.confint() parm: unknown parameter name(s)")
    for name in ("sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sigma", "Days"):
        assert name in text
    assert ".sig03" in text and "'theta_'" in text and "'beta_'" in text
    assert "'nope'" in text or "'.sig09'" in text


@pytest.mark.parametrize("parm", [3, [1, 2], []])
def test_parm_of_the_wrong_type(parm):
    with pytest.raises(pylme.OptionError, match="parm must be a parameter name or a list"):
        fit("slope").confint("Wald", parm=parm)
