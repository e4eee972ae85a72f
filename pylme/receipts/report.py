""":class:`VerifyReport`: what matched and what did not, one row per recorded number."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pylme.receipts.receipt import number_value
from pylme.results.methods import implementation


class VerifyRow(NamedTuple):
    """One compared element: ``quantity`` is e.g. ``"fixef[Days]"`` or ``"loglik"``;
    ``recorded`` / ``now`` are None where the element exists on one side only."""

    quantity: str
    recorded: Any
    now: Any
    rel_diff: float
    ok: bool


def rel_diff(recorded: float, now: float, scale: float) -> float:
    """|now - recorded| / scale, where scale is the largest |value| the quantity recorded, so
    entries near zero of a vector are judged on the vector's scale. NaN against NaN, and equal
    values (infinities included), are 0; NaN against a number is inf."""
    if math.isnan(recorded) or math.isnan(now):
        return 0.0 if math.isnan(recorded) and math.isnan(now) else math.inf
    if recorded == now:
        return 0.0
    if not (math.isfinite(recorded) and math.isfinite(now)) or scale == 0.0:
        return math.inf
    return abs(now - recorded) / scale


def _name(quantity: str, label: str) -> str:
    return quantity if label == "" else f"{quantity}[{label}]"


def compare_numbers(
    recorded: Mapping[str, Any], now: Mapping[str, Any], rtol: float
) -> list[VerifyRow]:
    """One row per element of every quantity, matched by label (both in the receipt's form)."""
    rows: list[VerifyRow] = []
    for quantity in sorted(set(recorded) | set(now)):
        rec = recorded.get(quantity, {"labels": [], "values": []})
        cur = now.get(quantity, {"labels": [], "values": []})
        rec_vals = dict(zip(rec["labels"], (number_value(v) for v in rec["values"])))
        cur_vals = dict(zip(cur["labels"], (number_value(v) for v in cur["values"])))
        finite = [abs(v) for v in rec_vals.values() if math.isfinite(v)]
        scale = max(finite, default=0.0)
        for label in list(rec_vals) + [lab for lab in cur_vals if lab not in rec_vals]:
            a, b = rec_vals.get(label), cur_vals.get(label)
            if a is None or b is None:
                rows.append(VerifyRow(_name(quantity, label), a, b, math.inf, False))
                continue
            d = rel_diff(a, b, scale)
            rows.append(VerifyRow(_name(quantity, label), a, b, d, d <= rtol))
    return rows


def compare_convergence(
    recorded: Mapping[str, Any], now: Mapping[str, Any], keys: Sequence[str]
) -> list[VerifyRow]:
    rows = []
    for key in keys:
        a, b = recorded.get(key), now.get(key)
        rows.append(VerifyRow(f"convergence.{key}", a, b, 0.0 if a == b else math.inf, a == b))
    return rows


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of :func:`pylme.verify`.

    ok : bool
        The data match the receipt's fingerprint and every number matches within ``rtol``.
        Version differences alone do not make it False (they are a warning).
    data_matches : bool
        The data's canonical fingerprint equals the receipt's.
    data_message : str
        How the data differ: the row count, or the first differing column (and why).
    versions_match : bool
        R, lme4, Matrix, BLAS, LAPACK (and lmerTest/pbkrtest where used) are those recorded.
    version_differences : dict
        Name -> (recorded, now), for every recorded version that differs (Python-side too).
    rows : tuple of VerifyRow
        One per compared number: quantity, recorded, now, rel_diff, ok.
    """

    ok: bool
    data_matches: bool
    data_message: str
    versions_match: bool
    version_differences: dict[str, tuple[Any, Any]]
    rows: tuple[VerifyRow, ...]
    rtol: float
    call: str

    @property
    def failed(self) -> tuple[VerifyRow, ...]:
        """The rows that did not match."""
        return tuple(r for r in self.rows if not r.ok)

    def to_frame(self) -> Any:
        """The rows as a pandas frame: quantity, recorded, now, rel_diff, ok."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(VerifyRow._fields))

    def _repr_html_(self) -> str:
        """One HTML table of the rows (rendered by pylme.display, registered as ``html``)."""
        return str(implementation("html")(self))

    def __str__(self) -> str:
        return format_report(self)


def _group(quantity: str) -> str:
    return quantity.split("[", 1)[0]


def format_report(r: VerifyReport) -> str:
    lines = [f"pylme verify: {r.call}  (rtol {r.rtol:g})"]
    lines.append(f"data:     {'matches' if r.data_matches else 'DIFFERS'}: {r.data_message}")
    if r.version_differences:
        diffs = "; ".join(f"{k} {a} -> {b}" for k, a, b in _diff_items(r))
        which = "match (others differ)" if r.versions_match else "DIFFER (warning)"
        lines.append(f"versions: {which}: {diffs}")
    else:
        lines.append("versions: match")
    groups: dict[str, list[VerifyRow]] = {}
    for row in r.rows:
        groups.setdefault(_group(row.quantity), []).append(row)
    width = max([len(g) for g in groups] + [8])
    lines.append(f"  {'quantity':<{width}}  {'n':>5}  {'max rel_diff':>12}  ok")
    for g, rows in groups.items():
        worst = max(x.rel_diff for x in rows)
        mark = "yes" if all(x.ok for x in rows) else "NO"
        lines.append(f"  {g:<{width}}  {len(rows):>5}  {worst:>12.3g}  {mark}")
    bad = {g: [x for x in rows if not x.ok] for g, rows in groups.items()}
    bad = {g: rows for g, rows in bad.items() if rows}
    if bad:
        lines.append("differs (the largest difference of each quantity):")
        for g, rows in bad.items():
            w = max(rows, key=lambda x: x.rel_diff)
            lines.append(
                f"  {w.quantity}: recorded {w.recorded!r}, now {w.now!r}, "
                f"rel_diff {w.rel_diff:.3g} ({len(rows)} of {len(groups[g])} differ)"
            )
    lines.append("result:   " + ("OK" if r.ok else "FAILED"))
    return "\n".join(lines)


def _diff_items(r: VerifyReport) -> list[tuple[str, Any, Any]]:
    return [(k, a, b) for k, (a, b) in r.version_differences.items()]
