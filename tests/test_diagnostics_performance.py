"""fit.performance() and fit.check() against pure R's performance calls (``r2_nakagawa``,
``icc``, ``model_performance``, ``check_singularity``, ``check_overdispersion``,
``check_zeroinflation``, ``check_collinearity``) on the same data, for lmer, binomial and
Poisson glmer; the convergence line through a registered ``check_convergence``."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import rref
from conftest import assert_close
from rref_diagnostics import fit, floats, ref, rtol

import pylme
from pylme.diagnostics import CheckReport, Performance
from pylme.results import methods

PERF_CASES = {
    "perf_slope": "slope",
    "perf_cake": "cake",
    "perf_cbpp": "cbpp",
    "perf_ticks": "ticks",
    "perf_singular": "singular",  # R gives NA for the conditional R² and the ICCs
}
FIELDS = [f.name for f in dataclasses.fields(Performance)]
CHECK_CASES = {
    "check_slope": "slope",
    "check_cake": "cake",
    "check_cbpp": "cbpp",
    "check_ticks": "ticks",
    "check_singular": "singular",
}


def check_performance(p: Performance, r: dict, field: str, tol: float) -> None:
    assert_close(getattr(p, field), floats(r[field])[0], tol, what=field)


pytestmark = pytest.mark.skipif(
    not rref.r_has_package("performance"), reason="the R package performance is not installed"
)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("query", list(PERF_CASES))
def test_performance_matches_r(query, field):
    model = PERF_CASES[query]
    check_performance(fit(model).performance(), ref(query), field, rtol(model))


def test_performance_check_catches_a_wrong_answer():
    p = fit("slope").performance()
    wrong = dataclasses.replace(p, icc_adjusted=p.icc_unadjusted)  # the ICCs swapped
    with pytest.raises(AssertionError):
        check_performance(wrong, ref("perf_slope"), "icc_adjusted", 1e-8)
    df = p.to_frame()
    assert list(df.columns) == FIELDS and df.shape == (1, len(FIELDS))
    assert "<table" in p._repr_html_()


def check_report(rep: CheckReport, r: dict, tol: float) -> None:
    """Every number of the report against R's check_* results."""
    assert rep.singular is bool(r["singular"])
    od = r.get("overdispersion")
    if od is None:
        assert rep.overdispersion is None
    else:
        o = rep.overdispersion
        assert o is not None
        assert_close(o.chisq, od["chisq_statistic"], tol, "chisq")
        assert_close(o.ratio, od["dispersion_ratio"], tol, "ratio")
        assert_close(o.df, od["residual_df"], tol, "df")
        assert_close(o.p, od["p_value"], tol, "p")
    zi = r.get("zeroinflation")
    if zi is None:
        assert rep.zeroinflation is None
    else:
        z = rep.zeroinflation
        assert z is not None
        assert_close(z.observed, zi["observed.zeros"], tol, "observed zeros")
        assert_close(z.predicted, zi["predicted.zeros"], tol, "predicted zeros")
        assert_close(z.ratio, zi["ratio"], tol, "zero ratio")
        assert_close(z.tolerance, zi["tolerance"], tol, "tolerance")
    cl = r.get("collinearity")
    if cl is None:
        assert rep.collinearity is None
    else:
        c = rep.collinearity
        assert c is not None
        cols = cl["columns"]
        assert list(c.terms) == cols["Term"]
        for name, ours in [
            ("VIF", c.vif),
            ("VIF_CI_low", c.vif_ci_low),
            ("SE_factor", c.se_factor),
            ("Tolerance", c.tolerance),
        ]:
            assert_close(ours, floats(cols[name]), tol, name)
        assert_close(c.vif_ci_high, floats(cols["VIF_CI_high"]), tol, "VIF_CI_high")


@pytest.mark.parametrize("query", list(CHECK_CASES))
def test_check_matches_r(query):
    model = CHECK_CASES[query]
    check_report(fit(model).check(), ref(query), rtol(model))


