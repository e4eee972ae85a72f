"""HTML tables from plain cells: the one place that escapes text and formats numbers."""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Sequence
from typing import Any

#: Significant digits shown in a cell: R's default ``getOption("digits")``.
DIGITS = 7


def cell(value: Any) -> str:
    """One value as cell text: floats to 7 significant digits, NA/NaN as ``NA``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or hasattr(value, "dtype"):
        x = float(value)
        return "NA" if math.isnan(x) else f"{x:.{DIGITS}g}"
    return str(value)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str = "",
    css: str = "",
) -> str:
    """A ``<table>``; the first column of each row is a header cell (``<th>``)."""
    parts = [f'<table class="pylme {html.escape(css)}">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    parts.append("</thead><tbody>")
    for row in rows:
        first, *rest = (html.escape(cell(v)) for v in row)
        parts.append(
            f'<tr><th style="text-align:left">{first}</th>'
            + "".join(f'<td style="text-align:right">{c}</td>' for c in rest)
            + "</tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def rows_html(result: Any) -> str:
    """Any result whose ``rows`` are dataclasses or named tuples (CrossCheck, VerifyReport):
    its first ``str()`` line as the caption, one table row per entry, one column per field, and its
    ``skipped`` entries (part, reason), if any, as notes."""
    rows = tuple(getattr(result, "rows", ()))
    text_lines = str(result).splitlines()
    caption = text_lines[0] if text_lines else type(result).__name__
    if not rows:
        return f"<div><p>{html.escape(caption)}</p><p>(no rows)</p></div>"
    first = rows[0]
    names = (
        list(first._fields)
        if hasattr(first, "_fields")
        else [f.name for f in dataclasses.fields(first)]
    )
    body = [[getattr(r, n) for n in names] for r in rows]
    notes = [f"skipped {part}: {why}" for part, why in getattr(result, "skipped", ())]
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        f"<div>{table(names, body, caption=caption)}"
        + (f"<ul>{note_html}</ul>" if notes else "")
        + "</div>"
    )
