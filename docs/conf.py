"""Sphinx configuration for pylme's documentation (built by scripts/docs.sh)."""

from __future__ import annotations

from pathlib import Path

import pylme

DOCS = Path(__file__).resolve().parent

project = "pylme"
author = "The pylme authors"
copyright = "2026, The pylme authors"  # noqa: A001 - Sphinx's name
version = release = pylme.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]

exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
html_static_path: list[str] = []

# -- API reference -----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections say it; signatures stay readable
autodoc_member_order = "groupwise"
# numpydoc's own member tables would need a stub page per method; the class pages list the
# methods in full instead (templates in _templates/autosummary).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False

# -- MyST and executed pages --------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# Guide pages come from many hands: a skipped heading level is style, not an error.
suppress_warnings = ["myst.header"]
# Pages with a ``file_format: mystnb`` header run at every build; their numbers come from
# that run. A failing cell fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 900
nb_execution_show_tb = True
# Progress bars (stderr) are removed per cell (tag remove-stderr); R's warnings are kept.
nb_merge_streams = False

# -- HTML ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"pylme {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False


# -- See Also sections that name R functions ----------------------------------------------
# pylme's docstrings point to the R functions they mirror ("lme4::allFit", "lme4's help page
# ``?convergence``"). numpydoc accepts only Python names there; such a section is kept as
# one plain-text entry (the ``r-ref`` role) instead of failing the build.
def _tolerant_see_also() -> None:
    from numpydoc.docscrape import NumpyDocString

    parse = NumpyDocString._parse_see_also

    def parse_see_also(self: NumpyDocString, content: list[str]) -> list:
        try:
            return parse(self, content)  # type: ignore[no-any-return]
        except ValueError:
            text = " ".join(line.strip() for line in content if line.strip())
            return [([(text.replace("`", ""), "r-ref")], [])]

    NumpyDocString._parse_see_also = parse_see_also  # type: ignore[method-assign]


def _r_ref_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ANN001
    from docutils import nodes

    return [nodes.literal(rawtext, text)], []


_tolerant_see_also()


def setup(app) -> None:  # noqa: ANN001
    app.add_role("r-ref", _r_ref_role)


# -- Names no section of api/index.rst lists (added to pylme.__all__ later) ----------------
def _write_more_page() -> None:
    listed = (DOCS / "api" / "index.rst").read_text(encoding="utf-8").split()
    rest = sorted(n for n in pylme.__all__ if n not in listed and not n.startswith("__"))
    lines = ["More", "====", "", ".. currentmodule:: pylme", ""]
    if rest:
        lines += [
            "Public names of :mod:`pylme` that the grouped sections do not list yet.",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "   :nosignatures:",
            "",
            *(f"   {n}" for n in rest),
        ]
    else:
        lines += ["Every public name is listed in a section of the :doc:`index`."]
    text = "\n".join(lines) + "\n"
    path = DOCS / "api" / "more.rst"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


_write_more_page()
