"""The wheel holds every file under r_scripts/ that the package loads: the files each R session
sources (``R_FILES``), the scripts it runs with Rscript or reads (named in pylme's code:
``doctor.R``, ``verify.R``, ``receipt_schema.json``, ...), what those source in turn, and the
walkthrough that ``pylme demo`` runs.

The wheel is ``$PYLME_WHEEL`` (scripts/wheel_check.sh passes the one it built and installs),
or one built here with ``pip wheel``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pylme.runtime.session import R_FILES

ROOT = Path(__file__).resolve().parent.parent
R_SCRIPTS = ROOT / "r_scripts"
#: Where the wheel puts them (pyproject: force-include "r_scripts" = "pylme/r_scripts").
IN_WHEEL = "pylme/r_scripts/"
#: ``source(file.path(here, "x.R"))`` in a script run by Rscript.
SOURCED = re.compile(r'source\(file\.path\(here, "([^"]+)"\)\)')
#: An R script or the schema named in Python code (``r_scripts_dir() / "doctor.R"``, ...).
NAMED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*\.(?:R|json))\b")


def named_in_package() -> set[str]:
    """Files of r_scripts/ that pylme's Python code names."""
    names: set[str] = set()
    for path in (ROOT / "pylme").rglob("*.py"):
        names |= set(NAMED.findall(path.read_text(encoding="utf-8")))
    return {n for n in names if (R_SCRIPTS / n).is_file()}


def loaded_files() -> set[str]:
    """R_FILES, the files pylme's code names, and everything they source, transitively."""
    todo = set(R_FILES) | named_in_package()
    done: set[str] = set()
    while todo:
        name = todo.pop()
        done.add(name)
        if name.endswith(".R"):
            todo |= set(SOURCED.findall((R_SCRIPTS / name).read_text(encoding="utf-8"))) - done
    return done


def missing_from(wheel_names: set[str]) -> list[str]:
    return sorted(n for n in loaded_files() if IN_WHEEL + n not in wheel_names)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    wheel = os.environ.get("PYLME_WHEEL")
    if not wheel:
        out = tmp_path_factory.mktemp("wheel")
        res = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr[-3000:]
        (wheel,) = (str(p) for p in out.glob("pylme-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_the_list_holds_what_the_package_loads():
    files = loaded_files()
    assert set(R_FILES) <= files
    # Run by Rscript or read from Python; verify.R sources receipt_schema.R and reads the json.
    for name in ("doctor.R", "verify.R", "receipt_schema.R", "receipt_schema.json"):
        assert name in files, name
    # Test-only scripts are not part of it.
    assert not any(n.startswith("reference") for n in files)


def test_wheel_holds_every_loaded_r_file(wheel_names):
    assert missing_from(wheel_names) == []


def test_wheel_holds_the_demo_and_py_typed(wheel_names):
    assert "pylme/examples/walkthrough.py" in wheel_names
    assert "pylme/py.typed" in wheel_names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel_names)


def test_check_sees_a_missing_file(wheel_names):
    assert missing_from(wheel_names - {IN_WHEEL + "verify.R"}) == ["verify.R"]
    assert missing_from(wheel_names - {IN_WHEEL + "fit.R"}) == ["fit.R"]
