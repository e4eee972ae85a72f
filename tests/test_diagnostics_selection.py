"""fit.drop1(), fit.ranova(), fit.step() and pylme.model_table() against pure R's ``drop1``,
lmerTest's ``ranova`` and ``step`` (on ``lmerTest::lmer`` fits), and a model.sel-style table
computed in R from ``logLik``, ``AIC``, ``BIC`` and the AICc formula, on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rref
from conftest import RTOL, assert_close
from rref_diagnostics import check_frame, fit, floats, frames, ref, rtol

import pylme
from pylme.diagnostics import StepResult

pytestmark = pytest.mark.skipif(
    not rref.r_has_package("lmerTest"), reason="the R package lmerTest is not installed"
)


@pytest.mark.parametrize(
    "model,query,test",
    [
        ("slope_ml", "drop1_slope_ml", "Chisq"),
        ("cake", "drop1_cake", "Chisq"),
        ("cake", "drop1_cake_none", "none"),
        ("cbpp", "drop1_cbpp", "Chisq"),
        ("ticks", "drop1_ticks", "Chisq"),
    ],
)
def test_drop1_matches_r(model, query, test):
    check_frame(fit(model).drop1(test=test), ref(query), rtol(model))


@pytest.mark.parametrize(
    "model,query",
    [("slope", "ranova_slope"), ("cake_step", "ranova_cake"), ("int", "ranova_int")],
)
def test_ranova_matches_r(model, query):
    check_frame(fit(model).ranova(), ref(query), RTOL)


def test_frame_check_catches_a_wrong_answer():
    ours = fit("cake").drop1(test="Chisq")
    wrong = ours.copy()
    wrong.loc["recipe", "LRT"] *= 1 + 1e-5  # judged on the column's scale (86)
    with pytest.raises(AssertionError):
        check_frame(wrong, ref("drop1_cake"), RTOL)
    with pytest.raises(AssertionError):
        check_frame(ours.iloc[::-1], ref("drop1_cake"), RTOL)
    with pytest.raises(AssertionError):
        check_frame(ours.rename(columns={"LRT": "lrt"}), ref("drop1_cake"), RTOL)


_steps: dict[str, StepResult] = {}


def step_of(model: str) -> StepResult:
    if model not in _steps:
        _steps[model] = fit(model).step()
    return _steps[model]


@pytest.mark.parametrize(
    "model,query",
    [("cake_step", "step_cake"), ("slope_step", "step_slope"), ("singular_step", "step_singular")],
)
@pytest.mark.parametrize("part", ["random", "fixed", "final"])
def test_step_matches_r(model, query, part):
    s, r = step_of(model), ref(query)
    if part in ("random", "fixed"):
        check_frame(getattr(s, part), r[part], RTOL)
        return
    assert s.final_formula == r["formula"]
    if not r["merMod"]:  # every random effect eliminated: lmerTest's final model is an lm
        assert s.final is None
        return
    assert s.final is not None
    assert s.final.formula == r["formula"]
    assert list(s.final.fixef.terms) == r["fixef_names"]
    assert_close(s.final.fixef.estimate, floats(r["fixef"]), RTOL, "final fixef")
    assert_close(s.final.loglik, r["loglik"], RTOL, "final logLik")


def test_step_of_cake_eliminates_what_r_eliminates():
    """lmerTest drops recipe:temperature, then recipe (both p > 0.05), keeps temperature."""
    s = step_of("cake_step")
    assert list(s.fixed.index) == ["recipe:temperature", "recipe", "temperature"]
    assert list(s.fixed["Eliminated"]) == [1, 2, 0]
    assert s.final_formula == "angle ~ temperature + (1 | replicate) + (1 | recipe:replicate)"
    assert isinstance(s.final, pylme.LmerFit)
    assert s.final.provenance.fit_id != fit("cake_step").provenance.fit_id
    assert "Model found" in str(s) and "<table" in s._repr_html_()
    assert s.final.predict().shape == (len(frames()["cake"]),)  # a full fit with its R model


def test_step_can_remove_every_random_effect():
    """(1 | g) of the singular fit goes (LRT 0), leaving lm(Reaction ~ Days): no final fit."""
    s = step_of("singular_step")
    assert s.final is None and s.final_formula == "Reaction ~ Days"
    assert list(s.random.index) == ["<none>", "(1 | g)"]
    assert s.random["Eliminated"].iloc[1] == 1
    assert "Reaction ~ Days" in str(s)


def test_ranova_step_need_lmer_and_good_options():
    with pytest.raises(pylme.OptionError, match="lmer fits only"):
        fit("cbpp").ranova()
    with pytest.raises(pylme.OptionError, match="lmer fits only"):
        fit("cbpp").step()
    with pytest.raises(pylme.OptionError, match="alpha_fixed"):
        fit("slope").step(alpha_fixed=0)
    with pytest.raises(pylme.OptionError, match="reduce_random"):
        fit("slope").step(reduce_random="no")  # type: ignore[arg-type]
    with pytest.raises(pylme.OptionError, match="'Chisq'"):
        fit("slope").drop1(test="F")  # type: ignore[arg-type]


def test_missing_lmertest_names_debian(monkeypatch):
    from pylme.models import ddf

    monkeypatch.setattr(ddf, "installed_r_packages", lambda pk: {p: p != "lmerTest" for p in pk})
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-lmertest"):
        fit("slope").ranova()
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-lmertest"):
        fit("slope").step()


TABLE_COLUMNS = ["df", "logLik", "AIC", "AICc", "BIC", "delta_AICc", "weight"]


def check_table(ours: pd.DataFrame, r: dict) -> None:
    assert list(ours["model"]) == r["model"]
    for col in TABLE_COLUMNS:
        assert_close(ours[col].to_numpy(float), floats(r[col]), RTOL, col)


@pytest.mark.parametrize(
    "query,models",
    [
        ("table_ml", ["slope_ml", "uncorr_ml", "int_ml", "nodays_ml"]),
        ("table_reml", ["slope", "int"]),
    ],
)
def test_model_table_matches_r(query, models):
    table = pylme.model_table(*(fit(m) for m in models), names=models)
    assert list(table.columns) == ["model", "fixed", "random", *TABLE_COLUMNS]
    check_table(table, ref(query))
    assert table["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(table["AICc"].to_numpy()) >= 0)


def test_model_table_terms_and_check_catches_a_wrong_answer():
    models = ["slope_ml", "uncorr_ml", "int_ml", "nodays_ml"]
    table = pylme.model_table(*(fit(m) for m in models), names=models)
    rows = table.set_index("model")
    assert rows.loc["slope_ml", "random"] == "(Days | Subject)"
    assert rows.loc["uncorr_ml", "random"] == "(1 | Subject) + (0 + Days | Subject)"
    assert rows.loc["nodays_ml", "fixed"] == "1" and rows.loc["int_ml", "fixed"] == "Days"
    wrong = table.copy()
    wrong["weight"] = wrong["weight"][::-1].to_numpy()
    with pytest.raises(AssertionError):
        check_table(wrong, ref("table_ml"))
    default = pylme.model_table(fit("slope_ml"), fit("int_ml"))
    assert set(default["model"]) == {"model1", "model2"}


def test_model_table_refuses_what_cannot_be_compared():
    other = frames()["sleepstudy"].copy()
    other.loc[0, "Reaction"] += 1.0
    changed = pylme.lmer("Reaction ~ Days + (1 | Subject)", other, REML=False)
    with pytest.raises(pylme.DataError, match="Reaction"):
        pylme.model_table(fit("int_ml"), changed)
    short = pylme.lmer(
        "Reaction ~ Days + (1 | Subject)", frames()["sleepstudy"].iloc[:-10], REML=False
    )
    with pytest.raises(pylme.DataError, match="observations"):
        pylme.model_table(fit("int_ml"), short)
    reml_nodays = pylme.lmer("Reaction ~ 1 + (1 | Subject)", frames()["sleepstudy"])
    with pytest.raises(pylme.OptionError, match="different fixed effects"):
        pylme.model_table(fit("int"), reml_nodays)
    with pytest.raises(pylme.OptionError, match="REML and ML"):
        pylme.model_table(fit("int"), fit("int_ml"))
    with pytest.raises(pylme.OptionError, match="distinct"):
        pylme.model_table(fit("int_ml"), fit("slope_ml"), names=["a", "a"])
    with pytest.raises(pylme.OptionError, match="one or more"):
        pylme.model_table()
