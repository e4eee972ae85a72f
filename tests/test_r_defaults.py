"""Every default of a public function or method that mirrors an R function equals R's own,
read from R with formals() (``Rscript r_scripts/reference_defaults.R``). A default may differ
only through EXCEPTIONS, each with its reason, and each tested to differ really."""

from __future__ import annotations

import inspect
import json
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rref

import pylme
from pylme.results.fit import MixedFit

EMPTY = inspect.Parameter.empty

#: pylme name -> (the Python callable, the R function it mirrors, {python arg: R arg}); an R arg
#: may be "pkg:::fun$arg" when that argument's default lives in another R function (emmeans
#: passes `at` to ref_grid(), and its summaries' `level` is confint.emmGrid's).
MIRRORS: dict[str, tuple[Any, str, dict[str, str]]] = {
    "pylme.lmer": (
        pylme.lmer,
        "lme4::lmer",
        {
            "formula": "formula",
            "data": "data",
            "REML": "REML",
            "weights": "weights",
            "offset": "offset",
            "contrasts": "contrasts",
            "control": "control",
            "na_action": "na.action",
        },
    ),
    "pylme.glmer": (
        pylme.glmer,
        "lme4::glmer",
        {
            "formula": "formula",
            "data": "data",
            "family": "family",
            "weights": "weights",
            "offset": "offset",
            "nAGQ": "nAGQ",
            "contrasts": "contrasts",
            "control": "control",
            "na_action": "na.action",
        },
    ),
    # glmer.nb(..., interval, tol, ...) passes its model arguments on to glmer()
    "pylme.glmer_nb": (
        pylme.glmer_nb,
        "lme4::glmer",
        {
            "formula": "formula",
            "data": "data",
            "weights": "weights",
            "offset": "offset",
            "nAGQ": "nAGQ",
            "contrasts": "contrasts",
            "control": "control",
            "na_action": "na.action",
        },
    ),
    "pylme.nlmer": (
        pylme.nlmer,
        "lme4::nlmer",
        {
            "formula": "formula",
            "data": "data",
            "start": "start",
            "nAGQ": "nAGQ",
            "control": "control",
            "na_action": "na.action",
        },
    ),
    "nlmer_fit.confint": (
        pylme.NlmerFit.confint,
        "lme4:::confint.merMod",
        {
            "method": "method",
            "level": "level",
            "parm": "parm",
            "nsim": "nsim",
            "boot_type": "boot.type",
            "seed": "lme4::bootMer$seed",
        },
    ),
    "fit.predict": (
        MixedFit.predict,
        "lme4:::predict.merMod",
        {
            "newdata": "newdata",
            "re_form": "re.form",
            "allow_new_levels": "allow.new.levels",
            "type": "type",
        },
    ),
    "fit.simulate": (
        MixedFit.simulate,
        "lme4:::simulate.merMod",
        {"nsim": "nsim", "seed": "seed", "re_form": "re.form"},
    ),
    "fit.refit": (MixedFit.refit, "lme4:::refit.merMod", {"newresp": "newresp"}),
    "fit.update": (MixedFit.update, "lme4:::update.merMod", {"formula": "formula."}),
    "fit.confint": (
        MixedFit.confint,
        "lme4:::confint.merMod",
        {
            "method": "method",
            "level": "level",
            "parm": "parm",
            "nsim": "nsim",
            "boot_type": "boot.type",
            "seed": "lme4::bootMer$seed",
        },
    ),
    "pylme.anova": (
        pylme.anova,
        "lme4:::anova.merMod",
        {"refit": "refit", "names": "model.names"},
    ),
    "fit.anova": (
        MixedFit.anova,
        "lmerTest:::anova.lmerModLmerTest",
        {"type": "type", "ddf": "ddf"},
    ),
    "fit.emmeans": (
        MixedFit.emmeans,
        "emmeans::emmeans",
        {
            "specs": "specs",
            "by": "by",
            "at": "emmeans::ref_grid$at",
            "type": "emmeans:::summary.emmGrid$type",
            "level": "emmeans:::confint.emmGrid$level",
        },
    ),
    "fit.contrasts": (
        MixedFit.contrasts,
        "emmeans:::contrast.emmGrid",
        {
            "specs": "emmeans::emmeans$specs",
            "method": "method",
            "by": "by",
            "adjust": "adjust",
        },
    ),
    "fit.allfit": (
        MixedFit.allfit,
        "lme4::allFit",
        {"optimizers": "meth.tab", "maxfun": "maxfun"},
    ),
    "fit.influence": (
        MixedFit.influence,
        "lme4:::influence.merMod",
        {"groups": "groups", "maxfun": "maxfun"},
    ),
    "fit.hatvalues": (MixedFit.hatvalues, "lme4:::hatvalues.merMod", {}),
    "fit.drop1": (MixedFit.drop1, "lme4:::drop1.merMod", {"test": "test"}),
    "fit.ranova": (MixedFit.ranova, "lmerTest::ranova", {"reduce_terms": "reduce.terms"}),
    "fit.step": (
        MixedFit.step,
        "lmerTest:::step.lmerModLmerTest",
        {
            "reduce_fixed": "reduce.fixed",
            "reduce_random": "reduce.random",
            "alpha_fixed": "alpha.fixed",
            "alpha_random": "alpha.random",
        },
    ),
    "fit.tidy": (
        MixedFit.tidy,
        "broom.mixed:::tidy.merMod",
        {"conf_int": "conf.int", "level": "conf.level", "effects": "effects"},
    ),
    "fit.bootstrap": (MixedFit.bootstrap, "lme4::bootMer", {"nsim": "nsim", "seed": "seed"}),
}

