"""The receipt schema (``r_scripts/receipt_schema.json``), checked before anything is refitted.

A receipt is input from a stranger: every field is checked against the one schema that
``r_scripts/receipt_schema.R`` (for ``verify.R``) reads too, and the first field that breaks
it raises :class:`~pylme.errors.ReceiptError` naming it. The rules below are written out once
here and once in R; ``tests/test_receipts_schema.py`` feeds both the same cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from pylme.errors import ReceiptError
from pylme.runtime.session import r_scripts_dir

SCHEMA_FILE = "receipt_schema.json"
NON_FINITE = ("NaN", "Inf", "-Inf")
R_NAME = re.compile(r"^[A-Za-z.][A-Za-z0-9._]*$")


@cache
def schema() -> dict[str, Any]:
    """The schema, as shipped in ``r_scripts/receipt_schema.json``."""
    with open(r_scripts_dir() / SCHEMA_FILE, encoding="utf-8") as f:
        return dict(json.load(f))


def _bad(field: str, problem: str, value: Any) -> ReceiptError:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return ReceiptError(f"receipt field {field}: {problem}; got {shown}", field)


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, bool, int, float))


def _check(value: Any, spec: str, field: str, columns: list[str], option: str) -> None:
    if spec.endswith("|null"):
        if value is None:
            return
        spec = spec[: -len("|null")]
    kind, _, rest = spec.partition(":")
    s = schema()
    if kind == "string" and not isinstance(value, str):
        raise _bad(field, "must be a string", value)
    if kind == "boolean" and not isinstance(value, bool):
        raise _bad(field, "must be true or false", value)
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        raise _bad(field, "must be an integer", value)
    if kind == "number" and not (
        value is None
        or value in NON_FINITE
        or (isinstance(value, (int, float)) and not isinstance(value, bool))
    ):
        raise _bad(field, 'must be a number (or "NaN", "Inf", "-Inf")', value)
    if kind == "one_of" and (not isinstance(value, str) or value not in s["vocabularies"][rest]):
        allowed = ", ".join(map(repr, s["vocabularies"][rest]))
        raise _bad(field, f"must be one of {allowed}", value)
    if kind == "column":
        name = s["hidden_columns"].get(option, value) if value == "<array>" else value
        if not isinstance(value, str) or name not in columns:
            raise _bad(field, f"must name one of the receipt's data columns {columns}", value)
    if kind == "array":
        if not isinstance(value, list):
            raise _bad(field, "must be a list", value)
        for i, item in enumerate(value):
            _check(item, rest, f"{field}[{i}]", columns, option)
    if kind in ("map", "contrasts", "control"):
        if not isinstance(value, Mapping):
            raise _bad(field, "must be an object", value)
        for key, item in value.items():
            where = f"{field}.{key}"
            if kind == "map":
                _check(item, rest, where, columns, option)
            elif kind == "contrasts":
                _check(key, "column", where, columns, option)
                _check(item, "one_of:contrast", where, columns, option)
            else:
                _control(key, item, where)
    if kind == "record":
        _record(value, rest, field, columns)


def _control(key: str, value: Any, field: str) -> None:
    if not R_NAME.match(key):
        raise _bad(field, "must be an lmerControl/glmerControl argument name", key)
    items = list(value.values()) if isinstance(value, Mapping) else value
    if not _scalar(value) and not (isinstance(items, list) and all(_scalar(v) for v in items)):
        raise _bad(field, "must be a number, string or boolean, or a list of them", value)
    if key == "optimizer":
        names = value if isinstance(value, list) else [value]
        if not 1 <= len(names) <= 2:
            raise _bad(field, "must be one optimizer name (or two for glmer)", value)
        for i, name in enumerate(names):
            _check(name, "one_of:optimizer", field if len(names) == 1 else f"{field}[{i}]", [], "")


def _record(value: Any, name: str, field: str, columns: list[str]) -> None:
    fields = schema()["records"][name]
    if not isinstance(value, Mapping):
        raise _bad(field or "(the receipt)", "must be an object", value)
    prefix = f"{field}." if field else ""
    known = {k.lstrip("?") for k in fields}
    for key in value:
        if key not in known:
            raise _bad(
                f"{prefix}{key}", f"is not a field of {name} ({', '.join(sorted(known))})", key
            )
    for key, spec in fields.items():
        bare = key.lstrip("?")
        if bare not in value:
            if not key.startswith("?"):
                raise _bad(f"{prefix}{bare}", "is missing", None)
            continue
        _check(value[bare], spec, f"{prefix}{bare}", columns, bare)


def check_receipt(body: Any) -> None:
    """Check a receipt's JSON body against the schema; :class:`ReceiptError` names the field."""
    s = schema()
    if not isinstance(body, Mapping):
        raise _bad("(the receipt)", "must be a JSON object", type(body).__name__)
    version = body.get("schema_version")
    if version != s["schema_version"] and isinstance(version, int):
        raise _bad(
            "schema_version", f"this pylme reads receipts of schema {s['schema_version']}", version
        )
    data = body.get("data")
    cols = data.get("columns") if isinstance(data, Mapping) else None
    _record(data, "data", "data", [])
    columns = [c["name"] for c in cols or ()]
    _record(body, "receipt", "", columns)
    call = body["call"]
    fn, options = call["function"], call["options"]
    for key in options:
        if key not in s["options_of"][fn]:
            raise _bad(f"call.options.{key}", f"is not an option of {fn}", options[key])
    for key in s["required_of"][fn]:
        if options.get(key) is None:
            raise _bad(f"call.options.{key}", f"is required for {fn}", options.get(key))
    family, link = options.get("family"), options.get("link")
    if family is not None and link is not None and link not in s["links"][family]:
        allowed = ", ".join(map(repr, s["links"][family]))
        raise _bad("call.options.link", f"must be a link of the {family} family ({allowed})", link)
