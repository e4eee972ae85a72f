"""``pylme datasets [NAME --out FILE]``: list lme4's and mlmRev's data sets, or write one."""

from __future__ import annotations

import warnings
from typing import Any

import click

from pylme.cli._common import BadInput, file_format, reported, write_data
from pylme.errors import PylmeWarning


def _warn_csv_factors(frame: Any, out: str) -> None:
    """A CSV keeps no factor types: say which columns lose theirs, and what keeps them."""
    import pandas as pd

    factors = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if factors:
        cols = " ".join(f"--factor {c}" for c in factors)
        warnings.warn(
            f"{out}: CSV loses factor types: {', '.join(factors)} will be read back as plain "
            f"numbers or strings (a factor coded 1, 2, 3 becomes one slope). Write .parquet "
            f"(or .feather) to keep them, or fit the CSV with `pylme fit ... {cols}`",
            PylmeWarning,
            stacklevel=2,
        )


@click.command("datasets")
@click.argument("name", required=False)
@click.option("--package", default=None, help="R package of NAME (default: lme4, then mlmRev).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write NAME here (.csv, ...).")
@reported
def datasets_command(name: str | None, package: str | None, out: str | None) -> None:
    """List the data sets (no NAME), or write data set NAME to --out FILE."""
    from pylme.datasets import list_datasets, load

    if name is None:
        if out is not None:
            raise BadInput("--out needs a data set NAME")
        listing = list_datasets()
        for row in listing.itertuples(index=False):
            click.echo(f"{row.package:<8} {row.name:<16} {row.title}")
        return
    if out is None:
        raise BadInput("give --out FILE (.csv, .parquet or .feather) to write the data set")
    file_format(out)
    if package is None:
        listing = list_datasets()
        match = listing[listing["name"] == name]
        if match.empty:
            raise BadInput(f"no data set {name!r} in lme4 or mlmRev (see `pylme datasets`)")
        package = str(match["package"].iloc[0])
    frame = load(name, package=package)
    if file_format(out) == "csv":
        _warn_csv_factors(frame, out)
    write_data(frame, out)
    click.echo(f"wrote {package}::{name} ({len(frame)} rows, {frame.shape[1]} columns) to {out}")
