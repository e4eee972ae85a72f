"""fit_many and lmer_many: equal to separate fits (and to pure-R lme4), failures isolated."""

from __future__ import annotations

import pickle
import warnings

import compare
import numpy as np
import pytest
import rref
from conftest import RTOL, assert_close

import pylme
from pylme.parallel.fit_many import TEST_KILL_OPTION

SLOPE = "~ Days + (Days | Subject)"
INTERCEPT = "~ Days + (1 | Subject)"


def assert_same_fit(a, b, rtol: float = RTOL) -> None:
    """Every number and the convergence record of two fits agree (to lme4's run-to-run noise)."""
    assert type(a) is type(b)
    assert a.formula == b.formula
    assert a.fixef.terms == b.fixef.terms
    for what in ("estimate", "std_error", "statistic", "vcov"):
        assert_close(getattr(a.fixef, what), getattr(b.fixef, what), rtol, f"fixef.{what}")
    assert_close(a.varcorr.sdcor, b.varcorr.sdcor, rtol, "sdcor")
    assert a.ranef.keys() == b.ranef.keys()
    for g in a.ranef:
        assert_close(a.ranef[g].modes, b.ranef[g].modes, rtol, f"ranef {g}")
        assert_close(a.ranef[g].cond_var, b.ranef[g].cond_var, rtol, f"cond_var {g}")
        assert_close(a.coef[g].values, b.coef[g].values, rtol, f"coef {g}")
    for what in ("fitted", "residuals", "scaled_residuals"):
        assert_close(getattr(a, what), getattr(b, what), rtol, what)
    for what in ("loglik", "aic", "bic", "deviance", "sigma"):
        assert_close(getattr(a, what), getattr(b, what), rtol, what)
    assert (a.nobs, a.df, a.df_residual, a.n_dropped, a.ngrps) == (
        b.nobs,
        b.df,
        b.df_residual,
        b.n_dropped,
        b.ngrps,
    )
    ca, cb = a.convergence, b.convergence
    for what in ("converged", "singular", "optimizer", "code", "lme4_messages", "warnings"):
        assert getattr(ca, what) == getattr(cb, what), what
    assert ca.messages == cb.messages
    assert a.provenance.data_sha256 == b.provenance.data_sha256
    assert a.provenance.options == b.provenance.options


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def data(sleepstudy):
    """sleepstudy with extra responses: noisy copies, a singular one, and NA patterns (two
    responses share one pattern)."""
    rng = np.random.default_rng(14)
    df = sleepstudy.copy()
    n = len(df)
    for k in range(4):
        df[f"y{k}"] = df["Reaction"] + rng.normal(0, 25 * (k + 1), n)
    df["noise"] = rng.normal(0, 1, n)  # no subject effect: a singular fit
    df["w"] = rng.uniform(0.5, 2.0, n)
    df["count"] = (df["Reaction"] // 25).astype(np.int64)
    df.loc[[2, 50, 51], "y1"] = np.nan
    df.loc[[2, 50, 51], "y2"] = np.nan
    df.loc[[7, 170], "y3"] = np.nan
    return df


RESPONSES = ["Reaction", "y0", "y1", "y2", "y3", "noise"]


def separate(data, rhs, responses):
    return [quiet(pylme.lmer, f"{y} {rhs}", data) for y in responses]


# -- the comparison itself can fail --------------------------------------------------------


def test_assert_same_fit_sees_a_difference(data):
    a = quiet(pylme.lmer, "Reaction ~ Days + (Days | Subject)", data)
    b = quiet(pylme.lmer, "Reaction ~ Days + (Days | Subject)", data, REML=False)
    with pytest.raises(AssertionError):
        assert_same_fit(a, b)


# -- lmer_many ---------------------------------------------------------------------------


@pytest.mark.parametrize("rhs", [INTERCEPT, SLOPE], ids=["intercept", "slope"])
def test_lmer_many_equals_separate_lmer(data, rhs):
    many = quiet(pylme.lmer_many, rhs, data, RESPONSES)
    for fit, ref in zip(many, separate(data, rhs, RESPONSES)):
        assert_same_fit(fit, ref)
    assert [f.n_dropped for f in many] == [0, 0, 3, 3, 2, 0]
    assert many[-1].convergence.singular
    assert isinstance(many[0], pylme.LmerFit)
    assert many[0].provenance.formula == f"Reaction {rhs}"


def test_lmer_many_matches_pure_r(data):
    """Against lme4 itself in a pure-R run, quantity by quantity (two NA patterns)."""
    picks = ["y1", "y3"]
    cases = [
        {"id": y, "function": "lmer", "formula": f"{y} {SLOPE}", "data": data, "options": {}}
        for y in picks
    ]
    refs = rref.reference_fits(cases)
    for y, fit in zip(picks, quiet(pylme.lmer_many, SLOPE, data, picks)):
        for q in compare.QUANTITIES:
            compare.check(q, fit, refs[y])


def test_lmer_many_ml_and_warnings(data):
    with pytest.warns(pylme.PylmeWarning, match="3 of 180 rows"):
        fits = pylme.lmer_many(SLOPE, data, ["y1"], REML=False)
    ref = quiet(pylme.lmer, f"y1 {SLOPE}", data, REML=False)
    assert_same_fit(fits[0], ref)


def test_lmer_many_weights_and_offset(data):
    fits = quiet(pylme.lmer_many, INTERCEPT, data, ["y0", "y1"], weights="w", offset="noise")
    for y, fit in zip(["y0", "y1"], fits):
        ref = quiet(pylme.lmer, f"{y} {INTERCEPT}", data, weights="w", offset="noise")
        assert_same_fit(fit, ref)


def test_lmer_many_errors(data):
    with pytest.raises(pylme.FormulaError, match="right-hand side"):
        pylme.lmer_many("y ~ Days + (1 | Subject)", data, ["y0"])
    with pytest.raises(pylme.DataError, match="nope"):
        pylme.lmer_many(INTERCEPT, data, ["y0", "nope"])
    # A response with no values: lme4 itself stops ("0 (non-NA) cases").
    bad = data.assign(empty=np.nan)
    with pytest.raises(pylme.JobError):
        quiet(pylme.lmer_many, INTERCEPT, bad, ["y0", "empty"])
    kept = quiet(pylme.lmer_many, INTERCEPT, bad, ["y0", "empty"], on_error="keep")
    assert isinstance(kept[0], pylme.LmerFit) and isinstance(kept[1], pylme.JobError)


def test_lmer_many_on_loky(data):
    many = quiet(pylme.lmer_many, SLOPE, data, RESPONSES, backend="loky", n_jobs=2)
    for fit, ref in zip(many, separate(data, SLOPE, RESPONSES)):
        assert_same_fit(fit, ref)
    # The R model travelled back (compact bytes) and is lme4's model of this fit.
    import rpy2.rinterface as ri

    fixef = ri.baseenv["get"]("fixef", envir=ri.baseenv["asNamespace"]("lme4"))
    for fit in (many[0], pickle.loads(pickle.dumps(many[0]))):
        assert_close(np.array(fixef(fit.r_model())), fit.fixef.estimate, RTOL, "R fixef")


# -- fit_many ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jobs(data):
    return [
        pylme.Job("lmer", "Reaction ~ Days + (Days | Subject)", data),
        pylme.Job("lmer", "y0 ~ Days + (1 | Subject)", data, REML=False),
        pylme.Job("lmer", "Reaction ~ Nope + (1 | Subject)", data),  # fails: no column
        pylme.Job("lmer", "y3 ~ Days + (Days | Subject)", data),
        pylme.Job("glmer", "count ~ Days + (1 | Subject)", data, family="poisson"),
        pylme.Job("glmer_nb", "count ~ Days + (1 | Subject)", data),
    ]


@pytest.fixture(scope="module")
def serial(jobs):
    return quiet(pylme.fit_many, jobs, backend="serial")


def check_against_serial(results, serial, jobs):
    assert len(results) == len(jobs)
    for got, ref, job in zip(results, serial, jobs):
        if isinstance(ref, pylme.JobError):
            assert isinstance(got, pylme.JobError)
            assert (got.error_type, got.r_message) == (ref.error_type, ref.r_message)
            assert got.job.formula == job.formula
        else:
            assert_same_fit(got, ref)


def test_serial_equals_plain_calls(jobs, serial):
    for job, fit in zip(jobs, serial):
        if "Nope" in job.formula:
            assert isinstance(fit, pylme.JobError) and fit.error_type == "DataError"
            assert "Nope" in fit.r_message
        else:
            fun = getattr(pylme, job.kind)
            assert_same_fit(fit, quiet(fun, job.formula, job.data, **job.options))


def test_loky_equals_serial(jobs, serial):
    with pytest.warns(pylme.PylmeWarning, match="2 of 180 rows"):  # re-emitted from the fit
        got = pylme.fit_many(jobs, backend="loky", n_jobs=2)
    check_against_serial(got, serial, jobs)


def test_on_error_raise(jobs):
    with pytest.raises(pylme.JobError, match="Nope"):
        quiet(pylme.fit_many, jobs[2:3], backend="serial", on_error="raise")


def test_killed_worker_loses_only_its_job(jobs, serial, data):
    killer = pylme.Job("lmer", "Reaction ~ Days + (1 | Subject)", data, **{TEST_KILL_OPTION: True})
    mixed = [*jobs[:2], killer, *jobs[2:]]
    got = quiet(pylme.fit_many, mixed, backend="loky", n_jobs=2)
    assert isinstance(got[2], pylme.JobError) and got[2].error_type == "WorkerDied"
    check_against_serial(got[:2] + got[3:], serial, jobs)


def test_light_results(jobs, serial):
    light = quiet(pylme.fit_many, jobs[:1], backend="loky", n_jobs=1, keep_model=False)
    assert_same_fit(light[0], serial[0])
    with pytest.raises(pylme.ModelMissingError):
        light[0].r_model()


def test_dask_local_cluster(jobs, serial, data):
    distributed = pytest.importorskip("distributed")
    from pylme.parallel.engine import clean_environment

    with clean_environment():  # see the report: R's LD_LIBRARY_PATH breaks spawned workers
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        check_against_serial(quiet(pylme.fit_many, jobs, client=client), serial, jobs)
        many = quiet(pylme.lmer_many, INTERCEPT, data, ["y1", "y3"], client=client)
        for fit, ref in zip(many, separate(data, INTERCEPT, ["y1", "y3"])):
            assert_same_fit(fit, ref)


def test_bad_arguments(jobs):
    with pytest.raises(pylme.OptionError, match="backend"):
        pylme.fit_many(jobs, backend="threads")
    with pytest.raises(pylme.OptionError, match="on_error"):
        pylme.fit_many(jobs, on_error="ignore")
    with pytest.raises(pylme.OptionError, match="kind"):
        pylme.Job("lm", "y ~ x", None)
    with pytest.raises(TypeError):
        pylme.fit_many(["y ~ x"], backend="serial")
