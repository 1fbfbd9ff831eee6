"""build_schedule_from_partitioned_job side by side with Dagster: cron, timezone, name, and the
run requests of ticks; then the loop launching the partition run."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")
MODULES = [pytest.param(dagster_nb, id="nb"), pytest.param(dagster, id="dagster")]


def _shape(dg, make_pdef, job_pdef=False, **kw):
    pdef = make_pdef(dg)

    @dg.asset(partitions_def=pdef)
    def events():
        return 1

    # A job over static partitions names them (Dagster refuses a cron for an inferred one).
    job = dg.define_asset_job(
        "events_job", selection=[events], partitions_def=pdef if job_pdef else None
    )
    sched = dg.build_schedule_from_partitioned_job(job, **kw)
    defs = dg.Definitions(assets=[events], jobs=[job], schedules=[sched])
    s = defs.get_schedule_def(sched.name)
    out = [s.name, s.cron_schedule, s.execution_timezone, s.default_status.value]
    for when in (
        dt.datetime(2024, 3, 5, 2, 0, tzinfo=dt.timezone.utc),
        dt.datetime(2024, 3, 6, 0, 0, tzinfo=dt.timezone.utc),
    ):
        with dg.DagsterInstance.ephemeral() as inst:
            data = s.evaluate_tick(
                dg.build_schedule_context(instance=inst, scheduled_execution_time=when)
            )
        out.append(sorted((r.run_key, r.partition_key) for r in data.run_requests))
    return out


CASES = {
    "daily": (lambda dg: dg.DailyPartitionsDefinition(start_date="2024-01-01"), {}),
    "daily_at_2": (
        lambda dg: dg.DailyPartitionsDefinition(start_date="2024-01-01"),
        {"hour_of_day": 2, "minute_of_hour": 30},
    ),
    "hourly_berlin": (
        lambda dg: dg.HourlyPartitionsDefinition(
            start_date="2024-01-01-00:00", timezone="Europe/Berlin"
        ),
        {"name": "hourly"},
    ),
    "weekly_monday": (
        lambda dg: dg.WeeklyPartitionsDefinition(start_date="2024-01-01"),
        {"day_of_week": 1},
    ),
    "static": (
        lambda dg: dg.StaticPartitionsDefinition(["eu", "us"]),
        {"cron_schedule": "0 5 * * *", "job_pdef": True},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_dagster(case):
    make, kw = CASES[case]
    assert _shape(dagster_nb, make, **kw) == _shape(dagster, make, **kw)


@pytest.mark.parametrize("dg", MODULES)
def test_bad_arguments_are_refused(dg):
    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def events():
        return 1

    job = dg.define_asset_job("events_job", selection=[events])
    with pytest.raises(Exception, match="Cannot provide both day_of_month and day_of_week"):
        dg.build_schedule_from_partitioned_job(job, day_of_week=1, day_of_month=2)
    with pytest.raises(Exception, match="Cannot provide both cron_schedule"):
        dg.build_schedule_from_partitioned_job(job, cron_schedule="0 0 * * *", hour_of_day=1)


def test_the_loop_launches_the_latest_partition(tmp_path):
    dg = dagster_nb
    from dagster_nb._automation.daemon import AutomationDaemon

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def events(context):
        return context.partition_key

    job = dg.define_asset_job("events_job", selection=[events])
    sched = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=1, default_status=dg.DefaultScheduleStatus.RUNNING
    )
    with dg.DagsterInstance.from_directory(tmp_path / "h") as inst:
        d = AutomationDaemon(dg.Definitions(assets=[events], jobs=[job], schedules=[sched]), inst)
        d.tick(at=dt.datetime(2024, 3, 5, 0, 30, tzinfo=dt.timezone.utc))
        (rec,) = d.tick(at=dt.datetime(2024, 3, 5, 1, 0, tzinfo=dt.timezone.utc))
        run = inst.get_run_by_id(rec.run_ids[0])
        assert (
            run.tags["dagster/partition"] == "2024-03-04"
            and run.tags["dagster/run_key"] == "2024-03-04"
        )
        assert run.tags["dagster/schedule_name"] == "events_job_schedule" and run.is_success
