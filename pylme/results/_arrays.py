"""Helpers for the result dataclasses: read-only arrays and lazy pandas."""

from __future__ import annotations

from typing import Any

import numpy as np


def frozen_array(values: Any, dtype: Any = np.float64) -> np.ndarray:
    """A read-only copy of ``values``, so frozen results cannot be changed in place."""
    arr = np.array(values, dtype=dtype, copy=True)
    arr.flags.writeable = False
    return arr


def pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a hard dependency
        raise ImportError("to_frame() needs pandas: pip install pandas") from exc
    return pd
