"""fit.allfit() against R's summary(allFit(m)) on the same data (reference_convergence.R)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import rref
from conftest import assert_close
from rref_convergence import ITER_RTOL, MODELS, check, fit, listed, reference

import pylme
from pylme.diagnostics import AllFit, OptimizerFit, control_for

CASES = list(MODELS)
#: allFit's full set needs optimx and dfoptim (scripts/setup.sh installs them); without them
#: allFit, in R and in pylme, runs the others, and the comparisons with R still hold.
needs_all = pytest.mark.skipif(
    not (rref.r_has_package("optimx") and rref.r_has_package("dfoptim")),
    reason="R packages optimx and dfoptim (r-cran-optimx, r-cran-dfoptim) are not installed",
)


def r_allfit(model):
    return reference()[model]["allfit"]


def ours(model) -> AllFit:
    return check(model).allfit


def r_rows(values):
    """R's per-optimizer rows (one list per optimizer that ran)."""
    return [listed(v) for v in listed(values)]


@needs_all
def test_every_installed_optimizer_runs():
    """optimx and dfoptim are installed here (scripts/setup.sh): all seven of allFit's."""
    assert ours("clean").names == tuple(listed(r_allfit("clean")["names"]))
    assert len(ours("clean").fits) == 7


@pytest.mark.parametrize("model", CASES)
def test_names_and_which_ok(model):
    r = r_allfit(model)
    assert ours(model).names == tuple(listed(r["names"]))
    assert [f.ok for f in ours(model).fits] == listed(r["which_ok"])


@pytest.mark.parametrize("model", CASES)
@pytest.mark.parametrize("quantity", ["fixef", "theta", "sdcor"])
def test_estimates_match_r(model, quantity):
    r, af = r_allfit(model), ours(model)
    ok = [f for f in af.fits if f.ok]
    expected = r_rows(r[quantity])
    assert len(ok) == len(expected)
    for f, e in zip(ok, expected):
        assert_close(getattr(f, quantity), e, ITER_RTOL, what=f"{f.name} {quantity}")
    assert getattr(af, f"{quantity}_names") == tuple(listed(r[f"{quantity}_names"]))


@pytest.mark.parametrize("model", CASES)
def test_loglik_feval_code_match_r(model):
    r = r_allfit(model)
    ok = [f for f in ours(model).fits if f.ok]
    assert_close([f.loglik for f in ok], listed(r["llik"]), ITER_RTOL, what="logLik")
    # Evaluation counts and return codes are integers: equal (nlminbwrap reports no count).
    feval = [None if v is None else v for v in listed(r["feval"])]
    assert [None if math.isnan(f.feval) else f.feval for f in ok] == feval
    assert [f.code for f in ok] == listed(r["code"])


@pytest.mark.parametrize("model", CASES)
def test_gradient_and_converged_match_r(model):
    r = r_allfit(model)
    ok = [f for f in ours(model).fits if f.ok]
    grads = [math.nan if g is None else g for g in listed(r["max_grad"])]
    assert_close([f.max_grad for f in ok], grads, ITER_RTOL, what="scaled gradient")
    assert [f.converged for f in ok] == listed(r["converged"])


@pytest.mark.parametrize("model", CASES)
def test_warnings_match_r(model):
    """Each refit's optimizer warnings and lme4 messages, word for word."""
    r = r_allfit(model)
    ok = [f for f in ours(model).fits if f.ok]
    expected = [listed(w or []) + listed(m or []) for w, m in zip(r["warnings"], r["msgs"])]
    assert [list(f.warnings) for f in ok] == expected


@pytest.mark.parametrize("model", CASES)
def test_spread_matches_r(model):
    """Max relative difference per parameter over the converged optimizers. The spread is a
    difference of nearly equal numbers, so it is compared absolutely, at 1e-6."""
    r = r_allfit(model)["spread"]
    s = ours(model).spread()
    for quantity in ("fixef", "theta", "sigma", "logLik"):
        got = s.loc[s["quantity"] == quantity, "rel_diff"].to_numpy()
        expected = [] if r[quantity] is None else listed(r[quantity])  # no sigma in a binomial
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6, err_msg=quantity)
    assert list(s.columns) == ["quantity", "parameter", "min", "max", "rel_diff"]


def test_a_wrong_estimate_is_caught():
    f = next(f for f in ours("clean").fits if f.ok)
    bad = np.array(f.theta) * (1 + 1e-5)
    with pytest.raises(AssertionError):
        assert_close(bad, r_rows(r_allfit("clean")["theta"])[0], ITER_RTOL)


