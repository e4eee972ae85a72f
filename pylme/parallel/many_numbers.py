"""lmer_many's numbers route: the design is built once in R (per process), then responses
are fitted a block at a time by ``pylme_many_numbers`` (``r_scripts/many_numbers.R``), which
returns one matrix per quantity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.errors import PylmeError, PylmeWarning
from pylme.results._arrays import frozen_array
from pylme.results.many import LmerMany

#: Designs kept per process (a worker keeps the design of the run it serves).
_DESIGNS: dict[str, Design] = {}
_KEEP = 2


@dataclass(frozen=True)
class Spec:
    """Everything that makes the design (what a worker needs to build it again)."""

    formula: str
    options: dict[str, Any]
    columns: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True)
class Design:
    """The design in this process's R (an R environment), its terms and VarCorr rows."""

    sexp: Any
    terms: tuple[str, ...]
    vc: tuple[tuple[str, ...], tuple[str | None, ...], tuple[str | None, ...]]


def design_columns(formula: str, options: dict[str, Any]) -> list[str]:
    """The right-hand side's variables, then weights and offset: what the design needs."""
    from pylme.models import pipeline as pl

    others = list(pl.formula_variables(f".pylme_y {formula}")[1:])
    for aux in (options["weights"], options["offset"]):
        if aux is not None and aux not in others:
            others.append(aux)
    return others


def make_spec(formula: str, data: Any, options: dict[str, Any]) -> Spec:
    """The design's :class:`Spec`; its fingerprint covers the formula, every option, the
    design columns' values (as sent to R) and the versions of R, lme4 and lmerTest."""
    from pylme.conversion.plan import fingerprint, plan_frame
    from pylme.models.pipeline import check_values
    from pylme.runtime.session import get_session

    columns = design_columns(formula, options)
    plans = plan_frame(data, columns)
    check_values(plans.columns, options["weights"])  # as pylme.lmer checks them, once
    versions = get_session().versions
    h = hashlib.sha256()
    text = json.dumps([formula, options, columns, plans.n_rows, versions], default=str)
    h.update(text.encode())
    h.update(fingerprint(plans.columns).encode())
    return Spec(formula, dict(options), tuple(columns), h.hexdigest())


def design_for(spec: Spec, data: Any) -> Design:
    """This process's design for ``spec`` (built on first use, then kept)."""
    hit = _DESIGNS.get(spec.fingerprint)
    if hit is not None:
        return hit
    from pylme.conversion.plan import plan_frame
    from pylme.models.options import check_contrasts, check_control, check_na_action
    from pylme.runtime.rframe import build_r_frame
    from pylme.runtime.session import R_LOCK, get_session

    o = spec.options
    planned = plan_frame(data, list(spec.columns))
    rhs_vars = [c for c in spec.columns if c not in (o["weights"], o["offset"])]
    with R_LOCK:
        frame, _ = build_r_frame(planned.columns, planned.n_rows, sent_codes=False)
        res = get_session().call(
            "pylme_many_design",
            {
                "rhs": spec.formula,
                "data": frame,
                "REML": o["REML"],
                "control": check_control(o["control"]),
                "contrasts": check_contrasts(o["contrasts"], rhs_vars) if o["contrasts"] else None,
                "na_action": check_na_action(o["na_action"]),
                "weights": o["weights"],
                "offset": o["offset"],
                "ddf": o["ddf"],
                "trusted": o["trusted"],
            },
            keep=("design",),
        )
        del frame
    v = res.value
    vc = v["vc"]
    design = Design(
        v["design"],
        tuple(v["terms"] or ()),
        (tuple(vc["grp"] or ()), tuple(vc["var1"] or ()), tuple(vc["var2"] or ())),
    )
    while len(_DESIGNS) >= _KEEP:
        _DESIGNS.pop(next(iter(_DESIGNS)))
    _DESIGNS[spec.fingerprint] = design
    return design


def _split(flat: dict[str, Any], k: int) -> tuple[tuple[str, ...], ...]:
    text, count = flat["text"] or (), np.asarray(flat["count"], np.int64).reshape(-1)
    ends = np.cumsum(count)
    return tuple(tuple(text[e - c : e]) for c, e in zip(count.tolist(), ends.tolist()))


