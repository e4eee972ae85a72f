"""``fit.to_rds(path)`` and :func:`read_rds`: the ``merMod`` as R's ``saveRDS``/``readRDS``.

The saved model needs no Python: its formula environment holds the data pylme sent (so
``update()`` and ``anova()`` work in plain R), and plain R's ``readRDS()`` gives a working
model. :func:`read_rds` reads a model fitted and saved in plain R into a full pylme fit.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

from pylme.errors import DataError
from pylme.postfit.newfit import fit_from_result, now
from pylme.results.fit import GlmerFit, LmerFit, MixedFit
from pylme.results.meta import Provenance
from pylme.results.methods import implements
from pylme.results.nlmer_fit import NlmerFit
from pylme.runtime.handles import raw_bytes
from pylme.runtime.session import get_session


def _path(path: str | os.PathLike[str]) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"path must be a string or a path; got {type(path).__name__}")
    return str(Path(path).expanduser().resolve())


@implements("to_rds")
def to_rds(fit: MixedFit, path: str | os.PathLike[str]) -> None:
    model = fit.r_model()
    target = _path(path)
    if not Path(target).parent.is_dir():
        raise DataError(f"cannot write {target}: the folder does not exist")
    get_session().call("pylme_save_rds", {"model": model, "path": target})


def read_rds(path: str | os.PathLike[str]) -> LmerFit | GlmerFit | NlmerFit:
    """Read an lme4 model that R saved with ``saveRDS()``: a full :class:`LmerFit`,
    :class:`GlmerFit` or :class:`NlmerFit`, every field taken from the model with lme4's
    accessors, and the R model kept (``predict``, ``simulate``, ``update`` work on it, where
    lme4 has them: see :class:`NlmerFit`).

    ``provenance.data_sha256`` is the SHA-256 of R's ``serialize()`` of the model frame (the
    data did not pass through pylme's conversion), and ``provenance.options["source"]`` is
    the file read.
    """
    from pylme.models.pipeline import versions

    source = _path(path)
    if not Path(source).is_file():
        raise DataError(f"no such file: {source}")
    result = get_session().call(
        "pylme_read_rds", {"path": source}, keep=("model", "frame_serialized")
    )
    info: dict[str, Any] = result.value.pop("info")
    frame_bytes = raw_bytes(result.value.pop("frame_serialized"))
    glmm = info["family"] is not None
    options: dict[str, Any] = {"source": source}
    if glmm:
        options.update(family=info["family"][0], link=info["link"][0], nAGQ=int(info["nAGQ"][0]))
    elif info["function_name"][0] != "nlmer":  # an NlmerFit holds its nAGQ and start
        options["REML"] = bool(info["reml"][0])
    types = info["column_types"] or {}
    provenance = Provenance(
        formula=info["formula_text"][0],
        function=info["function_name"][0],
        options=options,
        data_sha256=hashlib.sha256(frame_bytes).hexdigest(),
        columns=tuple(info["columns"] or ()),
        n_rows=int(info["n_rows"][0]),
        fitted_at=now(),
        versions=versions(),
        fit_id=uuid.uuid4().hex,
        column_types={k: v[0] for k, v in types.items()} if isinstance(types, dict) else {},
        levels={k: tuple(v) for k, v in (info["levels"] or {}).items()},
    )
    fit = fit_from_result(result, provenance, warn=False)
    if not isinstance(fit, (LmerFit, GlmerFit, NlmerFit)):
        raise TypeError(f"read_rds made a {type(fit).__name__}")
    return fit
