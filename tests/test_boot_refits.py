"""A bootstrap reports what its refits said, as R does (issue 23, item 5): lme4's
``print.bootWarnings`` lines, from a pure-R ``confint(fm1, method = "boot", nsim = 200,
seed = 1)`` on the same data, against ``fit.confint("boot")`` and ``fit.bootstrap()``."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import rref
from conftest import assert_close

import pylme
from pylme.results import RefitReport

FORMULA = "Reaction ~ Days + (Days | Subject)"
NSIM, SEED = 200, 1  # some of these refits are singular and some do not converge


@pytest.fixture(scope="module")
def r_boot(sleepstudy):
    case = {"formula": FORMULA, "data": rref.spec_from_frame(sleepstudy), "nsim": NSIM}
    case["seed"] = SEED
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "case.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(case))
        script = rref.R_SCRIPTS / "reference_boot_warnings.R"
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(res.stderr)
        return json.loads(out.read_text())


@pytest.fixture(scope="module")
def fm1(sleepstudy):
    return pylme.lmer(FORMULA, sleepstudy)


def counts_in(lines: list[str]) -> dict[str, int]:
    """R's "3 message(s): ..." lines as {kind: count}."""
    return {m[2]: int(m[1]) for m in (re.match(r"(\d+) (\w+)\(s\): ", ln) for ln in lines) if m}


def check_report(caught, report: RefitReport, r_lines: list[str], category) -> None:
    ours = [w for w in caught if issubclass(w.category, pylme.PylmeWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]  # one warning for the whole run
    assert ours[0].category is category
    assert ours[0].filename == __file__  # the user's line
    assert str(ours[0].message).splitlines()[1:] == r_lines
    assert report.r_lines() == r_lines
    r_counts = counts_in(r_lines)
    assert report.singular == r_counts.get("message", 0)  # lme4's singular message
    assert report.not_converged == r_counts.get("warning", 0)
    assert report.failed == r_counts.get("error", 0)


def test_r_reports_singular_and_unconverged_refits(r_boot):
    """The case is one where R has something to say (else the tests below prove nothing)."""
    assert any("boundary (singular) fit" in ln for ln in r_boot["lines"])
    assert any("failed to converge" in ln for ln in r_boot["lines"])


def test_confint_boot_reports_refits_as_r(fm1, r_boot):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ci = fm1.confint("boot", nsim=NSIM, seed=SEED, progress=False)
    assert list(ci.index) == r_boot["rownames"]
    values = ci.to_numpy().reshape(-1, order="F")
    assert_close(values, rref.as_float_array(r_boot["values"]), what="boot intervals")
    check_report(caught, ci.attrs["refits"], r_boot["lines"], pylme.ConvergenceWarning)


def test_bootstrap_reports_refits_as_r(fm1, r_boot):
    """fit.bootstrap(200, seed=1) refits the same simulations (bootMer, one stream)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boot = fm1.bootstrap(NSIM, seed=SEED, progress=False)
    assert boot.shape[0] == NSIM
    check_report(caught, boot.attrs["refits"], r_boot["lines"], pylme.ConvergenceWarning)


def test_the_check_catches_a_wrong_report(r_boot):
    """A report with a count off by one, or without the refits' messages, fails the check."""
    good = {"message": {"text": ["boundary (singular) fit: see help('isSingular')"], "count": [2]}}
    wrong = RefitReport.from_r(NSIM, [good])
    with pytest.raises(AssertionError):
        check_report([], wrong, r_boot["lines"], pylme.ConvergenceWarning)
    assert RefitReport.from_r(NSIM, [{}]).r_lines() == []
    assert np.all([isinstance(m[2], int) for m in wrong.messages])


def test_parallel_chunks_add_up():
    parts = [
        {"message": {"text": ["boundary (singular) fit: see help('isSingular')"], "count": [1]}},
        {
            "message": {"text": ["boundary (singular) fit: see help('isSingular')"], "count": [2]},
            "error": {"text": ["(maxstephalfit) PIRLS step-halvings failed"], "count": [1]},
        },
    ]
    report = RefitReport.from_r(10, parts)
    assert (report.singular, report.not_converged, report.failed) == (3, 0, 1)
    assert report.r_lines() == [
        "3 message(s): boundary (singular) fit: see help('isSingular')",
        "1 error(s): (maxstephalfit) PIRLS step-halvings failed",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.warn("fit.bootstrap()")
    assert caught[0].category is pylme.ConvergenceWarning  # a failed refit
