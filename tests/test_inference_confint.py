"""fit.confint() against R's confint(fit, method, oldNames = FALSE), run in pure R."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import RTOL, assert_close
from rref_inference import GLMM_RTOL, PROFILE_RTOL, QUERIES, fit, ref, strings

import pylme

CASES = {
    # query id -> (pylme keyword arguments, tolerance)
    "ci_wald": ({"method": "Wald"}, RTOL),
    "ci_wald90": ({"method": "Wald", "level": 0.9}, RTOL),
    "ci_profile": ({"method": "profile"}, PROFILE_RTOL),
    "ci_boot": ({"method": "boot", "nsim": 40, "seed": 101}, RTOL),
    "ci_glmer_wald": ({"method": "Wald"}, GLMM_RTOL),
}


def check_interval(ours, r, rtol):
    assert list(ours.index) == strings(r["rownames"])
    assert list(ours.columns) == strings(r["colnames"])
    for j, col in enumerate(ours.columns):
        assert_close(ours[col].to_numpy(), np.array(r["columns"][j], dtype=float), rtol, what=col)


@pytest.mark.parametrize("query", list(CASES))
def test_confint_matches_r(query):
    kwargs, rtol = CASES[query]
    ours = fit(QUERIES[query]["model"]).confint(**kwargs, progress=False)
    check_interval(ours, ref(query), rtol)


def test_wald_days_is_r_figure():
    """The issue's figure, Days 7.437594 .. 13.49698, read from R's own run."""
    ours = fit("slope").confint("Wald")
    r = ref("ci_wald")
    at = strings(r["rownames"]).index("Days")
    assert_close(ours.loc["Days"].to_numpy(), [r["columns"][0][at], r["columns"][1][at]])
    assert np.isnan(ours.loc["sd_(Intercept)|Subject"]).all()  # R: NA for variance parameters


def test_profile_has_sd_row():
    ours = fit("slope").confint("profile", parm=["sd_(Intercept)|Subject"], progress=False)
    r = ref("ci_profile")
    at = strings(r["rownames"]).index("sd_(Intercept)|Subject")
    assert list(ours.index) == ["sd_(Intercept)|Subject"]
    expected = [r["columns"][0][at], r["columns"][1][at]]
    assert_close(ours.iloc[0].to_numpy(), expected, PROFILE_RTOL)


def test_profile_with_bar_equals_one_call():
    """With a progress bar, each parameter is profiled in its own R call: same intervals."""
    ours = fit("slope").confint("profile", progress=True)
    check_interval(ours, ref("ci_profile"), PROFILE_RTOL)


def test_boot_with_bar_equals_r():
    ours = fit("slope").confint("boot", nsim=40, seed=101, progress=True)
    check_interval(ours, ref("ci_boot"), RTOL)


def test_boot_other_seed_differs():
    """The check sees a wrong answer: another seed gives other intervals."""
    ours = fit("slope").confint("boot", nsim=40, seed=102, progress=False)
    with pytest.raises(AssertionError):
        check_interval(ours, ref("ci_boot"), RTOL)


@pytest.mark.parametrize(
    "kwargs",
    [{"method": "exact"}, {"level": 1.5}, {"method": "boot", "nsim": 0}, {"boot_type": "bca"}],
)
def test_bad_options(kwargs):
    with pytest.raises(pylme.OptionError):
        fit("slope").confint(**kwargs)
