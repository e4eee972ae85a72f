"""The ``pylme`` command: one click group; each subcommand lives in its own module.

Exit codes: 0 success, 1 a failed check, 2 bad input (a one-line message on stderr, no
traceback).
"""

from __future__ import annotations

import sys

import click

from pylme._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pylme")
def cli() -> None:
    """lme4's own mixed-model results, from the command line."""


def main() -> None:
    """Console-script entry point: click's usage errors also become one stderr line."""
    try:
        cli.main(prog_name="pylme", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        message = " ".join(exc.format_message().split())
        click.echo(f"pylme: error: {message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


from pylme.cli.datasets_cmd import datasets_command  # noqa: E402
from pylme.cli.demo import demo_command  # noqa: E402
from pylme.cli.doctor import doctor_command  # noqa: E402
from pylme.cli.fit import fit_command  # noqa: E402
from pylme.cli.verify import verify_command  # noqa: E402

cli.add_command(fit_command)
cli.add_command(doctor_command)
cli.add_command(datasets_command)
cli.add_command(demo_command)
cli.add_command(verify_command)

if __name__ == "__main__":
    main()
