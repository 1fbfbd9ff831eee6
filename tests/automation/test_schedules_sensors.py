"""Schedules, sensors and run requests through the public API."""

from datetime import datetime, timezone

import pytest

import dagster_nb as dg


@dg.asset
def orders():
    return [1, 2]


# --------------------------------------------------------------------------- run requests


def test_run_request_fields_and_defaults():
    r = dg.RunRequest(
        run_key="k", run_config={"ops": {}}, tags={"n": 1}, partition_key="2024-01-01"
    )
    assert (r.run_key, r.run_config, r.tags, r.partition_key) == (
        "k",
        {"ops": {}},
        {"n": "1"},
        "2024-01-01",
    )
    assert r.job_name is None and r.asset_selection is None and r.stale_assets_only is False
    assert dg.RunRequest() == dg.RunRequest(run_key=None, run_config={}, tags={})
    with pytest.raises(AttributeError):
        r.run_key = "x"


def test_run_request_accepts_run_config_object_and_asset_keys():
    r = dg.RunRequest(
        run_config=dg.RunConfig(ops={"a": {"config": {"x": 1}}}),
        asset_selection=["a", dg.AssetKey(["b", "c"])],
    )
    assert r.run_config["ops"] == {"a": {"config": {"x": 1}}}
    assert r.asset_selection == [dg.AssetKey("a"), dg.AssetKey(["b", "c"])]


def test_sensor_result_and_skip_reason():
    res = dg.SensorResult(skip_reason="nothing", cursor="3")
    assert (
        res.skip_reason == dg.SkipReason("nothing") and res.cursor == "3" and res.run_requests == []
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError):
        dg.SensorResult(run_requests=[dg.RunRequest()], skip_reason="x")


# --------------------------------------------------------------------------- schedules


def test_schedule_definition_defaults():
    s = dg.ScheduleDefinition(job_name="refresh", cron_schedule="0 * * * *")
    assert s.name == "refresh_schedule"
    assert s.job_name == "refresh"
    assert s.default_status == dg.DefaultScheduleStatus.STOPPED
    assert s.execution_timezone is None
    job = dg.define_asset_job("nightly", selection=[orders])
    s2 = dg.ScheduleDefinition(
        job=job, cron_schedule=["0 0 * * *", "0 12 * * 6"], execution_timezone="Europe/Berlin"
    )
    assert (
        s2.name == "nightly_schedule"
        and s2.job is job
        and s2.cron_schedule == ("0 0 * * *", "0 12 * * 6")
    )
    s3 = dg.ScheduleDefinition(name="assets_daily", target=[orders], cron_schedule="@daily")
    assert s3.job_name == "__anonymous_asset_job_assets_daily"


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("0 0 * * 8", "field 5 (day-of-week) '8'"),
        ("61 * * * *", "field 1 (minute) '61'"),
        ("0 25 * * *", "field 2 (hour) '25'"),
        ("0 0 * *", "expected 5 space-separated fields"),
        ("0 0 30 2 *", "February has no day 30"),
    ],
)
def test_invalid_cron_names_string_and_field(cron, fragment):
    with pytest.raises(dg.DagsterInvalidDefinitionError) as e:
        dg.ScheduleDefinition(name="s", job_name="j", cron_schedule=cron)
    assert (
        f"'{cron}'" in str(e.value) and fragment in str(e.value) and "schedule 's'" in str(e.value)
    )


def test_invalid_timezone_and_conflicting_args():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="Mars/Olympus"):
        dg.ScheduleDefinition(
            job_name="j", cron_schedule="@daily", execution_timezone="Mars/Olympus"
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="more than one"):
        dg.ScheduleDefinition(job_name="j", job=dg.define_asset_job("k"), cron_schedule="@daily")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="run_config_fn and run_config"):
        dg.ScheduleDefinition(
            job_name="j", cron_schedule="@daily", run_config={"ops": {}}, run_config_fn=lambda c: {}
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="needs a target"):
        dg.ScheduleDefinition(cron_schedule="@daily")


