"""Start embedded R on first use, check versions, and source ``r_scripts`` once.

Nothing here runs at import: :func:`get_session` starts R the first time a fit (or
:func:`pylme.to_r`) needs it. All R work in the process goes through :data:`R_LOCK`.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pylme.errors import PylmeWarning, RNotFoundError, RStartError
from pylme.runtime import rpy2_compat
from pylme.runtime.conditions import raise_for_error
from pylme.runtime.from_r import from_r, r_names
from pylme.runtime.process import (
    console_captured,
    environment_for_r,
    environment_kept,
    interruptible,
)
from pylme.runtime.values import to_r_value

#: Process-wide lock: R is single-threaded, so every interaction with it holds this lock.
R_LOCK = threading.RLock()

MIN_R = (4, 1)
MIN_LME4 = (1, 1, 27)
R_FILES = (
    "runtime.R",
    "formula.R",
    "fit.R",
    "condvar.R",
    "extract.R",
    "design.R",
    "postfit.R",
    "inference.R",
    "diagnostics.R",
    "receipts.R",
    "many.R",
    "many_numbers.R",
    "datasets.R",
    "convergence.R",
    "nlmer.R",
    "intervals.R",
    "crossval.R",
    "power.R",
)

INSTALL_HINT = (
    "Install R and lme4 with one of:\n"
    "  Debian/Ubuntu: sudo apt-get install --no-install-recommends r-base-core r-base-dev "
    "r-cran-lme4\n"
    "  conda:         conda install -c conda-forge r-base r-lme4\n"
    "  CRAN:          install R from https://cran.r-project.org, then in R: "
    "install.packages('lme4')\n"
    "or run `bash scripts/setup.sh demo`, which does this for you."
)

#: Variables R reads at run time from the environment it set at start-up: they are put
#: back only around pylme's own R calls, so child processes never inherit them.
R_NEEDS = ("R_HOME", "R_SHARE_DIR", "R_INCLUDE_DIR", "R_DOC_DIR")

_session: RSession | None = None


def r_scripts_dir() -> Path:
    """Where the R sources are: inside the installed package, or at the repository root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "r_scripts", here.parent / "r_scripts"):
        if (candidate / "runtime.R").is_file():
            return candidate
    raise RNotFoundError(
        f"pylme's R sources (r_scripts/) are missing next to {here}; reinstall pylme."
    )


@dataclass(frozen=True)
class RCallResult:
    """What one protected R call gave back."""

    value: Any
    warnings: tuple[str, ...]
    messages: tuple[str, ...]
    output: str
    #: Where each warning / message came from (``pylme_origin`` in runtime.R), "" elsewhere.
    warning_origins: tuple[str, ...] = ()
    message_origins: tuple[str, ...] = ()


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.replace("-", ".").split(".") if p.isdigit())


def _import_rinterface() -> Any:
    try:
        import rpy2.rinterface as ri
    except ImportError as exc:  # includes rpy2 built for a newer R (undefined symbol R_getVar)
        hint = ""
        if "R_getVar" in str(exc):
            hint = (
                "\nThis rpy2 needs R 4.5 or newer. With an older R install rpy2 3.5: "
                "pip install 'rpy2>=3.5.17,<3.6'"
            )
        raise RNotFoundError(f"could not load rpy2 / R: {exc}{hint}\n{INSTALL_HINT}") from exc
    except Exception as exc:  # rpy2 raises RuntimeError/OSError when it cannot find R
        raise RNotFoundError(f"could not load R through rpy2: {exc}\n{INSTALL_HINT}") from exc
    return ri


