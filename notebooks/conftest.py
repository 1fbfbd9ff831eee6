"""The dbt notebook needs a dbt executable (dbt-core + dbt-duckdb, from the test extra). Where
dbt-core cannot install beside the rest (it pins protobuf<7), point DAGSTER_NB_TEST_DBT at a dbt
from another environment; without any, 06_dbt.ipynb is skipped with the reason."""

import os
import shutil
import sys
from pathlib import Path

import pytest


def _find_dbt():
    explicit = os.environ.get("DAGSTER_NB_TEST_DBT")
    if explicit:
        return explicit
    for cand in (Path(sys.executable).parent / "dbt", Path(__file__).resolve().parents[1] / ".venv-dbt" / "bin" / "dbt"):
        if os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which("dbt")


_DBT = _find_dbt()
if _DBT:
    # the notebook's kernel inherits this environment: DbtCliResource finds `dbt` on PATH
    os.environ["PATH"] = str(Path(_DBT).parent) + os.pathsep + os.environ.get("PATH", "")


def pytest_collection_modifyitems(config, items):
    if _DBT:
        return
    skip = pytest.mark.skip(reason="no dbt executable (pip install dbt-core dbt-duckdb, or set DAGSTER_NB_TEST_DBT)")
    for item in items:
        if "06_dbt" in str(item.fspath):
            item.add_marker(skip)
