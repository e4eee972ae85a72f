"""The responses of ``lmer_many``: column names of the data, or a matrix of their own.

Either way they are read a block of columns at a time, as one float64 matrix (n_rows x k,
NaN where a value is missing), so that 100,000 responses never sit in memory as many
converted copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.errors import DataError

_NUMERIC = ("double", "integer", "logical")


@dataclass(frozen=True)
class Responses:
    """``names`` (shape (k,)) and where their values are: ``data``'s columns (``matrix`` is
    None), or ``matrix``: a numpy array (n_rows, k) or a frame/Arrow table of k columns."""

    names: tuple[str, ...]
    n_rows: int
    matrix: Any = None

    @property
    def in_data(self) -> bool:
        return self.matrix is None

    def block(self, data: Any, names: Sequence[str]) -> np.ndarray:
        """The named responses as a Fortran-ordered float64 matrix (n_rows, len(names))."""
        out = np.empty((self.n_rows, len(names)), np.float64, order="F")
        if isinstance(self.matrix, np.ndarray):
            where = {n: j for j, n in enumerate(self.names)}
            for j, name in enumerate(names):
                out[:, j] = self.matrix[:, where[name]]
            return out
        from pylme.conversion.plan import plan_frame

        source = data if self.matrix is None else self.matrix
        for j, plan in enumerate(plan_frame(source, list(names)).columns):
            if plan.kind not in _NUMERIC:
                raise DataError(
                    f"response {plan.name!r} is {plan.arrow_type}: lmer needs a numeric "
                    "response (numbers or booleans); leave it out of responses"
                )
            out[:, j] = plan.values
            if plan.na is not None:
                out[plan.na, j] = np.nan
        return out


def _names(names: Any, k: int) -> tuple[str, ...]:
    out = tuple(f"y{j}" for j in range(k)) if names is None else tuple(names)
    if len(out) != k or not all(isinstance(n, str) and n for n in out):
        raise DataError(f"response_names must be {k} non-empty strings, one per column")
    return out


def as_responses(responses: Any, data: Any, names: Any = None) -> Responses:
    """Check ``responses`` (names of ``data``'s columns, a 2-D numpy array, or a pandas /
    polars frame or Arrow table of response columns) against the data's row count."""
    from pylme.conversion.frames import as_arrow_table, column_names

    n_rows = n_rows_of(data)
    if isinstance(responses, str):
        responses = [responses]
    matrix: Any = None
    if isinstance(responses, np.ndarray):
        if responses.ndim != 2:
            raise DataError(
                f"a response matrix must be 2-D (n_rows x n_responses); got {responses.ndim}-D"
            )
        if not (np.issubdtype(responses.dtype, np.number) or responses.dtype == bool):
            raise DataError(f"a response matrix must be numeric; got dtype {responses.dtype}")
        matrix, found, rows = responses, _names(names, responses.shape[1]), responses.shape[0]
    elif isinstance(responses, (list, tuple)):
        found, rows = tuple(responses), n_rows
        if not found or not all(isinstance(y, str) and y for y in found):
            raise DataError("responses must be a non-empty list of column names")
        available = set(column_names(data))
        missing = [y for y in found if y not in available]
        if missing:
            raise DataError(f"response column(s) {missing[:10]} not found in the data")
    else:
        if names is not None:
            raise DataError("response_names is for a numpy matrix; a frame names its columns")
        as_arrow_table(responses, [])  # a supported kind of frame, or DataError
        matrix, found, rows = responses, tuple(column_names(responses)), n_rows_of(responses)
        if not found:
            raise DataError("the response frame has no columns")
    if rows != n_rows:
        raise DataError(f"the responses have {rows} rows and the data {n_rows}; they must match")
    if len(set(found)) != len(found):
        raise DataError("response names must be unique")
    return Responses(found, n_rows, matrix)


def n_rows_of(data: Any) -> int:
    """Rows of a pandas or polars frame or an Arrow table (``len`` of each)."""
    from pylme.conversion.frames import column_names

    column_names(data)  # a supported kind of frame, or DataError
    return len(data)
