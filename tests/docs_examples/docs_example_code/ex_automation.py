"""Schedules and sensors, evaluated once with build_schedule_context / build_sensor_context
(no daemon): cron schedules, run config from the tick time, partitioned schedules, cursors,
skip reasons, asset sensors, sensor results with asset events, automation conditions."""

import os
from datetime import datetime

from . import example
from ._helpers import materialize


def _job(dg):
    @dg.asset
    def refreshed():
        return 1

    return refreshed, dg.define_asset_job("refresh_job", [refreshed])


@example("concepts/partitions_schedules_sensors/schedules/basic_asset_schedule.py")
def example_schedule_definition_for_asset_job(dg):
    refreshed, job = _job(dg)
    schedule = dg.ScheduleDefinition(
        job=job, cron_schedule="15 5 * * 1-5", default_status=dg.DefaultScheduleStatus.RUNNING
    )
    defs = dg.Definitions(assets=[refreshed], jobs=[job], schedules=[schedule])
    resolved = defs.resolve_schedule_def("refresh_job_schedule")
    assert (resolved.cron_schedule, resolved.job_name) == ("15 5 * * 1-5", "refresh_job")
    assert resolved.default_status == dg.DefaultScheduleStatus.RUNNING


@example("guides/automate/schedules/schedules.py")
def example_schedule_run_config_from_tick_time(dg):
    refreshed, job = _job(dg)

    @dg.schedule(job=job, cron_schedule="0 0 * * *")
    def nightly(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        return dg.RunRequest(
            run_key=day,
            run_config={"ops": {"refreshed": {"config": {"day": day}}}},
            tags={"date": day},
        )

    request = nightly(dg.build_schedule_context(scheduled_execution_time=datetime(2024, 7, 1)))
    assert request.run_key == "2024-07-01"
    assert request.tags["date"] == "2024-07-01"
    assert request.run_config == {"ops": {"refreshed": {"config": {"day": "2024-07-01"}}}}


@example("guides/automate/schedules/schedules.py")
def example_schedule_skip_reason_and_timezone(dg):
    refreshed, job = _job(dg)

    @dg.schedule(job=job, cron_schedule="0 9 * * *", execution_timezone="America/Los_Angeles")
    def only_on_mondays(context):
        if context.scheduled_execution_time.weekday() != 0:
            return dg.SkipReason("not monday")
        return dg.RunRequest()

    assert only_on_mondays.execution_timezone == "America/Los_Angeles"
    skipped = only_on_mondays(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 7, 2))
    )
    assert isinstance(skipped, dg.SkipReason) and skipped.skip_message == "not monday"
    assert isinstance(
        only_on_mondays(dg.build_schedule_context(scheduled_execution_time=datetime(2024, 7, 1))),
        dg.RunRequest,
    )


@example("guides/automate/schedules/schedule_examples.py")
def example_schedule_evaluate_tick(dg):
    refreshed, job = _job(dg)
    schedule = dg.ScheduleDefinition(
        name="every_hour", job=job, cron_schedule="0 * * * *", run_config={"x": 1} and None
    )
    data = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 1, 1, 3))
    )
    assert len(data.run_requests) == 1
    assert data.run_requests[0].run_key is None


@example("concepts/partitions_schedules_sensors/schedule_from_partitions.py")
def example_schedule_from_partitioned_asset_job(dg):
    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def daily_table(): ...

    job = dg.define_asset_job("daily_job", selection=[daily_table])
    schedule = dg.build_schedule_from_partitioned_job(job)
    defs = dg.Definitions(assets=[daily_table], jobs=[job], schedules=[schedule])
    resolved = defs.resolve_schedule_def("daily_job_schedule")
    assert resolved.cron_schedule == "0 0 * * *"
    data = resolved.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 3, 5))
    )
    assert [r.partition_key for r in data.run_requests] == ["2024-03-04"]


@example(
    "concepts/partitions_schedules_sensors/schedule_from_partitions.py",
    gap="h2 (op jobs): daily_partitioned_config / static_partitioned_config not in dagster_nb yet",
)
def example_schedule_from_partitioned_op_job(dg):
    @dg.op(config_schema={"date": str})
    def work(context): ...

    @dg.daily_partitioned_config(start_date=datetime(2024, 1, 1))
    def cfg(start, _end):
        return {"ops": {"work": {"config": {"date": start.strftime("%Y-%m-%d")}}}}

    @dg.job(config=cfg)
    def work_job():
        work()

    schedule = dg.build_schedule_from_partitioned_job(work_job, hour_of_day=2)
    assert schedule.cron_schedule == "0 2 * * *"
    data = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 3, 5, 2))
    )
    assert [r.partition_key for r in data.run_requests] == ["2024-03-04"]


