"""refit() and update() against pure R's refit() and update(): on the same model object
(read by pure R from to_rds) and on an independent pure-R fit. Refits are fits, so RTOL."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import rref
from conftest import RTOL, assert_close
from rref_postfit import fit_models, model_spec, run_reference

import pylme

MODELS = {
    "sleep": ("lmer", "Reaction ~ Days + (Days | Subject)", ("lme4", "sleepstudy"), {}),
    "penicillin": ("lmer", "diameter ~ 1 + (1 | plate) + (1 | sample)", ("lme4", "Penicillin"), {}),
    "cbpp": (
        "glmer",
        "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        ("lme4", "cbpp"),
        {"family": "binomial"},
    ),
}


def _sleep_newresp():
    d = rref.r_dataset("lme4", "sleepstudy")
    return d.Reaction.to_numpy() + 10 * np.sin(np.arange(len(d)))


def _cbpp_newresp():
    d = rref.r_dataset("lme4", "cbpp")
    size = d["size"].to_numpy()
    inc = np.minimum(size, (d["incidence"].to_numpy() + np.arange(len(d))) % 4).astype(float)
    return np.column_stack([inc, size - inc])


# name -> (model, "refit" or "update", pylme arguments)
CASES = {
    "sleep_refit": ("sleep", "refit", {"newresp": _sleep_newresp}),
    "cbpp_refit": ("cbpp", "refit", {"newresp": _cbpp_newresp}),
    "sleep_update": ("sleep", "update", {"formula": "~ . - Days", "REML": False}),
    "penicillin_update": ("penicillin", "update", {"formula": ". ~ . - (1 | sample)"}),
    "cbpp_update": ("cbpp", "update", {"formula": ". ~ . - period", "nAGQ": 5}),
}


def _op(kind, args):
    if kind == "refit":
        resp = args["newresp"]()
        return {
            "op": "refit",
            "newresp": resp.reshape(-1, order="F").tolist(),
            "ncol": resp.shape[1] if resp.ndim == 2 else None,
        }
    options = {k: v for k, v in args.items() if k != "formula"}
    return {"op": "update", "formula": args.get("formula"), "options": options}


def _run(fit, kind, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if kind == "refit":
            return fit.refit(args["newresp"]())
        options = {k: v for k, v in args.items() if k != "formula"}
        return fit.update(args.get("formula"), **options)


@pytest.fixture(scope="module")
def fits():
    return fit_models(MODELS)


@pytest.fixture(scope="module")
def reference(fits, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rds")
    tasks = []
    for key, (function, formula, (pkg, name), options) in MODELS.items():
        names = [n for n, (m, _, _) in CASES.items() if m == key]
        ops = [_op(CASES[n][1], CASES[n][2]) for n in names]
        path = tmp / f"{key}.rds"
        fits[key].to_rds(path)
        spec = model_spec(function, formula, rref.r_dataset(pkg, name), **options)
        tasks.append({"id": f"{key}-same", "rds": str(path), "ops": ops})
        tasks.append({"id": f"{key}-independent", "model": spec, "ops": ops})
    res = run_reference(tasks)
    out = {}
    for key in MODELS:
        names = [n for n, (m, _, _) in CASES.items() if m == key]
        for kind in ("same", "independent"):
            for n, r in zip(names, res[f"{key}-{kind}"]):
                out[(n, kind)] = r
    return out


@pytest.fixture(scope="module")
def results(fits):
    return {name: _run(fits[m], kind, args) for name, (m, kind, args) in CASES.items()}


QUANTITIES = {
    "fixef": lambda f: f.fixef.estimate,
    "se": lambda f: f.fixef.std_error,
    "vcov": lambda f: f.fixef.vcov.reshape(-1, order="F"),
    "loglik": lambda f: f.loglik,
    "aic": lambda f: f.aic,
    "bic": lambda f: f.bic,
    "deviance": lambda f: f.deviance,
    "sigma": lambda f: f.sigma,
    "fitted": lambda f: f.fitted,
    "residuals": lambda f: f.residuals,
}


def _assert_quantities(fit, ref, what):
    for q, get in QUANTITIES.items():
        expected = rref.as_float_array(ref[q])
        actual = np.atleast_1d(np.asarray(get(fit), dtype=float))
        assert_close(actual, expected, rtol=RTOL, what=f"{what} {q}")


def _strings(value):
    """A character vector from jsonlite (auto_unbox makes length one a scalar)."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("kind", ["same", "independent"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_r(name, kind, results, reference):
    fit, ref = results[name], reference[(name, kind)]
    assert "error" not in ref, ref
    _assert_quantities(fit, ref, name)
    vc = ref["varcorr"]
    assert_close(fit.varcorr.vcov, rref.as_float_array(vc["vcov"]), what=f"{name} varcorr")
    assert list(fit.varcorr.grp) == _strings(vc["grp"])
    assert list(fit.fixef.terms) == _strings(ref["fixef_terms"])
    assert fit.formula == ref["formula"]
    assert type(fit) is type(results[name]) and fit.has_model
    if isinstance(fit, pylme.LmerFit):
        assert fit.reml == ref["reml"]


def test_refit_and_update_keep_provenance(fits, results):
    old = fits["sleep"].provenance
    upd = results["sleep_update"].provenance
    assert upd.formula == "Reaction ~ (Days | Subject)" and upd.options["REML"] is False
    assert upd.data_sha256 == old.data_sha256 and upd.fit_id != old.fit_id
    ref = results["sleep_refit"].provenance
    assert ref.options["newresp"] == "<array>" and ref.data_sha256 != old.data_sha256
    assert isinstance(results["cbpp_refit"], pylme.GlmerFit)


def test_refit_checks_the_response_length(fits):
    with pytest.raises(pylme.DataError, match="180"):
        fits["sleep"].refit(np.zeros(10))


def test_update_rejects_unknown_options(fits):
    with pytest.raises(pylme.OptionError, match="weights"):
        fits["sleep"].update(weights="Days")
    # the data in R holds only the columns the first fit needed: say so, do not let R find
    # something else under that name
    with pytest.raises(pylme.DataError, match="nosuchcolumn"):
        fits["sleep"].update(". ~ . + nosuchcolumn")
    with pytest.raises(pylme.DataError, match="sample"):
        fits["sleep"].update(". ~ . + (1 | sample)")


@pytest.fixture(scope="module")
def worker_fits():
    """The same models fitted by loky workers: each comes back in pylme's compact format
    (r_scripts/many.R: its reference-class objects without their class's copies)."""
    from pylme.parallel.travel import CompactHandle

    jobs = [
        pylme.Job(function, formula, rref.r_dataset(pkg, name), **options)
        for function, formula, (pkg, name), options in MODELS.values()
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        got = pylme.fit_many(jobs, backend="loky", n_jobs=2, on_error="raise")
    for fit in got:
        assert isinstance(fit._handle, CompactHandle)
    return dict(zip(MODELS, got))


@pytest.mark.parametrize("name", list(CASES))
def test_worker_fits_refit_and_update_as_r(name, worker_fits, reference):
    # refit() runs lme4's reference-class methods (pp$setTheta, resp$setResp, ...) on the
    # model restored here: they are found again through its class
    model, kind, args = CASES[name]
    fit, ref = _run(worker_fits[model], kind, args), reference[(name, "independent")]
    _assert_quantities(fit, ref, f"{name} (a worker's model)")
