"""`import dagster_nb.dbt` stays light: no dbt, duckdb, dagster_dbt, pandas or pydantic."""

import subprocess
import sys


def test_import_dagster_nb_dbt_is_light():
    code = (
        "import sys, dagster_nb, dagster_nb.dbt\n"
        "from dagster_nb.dbt import dbt_assets, DbtProject, DagsterDbtTranslator, DbtCliResource\n"
        "heavy = sorted(m for m in ('dbt', 'duckdb', 'dagster_dbt', 'pandas', 'pydantic', 'dagster', 'yaml')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
