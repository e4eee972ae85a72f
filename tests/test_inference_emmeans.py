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
    "emm_formula": ("emmeans", RTOL),
    "emm_formula_by": ("emmeans", RTOL),
    "emm_satt": ("emmeans", RTOL),
    "emm_asymptotic": ("emmeans", RTOL),
}


def ours_for(query):
    q = dict(QUERIES[query])
    kind = q.pop("kind")
    model = fit(q.pop("model"))
    specs = q.pop("specs") if "specs" in q else q.pop("formula")
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


def test_formula_spec_with_by_is_the_by_argument():
    """emmeans' "~ recipe | temperature" is emmeans(fit, "recipe", by = "temperature")."""
    check_frame(ours_for("emm_formula_by"), ref("emm_cake"), RTOL)


def test_pairwise_formula_gives_r_emm_list():
    """R's emmeans(fit, pairwise ~ recipe): an emm_list, printed as two tables."""
    ours = ours_for("emm_pairwise")
    r = ref("emm_pairwise")
    assert list(ours) == ["emmeans", "contrasts"] == list(r)
    for part in ours:
        check_frame(ours[part], r[part], RTOL)
        assert ours[part].attrs["mesg"] == strings(r[part]["mesg"])


def test_lmer_df_changes_the_df():
    """satterthwaite and asymptotic df differ from the default's: the check sees it."""
    assert any("satterthwaite" in m for m in ours_for("emm_satt").attrs["mesg"])
    with pytest.raises(AssertionError):
        check_frame(ours_for("emm_asymptotic"), ref("emm_cake"), RTOL)


def test_bad_lmer_df():
    with pytest.raises(pylme.OptionError, match="lmer_df must be one of 'kenward-roger'"):
        fit("cake").emmeans("recipe", lmer_df="Satterthwaite")
    with pytest.raises(pylme.OptionError, match="for lmer fits only"):
        fit("cbpp").emmeans("period", lmer_df="asymptotic")


@pytest.mark.parametrize(
    ("call", "argument", "name"),
    [
        (lambda f: f.emmeans("recipee"), "specs", "recipee"),
        (lambda f: f.emmeans("~ recipe | temperatur"), "specs", "temperatur"),
        (lambda f: f.emmeans("recipe", by="temp"), "by", "temp"),
        (lambda f: f.contrasts("recipee"), "specs", "recipee"),
    ],
)
def test_unknown_variable_is_a_short_error(call, argument, name):
    """R says "No variable named recipee in the reference grid" after ~8 kB of deparsed code;
    pylme names the method, the argument and the model's variables, in one line."""
    with pytest.raises(pylme.OptionError) as info:
        call(fit("cake"))
    text = str(info.value)
    method = "fit.contrasts()" if "contrasts" in text.split()[0] else "fit.emmeans()"
    assert text.startswith(f"{method} {argument}: no variable named '{name}'")
    assert text.endswith("its variables are recipe, temperature")
    assert len(text) < 200 and "\n" not in text


def test_formula_spec_runs_nothing():
    with pytest.raises(pylme.FormulaError, match="refuses it before R evaluates anything"):
        fit("cake").emmeans('~ recipe + system("true")')
