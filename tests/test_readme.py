"""The examples of README.md and of the guide pages run as written: every ```python block of a
page, in order, in one fresh Python (as a reader pasting them one after another), in an empty
directory (with the seed post's imm10.csv copied in, for the pages that read it). Pages
executed by the documentation build (``file_format: mystnb``: the quickstart,
the walkthrough, "Is my model OK?") run there instead (scripts/docs.sh)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rref
from conftest import IMM10
from test_examples import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
#: The README and every guide page with ```python blocks that the docs build does not execute
#: (test_every_guide_page_is_run keeps the list complete).
PAGES = (
    "README.md",
    "docs/guide/after_the_fit.md",
    "docs/guide/inference.md",
    "docs/guide/many_fits.md",
    "docs/guide/plots_notebooks_cli.md",
    "docs/guide/receipts.md",
    "docs/guide/safety.md",
    "docs/guide/prediction.md",
    "docs/guide/power.md",
    "docs/guide/cross_validation.md",
    "docs/guide/nlmer.md",
    "docs/guide/mass_univariate.md",
)


def python_blocks(markdown: str) -> list[str]:
    """The code of every ```python block (indented blocks, as in a list, dedented)."""
    return [textwrap.dedent(m.group(2)) for m in FENCE.finditer(markdown)]


def page_blocks(page: str) -> list[str]:
    return python_blocks((ROOT / page).read_text(encoding="utf-8"))


def script(blocks: list[str], name: str = "README.md") -> str:
    """One program running the blocks in order; a failing block is named by its number."""
    parts = ["import sys"]
    for i, code in enumerate(blocks, 1):
        parts.append(
            f"print('--- block {i}', flush=True)\n"
            f"exec(compile({code!r}, '{name} block {i}', 'exec'), globals())"
        )
    return "\n".join(parts) + "\nprint('--- all blocks ran')\n"


def test_blocks_are_found():
    assert page_blocks("README.md")[0].startswith("import pylme")
    assert sum(len(page_blocks(p)) for p in PAGES) >= 8
    assert any("FormulaError" in b for b in page_blocks("docs/guide/safety.md"))
    for page in PAGES:
        assert page_blocks(page), f"{page} has no python block"


def test_a_failing_block_fails_the_run(tmp_path):
    """The runner sees a wrong example: this block calls a name nobody defined, as the
    inference example did with load_r_dataset."""
    code = script(["x = 1", "load_r_dataset('cake')"])
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode != 0
    assert "NameError" in res.stderr and "README.md block 2" in res.stderr


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_run_as_written(page, tmp_path):
    text = (ROOT / page).read_text(encoding="utf-8")
    if "imm10.csv" in text:
        if not IMM10.exists():
            pytest.skip(f"{page} reads imm10.csv, not found at {IMM10}")
        shutil.copy(IMM10, tmp_path / "imm10.csv")
    env = {**subprocess_env(), "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "-c", script(page_blocks(page), page)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if not rref.r_has_package("performance") and re.search(r"\.(check|performance)\(", text):
        # Debian 13 has no r-cran-performance: the first block that needs it must stop with
        # the error that names it, and every block before it must have run.
        assert res.returncode != 0 and "--- all blocks ran" not in res.stdout
        assert "MissingRPackageError" in res.stderr and "'performance'" in res.stderr, res.stderr
        failed = int(re.findall(r"block (\d+)", res.stderr)[-1])
        assert re.search(r"\.(check|performance)\(", page_blocks(page)[failed - 1])
        return
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert "--- all blocks ran" in res.stdout


def test_every_guide_page_is_run():
    """A guide page with python blocks is run here, or executed by the docs build (mystnb)."""
    for page in sorted((ROOT / "docs" / "guide").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        name = str(page.relative_to(ROOT))
        if python_blocks(text) and "file_format: mystnb" not in text:
            assert name in PAGES, f"{name}'s python blocks are not run by any test"
