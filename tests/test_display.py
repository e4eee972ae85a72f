"""Notebook HTML (``_repr_html_``): the numbers in the table cells against the fit."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import numpy as np
import pytest
import rref

import pylme
from pylme.crosscheck.result import CrossCheck, row
from pylme.display.fit_html import summary_minus2_label

#: Cells show 7 significant digits (R's default print digits): a cell is within half a unit
#: of the 7th digit of the value, a relative error below 5e-7.
CELL_RTOL = 5e-7


class Tables(HTMLParser):
    """Every <table>: its caption, header cells and body rows (cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.paragraphs: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._where = ""
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": []})
        elif tag in ("thead", "tbody"):
            self._where = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption" or tag in ("p", "li"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            key = "header" if self._where == "thead" else "rows"
            if key == "header":
                self.tables[-1]["header"] = self._row
            else:
                self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "caption" and self._text is not None:
            self.tables[-1]["caption"] = "".join(self._text)
            self._text = None
        elif tag in ("p", "li") and self._text is not None:
            self.paragraphs.append("".join(self._text))
            self._text = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)


def parse(html_text: str) -> Tables:
    p = Tables()
    p.feed(html_text)
    return p


def table(parsed: Tables, caption: str) -> dict:
    (found,) = [t for t in parsed.tables if t["caption"].startswith(caption)]
    return found


def close(cell: str, value: float) -> bool:
    if np.isnan(value):
        return cell == "NA"
    return bool(np.isclose(float(cell), value, rtol=CELL_RTOL, atol=0))


def check_fit_html(fit, html_text: str | None = None) -> None:
    """Every number of the three tables (of ``fit``'s HTML, or ``html_text``) against the
    fit's fields."""
    parsed = parse(fit._repr_html_() if html_text is None else html_text)
    stats = {r[0]: r[1] for r in table(parsed, "Fit statistics")["rows"]}
    assert int(stats["Observations"]) == fit.nobs
    for g, n in fit.ngrps.items():
        assert int(stats[f"Groups: {g}"]) == n
    for label, value in [("AIC", fit.aic), ("BIC", fit.bic), ("logLik", fit.loglik)]:
        assert close(stats[label], value), label
    assert int(stats["df.resid"]) == fit.df_residual
    if getattr(fit, "reml_criterion", None) is not None:
        assert close(stats["REML criterion"], fit.reml_criterion)
        assert close(stats["deviance(fit, REML = FALSE)"], fit.deviance)
        assert "deviance" not in stats  # summary() shows no deviance for a REML fit
    else:
        assert close(stats[summary_minus2_label(fit)], -2 * fit.loglik)  # as summary() shows
        assert close(stats["deviance(fit)"], fit.deviance)  # R's deviance(), named as such

    re = table(parsed, "Random effects")
    assert re["header"][:4] == ["Groups", "Name", "Variance", "Std.Dev."]
    vc = fit.varcorr
    group = ""
    rows_seen = 0
    for cells in re["rows"]:
        group = cells[0] or group
        if group == "Residual":
            assert close(cells[3], vc.sigma) and close(cells[2], vc.sigma**2)
            continue
        (sd,) = [c.sd for c in vc.components if c.group == group and c.term == cells[1]]
        assert close(cells[3], sd) and close(cells[2], sd**2), (group, cells[1])
        terms = [c.term for c in vc.components if c.group == group]
        for j, text in enumerate(cells[4:]):
            if text:
                (corr,) = [
                    c.corr
                    for c in vc.correlations
                    if c.group == group and {c.term1, c.term2} == {cells[1], terms[j]}
                ]
                assert close(text, corr), (group, cells[1], terms[j])
        rows_seen += 1
    assert rows_seen == len(vc.components)

    fe = fit.fixef
    fx = table(parsed, "Fixed effects")
    header = fx["header"]
    assert [r[0] for r in fx["rows"]] == list(fe.terms)
    columns = {"Estimate": fe.estimate, "Std. Error": fe.std_error, fe.statistic_name: fe.statistic}
    if fe.df is not None:
        columns["df"] = fe.df
    if fe.p_value is not None:
        columns["Pr(>|z|)" if fe.statistic_name == "z value" else "Pr(>|t|)"] = fe.p_value
    assert set(header[1:]) == set(columns)
    for name, values in columns.items():
        j = header.index(name)
        for i, cells in enumerate(fx["rows"]):
            assert close(cells[j], float(values[i])), (name, fe.terms[i])
    assert any(p.startswith(f"Optimizer {fit.convergence.optimizer}") for p in parsed.paragraphs)


@pytest.fixture(scope="module")
def slopes(sleepstudy):
    return pylme.lmer("Reaction ~ Days + (Days | Subject)", sleepstudy)


def test_lmer_html(slopes):
    check_fit_html(slopes)
    assert str(slopes) == slopes.summary()  # the text fallback


def test_html_check_catches_a_wrong_number(slopes):
    shown = slopes._repr_html_()
    check_fit_html(slopes, shown)
    wrong = dataclasses.replace(slopes, aic=slopes.aic * (1 + 1e-5))
    with pytest.raises(AssertionError):
        check_fit_html(wrong, shown)
    fe = dataclasses.replace(slopes.fixef, std_error=slopes.fixef.std_error[::-1].copy())
    with pytest.raises(AssertionError):
        check_fit_html(dataclasses.replace(slopes, fixef=fe), shown)


