"""Data sets that R packages ship (lme4's sleepstudy, mlmRev's Exam, ...), as pandas frames."""

from __future__ import annotations

from typing import Any

import numpy as np


def _column(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, dict):
        codes = np.nan_to_num(np.asarray(value["codes"], dtype=float), nan=0).astype(np.int64) - 1
        categories = pd.Index(list(value["levels"]))
        return pd.Categorical.from_codes(
            codes, categories=categories, ordered=bool(value["ordered"][0])
        )
    if isinstance(value, tuple):
        return pd.array(list(value), dtype=object)
    if value.dtype == bool:
        return value
    return value


def load_r_dataset(name: str, package: str = "lme4") -> Any:
    """``data(name, package = package)`` as a pandas DataFrame (factors become categoricals).

    Columns R cannot hand over as plain vectors (matrices, dates) are left out.
    """
    import pandas as pd

    from pylme.runtime.session import get_session

    res = get_session().call("pylme_dataset", {"name": name, "package": package}).value
    return pd.DataFrame({n: _column(res["columns"][n]) for n in res["names"]})
