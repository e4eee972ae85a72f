"""The numbers of ``lmer_many(..., keep="numbers")``: one row per response.

One table is the source of every view: :meth:`LmerMany.to_arrow` gives the row layout that
``lmer_many(..., out=...)`` writes to Parquet, and :meth:`LmerMany.to_frame` the same as pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from pylme.results._arrays import frozen_array

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: The per-term columns, in this order, then the VarCorr rows' columns.
TERM_FIELDS = ("estimate", "std_error", "statistic", "df", "p_value")
VC_FIELDS = ("vcov", "sdcor")
SCALARS = ("sigma", "loglik", "aic", "bic", "deviance")


def term_column(what: str, term: str) -> str:
    """The table column of one term's number: ``estimate[Days]``."""
    return f"{what}[{term}]"


def vc_label(grp: str, var1: str | None, var2: str | None) -> str:
    """A VarCorr row as one label: ``Subject|(Intercept)``, ``Subject|(Intercept)|Days``,
    ``Residual``."""
    return "|".join(x for x in (grp, var1, var2) if x is not None)


@dataclass(frozen=True, slots=True)
class LmerMany:
    """The numbers of many lmer fits of one design, one row per response.

    Each row equals what the separate ``pylme.lmer(f"{y} {rhs}", ...)`` fit reports, to
    lme4's run-to-run noise (1e-8).

    responses : tuple of str
        Shape (n,): the response names.
    terms : tuple of str
        Shape (p,): every column of the fixed-effects model matrix.
    estimate, std_error, statistic : np.ndarray
        Shape (n, p): ``fixef``, its standard errors and t values. NaN for a term lme4
        dropped for rank deficiency (as ``fixef(fit, add.dropped = TRUE)``), and on failed
        rows.
    df, p_value : np.ndarray or None
        Shape (n, p): lmerTest's denominator df and p-values when ``ddf`` was given.
    vc_grp, vc_var1, vc_var2 : tuple
        Shape (k,): the rows of ``as.data.frame(VarCorr(fit))`` (R's NA as None).
    vcov, sdcor : np.ndarray
        Shape (n, k): those rows' variances/covariances and SDs/correlations.
    sigma, loglik, aic, bic, deviance : np.ndarray
        Shape (n,): as the fit's fields of the same names.
    nobs, code : np.ndarray
        Shape (n,), int: observations used, the optimizer's return code; -1 on failed rows.
    converged, singular : np.ndarray
        Shape (n,), bool: the fit's ``convergence.converged`` and ``convergence.singular``.
    warnings, messages : tuple of tuple of str
        Shape (n,): R's warnings and messages of each fit, word for word.
    error, error_type : tuple of (str or None)
        Shape (n,): for a response that could not be fitted, R's error message and the
        pylme error class ``pylme.lmer`` raises for it ("DataError", "RError", ...); else None.
    ddf : str or None
        The ddf method of ``df`` and ``p_value``.
    """

    responses: tuple[str, ...]
    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    df: np.ndarray | None
    p_value: np.ndarray | None
    vc_grp: tuple[str, ...]
    vc_var1: tuple[str | None, ...]
    vc_var2: tuple[str | None, ...]
    vcov: np.ndarray
    sdcor: np.ndarray
    sigma: np.ndarray
    loglik: np.ndarray
    aic: np.ndarray
    bic: np.ndarray
    deviance: np.ndarray
    nobs: np.ndarray
    code: np.ndarray
    converged: np.ndarray
    singular: np.ndarray
    warnings: tuple[tuple[str, ...], ...]
    messages: tuple[tuple[str, ...], ...]
    error: tuple[str | None, ...]
    error_type: tuple[str | None, ...]
    ddf: str | None = None

    def __len__(self) -> int:
        return len(self.responses)

    @property
    def vc_labels(self) -> tuple[str, ...]:
        return tuple(vc_label(*r) for r in zip(self.vc_grp, self.vc_var1, self.vc_var2))

    def to_arrow(self) -> pa.Table:
        """One row per response: ``response``, ``estimate[term]`` ... ``p_value[term]``,
        ``vcov[label]``, ``sdcor[label]``, the scalars, ``nobs``, ``code``, ``converged``,
        ``singular``, ``warnings``, ``messages`` (lists of strings), ``error``,
        ``error_type``."""
        import pyarrow as pa

        cols: dict[str, Any] = {"response": pa.array(self.responses, pa.string())}
        for what in TERM_FIELDS:
            m = getattr(self, what)
            if m is not None:
                for j, term in enumerate(self.terms):
                    cols[term_column(what, term)] = pa.array(m[:, j], pa.float64())
        for what in VC_FIELDS:
            m = getattr(self, what)
            for j, label in enumerate(self.vc_labels):
                cols[term_column(what, label)] = pa.array(m[:, j], pa.float64())
        for what in SCALARS:
            cols[what] = pa.array(getattr(self, what), pa.float64())
        failed = np.array([e is not None for e in self.error], bool)
        for what in ("nobs", "code"):
            cols[what] = pa.array(getattr(self, what), pa.int32(), mask=failed)
        for what in ("converged", "singular"):
            cols[what] = pa.array(getattr(self, what), pa.bool_(), mask=failed)
        for what in ("warnings", "messages"):
            cols[what] = pa.array([list(x) for x in getattr(self, what)], pa.list_(pa.string()))
        cols["error"] = pa.array(self.error, pa.string())
        cols["error_type"] = pa.array(self.error_type, pa.string())
        return pa.table(cols)

    def to_frame(self) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas frame (``nobs``, ``code``, ``converged`` and
        ``singular`` as pandas' nullable types: missing on failed rows)."""
        import pandas as pd
        import pyarrow as pa

        nullable = {pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
        return self.to_arrow().to_pandas(types_mapper=nullable.get)


def concat(parts: Sequence[LmerMany]) -> LmerMany:
    """Parts of one design (same terms and VarCorr rows) as one result, rows in order."""
    first = parts[0]
    if len(parts) == 1:
        return first
    values: dict[str, Any] = {}
    for f in fields(LmerMany):
        got = [getattr(p, f.name) for p in parts]
        if f.name in ("terms", "vc_grp", "vc_var1", "vc_var2", "ddf"):
            values[f.name] = got[0]
        elif isinstance(got[0], np.ndarray):
            values[f.name] = frozen_array(np.concatenate(got), got[0].dtype)
        elif got[0] is None:
            values[f.name] = None
        else:
            values[f.name] = tuple(x for g in got for x in g)
    return LmerMany(**values)
