"""The ``pylme`` command: real subprocesses from the worktree root, plus click's CliRunner."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rref
from click.testing import CliRunner
from conftest import assert_close
from test_hardening_hostile import HOSTILE
from test_hardening_hostile import _formula as hostile_formula

import pylme
from pylme.cli import doctor
from pylme.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SLOPES = "Reaction ~ Days + (Days | Subject)"


def subprocess_env() -> dict[str, str]:
    """This environment for a child Python, with PYTHONPATH at the worktree and without the
    LD_LIBRARY_PATH that embedded R set in this process (R's ldpaths): inherited, it makes
    the child load the system's libraries instead of its Python's (``_ssl`` then fails)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r_home = os.environ.get("R_HOME")
    if r_home and env.get("LD_LIBRARY_PATH", "").startswith(f"{r_home}/lib"):
        del env["LD_LIBRARY_PATH"]
    return env


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = subprocess_env()
    return subprocess.run(
        [sys.executable, "-m", "pylme.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def sleep_csv(tmp_path_factory, sleepstudy):
    path = tmp_path_factory.mktemp("cli") / "sleep.csv"
    sleepstudy.to_csv(path, index=False)
    return path


def test_fit_prints_the_same_summary_as_print_fit(sleep_csv, capsys, tmp_path):
    fit = pylme.lmer(SLOPES, pd.read_csv(sleep_csv))
    print(fit)
    expected = capsys.readouterr().out
    out_json = tmp_path / "fit.json"
    res = run("fit", SLOPES, str(sleep_csv), "--json", str(out_json))
    assert res.returncode == 0, res.stderr
    assert res.stdout == expected
    numbers = json.loads(out_json.read_text())
    assert_close(numbers["fixef"]["estimate"], fit.fixef.estimate, what="json fixef")
    assert_close(numbers["varcorr"]["sdcor"], fit.varcorr.sdcor, what="json sdcor")
    assert_close(numbers["loglik"], fit.loglik, what="json loglik")
    assert numbers["fixef"]["term"] == list(fit.fixef.terms)


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_fit_reads_parquet_and_feather(sleepstudy, tmp_path, suffix):
    path = tmp_path / f"sleep{suffix}"
    getattr(sleepstudy, "to_parquet" if suffix == ".parquet" else "to_feather")(path)
    res = CliRunner().invoke(cli, ["fit", SLOPES, str(path), "--ml"])
    assert res.exit_code == 0, res.output
    assert res.output == pylme.lmer(SLOPES, sleepstudy, REML=False).summary() + "\n"


def test_fit_glmer_family(tmp_path):
    data = rref.r_dataset("lme4", "cbpp")
    path = tmp_path / "cbpp.csv"
    data.to_csv(path, index=False)
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    res = run("fit", formula, str(path), "--family", "binomial", "--link", "logit")
    assert res.returncode == 0, res.stderr
    data = pd.read_csv(path)
    assert res.stdout == pylme.glmer(formula, data, family="binomial").summary() + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["fit", SLOPES, "missing.csv"], "no such file"),
        (["fit", SLOPES, "data.txt"], "unknown file type"),
        (["fit", "Reaction ~ Dayz + (1 | Subject)", "SLEEP"], "Dayz"),
        (["fit", "Reaction ~ Days + (1 | Subject", "SLEEP"], "formula"),
        (["fit", SLOPES, "SLEEP", "--family", "binomal"], "binomal"),
        (["fit", SLOPES, "SLEEP", "--link", "log"], "--link needs --family"),
        (["fit", SLOPES], "Missing argument"),
        (["nosuchcommand"], "No such command"),
        (["datasets", "sleepstudy", "--out", "x.xlsx"], "unknown file type"),
        (["datasets", "nosuchdata", "--out", "x.csv"], "nosuchdata"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, sleep_csv):
    res = run(*[str(sleep_csv) if a == "SLEEP" else a for a in args])
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert message.lower() in lines[0].lower()
    assert "Traceback" not in res.stderr


@pytest.fixture(scope="module")
def cbpp_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cbpp.csv"
    rref.r_dataset("lme4", "cbpp").to_csv(path, index=False)
    return path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_fit_refuses_a_hostile_formula(case, sleep_csv, cbpp_csv, tmp_path):
    """`pylme fit` runs the same allow-list as pylme.lmer: exit 2, and nothing ran."""
    kind, template = HOSTILE[case]
    marker = tmp_path / "marker"
    args = ["fit", hostile_formula(template, marker)]
    args += [str(sleep_csv)] if kind == "lmer" else [str(cbpp_csv), "--family", "binomial"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert "refuses it before R evaluates anything" in res.output or "string" in res.output
    assert not marker.exists()


def test_fit_trusted_turns_the_check_off_with_trusteds_warning(sleep_csv, sleepstudy, tmp_path):
    """--trusted is trusted=True: the same formula then runs (the marker appears), with the
    warning trusted=True gives, word for word, on stderr."""
    marker = tmp_path / "marker"
    formula = hostile_formula(HOSTILE["system in I()"][1], marker)
    refused = run("fit", formula, str(sleep_csv))
    assert refused.returncode == 2 and not marker.exists()
    res = run("fit", formula, str(sleep_csv), "--trusted")
    assert marker.exists(), res.stderr
    marker.unlink()
    with pytest.warns(pylme.TrustedFormulaWarning) as caught:
        try:
            pylme.lmer(formula, sleepstudy, trusted=True)
        except pylme.PylmeError:
            pass  # the warning comes first, whatever lme4 makes of the formula
    assert marker.exists()
    message = next(str(w.message) for w in caught if w.category is pylme.TrustedFormulaWarning)
    assert f"warning: {message}" in res.stderr.splitlines()


def test_receipt_option(sleep_csv, tmp_path):
    out = tmp_path / "receipt.json"
    res = run("fit", SLOPES, str(sleep_csv), "--receipt", str(out))
    if res.returncode != 0 and "no implementation registered" in res.stderr:
        pytest.skip("receipts are not implemented on this branch yet: " + res.stderr.strip())
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())


def test_doctor_on_this_machine():
    res = run("doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    for name in ["Python", "pylme", "rpy2", "R ", "lme4", "Matrix", "lmerTest", "emmeans"]:
        assert name in res.stdout
    assert "pbkrtest" in res.stdout and "BLAS" in res.stdout


def fake_r(monkeypatch, **changes):
    found = doctor.probe_r()
    found.update(changes)
    monkeypatch.setattr(doctor, "probe_r", lambda: found)


def test_doctor_missing_optional_package_exits_0(monkeypatch):
    fake_r(monkeypatch, lmerTest=None)
    res = CliRunner().invoke(cli, ["doctor"])
    assert res.exit_code == 0, res.output
    assert re.search(r"lmerTest +missing", res.output)
    assert "sudo apt-get install --no-install-recommends r-cran-lmertest" in res.output


def test_doctor_missing_lme4_exits_1(monkeypatch):
    fake_r(monkeypatch, lme4=None, emmeans=None)
    res = CliRunner().invoke(cli, ["doctor"])
    assert res.exit_code == 1, res.output
    assert "sudo apt-get install --no-install-recommends r-cran-lme4" in res.output
    assert "r-cran-emmeans" in res.output


def test_doctor_old_lme4_and_mismatched_rpy2(monkeypatch):
    # An old R too: rpy2 3.6 is the right rpy2 for the R 4.5 of Debian 13.
    fake_r(monkeypatch, lme4="1.1.26", R="4.2.2")
    monkeypatch.setattr(doctor, "probe_rpy2", lambda: "3.6.0")
    res = CliRunner().invoke(cli, ["doctor"])
    assert res.exit_code == 1
    assert "pip install 'rpy2>=3.5.17,<3.6'" in res.output
    assert "1.1.26 (pylme needs >= 1.1-27)" in res.output


def test_doctor_without_r(monkeypatch):
    monkeypatch.setattr(doctor, "probe_r", lambda: {})
    res = CliRunner().invoke(cli, ["doctor"])
    assert res.exit_code == 1
    assert "r-base-core r-base-dev r-cran-lme4" in res.output


def test_datasets_list_and_write(tmp_path):
    res = run("datasets")
    assert res.returncode == 0, res.stderr
    names = {(line.split()[0], line.split()[1]) for line in res.stdout.splitlines()}
    assert ("lme4", "sleepstudy") in names and ("mlmRev", "Hsb82") in names
    out = tmp_path / "hsb.parquet"
    res = run("datasets", "Hsb82", "--out", str(out))
    assert res.returncode == 0, res.stderr
    written = pd.read_parquet(out)
    expected = rref.r_dataset("mlmRev", "Hsb82")
    assert list(written.columns) == list(expected.columns)
    assert_close(written["mAch"], expected["mAch"], what="mAch")
    assert list(written["school"].cat.categories) == list(expected["school"].cat.categories)


def test_demo_with_imm10(imm10):
    from conftest import IMM10

    res = run("demo", "--data", str(IMM10))
    assert res.returncode == 0, res.stderr
    assert "tau00 as an SD): 5.02" in res.stdout
    assert "homework effect 0.6650" in res.stdout


@pytest.fixture(scope="module")
def cbpp_r():
    """R's fit of lme4's cbpp (Rscript reference.R, no Python between): period a factor."""
    case = {
        "id": "cbpp",
        "function": "glmer",
        "formula": "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        "data": rref.r_dataset("lme4", "cbpp"),
        "options": {"family": "binomial"},
    }
    return rref.reference_fits([case])["cbpp"]


def check_cbpp_numbers(numbers: dict, ref: dict) -> None:
    assert numbers["fixef"]["term"] == ref["fixef_terms"]  # (Intercept), period2, 3, 4
    assert_close(numbers["fixef"]["estimate"], rref.as_float_array(ref["fixef"]), what="fixef")
    assert_close(numbers["loglik"], float(np.ravel(ref["loglik"])[0]), what="logLik")


def test_csv_round_trip_keeps_factors_with_factor_option(tmp_path, cbpp_r):
    """Issue 23, item 8: `pylme datasets cbpp --out cbpp.csv` warns that the CSV loses the
    factors; `pylme fit ... --factor period` gives R's cbpp fit (three period contrasts)."""
    path = tmp_path / "cbpp.csv"
    res = run("datasets", "cbpp", "--out", str(path))
    assert res.returncode == 0, res.stderr
    warning = res.stderr.strip()
    assert warning.startswith("warning:") and "CSV loses factor types" in warning
    assert "herd, period" in warning and "parquet" in warning and "--factor period" in warning
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    out = tmp_path / "fit.json"
    args = ("fit", formula, str(path), "--family", "binomial", "--json", str(out))
    res = run(*args, "--factor", "period", "--factor", "herd")
    assert res.returncode == 0, res.stderr
    check_cbpp_numbers(json.loads(out.read_text()), cbpp_r)
    res = run(*args)  # without --factor: period is a number, one slope
    assert res.returncode == 0, res.stderr
    with pytest.raises(AssertionError):
        check_cbpp_numbers(json.loads(out.read_text()), cbpp_r)
    res = run(*args, "--factor", "perod")
    assert res.returncode == 2 and "perod" in res.stderr


def test_parquet_out_does_not_warn(tmp_path):
    res = run("datasets", "cbpp", "--out", str(tmp_path / "cbpp.parquet"))
    assert res.returncode == 0 and "warning" not in res.stderr, res.stderr


#: R's own packages (shipped with R itself): no doctor line needed.
BASE_R = {"base", "stats", "utils", "methods", "splines", "graphics", "grDevices", "tools"}


def r_packages_the_code_uses() -> set[str]:
    """Every pkg:: and requireNamespace("pkg") in the R code pylme runs (the session's
    files and verify.R), and every package pylme's Python checks for (ddf.DEBIAN_PACKAGES)."""
    from pylme.models.ddf import DEBIAN_PACKAGES
    from pylme.runtime.session import R_FILES, r_scripts_dir

    found = set(DEBIAN_PACKAGES)
    for name in (*R_FILES, "verify.R"):
        text = (r_scripts_dir() / name).read_text()
        text = "\n".join(line.split("#")[0] for line in text.splitlines())  # code, not comments
        found |= set(re.findall(r"\b([A-Za-z][A-Za-z0-9.]*):::?[A-Za-z.]", text))
        found |= set(re.findall(r"requireNamespace\(\"([A-Za-z0-9.]+)\"", text))
    return found - BASE_R


def test_doctor_checks_every_r_package_some_method_needs():
    """Issue 23, item 17: broom.mixed (fit.tidy()) and every other optional package."""
    from pylme.models.ddf import DEBIAN_PACKAGES

    used = r_packages_the_code_uses()
    assert {"broom.mixed", "emmeans", "lmerTest", "jsonlite", "digest"} <= used
    assert used <= set(doctor.R_PACKAGES), used - set(doctor.R_PACKAGES)
    for package, debian in DEBIAN_PACKAGES.items():
        assert doctor.R_PACKAGES[package][0] == debian
    found = doctor.probe_r()  # doctor.R is asked about each of them
    assert set(doctor.R_PACKAGES) <= set(found)


def test_doctor_names_the_method_of_a_missing_package(monkeypatch):
    fake_r(monkeypatch, **{"broom.mixed": None, "pbkrtest": None})
    res = CliRunner().invoke(cli, ["doctor"])
    assert res.exit_code == 0, res.output
    assert "broom.mixed  missing (needed by fit.tidy())" in res.output
    assert "r-cran-broom.mixed" in res.output
    assert "pbkrtest     missing (needed by ddf='Kenward-Roger', fit.emmeans()" in res.output
