#!/usr/bin/env bash
# pylme set-up: install whatever is missing, then run the demo fit or the test suite.
#
#   bash scripts/setup.sh demo    # R + lme4 (if missing), a venv with pylme, then a demo fit
#   bash scripts/setup.sh test    # the same plus test extras and R test data, then pytest
#
# R and lme4 already present (conda, CRAN, ...) are used as they are; R is installed from
# Debian/Ubuntu packages only when it is missing. Environment knobs: PYLME_VENV (default
# .venv), PYTHON (default python3).
set -euo pipefail

mode="${1:-demo}"
case "$mode" in demo|test) ;; *) echo "usage: bash scripts/setup.sh demo|test" >&2; exit 2 ;; esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${PYLME_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

say() { printf '[pylme setup] %s\n' "$*"; }

# pylme needs Python 3.10 or newer (see README, "Python versions"): stop early and say so.
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
  found="$("$python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo "no $python")"
  say "pylme needs Python 3.10 or newer; $python is $found. Install a newer Python and run"
  say "again with PYTHON=/path/to/python3.10 (or newer) bash scripts/setup.sh $mode"
  exit 1
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

r_has() {  # r_has PKG: is the R package installed?
  command -v Rscript >/dev/null 2>&1 &&
    [ "$(Rscript -e "cat(nzchar(system.file(package='$1')))" 2>/dev/null)" = "TRUE" ]
}

apt_ok() { command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

# Optional packages: install those this release has; name the ones it lacks (Debian 13 has no
# r-cran-performance, for example) instead of failing the whole apt-get call.
apt_install_optional() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  local have=() lack=() p policy
  for p in "$@"; do
    # Read apt-cache's whole answer first: `apt-cache ... | grep -q` under pipefail fails
    # whenever grep stops reading early (SIGPIPE), which made available packages look missing.
    policy="$(apt-cache policy "$p" 2>/dev/null || true)"
    if printf '%s\n' "$policy" | grep 'Candidate:' | grep -vq '(none)'; then
      have+=("$p")
    else
      lack+=("$p")
    fi
  done
  if [ "${#lack[@]}" -gt 0 ]; then
    say "not in this release's Debian archive (what needs them raises MissingRPackageError; tests skip): ${lack[*]}"
  fi
  if [ "${#have[@]}" -gt 0 ]; then apt_install "${have[@]}"; fi
}

no_r_help() {
  cat >&2 <<'MSG'
[pylme setup] R with the lme4 package is needed and could not be installed here
(no apt-get, or no root/sudo). Install it one of these ways, then run this again:
  Debian/Ubuntu: sudo apt-get install --no-install-recommends r-base-core r-base-dev r-cran-lme4
  conda:         conda install -c conda-forge r-base r-lme4
  CRAN:          install R from https://cran.r-project.org, then in R: install.packages("lme4")
MSG
  exit 1
}

# Optional R packages: R name -> Debian package.
optional_r=(lmerTest pbkrtest emmeans broom.mixed digest performance optimx dfoptim merTools)
optional_debs="r-cran-lmertest r-cran-pbkrtest r-cran-emmeans r-cran-broom.mixed r-cran-digest r-cran-performance r-cran-optimx r-cran-dfoptim r-cran-mertools"

# 1. R and lme4: use what is there; install from Debian packages only when missing.
if ! command -v Rscript >/dev/null 2>&1 || ! r_has lme4; then
  if command -v Rscript >/dev/null 2>&1 && [ "$(command -v Rscript)" != /usr/bin/Rscript ]; then
    say "R found at $(command -v Rscript) but without lme4; install lme4 into that R (for example"
    say "'conda install -c conda-forge r-lme4' or install.packages('lme4')) and run this again."
    exit 1
  fi
  apt_ok || no_r_help
  say "installing R and lme4 from Debian packages"
  # lme4 for fitting; the optional packages behind inference (lmerTest, pbkrtest, emmeans,
  # broom.mixed), diagnostics (performance), receipts (jsonlite; digest for verify.R's data
  # fingerprint), allFit's full optimizer set (optimx, dfoptim) and merTools (simulated
  # prediction intervals) come with it when set-up
  # installs R itself.
  apt_install r-base-core r-base-dev r-cran-lme4 r-cran-jsonlite
  # shellcheck disable=SC2086
  apt_install_optional $optional_debs