@pytest.fixture(scope="module")
def cbpp_r():
    """R's own numbers for cbpp (Rscript reference.R: logLik, deviance(), print(summary()))."""
    case = {
        "id": "cbpp",
        "function": "glmer",
        "formula": "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        "data": rref.r_dataset("lme4", "cbpp"),
        "options": {"family": "binomial"},
    }
    return rref.reference_fits([case])["cbpp"]


def r_header_row(summary_lines: list[str]) -> dict[str, str]:
    """The AIC ... df.resid row of R's printed summary, label -> printed value."""
    (at,) = [i for i, ln in enumerate(summary_lines) if ln.split()[:3] == ["AIC", "BIC", "logLik"]]
    return dict(zip(summary_lines[at].split(), summary_lines[at + 1].split()))


def deviance_label(ref: dict) -> str:
    """summary()'s label: 'deviance' (lme4 < 1.1-36) or '-2*log(L)' (lme4 >= 1.1-36)."""
    printed = r_header_row(ref["summary"])
    return [k for k in printed if k not in ("AIC", "BIC", "logLik", "df.resid")][0]


def check_deviance_rows(stats: dict[str, str], ref: dict) -> None:
    """The row under summary()'s label holds what R's summary prints there (-2 logLik), and
    R's deviance() has its own row."""
    printed = r_header_row(ref["summary"])
    label = deviance_label(ref)
    assert abs(float(stats[label]) - float(printed[label])) <= 0.05 + 1e-9, label
    assert close(stats["deviance(fit)"], float(np.asarray(ref["deviance"]).ravel()[0]))


def test_glmer_deviance_rows_as_r(cbpp_r):
    """cbpp: R's summary prints deviance 184.1 (-2 logLik); R's deviance() is 73.47."""
    fit = pylme.glmer(
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        rref.r_dataset("lme4", "cbpp"),
        family="binomial",
    )
    stats = {r[0]: r[1] for r in table(parse(fit._repr_html_()), "Fit statistics")["rows"]}
    check_deviance_rows(stats, cbpp_r)
    wrong = {**stats, deviance_label(cbpp_r): stats["deviance(fit)"]}  # the row before issue 23
    with pytest.raises(AssertionError):
        check_deviance_rows(wrong, cbpp_r)


def test_glmer_html_has_p_values():
    data = rref.r_dataset("lme4", "cbpp")
    fit = pylme.glmer(
        "cbind(incidence, size - incidence) ~ period + (1 | herd)", data, family="binomial"
    )
    check_fit_html(fit)
    assert "Pr(>|z|)" in table(parse(fit._repr_html_()), "Fixed effects")["header"]


def test_two_groups_and_uncorrelated_terms(sleepstudy):
    fit = pylme.lmer(
        "Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)", sleepstudy, REML=False
    )
    check_fit_html(fit)


def test_df_and_p_columns_where_present(slopes):
    # fixef.df / p_value as an lmer fitted with ddf= carries them (values here are made up:
    # only the layout is under test; the numbers are checked against these fields)
    fe = dataclasses.replace(
        slopes.fixef,
        df=np.array([17.0, 16.99991]),
        p_value=np.array([1.2e-17, 3.26e-6]),
        ddf="Satterthwaite",
    )
    fit = dataclasses.replace(slopes, fixef=fe)
    check_fit_html(fit)
    header = table(parse(fit._repr_html_()), "Fixed effects")["header"]
    assert "df" in header and "Pr(>|t|)" in header


def test_singular_fit_notes(sleepstudy):
    data = sleepstudy.copy()
    data["g"] = np.tile(["a", "b", "c"], len(data) // 3)
    with pytest.warns(pylme.PylmeWarning):
        fit = pylme.lmer("Reaction ~ Days + (1 | g)", data)
    parsed = parse(fit._repr_html_())
    check_fit_html(fit)
    assert fit.convergence.singular
    assert any("singular" in p for p in parsed.paragraphs)


def test_crosscheck_html_rows():
    cc = CrossCheck(
        ok=False,
        rows=(row("sigma", 25.5918, 25.5917, 1e-5), row("fixef Days", 10.46729, 11.0, 1e-5)),
        loglik_at_lme4=None,
        skipped=(("correlations", "not compared <here>"),),
        method="reml",
    )
    parsed = parse(cc._repr_html_())
    (t,) = parsed.tables
    assert t["header"] == [
        "quantity",
        "lme4",
        "statsmodels",
        "abs_diff",
        "rel_diff",
        "tol",
        "ok",
        "note",
    ]
    for cells, r in zip(t["rows"], cc.rows):
        assert cells[0] == r.quantity
        for j, name in enumerate(["lme4", "statsmodels", "abs_diff", "rel_diff", "tol"], 1):
            assert close(cells[j], getattr(r, name)), name
        assert cells[6] == ("yes" if r.ok else "NO")
    assert "FAILED" in t["caption"]
    assert "skipped correlations: not compared <here>" in parsed.paragraphs
