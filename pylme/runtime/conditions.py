"""Turn an R error (as returned by ``pylme_call``) into the matching pylme exception.

An :class:`~pylme.errors.RError`'s message leads with R's own condition message, then R's call
on one line (``pylme_call_text`` in runtime.R shows arguments only when short) and the pylme
function that ran it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from pylme.errors import DataError, FormulaError, OptionError, RError

#: The pylme function behind each R entry point, named in an RError's message.
PYLME_FUNCTIONS = {
    "pylme_fit": "pylme.lmer/glmer/glmer_nb/nlmer()",
    "pylme_nl_formula_vars": "pylme.nlmer()",
    "pylme_predict": "fit.predict()",
    "pylme_predict_vars": "fit.predict()",
    "pylme_simulate": "fit.simulate()",
    "pylme_pi_delta": "fit.predict(interval=..., method='delta')",
    "pylme_pi_simulate": "fit.predict(interval=..., method='simulate')",
    "pylme_pi_boot": "fit.predict(interval=..., method='bootstrap')",
    "pylme_pi_boot_summary": "fit.predict(interval=..., method='bootstrap')",
    "pylme_cv_folds": "pylme.cross_validate()",
    "pylme_cv_fold": "pylme.cross_validate()",
    "pylme_cv_metrics": "pylme.cross_validate()",
    "pylme_confint": "fit.confint()",
    "pylme_confint_names": "fit.confint()",
    "pylme_anova_models": "pylme.anova()",
    "pylme_lmertest_anova": "fit.anova()",
    "pylme_lmertest_coefs": "pylme.lmer(ddf=...)",
    "pylme_emmeans": "fit.emmeans()",
    "pylme_contrasts": "fit.contrasts()",
    "pylme_tidy": "fit.tidy()",
}
#: (pylme's R entry point, the R function that failed) -> the pylme argument behind it.
ARGUMENTS = {
    ("pylme_predict", "mkNewReTrms"): "re_form",
    ("pylme_emmeans", "model.frame.default"): "at",
    ("pylme_contrasts", "model.frame.default"): "at",
    ("pylme_contrasts", "contrast.emmGrid"): "method",
}
#: The longest R call shown: one line, so R's message stays the first thing a user reads.
MAX_CALL_CHARS = 100


def one_line(call: str) -> str:
    """R's deparsed call, cut to its first line and :data:`MAX_CALL_CHARS` characters."""
    lines = call.strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= MAX_CALL_CHARS else line[: MAX_CALL_CHARS - 3] + "..."


def raise_for_error(result: dict[str, Any], function: str) -> NoReturn:
    classes = set(result.get("error_class") or ())
    message = (result.get("error_message") or ("",))[0]
    call = one_line((result.get("error_call") or ("",))[0])
    if "pylme_refused" in classes:
        raise FormulaError(message)
    if "pylme_formula_error" in classes:
        raise FormulaError(f"lme4 rejected the formula. R said: {message}")
    if "pylme_data_error" in classes:
        raise DataError(f"the data cannot be used for this model. R said: {message}")
    if "pylme_value_error" in classes:
        raise OptionError(message)
    where = f"R: in {call}; " if call else ""
    pylme_function = PYLME_FUNCTIONS.get(function, function)
    argument = ARGUMENTS.get((function, call.split("(", 1)[0]))
    check = f", check its argument {argument}" if argument else ""
    raise RError(f"{message} ({where}from {pylme_function}{check})", message, call)
