"""Hostile inputs: none runs code, each gives a typed error before R evaluates anything."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import rref
from cases import glmm_dataset
from conftest import assert_close

import pylme

F = "Reaction ~ Days + (1 | Subject)"
CB = "cbind(incidence, size - incidence) ~ period + (1 | herd)"

#: id -> (kind, formula or option template with {cmd}, expected error). {cmd} is R code
#: that would create the marker file.
HOSTILE = {
    "system in I()": ("lmer", "Reaction ~ Days + I(system({cmd})) + (1 | Subject)"),
    "system in a random term": ("lmer", "Reaction ~ Days + (system({cmd}) | Subject)"),
    "system in the grouping": ("lmer", "Reaction ~ Days + (1 | Subject:system({cmd}))"),
    "system in the response": ("lmer", "I(Reaction + system({cmd})) ~ Days + (1 | Subject)"),
    "eval(parse())": ("lmer", "Reaction ~ Days + eval(parse(text = {cmdq})) + (1 | Subject)"),
    "backquoted system": ("lmer", "Reaction ~ Days + `system`({cmd}) + (1 | Subject)"),
    "base::system": ("lmer", "Reaction ~ Days + base::system({cmd}) + (1 | Subject)"),
    "base:::system": ("lmer", "Reaction ~ Days + base:::system({cmd}) + (1 | Subject)"),
    "do.call": ("lmer", 'Reaction ~ Days + do.call("system", list({cmd})) + (1 | Subject)'),
    "get()()": ("lmer", 'Reaction ~ Days + get("system")({cmd}) + (1 | Subject)'),
    "string as function": ("lmer", 'Reaction ~ Days + "system"({cmd}) + (1 | Subject)'),
    "anonymous function": (
        "lmer",
        "Reaction ~ Days + I((function() system({cmd}))()) + (1 | Subject)",
    ),
    "braces": ("lmer", "Reaction ~ Days + I({{system({cmd}); Days}}) + (1 | Subject)"),
    "assignment": ("lmer", "Reaction ~ Days + I(z <- system({cmd})) + (1 | Subject)"),
    "equals": ("lmer", "Reaction ~ Days + (z = system({cmd})) + (1 | Subject)"),
    "Sys.setenv": ("lmer", "Reaction ~ Days + Sys.setenv(A = system({cmd})) + (1 | Subject)"),
    "assign": ("lmer", 'Reaction ~ Days + assign("a", system({cmd})) + (1 | Subject)'),
    "source": ("lmer", "Reaction ~ Days + source(textConnection({cmdq})) + (1 | Subject)"),
    "file": ("lmer", "Reaction ~ Days + file(system({cmd})) + (1 | Subject)"),
    "library": ("lmer", "Reaction ~ Days + library(system({cmd})) + (1 | Subject)"),
    "inside log()": ("lmer", "Reaction ~ Days + log(system({cmd})) + (1 | Subject)"),
    "inside poly()": ("lmer", "Reaction ~ poly(Days, system({cmd})) + (1 | Subject)"),
    "dollar": ("lmer", "Reaction ~ Days + I(environment()$system({cmd})) + (1 | Subject)"),
    "double bracket": ("lmer", "Reaction ~ Days + I(list(system)[[1]]({cmd})) + (1 | Subject)"),
    "at": ("lmer", "Reaction ~ Days + I(x@y) + I(system({cmd})) + (1 | Subject)"),
    ".Internal": ("lmer", "Reaction ~ Days + .Internal(system({cmd}, FALSE)) + (1 | Subject)"),
    "in glmer cbind": ("glmer", "cbind(incidence, system({cmd})) ~ period + (1 | herd)"),
    "in glmer offset": ("glmer", CB + " + offset(system({cmd}))"),
    "splines::ns hiding system": (
        "lmer",
        "Reaction ~ splines::ns(Days, df = system({cmd})) + (1 | Subject)",
    ),
}


def _r_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def frames():
    return {"lmer": rref.r_dataset("lme4", "sleepstudy"), "glmer": glmm_dataset("lme4:cbpp")}


def _formula(template: str, marker: Path) -> str:
    cmd = _r_string(f"touch {marker}")
    return template.format(cmd=cmd, cmdq=_r_string(f"system({cmd})"))


def test_there_are_at_least_20():
    assert len(HOSTILE) + len(NON_FORMULA) >= 20


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_formula_runs_nothing(case, frames, tmp_path):
    kind, template = HOSTILE[case]
    marker = tmp_path / "marker"
    fit = pylme.lmer if kind == "lmer" else functools.partial(pylme.glmer, family="binomial")
    with pytest.raises(pylme.FormulaError) as info:
        fit(_formula(template, marker), frames[kind])
    assert not marker.exists()
    assert "refuses it before R evaluates anything" in str(info.value) or "string" in str(
        info.value
    )


def test_the_marker_would_appear_without_the_check(frames, tmp_path):
    """trusted=True turns the check off: then the same formula does run system()."""
    marker = tmp_path / "marker"
    with pytest.raises(pylme.PylmeError):
        pylme.lmer(_formula(HOSTILE["system in I()"][1], marker), frames["lmer"], trusted=True)
    assert marker.exists()


def _closure(code: str):
    import rpy2.rinterface as ri

    return ri.baseenv["eval"](ri.parse(code))


#: id -> (options for lmer, expected error); {marker} is replaced by the marker path.
NON_FORMULA = {
    "optimizer system": ({"control": {"optimizer": "system"}}, pylme.OptionError),
    "optimizer R code": ({"control": {"optimizer": 'system("touch {marker}")'}}, pylme.OptionError),
    "optimizer an R function": (
        {"control": {"optimizer": "<closure>"}},
        pylme.OptionError,
    ),
    "optCtrl holds an R function": (
        {"control": {"optCtrl": {"f": "<closure>"}}},
        pylme.OptionError,
    ),
    "contrast as R code": (
        {"contrasts": {"Subject": 'function(n) system("touch {marker}")'}},
        pylme.OptionError,
    ),
    "weights name as R code": ({"weights": 'system("touch {marker}")'}, pylme.DataError),
    "offset name as R code": ({"offset": 'system("touch {marker}")'}, pylme.DataError),
}


def _fill(value, marker, closure):
    if isinstance(value, dict):
        return {k: _fill(v, marker, closure) for k, v in value.items()}
    if value == "<closure>":
        return closure
    return value.replace("{marker}", str(marker)) if isinstance(value, str) else value


@pytest.mark.parametrize("case", list(NON_FORMULA))
def test_hostile_option_runs_nothing(case, frames, tmp_path):
    options, error = NON_FORMULA[case]
    marker = tmp_path / "marker"
    pylme.lmer(F, frames["lmer"])  # R is running (the closure needs it)
    closure = _closure(f'function(...) system("touch {marker}")')
    with pytest.raises(error):
        pylme.lmer(F, frames["lmer"], **_fill(options, marker, closure))
    assert not marker.exists()


@pytest.mark.parametrize(
    "family, link", [('system("touch x")', None), ("binomial", 'system("touch x")')]
)
def test_hostile_family_and_link(frames, family, link):
    with pytest.raises(pylme.OptionError):
        pylme.glmer(CB, frames["glmer"], family=family, link=link)


def test_trusted_lets_a_user_function_through(frames):
    import rpy2.rinterface as ri

    d = frames["lmer"]
    pylme.lmer(F, d)
    ri.globalenv["pylme_test_twice"] = _closure("function(x) 2 * x")
    try:
        formula = "Reaction ~ pylme_test_twice(Days) + (1 | Subject)"
        with pytest.raises(pylme.FormulaError, match="pylme_test_twice"):
            pylme.lmer(formula, d)
        fit = pylme.lmer(formula, d, trusted=True)
        same = pylme.lmer("Reaction ~ I(2 * Days) + (1 | Subject)", d)
        np.testing.assert_array_equal(fit.fixef.estimate, same.fixef.estimate)
    finally:
        ri.baseenv["rm"]("pylme_test_twice", envir=ri.globalenv)


def test_allowed_functions_fit_as_in_r(frames):
    formula = (
        "log(Reaction) ~ poly(Days, 2) + I(pmax(Days - 4, 0)) + "
        'factor(Days > 4, levels = c("FALSE", "TRUE")) + (1 | Subject) + '
        "(0 + splines::ns(Days, df = 2) | Subject)"
    )
    case = {
        "id": "a",
        "function": "lmer",
        "formula": formula,
        "data": frames["lmer"],
        "options": {},
    }
    ref = rref.reference_fits([case])["a"]
    fit = pylme.lmer(formula, frames["lmer"])
    assert list(fit.fixef.terms) == ref["fixef_terms"]
    assert_close(fit.fixef.estimate, rref.as_float_array(ref["fixef"]), what="fixef")


#: Issue 23, item 9: the everyday pure functions added to the allow-list, each used at least
#: once (a column's summary on either side, binning, choice, probit and logit scales).
EVERYDAY = {
    "mean, cut": (
        "I(Reaction - mean(Reaction)) ~ I(Days - mean(Days)) + cut(Days, 3) + (1 | Subject)"
    ),
    "median, sd, ifelse": (
        "I((Reaction - median(Reaction)) / sd(Reaction)) ~ ifelse(Days > 4, 1, 0) + Days + "
        "(1 | Subject)"
    ),
    "min, max": (
        "I((Reaction - min(Reaction)) / (max(Reaction) - min(Reaction))) ~ Days + (1 | Subject)"
    ),
    "range, sum, length, rev": (
        "I(Reaction / sum(range(Reaction)) * length(Reaction)) ~ I(rev(Days)) + (1 | Subject)"
    ),
    "pnorm, qnorm, plogis": (
        "I(qnorm(pnorm(Reaction, 300, 50))) ~ I(plogis(Days - 4)) + (1 | Subject)"
    ),
    "qlogis": "I(qlogis(pnorm(Reaction, 300, 80))) ~ Days + (1 | Subject)",
}


@pytest.fixture(scope="module")
def everyday_reference(frames):
    """R's fits of every EVERYDAY formula (one Rscript run of reference.R, no Python)."""
    cases = [
        {"id": k, "function": "lmer", "formula": f, "data": frames["lmer"], "options": {}}
        for k, f in EVERYDAY.items()
    ]
    return rref.reference_fits(cases)


@pytest.mark.parametrize("case", list(EVERYDAY))
def test_everyday_functions_fit_as_in_r(case, frames, everyday_reference):
    ref = everyday_reference[case]
    assert "error" not in ref, ref.get("error")
    fit = pylme.lmer(EVERYDAY[case], frames["lmer"])
    assert list(fit.fixef.terms) == ref["fixef_terms"]
    assert_close(fit.fixef.estimate, rref.as_float_array(ref["fixef"]), what="fixef")
    assert_close(fit.loglik, float(np.asarray(ref["loglik"]).ravel()[0]), what="logLik")


def test_everyday_functions_still_refuse_what_hides_inside(frames):
    with pytest.raises(pylme.FormulaError, match="system"):
        pylme.lmer('Reaction ~ ifelse(Days > 4, system("true"), 0) + (1 | Subject)', frames["lmer"])
    with pytest.raises(pylme.FormulaError, match="get"):
        pylme.lmer('Reaction ~ I(Days - mean(get("Days"))) + (1 | Subject)', frames["lmer"])
