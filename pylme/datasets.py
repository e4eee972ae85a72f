"""Data sets that R packages ship (lme4's sleepstudy, mlmRev's Exam, ...), as pandas frames.

``load(name, package)`` gives one as a pandas DataFrame; ``list()`` lists lme4's and mlmRev's
(the module's ``list`` is served by ``__getattr__``, so the builtin is never shadowed here).
Columns come out of R through the buffer path: numeric vectors are copied from R's memory in
one piece, factors as their integer codes plus levels, in R's level order.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

#: The R packages whose data sets ``list()`` covers.
PACKAGES = ("lme4", "mlmRev")


def _column(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, dict):  # a factor: 1-based codes (NA as NaN) and levels
        codes = np.asarray(value["codes"], dtype=float)
        codes = np.where(np.isnan(codes), 0, codes).astype(np.int64) - 1
        return pd.Categorical.from_codes(
            codes, categories=pd.Index(value["levels"]), ordered=bool(value["ordered"][0])
        )
    if isinstance(value, tuple):  # character
        return pd.array(value, dtype=object)
    return value


def _session() -> Any:
    """The R session (``r_scripts/datasets.R`` is among the files it sources)."""
    from pylme.runtime.session import get_session

    return get_session()


def _check_name(name: Any, package: Any) -> None:
    """:class:`DataError` naming the data set, with the nearest names (``difflib``), when
    ``package`` has no data set ``name``."""
    from pylme.errors import DataError

    if not isinstance(name, str) or not isinstance(package, str):
        raise DataError(f"name and package must be strings; got {name!r} and {package!r}")
    where = (package, *(p for p in PACKAGES if p != package))
    listing = _session().call("pylme_dataset_list", {"packages": [*where]}).value
    names = list(listing["name"] or ())
    packages = list(listing["package"] or ())
    if (package, name) in zip(packages, names):
        return
    if package not in packages and package not in PACKAGES:
        raise DataError(
            f"cannot load data set {name!r}: the R package {package!r} is not installed "
            "(or has no data sets)"
        )
    by_lower = {f"{n.lower()}\0{p}": (p, n) for p, n in zip(packages, names)}
    lowered = [k.split("\0")[0] for k in by_lower]
    close = difflib.get_close_matches(name.lower(), lowered, n=5, cutoff=0.6)
    hits = [by_lower[k] for k in by_lower if k.split("\0")[0] in close]
    hits.sort(key=lambda pn: close.index(pn[1].lower()))
    shown = [n if p == package else f"{n} (package={p!r})" for p, n in hits]
    hint = f"; did you mean {', '.join(shown)}?" if shown else " (see pylme.datasets.list())"
    raise DataError(f"no data set {name!r} in the R package {package!r}{hint}")


def load(name: str, package: str = "lme4") -> Any:
    """``data(name, package = package)`` as a pandas DataFrame.

    Factors become categoricals with R's levels in R's order (ordered factors stay ordered).
    Columns R cannot hand over as plain vectors (matrices, dates) are left out. An unknown
    package or data set raises :class:`~pylme.errors.DataError`.
    """
    import pandas as pd

    _check_name(name, package)
    res = _session().call("pylme_dataset", {"name": name, "package": package}).value
    return pd.DataFrame({n: _column(res["columns"][n]) for n in res["names"]})


def list_datasets(packages: tuple[str, ...] = PACKAGES) -> Any:
    """The data sets of lme4 and mlmRev: a DataFrame with columns package, name, title."""
    import pandas as pd

    res = _session().call("pylme_dataset_list", {"packages": [*packages]}).value
    return pd.DataFrame(
        {
            "package": pd.array(res["package"] or (), dtype=object),
            "name": pd.array(res["name"] or (), dtype=object),
            "title": pd.array(res["title"] or (), dtype=object),
        }
    )


#: The name the first README example used; kept as an alias of :func:`load`.
load_r_dataset = load


def __getattr__(name: str) -> Any:
    if name == "list":
        return list_datasets
    raise AttributeError(f"module 'pylme.datasets' has no attribute {name!r}")


__all__ = ["PACKAGES", "list", "list_datasets", "load", "load_r_dataset"]
