"""One R call for the inference methods: packages checked first, R's warnings passed on, and
R's plain-list frames (``pylme_frame_out``) turned into pandas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError, lme4_messages, warn, warning_category
from pylme.models.ddf import require_r_packages
from pylme.runtime.session import get_session


def call_r(
    function: str,
    req: dict[str, Any],
    *,
    packages: Sequence[str] = (),
    purpose: str = "",
    stacklevel: int = 4,
) -> Any:
    """``function(req)`` in pylme's R environment, after checking ``packages`` are installed;
    R's warnings become Python warnings (:func:`pylme.errors.warning_category`), pointing at
    the user's line (``stacklevel`` is kept for callers; the user's frame is found)."""
    if packages:
        require_r_packages(packages, purpose or function)
    try:
        res = get_session().call(function, req)
    except OptionError as exc:  # R's check named the argument ("specs: ..."); add the method
        if not purpose:
            raise
        raise OptionError(f"{purpose} {exc}") from None
    for i, text in enumerate(res.warnings):
        origin = res.warning_origins[i] if i < len(res.warning_origins) else ""
        for part in lme4_messages(text):
            warn(f"R: {part}", warning_category(origin))
    return res.value


def _column(values: Any) -> Any:
    if isinstance(values, tuple):
        return np.array(values, dtype=object)
    if values is None:
        return np.array([], dtype=float)
    return np.asarray(values)


def frame(out: dict[str, Any], *, index: bool = False) -> Any:
    """A pandas DataFrame from ``pylme_frame_out``'s list: R's column names (and row names as
    the index when ``index``); NA is pandas' missing value (NaN)."""
    import pandas as pd

    names = list(out["names"] or ())
    columns = out["columns"] or []
    data = {n: _column(c) for n, c in zip(names, columns)}
    df = pd.DataFrame(data, columns=names)
    if index:
        df.index = pd.Index(list(out["rownames"] or ()))
    return df
