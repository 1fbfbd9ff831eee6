"""Schedule catch-up side by side with real Dagster's scheduler daemon.

Real Dagster (``dagster._scheduler.scheduler.launch_scheduled_runs`` over an in-process code
location, SQLite instance, ``freeze_time``) and our loop (``AutomationDaemon.tick(at=...)``) see
the same schedules started, stopped and evaluated at the same instants. What Dagster does, and we
pin: after several missed cron ticks only the latest one is launched (``max_catchup_runs`` applies
only to schedules with a partition set, and ``ScheduleSnap.from_def`` never gives one, so a
partitioned-job schedule does not catch up either); no tick from before the schedule was
(re)started is launched; a failed tick is not retried (``max_tick_retries`` defaults to 0), the
next evaluation launches the latest tick after it.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

UTC = dt.timezone.utc

SOURCE = """
import {module} as dg

@dg.asset
def a():
    return 1

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")

@dg.asset(partitions_def=DAILY)
def p():
    return 1

hourly_job = dg.define_asset_job("hourly_job", selection=["a"])
daily_job = dg.define_asset_job("daily_job", selection=["p"], partitions_def=DAILY)

hourly = dg.ScheduleDefinition(name="hourly", cron_schedule="0 * * * *", job=hourly_job)
daily = dg.build_schedule_from_partitioned_job(daily_job, name="daily")

@dg.schedule(cron_schedule="0 * * * *", job=hourly_job)
def broken(context):
    if context.scheduled_execution_time.hour == 5:
        raise ValueError("the 05:00 tick fails")
    return dg.RunRequest()

defs = dg.Definitions(
    assets=[a, p], jobs=[hourly_job, daily_job], schedules=[hourly, daily, broken]
)
"""

T = dt.datetime
# (instant, action, schedule names)
STEPS = [
    (T(2024, 1, 10, 0, 30, tzinfo=UTC), "start", ("hourly", "daily", "broken")),
    (T(2024, 1, 13, 5, 30, tzinfo=UTC), "evaluate", ()),  # 3 days of missed ticks
    (T(2024, 1, 13, 5, 40, tzinfo=UTC), "stop", ("hourly",)),
    (T(2024, 1, 13, 9, 20, tzinfo=UTC), "start", ("hourly",)),  # 06:00..09:00 fell while stopped
    (T(2024, 1, 13, 9, 50, tzinfo=UTC), "evaluate", ()),
    (T(2024, 1, 13, 10, 10, tzinfo=UTC), "evaluate", ()),
]
NAMES = ("hourly", "daily", "broken")


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%m-%d %H:%M")


def _dagster_history(tmp_path):
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.test_utils import (
        create_test_daemon_workspace_context,
        freeze_time,
        instance_for_test,
    )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
    from dagster._scheduler.scheduler import launch_scheduled_runs

    path = tmp_path / "dagster_defs.py"
    path.write_text(SOURCE.format(module="dagster"))
    target = InProcessWorkspaceLoadTarget(
        InProcessCodeLocationOrigin(
            loadable_target_origin=LoadableTargetOrigin(python_file=str(path), attribute="defs"),
            location_name="loc",
        )
    )
    launcher = {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}
    log = logging.getLogger("dagster.scheduler_test")
    with instance_for_test(overrides={"run_launcher": launcher}) as instance:
        for when, action, names in STEPS:
            with freeze_time(when), create_test_daemon_workspace_context(target, instance) as ctx:
                location = ctx.create_request_context().get_code_location("loc")
                repo = next(iter(location.get_repositories().values()))
                if action == "evaluate":
                    list(launch_scheduled_runs(ctx, log, when, {}))
                for name in names:
                    if action == "start":
                        instance.start_schedule(repo.get_schedule(name))
                    else:
                        instance.stop_schedule(
                            repo.get_schedule(name).get_remote_origin_id(),
                            repo.get_schedule(name).selector_id,
                            repo.get_schedule(name),
                        )
        ticks = {}
        for state in instance.all_instigator_state():
            got = instance.get_ticks(state.instigator_origin_id, state.selector_id)
            ticks[state.name] = sorted((_iso(t.timestamp), t.status.value) for t in got)
        runs = sorted(
            (r.tags["dagster/schedule_name"], r.tags.get("dagster/partition"))
            for r in instance.get_runs()
        )
    return {n: ticks.get(n, []) for n in NAMES}, runs


def _our_history(tmp_path):
    import dagster_nb as dg
    from dagster_nb._automation.daemon import AutomationDaemon

    namespace: dict = {}
    exec(compile(SOURCE.format(module="dagster_nb"), "nb_defs.py", "exec"), namespace)
    with dg.DagsterInstance.from_directory(tmp_path / "nb_home") as instance:
        d = AutomationDaemon(namespace["defs"], instance)
        for when, action, names in STEPS:
            if action == "evaluate":
                d.tick(at=when)
            for name in names:
                d.set_status(name, running=action == "start", at=when)
        store = instance.get_tick_store()
        ticks = {
            n: sorted(
                (_iso(t.tick_ts), t.status.value if hasattr(t.status, "value") else t.status)
                for t in store.get_ticks(n, "schedule")
            )
            for n in NAMES
        }
        runs = sorted(
            (r.tags["dagster/schedule_name"], r.tags.get("dagster/partition"))
            for r in instance.get_runs()
        )
        assert all(r.is_success for r in instance.get_runs())
    return ticks, runs


@pytest.mark.slow
def test_missed_ticks_restarts_and_failures_as_dagsters_scheduler(tmp_path):
    theirs = _dagster_history(tmp_path)
    ours = _our_history(tmp_path)
    assert ours == theirs
    ticks, runs = ours
    # the documented rule, spelled out (so a change in both is seen too)
    assert ticks["hourly"] == [("01-13 05:00", "SUCCESS"), ("01-13 10:00", "SUCCESS")]
    assert ticks["daily"] == [("01-13 00:00", "SUCCESS")]
    assert ticks["broken"] == [
        ("01-13 05:00", "FAILURE"),
        ("01-13 09:00", "SUCCESS"),
        ("01-13 10:00", "SUCCESS"),
    ]
    assert ("daily", "2024-01-12") in runs and len(runs) == 5
