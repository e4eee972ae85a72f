"""fit.check_convergence(): ?convergence's steps against pure R (reference_convergence.R), and
the three verdicts on a clean fit, a false positive and a truly unconverged fit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import assert_close
from rref_convergence import ITER_RTOL, MODELS, check, fit, listed, reference

import pylme
from pylme.diagnostics import ConvergenceCheck, Evidence
from pylme.diagnostics.allfit_result import AllFit

CASES = list(MODELS)
EXPECTED = {
    "clean": "ok",
    "false_positive": "false positive",
    "maxfun10": "problem",
    "cbpp": "ok",
}
WARNED = {"false_positive", "maxfun10"}


def r_best(model):
    """R's lowest -2 logLik over the converged optimizers, and allFit's first optimizer within
    the default deviance tolerance of it (the optimizer to use)."""
    r = reference()[model]["allfit"]
    names = [n for n, ok in zip(listed(r["names"]), listed(r["which_ok"])) if ok]
    dev = {n: -2 * ll for n, ll, c in zip(names, listed(r["llik"]), listed(r["converged"])) if c}
    best = min(dev.values())
    return best, next(n for n, d in dev.items() if d <= best + check(model).deviance_tol)


@pytest.mark.parametrize("model", CASES)
def test_verdict(model):
    c = check(model)
    assert c.verdict == EXPECTED[model], str(c)
    assert c.ok == (model != "maxfun10")


@pytest.mark.parametrize("model", CASES)
def test_lme4_warned(model):
    assert check(model).lme4_warned == (model in WARNED)
    # lme4's messages are among R's @optinfo warnings and messages for the same fit.
    r_said = set(listed(reference()[model]["fit"]["warnings"] or []))
    assert set(check(model).lme4_messages) <= r_said
    assert bool(check(model).lme4_messages) == (model in WARNED)


@pytest.mark.parametrize("model", CASES)
def test_fit_gradient_matches_r(model):
    """lme4's scaled gradient of the fit, recomputed as checkConv does, equals R's."""
    c, r = check(model), reference()[model]["fit"]
    assert_close([c.max_grad], [r["max_grad"]], ITER_RTOL, what="max|grad|")
    assert c.grad_tol == 0.002  # lmerControl()$checkConv$check.conv.grad$tol
    assert (c.max_grad > c.grad_tol) == (model in WARNED)


@pytest.mark.parametrize("model", CASES)
@pytest.mark.parametrize("quantity", ["fixef", "theta", "sigma", "loglik"])
def test_restart_matches_r(model, quantity):
    """update(m, start = getME(m, "theta")) in R and pylme's restart agree."""
    got = np.atleast_1d(getattr(check(model).restart, quantity))
    assert_close(got, listed(reference()[model]["restart"][quantity]), ITER_RTOL, what=quantity)
    assert list(check(model).restart.warnings) == listed(
        reference()[model]["restart"]["warnings"] or []
    )


@pytest.mark.parametrize("model", CASES)
def test_deviance_gain_matches_r(model):
    """The fit's -2 logLik minus the best converged optimizer's, from R's numbers."""
    c = check(model)
    best, use = r_best(model)
    fit_dev = -2 * reference()[model]["fit"]["loglik"]
    assert c.deviance_gain == pytest.approx(fit_dev - best, abs=1e-6)
    assert c.use_optimizer == (use if model == "maxfun10" else None)
    r_restart = -2 * reference()[model]["restart"]["loglik"]
    assert c.restart_gain == pytest.approx(fit_dev - r_restart, abs=1e-6)


def test_problem_names_the_optimizer_and_its_control():
    c = check("maxfun10")
    assert c.use_optimizer is not None
    assert c.deviance_gain > 1  # bobyqa stopped far from the optimum
    assert "control={'optimizer'" in c.reason
    problems = {r.check for r in c.rows if r.status == "problem"}
    assert "allFit: -2 logLik lowered by (best)" in problems
    assert "restart: -2 logLik lowered by" in problems


def test_false_positive_evidence():
    c = check("false_positive")
    assert c.max_grad > c.grad_tol
    assert c.deviance_gain <= c.deviance_tol
    assert c.max_rel_diff <= c.rtol
    assert c.use_optimizer is None
    assert "within the tolerances" in c.reason


def test_a_lower_optimum_is_caught():
    """The clean fit, with one optimizer's log-likelihood raised (as if it had found a better
    optimum): the verdict turns to problem and names that optimizer."""
    c = check("clean")
    af = c.allfit
    target = af.fits[2]
    tampered = dataclasses.replace(target, loglik=target.loglik + 0.5)
    fits = tuple(tampered if f is target else f for f in af.fits)
    bad = fit("clean").check_convergence(allfit=dataclasses.replace(af, fits=fits))
    assert bad.verdict == "problem"
    assert bad.use_optimizer == target.name
    assert bad.deviance_gain == pytest.approx(-2 * fit("clean").loglik - tampered.objective)
    assert bad.deviance_gain > 1.0 - 1e-6


def test_moved_estimates_are_caught():
    """Tighter than the false positive's own differences, the same fit is a problem."""
    c = check("false_positive")
    strict = fit("false_positive").check_convergence(rtol=c.max_rel_diff / 2, allfit=c.allfit)
    assert strict.verdict == "problem"
    assert "estimates differ from the best" in strict.reason


def test_no_converged_optimizer_is_a_problem():
    af = check("clean").allfit
    fits = tuple(dataclasses.replace(f, converged=False) for f in af.fits)
    c = fit("clean").check_convergence(allfit=dataclasses.replace(af, fits=fits))
    assert c.verdict == "problem"
    assert c.best is None and math.isnan(c.deviance_gain)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"rtol": 0}, "rtol"), ({"deviance_tol": -1.0}, "deviance_tol"), ({"allfit": 3}, "allfit")],
)
def test_bad_options(kwargs, match):
    with pytest.raises(pylme.OptionError, match=match):
        fit("clean").check_convergence(**kwargs)


def test_allfit_of_another_model_is_refused():
    with pytest.raises(pylme.OptionError, match="another model"):
        fit("clean").check_convergence(allfit=check("false_positive").allfit)


def test_every_field_frame_and_display():
    c = check("false_positive")
    for f in dataclasses.fields(ConvergenceCheck):
        getattr(c, f.name)
    assert isinstance(c.allfit, AllFit)
    df = c.to_frame()
    assert list(df.columns) == list(Evidence._fields)
    assert len(df) == len(c.rows) == 8
    assert set(df["status"]) <= {"ok", "note", "problem"}
    html = c._repr_html_()
    assert "false positive" in html
    assert html.count("<tr>") == len(c.rows) + 1
    text = str(c)
    assert text.startswith("Convergence: false positive.")
    assert "rtol 0.001" in text
