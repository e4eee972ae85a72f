"""fit.tidy() against broom.mixed::tidy in pure R, for two lmer fits and a glmer."""

from __future__ import annotations

import pytest
from conftest import RTOL
from rref_inference import GLMM_RTOL, QUERIES, check_frame, fit, ref

CASES = {
    # query id -> (ddf of the pylme fit, tolerance)
    "tidy_slope": (None, RTOL),
    "tidy_cake_satt": ("Satterthwaite", RTOL),
    "tidy_cbpp": (None, GLMM_RTOL),
}


def snake(name):
    return name.replace(".", "_")


def ours_for(query):
    q = QUERIES[query]
    model = fit(q["model"], CASES[query][0])
    return model.tidy(q["conf_int"], level=q["level"], effects=q["effects"])


@pytest.mark.parametrize("query", list(CASES))
def test_matches_broom_mixed(query):
    check_frame(ours_for(query), ref(query), CASES[query][1], rename=snake)


def test_columns_and_terms():
    ours = ours_for("tidy_slope")
    assert list(ours.columns) == [
        "effect",
        "group",
        "term",
        "estimate",
        "std_error",
        "statistic",
        "conf_low",
        "conf_high",
    ]
    assert "sd__(Intercept)" in set(ours["term"])
    assert "cor__(Intercept).Days" in set(ours["term"])
    assert "sd__Observation" in set(ours["term"])
    assert "p_value" in ours_for("tidy_cake_satt").columns


def test_tampered_is_caught():
    ours = ours_for("tidy_cbpp").copy()
    ours.loc[0, "conf_low"] *= 1 + 1e-5
    with pytest.raises(AssertionError):
        check_frame(ours, ref("tidy_cbpp"), GLMM_RTOL, rename=snake)
