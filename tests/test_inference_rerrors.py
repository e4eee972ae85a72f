"""An RError leads with R's own condition message, then R's call on one line and the pylme
function (and argument, when known): on the emmeans, confint, predict and anova paths."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from rref_inference import fit

import pylme
from pylme.runtime.conditions import MAX_CALL_CHARS, one_line
from pylme.runtime.handles import ModelHandle


def not_a_model(f):
    """A fit whose R model is an R integer: R itself fails on it."""
    import rpy2.rinterface as ri

    return dataclasses.replace(f, _handle=ModelHandle(ri.IntSexpVector([1])))


CASES = {
    # name -> (call, R's message (word for word), the start of R's call, the pylme function,
    #          the argument named or None)
    "emmeans at": (
        lambda: fit("cake").emmeans("recipe", at={"temperature": ["999"]}),
        "factor temperature has new level 999",
        "model.frame.default(",
        "fit.emmeans()",
        "at",
    ),
    "contrasts method": (
        lambda: fit("cake").contrasts("recipe", method="nonsense"),
        "Contrast function 'nonsense.emmc' not found",
        'contrast.emmGrid(<...>, method = "nonsense")',
        "fit.contrasts()",
        "method",
    ),
    "predict re_form": (
        lambda: fit("slope").predict(re_form="~(1 | Days)"),
        "grouping factors specified in re.form that were not present in original model",
        "mkNewReTrms(",
        "fit.predict()",
        "re_form",
    ),
    "confint": (
        lambda: not_a_model(fit("slope")).confint("Wald"),
        "$ operator is invalid for atomic vectors",
        "object$coefficients",
        "fit.confint()",
        None,
    ),
    "anova": (
        lambda: pylme.anova(not_a_model(fit("slope")), fit("days_int")),
        "anova() compares merMod fits",
        "",
        "pylme.anova()",
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rerror_leads_with_r_message(case):
    call, message, r_call, function, argument = CASES[case]
    with pytest.raises(pylme.RError) as info:
        call()
    text = str(info.value)
    assert info.value.r_message == message
    assert text.startswith(message + " (")
    assert info.value.r_call.startswith(r_call)
    assert "\n" not in text and len(info.value.r_call) <= MAX_CALL_CHARS
    assert f"from {function}" in text
    if argument is not None:
        assert text.endswith(f"check its argument {argument})")


def test_emmeans_error_is_short_not_8kb():
    """The issue's case: R's deparsed emmeans() was ~8 kB; now pylme's check answers first,
    and an R error's call is one line of at most MAX_CALL_CHARS characters."""
    with pytest.raises(pylme.OptionError) as info:
        fit("cake").emmeans("recipee")
    assert len(str(info.value)) < 200


def test_one_line_caps_a_long_call():
    long = "f(" + ", ".join(f"a{i} = {i}" for i in range(100)) + ")\n  more"
    assert one_line(long) == long[: MAX_CALL_CHARS - 3] + "..."
    assert one_line("g(x)\nh(y)") == "g(x)"
    assert one_line("") == ""


def test_predict_with_a_frame_where_newdata_goes_still_works():
    """Not an error path: a plain prediction is unaffected by the message change."""
    nd = pd.DataFrame({"Days": [1.0], "Subject": ["308"]})
    assert fit("slope").predict(nd).shape == (1,)
