"""A whole frame planned for R: every needed column as a :class:`ColumnPlan`, and the
fingerprint of what will be sent. Pure Arrow and numpy; no R involved."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pylme.conversion.columns import ColumnPlan, plan_column
from pylme.conversion.frames import as_arrow_table


@dataclass(frozen=True)
class FramePlan:
    """The planned columns of a frame and its row count (a frame may have rows but no columns)."""

    columns: list[ColumnPlan]
    n_rows: int


def plan_frame(data: Any, columns: Sequence[str] | None = None) -> FramePlan:
    """Plan every column (no R involved). Raises DataError for missing columns or bad types."""
    table = as_arrow_table(data, columns)
    plans = [plan_column(name, table.column(i)) for i, name in enumerate(table.column_names)]
    return FramePlan(plans, table.num_rows)


def fingerprint(plans: Sequence[ColumnPlan]) -> str:
    """SHA-256 over names, kinds, values, NA positions and levels of what is sent to R."""
    h = hashlib.sha256()
    for plan in plans:
        plan.update_digest(h)
    return h.hexdigest()