def _installed_r_version() -> str:
    """The version of the R that rpy2 would start (for messages only; asks R's own Rscript)."""
    import shutil
    import subprocess

    try:
        from rpy2.situation import get_r_home

        home = get_r_home()
        rscript = str(Path(home) / "bin" / "Rscript") if home else shutil.which("Rscript")
        out = subprocess.run(
            [rscript or "Rscript", "-e", "cat(as.character(getRversion()))"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return out.stdout.strip() or "(version unknown)"
    except Exception:  # only for a message: never hide the start-up error behind another
        return "(version unknown)"


class RSession:
    """The embedded R session and pylme's own R environment (never ``globalenv``)."""

    def __init__(self) -> None:
        # R's start-up leaves the environment as it found it (child processes inherit it),
        # and what R prints while starting becomes one PylmeWarning, not console output.
        said: list[str] = []
        with environment_kept() as undone:
            ri = _import_rinterface()
            with console_captured(said):
                self._start(ri)
        #: What R must see in the environment while it runs (only during pylme's calls).
        self.r_environment = {k: v for k, v in undone.items() if k in R_NEEDS and v is not None}
        text = "".join(said).strip()
        if text:
            warnings.warn(f"R said while starting: {text}", PylmeWarning, stacklevel=3)

    def _start(self, ri: Any) -> None:
        try:
            rpy2_compat.start_r(ri)
        except Exception as exc:
            raise RStartError(
                f"rpy2 {rpy2_compat.rpy2_version()} cannot start R {_installed_r_version()}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        self.ri = ri
        base = ri.baseenv
        self.env = base["new.env"](parent=base)
        scripts = r_scripts_dir()
        sys_source = base["sys.source"]
        for name in R_FILES:
            sys_source(str(scripts / name), envir=self.env, **{"keep.source": False})
        versions = from_r(self.env["pylme_versions"]())
        self.versions: dict[str, str | None] = {
            k: (v[0] if v else None) for k, v in versions.items()
        }
        self._check_versions()
        self.env["pylme_load"]()
        self._call = self.env["pylme_call"]

    def _check_versions(self) -> None:
        v = self.versions
        problems = []
        if _version_tuple(v["R"] or "0") < MIN_R:
            problems.append(f"R {v['R']} is too old (pylme needs R >= 4.1)")
        if v["lme4"] is None:
            problems.append("the R package lme4 is not installed")
        elif _version_tuple(v["lme4"]) < MIN_LME4:
            problems.append(f"lme4 {v['lme4']} is too old (pylme needs lme4 >= 1.1-27)")
        if v["Matrix"] is None:
            problems.append("the R package Matrix is not installed")
        if problems:
            raise RNotFoundError("; ".join(problems) + ".\n" + INSTALL_HINT)

    def call(
        self, function: str, req: dict[str, Any], *, keep: tuple[str, ...] = ()
    ) -> RCallResult:
        """Run ``function(req)`` in R with output and conditions captured.

        ``req`` values are converted with :func:`pylme.conversion.values.to_r_value`. Entries of
        the returned list named in ``keep`` stay R objects (model handles); the rest become
        Python values. R errors become pylme errors (see :mod:`pylme.runtime.conditions`).
        """
        with R_LOCK:
            with environment_for_r(self.r_environment), interruptible() as interrupted:
                try:
                    res = self._call(self.env[function], to_r_value(req))
                except Exception:
                    if interrupted:
                        raise KeyboardInterrupt(f"R was interrupted in {function}") from None
                    raise
            if interrupted:
                raise KeyboardInterrupt(f"R was interrupted in {function}")
            names = r_names(res)
            parts = {n: res[i] for i, n in enumerate(names)}
            warnings = tuple(from_r(parts["warnings"]) or ())
            messages = tuple(from_r(parts["messages"]) or ())
            output = (from_r(parts["output"]) or ("",))[0]
            origins = (
                tuple(from_r(parts["warning_origins"]) or ()),
                tuple(from_r(parts["message_origins"]) or ()),
            )
            if not from_r(parts["ok"])[0]:
                raise_for_error(from_r(res), function)
            value = parts["value"]
            if keep:
                value_names = r_names(value)
                kept = {n: value[i] for i, n in enumerate(value_names) if n in keep}
                rest = {n: from_r(value[i]) for i, n in enumerate(value_names) if n not in keep}
                converted: Any = {**rest, **kept}
            else:
                converted = from_r(value)
            del res, parts, value
        return RCallResult(converted, warnings, messages, output, *origins)


def get_session() -> RSession:
    """The process's R session, started on first use."""
    global _session
    if _session is None:
        with R_LOCK:
            if _session is None:
                _session = RSession()
    return _session
