"""``pylme doctor``: is everything pylme needs here, and how to fix what is not.

Exit 0 when everything needed for fitting is present (optional packages may be missing),
1 when something needed for fitting is missing or mismatched. For each problem it prints
the exact command that fixes it.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from pylme._version import __version__
from pylme.cli._common import FAILED

#: R package -> (Debian package, needed for fitting?, the methods that use it). Every R
#: package some method needs is here (tests/test_cli.py checks the code against this table).
R_PACKAGES = {
    "lme4": ("r-cran-lme4", True, "fitting"),
    "Matrix": ("r-cran-matrix", True, "fitting"),
    "lmerTest": (
        "r-cran-lmertest",
        False,
        "lmer(..., ddf=), fit.anova(), fit.tidy() of a fit with ddf",
    ),
    "pbkrtest": (
        "r-cran-pbkrtest",
        False,
        "ddf='Kenward-Roger', fit.emmeans() and fit.contrasts() of an lmer fit",
    ),
    "emmeans": ("r-cran-emmeans", False, "fit.emmeans(), fit.contrasts()"),
    "broom.mixed": ("r-cran-broom.mixed", False, "fit.tidy()"),
    "performance": (
        "r-cran-performance",
        False,
        "fit.performance(), fit.check()",
    ),
    "optimx": ("r-cran-optimx", False, "fit.allfit()'s optimx.* optimizers"),
    "dfoptim": ("r-cran-dfoptim", False, "fit.allfit()'s nmkbw optimizer"),
    "numDeriv": ("r-cran-numderiv", False, "lmer_many(..., ddf=) (installed with lmerTest)"),
    "merTools": ("r-cran-mertools", False, "fit.predict(interval=..., method='simulate')"),
    "mlmRev": ("r-cran-mlmrev", False, "pylme.datasets.load(..., package='mlmRev'), list()"),
    "jsonlite": ("r-cran-jsonlite", False, "Rscript r_scripts/verify.R (receipts in pure R)"),
    "digest": ("r-cran-digest", False, "verify.R's data fingerprint check (or openssl)"),
    "openssl": ("r-cran-openssl", False, "verify.R's data fingerprint check (or digest)"),
}
MIN_R, MIN_LME4 = (4, 1), (1, 1, 27)
APT = "sudo apt-get install --no-install-recommends"
R_INSTALL = f"{APT} r-base-core r-base-dev r-cran-lme4"


@dataclass(frozen=True)
class Check:
    """One line of the report: ``fix`` is set when something is missing or mismatched."""

    name: str
    found: str
    needed: bool
    fix: str = ""

    @property
    def ok(self) -> bool:
        return not self.fix


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.replace("-", ".").split(".") if p.isdigit())


def rscript() -> str | None:
    """The Rscript of the R that rpy2 uses (R_HOME), else the one on PATH."""
    try:
        from rpy2.situation import get_r_home

        home = get_r_home()
    except Exception:  # rpy2 missing or broken: reported by its own check
        home = None
    if home:
        exe = Path(home) / "bin" / "Rscript"
        if exe.is_file():
            return str(exe)
    return shutil.which("Rscript")


def probe_r() -> dict[str, str | None]:
    """Versions from R itself (``r_scripts/doctor.R``); {} when there is no R."""
    exe = rscript()
    if exe is None:
        return {}
    from pylme.runtime.session import r_scripts_dir

    res = subprocess.run(
        [exe, "--vanilla", str(r_scripts_dir() / "doctor.R"), *R_PACKAGES],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found: dict[str, str | None] = {}
    for line in res.stdout.splitlines():
        key, _, value = line.partition("\t")
        found[key] = None if value == "NA" else value
    return found


def probe_rpy2() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rpy2")
    except PackageNotFoundError:
        return None


def checks(r: dict[str, str | None], rpy2: str | None) -> list[Check]:
    """The report, from what was found (pure: tests pass made-up findings)."""
    py = platform.python_version()
    out = [
        Check("Python", py, True, "" if sys.version_info >= (3, 10) else "install Python 3.10+"),
        Check("pylme", __version__, True),
    ]
    r_version = r.get("R")
    rpy2_spec = (
        "'rpy2>=3.6,<3.7'" if r_version and _version(r_version) >= (4, 5) else "'rpy2>=3.5.17,<3.6'"
    )
    rpy2_fix = ""
    if rpy2 is None:
        rpy2_fix = f"pip install {rpy2_spec}"
    elif r_version and _version(rpy2) >= (3, 6) and _version(r_version) < (4, 5):
        rpy2_fix = f"pip install {rpy2_spec}   (rpy2 {rpy2} needs R >= 4.5)"
    out.append(Check("rpy2", rpy2 or "missing", True, rpy2_fix))
    if not r_version:
        out.append(Check("R", "missing", True, R_INSTALL))
        return out
    too_old = _version(r_version) < MIN_R
    out.append(Check("R", r_version, True, f"{R_INSTALL}   (R >= 4.1 needed)" if too_old else ""))
    for package, (debian, needed, purpose) in R_PACKAGES.items():
        found = r.get(package)
        fix = f"{APT} {debian}   (or in R: install.packages('{package}'))"
        if found is None:
            out.append(Check(package, f"missing (needed by {purpose})", needed, fix))
        elif package == "lme4" and _version(found) < MIN_LME4:
            out.append(Check(package, f"{found} (pylme needs >= 1.1-27)", needed, fix))
        else:
            out.append(Check(package, found if needed else f"{found} (for {purpose})", needed))
    out.append(Check("BLAS", r.get("BLAS") or "unknown", False))
    return out


@click.command("doctor")
def doctor_command() -> None:
    """Check Python, rpy2, R, lme4 and the optional R packages; print how to fix problems."""
    report = checks(probe_r(), probe_rpy2())
    width = max(len(c.name) for c in report)
    for c in report:
        mark = "ok" if c.ok else ("PROBLEM" if c.needed else "optional: missing")
        click.echo(f"{c.name:<{width}}  {c.found}  [{mark}]")
        if c.fix:
            click.echo(f"{'':<{width}}  fix: {c.fix}")
    if any(c.needed and not c.ok for c in report):
        click.echo("pylme cannot fit models here until the problems above are fixed.", err=True)
        sys.exit(FAILED)
