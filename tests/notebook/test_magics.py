"""Magics and the kernel repository, in a real IPython shell."""

from __future__ import annotations

import gc
import sys
import tracemalloc
import warnings

import pytest
from IPython.core.error import UsageError

import dagster_nb as dg
from dagster_nb._notebook.repository import RedefinitionWarning


def test_assets_register_in_kernel_and_materialize_persists(shell):
    shell.ok("@dg.asset\ndef orders():\n    return [3, 4]")
    shell.ok("@dg.asset\ndef total(orders):\n    return sum(orders)")
    shell.ok("%materialize -q")
    assert shell.ok("%asset_value total") == 7
    # same values through the public Python call the magic delegates to
    assert dg.kernel.load_asset_value("total") == 7
    runs = dg.kernel.instance.get_runs()
    assert len(runs) == 1 and runs[0].status.value == "SUCCESS"


def test_rerunning_a_cell_replaces_its_asset_and_marks_downstream_stale(shell):
    shell.ok("@dg.asset\ndef a():\n    return 1", cell_id="A")
    shell.ok("@dg.asset\ndef b(a):\n    return a + 1", cell_id="B")
    shell.ok("%materialize -q")
    assert dg.kernel.get_stale_status("b").value == "FRESH"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RedefinitionWarning)  # same cell: no warning
        shell.ok("@dg.asset\ndef a():\n    return 10", cell_id="A")
    assert dg.kernel.get_stale_status("a").value == "STALE"
    assert [c.reason for c in dg.kernel.get_stale_causes("a")] == ["code version changed"]
    assert [c.reason for c in dg.kernel.get_stale_causes("b")] == ["upstream a is stale"]
    shell.ok("%materialize --stale -q")
    assert dg.kernel.load_asset_value("b") == 11
    assert dg.kernel.get_stale_status("b").value == "FRESH"


def test_same_key_from_another_cell_warns_naming_both_cells(shell):
    shell.ok("@dg.asset\ndef a():\n    return 1", cell_id="first")
    first = shell.ip.execution_count - 1
    with pytest.warns(RedefinitionWarning) as rec:
        shell.ok("@dg.asset\ndef a():\n    return 2", cell_id="second")
    second = shell.ip.execution_count - 1
    msg = str(rec[0].message)
    assert (
        f"defined in cell In [{second}]" in msg and f"already defined in cell In [{first}]" in msg
    )
    assert dg.kernel.origin_of("a") == "cell second"


def test_editing_a_cell_to_define_another_asset_removes_the_old_one(shell):
    shell.ok("@dg.asset\ndef old_name():\n    return 1", cell_id="X")
    shell.ok("@dg.asset\ndef new_name():\n    return 1", cell_id="X")
    keys = {k.to_user_string() for k in dg.kernel.snapshot().assets_def_by_key}
    assert keys == {"new_name"}


def test_forget_and_reset(shell):
    shell.ok("@dg.asset\ndef a():\n    return 1")
    shell.ok("@dg.asset\ndef b():\n    return 1")
    shell.ok("%dagster_nb forget a")
    assert {k.to_user_string() for k in dg.kernel.snapshot().assets_def_by_key} == {"b"}
    r = shell.run("%dagster_nb forget nope")
    assert isinstance(r.error_in_exec, UsageError)
    shell.ok("%dagster_nb reset")
    assert not dg.kernel.snapshot().assets_def_by_key


def test_cell_asset_infers_upstream_and_value(shell):
    shell.ok("@dg.asset\ndef orders():\n    return [1, 2, 3]")
    shell.ok("factor = 10")
    shell.ok("%%asset scaled --group sales\nout = [x * factor for x in orders]\nsum(out)")
    ad = dg.kernel.resolve_assets_def("scaled")
    assert ad.keys_by_input_name == {"orders": dg.AssetKey("orders")}
    assert ad.get_asset_spec().group_name == "sales"
    shell.ok("%%asset named\nnamed = len(orders)\nprint('side effect')")
    shell.ok("%materialize -q")
    assert dg.kernel.load_asset_value("scaled") == 60
    assert dg.kernel.load_asset_value("named") == 3


