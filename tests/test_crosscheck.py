"""fit.crosscheck(): statsmodels agrees on good fits, and a tampered fit fails."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rref

import pylme

pytest.importorskip("statsmodels")

#: The strong check: statsmodels' log-likelihood at lme4's estimates (issue bar: 1e-6).
LOGLIK_BAR = 1e-6


def _dietox() -> pd.DataFrame:
    import statsmodels.regression.tests as t

    return pd.read_csv(Path(t.__file__).parent / "results" / "dietox.csv")


def _fit(formula, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        return pylme.lmer(formula, data, **kw)


CASES = {
    "sleep_reml": lambda imm: _fit(
        "Reaction ~ Days + (Days | Subject)", rref.r_dataset("lme4", "sleepstudy")
    ),
    "sleep_ml": lambda imm: _fit(
        "Reaction ~ Days + (Days | Subject)", rref.r_dataset("lme4", "sleepstudy"), REML=False
    ),
    "sleep_uncorrelated": lambda imm: _fit(
        "Reaction ~ Days + (Days || Subject)", rref.r_dataset("lme4", "sleepstudy")
    ),
    "penicillin_crossed": lambda imm: _fit(
        "diameter ~ 1 + (1 | plate) + (1 | sample)", rref.r_dataset("lme4", "Penicillin")
    ),
    "pastes_nested": lambda imm: _fit(
        "strength ~ 1 + (1 | batch/cask)", rref.r_dataset("lme4", "Pastes")
    ),
    "dietox_slopes": lambda imm: _fit("Weight ~ Time + (1 + Time | Pig)", _dietox()),
    "imm10_slope": lambda imm: _fit("math ~ homework + (1 + homework | schid)", imm),
}


@pytest.fixture(scope="module")
def imm_or_none():
    from conftest import IMM10

    return pd.read_csv(IMM10) if IMM10.exists() else None


@pytest.mark.parametrize("case", list(CASES))
def test_crosscheck_agrees(case, imm_or_none):
    if case == "imm10_slope" and imm_or_none is None:
        pytest.skip("shared/data/imm10.csv not available")
    fit = CASES[case](imm_or_none)
    cc = fit.crosscheck()
    assert cc.ok, str(cc)
    assert cc.rows[0].quantity == "loglik at lme4's estimates"
    assert abs(cc.loglik_at_lme4 - fit.loglik) / abs(fit.loglik) <= LOGLIK_BAR
    assert len(cc.rows) >= 5
    assert list(cc.to_frame().columns) == [
        "quantity",
        "lme4",
        "statsmodels",
        "abs_diff",
        "rel_diff",
        "tol",
        "ok",
        "note",
    ]


@pytest.fixture(scope="module")
def sleep_fit():
    return _fit("Reaction ~ Days + (Days | Subject)", rref.r_dataset("lme4", "sleepstudy"))


def test_tampered_fixed_effects_fail(sleep_fit):
    fe = dataclasses.replace(sleep_fit.fixef, estimate=np.asarray(sleep_fit.fixef.estimate) * 1.05)
    cc = dataclasses.replace(sleep_fit, fixef=fe).crosscheck()
    assert not cc.ok
    failed = {r.quantity for r in cc.failed}
    assert "loglik at lme4's estimates" in failed and "fixef[(Intercept)]" in failed


def test_tampered_variance_component_fails(sleep_fit):
    vc = sleep_fit.varcorr
    vcov = np.asarray(vc.vcov).copy()
    vcov[0] *= 1.05  # Subject (Intercept) variance
    cc = dataclasses.replace(sleep_fit, varcorr=dataclasses.replace(vc, vcov=vcov)).crosscheck()
    assert not cc.ok
    failed = {r.quantity for r in cc.failed}
    assert "loglik at lme4's estimates" in failed and "var[Subject: (Intercept)]" in failed


def test_strong_check_alone_without_refit(sleep_fit):
    cc = sleep_fit.crosscheck(refit=False)
    assert cc.ok and len(cc.rows) == 1


def test_inexpressible_model_reports_skipped():
    sleep = rref.r_dataset("lme4", "sleepstudy").copy()
    sleep["site"] = pd.array(np.tile(["s1", "s2", "s3"], 60), dtype=object)  # crossed with Subject
    fit = _fit("Reaction ~ Days + (Days | Subject) + (Days | site)", sleep)
    cc = fit.crosscheck()
    assert not cc.ok and cc.rows == ()
    assert any("correlated terms" in why for _, why in cc.skipped)
    assert "skipped" in str(cc)


@pytest.mark.parametrize("case", ["cbpp", "grouseticks"])
def test_glmm_approximate_check_runs(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if case == "cbpp":
            fit = pylme.glmer(
                "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                rref.r_dataset("lme4", "cbpp"),
                family="binomial",
            )
        else:
            fit = pylme.glmer(
                "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION)",
                rref.r_dataset("lme4", "grouseticks"),
                family="poisson",
            )
    cc = fit.crosscheck()
    assert len(cc.rows) >= 4
    assert all("approximate" in r.note for r in cc.rows)
    if case == "cbpp":
        assert cc.ok, str(cc)


def test_glmm_tampered_fixed_effects_fail():
    fit = pylme.glmer(
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        rref.r_dataset("lme4", "cbpp"),
        family="binomial",
    )
    fe = dataclasses.replace(
        fit.fixef, estimate=np.asarray(fit.fixef.estimate) - 2 * np.asarray(fit.fixef.std_error)
    )
    assert not dataclasses.replace(fit, fixef=fe).crosscheck().ok


def test_glmm_family_without_statsmodels_counterpart():
    d = rref.r_dataset("lme4", "cbpp")
    fit = pylme.glmer(
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        d,
        family="binomial",
        link="probit",
    )
    cc = fit.crosscheck()
    assert not cc.ok and cc.skipped
