"""pylme.cross_validate against a pure-R loop (``r_scripts/reference_crossval.R``): the folds
drawn from the same seed, lmer/glmer without each fold, predict() of the fold, and the
metrics; serial and two loky workers give the same numbers."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import rref
from conftest import RTOL, assert_close
from rref_postfit import exact_floats

import pylme

#: Independent fits (pylme's and pure R's, on the same rows): lme4 varies about 1e-10 from
#: run to run, so the exact-match tolerance (conftest.RTOL = 1e-8).
CV_RTOL = RTOL

SLEEP = ("lme4", "sleepstudy")
CBPP = ("lme4", "cbpp")
# name -> (data set, formula, family, groups, folds, scheme, seed)
CASES = {
    "sleep_group": (SLEEP, "Reaction ~ Days + (Days | Subject)", None, "Subject", 5, "group", 42),
    "sleep_row": (SLEEP, "Reaction ~ Days + (Days | Subject)", None, "Subject", 4, "row", 7),
    "cbpp_group": (
        CBPP,
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        "binomial",
        "herd",
        3,
        "group",
        1,
    ),
}
METRICS = ("rmse", "mae", "loglik")


def _cv(name: str, **extra):
    data, formula, family, groups, k, scheme, seed = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        return pylme.cross_validate(
            formula,
            rref.r_dataset(*data),
            groups=groups,
            folds=k,
            scheme=scheme,
            seed=seed,
            family=family,
            **extra,
        )


@pytest.fixture(scope="module")
def results():
    start = time.perf_counter()
    out = {name: _cv(name) for name in CASES}
    print(f"pylme (serial): {time.perf_counter() - start:.1f} s")
    return out


@pytest.fixture(scope="module")
def reference():
    tasks = []
    for name, (data, formula, family, groups, k, scheme, seed) in CASES.items():
        tasks.append(
            {
                "id": name,
                "function": "lmer" if family is None else "glmer",
                "formula": formula,
                "family": family,
                "data": rref.spec_from_frame(rref.r_dataset(*data)),
                "groups": groups,
                "folds": k,
                "scheme": scheme,
                "seed": seed,
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "tasks.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(tasks))
        script = rref.R_SCRIPTS / "reference_crossval.R"
        start = time.perf_counter()
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        print(f"pure-R loop: {time.perf_counter() - start:.1f} s")
        if res.returncode != 0:
            raise RuntimeError(f"reference_crossval.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_folds_are_rs_from_the_seed(name, results, reference):
    np.testing.assert_array_equal(results[name].folds, np.asarray(reference[name]["folds"]))


@pytest.mark.parametrize("name", list(CASES))
def test_group_scheme_holds_out_whole_groups(name, results):
    cv = results[name]
    data, _, _, groups, k, scheme, _ = CASES[name]
    df = rref.r_dataset(*data)
    per_group = df.groupby(groups, observed=True).apply(lambda d: cv.folds[d.index].tolist())
    split = per_group.map(lambda f: len(set(f)) > 1)
    assert split.any() == (scheme == "row")
    assert sorted(set(cv.folds.tolist())) == list(range(1, k + 1))


@pytest.mark.parametrize("name", list(CASES))
def test_predictions_equal_the_pure_r_loop(name, results, reference):
    got = results[name].predictions
    assert got.shape == (len(rref.r_dataset(*CASES[name][0])),)
    assert_close(got, exact_floats(reference[name]["predictions"]), CV_RTOL, f"{name} predictions")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("name", list(CASES))
def test_metrics_equal_the_pure_r_loop(name, metric, results, reference):
    cv = results[name]
    ref = reference[name]
    assert_close(cv.fold_metrics[metric], exact_floats(ref[metric]), CV_RTOL, f"{name} {metric}")
    overall = exact_floats([ref["overall"][metric]])
    assert_close([cv.overall[metric]], overall, CV_RTOL, f"{name} overall {metric}")
    np.testing.assert_array_equal(cv.n_test, np.asarray(ref["n"], dtype=int))
    np.testing.assert_array_equal(cv.n_train, np.asarray(ref["n_train"], dtype=int))


def test_a_wrong_prediction_is_seen(results, reference):
    """The comparison can fail: the in-sample fit's predictions are not the out-of-fold ones."""
    data, formula, *_ = CASES["sleep_group"]
    in_sample = pylme.lmer(formula, rref.r_dataset(*data)).predict()
    with pytest.raises(AssertionError):
        assert_close(in_sample, exact_floats(reference["sleep_group"]["predictions"]), CV_RTOL)


def test_result_frame_and_text(results):
    cv = results["sleep_group"]
    df = cv.to_frame()
    assert list(df.columns) == ["fold", "n_train", "n_test", *METRICS]
    assert df["n_test"].sum() + 0 == len(cv.predictions)
    assert "5 folds by level of Subject (seed 42)" in str(cv)
    with pytest.raises(ValueError):
        cv.predictions[0] = 0.0  # frozen


def test_serial_and_two_loky_workers_agree():
    serial = _cv("sleep_group", metrics=("rmse",))
    loky = _cv("sleep_group", metrics=("rmse",), backend="loky", n_jobs=2)
    np.testing.assert_array_equal(serial.folds, loky.folds)
    np.testing.assert_array_equal(serial.predictions, loky.predictions)
    np.testing.assert_array_equal(serial.fold_metrics["rmse"], loky.fold_metrics["rmse"])
    assert tuple(loky.overall) == ("rmse",)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"folds": 19}, pylme.OptionError, "only 18 level"),
        ({"folds": 1}, pylme.OptionError, "folds must be an int >= 2"),
        ({"scheme": "subject"}, pylme.OptionError, "scheme must be one of"),
        ({"metrics": ("r2",)}, pylme.OptionError, "metrics must be one of"),
        ({"groups": None}, pylme.OptionError, "needs groups"),
        ({"groups": "Patient"}, pylme.DataError, "Patient"),
        ({"weights": "Days"}, pylme.OptionError, "weights"),
    ],
)
def test_bad_options_raise(sleepstudy, kwargs, error, match):
    args = {"groups": "Subject", "folds": 3, "seed": 1, **kwargs}
    with pytest.raises(error, match=match):
        pylme.cross_validate("Reaction ~ Days + (1 | Subject)", sleepstudy, **args)


def test_loglik_only_for_families_pylme_scores(sleepstudy):
    with pytest.raises(pylme.OptionError, match="loglik"):
        pylme.cross_validate(
            "Reaction ~ Days + (1 | Subject)", sleepstudy, groups="Subject", family="Gamma"
        )


def test_missing_groups_are_an_error(sleepstudy):
    df = sleepstudy.copy()
    df.loc[3, "Subject"] = None
    with pytest.raises(pylme.DataError, match="missing"):
        pylme.cross_validate("Reaction ~ Days + (1 | Subject)", df, groups="Subject", seed=1)
