"""One contract for every storage: each test runs against the in-memory and the SQLite instance."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import replace

import pytest
from storage_helpers import E, make_event, materialize

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.metadata import (
    FloatMetadataValue,
    IntMetadataValue,
    JsonMetadataValue,
    MetadataValue,
    TextMetadataValue,
)
from dagster_nb._definitions.results import AssetMaterialization, AssetObservation, DataVersion
from dagster_nb._errors import DagsterInvariantViolationError
from dagster_nb._events import DagsterRunStatus
from dagster_nb._storage.records import (
    AssetRecordsFilter,
    DagsterRun,
    EventRecordsFilter,
    RunsFilter,
)

A = AssetKey("a")


# ---------------------------------------------------------------- runs
def test_create_and_get_run(instance):
    run = instance.create_run(
        job_name="j",
        run_id="r1",
        asset_selection=["a", ["b", "c"]],
        tags={"dagster/partition": "p1", "team": "x"},
        run_config={"ops": {"a": {"config": 1}}},
    )
    got = instance.get_run_by_id("r1")
    assert got == run
    assert got.status == DagsterRunStatus.NOT_STARTED
    assert got.partition_key == "p1"
    assert got.asset_selection == frozenset({AssetKey("a"), AssetKey(["b", "c"])})
    assert got.run_config == {"ops": {"a": {"config": 1}}}
    assert instance.get_run_by_id("nope") is None
    assert instance.has_run("r1") and not instance.has_run("nope")
    with pytest.raises(DagsterInvariantViolationError, match="r1"):
        instance.create_run(job_name="j", run_id="r1")


def test_create_run_with_its_first_events_in_one_go(instance):
    planned = make_event(E.ASSET_MATERIALIZATION_PLANNED, "r2", key="a", step_key="a")
    run = instance.create_run(
        job_name="j",
        run_id="r2",
        events=[make_event(E.RUN_START, "r2", timestamp=50.0), planned],
    )
    assert run.run_id == "r2"
    got = instance.get_run_record_by_id("r2")
    assert got.dagster_run.status == DagsterRunStatus.STARTED and got.start_time == 50.0
    assert [e.dagster_event.event_type_value for e in instance.all_logs("r2")] == [
        "PIPELINE_START",
        "ASSET_MATERIALIZATION_PLANNED",
    ]
    # the planned materialization shows the asset in progress, as with separate writes
    assert AssetKey("a") in instance.get_asset_keys()
    # a duplicate run id stores neither the run nor its events
    with pytest.raises(DagsterInvariantViolationError, match="r2"):
        instance.create_run(job_name="j", run_id="r2", events=[make_event(E.RUN_START, "r2")])
    assert len(instance.all_logs("r2")) == 2


def test_run_lifecycle_from_events(instance):
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_event(make_event(E.RUN_START, rid, timestamp=100.0))
    run = instance.get_run_by_id(rid)
    assert run.status == DagsterRunStatus.STARTED and run.start_time == 100.0
    assert run.end_time is None
    instance.handle_new_event(make_event(E.RUN_FAILURE, rid, timestamp=105.0))
    rec = instance.get_run_record_by_id(rid)
    assert rec.dagster_run.status == DagsterRunStatus.FAILURE
    assert (rec.start_time, rec.end_time) == (100.0, 105.0)
    assert rec.dagster_run.is_finished and rec.dagster_run.is_failure


@pytest.mark.parametrize(
    "end, status",
    [(E.RUN_SUCCESS, DagsterRunStatus.SUCCESS), (E.RUN_CANCELED, DagsterRunStatus.CANCELED)],
)
def test_run_end_statuses(instance, end, status):
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_events([make_event(E.RUN_START, rid), make_event(end, rid)])
    assert instance.get_run_by_id(rid).status == status


def test_get_runs_filters_order_limit_cursor(instance):
    for i in range(5):
        instance.create_run(
            job_name="even" if i % 2 == 0 else "odd",
            run_id=f"r{i}",
            tags={"i": str(i), "team": "a" if i < 3 else "b"},
        )
    instance.handle_new_event(make_event(E.RUN_START, "r1"))
    assert [r.run_id for r in instance.get_runs()] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.run_id for r in instance.get_runs(limit=2)] == ["r4", "r3"]
    assert [r.run_id for r in instance.get_runs(cursor="r3", limit=2)] == ["r2", "r1"]
    assert [r.run_id for r in instance.get_runs(RunsFilter(job_name="odd"))] == ["r3", "r1"]
    assert [r.run_id for r in instance.get_runs(RunsFilter(run_ids=["r0", "r4"]))] == ["r4", "r0"]
    assert [
        r.run_id for r in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
    ] == ["r1"]
    assert [r.run_id for r in instance.get_runs(RunsFilter(tags={"team": "b"}))] == ["r4", "r3"]
    assert [
        r.run_id for r in instance.get_runs(RunsFilter(tags={"i": ["0", "2"], "team": "a"}))
    ] == ["r2", "r0"]
    assert instance.get_runs_count() == 5
    assert instance.get_runs_count(RunsFilter(job_name="even")) == 3
    recs = instance.get_run_records(ascending=True)
    assert [r.dagster_run.run_id for r in recs] == ["r0", "r1", "r2", "r3", "r4"]
    assert all(isinstance(r.create_timestamp, dt.datetime) for r in recs)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert instance.get_runs(RunsFilter(created_after=future)) == []
    assert len(instance.get_runs(RunsFilter(created_before=future))) == 5
    started_first = instance.get_run_records(order_by="start_time", limit=1)
    assert started_first[0].dagster_run.run_id == "r1"
    with pytest.raises(DagsterInvariantViolationError):
        instance.get_run_records(order_by="nonsense")


def test_delete_run_removes_its_events(instance):
    rid = materialize(instance, "a")
    other = materialize(instance, "b")
    instance.delete_run(rid)
    assert instance.get_run_by_id(rid) is None
    assert instance.all_logs(rid) == []
    assert len(instance.all_logs(other)) == 6


# ---------------------------------------------------------------- events of a run
def test_all_logs_in_order_and_by_type(instance):
    rid = materialize(instance, "a")
    logs = instance.all_logs(rid)
    assert [e.dagster_event.event_type for e in logs] == [
        E.RUN_START,
        E.ASSET_MATERIALIZATION_PLANNED,
        E.STEP_START,
        E.ASSET_MATERIALIZATION,
        E.STEP_SUCCESS,
        E.RUN_SUCCESS,
    ]
    ids = [e.storage_id for e in logs]
    assert ids == sorted(ids) and len(set(ids)) == 6
    mats = instance.all_logs(rid, of_type=E.ASSET_MATERIALIZATION)
    assert len(mats) == 1 and mats[0].asset_materialization.asset_key == A
    both = instance.all_logs(rid, of_type={E.STEP_START, E.STEP_SUCCESS})
    assert [e.dagster_event.event_type for e in both] == [E.STEP_START, E.STEP_SUCCESS]


def test_get_records_for_run_pages(instance):
    rid = materialize(instance, "a")
    page1 = instance.get_records_for_run(rid, limit=4)
    assert len(page1.records) == 4 and page1.has_more
    page2 = instance.get_records_for_run(rid, cursor=page1.cursor, limit=4)
    assert len(page2.records) == 2 and not page2.has_more
    all_ids = [r.storage_id for r in page1.records + list(page2.records)]
    assert all_ids == [e.storage_id for e in instance.all_logs(rid)]
    desc = instance.get_records_for_run(rid, ascending=False, limit=2)
    assert [r.event_type for r in desc.records] == [E.RUN_SUCCESS, E.STEP_SUCCESS]


def test_log_messages_and_engine_events_are_stored(instance):
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_event(make_event(E.LOG_MESSAGE, rid, step_key="a"))
    instance.handle_new_event(make_event(E.ENGINE_EVENT, rid))
    assert [e.dagster_event.event_type for e in instance.all_logs(rid)] == [
        E.LOG_MESSAGE,
        E.ENGINE_EVENT,
    ]


# ---------------------------------------------------------------- materializations
def test_metadata_round_trips_with_types(instance):
    md = {
        "rows": 3,
        "ratio": 0.5,
        "note": "ok",
        "blob": {"x": [1, 2]},
        "url": MetadataValue.url("https://example.com"),
        "md": MetadataValue.md("# hi"),
    }
    materialize(instance, "a", metadata=md, tags={"dagster/data_version": "v1"})
    mat = instance.get_latest_materialization_event("a").asset_materialization
    assert mat.metadata["rows"] == IntMetadataValue(3)
    assert mat.metadata["ratio"] == FloatMetadataValue(0.5)
    assert mat.metadata["note"] == TextMetadataValue("ok")
    assert mat.metadata["blob"] == JsonMetadataValue({"x": [1, 2]})
    assert type(mat.metadata["url"]) is type(MetadataValue.url("https://example.com"))
    assert mat.metadata["md"] == MetadataValue.md("# hi")
    assert mat.tags == {"dagster/data_version": "v1"}


def test_latest_materialization(instance):
    assert instance.get_latest_materialization_event("a") is None
    r1 = materialize(instance, "a", metadata={"n": 1})
    r2 = materialize(instance, "a", metadata={"n": 2})
    materialize(instance, "b")
    ev = instance.get_latest_materialization_event(A)
    assert ev.run_id == r2 and ev.asset_materialization.metadata["n"].value == 2
    assert r1 != r2
    got = instance.get_latest_materialization_events([A, AssetKey("b"), AssetKey("zz")])
    assert got[A].run_id == r2 and got[AssetKey("b")] is not None and got[AssetKey("zz")] is None
    rec = instance.get_latest_materialization_record("a")
    assert rec.storage_id == ev.storage_id and rec.asset_key == A


def test_fetch_materializations_pages_and_filters(instance):
    for p in ["p1", "p2", "p3", "p1"]:
        materialize(instance, "a", p)
    materialize(instance, "b")
    res = instance.fetch_materializations("a", limit=3)
    assert [r.partition_key for r in res.records] == ["p1", "p3", "p2"] and res.has_more
    rest = instance.fetch_materializations(A, limit=3, cursor=res.cursor)
    assert [r.partition_key for r in rest.records] == ["p1"] and not rest.has_more
    asc = instance.fetch_materializations(A, limit=10, ascending=True)
    assert [r.partition_key for r in asc.records] == ["p1", "p2", "p3", "p1"]
    page = instance.fetch_materializations(A, limit=2, ascending=True)
    nxt = instance.fetch_materializations(A, limit=2, ascending=True, cursor=page.cursor)
    assert [r.partition_key for r in nxt.records] == ["p3", "p1"]
    only_p1 = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=A, asset_partitions=["p1"]), limit=10
    )
    assert len(only_p1.records) == 2
    assert instance.fetch_materializations("zz", limit=5).records == []
    for rec in asc.records:
        assert rec.asset_materialization.asset_key == A and rec.run_id


def test_get_event_records_filters(instance):
    for p in ["p1", "p2", "p3"]:
        materialize(instance, "a", p)
    all_recs = instance.get_event_records(
        EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, asset_key=A)
    )
    assert [r.partition_key for r in all_recs] == ["p3", "p2", "p1"]
    ids = [r.storage_id for r in all_recs]
    mid = ids[1]
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, asset_key=A, after_cursor=mid)
    assert [r.storage_id for r in instance.get_event_records(f)] == [ids[0]]
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, before_storage_id=mid)
    assert [r.storage_id for r in instance.get_event_records(f)] == [ids[2]]
    ts = all_recs[1].timestamp
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, after_timestamp=ts)
    assert [r.storage_id for r in instance.get_event_records(f)] == [ids[0]]
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, before_timestamp=ts)
    assert [r.storage_id for r in instance.get_event_records(f)] == [ids[2]]
    f = EventRecordsFilter(
        event_type=E.ASSET_MATERIALIZATION, asset_key=A, asset_partitions=["p1", "p3"]
    )
    assert [r.partition_key for r in instance.get_event_records(f, ascending=True)] == ["p1", "p3"]
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION, storage_ids=[ids[0], ids[2]])
    assert len(instance.get_event_records(f)) == 2
    assert len(instance.get_event_records(EventRecordsFilter(event_type=E.RUN_START), limit=2)) == 2
    f = EventRecordsFilter(event_type=E.ASSET_MATERIALIZATION_PLANNED, asset_key=A)
    assert len(instance.get_event_records(f)) == 3


def test_observations_and_data_versions(instance):
    instance.report_runless_asset_event(
        AssetObservation("src", tags={"dagster/data_version": "s1"}, metadata={"n": 1})
    )
    instance.report_runless_asset_event(
        AssetObservation("src", tags={"dagster/data_version": "s2"})
    )
    assert instance.get_latest_data_version("src") == DataVersion("s2")
    obs = instance.get_latest_observation_event("src")
    assert obs.asset_observation.tags["dagster/data_version"] == "s2"
    res = instance.fetch_observations("src", limit=10)
    assert len(res.records) == 2 and res.records[1].asset_observation.metadata["n"].value == 1
    recs = instance.get_event_records(EventRecordsFilter(event_type=E.ASSET_OBSERVATION))
    assert len(recs) == 2
    # materialization newer than observation wins, and vice versa
    materialize(instance, "a", tags={"dagster/data_version": "m1"})
    assert instance.get_latest_data_version("a") == DataVersion("m1")
    instance.report_runless_asset_event(AssetObservation("a", tags={"dagster/data_version": "o1"}))
    assert instance.get_latest_data_version("a") == DataVersion("o1")
    assert instance.get_latest_data_version_record("a", is_source=False).data_version == "m1"
    # per partition
    materialize(instance, "p", "x", tags={"dagster/data_version": "px"})
    materialize(instance, "p", "y", tags={"dagster/data_version": "py"})
    assert instance.get_latest_data_version("p", "x") == DataVersion("px")
    assert instance.get_latest_data_version("p", "y") == DataVersion("py")
    assert instance.get_latest_data_version("p", "z") is None
    assert instance.get_latest_data_version("nothing") is None
    # observations do not make an asset materialized
    assert instance.get_latest_materialization_event("src") is None
    assert instance.has_asset_key("src")


def test_runless_materialization(instance):
    instance.report_runless_asset_event(AssetMaterialization("m", partition="p1"))
    assert instance.get_materialized_partitions("m") == {"p1"}
    assert instance.get_latest_materialization_event("m").run_id == ""
    with pytest.raises(DagsterInvariantViolationError):
        instance.report_runless_asset_event("not an event")


# ---------------------------------------------------------------- statuses
def test_partition_statuses_follow_the_run(instance):
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_event(make_event(E.RUN_START, rid))
    for p in ["p1", "p2", "p3"]:
        instance.handle_new_event(
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="a", partition=p)
        )
    assert instance.get_asset_partition_statuses("a") == {
        "p1": "IN_PROGRESS",
        "p2": "IN_PROGRESS",
        "p3": "IN_PROGRESS",
    }
    assert instance.get_materialized_partitions("a") == set()
    instance.handle_new_event(make_event(E.ASSET_MATERIALIZATION, rid, key="a", partition="p1"))
    instance.handle_new_event(
        make_event(E.ASSET_FAILED_TO_MATERIALIZE, rid, key="a", partition="p2")
    )
    assert instance.get_asset_partition_statuses("a") == {
        "p1": "MATERIALIZED",
        "p2": "FAILED",
        "p3": "IN_PROGRESS",
    }
    instance.handle_new_event(make_event(E.RUN_FAILURE, rid))
    assert instance.get_asset_partition_statuses("a") == {
        "p1": "MATERIALIZED",
        "p2": "FAILED",
        "p3": "FAILED",
    }
    assert instance.get_materialized_partitions("a") == {"p1"}
    # a later success of p2 and a later failure of p1
    materialize(instance, "a", "p2")
    rid2 = instance.create_run(job_name="j").run_id
    instance.handle_new_events(
        [
            make_event(E.RUN_START, rid2),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid2, key="a", partition="p1"),
            make_event(E.STEP_FAILURE, rid2, step_key="a"),
            make_event(E.RUN_FAILURE, rid2),
        ]
    )
    assert instance.get_asset_partition_statuses("a") == {
        "p1": "FAILED",
        "p2": "MATERIALIZED",
        "p3": "FAILED",
    }
    # materialized once stays in the materialized set (as in Dagster)
    assert instance.get_materialized_partitions("a") == {"p1", "p2"}


def test_run_success_restores_unmaterialized_plans(instance):
    materialize(instance, "a", "p1")
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_events(
        [
            make_event(E.RUN_START, rid),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="a", partition="p1"),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="a", partition="p2"),
            make_event(E.RUN_SUCCESS, rid),
        ]
    )
    assert instance.get_asset_partition_statuses("a") == {"p1": "MATERIALIZED"}


def test_step_failure_without_key_fails_only_that_steps_assets(instance):
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_events(
        [
            make_event(E.RUN_START, rid),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="a", step_key="s1"),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="b", step_key="s1"),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="c", step_key="s2"),
        ]
    )
    ev = make_event(E.STEP_FAILURE, rid, step_key="s1")
    instance.handle_new_event(ev)
    st = instance.get_status_by_asset_key()
    assert {k.to_user_string(): r.status for k, r in st.items()} == {
        "a": "FAILED",
        "b": "FAILED",
        "c": "IN_PROGRESS",
    }
    assert st[A].last_failed_run_id == rid and st[A].last_failed_storage_id is not None


def test_another_runs_end_does_not_touch_my_in_progress(instance):
    r1 = instance.create_run(job_name="j").run_id
    r2 = instance.create_run(job_name="j").run_id
    instance.handle_new_event(
        make_event(E.ASSET_MATERIALIZATION_PLANNED, r1, key="a", partition="x")
    )
    instance.handle_new_event(
        make_event(E.ASSET_MATERIALIZATION_PLANNED, r2, key="a", partition="y")
    )
    instance.handle_new_event(make_event(E.RUN_FAILURE, r2))
    assert instance.get_asset_partition_statuses("a") == {"x": "IN_PROGRESS", "y": "FAILED"}


def test_status_by_asset_key(instance):
    r = materialize(instance, "a")
    rid = instance.create_run(job_name="j").run_id
    instance.handle_new_events(
        [
            make_event(E.RUN_START, rid),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="b"),
            make_event(E.ASSET_FAILED_TO_MATERIALIZE, rid, key="b"),
            make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key="c"),
        ]
    )
    st = instance.get_status_by_asset_key()
    assert st[A].status == "MATERIALIZED" and st[A].last_materialization_run_id == r
    assert (
        st[A].last_materialization_storage_id
        == instance.get_latest_materialization_event("a").storage_id
    )
    assert st[AssetKey("b")].status == "FAILED" and st[AssetKey("b")].last_failed_run_id == rid
    assert st[AssetKey("c")].status == "IN_PROGRESS"
    assert st[AssetKey("c")].last_planned_run_id == rid
    assert list(instance.get_status_by_asset_key(["c", "a", "zz"])) == [AssetKey("c"), A]


def test_asset_records(instance):
    r = materialize(instance, "a")
    instance.report_runless_asset_event(AssetObservation("a"))
    [rec] = instance.get_asset_records(["a"])
    entry = rec.asset_entry
    assert entry.asset_key == A and entry.last_run_id == r
    assert entry.last_materialization.asset_materialization.asset_key == A
    assert entry.last_observation_storage_id > entry.last_materialization_storage_id
    assert entry.last_planned_materialization_run_id == r
    assert entry.last_event_storage_id == entry.last_observation_storage_id
    assert [x.asset_entry.asset_key for x in instance.get_asset_records()] == [A]
    assert instance.get_asset_records(["zz"]) == []


# ---------------------------------------------------------------- asset keys, wipe
def test_asset_keys(instance):
    for k in [["b"], ["a", "x"], ["a", "y"], ["c"]]:
        instance.report_runless_asset_event(AssetMaterialization(k))
    keys = instance.get_asset_keys()
    assert keys == sorted(keys, key=lambda k: k.to_string()) and len(keys) == 4
    assert instance.all_asset_keys() == keys
    assert instance.get_asset_keys(prefix=["a"]) == [AssetKey(["a", "x"]), AssetKey(["a", "y"])]
    assert instance.get_asset_keys(limit=2) == keys[:2]
    assert instance.get_asset_keys(cursor=keys[1].to_string()) == keys[2:]
    assert instance.has_asset_key(["a", "x"]) and not instance.has_asset_key("a")


def test_wipe_assets(instance):
    rid = materialize(instance, "a", "p1")
    materialize(instance, "b")
    instance.wipe_assets(["a"])
    assert not instance.has_asset_key("a")
    assert instance.get_latest_materialization_event("a") is None
    assert instance.get_materialized_partitions("a") == set()
    assert instance.get_asset_partition_statuses("a") == {}
    assert instance.fetch_materializations("a", limit=5).records == []
    assert instance.get_latest_materialization_event("b") is not None
    assert instance.get_run_by_id(rid) is not None
    assert E.ASSET_MATERIALIZATION not in [
        e.dagster_event.event_type for e in instance.all_logs(rid)
    ]


def test_wipe(instance):
    materialize(instance, "a", "p1")
    instance.add_dynamic_partitions("d", ["x"])
    instance.wipe()
    assert instance.get_runs() == [] and instance.all_asset_keys() == []
    assert instance.get_dynamic_partitions("d") == []
    materialize(instance, "a")
    assert instance.has_asset_key("a")


# ---------------------------------------------------------------- dynamic partitions
def test_dynamic_partitions(instance):
    assert instance.get_dynamic_partitions("d") == []
    instance.add_dynamic_partitions("d", ["z", "a", "m"])
    instance.add_dynamic_partitions("d", ["a", "b"])
    instance.add_dynamic_partitions("other", ["a"])
    assert instance.get_dynamic_partitions("d") == ["z", "a", "m", "b"]
    assert instance.has_dynamic_partition("d", "m")
    assert not instance.has_dynamic_partition("d", "q")
    instance.delete_dynamic_partition("d", "a")
    assert instance.get_dynamic_partitions("d") == ["z", "m", "b"]
    assert instance.get_dynamic_partitions("other") == ["a"]
    weird = ["../x", "/abs", "a\\b", "ünï", ""]
    instance.add_dynamic_partitions("w", weird)
    assert instance.get_dynamic_partitions("w") == weird
    with pytest.raises(DagsterInvariantViolationError, match="list"):
        instance.add_dynamic_partitions("d", "abc")


# ---------------------------------------------------------------- dead runs
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_mark_dead_runs(instance):
    pid = _dead_pid()
    me = instance.create_run(job_name="j", run_id="mine")
    instance.handle_new_event(make_event(E.RUN_START, "mine"))
    # a run started by a process that has since died, with an asset partition in progress
    dead_started = DagsterRun(
        run_id="dead",
        job_name="j",
        status=DagsterRunStatus.STARTED,
        owner_pid=pid,
        owner_host=me.owner_host,
        owner_boot_id=me.owner_boot_id,
        owner_start="1",
    )
    instance.storage.add_run(dead_started, create_timestamp=1.0)
    instance.storage.store_events(
        [
            make_event(E.ASSET_MATERIALIZATION_PLANNED, "dead", key="a", partition="p"),
        ]
    )
    never_started = replace(dead_started, run_id="never", status=DagsterRunStatus.NOT_STARTED)
    instance.storage.add_run(never_started, create_timestamp=1.0)
    other_host = replace(dead_started, run_id="elsewhere", owner_host="another-host")
    instance.storage.add_run(other_host, create_timestamp=1.0)

    assert sorted(instance.mark_dead_runs()) == ["dead", "never"]
    assert instance.mark_dead_runs() == []  # once only
    assert instance.get_run_by_id("dead").status == DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("never").status == DagsterRunStatus.CANCELED
    assert instance.get_run_by_id("mine").status == DagsterRunStatus.STARTED
    assert instance.get_run_by_id("elsewhere").status == DagsterRunStatus.STARTED
    engine = instance.all_logs("dead", of_type=E.ENGINE_EVENT)
    assert len(engine) == 1 and str(pid) in engine[0].dagster_event.message
    assert "no longer running" in engine[0].dagster_event.message
    assert instance.get_asset_partition_statuses("a") == {"p": "FAILED"}


# ---------------------------------------------------------------- asset checks
def test_asset_check_evaluations_are_stored_and_the_latest_per_check_is_read_back(instance):
    import dagster_nb as dg

    @dg.asset
    def a():
        return 1

    @dg.asset_check(asset=a)
    def positive(a):
        return dg.AssetCheckResult(passed=a > 0, metadata={"value": a})

    @dg.asset_check(asset=a, description="always fails")
    def never():
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)

    first = dg.materialize([a, positive, never], instance=instance)
    second = dg.materialize([a, positive], instance=instance)
    keys = [positive.check_key, never.check_key, dg.AssetCheckKey(AssetKey("a"), "unknown")]
    latest = instance.get_latest_asset_check_evaluation_records(keys)
    assert set(latest) == {positive.check_key, never.check_key}
    pos = latest[positive.check_key].event_log_entry.dagster_event.asset_check_evaluation_data
    assert (pos.passed, pos.check_name, pos.asset_key, pos.metadata["value"].value) == (
        True,
        "positive",
        A,
        1,
    )
    assert latest[positive.check_key].run_id == second.run_id
    assert pos.target_materialization_data.run_id == second.run_id
    nev = latest[never.check_key].event_log_entry.dagster_event.asset_check_evaluation_data
    assert latest[never.check_key].run_id == first.run_id
    assert (nev.passed, nev.severity, nev.blocking) == (False, dg.AssetCheckSeverity.WARN, False)
    # the events are in the run's log, and checks do not make asset keys of their own
    types = [
        r.event_log_entry.dagster_event.event_type_value
        for r in instance.get_records_for_run(first.run_id).records
    ]
    assert types.count("ASSET_CHECK_EVALUATION") == 2
    assert types.count("ASSET_CHECK_EVALUATION_PLANNED") == 2
    assert instance.get_asset_keys() == [A]


def test_latest_check_evaluation_found_behind_a_long_history_of_other_checks(instance):
    import dagster_nb as dg

    @dg.asset
    def a():
        return 1

    @dg.asset_check(asset=a)
    def rare():
        return dg.AssetCheckResult(passed=False)

    @dg.asset_check(asset=a)
    def often():
        return dg.AssetCheckResult(passed=True)

    dg.materialize(
        [a, rare, often], instance=instance, resources={"io_manager": dg.InMemoryIOManager()}
    )
    for _ in range(30):  # many newer evaluations of another check of the same asset
        dg.materialize(
            [a, often], instance=instance, resources={"io_manager": dg.InMemoryIOManager()}
        )
    latest = instance.get_latest_asset_check_evaluation_records([rare.check_key, often.check_key])
    assert (
        latest[rare.check_key].event_log_entry.dagster_event.asset_check_evaluation_data.passed
        is False
    )
    assert latest[often.check_key].storage_id > latest[rare.check_key].storage_id


def test_wiping_an_asset_forgets_its_check_evaluations(instance):
    import dagster_nb as dg

    @dg.asset
    def a():
        return 1

    @dg.asset_check(asset=a)
    def ok():
        return dg.AssetCheckResult(passed=True)

    dg.materialize([a, ok], instance=instance, resources={"io_manager": dg.InMemoryIOManager()})
    assert list(instance.get_latest_asset_check_evaluation_records([ok.check_key])) == [
        ok.check_key
    ]
    instance.wipe_assets([A])
    assert instance.get_latest_asset_check_evaluation_records([ok.check_key]) == {}
