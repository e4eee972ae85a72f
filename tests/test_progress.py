"""pylme.progress: bars only on a terminal or in a notebook; progress=True/False forces."""

from __future__ import annotations

import io
import sys

import pytest

from pylme import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_notebook(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


def test_auto_is_off_when_not_attached(monkeypatch, no_notebook):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress.show_progress(None) is False
    bar = progress.progress_bar(3, "fits", None)
    bar.update()
    bar.close()
    assert sys.stderr.getvalue() == ""


def test_auto_is_on_on_a_terminal(monkeypatch, no_notebook):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert progress.show_progress(None) is True
    assert progress.show_progress(False) is False
    bar = progress.progress_bar(2, "fits", False)
    bar.update(2)
    bar.close()
    assert sys.stderr.getvalue() == ""


def test_auto_is_on_in_a_notebook(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setitem(sys.modules, "ipykernel", sys)
    assert progress.show_progress(None) is True


def test_true_forces_a_tqdm_bar(monkeypatch, no_notebook):
    from tqdm import tqdm

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    bar = progress.progress_bar(4, "bootstrap", True)
    assert isinstance(bar, tqdm)
    bar.update(4)
    bar.close()
    assert "bootstrap" in stream.getvalue()
