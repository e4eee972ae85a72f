"""lmer_many(..., keep="numbers"): every number and the convergence record of each row equal
the separate pylme.lmer fit (itself tested against pure R in test_lmer_vs_r.py), to lme4's
run-to-run noise (RTOL = 1e-8)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from conftest import RTOL, assert_close

import pylme
from pylme.results.many import LmerMany

SLOPE = "~ Days + (Days | Subject)"
INTERCEPT = "~ Days + (1 | Subject)"
UNCORRELATED = "~ Days + (Days || Subject)"
TWO_FACTORS = "~ Days + (1 | Subject) + (1 | grp)"


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def data(sleepstudy):
    """sleepstudy with extra responses: noisy copies, a singular one (no subject effect),
    three patterns of missing values (y1 and y2 share one), weights, an offset, a second
    grouping factor."""
    rng = np.random.default_rng(14)
    df = sleepstudy.copy()
    n = len(df)
    for k in range(4):
        df[f"y{k}"] = df["Reaction"] + rng.normal(0, 25 * (k + 1), n)
    df["noise"] = rng.normal(0, 1, n)
    df["w"] = rng.uniform(0.5, 2.0, n)
    df["off"] = rng.normal(0, 3, n)
    df["grp"] = np.tile(["a", "b", "c", "d", "e", "f"], n // 6)
    df.loc[[2, 50, 51], "y1"] = np.nan
    df.loc[[2, 50, 51], "y2"] = np.nan
    df.loc[[7, 170], "y3"] = np.nan
    df.loc[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100], "y0"] = np.nan
    return df


RESPONSES = ["Reaction", "y0", "y1", "y2", "y3", "noise"]


def assert_row(many: LmerMany, i: int, fit, rtol: float = RTOL) -> None:
    """Row ``i`` of ``many`` against the separate fit, one assertion per quantity."""
    y = many.responses[i]
    assert many.error[i] is None, f"{y}: {many.error[i]}"
    fx = fit.fixef
    idx = [many.terms.index(t) for t in fx.terms]
    dropped = [j for j in range(len(many.terms)) if j not in idx]
    for what in ("estimate", "std_error", "statistic", "df", "p_value"):
        ours = getattr(many, what)
        theirs = getattr(fx, what)
        if ours is None or theirs is None:
            assert ours is None and theirs is None, f"{y}: {what}"
            continue
        assert_close(ours[i, idx], theirs, rtol, f"{y}: fixef.{what}")
        assert np.isnan(ours[i, dropped]).all(), f"{y}: {what} of dropped terms"
    vc = fit.varcorr
    assert (many.vc_grp, many.vc_var1, many.vc_var2) == (vc.grp, vc.var1, vc.var2)
    assert_close(many.vcov[i], vc.vcov, rtol, f"{y}: vcov")
    assert_close(many.sdcor[i], vc.sdcor, rtol, f"{y}: sdcor")
    for what in ("sigma", "loglik", "aic", "bic", "deviance"):
        assert_close(getattr(many, what)[i], getattr(fit, what), rtol, f"{y}: {what}")
    assert many.nobs[i] == fit.nobs, f"{y}: nobs"
    c = fit.convergence
    assert many.code[i] == c.code, f"{y}: code"
    assert bool(many.converged[i]) == c.converged, f"{y}: converged"
    assert bool(many.singular[i]) == c.singular, f"{y}: singular"
    assert many.warnings[i] == c.warnings, f"{y}: warnings"
    assert many.messages[i] == c.messages, f"{y}: messages"


def check_all(data, rhs, responses, **options) -> LmerMany:
    many = quiet(pylme.lmer_many, rhs, data, responses, keep="numbers", **options)
    assert many.responses == tuple(responses)
    for i, y in enumerate(responses):
        assert_row(many, i, quiet(pylme.lmer, f"{y} {rhs}", data, **options))
    return many


# -- the comparison itself can fail --------------------------------------------------------


@pytest.mark.parametrize(
    "field, change",
    [
        ("estimate", lambda a: a * (1 + 1e-6)),
        ("sdcor", lambda a: a + 1e-5),
        ("aic", lambda a: a + 1e-4),
        ("singular", lambda a: ~a),
        ("code", lambda a: a + 1),
        ("messages", lambda a: ((),) * len(a)),
    ],
)
def test_assert_row_sees_a_tampered_row(data, field, change):
    many = quiet(pylme.lmer_many, SLOPE, data, ["noise"], keep="numbers")
    fit = quiet(pylme.lmer, f"noise {SLOPE}", data)
    assert_row(many, 0, fit)
    tampered = dataclasses.replace(many, **{field: change(getattr(many, field))})
    with pytest.raises(AssertionError):
        assert_row(tampered, 0, fit)


# -- equality ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rhs",
    [INTERCEPT, SLOPE, UNCORRELATED, TWO_FACTORS],
    ids=["intercept", "slope", "uncorrelated", "two-factors"],
)
def test_numbers_equal_separate_fits(data, rhs):
    """Three patterns of missing responses, and a singular response, in one call."""
    many = check_all(data, rhs, RESPONSES)
    assert list(many.nobs) == [180, 169, 177, 177, 178, 180]
    assert many.singular[RESPONSES.index("noise")]


def test_weights_offset_and_ml(data):
    check_all(data, INTERCEPT, ["Reaction", "y1", "y3"], weights="w", offset="off", REML=False)
    check_all(data, SLOPE, ["y0", "y2"], weights="w", offset="off")


@pytest.mark.parametrize(
    "control",
    [
        {"optimizer": "bobyqa", "optCtrl": {"maxfun": 10}},
        {"optCtrl": {"maxeval": 8}},
        {"optimizer": "Nelder_Mead", "optCtrl": {"maxfun": 15}},
    ],
    ids=["bobyqa-maxfun", "nloptwrap-maxeval", "nelder-mead-maxfun"],
)
def test_not_converged(data, control):
    """Optimizers stopped early: the optimizer's code, lme4's warnings and the verdict."""
    many = check_all(data, SLOPE, ["Reaction", "y1", "noise"], control=control)
    assert not many.converged.any()
    assert all(w for w in many.warnings)


def test_satterthwaite(data):
    many = check_all(data, SLOPE, ["Reaction", "y1", "noise"], ddf="Satterthwaite")
    assert many.df is not None and np.isfinite(many.df).all()


def test_responses_as_matrix_and_table(data):
    """A numpy matrix or an Arrow table of responses gives the rows of the named columns."""
    import pyarrow as pa

    named = quiet(pylme.lmer_many, SLOPE, data, RESPONSES, keep="numbers")
    design = data[["Days", "Subject"]]
    matrix = data[RESPONSES].to_numpy()
    by_matrix = quiet(
        pylme.lmer_many, SLOPE, design, matrix, response_names=RESPONSES, keep="numbers"
    )
    by_table = quiet(pylme.lmer_many, SLOPE, design, pa.Table.from_pandas(data[RESPONSES]))
    for other in (by_matrix, by_table):
        assert other.responses == named.responses
        for what in ("estimate", "std_error", "sdcor", "loglik", "nobs", "code"):
            assert_close(getattr(other, what), getattr(named, what), RTOL, what)
        assert other.messages == named.messages


def test_failed_responses_match_lmer_errors(data):
    """A response with no values and one with Inf: lmer's own errors, in their rows."""
    bad = data.assign(empty=np.nan, inf=data["Reaction"].where(data.index != 3, np.inf))
    for y in ("empty", "inf"):
        with pytest.raises(pylme.PylmeError) as info:
            quiet(pylme.lmer, f"{y} {INTERCEPT}", bad)
        many = quiet(pylme.lmer_many, INTERCEPT, bad, ["y0", y], keep="numbers", on_error="keep")
        assert many.error[0] is None and many.error_type[1] == type(info.value).__name__
        assert many.error[1] in str(info.value)
        assert np.isnan(many.estimate[1]).all() and many.nobs[1] == -1
        with pytest.raises(pylme.JobError, match=y):
            quiet(pylme.lmer_many, INTERCEPT, bad, ["y0", y], keep="numbers")


