#!/usr/bin/env bash
# Set up everything from nothing and run the whole test suite. Used by README and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -U pip
"$VENV/bin/python" -m pip install -q -e '.[test]'
exec "$VENV/bin/python" -m pytest -q "$@"
