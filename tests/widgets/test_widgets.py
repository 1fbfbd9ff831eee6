"""Widget state after real runs, with clicks simulated by setting the traitlets the ES modules
set (ipywidgets works without a front end)."""

from __future__ import annotations

import html
import time

import pytest
import widgets_example as example

import dagster_nb as dg
from dagster_nb._widgets import LineageWidget, PartitionWidget, RunHistoryWidget, RunProgressWidget
from dagster_nb._widgets.viewmodel import STATUS_STYLES


def _status(w, key):
    return next(n["status"] for n in w.view_model["nodes"] if n["key"] == key)


def test_lineage_widget_renders_statuses(mixed_repo):
    w = LineageWidget(mixed_repo, debounce=0)
    svg = html.unescape(w.svg)
    assert w.render_error == ""
    for n in w.view_model["nodes"]:
        assert f'id="{n["id"]}"' in svg
        assert STATUS_STYLES[n["status"]]["fill"] in svg
    assert _status(w, "orders") == "stale" and _status(w, "broken") == "failed"
    text = repr(w)
    assert text == (
        "LineageWidget(9 assets: 2 fresh, 3 stale, 1 missing, 1 failed, 1 source, 1 external)"
    )
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == text
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "<svg" in data["image/svg+xml"]
    w.close()


def test_lineage_widget_is_live_during_runs(repo):
    w = LineageWidget(repo, debounce=0)
    seen = {}

    @dg.asset(group_name="analytics", code_version="v1")
    def customers():
        # runs inside the executor: the widget has already re-rendered on STEP_START
        seen["status"] = _status(w, "customers")
        seen["svg"] = html.unescape(w.svg)
        return 1

    repo.redefine(customers)
    assert _status(w, "customers") == "missing"
    assert w.view_model["version"] == repo.version
    repo.materialize('key:"customers"')
    assert seen["status"] == "running"
    assert 'class="node dnb-asset status-running"' in seen["svg"]
    assert _status(w, "customers") == "fresh"
    repo.materialize('key:"broken"')
    assert _status(w, "broken") == "failed"
    w.close()
    repo.materialize('key:"orders"')
    assert _status(w, "orders") == "missing"  # closed: no more updates


def test_lineage_widget_live_failure_and_not_run(repo):
    """One fold of events into statuses (RunFold): while a run goes on, the failed asset is red at
    once, the asset that will never run because of it is not, and the next step is running."""
    w = LineageWidget(repo, debounce=0)
    seen = {}

    @dg.asset(group_name="live")
    def up():
        raise ValueError("bad input file")

    @dg.asset(group_name="live")
    def down(up):
        return up

    @dg.asset(group_name="live")
    def zz_side():  # independent of up; runs after it (steps in key order)
        seen.update({k: _status(w, k) for k in ("up", "down", "zz_side")})
        return 1

    for a in (up, down, zz_side):
        repo.redefine(a)
    result = repo.materialize("group:live", raise_on_error=False)
    assert not result.success
    assert seen == {"up": "failed", "down": "missing", "zz_side": "running"}
    assert not w._live  # the run ended: the instance has the final state
    assert _status(w, "up") == "failed" and _status(w, "zz_side") == "fresh"
    assert _status(w, "down") != "failed"
    w.close()


def test_lineage_widget_throttled_updates(repo):
    w = LineageWidget(repo, debounce=0.05)
    repo.materialize('key:"customers"')
    deadline = time.time() + 5
    while _status(w, "customers") != "fresh" and time.time() < deadline:
        time.sleep(0.02)
    assert _status(w, "customers") == "fresh"
    repo.redefine(example.make_orders("v9"))
    w.flush()
    assert w.view_model["version"] == repo.version
    w.close()


def test_lineage_widget_redefinition_marks_stale(repo):
    repo.materialize('key:"orders" or key:"customers" or key:"orders_clean"')
    w = LineageWidget(repo, debounce=0)
    assert _status(w, "orders_clean") == "fresh"
    repo.redefine(example.make_orders("v2"))
    assert _status(w, "orders") == "stale" and _status(w, "orders_clean") == "stale"
    w.close()


def test_selection_box(mixed_repo):
    w = LineageWidget(mixed_repo, 'key:"revenue"+', debounce=0)
    assert {n["key"] for n in w.view_model["nodes"]} == {"revenue", "forecast"}
    w.selection = "+key:revenue"  # what pressing Enter in the text box sends
    keys = {n["key"] for n in w.view_model["nodes"]}
    assert {"orders", "customers", "revenue"} <= keys and "forecast" not in keys
    before = w.view_model
    w.selection = "key:revenu and ("  # a syntax error: shown inline, nothing raised
    assert w.selection_error and w.view_model == before
    w.selection = "revenu"
    assert "revenue" in w.selection_error  # did you mean
    w.selection = ""
    assert w.selection_error == "" and len(w.view_model["nodes"]) == 9
    w.close()


