"""pylme.power and pylme.power_curve against simr's loop in pure R (r_scripts/reference_power.R):
set.seed(seed), then simulate, fit and test, p-value for p-value."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import rref
import rref_power
from conftest import RTOL, assert_close

import pylme
from pylme.parallel import power_run
from pylme.parallel.bootstrap import replicate_seeds

FORMULA = "Reaction ~ Days + (Days | Subject)"
CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
#: A numeric grouping column (sleepstudy's Subject as numbers): extend numbers it 1..n.
NUMERIC = "Reaction ~ Days + (1 | subj)"
#: model -> (formula, pylme function)
MODELS = {"lmer": (FORMULA, "lmer"), "glmer": (CBPP, "glmer"), "numeric": (NUMERIC, "lmer")}
NSIM_PARALLEL, SEED_PARALLEL = 10, 42

#: Each case: how pylme is called (function, fit, term, options) and the same run for R.
CASES = {
    "lrt": dict(term="Days", test="lrt", effect={"Days": 5.0}, nsim=10, seed=42),
    "satterthwaite_extended": dict(
        term="Days",
        test="satterthwaite",
        effect={"Days": 3.0},
        nsim=6,
        seed=7,
        extend={"along": "Subject", "n": 24},
    ),
    "z_lmer": dict(term="Days", test="z", effect={"Days": 4.0}, nsim=6, seed=11),
    "curve": dict(
        term="Days",
        test="lrt",
        effect={"Days": 5.0},
        nsim=6,
        seed=5,
        curve={"along": "Subject", "breaks": [4, 10, 24]},
    ),
    "curve_default_breaks": dict(
        term="Days",
        test="z",
        effect={"Days": 2.0},
        nsim=2,
        seed=13,
        curve={"along": "Subject", "breaks": None},
    ),
    "numeric_along_curve": dict(
        model="numeric",
        term="Days",
        test="z",
        effect={"Days": 3.0},
        nsim=3,
        seed=17,
        curve={"along": "subj", "breaks": [4, 25]},
    ),
    "glmer_z": dict(term="period2", test="z", nsim=5, seed=3, effect={"period2": -0.7}),
    "glmer_lrt_factor": dict(
        term="period", test="lrt", nsim=4, seed=9, effect={"period2": -0.5, "period3": -0.4}
    ),
}


def model_of(name: str) -> str:
    return CASES[name].get("model", "glmer" if name.startswith("glmer") else "lmer")


@pytest.fixture(scope="module")
def fits(sleepstudy):
    cbpp = rref.r_dataset("lme4", "cbpp")
    numeric = sleepstudy.assign(subj=sleepstudy["Subject"].astype(str).astype("int32"))
    return {
        "lmer": pylme.lmer(FORMULA, sleepstudy),
        "glmer": pylme.glmer(CBPP, cbpp, family="binomial"),
        "numeric": pylme.lmer(NUMERIC, numeric[["Reaction", "Days", "subj"]]),
        "data": {"lmer": sleepstudy, "glmer": cbpp, "numeric": numeric},
    }


@pytest.fixture(scope="module")
def reference(fits):
    tasks = []
    for name, case in CASES.items():
        model = model_of(name)
        formula, function = MODELS[model]
        options = {k: v for k, v in case.items() if k not in ("term", "test", "model")}
        if function == "glmer":
            options.update(function="glmer", family="binomial")
        if name == "lrt":
            options["seeds"] = replicate_seeds(SEED_PARALLEL, NSIM_PARALLEL).tolist()
        data = fits["data"][model]
        tasks.append(rref_power.task(name, data, formula, case["term"], case["test"], **options))
    return rref_power.run(tasks)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        return fn(*args, **kwargs)


def run_pylme(fits, name: str, **extra):
    case = CASES[name]
    fit = fits[model_of(name)]
    kwargs = dict(effect=case["effect"], test=case["test"], nsim=case["nsim"], seed=case["seed"])
    if "extend" in case:
        kwargs["extend"] = {case["extend"]["along"]: case["extend"]["n"]}
    kwargs.update(extra)
    if "curve" in case:
        curve = case["curve"]
        frame = quiet(
            pylme.power_curve,
            fit,
            case["term"],
            along=curve["along"],
            breaks=curve["breaks"],
            **kwargs,
        )
        return list(frame.attrs["results"]), frame
    return [quiet(pylme.power, fit, case["term"], **kwargs)], None


@pytest.fixture(scope="module")
def serial(fits):
    return {name: run_pylme(fits, name) for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_serial_p_values_equal_simr_loop(serial, reference, name):
    results, _ = serial[name]
    ref = reference[name]
    assert len(results) == len(ref["p"])
    for res, p in zip(results, ref["p"]):
        assert_close(res.p_values, rref_power.floats(p), rtol=RTOL, what=f"{name} p-values")


@pytest.mark.parametrize("name", list(CASES))
def test_power_and_interval_equal_binom_test(serial, reference, name):
    results, _ = serial[name]
    ref = reference[name]
    successes = np.atleast_1d(ref["successes"])
    lower, upper = rref_power.floats(ref["lower"]), rref_power.floats(ref["upper"])
    for j, res in enumerate(results):
        assert res.successes == successes[j]
        assert res.power == successes[j] / res.nsim
        assert_close(res.ci, [lower[j], upper[j]], rtol=RTOL, what=f"{name} Clopper-Pearson")


@pytest.mark.parametrize("name", list(CASES))
def test_rows_fitted_equal_r(serial, reference, name):
    results, _ = serial[name]
    assert [r.nrow for r in results] == list(np.atleast_1d(reference[name]["nrow"]))


def test_check_sees_another_seed(fits, reference):
    [other], _ = run_pylme(fits, "lrt", seed=CASES["lrt"]["seed"] + 1)
    with pytest.raises(AssertionError):
        assert_close(other.p_values, rref_power.floats(reference["lrt"]["p"][0]), what="p")


def test_check_sees_another_effect(fits, reference):
    [other], _ = run_pylme(fits, "lrt", effect=4.0)
    with pytest.raises(AssertionError):
        assert_close(other.p_values, rref_power.floats(reference["lrt"]["p"][0]), what="p")


def test_curve_frame(serial, reference):
    results, frame = serial["curve"]
    assert list(frame.columns) == [
        "breaks",
        "nrow",
        "successes",
        "nsim",
        "power",
        "lower",
        "upper",
        "failed",
        "singular",
        "not_converged",
    ]
    assert frame["breaks"].tolist() == CASES["curve"]["curve"]["breaks"]
    assert frame["power"].tolist() == [r.power for r in results]
    assert frame.attrs["extended"] is True  # 24 > sleepstudy's 18 subjects
    assert results[0].extend == ("Subject", 24)


def test_default_breaks_are_simr_tidyseq(serial, reference):
    _, frame = serial["curve_default_breaks"]
    assert frame["breaks"].tolist() == reference["curve_default_breaks"]["breaks"]
    assert frame.attrs["extended"] is False


@pytest.mark.parametrize("name", ["lrt", "glmer_z", "curve"])
def test_summary_prints_as_simr(serial, reference, name):
    results, _ = serial[name]
    printed = reference[name]["printed"]
    printed = printed if isinstance(printed, list) else [printed]
    for res, line in zip(results, printed):
        text = res.summary().splitlines()
        assert text[0] == f"Power for predictor '{res.term}', (95% confidence interval):"
        assert text[1] == "      " + line
        assert str(res) == res.summary()


def test_loky_same_p_values_for_one_and_two_workers(fits, reference, monkeypatch):
    monkeypatch.setattr(power_run, "CHUNK", 4)  # 3 tasks, split differently over the workers
    kw = dict(nsim=NSIM_PARALLEL, seed=SEED_PARALLEL, backend="loky")
    [two], _ = run_pylme(fits, "lrt", n_jobs=2, **kw)
    [one], _ = run_pylme(fits, "lrt", n_jobs=1, **kw)
    np.testing.assert_array_equal(one.p_values, two.p_values)
    # Simulation i is R's loop from set.seed(seed_i): another stream than the serial run's.
    ref = reference["lrt"]
    assert_close(two.p_values, rref_power.floats(ref["p_seeds"][0]), what="per-seed p-values")
    assert not np.allclose(two.p_values, rref_power.floats(ref["p"][0]))


def test_dask_same_p_values_as_loky(fits, reference):
    distributed = pytest.importorskip("distributed")
    from pylme.parallel.engine import clean_environment

    with clean_environment():  # R's LD_LIBRARY_PATH breaks spawned workers (test_parallel.py)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        [got], _ = run_pylme(fits, "lrt", nsim=NSIM_PARALLEL, seed=SEED_PARALLEL, client=client)
    assert got.backend == "dask"
    ref = reference["lrt"]
    assert_close(got.p_values, rref_power.floats(ref["p_seeds"][0]), what="Dask p-values")


@pytest.mark.parametrize("name", list(CASES))
def test_refit_warnings_equal_r(serial, reference, name):
    """What each refit said (lme4's warnings and messages) is what R's refit said."""
    results, _ = serial[name]
    said = reference[name]["said"]
    nsim = CASES[name]["nsim"]
    for j, res in enumerate(results):
        for i in range(nsim):
            got = [
                c[4]
                for c in res.conditions
                if c[0] == i + 1 and c[1] == "Fitting" and c[2] in ("warning", "message")
            ]
            r_said = said[j * nsim + i]
            assert got == (r_said if isinstance(r_said, list) else [r_said]), (name, j, i)


def test_refit_counts(serial, reference):
    """glmer_z's seed gives one refit that fails lme4's gradient check (R says so too), and
    the small breaks of the curve give singular refits."""
    [glmm], _ = serial["glmer_z"]
    r_warned = [s for s in reference["glmer_z"]["said"] if s]
    assert glmm.not_converged == len(r_warned) == 1
    assert any("failed to converge" in c[4] for c in glmm.conditions)
    curve, _ = serial["curve"]
    for res, j in zip(curve, range(3)):
        nsim = CASES["curve"]["nsim"]
        said = reference["curve"]["said"][j * nsim : (j + 1) * nsim]
        assert res.singular == sum("boundary (singular) fit" in str(s) for s in said)


def test_failed_refits_keep_and_raise(fits):
    """A break of one subject cannot be fitted: lme4 refuses a one-level grouping factor.
    Those simulations fail (NaN, not significant, as simr counts them); the others run."""
    kw = dict(along="Subject", breaks=[1, 18], effect=5.0, test="z", nsim=2, seed=1)
    with pytest.warns(pylme.ConvergenceWarning, match="2 failed"):
        frame = pylme.power_curve(fits["lmer"], "Days", **kw)
    one, full = frame.attrs["results"]
    assert one.failed == 2 and np.isnan(one.p_values).all() and one.successes == 0
    assert one.power == 0.0
    errors = [c for c in one.conditions if c[2] == "error"]
    assert [(c[0], c[1]) for c in errors] == [(1, "Fitting"), (2, "Fitting")]
    assert "grouping factors must have > 1 sampled level" in errors[0][4]
    assert full.failed == 0 and not np.isnan(full.p_values).any()
    with pytest.raises(pylme.RError, match="simulation 1 failed while fitting"):
        quiet(pylme.power_curve, fits["lmer"], "Days", on_error="raise", **kw)


def test_observed_power_warns_and_uses_the_estimate(fits):
    fit = fits["lmer"]
    with pytest.warns(pylme.PylmeWarning, match="observed power"):
        res = pylme.power(fit, "Days", test="z", nsim=1, seed=1)
    assert res.observed
    assert res.effect == fit.fixef.to_frame().loc["Days", "Estimate"]
    assert res.summary().endswith("nb: result might be an observed power calculation")


def test_r_random_state_is_left_alone(fits):
    """R's own stream (set.seed in the session) continues as if power had not run."""
    import rpy2.robjects as ro

    ro.r("set.seed(99)")
    expected = ro.r("runif(2)")[1]
    ro.r("set.seed(99)")
    ro.r("runif(1)")
    run_pylme(fits, "z_lmer", nsim=1)
    assert ro.r("runif(1)")[0] == expected


def test_progress_bar_moves_per_simulation(fits, monkeypatch):
    seen = []

    class Bar:
        def update(self, n):
            seen.append(n)

        def close(self):
            seen.append("closed")

    monkeypatch.setattr(power_run, "progress_bar", lambda total, desc, progress: Bar())
    run_pylme(fits, "z_lmer", nsim=3)
    assert seen == [1, 1, 1, "closed"]


def test_result_accessors_and_pickle(serial):
    import dataclasses

    [res], _ = serial["glmer_z"]
    for f in dataclasses.fields(res):
        getattr(res, f.name)
    assert res.effect == -0.7
    assert list(res.to_frame().columns) == [
        "term",
        "test",
        "successes",
        "nsim",
        "power",
        "lower",
        "upper",
        "failed",
        "singular",
        "not_converged",
        "nrow",
    ]
    frame = res.conditions_frame()
    assert list(frame.columns) == ["index", "stage", "kind", "origin", "message"]
    assert len(frame) == len(res.conditions) >= 1
    with pytest.raises(ValueError):
        res.p_values[0] = 1.0
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.p_values, res.p_values)
    assert back.conditions == res.conditions and back.ci == res.ci


