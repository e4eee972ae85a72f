"""``fit.receipt()``: the call, the data's fingerprint, the versions and every number."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from typing import Any

from pylme._version import __version__
from pylme.receipts import canonical
from pylme.receipts.numbers import convergence_record, fit_numbers
from pylme.receipts.receipt import SCHEMA_VERSION, Receipt
from pylme.results.fit import MixedFit
from pylme.results.methods import implements

#: Versions compared on verification; the others are recorded for reading.
R_SIDE_VERSIONS = ("R", "lme4", "Matrix", "BLAS", "LAPACK", "lmerTest", "pbkrtest")


def extra_packages(ddf: str | None) -> list[str]:
    """R packages besides lme4 that made the fit's numbers."""
    if ddf is None:
        return []
    return ["lmerTest", "pbkrtest"] if ddf == "Kenward-Roger" else ["lmerTest"]


def receipt_info(fit: MixedFit, columns: list[str] | None, types: list[str] | None) -> Any:
    """R's ``pylme_receipt_info``: theta, BLAS/LAPACK, extra package versions, and (with
    ``columns``) the canonical bytes of the data the model was fitted to."""
    from pylme.runtime.session import get_session

    req = {
        "model": fit.r_model(),
        "packages": extra_packages(fit.fixef.ddf),
        "columns": columns,
        "types": types,
    }
    return get_session().call("pylme_receipt_info", req).value


def versions_of(fit: MixedFit, info: dict[str, Any]) -> dict[str, Any]:
    v = fit.provenance.versions
    out: dict[str, Any] = {
        "R": v.get("R"),
        "lme4": v.get("lme4"),
        "Matrix": v.get("Matrix"),
        "rpy2": v.get("rpy2"),
        "pylme": v.get("pylme", __version__),
        "Python": platform.python_version(),
        "platform": platform.platform(),
        "BLAS": info["blas"][0],
        "LAPACK": info["lapack"][0],
        "LAPACK_library": info["lapack_library"][0],
    }
    for name, ver in (info.get("packages") or {}).items():
        out[name] = ver[0] if ver else None
    return out


def call_of(fit: MixedFit) -> dict[str, Any]:
    p = fit.provenance
    options = dict(p.options)
    if fit.fixef.ddf is not None:
        options["ddf"] = fit.fixef.ddf
    return {"function": p.function, "formula": p.formula, "options": options}


@implements("receipt")
def make_receipt(fit: MixedFit) -> Receipt:
    """The receipt of ``fit`` (needs its R model: the data it was fitted to live there)."""
    p = fit.provenance
    columns = list(p.columns)
    types = [p.column_types[c] for c in columns]
    info = receipt_info(fit, columns, types)
    parts = [bytes(b) for b in info["column_bytes"]]
    digests = canonical.column_digests(p.n_rows, parts)
    data = {
        "scheme": canonical.SCHEME,
        "n_rows": p.n_rows,
        "fingerprint": canonical.digest(p.n_rows, parts),
        "columns": [
            {"name": c, "type": t, "levels": list(p.levels.get(c, ())), "sha256": d}
            for c, t, d in zip(columns, types, digests)
        ],
    }
    return Receipt(
        schema_version=SCHEMA_VERSION,
        call=call_of(fit),
        data=data,
        versions=versions_of(fit, info),
        result={"numbers": fit_numbers(fit, info), "convergence": convergence_record(fit)},
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


__all__ = ["make_receipt"]