#: Public fit methods and pylme functions that mirror no R function's arguments, and why.
NOT_MIRRORED = {
    "fit.ranef_frame": "as.data.frame(ranef(fit, condVar = TRUE)): no arguments",
    "fit.summary": "print(summary(fit)): no arguments",
    "fit.r_model": "the R object itself",
    "fit.has_model": "pylme's own",
    "fit.without_model": "pylme's own (a light pickle)",
    "fit.crosscheck": "statsmodels, not R",
    "fit.to_rds": "saveRDS(fit, path): pylme passes no saveRDS options",
    "fit.receipt": "pylme's receipts",
    "fit.save_receipt": "pylme's receipts",
    "fit.plot_ranef": "matplotlib's dotplot(ranef(fit, condVar = TRUE)); no shared options",
    "fit.plot_residuals": "matplotlib drawing; no shared options",
    "fit.plot_influence": "matplotlib drawing of influence()'s Cook's distance",
    "fit.performance": "performance::model_performance(fit) and r2/icc with R's defaults: "
    "no arguments",
    "fit.check": "pylme's report of performance's check_*() and fit.check_convergence()",
    "fit.check_convergence": "?convergence's procedure (gradient, restart, allFit): no one R "
    "function",
    "pylme.read_rds": "readRDS(path): no options",
    "pylme.lmer_many": "no R counterpart (many lmer fits)",
    "pylme.fit_many": "no R counterpart (jobs on workers)",
}

