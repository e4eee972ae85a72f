"""VerifyReport shows its rows as an HTML table in notebooks; the cells are the report's."""

from __future__ import annotations

import warnings
from html.parser import HTMLParser

import pylme


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _report(sleepstudy, tamper: bool):
    fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)
    receipt = fit.receipt()
    data = sleepstudy
    if tamper:
        data = sleepstudy.copy()
        data.loc[0, "Reaction"] += 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pylme.verify(receipt, data)


def _parse(report) -> list[list[str]]:
    parser = _Cells()
    parser.feed(report._repr_html_())
    return [r for r in parser.rows if r]


def test_verify_report_html_lists_every_row(sleepstudy):
    report = _report(sleepstudy, tamper=False)
    rows = _parse(report)
    header, body = rows[0], rows[1:]
    assert header[:2] == ["quantity", "recorded"] and "ok" in header
    assert len(body) == len(report.rows)
    assert [r[0] for r in body] == [row.quantity for row in report.rows]
    ok_col = header.index("ok")
    # pylme.display writes booleans as "yes" / "NO", as CrossCheck's text does.
    assert all(r[ok_col] == ("yes" if row.ok else "NO") for r, row in zip(body, report.rows))


def test_verify_report_html_shows_a_failed_row(sleepstudy):
    report = _report(sleepstudy, tamper=True)
    assert not report.ok
    body = _parse(report)[1:]
    header = _parse(report)[0]
    ok_col = header.index("ok")
    failed = {row.quantity for row in report.rows if not row.ok}
    assert failed and {r[0] for r in body if r[ok_col] == "NO"} == failed
