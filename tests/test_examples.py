"""examples/: the walkthrough reproduces the seed post's figures on imm10 (reference numbers
from a live pure-R run), the glmer example runs, and the notebook runs headless."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rref
from conftest import assert_close

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def subprocess_env() -> dict[str, str]:
    """This environment for a child Python, with PYTHONPATH at the worktree and without the
    LD_LIBRARY_PATH that embedded R set in this process (R's ldpaths): inherited, it makes
    the child load the system's libraries instead of its Python's (``_ssl`` then fails)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r_home = os.environ.get("R_HOME")
    if r_home and env.get("LD_LIBRARY_PATH", "").startswith(f"{r_home}/lib"):
        del env["LD_LIBRARY_PATH"]
    return env


#: The figures "Multilevel Models in R" (2019) reports on imm10, as printed there
#: (/work/shared/data/README.md): value and the decimals it was printed with.
POST = {
    "intercept_sd": (5.02, 2),
    "intercept_slope_corr": (-0.81, 2),
    "logistic_effect": (0.6650, 4),
    "logistic_group_sd": (1.516, 3),
}


def walkthrough():
    """examples/walkthrough.py as a module (registered, as dataclasses need)."""
    if "walkthrough" in sys.modules:
        return sys.modules["walkthrough"]
    spec = importlib.util.spec_from_file_location("walkthrough", EXAMPLES / "walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["walkthrough"] = module
    spec.loader.exec_module(module)
    return module


def run_script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = subprocess_env()
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def r_figures(imm10):
    from conftest import IMM10

    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"pylme-walkthrough-{os.getpid()}.json"
    res = subprocess.run(
        [rref.rscript(), str(rref.R_SCRIPTS / "reference_walkthrough.R"), str(IMM10), str(out)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    figures = json.loads(out.read_text())
    out.unlink()
    return figures


@pytest.fixture(scope="module")
def py_figures(imm10):
    from conftest import IMM10

    w = walkthrough()
    frame, v = w.read(str(IMM10))
    return w.figures(w.fit_all(frame, v), v)


@pytest.mark.parametrize("name", list(POST))
def test_walkthrough_figures_match_r(name, py_figures, r_figures):
    assert_close(py_figures[name], r_figures[name], what=name)


@pytest.mark.parametrize("name", list(POST))
def test_walkthrough_reproduces_the_post(name, py_figures):
    value, decimals = POST[name]
    assert round(py_figures[name], decimals) == pytest.approx(value, abs=1e-12)


def test_walkthrough_script_prints_the_post_figures(imm10):
    from conftest import IMM10

    res = run_script("examples/walkthrough.py", "--data", str(IMM10))
    assert res.returncode == 0, res.stderr
    assert "tau00 as an SD): 5.02" in res.stdout
    assert "homework slopes: -0.81" in res.stdout
    assert "homework effect 0.6650 (log-odds), schid SD 1.516" in res.stdout


def test_walkthrough_without_data_uses_hsb82():
    res = run_script("examples/walkthrough.py")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("No --data given: using mlmRev's Hsb82")
    assert "mAch ~ ses + (1 + ses | school)" in res.stdout


def test_glmer_example_runs():
    res = run_script("examples/glmer_example.py")
    assert res.returncode == 0, res.stderr
    assert "Family: binomial  ( logit )" in res.stdout
    assert "Family: poisson  ( log )" in res.stdout


def test_notebook_runs_headless_and_draws_r_numbers(monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from conftest import IMM10
    from test_plots import r_plot_reference

    w = walkthrough()
    data = str(IMM10) if IMM10.exists() else None
    if data:
        monkeypatch.setenv("PYLME_WALKTHROUGH_DATA", data)
    else:
        monkeypatch.delenv("PYLME_WALKTHROUGH_DATA", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    if "LD_LIBRARY_PATH" not in subprocess_env():
        monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(EXAMPLES / "walkthrough.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 5 and all("Random effects" in h for h in html)
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2
    drawn = json.loads([o["text"] for o in outputs if o.get("name") == "stdout"][-1])

    frame, v = w.read(data)
    formulas = w.formulas(v)
    slopes = r_plot_reference("lmer", formulas["intercept and slope"], frame)
    dot = slopes["dotplot"][v.group]
    first = dot["terms"][0]
    values = rref.as_float_array(dot["panels"][first]["values"])
    se = rref.as_float_array(dot["panels"][first]["se"])
    assert drawn["levels"] == dot["levels"]
    assert_close(drawn["modes"], values, what="notebook caterpillar modes")
    assert_close(drawn["low"], values - 1.96 * se, what="notebook caterpillar low ends")
    assert_close(drawn["high"], values + 1.96 * se, what="notebook caterpillar high ends")
    intercept = r_plot_reference("lmer", formulas["random intercept"], frame)
    order = np.argsort(rref.as_float_array(intercept["qq_y"]), kind="stable")
    assert_close(drawn["qq_x"], rref.as_float_array(intercept["qq_x"])[order], what="QQ x")
    assert_close(drawn["qq_y"], rref.as_float_array(intercept["qq_y"])[order], what="QQ y")
