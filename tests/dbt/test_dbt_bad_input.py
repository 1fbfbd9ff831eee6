"""Bad input around dbt: each error names the file and the fix, with dbt's own message, and
leaves the instance consistent."""

import os

import pytest
from dbt_helpers import DBT, copy_project

import dagster_nb as dg
from dagster_nb.dbt import (
    DagsterDbtCliRuntimeError,
    DagsterDbtError,
    DagsterDbtManifestNotFoundError,
    DagsterDbtProjectNotFoundError,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)


def test_missing_manifest_names_file_and_fix(tmp_path):
    path = tmp_path / "target" / "manifest.json"
    with pytest.raises(DagsterDbtManifestNotFoundError) as e:
        dbt_assets(manifest=path)
    assert str(path) in str(e.value) and "dbt parse" in str(e.value)


def test_missing_manifest_outside_dev(tmp_path):
    # a fresh process: no IPython kernel and no `dagster dev`, so prepare_if_dev only checks
    import subprocess
    import sys

    path = copy_project(tmp_path / "p")
    code = f"from dagster_nb.dbt import DbtProject\nDbtProject({str(path)!r}).prepare_if_dev()\n"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_IS_DEV_CLI"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 1
    assert "DagsterDbtManifestNotFoundError" in proc.stderr
    assert str(path / "target" / "manifest.json") in proc.stderr and "dbt parse" in proc.stderr


def test_no_project(tmp_path):
    with pytest.raises(DagsterDbtProjectNotFoundError, match="does not exist"):
        DbtProject(tmp_path / "nowhere")
    with pytest.raises(DagsterDbtProjectNotFoundError, match="dbt_project.yml"):
        DbtCliResource(project_dir=str(tmp_path))


def test_no_dbt_executable(tmp_path):
    dbt = DbtCliResource(
        project_dir=copy_project(tmp_path / "p"), dbt_executable=str(tmp_path / "bin" / "dbt")
    )
    with pytest.raises(DagsterDbtError) as e:
        dbt.cli(["parse"])
    assert str(tmp_path / "bin" / "dbt") in str(e.value) and "pip install dbt-core" in str(e.value)


@pytest.fixture
def broken_project(tmp_path, monkeypatch):
    if DBT is None:
        pytest.skip("no dbt executable")
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    path = copy_project(tmp_path / "p")
    (path / "models" / "marts" / "broken.sql").write_text(
        "select no_such_column from {{ ref('stg_orders') }}\n"
    )
    return DbtProject(path)


def test_sql_error_prepare_if_dev_and_broken_profile(broken_project, tmp_path):
    project = broken_project
    project.prepare_if_dev()  # no manifest yet: parses
    parsed_at = project.manifest_path.stat().st_mtime_ns
    project.prepare_if_dev()  # nothing changed: no dbt run
    assert project.manifest_path.stat().st_mtime_ns == parsed_at

    @dbt_assets(manifest=project.manifest_path, project=project)
    def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    import duckdb

    con = duckdb.connect(str(project.project_dir / "jaffle.duckdb"))
    con.execute("create schema if not exists raw")
    con.execute(
        "create or replace table raw.orders as select 1 as id, 1 as customer_id, 2.0 as amount"
    )
    con.close()
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(DagsterDbtCliRuntimeError) as e:
        dg.materialize(
            [jaffle],
            selection=["stg_orders", "broken"],
            instance=instance,
            resources={"dbt": DbtCliResource(project_dir=project)},
        )
    msg = str(e.value)
    assert "no_such_column" in msg and "broken" in msg and "dbt build" in msg
    assert str(project.project_dir) in msg
    # stg_orders succeeded before broken failed: it is materialized, broken is not
    assert instance.get_latest_materialization_event(dg.AssetKey("stg_orders")) is not None
    assert instance.get_latest_materialization_event(dg.AssetKey("broken")) is None
    [run] = instance.get_runs()
    assert run.status.value == "FAILURE"

    # a broken profiles.yml: the next parse (a model changed) says which file and what dbt said
    (project.project_dir / "profiles.yml").write_text(
        "jaffle_nb:\n  target: dev\n  outputs: [oops\n"
    )
    broken = project.project_dir / "models" / "marts" / "broken.sql"
    broken.write_text("select 1 as fixed\n")
    os.utime(broken, ns=(parsed_at + 10**9, parsed_at + 10**9))
    with pytest.raises(DagsterDbtCliRuntimeError) as e:
        project.prepare_if_dev()
    msg = str(e.value)
    assert "profiles.yml" in msg and "dbt parse" in msg
    assert "dbt said" in msg and len(msg.split("dbt said:", 1)[1].strip()) > 10


def test_unsupported_translator_setting_refuses(tmp_path):
    import json

    from dagster_nb.dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

    manifest = {
        "metadata": {},
        "nodes": {
            "model.p.m": {
                "unique_id": "model.p.m",
                "resource_type": "model",
                "name": "m",
                "package_name": "p",
                "fqn": ["p", "m"],
                "config": {"materialized": "table"},
                "depends_on": {"nodes": []},
            }
        },
        "sources": {},
        "parent_map": {},
        "child_map": {},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="enable_code_references"):
        dbt_assets(
            manifest=tmp_path / "manifest.json",
            dagster_dbt_translator=DagsterDbtTranslator(
                DagsterDbtTranslatorSettings(enable_code_references=True)
            ),
        )