def test_cell_asset_errors_are_usage_errors_with_positions(shell):
    r = shell.run("%%asset broken\nx = (1,\ny = 2")
    assert isinstance(r.error_in_exec, UsageError)
    assert "line" in str(r.error_in_exec) and "column" in str(r.error_in_exec)
    r = shell.run("%%asset noval\nimport os")
    assert isinstance(r.error_in_exec, UsageError)
    assert "must assign `noval = ...`" in str(r.error_in_exec)
    r = shell.run("%%asset bad-name\n1")
    assert isinstance(r.error_in_exec, UsageError)


def test_cell_asset_code_version_ignores_comments_and_whitespace(shell):
    shell.ok("%%asset v\n1 + 1", cell_id="v")
    v1 = dg.kernel.resolve_assets_def("v").effective_code_version(dg.AssetKey("v"))
    shell.ok("%%asset v\n# a comment\n1   +   1\n", cell_id="v")
    v2 = dg.kernel.resolve_assets_def("v").effective_code_version(dg.AssetKey("v"))
    shell.ok("%%asset v\n1 + 2", cell_id="v")
    v3 = dg.kernel.resolve_assets_def("v").effective_code_version(dg.AssetKey("v"))
    assert v1 == v2 != v3


def test_failing_asset_traceback_points_at_user_cell(shell):
    shell.ok(
        "@dg.asset\ndef boom():\n    x = 1\n    raise ValueError('bad data')", cell_id="boomcell"
    )
    r = shell.run("%materialize boom -q")
    assert not r.success
    exc = r.error_in_exec
    assert isinstance(exc, ValueError) and str(exc) == "bad data"
    import os

    root = os.path.dirname(dg.__file__)
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert frames, "traceback kept the user's frame"
    assert not any(f.startswith(root) and "magics.py" not in f for f in frames)
    run = dg.kernel.instance.get_runs()[0]
    assert run.status.value == "FAILURE"


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("%materialize --partitions 2024-01-01", "START...END"),
        ("%materialize --tags team", "key=value"),
        ("%materialize --config '{bad'", "not valid JSON"),
        ("%materialize --parallel 0", "at least 1"),
        ("%materialize key:ordrs", "matched no materializable assets"),
        ("%materialize --bogus", "unrecognized arguments"),
        ("%asset_value nope", "No asset nope"),
        ("%dagster_nb stauts", "Did you mean 'status'"),
    ],
)
def test_bad_input_raises_usage_error(shell, line, fragment):
    shell.ok("@dg.asset\ndef orders():\n    return 1")
    r = shell.run(line)
    assert isinstance(r.error_in_exec, UsageError), r.error_in_exec
    assert fragment in str(r.error_in_exec)


def test_partition_flags(shell):
    shell.ok("daily = dg.DailyPartitionsDefinition(start_date='2024-01-01', end_date='2024-01-10')")
    shell.ok("@dg.asset(partitions_def=daily)\ndef d(context):\n    return context.partition_key")
    shell.ok("%materialize d --partition 2024-01-03 -q")
    assert dg.kernel.load_asset_value("d", partition_key="2024-01-03") == "2024-01-03"
    shell.ok("%materialize d --partitions 2024-01-05...2024-01-07 -q")
    assert dg.kernel.instance.get_materialized_partitions("d") == {
        "2024-01-03",
        "2024-01-05",
        "2024-01-06",
        "2024-01-07",
    }
    r = shell.run("%materialize d --partition 2024-02-30 -q")
    assert isinstance(r.error_in_exec, UsageError)
    assert "2024-02-30" in str(r.error_in_exec)


