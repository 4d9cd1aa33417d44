#!/usr/bin/env bash
# Run the whole test suite on a fresh machine that has only Python and pip.
# Creates .venv, installs the package with its test extras, installs and starts
# the system services the tests use, then runs ruff, mypy and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'

ruff check src tests benchmarks
mypy
pytest "$@"