def test_decorated_schedule_direct_invocation_returns_what_function_returns():
    @dg.schedule(cron_schedule="0 6 * * *", job_name="refresh", execution_timezone="UTC")
    def morning(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        return dg.RunRequest(
            run_key=day, run_config={"ops": {"load": {"config": {"day": day}}}}, tags={"day": day}
        )

    ctx = dg.build_schedule_context(
        scheduled_execution_time=datetime(2024, 3, 1, 6, tzinfo=timezone.utc)
    )
    r = morning(ctx)
    assert r == dg.RunRequest(
        run_key="2024-03-01",
        run_config={"ops": {"load": {"config": {"day": "2024-03-01"}}}},
        tags={"day": "2024-03-01"},
    )
    data = morning.evaluate_tick(ctx)
    assert data.skip_message is None
    assert data.run_requests[0].tags == {"day": "2024-03-01", "dagster/schedule_name": "morning"}


def test_schedule_dict_return_is_run_config():
    @dg.schedule(cron_schedule="@hourly", job_name="j", tags={"team": "data"})
    def hourly(context):
        return {"ops": {"a": {"config": {"n": 1}}}}

    assert hourly(dg.build_schedule_context()) == {"ops": {"a": {"config": {"n": 1}}}}
    [r] = hourly.evaluate_tick(dg.build_schedule_context()).run_requests
    assert r.run_config == {"ops": {"a": {"config": {"n": 1}}}} and r.run_key is None
    assert r.tags == {"team": "data", "dagster/schedule_name": "hourly"}


def test_schedule_skip_empty_and_multiple_requests():
    @dg.schedule(cron_schedule="@daily", job_name="j")
    def nothing():
        return None

    assert (
        nothing.evaluate_tick(dg.build_schedule_context()).skip_message
        == "Schedule function returned an empty result"
    )

    @dg.schedule(cron_schedule="@daily", job_name="j")
    def parts(context):
        for p in ["a", "b"]:
            yield dg.RunRequest(run_key=p, partition_key=p)

    reqs = parts.evaluate_tick(dg.build_schedule_context()).run_requests
    assert [(r.run_key, r.partition_key, r.tags["dagster/partition"]) for r in reqs] == [
        ("a", "a", "a"),
        ("b", "b", "b"),
    ]

    @dg.schedule(cron_schedule="@daily", job_name="j")
    def no_keys(context):
        return [dg.RunRequest(), dg.RunRequest()]

    with pytest.raises(dg.DagsterInvariantViolationError, match="run_key"):
        no_keys.evaluate_tick(dg.build_schedule_context())

    @dg.schedule(cron_schedule="@daily", job_name="j", should_execute=lambda ctx: False)
    def never(context):
        return {}

    assert (
        never.evaluate_tick(dg.build_schedule_context()).skip_message
        == "should_execute function for never returned false."
    )


def test_non_decorated_schedule_run_config_fn_and_tags_fn():
    s = dg.ScheduleDefinition(
        job_name="j",
        cron_schedule="0 0 * * *",
        run_config_fn=lambda ctx: {
            "ops": {"x": {"config": {"t": ctx.scheduled_execution_time.day}}}
        },
        tags_fn=lambda ctx: {"day": str(ctx.scheduled_execution_time.day)},
    )
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2024, 5, 7))
    [r] = s.evaluate_tick(ctx).run_requests
    assert r.run_config == {"ops": {"x": {"config": {"t": 7}}}}
    assert r.tags == {"day": "7", "dagster/schedule_name": "j_schedule"}
    with pytest.raises(dg.DagsterInvalidInvocationError):
        s(ctx)


def test_schedule_resources():
    class Greeter(dg.ConfigurableResource):
        word: str

    @dg.schedule(cron_schedule="@daily", job_name="j")
    def greet(context, greeter: Greeter):
        return dg.RunRequest(run_key=greeter.word)

    assert greet.required_resource_keys == {"greeter"}
    assert (
        greet(dg.build_schedule_context(resources={"greeter": Greeter(word="hi")})).run_key == "hi"
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="greeter"):
        greet(dg.build_schedule_context())


def test_schedule_context_without_time_raises():
    with pytest.raises(dg.DagsterInvariantViolationError, match="scheduled_execution_time"):
        _ = dg.build_schedule_context().scheduled_execution_time


# --------------------------------------------------------------------------- sensors


def test_sensor_defaults():
    @dg.sensor(job_name="ingest")
    def watch(context):
        return None

    assert watch.name == "watch" and watch.minimum_interval_seconds == 30
    assert watch.default_status == dg.DefaultSensorStatus.STOPPED and watch.job_name == "ingest"

    @dg.sensor(
        name="w2",
        minimum_interval_seconds=5,
        default_status=dg.DefaultSensorStatus.RUNNING,
        target=[orders],
    )
    def other():
        return None

    assert (other.name, other.minimum_interval_seconds, other.default_status.value) == (
        "w2",
        5,
        "RUNNING",
    )
    assert other.job_name == "__anonymous_asset_job_w2"


def test_sensor_cursor_and_run_requests():
    @dg.sensor(job_name="ingest")
    def files(context: dg.SensorEvaluationContext):
        seen = int(context.cursor or 0)
        for i in range(seen, seen + 2):
            yield dg.RunRequest(run_key=f"f{i}", run_config={"ops": {"load": {"config": {"i": i}}}})
        context.update_cursor(str(seen + 2))

    ctx = dg.build_sensor_context(cursor="3")
    reqs = list(files(ctx))
    assert [r.run_key for r in reqs] == ["f3", "f4"] and reqs[1].run_config == {
        "ops": {"load": {"config": {"i": 4}}}
    }
    assert ctx.cursor == "5"
    data = files.evaluate_tick(dg.build_sensor_context(cursor="5"))
    assert [r.run_key for r in data.run_requests] == ["f5", "f6"] and data.cursor == "7"
    assert data.run_requests[0].tags == {"dagster/sensor_name": "files"}


