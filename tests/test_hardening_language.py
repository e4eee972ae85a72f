"""Errors do not depend on R's language; R's start-up talk is a PylmeWarning, not console output."""

from __future__ import annotations

import os
import subprocess
import sys

import rref
from rref_hardening import ROOT, last_json, run_python

#: A real German locale (``scripts/setup.sh test`` generates it): Debian 13's C library does
#: not translate under LANG=C.UTF-8 whatever LANGUAGE says, so that would test nothing.
GERMAN = {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": ""}


def _locales() -> set[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return set()
    return {line.strip().lower().replace("utf-8", "utf8") for line in out.splitlines()}


def test_german_locale_exists():
    """No German locale means the tests below would pass without testing anything: fail."""
    assert "de_de.utf8" in _locales(), (
        "the de_DE.UTF-8 locale is missing, so R cannot answer in German and the language "
        "tests would test nothing; make it with `bash scripts/setup.sh test` (Debian's "
        "`locales` package: de_DE.UTF-8 in /etc/locale.gen, then locale-gen)"
    )


def test_r_really_speaks_german_here():
    """Without pylme's fix the catalogue would see German: pure R under the same settings."""
    res = subprocess.run(
        [
            rref.rscript(),
            "-e",
            "tryCatch(na.fail(c(1, NA)), error = function(e) cat(conditionMessage(e)))",
        ],
        env={**os.environ, **GERMAN},
        capture_output=True,
        text=True,
    )
    assert res.stdout == "fehlende Werte im Objekt"


def test_catalogue_passes_under_language_de():
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_hardening_catalogue.py", "-q"]
        + ["-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**os.environ, **GERMAN, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout[-3000:]
    assert " passed" in res.stdout and "failed" not in res.stdout


def test_users_language_setting_is_kept():
    code = """
import json, os, pylme
from pylme.datasets import load_r_dataset
from pylme.runtime.process import c_environment
d = load_r_dataset("sleepstudy")
d.loc[0, "Reaction"] = float("nan")
try:
    pylme.lmer("Reaction ~ Days + (1 | Subject)", d, na_action="fail")
except pylme.DataError as e:
    msg = str(e)
env = c_environment()
print(json.dumps({"msg": msg, "c": env.get("LANGUAGE"), "py": os.environ.get("LANGUAGE")}))
"""
    res = run_python(code, env=GERMAN)
    assert res.returncode == 0, res.stderr
    out = last_json(res.stdout)
    assert "missing values in object" in out["msg"]
    assert out["c"] == "de" and out["py"] == "de"


def test_startup_warnings_become_a_pylme_warning():
    code = """
import json, warnings, pylme
from pylme.datasets import load_r_dataset
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    d = load_r_dataset("sleepstudy")
    pylme.lmer("Reaction ~ Days + (1 | Subject)", d)
print(json.dumps([[w.category.__name__, str(w.message)] for w in seen]))
"""
    res = run_python(code, env={"LANG": "xx_YY.UTF-8", "LC_ALL": ""})
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert res.stdout.strip().count("\n") == 0  # nothing but our JSON line on stdout
    seen = last_json(res.stdout)
    assert any(c == "PylmeWarning" and "Setting LC_" in m for c, m in seen), seen
