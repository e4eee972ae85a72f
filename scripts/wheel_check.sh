#!/usr/bin/env bash
# The wheel, tested as installed: build the sdist and the wheel (`python -m build`), check their
# metadata (`twine check`), install the wheel into a fresh venv that is not the project's, and
# from a directory outside the source tree run `pylme doctor`, `pylme demo`, a script that fits,
# predicts, makes a receipt and verifies it with the R scripts shipped inside the wheel, and mypy
# on a user's script (py.typed: pylme's types must be visible). Then tests/test_wheel.py on the
# built wheel: it holds every R file the package loads.
#
#   bash scripts/wheel_check.sh      # PYLME_VENV (default .venv): the Python that makes the venvs
#                                    # and runs the wheel's pytest; WHEEL_CHECK_DIR: keep the work
#                                    # there instead of a temporary directory
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${PYLME_VENV:-$root/.venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
py="$venv/bin/python"
start=$SECONDS
say() { printf '[wheel check] %s\n' "$*"; }

work="${WHEEL_CHECK_DIR:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/pylme-wheel.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
# Nothing from the source tree may leak into the installed package's runs.
unset PYTHONPATH

# 1. Build and check, with build and twine in their own venv (not the project's).
say "building the sdist and the wheel"
"$py" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q build twine
rm -rf "$work/dist"
"$work/tools/bin/python" -m build -q -o "$work/dist" "$root" >/dev/null
"$work/tools/bin/twine" check --strict "$work"/dist/*
wheel="$(ls "$work"/dist/pylme-*.whl)"

# 2. A fresh venv with the wheel, and the rpy2 that matches this R (as scripts/setup.sh picks it:
# rpy2 3.6 needs R >= 4.5, older R needs rpy2 3.5).
if Rscript -e 'quit(status = as.integer(getRversion() < "4.5.0"))' >/dev/null 2>&1; then
  rpy2_spec='rpy2>=3.6,<3.7'
else
  rpy2_spec='rpy2>=3.5.17,<3.6'
fi
say "installing $(basename "$wheel") with $rpy2_spec into a fresh venv"
rm -rf "$work/user"
"$py" -m venv "$work/user"
ubin="$work/user/bin"
# mypy pinned as the lint extra pins it.
"$ubin/python" -m pip install -q "$rpy2_spec" "$wheel" "mypy==2.4.1"

# 3. From outside the source tree.
outside="$work/outside"
rm -rf "$outside" && mkdir -p "$outside"
cd "$outside"
where="$("$ubin/python" -c 'import pylme, pathlib; print(pathlib.Path(pylme.__file__).parent)')"
case "$where" in "$work/user/"*) ;; *) say "pylme imported from $where, not the fresh venv"; exit 1 ;; esac

say "pylme doctor"
"$ubin/pylme" doctor
say "pylme demo"
"$ubin/pylme" demo >demo.out
tail -n 4 demo.out

say "fit, predict, receipt, verify (Python and the wheel's verify.R)"
cat >use.py <<'PY'
import pathlib
import sys

import numpy as np

import pylme
from pylme.datasets import load
from pylme.runtime import r_scripts_dir

scripts = r_scripts_dir()
venv = pathlib.Path(sys.prefix)
if venv not in scripts.parents:
    sys.exit(f"R scripts come from {scripts}, not from the installed wheel under {venv}")
sleep = load("sleepstudy")
fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleep)
pred = fit.predict(sleep.head(3))
if pred.shape != (3,) or not np.all(np.isfinite(pred)):
    sys.exit(f"predict gave {pred!r}")
fit.save_receipt("receipt.json")
sleep.to_csv("sleep.csv", index=False)
report = pylme.verify("receipt.json", sleep)
if not report.ok:
    sys.exit(f"pylme.verify failed:\n{report}")
print(f"fitted and verified in Python; verify.R at {scripts / 'verify.R'}")
print(scripts / "verify.R", file=open("verify_r_path.txt", "w"))
PY
"$ubin/python" use.py
Rscript "$(cat verify_r_path.txt)" receipt.json sleep.csv

say "mypy sees pylme's types (py.typed)"
cat >typed_use.py <<'PY'
import pylme
from pylme.datasets import load

fit: pylme.LmerFit = pylme.lmer("Reaction ~ Days + (1 | Subject)", load("sleepstudy"))
wrong: int = pylme.lmer("Reaction ~ Days + (1 | Subject)", load("sleepstudy"))
PY
set +e
"$ubin/mypy" --no-incremental typed_use.py >mypy.out 2>&1
status=$?
set -e
cat mypy.out
# Without py.typed mypy would say 'module is installed, but missing library stubs or py.typed
# marker' and type pylme.lmer as Any, so the wrong assignment would pass.
if [ "$status" -ne 1 ] || ! grep -q 'typed_use.py:5: error: Incompatible types in assignment (expression has type "LmerFit", variable has type "int")' mypy.out \
   || [ "$(grep -c 'error:' mypy.out)" -ne 1 ]; then
  say "mypy did not see pylme's types as expected"
  exit 1
fi

# 4. The wheel holds every R file the package loads.
cd "$root"
say "tests/test_wheel.py on the built wheel"
PYLME_WHEEL="$wheel" "$py" -m pytest -q -p no:cacheprovider tests/test_wheel.py
say "passed in $((SECONDS - start)) s"