def test_sensor_result_cursor_and_errors():
    @dg.sensor(job_name="j")
    def with_result(context):
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key="a")], cursor="a")

    data = with_result.evaluate_tick(dg.build_sensor_context())
    assert data.cursor == "a" and [r.run_key for r in data.run_requests] == ["a"]

    @dg.sensor(job_name="j")
    def both(context):
        context.update_cursor("x")
        return dg.SensorResult(cursor="y")

    with pytest.raises(dg.DagsterInvariantViolationError, match="update_cursor"):
        both.evaluate_tick(dg.build_sensor_context())

    @dg.sensor(job_name="j")
    def mixed():
        return [dg.RunRequest(run_key="a"), dg.SkipReason("no")]

    with pytest.raises(dg.DagsterInvariantViolationError, match="both"):
        mixed.evaluate_tick(dg.build_sensor_context())

    @dg.sensor(job_name="j")
    def skip():
        return dg.SkipReason("nothing new")

    assert skip.evaluate_tick(dg.build_sensor_context()).skip_message == "nothing new"
    assert skip() == dg.SkipReason("nothing new")


def test_sensor_with_multiple_jobs_needs_job_name():
    a, b = dg.define_asset_job("a"), dg.define_asset_job("b")

    @dg.sensor(jobs=[a, b])
    def s():
        return dg.RunRequest(run_key="x")

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="job_name"):
        s.evaluate_tick(dg.build_sensor_context())

    @dg.sensor(jobs=[a, b])
    def t():
        return dg.RunRequest(run_key="x", job_name="b")

    assert t.evaluate_tick(dg.build_sensor_context()).run_requests[0].job_name == "b"


def test_sensor_invocation_checks_context_type():
    @dg.sensor(job_name="j")
    def s(context):
        return None

    with pytest.raises(dg.DagsterInvalidInvocationError):
        s(dg.build_schedule_context())


def test_asset_sensor_reads_latest_materialization():
    inst = dg.DagsterInstance.ephemeral()

    @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job_name="report")
    def on_orders(context, asset_event):
        return dg.RunRequest(
            run_key=context.cursor,
            tags={"asset": asset_event.dagster_event.asset_key.to_user_string()},
        )

    assert isinstance(on_orders, dg.AssetSensorDefinition) and on_orders.asset_key == dg.AssetKey(
        "orders"
    )
    first = on_orders.evaluate_tick(dg.build_sensor_context(instance=inst))
    assert first.run_requests == [] and "No new materialization events" in first.skip_message
    dg.materialize([orders], instance=inst)
    data = on_orders.evaluate_tick(dg.build_sensor_context(instance=inst))
    [r] = data.run_requests
    assert r.tags["asset"] == "orders" and data.cursor is not None and int(data.cursor) > 0
    again = on_orders.evaluate_tick(dg.build_sensor_context(instance=inst, cursor=data.cursor))
    assert again.run_requests == [] and again.cursor == data.cursor


# --------------------------------------------------------------------------- Definitions


def test_definitions_accept_and_resolve_schedules_and_sensors():
    job = dg.define_asset_job("orders_job", selection=[orders])
    sched = dg.ScheduleDefinition(job_name="orders_job", cron_schedule="@daily")

    @dg.sensor(job=job)
    def watch():
        return None

    defs = dg.Definitions(assets=[orders], jobs=[job], schedules=[sched], sensors=[watch])
    assert defs.resolve_schedule_def("orders_job_schedule") is sched
    assert defs.resolve_sensor_def("watch") is watch
    with pytest.raises(dg.DagsterInvariantViolationError, match="Did you mean"):
        defs.resolve_sensor_def("wach")


def test_definitions_reject_unknown_job_name_with_suggestion():
    job = dg.define_asset_job("orders_job", selection=[orders])
    with pytest.raises(dg.DagsterInvalidDefinitionError) as e:
        dg.Definitions.validate_loadable(
            dg.Definitions(
                assets=[orders],
                jobs=[job],
                schedules=[dg.ScheduleDefinition(job_name="order_job", cron_schedule="@daily")],
            )
        )
    assert 'targets job "order_job"' in str(e.value) and "Did you mean 'orders_job'?" in str(
        e.value
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="SensorDefinition"):
        dg.Definitions.validate_loadable(
            dg.Definitions(
                sensors=[dg.SensorDefinition(name="s", evaluation_fn=lambda: None, job_name="nope")]
            )
        )
    # A schedule holding its job object brings the job along.
    dg.Definitions.validate_loadable(
        dg.Definitions(
            assets=[orders], schedules=[dg.ScheduleDefinition(job=job, cron_schedule="@daily")]
        )
    )


def test_import_stays_light():
    import subprocess
    import sys

    code = "import sys, dagster_nb; print('croniter' in sys.modules, 'dagster_nb._automation' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
