"""Result types: frozen, picklable, every public accessor works; published figures; the
walkthrough."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import pylme


@pytest.fixture(scope="module")
def fit(sleepstudy):
    return pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)


def _all_values(obj, seen=None):
    """Every field and public property of a dataclass tree, touched once."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield f.name, getattr(obj, f.name)
            yield from _all_values(getattr(obj, f.name))
        for name in dir(type(obj)):
            if not name.startswith("_") and isinstance(getattr(type(obj), name), property):
                yield name, getattr(obj, name)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all_values(v)


def test_every_accessor_works(fit):
    names = [name for name, _ in _all_values(fit)]
    for required in (
        "fixef",
        "varcorr",
        "ranef",
        "coef",
        "fitted",
        "residuals",
        "loglik",
        "aic",
        "bic",
        "deviance",
        "reml_criterion",
        "sigma",
        "nobs",
        "ngrps",
        "df_residual",
        "n_dropped",
        "convergence",
        "provenance",
        "components",
        "correlations",
        "cond_var",
        "cond_sd",
    ):
        assert required in names
    assert isinstance(fit.fixef.to_frame(), pd.DataFrame)
    assert list(fit.varcorr.to_frame().columns) == ["grp", "var1", "var2", "vcov", "sdcor"]
    assert list(fit.ranef_frame().columns) == ["grpvar", "term", "grp", "condval", "condsd"]
    assert list(fit.ranef["Subject"].to_frame().columns) == [
        "grpvar",
        "term",
        "grp",
        "condval",
        "condsd",
    ]
    assert fit.coef["Subject"].to_frame().shape == (18, 2)
    assert fit.summary().startswith("Linear mixed model fit by REML")
    assert str(fit) == fit.summary()
    assert "<table" in fit._repr_html_()
    assert fit.fixef.to_dict()["Days"] == fit.fixef["Days"]


def test_shapes(fit):
    m = fit.ranef["Subject"]
    assert m.modes.shape == (18, 2) and m.cond_var.shape == (18, 2, 2)
    assert fit.fixef.vcov.shape == (2, 2)
    assert fit.fitted.shape == (180,)
    np.testing.assert_allclose(m.cond_sd, np.sqrt(np.diagonal(m.cond_var, axis1=1, axis2=2)))


def test_results_are_frozen(fit):
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.loglik = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.fixef.estimate = np.zeros(2)
    with pytest.raises(ValueError, match="read-only"):
        fit.fixef.estimate[0] = 0.0


def test_results_pickle_without_starting_r(fit):
    back = pickle.loads(pickle.dumps(fit))
    np.testing.assert_array_equal(back.fixef.estimate, fit.fixef.estimate)
    assert back.varcorr.to_frame().equals(fit.varcorr.to_frame())
    assert back.summary() == fit.summary()
    assert fit.r_model() is not None
    # In a fresh process the fit unpickles without starting R; its light copy has no R model.
    code = (
        "import pickle, sys, pylme\n"
        "fit = pickle.loads(sys.stdin.buffer.read())\n"
        "assert 'rpy2.rinterface' not in sys.modules and fit.summary() and fit.has_model\n"
        "try:\n    fit.without_model().r_model()\nexcept pylme.ModelMissingError as e:\n"
        "    print('carries no R model' in str(e))\n"
        "print('rpy2.rinterface' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(fit), capture_output=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().split() == ["True", "False"]


def test_light_pickle_is_smaller(fit):
    light = fit.without_model()
    assert not light.has_model and fit.has_model
    assert len(pickle.dumps(light)) < len(pickle.dumps(fit))
    with pytest.raises(pylme.ModelMissingError):
        light.r_model()


def test_provenance(fit, sleepstudy):
    p = fit.provenance
    assert p.formula == "Reaction ~ Days + (Days | Subject)" and p.function == "lmer"
    assert p.options["REML"] is True and p.columns == ("Reaction", "Days", "Subject")
    assert len(p.data_sha256) == 64
    other = pylme.lmer(
        "Reaction ~ Days + (Days | Subject)", sleepstudy.assign(Reaction=sleepstudy.Reaction + 1)
    )
    assert other.provenance.data_sha256 != p.data_sha256
    again = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)
    assert again.provenance.data_sha256 == p.data_sha256


def test_published_jss_sleepstudy(fit):
    # Bates, Maechler, Bolker & Walker (2015), "Fitting Linear Mixed-Effects Models Using lme4",
    # J. Stat. Softw. 67(1), section 1 / Figure output of summary(fm1).
    np.testing.assert_allclose(fit.fixef.estimate, [251.405, 10.467], atol=5e-4)
    sds = {(c.group, c.term): c.sd for c in fit.varcorr.components}
    assert sds[("Subject", "(Intercept)")] == pytest.approx(24.741, abs=5e-4)
    assert sds[("Subject", "Days")] == pytest.approx(5.922, abs=5e-4)
    assert fit.varcorr.correlations[0].corr == pytest.approx(0.066, abs=5e-4)
    assert fit.sigma == pytest.approx(25.592, abs=5e-4)
    assert fit.reml_criterion == pytest.approx(1743.6, abs=0.05)


def test_group_names_as_lme4(sleepstudy):
    pastes = __import__("rref").r_dataset("lme4", "Pastes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nested = pylme.lmer("strength ~ 1 + (1 | batch/cask)", pastes)
        uncorr = pylme.lmer("Reaction ~ Days + (Days || Subject)", sleepstudy)
    assert nested.varcorr.groups == ("cask:batch", "batch")
    assert uncorr.varcorr.groups == ("Subject", "Subject.1")


# --- the "Multilevel Models in R" (2019) walkthrough on imm10 -----------------------------


def test_walkthrough_random_intercept(imm10):
    fit = pylme.lmer("math ~ homework + (1 | schid)", imm10)
    # the post: SD of the school intercepts (tau00) 5.02, residual SD 8.03
    assert fit.varcorr.components[0].sd == pytest.approx(5.02, abs=0.005)
    assert fit.sigma == pytest.approx(8.03, abs=0.005)


def test_walkthrough_random_slope(imm10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        fit = pylme.lmer("math ~ homework + (1 + homework | schid)", imm10)
    # the post: correlation between intercept and slope -0.81
    assert fit.varcorr.correlations[0].corr == pytest.approx(-0.81, abs=0.005)


def test_walkthrough_slope_only_and_uncorrelated(imm10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        slope = pylme.lmer("math ~ homework + (0 + homework | schid)", imm10)
        uncorr = pylme.lmer("math ~ homework + (1 | schid) + (0 + homework | schid)", imm10)
    assert [c.term for c in slope.varcorr.components] == ["homework"]
    assert uncorr.varcorr.correlations == ()
    assert [c.term for c in uncorr.varcorr.components] == ["(Intercept)", "homework"]


def test_format_real_tells_na_from_nan_as_r_does():
    """R prints NA_real_ as NA and NaN as NaN (a 0/0 correlation of a zero-variance term is NaN)."""
    from pylme.results.rformat import format_real
    from pylme.runtime import R_LOCK, get_session
    from pylme.runtime.from_r import from_r

    with R_LOCK:
        ri = get_session().ri
        values = from_r(ri.evalr("c(NA, NaN, 1.5, -Inf)"))
        expected = list(from_r(ri.evalr("format(c(NA, NaN, 1.5, -Inf))")))
    assert format_real(values) == expected == ["  NA", " NaN", " 1.5", "-Inf"]
