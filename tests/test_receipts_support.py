"""Shared cases for the receipt tests (no tests here): fits, their receipts, data files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import rref
from conftest import IMM10

import pylme

ROOT = Path(__file__).resolve().parent.parent
VERIFY_R = ROOT / "r_scripts" / "verify.R"
#: The walkthrough data (conftest.IMM10); PYLME_IMM10 points elsewhere, e.g. from a worktree.
IMM10_CSV = Path(os.environ.get("PYLME_IMM10", str(IMM10)))
CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"

#: id -> (function, data set, formula, options, a different formula, the column to change)
CASES: dict[str, tuple[str, str, str, dict[str, Any], str, str]] = {
    "sleepstudy_lmer": (
        "lmer",
        "sleepstudy",
        "Reaction ~ Days + (Days | Subject)",
        {},
        "Reaction ~ Days + (1 | Subject)",
        "Reaction",
    ),
    "sleep_na_lmer_ml": (
        "lmer",
        "sleep_na",
        "Reaction ~ Days + (1 | Subject)",
        {"REML": False},
        "Reaction ~ 1 + (1 | Subject)",
        "Days",
    ),
    "cbpp_glmer": (
        "glmer",
        "cbpp",
        CBPP,
        {"family": "binomial"},
        "cbind(incidence, size - incidence) ~ 1 + (1 | herd)",
        "incidence",
    ),
    "imm10_logistic": (
        "glmer",
        "imm10_hi",
        "hi ~ homework + (1 | schid)",
        {"family": "binomial"},
        "hi ~ 1 + (1 | schid)",
        "homework",
    ),
}


def available(case: str) -> bool:
    return CASES[case][1] != "imm10_hi" or IMM10_CSV.exists()


@cache
def dataset(name: str) -> pd.DataFrame:
    if name == "sleepstudy":
        return rref.r_dataset("lme4", "sleepstudy")
    if name == "cbpp":
        return rref.r_dataset("lme4", "cbpp")
    if name == "sleep_na":
        d = rref.r_dataset("lme4", "sleepstudy").copy()
        d.loc[[3, 50], "Reaction"] = float("nan")
        d.loc[[10], "Days"] = float("nan")
        d["Subject"] = d["Subject"].astype(str).astype(object)
        d.loc[[100], "Subject"] = None
        return d
    d = pd.read_csv(IMM10_CSV)
    d["hi"] = d["math"] > 50
    return d


@cache
def fitted(case: str) -> Any:
    function, ds, formula, options, _, _ = CASES[case]
    fn = {"lmer": pylme.lmer, "glmer": pylme.glmer}[function]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(formula, dataset(ds), **options)


def changed(case: str) -> pd.DataFrame:
    """The case's data with one value in one row changed."""
    d = dataset(CASES[case][1]).copy()
    col = CASES[case][5]
    row = 20
    d.loc[row, col] = d.loc[row, col] + 1
    return d


def edited_receipt(text: str, *, number: str | None = None, formula: str | None = None) -> str:
    """The receipt JSON with one number of ``number`` scaled by 1.001, or another formula."""
    body = json.loads(text)
    if number is not None:
        values = body["result"]["numbers"][number]["values"]
        values[-1] = values[-1] * 1.001
    if formula is not None:
        body["call"]["formula"] = formula
    return json.dumps(body, sort_keys=True, indent=2)


#: The environment before embedded R starts: R adds LD_LIBRARY_PATH (with the system's
#: library directory first), which can make a child Python load the wrong shared libraries.
CLEAN_ENV = dict(os.environ)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pylme.cli.main`` from the worktree root (a real process)."""
    return subprocess.run(
        [sys.executable, "-m", "pylme.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=CLEAN_ENV,
    )


def run_verify_r(receipt: Path, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rref.rscript(), str(VERIFY_R), str(receipt), str(data)],
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    )
