"""The same user code on real Dagster and on dagster_nb gives the same definitions and results."""

from datetime import datetime, timedelta, timezone

import pytest

import dagster_nb

pytestmark = pytest.mark.dagster
dagster = pytest.importorskip("dagster")

MODULES = [pytest.param(dagster_nb, id="nb"), pytest.param(dagster, id="dagster")]


def _req(r):
    return (
        r.run_key,
        dict(r.run_config),
        dict(r.tags),
        r.job_name,
        r.partition_key,
        r.stale_assets_only,
    )


def _user_code(dg):
    """User code written once, for `import dagster as dg` / `import dagster_nb as dg`."""

    @dg.asset
    def orders():
        return 1

    job = dg.define_asset_job("orders_job", selection=[orders])

    @dg.schedule(
        cron_schedule="0 6 * * *",
        job=job,
        execution_timezone="Europe/Berlin",
        tags={"team": "data"},
    )
    def morning(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        return dg.RunRequest(
            run_key=day, run_config={"ops": {"orders": {"config": {"day": day}}}}, partition_key=day
        )

    @dg.schedule(cron_schedule="@hourly", job_name="orders_job")
    def as_config(context):
        return {"ops": {"orders": {"config": {"n": 1}}}}

    @dg.schedule(cron_schedule="@daily", job_name="orders_job")
    def several(context):
        yield dg.RunRequest(run_key="a", tags={"n": "1"})
        yield dg.RunRequest(run_key="b", tags={"n": "2"})

    @dg.schedule(cron_schedule="@daily", job_name="orders_job", should_execute=lambda ctx: False)
    def never(context):
        return {}

    @dg.schedule(cron_schedule="@daily", job_name="orders_job")
    def empty(context):
        return None

    plain = dg.ScheduleDefinition(
        job=job,
        cron_schedule="0 0 * * *",
        run_config={"ops": {"orders": {"config": {"x": 1}}}},
        tags={"k": "v"},
    )

    @dg.sensor(job=job)
    def files(context: dg.SensorEvaluationContext):
        seen = int(context.cursor or 0)
        for i in range(seen, seen + 2):
            yield dg.RunRequest(
                run_key=f"f{i}", run_config={"ops": {"orders": {"config": {"i": i}}}}
            )
        context.update_cursor(str(seen + 2))

    @dg.sensor(
        job_name="orders_job",
        minimum_interval_seconds=120,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def result_sensor(context):
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key="r", tags={"t": "1"})], cursor="next"
        )

    @dg.sensor(job_name="orders_job")
    def skipper():
        return dg.SkipReason("nothing new")

    return dict(
        orders=orders,
        job=job,
        morning=morning,
        as_config=as_config,
        several=several,
        never=never,
        empty=empty,
        plain=plain,
        files=files,
        result_sensor=result_sensor,
        skipper=skipper,
    )


def _both():
    return _user_code(dagster_nb), _user_code(dagster)


def test_default_names_statuses_intervals():
    nb, dg = _both()
    for key in ["morning", "as_config", "plain"]:
        a, b = nb[key], dg[key]
        assert (a.name, a.job_name, a.default_status.value, a.execution_timezone) == (
            b.name,
            b.job_name,
            b.default_status.value,
            b.execution_timezone,
        )
    assert nb["plain"].name == "orders_job_schedule"
    for key in ["files", "result_sensor", "skipper"]:
        a, b = nb[key], dg[key]
        assert (a.name, a.job_name, a.minimum_interval_seconds, a.default_status.value) == (
            b.name,
            b.job_name,
            b.minimum_interval_seconds,
            b.default_status.value,
        )
    assert nb["files"].minimum_interval_seconds == 30


def test_schedule_direct_invocation_and_ticks_match():
    when = datetime(2024, 3, 1, 6, tzinfo=timezone.utc)
    nb, dg = _both()
    a = nb["morning"](dagster_nb.build_schedule_context(scheduled_execution_time=when))
    b = dg["morning"](dagster.build_schedule_context(scheduled_execution_time=when))
    assert _req(a) == _req(b)
    assert nb["as_config"](dagster_nb.build_schedule_context()) == dg["as_config"](
        dagster.build_schedule_context()
    )
    for key in ["as_config", "several", "never", "empty", "plain"]:
        ta = nb[key].evaluate_tick(dagster_nb.build_schedule_context(scheduled_execution_time=when))
        tb = dg[key].evaluate_tick(dagster.build_schedule_context(scheduled_execution_time=when))
        assert [_req(r) for r in ta.run_requests] == [_req(r) for r in tb.run_requests], key
        assert ta.skip_message == tb.skip_message, key


