"""Pure-R references for the postfit tests: ``Rscript r_scripts/reference_postfit.R`` runs
every task (fit or readRDS, then predict / simulate / refit / update / quantities) in one R
process with no Python in between. Data travel as typed column JSON (see rref.py)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rref

#: Quantities of one model object are deterministic: pylme's predict() and pure R's
#: predict() on the same merMod (saved with to_rds, read by pure R) agree to rounding.
SAME_OBJECT_RTOL = 1e-10


def model_spec(function: str, formula: str, data: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """How pure R fits the model pylme fits (the same data, typed)."""
    return {
        "function": function,
        "formula": formula,
        "data": rref.spec_from_frame(data),
        "options": options,
    }


def newdata_spec(df: pd.DataFrame) -> dict[str, Any]:
    return rref.spec_from_frame(df)


def exact_floats(values: list[str]) -> np.ndarray:
    """Doubles R wrote as ``sprintf("%.17g")`` text: bit for bit."""
    return np.array([np.nan if v == "NA" else float(v) for v in values], dtype=np.float64)


def run_reference(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """{task id: [one result per op]}; an op that failed in R holds {"error": message}."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "tasks.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(tasks))
        res = subprocess.run(
            [rref.rscript(), str(rref.R_SCRIPTS / "reference_postfit.R"), str(inp), str(out)],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_postfit.R failed:\n{res.stderr}")
        results: dict[str, Any] = json.loads(out.read_text())
    for task_id, ops in results.items():
        if isinstance(ops, dict) and "error" in ops:
            raise RuntimeError(f"reference task {task_id} failed in R: {ops['error']}")
    return results


def fit_models(models: dict) -> dict:
    """pylme fits of ``{key: (function, formula, (package, data set), options)}``."""
    import warnings

    import pylme

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        for key, (function, formula, (pkg, name), options) in models.items():
            fitter = pylme.lmer if function == "lmer" else pylme.glmer
            out[key] = fitter(formula, rref.r_dataset(pkg, name), **options)
    return out
