"""The R runtime: lazy start, silence, warnings, thread safety."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
import rref

import pylme


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


def test_import_is_fast_and_does_not_start_r():
    res = _run_python("""
        import sys, time
        t = time.perf_counter()
        import pylme
        dt = time.perf_counter() - t
        print(dt, "rpy2" in sys.modules, "rpy2.rinterface" in sys.modules)
    """)
    assert res.returncode == 0, res.stderr
    dt, rpy2_loaded, ri_loaded = res.stdout.split()
    assert float(dt) < 1.0
    assert rpy2_loaded == "False" and ri_loaded == "False"


def test_nothing_reaches_the_console_at_fd_level():
    """A fresh process fits a singular model, a model whose optimizer prints, and a failing one:
    its stdout and stderr file descriptors stay empty (Python warnings are switched off)."""
    res = _run_python("""
        import sys, warnings
        sys.path.insert(0, "tests")
        warnings.simplefilter("ignore")
        import rref, pylme
        d2 = rref.r_dataset("lme4", "Dyestuff2")
        sleep = rref.r_dataset("lme4", "sleepstudy")
        fit = pylme.lmer("Yield ~ 1 + (1 | Batch)", d2)
        noisy = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleep,
                           control={"optimizer": "bobyqa", "optCtrl": {"iprint": 2}})
        try:
            pylme.lmer("Reaction ~ Days", sleep)
        except pylme.FormulaError:
            pass
        assert fit.convergence.singular
        assert "npt = 5" in noisy.convergence.output
    """)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "" and res.stderr == ""


def test_singular_fit_warns_and_is_kept(capfd):
    d2 = rref.r_dataset("lme4", "Dyestuff2")
    with pytest.warns(pylme.SingularFitWarning, match="boundary \\(singular\\) fit"):
        fit = pylme.lmer("Yield ~ 1 + (1 | Batch)", d2)
    assert fit.convergence.singular
    assert any("singular" in m for m in fit.convergence.messages)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_convergence_warning_category(sleepstudy):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = pylme.lmer(
            "Reaction ~ Days + (Days | Subject)",
            sleepstudy,
            control={"optimizer": "Nelder_Mead", "optCtrl": {"maxfun": 10}},
        )
    assert not fit.convergence.converged
    assert fit.convergence.warnings
    # every lme4 warning of this fit is a convergence warning, the Nelder-Mead's
    # "failure to converge in 10 evaluations" included
    lme4 = [w for w in caught if str(w.message).startswith("lme4: ")]
    assert any("failure to converge in 10 evaluations" in str(w.message) for w in lme4)
    assert lme4 and all(w.category is pylme.ConvergenceWarning for w in lme4), [
        (w.category.__name__, str(w.message)) for w in lme4
    ]


#: reference_origins.R's cases, fitted the same way with pylme.
ORIGIN_CASES = {
    "bobyqa_maxfun_5": (
        "sleepstudy",
        "Reaction ~ Days + (Days | Subject)",
        {"control": {"optimizer": "bobyqa", "optCtrl": {"maxfun": 5}}},
    ),
    "dyestuff2": ("Dyestuff2", "Yield ~ 1 + (1 | Batch)", {}),
}


@pytest.fixture(scope="module")
def r_origins():
    """reference_origins.R: per case, (kind, the R function that signalled it, singular, text)."""
    res = subprocess.run(
        [rref.rscript(), str(rref.R_SCRIPTS / "reference_origins.R")],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, list[tuple[str, str, bool, str]]] = {}
    for line in res.stdout.splitlines():
        case, kind, fun, singular, text = line.split("\t")
        out.setdefault(case, []).append((kind, fun, singular == "TRUE", text))
    return out


def _expected_class(fun: str, singular: bool) -> type:
    """What pylme must make of a condition R says ``fun`` signalled: lme4's convergence
    checker (checkConv) and optimizer report (optwrap) are ConvergenceWarning, checkConv on a
    boundary fit is SingularFitWarning, anything else a plain PylmeWarning."""
    if fun == "checkConv":
        return pylme.SingularFitWarning if singular else pylme.ConvergenceWarning
    return pylme.ConvergenceWarning if fun == "optwrap" else pylme.PylmeWarning


@pytest.mark.parametrize("case", list(ORIGIN_CASES))
def test_warning_classes_follow_where_r_signalled_them(case, r_origins):
    name, formula, options = ORIGIN_CASES[case]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pylme.lmer(formula, rref.r_dataset("lme4", name), **options)
    got = sorted(
        (str(w.message).removeprefix("lme4: "), w.category.__name__)
        for w in caught
        if issubclass(w.category, pylme.PylmeWarning)
    )
    expected = sorted(
        (text, _expected_class(fun, singular).__name__)
        for _, fun, singular, text in r_origins[case]
    )
    assert got == expected


def test_scaled_gradient_is_a_convergence_warning_and_advice_is_not(r_origins):
    """The issue's case: "unable to evaluate scaled gradient" (checkConv) was a plain
    PylmeWarning when classes came from keywords; minqa's advice inside the optimizer, which
    names no convergence, stays one, so the test tells the classes apart."""
    ref = {text: fun for _, fun, _, text in r_origins["bobyqa_maxfun_5"]}
    assert ref["unable to evaluate scaled gradient"] == "checkConv"
    name, formula, options = ORIGIN_CASES["bobyqa_maxfun_5"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = pylme.lmer(formula, rref.r_dataset("lme4", name), **options)
    by_text = {str(w.message).removeprefix("lme4: "): w.category for w in caught}
    assert by_text["unable to evaluate scaled gradient"] is pylme.ConvergenceWarning
    advice = [t for t, fun in ref.items() if fun == "commonArgs"]
    assert advice and by_text[advice[0]] is pylme.PylmeWarning
    c = fit.convergence
    assert dict(zip(c.warnings, c.warning_origins))["unable to evaluate scaled gradient"] == (
        "checkConv"
    )


def test_lmer_many_classifies_as_lmer_does(r_origins):
    """lmer_many runs lme4's checkConv itself (r_scripts/many.R): the same classes."""
    _, _, options = ORIGIN_CASES["bobyqa_maxfun_5"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pylme.lmer_many("~ Days + (Days | Subject)", rref.r_dataset("lme4", "sleepstudy"),
                        ["Reaction"], **options)  # fmt: skip
    got = sorted(
        (str(w.message).removeprefix("lme4: "), w.category.__name__)
        for w in caught
        if issubclass(w.category, pylme.PylmeWarning)
    )
    expected = sorted(
        (text, _expected_class(fun, singular).__name__)
        for _, fun, singular, text in r_origins["bobyqa_maxfun_5"]
    )
    assert got == expected


def test_dropped_rows_are_reported(sleepstudy):
    d = sleepstudy.copy()
    d.loc[[0, 5], "Reaction"] = np.nan
    with pytest.warns(pylme.PylmeWarning, match="2 of 180 rows had missing values"):
        fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", d)
    assert fit.n_dropped == 2 and fit.nobs == 178
    assert np.isnan(fit.fitted[[0, 5]]).all() and not np.isnan(np.delete(fit.fitted, [0, 5])).any()


def test_threads_fit_correctly_at_once(sleepstudy):
    pen = rref.r_dataset("lme4", "Penicillin")
    jobs = {
        "sleep": ("Reaction ~ Days + (Days | Subject)", sleepstudy),
        "pen": ("diameter ~ 1 + (1 | plate) + (1 | sample)", pen),
    }
    expected = {k: pylme.lmer(f, d) for k, (f, d) in jobs.items()}
    results, errors = [], []

    def work(key):
        try:
            for _ in range(3):
                f, d = jobs[key]
                results.append((key, pylme.lmer(f, d)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in ["sleep", "pen"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 18
    for key, fit in results:
        np.testing.assert_allclose(fit.fixef.estimate, expected[key].fixef.estimate, rtol=1e-8)
        np.testing.assert_allclose(fit.varcorr.vcov, expected[key].varcorr.vcov, rtol=1e-8)


def test_r_versions_are_recorded(sleepstudy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pylme.lmer("Reaction ~ Days + (1 | Subject)", sleepstudy)
    v = fit.provenance.versions
    for key in ("R", "lme4", "Matrix", "rpy2", "pylme"):
        assert v[key]
