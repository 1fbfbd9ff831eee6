"""A 10-asset example with every status: fresh, stale, missing, failed, source, external,
partitioned (and running, passed in by a test)."""

from __future__ import annotations

import pandas as pd

import dagster_nb as dg

DAILY = dg.DailyPartitionsDefinition("2024-01-01", end_date="2024-01-11")  # 10 partitions


@dg.observable_source_asset(group_name="ingest", description="Clickstream landing zone")
def raw_events():
    return dg.DataVersion("v1")


vendor_prices = dg.AssetSpec(
    "vendor_prices",
    group_name="ingest",
    kinds={"s3"},
    description="Prices a vendor drops in a bucket",
)

RUNS = {"orders": 0}


def make_orders(code_version: str = "v1"):
    @dg.asset(
        group_name="ingest",
        kinds={"pandas"},
        code_version=code_version,
        description="Orders loaded from the shop database",
    )
    def orders():
        RUNS["orders"] += 1
        df = pd.DataFrame(
            {
                "order_id": range(1, 13),
                "customer": [i % 4 for i in range(12)],
                "amount": [10.0 * i for i in range(1, 13)],
                "batch": RUNS["orders"],
            }
        )
        return dg.Output(df, metadata={"rows": len(df), "run_number": RUNS["orders"]})

    return orders


orders = make_orders()


@dg.asset(group_name="ingest", kinds={"pandas"}, code_version="v1")
def customers():
    return pd.DataFrame({"customer": range(4), "name": ["ann", "bob", "cy", "dee"]})


@dg.asset(group_name="analytics", kinds={"pandas"}, code_version="v1")
def orders_clean(orders):
    return orders[orders.amount > 0]


@dg.asset(group_name="analytics", kinds={"pandas", "sql"}, code_version="v1", deps=[vendor_prices])
def revenue(orders_clean, customers):
    return orders_clean.merge(customers).groupby("name").amount.sum().reset_index()


@dg.asset(group_name="analytics", code_version="v1")
def forecast(revenue):
    return revenue.amount.sum() * 1.1


@dg.asset(group_name="analytics", code_version="v1", deps=["raw_events"])
def broken():
    raise ValueError("the upstream API returned 503")


@dg.asset(group_name="analytics", partitions_def=DAILY, code_version="v1")
def daily_sales(context):
    return {k: int(k[-2:]) for k in context.partition_keys}


ALL = [
    raw_events,
    vendor_prices,
    orders,
    customers,
    orders_clean,
    revenue,
    forecast,
    broken,
    daily_sales,
]
