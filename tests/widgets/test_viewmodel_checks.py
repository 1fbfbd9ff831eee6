"""Asset checks in the view model: the JSON a lineage node and a catalog row carry (from real
runs into a real SQLite instance), the DOT label and class, and the rendered SVG."""

from __future__ import annotations

import json

import dagster_nb as dg
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._widgets.html import catalog_html
from dagster_nb._widgets.render import render_dot
from dagster_nb._widgets.viewmodel import (
    asset_detail_view_model,
    catalog_rows,
    check_summary_text,
    lineage_dot,
    lineage_view_model,
)


def _defs():
    @dg.asset
    def orders():
        return [5, -1]

    @dg.asset_check(asset=orders, blocking=True, description="amounts are never negative")
    def non_negative(orders):
        return dg.AssetCheckResult(passed=all(x >= 0 for x in orders), metadata={"bad_rows": 1})

    @dg.asset_check(asset=orders)
    def has_rows(orders):
        return dg.AssetCheckResult(passed=bool(orders))

    @dg.asset_check(asset=orders)
    def not_yet():
        return dg.AssetCheckResult(passed=True)

    @dg.asset
    def plain():
        return 1

    @dg.asset(check_specs=[dg.AssetCheckSpec("ok", asset="summary")])
    def summary(plain):
        yield dg.Output(plain)
        yield dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, description="meh"
        )

    return [orders, non_negative, has_rows, not_yet, plain, summary]


def test_lineage_nodes_and_catalog_rows_carry_the_latest_check_results(tmp_path):
    defs = _defs()
    with dg.DagsterInstance.from_directory(str(tmp_path)) as instance:
        resolved = ResolvedAssets.build(defs)
        vm = lineage_view_model(resolved, instance)
        nodes = {n["key"]: n for n in vm["nodes"]}
        assert nodes["orders"]["checks"]["not_evaluated"] == 3 and nodes["plain"]["checks"] is None
        selection = dg.AssetSelection.all() - dg.AssetSelection.checks(defs[3])
        result = dg.materialize(defs, instance=instance, selection=selection, raise_on_error=False)
        assert result.get_failed_step_keys() == {"orders_non_negative"}

        vm = json.loads(json.dumps(lineage_view_model(resolved, instance)))
        nodes = {n["key"]: n for n in vm["nodes"]}
        orders = nodes["orders"]["checks"]
        assert {
            k: orders[k] for k in ("total", "passed", "failed", "warning", "not_evaluated")
        } == {
            "total": 3,
            "passed": 1,
            "failed": 1,
            "warning": 0,
            "not_evaluated": 1,
        }
        items = {i["name"]: i for i in orders["items"]}
        assert [i["name"] for i in orders["items"]] == ["has_rows", "non_negative", "not_yet"]
        bad = items["non_negative"]
        assert (bad["status"], bad["severity"], bad["blocking"], bad["run_id"]) == (
            "failed",
            "ERROR",
            True,
            result.run_id,
        )
        assert (
            bad["description"] == "amounts are never negative"
        )  # the spec's, when the result has none
        assert [(m["label"], m["value"]) for m in bad["metadata"]] == [("bad_rows", 1)]
        assert (
            items["not_yet"]["status"] == "not_evaluated" and items["not_yet"]["timestamp"] is None
        )
        summary = nodes["summary"]["checks"]
        assert (summary["warning"], summary["items"][0]["description"]) == (1, "meh")
        assert vm["check_counts"] == {"passed": 1, "failed": 1, "warning": 1, "not_evaluated": 1}
        assert check_summary_text(orders) == "1 passed, 1 failed, 1 not evaluated"
        # the downstream of a failed blocking check did not run: no checks, no change
        assert nodes["plain"]["checks"] is None

        rows = {r["key"]: r for r in catalog_rows(resolved, instance)}
        assert rows["orders"]["checks"] == nodes["orders"]["checks"]
        page = catalog_html(list(rows.values()))
        assert "1 passed, 1 failed, 1 not evaluated" in page and "non_negative: failed" in page

        detail = asset_detail_view_model(resolved, instance, "orders")
        assert detail["checks"] == nodes["orders"]["checks"]

        dot = lineage_dot(vm)
        orders_line = next(line for line in dot.splitlines() if line.strip().startswith('"orders"'))
        assert 'class="dnb-asset status-fresh checks-failed"' in orders_line
        assert "checks: 1 passed, 1 failed, 1 not evaluated" in orders_line
        summary_line = next(
            line for line in dot.splitlines() if line.strip().startswith('"summary"')
        )
        assert "checks-warning" in summary_line
        plain_line = next(line for line in dot.splitlines() if line.strip().startswith('"plain"'))
        assert "checks" not in plain_line
        svg = render_dot(dot).replace("&#45;", "-")  # Graphviz writes '-' in attributes so
        assert 'class="node dnb-asset status-fresh checks-failed"' in svg
        assert 'class="node dnb-asset status-fresh checks-warning"' in svg
        assert "checks: 1 passed, 1 failed, 1 not evaluated" in svg


def test_the_lineage_widget_front_end_draws_the_checks(tmp_path):
    """lineage.js in headless chromium, on the view model of real runs: the detail panel lists
    each check with its status, and no script error occurs."""
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    defs = _defs()
    with dg.DagsterInstance.from_directory(str(tmp_path / "inst")) as instance:
        dg.materialize(defs, instance=instance, raise_on_error=False)
        resolved = ResolvedAssets.build(defs)
        vm = lineage_view_model(resolved, instance)
        state = {
            "view_model": vm,
            "svg": render_dot(lineage_dot(vm)),
            "selection": "",
            "detail": asset_detail_view_model(resolved, instance, "orders"),
            "selected_key": "orders",
            "message": "",
            "busy": False,
            "render_error": "",
            "selection_error": "",
        }
    static = Path(dg.__file__).parent / "_widgets" / "static"
    page = tmp_path / "widget.html"
    page.write_text(
        "<html><body><div id='root'></div><script type='module'>\n"
        f"const state = {json.dumps(state)};\n"
        "const model = {get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes() {}, on() {}, off() {}};\n"
        f"const src = {json.dumps((static / 'lineage.js').read_text())};\n"
        "const mod = await import(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));\n"
        "try { mod.default.render({model, el: document.getElementById('root')}); document.body.dataset.ok = 'yes'; }\n"
        "catch (e) { document.body.dataset.error = String(e); }\n"
        "</script></body></html>"
    )
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'data-ok="yes"' in dom, dom[-2000:]
    assert "Checks (3)" in dom
    assert '<span class="dnb-check dnb-check-failed">failed</span>' in dom
    assert "non_negative (blocking)" in dom and "amounts are never negative" in dom
