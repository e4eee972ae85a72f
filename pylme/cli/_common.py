"""What the subcommands share: reading a data file, and turning errors into exit codes."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pylme.errors import DataError, FormulaError, OptionError, PylmeError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes: a failed check, and bad input.
FAILED, BAD_INPUT = 1, 2

#: File suffix -> format, for DATA and --out.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".feather": "feather"}


class BadInput(click.ClickException):
    """Bad input on the command line: exit code 2, one line on stderr."""

    exit_code = BAD_INPUT


class Failed(click.ClickException):
    """A failed check or a failure inside R: exit code 1, one line on stderr."""

    exit_code = FAILED


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise BadInput(
            f"{path}: unknown file type {suffix or '(none)'!r}; use .csv, .parquet or .feather"
        )
    return FORMATS[suffix]


def read_data(path: str) -> Any:
    """A CSV, Parquet or Feather file as a pandas DataFrame (by the file's suffix)."""
    import pandas as pd

    kind = file_format(path)
    if not Path(path).is_file():
        raise BadInput(f"{path}: no such file")
    try:
        if kind == "csv":
            return pd.read_csv(path)
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_feather(path)
    except Exception as exc:  # pandas/pyarrow parse errors: the message is the useful part
        raise BadInput(f"{path}: cannot read it as {kind}: {one_line(str(exc))}") from exc


def write_data(frame: Any, path: str) -> None:
    kind = file_format(path)
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.reset_index(drop=True).to_feather(path)


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def reported(function: F) -> F:
    """Run a subcommand: pylme's errors become one stderr line and an exit code (2 for bad
    input, 1 otherwise), and pylme's warnings are echoed as one line each."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = function(*args, **kwargs)
            except (FormulaError, DataError, OptionError) as exc:
                raise BadInput(one_line(str(exc))) from exc
            except PylmeError as exc:
                raise Failed(one_line(str(exc))) from exc
            finally:
                for w in caught:
                    click.echo(f"warning: {one_line(str(w.message))}", err=True)
        return result

    return run  # type: ignore[return-value]
