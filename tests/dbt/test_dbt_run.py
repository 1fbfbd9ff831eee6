"""Real dbt build on DuckDB through dagster_nb: a Python asset feeds dbt's sources, dbt
builds the models and tests, a Python asset reads a dbt model as a DataFrame. One full run
per module; later tests subset and re-run from it."""

import duckdb
import pandas as pd
import pytest

import dagster_nb as dg
from dagster_nb.dbt import DbtCliResource, DbtDuckDBIOManager, dbt_assets

INVOCATIONS: list = []


def make_dbt_assets(project):
    @dbt_assets(manifest=project.manifest_path, project=project)
    def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        inv = dbt.cli(["build"], context=context)
        INVOCATIONS.append(inv)
        yield from inv.stream()

    return jaffle


@dg.asset(key=["raw", "orders"])
def raw_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [1, 2, 3, 4], "customer_id": [1, 1, 2, 3], "amount": [10.0, 5.0, 7.5, 2.0]}
    )


@dg.asset(key=["raw", "customers"])
def raw_customers() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3], "name": ["ada", "bob", "cy"]})


@dg.asset
def top_customer(customer_revenue: pd.DataFrame) -> pd.DataFrame:
    return customer_revenue.sort_values("revenue", ascending=False).head(1)[["name", "revenue"]]


@pytest.fixture(scope="module")
def world(parsed_project, tmp_path_factory):
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._notebook.repository import KernelRepository

    instance = DagsterInstance.from_directory(tmp_path_factory.mktemp("home"))
    repo = KernelRepository(instance=instance)
    jaffle = make_dbt_assets(parsed_project)
    for a in (raw_orders, raw_customers, jaffle, top_customer):
        repo.register(a, origin="test")
    db = str(parsed_project.project_dir / "jaffle.duckdb")
    repo.set_resources(
        dbt=DbtCliResource(project_dir=parsed_project), io_manager=DbtDuckDBIOManager(database=db)
    )
    INVOCATIONS.clear()
    events: list = []
    result = repo.materialize(None, listeners=[events.append])
    return {
        "repo": repo,
        "result": result,
        "db": db,
        "events": events,
        "project": parsed_project,
        "invocation": INVOCATIONS[-1],
        "instance": instance,
    }


