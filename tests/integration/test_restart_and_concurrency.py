"""The kernel-restart story and concurrent writers, with real processes and a real instance."""

from __future__ import annotations

import os

import procdefs
import pytest

import dagster_nb as dg
from dagster_nb._events import DagsterEventType as E

pytestmark = pytest.mark.slow


def _defs():
    return dg.Definitions(assets=procdefs.ALL)


def test_values_reload_in_a_new_process_without_recomputation(procs):
    procs.run("materialize", "numbers,total")
    procs.run("materialize", "daily_value", "2024-01-02")
    procs.run("materialize", "daily_value", "2024-01-05")
    assert (procs.runs_of("numbers"), procs.runs_of("total"), procs.runs_of("daily_value")) == (
        1,
        1,
        2,
    )

    # "After the restart": this process never ran an asset; it only opens the folder.
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        defs = _defs()
        assert defs.load_asset_value("total", instance=instance) == 6
        with defs.get_asset_value_loader(instance=instance) as loader:
            assert loader.load_asset_value("numbers") == [1, 2, 3, 0]
            assert (
                loader.load_asset_value("daily_value", partition_key="2024-01-02") == "v-2024-01-02"
            )
            assert (
                loader.load_asset_value("daily_value", partition_key="2024-01-05") == "v-2024-01-05"
            )
            with pytest.raises(FileNotFoundError, match="2024-01-03"):
                loader.load_asset_value("daily_value", partition_key="2024-01-03")
        assert instance.get_materialized_partitions("daily_value") == {"2024-01-02", "2024-01-05"}
    assert (procs.runs_of("numbers"), procs.runs_of("total"), procs.runs_of("daily_value")) == (
        1,
        1,
        2,
    )


def test_runs_and_typed_metadata_survive_the_restart(procs):
    out = procs.run("materialize", "numbers,total")
    run_id = out.split()[1]
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert [r.dagster_run.run_id for r in instance.get_run_records()] == [run_id]
        ev = instance.get_latest_materialization_event("total")
        assert ev.run_id == run_id
        md = ev.dagster_event.materialization.metadata
        assert isinstance(md["n"], dg.IntMetadataValue) and md["n"].value == 4
        assert isinstance(md["ratio"], dg.FloatMetadataValue) and md["ratio"].value == 0.5
        assert isinstance(md["label"], dg.TextMetadataValue) and md["label"].value == "sum"
        assert isinstance(md["ok"], dg.BoolMetadataValue) and md["ok"].value is True
        assert isinstance(md["link"], dg.UrlMetadataValue)
        assert isinstance(md["doc"], dg.JsonMetadataValue) and md["doc"].value == {"a": [1, 2]}
        assert isinstance(md["md"], dg.MarkdownMetadataValue)
        assert isinstance(md["path"], dg.PathMetadataValue)
        assert os.path.commonpath([md["path"].value, str(procs.home)]) == str(procs.home)
        tags = ev.dagster_event.materialization.tags
        assert {
            "dagster/code_version",
            "dagster/data_version",
            "dagster/input_data_version/numbers",
        } <= set(tags)
        page = instance.fetch_materializations("total", limit=10)
        assert len(page.records) == 1
        assert set(instance.get_asset_keys()) >= {dg.AssetKey("numbers"), dg.AssetKey("total")}
        # Staleness reads the same records in the new process.
        res = dg.StalenessResolver(_defs().resolved, instance)
        assert res.get_status(dg.AssetKey("total")) is dg.StaleStatus.FRESH
        assert res.get_status(dg.AssetKey("big")) is dg.StaleStatus.MISSING


def test_dynamic_partitions_and_their_values_survive(procs):
    procs.run("add_partitions", "eu", "us")
    procs.run("materialize", "regional", "eu")
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        assert instance.get_dynamic_partitions("regions") == ["eu", "us"]
        assert _defs().load_asset_value("regional", partition_key="eu", instance=instance) == "r-eu"
    assert procs.runs_of("regional") == 1


def test_dagster_home_is_the_default_for_loading(procs, monkeypatch):
    procs.run("materialize", "numbers")
    monkeypatch.setenv("DAGSTER_HOME", str(procs.home))
    assert dg.Definitions(assets=[procdefs.numbers]).load_asset_value("numbers") == [1, 2, 3, 0]
    assert procs.runs_of("numbers") == 1


def _race(procs, prefixes: list[str], n: int, rounds: int) -> list[str]:
    go = procs.marks / "go"
    ps = [procs.start("race", p, str(n), str(rounds), str(go)) for p in prefixes]
    go.write_text("go")
    run_ids = []
    for p in ps:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "Traceback" not in err, err
        lines = [ln.split() for ln in out.splitlines() if ln.startswith("RUN")]
        assert len(lines) == rounds
        assert all(ok == "True" for _, _, ok in lines), out
        run_ids += [rid for _, rid, _ in lines]
    return run_ids


@pytest.mark.parametrize("same", [False, True], ids=["different-assets", "same-assets"])
def test_two_processes_materialize_into_one_instance(procs, same):
    n, rounds = 6, 5
    prefixes = ["c", "c"] if same else ["x", "y"]
    run_ids = _race(procs, prefixes, n, rounds)
    assert len(set(run_ids)) == 2 * rounds
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        recs = instance.get_run_records()
        assert {r.dagster_run.run_id for r in recs} == set(run_ids)
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in recs)
        for rid in run_ids:
            mats = instance.all_logs(rid, of_type=E.ASSET_MATERIALIZATION)
            assert len(mats) == n, rid  # no lost event
            types = [e.dagster_event.event_type_value for e in instance.all_logs(rid)]
            assert types.count(E.RUN_SUCCESS.value) == 1
        for p in set(prefixes):
            for i in range(n):
                key = f"{p}{i}"
                page = instance.fetch_materializations(key, limit=100)
                assert len(page.records) == rounds * prefixes.count(p)
        assets = procdefs.chain(prefixes[0], n)
        with dg.Definitions(assets=assets).get_asset_value_loader(instance=instance) as loader:
            assert loader.load_asset_value(f"{prefixes[0]}{n - 1}") == len(f"{prefixes[0]}{n - 1}")


def test_kernel_repository_restart_materializes_only_what_is_stale(procs):
    first = procs.run("kernel")
    assert "STALE numbers,total" in first and "VALUE 6" in first
    second = procs.run("kernel")  # a restarted kernel: nothing stale, nothing recomputed
    assert "STALE \n" in second and "VALUE 6" in second
    assert (procs.runs_of("numbers"), procs.runs_of("total")) == (1, 1)
    procs.run("materialize", "numbers", NB_BUMP="4")  # new upstream data from elsewhere
    third = procs.run("kernel")
    assert "STALE total\n" in third and "VALUE 10" in third
    assert (procs.runs_of("numbers"), procs.runs_of("total")) == (2, 2)
