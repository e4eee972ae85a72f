"""Pure-R reference for the power tests: ``Rscript r_scripts/reference_power.R`` runs simr's
loop (set.seed, then simulate, fit, test) in plain R for every task, with no Python in
between. Data travel as typed column JSON (see rref.py); p-values as ``%.17g`` text."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rref


def task(
    task_id: str, data: pd.DataFrame, formula: str, term: str, test: str, **options: Any
) -> dict[str, Any]:
    """One reference task: the model pure R fits (lmer, REML, unless ``function="glmer"``)
    and the run (``effect``, ``extend``, ``curve``, ``nsim``, ``seed``, ``seeds``)."""
    return {
        "id": task_id,
        "data": rref.spec_from_frame(data),
        "function": options.pop("function", "lmer"),
        "formula": formula,
        "REML": options.pop("REML", True),
        "family": options.pop("family", None),
        "term": term,
        "test": test,
        "effect": options.pop("effect", {}),
        "extend": options.pop("extend", None),
        "curve": options.pop("curve", None),
        "seeds": options.pop("seeds", []),
        "alpha": options.pop("alpha", 0.05),
        **options,
    }


def floats(values: Any) -> np.ndarray:
    """R's ``%.17g`` text (a list, or one value) as doubles, bit for bit; "NA" is NaN."""
    if not isinstance(values, list):
        values = [values]
    return np.array([np.nan if v == "NA" else float(v) for v in values], dtype=np.float64)


def run(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """{task id: R's results}; fails on any task that failed in R."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "tasks.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(tasks))
        script = rref.R_SCRIPTS / "reference_power.R"
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_power.R failed:\n{res.stderr}")
        results: dict[str, Any] = json.loads(out.read_text())
    for task_id, value in results.items():
        if "error" in value:
            raise RuntimeError(f"reference task {task_id} failed in R: {value['error']}")
    return results
