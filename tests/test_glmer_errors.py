"""glmer bad input: typed errors with clear messages, and the session stays usable."""

from __future__ import annotations

import pytest
from cases import CBPP, glmm_dataset

import pylme


@pytest.fixture(scope="module")
def cbpp():
    return glmm_dataset("lme4:cbpp")


@pytest.fixture(scope="module")
def synth():
    return glmm_dataset("glmm_synthetic")


@pytest.mark.parametrize("formula", [CBPP, "incidence ~ period + (1 | herd)"])
def test_family_is_required(cbpp, formula):
    """R's glmer(formula, data) without a family warns that it is deprecated and fits a
    Gaussian LMM; pylme asks for the family and points to pylme.lmer, for 0/1 and count
    responses alike (no "y values must be 0 <= y <= 1" from a silent binomial default)."""
    with pytest.raises(pylme.OptionError) as info:
        pylme.glmer(formula, cbpp)
    text = str(info.value)
    assert text.startswith("glmer() needs family=")
    assert "R's glmer without a family fits a Gaussian LMM" in text
    assert "use pylme.lmer for that" in text


def test_unknown_family_lists_allowed(cbpp):
    with pytest.raises(
        pylme.OptionError, match="unknown family 'binomal'; allowed: binomial, poisson, Gamma"
    ):
        pylme.glmer(CBPP, cbpp, family="binomal")


def test_unknown_link_lists_allowed(cbpp):
    with pytest.raises(pylme.OptionError, match="unknown link 'logitt'; allowed: logit, probit"):
        pylme.glmer(CBPP, cbpp, family="binomial", link="logitt")


def test_link_not_for_family(cbpp):
    with pytest.raises(
        pylme.OptionError, match="link 'sqrt' is not available for the binomial family"
    ):
        pylme.glmer(CBPP, cbpp, family=pylme.Binomial(link="sqrt"))


def test_quasi_family_is_refused_with_reason(cbpp):
    with pytest.raises(pylme.OptionError, match="lme4 does not fit quasi families"):
        pylme.glmer(CBPP, cbpp, family="quasibinomial")


def test_gaussian_identity_points_to_lmer(cbpp):
    with pytest.raises(pylme.OptionError, match="use pylme.lmer"):
        pylme.glmer("size ~ period + (1 | herd)", cbpp, family="gaussian")


def test_binomial_response_outside_unit_interval(synth):
    with pytest.raises(pylme.DataError, match="y values must be 0 <= y <= 1"):
        pylme.glmer("count ~ x + (1 | g)", synth, family="binomial")


def test_negative_count_in_poisson(synth):
    d = synth.assign(count=synth["count"] - 5)
    with pytest.raises(pylme.DataError, match="negative values not allowed"):
        pylme.glmer("count ~ x + (1 | g)", d, family="poisson")


def test_three_level_factor_response(synth):
    d = synth.assign(answer=synth["answer"].where(synth["x"] < 1, "maybe"))
    with pytest.raises(
        pylme.DataError, match="binomial response 'answer' has 3 levels \\(maybe, no, yes\\)"
    ):
        pylme.glmer("answer ~ x + (1 | g)", d, family="binomial")


def test_agq_with_two_random_terms(cbpp):
    d = cbpp.assign(obs=[str(i) for i in range(len(cbpp))])
    with pytest.raises(pylme.PylmeError, match="nAGQ"):
        pylme.glmer(
            "cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)",
            d,
            family="binomial",
            nAGQ=5,
        )


def test_bad_nagq_value(cbpp):
    with pytest.raises(pylme.OptionError, match="nAGQ must be a whole number >= 0"):
        pylme.glmer(CBPP, cbpp, family="binomial", nAGQ=-1)


def test_unknown_glmer_control(cbpp):
    with pytest.raises(pylme.OptionError, match="unknown glmerControl argument"):
        pylme.glmer(CBPP, cbpp, family="binomial", control={"optimiser": "bobyqa"})


def test_session_usable_afterwards(cbpp, synth):
    with pytest.raises(pylme.DataError):
        pylme.glmer("count ~ x + (1 | g)", synth, family="binomial")
    fit = pylme.glmer(
        CBPP, cbpp, family="binomial", control={"optimizer": "bobyqa", "optCtrl": {"maxfun": 2e5}}
    )
    assert fit.fixef["period2"] == pytest.approx(-0.9923, abs=1e-3)
