#!/usr/bin/env bash
# Set up from nothing and run the main job: the quickstart notebook.
#   ./scripts/quickstart.sh        run it headless; writes build/01_quickstart.html (open it)
#   ./scripts/quickstart.sh lab    open it in JupyterLab instead
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -U pip
"$VENV/bin/python" -m pip install -q -e '.[notebook]'
if [ "${1:-}" = "lab" ]; then
  exec "$VENV/bin/jupyter" lab notebooks/01_quickstart.ipynb
fi
mkdir -p build
"$VENV/bin/jupyter" nbconvert --to notebook --execute notebooks/01_quickstart.ipynb \
  --output-dir build --output 01_quickstart.executed.ipynb
# Static HTML cannot run widgets: show their SVG/HTML fallbacks instead.
"$VENV/bin/jupyter" nbconvert --to html build/01_quickstart.executed.ipynb \
  --output-dir build --output 01_quickstart.html \
  --NbConvertBase.display_data_priority="['text/html', 'image/svg+xml', 'image/png', 'text/markdown', 'text/plain']"
echo "Quickstart ran top to bottom: build/01_quickstart.html shows every output, the lineage graph included."