def test_check_catches_a_wrong_answer():
    rep = fit("ticks").check()
    assert rep.overdispersion is not None and rep.zeroinflation is not None
    wrong_p = dataclasses.replace(rep.overdispersion, p=rep.overdispersion.p * 1.01)
    with pytest.raises(AssertionError):
        check_report(dataclasses.replace(rep, overdispersion=wrong_p), ref("check_ticks"), 1e-6)
    wrong_z = dataclasses.replace(rep.zeroinflation, predicted=rep.zeroinflation.predicted + 1)
    with pytest.raises(AssertionError):
        check_report(dataclasses.replace(rep, zeroinflation=wrong_z), ref("check_ticks"), 1e-6)
    with pytest.raises(AssertionError):
        check_report(dataclasses.replace(rep, overdispersion=None), ref("check_ticks"), 1e-6)


def test_check_statuses_say_what_r_says():
    """performance's own verdicts: cbpp has no overdispersion (p = 0.12), grouseticks has
    overdispersion (p < 1e-15) and underfits zeros (ratio 0.87 < 0.95)."""
    cbpp, ticks, slope = fit("cbpp").check(), fit("ticks").check(), fit("slope").check()
    assert cbpp.line("overdispersion").status == "ok"
    assert "No overdispersion detected" in cbpp.line("overdispersion").message
    assert ticks.line("overdispersion").status == "problem"
    assert ticks.line("zero-inflation").status == "problem"
    assert "underfitting zeros" in ticks.line("zero-inflation").message
    assert ticks.status == "problem"
    assert slope.line("overdispersion").status == "not checked"
    assert slope.line("collinearity").status == "not checked"
    assert fit("cake").check().line("collinearity").status == "ok"
    assert [r.check for r in slope.rows] == [
        "singularity",
        "overdispersion",
        "zero-inflation",
        "collinearity",
        "convergence",
    ]
    assert slope.status == "ok" and "Model check: ok" in str(slope)
    assert "<table" in slope._repr_html_() and "singularity" in slope._repr_html_()
    assert list(slope.to_frame().columns) == ["check", "status", "value", "source", "message"]
    with pytest.raises(KeyError, match="singularity"):
        slope.line("nope")


def test_singular_fit_is_a_note():
    """A fit lme4 calls singular: a random intercept for sleepstudy's rows dealt round-robin
    into six groups. In R: d$g <- factor((seq_len(nrow(d)) - 1) %% 6);
    isSingular(lmer(Reaction ~ Days + (1 | g), d)) is TRUE (the g SD is 0)."""
    from pylme.datasets import load

    d = fit("slope")  # sleepstudy
    frame = load("sleepstudy")
    frame["g"] = (np.arange(len(frame)) % 6).astype(str)
    with pytest.warns(pylme.PylmeWarning):
        m = pylme.lmer("Reaction ~ Days + (1 | g)", frame)
    assert m.convergence.singular  # lme4's isSingular(m)
    rep = m.check(convergence=False)
    assert rep.singular and rep.line("singularity").status == "note"
    assert not d.check(convergence=False).singular


def test_convergence_line_not_checked_without_check_convergence(monkeypatch):
    monkeypatch.delitem(methods._IMPLEMENTATIONS, "check_convergence", raising=False)
    line = fit("slope").check().line("convergence")
    assert line.status == "not checked"
    assert "check_convergence() is not available" in line.message
    assert fit("slope").check(convergence=False).line("convergence").status == "not checked"


@pytest.mark.parametrize(
    "verdict,status", [("ok", "ok"), ("false positive", "note"), ("problem", "problem")]
)
def test_convergence_line_from_registered_check_convergence(monkeypatch, verdict, status):
    calls = []

    def fake(fit):
        calls.append(fit)
        return SimpleNamespace(verdict=verdict)

    monkeypatch.setitem(methods._IMPLEMENTATIONS, "check_convergence", fake)
    m = fit("slope")
    rep = m.check()
    assert calls == [m]
    assert rep.line("convergence").status == status
    assert rep.convergence.verdict == verdict
    assert rep.status == ("ok" if status == "ok" else status)
    calls.clear()
    assert m.check(convergence=False).line("convergence").status == "not checked"
    assert calls == []


def test_missing_performance_package_names_debian(monkeypatch):
    from pylme.models import ddf

    monkeypatch.setattr(ddf, "installed_r_packages", lambda pk: {p: p != "performance" for p in pk})
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-performance"):
        fit("slope").performance()
    with pytest.raises(pylme.MissingRPackageError, match="r-cran-performance"):
        fit("slope").check()
    with pytest.raises(pylme.OptionError, match="convergence"):
        fit("slope").check(convergence="yes")  # type: ignore[arg-type]
