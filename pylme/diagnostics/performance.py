"""``fit.performance()``: R², ICC and the information criteria from the R package performance."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pylme.results.fit import MixedFit
from pylme.results.methods import implements

PACKAGES = ("performance",)


@dataclass(frozen=True, slots=True)
class Performance:
    """performance's indices of one fit (NaN where performance gives NA, e.g. a singular fit).

    r2_marginal, r2_conditional : float
        ``r2_nakagawa(fit)$R2_marginal`` and ``$R2_conditional``.
    icc_adjusted, icc_unadjusted : float
        ``icc(fit)$ICC_adjusted`` and ``$ICC_unadjusted``.
    aic, aicc, bic, rmse, sigma : float
        ``model_performance(fit)``'s ``AIC``, ``AICc``, ``BIC``, ``RMSE`` and ``Sigma``.
    """

    r2_marginal: float
    r2_conditional: float
    icc_adjusted: float
    icc_unadjusted: float
    aic: float
    aicc: float
    bic: float
    rmse: float
    sigma: float

    def to_frame(self) -> Any:
        """One row; the columns are the field names."""
        import pandas as pd

        return pd.DataFrame([dataclasses.asdict(self)])

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


@implements("performance")
def performance(fit: MixedFit) -> Performance:
    from pylme.diagnostics._rcall import call_r, check_fit, number

    check_fit(fit, "fit.performance()")
    out = call_r(
        "pylme_performance",
        {"model": fit.r_model()},
        packages=PACKAGES,
        purpose="fit.performance()",
    )
    return Performance(**{f.name: number(out[f.name]) for f in dataclasses.fields(Performance)})
