"""``pylme.verify``: refit from a receipt's call and compare every number."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pylme.errors import FormulaError, PylmeError, ReceiptError
from pylme.receipts import canonical
from pylme.receipts.conform import ColumnRecord, Conformed, arrow_table, conform
from pylme.receipts.files import read_data
from pylme.receipts.make import R_SIDE_VERSIONS, receipt_info, versions_of
from pylme.receipts.numbers import COMPARED_CONVERGENCE, convergence_record, fit_numbers
from pylme.receipts.receipt import Receipt
from pylme.receipts.report import VerifyReport, VerifyRow, compare_convergence, compare_numbers
from pylme.receipts.schema import check_receipt
from pylme.results.fit import MixedFit

#: lme4 itself varies by about 1e-10 from run to run (memory layout), more across BLAS
#: libraries and versions; 1e-8 relative passes the first and catches any real change.
DEFAULT_RTOL = 1e-8
HIDDEN = {"weights": ".pylme_weights", "offset": ".pylme_offset"}


def _records(receipt: Receipt) -> list[ColumnRecord]:
    return [
        ColumnRecord(c["name"], c["type"], tuple(c.get("levels") or ()))
        for c in receipt.data["columns"]
    ]


def _data_check(receipt: Receipt, data: Conformed) -> tuple[bool, str]:
    d = receipt.data
    parts = [canonical.column_bytes(p, t) for p, t in zip(data.plans, data.types)]
    if canonical.digest(data.n_rows, parts) == d["fingerprint"]:
        return True, f"sha256 {d['fingerprint'][:16]}…, {d['n_rows']} rows, {len(parts)} columns"
    if data.n_rows != d["n_rows"]:
        return False, f"the row count differs: recorded {d['n_rows']}, now {data.n_rows}"
    now = canonical.column_digests(data.n_rows, parts)
    for rec, digest in zip(d["columns"], now):
        if digest != rec["sha256"]:
            why = data.problems.get(rec["name"], "its values differ")
            return False, f"column {rec['name']!r} is the first that differs: {why}"
    return False, "the fingerprint differs"


def refit(receipt: Receipt, table: Any) -> MixedFit:
    """Fit the receipt's call to ``table`` (the data in the receipt's types)."""
    from pylme.models.glmer import glmer, glmer_nb
    from pylme.models.lmer import lmer

    call = receipt.call
    o = dict(call["options"])
    common: dict[str, Any] = {
        k: o.get(k) for k in ("weights", "offset", "contrasts", "control", "na_action")
    }
    for key, hidden in HIDDEN.items():
        if common[key] == "<array>":
            common[key] = table.column(hidden).to_numpy(zero_copy_only=False)
    common["na_action"] = common["na_action"] or "omit"
    fn = call["function"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fn == "lmer":
            return lmer(
                call["formula"], table, REML=o.get("REML", True), ddf=o.get("ddf"), **common
            )
        if fn == "glmer":
            if not o.get("family"):  # glmer has no default family (R's would fit an LMM)
                raise ReceiptError(
                    "receipt field call.options.family: glmer needs a family; got none",
                    "call.options.family",
                )
            return glmer(
                call["formula"], table, family=o["family"],
                link=o.get("link"), nAGQ=o.get("nAGQ", 1), **common,
            )  # fmt: skip
        return glmer_nb(call["formula"], table, nAGQ=o.get("nAGQ", 1), **common)


def check(receipt: Receipt) -> None:
    """Check the whole receipt before anything is refitted: the schema
    (:func:`~pylme.receipts.schema.check_receipt`), then the formula against pylme's
    allow-list (R parses it; nothing in it is evaluated). :class:`ReceiptError` names the field.
    """
    import json

    from pylme.models.pipeline import formula_variables

    try:
        body = json.loads(receipt.to_json())
    except (TypeError, ValueError) as exc:  # NaN literals, or values JSON cannot hold
        raise ReceiptError(f"the receipt cannot be written as JSON: {exc}", "") from exc
    check_receipt(body)
    try:
        formula_variables(receipt.call["formula"])
    except FormulaError as exc:
        raise ReceiptError(f"receipt field call.formula: {exc}", "call.formula") from exc


def _version_differences(receipt: Receipt, now: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (v, now.get(k)) for k, v in receipt.versions.items() if k in now and now.get(k) != v}


def verify(receipt: Receipt | str | Path, data: Any, *, rtol: float = DEFAULT_RTOL) -> VerifyReport:
    """Refit the receipt's call on ``data`` and compare every recorded number.

    ``receipt`` is a :class:`Receipt`, its JSON text or a path to it; ``data`` a pandas,
    polars or pyarrow frame, or the path of a .csv, .parquet or .feather file. Columns are read
    in the receipt's types, factor levels in the receipt's order (so a CSV needs no
    categoricals). A column the receipt lists but ``data`` lacks raises
    :class:`~pylme.errors.DataError` naming it. A receipt that breaks the receipt schema
    (``r_scripts/receipt_schema.json``), or whose formula calls a function outside pylme's
    allow-list, raises :class:`~pylme.errors.ReceiptError` naming the field, before anything
    is refitted: a receipt may come from anyone.
    """
    if not isinstance(receipt, Receipt):
        receipt = Receipt.from_json(receipt)
    check(receipt)
    records = _records(receipt)
    if isinstance(data, (str, Path)):
        factors = [r.name for r in records if r.type in ("factor", "ordered")]
        data = read_data(data, factors)
    conformed = conform(data, records)
    data_ok, data_message = _data_check(receipt, conformed)
    rows: list[VerifyRow]
    try:
        fit = refit(receipt, arrow_table(conformed))
    except PylmeError as exc:  # e.g. a formula edited into the receipt that lme4 rejects
        rows = [VerifyRow("refit", "fitted", f"failed: {exc}", float("inf"), False)]
        return _report(receipt, data_ok, data_message, {}, rows, rtol)
    info = receipt_info(fit, None, None)
    rows = compare_numbers(receipt.result["numbers"], fit_numbers(fit, info), rtol)
    rows += compare_convergence(
        receipt.result["convergence"], convergence_record(fit), COMPARED_CONVERGENCE
    )
    return _report(receipt, data_ok, data_message, versions_of(fit, info), rows, rtol)


def _report(
    receipt: Receipt,
    data_ok: bool,
    data_message: str,
    versions_now: dict[str, Any],
    rows: list[VerifyRow],
    rtol: float,
) -> VerifyReport:
    diffs = _version_differences(receipt, versions_now)
    call = f"{receipt.call['function']}({receipt.call['formula']!r})"
    return VerifyReport(
        ok=data_ok and all(r.ok for r in rows),
        data_matches=data_ok,
        data_message=data_message,
        versions_match=not any(k in R_SIDE_VERSIONS for k in diffs),
        version_differences=diffs,
        rows=tuple(rows),
        rtol=rtol,
        call=call,
    )
