"""nlmer's formula check and its errors: the self-starting models are allowed only as the
middle part of an nlmer formula, hostile calls anywhere in one run nothing, and bad input is
a typed error naming the fix. Same pattern as test_hardening_hostile.py: each hostile formula
would create a marker file if R ran it."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import pytest
from rref_nlmer import ORANGE, ORANGE_START, dataset

import pylme
from pylme.results.nlmer_fit import NOT_FOR_NLMER

M = "SSlogis(age, Asym, xmid, scal)"

#: id -> nlmer formula with {cmd}, R code that would create the marker file.
HOSTILE = {
    "system as the model": "circumference ~ system({cmd}) ~ Asym | Tree",
    "system in the model's input": (
        "circumference ~ SSlogis(age + system({cmd}), Asym, xmid, scal) ~ Asym | Tree"
    ),
    "system as a parameter": (
        "circumference ~ SSlogis(age, system({cmd}), xmid, scal) ~ Asym | Tree"
    ),
    "system in the response": f"I(circumference + system({{cmd}})) ~ {M} ~ Asym | Tree",
    "system in the random part": f"circumference ~ {M} ~ Asym | Tree:system({{cmd}})",
    "system as the grouping": f"circumference ~ {M} ~ (Asym | system({{cmd}}))",
    "SSlogis wrapping system": (
        "circumference ~ SSlogis(age, Asym, xmid, scal) * system({cmd}) ~ Asym | Tree"
    ),
    "eval(parse()) in the input": (
        "circumference ~ SSlogis(eval(parse(text = {cmdq})), Asym, xmid, scal) ~ Asym | Tree"
    ),
    "stats:::SSlogis": (
        "circumference ~ stats:::SSlogis(system({cmd}), Asym, xmid, scal) ~ Asym | Tree"
    ),
    "named argument hiding system": (
        "circumference ~ SSlogis(input = age, Asym = Asym, xmid = xmid, scal = system({cmd})) "
        "~ Asym | Tree"
    ),
    # lme4's nlformula pastes variable names into R text and parses it again; a backquoted
    # name would become code there, so pylme refuses non-syntactic names in nlmer formulas.
    "backquoted name lme4 would parse": f"circumference ~ {M} ~ Asym | `system({{cmd}})`",
    "backquoted input lme4 would parse": (
        "circumference ~ SSlogis(`age + system({cmd})`, Asym, xmid, scal) ~ Asym | Tree"
    ),
}


def _r_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _formula(template: str, marker: Path) -> str:
    cmd = _r_string(f"touch {marker}")
    return template.format(cmd=cmd, cmdq=_r_string(f"system({cmd})"))


@pytest.fixture(scope="module")
def orange():
    return dataset("Orange")


@pytest.fixture(scope="module")
def nm1(orange):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        return pylme.nlmer(ORANGE, orange, start=ORANGE_START)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_nlmer_formula_runs_nothing(case, orange, tmp_path):
    marker = tmp_path / "marker"
    with pytest.raises(pylme.FormulaError) as info:
        pylme.nlmer(_formula(HOSTILE[case], marker), orange, start=ORANGE_START)
    assert not marker.exists()
    assert "refuses it before R evaluates anything" in str(info.value)


def test_the_backquoted_name_would_run_without_the_check(orange, tmp_path):
    """A data column named like R code (a CSV header can be anything) and a formula naming
    it: with trusted=True (the check off) lme4's nlformula parses the name into a call and
    runs system(); pylme's check refuses the name, so nothing runs."""
    marker = tmp_path / "marker"
    formula = _formula(HOSTILE["backquoted name lme4 would parse"], marker)
    column = formula.split("`")[1]
    data = orange.assign(**{column: orange["Tree"]})
    with pytest.raises(pylme.FormulaError, match="not a syntactic R name"):
        pylme.nlmer(formula, data, start=ORANGE_START)
    assert not marker.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        try:
            pylme.nlmer(formula, data, start=ORANGE_START, trusted=True)
        except pylme.PylmeError:
            pass
    assert marker.exists()


#: The self-starting models anywhere but the middle of an nlmer formula.
ELSEWHERE = {
    "lmer fixed part": ("lmer", "circumference ~ SSlogis(age, 200, 725, 350) + (1 | Tree)"),
    "lmer inside I()": ("lmer", "circumference ~ I(SSmicmen(age, 200, 0.5)) + (1 | Tree)"),
    "lmer response": ("lmer", "SSasymp(circumference, 1, 2, 3) ~ age + (1 | Tree)"),
    "lmer random term": ("lmer", "circumference ~ age + (SSfpl(age, 1, 2, 3, 4) | Tree)"),
    "glmer": ("glmer", "circumference ~ SSgompertz(age, 1, 2, 3) + (1 | Tree)"),
    "lmer SSbiexp": ("lmer", "circumference ~ SSbiexp(age, 1, 2, 3, 4) + (1 | Tree)"),
    "nlmer model inside I()": ("nlmer", f"circumference ~ I({M}) ~ Asym | Tree"),
    "nlmer model in the response": ("nlmer", f"SSlogis(age, 1, 2, 3) ~ {M} ~ Asym | Tree"),
    "nlmer model in the random part": ("nlmer", f"circumference ~ {M} ~ Asym | SSlogis(age)"),
    "nlmer model nested in the model": (
        "nlmer",
        "circumference ~ SSlogis(SSlogis(age, 1, 2, 3), Asym, xmid, scal) ~ Asym | Tree",
    ),
}


