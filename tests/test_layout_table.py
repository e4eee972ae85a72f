"""docs/development.md's "Where things are" table names every file of the project's layout.

Every file under ``pylme/``, ``r_scripts/``, ``scripts/``, ``tests/benchmarks/`` and
``examples/`` is named by its basename in the row of its directory (the row whose path is the
nearest directory above it), or has a row of its own (``pylme/errors.py``). ``__init__.py``
files are described by their package's row; a backticked pattern in a row
(``reference*.R``) covers the files it matches. The docs pages are not listed one by one.

The ``r_scripts/`` row's list of the files sourced into every R session is
``pylme.runtime.session.R_FILES``, in the same order. Importing it does not start R.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from pylme.runtime.session import R_FILES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "development.md"
HEADING = "## Where things are"
#: The parts of the tree the table must name file by file.
LISTED = ("pylme", "r_scripts", "scripts", "tests/benchmarks", "examples")
#: Where the r_scripts row lists the session-sourced files, and where that list ends.
SOURCED_START = "Sourced once per session"
SOURCED_END = "Scripts run by"

BACKTICKED = re.compile(r"`([^`]+)`")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


def section(markdown: str) -> str:
    """The text under ``## Where things are``, up to the next heading of any level."""
    lines = markdown.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == HEADING)
    except StopIteration:
        raise AssertionError(f"{DOC} has no {HEADING!r} heading") from None
    body = []
    for line in lines[start + 1 :]:
        if re.match(r"#{1,6} ", line):
            break
        body.append(line)
    return "\n".join(body)


def rows(section_text: str) -> list[tuple[list[str], str]]:
    """The table's rows as (the backticked paths of the first cell, the second cell)."""
    out = []
    for line in section_text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in CELL_SEPARATOR.split(line.strip("|"))]
        if len(cells) < 2 or set(cells[0]) <= set("-: "):
            continue
        paths = BACKTICKED.findall(cells[0])
        if paths:
            out.append((paths, " | ".join(cells[1:])))
    return out


def names(basename: str, text: str) -> bool:
    """Whether ``text`` names ``basename``: as a whole name (``fit.py`` is not named by
    ``nlmer_fit.py``), alone or at the end of a path, or matched by a backticked pattern."""
    whole = re.compile(r"(?<![\w.\-*])" + re.escape(basename) + r"(?![\w\-*])")
    if whole.search(text):
        return True
    patterns = [t for t in BACKTICKED.findall(text) if "*" in t]
    return any(fnmatch.fnmatchcase(basename, PurePosixPath(p).name) for p in patterns)


def exempt(path: str) -> bool:
    p = PurePosixPath(path)
    return p.name == "__init__.py" or p.parts[0] == "docs"


def unnamed(section_text: str, files: Iterable[str]) -> list[str]:
    """The files (paths relative to the repository root) that the table does not name."""
    table = rows(section_text)
    missing = []
    for path in files:
        if exempt(path):
            continue
        p = PurePosixPath(path)
        if any(path in paths for paths, _ in table):
            continue
        # The row of the nearest directory above the file.
        row = None
        for parent in p.parents:
            if str(parent) == ".":
                break
            key = f"{parent}/"
            row = next((what for paths, what in table if key in paths), None)
            if row is not None:
                break
        if row is None or not names(p.name, row):
            missing.append(path)
    return sorted(missing)


def sourced(section_text: str) -> list[str]:
    """The R files the ``r_scripts/`` row says are sourced once per session, in its order."""
    row = next((what for paths, what in rows(section_text) if "r_scripts/" in paths), None)
    assert row is not None, "the table has no `r_scripts/` row"
    start = row.find(SOURCED_START)
    assert start >= 0, f"the r_scripts row has no {SOURCED_START!r}"
    end = row.find(SOURCED_END, start)
    part = row[start : end if end >= 0 else len(row)]
    return [t for t in BACKTICKED.findall(part) if t.endswith(".R")]


