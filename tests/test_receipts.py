"""fit.receipt(), its JSON, the canonical fingerprint and pylme.verify (in Python)."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from test_receipts_support import CASES, available, changed, dataset, edited_receipt, fitted

import pylme
from pylme.receipts import Receipt, VerifyReport
from pylme.receipts.receipt import json_number, number_value

CASE_IDS = [
    pytest.param(c, marks=pytest.mark.skipif(not available(c), reason="no imm10")) for c in CASES
]
TOP_KEYS = ["call", "created_at", "data", "result", "schema_version", "versions"]


@pytest.fixture(scope="module", params=CASE_IDS)
def case(request):
    fit = fitted(request.param)
    return request.param, fit, fit.receipt()


def test_json_round_trips_exactly(case):
    _, fit, receipt = case
    text = receipt.to_json()
    back = Receipt.from_json(text)
    assert back == receipt
    assert back.to_json() == text
    assert sorted(json.loads(text)) == TOP_KEYS
    # The numbers read back are the fit's own doubles, bit for bit.
    terms, values = back.quantity("fixef")
    assert terms == fit.fixef.terms
    assert values.tobytes() == np.asarray(fit.fixef.estimate, dtype=float).tobytes()
    _, loglik = back.quantity("loglik")
    assert loglik[0] == fit.loglik


def test_same_fit_same_json_apart_from_time(case):
    _, fit, receipt = case
    again = dataclasses.replace(fit.receipt(), created_at=receipt.created_at)
    assert again.to_json() == receipt.to_json()


def test_receipt_records_call_data_and_versions(case):
    name, fit, receipt = case
    function, _, formula, options, _, _ = CASES[name]
    assert receipt.call["function"] == function
    assert receipt.call["formula"] == formula
    for key, value in options.items():
        assert receipt.call["options"][key] == value
    assert receipt.data["n_rows"] == fit.provenance.n_rows
    assert [c["name"] for c in receipt.data["columns"]] == list(fit.provenance.columns)
    for col in receipt.data["columns"]:
        assert tuple(col["levels"]) == fit.provenance.levels.get(col["name"], ())
    for key in ("R", "lme4", "Matrix", "rpy2", "pylme", "Python", "platform", "BLAS", "LAPACK"):
        assert receipt.versions[key], key
    numbers = receipt.result["numbers"]
    for q in ("fixef", "vcov", "varcorr_vcov", "theta", "loglik", "deviance", "AIC", "BIC"):
        assert q in numbers, q
    assert any(q.startswith("ranef:") for q in numbers)
    assert any(q.startswith("cond_var:") for q in numbers)
    assert receipt.result["convergence"]["optimizer"] == fit.convergence.optimizer


def test_save_receipt_and_read_path(case, tmp_path):
    _, fit, receipt = case
    path = tmp_path / "r.json"
    fit.save_receipt(path)
    assert dataclasses.replace(Receipt.from_json(path), created_at="") == dataclasses.replace(
        receipt, created_at=""
    )


def test_non_finite_numbers_are_strings_and_come_back():
    for x in (math.nan, math.inf, -math.inf, 0.1, -0.0, 1e-300):
        stored = json_number(x)
        json.dumps(stored, allow_nan=False)
        back = number_value(stored)
        assert (math.isnan(x) and math.isnan(back)) or (back == x and str(back) == str(x))
    assert json_number(math.nan) == "NaN" and json_number(-math.inf) == "-Inf"


# -- verify passes -------------------------------------------------------------------------


def _assert_ok(report: VerifyReport) -> None:
    assert isinstance(report, VerifyReport)
    assert report.data_matches, report.data_message
    assert report.ok, str(report)
    assert report.versions_match
    assert len(report.rows) > 10


def test_verify_passes_on_original_frame(case):
    name, _, receipt = case
    _assert_ok(pylme.verify(receipt, dataset(CASES[name][1])))


def test_verify_passes_after_csv_round_trip(case, tmp_path):
    name, _, receipt = case
    path = tmp_path / "d.csv"
    dataset(CASES[name][1]).to_csv(path, index=False)
    _assert_ok(pylme.verify(receipt, pd.read_csv(path)))  # a frame, factors as text or ints
    _assert_ok(pylme.verify(receipt.to_json(), path))  # the path, read by pylme


def test_verify_passes_after_parquet_round_trip(case, tmp_path):
    name, _, receipt = case
    path = tmp_path / "d.parquet"
    dataset(CASES[name][1]).to_parquet(path)
    _assert_ok(pylme.verify(receipt, pd.read_parquet(path)))
    _assert_ok(pylme.verify(receipt, path))


def test_verify_passes_on_polars(case):
    pl = pytest.importorskip("polars")
    name, _, receipt = case
    _assert_ok(pylme.verify(receipt, pl.from_pandas(dataset(CASES[name][1]))))


# -- verify fails, naming the cause ----------------------------------------------------------


def test_one_changed_value_is_named(case):
    name, _, receipt = case
    column = CASES[name][5]
    report = pylme.verify(receipt, changed(name))
    assert not report.ok and not report.data_matches
    assert repr(column) in report.data_message
    moved = {r.quantity.split("[")[0] for r in report.failed}
    assert "fixef" in moved and "loglik" in moved
    assert "DIFFERS" in str(report) and "FAILED" in str(report)


def test_hand_edited_number_is_named(case):
    _, _, receipt = case
    report = pylme.verify(
        Receipt.from_json(edited_receipt(receipt.to_json(), number="fixef")),
        dataset(CASES[case[0]][1]),
    )
    assert report.data_matches
    assert not report.ok
    terms, _ = receipt.quantity("fixef")
    assert [r.quantity for r in report.failed] == [f"fixef[{terms[-1]}]"]
    assert f"fixef[{terms[-1]}]" in str(report)


def test_different_formula_fails(case):
    name, _, receipt = case
    edited = Receipt.from_json(edited_receipt(receipt.to_json(), formula=CASES[name][4]))
    report = pylme.verify(edited, dataset(CASES[name][1]))
    assert report.data_matches and not report.ok
    assert any(r.quantity.startswith("fixef") for r in report.failed)


def test_missing_column_is_a_data_error(case):
    name, _, receipt = case
    column = CASES[name][5]
    with pytest.raises(pylme.DataError, match=repr(column)):
        pylme.verify(receipt, dataset(CASES[name][1]).drop(columns=column))


def test_report_frame_and_text(case):
    name, _, receipt = case
    report = pylme.verify(receipt, dataset(CASES[name][1]))
    frame = report.to_frame()
    assert list(frame.columns) == ["quantity", "recorded", "now", "rel_diff", "ok"]
    assert len(frame) == len(report.rows) and frame["ok"].all()
    text = str(report)
    assert "data:     matches" in text and "result:   OK" in text


def test_version_difference_is_a_warning_only():
    fit = fitted("sleepstudy_lmer")
    receipt = fit.receipt()
    old = dataclasses.replace(receipt, versions={**receipt.versions, "lme4": "0.0.1"})
    report = pylme.verify(old, dataset("sleepstudy"))
    assert report.ok and not report.versions_match
    assert report.version_differences["lme4"][0] == "0.0.1"
    assert "lme4 0.0.1 ->" in str(report)


# -- the canonical fingerprint ---------------------------------------------------------------


def test_fingerprint_is_canonical_over_numeric_types_and_sources():
    import pyarrow as pa

    fit = fitted("sleepstudy_lmer")
    receipt = fit.receipt()
    d = dataset("sleepstudy").copy()
    ints = d.assign(Days=d["Days"].astype("int64"))  # integral doubles as int64 (a CSV does it)
    assert pylme.verify(receipt, ints).data_matches
    strings = d.assign(Subject=d["Subject"].astype(str))  # factor as text: receipt's levels
    assert pylme.verify(receipt, pa.Table.from_pandas(strings)).data_matches


def test_fingerprint_sees_row_order_and_level_order():
    receipt = fitted("sleepstudy_lmer").receipt()
    d = dataset("sleepstudy")
    shuffled = d.iloc[::-1].reset_index(drop=True)
    report = pylme.verify(receipt, shuffled)
    assert not report.data_matches and "first that differs" in report.data_message
    relevelled = d.assign(
        Subject=d["Subject"].cat.reorder_categories(d["Subject"].cat.categories[::-1])
    )
    report = pylme.verify(receipt, relevelled)
    assert not report.data_matches and "levels" in report.data_message


def test_fingerprint_matches_r_computed_bytes():
    # The receipt's fingerprint is computed in R from the model's data; verify computes it in
    # Python from the frame: equal fingerprints mean the two implementations agree.
    fit = fitted("sleep_na_lmer_ml")
    assert pylme.verify(fit.receipt(), dataset("sleep_na")).data_matches
