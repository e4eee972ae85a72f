"""docker/Dockerfile, checked without a Docker engine: base image, install step, COPY sources."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

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


def build_arg_default(name: str) -> str:
    (arg,) = [rest for word, rest in instructions() if word == "ARG" and rest.startswith(name)]
    return arg.split("=", 1)[1]


def base_image(release: str) -> str:
    (base,) = [rest for word, rest in instructions() if word == "FROM"]
    return base.replace("${DEBIAN_RELEASE}", release)


def test_release_is_a_build_argument_defaulting_to_bookworm():
    assert build_arg_default("DEBIAN_RELEASE") == "bookworm"
    assert "${DEBIAN_RELEASE}" in base_image("${DEBIAN_RELEASE}")


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_both_releases_start_from_the_chroots_system(release: str) -> None:
    """The image is the chroot of scripts/other-debian.sh (minimal Debian + python3 and
    ca-certificates) on the same release, so CI's run of setup.sh there is the image's proxy."""
    assert base_image(release) == f"debian:{release}-slim"
    runs = [rest for word, rest in instructions() if word == "RUN"]
    first = runs[0]
    assert "apt-get install" in first and {"python3", "ca-certificates"} <= set(first.split())
    other = (ROOT / "scripts" / "other-debian.sh").read_text()
    assert "--include=python3,ca-certificates" in other
    assert "default_release=trixie" in other and "default_release=bookworm" in other
    assert "scripts/setup.sh demo" in other and "scripts/setup.sh demo" in runs[-1]


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
