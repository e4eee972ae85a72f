"""Turn an R error (as returned by ``pylme_call``) into the matching pylme exception."""

from __future__ import annotations

from typing import Any, NoReturn

from pylme.errors import DataError, FormulaError, OptionError, RError


def raise_for_error(result: dict[str, Any], function: str) -> NoReturn:
    classes = set(result.get("error_class") or ())
    message = (result.get("error_message") or ("",))[0]
    call = (result.get("error_call") or ("",))[0]
    if "pylme_refused" in classes:
        raise FormulaError(message)
    if "pylme_formula_error" in classes:
        raise FormulaError(f"lme4 rejected the formula. R said: {message}")
    if "pylme_data_error" in classes:
        raise DataError(f"the data cannot be used for this model. R said: {message}")
    if "pylme_value_error" in classes:
        raise OptionError(message)
    where = f" in {call}()" if call else ""
    raise RError(f"R failed{where} while running {function}. R said: {message}", message, call)
