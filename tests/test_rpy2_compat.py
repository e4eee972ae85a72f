"""rpy2's internals are used in one module only, and that module works on this rpy2."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import numpy as np
import pytest

import pylme
from pylme.runtime import rpy2_compat

PACKAGE = Path(pylme.__file__).resolve().parent
#: Names that are not rpy2's public API (changed or removed between rpy2 3.5 and 3.6).
PRIVATE = re.compile(
    r"rinterface_lib|openrlib|_cdata|initr_simple|_R_ENC_PY|rpy2\.__version__|_rinterface_capi"
)


def offenders(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "rpy2_compat.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE.search(line):
                found.append(f"{path.relative_to(root.parent)}:{n}: {line.strip()}")
    return found


def test_no_module_but_rpy2_compat_touches_rpy2_internals():
    assert offenders(PACKAGE) == []


def test_the_check_sees_a_private_name(tmp_path: Path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "ok.py").write_text("import rpy2.rinterface as ri\n")
    (pkg / "bad.py").write_text("from rpy2.rinterface_lib import openrlib\n")
    assert offenders(pkg) == ["pkg/bad.py:1: from rpy2.rinterface_lib import openrlib"]


def test_rpy2_version_from_metadata():
    assert rpy2_compat.rpy2_version() == importlib.metadata.version("rpy2")


def test_versions_name_rpy2():
    from pylme.datasets import load

    fit = pylme.lmer("Reaction ~ Days + (1 | Subject)", load("sleepstudy"))
    assert fit.provenance.versions["rpy2"] == importlib.metadata.version("rpy2")


def test_char_encodings_follow_r_locale():
    import rpy2.rinterface as ri

    pylme.runtime.get_session()
    enc = rpy2_compat.char_encodings()
    utf8 = bool(ri.baseenv["l10n_info"]()[1][0])  # l10n_info()$`UTF-8`
    assert enc[1] == "utf-8" and enc[2] == "latin1"
    assert enc[0] == ("utf-8" if utf8 else "latin1")


def test_strings_of_every_encoding_read_back():
    """UTF-8, Latin-1 and native strings, made by R itself, come back as R prints them."""
    from pylme.runtime.from_r import from_r

    session = pylme.runtime.get_session()
    import rpy2.rinterface as ri

    code = 'x <- c("caf\\u00e9", "na\\u00efve", "abc"); y <- iconv(x, "UTF-8", "latin1"); c(x, y)'
    value = ri.baseenv["eval"](ri.parse(code), envir=session.env)
    assert from_r(value) == ("café", "naïve", "abc") * 2


@pytest.mark.parametrize("n", [0, 1, 1000])
def test_raw_bytes_round_trip(n: int):
    import rpy2.rinterface as ri

    pylme.runtime.get_session()
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    vec = ri.ByteSexpVector(data)
    with pylme.runtime.R_LOCK:
        assert rpy2_compat.raw_bytes(vec) == data
