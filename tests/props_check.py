"""R's view of a converted frame (r_scripts/props.R, sourced into an environment of the tests'
own in the embedded session) checked against the Python-side expectations."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import rref
from props_frames import Column

from pylme.runtime import get_session
from pylme.runtime.from_r import from_r


@cache
def helpers() -> Any:
    """props.R's functions, in a new environment (never R's globalenv)."""
    ri = get_session().ri
    env = ri.baseenv["new.env"](parent=ri.globalenv)
    ri.baseenv["sys.source"](str(rref.R_SCRIPTS / "props.R"), envir=env)
    return env


def r_summary(frame: Any) -> dict[str, Any]:
    """pylme_props_summary(frame): names, n_rows and one dict per column."""
    out = from_r(helpers()["pylme_props_summary"](frame))
    out["names"] = list(out["names"] or ())
    return out


def r_levels(strings: list[str]) -> tuple[str, ...]:
    """levels(factor(strings)) in the embedded session, the strings sent by rpy2 itself."""
    ri = get_session().ri
    return tuple(helpers()["pylme_props_levels"](ri.StrSexpVector(strings)))


def _mask(n: int, na: Any) -> np.ndarray:
    mask = np.zeros(n, bool)
    mask[np.asarray(na, dtype=np.int64)] = True
    return mask


def check_column(col: Column, got: dict[str, Any], n: int) -> None:
    """Assert R's view of one column equals the expectation; the message names the column."""
    e, what = col.expect, f"column {col.name!r}"
    assert tuple(got["class"]) == e.rclass, f"{what}: class {got['class']} != {e.rclass}"
    na = _mask(n, got["na"])
    assert np.array_equal(na, e.na), f"{what}: NA at {np.flatnonzero(na)[:10]}"
    assert got["n_nan"] == 0, f"{what}: R holds NaN (pylme sends NaN as NA)"
    values = np.asarray(got["values"])
    assert values.shape == (n,), f"{what}: {values.shape[0]} values for {n} rows"
    keep = ~e.na
    if e.labels is None:
        assert got["levels"] is None, f"{what}: levels {got['levels']}"
        want = np.asarray(e.values)
        if e.rclass == ("numeric",):  # bit for bit, so -0.0 stays -0.0
            same = values[keep].astype(np.float64).view(np.uint64) == want[keep].view(np.uint64)
        else:
            same = values[keep].astype(np.int64) == want[keep]
        assert same.all(), f"{what}: values differ at rows {np.flatnonzero(keep)[~same][:10]}"
        return
    levels = tuple(got["levels"] or ())
    # In row order: R's sort() keeps strings its collation ties (such as "" and "\x1f")
    # in the order they come, so factor()'s levels depend on it.
    present = [v for v in e.labels if v is not None]
    want_levels = r_levels(present) if e.r_sorted else e.levels
    assert levels == want_levels, f"{what}: levels {levels[:8]} != {want_levels[:8]}"
    labels = [None if m else levels[int(c) - 1] for c, m in zip(values, na)]
    bad = [i for i, (a, b) in enumerate(zip(labels, e.labels)) if a != b]
    assert not bad, f"{what}: labels differ at rows {bad[:10]}"


def check_frame(summary: dict[str, Any], cols: list[Column], n: int) -> None:
    assert summary["names"] == [c.name for c in cols], "column names or order differ"
    assert summary["n_rows"] == n, f"R has {summary['n_rows']} rows, the frame {n}"
    for col, got in zip(cols, summary["columns"] or []):
        check_column(col, got, n)