def _walk() -> list[str]:
    found = []
    for top in LISTED:
        for dirpath, dirnames, filenames in os.walk(ROOT / top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            for name in filenames:
                if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                    continue
                found.append((Path(dirpath) / name).relative_to(ROOT).as_posix())
    return found


def project_files() -> list[str]:
    """The files of ``LISTED``: git's tracked files that exist, or a walk of the tree."""
    try:
        run = subprocess.run(
            ["git", "ls-files", "-z", "--", *LISTED],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    except OSError:
        return sorted(_walk())
    if run.returncode != 0:
        return sorted(_walk())
    tracked = [f for f in run.stdout.decode("utf-8").split("\0") if f]
    return sorted(f for f in tracked if (ROOT / f).is_file())


def doc_section() -> str:
    return section(DOC.read_text(encoding="utf-8"))


# --- the table of this repository -----------------------------------------------------------


def test_every_file_is_named_in_its_row() -> None:
    files = project_files()
    assert any(f.startswith("pylme/") for f in files)
    assert any(f.startswith("r_scripts/") for f in files)
    missing = unnamed(doc_section(), files)
    assert not missing, f"not named in {DOC.name}'s {HEADING!r} table: {missing}"


def test_sourced_files_are_r_files() -> None:
    assert sourced(doc_section()) == list(R_FILES)


def test_git_and_walk_agree_on_what_exists() -> None:
    # The fallback sees at least the tracked files (it may see untracked ones too).
    assert set(project_files()) <= set(_walk())


# --- the check itself can fail --------------------------------------------------------------

SYNTHETIC = """\
## Where things are

| path | what |
|---|---|
| `pylme/errors.py` | every error |
| `pylme/models/` | the fitting functions (`lmer.py`, `glmer.py`) and `pipeline.py` |
| `pylme/results/` | results (`fit.py`, `nlmer_fit.py`) |
| `r_scripts/` | R code. Sourced once per session: `runtime.R`, `fit.R`. Scripts run by \
`Rscript`: `reference*.R`, `verify.R` |
| `tests/` | the suite |
| `tests/benchmarks/` | `bench.py` |

### Layers

`pylme/parallel/` | `power.py` is after the section, so it does not count
"""


def test_unnamed_reports_a_missing_file() -> None:
    files = ["pylme/models/lmer.py", "pylme/models/glmer.py", "pylme/models/nlmer.py"]
    assert unnamed(SYNTHETIC, files) == ["pylme/models/nlmer.py"]


def test_unnamed_accepts_a_complete_table() -> None:
    files = [
        "pylme/errors.py",
        "pylme/models/__init__.py",
        "pylme/models/lmer.py",
        "pylme/models/pipeline.py",
        "pylme/results/nlmer_fit.py",
        "r_scripts/runtime.R",
        "r_scripts/reference_power.R",
        "r_scripts/verify.R",
        "tests/benchmarks/bench.py",
        "docs/guide/power.md",
    ]
    assert unnamed(SYNTHETIC, files) == []


def test_a_name_counts_only_in_its_own_row() -> None:
    # cli/fit.py is not named by the results row's `fit.py`; a file in a directory without a
    # row, or after the table, is not named either.
    files = ["pylme/cli/fit.py", "pylme/results/fit.py", "pylme/parallel/power.py"]
    assert unnamed(section(SYNTHETIC), files) == ["pylme/cli/fit.py", "pylme/parallel/power.py"]


def test_a_name_is_a_whole_name() -> None:
    # `nlmer_fit.py` does not name `fit.py`, nor `bench_many.py` `bench.py`, and the reverse.
    text = "| `pylme/results/` | `nlmer_fit.py` |\n| `tests/benchmarks/` | `bench_many.py` |"
    files = ["pylme/results/fit.py", "tests/benchmarks/bench.py", "tests/benchmarks/many.py"]
    assert unnamed(text, files) == files


def test_the_nearest_directory_row_is_used() -> None:
    # tests/benchmarks/ has its own row: the tests/ row does not name its files.
    text = "| `tests/` | `bench_power.py` |\n| `tests/benchmarks/` | `bench.py` |"
    assert unnamed(text, ["tests/benchmarks/bench_power.py"]) == ["tests/benchmarks/bench_power.py"]


def test_a_pattern_covers_only_what_it_matches() -> None:
    text = "| `r_scripts/` | references (`reference*.R`) |"
    files = ["r_scripts/reference_nlmer.R", "r_scripts/nlmer.R"]
    assert unnamed(text, files) == ["r_scripts/nlmer.R"]


def test_sourced_reads_the_r_scripts_row() -> None:
    assert sourced(section(SYNTHETIC)) == ["runtime.R", "fit.R"]
    assert sourced(SYNTHETIC) != list(R_FILES)


def test_section_stops_at_the_next_heading() -> None:
    text = section(SYNTHETIC)
    assert "`pylme/errors.py`" in text
    assert "Layers" not in text
    assert "does not count" not in text


def test_readme_names_every_folder():
    """The README's short "Where things are" table has a row for every package folder of
    pylme/ and every top-level folder of the project (and none that does not exist)."""
    readme = (ROOT / "README.md").read_text()
    named = {p for paths, _ in rows(section(readme)) for p in paths}
    packages = {
        f"pylme/{d.name}/" for d in (ROOT / "pylme").iterdir() if (d / "__init__.py").exists()
    }
    top = {"r_scripts/", "scripts/", "tests/", "docs/", "examples/", "docker/"}
    assert packages | top <= named, sorted((packages | top) - named)
    assert all((ROOT / p).is_dir() for p in named), [p for p in named if not (ROOT / p).is_dir()]
