"""Package health: the Python version contract, one-way layers, a light import, a one-line
repr, real signatures for type checkers, and a crosscheck without FutureWarnings."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import pylme

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_declared_python_minimum_is_what_the_tools_check():
    cfg = _pyproject()
    assert cfg["project"]["requires-python"] == ">=3.10"
    assert cfg["tool"]["ruff"]["target-version"] == "py310"
    assert cfg["tool"]["mypy"]["python_version"] == "3.10"
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "sys.version_info < (3, 10)" in setup


def test_setup_refuses_an_older_python(tmp_path):
    """setup.sh stops with a clear message when PYTHON is older than 3.10 (a fake python 3.9)."""
    fake = tmp_path / "python3.9"
    fake.write_text(
        "#!/bin/sh\nexec " + sys.executable + " -c \"import sys\nif 'version_info' in "
        "sys.argv[-1] or True: print('3.9.18') if 'print' in sys.argv[-1] else "
        'sys.exit(1)" "$@"\n'
    )
    fake.chmod(0o755)
    res = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup.sh"), "demo"],
        env={"PATH": "/usr/bin:/bin", "PYTHON": str(fake)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert "pylme needs Python 3.10 or newer" in res.stdout


def test_nothing_imports_the_package_root_back():
    """pylme/__init__.py sits above every layer; a submodule importing it hides a cycle."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("pylme")
    back = sorted(m for m in graph.find_modules_that_directly_import("pylme") if m != "pylme")
    assert back == []


def test_import_is_light():
    code = textwrap.dedent("""
        import sys
        import pylme
        heavy = [m for m in ("rpy2", "pandas", "pyarrow", "statsmodels", "matplotlib", "dask")
                 if m in sys.modules]
        print(heavy)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_repr_is_one_line(sleepstudy):
    fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)
    text = repr(fit)
    assert "\n" not in text and len(text) < 200
    # R: logLik(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)) prints -871.8141
    assert text == (
        "<LmerFit REML: Reaction ~ Days + (Days | Subject); 180 obs, 18 Subject; "
        f"logLik {fit.loglik:.7g}>"
    )
    assert "-871.8141" in text


def test_glmer_repr_names_family(sleepstudy):
    d = sleepstudy.assign(slow=sleepstudy["Reaction"] > 300)
    fit = pylme.glmer("slow ~ Days + (1 | Subject)", d, family="binomial")
    assert repr(fit).startswith("<GlmerFit binomial(logit): slow ~ Days + (1 | Subject); 180 obs")


def test_type_checkers_see_real_signatures(tmp_path):
    """mypy flags a wrong argument type to pylme.lmer: it is not Any."""
    snippet = tmp_path / "use.py"
    snippet.write_text(
        "import pylme\nfit = pylme.lmer('y ~ x + (1|g)', None, REML='yes')\n"
        "reveal_type(pylme.glmer)\n"
    )
    mypy = BIN / "mypy"
    if not mypy.exists():
        pytest.skip("mypy is not installed (pip install 'pylme[lint]')")
    res = subprocess.run(
        [str(mypy), "--no-incremental", "--python-version", "3.10", str(snippet)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert 'Argument "REML" to "lmer" has incompatible type "str"; expected "bool"' in res.stdout
    assert "def (formula: str, data: Any, *, family: Any =" in res.stdout


def test_dir_lists_lazy_names():
    names = dir(pylme)
    assert {"lmer", "glmer", "glmer_nb", "to_r", "Binomial"} <= set(names)


def test_crosscheck_emits_no_future_warning():
    import rref

    pen = rref.r_dataset("lme4", "Penicillin")
    fit = pylme.lmer("diameter ~ 1 + (1 | plate) + (1 | sample)", pen)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        check = fit.crosscheck()
    assert check.ok, str(check)
