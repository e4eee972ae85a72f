"""``pylme verify receipt.json data.{csv,parquet,feather}``.

Exit codes: 0 every number matches (and the data's fingerprint), 1 something differs,
2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import sys

import click

from pylme.errors import PylmeError


@click.command("verify")
@click.argument("receipt", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(dir_okay=False))
@click.option(
    "--rtol",
    type=float,
    default=1e-8,
    show_default=True,
    help="Relative tolerance (lme4 varies ~1e-10 run to run).",
)
def verify_command(receipt: str, data: str, rtol: float) -> None:
    """Refit RECEIPT's model on DATA (.csv, .parquet or .feather) and compare every number."""
    from pylme.receipts.verify import verify

    try:
        report = verify(receipt, data, rtol=rtol)
    except PylmeError as exc:
        message = " ".join(str(exc).split())
        click.echo(f"pylme verify: {type(exc).__name__}: {message}", err=True)
        sys.exit(2)
    click.echo(str(report))
    sys.exit(0 if report.ok else 1)
