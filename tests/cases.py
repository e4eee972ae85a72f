"""Reference cases: each is fitted by pylme and by pure R on identical data."""

from __future__ import annotations

from functools import cache
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
    f = pd.Categorical(
        rng.choice(["zeta", "alpha", "mid"], size=n), categories=["zeta", "alpha", "mid"]
    )
    dose = pd.Categorical(
        rng.choice(["low", "med", "high"], size=n), categories=["low", "med", "high"], ordered=True
    )
    u = dict(zip(STRING_LABELS, rng.normal(scale=1.5, size=len(STRING_LABELS))))
    fe = {"zeta": 0.0, "alpha": 1.0, "mid": -0.5}
    y = (
        2
        + 0.7 * x
        + np.array([fe[v] for v in f])
        + np.array([u[v] for v in g])
        + rng.normal(size=n)
    )
    y = y + np.array([{"low": 0.0, "med": 0.4, "high": 1.1}[v] for v in dose])
    return pd.DataFrame(
        {
            "y": y,
            "x": x,
            "g": pd.array(g, dtype=object),
            "f": f,
            "dose": dose,
            "w": rng.uniform(0.5, 2.0, size=n),
            "off": rng.normal(scale=0.3, size=n),
        }
    )


def large(seed: int = 11) -> pd.DataFrame:
    """Many levels (1,500 and 600) crossed with 40: big enough that pylme computes the
    conditional variances by its Schur complement rather than lme4's per-level solves."""
    rng = np.random.default_rng(seed)
    n = 6000
    g = rng.integers(0, 1500, size=n)
    k = rng.integers(0, 600, size=n)
    h = rng.integers(0, 40, size=n)
    x = rng.normal(size=n)
    u, v, w0, w1 = (
        rng.normal(scale=s, size=m) for s, m in ((0.8, 1500), (0.5, 600), (0.6, 40), (0.3, 40))
    )
    eta = 0.3 + 0.5 * x + u[g] + v[k] * x + w0[h] + w1[h] * x
    return pd.DataFrame(
        {
            "y": eta + rng.normal(size=n),
            "x": x,
            "yes": rng.random(n) < 1 / (1 + np.exp(-eta)),
            "g": pd.array([f"s{i}" for i in g], dtype=object),
            "k": k.astype(np.int32),
            "h": pd.array([f"h{i}" for i in h], dtype=object),
        }
    )


@cache
def dataset(name: str) -> pd.DataFrame:
    if name == "synthetic":
        return synthetic()
    if name == "large":
        return large()
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
    "sleep_ml": (
        "lme4:sleepstudy",
        "Reaction ~ Days + (Days | Subject)",
        {"REML": False},
        {"REML": False},
    ),
    "sleep_uncorrelated": ("lme4:sleepstudy", "Reaction ~ Days + (Days || Subject)", {}, {}),
    "sleep_slope_only": ("lme4:sleepstudy", "Reaction ~ Days + (0 + Days | Subject)", {}, {}),
    "penicillin_crossed": ("lme4:Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", {}, {}),
    "pastes_nested": ("lme4:Pastes", "strength ~ 1 + (1 | batch/cask)", {}, {}),
    # p = 18 fixed effects > 12: R's note that the correlation matrix is not shown
    "cake_18_fixef": (
        "lme4:cake",
        "angle ~ recipe * temperature + (1 | recipe:replicate)",
        {},
        {},
    ),
    "na_rows": ("sleep_na", "Reaction ~ Days + (Days | Subject)", {}, {}),
    "string_groups": ("synthetic", "y ~ x + (1 | g)", {}, {}),
    "unsorted_categorical": ("synthetic", "y ~ x + f + (1 + x | g)", {}, {}),
    "ordered_factor": ("synthetic", "y ~ x + dose + (1 | g)", {}, {}),
    "weights_column": (
        "sleep_w",
        "Reaction ~ Days + (Days | Subject)",
        {"weights": "w"},
        {"weights": "w"},
    ),
    "offset_column": (
        "sleep_w",
        "Reaction ~ Days + (1 | Subject)",
        {"offset": "off"},
        {"offset": "off"},
    ),
    "control_option": (
        "lme4:sleepstudy",
        "Reaction ~ Days + (Days | Subject)",
        {"control": {"optimizer": "Nelder_Mead", "optCtrl": {"FtolAbs": 1e-10}}},
        {"control": {"optimizer": "Nelder_Mead", "optCtrl": {"FtolAbs": 1e-10}}},
    ),
    "contrasts_sum": (
        "synthetic",
        "y ~ x + f + (1 | g)",
        {"contrasts": {"f": "contr.sum"}},
        {"contrasts": {"f": "contr.sum"}},
    ),
    "ml_crossed_weights": (
        "synthetic",
        "y ~ x + (1 | g) + (1 | f)",
        {"REML": False, "weights": "w"},
        {"REML": False, "weights": "w"},
    ),
    # q >= 1000: conditional variances by the Schur complement (r_scripts/condvar.R).
    "large_crossed": ("large", "y ~ x + (1 | g) + (x | h)", {}, {}),
    "large_vector": ("large", "y ~ x + (x | k) + (1 | h)", {"REML": False}, {"REML": False}),
    "large_split": ("large", "y ~ x + (x || k) + (1 | h)", {}, {}),
}


