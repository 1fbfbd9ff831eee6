"""The same dbt project run by dagster_dbt on real Dagster and by dagster_nb: the arguments
dbt receives for a subset, the materializations and check results, their metadata keys."""

import duckdb
import pytest
from dbt_helpers import DBT

import dagster_nb
from dagster_nb.dbt import DbtCliResource

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster_dbt = pytest.importorskip("dagster_dbt")
import dagster  # noqa: E402

SEEN: dict = {"ours": [], "theirs": []}
# dagster_dbt adds these only when dbt-core imports in-process (it reads the adapter's
# relation); ours always has them, from the manifest. "path" is the filesystem IO manager's.
ENV_DEPENDENT = {"dagster/column_schema", "dagster/table_name", "path"}
OURS_ONLY = {"dbt/compiled_sql"}  # the SQL dbt ran, shown in the detail panel


@pytest.fixture(scope="module")
def raw_tables(parsed_project):
    con = duckdb.connect(str(parsed_project.project_dir / "jaffle.duckdb"))
    con.execute("create schema if not exists raw")
    con.execute(
        "create or replace table raw.orders as select * from (values (1, 1, 10.0), (2, 2, 4.0)) t(id, customer_id, amount)"
    )
    con.execute(
        "create or replace table raw.customers as select * from (values (1, 'ada'), (2, 'bob')) t(id, name)"
    )
    con.close()
    return parsed_project


def _run_ours(project, selection):
    from dagster_nb.dbt import dbt_assets

    @dbt_assets(manifest=project.manifest_path, project=project)
    def jaffle(context: dagster_nb.AssetExecutionContext, dbt: DbtCliResource):
        inv = dbt.cli(["build"], context=context)
        SEEN["ours"].append(inv)
        yield from inv.stream()

    return dagster_nb.materialize(
        [jaffle], selection=selection, resources={"dbt": DbtCliResource(project_dir=project)}
    )


def _run_theirs(project, selection):
    p = dagster_dbt.DbtProject(project.project_dir)

    @dagster_dbt.dbt_assets(manifest=p.manifest_path, project=p)
    def jaffle(context: dagster.AssetExecutionContext, dbt: dagster_dbt.DbtCliResource):
        inv = dbt.cli(["build"], context=context)
        SEEN["theirs"].append(inv)
        yield from inv.stream()

    return dagster.materialize(
        [jaffle],
        selection=selection,
        resources={"dbt": dagster_dbt.DbtCliResource(project_dir=p, dbt_executable=DBT)},
    )


def _facts(result, invocation):
    mats = {
        e.asset_key.to_user_string(): e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
    }
    checks = sorted(
        (
            e.event_specific_data.asset_key.to_user_string(),
            e.event_specific_data.check_name,
            e.event_specific_data.passed,
        )
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    )
    return {
        "select": sorted(
            " ".join(invocation.get_artifact("run_results.json")["args"]["select"]).split()
        ),
        "materialized": sorted(mats),
        "checks": checks,
        "meta_keys": {
            k: sorted(set(m.metadata) - ENV_DEPENDENT - OURS_ONLY) for k, m in mats.items()
        },
    }


@pytest.mark.parametrize("selection", [None, ["stg_customers", "customer_revenue"]])
def test_run_matches_dagster_dbt(raw_tables, selection):
    theirs_result = _run_theirs(raw_tables, selection and [dagster.AssetKey(k) for k in selection])
    ours_result = _run_ours(raw_tables, selection and [dagster_nb.AssetKey(k) for k in selection])
    assert ours_result.success and theirs_result.success
    ours = _facts(ours_result, SEEN["ours"][-1])
    theirs = _facts(theirs_result, SEEN["theirs"][-1])
    assert ours == theirs
    assert ours["materialized"] == sorted(
        selection or ["stg_orders", "stg_customers", "customer_revenue"]
    )
    assert ours["checks"] and all(passed for _, _, passed in ours["checks"])
    assert set(ours["meta_keys"][ours["materialized"][0]]) == {
        "Execution Duration",
        "invocation_id",
        "status",
        "unique_id",
    }
