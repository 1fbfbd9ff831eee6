"""``DbtDuckDBIOManager``: values as DuckDB tables, so Python assets and dbt models share one
warehouse. A Python asset's DataFrame becomes the table ``<key prefix>.<key name>`` (``main``
for a one-part key), which a dbt source of the same name reads; a dbt model's output (dbt
already wrote it) is loaded back as a pandas DataFrame from the relation dbt reports.

    defs = dg.Definitions(assets=[raw_orders, jaffle, report], resources={
        "dbt": DbtCliResource(project_dir=project),
        "io_manager": DbtDuckDBIOManager(database="examples/dbt_project/jaffle.duckdb"),
    })
"""

from __future__ import annotations

import re
from typing import Any

import dagster_nb as dg

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def _quote(part: str) -> str:
    return part if _IDENT.match(part) else '"' + part.replace('"', '""') + '"'


def relation_for(key: Any, metadata: Any = None) -> str:
    """``schema.table`` of an asset: from dbt's ``dagster/table_name`` when the asset has one,
    else from its key (``raw/orders`` -> ``raw.orders``, ``orders`` -> ``main.orders``)."""
    name = (metadata or {}).get("dagster/table_name")
    if isinstance(name, str) and name:
        parts = name.split(".")[-2:]
    else:
        path = list(key.path)
        parts = ["_".join(path[:-1]) if len(path) > 1 else "main", path[-1]]
    return ".".join(_quote(p) for p in parts)


class DbtDuckDBIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as DuckDB tables and loads any table (dbt's too) as a DataFrame.

    ``database`` is the DuckDB file dbt's profile points at. Connections are opened per call
    and closed at once: the dbt subprocess needs the file's write lock while it runs.
    """

    database: str
    # DuckDB has one writer per file: steps running at once (Dagster's multiprocess executor,
    # max_concurrent > 1 in the notebook) wait this long for a sibling's connection to close.
    lock_timeout: float = 60.0

    def _connect(self, read_only: bool) -> Any:
        import time

        import duckdb

        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(self.database, read_only=read_only)
            except duckdb.IOException as e:
                if "lock" in str(e).lower() and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise dg.DagsterInvariantViolationError(
                    f"Cannot open the DuckDB file {self.database} ({e}). Is another process (a "
                    "dbt run, another kernel) holding its lock? Waited "
                    f"{self.lock_timeout:g} s (lock_timeout); let it finish and retry."
                ) from None

    def handle_output(self, context: Any, obj: Any) -> None:
        if obj is None:
            return  # a dbt model: dbt itself wrote the relation
        import pandas as pd

        if not isinstance(obj, pd.DataFrame):
            raise dg.DagsterInvariantViolationError(
                f"DbtDuckDBIOManager stores pandas DataFrames; asset "
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}. Return a "
                "DataFrame, or give this asset another io_manager_key."
            )
        rel = relation_for(context.asset_key)
        schema = rel.rsplit(".", 1)[0]
        con = self._connect(read_only=False)
        try:
            con.register("_dnb_value", obj)
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create or replace table {rel} as select * from _dnb_value")
            con.unregister("_dnb_value")
        finally:
            con.close()
        context.add_output_metadata({"dagster/table_name": rel, "dagster/row_count": len(obj)})

    def load_input(self, context: Any) -> Any:
        up = context.upstream_output
        meta = getattr(up, "definition_metadata", None) if up is not None else None
        rel = relation_for(context.asset_key, meta)
        import os

        if not os.path.exists(self.database):
            raise dg.DagsterInvariantViolationError(
                f"The DuckDB file {self.database} does not exist yet; materialize "
                f"{context.asset_key.to_user_string()} first."
            )
        import duckdb

        con = self._connect(read_only=True)
        try:
            return con.sql(f"select * from {rel}").df()
        except duckdb.Error as e:  # CatalogException (no such table) and friends
            raise dg.DagsterInvariantViolationError(
                f"Cannot read {rel} from {self.database} for asset "
                f"{context.asset_key.to_user_string()}: {e}. Materialize it first."
            ) from None
        finally:
            con.close()
