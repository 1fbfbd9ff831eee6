"""Issue #13, what a first user meets in the widgets: why a node failed, "not run" below a
failure, the partition picker behind the Materialize buttons, a backfill's runs in the
progress view, running steps, long names, and the static HTML export."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("anywidget")

import dagster_nb as dg  # noqa: E402
from dagster_nb._notebook.repository import KernelRepository  # noqa: E402
from dagster_nb._widgets import LineageWidget, RunProgressWidget  # noqa: E402
from dagster_nb._widgets.html import run_progress_html  # noqa: E402
from dagster_nb._widgets.viewmodel import lineage_dot  # noqa: E402


@pytest.fixture
def kernel_repo(tmp_path):
    repo = KernelRepository(dg.DagsterInstance.from_directory(str(tmp_path / "inst")))
    yield repo
    repo.instance.dispose()


def _register(repo, *defs):
    for d in defs:
        repo.register(d)


def test_a_failed_node_says_why_and_what_it_kept_from_running(kernel_repo):
    @dg.asset
    def raw():
        return [1, 2]

    @dg.asset
    def cleaned(raw):
        raise KeyError("column 'amount' is missing")

    @dg.asset
    def report(cleaned):
        return 1

    _register(kernel_repo, raw, cleaned, report)
    kernel_repo.materialize(raise_on_error=False)
    w = LineageWidget(kernel_repo, debounce=0, live=False)
    status = {n["key"]: n["status"] for n in w.view_model["nodes"]}
    assert status == {"raw": "fresh", "cleaned": "failed", "report": "not_run"}
    assert w.view_model["statuses"]["not_run"]["label"] == "not run"
    assert 'class="dnb-asset status-not_run"' in lineage_dot(w.view_model)

    w.selected_key = "cleaned"
    f = w.detail["failure"]
    assert f["kind"] == "failed"
    assert f["error"]["cls_name"] == "KeyError"
    assert "column 'amount' is missing" in f["error"]["message"]
    # the user's frame (this file, the asset's line), none of ours
    assert len(f["error"]["frames"]) == 1
    assert __file__ in f["error"]["frames"][0] and "in cleaned" in f["error"]["frames"][0]
    assert "dagster_nb" not in "".join(f["error"]["frames"])

    w.selected_key = "report"
    f = w.detail["failure"]
    assert f["kind"] == "not_run" and f["upstream_failed"] == ["cleaned"]
    assert w.detail["status"] == "not_run"

    # once fixed and rerun, nothing is failed or not run any more
    @dg.asset(name="cleaned")
    def cleaned_v2(raw):
        return raw

    with pytest.warns(UserWarning, match="already defined"):
        kernel_repo.register(cleaned_v2)
    kernel_repo.materialize()
    w.refresh()
    assert {n["status"] for n in w.view_model["nodes"]} == {"fresh"}
    w.close()


def test_not_run_keeps_the_value_an_asset_already_has(kernel_repo):
    state = {"fail": False}

    @dg.asset
    def up():
        if state["fail"]:
            raise RuntimeError("boom")
        return 1

    @dg.asset
    def down(up):
        return up + 1

    _register(kernel_repo, up, down)
    kernel_repo.materialize()
    state["fail"] = True
    kernel_repo.materialize(raise_on_error=False)
    w = LineageWidget(kernel_repo, debounce=0, live=False)
    status = {n["key"]: n["status"] for n in w.view_model["nodes"]}
    assert status["up"] == "failed"
    assert status["down"] == "fresh"  # its stored value is still the one it has
    node = next(n for n in w.view_model["nodes"] if n["key"] == "down")
    assert node["failure"]["kind"] == "not_run"
    w.close()


@pytest.fixture
def partitioned(kernel_repo):
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-06")

    @dg.asset
    def customers():
        return ["a", "b"]

    @dg.asset(partitions_def=days)
    def daily_orders(context, customers):
        return {"day": context.partition_key, "n": len(customers)}

    @dg.asset
    def summary(daily_orders):
        return len(daily_orders)

    _register(kernel_repo, customers, daily_orders, summary)
    return kernel_repo


def _runs(repo):
    """(assets, partition) of each run after the first (which materialized customers)."""
    return [
        (
            sorted(k.to_user_string() for k in r.dagster_run.asset_selection),
            r.dagster_run.tags.get("dagster/partition"),
        )
        for r in reversed(repo.instance.get_run_records())
    ][1:]


def test_materialize_buttons_of_a_partitioned_asset_open_a_partition_picker(partitioned):
    partitioned.materialize("key:customers")
    w = LineageWidget(partitioned, debounce=0, live=False)
    w.selected_key = "daily_orders"
    pick = w.detail["pickers"]["materialize"]
    assert (
        pick["definition"]
        == 'DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-06")'
    )
    assert pick["keys"] == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    assert pick["default"] == "2024-01-05" and pick["missing"] == 5
    assert w.detail["pickers"]["upstream"]["assets"] == ["daily_orders"]
    w.selected_key = "customers"
    assert w.detail["pickers"]["materialize"] is None  # unpartitioned: runs at once
    assert w.detail["pickers"]["downstream"]["assets"] == ["daily_orders"]

    # a click without a choice does not dead-end in an error: it asks for one, runs nothing
    w.action = {"kind": "materialize", "key": "daily_orders", "nonce": 1}
    assert "pick a partition, a range or missing only" in w.message
    assert "1704067200" not in w.message and _runs(partitioned) == []

    w.action = {"kind": "materialize", "key": "daily_orders", "partition": "2024-01-02", "nonce": 2}
    assert _runs(partitioned) == [(["daily_orders"], "2024-01-02")]
    assert w.message.startswith("Run ") and "SUCCESS" in w.message

    w.action = {
        "kind": "materialize",
        "key": "daily_orders",
        "range": ["2024-01-03", "2024-01-04"],
        "nonce": 3,
    }
    assert _runs(partitioned)[1:] == [
        (["daily_orders"], "2024-01-03"),
        (["daily_orders"], "2024-01-04"),
    ]

    w.selected_key = "daily_orders"
    assert w.detail["pickers"]["materialize"]["missing"] == 2
    w.action = {"kind": "materialize", "key": "daily_orders", "missing_only": True, "nonce": 4}
    assert _runs(partitioned)[3:] == [
        (["daily_orders"], "2024-01-01"),
        (["daily_orders"], "2024-01-05"),
    ]
    w.action = {"kind": "materialize", "key": "daily_orders", "missing_only": True, "nonce": 5}
    assert w.message == "Every partition is materialized already; nothing to run."

    # + downstream from the unpartitioned root over a range: customers and summary once each
    before = len(_runs(partitioned))
    w.action = {
        "kind": "downstream",
        "key": "customers",
        "range": ["2024-01-01", "2024-01-05"],
        "nonce": 6,
    }
    new = _runs(partitioned)[before:]
    assert new[0] == (["customers"], None) and new[-1] == (["summary"], None)
    assert [r for r in new if r[0] == ["daily_orders"]] == [
        (["daily_orders"], f"2024-01-0{i}") for i in range(1, 6)
    ]
    assert "6 runs" not in w.message and "7 runs SUCCESS" in w.message
    w.close()


def test_a_backfill_progress_view_shows_every_run(partitioned):
    partitioned.materialize("key:customers")
    progress = RunProgressWidget(throttle=0)
    partitioned.materialize(
        "key:daily_orders",
        partition_keys=["2024-01-01", "2024-01-02", "2024-01-03"],
        listeners=[progress],
    )
    vm = progress.view_model
    assert [r["partition"] for r in vm["runs"]] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert all(r["status"] == "SUCCESS" for r in vm["runs"])
    (row,) = vm["rows"]
    assert row["partitions"] == {"done": 3, "failed": 0, "total": 3} and row["runs"] == 3
    html = run_progress_html(vm)
    assert "3 runs" in html
    for r in vm["runs"]:
        assert r["run_id"][:8] in html


def test_a_running_step_never_shows_zero_ms():
    events = []

    @dg.asset
    def slow():
        return 1

    dg.materialize([slow], instance=dg.DagsterInstance.ephemeral(), listeners=[events.append])  # noqa
    started = [e for e in events if e.event_type_value != "STEP_SUCCESS"][
        : [e.event_type_value for e in events].index("STEP_START") + 1
    ]
    from dagster_nb._widgets.viewmodel import run_progress_view_model

    vm = run_progress_view_model(started, now=started[-1].timestamp)  # 0 s since the start
    (row,) = vm["rows"]
    assert row["status"] == "running"
    html = run_progress_html(vm)
    assert "0 ms" not in html and ">running<" in html
    vm = run_progress_view_model(started, now=started[-1].timestamp + 2.5)
    assert "running 2.5 s" in run_progress_html(vm)


def test_one_long_name_does_not_shrink_the_graph(kernel_repo):
    from dagster_nb._widgets.render import render_dot

    def graph(name):
        a = dg.asset(name="a")(lambda: 1)
        b = dg.asset(name=name, deps=["a"])(lambda: 1)
        c = dg.asset(name="c", deps=[name])(lambda: 1)
        repo = KernelRepository(kernel_repo.instance)
        _register(repo, a, b, c)
        w = LineageWidget(repo, debounce=0, live=False)
        svg = render_dot(lineage_dot(w.view_model))
        w.close()
        return float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)), svg

    short, _ = graph("orders")
    long_name = "monthly_revenue_by_customer_segment_and_region_adjusted_for_returns_v2"
    wide, svg = graph(long_name)
    assert wide < short * 2.2  # was 2.8x: fitting it to the view shrank every label
    assert long_name not in svg.split("<title>")[0]  # drawn clipped ...
    assert f'xlink:title="{long_name}"' in svg  # ... with the whole name in the tooltip


def test_static_html_export_shows_the_final_state_and_loads_nothing_external(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from dagster_nb._widgets.static_export import StaticHTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(c)
        for c in (
            "%load_ext dagster_nb\nimport dagster_nb as dg",
            "@dg.asset\ndef orders():\n    return [1, 2, 3]\n\n@dg.asset\ndef total(orders):\n    return sum(orders)",
            "%materialize",
            "%lineage",
            "%dagster_nb runs",
        )
    ]
    import os

    env_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(tmp_path / "home")
    try:
        nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        if env_home is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = env_home
    assert "widgets" in nb.metadata  # live widgets ran
    html, _ = StaticHTMLExporter().from_notebook_node(nb)
    # nothing is loaded from another host: no script, link, image or import with a URL
    loads = re.findall(r'(?:src|href)\s*=\s*["\'](https?:[^"\']+)', html)
    loads += re.findall(r"@import\s+url\(\s*['\"]?(https?:[^)'\"]+)", html)
    assert loads == []
    assert "application/vnd.jupyter.widget" not in html
    assert "(live run progress)" not in html
    # the final state, inline: the run table, the graph with both assets, the run history
    assert "dnb-runs-static" in html and ">success<" in html
    assert len(re.findall(r'class="node dnb(?:-|&#45;)asset status(?:-|&#45;)fresh"', html)) == 2
    assert re.search(r"<code>[0-9a-f]{8}</code>.*SUCCESS", html, re.S)


@pytest.mark.dagster
@pytest.mark.usefixtures("quiet_dagster")
def test_the_failure_panel_names_the_same_exception_as_dagsters_step_failure(kernel_repo):
    dagster = pytest.importorskip("dagster")

    def build(lib):
        @lib.asset
        def raw():
            return {"amount": None}

        @lib.asset
        def cleaned(raw):
            return int(raw["amount"])  # TypeError from the user's line

        return [raw, cleaned]

    r = dagster.materialize(
        build(dagster), instance=dagster.DagsterInstance.ephemeral(), raise_on_error=False
    )
    (failure,) = r.get_step_failure_events()
    theirs = failure.event_specific_data.error
    while theirs.cause is not None:  # Dagster wraps it too: the user's exception is the cause
        theirs = theirs.cause

    _register(kernel_repo, *build(dg))
    kernel_repo.materialize(raise_on_error=False)
    w = LineageWidget(kernel_repo, debounce=0, live=False)
    w.selected_key = "cleaned"
    ours = w.detail["failure"]["error"]
    assert ours["cls_name"] == theirs.cls_name == "TypeError"
    assert ours["message"] == theirs.message.strip()
    # the same user frame (file, line, function) as the last entry of Dagster's stack
    assert ours["frames"][-1].split("\n")[0] == theirs.stack[-1].split("\n")[0]
    w.close()
