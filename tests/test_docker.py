"""docker/Dockerfile, checked without a Docker engine: base image, install step, COPY sources."""

from __future__ import annotations

import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    lines, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            lines.append((word.upper(), rest.strip()))
            current = ""
    return lines


def test_base_image_is_debian_bookworm():
    (base,) = [rest for word, rest in instructions() if word == "FROM"]
    assert base.startswith("python:3.") and base.endswith("-bookworm"), base


def test_install_step_runs_setup_sh():
    runs = [rest for word, rest in instructions() if word == "RUN"]
    assert any("bash scripts/setup.sh" in r for r in runs), runs
    assert (ROOT / "scripts" / "setup.sh").is_file()


def test_every_copied_file_exists():
    copies = [shlex.split(rest) for word, rest in instructions() if word == "COPY"]
    assert copies
    for parts in copies:
        for source in [p for p in parts[:-1] if not p.startswith("--")]:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    copied = {p for parts in copies for p in parts[:-1]}
    assert {"pylme", "r_scripts", "scripts", "examples", "pyproject.toml"} <= copied


def test_default_command_runs_the_demo():
    (cmd,) = [rest for word, rest in instructions() if word == "CMD"]
    assert "demo" in cmd
