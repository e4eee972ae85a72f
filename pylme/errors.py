"""Every error and warning pylme raises.

One root for errors (:class:`PylmeError`) and one for warnings (:class:`PylmeWarning`), so that
callers can catch everything pylme does with a single ``except`` or warnings filter.
"""

from __future__ import annotations

import os
import re
import sys
import warnings


class PylmeError(Exception):
    """Root of every error raised by pylme."""


class RNotFoundError(PylmeError):
    """R, rpy2 or a required R package (lme4, Matrix) is missing or too old."""


class RStartError(RNotFoundError):
    """R and rpy2 are installed, but rpy2 could not start R (a version mismatch, a broken
    build). The message names both versions and what failed; installing R would not help."""


class FormulaError(PylmeError, ValueError):
    """The model formula is malformed or lme4 rejected it. R's own message is quoted."""


class DataError(PylmeError, ValueError):
    """The data cannot be used: a missing column, an unsupported dtype, or no rows left."""


class ReceiptError(DataError):
    """A receipt breaks the receipt schema (``r_scripts/receipt_schema.json``); ``field``
    names the field, e.g. ``call.options.na_action``."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (str(self), self.field))


class OptionError(PylmeError, ValueError):
    """An option value is not one of the allowed values (family, link, control name, ...)."""


class UnsupportedError(PylmeError, NotImplementedError):
    """lme4 has no such method for this kind of fit (``simulate`` of an nlmer fit, ...).
    The message names what does work instead."""


class ModelMissingError(PylmeError, RuntimeError):
    """The fit carries no R model (``without_model()``, a light pickle), and the method needs it."""


#: Optional packages some Debian release lacks (apt-cache policy: no candidate), with where.
NOT_IN_DEBIAN = {
    "r-cran-performance": "Debian 13 (trixie) has no r-cran-performance: use install.packages",
}


class MissingRPackageError(RNotFoundError):
    """An optional R package a method needs is not installed. The message gives the command."""

    def __init__(self, package: str, debian: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the R package '{package}', which is not installed. Install it with\n"
            f"  Debian/Ubuntu: sudo apt-get install --no-install-recommends {debian}\n"
            f"  or in R:       install.packages('{package}')"
            + (f"\n  ({NOT_IN_DEBIAN[debian]})" if debian in NOT_IN_DEBIAN else "")
        )
        self.package = package
        self.install_command = f"apt-get install --no-install-recommends {debian}"


class RError(PylmeError):
    """Any other failure inside R. ``r_message`` holds R's message word for word."""

    def __init__(self, message: str, r_message: str = "", r_call: str = "") -> None:
        super().__init__(message)
        self.r_message = r_message
        self.r_call = r_call


class PylmeWarning(UserWarning):
    """Root of every warning raised by pylme (R warnings and messages that are not more
    specific)."""


class ConvergenceWarning(PylmeWarning):
    """lme4 reported a convergence problem (gradient, Hessian, unidentifiable model)."""


class SingularFitWarning(PylmeWarning):
    """lme4 reported a boundary (singular) fit: see R's ``help('isSingular')``."""


class TrustedFormulaWarning(PylmeWarning):
    """``trusted=True`` (or ``pylme fit --trusted``): pylme's formula allow-list is off, so the
    formula can run any R code with the user's permissions."""


#: Where an R warning or message came from (R's ``pylme_origin``) -> its warning class.
ORIGIN_CATEGORIES: dict[str, type[PylmeWarning]] = {
    "checkConv": ConvergenceWarning,
    "checkConv:singular": SingularFitWarning,
    "optwrap": ConvergenceWarning,
    "Nelder_Mead": ConvergenceWarning,
}


def warning_category(origin: str) -> type[PylmeWarning]:
    """The warning class for an R warning or message, by where it came from (not its text,
    which R translates): signalled by lme4's convergence checker ``checkConv`` (or by
    ``optwrap``, reporting the optimizer's return code), a :class:`ConvergenceWarning`; by
    ``checkConv``'s boundary check, a :class:`SingularFitWarning`; else a
    :class:`PylmeWarning`."""
    return ORIGIN_CATEGORIES.get(origin, PylmeWarning)


#: pylme's own directory: frames in files under it are pylme's, not the user's.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: lme4's checkConv joins its Hessian messages with ";" into one warning
#: (``paste(resHess$messages, collapse = ";")``); each part starts with one of these.
_LME4_JOINED = re.compile(r";(?=Model |Hessian |Problem with Hessian )")


def lme4_messages(text: str) -> list[str]:
    """One R warning or message text as lme4's own messages: a text lme4 joined with ";"
    (``"Model is nearly unidentifiable: very large eigenvalue ...;Model is nearly ..."``)
    becomes its parts."""
    return [part for part in _LME4_JOINED.split(text) if part]


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` pointing at the user's line (the first frame
    outside pylme), whichever public function it came through."""
    frame = sys._getframe(1)  # warn's caller: stacklevel 2
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


__all__ = [
    "ConvergenceWarning",
    "DataError",
    "FormulaError",
    "MissingRPackageError",
    "ModelMissingError",
    "OptionError",
    "PylmeError",
    "PylmeWarning",
    "RError",
    "ReceiptError",
    "RNotFoundError",
    "SingularFitWarning",
    "TrustedFormulaWarning",
    "lme4_messages",
    "warn",
    "warning_category",
]
