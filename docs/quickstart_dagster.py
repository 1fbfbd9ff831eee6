"""The quickstart notebook's four assets, written for real Dagster (side-by-side screenshots)."""

import random

import dagster as dg


@dg.asset(group_name="raw", kinds={"pandas"})
def orders() -> list:
    """Orders placed in the web shop."""
    rng = random.Random(42)
    return [
        {"country": rng.choice(["DE", "FR", "NL", "US"]), "amount": round(rng.uniform(5, 120), 2)}
        for _ in range(200)
    ]


@dg.asset(group_name="raw", kinds={"pandas"})
def fx_rates() -> dict:
    """EUR conversion rates."""
    return {"DE": 1.0, "FR": 1.0, "NL": 1.0, "US": 0.92}


@dg.asset(group_name="marts", kinds={"pandas"})
def revenue_by_country(orders, fx_rates) -> dict:
    out: dict = {}
    for o in orders:
        out[o["country"]] = round(
            out.get(o["country"], 0) + o["amount"] * fx_rates[o["country"]], 2
        )
    return out


@dg.asset(group_name="marts")
def top_country(context: dg.AssetExecutionContext, revenue_by_country) -> str:
    best = max(revenue_by_country, key=revenue_by_country.get)
    context.add_output_metadata({"revenue_eur": float(revenue_by_country[best])})
    return best


defs = dg.Definitions(assets=[orders, fx_rates, revenue_by_country, top_country])
