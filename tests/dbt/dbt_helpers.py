"""Helpers for the dbt tests. One copy of examples/dbt_project per test session, parsed once by real dbt (dbt-duckdb).

dbt runs as a subprocess (as DbtCliResource runs it), so the dbt executable may come from the
test environment (`pip install -e '.[test]'` installs dbt-core and dbt-duckdb) or, where dbt-core
cannot install beside the other packages (it pins protobuf<7), from a separate environment:
set DAGSTER_NB_TEST_DBT=/path/to/dbt.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dbt_project"


def _find_dbt() -> str | None:
    explicit = os.environ.get("DAGSTER_NB_TEST_DBT")
    if explicit:
        return explicit
    for cand in (
        Path(sys.executable).parent / "dbt",
        Path(__file__).resolve().parents[2] / ".venv-dbt" / "bin" / "dbt",
    ):
        if os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which("dbt")


DBT = _find_dbt()
needs_dbt = pytest.mark.skipif(
    DBT is None,
    reason="no dbt executable (pip install dbt-core dbt-duckdb, or set DAGSTER_NB_TEST_DBT)",
)


def copy_project(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"))
    return dest
