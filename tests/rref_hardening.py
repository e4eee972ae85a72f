"""Shared pieces of the hardening tests: the good fit that must come out right after each
bad input (compared with a pure-R run), and running a Python snippet in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import rref
from compare import QUANTITIES, check

ROOT = Path(__file__).resolve().parent.parent
GOOD_FORMULA = "Reaction ~ Days + (Days | Subject)"


@cache
def good_reference() -> dict[str, Any]:
    """R's own numbers for the good fit (Rscript r_scripts/reference.R, no Python between)."""
    case = {
        "id": "good",
        "function": "lmer",
        "formula": GOOD_FORMULA,
        "data": rref.r_dataset("lme4", "sleepstudy"),
        "options": {},
    }
    ref = rref.reference_fits([case])["good"]
    assert "error" not in ref, ref.get("error")
    return ref


def assert_good_fit(fit: Any) -> None:
    """Every quantity of the good fit equals R's."""
    ref = good_reference()
    for quantity in QUANTITIES:
        check(quantity, fit, ref)


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 300) -> Any:
    """Run ``code`` in a fresh Python (this worktree's pylme) and return the completed
    process; stdout and stderr are captured at the file-descriptor level."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json(stdout: str) -> Any:
    """The JSON object a child printed on its last line."""
    return json.loads(stdout.strip().splitlines()[-1])