def glmm_synthetic(seed: int = 3) -> pd.DataFrame:
    """Counts (with exposure), positive skewed values, over-dispersed counts, a yes/no string."""
    rng = np.random.default_rng(seed)
    g = np.repeat([f"g{i:02d}" for i in range(30)], 20)
    idx = np.repeat(np.arange(30), 20)
    u = rng.normal(scale=0.5, size=30)[idx]
    x = rng.normal(size=len(g))
    logt = np.log(rng.uniform(1, 5, size=len(g)))
    eta = 0.5 + 0.3 * x + u
    mu_nb = np.exp(eta)
    p_yes = 1 / (1 + np.exp(-(0.2 + 0.8 * x + u)))
    return pd.DataFrame(
        {
            "g": pd.array(g, dtype=object),
            "x": x,
            "logt": logt,
            "count": rng.poisson(np.exp(eta + logt)).astype(np.int32),
            "pos": rng.gamma(shape=5.0, scale=np.exp(1 + 0.3 * x + u) / 5.0),
            "nb": rng.negative_binomial(1.5, 1.5 / (1.5 + mu_nb)).astype(np.int32),
            "answer": pd.array(np.where(rng.random(len(g)) < p_yes, "yes", "no"), dtype=object),
        }
    )


@cache
def glmm_dataset(name: str) -> pd.DataFrame:
    if name == "glmm_synthetic":
        return glmm_synthetic()
    if name == "large":
        return large()
    if name == "cbpp_prop":
        d = rref.r_dataset("lme4", "cbpp").copy()
        d["prop"] = d["incidence"] / d["size"]
        return d
    if name == "imm10_hi":
        from conftest import IMM10

        d = pd.read_csv(IMM10)
        d["hi"] = d["math"] > 50
        return d
    package, ds = name.split(":")
    return rref.r_dataset(package, ds)


CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"

#: id -> (function, data set, formula, options shared by pylme and R)
GLMER_CASES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "cbpp_logit": ("glmer", "lme4:cbpp", CBPP, {"family": "binomial"}),
    "cbpp_probit": ("glmer", "lme4:cbpp", CBPP, {"family": "binomial", "link": "probit"}),
    "cbpp_agq9": ("glmer", "lme4:cbpp", CBPP, {"family": "binomial", "nAGQ": 9}),
    "grouseticks_poisson": (
        "glmer",
        "lme4:grouseticks",
        "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION)",
        {"family": "poisson"},
    ),
    "contraception_factor": (
        "glmer",
        "mlmRev:Contraception",
        "use ~ age + I(age^2) + urban + livch + (1 | district)",
        {"family": "binomial"},
    ),
    "verbagg_crossed": (
        "glmer",
        "lme4:VerbAgg",
        "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
        {"family": "binomial"},
    ),
    "proportion_weights": (
        "glmer",
        "cbpp_prop",
        "prop ~ period + (1 | herd)",
        {"family": "binomial", "weights": "size"},
    ),
    "poisson_offset": (
        "glmer",
        "glmm_synthetic",
        "count ~ x + (1 | g)",
        {"family": "poisson", "offset": "logt"},
    ),
    "gamma_log": (
        "glmer",
        "glmm_synthetic",
        "pos ~ x + (1 | g)",
        {"family": "Gamma", "link": "log"},
    ),
    "string_response": ("glmer", "glmm_synthetic", "answer ~ x + (1 | g)", {"family": "binomial"}),
    "negative_binomial": ("glmer.nb", "glmm_synthetic", "nb ~ x + (1 | g)", {}),
    "imm10_logistic": ("glmer", "imm10_hi", "hi ~ homework + (1 | schid)", {"family": "binomial"}),
    "large_binomial": ("glmer", "large", "yes ~ x + (1 | g) + (1 | h)", {"family": "binomial"}),
}
