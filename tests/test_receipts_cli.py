"""The ``pylme verify`` command (exit codes 0/1/2) and ``Rscript r_scripts/verify.R``: the
receipt's numbers, made by pylme, checked against a pure-R refit."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_receipts_support import (
    CASES,
    available,
    changed,
    dataset,
    edited_receipt,
    fitted,
    run_cli,
    run_verify_r,
)

from pylme.cli.main import cli

CASE_IDS = [
    pytest.param(c, marks=pytest.mark.skipif(not available(c), reason="no imm10")) for c in CASES
]
#: Each Rscript or Python process loads R and lme4 (seconds each), so the failing variants
#: and the real-process runs use one lmer and the walkthrough's glmer (cbpp without imm10).
SLOW = ["sleepstudy_lmer", "imm10_logistic" if available("imm10_logistic") else "cbpp_glmer"]


@pytest.fixture(scope="module", params=CASE_IDS)
def files(request, tmp_path_factory):
    return _files(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=SLOW)
def slow_files(request, tmp_path_factory):
    return _files(request.param, tmp_path_factory)


def _files(name, tmp_path_factory):
    """The case's receipt, its data as CSV, and the failing variants, as files."""
    tmp = tmp_path_factory.mktemp(name)
    text = fitted(name).receipt().to_json()
    paths = {
        "receipt": tmp / "receipt.json",
        "edited_number": tmp / "edited_number.json",
        "edited_formula": tmp / "edited_formula.json",
        "csv": tmp / "data.csv",
        "changed_csv": tmp / "changed.csv",
        "missing_csv": tmp / "missing.csv",
    }
    paths["receipt"].write_text(text)
    paths["edited_number"].write_text(edited_receipt(text, number="fixef"))
    paths["edited_formula"].write_text(edited_receipt(text, formula=CASES[name][4]))
    data = dataset(CASES[name][1])
    data.to_csv(paths["csv"], index=False)
    changed(name).to_csv(paths["changed_csv"], index=False)
    data.drop(columns=CASES[name][5]).to_csv(paths["missing_csv"], index=False)
    return name, paths


def _fixef_last(name: str) -> str:
    terms, _ = fitted(name).receipt().quantity("fixef")
    return f"fixef[{terms[-1]}]"


# -- pylme verify --------------------------------------------------------------------------


def test_cli_exit_codes(files):
    name, p = files
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(p["receipt"]), str(p["csv"])])
    assert ok.exit_code == 0, ok.output
    assert "result:   OK" in ok.output
    differs = runner.invoke(cli, ["verify", str(p["receipt"]), str(p["changed_csv"])])
    assert differs.exit_code == 1
    assert repr(CASES[name][5]) in differs.output
    edited = runner.invoke(cli, ["verify", str(p["edited_number"]), str(p["csv"])])
    assert edited.exit_code == 1 and _fixef_last(name) in edited.output
    formula = runner.invoke(cli, ["verify", str(p["edited_formula"]), str(p["csv"])])
    assert formula.exit_code == 1 and "FAILED" in formula.output
    missing = runner.invoke(cli, ["verify", str(p["receipt"]), str(p["missing_csv"])])
    assert missing.exit_code == 2
    assert "Traceback" not in missing.output


def test_cli_in_a_real_process(tmp_path_factory):
    name, p = _files(SLOW[0], tmp_path_factory)
    ok = run_cli("verify", str(p["receipt"]), str(p["csv"]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "result:   OK" in ok.stdout
    missing = run_cli("verify", str(p["receipt"]), str(p["missing_csv"]))
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1
    assert "DataError" in missing.stderr and repr(CASES[name][5]) in missing.stderr


def test_cli_bad_input_is_exit_2(files, tmp_path):
    _, p = files
    runner = CliRunner()
    parquet = tmp_path / "d.parquet"
    dataset(CASES[files[0]][1]).to_parquet(parquet)
    assert runner.invoke(cli, ["verify", str(p["receipt"]), str(parquet)]).exit_code == 0
    bad = runner.invoke(cli, ["verify", str(p["receipt"]), str(tmp_path / "d.xlsx")])
    assert bad.exit_code == 2 and "must end in one of" in bad.output
    notjson = tmp_path / "x.json"
    notjson.write_text("[1, 2]")
    assert runner.invoke(cli, ["verify", str(notjson), str(p["csv"])]).exit_code == 2
    nofile = runner.invoke(cli, ["verify", str(tmp_path / "none.json"), str(p["csv"])])
    assert nofile.exit_code == 2 and "Traceback" not in nofile.output


# -- Rscript r_scripts/verify.R ------------------------------------------------------------


def test_verify_r_passes_with_the_fingerprint(files):
    _, p = files
    res = run_verify_r(p["receipt"], p["csv"])
    assert res.returncode == 0, res.stdout + res.stderr
    # digest is installed here, so R checks the canonical fingerprint too.
    assert "data:     matches: sha256" in res.stdout
    assert "result:   OK" in res.stdout


def test_verify_r_fails_on_a_changed_value(slow_files):
    name, p = slow_files
    res = run_verify_r(p["receipt"], p["changed_csv"])
    assert res.returncode == 1
    assert f"column '{CASES[name][5]}' is the first that differs" in res.stdout
    assert "fixef" in res.stdout.split("differs (the largest")[1]


def test_verify_r_names_a_hand_edited_number(slow_files):
    name, p = slow_files
    res = run_verify_r(p["edited_number"], p["csv"])
    assert res.returncode == 1
    assert "data:     matches" in res.stdout
    lines = res.stdout.split("differs (the largest difference of each quantity):")[1]
    assert lines.strip().startswith(_fixef_last(name))
    assert lines.count("differ)") == 1


def test_verify_r_fails_on_a_different_formula(slow_files):
    _, p = slow_files
    res = run_verify_r(p["edited_formula"], p["csv"])
    assert res.returncode == 1 and "FAILED" in res.stdout


def test_verify_r_missing_column(slow_files):
    name, p = slow_files
    res = run_verify_r(p["receipt"], p["missing_csv"])
    assert res.returncode == 2
    assert f"column '{CASES[name][5]}' not found" in res.stderr