def _rows(db, sql):
    con = duckdb.connect(db, read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_tables_built_in_duckdb(world):
    assert world["result"].success
    assert _rows(
        world["db"],
        "select customer_id, name, revenue, order_count from main.customer_revenue order by 1",
    ) == [(1, "ada", 15.0, 2), (2, "bob", 7.5, 1), (3, "cy", 2.0, 1)]
    assert _rows(world["db"], "select count(*) from main.stg_orders") == [(4,)]
    assert _rows(
        world["db"],
        "select table_type from information_schema.tables where table_name = 'stg_orders'",
    ) == [("VIEW",)]


def test_python_downstream_of_dbt_gets_a_dataframe(world):
    top = world["result"].output_for_node("top_customer")
    assert isinstance(top, pd.DataFrame) and top.to_dict("records") == [
        {"name": "ada", "revenue": 15.0}
    ]
    # %asset_value path: read back from DuckDB through the IO manager
    value = world["repo"].load_asset_value("customer_revenue")
    assert isinstance(value, pd.DataFrame) and sorted(value["name"]) == ["ada", "bob", "cy"]


def test_events_in_dependency_order_with_dbt_metadata(world):
    mats = [e for e in world["events"] if e.event_type_value == "ASSET_MATERIALIZATION"]
    order = [e.asset_key.to_user_string() for e in mats]
    assert set(order) == {
        "raw/orders",
        "raw/customers",
        "stg_orders",
        "stg_customers",
        "customer_revenue",
        "top_customer",
    }
    assert (
        order.index("raw/orders")
        < order.index("stg_orders")
        < order.index("customer_revenue")
        < order.index("top_customer")
    )
    rev = next(e for e in mats if e.asset_key.to_user_string() == "customer_revenue")
    meta = rev.event_specific_data.materialization.metadata
    assert {
        "dagster/table_name",
        "dagster/column_schema",
        "Execution Duration",
        "unique_id",
        "invocation_id",
        "status",
    } <= set(meta)
    assert (
        _value(meta["unique_id"]) == "model.jaffle_nb.customer_revenue"
        and _value(meta["status"]) == "success"
    )
    # the SQL dbt ran (refs resolved to relations), for the detail panel
    assert '"jaffle"."main"."stg_orders"' in _value(meta["dbt/compiled_sql"])
    checks = [e for e in world["events"] if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(checks) == 5 and all(e.event_specific_data.passed for e in checks)


def _selected(invocation):
    """The --select dbt received, as dbt recorded it in run_results.json."""
    return sorted(" ".join(invocation.get_artifact("run_results.json")["args"]["select"]).split())


def _value(v):
    return getattr(v, "value", getattr(v, "text", v))


def test_invocation_artifacts(world):
    inv = world["invocation"]
    assert inv.is_successful()
    results = inv.get_artifact("run_results.json")["results"]
    assert {r["unique_id"] for r in results if r["status"] == "success"} == {
        "model.jaffle_nb.stg_orders",
        "model.jaffle_nb.stg_customers",
        "model.jaffle_nb.customer_revenue",
    }
    assert inv.get_artifact("run_results.json")["args"]["select"] == ["fqn:*"]


def test_kind_and_group_selection(world):
    repo = world["repo"]
    assert {k.to_user_string() for k in repo.select("kind:dbt")} == {
        "stg_orders",
        "stg_customers",
        "customer_revenue",
    }
    assert {k.to_user_string() for k in repo.select("key:stg_orders+")} == {
        "stg_orders",
        "customer_revenue",
        "top_customer",
    }


def test_changed_model_is_stale_and_stale_run_selects_it(world):
    repo, project = world["repo"], world["project"]
    assert repo.stale_asset_keys() == set()
    sql = project.project_dir / "models" / "staging" / "stg_orders.sql"
    old = sql.read_text()
    sql.write_text(old.replace("amount\n", "amount  -- in euros\n"))
    try:
        assert sql in project.changed_since_parse()
        project.prepare()
        repo.register(make_dbt_assets(project), origin="test")
        stale = {k.to_user_string() for k in repo.stale_asset_keys()}
        assert stale == {"stg_orders", "customer_revenue", "top_customer"}
        INVOCATIONS.clear()
        r = repo.materialize(None, stale=True)
        assert r.success
        assert _selected(INVOCATIONS[-1]) == [
            "jaffle_nb.marts.customer_revenue",
            "jaffle_nb.staging.stg_orders",
        ]
        assert repo.stale_asset_keys() == set()
    finally:
        sql.write_text(old)


def test_subset_run_passes_the_selection_to_dbt(world):
    INVOCATIONS.clear()
    r = world["repo"].materialize("key:stg_orders")
    assert r.success
    assert _selected(INVOCATIONS[-1]) == ["jaffle_nb.staging.stg_orders"]
    ran = {x["unique_id"] for x in INVOCATIONS[-1].get_artifact("run_results.json")["results"]}
    assert ran == {
        "model.jaffle_nb.stg_orders",
        "test.jaffle_nb.unique_stg_orders_order_id.e3b841c71a",
        "test.jaffle_nb.not_null_stg_orders_order_id.81cfe2fe64",
    }
    assert {e.asset_key.to_user_string() for e in r.get_asset_materialization_events()} == {
        "stg_orders"
    }
    # a new materialization of stg_orders is a new data version: what reads it is stale again
    assert {k.to_user_string() for k in world["repo"].stale_asset_keys()} == {
        "customer_revenue",
        "top_customer",
    }
