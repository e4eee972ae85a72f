"""A catalogue of bad inputs: each gives a typed pylme error whose message names the problem,
and the next good fit in the same session equals R's. test_hardening_language.py runs this
module again under LANGUAGE=de."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rref
from cases import CBPP, glmm_dataset
from rref_hardening import GOOD_FORMULA, assert_good_fit

import pylme

F = "Reaction ~ Days + (1 | Subject)"
LONG = F + " + Days" * 1500  # over 10,000 characters


def lmer(formula: str = F, data: str = "d", **kw: Any) -> Callable[[dict], Any]:
    return lambda frames: pylme.lmer(formula, frames[data] if isinstance(data, str) else data, **kw)


def lmer_on(change: Callable[[pd.DataFrame], Any], formula: str = F, **kw: Any):
    return lambda frames: pylme.lmer(formula, change(frames["d"]), **kw)


def glmer(formula: str = CBPP, data: str = "cbpp", change=None, **kw: Any):
    def run(frames: dict) -> Any:
        frame = frames[data] if change is None else change(frames[data])
        return pylme.glmer(formula, frame, **{"family": "binomial", **kw})

    return run


def _dupes(d: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([d, d[["Days"]]], axis=1)


def _int_names(d: pd.DataFrame) -> pd.DataFrame:
    out = d.copy()
    out.columns = ["Reaction", "Days", 0]
    return out


def _every(d: pd.DataFrame, col: str, value: Any, where=None) -> pd.DataFrame:
    out = d.copy()
    out[col] = out[col].astype(float) if isinstance(value, float) else out[col]
    if where is None:
        out[col] = value
    else:
        out.loc[where(out), col] = value
    return out


N = 180  # rows of sleepstudy: nrow(lme4::sleepstudy)

#: id -> (call, error type, regex the message must contain)
CATALOGUE: dict[str, tuple[Callable[[dict], Any], type, str]] = {
    # the frame
    "empty frame": (lmer_on(lambda d: d.iloc[:0]), pylme.DataError, "no rows"),
    "no rows left after NA": (
        lmer_on(
            lambda d: d.assign(
                Reaction=np.where(d.Days < 5, np.nan, d.Reaction),
                Days=np.where(d.Days >= 5, np.nan, d.Days),
            )
        ),
        pylme.DataError,
        r"0 \(non-NA\) cases",
    ),
    "duplicate column names": (
        lmer_on(_dupes),
        pylme.DataError,
        r"\['Days'\] appear more than once",
    ),
    "non-string column names": (
        lmer_on(_int_names),
        pylme.DataError,
        r"column names must be strings.*\[0\] \(int\)",
    ),
    "datetime column": (
        lmer_on(lambda d: d.assign(t=pd.Timestamp("2024-01-01")), "Reaction ~ t + (1 | Subject)"),
        pylme.DataError,
        "column 't' has type timestamp",
    ),
    "complex column": (
        lmer_on(lambda d: d.assign(z=np.ones(len(d)) * 1j), "Reaction ~ z + (1 | Subject)"),
        pylme.DataError,
        "column 'z'.*complex",
    ),
    "nested column": (
        lmer_on(lambda d: d.assign(z=[[1, 2]] * len(d)), "Reaction ~ z + (1 | Subject)"),
        pylme.DataError,
        "column 'z' has type list",
    ),
    "missing column": (
        lmer("Reaction ~ Dayz + (1 | Subject)"),
        pylme.DataError,
        "column 'Dayz' not found",
    ),
    "data is a dict": (lmer(data={"Reaction": [1.0]}), pylme.DataError, "got builtins.dict"),
    "data is None": (lmer(data=None), pylme.DataError, "got builtins.NoneType"),
    # values
    "Inf in the response": (
        lmer_on(lambda d: _every(d, "Reaction", np.inf, lambda o: o.Days == 3)),
        pylme.DataError,
        "column 'Reaction' has 18 infinite value",
    ),
    "-Inf in a predictor": (
        lmer_on(lambda d: _every(d, "Days", -np.inf, lambda o: o.Days == 2)),
        pylme.DataError,
        "column 'Days' has 18 infinite value",
    ),
    "all-NA column": (
        lmer_on(lambda d: d.assign(x=np.nan), "Reaction ~ Days + x + (1 | Subject)"),
        pylme.DataError,
        "column 'x' has only missing values",
    ),
    "all-None column": (
        lmer_on(lambda d: d.assign(x=None), "Reaction ~ Days + x + (1 | Subject)"),
        pylme.DataError,
        "column 'x' has only missing values",
    ),
    "na_action fail with NA": (
        lmer_on(lambda d: _every(d, "Reaction", np.nan, lambda o: o.index == 0), na_action="fail"),
        pylme.DataError,
        "missing values in object",
    ),
    # groups
    "single-level grouping factor": (
        lmer_on(lambda d: d.assign(Subject="only")),
        pylme.FormulaError,
        r"must have > 1 sampled level",
    ),
    "more levels than observations": (
        lmer_on(lambda d: d.assign(Subject=[f"s{i}" for i in range(len(d))])),
        pylme.FormulaError,
        r"number of levels of each grouping factor must be < number of observations "
        r"\(problems: Subject\)",
    ),
    # weights and offset
    "negative weights": (
        lmer(weights=-np.ones(N)),
        pylme.DataError,
        "weights has 180 negative value",
    ),
    "negative weights column": (
        lmer_on(lambda d: d.assign(w=-1.0), weights="w"),
        pylme.DataError,
        r"weights \(column 'w'\) has 180 negative",
    ),
    "weights of the wrong length": (
        lmer(weights=np.ones(3)),
        pylme.DataError,
        r"weights has shape \(3,\).*180 rows",
    ),
    "weights that are strings": (
        lmer(weights=np.array(["a"] * N)),
        pylme.DataError,
        "weights must be numeric",
    ),
    "weights is a dict": (lmer(weights={"a": 1}), pylme.DataError, r"weights has shape \(\)"),
    "weights column missing": (lmer(weights="w"), pylme.DataError, "column 'w' not found"),
    "offset of the wrong length": (
        lmer(offset=np.ones(7)),
        pylme.DataError,
        r"offset has shape \(7,\)",
    ),
    "offset column missing": (lmer(offset="off"), pylme.DataError, "column 'off' not found"),
    # glmer responses
    "binomial response outside [0, 1]": (
        glmer("count ~ x + (1 | g)", "synth"),
        pylme.DataError,
        r"y values must be 0 <= y <= 1",
    ),
    "negative Poisson counts": (
        glmer(
            "count ~ x + (1 | g)",
            "synth",
            change=lambda s: s.assign(count=s["count"] - 5),
            family="poisson",
        ),
        pylme.DataError,
        "negative values not allowed for the 'Poisson' family",
    ),
    "cbind with a negative count": (
        glmer(change=lambda c: c.assign(incidence=np.where(c.index == 4, -1, c.incidence))),
        pylme.DataError,
        r"cbind\(incidence, size - incidence\) has negative counts in 1 row\(s\) \(first: row 5\)",
    ),
    "three-level binomial response": (
        glmer(
            "answer ~ x + (1 | g)",
            "synth",
            change=lambda s: s.assign(answer=s["answer"].where(s["x"] < 1, "maybe")),
        ),
        pylme.DataError,
        "binomial response 'answer' has 3 levels",
    ),
    # options: wrong types and values
    "REML a string": (lmer(REML="yes"), pylme.OptionError, "REML must be True or False; got 'yes'"),
    "REML None": (lmer(REML=None), pylme.OptionError, "REML must be True or False; got None"),
    "na_action an int": (lmer(na_action=1), pylme.OptionError, "na_action must be one of.*got 1"),
    "na_action unknown": (
        lmer(na_action="drop"),
        pylme.OptionError,
        "na_action must be one of.*got 'drop'",
    ),
    "contrasts a string": (
        lmer(contrasts="contr.sum"),
        pylme.OptionError,
        "contrasts must be a dict",
    ),
    "contrasts value an int": (
        lmer(contrasts={"Subject": 1}),
        pylme.OptionError,
        "unknown contrast 1 for column 'Subject'",
    ),
    "contrasts unknown name": (
        lmer(contrasts={"Subject": "contr.bogus"}),
        pylme.OptionError,
        "unknown contrast 'contr.bogus'",
    ),
    "contrasts column not in formula": (
        lmer(contrasts={"g": "contr.sum"}),
        pylme.OptionError,
        "contrasts names column 'g'",
    ),
    "control an int": (lmer(control=5), pylme.OptionError, "control must be a dict.*got int"),
    "control key an int": (lmer(control={1: 2}), pylme.OptionError, "control keys must be"),
    "control value an object": (
        lmer(control={"optCtrl": object()}),
        pylme.OptionError,
        r"control\['optCtrl'\] is a builtins.object",
    ),
    "control unknown argument": (
        lmer(control={"optimiser": "bobyqa"}),
        pylme.OptionError,
        "unknown lmerControl argument",
    ),
    "optimizer an int": (lmer(control={"optimizer": 3}), pylme.OptionError, "unknown optimizer 3"),
    "optimizer unknown": (
        lmer(control={"optimizer": "no_such_optimizer"}),
        pylme.OptionError,
        "unknown optimizer 'no_such_optimizer'.*bobyqa",
    ),
    "control with a bad level": (
        lmer(control={"check.nobs.vs.nlev": "bogus"}),
        pylme.RError,
        "invalid control level.*bogus.*check.nobs.vs.nlev",
    ),
    "trusted a string": (lmer(trusted="yes"), pylme.OptionError, "trusted must be True or False"),
    "family an int": (glmer(family=3), pylme.OptionError, "family must be a family name"),
    "family unknown": (glmer(family="binomal"), pylme.OptionError, "unknown family 'binomal'"),
    "link unknown": (glmer(link="logitt"), pylme.OptionError, "unknown link 'logitt'"),
    "nAGQ a float": (
        glmer(nAGQ=1.5),
        pylme.OptionError,
        "nAGQ must be a whole number >= 0.*got 1.5",
    ),
    "nAGQ a string": (
        glmer(nAGQ="1"),
        pylme.OptionError,
        "nAGQ must be a whole number >= 0.*got '1'",
    ),
    "nAGQ negative": (
        glmer(nAGQ=-1),
        pylme.OptionError,
        "nAGQ must be a whole number >= 0.*got -1",
    ),
    # formulas
    "no random-effects term": (
        lmer("Reaction ~ Days"),
        pylme.FormulaError,
        "No random effects terms",
    ),
    "unbalanced parentheses": (
        lmer("Reaction ~ Days + (Days | Subject"),
        pylme.FormulaError,
        "could not parse the formula",
    ),
    "empty left side": (lmer("~ Days + (1 | Subject)"), pylme.FormulaError, "has no response"),
    "empty right side": (lmer("Reaction ~ "), pylme.FormulaError, "could not parse the formula"),
    "no tilde": (
        lmer("Reaction + Days"),
        pylme.FormulaError,
        "must have the form 'response ~ terms'",
    ),
    "10,000 characters": (
        lmer(LONG),
        pylme.FormulaError,
        f"is {len(LONG):,} characters long; pylme accepts at most 10,000",
    ),
    "formula None": (lmer(None), pylme.FormulaError, "must be a non-empty string"),
    "formula empty": (lmer("   "), pylme.FormulaError, "must be a non-empty string"),
    "unknown function": (
        lmer(F + " + notafunction(Days)"),
        pylme.FormulaError,
        'could not find function "notafunction"',
    ),
}


@pytest.fixture(scope="module")
def frames():
    return {
        "d": rref.r_dataset("lme4", "sleepstudy"),
        "cbpp": glmm_dataset("lme4:cbpp"),
        "synth": glmm_dataset("glmm_synthetic"),
    }


def test_catalogue_is_big_enough():
    assert len(CATALOGUE) >= 40


@pytest.mark.parametrize("case", list(CATALOGUE))
def test_bad_input_then_good_fit(case, frames):
    call, error, pattern = CATALOGUE[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        with pytest.raises(error, match=pattern) as info:
            call(frames)
    assert isinstance(info.value, pylme.PylmeError)
    assert_good_fit(pylme.lmer(GOOD_FORMULA, frames["d"]))


def test_good_fit_check_catches_a_wrong_fit(frames):
    """The after-check is not vacuous: an ML fit is not the REML reference."""
    with pytest.raises(AssertionError):
        assert_good_fit(pylme.lmer(GOOD_FORMULA, frames["d"], REML=False))


def test_arrow_input_with_bad_column_is_typed(frames):
    table = pa.table({"y": [1.0, 2.0], "g": [["a"], ["b"]]})
    with pytest.raises(pylme.DataError, match="column 'g' has type list"):
        pylme.lmer("y ~ 1 + (1 | g)", table)
