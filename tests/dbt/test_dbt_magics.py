"""dbt models in a real IPython shell with the extension: %materialize with key:/kind:/group:
selections, mixed Python + dbt runs, %asset_value as a DataFrame, dbt's error lines."""

import duckdb
import pytest

pytest.importorskip("IPython")


@pytest.fixture
def shell(tmp_path, monkeypatch, parsed_project):
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    ip.user_ns["PROJECT_DIR"] = str(parsed_project.project_dir)

    def run(code):
        return ip.run_cell(code, store_history=True)

    def ok(code):
        r = run(code)
        assert r.success, f"cell failed: {r.error_before_exec or r.error_in_exec!r}\n{code}"
        return r.result

    run.ok = ok
    yield run
    ip.run_cell(
        "dg.kernel.reset()" if hasattr(__import__("dagster_nb").kernel, "reset") else "pass"
    )
    ip.run_line_magic("unload_ext", "dagster_nb")


SETUP = """
import pandas as pd
import dagster_nb as dg
from dagster_nb.dbt import DbtProject, DbtCliResource, DbtDuckDBIOManager, dbt_assets

project = DbtProject(PROJECT_DIR)
project.prepare_if_dev()

@dg.asset(key=["raw", "orders"], group_name="raw")
def raw_orders() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3], "customer_id": [1, 1, 2], "amount": [10.0, 5.0, 7.5]})

@dg.asset(key=["raw", "customers"], group_name="raw")
def raw_customers() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2], "name": ["ada", "bob"]})

@dbt_assets(manifest=project.manifest_path, project=project)
def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()

@dg.asset
def top_customer(customer_revenue: pd.DataFrame) -> pd.DataFrame:
    return customer_revenue.sort_values("revenue", ascending=False).head(1)

dg.kernel.set_resources(dbt=DbtCliResource(project_dir=project),
                        io_manager=DbtDuckDBIOManager(database=f"{PROJECT_DIR}/jaffle.duckdb"))
"""


def test_materialize_asset_value_and_dbt_error_lines(shell, capsys, parsed_project):
    # one test, one full dbt build: each dbt run costs seconds
    shell.ok(SETUP)
    capsys.readouterr()
    shell.ok("%materialize -q")
    out = capsys.readouterr().out
    assert "SUCCESS" in out and "jaffle" in out and "top_customer" in out
    mats = shell.ok(
        "sorted(k.to_user_string() for k in dg.kernel.select() "
        "if dg.kernel.instance.get_latest_materialization_event(k) is not None)"
    )
    assert mats == [
        "customer_revenue",
        "raw/customers",
        "raw/orders",
        "stg_customers",
        "stg_orders",
        "top_customer",
    ]
    assert shell.ok("sorted(k.to_user_string() for k in dg.kernel.select('kind:dbt'))") == [
        "customer_revenue",
        "stg_customers",
        "stg_orders",
    ]
    assert shell.ok("sorted(k.to_user_string() for k in dg.kernel.select('group:raw'))") == [
        "raw/customers",
        "raw/orders",
    ]
    shell.ok("%asset_value customer_revenue")
    df = shell.ok("_")
    assert list(df.sort_values("customer_id")["revenue"]) == [15.0, 7.5]

    # a model that fails in dbt: the cell fails with dbt's own error lines
    con = duckdb.connect(str(parsed_project.project_dir / "jaffle.duckdb"))
    con.execute("drop table raw.customers")
    con.close()
    r = shell("%materialize key:stg_customers -q")
    assert not r.success
    err = str(r.error_in_exec)
    assert "customers" in err and ("Catalog Error" in err or "does not exist" in err)
    assert "dbt build --select jaffle_nb.staging.stg_customers" in err