def test_to_frame():
    df = ours("false_positive").to_frame()
    assert list(df.index) == list(ours("false_positive").names)
    assert df.index.name == "optimizer"
    expected = ["ok", "converged", "(Intercept)", "D", "Subject.(Intercept)"]
    assert list(df.columns[:5]) == expected
    assert list(df.columns[-8:]) == [
        "Subject.D", "sigma", "logLik", "feval", "time", "max_grad", "warnings", "error",
    ]  # fmt: skip
    assert (df["time"] > 0).all()
    # The default optimizer is the one lme4 warned about.
    assert "max|grad|" in df.loc["nloptwrap.NLOPT_LN_BOBYQA", "warnings"]
    assert not df.loc["nloptwrap.NLOPT_LN_BOBYQA", "converged"]


@needs_all
def test_subset_of_optimizers_equals_the_full_run():
    af = fit("clean").allfit(["nmkbw", "bobyqa"], progress=False)
    assert af.names == ("bobyqa", "nmkbw")  # allFit's order
    full = ours("clean")
    for f in af.fits:
        assert_close(f.theta, full[f.name].theta, ITER_RTOL, what=f.name)


def test_one_call_without_optimx_or_dfoptim(monkeypatch):
    """Where optimx or dfoptim is missing, allFit() cannot take a table of our own: pylme makes
    one call over what is installed and keeps the requested optimizers."""
    from pylme.runtime.session import RCallResult, get_session

    session = get_session()
    real = type(session).call

    def call(self, function, req, **kw):
        res = real(self, function, req, **kw)
        if function == "pylme_allfit_installed":
            value = {**res.value, "complete": np.array([False])}
            return RCallResult(value, res.warnings, res.messages, res.output)
        return res

    monkeypatch.setattr(type(session), "call", call)
    af = fit("clean").allfit(["Nelder_Mead", "bobyqa"], progress=False)
    assert af.names == ("bobyqa", "Nelder_Mead")
    assert_close(af["Nelder_Mead"].theta, ours("clean")["Nelder_Mead"].theta, ITER_RTOL)


def test_missing_package_raises(monkeypatch):
    import pylme.models.ddf as ddf

    monkeypatch.setattr(ddf, "installed_r_packages", lambda pk: {p: p != "optimx" for p in pk})
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-optimx"):
        fit("clean").allfit(["optimx.L-BFGS-B"], progress=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"optimizers": ["bogus"]}, "optimizers must be one of"),
        ({"optimizers": []}, "empty"),
        ({"maxfun": 0}, "maxfun"),
        ({"maxfun": 1.5}, "maxfun"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(pylme.OptionError, match=match):
        fit("clean").allfit(**kwargs)


def test_without_model():
    with pytest.raises(pylme.ModelMissingError):
        fit("clean").without_model().allfit()


def test_control_for():
    assert control_for("bobyqa") == {"optimizer": "bobyqa"}
    assert control_for("nloptwrap.NLOPT_LN_NELDERMEAD") == {
        "optimizer": "nloptwrap",
        "optCtrl": {"algorithm": "NLOPT_LN_NELDERMEAD"},
    }
    assert control_for("optimx.L-BFGS-B") == {
        "optimizer": "optimx",
        "optCtrl": {"method": "L-BFGS-B"},
    }


def test_every_field_and_display():
    af = ours("maxfun10")
    for f in dataclasses.fields(AllFit):
        getattr(af, f.name)
    for f in dataclasses.fields(OptimizerFit):
        getattr(af.fits[0], f.name)
    html = af._repr_html_()
    assert html.count("<tr>") == len(af.fits) + 1
    for name in af.names:
        assert name in html
    assert str(af).splitlines()[0] in html
    assert "optimizers converged" in str(af)
    with pytest.raises(KeyError, match="no optimizer"):
        af["bogus"]


def test_the_fit_is_left_as_it_was():
    """allFit() assigns `ctrl` into the model formula's environment; pylme puts it back, and
    the fit's own call keeps its control."""
    import rpy2.rinterface as ri

    ours("clean")  # allFit has run on this fit
    model = fit("clean").r_model()
    env = ri.baseenv["environment"](
        ri.baseenv["get"]("formula", envir=ri.baseenv["asNamespace"]("stats"))(model)
    )
    assert not ri.baseenv["exists"]("ctrl", envir=env, inherits=False)[0]
    assert fit("clean").allfit(["bobyqa"], progress=False)["bobyqa"].ok


def test_progress_moves_once_per_optimizer(monkeypatch):
    import pylme.diagnostics.allfit as module

    moves: list[int] = []

    class Bar:
        def update(self, n=1):
            moves.append(n)

        def close(self):
            moves.append(0)

    monkeypatch.setattr(module, "progress_bar", lambda total, desc, progress: Bar())
    fit("clean").allfit(["bobyqa", "Nelder_Mead", "nlminbwrap"], progress=True)
    if rref.r_has_package("optimx") and rref.r_has_package("dfoptim"):
        assert moves == [1, 1, 1, 0]
    else:  # allFit() without them takes its own method table: one R call for all three
        assert moves == [3, 0]