def test_plot_power_curve(serial):
    import matplotlib

    matplotlib.use("Agg")
    _, frame = serial["curve"]
    fig = pylme.plot_power_curve(frame)
    ax = fig.axes[0]
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, frame["breaks"].to_numpy(float))
    np.testing.assert_array_equal(y, frame["power"].to_numpy())
    bars = ax.collections[0].get_segments()  # one vertical segment per break: lower..upper
    np.testing.assert_allclose([s[0][1] for s in bars], frame["lower"], rtol=1e-12)
    np.testing.assert_allclose([s[1][1] for s in bars], frame["upper"], rtol=1e-12)
    assert ax.get_xlabel() == "number of levels in Subject"
    with pytest.raises(pylme.OptionError, match="power_curve"):
        pylme.plot_power_curve(frame.drop(columns=["lower"]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(test="wald"), "test must be one of"),
        (dict(backend="threads"), "backend must be one of"),
        (dict(on_error="ignore"), "on_error must be one of"),
        (dict(nsim=0), "nsim"),
        (dict(alpha=1.5), "alpha"),
        (dict(seed=-1), "seed"),
        (dict(effect="big"), "effect"),
        (dict(effect={"Nope": 1.0}), "Nope is not the name of a fixed effect"),
        (dict(extend={"Subject": 10}), "n must be at least 18"),
        (dict(extend={"nope": 30}), "'nope' is not a column"),
        (dict(extend={"Subject": 30, "Days": 3}), "extend must be one"),
    ],
)
def test_bad_options(fits, kwargs, match):
    kw = dict(effect=5.0, nsim=1, seed=1, test="z") | kwargs
    with pytest.raises(pylme.OptionError, match=match):
        pylme.power(fits["lmer"], "Days", **kw)


