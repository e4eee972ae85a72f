#!/usr/bin/env bash
# The linters CI runs after the tests: style, format, types, and the import layers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${PYLME_VENV:-.venv}/bin"
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy" pylme
"$bin/lint-imports"
