#!/usr/bin/env bash
# A venv with the real dagster_dask, for tests/dask/test_dask_vs_dagster_dask.py (skipped
# without it). It sits on top of the project's venv (a .pth file adds that venv's
# site-packages, so dagster, dask and distributed are the same installs) and adds only
# dagster-dask of the release that matches the installed dagster (dagster 1.X.Y pairs with
# dagster-dask 0.(X+16).Y) and what it needs that the project's venv lacks (bokeh, pyarrow).
#   usage: scripts/make_venv_dd.sh [BASE_VENV] [DD_VENV]   (default .venv and .venv-dd)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${1:-${VENV:-.venv}}"
DD="${2:-.venv-dd}"
BASE_PY="$(cd "$BASE/bin" && pwd)/python"
version="$("$BASE_PY" -c 'import dagster; a, b, c = dagster.__version__.split(".")[:3]; print(f"0.{int(b) + 16}.{c}")')"
if [ ! -x "$DD/bin/python" ]; then
  # the interpreter the base venv was made from (a venv of a venv would not have pip)
  "$("$BASE_PY" -c 'import os, sys; print(os.path.join(sys.base_prefix, "bin", "python3"))')" -m venv "$DD"
fi
site_dd="$("$DD/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
site_base="$("$BASE_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$site_base" > "$site_dd/_base_venv.pth"
"$DD/bin/python" -m pip install -q "dagster-dask==$version"
"$DD/bin/python" -c 'import dagster, dagster_dask; print("dagster", dagster.__version__, "dagster_dask", dagster_dask.__version__)'