#: Python-only arguments (no R argument of the mirrored function), with what they do.
PYTHON_ONLY = {
    ("pylme.lmer", "ddf"): "lmerTest's df for fixef; None computes none (R needs lmerTest)",
    ("pylme.lmer", "trusted"): "pylme's formula allow-list; R has no such check",
    ("pylme.glmer", "trusted"): "pylme's formula allow-list",
    ("pylme.glmer", "link"): "R spells the link inside family (binomial(link = ...))",
    ("pylme.glmer_nb", "trusted"): "pylme's formula allow-list",
    ("pylme.nlmer", "trusted"): "pylme's formula allow-list",
    ("nlmer_fit.confint", "progress"): "a progress bar",
    ("fit.confint", "progress"): "a progress bar",
    ("fit.allfit", "progress"): "a progress bar (one R call per optimizer)",
    ("fit.influence", "progress"): "a progress bar (one refit per observation or group)",
    ("fit.emmeans", "lmer_df"): "emmeans' lmer.df option; None passes nothing, so R's applies",
    ("fit.contrasts", "lmer_df"): "emmeans' lmer.df option; None passes nothing",
    ("fit.bootstrap", "statistic"): "bootMer's FUN: pylme's named statistics",
    ("fit.bootstrap", "backend"): "serial (bootMer's one stream) or worker processes",
    ("fit.bootstrap", "n_jobs"): "worker processes",
    ("fit.bootstrap", "progress"): "a progress bar",
    ("fit.predict", "interval"): "confidence or prediction intervals (predict.merMod has none)",
    ("fit.predict", "level"): "the intervals' coverage",
    ("fit.predict", "method"): "delta method, merTools' predictInterval, or bootMer",
    ("fit.predict", "nsim"): "simulations for the merTools and bootstrap methods",
    ("fit.predict", "seed"): "R's set.seed before the simulations",
    ("fit.predict", "use_u"): "bootMer's use.u for the bootstrap method",
    ("fit.predict", "backend"): "serial or worker processes for the bootstrap method",
    ("fit.predict", "n_jobs"): "worker processes",
    ("fit.predict", "progress"): "a progress bar",
}

#: Defaults that differ from R's, with the reason. test_exceptions_really_differ keeps it true.
EXCEPTIONS = {
    ("pylme.lmer", "data"): "R's NULL looks variables up in the formula's environment; pylme "
    "fits a frame, so data is required",
    ("pylme.glmer", "data"): "as for lmer: pylme fits a frame",
    ("pylme.glmer_nb", "data"): "as for lmer: pylme fits a frame",
    ("pylme.glmer", "family"): "R's gaussian default fits an LMM (deprecated in lme4): pylme "
    "requires family and raises OptionError pointing to pylme.lmer",
    ("pylme.nlmer", "data"): "as for lmer: pylme fits a frame",
    ("pylme.nlmer", "start"): "R's NULL fails in nlformula (is.numeric(nlpars) is not TRUE): "
    "nlmer needs start values, so pylme requires them",
    ("nlmer_fit.confint", "method"): "R's profile fails on nlmer fits; Wald is the method that "
    "works (profile and boot raise UnsupportedError)",
    ("fit.refit", "newresp"): "R's NULL refits the same response, giving back the same fit; "
    "pylme's fits are immutable values, so refit() asks for the new response",
    ("fit.bootstrap", "nsim"): "R's 1 replicate is no bootstrap; pylme asks for nsim",
    ("fit.bootstrap", "seed"): "required so that every backend's replicates are reproducible "
    "(the parallel backends derive one seed per replicate from it)",
}

#: Python spellings of R defaults that are not plain constants: (R default's text, Python).
SAME_MEANING = {
    ("call", "lmerControl()"): None,  # None: R's default control
    ("call", "glmerControl()"): None,
    ("call", "nlmerControl()"): None,
    ("na", "NA"): "~0",  # simulate's re.form = NA: pylme spells it "~0" (or "NA")
}
#: lmerTest's anova type: R's "III" is pylme's 3.
CHOICE_SPELLINGS = {"III": 3}


@cache
def r_formals() -> dict[str, Any]:
    functions = set()
    for _, r_fun, args in MIRRORS.values():
        functions.add(r_fun)
        functions.update(a.split("$")[0] for a in args.values() if "$" in a)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps({"functions": sorted(functions)}))
        script = rref.R_SCRIPTS / "reference_defaults.R"
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(f"reference_defaults.R failed:\n{res.stderr}")
        return json.loads(out.read_text())


def r_default(r_fun: str, r_arg: str) -> dict[str, Any]:
    fun, arg = r_arg.split("$") if "$" in r_arg else (r_fun, r_arg)
    return r_formals()[fun][arg]


