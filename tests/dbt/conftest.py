"""Session fixtures for the dbt tests: one copy of examples/dbt_project, parsed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dbt_helpers import DBT, copy_project


@pytest.fixture(scope="session", autouse=True)
def _dbt_on_path():
    """DbtCliResource's default executable is `dbt` on PATH, as in dagster_dbt."""
    if DBT is None:
        yield
        return
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(DBT).parent) + os.pathsep + old
    yield
    os.environ["PATH"] = old


@pytest.fixture(scope="session")
def parsed_project(tmp_path_factory):
    """A parsed copy of the example project (manifest.json written by `dbt parse`)."""
    if DBT is None:
        pytest.skip("no dbt executable")
    from dagster_nb.dbt import DbtProject

    path = copy_project(tmp_path_factory.mktemp("dbt") / "jaffle")
    project = DbtProject(path)
    project.prepare()
    return project


@pytest.fixture(scope="session")
def manifest(parsed_project):
    import json

    return json.loads(parsed_project.manifest_path.read_text())
