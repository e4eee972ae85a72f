"""Warnings point at the user's line, and each of lme4's messages is its own warning
(issue 23, item 12)."""

from __future__ import annotations

import inspect
import warnings

import pytest
import rref

import pylme
from pylme.errors import lme4_messages

#: lme4's checkConv for the grouseticks Poisson GLMM (pure R: withCallingHandlers(glmer(TICKS ~
#: YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION), grouseticks, family = poisson), warning = ...)
#: signals one warning joining two messages: paste(resHess$messages, collapse = ";")
R_JOINED = (
    "Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?;"
    "Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?"
)


def assert_at_user_line(records, lineno: int) -> None:
    """Every pylme warning names this file and the line of the user's call."""
    ours = [w for w in records if issubclass(w.category, pylme.PylmeWarning)]
    assert ours, "no pylme warning was raised"
    for w in ours:
        assert (w.filename, w.lineno) == (__file__, lineno), (w.filename, w.lineno, w.message)


def test_lmer_warning_points_at_the_users_line():
    d = rref.r_dataset("lme4", "Dyestuff2")  # a singular fit: lme4's boundary message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        fit = pylme.lmer("Yield ~ 1 + (1 | Batch)", d)
    assert fit.convergence.singular
    assert any(issubclass(w.category, pylme.SingularFitWarning) for w in caught)
    assert_at_user_line(caught, line)


def test_glmer_messages_are_one_warning_each_at_the_users_line():
    d = rref.r_dataset("lme4", "grouseticks")
    formula = "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        fit = pylme.glmer(formula, d, family="poisson")
    assert R_JOINED in fit.convergence.warnings  # R's record stays word for word
    texts = [str(w.message) for w in caught if issubclass(w.category, pylme.PylmeWarning)]
    assert not any(";Model" in t for t in texts)
    expected = [f"lme4: {p}" for t in fit.convergence.warnings for p in lme4_messages(t)]
    assert texts == expected
    ratio = "Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?"
    assert f"lme4: {ratio}" in texts
    assert_at_user_line(caught, line)


def test_the_check_catches_a_warning_pointing_into_pylme():
    class Record:
        category = pylme.ConvergenceWarning
        filename = pylme.models.lmer.__file__  # where warnings pointed before
        lineno = 57
        message = "lme4: ..."

    with pytest.raises(AssertionError):
        assert_at_user_line([Record()], 57)


def test_lme4_messages_splits_only_lme4s_joins():
    assert lme4_messages(R_JOINED) == [
        "Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?",
        "Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?",
    ]
    assert lme4_messages("a; b;c") == ["a; b;c"]
