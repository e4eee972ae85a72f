"""A fit's R model inside a pickle, streamed in pieces.

``pickle.dumps`` holds its whole output in memory, so anything else alive while it runs adds
to the peak. The serialized model therefore never exists as one object in this process:

- R's ``serialize()`` writes the model through a file connection to a temporary file, a few
  kB at a time (``serialize(model, NULL)`` would hold it twice in R: its growing buffer and
  the raw vector it copies that into); the file is unlinked as soon as it is opened;
- the pickler reads it back one piece (:data:`PIECE` bytes) at a time. A piece travels as a
  Python int (pickle's ``LONG4``: the piece's own bytes, little-endian) because the pickler
  keeps every bytes, str and tuple object it wrote alive until ``dumps`` returns (its memo),
  but not ints: each piece is freed once written. Protocols 0 and 1 write ints as decimal
  text, so there the pieces go as bytes (correct, and as heavy as before).

Unpickling keeps the pieces as a list of bytes, never joined; the first use writes them to a
temporary file that R's ``unserialize()`` reads through a connection, then drops them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pylme.errors import PylmeError

#: Bytes per piece: large enough that the per-piece cost vanishes (1,000 pieces take
#: milliseconds), small next to a model (a piece is alive three times while it is written).
PIECE = 2**20


def temp_path(kind: str) -> Path:
    """A new, empty temporary file's path (in ``tempfile.gettempdir()``)."""
    fd, name = tempfile.mkstemp(prefix=f"pylme-{kind}-", suffix=".rds")
    os.close(fd)
    return Path(name)


class Pieces:
    """R's ``serialize()`` bytes of a model, readable piece by piece: from a file written by R
    (open and already unlinked), or from pieces in memory."""

    __slots__ = ("_file", "_memory", "total")

    def __init__(self, *, path: Path | None = None, memory: Sequence[bytes] = ()) -> None:
        self._memory = list(memory)
        self._file = None
        if path is not None:
            self._file = open(path, "rb")  # noqa: SIM115 (closed by close(), after the pieces)
            path.unlink()
            self.total = os.fstat(self._file.fileno()).st_size
        else:
            self.total = sum(len(p) for p in self._memory)

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self._file is None:
                yield from self._memory
            else:
                while piece := self._file.read(PIECE):
                    yield piece
        finally:
            self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class SerializedModel:
    """What a pickle of a fit holds for its R model (see the module's docstring)."""

    __slots__ = ("_source",)

    def __init__(self, source: Any) -> None:
        #: Called at pickling time: returns the model's :class:`Pieces`.
        self._source = source

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        pieces: Pieces = self._source()
        if int(protocol) < 2:
            return (Received, (pieces.total,), None, iter(pieces))
        return (Received, (pieces.total,), None, (_Piece(self, p) for p in pieces))


class _Piece:
    """One piece on its way into the pickle: appended to the receiving object as an int."""

    __slots__ = ("_data", "_owner")

    def __init__(self, owner: SerializedModel, data: bytes) -> None:
        self._owner = owner
        self._data = data

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        number = int.from_bytes(self._data, "little")
        self._data = b""
        return (_receiver, (self._owner,), None, iter((number,)))


def _receiver(received: Received) -> Received:
    """Unpickling: the object a piece is appended to (the model's :class:`Received`)."""
    return received


class Received:
    """A model's serialized bytes as unpickled: pieces of bytes, never joined."""

    __slots__ = ("pieces", "total")

    def __init__(self, total: int) -> None:
        self.total = int(total)
        self.pieces: list[bytes] = []

    def append(self, item: Any) -> None:
        if item is self:  # the outer list of pieces, each of which unpickles to this object
            return
        if isinstance(item, int):
            done = sum(len(p) for p in self.pieces)
            item = item.to_bytes(min(PIECE, self.total - done), "little")
        self.pieces.append(bytes(item))

    def complete(self) -> list[bytes]:
        """The pieces, checked against the length the pickle announced."""
        got = sum(len(p) for p in self.pieces)
        if got != self.total:
            raise PylmeError(
                f"the pickled R model is incomplete: {got:,} of {self.total:,} bytes arrived"
            )
        return self.pieces
