"""``fit.simulate()``: R's ``simulate(fit, nsim, seed, re.form)``.

The result has columns ``sim_1 … sim_n`` and one row per row used in the fit, indexed by
the row's position in the data that was fitted (0-based). For a ``cbind(successes,
failures)`` response each column holds the simulated successes (R's first column). With a
``seed`` the values are R's exactly (R's ``set.seed(seed)`` in the embedded session).

lme4 1.1-31's default is ``re.form = NA`` (new random effects are drawn for each
simulation), which lme4 treats exactly as ``~0``; pylme's default ``"~0"`` is the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.postfit.predict import check_re_form
from pylme.results.fit import MixedFit
from pylme.results.methods import implements
from pylme.runtime.session import get_session


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise OptionError(f"seed must be a whole number or None; got {seed!r}")
    if not -(2**31) < int(seed) < 2**31:
        raise OptionError(f"seed must fit R's integer range (|seed| < 2^31); got {seed!r}")
    return int(seed)


@implements("simulate")
def simulate(fit: MixedFit, nsim: int = 1, *, seed: int | None = None, re_form: Any = "~0") -> Any:
    import pandas as pd

    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise OptionError(f"nsim must be a whole number >= 1; got {nsim!r}")
    check_re_form(re_form)
    res = (
        get_session()
        .call(
            "pylme_simulate",
            {
                "model": fit.r_model(),
                "nsim": int(nsim),
                "seed": _check_seed(seed),
                "re_form": re_form,
            },
        )
        .value
    )
    index = pd.Index(np.asarray(res["rows"], dtype=np.int64) - 1, name="row")
    columns = {
        name: (np.asarray(col, dtype=np.float64) if isinstance(col, np.ndarray) else list(col))
        for name, col in zip(res["names"], res["columns"])
    }
    return pd.DataFrame(columns, index=index)
