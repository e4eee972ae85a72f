"""Pure-R references for the diagnostics tests (``Rscript r_scripts/reference_diagnostics.R``).

The same frames go to pylme and, as typed JSON, to a plain R process; every query there is the
call a user would type in R (``influence``, ``hatvalues``, performance's ``r2_nakagawa``,
``icc``, ``model_performance`` and ``check_*``, ``drop1``, lmerTest's ``ranova`` and ``step``,
and ``logLik``/``AIC``/``BIC`` with the AICc formula). One R run serves every test module.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import rref

import pylme

#: glmer's Laplace fits (and influence's glmer refits) stop on the optimizer's tolerance; a
#: separate R run agrees to ~1e-7, so 1e-6 ("where R iterates").
GLMM_RTOL = 1e-6


def sleep_round_robin() -> pd.DataFrame:
    """sleepstudy with its rows dealt round-robin into six groups ``g``: a singular fit
    (in R, isSingular(lmer(Reaction ~ Days + (1 | g), d)) is TRUE)."""
    d = rref.r_dataset("lme4", "sleepstudy").copy()
    d["g"] = pd.Categorical([str(i % 6) for i in range(len(d))])
    return d


DATA = {
    "sleepstudy": lambda: rref.r_dataset("lme4", "sleepstudy"),
    "cake": lambda: rref.r_dataset("lme4", "cake"),
    "cbpp": lambda: rref.r_dataset("lme4", "cbpp"),
    "grouseticks": lambda: rref.r_dataset("lme4", "grouseticks"),
    "sleep_rr": lambda: sleep_round_robin(),
}

CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
CAKE_STEP = "angle ~ recipe * temperature + (1 | replicate) + (1 | recipe:replicate)"

#: id -> (function, formula, data, options); "lmerTest" is lmerTest::lmer in R, pylme.lmer here.
MODELS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "slope": ("lmer", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {}),
    "int": ("lmer", "Reaction ~ Days + (1 | Subject)", "sleepstudy", {}),
    "slope_ml": ("lmer", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {"REML": False}),
    "uncorr_ml": ("lmer", "Reaction ~ Days + (Days || Subject)", "sleepstudy", {"REML": False}),
    "int_ml": ("lmer", "Reaction ~ Days + (1 | Subject)", "sleepstudy", {"REML": False}),
    "nodays_ml": ("lmer", "Reaction ~ 1 + (1 | Subject)", "sleepstudy", {"REML": False}),
    "cake": ("lmer", "angle ~ recipe + temperature + (1 | recipe:replicate)", "cake", {}),
    "cake_step": ("lmerTest", CAKE_STEP, "cake", {}),
    "slope_step": ("lmerTest", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {}),
    "singular": ("lmer", "Reaction ~ Days + (1 | g)", "sleep_rr", {}),
    "singular_step": ("lmerTest", "Reaction ~ Days + (1 | g)", "sleep_rr", {}),
    "cbpp": ("glmer", CBPP, "cbpp", {"family": "binomial"}),
    "ticks": (
        "glmer",
        "TICKS ~ YEAR + scale(HEIGHT) + (1 | BROOD)",
        "grouseticks",
        {"family": "poisson"},
    ),
}

STEP = {"reduce_fixed": True, "reduce_random": True, "alpha_fixed": 0.05, "alpha_random": 0.1}

QUERIES: dict[str, dict[str, Any]] = {
    "inf_int": {"kind": "influence", "model": "int"},
    "inf_slope_subject": {"kind": "influence", "model": "slope", "groups": "Subject"},
    "inf_cbpp": {"kind": "influence", "model": "cbpp"},
    "inf_cbpp_herd": {"kind": "influence", "model": "cbpp", "groups": "herd"},
    "hat_slope": {"kind": "hatvalues", "model": "slope"},
    "hat_cbpp": {"kind": "hatvalues", "model": "cbpp"},
    "hat_ticks": {"kind": "hatvalues", "model": "ticks"},
    "perf_slope": {"kind": "performance", "model": "slope"},
    "perf_cake": {"kind": "performance", "model": "cake"},
    "perf_cbpp": {"kind": "performance", "model": "cbpp"},
    "perf_ticks": {"kind": "performance", "model": "ticks"},
    "perf_singular": {"kind": "performance", "model": "singular"},
    "check_singular": {"kind": "check", "model": "singular"},
    "check_slope": {"kind": "check", "model": "slope"},
    "check_cake": {"kind": "check", "model": "cake"},
    "check_cbpp": {"kind": "check", "model": "cbpp", "overdispersion": True},
    "check_ticks": {
        "kind": "check",
        "model": "ticks",
        "overdispersion": True,
        "zeroinflation": True,
    },
    "drop1_slope_ml": {"kind": "drop1", "model": "slope_ml", "test": "Chisq"},
    "drop1_cake": {"kind": "drop1", "model": "cake", "test": "Chisq"},
    "drop1_cbpp": {"kind": "drop1", "model": "cbpp", "test": "Chisq"},
    "drop1_ticks": {"kind": "drop1", "model": "ticks", "test": "Chisq"},
    "drop1_cake_none": {"kind": "drop1", "model": "cake", "test": "none"},
    "ranova_slope": {"kind": "ranova", "model": "slope"},
    "ranova_cake": {"kind": "ranova", "model": "cake_step"},
    "ranova_int": {"kind": "ranova", "model": "int"},
    "step_cake": {"kind": "step", "model": "cake_step", **STEP},
    "step_slope": {"kind": "step", "model": "slope_step", **STEP},
    "step_singular": {"kind": "step", "model": "singular_step", **STEP},
    "table_ml": {"kind": "table", "models": ["slope_ml", "uncorr_ml", "int_ml", "nodays_ml"]},
    "table_reml": {"kind": "table", "models": ["slope", "int"]},
}


@cache
def frames() -> dict[str, pd.DataFrame]:
    return {name: make() for name, make in DATA.items()}


@cache
def reference() -> dict[str, Any]:
    """Every query's result from one pure-R process."""
    payload = {
        "data": {k: rref.spec_from_frame(v) for k, v in frames().items()},
        "models": {
            k: {"function": fn, "formula": f, "data": d, **opts}
            for k, (fn, f, d, opts) in MODELS.items()
        },
        "queries": QUERIES,
    }
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(payload))
        script = str(rref.R_SCRIPTS / "reference_diagnostics.R")
        res = subprocess.run(
            [rref.rscript(), script, str(inp), str(out)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_diagnostics.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


def ref(query: str) -> dict[str, Any]:
    r = reference()[query]
    if isinstance(r, dict) and "error" in r:
        raise AssertionError(f"R failed on {query}: {r['error']}")
    return r


@cache
def fit(model: str) -> Any:
    fn, formula, data, opts = MODELS[model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if fn in ("lmer", "lmerTest"):
            return pylme.lmer(formula, frames()[data], **opts)
        return pylme.glmer(formula, frames()[data], **opts)


def rtol(model: str) -> float:
    from conftest import RTOL

    return GLMM_RTOL if MODELS[model][0] == "glmer" else RTOL


def floats(values: Any) -> Any:
    """R's numbers from JSON (null as NaN), as a float array."""
    return rref.as_float_array(values if isinstance(values, list) else [values])


def check_frame(ours: pd.DataFrame, r: dict[str, Any], rtol: float) -> None:
    """Index (R's row names), columns in R's order, and every value of ``ours`` equal R's."""
    from conftest import assert_close

    names = r["names"] if isinstance(r["names"], list) else [r["names"]]
    assert list(ours.columns) == names, f"columns {list(ours.columns)} != R's {names}"
    rownames = r["rownames"] if isinstance(r["rownames"], list) else [r["rownames"]]
    assert [str(i) for i in ours.index] == [str(i) for i in rownames], "row names differ"
    for name in names:
        expected = r["columns"][name]
        col = ours[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            assert_close(col.to_numpy(float), floats(expected), rtol, what=name)
        else:
            assert list(col) == (expected if isinstance(expected, list) else [expected]), name
