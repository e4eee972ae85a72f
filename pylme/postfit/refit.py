"""``fit.refit(newresp)`` and ``fit.update(formula, **options)``: R's ``refit()`` and
``update()``, on the model and data already in R (nothing is sent again but the new
response or the options)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from pylme.errors import DataError, OptionError
from pylme.postfit.newfit import derived_provenance, fit_from_result
from pylme.results.fit import MixedFit
from pylme.results.methods import implements
from pylme.runtime.session import get_session

#: Python option names that update() passes to R, and their R names.
UPDATE_OPTIONS = {
    "REML": "REML",
    "control": "control",
    "contrasts": "contrasts",
    "nAGQ": "nAGQ",
    "family": "family",
}


def _newresp(fit: MixedFit, newresp: Any) -> np.ndarray:
    arr = np.asarray(newresp, dtype=np.float64)
    n_used = fit.nobs
    if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] != 2):
        raise DataError(
            f"newresp has shape {arr.shape}; it must be one value per row used in the fit "
            f"({n_used}), or (for a cbind binomial response) {n_used} rows of two columns"
        )
    if arr.shape[0] == fit.provenance.n_rows and fit.n_dropped:
        arr = arr[~np.isnan(fit.fitted)]
    if arr.shape[0] != n_used:
        raise DataError(
            f"newresp has {arr.shape[0]} values; the fit used {n_used} rows "
            f"(of {fit.provenance.n_rows}), and newresp needs one value per row used"
        )
    return arr


@implements("refit")
def refit(fit: MixedFit, newresp: Any) -> MixedFit:
    arr = _newresp(fit, newresp)
    req: dict[str, Any] = {
        "model": fit.r_model(),
        "newresp": np.ascontiguousarray(arr.reshape(-1, order="F")),
        "dim": list(arr.shape) if arr.ndim == 2 else None,
    }
    result = get_session().call("pylme_refit", req, keep=("model",))
    old = fit.provenance
    digest = hashlib.sha256((old.data_sha256 + "\x00newresp\x00").encode())
    digest.update(np.ascontiguousarray(arr).tobytes())
    provenance = derived_provenance(
        old, options={**old.options, "newresp": "<array>"}, data_sha256=digest.hexdigest()
    )
    return fit_from_result(result, provenance)


def _r_options(fit: MixedFit, options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from pylme.models.family import resolve_family
    from pylme.models.options import check_contrasts, check_control

    unknown = sorted(set(options) - set(UPDATE_OPTIONS))
    if unknown:
        raise OptionError(
            f"update() does not take {', '.join(unknown)}; it takes "
            f"{', '.join(UPDATE_OPTIONS)} (the data stays the data already in R: to change "
            "the data, weights or offset, fit again)"
        )
    out: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    for name, value in options.items():
        if name == "REML" and not isinstance(value, bool):
            raise OptionError(f"REML must be True or False; got {value!r}")
        if name == "nAGQ" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise OptionError(f"nAGQ must be a whole number >= 0; got {value!r}")
        if name == "control":
            value = check_control(value)
        elif name == "contrasts":
            value = check_contrasts(value, list(fit.provenance.columns))
        elif name == "family":
            family, link = resolve_family(value, None)
            value = {"family": family, "link": link}
            recorded["link"] = link
        out[UPDATE_OPTIONS[name]] = value
        recorded[name] = value["family"] if name == "family" else value
    return out, recorded


def _formula_text(formula: Any) -> str | None:
    if formula is None:
        return None
    if not isinstance(formula, str) or not formula.strip():
        raise OptionError(f"formula must be a formula string such as '. ~ . - x'; got {formula!r}")
    text = formula.strip()
    # R's update() takes '~ . - x' for '. ~ . - x'; pylme's parser wants both sides.
    return ". " + text if text.startswith("~") else text


@implements("update")
def update(fit: MixedFit, formula: str | None = None, **options: Any) -> MixedFit:
    text = _formula_text(formula)
    r_options, recorded = _r_options(fit, options)
    req = {"model": fit.r_model(), "formula": text, "options": r_options}
    result = get_session().call("pylme_update", req, keep=("model",))
    old = fit.provenance
    new_formula = result.value.pop("formula_text")[0]
    provenance = derived_provenance(
        old,
        formula=new_formula if text is not None else old.formula,
        options={**old.options, **recorded},
    )
    return fit_from_result(result, provenance)
