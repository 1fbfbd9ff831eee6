"""The pure view model: statuses after real runs into a real instance, stale causes after a
redefinition, DOT content, partitions compression at 100,000 keys, run progress and history."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import time

import pytest
import widgets_example as example

import dagster_nb as dg
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._widgets.html import (
    asset_detail_html,
    asset_selection_html,
    catalog_html,
    partition_strip_html,
    partitions_def_html,
    run_history_html,
    run_html,
    value_preview_html,
)
from dagster_nb._widgets.render import DotNotFoundError, find_dot, render_dot
from dagster_nb._widgets.viewmodel import (
    STATUS_STYLES,
    asset_detail_view_model,
    catalog_rows,
    lineage_dot,
    lineage_view_model,
    node_id,
    partition_view_model,
    run_history_view_model,
    run_progress_view_model,
)


def _nodes(vm):
    return {n["key"]: n for n in vm["nodes"]}


def test_statuses_after_real_runs(repo):
    res = repo.materialize('key:"orders" or key:"customers" or key:"orders_clean"')
    failed = repo.materialize('key:"broken"')
    assert not failed.success
    repo.materialize('key:"daily_sales"', partition_keys=["2024-01-01", "2024-01-02"])
    vm = lineage_view_model(repo.snapshot(), repo.instance)
    json.dumps(vm)  # plain JSON
    n = _nodes(vm)
    assert {k: v["status"] for k, v in n.items()} == {
        "orders": "fresh",
        "customers": "fresh",
        "orders_clean": "fresh",
        "revenue": "missing",
        "forecast": "missing",
        "broken": "failed",
        "raw_events": "source",
        "vendor_prices": "external",
        "daily_sales": "fresh",
    }
    assert n["orders"]["last_materialization"]["run_id"] == res.run_id
    assert n["revenue"]["last_materialization"] is None
    assert n["daily_sales"]["partitioned"] is True
    assert n["daily_sales"]["partitions"] == {
        "total": 10,
        "materialized": 2,
        "failed": 0,
        "in_progress": 0,
    }
    assert n["orders"]["kinds"] == ["pandas"] and n["revenue"]["kinds"] == ["pandas", "sql"]
    assert n["orders"]["group"] == "ingest" and n["revenue"]["group"] == "analytics"
    assert n["orders"]["description"] == "Orders loaded from the shop database"
    assert n["orders"]["code_version"] == "v1"
    assert {"source": "orders_clean", "target": "revenue"} in vm["edges"]
    assert {"source": "vendor_prices", "target": "revenue"} in vm["edges"]
    assert [g["name"] for g in vm["groups"]] == ["analytics", "ingest"]
    assert vm["counts"]["fresh"] == 4 and vm["counts"]["missing"] == 2
    # running / failed from a live run win over stored statuses
    vm2 = lineage_view_model(
        repo.snapshot(), repo.instance, running={AssetKey("revenue")}, failed={AssetKey("orders")}
    )
    assert _nodes(vm2)["revenue"]["status"] == "running"
    assert _nodes(vm2)["orders"]["status"] == "failed"


def test_stale_causes_after_redefinition(mixed_repo):
    repo = mixed_repo
    n = _nodes(lineage_view_model(repo.snapshot(), repo.instance))
    assert n["orders"]["status"] == "stale"
    assert n["orders"]["stale_causes"] == ["code version changed"]
    assert n["orders"]["code_version"] == "v2"
    assert n["orders_clean"]["stale_causes"] == ["upstream orders is stale"]
    assert n["revenue"]["status"] == "stale"
    assert n["customers"]["status"] == "fresh"
    # re-materializing orders: fresh again, and its child now reads old data
    repo.materialize('key:"orders"')
    n = _nodes(lineage_view_model(repo.snapshot(), repo.instance))
    assert n["orders"]["status"] == "fresh"
    assert n["orders_clean"]["stale_causes"] == ["upstream orders has new data"]


def test_selection_keys_restrict_nodes_and_edges(mixed_repo):
    sel = dg.AssetSelection.from_string('+key:"revenue"').resolve(mixed_repo.snapshot().graph)
    vm = lineage_view_model(mixed_repo.snapshot(), mixed_repo.instance, selection_keys=sel)
    assert set(_nodes(vm)) == {"revenue", "orders_clean", "orders", "customers"}
    assert all(e["source"] in _nodes(vm) and e["target"] in _nodes(vm) for e in vm["edges"])
    assert vm["selected"] is True and vm["total_assets"] == 9


def test_node_ids_are_stable_and_safe():
    assert node_id("orders") == "asset-orders"
    a, b = node_id("raw/orders"), node_id("raw_orders")
    assert a != b and a.startswith("asset-raw_orders-") and b == "asset-raw_orders"
    assert node_id(AssetKey(["raw", "orders"])) == a


def test_lineage_dot_content(mixed_repo):
    vm = lineage_view_model(
        mixed_repo.snapshot(), mixed_repo.instance, running={AssetKey("customers")}
    )
    dot = lineage_dot(vm)
    assert dot == lineage_dot(vm)  # deterministic
    assert dot.count("subgraph cluster_") == 2
    assert 'label="analytics"' in dot and 'label="ingest"' in dot
    for n in vm["nodes"]:
        assert f'id="{n["id"]}"' in dot
        assert f'class="dnb-asset status-{n["status"]}"' in dot
    assert f'BGCOLOR="{STATUS_STYLES["stale"]["fill"]}"' in dot
    assert f'BGCOLOR="{STATUS_STYLES["running"]["fill"]}"' in dot
    assert f'BGCOLOR="{STATUS_STYLES["failed"]["fill"]}"' in dot
    assert "> pandas <" in dot and "> sql <" in dot  # kind badges
    assert "0/10 partitions" in dot or "3/10 partitions" in dot
    assert '"orders" -> "orders_clean";' in dot


def test_render_real_svg(mixed_repo):
    vm = lineage_view_model(mixed_repo.snapshot(), mixed_repo.instance)
    # dot writes "-" in ids as "&#45;"; a browser's DOM sees the plain id
    svg = html.unescape(render_dot(lineage_dot(vm)))
    assert "<svg" in svg
    for n in vm["nodes"]:
        assert f'id="{n["id"]}"' in svg
        assert f"dnb-asset status-{n['status']}" in svg
        assert STATUS_STYLES[n["status"]]["fill"] in svg
    png = render_dot(lineage_dot(vm), "png")
    assert isinstance(png, bytes) and png[:4] == b"\x89PNG"


def test_dot_errors(monkeypatch):
    with pytest.raises(Exception, match="failed"):
        render_dot("digraph { a -> }")
    monkeypatch.setenv("DAGSTER_NB_DOT", "/nonexistent/dot")
    with pytest.raises(DotNotFoundError, match="pip install graphviz-pure"):
        find_dot()


def test_asset_detail_with_metadata_history(repo):
    for _ in range(3):
        repo.materialize('key:"orders"')
    d = asset_detail_view_model(repo.snapshot(), repo.instance, "orders", history=2)
    json.dumps(d)
    assert d["description"] == "Orders loaded from the shop database"
    assert d["code_version"] == "v1" and d["status"] == "fresh"
    assert len(d["history"]) == 2
    runs = [{m["label"]: m["value"] for m in h["metadata"]}["run_number"] for h in d["history"]]
    assert runs == [3, 2]  # newest first
    assert d["last_materialization"] == d["history"][0]
    md = {m["label"]: m for m in d["last_materialization"]["metadata"]}
    assert md["rows"]["value"] == 12 and md["rows"]["type"] == "int"
    assert "order_id: int64" in md["dagster/column_schema"]["text"]
    assert d["children"] == ["orders_clean"] and d["parents"] == []
    repo.redefine(example.make_orders("v3"))
    d = asset_detail_view_model(repo.snapshot(), repo.instance, "revenue")
    assert d["status"] == "missing" and d["history"] == []
    d = asset_detail_view_model(repo.snapshot(), repo.instance, AssetKey("orders"))
    assert d["stale_causes"] == ["code version changed"]
    assert "<b>orders</b>" in asset_detail_html(d) and "code version changed" in asset_detail_html(
        d
    )


def test_partition_view_model_static_100k():  # timed in bench/bench_views.py
    keys = [f"p{i:06d}" for i in range(100_000)]
    pdef = dg.StaticPartitionsDefinition(keys)
    statuses = {k: "MATERIALIZED" for k in keys[:50_000]}
    statuses.update({k: "FAILED" for k in keys[60_000:60_010]})
    statuses[keys[99_999]] = "IN_PROGRESS"
    vm = partition_view_model(pdef, statuses)
    assert vm["total"] == 100_000 and vm["keys"] is None
    assert [(r["start"], r["end"], r["status"], r["count"]) for r in vm["ranges"]] == [
        ("p000000", "p049999", "materialized", 50_000),
        ("p050000", "p059999", "missing", 10_000),
        ("p060000", "p060009", "failed", 10),
        ("p060010", "p099998", "missing", 39_989),
        ("p099999", "p099999", "in_progress", 1),
    ]
    assert vm["counts"] == {
        "materialized": 50_000,
        "failed": 10,
        "in_progress": 1,
        "missing": 49_989,
    }
    json.dumps(vm)


def test_partition_view_model_hourly_100k():
    import datetime as dt

    pdef = dg.HourlyPartitionsDefinition("2010-01-01-00:00")
    now = dt.datetime(2021, 5, 29, 16, 0)
    keys = pdef.get_partition_keys(current_time=now)
    assert len(keys) >= 100_000
    statuses = {k: "MATERIALIZED" for k in keys[::2]}  # worst case: every other key
    # worst case (nothing compresses: 100,000 ranges): correct, no timing promise
    vm = partition_view_model(pdef, statuses, current_time=now)
    assert vm["kind"] == "time" and len(vm["ranges"]) == len(keys)
    statuses = {k: "MATERIALIZED" for k in keys[:-24]}
    vm = partition_view_model(pdef, statuses, current_time=now)  # timed in bench/bench_views.py
    assert [r["count"] for r in vm["ranges"]] == [len(keys) - 24, 24]
    assert vm["ranges"][1]["start"] == keys[-24]


def test_partition_view_model_multi_grid():
    pdef = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition("2024-01-01", end_date="2024-01-06"),
            "color": dg.StaticPartitionsDefinition(["blue", "red"]),
        }
    )
    statuses = {
        dg.MultiPartitionKey({"date": "2024-01-01", "color": "red"}): "MATERIALIZED",
        dg.MultiPartitionKey({"date": "2024-01-02", "color": "red"}): "MATERIALIZED",
        dg.MultiPartitionKey({"date": "2024-01-03", "color": "blue"}): "FAILED",
    }
    vm = partition_view_model(pdef, statuses)
    assert vm["kind"] == "multi" and vm["total"] == 10
    assert vm["column_dimension"]["name"] == "date" and vm["row_dimension"]["keys"] == [
        "blue",
        "red",
    ]
    rows = {
        r["key"]: [(x["start"], x["end"], x["status"]) for x in r["ranges"]] for r in vm["grid"]
    }
    assert rows["red"] == [
        ("2024-01-01", "2024-01-02", "materialized"),
        ("2024-01-03", "2024-01-05", "missing"),
    ]
    assert rows["blue"][1] == ("2024-01-03", "2024-01-03", "failed")
    assert vm["counts"]["materialized"] == 2 and vm["counts"]["missing"] == 7
    assert "red" in partition_strip_html(vm)


def test_run_progress_from_real_events(repo):
    events = []
    repo.materialize('key:"customers"')
    repo.materialize('key:"orders"+', listeners=[events.append])
    vm = run_progress_view_model(events)
    json.dumps(vm)
    assert vm["run"]["status"] == "SUCCESS" and vm["run"]["duration"] >= 0
    rows = {r["key"]: r for r in vm["rows"]}
    assert set(rows) == {"orders", "orders_clean", "revenue", "forecast"}
    assert all(r["status"] == "success" and r["duration"] is not None for r in rows.values())
    # mid-run: only the first steps' events
    first = [e for e in events if e.event_type_value != "PIPELINE_SUCCESS"]
    cut = next(
        i
        for i, e in enumerate(first)
        if e.event_type_value == "STEP_START" and e.step_key == "orders_clean"
    )
    mid = run_progress_view_model(first[: cut + 1], now=time.time())
    st = {r["key"]: r["status"] for r in mid["rows"]}
    assert st["orders"] == "success" and st["orders_clean"] == "running"
    assert st["forecast"] == "planned" and mid["run"]["status"] == "STARTED"
    assert {r["key"]: r for r in mid["rows"]}["orders_clean"]["elapsed"] is not None

    events.clear()
    repo.materialize(
        'key:"daily_sales"', partition_keys=["2024-01-03", "2024-01-04"], listeners=[events.append]
    )
    row = run_progress_view_model(events)["rows"][0]
    assert row["partitions"] == {"done": 2, "failed": 0, "total": 2}

    events.clear()
    repo.materialize('key:"broken"', listeners=[events.append])
    vm = run_progress_view_model(events)
    assert vm["run"]["status"] == "FAILURE"
    assert vm["rows"][0]["status"] == "failed"
    assert "503" in vm["rows"][0]["error"]
    assert "503" in run_html(type("R", (), {"all_events": events})())


def test_run_history(repo):
    ok = repo.materialize('key:"customers"')
    bad = repo.materialize('key:"broken"')
    repo.materialize('key:"daily_sales"', partition_keys=["2024-01-03", "2024-01-04"])
    vm = run_history_view_model(repo.instance, limit=20)
    json.dumps(vm)
    runs = vm["runs"]
    assert [r["status"] for r in runs] == ["SUCCESS", "FAILURE", "SUCCESS"]
    assert runs[1]["run_id"] == bad.run_id and runs[2]["run_id"] == ok.run_id
    assert runs[2]["assets"] == ["customers"] and runs[2]["duration"] >= 0
    assert runs[0]["partition"] == "2024-01-03...2024-01-04"
    assert len(run_history_view_model(repo.instance, limit=1)["runs"]) == 1
    assert bad.run_id[:8] in run_history_html(vm)


def test_catalog_rows(mixed_repo):
    rows = catalog_rows(mixed_repo.snapshot(), mixed_repo.instance, None)
    by = {r["key"]: r for r in rows}
    assert by["orders"]["status"] == "stale"
    assert by["orders"]["stale_causes"] == ["code version changed"]
    assert by["customers"]["last_materialized"] is not None
    assert by["forecast"]["last_materialized"] is None
    assert by["revenue"]["kinds"] == ["pandas", "sql"]
    html = catalog_html(rows)
    assert "code version changed" in html and "<code>orders</code>" in html


def test_html_helpers(repo):
    sel = dg.AssetSelection.from_string('key:"orders"+')
    h = asset_selection_html(sel, repo.snapshot())
    assert "resolves to 4 assets" in h and "<code>forecast</code>" in h
    h = asset_selection_html(dg.AssetSelection.assets("nope"), repo.snapshot())
    assert "nope" in h  # the error, not a raise
    h = partitions_def_html(example.DAILY)
    assert "10" in h and "2024-01-01" in h and "2024-01-10" in h
    res = repo.materialize('key:"customers"')
    assert "customers" in run_html(res) and "SUCCESS" in run_html(res)
    assert "customers" in run_html(repo.instance.get_run_records(limit=1)[0])
    import pandas as pd

    h = value_preview_html(pd.DataFrame({"x": range(100)}))
    assert h.count("<tr") == 11 and "(100, 1)" in h
    assert "&lt;script&gt;" in value_preview_html("<script>")


def test_viewmodel_imports_nothing_heavy():
    code = (
        "import sys, dagster_nb._widgets.viewmodel, dagster_nb._widgets.html, "
        "dagster_nb._widgets.render, dagster_nb._widgets; "
        "print(sorted(m for m in ('IPython','ipywidgets','anywidget','graphviz','pandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