def matches(py: Any, r: dict[str, Any], options: dict[str, Any], r_arg: str) -> bool:
    """Whether a Python default means what R's default means."""
    kind, value = r["kind"], r["value"]
    if r_arg == "na.action" and kind == "missing":  # R uses getOption("na.action")
        return py == options["na.action"].removeprefix("na.")
    if kind == "missing":
        return py is EMPTY or py is None
    if kind == "null":
        return py is None
    if kind == "value":  # TRUE is not 1: a bool must meet a logical
        return isinstance(py, bool) == isinstance(value, bool) and py == value
    if kind == "choices":  # match.arg(): the first choice
        return py == CHOICE_SPELLINGS.get(value, value)
    if (kind, r["text"]) in SAME_MEANING:
        return py == SAME_MEANING[(kind, r["text"])]
    return False


def effects_match(py: Any, r: dict[str, Any]) -> bool:
    """broom.mixed's effects = c("ran_pars", "fixed") is a vector, not a match.arg choice."""
    return r["kind"] == "choices" and r["text"] == "c(" + ", ".join(f'"{e}"' for e in py) + ")"


def cases() -> list[tuple[str, str]]:
    return [(name, arg) for name, (_, _, args) in MIRRORS.items() for arg in args]


def py_default(function: Any, arg: str) -> Any:
    return inspect.signature(function).parameters[arg].default


def same(name: str, arg: str) -> bool:
    function, r_fun, args = MIRRORS[name]
    py = py_default(function, arg)
    r = r_default(r_fun, args[arg])
    if name == "fit.tidy" and arg == "effects":
        return effects_match(py, r)
    return matches(py, r, r_formals()["options"], args[arg])


@pytest.mark.parametrize(("name", "arg"), [c for c in cases() if c not in EXCEPTIONS])
def test_default_equals_r(name, arg):
    function, r_fun, args = MIRRORS[name]
    assert same(name, arg), (
        f"{name}({arg}={py_default(function, arg)!r}) but R's {r_fun} has "
        f"{args[arg]} = {r_default(r_fun, args[arg])['text'] or '(missing)'}"
    )


@pytest.mark.parametrize("case", list(EXCEPTIONS))
def test_exceptions_really_differ(case):
    """An exception that no longer differs must leave the table."""
    assert not same(*case), f"{case} matches R now: remove it from EXCEPTIONS"


@pytest.mark.parametrize("name", list(MIRRORS))
def test_every_argument_is_mirrored_or_explained(name):
    function, r_fun, args = MIRRORS[name]
    for p, param in inspect.signature(function).parameters.items():
        if p == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        assert p in args or (name, p) in PYTHON_ONLY, (
            f"{name}: {p} is neither mirrored nor explained"
        )
    for r_arg in args.values():
        fun, arg = r_arg.split("$") if "$" in r_arg else (r_fun, r_arg)
        assert arg in r_formals()[fun], f"R's {fun} has no argument {arg}"


def test_the_check_sees_a_wrong_default():
    """predict(type="response"), pylme's old default, is caught against R's formals()."""
    r = r_default("lme4:::predict.merMod", "type")
    assert r["kind"] == "choices" and r["value"] == "link"
    options = r_formals()["options"]
    assert not matches("response", r, options, "type")
    assert matches("link", r, options, "type")
    assert not matches("binomial", r_default("lme4::glmer", "family"), options, "family")
    assert not matches(0.9, r_default("lme4:::confint.merMod", "level"), options, "level")
    assert not effects_match(
        ("fixed", "ran_pars"), r_default("broom.mixed:::tidy.merMod", "effects")
    )


def test_every_public_fit_method_is_walked():
    """A new public method must be mirrored (MIRRORS) or explained (NOT_MIRRORED)."""
    methods = {**vars(MixedFit), **vars(pylme.LmerFit), **vars(pylme.GlmerFit)}
    for attr, value in methods.items():
        if attr.startswith("_") or not callable(value):
            continue
        name = f"fit.{attr}"
        assert name in MIRRORS or name in NOT_MIRRORED, f"{name} is not in the defaults walk"