def test_click_shows_detail_with_value_preview(repo):
    for _ in range(2):
        repo.materialize('key:"orders" or key:"customers"')
    w = LineageWidget(repo, debounce=0)
    w.selected_key = "orders"  # what a click on the node sends
    d = w.detail
    assert d["key"] == "orders" and d["description"] == "Orders loaded from the shop database"
    assert d["code_version"] == "v1" and d["status"] == "fresh"
    assert [
        {m["label"]: m["value"] for m in h["metadata"]}["run_number"] for h in d["history"]
    ] == [2, 1]
    assert "<table" in d["value_html"] and d["value_html"].count("<tr") == 11  # head(10)
    assert "(12, 4)" in d["value_html"]
    repo.redefine(example.make_orders("v2"))
    assert w.detail["stale_causes"] == ["code version changed"]
    w.selected_key = "revenue"
    assert w.detail["value_error"] == "not materialized yet"
    w.selected_key = "vendor_prices"
    assert w.detail["status"] == "external" and w.detail["value_html"] is None
    w.selected_key = ""
    assert w.detail == {}
    w.close()


def test_detail_buttons_materialize(repo):
    w = LineageWidget(repo, debounce=0)
    w.selected_key = "orders_clean"
    w.action = {"kind": "upstream", "key": "orders_clean", "nonce": 1}
    assert repo.materialize_calls[-1][0] == '+key:"orders_clean"'
    assert _status(w, "orders") == "fresh" and _status(w, "orders_clean") == "fresh"
    assert _status(w, "revenue") == "missing"
    assert w.detail["status"] == "fresh" and "<table" in w.detail["value_html"]
    assert "SUCCESS" in w.message and not w.busy
    repo.materialize('key:"customers"')
    w.action = {"kind": "downstream", "key": "orders_clean", "nonce": 2}
    assert repo.materialize_calls[-1][0] == 'key:"orders_clean"+'
    assert _status(w, "revenue") == "fresh" and _status(w, "forecast") == "fresh"
    w.action = {"kind": "materialize", "key": "broken", "nonce": 3}
    assert repo.materialize_calls[-1][0] == 'key:"broken"'
    assert "FAILURE" in w.message and "503" in w.message
    assert _status(w, "broken") == "failed"
    w.action = {"kind": "explode", "key": "broken", "nonce": 4}
    assert "Unknown action" in w.message
    w.close()


def test_partition_widget_backfills_a_range(repo):
    w = PartitionWidget(repo, "daily_sales", debounce=0)
    vm = w.view_model
    assert vm["total"] == 10 and vm["counts"]["missing"] == 10 and vm["kind"] == "time"
    assert repr(w) == "PartitionWidget(daily_sales: 10 partitions: 10 missing)"
    w.range = {"row": None, "start": "2024-01-03", "end": "2024-01-05"}  # a click in the strip
    w.action = {"kind": "backfill", "nonce": 1}
    assert repo.materialize_calls[-1] == (
        'key:"daily_sales"',
        None,
        ["2024-01-03", "2024-01-04", "2024-01-05"],
    )
    assert repo.instance.get_materialized_partitions("daily_sales") == {
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    }
    assert [(r["start"], r["end"], r["status"]) for r in w.view_model["ranges"]] == [
        ("2024-01-01", "2024-01-02", "missing"),
        ("2024-01-03", "2024-01-05", "materialized"),
        ("2024-01-06", "2024-01-10", "missing"),
    ]
    assert "SUCCESS" in w.message
    w.action = {"kind": "backfill_missing", "nonce": 2}
    assert w.view_model["counts"]["materialized"] == 10
    # live: a run started elsewhere updates the widget
    w.close()
    with pytest.raises(Exception, match="not partitioned"):
        PartitionWidget(repo, "orders")
    with pytest.raises(Exception, match="daily_sales"):
        PartitionWidget(repo, "daily_sale")


