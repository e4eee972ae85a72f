"""What a worker sends back: fits with their R model in compact bytes, or light fits.

An lme4 model serializes to about 1.3 MB even for sleepstudy: its reference-class objects
carry copies of their class definitions. Workers leave those copies behind (see
``pylme_many_serialize`` in ``r_scripts/many.R``): about 65 KB and 0.4 ms per sleepstudy model,
for all of a task's fits in one R call, read straight from R's memory. In the parent a
:class:`CompactHandle` turns the bytes back into the live model on first use; pickling such a
fit again writes R's ordinary ``serialize()`` bytes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pylme.runtime.handles import ModelHandle, raw_bytes
from pylme.runtime.session import R_LOCK, get_session


class CompactHandle(ModelHandle):
    """A model handle restored from a worker's compact bytes."""

    __slots__ = ("_compact",)

    def __init__(self, compact: bytes) -> None:
        super().__init__(payload=compact)
        self._payload = None
        self._compact = compact

    @property
    def sexp(self) -> Any:
        if self._sexp is None:
            with R_LOCK:
                if self._sexp is None:
                    res = get_session().call(
                        "pylme_many_unserialize", {"payload": self._compact}, keep=("model",)
                    )
                    self._sexp = res.value["model"]
        return self._sexp

    def payload(self) -> bytes:
        """R's ordinary ``serialize()`` bytes (what a pickle of the fit stores)."""
        self.sexp  # noqa: B018  (restore first: the base class serializes the live model)
        return super().payload()


def compact_payloads(models: list[Any]) -> list[bytes]:
    """Compact bytes of live R models, in one R call."""
    import rpy2.rinterface as ri

    with R_LOCK:
        vec = ri.ListSexpVector(models)
        raw = get_session().call("pylme_many_serialize", {"models": vec}, keep=("raw",))
        out = [raw_bytes(r) for r in raw.value["raw"]]
        del vec, raw
    return out


@dataclasses.dataclass(frozen=True)
class Parcel:
    """A fit on its way back: the light fit and its model's compact bytes (a fit pickled
    whole would carry R's ordinary, 1.3 MB, bytes)."""

    fit: Any
    compact: bytes

    def open(self) -> Any:
        return dataclasses.replace(self.fit, _handle=CompactHandle(self.compact))


def for_travel(values: list[Any], keep_model: bool) -> list[Any]:
    """Worker side: ``values`` (fits among other things) ready to be pickled to the parent."""
    idx = [i for i, v in enumerate(values) if getattr(v, "_handle", None) is not None]
    if not keep_model:
        return [v.without_model() if i in set(idx) else v for i, v in enumerate(values)]
    if not idx:
        return values
    payloads = compact_payloads([values[i]._handle.sexp for i in idx])
    out = list(values)
    for i, payload in zip(idx, payloads):
        out[i] = Parcel(values[i].without_model(), payload)
    return out


def with_models(values: list[Any]) -> list[Any]:
    """Worker side: ``values`` ready for the trip back, fits keeping the R model they have."""
    return for_travel(values, True)


def arrived(value: Any) -> Any:
    """Parent side: a fit from a :class:`Parcel`, anything else as it is."""
    return value.open() if isinstance(value, Parcel) else value
