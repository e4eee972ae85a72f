"""Hostile receipts: each is refused by both verifiers (``pylme verify`` / ``pylme.verify()``
and ``Rscript r_scripts/verify.R``) with exit 2, naming the field, before anything runs.

Every payload is R code that would create a marker file if R evaluated it;
``test_the_payload_would_run`` shows that it does, and each case asserts the marker is absent.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import rref
from click.testing import CliRunner
from test_receipts_support import dataset, fitted, run_cli, run_verify_r

import pylme
from pylme.cli.main import cli

DELETE = object()
#: {cmd} becomes R code that creates the marker: system("touch <marker>").
CMD = "{cmd}"

#: id -> (base case, path in the receipt, new value (DELETE removes the key), field named)
HOSTILE: dict[str, tuple[str, tuple[Any, ...], Any, str]] = {
    "formula runs system": (
        "lmer",
        ("call", "formula"),
        f"Reaction ~ Days + I({CMD}) + (1 | Subject)",
        "call.formula",
    ),
    "formula through base::system": (
        "lmer",
        ("call", "formula"),
        f"Reaction ~ base::{CMD} + (1 | Subject)",
        "call.formula",
    ),
    "function is R code": ("lmer", ("call", "function"), CMD, "call.function"),
    "function unknown": ("glmer", ("call", "function"), "glmer.nb2", "call.function"),
    "family system": ("glmer", ("call", "options", "family"), "system", "call.options.family"),
    "family q": ("glmer", ("call", "options", "family"), "q", "call.options.family"),
    "link is R code": ("glmer", ("call", "options", "link"), CMD, "call.options.link"),
    "link of another family": (
        "glmer",
        ("call", "options", "link"),
        "inverse",
        "call.options.link",
    ),
    "glmer without family": ("glmer", ("call", "options", "family"), None, "call.options.family"),
    "na_action is R code": (
        "lmer",
        ("call", "options", "na_action"),
        CMD,
        "call.options.na_action",
    ),
    "optimizer system": (
        "lmer",
        ("call", "options", "control"),
        {"optimizer": "system"},
        "call.options.control.optimizer",
    ),
    "control value nested": (
        "lmer",
        ("call", "options", "control"),
        {"optCtrl": {"f": {"g": CMD}}},
        "call.options.control.optCtrl",
    ),
    "control key is R code": (
        "lmer",
        ("call", "options", "control"),
        {CMD: 1},
        "call.options.control." + CMD,
    ),
    "contrast is R code": (
        "lmer",
        ("call", "options", "contrasts"),
        {"Subject": f"function(n) {CMD}"},
        "call.options.contrasts.Subject",
    ),
    "contrast of no column": (
        "lmer",
        ("call", "options", "contrasts"),
        {CMD: "contr.sum"},
        "call.options.contrasts." + CMD,
    ),
    "weights is R code": ("lmer", ("call", "options", "weights"), CMD, "call.options.weights"),
    "offset is R code": (
        "glmer",
        ("call", "options", "offset"),
        f"I({CMD})",
        "call.options.offset",
    ),
    "REML is a string": ("lmer", ("call", "options", "REML"), CMD, "call.options.REML"),
    "nAGQ is a string": ("glmer", ("call", "options", "nAGQ"), CMD, "call.options.nAGQ"),
    "nAGQ is fractional": ("glmer", ("call", "options", "nAGQ"), 1.5, "call.options.nAGQ"),
    "ddf is R code": ("lmer", ("call", "options", "ddf"), CMD, "call.options.ddf"),
    "an option of another function": (
        "glmer",
        ("call", "options", "REML"),
        True,
        "call.options.REML",
    ),
    "unknown option": ("lmer", ("call", "options", "eval"), CMD, "call.options.eval"),
    "formula missing": ("lmer", ("call", "formula"), DELETE, "call.formula"),
    "formula not a string": ("lmer", ("call", "formula"), [CMD], "call.formula"),
    "column type": ("lmer", ("data", "columns", 0, "type"), CMD, "data.columns[0].type"),
    "n_rows a string": ("lmer", ("data", "n_rows"), CMD, "data.n_rows"),
    "a number is R code": (
        "lmer",
        ("result", "numbers", "sigma", "values", 0),
        CMD,
        "result.numbers.sigma.values[0]",
    ),
    "unknown top-level key": ("lmer", ("evil",), CMD, "evil"),
}

BASE = {"lmer": "sleepstudy_lmer", "glmer": "cbpp_glmer"}


def _r_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fill(value: Any, cmd: str) -> Any:
    if isinstance(value, str):
        return value.replace(CMD, cmd)
    if isinstance(value, dict):
        return {_fill(k, cmd): _fill(v, cmd) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, cmd) for v in value]
    return value


def hostile_receipt(case: str, marker: Path) -> tuple[str, str]:
    """The case's receipt JSON (with the marker's command filled in) and the field it breaks."""
    base, path, value, field = HOSTILE[case]
    cmd = f"system({_r_string(f'touch {marker}')})"
    body = copy.deepcopy(json.loads(_receipt_text(base)))
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = _fill(value, cmd)
    return json.dumps(body, indent=2), field.replace(CMD, cmd)


_TEXTS: dict[str, str] = {}


def _receipt_text(base: str) -> str:
    if base not in _TEXTS:
        _TEXTS[base] = fitted(BASE[base]).receipt().to_json()
    return _TEXTS[base]


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("data")
    out = {}
    for base, name in (("lmer", "sleepstudy"), ("glmer", "cbpp")):
        out[base] = tmp / f"{name}.csv"
        dataset(name).to_csv(out[base], index=False)
    return out


def test_there_are_at_least_12():
    assert len(HOSTILE) >= 12
    fields = {f.split(".")[-1].split("[")[0] for _, _, _, f in HOSTILE.values()}
    for field in ("formula", "function", "family", "link", "na_action", "optimizer", "REML"):
        assert field in fields
    for field in ("nAGQ", "weights", "offset", "optCtrl", "ddf"):
        assert field in fields


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_receipt_in_python(case, csvs, tmp_path):
    marker = tmp_path / "marker"
    text, field = hostile_receipt(case, marker)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(text)
    data = csvs[HOSTILE[case][0]]
    with pytest.raises(pylme.ReceiptError) as info:
        pylme.verify(receipt, data)
    assert info.value.field == field
    assert f"receipt field {field}" in str(info.value)
    res = CliRunner().invoke(cli, ["verify", str(receipt), str(data)])
    assert res.exit_code == 2, res.output
    assert f"receipt field {field}" in res.output and "Traceback" not in res.output
    assert not marker.exists()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_receipt_in_verify_r(case, csvs, tmp_path):
    marker = tmp_path / "marker"
    text, field = hostile_receipt(case, marker)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(text)
    res = run_verify_r(receipt, csvs[HOSTILE[case][0]])
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stdout == ""
    assert res.stderr.startswith(f"verify.R: receipt field {field}"), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not marker.exists()


@pytest.mark.parametrize("case", ["formula runs system", "na_action is R code"])
def test_hostile_receipt_in_a_real_pylme_process(case, csvs, tmp_path):
    """`pylme verify` as a user runs it: exit 2, one line on stderr naming the field."""
    marker = tmp_path / "marker"
    text, field = hostile_receipt(case, marker)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(text)
    res = run_cli("verify", str(receipt), str(csvs[HOSTILE[case][0]]))
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stdout == "" and len(res.stderr.strip().splitlines()) == 1
    assert f"ReceiptError: receipt field {field}" in res.stderr
    assert not marker.exists()


def test_the_payload_would_run(tmp_path):
    """The marker check can fail: R evaluating a payload does create the marker."""
    marker = tmp_path / "marker"
    text, _ = hostile_receipt("na_action is R code", marker)
    cmd = json.loads(text)["call"]["options"]["na_action"]
    subprocess.run([rref.rscript(), "-e", cmd], check=True, capture_output=True)
    assert marker.exists()


@pytest.mark.parametrize("base", list(BASE))
def test_a_good_receipt_passes_both(base, csvs, tmp_path):
    receipt = tmp_path / "receipt.json"
    receipt.write_text(_receipt_text(base))
    assert pylme.verify(receipt, csvs[base]).ok
    res = run_verify_r(receipt, csvs[base])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "result:   OK" in res.stdout
