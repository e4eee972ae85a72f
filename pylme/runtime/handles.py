"""The R model behind a fit, held by the fit itself.

A :class:`ModelHandle` holds the live R object, or R's ``serialize()`` bytes of it after the
fit was unpickled: the bytes become a live model again on first use (R starts then, not at
unpickling), and are dropped then. A live model is serialized anew each time it is pickled,
streamed (see :mod:`pylme.runtime.pickled`), and nothing of it is kept afterwards. Dropping
the fit drops the handle, which lets go of the R object under the R lock.
"""

from __future__ import annotations

from typing import Any

from pylme.errors import ModelMissingError
from pylme.runtime import rpy2_compat
from pylme.runtime.pickled import Pieces, Received, SerializedModel, temp_path
from pylme.runtime.session import R_LOCK, get_session


class ModelHandle:
    """Owns one R model: live (``sexp``) or serialized (``payload``), or both."""

    __slots__ = ("_payload", "_sexp")

    def __init__(self, sexp: Any = None, payload: bytes | list[bytes] | None = None) -> None:
        if sexp is None and payload is None:
            raise ValueError("a ModelHandle needs an R object or its serialized bytes")
        self._sexp = sexp
        #: The serialized model in pieces (never joined), until it is restored.
        self._payload = [payload] if isinstance(payload, bytes) else payload

    @staticmethod
    def required(handle: ModelHandle | None) -> ModelHandle:
        if handle is None:
            raise ModelMissingError(
                "this fit carries no R model (it was made by without_model(), or read from a "
                "light pickle); fit the model again, or keep the model when pickling"
            )
        return handle

    @property
    def is_live(self) -> bool:
        return self._sexp is not None

    @property
    def sexp(self) -> Any:
        """The live R model, restored from its serialized bytes on first use (R reads them
        through a file connection; the bytes are dropped once the model is live)."""
        if self._sexp is None:
            with R_LOCK:
                if self._sexp is None:
                    path = temp_path("restore")
                    try:
                        with open(path, "wb") as out:
                            out.writelines(self._payload or ())
                        raw = get_session().call(
                            "pylme_unserialize_file", {"path": str(path)}, keep=("model",)
                        )
                    finally:
                        path.unlink(missing_ok=True)
                    self._sexp = raw.value["model"]
                    self._payload = None
        return self._sexp

    def pieces(self) -> Pieces:
        """R's ``serialize(model)`` bytes, to read piece by piece: the pieces still held, or
        the live model written by R through a file connection (nothing is kept)."""
        if self._sexp is None and self._payload is not None:
            return Pieces(memory=self._payload)
        path = temp_path("model")
        try:
            get_session().call("pylme_serialize_file", {"model": self.sexp, "path": str(path)})
            return Pieces(path=path)
        finally:
            path.unlink(missing_ok=True)

    def payload(self) -> bytes:
        """R's ``serialize(model, NULL)``, as one bytes object (made anew on each call)."""
        return b"".join(self.pieces())

    def __del__(self) -> None:
        if self._sexp is not None:
            with R_LOCK:
                self._sexp = None


def raw_bytes(raw: Any) -> bytes:
    """An R raw vector's bytes in one copy. (``bytes(vector)`` goes through rpy2's per-item
    iteration: 2.9 s for the 1.3 MB of a sleepstudy model, against 1 ms here.)"""
    with R_LOCK:
        return rpy2_compat.raw_bytes(raw)


def state_of_handle(handle: ModelHandle | None) -> SerializedModel | None:
    """What a pickle stores for a handle: the serialized model, streamed, or None."""
    return None if handle is None else SerializedModel(handle.pieces)


def restore_handle(state: Any) -> ModelHandle | None:
    """The handle from a pickle's state (no R started). Pickles made before the model was
    streamed hold it as one bytes object."""
    if state is None:
        return None
    if isinstance(state, ModelHandle):
        return state
    if isinstance(state, Received):
        return ModelHandle(payload=state.complete())
    return ModelHandle(payload=bytes(state))