def test_load_module_assets(shell, tmp_path, monkeypatch):
    pkg = tmp_path / "my_assets_mod.py"
    pkg.write_text("import dagster_nb as dg\n\n@dg.asset\ndef from_module():\n    return 5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    shell.ok("%dagster_nb load my_assets_mod")
    shell.ok("%materialize from_module -q")
    assert dg.kernel.load_asset_value("from_module") == 5


def test_every_magic_has_help(shell, capsys):
    for line in (
        "%materialize --help",
        "%assets --help",
        "%lineage --help",
        "%asset_value --help",
        "%partitions --help",
        "%dagster_nb --help",
    ):
        shell.run(line)
    out = capsys.readouterr().out
    for name in (
        "%materialize [",
        "%assets [",
        "%lineage [",
        "%asset_value ",
        "%partitions ",
        "%dagster_nb ",
    ):
        assert name in out, name
    assert "--stale" in out and "Only stale and missing" in out


def test_assets_catalog_lists_status_and_causes(shell, capsys):
    shell.ok("@dg.asset(group_name='g', kinds={'python'})\ndef a():\n    return 1", cell_id="ca")
    shell.ok("@dg.asset\ndef b(a):\n    return 2")
    shell.ok("%materialize -q")
    shell.ok("@dg.asset(group_name='g', kinds={'python'})\ndef a():\n    return 3", cell_id="ca")
    from dagster_nb._notebook.catalog import catalog_rows

    rows = {r["key"]: r for r in catalog_rows(dg.kernel, dg.kernel.select(None))}
    assert (rows["a"]["group"], rows["a"]["kinds"], rows["a"]["status"]) == (
        "g",
        ["python"],
        "stale",
    )
    assert rows["a"]["stale_causes"] == ["code version changed"]
    assert rows["b"]["status"] == "stale" and rows["b"]["stale_causes"] == ["upstream a is stale"]


def test_rerunning_cells_hundreds_of_times_leaks_nothing(shell):
    shell.ok("@dg.asset\ndef base():\n    return list(range(10))", cell_id="base")
    cell = "%%asset leaf\nsum(base)"
    for _ in range(20):
        shell.ok(cell, cell_id="leaf")
    gc.collect()
    mods = len(sys.modules)
    tracemalloc.start()
    snap1 = tracemalloc.take_snapshot()
    for _ in range(300):
        shell.ok(cell, cell_id="leaf")
        shell.ok("@dg.asset\ndef base():\n    return list(range(10))", cell_id="base")
    gc.collect()
    snap2 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(
        s.size_diff for s in snap2.compare_to(snap1, "filename") if "dagster_nb" in str(s.traceback)
    )
    assert len(sys.modules) == mods
    assert len(dg.kernel.snapshot().assets_def_by_key) == 2
    assert grown < 200_000, f"dagster_nb allocations grew by {grown} bytes over 300 re-runs"


def test_rich_reprs_in_the_kernel(shell):
    shell.ok("@dg.asset(group_name='g')\ndef a():\n    return 1")
    shell.ok("@dg.asset\ndef b(a):\n    return 2")
    fmt = shell.ip.display_formatter.formatters["text/html"]

    def html_of(obj):
        # The terminal test shell disables HTML output; resolve the printer as IPython does:
        # a registered type printer first, else the object's _repr_html_.
        try:
            return fmt.lookup(obj)(obj)
        except KeyError:
            return obj._repr_html_()

    h = html_of(shell.ok("dg.AssetSelection.groups('g').downstream()"))
    assert "resolves to 2 assets" in h and "<code>b</code>" in h
    h = html_of(shell.ok("dg.DailyPartitionsDefinition('2024-01-01', end_date='2024-01-11')"))
    assert "DailyPartitionsDefinition" in h and ">10<" in h
    h = html_of(shell.ok("dg.AssetKey(['raw', 'orders'])"))
    assert "raw/orders" in h
    shell.ok("%materialize -q")
    h = html_of(shell.ok("dg.kernel.materialize('a')"))
    assert "SUCCESS" in h
    h = html_of(shell.ok("dg.Definitions(assets=[a, b])"))
    assert "Definitions" in h and ">b<" in h


def test_importing_a_module_does_not_register_its_assets_but_loading_does(
    shell, tmp_path, monkeypatch
):
    (tmp_path / "lib_assets.py").write_text(
        "import dagster_nb as dg\n\n@dg.asset\ndef lib_a():\n    return 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    shell.ok("import lib_assets")
    assert "lib_a" not in {k.to_user_string() for k in dg.kernel.snapshot().assets_def_by_key}
    # decorating an imported function in a cell is notebook code: it joins
    shell.ok("def plain():\n    return 2")
    shell.ok("here = dg.asset(name='here')(plain)")
    shell.ok("loaded = dg.load_assets_from_modules([lib_assets], group_name='lib')")
    keys = {k.to_user_string() for k in dg.kernel.snapshot().assets_def_by_key}
    assert {"lib_a", "here"} <= keys
    assert dg.kernel.resolve_assets_def("lib_a").get_asset_spec().group_name == "lib"