def test_sensor_direct_invocation_and_ticks_match():
    nb, dg = _both()
    ca, cb = dagster_nb.build_sensor_context(cursor="3"), dagster.build_sensor_context(cursor="3")
    assert [_req(r) for r in nb["files"](ca)] == [_req(r) for r in dg["files"](cb)]
    assert ca.cursor == cb.cursor == "5"
    for key in ["files", "result_sensor", "skipper"]:
        ta = nb[key].evaluate_tick(dagster_nb.build_sensor_context(cursor="1"))
        tb = dg[key].evaluate_tick(dagster.build_sensor_context(cursor="1"))
        assert [_req(r) for r in ta.run_requests] == [_req(r) for r in tb.run_requests], key
        assert (ta.skip_message, ta.cursor) == (tb.skip_message, tb.cursor), key
    ra = nb["result_sensor"](dagster_nb.build_sensor_context())
    rb = dg["result_sensor"](dagster.build_sensor_context())
    assert (ra.cursor, [_req(r) for r in ra.run_requests]) == (
        rb.cursor,
        [_req(r) for r in rb.run_requests],
    )


def test_run_request_values_match():
    for kwargs in [
        {},
        {"run_key": "k", "run_config": {"ops": {}}, "tags": {"a": "b"}},
        {"run_key": "k", "tags": {"n": 1}, "partition_key": "p", "job_name": "j"},
    ]:
        assert _req(dagster_nb.RunRequest(**kwargs)) == _req(dagster.RunRequest(**kwargs))
    assert dagster_nb.SkipReason("x").skip_message == dagster.SkipReason("x").skip_message


def _conditions(dg):
    AC = dg.AutomationCondition
    return [
        AC.eager(),
        AC.on_cron("0 * * * *"),
        AC.on_cron("0 6 * * 1", "Europe/Berlin"),
        AC.on_missing(),
        AC.missing(),
        AC.in_progress(),
        AC.newly_updated(),
        AC.newly_requested(),
        AC.code_version_changed(),
        AC.data_version_changed(),
        AC.any_deps_updated(),
        AC.any_deps_missing(),
        AC.any_deps_in_progress(),
        AC.all_deps_updated_since_cron("0 0 * * *"),
        AC.cron_tick_passed("0 0 * * *"),
        AC.in_latest_time_window(),
        AC.will_be_requested(),
        AC.initial_evaluation(),
        AC.execution_failed(),
        AC.any_downstream_conditions(),
        AC.asset_matches("a", AC.missing()),
        AC.missing() & AC.in_progress() & AC.newly_updated(),
        (AC.missing() | AC.newly_updated()).with_label("gap") | AC.code_version_changed(),
        ~AC.missing(),
        AC.newly_requested().since(AC.newly_updated()),
        AC.missing().since_last_handled(),
        AC.missing().newly_true(),
        AC.eager().with_label("custom"),
        AC.eager() & ~AC.any_deps_missing(),
        AC.eager().replace("in_progress", AC.missing()),
    ]


def test_condition_labels_names_and_str_match():
    for a, b in zip(_conditions(dagster_nb), _conditions(dagster), strict=True):
        assert a.get_label() == b.get_label()
        assert str(a) == str(b)
        assert a.name == b.name
        assert a.description == b.description
        assert len(a.children) == len(b.children)


def test_condition_equality_matches():
    for mod in (dagster_nb, dagster):
        AC = mod.AutomationCondition
        assert AC.eager() == AC.eager()
        assert AC.on_cron("0 * * * *") != AC.on_cron("0 0 * * *")
        assert AC.missing().with_label("x") != AC.missing()


def _rules(mod):
    R = mod.AutoMaterializeRule
    P = mod.AutoMaterializePolicy
    return {
        "eager": P.eager(),
        "lazy": P.lazy(),
        "with_cron": P.eager().with_rules(
            R.materialize_on_cron("0 * * * *"), R.skip_on_run_in_progress()
        ),
        "without": P.eager().without_rules(R.materialize_on_missing()),
        "replaced": P.eager().with_rules(R.skip_on_backfill_in_progress(all_partitions=True)),
        "not_all": P.lazy().with_rules(
            R.skip_on_not_all_parents_updated(True),
            R.skip_on_not_all_parents_updated_since_cron("0 0 * * *"),
        ),
    }


