"""Quickstart: define three assets, materialize them into a persistent instance, reload.

Run: python examples/quickstart.py   (values land in ./.dagster_nb unless DAGSTER_HOME is set)
"""

import dagster_nb as dg


@dg.asset(group_name="sales", kinds={"python"})
def orders():
    """Raw orders (made up here: no network)."""
    return [
        {"id": 1, "customer": "ada", "amount": 30.0},
        {"id": 2, "customer": "bob", "amount": 12.5},
        {"id": 3, "customer": "ada", "amount": 7.5},
    ]


@dg.asset(group_name="sales")
def revenue_by_customer(orders):
    totals: dict[str, float] = {}
    for o in orders:
        totals[o["customer"]] = totals.get(o["customer"], 0.0) + o["amount"]
    return totals


@dg.asset(group_name="sales")
def top_customer(context: dg.AssetExecutionContext, revenue_by_customer):
    name = max(revenue_by_customer, key=revenue_by_customer.get)
    context.add_output_metadata({"revenue": revenue_by_customer[name]})
    return name


defs = dg.Definitions(assets=[orders, revenue_by_customer, top_customer])

if __name__ == "__main__":
    instance = dg.DagsterInstance.get()
    result = dg.materialize([orders, revenue_by_customer, top_customer], instance=instance)
    for step, outcome in result.step_outcomes.items():
        print(f"{step:22s} {outcome}")
    print("top customer:", defs.load_asset_value("top_customer", instance=instance))
    print("revenue:", defs.load_asset_value("revenue_by_customer", instance=instance))
