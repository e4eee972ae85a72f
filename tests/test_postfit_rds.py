"""The R model outside the Python process: .rds both ways, and pickles loaded in a fresh
Python process, each compared with pure R or with the numbers before pickling."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import rref
from conftest import RTOL, assert_close
from rref_postfit import SAME_OBJECT_RTOL, model_spec, newdata_spec, run_reference

import pylme

SLEEP_NEW = pd.DataFrame(
    {"Days": [0.0, 4.5, 9.0], "Subject": pd.array(["308", "335", "372"], dtype=object)}
)


def _sleep_with_na():
    d = rref.r_dataset("lme4", "sleepstudy").copy()
    d.loc[[3, 50, 51], "Reaction"] = np.nan
    return d


# Models a colleague fits in plain R and saves with saveRDS (data as pure R sees it).
R_MODELS = {
    "sleep": model_spec("lmer", "Reaction ~ Days + (Days | Subject)", _sleep_with_na()),
    "sleep_ml": model_spec(
        "lmer", "Reaction ~ Days + (1 | Subject)", rref.r_dataset("lme4", "sleepstudy"), REML=False
    ),
    "cbpp": model_spec(
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        rref.r_dataset("lme4", "cbpp"),
        family="binomial",
    ),
}


@pytest.fixture(scope="module")
def saved_by_r(tmp_path_factory):
    """{name: (path of the .rds pure R wrote, R's quantities of that same object)}."""
    tmp = tmp_path_factory.mktemp("from_r")
    tasks = [
        {"id": k, "model": spec, "save_rds": str(tmp / f"{k}.rds"), "ops": [{"op": "quantities"}]}
        for k, spec in R_MODELS.items()
    ]
    res = run_reference(tasks)
    return {k: (tmp / f"{k}.rds", res[k][0]) for k in R_MODELS}


def _f(values):
    return rref.as_float_array(values)


@pytest.mark.parametrize("name", list(R_MODELS))
def test_read_rds_fields_equal_r(name, saved_by_r):
    path, ref = saved_by_r[name]
    fit = pylme.read_rds(path)
    tol = SAME_OBJECT_RTOL
    for what, actual, expected in [
        ("fixef", fit.fixef.estimate, ref["fixef"]),
        ("se", fit.fixef.std_error, ref["se"]),
        ("statistic", fit.fixef.statistic, ref["statistic"]),
        ("vcov", fit.fixef.vcov.reshape(-1, order="F"), ref["vcov"]),
        ("varcorr vcov", fit.varcorr.vcov, ref["varcorr"]["vcov"]),
        ("varcorr sdcor", fit.varcorr.sdcor, ref["varcorr"]["sdcor"]),
        ("condval", fit.ranef_frame()["condval"], ref["ranef"]["condval"]),
        ("condsd", fit.ranef_frame()["condsd"], ref["ranef"]["condsd"]),
        ("fitted", fit.fitted, ref["fitted"]),
        ("residuals", fit.residuals, ref["residuals"]),
        ("scaled residuals", fit.scaled_residuals, ref["scaled_residuals"]),
        ("loglik", [fit.loglik], ref["loglik"]),
        ("aic", [fit.aic], ref["aic"]),
        ("bic", [fit.bic], ref["bic"]),
        ("deviance", [fit.deviance], ref["deviance"]),
        ("sigma", [fit.sigma], ref["sigma"]),
    ]:
        assert_close(np.asarray(actual, float), np.atleast_1d(_f(expected)), tol, f"{name} {what}")
    for g, cv in fit.ranef.items():
        got = np.transpose(cv.cond_var, (1, 2, 0)).reshape(-1, order="F")
        assert_close(got, _f(ref["postvar"][g]), tol, f"{name} postVar {g}")
        coef = fit.coef[g].values.reshape(-1, order="F")
        assert_close(coef, _f(ref["coef"][g]), tol, f"{name} coef {g}")
    assert fit.nobs == ref["nobs"] and fit.df == ref["df"]
    assert fit.df_residual == ref["df_residual"] and fit.ngrps == ref["ngrps"]
    assert fit.formula == ref["formula"] and fit.provenance.formula == ref["formula"]
    if isinstance(fit, pylme.LmerFit):
        assert fit.reml == ref["reml"]
        if fit.reml:
            assert fit.reml_criterion == pytest.approx(ref["reml_criterion"], rel=tol)
    else:
        assert (fit.family, fit.link) == (ref["family"], ref["link"])
        assert_close(fit.linear_predictor, _f(ref["linear_predictor"]), tol, f"{name} eta")


def test_read_rds_fit_works_like_a_pylme_fit(saved_by_r):
    fit = pylme.read_rds(saved_by_r["sleep"][0])
    assert fit.n_dropped == 3 and fit.provenance.n_rows == 180
    assert fit.provenance.levels["Subject"][0] == "308"
    assert np.isnan(fit.predict()[[3, 50, 51]]).all()
    assert fit.predict(SLEEP_NEW).shape == (3,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        ml = fit.update(REML=False)  # the data travel inside the .rds's formula environment
    assert not ml.reml and ml.nobs == fit.nobs


def test_read_rds_refuses_other_objects(tmp_path):
    path = tmp_path / "x.rds"
    subprocess.run([rref.rscript(), "-e", f"saveRDS(1:3, '{path}')"], check=True)
    with pytest.raises(pylme.DataError, match="not an lme4 model"):
        pylme.read_rds(path)
    with pytest.raises(pylme.DataError, match="no such file"):
        pylme.read_rds(tmp_path / "missing.rds")


def test_to_rds_works_in_plain_r(tmp_path, sleepstudy):
    fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)
    path = tmp_path / "m.rds"
    fit.to_rds(path)
    ops = [
        {"op": "predict", "newdata": None},
        {"op": "predict", "newdata": newdata_spec(SLEEP_NEW)},
        {"op": "summary"},
        {"op": "update", "formula": None, "options": {"REML": False}},
    ]
    fitted, new, summary, ml = run_reference([{"id": "m", "rds": str(path), "ops": ops}])["m"]
    assert_close(fit.predict(), _f(fitted), SAME_OBJECT_RTOL, "predict()")
    assert_close(fit.predict(SLEEP_NEW), _f(new), SAME_OBJECT_RTOL, "predict(newdata)")
    assert summary["summary"][0].startswith("Linear mixed model fit by REML")
    assert summary["anova"]["npar"] == 1  # anova(m): one row, for Days
    # update() in plain R refits on the data saved inside the model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        here = fit.update(REML=False)
    assert_close([here.loglik], _f(ml["loglik"]), RTOL, "update(REML = FALSE) loglik")


FRESH = """
import json, pickle, sys
import pylme
fits = pickle.loads(sys.stdin.buffer.read())
assert "rpy2.rinterface" not in sys.modules  # unpickling started no R
out = {}
for name, (fit, newdata) in fits.items():
    out[name] = {
        "predict": fit.predict(newdata, allow_new_levels=True).tolist(),
        "simulate": fit.simulate(3, seed=11).to_numpy().tolist(),
        "update": fit.update(REML=False).loglik if name == "sleep" else None,
    }
print(json.dumps(out))
"""


def test_pickle_in_a_fresh_process_gives_the_same_numbers(sleepstudy):
    cbpp = rref.r_dataset("lme4", "cbpp")
    fits = {
        "sleep": (pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy), SLEEP_NEW),
        "cbpp": (
            pylme.glmer(
                "cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial"
            ),
            cbpp.iloc[:7],
        ),
    }
    res = subprocess.run(
        [sys.executable, "-c", FRESH], input=pickle.dumps(fits), capture_output=True
    )
    assert res.returncode == 0, res.stderr.decode()
    there = json.loads(res.stdout)  # Python's json writes floats with repr: exact
    for name, (fit, newdata) in fits.items():
        here_p = fit.predict(newdata, allow_new_levels=True)
        np.testing.assert_array_equal(np.array(there[name]["predict"]), here_p)
        here_s = fit.simulate(3, seed=11).to_numpy()
        np.testing.assert_array_equal(np.array(there[name]["simulate"]), here_s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        ml = fits["sleep"][0].update(REML=False)
    assert there["sleep"]["update"] == pytest.approx(ml.loglik, rel=RTOL)


def test_light_pickle_has_no_model_and_says_why(sleepstudy):
    fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)
    light = pickle.loads(pickle.dumps(fit.without_model()))
    assert len(pickle.dumps(fit.without_model())) < len(pickle.dumps(fit)) / 2
    for call in (light.predict, light.simulate, lambda: light.refit(fit.fitted)):
        with pytest.raises(pylme.ModelMissingError, match="carries no R model"):
            call()
    with pytest.raises(pylme.ModelMissingError):
        light.to_rds("/nonexistent/never.rds")
