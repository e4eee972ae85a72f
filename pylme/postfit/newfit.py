"""A full pylme fit (LmerFit / GlmerFit) from an R model made after the first fit: refit,
update and read_rds all return one, with its provenance and R's warnings."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone
from typing import Any

from pylme.results.fit import MixedFit
from pylme.results.meta import Provenance
from pylme.runtime.session import RCallResult


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def derived_provenance(old: Provenance, **changes: Any) -> Provenance:
    """``old`` with a new fit id and time, and the given fields changed."""
    return dataclasses.replace(old, fitted_at=now(), fit_id=uuid.uuid4().hex, **changes)


def fit_from_result(result: RCallResult, provenance: Provenance, *, warn: bool = True) -> MixedFit:
    """The pipeline's own parsing of an R result into a fit (imported here on use: the
    pipeline loads pyarrow, which ``import pylme`` must not)."""
    from pylme.models.pipeline import fit_from_result as parse_result

    return parse_result(result, provenance, warn=warn)
