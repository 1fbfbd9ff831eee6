"""The automation loop (dagster_nb._automation.daemon): ticks decide, launch real runs through the
executor, and persist in the instance (SQLite and in-memory)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest

import dagster_nb as dg
from dagster_nb._automation.daemon import AutomationDaemon
from dagster_nb._storage.queries import AssetRecordsFilter

UTC = dt.timezone.utc


def at(h, m=0, day=1):
    return dt.datetime(2024, 1, day, h, m, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "memory"])
def instance(request, tmp_path):
    inst = (
        dg.DagsterInstance.from_directory(tmp_path / "home")
        if request.param == "sqlite"
        else dg.DagsterInstance.ephemeral(str(tmp_path / "mem"))
    )
    yield inst
    inst.dispose()


def _defs(seen_files=None, **extra):
    @dg.asset
    def orders():
        return 1

    @dg.asset(deps=[orders], automation_condition=dg.AutomationCondition.eager())
    def report():
        return 2

    job = dg.define_asset_job("orders_job", selection=["orders"])

    @dg.schedule(
        cron_schedule="0 6 * * *",
        job=job,
        execution_timezone="Europe/Berlin",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def morning(context):
        return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat())

    @dg.sensor(job=job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
    def files(context):
        known = set((context.cursor or "").split(",")) - {""}
        new = sorted(set(seen_files or []) - known)
        if not new:
            return dg.SkipReason("no new files")
        for f in new:
            yield dg.RunRequest(run_key=f)
        context.update_cursor(",".join(sorted(known | set(new))))

    return dg.Definitions(
        assets=[orders, report], jobs=[job], schedules=[morning], sensors=[files], **extra
    )


def _runs(instance, **tags):
    from dagster_nb._storage.records import RunsFilter

    return instance.get_runs(filters=RunsFilter(tags=tags)) if tags else instance.get_runs()


def test_schedule_fires_on_its_cron_tick_in_its_timezone(instance):
    d = AutomationDaemon(_defs(), instance)
    assert [
        r for r in d.tick(at=at(4)) if r.kind == "schedule"
    ] == []  # 05:00 Berlin: before the tick
    recs = d.tick(at=at(5))  # 06:00 Berlin
    sched = [r for r in recs if r.kind == "schedule"]
    assert len(sched) == 1 and sched[0].status == "SUCCESS" and len(sched[0].run_ids) == 1
    run = instance.get_run_by_id(sched[0].run_ids[0])
    assert run.tags["dagster/schedule_name"] == "morning"
    assert run.tags["dagster/run_key"] == "2024-01-01T06:00:00+01:00"
    assert run.is_success and instance.get_latest_materialization_event("orders") is not None
    assert [r for r in d.tick(at=at(5, 30)) if r.kind == "schedule"] == []  # not again
    assert len([r for r in d.tick(at=at(5, day=2)) if r.kind == "schedule"]) == 1  # next day


def test_sensor_cursor_run_keys_and_skip_reason(instance):
    files = ["a.csv"]
    d = AutomationDaemon(lambda: _defs(seen_files=list(files)), instance)
    recs = {r.name: r for r in d.tick(at=at(1))}
    assert recs["files"].status == "SUCCESS" and recs["files"].run_keys == ("a.csv",)
    assert recs["files"].cursor == "a.csv"
    run = instance.get_run_by_id(recs["files"].run_ids[0])
    assert run.tags["dagster/sensor_name"] == "files" and run.tags["dagster/run_key"] == "a.csv"
    assert "files" not in {
        r.name for r in d.tick(at=at(1, 0) + dt.timedelta(seconds=10))
    }  # interval
    recs = {r.name: r for r in d.tick(at=at(1, 1))}
    assert recs["files"].status == "SKIPPED" and recs["files"].skip_reason == "no new files"
    files.append("b.csv")
    recs = {r.name: r for r in d.tick(at=at(1, 2))}
    assert recs["files"].run_keys == ("b.csv",) and len(recs["files"].run_ids) == 1
    state = instance.get_tick_store().get_state("files", "sensor")
    assert state.cursor == "a.csv,b.csv"


def test_run_key_already_used_is_not_launched_again(instance):
    @dg.asset
    def a():
        return 1

    job = dg.define_asset_job("j", selection=["a"])

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def same_key(context):
        return dg.RunRequest(run_key="only-once")

    d = AutomationDaemon(dg.Definitions(assets=[a], jobs=[job], sensors=[same_key]), instance)
    first = d.tick(at=at(1))[0]
    second = d.tick(at=at(2))[0]
    assert len(first.run_ids) == 1 and second.run_ids == () and second.status == "SKIPPED"
    assert len(_runs(instance, **{"dagster/run_key": "only-once"})) == 1


def test_sensor_that_raises_records_a_failed_tick_and_the_loop_goes_on(instance):
    @dg.asset
    def a():
        return 1

    job = dg.define_asset_job("j", selection=["a"])

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def broken(context):
        raise KeyError("the bucket is gone")

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def fine(context):
        return dg.RunRequest()

    d = AutomationDaemon(dg.Definitions(assets=[a], jobs=[job], sensors=[broken, fine]), instance)
    recs = {r.name: r for r in d.tick(at=at(1))}
    assert recs["broken"].status == "FAILURE"
    err = recs["broken"].error
    assert "the bucket is gone" in err and "in broken" in err
    assert "_automation" not in err  # the user's frames, not the loop's
    assert recs["fine"].status == "SUCCESS"
    stored = instance.get_tick_store().get_ticks("broken", "sensor")
    assert stored[0].status == "FAILURE" and "KeyError" in stored[0].error


def test_automation_conditions_launch_runs_through_the_default_sensor(instance):
    d = AutomationDaemon(_defs(), instance, automation_interval=1)
    d.set_status("morning", running=False)
    d.set_status("files", running=False)
    first = d.tick(at=at(1))
    assert [(r.name, r.status) for r in first] == [
        ("default_automation_condition_sensor", "SKIPPED")
    ]
    dg.materialize(_defs().assets, selection=["orders"], instance=instance)
    recs = d.tick(at=at(1, 1))
    assert recs[0].status == "SUCCESS" and len(recs[0].run_ids) == 1
    run = instance.get_run_by_id(recs[0].run_ids[0])
    assert run.asset_selection == frozenset({dg.AssetKey("report")})
    assert run.tags["dagster/sensor_name"] == "default_automation_condition_sensor"
    assert instance.get_latest_materialization_event("report") is not None
    # the evaluation is kept for explanations, and the cursor persists
    assert (
        d.last_evaluations["default_automation_condition_sensor"].get_num_requested("report") == 1
    )
    assert (
        instance.get_tick_store()
        .get_state("default_automation_condition_sensor", "automation")
        .cursor
    )


def test_automation_condition_sensor_targets_its_selection(instance):
    AC = dg.AutomationCondition

    @dg.asset(automation_condition=AC.missing())
    def x():
        return 1

    @dg.asset(automation_condition=AC.missing())
    def y():
        return 2

    sensor = dg.AutomationConditionSensorDefinition(
        "only_x",
        target=dg.AssetSelection.assets("x"),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=5,
        run_tags={"team": "a"},
    )
    d = AutomationDaemon(dg.Definitions(assets=[x, y], sensors=[sensor]), instance)
    d.set_status("default_automation_condition_sensor", running=False)
    recs = {r.name: r for r in d.tick(at=at(1))}
    assert set(recs) == {"only_x"}
    run = instance.get_run_by_id(recs["only_x"].run_ids[0])
    assert run.asset_selection == frozenset({dg.AssetKey("x")}) and run.tags["team"] == "a"


def test_stopped_state_persists_and_unknown_name_is_explained(tmp_path):
    home = tmp_path / "home"
    with dg.DagsterInstance.from_directory(home) as inst:
        AutomationDaemon(_defs(), inst).set_status("morning", running=False)
    with dg.DagsterInstance.from_directory(home) as inst:
        d = AutomationDaemon(_defs(), inst)
        assert not d.is_running(next(i for i in d.instigators() if i.name == "morning"))
        with pytest.raises(dg.DagsterInvalidDefinitionError, match="Did you mean 'morning'"):
            d.set_status("mornin", running=True)


def test_two_loops_on_one_instance_never_run_the_same_tick(tmp_path):
    home = tmp_path / "home"
    calls = []

    @dg.asset
    def a():
        return 1

    job = dg.define_asset_job("j", selection=["a"])

    @dg.sensor(job=job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
    def slow(context):
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return dg.SkipReason("slow")

    defs = dg.Definitions(assets=[a], jobs=[job], sensors=[slow])
    i1, i2 = dg.DagsterInstance.from_directory(home), dg.DagsterInstance.from_directory(home)
    d1, d2 = AutomationDaemon(defs, i1), AutomationDaemon(defs, i2)
    t = at(1)
    threads = [threading.Thread(target=d.tick, args=(t,)) for d in (d1, d2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1  # one claim won; the other loop saw it running / just ticked
    assert len(i1.get_tick_store().get_ticks("slow", "sensor")) == 1
    i1.dispose()
    i2.dispose()


def test_sensor_slower_than_its_interval_is_not_started_twice(instance):
    started = threading.Event()
    release = threading.Event()
    calls = []

    @dg.asset
    def a():
        return 1

    job = dg.define_asset_job("j", selection=["a"])

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def sluggish(context):
        calls.append(1)
        started.set()
        release.wait(5)
        return dg.SkipReason("done")

    defs = dg.Definitions(assets=[a], jobs=[job], sensors=[sluggish])
    d1, d2 = AutomationDaemon(defs, instance), AutomationDaemon(defs, instance)
    th = threading.Thread(target=d1.tick, args=(at(1),))
    th.start()
    started.wait(5)
    assert d2.tick(at=at(1, 5)) == []  # 5 minutes later, but the first tick still runs
    release.set()
    th.join()
    assert len(calls) == 1
    assert len(d2.tick(at=at(1, 6))) == 1  # released: the next tick runs


def test_old_instance_file_gains_the_tables_and_keeps_its_runs(tmp_path):
    home = tmp_path / "home"

    @dg.asset
    def a():
        return 1

    with dg.DagsterInstance.from_directory(home) as inst:  # an instance as today's main makes it
        run_id = dg.materialize([a], instance=inst).run_id
    db = next(p for p in home.iterdir() if p.suffix in (".db", ".sqlite", ".sqlite3"))
    tables = {
        r[0]
        for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert "automation_ticks" not in tables
    with dg.DagsterInstance.from_directory(home) as inst:
        d = AutomationDaemon(_defs(), inst)
        d.tick(at=at(5))
        assert inst.get_run_by_id(run_id).is_success  # nothing lost
        assert inst.get_tick_store().get_ticks("morning", "schedule")[0].status == "SUCCESS"
    tables = {
        r[0]
        for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"automation_ticks", "automation_state"} <= tables


def test_background_thread_starts_ticks_and_stops_cleanly(instance):
    d = AutomationDaemon(_defs(), instance, automation_interval=0.2)
    d.start(interval=0.05)
    deadline = time.monotonic() + 20
    while d.ticks_done < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert d.running and d.ticks_done >= 3
    assert d.stop(timeout=20) and not d.running
    n = d.ticks_done
    time.sleep(0.2)
    assert d.ticks_done == n


def test_bad_tick_time_is_explained(instance):
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="ISO time"):
        AutomationDaemon(_defs(), instance).tick(at="tomorrow")


def test_sensor_result_adds_dynamic_partitions_then_runs_them(instance):
    fruits = dg.DynamicPartitionsDefinition(name="fruits")

    @dg.asset(partitions_def=fruits)
    def fruit(context):
        return context.partition_key.upper()

    job = dg.define_asset_job("fruit_job", selection=["fruit"], partitions_def=fruits)

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def basket(context):
        new = [f for f in ("apple", "pear") if f not in (context.cursor or "")]
        if not new:
            return dg.SensorResult(skip_reason="no new fruit")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(partition_key=f, run_key=f) for f in new],
            dynamic_partitions_requests=[fruits.build_add_request(new)],
            cursor=",".join(new),
        )

    d = AutomationDaemon(dg.Definitions(assets=[fruit], jobs=[job], sensors=[basket]), instance)
    (rec,) = d.tick(at=at(1))
    assert (
        rec.status == "SUCCESS" and rec.run_keys == ("apple", "pear") and rec.cursor == "apple,pear"
    )
    assert instance.get_dynamic_partitions("fruits") == ["apple", "pear"]
    assert sorted(instance.get_run_by_id(r).tags["dagster/partition"] for r in rec.run_ids) == [
        "apple",
        "pear",
    ]
    assert instance.get_materialized_partitions("fruit") == {"apple", "pear"}
    (rec,) = d.tick(at=at(2))
    assert rec.status == "SKIPPED" and rec.skip_reason == "no new fruit"


def test_reactive_loop_rematerializes_a_redefined_asset_and_its_eager_downstream(instance):
    AC = dg.AutomationCondition

    def version(n):
        if n == 1:

            @dg.asset(automation_condition=AC.eager())
            def prices():
                return 1
        else:

            @dg.asset(automation_condition=AC.eager())
            def prices():
                return 2  # a cell re-run with changed code

        @dg.asset(automation_condition=AC.eager())
        def report(prices):
            return prices * 10

        return dg.Definitions(assets=[prices, report])

    current = [version(1)]
    dg.materialize(current[0].assets, instance=instance)
    d = AutomationDaemon(lambda: current[0], instance, automation_interval=1, reactive=True)
    assert [r.status for r in d.tick(at=at(1))] == ["SKIPPED"]
    assert [r.status for r in d.tick(at=at(1, 1))] == ["SKIPPED"]  # same code: nothing
    current[0] = version(2)
    (rec,) = d.tick(at=at(1, 2))
    assert rec.status == "SUCCESS"
    assert instance.get_run_by_id(rec.run_ids[0]).asset_selection == frozenset(
        {dg.AssetKey("prices")}
    )
    (rec,) = d.tick(at=at(1, 3))  # eager(): report follows its updated upstream
    assert instance.get_run_by_id(rec.run_ids[0]).asset_selection == frozenset(
        {dg.AssetKey("report")}
    )
    value = dg.materialize(current[0].assets, selection=["report"], instance=instance)
    assert value.output_for_node("report") == 20
    # not reactive (Dagster's semantics, the headless daemon): a redefinition alone requests nothing
    d2 = AutomationDaemon(lambda: current[0], instance, automation_interval=1)
    d2.tick(at=at(2))
    current[0] = version(1)
    assert [r.status for r in d2.tick(at=at(2, 1))] == ["SKIPPED"]


def test_a_multi_asset_that_cannot_be_subset_runs_whole(instance):
    @dg.multi_asset(
        specs=[
            dg.AssetSpec("left", automation_condition=dg.AutomationCondition.missing()),
            dg.AssetSpec("right"),
        ]
    )
    def pair():
        yield dg.MaterializeResult(asset_key="left")
        yield dg.MaterializeResult(asset_key="right")

    d = AutomationDaemon(dg.Definitions(assets=[pair]), instance, automation_interval=1)
    (rec,) = d.tick(at=at(1))
    run = instance.get_run_by_id(rec.run_ids[0])
    assert run.is_success and run.asset_selection == frozenset(
        {dg.AssetKey("left"), dg.AssetKey("right")}
    )


def _slow_defs(seconds: float, n_runs: int = 1):
    """A sensor asking once for ``n_runs`` runs of an asset that takes ``seconds``, and a
    ``ticker`` sensor due every second that only skips."""

    @dg.asset
    def slow():
        time.sleep(seconds)
        return "done"

    job = dg.define_asset_job("slow_job", selection=["slow"])

    @dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def wants_slow(context):
        return [dg.RunRequest(run_key=f"k{i}") for i in range(n_runs)]

    @dg.sensor(minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def ticker(context):
        return dg.SkipReason("tick")

    return dg.Definitions(assets=[slow], jobs=[job], sensors=[wants_slow, ticker])


def _wait_for(cond, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_slow_run_does_not_hold_up_the_other_sensors_ticks(instance):
    d = AutomationDaemon(_slow_defs(3.0), instance)
    d.start(interval=0.1)
    try:
        _wait_for(lambda: any(r.is_finished for r in _runs(instance)))
    finally:
        assert d.stop(timeout=60)
    [run] = _runs(instance)
    assert run.is_success and run.tags["dagster/run_key"] == "k0"
    rec = instance.get_run_record_by_id(run.run_id).dagster_run
    assert rec.end_time - rec.start_time >= 3.0
    store = instance.get_tick_store()
    # the tick that asked for it finished at once, with its run id, before the run started
    asked = [t for t in store.get_ticks("wants_slow", "sensor") if t.run_ids]
    assert [t.run_ids for t in asked] == [(run.run_id,)] and asked[0].end_ts <= rec.start_time
    # ticker kept ticking (1 s interval) while the run ran
    during = [
        t
        for t in store.get_ticks("ticker", "sensor")
        if rec.start_time <= t.start_ts <= rec.end_time
    ]
    assert len(during) >= 2 and all(t.status == "SKIPPED" for t in during)
    # queued, then started: the run's first event is Dagster's PIPELINE_ENQUEUED
    types = [e.dagster_event.event_type_value for e in instance.all_logs(run.run_id)]
    assert types[:2] == ["PIPELINE_ENQUEUED", "PIPELINE_START"]
    assert types[-1] == "PIPELINE_SUCCESS"
    # later ticks of wants_slow find the run key used (the QUEUED row counted from the tick on)
    assert all(t.skip_reason for t in store.get_ticks("wants_slow", "sensor") if not t.run_ids)


def test_stop_lets_the_run_in_progress_finish_and_cancels_the_queued_ones(instance):
    from dagster_nb._notebook.automation_magic import automation_state_text

    d = AutomationDaemon(_slow_defs(1.5, n_runs=3), instance)
    d.start(interval=0.1)
    try:
        # the tick queues three runs; the queue's worker may start the first before the tick
        # has queued the others (seen at load 6+): wait for both facts
        _wait_for(lambda: d.runs.current is not None and len(d.runs.queued) == 2)
        text = automation_state_text(d)
        assert f"runs: run {d.runs.current[:8]} in progress, 2 queued" in text, text
    finally:
        assert d.stop(timeout=60)
    runs = {r.tags["dagster/run_key"]: r for r in _runs(instance)}
    assert sorted(runs) == ["k0", "k1", "k2"]
    assert runs["k0"].is_success  # the run in progress finished, its value written
    assert instance.get_latest_materialization_event("slow").run_id == runs["k0"].run_id
    assert [runs[k].status.value for k in ("k1", "k2")] == ["CANCELED", "CANCELED"]
    assert all(r.is_finished for r in _runs(instance))  # nothing left QUEUED or STARTED
    [asked] = [t for t in instance.get_tick_store().get_ticks("wants_slow", "sensor") if t.run_ids]
    assert set(asked.run_ids) == {r.run_id for r in runs.values()}


def test_a_single_tick_without_the_loop_runs_its_runs_before_returning(instance):
    d = AutomationDaemon(_slow_defs(0.0, n_runs=2), instance)
    [rec] = [r for r in d.tick(at=at(1)) if r.name == "wants_slow"]
    assert rec.status == "SUCCESS" and len(rec.run_ids) == 2
    assert [instance.get_run_by_id(i).status.value for i in rec.run_ids] == ["SUCCESS", "SUCCESS"]


def test_a_request_for_an_unknown_asset_fails_the_tick_and_stores_no_run(instance):
    @dg.asset
    def orders():
        return 1

    @dg.sensor(minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def typo(context):
        return dg.RunRequest(asset_selection=["order"])

    d = AutomationDaemon(dg.Definitions(assets=[orders], sensors=[typo]), instance)
    [rec] = d.tick(at=at(1))
    assert rec.status == "FAILURE" and "did you mean 'orders'" in rec.error.lower()
    assert _runs(instance) == []


def test_a_run_that_cannot_start_is_recorded_failed_and_the_loop_goes_on(instance):
    @dg.asset(config_schema={"n": int})
    def configured(context):
        return context.op_config["n"]

    @dg.sensor(minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def asks(context):  # run config for an op that does not exist: the run cannot start
        return dg.RunRequest(
            run_key="x",
            asset_selection=["configured"],
            run_config={"ops": {"configure": {"config": {"n": 1}}}},
        )

    d = AutomationDaemon(dg.Definitions(assets=[configured], sensors=[asks]), instance)
    d.start(interval=0.05)
    try:
        _wait_for(lambda: any(r.is_finished for r in _runs(instance)))
        n = d.ticks_done
        _wait_for(lambda: d.ticks_done > n + 2)  # the loop goes on
    finally:
        assert d.stop(timeout=60)
    [run] = _runs(instance)
    assert run.status.value == "FAILURE"
    logs = [e.dagster_event.message or "" for e in instance.all_logs(run.run_id)]
    assert any("could not run it" in m and "configure" in m for m in logs), logs
    [rec] = [t for t in instance.get_tick_store().get_ticks("asks", "sensor") if t.run_ids]
    assert rec.status == "SUCCESS" and rec.run_ids == (run.run_id,)
    assert d.last_error is None


def test_a_default_running_schedule_keeps_its_start_time_across_loops(instance):
    # Loop A first sees "morning" (06:00 Berlin = 05:00 UTC) at 01:00 and stops; loop B runs at
    # 08:00: the 05:00 tick fell after the stored start, so B launches it (as Dagster, whose
    # start_timestamp is stored when its daemon first sees a default-running schedule).
    AutomationDaemon(_defs(), instance).tick(at=at(1))
    recs = AutomationDaemon(_defs(), instance).tick(at=at(8))
    assert [(r.name, _hm(r.tick_ts), r.status) for r in recs if r.kind == "schedule"] == [
        ("morning", "05:00", "SUCCESS")
    ]
    # started by the user after a tick: that tick is not launched
    d = AutomationDaemon(_defs(), instance)
    d.set_status("morning", running=False)
    d.set_status("morning", running=True, at=at(5, 30, day=2))
    assert [r for r in d.tick(at=at(6, day=2)) if r.kind == "schedule"] == []
    assert [_hm(r.tick_ts) for r in d.tick(at=at(5, day=3)) if r.kind == "schedule"] == ["05:00"]


def _hm(ts):
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%H:%M")


def test_a_tick_left_started_by_a_dead_loop_is_resumed(tmp_path):
    import socket
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with dg.DagsterInstance.from_directory(tmp_path / "home") as inst:
        store = inst.get_tick_store()
        five = at(5).timestamp()
        store.mark_started("morning", "schedule", at(0).timestamp())
        left = store.claim(
            "morning",
            "schedule",
            tick_ts=five,
            now=five,
            owner=f"{socket.gethostname()}:{dead.pid}:x",
        )
        assert left is not None
        d = AutomationDaemon(_defs(), inst)
        [rec] = [r for r in d.tick(at=at(5, 10)) if r.kind == "schedule"]
        assert (rec.id, rec.tick_ts, rec.status, rec.owner) == (left.id, five, "SUCCESS", d.owner)
        assert len(store.get_ticks("morning", "schedule")) == 1
        # a live owner's claim is respected (another loop of this process evaluating it)
        store.claim("morning", "schedule", tick_ts=at(5, day=2).timestamp(), now=0, owner="x")
        six = at(5, 1, day=2).timestamp()
        assert store.claim("morning", "schedule", tick_ts=six, now=1.0, owner="y") is None


def test_a_state_table_from_before_started_ts_gains_the_column(tmp_path):
    home = tmp_path / "home"
    with dg.DagsterInstance.from_directory(home) as inst:
        inst.get_runs()
    db = next(p for p in home.iterdir() if p.suffix in (".db", ".sqlite", ".sqlite3"))
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE automation_state (name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT, "
        "cursor TEXT, last_tick_ts REAL, running_owner TEXT, running_since REAL, "
        "PRIMARY KEY (name, kind))"
    )
    con.execute("INSERT INTO automation_state (name, kind, cursor) VALUES ('files', 'sensor', 'a')")
    con.commit()
    con.close()
    with dg.DagsterInstance.from_directory(home) as inst:
        assert inst.get_tick_store().get_state("files", "sensor").cursor == "a"
        AutomationDaemon(_defs(), inst).tick(at=at(1))
        assert (
            inst.get_tick_store().get_state("morning", "schedule").started_ts == at(1).timestamp()
        )


def test_reactive_loop_reruns_the_latest_partition_of_a_redefined_daily_asset(instance):
    AC = dg.AutomationCondition
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    def version(n):
        @dg.asset(partitions_def=daily, automation_condition=AC.eager(), code_version=str(n))
        def prices(context):
            return n

        @dg.asset(partitions_def=daily, automation_condition=AC.eager())
        def report(prices):
            return prices * 10

        return dg.Definitions(assets=[prices, report])

    current = [version(1)]
    for day in ("2024-01-02", "2024-01-03"):
        dg.materialize(current[0].assets, instance=instance, partition_key=day)
    d = AutomationDaemon(lambda: current[0], instance, automation_interval=1, reactive=True)
    now = dt.datetime(2024, 1, 4, 9, tzinfo=UTC)  # latest daily partition: 2024-01-03
    assert [r.status for r in d.tick(at=now)] == ["SKIPPED"]
    current[0] = version(2)  # a cell redefines prices
    (rec,) = d.tick(at=now + dt.timedelta(minutes=1))
    [run] = [instance.get_run_by_id(i) for i in rec.run_ids]
    assert (run.asset_selection, run.partition_key) == (
        frozenset({dg.AssetKey("prices")}),
        "2024-01-03",
    )
    (rec,) = d.tick(at=now + dt.timedelta(minutes=2))  # eager(): report's same partition follows
    [run] = [instance.get_run_by_id(i) for i in rec.run_ids]
    assert (run.asset_selection, run.partition_key) == (
        frozenset({dg.AssetKey("report")}),
        "2024-01-03",
    )
    loaded = dg.materialize(
        current[0].assets, selection=["report"], instance=instance, partition_key="2024-01-03"
    )
    assert loaded.output_for_node("report") == 20

    # the older partition was not re-run; the latest one twice (first run, reactive re-run)
    def times(day):
        f = AssetRecordsFilter(asset_key=dg.AssetKey("prices"), asset_partitions=[day])
        return len(instance.fetch_materializations(f, limit=10).records)

    assert (times("2024-01-02"), times("2024-01-03")) == (1, 2)
    assert [r.status for r in d.tick(at=now + dt.timedelta(minutes=3))] == ["SKIPPED"]
