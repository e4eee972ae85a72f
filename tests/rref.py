"""Pure-R references for the tests: R data sets exported to pandas, and reference fits.

Data go both ways as typed column JSON (``r_scripts/data_io.R``); doubles are written by
Python with ``repr`` precision, which R's JSON parser reads back exactly. Reference fits
run in one ``Rscript r_scripts/reference.R`` process, with no Python in between.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
R_SCRIPTS = ROOT / "r_scripts"
CACHE = Path(tempfile.gettempdir()) / "pylme-test-data"


def rscript() -> str:
    exe = shutil.which("Rscript")
    if exe is None:
        raise RuntimeError("Rscript is not on PATH")
    return exe


def r_has_package(name: str) -> bool:
    res = subprocess.run(
        [rscript(), "-e", f"cat(nzchar(system.file(package='{name}')))"],
        capture_output=True,
        text=True,
    )
    return res.stdout.strip() == "TRUE"


@cache
def r_dataset(package: str, name: str) -> pd.DataFrame:
    """A data set shipped by an R package, as pandas (factors become ordered-or-not
    categoricals)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{package}-{name}.json"
    if not out.exists():
        subprocess.run(
            [rscript(), str(R_SCRIPTS / "export_data.R"), package, name, str(out)],
            check=True,
            capture_output=True,
        )
    return frame_from_spec(json.loads(out.read_text()))


def frame_from_spec(spec: dict[str, Any]) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for col in spec["columns"]:
        t = col["type"]
        if t == "factor":
            codes = [(-1 if c is None else c - 1) for c in col["codes"]]
            cols[col["name"]] = pd.Categorical.from_codes(
                codes, categories=col["levels"], ordered=col["ordered"]
            )
        elif t == "double":
            cols[col["name"]] = np.array(
                [np.nan if v is None else v for v in col["values"]], dtype=float
            )
        elif t == "integer":
            vals = col["values"]
            cols[col["name"]] = (
                pd.array(vals, dtype="Int64") if None in vals else np.array(vals, dtype=np.int32)
            )
        elif t == "logical":
            cols[col["name"]] = pd.array(col["values"], dtype="boolean")
        else:
            cols[col["name"]] = pd.array(col["values"], dtype=object)
    return pd.DataFrame(cols)


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def spec_from_frame(df: pd.DataFrame) -> dict[str, Any]:
    """Typed columns for R: what R should see for each pandas column (strings stay character)."""
    cols = []
    for name in df.columns:
        s = df[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = [None if c < 0 else int(c) + 1 for c in s.cat.codes]
            cols.append(
                {
                    "name": name,
                    "type": "factor",
                    "levels": [str(c) for c in s.cat.categories],
                    "ordered": bool(s.cat.ordered),
                    "codes": codes,
                }
            )
        elif pd.api.types.is_bool_dtype(s.dtype):
            cols.append(
                {
                    "name": name,
                    "type": "logical",
                    "values": [_json_value(v) for v in s.astype(object)],
                }
            )
        elif pd.api.types.is_integer_dtype(s.dtype):
            cols.append(
                {
                    "name": name,
                    "type": "integer",
                    "values": [_json_value(v) for v in s.astype(object)],
                }
            )
        elif pd.api.types.is_float_dtype(s.dtype):
            cols.append(
                {
                    "name": name,
                    "type": "double",
                    "values": [_json_value(v) for v in s.astype(object)],
                }
            )
        else:
            cols.append(
                {
                    "name": name,
                    "type": "character",
                    "values": [_json_value(v) for v in s.astype(object)],
                }
            )
    return {"n_rows": len(df), "columns": cols}


def reference_fits(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Fit every case in one pure-R process; returns {case id: R's quantities}."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "cases.json", Path(tmp) / "out.json"
        payload = [{**c, "data": spec_from_frame(c["data"])} for c in cases]
        inp.write_text(json.dumps(payload))
        res = subprocess.run(
            [rscript(), str(R_SCRIPTS / "reference.R"), str(inp), str(out)],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


def as_float_array(values: Any) -> np.ndarray:
    if not isinstance(values, list):
        values = [values]
    return np.array([np.nan if v is None else v for v in values], dtype=float)
