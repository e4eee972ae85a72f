"""fit.predict(interval=...) against pure R (``r_scripts/reference_intervals.R``) on the same
model object (pylme's to_rds, read by pure R): the delta method computed by hand from vcov(),
the model matrix and ranef(condVar = TRUE); merTools::predictInterval and bootMer over
predict() with the same seeds."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rref
from conftest import assert_close
from rref_postfit import exact_floats, fit_models

import pylme

#: Closed forms on one model object: pylme's R and pure R do the same arithmetic on the same
#: numbers, in a different order (X V X' by rows, z' C z by level): rounding only.
DELTA_RTOL = 1e-10
#: merTools on the same object with the same seed draws the same numbers: rounding only.
SIMULATE_RTOL = 1e-10
#: bootMer refits: lme4 varies about 1e-10 from run to run (memory layout), so 1e-8.
BOOT_RTOL = 1e-8

SLEEP_NEW = pd.DataFrame(
    {
        "Days": [0.0, 2.5, np.nan, 9.0, 4.0, 1.0],
        "Subject": pd.array(["308", "999", "309", "372", None, "1000"], dtype=object),
    },
    index=[10, 11, 12, 13, 14, 15],
)
SLEEP_KNOWN = SLEEP_NEW.iloc[[0, 3]]
PEN_NEW = pd.DataFrame(
    {"plate": pd.array(["a", "x", "c"], dtype=object), "sample": pd.array(["A", "B", "Z"])}
)
CBPP_LEVELS = ["1", "2", "3", "4"]
CBPP_NEW = pd.DataFrame(
    {
        "period": pd.Categorical(["1", "4", None, "2"], categories=CBPP_LEVELS),
        "herd": pd.array(["1", "15", "3", "99"], dtype=object),
    }
)

MODELS = {
    "sleep": ("lmer", "Reaction ~ Days + (Days | Subject)", ("lme4", "sleepstudy"), {}),
    "pen": ("lmer", "diameter ~ 1 + (1 | plate) + (1 | sample)", ("lme4", "Penicillin"), {}),
    "cbpp": (
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        ("lme4", "cbpp"),
        {"family": "binomial"},
    ),
}
NEW = {"sleep": SLEEP_NEW, "pen": PEN_NEW, "cbpp": CBPP_NEW}
ANL = {"allow_new_levels": True}

# name -> (model, newdata, predict keyword arguments)
CASES = {
    "delta_sleep_conf": ("sleep", SLEEP_NEW, {"interval": "confidence", **ANL}),
    "delta_sleep_pred": ("sleep", SLEEP_NEW, {"interval": "prediction", **ANL}),
    "delta_sleep_pred_90": ("sleep", SLEEP_NEW, {"interval": "prediction", "level": 0.9, **ANL}),
    "delta_sleep_pred_no_re": (
        "sleep",
        SLEEP_NEW[["Days"]],
        {"interval": "prediction", "re_form": "~0"},
    ),
    "delta_pen_pred": ("pen", PEN_NEW, {"interval": "prediction", **ANL}),
    "delta_pen_pred_plate": (
        "pen",
        PEN_NEW[["plate"]],
        {"interval": "prediction", "re_form": "~(1 | plate)", **ANL},
    ),
    "delta_cbpp_conf_link": ("cbpp", CBPP_NEW, {"interval": "confidence", **ANL}),
    "delta_cbpp_conf_response": (
        "cbpp",
        CBPP_NEW,
        {"interval": "confidence", "type": "response", **ANL},
    ),
    "simulate_sleep_pred": (
        "sleep",
        SLEEP_NEW,
        {"interval": "prediction", "method": "simulate", "nsim": 200, "seed": 11, **ANL},
    ),
    "simulate_sleep_conf_fixed": (
        "sleep",
        SLEEP_KNOWN,
        {"interval": "confidence", "method": "simulate", "nsim": 200, "seed": 3, "re_form": "~0"},
    ),
    "simulate_cbpp_response": (
        "cbpp",
        CBPP_NEW,
        {
            "interval": "confidence",
            "method": "simulate",
            "nsim": 100,
            "seed": 5,
            "type": "response",
            **ANL,
        },
    ),
    "boot_sleep_conf": (
        "sleep",
        SLEEP_NEW,
        {"interval": "confidence", "method": "bootstrap", "nsim": 20, "seed": 7, **ANL},
    ),
    "boot_sleep_conf_use_u": (
        "sleep",
        SLEEP_KNOWN,
        {"interval": "confidence", "method": "bootstrap", "nsim": 20, "seed": 6, "use_u": True},
    ),
    "boot_sleep_pred_no_re": (
        "sleep",
        SLEEP_NEW[["Days"]],
        {"interval": "prediction", "method": "bootstrap", "nsim": 20, "seed": 8, "re_form": "~0"},
    ),
    "boot_cbpp_response": (
        "cbpp",
        CBPP_NEW,
        {
            "interval": "confidence",
            "method": "bootstrap",
            "nsim": 8,
            "seed": 9,
            "type": "response",
            **ANL,
        },
    ),
}
RTOL = {"delta": DELTA_RTOL, "simulate": SIMULATE_RTOL, "bootstrap": BOOT_RTOL}


def _op(newdata: pd.DataFrame, kw: dict, **extra) -> dict:
    return {
        "method": kw.get("method", "delta"),
        "interval": kw["interval"],
        "level": kw.get("level", 0.95),
        "re_form": kw.get("re_form"),
        "allow_new_levels": kw.get("allow_new_levels", False),
        "type": kw.get("type", "link"),
        "newdata": rref.spec_from_frame(newdata),
        "nsim": kw.get("nsim"),
        "seed": kw.get("seed"),
        "use_u": kw.get("use_u", False),
        **extra,
    }


def run_reference(tasks: list[dict]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "tasks.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(tasks))
        script = rref.R_SCRIPTS / "reference_intervals.R"
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_intervals.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


@pytest.fixture(scope="module")
def fits():
    return fit_models(MODELS)


@pytest.fixture(scope="module")
def reference(fits, tmp_path_factory):
    """{case: {"fit", "lower", "upper"}} from pure R, and the tampered delta case."""
    tmp = tmp_path_factory.mktemp("rds")
    tasks = []
    for key in MODELS:
        fits[key].to_rds(tmp / f"{key}.rds")
        names = [n for n, (m, _, _) in CASES.items() if m == key]
        ops = [_op(CASES[n][1], CASES[n][2]) for n in names]
        if key == "sleep":  # the prediction interval without the random effects' part
            names.append("tampered")
            ops.append(_op(SLEEP_NEW, CASES["delta_sleep_pred"][2], drop_re=True))
        tasks.append({"id": key, "rds": str(tmp / f"{key}.rds"), "ops": ops, "names": names})
    start = time.perf_counter()
    res = run_reference(tasks)
    print(f"pure-R reference: {time.perf_counter() - start:.1f} s")
    out = {}
    for task in tasks:
        for name, value in zip(task["names"], res[task["id"]]):
            assert "error" not in value, (name, value)
            out[name] = {k: exact_floats(v) for k, v in value.items()}
    return out


def _predict(fits, name: str, **extra):
    model, newdata, kw = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        return fits[model].predict(newdata, **{**kw, **extra})


@pytest.fixture(scope="module")
def predicted(fits):
    """Each case's pylme result, computed once (the bootstrap cases refit)."""
    return {name: _predict(fits, name) for name in CASES}