@pytest.mark.parametrize("case", list(ELSEWHERE))
def test_self_starting_models_are_refused_elsewhere(case, orange):
    kind, formula = ELSEWHERE[case]
    fitter = {
        "lmer": pylme.lmer,
        "glmer": functools.partial(pylme.glmer, family="poisson"),
        "nlmer": functools.partial(pylme.nlmer, start=ORANGE_START),
    }[kind]
    with pytest.raises(pylme.FormulaError, match="SS[a-z]+") as info:
        fitter(formula, orange)
    if kind != "nlmer":
        assert "only as the middle part of an nlmer formula" in str(info.value)


def test_every_self_starting_model_is_allowed_in_the_middle(orange):
    """Each of the six passes the check (R's own errors may follow: lme4 then says why)."""
    parts = {
        "SSlogis": ("SSlogis(age, a, b, c)", ["a", "b", "c"]),
        "SSasymp": ("SSasymp(age, a, b, c)", ["a", "b", "c"]),
        "SSmicmen": ("SSmicmen(age, a, b)", ["a", "b"]),
        "SSfpl": ("SSfpl(age, a, b, c, d)", ["a", "b", "c", "d"]),
        "SSgompertz": ("SSgompertz(age, a, b, c)", ["a", "b", "c"]),
        "SSbiexp": ("SSbiexp(age, a, b, c, d)", ["a", "b", "c", "d"]),
    }
    from pylme.models.pipeline import formula_variables

    for call, params in parts.values():
        start = {p: 1.0 for p in params}
        formula = f"circumference ~ {call} ~ a | Tree"
        assert formula_variables(formula, False, start) == ["circumference", "age", "Tree"]


#: start= values and their error.
BAD_START = {
    "missing": (None, "needs start="),
    "a list": ([200, 725, 350], "must be a dict"),
    "a string value": ({**ORANGE_START, "scal": "350"}, r"start\['scal'\] must be a number"),
    "R code as a value": ({**ORANGE_START, "scal": 'system("x")'}, "must be a number"),
    "a boolean": ({**ORANGE_START, "scal": True}, "must be a number"),
    "NaN": ({**ORANGE_START, "scal": float("nan")}, "finite"),
    "inf": ({**ORANGE_START, "scal": float("inf")}, "finite"),
    "empty": ({}, "empty"),
    "an unknown name": ({**ORANGE_START, "slope": 1.0}, "'slope', which is not a parameter"),
    "R code as a name": (
        {"Asym": 200.0, "xmid": 725.0, 'scal); system("x"': 350.0},
        "not a parameter",
    ),
    "a parameter left out": ({"Asym": 200.0, "xmid": 725.0}, "no value for 'scal'"),
    "a non-string key": ({**ORANGE_START, 1: 2.0}, "keys must be parameter names"),
}


@pytest.mark.parametrize("case", list(BAD_START))
def test_bad_start_is_an_option_error(case, orange):
    start, message = BAD_START[case]
    with pytest.raises(pylme.OptionError, match=message):
        pylme.nlmer(ORANGE, orange, start=start)


def test_start_accepts_numpy_numbers_and_ints(orange, nm1):
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        fit = pylme.nlmer(
            ORANGE, orange, start={"Asym": 200, "xmid": np.float32(725), "scal": np.int64(350)}
        )
    assert fit.start == nm1.start
    assert list(fit.fixef.estimate) == list(nm1.fixef.estimate)


@pytest.mark.parametrize(
    "formula, message",
    [
        (f"circumference ~ {M} + (Asym | Tree)", "three parts"),
        ("circumference ~ SSlogis(age, Asym, xmid) ~ Asym | Tree", "missing: scal"),
        ("circumference ~ SSlogis(age, Asym, xmid, 350) ~ Asym | Tree", "plain names"),
        ("circumference ~ SSlogis(age, Asym, xmid, scal, 1) ~ Asym | Tree", "unused argument"),
        ("circumference ~ age ~ Asym | Tree", "must be a call to one of SSlogis"),
        ("circumference ~ SSlogis(age, Asym, xmid, scal ~ Asym | Tree", "could not parse"),
    ],
)
def test_bad_formula_is_a_formula_error(formula, message, orange):
    with pytest.raises(pylme.FormulaError, match=message):
        pylme.nlmer(formula, orange, start=ORANGE_START)


