"""R character vectors built by pylme's fast paths equal what R holds for the same strings."""

from __future__ import annotations

import pytest

from pylme.runtime import get_session
from pylme.runtime.from_r import from_r, r_names
from pylme.runtime.values import str_vector

ASCII = tuple(f"subject_{i:05d}" for i in range(300)) + ("", "a b", "_x")
MIXED = ("é", "a", "日本", "", "Z") * 20  # not ASCII: the per-string path


@pytest.mark.parametrize(
    "strings", [ASCII, MIXED, ASCII[:5], ()], ids=["ascii", "utf8", "few", "none"]
)
def test_str_vector_round_trips(strings):
    get_session()
    vec = str_vector(strings)
    assert from_r(vec) == strings
    ri = get_session().ri
    assert tuple(ri.baseenv["nchar"](vec, type="chars")) == tuple(len(s) for s in strings)
    assert all(e in ("unknown", "UTF-8") for e in ri.baseenv["Encoding"](vec))


def test_str_vector_refuses_nul():
    for strings in (("a\x00b",), ("a\x00b",) + ASCII):
        with pytest.raises(ValueError, match="NUL"):
            str_vector(strings)


def test_r_names_reads_names_without_r_calls():
    ri = get_session().ri
    lst = ri.baseenv["list"](a=1, b=2)
    assert r_names(lst) == ("a", "b")
    assert r_names(ri.baseenv["list"](1, 2)) == ()