@pytest.mark.parametrize("column", ["fit", "lower", "upper"])
@pytest.mark.parametrize("name", list(CASES))
def test_interval_equals_pure_r(name, column, predicted, reference):
    got = predicted[name]
    method = CASES[name][2].get("method", "delta")
    assert list(got.columns) == ["fit", "lower", "upper"]
    assert got.index.equals(CASES[name][1].index)
    assert_close(got[column], reference[name][column], rtol=RTOL[method], what=f"{name} {column}")


def test_delta_prediction_sees_the_random_effects_part(fits, reference):
    """A check that can fail: pure R without z' C z gives other bounds."""
    got = _predict(fits, "delta_sleep_pred")
    tampered = reference["tampered"]
    assert_close(got["fit"], tampered["fit"], rtol=DELTA_RTOL)
    with pytest.raises(AssertionError):
        assert_close(got["lower"], tampered["lower"], rtol=1e-6)


def test_intervals_contain_the_prediction_and_widen(fits):
    conf = _predict(fits, "delta_sleep_conf")
    pred = _predict(fits, "delta_sleep_pred")
    plain = fits["sleep"].predict(SLEEP_NEW, allow_new_levels=True)
    np.testing.assert_array_equal(conf["fit"].to_numpy(), plain)
    ok = ~np.isnan(plain)
    assert ((pred["upper"] - pred["lower"])[ok] > (conf["upper"] - conf["lower"])[ok]).all()
    assert conf[~ok].isna().all().all()  # rows with a missing Days or Subject