@example("concepts/partitions_schedules_sensors/static_partitioned_asset_job.py")
def example_schedule_requests_each_static_partition(dg):
    regions = dg.StaticPartitionsDefinition(["north", "south"])

    @dg.asset(partitions_def=regions)
    def region_table(): ...

    job = dg.define_asset_job("region_job", [region_table], partitions_def=regions)

    @dg.schedule(cron_schedule="0 0 * * *", job=job)
    def all_regions():
        for key in regions.get_partition_keys():
            yield dg.RunRequest(run_key=key, partition_key=key)

    requests = list(all_regions(dg.build_schedule_context()))
    assert [(r.run_key, r.partition_key) for r in requests] == [
        ("north", "north"),
        ("south", "south"),
    ]


@example(
    "guides/automate/schedules/basic_asset_schedule.py",
)
def example_schedule_targeting_a_selection(dg):
    @dg.asset(group_name="shop")
    def basket(): ...

    schedule = dg.ScheduleDefinition(
        name="shop_schedule", target=dg.AssetSelection.groups("shop"), cron_schedule="@daily"
    )
    defs = dg.Definitions(assets=[basket], schedules=[schedule])
    resolved = defs.resolve_schedule_def("shop_schedule")
    assert resolved.cron_schedule in ("@daily", "0 0 * * *")
    job = defs.resolve_job_def(resolved.job_name)
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral()).success


@example("guides/automate/sensors/sensors.py")
def example_directory_sensor_run_keys(dg):
    class FileConfig(dg.Config):
        filename: str

    @dg.op
    def process_file(config: FileConfig):
        return config.filename

    @dg.job
    def log_file_job():
        process_file()

    os.makedirs("inbox", exist_ok=True)
    for name in ["b.csv", "a.csv"]:
        open(os.path.join("inbox", name), "w").close()

    @dg.sensor(job=log_file_job)
    def inbox_sensor():
        for filename in sorted(os.listdir("inbox")):
            yield dg.RunRequest(
                run_key=filename,
                run_config=dg.RunConfig(ops={"process_file": FileConfig(filename=filename)}),
            )

    requests = list(inbox_sensor())
    assert [r.run_key for r in requests] == ["a.csv", "b.csv"]
    assert requests[0].run_config["ops"] == {"process_file": {"config": {"filename": "a.csv"}}}
    assert dg.validate_run_config(log_file_job, requests[0].run_config)


@example("guides/automate/sensors/sensors.py")
def example_sensor_cursor(dg):
    refreshed, job = _job(dg)

    @dg.sensor(job=job, minimum_interval_seconds=30)
    def counter_sensor(context):
        last = int(context.cursor) if context.cursor else 0
        context.update_cursor(str(last + 1))
        return dg.RunRequest(run_key=f"run-{last + 1}")

    assert counter_sensor.minimum_interval_seconds == 30
    context = dg.build_sensor_context(cursor="4")
    assert counter_sensor(context).run_key == "run-5"
    assert context.cursor == "5"


@example("guides/automate/sensors/sensors.py")
def example_sensor_skip_reason(dg):
    refreshed, job = _job(dg)

    @dg.sensor(job=job, default_status=dg.DefaultSensorStatus.RUNNING)
    def nothing_new(context):
        context.log.info("looked")
        return dg.SkipReason("No files found")

    assert nothing_new.default_status == dg.DefaultSensorStatus.RUNNING
    data = nothing_new.evaluate_tick(dg.build_sensor_context())
    assert data.skip_message == "No files found"
    assert data.run_requests == []


@example("guides/automate/sensors/asset_sensors.py")
def example_asset_sensor_after_materialization(dg):
    @dg.asset
    def watched_table():
        return 1

    refreshed, job = _job(dg)

    @dg.asset_sensor(asset_key=dg.AssetKey("watched_table"), job=job)
    def on_watched(context, asset_event):
        return dg.RunRequest(
            run_key=context.cursor,
            tags={"from": asset_event.dagster_event.asset_key.to_user_string()},
        )

    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions(assets=[watched_table, refreshed], jobs=[job], sensors=[on_watched])
    first = on_watched.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert first.run_requests == []
    materialize(dg, [watched_table], instance=instance)
    second = on_watched.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert [r.tags["from"] for r in second.run_requests] == ["watched_table"]


