"""The pure-R reference for the conversion property: the frame's values written to a CSV
(from the raw values hypothesis drew, not from pylme) and read by ``Rscript
r_scripts/props_read_csv.R`` with R's ``read.csv`` and explicit column classes."""

from __future__ import annotations

import csv
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import rref
from props_frames import Column

#: The CSV's missing-value field; hypothesis never puts U+E000 in a string (props_frames.py).
NA_FIELD = "\ue000"


def _field(col: Column, i: int) -> str:
    e = col.expect
    if e.na[i]:
        return NA_FIELD
    if e.labels is not None:
        return str(e.labels[i])
    v = e.values[i]  # type: ignore[index]
    if e.rclass == ("logical",):
        return "TRUE" if v else "FALSE"
    if e.rclass == ("integer",):
        return str(int(v))
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return float(v).hex()


def _schema(col: Column) -> dict[str, Any]:
    e = col.expect
    if e.labels is not None:
        if e.r_sorted:
            return {"type": "string"}
        return {"type": "factor", "levels": list(e.levels or ()), "ordered": len(e.rclass) == 2}
    kind = {("numeric",): "double", ("integer",): "integer", ("logical",): "logical"}
    return {"type": kind[e.rclass]}


def read_in_pure_r(cols: list[Column], n: int, folder: Path) -> dict[str, Any]:
    """R's view (pylme_props_summary) of the CSV as a separate R process reads it."""
    path, schema, out = folder / "frame.csv", folder / "schema.json", folder / "out.json"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow([c.name for c in cols])
        for i in range(n):
            w.writerow([_field(c, i) for c in cols])
    schema.write_text(json.dumps({"n_rows": n, "columns": [_schema(c) for c in cols]}))
    script = rref.R_SCRIPTS / "props_read_csv.R"
    subprocess.run(
        [rref.rscript(), str(script), str(path), str(schema), str(out)],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def _plain(col: dict[str, Any]) -> dict[str, Any]:
    """A column's view with doubles as their 64 bits (the pure-R side sends C99 hex)."""
    vals = col["values"]
    if list(col["class"]) == ["numeric"]:
        hexed = len(vals) and isinstance(vals[0], str)
        arr = np.array([float.fromhex(v) for v in vals] if hexed else vals, np.float64)
        vals = arr.view(np.uint64).tolist()
    else:
        vals = [int(v) for v in vals]
    return {
        "class": list(col["class"]),
        "levels": None if col["levels"] is None else list(col["levels"]),
        "na": [int(i) for i in col["na"]],
        "n_nan": int(np.asarray(col["n_nan"]).ravel()[0]),
        "values": vals,
    }


def same_view(embedded: dict[str, Any], pure: dict[str, Any]) -> list[str]:
    """What differs between the embedded view of pylme.to_r's frame and the pure-R one."""
    diffs = []
    if list(embedded["names"]) != list(pure["names"]):
        diffs.append(f"names {embedded['names']} != {pure['names']}")
    for name, a, b in zip(pure["names"], embedded["columns"], pure["columns"]):
        pa_, pb = _plain(a), _plain(b)
        diffs += [f"column {name!r}: {k}" for k in pa_ if pa_[k] != pb[k]]
    return diffs
