"""nlmer's reference cases, fitted by pylme and by pure R (``Rscript
r_scripts/reference_nlmer.R``, no Python in between) on identical data.

lme4's own examples come first (``?nlmer``: Orange with SSlogis and ``startvec``, and its
``update(nm1, nAGQ = 0L)``). lme4 ships no Michaelis-Menten example; the SSmicmen case is R's
``?SSmicmen`` model and data (Puromycin) with a random Vm by state. The other self-starting
models use the data and starting values of their own R help pages (nlme's ``?nlme`` for
Loblolly with SSasymp; ``?SSbiexp``'s Indometh; ``?SSfpl`` and ``?SSgompertz``'s DNase).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rref

#: lme4's startvec in ?nlmer: startvec <- c(Asym = 200, xmid = 725, scal = 350)
ORANGE_START = {"Asym": 200.0, "xmid": 725.0, "scal": 350.0}
ORANGE = "circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree"

#: id -> (data set, formula, start, options)
CASES: dict[str, tuple[str, str, dict[str, float], dict[str, Any]]] = {
    "orange": ("Orange", ORANGE, ORANGE_START, {}),
    "orange nAGQ=0": ("Orange", ORANGE, ORANGE_START, {"nAGQ": 0}),
    "orange (Asym + xmid | Tree)": (
        "Orange",
        "circumference ~ SSlogis(age, Asym, xmid, scal) ~ (Asym + xmid | Tree)",
        ORANGE_START,
        {},
    ),
    "orange with a missing value": ("Orange-NA", ORANGE, ORANGE_START, {}),
    "Michaelis-Menten (Puromycin)": (
        "Puromycin",
        "rate ~ SSmicmen(conc, Vm, K) ~ Vm | state",
        {"Vm": 200.0, "K": 0.05},
        {},
    ),
    "SSasymp (Loblolly)": (
        "Loblolly",
        "height ~ SSasymp(age, Asym, R0, lrc) ~ Asym | Seed",
        {"Asym": 103.0, "R0": -8.5, "lrc": -3.3},
        {},
    ),
    "SSbiexp, two terms (Indometh)": (
        "Indometh",
        "conc ~ SSbiexp(time, A1, lrc1, A2, lrc2) ~ (A1 | Subject) + (A2 | Subject)",
        {"A1": 2.77, "lrc1": 0.89, "A2": 0.6, "lrc2": -1.4},
        {},
    ),
    "SSfpl of log(conc), bobyqa (DNase)": (
        "DNase",
        "density ~ SSfpl(log(conc), A, B, xmid, scal) ~ xmid | Run",
        {"A": -0.007, "B": 2.38, "xmid": 1.5, "scal": 1.04},
        {"control": {"optimizer": "bobyqa"}},
    ),
    "SSgompertz of log(conc), bobyqa (DNase)": (
        "DNase",
        "density ~ SSgompertz(log(conc), Asym, b2, b3) ~ Asym | Run",
        {"Asym": 4.6, "b2": 2.27, "b3": 0.72},
        {"control": {"optimizer": "bobyqa"}},
    ),
}


@cache
def dataset(name: str) -> pd.DataFrame:
    """R's data set (package datasets); "Orange-NA" is Orange with circumference missing in
    row 5 (0-based 4)."""
    if name == "Orange-NA":
        d = rref.r_dataset("datasets", "Orange").copy()
        d.loc[4, "circumference"] = np.nan
        return d
    return rref.r_dataset("datasets", name)


def reference_fits(extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every case fitted in one Rscript process; {case id: R's quantities}. ``extra`` adds
    entries to a case (``save_rds``, ``probe_methods``: see reference_nlmer.R)."""
    cases = []
    for cid, (ds, formula, start, opts) in CASES.items():
        case: dict[str, Any] = {
            "id": cid,
            "formula": formula,
            "data": rref.spec_from_frame(dataset(ds)),
            "start": start,
        }
        if "nAGQ" in opts:
            case["nAGQ"] = opts["nAGQ"]
        if "control" in opts:
            case["control"] = opts["control"]
        cases.append({**case, **(extra or {}).get(cid, {})})
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "cases.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(cases))
        res = subprocess.run(
            [rref.rscript(), str(rref.R_SCRIPTS / "reference_nlmer.R"), str(inp), str(out)],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_nlmer.R failed:\n{res.stderr}")
        return json.loads(out.read_text())  # type: ignore[no-any-return]