def error_type(classes: str, message: str) -> str:
    """The pylme error class R's error becomes (as ``pylme.lmer`` raises it)."""
    from pylme.runtime.conditions import raise_for_error

    try:
        raise_for_error({"error_class": classes.split("\r"), "error_message": (message,)}, "lmer")
    except PylmeError as exc:
        return type(exc).__name__
    return "RError"  # pragma: no cover - raise_for_error always raises


def _value_errors(names: tuple[str, ...], Y: np.ndarray) -> dict[int, str]:
    """Responses that ``pylme.lmer``'s value checks (``check_values``) refuse: no value at
    all, or an infinite value (R would stop with "0 (non-NA) cases" or "NA/NaN/Inf in 'y'")."""
    out: dict[int, str] = {}
    for j in np.flatnonzero(np.isnan(Y).all(axis=0) | np.isinf(Y).any(axis=0)):
        col = Y[:, j]
        infinite = np.flatnonzero(np.isinf(col))
        if np.isnan(col).all():
            out[int(j)] = f"column {names[j]!r} has only missing values: 0 (non-NA) cases are left"
        else:
            out[int(j)] = (
                f"column {names[j]!r} has {infinite.size} infinite value(s) (first at row index "
                f"{infinite[0]}, 0-based); lme4 cannot use Inf: set them to NaN (missing) or "
                "drop them"
            )
    return out


def fit_block(design: Design, names: tuple[str, ...], Y: np.ndarray, ddf: str | None) -> LmerMany:
    """Fit the responses ``Y`` (n_rows x k, NaN for missing) named ``names``."""
    import warnings

    from pylme.runtime.session import get_session

    k = len(names)
    res = get_session().call(
        "pylme_many_numbers", {"design": design.sexp, "Y": np.asarray(Y).reshape(-1, order="F")}
    )
    for text in res.warnings + res.messages:  # outside any fit: none expected
        warnings.warn(f"R: {text}", PylmeWarning, stacklevel=2)
    r = res.value
    classes = r["error_class"]
    error = [None if c is None else m for c, m in zip(classes, r["error_message"])]
    kinds = [None if c is None else error_type(c, m) for c, m in zip(classes, r["error_message"])]
    for j, message in _value_errors(names, Y).items():  # as pylme.lmer's own checks say it
        error[j], kinds[j] = message, "DataError"
    failed = np.array([e is not None for e in error], bool)

    def mat(x: Any) -> np.ndarray:
        return frozen_array(np.asarray(x).reshape(k, -1))

    def maybe(x: Any) -> np.ndarray | None:
        return None if x is None else mat(x)

    def ints(x: Any) -> np.ndarray:
        a = np.asarray(x, np.float64).reshape(-1)
        return frozen_array(np.where(np.isnan(a), -1, a), np.int64)

    def flags(x: Any) -> np.ndarray:
        return frozen_array(np.asarray(x, bool).reshape(-1) & ~failed, bool)

    grp, var1, var2 = design.vc
    return LmerMany(
        responses=tuple(names),
        terms=design.terms,
        estimate=mat(r["estimate"]),
        std_error=mat(r["std_error"]),
        statistic=mat(r["statistic"]),
        df=maybe(r["df"]),
        p_value=maybe(r["p_value"]),
        vc_grp=grp,
        vc_var1=var1,
        vc_var2=var2,
        vcov=mat(r["vcov"]),
        sdcor=mat(r["sdcor"]),
        sigma=frozen_array(r["sigma"]),
        loglik=frozen_array(r["loglik"]),
        aic=frozen_array(r["aic"]),
        bic=frozen_array(r["bic"]),
        deviance=frozen_array(r["deviance"]),
        nobs=ints(r["nobs"]),
        code=ints(r["code"]),
        converged=flags(r["converged"]),
        singular=flags(r["singular"]),
        warnings=_split(r["warnings"], k),
        messages=_split(r["messages"], k),
        error=tuple(error),
        error_type=tuple(kinds),
        ddf=ddf,
    )
