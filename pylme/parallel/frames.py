"""Frames shared by many tasks travel once per worker.

loky: the parent writes each distinct frame once as an Arrow IPC file, tasks carry a
:class:`FrameRef`, and each worker memory-maps the file on first use and keeps the table.
Dask: the parent ``client.scatter``\\ s the Arrow table and tasks take the future.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

_CACHE: dict[str, Any] = {}
_CACHE_LIMIT = 8


@dataclass(frozen=True)
class FrameRef:
    """An Arrow IPC file written by the parent, read once per worker."""

    key: str
    path: str


def to_arrow(data: Any) -> Any:
    """A pandas/polars frame or Arrow table as an Arrow table (what workers receive)."""
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if hasattr(data, "to_arrow") and not hasattr(data, "iloc"):  # polars
        return data.to_arrow()
    return pa.Table.from_pandas(data, preserve_index=False)


def write_frame(data: Any, directory: str) -> FrameRef:
    import pyarrow as pa

    key = uuid.uuid4().hex
    path = os.path.join(directory, f"{key}.arrow")
    table = to_arrow(data)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return FrameRef(key, path)


def realigned(table: Any) -> Any:
    """A copy of an Arrow table in freshly allocated memory, kept per worker.

    Tables that come out of Dask's deserialization can sit in unaligned memory, which the
    conversion to R rejects ("Incompatible C type sizes"); one IPC round trip per worker puts
    them in aligned buffers.
    """
    key = f"id:{id(table)}"
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is table:
        return hit[1]
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    copy = pa.ipc.open_stream(sink.getvalue()).read_all()
    _remember(key, (table, copy))
    return copy


def _remember(key: str, value: Any) -> None:
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = value


def resolve(frame: Any, copy: bool = False) -> Any:
    """The frame a task works on (in a worker): a FrameRef is read once and kept."""
    if not isinstance(frame, FrameRef):
        return realigned(frame) if copy and frame is not None else frame
    table = _CACHE.get(frame.key)
    if table is None:
        import pyarrow as pa

        with pa.memory_map(frame.path, "r") as source:
            table = pa.ipc.open_file(source).read_all()
        _remember(frame.key, table)
    return table


def share(datas: list[Any], directory: str | None, client: Any) -> list[Any]:
    """One shipped handle per task: identical frame objects are shipped once."""
    shipped: dict[int, Any] = {}
    out: list[Any] = []
    for data in datas:
        if data is None:
            out.append(None)
            continue
        handle = shipped.get(id(data))
        if handle is None:
            if client is not None:
                handle = client.scatter(to_arrow(data), broadcast=False, hash=False)
            elif directory is not None:
                handle = write_frame(data, directory)
            else:
                handle = data
            shipped[id(data)] = handle
        out.append(handle)
    return out
