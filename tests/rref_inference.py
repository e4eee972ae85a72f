"""Pure-R references for the inference tests (``Rscript r_scripts/reference_inference.R``).

The same frames go to pylme and, as typed JSON, to a plain R process; every query there is the
call a user would type in R (``confint``, ``anova``, lmerTest's ``summary``/``anova``,
``emmeans``, ``contrast``, ``broom.mixed::tidy``). One R run serves every test module.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rref

import pylme

#: lme4's profile intervals come from a spline through the profiled points, and the profile's
#: refits carry the optimizer's tolerance: they agree with a separate R run to ~1e-7, so 1e-6.
PROFILE_RTOL = 1e-6
#: glmer's Laplace fits (and everything computed from them) agree with a separate R run to
#: ~1e-7 (the optimizer stops on its own tolerance), so 1e-6.
GLMM_RTOL = 1e-6


def sleep_other() -> pd.DataFrame:
    """sleepstudy with one Reaction value changed: same size, different data."""
    d = rref.r_dataset("lme4", "sleepstudy").copy()
    d.loc[0, "Reaction"] = d.loc[0, "Reaction"] + 1.0
    return d


def sleep_short() -> pd.DataFrame:
    """sleepstudy without its last ten rows: a different number of observations."""
    return rref.r_dataset("lme4", "sleepstudy").iloc[:-10].reset_index(drop=True)


DATA = {
    "sleepstudy": lambda: rref.r_dataset("lme4", "sleepstudy"),
    "cake": lambda: rref.r_dataset("lme4", "cake"),
    "cbpp": lambda: rref.r_dataset("lme4", "cbpp"),
    "sleep_other": sleep_other,
    "sleep_short": sleep_short,
}

#: id -> (function, formula, data, options)
MODELS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "slope": ("lmer", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {}),
    "slope_ml": ("lmer", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {"REML": False}),
    "uncorr": ("lmer", "Reaction ~ Days + (Days || Subject)", "sleepstudy", {}),
    "days_int": ("lmer", "Reaction ~ Days + (1 | Subject)", "sleepstudy", {}),
    "no_days": ("lmer", "Reaction ~ 1 + (1 | Subject)", "sleepstudy", {}),
    "other": ("lmer", "Reaction ~ Days + (1 | Subject)", "sleep_other", {}),
    "short": ("lmer", "Reaction ~ Days + (1 | Subject)", "sleep_short", {}),
    "cake": ("lmer", "angle ~ recipe * temperature + (1 | recipe:replicate)", "cake", {}),
    "cbpp": (
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        "cbpp",
        {"family": "binomial"},
    ),
}

QUERIES: dict[str, dict[str, Any]] = {
    "ci_wald": {"kind": "confint", "model": "slope", "method": "Wald", "level": 0.95},
    "ci_wald90": {"kind": "confint", "model": "slope", "method": "Wald", "level": 0.9},
    "ci_profile": {"kind": "confint", "model": "slope", "method": "profile", "level": 0.95},
    "ci_boot": {
        "kind": "confint",
        "model": "slope",
        "method": "boot",
        "level": 0.95,
        "nsim": 40,
        "seed": 101,
        "boot_type": "perc",
    },
    "ci_glmer_wald": {"kind": "confint", "model": "cbpp", "method": "Wald", "level": 0.95},
    # parm in lme4's old names, with R's default oldNames = TRUE (as an R user types it)
    "ci_parm_old": {
        "kind": "confint",
        "model": "days_int",
        "method": "profile",
        "level": 0.95,
        "parm": [".sig01", ".sigma"],
        "old_names": True,
    },
    "ci_parm_new": {
        "kind": "confint",
        "model": "days_int",
        "method": "profile",
        "level": 0.95,
        "parm": ["sd_(Intercept)|Subject"],
    },
    "ci_parm_theta": {
        "kind": "confint",
        "model": "days_int",
        "method": "profile",
        "level": 0.95,
        "parm": ["theta_"],
    },
    "ci_parm_beta": {
        "kind": "confint",
        "model": "slope",
        "method": "Wald",
        "level": 0.9,
        "parm": ["beta_"],
    },
    "anova_corr": {"kind": "anova", "models": ["slope", "uncorr"], "refit": True},
    "anova_days": {"kind": "anova", "models": ["days_int", "no_days"], "refit": True},
    "anova_three": {"kind": "anova", "models": ["slope", "no_days", "days_int"], "refit": True},
    "anova_norefit": {"kind": "anova", "models": ["days_int", "no_days"], "refit": False},
    "anova_named": {
        "kind": "anova",
        "models": ["slope", "uncorr"],
        "names": ["slope", "uncorr"],
        "refit": True,
    },
    "satt": {"kind": "lmertest", "model": "slope", "ddf": "Satterthwaite"},
    "satt_ml": {"kind": "lmertest", "model": "slope_ml", "ddf": "Satterthwaite"},
    "kr": {"kind": "lmertest", "model": "slope", "ddf": "Kenward-Roger"},
    "cake_satt": {"kind": "lmertest", "model": "cake", "ddf": "Satterthwaite"},
    "cake_kr": {"kind": "lmertest", "model": "cake", "ddf": "Kenward-Roger"},
    "cake_anova3": {"kind": "lmertest_anova", "model": "cake", "type": "3", "ddf": "Satterthwaite"},
    "cake_anova1kr": {
        "kind": "lmertest_anova",
        "model": "cake",
        "type": "1",
        "ddf": "Kenward-Roger",
    },
    "cbpp_p": {"kind": "glmer_p", "model": "cbpp"},
    "emm_cake": {
        "kind": "emmeans",
        "model": "cake",
        "specs": ["recipe"],
        "by": ["temperature"],
        "level": 0.95,
    },
    "emm_cake90": {"kind": "emmeans", "model": "cake", "specs": ["recipe"], "level": 0.9},
    "emm_formula": {"kind": "emmeans", "model": "cake", "formula": "~ recipe", "level": 0.95},
    "emm_formula_by": {
        "kind": "emmeans",
        "model": "cake",
        "formula": "~ recipe | temperature",
        "level": 0.95,
    },
    "emm_pairwise": {
        "kind": "emmeans",
        "model": "cake",
        "formula": "pairwise ~ recipe",
        "level": 0.95,
    },
    "emm_satt": {
        "kind": "emmeans",
        "model": "cake",
        "specs": ["recipe"],
        "lmer_df": "satterthwaite",
        "level": 0.95,
    },
    "emm_asymptotic": {
        "kind": "emmeans",
        "model": "cake",
        "formula": "~ recipe | temperature",
        "lmer_df": "asymptotic",
        "level": 0.95,
    },
    "con_tukey": {
        "kind": "contrasts",
        "model": "cake",
        "specs": ["recipe"],
        "by": ["temperature"],
        "method": "pairwise",
        "adjust": "tukey",
    },
    "con_holm": {
        "kind": "contrasts",
        "model": "cake",
        "specs": ["recipe"],
        "by": ["temperature"],
        "method": "pairwise",
        "adjust": "holm",
    },
    "emm_cbpp": {
        "kind": "emmeans",
        "model": "cbpp",
        "specs": ["period"],
        "type": "response",
        "level": 0.95,
    },
    "tidy_slope": {
        "kind": "tidy",
        "model": "slope",
        "effects": ["fixed", "ran_pars"],
        "conf_int": True,
        "level": 0.95,
    },
    "tidy_cake_satt": {
        "kind": "tidy",
        "model": "cake",
        "effects": ["fixed", "ran_pars"],
        "conf_int": False,
        "level": 0.95,
        "ddf": "Satterthwaite",
    },
    "tidy_cbpp": {
        "kind": "tidy",
        "model": "cbpp",
        "effects": ["fixed", "ran_pars"],
        "conf_int": True,
        "level": 0.9,
    },
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
        res = subprocess.run(
            [rref.rscript(), str(rref.R_SCRIPTS / "reference_inference.R"), str(inp), str(out)],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_inference.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


def ref(query: str) -> dict[str, Any]:
    r = reference()[query]
    if "error" in r:
        raise AssertionError(f"R failed on {query}: {r['error']}")
    return r


@cache
def fit(model: str, ddf: str | None = None) -> Any:
    fn, formula, data, opts = MODELS[model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if fn == "lmer":
            return pylme.lmer(formula, frames()[data], ddf=ddf, **opts)
        return pylme.glmer(formula, frames()[data], **opts)


def strings(values: Any) -> list[str | None]:
    """A string column, NA (None or NaN) as None."""
    if not isinstance(values, list):
        values = [values]
    return [
        None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in values
    ]


def ref_frame(r: dict[str, Any]) -> dict[str, Any]:
    """R's frame as {column: values}, in R's column order."""
    names = r["names"] if isinstance(r["names"], list) else [r["names"]]
    cols = r["columns"]
    return {n: cols[n] if isinstance(cols, dict) else cols[i] for i, n in enumerate(names)}


def check_frame(ours: pd.DataFrame, r: dict[str, Any], rtol: float, rename: Any = None) -> None:
    """Columns, column order and every value of ``ours`` equal R's frame ``r``."""
    from conftest import assert_close

    expected = ref_frame(r)
    names = [rename(n) if rename else n for n in expected]
    assert list(ours.columns) == names, f"columns {list(ours.columns)} != R's {names}"
    for values, name in zip(expected.values(), names):
        col = ours[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            assert_close(col.to_numpy(float), rref.as_float_array(values), rtol, what=name)
        else:
            assert strings(list(col)) == strings(values), name
