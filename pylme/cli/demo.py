"""``pylme demo``: run the walkthrough example (``examples/walkthrough.py``)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from pylme.cli._common import BadInput


def walkthrough_path() -> Path:
    """The walkthrough script: shipped inside the package, or at the repository root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "examples", here.parent / "examples"):
        if (candidate / "walkthrough.py").is_file():
            return candidate / "walkthrough.py"
    raise BadInput(f"the walkthrough example (examples/walkthrough.py) is missing near {here}")


@click.command("demo")
@click.option("--data", type=click.Path(dir_okay=False), help="imm10.csv (the post's data).")
def demo_command(data: str | None) -> None:
    """Run the walkthrough: the seed post's five models (imm10 with --data, else Hsb82)."""
    script = walkthrough_path()
    argv = [str(script)] + (["--data", data] if data else [])
    saved = sys.argv
    sys.argv = argv
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = saved
