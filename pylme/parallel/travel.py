"""What a worker sends back: fits with their R model as ``serialize()`` bytes, or light fits.

An lme4 model serializes to about 1.3 MB even for sleepstudy (its reference-class objects carry
their class definitions). The bytes are made for all of a task's fits in one R call and read
straight from R's memory, so that the trip back costs milliseconds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pylme.runtime.handles import ModelHandle


def _raw_bytes(vec: Any) -> bytes:
    from rpy2.rinterface_lib import openrlib

    ptr = openrlib.rlib.RAW(vec.__sexp__._cdata)
    return bytes(openrlib.ffi.buffer(ptr, len(vec)))


def for_travel(values: list[Any], keep_model: bool) -> list[Any]:
    """``values`` (fits among other things) ready to be pickled back to the parent."""
    idx = [i for i, v in enumerate(values) if getattr(v, "_handle", None) is not None]
    if not keep_model:
        return [v.without_model() if i in set(idx) else v for i, v in enumerate(values)]
    if not idx:
        return values
    import rpy2.rinterface as ri

    from pylme.runtime.session import R_LOCK, get_session

    with R_LOCK:
        models = ri.ListSexpVector([values[i]._handle.sexp for i in idx])
        raw = get_session().call("pylme_many_serialize", {"models": models}, keep=("raw",))
        payloads = [_raw_bytes(r) for r in raw.value["raw"]]
        del models, raw
    out = list(values)
    for i, payload in zip(idx, payloads):
        out[i] = dataclasses.replace(values[i], _handle=ModelHandle(payload=payload))
    return out
