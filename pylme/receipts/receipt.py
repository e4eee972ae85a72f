"""The :class:`Receipt` and its JSON.

The JSON has the top-level keys ``schema_version``, ``call``, ``data``, ``versions``,
``result`` and ``created_at``, sorted. Floats are written with ``repr``, the shortest text that
reads back to the same double, so a receipt round-trips exactly. JSON has no literal for
non-finite numbers: NaN (and R's NA) is written as the string ``"NaN"``, infinities as
``"Inf"`` and ``"-Inf"`` (what R's ``as.numeric()`` reads back). The receipt holds its
numbers in that JSON form, so ``Receipt.from_json(r.to_json()) == r``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pylme.errors import DataError
from pylme.receipts.schema import check_receipt

SCHEMA_VERSION = 1
KEYS = ("call", "created_at", "data", "result", "schema_version", "versions")


def json_number(value: Any) -> Any:
    """A float as the receipt stores it: itself when finite, else "NaN", "Inf" or "-Inf"."""
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return x


def number_value(stored: Any) -> float:
    """The float a stored number stands for (None, R's NA in JSON, is NaN)."""
    if stored is None:
        return math.nan
    if isinstance(stored, str):
        return {"NaN": math.nan, "NA": math.nan, "Inf": math.inf, "-Inf": -math.inf}[stored]
    return float(stored)


@dataclass(frozen=True)
class Receipt:
    """What made a fit's numbers, and the numbers: enough to check them again.

    call : dict
        ``function`` ("lmer", "glmer", "glmer.nb"), ``formula`` as given, and ``options``
        (REML, family, link, nAGQ, weights, offset, contrasts, control, na_action, and ddf
        where it was used).
    data : dict
        ``n_rows``, ``columns`` (name, R type, levels in R's order for factors, and each
        column's fingerprint), ``fingerprint`` (SHA-256 of the canonical bytes, see
        :mod:`pylme.receipts.canonical`) and ``scheme``.
    versions : dict
        R, lme4, Matrix, rpy2, pylme, Python, platform, BLAS, LAPACK (and lmerTest,
        pbkrtest where the fit used them).
    result : dict
        ``numbers``: quantity -> ``{"labels": [...], "values": [...]}`` (fixef, its standard
        errors, vcov, VarCorr, theta, ranef modes and conditional variances, loglik,
        deviance, AIC, BIC, sigma, ...); ``convergence``: the optimizer's record.
    """

    schema_version: int
    call: dict[str, Any]
    data: dict[str, Any]
    versions: dict[str, Any]
    result: dict[str, Any]
    created_at: str

    def to_json(self) -> str:
        """The receipt as JSON: sorted keys, exact floats, two-space indent."""
        body = {
            "schema_version": self.schema_version,
            "call": self.call,
            "data": self.data,
            "versions": self.versions,
            "result": self.result,
            "created_at": self.created_at,
        }
        return json.dumps(body, sort_keys=True, indent=2, allow_nan=False, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` (UTF-8)."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, source: str | Path) -> Receipt:
        """A receipt from its JSON text, or from the path of a file holding it, checked
        against the receipt schema (:func:`~pylme.receipts.schema.check_receipt`)."""
        text = str(source)
        if isinstance(source, Path) or not text.lstrip().startswith("{"):
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise DataError(f"cannot read the receipt {str(source)!r}: {exc}") from exc
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"the receipt is not valid JSON: {exc}") from exc
        check_receipt(body)
        return cls(**body)

    # -- reading the numbers back ----------------------------------------------------------

    def quantity(self, name: str) -> tuple[tuple[str, ...], np.ndarray]:
        """The labels and values (float64) of one recorded quantity, e.g. ``"fixef"``."""
        q = self.result["numbers"][name]
        return tuple(q["labels"]), np.array([number_value(v) for v in q["values"]])

    def __repr__(self) -> str:
        c, d = self.call, self.data
        return (
            f"<Receipt {c['function']}({c['formula']!r}) data {d['fingerprint'][:12]}… "
            f"{d['n_rows']} rows, created {self.created_at}>"
        )