def test_partition_widget_multi_grid(tmp_path):
    from widgets_repo import TestRepository

    pdef = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition("2024-01-01", end_date="2024-01-05"),
            "region": dg.StaticPartitionsDefinition(["eu", "us"]),
        }
    )

    @dg.asset(partitions_def=pdef)
    def sales(context):
        return {k: 1 for k in context.partition_keys}

    repo = TestRepository(tmp_path / "inst", [sales])
    w = PartitionWidget(repo, "sales", debounce=0)
    assert w.view_model["kind"] == "multi" and w.view_model["total"] == 8
    assert w.view_model["row_dimension"]["keys"] == ["eu", "us"]
    w.range = {"row": "us", "start": "2024-01-02", "end": "2024-01-03"}
    w.backfill()
    assert repo.instance.get_materialized_partitions("sales") == {"2024-01-02|us", "2024-01-03|us"}
    rows = {r["key"]: r for r in w.view_model["grid"]}
    assert rows["us"]["counts"]["materialized"] == 2 and rows["eu"]["counts"]["materialized"] == 0
    w.close()
    repo.instance.dispose()


def test_run_progress_widget_as_listener(repo):
    p = RunProgressWidget()
    assert repr(p) == "RunProgressWidget(run NOT_STARTED: 0 assets)"
    repo.materialize('key:"orders" or key:"customers" or key:"orders_clean"', listeners=[p])
    vm = p.view_model
    assert vm["run"]["status"] == "SUCCESS"
    assert {r["key"]: r["status"] for r in vm["rows"]} == {
        "orders": "success",
        "customers": "success",
        "orders_clean": "success",
    }
    assert repr(p) == "RunProgressWidget(run SUCCESS: 3 assets: 3 success)"
    p2 = RunProgressWidget(throttle=10)
    repo.materialize(
        'key:"daily_sales"', partition_keys=["2024-01-01", "2024-01-02"], listeners=[p2]
    )
    p2.flush()
    assert p2.view_model["rows"][0]["partitions"] == {"done": 2, "failed": 0, "total": 2}
    p3 = RunProgressWidget()
    repo.materialize('key:"broken"', listeners=[p3])
    assert p3.view_model["rows"][0]["status"] == "failed"
    assert "503" in p3.view_model["rows"][0]["error"]


def test_run_history_widget(repo):
    h = RunHistoryWidget(repo, limit=5, debounce=0)
    assert repr(h) == "RunHistoryWidget(0 runs)"
    repo.materialize('key:"customers"')
    repo.materialize('key:"broken"')
    assert [r["status"] for r in h.view_model["runs"]] == ["FAILURE", "SUCCESS"]
    assert repr(h) == "RunHistoryWidget(2 runs: 1 FAILURE, 1 SUCCESS)"
    h.close()


def test_no_dot_binary_is_shown_not_raised(repo, monkeypatch):
    monkeypatch.setenv("DAGSTER_NB_DOT", "/nonexistent/dot")
    w = LineageWidget(repo, debounce=0, live=False)
    assert w.svg == "" and "pip install graphviz-pure" in w.render_error
    assert len(w.view_model["nodes"]) == 9
    w.close()


def test_lineage_widget_at_1000_assets_and_focus(tmp_path):
    """1,000 assets in 20 groups render as one SVG (every node present), and a focus selection
    narrows the graph to the selected keys."""
    from widgets_repo import TestRepository

    assets = []
    for i in range(1000):
        deps = [f"a{j}" for j in (i - 1, i - 7) if j >= 0 and (i % 10)]
        assets.append(dg.asset(name=f"a{i}", deps=deps, group_name=f"g{i % 20}")(lambda: 1))
    repo = TestRepository(tmp_path / "home", assets)
    w = LineageWidget(repo, debounce=0)
    assert w.render_error == ""
    assert len(w.view_model["nodes"]) == 1000
    svg = w.svg
    assert svg.count('class="node') >= 1000
    w.selection = 'key:"a999" or 1+key:"a995"'
    w.flush()
    assert w.selection_error == ""
    keys = {n["key"] for n in w.view_model["nodes"]}
    assert "a999" in keys and "a995" in keys and len(keys) < 50
    w.close()


def test_live_runs_can_be_read_while_a_run_adds_events():
    """The executor's thread folds events in while a view's thread reads the statuses: every
    read sees a consistent state, and the run's end leaves nothing live."""
    import threading

    from dagster_nb._widgets.run_fold import LiveRuns

    assets = []
    for i in range(150):

        @dg.asset(name=f"a{i}")
        def a():
            return 1

        assets.append(a)
    live = LiveRuns()
    errors: list[BaseException] = []
    seen_running: set = set()
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                running, failed, not_run = live.statuses()
                seen_running.update(running)
                assert not (running & failed)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            result = dg.materialize(assets, instance=instance, listeners=[live.add])
    finally:
        done.set()
        reader.join()
    assert result.success and not errors, errors
    assert not live and live.statuses() == (set(), set(), set())
    assert seen_running <= {a.key for a in assets}
