"""lme4's random-effect terms, and how they map to statsmodels' MixedLM.

The design (X, y, each term's grouping codes and raw model matrix) comes from the live R
model (``getME``), so the fixed-effects columns, their order and coding are lme4's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pylme.runtime.session import get_session

MAX_DENSE_CELLS = 20_000_000  # a crossed design is dense in MixedLM: n x levels per term


@dataclass
class Term:
    group: str  # as lme4 names the term's group ("Subject", "Subject.1", "cask:batch")
    factor: str  # the grouping factor's name in flist ("Subject")
    columns: tuple[str, ...]
    codes: np.ndarray  # 1-based level codes, shape (n,)
    levels: tuple[str, ...]
    mm: np.ndarray  # raw model matrix of the term, shape (n, k)


@dataclass
class Design:
    X: np.ndarray
    x_names: tuple[str, ...]
    y: np.ndarray
    weights: np.ndarray
    offset: np.ndarray
    terms: list[Term]


@dataclass
class MixedLMPlan:
    """groups: the factor every term nests in (None: one group for all rows, crossed)."""

    groups: str | None
    re_term: Term | None
    vc_terms: list[Term] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def read_design(fit: Any) -> Design:
    raw = get_session().call("pylme_design", {"model": fit.r_model()}).value
    n = len(raw["y"])
    terms = []
    for t in raw["terms"]:
        k = len(t["columns"])
        terms.append(
            Term(
                t["group"][0],
                t["factor"][0],
                tuple(t["columns"]),
                np.asarray(t["codes"], dtype=np.int64),
                tuple(t["levels"]),
                np.reshape(t["mm"], (n, k), order="F"),
            )
        )
    p = len(raw["x_names"])
    return Design(
        np.reshape(raw["X"], (n, p), order="F"),
        tuple(raw["x_names"]),
        raw["y"],
        raw["weights"],
        raw["offset"],
        terms,
    )


def _nests(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Each level of ``inner`` lies within a single level of ``outer``."""
    pairs = np.unique(np.stack([inner, outer]), axis=1)
    return len(np.unique(pairs[0])) == pairs.shape[1]


def plan_mixedlm(design: Design) -> MixedLMPlan:
    terms = design.terms
    factors = list(dict.fromkeys(t.factor for t in terms))
    codes = {t.factor: t.codes for t in terms}
    outer = next((f for f in factors if all(_nests(codes[g], codes[f]) for g in factors)), None)
    plan = MixedLMPlan(groups=outer, re_term=None)
    for t in terms:
        name = f"({' + '.join(t.columns)} | {t.group})"
        if t.factor == outer and plan.re_term is None:
            plan.re_term = t
        elif len(t.columns) == 1:
            plan.vc_terms.append(t)
        else:
            where = "crossed with" if outer is None else "nested in"
            plan.skipped.append(
                (
                    name,
                    f"correlated terms on a factor {where} another grouping factor: MixedLM's "
                    "variance components are independent scalars",
                )
            )
    n = len(design.y)
    if outer is None:
        cells = sum(n * len(t.levels) for t in plan.vc_terms)
        if cells > MAX_DENSE_CELLS:
            plan.skipped.append(
                ("crossed design", f"{cells:,} dense cells exceed {MAX_DENSE_CELLS:,}")
            )
            plan.vc_terms = []
    return plan


def mixedlm_inputs(design: Design, plan: MixedLMPlan) -> tuple[np.ndarray, np.ndarray, Any]:
    """(groups, exog_re, exog_vc) for statsmodels.MixedLM; exog_vc is a ``VCSpec`` (None if
    there are no variance components), components sorted by name and groups in sorted order,
    as statsmodels itself lays them out."""
    from statsmodels.regression.mixed_linear_model import VCSpec

    n = len(design.y)
    groups = (
        np.zeros(n, dtype=np.int64)
        if plan.groups is None
        else next(t.codes for t in design.terms if t.factor == plan.groups)
    )
    exog_re = plan.re_term.mm if plan.re_term is not None else np.zeros((n, 0))
    labels = np.unique(groups)
    rows = [np.flatnonzero(groups == g) for g in labels]
    names, colnames, mats = [], [], []
    for t in sorted(plan.vc_terms, key=vc_name):
        term_mats = []
        for idx in rows:
            m = t.mm[idx, 0]
            if t.factor == plan.groups:
                term_mats.append(m[:, None])
            else:
                present = np.unique(t.codes[idx])
                term_mats.append((t.codes[idx][:, None] == present[None, :]) * m[:, None])
        names.append(vc_name(t))
        mats.append(term_mats)
        colnames.append([[str(j) for j in range(mat.shape[1])] for mat in term_mats])
    return groups, exog_re, VCSpec(names, colnames, mats) if names else None


def vc_name(t: Term) -> str:
    return f"{t.group}|{t.columns[0]}"
