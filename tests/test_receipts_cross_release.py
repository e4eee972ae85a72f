"""Receipts made on the other Debian release verify here (run by ``scripts/other-debian.sh``).

The host makes the receipts (``tests/cross_release.py``) with its R, lme4 and rpy2, and the
chroot of the other release runs this module with ``PYLME_FOREIGN_RECEIPTS`` pointing at them.
What is asserted, measured between Debian 12 (R 4.2.2, lme4 1.1-31) and Debian 13 (R 4.5.0,
lme4 1.1-37): the versions are reported as differing; every lmer number passes at 1e-8; a
glmer's numbers may differ (lme4 1.1-36 changed how a glmer's vcov is computed), and each one
that differs is named in the report with its relative difference.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cross_release import CASES

import pylme

FOREIGN = os.environ.get("PYLME_FOREIGN_RECEIPTS")

pytestmark = pytest.mark.skipif(
    not FOREIGN, reason="needs receipts from the other Debian release (scripts/other-debian.sh)"
)


@pytest.fixture(scope="module")
def reports() -> dict[str, pylme.VerifyReport]:
    folder = Path(str(FOREIGN))
    missing = [n for n in CASES if not (folder / f"{n}.json").is_file()]
    assert not missing, f"receipts missing from {folder}: {missing}"
    return {n: pylme.verify(folder / f"{n}.json", folder / f"{n}.csv") for n in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_versions_reported_as_differing(reports: dict[str, pylme.VerifyReport], name: str) -> None:
    report = reports[name]
    assert not report.versions_match
    assert "lme4" in report.version_differences
    assert "versions: DIFFER" in str(report)


@pytest.mark.parametrize("name", list(CASES))
def test_data_matches(reports: dict[str, pylme.VerifyReport], name: str) -> None:
    assert reports[name].data_matches, reports[name].data_message


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[0] == "lmer"])
def test_lmer_numbers_pass(reports: dict[str, pylme.VerifyReport], name: str) -> None:
    report = reports[name]
    assert report.ok, str(report)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[0] != "lmer"])
def test_differing_numbers_are_named_with_their_difference(
    reports: dict[str, pylme.VerifyReport], name: str
) -> None:
    report = reports[name]
    text = str(report)
    print(text)  # the measured differences, for the run's log
    for row in report.failed:
        assert row.quantity.split("[", 1)[0] in text
    for group in {row.quantity.split("[", 1)[0] for row in report.failed}:
        worst = max(
            (r for r in report.failed if r.quantity.startswith(group)), key=lambda r: r.rel_diff
        )
        assert f"{worst.quantity}: recorded" in text and f"rel_diff {worst.rel_diff:.3g}" in text
    # Estimates themselves stay within what lme4's change can explain (measured: 2e-6).
    assert all(r.rel_diff < 1e-4 for r in report.rows), text