@pytest.mark.filterwarnings("ignore")
def test_auto_materialize_policy_rule_sets_match():
    a, b = _rules(dagster_nb), _rules(dagster)
    for key in a:
        assert sorted(map(repr, a[key].rules)) == sorted(map(repr, b[key].rules)), key
        assert sorted(r.description for r in a[key].rules) == sorted(
            r.description for r in b[key].rules
        ), key
        assert a[key].max_materializations_per_minute == b[key].max_materializations_per_minute
        assert a[key].policy_type.value == b[key].policy_type.value
        assert str(a[key].to_automation_condition()) == str(b[key].to_automation_condition()), key


def test_freshness_values_match():
    for mod in (dagster_nb, dagster):
        tw = mod.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=2), warn_window=timedelta(hours=1)
        )
        # Dagster stores a SerializableTimeDelta; both expose days/seconds.
        assert (tw.fail_window.days, tw.fail_window.seconds, tw.warn_window.seconds) == (
            0,
            7200,
            3600,
        )
        cron = mod.FreshnessPolicy.cron(
            deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1)
        )
        assert (cron.deadline_cron, cron.timezone) == ("0 9 * * *", "UTC")
        assert repr(mod.LegacyFreshnessPolicy(maximum_lag_minutes=30)) == (
            "LegacyFreshnessPolicy(maximum_lag_minutes=30.0, cron_schedule=None, cron_schedule_timezone=None)"
        )


def test_automation_condition_sensor_defaults_match():
    a = dagster_nb.AutomationConditionSensorDefinition(
        "auto", target=dagster_nb.AssetSelection.all()
    )
    b = dagster.AutomationConditionSensorDefinition("auto", target=dagster.AssetSelection.all())
    assert (a.name, a.minimum_interval_seconds, a.default_status.value) == (
        b.name,
        b.minimum_interval_seconds,
        b.default_status.value,
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda dg: dg.ScheduleDefinition(name="s", job_name="j", cron_schedule="0 0 * * 8"),
        lambda dg: dg.ScheduleDefinition(name="s", job_name="j", cron_schedule="not a cron"),
        lambda dg: dg.ScheduleDefinition(name="s", job_name="j", cron_schedule="0 0 30 2 *"),
        lambda dg: dg.ScheduleDefinition(
            name="s", job_name="j", cron_schedule="@daily", execution_timezone="Mars/X"
        ),
        lambda dg: dg.ScheduleDefinition(
            name="s",
            job_name="j",
            cron_schedule="@daily",
            run_config={"ops": {}},
            run_config_fn=lambda c: {},
        ),
        lambda dg: dg.ScheduleDefinition(
            name="s", job_name="j", cron_schedule="@daily", tags={"a": "b"}, tags_fn=lambda c: {}
        ),
        lambda dg: dg.ScheduleDefinition(
            name="s", job_name="j", job=dg.define_asset_job("k"), cron_schedule="@daily"
        ),
        lambda dg: dg.SensorDefinition(name="s", job_name="j"),
        lambda dg: dg.SensorDefinition(
            name="s", evaluation_fn=lambda: None, job_name="j", job=dg.define_asset_job("k")
        ),
        lambda dg: dg.schedule("0 0 * * *", job_name="j", tags={"a": "b"}, tags_fn=lambda c: {})(
            lambda context: {}
        ),
        lambda dg: dg.LegacyFreshnessPolicy(maximum_lag_minutes=5, cron_schedule="bad"),
        # Definitions are validated when loaded, not when constructed (as in Dagster).
        lambda dg: dg.Definitions.validate_loadable(
            dg.Definitions(
                schedules=[dg.ScheduleDefinition(job_name="missing_job", cron_schedule="@daily")]
            )
        ),
    ],
)
def test_same_invalid_inputs_raise_same_exception_class(build):
    with pytest.raises(Exception) as nb_err:
        build(dagster_nb)
    with pytest.raises(Exception) as dg_err:
        build(dagster)
    assert type(nb_err.value).__name__ == type(dg_err.value).__name__
