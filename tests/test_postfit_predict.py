"""predict() and simulate() against pure R: the same model object read by pure R from
to_rds (1e-10, and exactly for a seeded simulate), and an independent pure-R fit (RTOL)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rref
from conftest import RTOL, assert_close
from rref_postfit import (
    SAME_OBJECT_RTOL,
    exact_floats,
    fit_models,
    model_spec,
    newdata_spec,
    run_reference,
)

import pylme

SLEEP_NEW = pd.DataFrame(
    {
        "Days": [0.0, 2.5, np.nan, 9.0, 4.0, 1.0],
        "Subject": pd.array(["308", "999", "309", "372", None, "1000"], dtype=object),
    }
)
SLEEP_KNOWN = SLEEP_NEW.iloc[[0, 2, 3]].reset_index(drop=True)
PENICILLIN_NEW = pd.DataFrame({"plate": pd.array(["a", "x", "c", None], dtype=object)})
CBPP_NEW = pd.DataFrame(
    {
        "period": pd.array(["1", "4", None, "2"], dtype=object),
        "herd": pd.array(["1", "15", "3", "7"], dtype=object),
    }
)

MODELS = {
    "sleep": ("lmer", "Reaction ~ Days + (Days | Subject)", ("lme4", "sleepstudy"), {}),
    "penicillin": ("lmer", "diameter ~ 1 + (1 | plate) + (1 | sample)", ("lme4", "Penicillin"), {}),
    "cbpp": (
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        ("lme4", "cbpp"),
        {"family": "binomial"},
    ),
}

# name -> (model, pylme predict keyword arguments); newdata is a frame or None.
PREDICTIONS = {
    "sleep_fitted": ("sleep", {}),
    "sleep_new_subject": ("sleep", {"newdata": SLEEP_NEW, "allow_new_levels": True}),
    "sleep_known_no_re": ("sleep", {"newdata": SLEEP_KNOWN, "re_form": "~0"}),
    "sleep_na_string": ("sleep", {"newdata": SLEEP_KNOWN, "re_form": "NA"}),
    "penicillin_all": ("penicillin", {}),
    "penicillin_none": ("penicillin", {"re_form": "~0"}),
    "penicillin_plate": ("penicillin", {"re_form": "~(1 | plate)"}),
    "penicillin_plate_new": (
        "penicillin",
        {"newdata": PENICILLIN_NEW, "re_form": "~(1 | plate)", "allow_new_levels": True},
    ),
    "cbpp_link": ("cbpp", {"type": "link"}),
    "cbpp_response": ("cbpp", {"type": "response"}),
    "cbpp_new_link": ("cbpp", {"newdata": CBPP_NEW, "type": "link", "allow_new_levels": True}),
    "cbpp_new_response": (
        "cbpp",
        {"newdata": CBPP_NEW, "type": "response", "allow_new_levels": True},
    ),
    # No type: R's predict() default (type = "link"), R called without a type argument.
    "cbpp_default": ("cbpp", {}),
    "cbpp_new_default": ("cbpp", {"newdata": CBPP_NEW, "allow_new_levels": True}),
}
SIMULATIONS = {"sleep": 20240611, "cbpp": 7}
NSIM = 3


def _op(kwargs: dict) -> dict:
    nd = kwargs.get("newdata")
    return {
        "op": "predict",
        "newdata": None if nd is None else newdata_spec(nd),
        "re_form": kwargs.get("re_form"),
        "allow_new_levels": kwargs.get("allow_new_levels", False),
        "type": kwargs.get("type"),  # None: R's predict() is called without a type
    }


def _ops(model: str) -> list[dict]:
    ops = [_op(kw) for m, kw in PREDICTIONS.values() if m == model]
    if model in SIMULATIONS:
        ops.append({"op": "simulate", "nsim": NSIM, "seed": SIMULATIONS[model]})
    return ops


def _names(model: str) -> list[str]:
    names = [n for n, (m, _) in PREDICTIONS.items() if m == model]
    return names + (["simulate"] if model in SIMULATIONS else [])


@pytest.fixture(scope="module")
def fits():
    return fit_models(MODELS)


@pytest.fixture(scope="module")
def reference(fits, tmp_path_factory):
    """{model: {"same": {name: R result}, "independent": {name: R result}}}."""
    tmp = tmp_path_factory.mktemp("rds")
    tasks = []
    for key, (function, formula, (pkg, name), options) in MODELS.items():
        path = tmp / f"{key}.rds"
        fits[key].to_rds(path)
        tasks.append({"id": f"{key}-same", "rds": str(path), "ops": _ops(key)})
        spec = model_spec(function, formula, rref.r_dataset(pkg, name), **options)
        tasks.append({"id": f"{key}-independent", "model": spec, "ops": _ops(key)})
    res = run_reference(tasks)
    return {
        key: {
            kind: dict(zip(_names(key), res[f"{key}-{kind}"])) for kind in ("same", "independent")
        }
        for key in MODELS
    }


@pytest.mark.parametrize("name", list(PREDICTIONS))
def test_predict_matches_r(name, fits, reference):
    model, kwargs = PREDICTIONS[name]
    got = fits[model].predict(**kwargs)
    same = reference[model]["same"][name]
    indep = reference[model]["independent"][name]
    assert not isinstance(same, dict), same
    assert_close(got, rref.as_float_array(same), rtol=SAME_OBJECT_RTOL, what=f"{name} (same)")
    assert_close(got, rref.as_float_array(indep), rtol=RTOL, what=f"{name} (independent R fit)")


@pytest.mark.parametrize("model", list(SIMULATIONS))
def test_simulate_with_seed_equals_r(model, fits, reference):
    sims = fits[model].simulate(NSIM, seed=SIMULATIONS[model])
    assert list(sims.columns) == [f"sim_{i}" for i in range(1, NSIM + 1)]
    assert len(sims) == fits[model].nobs
    same = reference[model]["same"]["simulate"]
    indep = reference[model]["independent"]["simulate"]
    for col in sims.columns:
        # same model object, same seed: R's numbers bit for bit
        np.testing.assert_array_equal(sims[col].to_numpy(), exact_floats(same[col]))
        assert_close(sims[col], exact_floats(indep[col]), what=f"{model} {col}")


def test_simulate_default_re_form_is_rs_default(fits):
    # lme4 1.1-31: simulate.merMod(re.form = NA); "~0" and NA are the same there.
    fit = fits["sleep"]
    default = fit.simulate(2, seed=3)
    pd.testing.assert_frame_equal(default, fit.simulate(2, seed=3, re_form="NA"))
    conditional = fit.simulate(2, seed=3, re_form=None)
    assert not np.allclose(default.to_numpy(), conditional.to_numpy())


def test_new_level_raises_naming_the_column(fits):
    with pytest.raises(pylme.DataError, match=r"'Subject'.*'1000', '999'.*allow_new_levels"):
        fits["sleep"].predict(SLEEP_NEW)
    # without random effects the grouping column is not needed, so no new level matters
    assert np.isfinite(fits["sleep"].predict(SLEEP_NEW.iloc[[0, 1]], re_form="~0")).all()


def test_levels_matched_by_label_not_code(fits):
    fit = fits["sleep"]
    as_strings = fit.predict(SLEEP_KNOWN)
    reordered = SLEEP_KNOWN.assign(
        Subject=pd.Categorical(SLEEP_KNOWN.Subject, categories=["372", "309", "308", "999"])
    )
    np.testing.assert_array_equal(fit.predict(reordered), as_strings)
    # a check that could see a wrong answer: another subject gives other numbers
    other = SLEEP_KNOWN.assign(Subject=pd.array(["309", "308", "372"], dtype=object))
    assert not np.allclose(fit.predict(other), as_strings)


def test_polars_and_arrow_newdata(fits):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    fit = fits["sleep"]
    expected = fit.predict(SLEEP_NEW, allow_new_levels=True)
    table = pa.Table.from_pandas(SLEEP_NEW, preserve_index=False)
    np.testing.assert_array_equal(fit.predict(table, allow_new_levels=True), expected)
    np.testing.assert_array_equal(
        fit.predict(pl.from_arrow(table), allow_new_levels=True), expected
    )


def test_bad_options_are_typed_errors(fits):
    fit = fits["sleep"]
    with pytest.raises(pylme.OptionError, match="'link', 'response'"):
        fit.predict(type="prob")
    with pytest.raises(pylme.FormulaError):
        fit.predict(re_form="(1 | Subject")
    with pytest.raises(pylme.DataError, match="Days"):
        fit.predict(SLEEP_NEW[["Subject"]], allow_new_levels=True)
    with pytest.raises(pylme.OptionError):
        fit.simulate(0)
