"""Helpers for the result dataclasses: read-only arrays and lazy pandas."""

from __future__ import annotations

from typing import Any

import numpy as np


def frozen_array(values: Any, dtype: Any = np.float64) -> np.ndarray:
    """A read-only copy of ``values``, so frozen results cannot be changed in place."""
    arr = np.array(values, dtype=dtype, copy=True)
    arr.flags.writeable = False
    return arr


def frozen_result(values: Any) -> np.ndarray:
    """:func:`frozen_array` without the copy for a float64 array that owns its memory, as
    :func:`pylme.runtime.from_r.from_r` returns them (each a fresh copy of R's vector, held by
    nothing else). A fit's per-row vectors are the largest arrays it has; a second copy of
    them would add to the fit's peak memory."""
    if (
        isinstance(values, np.ndarray)
        and values.dtype == np.float64
        and values.base is None
        and values.flags.c_contiguous
    ):
        values.flags.writeable = False
        return values
    return frozen_array(values)


def pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a hard dependency
        raise ImportError("to_frame() needs pandas: pip install pandas") from exc
    return pd
