"""fit.influence(), fit.hatvalues() and fit.plot_influence() against pure R's
``influence(m, groups, data = d)``, ``cooks.distance``, ``dfbetas`` and ``hatvalues`` (run by
``r_scripts/reference_diagnostics.R`` on the same data)."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pytest
from conftest import assert_close
from rref_diagnostics import fit, floats, ref, rtol

import pylme
from pylme.diagnostics import Influence

matplotlib.use("Agg")

CASES = {
    # query id: (model, groups)
    "inf_int": ("int", None),
    "inf_slope_subject": ("slope", "Subject"),
    "inf_cbpp": ("cbpp", None),
    "inf_cbpp_herd": ("cbpp", "herd"),
}
QUANTITIES = ("keys", "cooks_distance", "dfbetas", "fixed_effects_deleted", "sigma_deleted", "hat")

_cache: dict[str, Influence] = {}


def influence_of(query: str) -> Influence:
    if query not in _cache:
        model, groups = CASES[query]
        _cache[query] = fit(model).influence(groups)
    return _cache[query]


def check_quantity(inf: Influence, r: dict, quantity: str, tol: float) -> None:
    """One quantity of ``inf`` against R's influence object ``r``."""
    p = len(r["terms"])
    if quantity == "keys":
        assert list(inf.keys) == r["keys"]
        assert list(inf.terms) == r["terms"]
    elif quantity == "cooks_distance":
        assert_close(inf.cooks_distance, floats(r["cooks"]), tol, what="cooks.distance")
    elif quantity == "dfbetas":
        expected = np.column_stack([floats(r["dfbetas"][j]) for j in range(p)])
        assert_close(inf.dfbetas, expected, tol, what="dfbetas")
    elif quantity == "fixed_effects_deleted":
        expected = np.column_stack([floats(r["fixef_deleted"][j]) for j in range(p)])
        assert_close(inf.fixed_effects_deleted, expected, tol, what="fixed.effects[-case]")
    elif quantity == "sigma_deleted":
        assert_close(inf.sigma_deleted, floats(r["sigma_deleted"]), tol, what="sigma[-case]")
    elif quantity == "hat":
        if inf.groups is not None:
            assert inf.hat is None
        else:
            # hatvalues(m) is named by R's row names, the same keys as influence's cases
            assert r["hat_names"] == list(inf.keys)
            assert_close(inf.hat, floats(r["hat"]), tol, what="hatvalues")


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("query", list(CASES))
def test_influence_matches_r(query, quantity):
    check_quantity(influence_of(query), ref(query), quantity, rtol(CASES[query][0]))


@pytest.mark.parametrize("quantity", ["cooks_distance", "dfbetas", "sigma_deleted", "keys"])
def test_influence_check_catches_a_wrong_answer(quantity):
    inf = influence_of("inf_slope_subject")
    wrong = {
        "cooks_distance": {"cooks_distance": inf.cooks_distance * (1 + 1e-6)},
        "dfbetas": {"dfbetas": inf.dfbetas[::-1]},
        "sigma_deleted": {"sigma_deleted": inf.sigma_deleted + 1e-5},
        "keys": {"keys": inf.keys[::-1]},
    }[quantity]
    with pytest.raises(AssertionError):
        check_quantity(dataclasses.replace(inf, **wrong), ref("inf_slope_subject"), quantity, 1e-8)


def test_influence_frame_is_keyed_like_r():
    inf = influence_of("inf_slope_subject")
    df = inf.to_frame()
    assert df.index.name == "Subject"
    assert list(df.index) == ref("inf_slope_subject")["keys"]
    assert list(df.columns) == [
        "cooks_distance",
        "dfbetas_(Intercept)",
        "dfbetas_Days",
        "fixed_effects_deleted_(Intercept)",
        "fixed_effects_deleted_Days",
        "sigma_deleted",
        "converged",
    ]
    np.testing.assert_array_equal(df["cooks_distance"].to_numpy(), inf.cooks_distance)
    assert df["converged"].all()
    assert "<table" in inf._repr_html_()
    obs = influence_of("inf_int").to_frame()
    assert obs.index.name == "case" and "hat" in obs.columns
    with pytest.raises((AttributeError, dataclasses.FrozenInstanceError)):
        inf.cooks_distance = None  # type: ignore[misc]
    with pytest.raises(ValueError):
        inf.cooks_distance[0] = 1.0


@pytest.mark.parametrize(
    "model,query", [("slope", "hat_slope"), ("cbpp", "hat_cbpp"), ("ticks", "hat_ticks")]
)
def test_hatvalues_match_r(model, query):
    assert_close(fit(model).hatvalues(), floats(ref(query)["values"]), rtol(model), "hatvalues")


def test_influence_bad_input_is_named():
    m = fit("slope")
    with pytest.raises(pylme.DataError, match="Nope"):
        m.influence("Nope")
    with pytest.raises(pylme.OptionError, match="maxfun"):
        m.influence(maxfun=0)
    with pytest.raises(pylme.ModelMissingError):
        m.without_model().influence("Subject")


def check_influence_plot(fig, r: dict) -> None:
    """The drawn points are R's cooks.distance(influence(m, "Subject")) in R's key order, and
    the labels name the five largest, largest first, at their points."""
    (axis,) = fig.axes
    (line,) = [ln for ln in axis.lines if ln.get_label() == "Cook's distance"]
    pts = line.get_xydata()
    cooks = floats(r["cooks"])
    assert_close(pts[:, 1], cooks, what="drawn Cook's distance")
    np.testing.assert_array_equal(pts[:, 0], np.arange(1, len(cooks) + 1))
    top5 = np.argsort(-cooks, kind="stable")[:5]
    assert [t.get_text() for t in axis.texts] == [r["keys"][i] for i in top5]
    assert_close([t.xy[1] for t in axis.texts], cooks[top5], what="label positions")


def test_plot_influence_draws_rs_cooks_distance():
    import matplotlib.pyplot as plt

    m = fit("slope")
    r = ref("inf_slope_subject")
    fig = m.plot_influence("Subject")
    check_influence_plot(fig, r)
    fig.axes[0].texts[0].set_text("not the largest")  # a wrong label
    with pytest.raises(AssertionError):
        check_influence_plot(fig, r)
    fig2, ax = plt.subplots()
    assert m.plot_influence("Subject", ax=ax) is fig2
    (line,) = [ln for ln in ax.lines if ln.get_label() == "Cook's distance"]
    x, y = line.get_data()
    line.set_data(x, np.asarray(y)[::-1])  # the points in the wrong order
    with pytest.raises(AssertionError):
        check_influence_plot(fig2, r)
    with pytest.raises(pylme.OptionError, match="top"):
        m.plot_influence("Subject", top=-1)
    plt.close("all")


def test_progress_bar_moves_once_per_refit_and_changes_no_number(monkeypatch):
    """With a bar, each refit ticks once (lme4 refits inside one R call; the ticks come from
    the refits' na.action) and the numbers still equal R's."""
    import pylme.diagnostics.influence as module

    bars = []

    class Bar:
        def __init__(self, total, desc, progress):
            self.total, self.n = total, 0
            bars.append(self)

        def update(self, n=1):
            self.n += n

        def close(self):
            pass

    monkeypatch.setattr(module, "progress_bar", Bar)
    inf = fit("slope").influence("Subject", progress=True)
    assert [(b.n, b.total) for b in bars] == [(18, 18)]
    for quantity in QUANTITIES:
        check_quantity(inf, ref("inf_slope_subject"), quantity, 1e-8)
    fit("cbpp").influence(progress=True)
    assert (bars[-1].n, bars[-1].total) == (56, 56)
