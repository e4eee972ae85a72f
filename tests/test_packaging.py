"""The packaging conventions: LICENSE matches pyproject's license, py.typed ships, the changelog
and the citation file name this version. (The wheel itself: tests/test_wheel.py.)"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import pylme

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_file_is_the_declared_license():
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_py_typed_marker_is_in_the_package():
    assert (ROOT / "pylme" / "py.typed").is_file()


def changelog_versions(text: str) -> list[str]:
    """The versions of a Keep a Changelog file, newest first (``## [x.y.z] - date``)."""
    return re.findall(r"^## \[([^\]]+)\]", text, re.M)


def test_changelog_names_this_version():
    versions = changelog_versions((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert versions[0] == "Unreleased"
    assert pylme.__version__ in versions


def test_changelog_check_sees_a_missing_version():
    assert changelog_versions("# Changelog\n## [Unreleased]\n## [0.0.9] - 2026-01-01\n") == [
        "Unreleased",
        "0.0.9",
    ]


def test_citation_file_names_this_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+): *(.*)$", text, re.M))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == pylme.__version__
    assert fields["license"] == pyproject()["project"]["license"]
    for key in ("message", "title", "authors", "type"):
        assert key in fields, key


def test_metadata_has_classifiers_keywords_and_urls():
    project = pyproject()["project"]
    assert "Typing :: Typed" in project["classifiers"]
    assert "lme4" in project["keywords"]
    assert all(url.startswith("https://") for url in project["urls"].values())