def test_warnings_are_summarized(data):
    with pytest.warns(pylme.SingularFitWarning, match="1 of 2 responses"):
        pylme.lmer_many(SLOPE, data, ["Reaction", "noise"], keep="numbers")


def test_frame_has_one_row_per_response(data):
    many = quiet(pylme.lmer_many, SLOPE, data, RESPONSES, keep="numbers")
    frame = many.to_frame()
    assert list(frame["response"]) == RESPONSES
    assert_close(frame["estimate[Days]"], many.estimate[:, 1], RTOL, "estimate[Days]")
    assert_close(frame["sdcor[Subject|(Intercept)|Days]"], many.sdcor[:, 2], RTOL, "cor")
    assert list(frame["messages"].map(len)) == [len(m) for m in many.messages]


def test_kenward_roger(data):
    try:
        check_all(data, INTERCEPT, ["Reaction", "y1"], ddf="Kenward-Roger")
    except pylme.MissingRPackageError as exc:
        pytest.skip(str(exc))


def test_numbers_match_pure_r(data):
    """Against lme4 itself in a pure-R run (r_scripts/reference.R: lmer on the same data),
    quantity by quantity: two patterns of missing values and a singular response."""
    import rref

    picks = ["y1", "y3", "noise"]
    cases = [
        {"id": y, "function": "lmer", "formula": f"{y} {SLOPE}", "data": data, "options": {}}
        for y in picks
    ]
    refs = rref.reference_fits(cases)
    many = quiet(pylme.lmer_many, SLOPE, data, picks, keep="numbers")
    f = rref.as_float_array
    for i, y in enumerate(picks):
        r = refs[y]
        assert list(many.terms) == list(r["fixef_terms"])
        assert_close(many.estimate[i], f(r["fixef"]), RTOL, f"{y}: fixef")
        assert_close(many.std_error[i], f(r["se"]), RTOL, f"{y}: se")
        assert_close(many.statistic[i], f(r["statistic"]), RTOL, f"{y}: t")
        assert list(many.vc_grp) == r["varcorr"]["grp"]
        assert_close(many.vcov[i], f(r["varcorr"]["vcov"]), RTOL, f"{y}: vcov")
        assert_close(many.sdcor[i], f(r["varcorr"]["sdcor"]), RTOL, f"{y}: sdcor")
        for q in ("loglik", "aic", "bic", "deviance", "sigma"):
            assert_close(getattr(many, q)[i], r[q], RTOL, f"{y}: {q}")
        assert many.nobs[i] == r["nobs"] and bool(many.singular[i]) == r["singular"]
