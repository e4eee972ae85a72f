"""The receipt schema, written out once in Python (pylme/receipts/schema.py) and once in R
(r_scripts/receipt_schema.R): both are fed the same receipts and must name the same field
(or pass the same ones). Every hostile receipt of test_receipts_hostile is among them."""

from __future__ import annotations

import copy
import json
import subprocess
import typing
from typing import Any

import pytest
import rref
from test_receipts_hostile import HOSTILE, hostile_receipt
from test_receipts_support import ROOT, fitted

import pylme
from pylme.literals import Ddf
from pylme.models.family import ALL_LINKS, LINKS
from pylme.models.options import CONTRASTS, NA_ACTIONS, OPTIMIZERS
from pylme.receipts.schema import check_receipt, schema

CHECK_R = ROOT / "r_scripts" / "check_receipts.R"
NB_WEIGHTS = {"name": ".pylme_weights", "type": "double", "levels": [], "sha256": "0" * 64}

#: id -> (base, edits (path, value), the field named, or None for a receipt that passes)
CASES: dict[str, tuple[str, list[tuple[tuple[Any, ...], Any]], str | None]] = {
    "lmer as made": ("lmer", [], None),
    "glmer as made": ("glmer", [], None),
    "glmer.nb, weights as an array": (
        "glmer",
        [
            (("call", "function"), "glmer.nb"),
            (("call", "options", "family"), None),
            (("call", "options", "link"), None),
            (("call", "options", "weights"), "<array>"),
            (("data", "columns", 4), NB_WEIGHTS),
        ],
        None,
    ),
    "two optimizers": (
        "glmer",
        [(("call", "options", "control"), {"optimizer": ["bobyqa", "Nelder_Mead"]})],
        None,
    ),
    "control object of scalars": (
        "lmer",
        [
            (
                ("call", "options", "control"),
                {"check.conv.grad": {"action": "warning", "tol": 0.002}},
            )
        ],
        None,
    ),
    "empty control": ("lmer", [(("call", "options", "control"), {})], None),
    "ddf and contrasts": (
        "lmer",
        [
            (("call", "options", "ddf"), "Satterthwaite"),
            (("call", "options", "contrasts"), {"Subject": "contr.sum"}),
        ],
        None,
    ),
    "offset a column": ("glmer", [(("call", "options", "offset"), "size")], None),
    "no levels": ("lmer", [(("data", "columns", 0, "levels"), "<delete>")], None),
    "nAGQ true": ("glmer", [(("call", "options", "nAGQ"), True)], "call.options.nAGQ"),
    "REML 1": ("lmer", [(("call", "options", "REML"), 1)], "call.options.REML"),
    "n_rows 180.0": ("lmer", [(("data", "n_rows"), 180.0)], "data.n_rows"),
    "a label a number": (
        "lmer",
        [(("result", "numbers", "fixef", "labels", 0), 1)],
        "result.numbers.fixef.labels[0]",
    ),
    "a value true": (
        "lmer",
        [(("result", "numbers", "fixef", "values", 1), True)],
        "result.numbers.fixef.values[1]",
    ),
    "three optimizers": (
        "glmer",
        [(("call", "options", "control"), {"optimizer": ["bobyqa"] * 3})],
        "call.options.control.optimizer",
    ),
    "second optimizer unknown": (
        "glmer",
        [(("call", "options", "control"), {"optimizer": ["bobyqa", "get"]})],
        "call.options.control.optimizer[1]",
    ),
    "control value null": (
        "lmer",
        [(("call", "options", "control"), {"maxit": None})],
        "call.options.control.maxit",
    ),
    "a version a number": ("lmer", [(("versions", "R"), 4.2)], "versions.R"),
    "columns an object": ("lmer", [(("data", "columns"), {})], "data.columns"),
    "weights array without its column": (
        "lmer",
        [(("call", "options", "weights"), "<array>")],
        "call.options.weights",
    ),
    "schema_version 2": ("lmer", [(("schema_version",), 2)], "schema_version"),
    "convergence code a string": (
        "lmer",
        [(("result", "convergence", "code"), "0")],
        "result.convergence.code",
    ),
    "numbers missing": ("lmer", [(("result", "numbers"), "<delete>")], "result.numbers"),
}

_BASE = {"lmer": "sleepstudy_lmer", "glmer": "cbpp_glmer"}


def _body(case: str) -> Any:
    base, edits, _ = CASES[case]
    body = copy.deepcopy(json.loads(fitted(_BASE[base]).receipt().to_json()))
    for path, value in edits:
        target = body
        for key in path[:-1]:
            target = target[key]
        if value == "<delete>":
            del target[path[-1]]
        elif isinstance(target, list) and path[-1] == len(target):
            target.append(value)
        else:
            target[path[-1]] = value
    return body


def _python_field(body: Any) -> str | None:
    try:
        check_receipt(body)
    except pylme.ReceiptError as exc:
        return exc.field
    return None


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Every case (and every hostile receipt) checked by Python and by R: id -> (py, R)."""
    tmp = tmp_path_factory.mktemp("schema")
    ids, bodies, fields = [], [], {}
    for case in CASES:
        ids.append(case)
        bodies.append(_body(case))
    for case in HOSTILE:
        ids.append(f"hostile: {case}")
        text, fields[case] = hostile_receipt(case, tmp / "marker")
        bodies.append(json.loads(text))
    ids.append("an array")
    bodies.append([])
    path = tmp / "cases.json"
    path.write_text(json.dumps(bodies))
    res = subprocess.run([rref.rscript(), str(CHECK_R), str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    r_out = res.stdout.splitlines()
    assert len(r_out) == len(bodies), res.stdout
    r_fields = [None if line == "OK" else line.removeprefix("FIELD ") for line in r_out]
    out = {i: (_python_field(b), r) for i, b, r in zip(ids, bodies, r_fields)}
    return out, fields


@pytest.mark.parametrize("case", list(CASES))
def test_both_checkers_agree(case, both):
    py, r = both[0][case]
    assert py == CASES[case][2]
    assert r == py


@pytest.mark.parametrize("case", list(HOSTILE))
def test_both_checkers_agree_on_hostile(case, both):
    """The same field as the verifiers name, except a formula that is a string: the schema
    passes it, and the allow-list (run next, by both verifiers) refuses it."""
    py, r = both[0][f"hostile: {case}"]
    formula_text = HOSTILE[case][1] == ("call", "formula") and isinstance(HOSTILE[case][2], str)
    assert py == (None if formula_text else both[1][case])
    assert r == py


def test_not_an_object(both):
    assert both[0]["an array"] == ("(the receipt)", "(the receipt)")


def test_vocabularies_are_pylmes():
    """The schema's lists are the ones lmer/glmer accept (one vocabulary, not two)."""
    v = schema()["vocabularies"]
    assert v["na_action"] == list(NA_ACTIONS)
    assert v["contrast"] == list(CONTRASTS)
    assert v["optimizer"] == list(OPTIMIZERS)
    assert v["ddf"] == list(typing.get_args(Ddf))
    assert v["link"] == list(ALL_LINKS)
    assert v["family"] == list(LINKS)
    assert schema()["links"] == {k: list(x) for k, x in LINKS.items()}


def test_fit_r_family_table_is_the_schemas():
    code = 'source("r_scripts/fit.R"); cat(names(PYLME_FAMILIES), sep = "\\n")'
    res = subprocess.run([rref.rscript(), "-e", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.split() == schema()["vocabularies"]["family"]