@example("concepts/assets/external_assets/external_asset_using_sensor.py")
def example_sensor_result_reports_asset_events(dg):
    @dg.sensor()
    def external_updates(context):
        return dg.SensorResult(
            asset_events=[
                dg.AssetMaterialization(
                    asset_key="vendor_file", metadata={"source": context.sensor_name}
                )
            ]
        )

    result = external_updates(dg.build_sensor_context(sensor_name="external_updates"))
    (event,) = result.asset_events
    assert event.asset_key == dg.AssetKey("vendor_file")
    assert event.metadata["source"].value == "external_updates"


@example("guides/build/assets/external-assets/pulling-with-sensors.py")
def example_sensor_result_with_cursor(dg):
    @dg.sensor(minimum_interval_seconds=30)
    def poll_vendor(context):
        modified = 1_700
        last = float(context.cursor) if context.cursor else 0
        if modified > last:
            return dg.SensorResult(
                asset_events=[dg.AssetMaterialization(asset_key="vendor_rows")],
                cursor=str(modified),
            )
        return dg.SensorResult()

    fresh = poll_vendor(dg.build_sensor_context())
    assert (fresh.cursor, len(fresh.asset_events)) == ("1700", 1)
    stale = poll_vendor(dg.build_sensor_context(cursor="1700"))
    assert (stale.cursor, stale.asset_events) == (None, [])


@example("guides/automate/declarative_automation/on_cron/basic.py")
def example_automation_condition_on_asset(dg):
    @dg.asset(automation_condition=dg.AutomationCondition.on_cron("@hourly"))
    def hourly_rollup(): ...

    @dg.asset(deps=[hourly_rollup], automation_condition=dg.AutomationCondition.eager())
    def eager_child(): ...

    assert hourly_rollup.automation_conditions_by_key[dg.AssetKey("hourly_rollup")] is not None
    assert eager_child.automation_conditions_by_key[dg.AssetKey("eager_child")] is not None
    sensor = dg.AutomationConditionSensorDefinition("conditions", target=dg.AssetSelection.all())
    assert sensor.name == "conditions"


@example("concepts/partitions_schedules_sensors/sensors/run_status_sensor.py")
def example_run_status_sensor_definition(dg):
    refreshed, job = _job(dg)

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, request_job=job)
    def after_success(context):
        return dg.RunRequest(run_key=context.dagster_run.run_id)

    assert after_success.name == "after_success"


@example("concepts/resources/pythonic_resources.py")
def example_sensor_and_schedule_with_resources(dg):
    class Inbox(dg.ConfigurableResource):
        names: list[str]

    refreshed, job = _job(dg)

    @dg.sensor(job=job)
    def inbox_sensor(context, inbox: Inbox):
        return [dg.RunRequest(run_key=name) for name in inbox.names]

    @dg.schedule(job=job, cron_schedule="@daily")
    def inbox_schedule(context, inbox: Inbox):
        return dg.RunRequest(run_key=f"{len(inbox.names)}-{context.scheduled_execution_time:%m%d}")

    inbox = Inbox(names=["x", "y"])
    sensor_requests = inbox_sensor(dg.build_sensor_context(resources={"inbox": inbox}))
    assert [r.run_key for r in sensor_requests] == ["x", "y"]
    ctx = dg.build_schedule_context(
        resources={"inbox": inbox}, scheduled_execution_time=datetime(2024, 5, 6)
    )
    assert inbox_schedule(ctx).run_key == "2-0506"


@example("guides/automate/schedules/schedules.py")
def example_schedule_definition_run_config_and_tags(dg):
    refreshed, job = _job(dg)
    schedule = dg.ScheduleDefinition(
        name="tagged_nightly",
        job=job,
        cron_schedule="30 2 * * *",
        run_config={"ops": {"refreshed": {"config": {}}}},
        tags={"owner": "data"},
        execution_timezone="Europe/Berlin",
    )
    data = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 1, 1, 2, 30))
    )
    (request,) = data.run_requests
    assert request.tags["owner"] == "data"
    assert request.run_config == {"ops": {"refreshed": {"config": {}}}}
    assert schedule.execution_timezone == "Europe/Berlin"
