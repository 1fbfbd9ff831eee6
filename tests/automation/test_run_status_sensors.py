"""@run_status_sensor / @run_failure_sensor ticking in the loop over real runs, and their
definitions side by side with Dagster's."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb as dg
from dagster_nb._automation.daemon import AutomationDaemon

T = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _defs(seen):
    @dg.asset(config_schema={"fail": bool})
    def flaky(context):
        if context.op_config["fail"]:
            raise ValueError("upstream API returned 500")
        return 1

    @dg.asset
    def cleanup():
        return 2

    flaky_job = dg.define_asset_job("flaky_job", selection=["flaky"])
    cleanup_job = dg.define_asset_job("cleanup_job", selection=["cleanup"])

    @dg.run_failure_sensor(
        monitored_jobs=[flaky_job],
        request_job=cleanup_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=1,
    )
    def on_failure(context: dg.RunFailureSensorContext):
        seen.append(
            (
                context.dagster_run.job_name,
                context.failure_event.event_type_value,
                len(context.get_step_failure_events()),
            )
        )
        return dg.RunRequest(run_key=context.dagster_run.run_id)

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        minimum_interval_seconds=1,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def on_success(context):
        seen.append(("success", context.dagster_run.job_name))

    return dg.Definitions(
        assets=[flaky, cleanup], jobs=[flaky_job, cleanup_job], sensors=[on_failure, on_success]
    )


def _run(defs, instance, fail):
    return defs.resolve_job_def("flaky_job").execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"ops": {"flaky": {"config": {"fail": fail}}}},
    )


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_failure_sensor_requests_a_run_once_per_failed_run(tmp_path, kind):
    seen: list = []
    defs = _defs(seen)
    inst = (
        dg.DagsterInstance.from_directory(tmp_path / "h")
        if kind == "sqlite"
        else dg.DagsterInstance.ephemeral()
    )
    try:
        old = _run(defs, inst, fail=True)  # before the sensor's first tick: not reported
        d = AutomationDaemon(defs, inst, automation_interval=1)
        first = {r.name: r for r in d.tick(at=T)}
        assert first["on_failure"].status == "SKIPPED" and seen == []
        failed = _run(defs, inst, fail=True)
        _run(defs, inst, fail=False)
        recs = {r.name: r for r in d.tick(at=T + dt.timedelta(seconds=2))}
        # the failure sensor's cleanup run finished before the success sensor ticked: it sees both
        assert seen == [
            ("flaky_job", "PIPELINE_FAILURE", 1),
            ("success", "flaky_job"),
            ("success", "cleanup_job"),
        ]
        assert recs["on_failure"].status == "SUCCESS" and recs["on_failure"].run_keys == (
            failed.run_id,
        )
        run = inst.get_run_by_id(recs["on_failure"].run_ids[0])
        assert run.job_name == "cleanup_job" and run.is_success
        assert run.tags["dagster/sensor_name"] == "on_failure"
        assert old.run_id not in recs["on_failure"].run_keys
        seen.clear()
        recs = {r.name: r for r in d.tick(at=T + dt.timedelta(seconds=4))}
        assert recs["on_failure"].status == "SKIPPED" and seen == []  # each run reported once
        assert recs["on_success"].skip_reason == "No new runs with status SUCCESS."
    finally:
        inst.dispose()


@pytest.mark.dagster
@pytest.mark.usefixtures("quiet_dagster")
def test_definitions_match_dagster():
    dagster = pytest.importorskip("dagster")

    def shape(lib):
        @lib.asset
        def a():
            return 1

        job = lib.define_asset_job("j", selection=["a"])

        @lib.run_failure_sensor
        def bare(context):
            pass

        @lib.run_status_sensor(
            run_status=lib.DagsterRunStatus.SUCCESS,
            monitored_jobs=[job],
            minimum_interval_seconds=45,
        )
        def ok(context):
            pass

        return [
            (s.name, s.minimum_interval_seconds, s.default_status.value, type(s).__name__)
            for s in (bare, ok)
        ]

    assert shape(dg) == shape(dagster)


def test_bad_input():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="run_status must be one of"):
        dg.run_status_sensor(run_status=dg.DagsterRunStatus.QUEUED)(lambda context: None)
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="monitored_jobs takes job definitions"
    ):
        dg.run_failure_sensor(monitored_jobs=["not a job"])(lambda context: None)
