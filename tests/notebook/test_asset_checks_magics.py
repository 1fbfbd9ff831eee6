"""Asset checks in a real IPython shell: @asset_check cells register in the kernel, %materialize
runs the checks of what it materializes, and %assets shows each asset's check status."""

from __future__ import annotations

import dagster_nb as dg

CELLS = [
    "@dg.asset\ndef orders():\n    return [5, -1]",
    "@dg.asset_check(asset=orders)\ndef non_negative(orders):\n"
    "    return dg.AssetCheckResult(passed=all(x >= 0 for x in orders))",
    "@dg.asset_check(asset=orders)\ndef has_rows(orders):\n    return dg.AssetCheckResult(passed=len(orders) > 0)",
    "@dg.asset_check(asset=orders)\ndef small(orders):\n"
    "    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)",
    "@dg.asset(check_specs=[dg.AssetCheckSpec('positive', asset='total')])\ndef total(orders):\n"
    "    yield dg.Output(sum(orders))\n    yield dg.AssetCheckResult(passed=sum(orders) > 0)",
]


def test_assets_magic_lists_check_status_per_asset(shell, capsys):
    for i, cell in enumerate(CELLS):
        shell.ok(cell, cell_id=f"c{i}")
    capsys.readouterr()
    shell.ok("%assets")
    before = capsys.readouterr().out
    assert "checks" in before.splitlines()[0]
    assert "3 not evaluated" in before and "1 not evaluated" in before
    shell.ok("%materialize -q")
    result = dg.kernel.instance.get_latest_asset_check_evaluation_records(
        [dg.AssetCheckKey(dg.AssetKey("orders"), n) for n in ("non_negative", "has_rows", "small")]
    )
    assert len(result) == 3
    capsys.readouterr()
    shell.ok("%assets")
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "checks" not in lines
    assert "1 passed, 1 failed, 1 warning" in lines["orders"]
    assert "1 passed" in lines["total"]


def test_redefining_a_check_cell_replaces_it_and_the_lineage_view_model_shows_failures(shell):
    for i, cell in enumerate(CELLS[:2]):
        shell.ok(cell, cell_id=f"c{i}")
    shell.ok("%materialize -q")
    from dagster_nb._widgets.viewmodel import lineage_view_model

    node = next(
        n
        for n in lineage_view_model(dg.kernel.snapshot(), dg.kernel.instance)["nodes"]
        if n["key"] == "orders"
    )
    assert node["checks"]["failed"] == 1 and node["checks"]["items"][0]["name"] == "non_negative"
    # the same cell, fixed: one check (replaced, not duplicated), and it passes after a run
    shell.ok(
        "@dg.asset_check(asset=orders)\ndef non_negative(orders):\n    return dg.AssetCheckResult(passed=True)",
        cell_id="c1",
    )
    assert list(dg.kernel.snapshot().check_specs_by_key) == [
        dg.AssetCheckKey(dg.AssetKey("orders"), "non_negative")
    ]
    shell.ok("%materialize -q")
    node = next(
        n
        for n in lineage_view_model(dg.kernel.snapshot(), dg.kernel.instance)["nodes"]
        if n["key"] == "orders"
    )
    assert (node["checks"]["passed"], node["checks"]["failed"]) == (1, 0)


def test_a_cell_renaming_its_check_drops_the_old_one(shell):
    shell.ok(CELLS[0], cell_id="c0")
    shell.ok(
        "@dg.asset_check(asset=orders)\ndef first(orders):\n    return dg.AssetCheckResult(passed=True)",
        cell_id="chk",
    )
    shell.ok(
        "@dg.asset_check(asset=orders)\ndef second(orders):\n    return dg.AssetCheckResult(passed=True)",
        cell_id="chk",
    )
    assert [k.name for k in dg.kernel.snapshot().check_specs_by_key] == ["second"]
    result = shell.ok("dg.kernel.materialize()")
    assert [e.check_name for e in result.get_asset_check_evaluations()] == ["second"]
    assert [k.name for k in dg.kernel.to_definitions().resolved.check_specs_by_key] == ["second"]


def test_no_checks_no_checks_column(shell, capsys):
    shell.ok(CELLS[0], cell_id="c0")
    capsys.readouterr()
    shell.ok("%assets")
    assert capsys.readouterr().out.splitlines()[0].split() == [
        "key",
        "group",
        "kinds",
        "status",
        "last",
        "materialized",
        "stale",
        "causes",
    ]
