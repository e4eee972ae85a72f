"""Shared fixtures. Every model test compares pylme with a pure-R run (see rref.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rref  # noqa: E402

# Property-based tests (test_props_*.py): a fixed seed and about 300 examples per property
# in CI. No deadline (R's first call starts R), and big frames are slow to draw on purpose.
# HYPOTHESIS_PROFILE=quick runs 30 examples per property while working on them.
for _name, _n in (("ci", 300), ("quick", 30)):
    settings.register_profile(
        _name,
        deadline=None,
        derandomize=True,
        max_examples=_n,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: lme4 itself varies by about 1e-10 from run to run as memory layout (ASLR) changes, so
#: exact-match tests use a relative tolerance of 1e-8.
RTOL = 1e-8

IMM10 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "imm10.csv"


def assert_close(actual, expected, rtol: float = RTOL, what: str = "") -> None:
    """Relative comparison; for vectors the absolute floor is rtol times the vector's scale,
    so entries near zero (conditional modes, residuals) are judged on the vector's scale.
    NaN positions must match exactly."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: NaN positions differ")
    finite = ~np.isnan(e)
    scale = float(np.max(np.abs(e[finite]))) if finite.any() else 0.0
    np.testing.assert_allclose(a[finite], e[finite], rtol=rtol, atol=rtol * scale, err_msg=what)


@pytest.fixture(scope="session")
def sleepstudy():
    return rref.r_dataset("lme4", "sleepstudy")


@pytest.fixture(scope="session")
def imm10():
    if not IMM10.exists():
        pytest.skip(
            f"walkthrough data not found at {IMM10} (it lives in the project's shared/ folder)"
        )
    import pandas as pd

    return pd.read_csv(IMM10)
