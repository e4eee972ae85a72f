"""The compact bytes a worker's fit travels home in (pylme/parallel/travel.py, format 4 of
``pylme_many_serialize`` in r_scripts/many.R): the model's reference-class objects without
their copies of the class, restored to a model giving pure R's numbers, and bytes of another
format or R refused by name. (Refit/update of worker fits against pure R:
test_postfit_refit.py.)"""

from __future__ import annotations

import dataclasses
import subprocess

import numpy as np
import pytest
import rref
from conftest import assert_close

import pylme
from pylme.parallel.travel import CompactHandle, compact_payloads

MODELS = {
    "sleep": ("lmer", "Reaction ~ Days + (Days | Subject)", "sleepstudy", {}),
    "cbpp": (
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        "cbpp",
        {"family": "binomial"},
    ),
}

# Pure R: the model's own serialize() size, and its predictions (the same model object).
R_CODE = """
suppressMessages(library(lme4))
m <- {function}({formula}, {data}{options})
cat(length(serialize(m, NULL)), sprintf("%.17g", predict(m)), sep = "\\n")
"""


def _pure_r(key):
    function, formula, data, options = MODELS[key]
    args = "".join(f", {k} = {v}" for k, v in options.items())
    code = R_CODE.format(function=function, formula=formula, data=data, options=args)
    out = subprocess.run(
        [rref.rscript(), "-e", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), np.array([float(v) for v in out[1:]])


@pytest.mark.parametrize("key", list(MODELS))
def test_compact_bytes_restore_the_model(key):
    function, formula, data, options = MODELS[key]
    fit = getattr(pylme, function)(formula, rref.r_dataset("lme4", data), **options)
    [payload] = compact_payloads([fit._handle.sexp])
    r_size, r_predict = _pure_r(key)
    # the class copies stay behind: under a twelfth of R's own serialize() of the model
    # (65 KB of 1.3 MB for sleepstudy's; with the copies written as references, 128 KB)
    assert len(payload) < r_size / 12, (len(payload), r_size)
    restored = dataclasses.replace(fit, _handle=CompactHandle(payload))
    assert_close(restored.predict(), r_predict, rtol=1e-10, what=f"{key} predict")


def test_bytes_of_another_format_or_r_are_refused_by_name():
    import rpy2.robjects as ro

    from pylme.runtime.handles import raw_bytes
    from pylme.runtime.session import R_LOCK

    pylme.lmer("Reaction ~ Days + (1 | Subject)", rref.r_dataset("lme4", "sleepstudy"))
    with R_LOCK:
        other = raw_bytes(
            ro.r(
                'serialize(list(check = c(R = "4.0.0", lme4 = "1.1-20", order = "4"), '
                "model = 1), NULL, xdr = FALSE)"
            )
        )
    with pytest.raises(
        pylme.PylmeError, match=r"R 4\.0\.0, lme4 1\.1-20 \(pylme's model format 4\)"
    ):
        CompactHandle(other).sexp  # noqa: B018
    with pytest.raises(pylme.PylmeError):  # not R's serialize() bytes at all
        CompactHandle(b"not R's serialize() bytes").sexp  # noqa: B018
