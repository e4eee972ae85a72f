"""The ``pylme`` command: one click group; each subcommand lives in its own module.

Exit codes: 0 success, 1 a failed check, 2 bad input (a one-line message on stderr, no
traceback).
"""

from __future__ import annotations

import click

from pylme._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pylme")
def cli() -> None:
    """lme4's own mixed-model results, from the command line."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="pylme")


from pylme.cli.verify import verify_command  # noqa: E402

cli.add_command(verify_command)

if __name__ == "__main__":
    main()
