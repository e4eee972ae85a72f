"""fit.emmeans() and fit.contrasts() against emmeans in pure R."""

from __future__ import annotations

import pytest
from conftest import RTOL
from rref_inference import GLMM_RTOL, QUERIES, check_frame, fit, ref, strings

import pylme

CASES = {
    # query id -> (method, tolerance)
    "emm_cake": ("emmeans", RTOL),
    "emm_cake90": ("emmeans", RTOL),
    "con_tukey": ("contrasts", RTOL),
    "con_holm": ("contrasts", RTOL),
    "emm_cbpp": ("emmeans", GLMM_RTOL),
}


def ours_for(query):
    q = dict(QUERIES[query])
    kind = q.pop("kind")
    model = fit(q.pop("model"))
    specs = q.pop("specs")
    return getattr(model, kind)(specs, **q)


@pytest.mark.parametrize("query", list(CASES))
def test_matches_emmeans(query):
    ours = ours_for(query)
    r = ref(query)
    check_frame(ours, r, CASES[query][1])
    assert ours.attrs["mesg"] == strings(r["mesg"])


def test_notes_name_df_method_and_adjustment():
    tukey = ours_for("con_tukey")
    assert any("kenward-roger" in m for m in tukey.attrs["mesg"])
    assert any("tukey" in m for m in tukey.attrs["mesg"])
    assert tukey.attrs["adjust"] == "tukey"
    assert "p.value" in tukey.columns and "contrast" in tukey.columns


def test_adjustments_differ():
    """holm and tukey p-values differ, so the comparison sees a wrong adjustment."""
    with pytest.raises(AssertionError):
        check_frame(ours_for("con_holm"), ref("con_tukey"), RTOL)


def test_glmer_response_scale_columns():
    ours = ours_for("emm_cbpp")
    assert "prob" in ours.columns


def test_at_fixes_a_value():
    ours = fit("slope").emmeans("Days", at={"Days": [0, 9]})
    est = fit("slope").fixef
    assert list(ours["Days"]) == [0, 9]
    assert abs(ours["emmean"].iloc[1] - (est["(Intercept)"] + 9 * est["Days"])) < 1e-8


def test_bad_specs():
    with pytest.raises(pylme.OptionError):
        fit("cake").emmeans([])