def test_use_u_conditions_on_the_fitted_random_effects(predicted):
    """use.u = TRUE keeps subject 372's effect: a narrower interval than new draws give."""
    cond = predicted["boot_sleep_conf_use_u"]
    fresh = predicted["boot_sleep_conf"].loc[cond.index]
    assert ((cond["upper"] - cond["lower"]) < (fresh["upper"] - fresh["lower"])).all()


def test_bootstrap_seed_matters_and_refits_are_reported(fits, predicted):
    a = predicted["boot_sleep_conf"]
    b = _predict(fits, "boot_sleep_conf", seed=70)
    assert not np.allclose(a["lower"].dropna(), b["lower"].dropna())
    assert a.attrs["refits"].nsim == 20


def test_bootstrap_parallel_is_the_same_for_any_worker_count(fits):
    """Per-replicate seeds (SeedSequence, as fit.bootstrap): 1 or 2 loky workers agree."""
    kw = {"backend": "loky", "nsim": 30, "seed": 4}
    one = _predict(fits, "boot_sleep_conf", n_jobs=1, **kw)
    two = _predict(fits, "boot_sleep_conf", n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one, two, check_exact=False, rtol=BOOT_RTOL)
    serial = _predict(fits, "boot_sleep_conf", nsim=30, seed=4)
    assert not np.allclose(serial["lower"].dropna(), one["lower"].dropna())


@pytest.mark.parametrize(
    ("model", "kw", "match"),
    [
        ("cbpp", {"interval": "prediction"}, "lmer fits only.*simulate"),
        ("cbpp", {"interval": "prediction", "method": "bootstrap"}, "lmer fits only"),
        ("pen", {"interval": "confidence", "method": "simulate", "re_form": "~(1 | plate)"}, "~0"),
        ("sleep", {"interval": "both"}, "interval must be one of"),
        ("sleep", {"interval": "confidence", "method": "exact"}, "method must be one of"),
        ("sleep", {"interval": "confidence", "level": 95}, "level must be"),
        ("sleep", {"interval": "confidence", "use_u": True}, "use_u"),
        ("sleep", {"interval": "confidence", "backend": "loky", "seed": 1}, "'bootstrap' only"),
        ("sleep", {"interval": "confidence", "method": "bootstrap", "backend": "loky"}, "seed"),
    ],
)
def test_bad_combinations_raise_option_error(fits, model, kw, match):
    with pytest.raises(pylme.OptionError, match=match):
        fits[model].predict(NEW[model], allow_new_levels=True, **kw)


def test_intervals_need_newdata(fits):
    with pytest.raises(pylme.OptionError, match="newdata"):
        fits["sleep"].predict(interval="confidence")


def test_new_level_still_needs_allow_new_levels(fits):
    with pytest.raises(pylme.DataError, match="allow_new_levels"):
        fits["sleep"].predict(SLEEP_NEW, interval="confidence")


def test_missing_mertools_raises_missing_r_package(fits, monkeypatch):
    from pylme.models import ddf

    monkeypatch.setattr(ddf, "installed_r_packages", lambda pkgs: dict.fromkeys(pkgs, False))
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-mertools"):
        fits["sleep"].predict(SLEEP_KNOWN, interval="confidence", method="simulate")
