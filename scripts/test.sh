#!/usr/bin/env bash
# Set up everything from nothing and run the whole test suite: unit and integration tests,
# the example notebooks under nbval, and JupyterLab in headless chromium. Used by README and
# .ci/run. As root on Debian it installs chromium with apt-get; elsewhere the browser test is
# skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -U pip
"$VENV/bin/python" -m pip install -q -e '.[test]'
# Lint and type-check first (settings in pyproject.toml); either failing fails the run.
"$VENV/bin/python" -m ruff check dagster_nb tests
"$VENV/bin/python" -m mypy
exec "$VENV/bin/python" -m pytest -q tests notebooks --nbval \
  --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider "$@"
