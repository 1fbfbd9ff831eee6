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
