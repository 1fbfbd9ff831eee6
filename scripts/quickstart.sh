#!/usr/bin/env bash
# Set up from nothing and run the main job: the quickstart example.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -U pip
"$VENV/bin/python" -m pip install -q -e '.[notebook]'
exec "$VENV/bin/python" examples/quickstart.py