else
  say "using R at $(command -v Rscript) with lme4 $(Rscript -e 'cat(as.character(packageVersion("lme4")))')"
fi

# R packages the tests use (reference data sets, JSON for the pure-R reference script).
if [ "$mode" = test ]; then
  missing=()
  r_has jsonlite || missing+=(r-cran-jsonlite)
  r_has mlmRev || missing+=(r-cran-mlmrev)
  for i in "${!optional_r[@]}"; do
    deb=$(echo "$optional_debs" | cut -d' ' -f$((i + 1)))
    r_has "${optional_r[$i]}" || missing+=("$deb")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(command -v Rscript)" = /usr/bin/Rscript ] && apt_ok; then
      say "installing R test packages: ${missing[*]}"
      apt_install_optional "${missing[@]}"
    else
      say "R packages missing for some tests: ${missing[*]} (install them into your R; those tests will skip)"
    fi
  fi
fi

# The tests under LANGUAGE=de need a real German locale (R reads its translations through
# it; Debian 13's C library ignores LANGUAGE under LANG=C.UTF-8). Generate it when missing.
if [ "$mode" = test ] && ! locale -a 2>/dev/null | grep -qix 'de_DE.utf8'; then
  if apt_ok; then
    say "generating the de_DE.UTF-8 locale for the language tests"
    command -v locale-gen >/dev/null 2>&1 || apt_install locales
    if [ -f /etc/locale.gen ] && grep -q '^# *de_DE.UTF-8 UTF-8' /etc/locale.gen; then
      as_root sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
    elif ! grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
      echo 'de_DE.UTF-8 UTF-8' | as_root tee -a /etc/locale.gen >/dev/null
    fi
    as_root locale-gen >/dev/null
  else
    say "no de_DE.UTF-8 locale and no apt-get/root to make one: the language tests will fail and say so"
  fi
fi

# 2. Python: a virtual environment, and what building rpy2 needs (Python's headers and a C
# compiler), installed whenever missing: a minimal Debian has python3 alone.
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_ok || { say "python3 with venv is needed (apt-get install python3-venv)"; exit 1; }
  apt_install python3-venv
fi
py_headers="$("$python" -c 'import os, sysconfig; print(os.path.join(sysconfig.get_paths()["include"], "Python.h"))')"
if [ ! -f "$py_headers" ] || ! command -v cc >/dev/null 2>&1; then
  if apt_ok; then
    say "installing what building rpy2 needs: Python's headers and a C compiler"
    pyver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    if [ "$(command -v "$python")" = "/usr/bin/python$pyver" ] || [ "$(command -v "$python")" = /usr/bin/python3 ]; then
      apt_install python3-dev gcc libc6-dev
    else
      apt_install gcc libc6-dev
    fi
  fi
  [ -f "$py_headers" ] || say "Python.h is missing ($py_headers): building rpy2 may fail; install your Python's headers"
  command -v cc >/dev/null 2>&1 || say "no C compiler (cc): building rpy2 may fail; install gcc"
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  "$python" -m venv "$venv"
fi
vpy="$venv/bin/python"
"$vpy" -m pip install -q --upgrade pip

# 3. rpy2 for the R that is here: rpy2 3.6 needs R >= 4.5, older R needs rpy2 3.5.
rver="$(Rscript -e 'cat(R.version$major, R.version$minor, sep=".")')"
if Rscript -e 'quit(status = as.integer(getRversion() < "4.5.0"))' >/dev/null 2>&1; then
  rpy2_spec='rpy2>=3.6,<3.7'
else
  rpy2_spec='rpy2>=3.5.17,<3.6'
fi
say "R $rver: installing $rpy2_spec"
extras=""
[ "$mode" = test ] && extras="[test,lint]"
"$vpy" -m pip install -q "$rpy2_spec" -e ".$extras"

# 4. Run.
if [ "$mode" = demo ]; then
  exec "$vpy" examples/demo.py
else
  exec "$vpy" -m pytest tests "${@:2}"
fi
