#!/usr/bin/env bash
# Run the whole test suite on a fresh machine that has only Python and pip.
# Creates .venv, installs the package with its test extras and the system
# packages the tests use (PostgreSQL, Chromium), starts a PostgreSQL server on
# 127.0.0.1, then runs ruff, mypy and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'

bash scripts/system-deps.sh
eval "$(bash scripts/start-postgres.sh)"
trap 'bash scripts/stop-postgres.sh' EXIT

ruff check src tests benchmarks
mypy
pytest "$@"
