"""The documentation site: every public name of pylme (``pylme.__all__``) and every public
method of the fit classes has an entry in the built API reference, and the walkthrough page
shows the seed post's figures as computed by the build.

``scripts/docs.sh`` runs this file on the site it built (``DOCS_HTML``). Without
``DOCS_HTML``, the test builds the reference itself (notebook pages not executed) when Sphinx
is installed (``pip install -e '.[docs]'``), and skips saying so when it is not."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import pylme
from pylme.results import GlmerFit, LmerFit, MixedFit
from pylme.results.methods import MethodName

ROOT = Path(__file__).resolve().parent.parent
#: The fit classes and the name each is documented under.
FIT_CLASSES = {
    "pylme.LmerFit": LmerFit,
    "pylme.GlmerFit": GlmerFit,
    "pylme.results.MixedFit": MixedFit,
}
ANCHOR = re.compile(r'<dt class="sig sig-object py[^"]*" id="([^"]+)"')
#: "Multilevel Models in R" (2019) on imm10, as printed there (/work/shared/data/README.md).
POST_FIGURES = ("5.02", "-0.81", "0.6650", "1.516")


def public_methods(cls: type) -> set[str]:
    """Public methods and properties of a fit class (dataclass fields are data, not methods)."""
    fields = {f.name for f in dataclasses.fields(cls)}
    return {
        name
        for name in dir(cls)
        if not name.startswith("_")
        and name not in fields
        and (callable(getattr(cls, name)) or isinstance(getattr(cls, name), property))
    }


def expected_entries() -> set[str]:
    names = {f"pylme.{n}" for n in pylme.__all__}
    for documented, cls in FIT_CLASSES.items():
        names |= {f"{documented}.{m}" for m in public_methods(cls)}
    return names


def documented_entries(html: Path) -> set[str]:
    """The ids of every documented object (``<dt class="sig sig-object py" id=...>``)."""
    found: set[str] = set()
    for page in (html / "api").rglob("*.html"):
        found |= set(ANCHOR.findall(page.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    built = os.environ.get("DOCS_HTML")
    if built:
        return Path(built)
    if importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_nb") is None:
        pytest.skip(
            "Sphinx is not installed: pip install -e '.[docs]' (scripts/docs.sh installs it, "
            "builds the site and runs this check on it)"
        )
    out = tmp_path_factory.mktemp("docs")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-E",
            "-b",
            "html",
            "-D",
            "nb_execution_mode=off",
            "-d",
            str(out / "doctrees"),
            str(ROOT / "docs"),
            str(out / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out / "html"


def test_every_registered_method_is_a_method_of_the_fit():
    """Methods implemented in higher layers (pylme.results.methods) are declared on MixedFit,
    so the reference lists them; ``html`` is ``_repr_html_``, and ``predict_bootstrap`` is
    ``fit.predict(method="bootstrap")``'s implementation (pylme.parallel), not a method."""
    registered = set(typing.get_args(MethodName)) - {"html", "predict_bootstrap"}
    assert registered <= public_methods(MixedFit)


def test_every_public_name_is_in_the_reference(html):
    missing = sorted(expected_entries() - documented_entries(html))
    assert missing == [], f"not in the API reference: {missing}"


def test_the_check_sees_a_missing_entry(html, tmp_path):
    """A site whose LmerFit page lost ``predict`` fails the check."""
    copy = tmp_path / "api"
    copy.mkdir()
    for page in (html / "api").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        (copy / page.name).write_text(text.replace('id="pylme.LmerFit.predict"', 'id="x"'))
    assert sorted(expected_entries() - documented_entries(tmp_path)) == ["pylme.LmerFit.predict"]


def test_the_walkthrough_shows_the_seed_figures(html):
    if not os.environ.get("PYLME_WALKTHROUGH_DATA"):
        pytest.skip("the site was built without imm10.csv (PYLME_WALKTHROUGH_DATA unset)")
    source = (ROOT / "docs" / "walkthrough.md").read_text(encoding="utf-8")
    page = (html / "walkthrough.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page).replace("&#8722;", "-").replace("\u2212", "-")
    for figure in POST_FIGURES:
        assert figure not in source, f"{figure} is typed into the page, not computed"
        assert figure in text, figure
