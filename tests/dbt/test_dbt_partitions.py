"""Partitioned dbt assets with real dbt on DuckDB: ``@dbt_assets(partitions_def=daily)`` whose
body passes ``--vars`` from ``context.partition_time_window`` (the dagster_dbt docs' pattern),
an incremental model filtered by ``var('min_date')``/``var('max_date')``, partitions
materialized with ``%materialize --partition`` in a real IPython shell. One shell and one
project for the module: each dbt run costs seconds."""

import duckdb
import pytest
from dbt_helpers import needs_dbt

pytest.importorskip("IPython")
pytestmark = needs_dbt

PROJECT_YML = """\
name: daily_nb
version: "1.0.0"
config-version: 2
profile: daily_nb
model-paths: ["models"]
"""
PROFILES_YML = """\
daily_nb:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: daily.duckdb
      threads: 1
"""
SOURCES_YML = """\
version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: events
models:
  - name: daily_revenue
    columns:
      - name: day
        data_tests: [not_null, unique]
"""
# Incremental, one row per day of the partition's window; a re-run of a day replaces that day.
DAILY_REVENUE_SQL = """\
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='day') }}
select cast(ts as date) as day, count(*) as orders, sum(amount) as revenue
from {{ source('raw', 'events') }}
where ts >= '{{ var("min_date") }}' and ts < '{{ var("max_date") }}'
group by 1
"""

SETUP = """
import json
import dagster_nb as dg
from dagster_nb.dbt import DbtProject, DbtCliResource, dbt_assets

project = DbtProject(PROJECT_DIR)
project.prepare_if_dev()
daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10")

@dbt_assets(manifest=project.manifest_path, project=project, partitions_def=daily)
def daily_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    window = context.partition_time_window
    dbt_vars = {"min_date": window.start.isoformat(), "max_date": window.end.isoformat()}
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()

dg.kernel.set_resources(dbt=DbtCliResource(project_dir=project))
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    from IPython.testing.globalipapp import get_ipython

    root = tmp_path_factory.mktemp("daily")
    pdir = root / "daily_project"
    (pdir / "models").mkdir(parents=True)
    (pdir / "dbt_project.yml").write_text(PROJECT_YML)
    (pdir / "profiles.yml").write_text(PROFILES_YML)
    (pdir / "models" / "schema.yml").write_text(SOURCES_YML)
    (pdir / "models" / "daily_revenue.sql").write_text(DAILY_REVENUE_SQL)
    con = duckdb.connect(str(pdir / "daily.duckdb"))
    con.execute("create schema raw")
    # 3 orders on Jan 2, 2 on Jan 3, 1 on Jan 4 (never materialized)
    con.execute(
        "create table raw.events as select * from (values "
        "(timestamp '2024-01-02 08:00', 10.0), (timestamp '2024-01-02 12:00', 5.0), "
        "(timestamp '2024-01-02 23:59', 1.0), (timestamp '2024-01-03 00:00', 7.0), "
        "(timestamp '2024-01-03 18:00', 3.0), (timestamp '2024-01-04 09:00', 100.0)"
        ") t(ts, amount)"
    )
    con.close()

    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "home"))
    mp.chdir(root)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    ip.user_ns["PROJECT_DIR"] = str(pdir)

    def ok(code):
        r = ip.run_cell(code, store_history=True)
        assert r.success, f"cell failed: {r.error_before_exec or r.error_in_exec!r}\n{code}"
        return r.result

    ok(SETUP)
    yield ok, pdir / "daily.duckdb"
    ip.run_line_magic("unload_ext", "dagster_nb")
    mp.undo()


def _rows(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "select cast(day as varchar), orders, revenue from main.daily_revenue order by day"
        ).fetchall()
    finally:
        con.close()


def test_spec_is_partitioned_with_single_run_backfills(shell):
    ok, _ = shell
    assert ok("daily_models.partitions_def == daily") is True
    assert ok("str(daily_models.backfill_policy)") == "BackfillPolicy(max_partitions_per_run=None)"
    assert ok("[k.to_user_string() for k in daily_models.keys]") == ["daily_revenue"]


def test_two_partitions_materialized_with_their_own_vars(shell, capsys):
    ok, db = shell
    ok("%materialize -q --partition 2024-01-02")
    assert _rows(db) == [("2024-01-02", 3, 16.0)]
    ok("%materialize -q --partition 2024-01-03")
    # the incremental model appended Jan 3 only; Jan 2 kept, Jan 4 (outside both windows) absent
    assert _rows(db) == [("2024-01-02", 3, 16.0), ("2024-01-03", 2, 10.0)]
    capsys.readouterr()

    statuses = ok("dg.kernel.instance.get_asset_partition_statuses('daily_revenue')")
    assert statuses == {"2024-01-02": "MATERIALIZED", "2024-01-03": "MATERIALIZED"}
    # dbt's tests ran as the asset's checks, against the incremental table
    checks = ok(
        "sorted((k.name, r.event_log_entry.dagster_event.asset_check_evaluation_data.passed) "
        "for k, r in dg.kernel.instance.get_latest_asset_check_evaluation_records("
        "daily_models.check_keys).items())"
    )
    assert checks == [("not_null_daily_revenue_day", True), ("unique_daily_revenue_day", True)]


def test_rerunning_a_partition_replaces_its_rows(shell):
    ok, db = shell
    con = duckdb.connect(str(db))
    con.execute("insert into raw.events values (timestamp '2024-01-02 13:00', 4.0)")
    con.close()
    ok("%materialize -q --partition 2024-01-02")
    assert _rows(db) == [("2024-01-02", 4, 20.0), ("2024-01-03", 2, 10.0)]
    mats = ok(
        "[r.partition_key for r in dg.kernel.instance.fetch_materializations("
        "'daily_revenue', limit=10).records]"
    )
    assert mats == ["2024-01-02", "2024-01-03", "2024-01-02"]  # newest first
