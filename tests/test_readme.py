"""README.md's examples run as written: every ```python block, in order, in one fresh Python
(as a reader pasting them one after another), in a directory holding only imm10.csv."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import IMM10
from test_examples import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)


def python_blocks(markdown: str) -> list[str]:
    """The code of every ```python block (indented blocks, as in a list, dedented)."""
    return [textwrap.dedent(m.group(2)) for m in FENCE.finditer(markdown)]


def script(blocks: list[str]) -> str:
    """One program running the blocks in order; a failing block is named by its number."""
    parts = ["import sys"]
    for i, code in enumerate(blocks, 1):
        parts.append(
            f"print('--- block {i}', flush=True)\n"
            f"exec(compile({code!r}, 'README.md block {i}', 'exec'), globals())"
        )
    return "\n".join(parts) + "\nprint('--- all blocks ran')\n"


def test_blocks_are_found():
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    assert blocks[0].startswith("import pylme")
    assert any("FormulaError" in b for b in blocks)  # the indented one, in a list


def test_a_failing_block_fails_the_run(tmp_path):
    """The runner sees a wrong example: this block calls a name nobody defined, as the
    inference example did with load_r_dataset."""
    code = script(["x = 1", "load_r_dataset('cake')"])
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode != 0
    assert "NameError" in res.stderr and "README.md block 2" in res.stderr


def test_readme_python_blocks_run_as_written(tmp_path):
    """In a directory holding only the seed post's data file, as the "Is my model OK?"
    example expects (``pd.read_csv("imm10.csv")``)."""
    shutil.copy(IMM10, tmp_path / "imm10.csv")
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    env = {**subprocess_env(), "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "-c", script(blocks)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert "--- all blocks ran" in res.stdout
