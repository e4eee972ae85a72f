"""pandas, polars and pyarrow frames to one ``pyarrow.Table`` holding only the needed columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from pylme.errors import DataError


def scratch_pool() -> pa.MemoryPool:
    """The memory pool for conversion's own Arrow buffers: the system allocator (malloc).

    They live only until the columns are in R. Arrow's default pool (mimalloc or jemalloc)
    keeps freed memory for Arrow alone, so R, which allocates with malloc, could not reuse it
    while it fits: it would add to the fit's peak (about 10 MB for a 500,000-row string
    column). Passed explicitly to each call, so Arrow's process-wide default is untouched.
    """
    return pa.system_memory_pool()


def _kind(data: Any) -> str:
    module = type(data).__module__.split(".")[0]
    name = type(data).__name__
    if isinstance(data, pa.Table):
        return "arrow"
    if isinstance(data, pa.RecordBatch):
        return "arrow-batch"
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "polars" and name == "DataFrame":
        return "polars"
    if module == "polars" and name == "LazyFrame":
        raise DataError("data is a polars LazyFrame: call .collect() first and pass the DataFrame")
    raise DataError(
        "data must be a pandas DataFrame, a polars DataFrame or a pyarrow Table; got "
        f"{type(data).__module__}.{name}"
    )


def _column_names(data: Any, kind: str) -> list[str]:
    if kind == "pandas":
        odd = [c for c in data.columns if not isinstance(c, str)]
        if odd:
            raise DataError(
                f"column names must be strings, as in R; got {odd[:5]!r} "
                f"({', '.join(sorted({type(c).__name__ for c in odd}))}). Rename them, e.g. "
                "df.columns = df.columns.astype(str)"
            )
        return list(data.columns)
    return list(data.column_names if kind.startswith("arrow") else data.columns)


def column_names(data: Any) -> list[str]:
    """The names of ``data``'s columns, in its order (for R's ``.`` in a formula)."""
    return _column_names(data, _kind(data))


def _check_columns(available: list[str], wanted: Sequence[str]) -> None:
    counts = Counter(available)  # linear: lmer_many's data can have 100,000 columns
    dupes = sorted(c for c in set(wanted) if counts.get(c, 0) > 1)
    if dupes:
        raise DataError(f"column name(s) {dupes} appear more than once in the data")
    missing = [c for c in wanted if c not in counts]
    if missing:
        shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        which = ", ".join(repr(c) for c in missing)
        raise DataError(f"column {which} not found in the data. Available columns: {shown}")


def _pandas_column(series: Any, name: str) -> pa.ChunkedArray:
    try:
        arr = pa.array(series, from_pandas=True, memory_pool=scratch_pool())
    except (
        pa.ArrowInvalid,
        pa.ArrowTypeError,
        pa.ArrowNotImplementedError,
        TypeError,
        ValueError,
    ) as exc:
        raise DataError(
            f"column {name!r} (pandas dtype {series.dtype}) cannot be converted: {exc}. "
            "Give it one type (numbers, strings, booleans or a categorical)."
        ) from exc
    return pa.chunked_array([arr])


def as_arrow_table(data: Any, columns: Sequence[str] | None = None) -> pa.Table:
    """The columns of ``data`` (all, or those named) as a ``pyarrow.Table``.

    polars ``Categorical`` columns (whose category order is physical, not declared) are
    sent as strings, so R orders their levels as ``factor()`` would; polars ``Enum`` keeps
    its declared order.
    """
    kind = _kind(data)
    available = _column_names(data, kind)
    wanted = list(available if columns is None else columns)
    _check_columns(available, wanted)
    if kind == "arrow-batch":
        data = pa.Table.from_batches([data])
        kind = "arrow"
    if kind == "arrow":
        return data.select(wanted)
    if kind == "polars":
        import polars as pl

        sub = data.select(wanted)
        cats = [c for c, t in sub.schema.items() if isinstance(t, pl.Categorical)]
        if cats:
            sub = sub.with_columns([pl.col(c).cast(pl.String) for c in cats])
        try:
            return sub.to_arrow()
        except Exception as exc:
            raise DataError(f"polars frame could not be converted to Arrow: {exc}") from exc
    arrays = [_pandas_column(data[c], c) for c in wanted] if wanted else []
    return pa.table(arrays, names=wanted) if wanted else pa.table({})