def test_bad_terms_and_curves(fits):
    lmer, glmm = fits["lmer"], fits["glmer"]
    with pytest.raises(pylme.OptionError, match="'Nope' is not a fixed-effect term"):
        pylme.power(lmer, "Nope", effect={"Days": 5.0}, nsim=1, seed=1)
    with pytest.raises(pylme.OptionError, match="takes one of Days"):  # drop1 cannot drop it
        pylme.power(lmer, "(Intercept)", effect={"Days": 5.0}, nsim=1, seed=1)
    with pytest.raises(pylme.OptionError, match="fixed factor"):
        pylme.power(glmm, "period2", test="z", effect=-1.0, extend={"period": 8}, nsim=1, seed=1)
    with pytest.raises(pylme.OptionError, match="lmer fits"):
        pylme.power(glmm, "period2", test="satterthwaite", effect=-1.0, nsim=1, seed=1)
    curve = dict(effect=5.0, nsim=1, seed=1, test="z")
    with pytest.raises(pylme.OptionError, match="breaks"):
        pylme.power_curve(lmer, "Days", along="Subject", breaks=[0, 5], **curve)
    with pytest.raises(pylme.OptionError, match="'nope' is not a column"):
        pylme.power_curve(lmer, "Days", along="nope", breaks=[5], **curve)
    with pytest.raises(pylme.OptionError, match="extend it to at least 25"):
        pylme.power_curve(
            lmer, "Days", along="Subject", breaks=[25], extend={"Subject": 20}, **curve
        )


def test_dropped_rows_are_refused(sleepstudy):
    holes = sleepstudy.copy()
    holes.loc[[3, 50], "Reaction"] = np.nan
    fit = quiet(pylme.lmer, FORMULA, holes)
    with pytest.raises(pylme.DataError, match="dropped 2 rows"):
        pylme.power(fit, "Days", effect=5.0, nsim=1, seed=1)
