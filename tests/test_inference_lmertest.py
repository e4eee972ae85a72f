"""lmer(..., ddf=...) and fit.anova() against lmerTest in pure R; glmer's z p-values."""

from __future__ import annotations

import numpy as np
import pytest
from compare import r_summary_lines
from conftest import RTOL, assert_close
from rref_inference import GLMM_RTOL, QUERIES, check_frame, fit, ref, strings

import pylme

DDF_CASES = ["satt", "satt_ml", "kr", "cake_satt", "cake_kr"]
QUANTITIES = ["estimate", "std_error", "df", "statistic", "p_value"]


def ddf_fit(query):
    q = QUERIES[query]
    return fit(q["model"], q["ddf"])


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("query", DDF_CASES)
def test_fixef_matches_lmertest(query, quantity):
    fe = ddf_fit(query).fixef
    r = ref(query)
    assert list(fe.terms) == strings(r["terms"])
    assert_close(getattr(fe, quantity), np.array(r[quantity], dtype=float), RTOL, what=quantity)
    assert fe.ddf == QUERIES[query]["ddf"]


@pytest.mark.parametrize("query", DDF_CASES)
def test_summary_reads_like_lmertest(query):
    """summary() matches print(summary(as_lmerModLmerTest(m), ddf)) line for line (but Data)."""
    assert ddf_fit(query).summary().splitlines() == r_summary_lines(ref(query)["summary"])


def test_satterthwaite_days_figures():
    """The issue's figures (Days: df 16.99998, p 3.263824e-06) are R's."""
    fe = ddf_fit("satt").fixef
    i = fe.terms.index("Days")
    assert round(float(fe.df[i]), 5) == 16.99998
    assert f"{float(fe.p_value[i]):.6e}" == "3.263824e-06"


def test_coefficient_frame_has_lmertest_columns():
    frame = ddf_fit("kr").fixef.to_frame()
    assert list(frame.columns) == ["Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"]


def test_without_ddf_nothing_computed():
    fe = fit("slope").fixef
    assert fe.df is None and fe.p_value is None and fe.ddf is None


def test_kenward_roger_needs_reml():
    with pytest.raises(pylme.OptionError, match="REML"):
        fit("slope_ml", "Kenward-Roger")


def test_bad_ddf():
    with pytest.raises(pylme.OptionError, match="Satterthwaite"):
        fit("slope", "satterthwaite")


@pytest.mark.parametrize(
    ("query", "kwargs"),
    [("cake_anova3", {"type": 3}), ("cake_anova1kr", {"type": 1, "ddf": "Kenward-Roger"})],
)
def test_fit_anova_matches_lmertest(query, kwargs):
    ours = fit("cake").anova(**kwargs)
    r = ref(query)
    check_frame(ours, r, RTOL)
    assert list(ours.index) == strings(r["rownames"])
    assert list(ours.columns) == ["Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)"]


def test_fit_anova_tampered_is_caught():
    ours = fit("cake").anova().copy()
    ours.iloc[0, 3] *= 1 + 1e-6
    with pytest.raises(AssertionError):
        check_frame(ours, ref("cake_anova3"), RTOL)


def test_glmer_p_values_equal_r():
    fe = fit("cbpp").fixef
    r = ref("cbpp_p")
    assert fe.p_value is not None
    assert list(fe.terms) == strings(r["terms"])
    assert_close(fe.p_value, np.array(r["p_value"], dtype=float), GLMM_RTOL)
    assert "Pr(>|z|)" in fe.to_frame().columns