def test_non_syntactic_column_name_is_refused_with_the_fix(orange):
    d = orange.rename(columns={"age": "age (days)"})
    formula = "circumference ~ SSlogis(`age (days)`, Asym, xmid, scal) ~ Asym | Tree"
    with pytest.raises(pylme.FormulaError, match="Rename the column"):
        pylme.nlmer(formula, d, start=ORANGE_START)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"nAGQ": 2}, "nAGQ > 1  not yet implemented"),  # lme4's own words
        ({"nAGQ": -1}, "nAGQ must be 0 or 1"),
        ({"nAGQ": True}, "nAGQ must be 0 or 1"),
        ({"control": {"optimizer": "system"}}, "unknown optimizer"),
        ({"control": {"calc.derivs": False}}, "unknown nlmerControl argument"),
        ({"na_action": "drop"}, "na_action must be one of"),
    ],
)
def test_bad_options_are_option_errors(options, message, orange):
    with pytest.raises(pylme.OptionError, match=message):
        pylme.nlmer(ORANGE, orange, start=ORANGE_START, **options)


def test_a_missing_column_is_a_data_error(orange):
    with pytest.raises(pylme.DataError, match="age"):
        pylme.nlmer(ORANGE, orange.drop(columns="age"), start=ORANGE_START)


def test_trusted_lets_a_deriv_function_through(orange, nm1):
    """?nlmer's example 3: a user-built model from deriv(); only with trusted=True."""
    import rpy2.rinterface as ri

    code = (
        'deriv(~Asym/(1+exp((xmid-input)/scal)), namevec = c("Asym", "xmid", "scal"), '
        'function.arg = c("input", "Asym", "xmid", "scal"))'
    )
    ri.globalenv["pylme_test_nfun"] = ri.baseenv["eval"](ri.parse(code))
    try:
        formula = "circumference ~ pylme_test_nfun(age, Asym, xmid, scal) ~ Asym | Tree"
        with pytest.raises(pylme.FormulaError, match="pylme_test_nfun"):
            pylme.nlmer(formula, orange, start=ORANGE_START)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pylme.PylmeWarning)
            fit = pylme.nlmer(formula, orange, start=ORANGE_START, trusted=True)
        # ?nlmer: nm1b (deriv) is the same fit as nm1 (SSlogis)
        assert abs(fit.loglik - nm1.loglik) < 1e-6 * abs(nm1.loglik)
    finally:
        ri.baseenv["rm"]("pylme_test_nfun", envir=ri.globalenv)


@pytest.mark.parametrize("method", sorted(NOT_FOR_NLMER))
def test_methods_lme4_lacks_raise_unsupported(method, nm1):
    with pytest.raises(pylme.UnsupportedError, match=f"fit.{method}\\(\\)") as info:
        getattr(nm1, method)()
    assert isinstance(info.value, NotImplementedError) and "What works" in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: f.predict(dataset("Orange")),
        lambda f: f.predict(re_form="~0"),
        lambda f: f.confint("profile"),
        lambda f: f.confint("boot"),
        lambda f: f.update("circumference ~ SSlogis(age, Asym, xmid, scal) ~ xmid | Tree"),
        lambda f: f.update(REML=True),
    ],
    ids=["predict newdata", "predict re_form", "profile", "boot", "update formula", "REML"],
)
def test_what_lme4_cannot_do_for_nlmer_is_unsupported(call, nm1):
    with pytest.raises(pylme.UnsupportedError):
        call(nm1)


def test_without_model_pickles_and_still_prints(nm1):
    import pickle

    light = pickle.loads(pickle.dumps(nm1.without_model()))
    assert isinstance(light, pylme.NlmerFit) and light.summary() == nm1.summary()
    assert light.start == nm1.start and light.formula_lines == nm1.formula_lines
    with pytest.raises(pylme.ModelMissingError):
        light.predict()
    full = pickle.loads(pickle.dumps(nm1))
    assert list(full.predict()) == list(nm1.fitted)


def test_every_field_and_accessor(nm1):
    """Smoke test: every field is set, and the displays and frames work."""
    import dataclasses

    for f in dataclasses.fields(nm1):
        if not f.name.startswith("_"):
            assert getattr(nm1, f.name) is not None, f.name
    assert repr(nm1).startswith("<NlmerFit ML: circumference ~ SSlogis")
    assert str(nm1) == nm1.summary()
    assert "Nonlinear mixed model fit by maximum likelihood" in nm1._repr_html_()
    assert list(nm1.ranef_frame().columns) == ["grpvar", "term", "grp", "condval", "condsd"]
    assert list(nm1.varcorr.to_frame().columns) == ["grp", "var1", "var2", "vcov", "sdcor"]
    assert list(nm1.fixef.to_frame().index) == ["Asym", "xmid", "scal"]
    assert nm1.coef["Tree"].values.shape == (5, 3)
