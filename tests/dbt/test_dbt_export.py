"""Export of a notebook with ``@dbt_assets`` from dagster_nb.dbt to plain Dagster code using
dagster_dbt, loaded and materialized by real Dagster (``dagster asset materialize`` in a fresh
process without dagster_nb on the path) with real dbt on DuckDB; the tables are checked."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dbt_helpers import DBT, copy_project, needs_dbt

from dagster_nb._export import build_export

pytestmark = needs_dbt
pytest.importorskip("dagster_dbt")
DAGSTER = Path(sys.executable).with_name("dagster")


def notebook_cells(project_dir: Path) -> list[str]:
    """A notebook as a user writes it (magics and exploration included)."""
    return [
        "%load_ext dagster_nb\n"
        "import pandas as pd\n"
        "import dagster_nb as dg\n"
        "from dagster_nb.dbt import DbtProject, DbtCliResource, dbt_assets\n"
        "from dagster_nb.dbt import DbtDuckDBIOManager as DuckIO",
        f"PROJECT_DIR = {str(project_dir)!r}\n"
        "project = DbtProject(PROJECT_DIR)\n"
        "project.prepare_if_dev()",
        "@dbt_assets(manifest=project.manifest_path, project=project)\n"
        "def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):\n"
        '    yield from dbt.cli(["build"], context=context).stream()\n'
        "\n"
        "sorted(k.to_user_string() for k in jaffle.keys)",
        '@dg.asset(key=["raw", "orders"])\n'
        "def raw_orders() -> pd.DataFrame:\n"
        '    return pd.DataFrame({"id": [1, 2, 3, 4], "customer_id": [1, 1, 2, 3],\n'
        '                         "amount": [10.0, 5.0, 7.5, 2.0]})\n'
        "\n"
        '@dg.asset(key=["raw", "customers"])\n'
        "def raw_customers() -> pd.DataFrame:\n"
        '    return pd.DataFrame({"id": [1, 2, 3], "name": ["ada", "bob", "cy"]})\n'
        "\n"
        "@dg.asset\n"
        "def top_customer(customer_revenue: pd.DataFrame) -> pd.DataFrame:\n"
        '    return customer_revenue.sort_values("revenue", ascending=False).head(1)',
        "dg.kernel.set_resources(\n"
        "    dbt=DbtCliResource(project_dir=project),\n"
        '    io_manager=DuckIO(database=f"{PROJECT_DIR}/jaffle.duckdb"),\n'
        ")",
        "%materialize",
        "%asset_value top_customer",
    ]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from dagster_nb.dbt import DbtProject

    root = tmp_path_factory.mktemp("dbt_export")
    project_dir = copy_project(root / "jaffle")
    DbtProject(project_dir).prepare()  # the manifest dagster_dbt's DbtProject reads
    export = build_export(notebook_cells(project_dir), source="dbt_demo.ipynb")
    module = root / "dbt_defs.py"
    module.write_text(export.text)
    return {"root": root, "project_dir": project_dir, "export": export, "module": module}


def test_export_is_plain_dagster_with_dagster_dbt(exported):
    text = exported["export"].text
    assert "dagster_nb" not in text.replace("from dagster_nb.dbt (", "")
    assert "from dagster_dbt import DbtProject, DbtCliResource, dbt_assets" in text
    assert "class DbtDuckDBIOManager(dg.ConfigurableIOManager):" in text
    assert "DuckIO = DbtDuckDBIOManager" in text
    assert text.index("class DbtDuckDBIOManager") < text.index("DuckIO = DbtDuckDBIOManager")
    assert "@dbt_assets(manifest=project.manifest_path, project=project)" in text
    assert "project.prepare_if_dev()" in text  # dagster_dbt parses under `dagster dev`
    # the dbt multi-asset is in Definitions with the Python assets
    assert "assets=[jaffle, raw_orders, raw_customers, top_customer]" in text
    assert "\n%materialize" not in text and "%asset_value" not in text
    assert exported["export"].notes == ()


def _load(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("dbt_defs_export", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_exported_module_loads_in_dagster_with_dagster_dbt_specs(exported):
    import dagster
    import dagster_dbt

    mod = _load(exported["module"])
    assert isinstance(mod.defs, dagster.Definitions)
    assert isinstance(mod.project, dagster_dbt.DbtProject)
    graph = mod.defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    assert keys == [
        "customer_revenue",
        "raw/customers",
        "raw/orders",
        "stg_customers",
        "stg_orders",
        "top_customer",
    ]
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    # the same dbt tests as checks as dagster_nb gives the notebook
    import dagster_nb as dg
    from dagster_nb.dbt import DbtProject, dbt_assets

    @dbt_assets(manifest=DbtProject(exported["project_dir"]).manifest_path)
    def ours(): ...

    assert checks == sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in ours.check_keys)
    assert len(checks) == 5
    assert {k.to_user_string() for k in ours.keys} | {
        "raw/orders",
        "raw/customers",
        "top_customer",
    } == set(keys)
    assert isinstance(ours, dg.AssetsDefinition)


@pytest.mark.skipif(not DAGSTER.exists(), reason="the dagster CLI is not installed next to python")
def test_exported_module_materializes_in_dagster(exported):
    root, project_dir = exported["root"], exported["project_dir"]
    home = root / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    env.pop("PYTHONPATH", None)  # the exported module needs dagster and dagster_dbt only
    env["PATH"] = str(Path(DBT).parent) + os.pathsep + env["PATH"]
    proc = subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-f", str(exported["module"]), "--select", "*"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    con = duckdb.connect(str(project_dir / "jaffle.duckdb"), read_only=True)
    try:
        assert con.sql(
            "select customer_id, name, revenue, order_count from main.customer_revenue order by 1"
        ).fetchall() == [(1, "ada", 15.0, 2), (2, "bob", 7.5, 1), (3, "cy", 2.0, 1)]
        assert con.sql("select count(*) from raw.orders").fetchall() == [(4,)]
        assert con.sql(
            "select table_type from information_schema.tables where table_name = 'stg_orders'"
        ).fetchall() == [("VIEW",)]
    finally:
        con.close()

    import dagster

    with dagster.DagsterInstance.from_config(str(home)) as instance:
        mats = {
            k.to_user_string()
            for k in instance.get_asset_keys()
            if instance.get_latest_materialization_event(k) is not None
        }
        # dbt's tests ran as Dagster asset checks
        check_keys = list(_load(exported["module"]).defs.resolve_asset_graph().asset_check_keys)
        summaries = instance.event_log_storage.get_asset_check_summary_records(check_keys)
    assert mats == {
        "customer_revenue",
        "raw/customers",
        "raw/orders",
        "stg_customers",
        "stg_orders",
        "top_customer",
    }
    evaluations = {k.name: s.last_check_execution_record.evaluation for k, s in summaries.items()}
    assert len(evaluations) == 5
    assert all(e is not None and e.passed for e in evaluations.values()), evaluations
