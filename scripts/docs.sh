#!/usr/bin/env bash
# Build the documentation site with Sphinx, warnings as errors (sphinx-build -W), into
# docs/_build/html or $DOCS_OUT; then check it (tests/test_docs.py on the built site: every
# public name in the API reference, the walkthrough's figures computed by the build).
#
#   bash scripts/docs.sh       # PYLME_VENV (default .venv): the venv with pylme; the docs extra
#                              # (Sphinx, pydata-sphinx-theme, numpydoc, myst-nb) is installed
#                              # into it first. PYLME_WALKTHROUGH_DATA: imm10.csv for the
#                              # walkthrough (default ../shared/data/imm10.csv when it exists).
#
# Pages with a `file_format: mystnb` header (quickstart, walkthrough, "Is my model OK?") are
# executed during the build: the numbers they show come from that run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${PYLME_VENV:-$root/.venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
vpy="$venv/bin/python"
out="${DOCS_OUT:-$root/docs/_build/html}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac
start=$SECONDS
say() { printf '[docs] %s\n' "$*"; }

# The executed pages call R packages that not every Debian release has (Debian 13 has no
# r-cran-performance). Without them the build cannot show R's numbers, so it stops here, saying
# which package is missing; .ci/run also runs this script in the other release's chroot
# (scripts/other-debian.sh), so CI builds the site on whichever release has them.
need=(performance lmerTest)
lacking=()
for pkg in "${need[@]}"; do
  Rscript -e "quit(status = !requireNamespace('$pkg', quietly = TRUE))" >/dev/null 2>&1 ||
    lacking+=("$pkg")
done
if [ "${#lacking[@]}" -gt 0 ]; then
  say "NOT BUILT: the executed pages need the R package(s) ${lacking[*]}, which R here lacks"
  say "(this Debian release: $(cat /etc/debian_version 2>/dev/null || echo '?')); build the site where they are installed"
  # Debian 12 has every one of them: there (or with PYLME_DOCS_REQUIRED=1) a lack is a failure.
  required="${PYLME_DOCS_REQUIRED:-}"
  if [ -z "$required" ] && [ "$(cut -d. -f1 /etc/debian_version 2>/dev/null)" = 12 ]; then required=1; fi
  [ "$required" = 1 ] && exit 1
  exit 0
fi

say "installing the docs extra into $venv"
"$vpy" -m pip install -q -e "$root[docs]"

if [ -z "${PYLME_WALKTHROUGH_DATA:-}" ] && [ -f "$root/../shared/data/imm10.csv" ]; then
  export PYLME_WALKTHROUGH_DATA="$root/../shared/data/imm10.csv"
fi
if [ -n "${PYLME_WALKTHROUGH_DATA:-}" ]; then
  say "walkthrough data: $PYLME_WALKTHROUGH_DATA"
else
  say "no imm10.csv: the walkthrough page uses mlmRev's Hsb82 instead (and says so)"
fi

# A clean build every time: stale stubs of renamed functions must not survive.
doctrees="$(mktemp -d "${TMPDIR:-/tmp}/pylme-doctrees.XXXXXX")"
trap 'rm -rf "$doctrees"' EXIT
rm -rf "$root/docs/api/generated" "$root/docs/jupyter_execute" "$out"
say "sphinx-build -W into $out"
"$vpy" -m sphinx -W --keep-going -E -q -b html -d "$doctrees" "$root/docs" "$out"
say "built in $((SECONDS - start)) s; checking it"
DOCS_HTML="$out" "$vpy" -m pytest -q -p no:cacheprovider "$root/tests/test_docs.py"
say "done in $((SECONDS - start)) s: $out/index.html"
