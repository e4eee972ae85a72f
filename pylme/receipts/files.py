"""Data files for verification: CSV, Parquet and Feather, read with pyarrow.

CSV columns the receipt records as factors are read as text (so "007" stays "007"), and
numbers are parsed exactly (pyarrow reads the shortest round-trip text that pandas, polars
and pyarrow write back to the same double).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pylme.errors import DataError

SUFFIXES = (".csv", ".parquet", ".pq", ".feather", ".arrow", ".ipc")


def read_data(path: str | Path, factor_columns: list[str] | None = None) -> Any:
    """A ``pyarrow.Table`` from a .csv, .parquet or .feather file."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"cannot read {str(p)!r}: the data file must end in one of {', '.join(SUFFIXES)}"
        )
    if not p.is_file():
        raise DataError(f"data file {str(p)!r} not found")
    import pyarrow as pa

    try:
        if suffix == ".csv":
            from pyarrow import csv

            types = {c: pa.string() for c in factor_columns or ()}
            opts = csv.ConvertOptions(column_types=types, strings_can_be_null=True)
            return csv.read_csv(p, convert_options=opts)
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.read_table(p)
        import pyarrow.feather as feather

        return feather.read_table(p)
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataError(f"cannot read {str(p)!r}: {exc}") from exc
