"""Reference cases: each is fitted by pylme and by pure R on identical data."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import rref

STRING_LABELS = ["b", "a", "B", "_x", "a b", "x10", "x9"]


def synthetic(seed: int = 1) -> pd.DataFrame:
    """Groups with awkward string labels, an unsorted categorical and an ordered factor."""
    rng = np.random.default_rng(seed)
    n_per = 25
    g = np.repeat(STRING_LABELS, n_per)
    n = len(g)
    x = rng.normal(size=n)
    f = pd.Categorical(rng.choice(["zeta", "alpha", "mid"], size=n), categories=["zeta", "alpha", "mid"])
    dose = pd.Categorical(rng.choice(["low", "med", "high"], size=n), categories=["low", "med", "high"], ordered=True)
    u = dict(zip(STRING_LABELS, rng.normal(scale=1.5, size=len(STRING_LABELS))))
    fe = {"zeta": 0.0, "alpha": 1.0, "mid": -0.5}
    y = 2 + 0.7 * x + np.array([fe[v] for v in f]) + np.array([u[v] for v in g]) + rng.normal(size=n)
    y = y + np.array([{"low": 0.0, "med": 0.4, "high": 1.1}[v] for v in dose])
    return pd.DataFrame(
        {"y": y, "x": x, "g": pd.array(g, dtype=object), "f": f, "dose": dose,
         "w": rng.uniform(0.5, 2.0, size=n), "off": rng.normal(scale=0.3, size=n)}
    )


@lru_cache(maxsize=None)
def dataset(name: str) -> pd.DataFrame:
    if name == "synthetic":
        return synthetic()
    if name == "sleep_na":
        d = rref.r_dataset("lme4", "sleepstudy").copy()
        d.loc[[3, 50, 51], "Reaction"] = np.nan
        d.loc[[10], "Days"] = np.nan
        d["Subject"] = d["Subject"].astype(object).astype(str)
        d.loc[[100], "Subject"] = None
        return d
    if name == "sleep_w":
        d = rref.r_dataset("lme4", "sleepstudy").copy()
        rng = np.random.default_rng(7)
        d["w"] = rng.uniform(0.5, 2, len(d))
        d["off"] = rng.normal(scale=5, size=len(d))
        return d
    package, ds = name.split(":")
    return rref.r_dataset(package, ds)


#: id -> (data set, formula, pylme keyword options, R options)
LMER_CASES: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    "sleep_reml": ("lme4:sleepstudy", "Reaction ~ Days + (Days | Subject)", {}, {}),
    "sleep_ml": ("lme4:sleepstudy", "Reaction ~ Days + (Days | Subject)", {"REML": False}, {"REML": False}),
    "sleep_uncorrelated": ("lme4:sleepstudy", "Reaction ~ Days + (Days || Subject)", {}, {}),
    "sleep_slope_only": ("lme4:sleepstudy", "Reaction ~ Days + (0 + Days | Subject)", {}, {}),
    "penicillin_crossed": ("lme4:Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", {}, {}),
    "pastes_nested": ("lme4:Pastes", "strength ~ 1 + (1 | batch/cask)", {}, {}),
    "na_rows": ("sleep_na", "Reaction ~ Days + (Days | Subject)", {}, {}),
    "string_groups": ("synthetic", "y ~ x + (1 | g)", {}, {}),
    "unsorted_categorical": ("synthetic", "y ~ x + f + (1 + x | g)", {}, {}),
    "ordered_factor": ("synthetic", "y ~ x + dose + (1 | g)", {}, {}),
    "weights_column": ("sleep_w", "Reaction ~ Days + (Days | Subject)", {"weights": "w"}, {"weights": "w"}),
    "offset_column": ("sleep_w", "Reaction ~ Days + (1 | Subject)", {"offset": "off"}, {"offset": "off"}),
    "control_option": (
        "lme4:sleepstudy", "Reaction ~ Days + (Days | Subject)",
        {"control": {"optimizer": "Nelder_Mead", "optCtrl": {"FtolAbs": 1e-10}}},
        {"control": {"optimizer": "Nelder_Mead", "optCtrl": {"FtolAbs": 1e-10}}},
    ),
    "contrasts_sum": ("synthetic", "y ~ x + f + (1 | g)", {"contrasts": {"f": "contr.sum"}}, {"contrasts": {"f": "contr.sum"}}),
    "ml_crossed_weights": ("synthetic", "y ~ x + (1 | g) + (1 | f)", {"REML": False, "weights": "w"}, {"REML": False, "weights": "w"}),
}
