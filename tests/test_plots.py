"""Plots: the drawn data (points, interval ends, QQ points) against what lme4 draws, from a
pure-R run of ``r_scripts/reference_plots.R`` (lme4's own dotplot data, ``lme4:::asDf0``)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import rref
from conftest import assert_close

import pylme
from pylme.errors import OptionError
from pylme.plots import MatplotlibMissingError

matplotlib.use("Agg")

#: lme4's dotplot.ranef.mer draws mode +- 1.96 conditional SD (a literal 1.96 in its source).
HALF_WIDTH = 1.96


def r_plot_reference(function: str, formula: str, data, family: str | None = None) -> dict:
    """Run reference_plots.R on the data (pure R, no Python in between)."""
    case = {"function": function, "formula": formula, "data": rref.spec_from_frame(data)}
    if family:
        case["family"] = family
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "case.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(case))
        res = subprocess.run(
            [rref.rscript(), str(rref.R_SCRIPTS / "reference_plots.R"), str(inp), str(out)],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(res.stderr)
        return json.loads(out.read_text())


def check_caterpillar(fig, ref: dict, group: str) -> None:
    """Every panel of ``fig`` against lme4's dotplot data for ``group``."""
    dot = ref["dotplot"][group]
    assert [a.get_title() for a in fig.axes] == dot["terms"]
    n = len(dot["levels"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == dot["levels"], "levels not in lme4's plotting order"
    for axis, term in zip(fig.axes, dot["terms"]):
        values = rref.as_float_array(dot["panels"][term]["values"])
        se = rref.as_float_array(dot["panels"][term]["se"])
        points = drawn(axis, "conditional mode")
        assert_close(points[:, 0], values, what=f"{term}: modes")
        np.testing.assert_array_equal(points[:, 1], np.arange(1, n + 1))
        segments = np.array(axis.collections[-1].get_segments())
        assert_close(segments[:, 0, 0], values - HALF_WIDTH * se, what=f"{term}: low ends")
        assert_close(segments[:, 1, 0], values + HALF_WIDTH * se, what=f"{term}: high ends")
        np.testing.assert_array_equal(segments[:, 0, 1], np.arange(1, n + 1))


def drawn(axis, label: str) -> np.ndarray:
    """The (x, y) points of the line labelled ``label``."""
    (line,) = [ln for ln in axis.lines if ln.get_label() == label]
    return line.get_xydata()


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG") and len(data) > 1000
    return data


@pytest.fixture(scope="module")
def slopes(sleepstudy):
    formula = "Reaction ~ Days + (Days | Subject)"
    return pylme.lmer(formula, sleepstudy), r_plot_reference("lmer", formula, sleepstudy)


@pytest.fixture(scope="module")
def cbpp():
    data = rref.r_dataset("lme4", "cbpp")
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    fit = pylme.glmer(formula, data, family="binomial")
    return fit, r_plot_reference("glmer", formula, data, family="binomial")


def test_caterpillar_lmer_matches_lme4_dotplot(slopes):
    fit, ref = slopes
    fig = fit.plot_ranef()
    png_bytes(fig)
    check_caterpillar(fig, ref, "Subject")


def test_caterpillar_glmer_matches_lme4_dotplot(cbpp):
    fit, ref = cbpp
    fig = fit.plot_ranef("herd")
    png_bytes(fig)
    check_caterpillar(fig, ref, "herd")


def test_caterpillar_check_catches_a_wrong_plot(slopes):
    fit, ref = slopes
    fig = fit.plot_ranef()
    (line,) = [ln for ln in fig.axes[1].lines if ln.get_label() == "conditional mode"]
    x, y = line.get_data()
    line.set_data(np.asarray(x)[::-1], y)  # the Days modes in the wrong order
    with pytest.raises(AssertionError):
        check_caterpillar(fig, ref, "Subject")


def test_caterpillar_terms_and_own_axes(slopes):
    import matplotlib.pyplot as plt

    fit, ref = slopes
    fig, ax = plt.subplots()
    assert fit.plot_ranef(terms=["Days"], ax=ax) is fig
    values = rref.as_float_array(ref["dotplot"]["Subject"]["panels"]["Days"]["values"])
    assert_close(drawn(ax, "conditional mode")[:, 0], values, what="Days modes on own Axes")
    with pytest.raises(OptionError, match="Axes"):
        fit.plot_ranef(ax=ax)  # two terms, one Axes
    with pytest.raises(OptionError, match="Subject"):
        fit.plot_ranef("Nope")
    with pytest.raises(OptionError, match="Days"):
        fit.plot_ranef(terms=["days"])
    plt.close("all")


@pytest.mark.parametrize("case", ["slopes", "cbpp"])
def test_residual_plot_matches_r(case, request):
    fit, ref = request.getfixturevalue(case)
    fig = fit.plot_residuals()
    png_bytes(fig)
    left, right = fig.axes
    pts = left.lines[-1].get_xydata()  # the only line after the zero line
    assert_close(pts[:, 0], rref.as_float_array(ref["fitted"]), what="fitted")
    assert_close(pts[:, 1], rref.as_float_array(ref["residuals"]), what="residuals")
    qq = drawn(right, "scaled residuals")
    order = np.argsort(rref.as_float_array(ref["qq_y"]), kind="stable")
    assert_close(qq[:, 0], rref.as_float_array(ref["qq_x"])[order], what="QQ theoretical")
    assert_close(qq[:, 1], rref.as_float_array(ref["qq_y"])[order], what="QQ sample")


def test_residual_plot_takes_two_axes(slopes):
    import matplotlib.pyplot as plt

    fit, _ = slopes
    fig, axes = plt.subplots(1, 2)
    assert fit.plot_residuals(axes=axes) is fig
    with pytest.raises(OptionError, match="2 Axes"):
        fit.plot_residuals(axes=[axes[0]])
    plt.close("all")


def test_missing_matplotlib_names_the_extra(slopes, monkeypatch):
    fit, _ = slopes
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MatplotlibMissingError, match=r"pip install 'pylme\[plot\]'"):
        fit.plot_ranef()
    with pytest.raises(pylme.PylmeError):
        fit.plot_residuals()


@pytest.fixture(scope="module")
def nested():
    """(1 | batch/cask): two grouping factors, cask:batch and batch."""
    data = rref.r_dataset("lme4", "Pastes")
    formula = "strength ~ 1 + (1 | batch/cask)"
    return pylme.lmer(formula, data), r_plot_reference("lmer", formula, data)


def check_all_groups(fig, ref: dict) -> None:
    """One subfigure per grouping factor, in R's order, each equal to lme4's dotplot data."""
    assert [s.get_suptitle() for s in fig.subfigs] == list(ref["dotplot"])
    for sub, group in zip(fig.subfigs, ref["dotplot"]):
        check_caterpillar(sub, ref, group)


def test_caterpillar_draws_every_grouping_factor(nested):
    """Issue 23, item 11: dotplot(ranef(fm, condVar = TRUE)) draws every factor."""
    fit, ref = nested
    assert len(ref["dotplot"]) == 2
    fig = fit.plot_ranef()
    png_bytes(fig)
    check_all_groups(fig, ref)
    for group in ref["dotplot"]:  # or one, by name
        check_caterpillar(fit.plot_ranef(group), ref, group)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_all_groups_check_catches_a_missing_group(nested):
    fit, ref = nested
    with pytest.raises(AssertionError):
        check_all_groups(fit.plot_ranef("batch"), ref)  # only one of the two factors
    fig = fit.plot_ranef()
    (line,) = [ln for ln in fig.subfigs[1].axes[0].lines if ln.get_label() == "conditional mode"]
    x, y = line.get_data()
    line.set_data(np.asarray(x) + 1e-3, y)
    with pytest.raises(AssertionError):
        check_all_groups(fig, ref)


def test_all_groups_on_own_axes_and_terms_need_a_group(nested):
    import matplotlib.pyplot as plt

    fit, ref = nested
    fig, axes = plt.subplots(1, 2)
    assert fit.plot_ranef(ax=axes) is fig
    for axis, group in zip(axes, ref["dotplot"]):
        values = rref.as_float_array(ref["dotplot"][group]["panels"]["(Intercept)"]["values"])
        assert_close(drawn(axis, "conditional mode")[:, 0], values, what=group)
    with pytest.raises(OptionError, match="group="):
        fit.plot_ranef(terms=["(Intercept)"])
    plt.close("all")
