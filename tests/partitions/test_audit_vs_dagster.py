"""Audit against real Dagster: cases where dagster_nb differed, each run in both libraries."""

import pytest

import dagster_nb as nb

dagster = pytest.importorskip("dagster")
pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]


def outcome(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        return type(exc).__name__


# ---- asset jobs: the partitions of the selected assets are checked when the job resolves ----
def _job_defs(dg, job_kwargs):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
    static = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=daily, group_name="days")
    def by_day(context):
        return context.partition_key

    @dg.asset(partitions_def=static, group_name="letters")
    def by_letter(context):
        return context.partition_key

    @dg.asset(group_name="plain")
    def plain():
        return 1

    kwargs = job_kwargs(dg, daily, static)
    return dg.Definitions(
        assets=[by_day, by_letter, plain], jobs=[dg.define_asset_job("j", **kwargs)]
    )


JOBS = {
    "job-pdef-differs-from-assets": lambda dg, d, s: {
        "selection": "group:days",
        "partitions_def": s,
    },
    "job-pdef-equal-not-same-object": lambda dg, d, s: {
        "selection": "group:days",
        "partitions_def": dg.DailyPartitionsDefinition(
            start_date="2024-01-01", end_date="2024-01-05"
        ),
    },
    "job-pdef-same-start-other-end": lambda dg, d, s: {
        "selection": "group:days",
        "partitions_def": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
    },
    "two-pdefs-selected": lambda dg, d, s: {"selection": "group:days or group:letters"},
    "no-selection-two-pdefs": lambda dg, d, s: {},
    "pdef-on-unpartitioned-assets": lambda dg, d, s: {
        "selection": "group:plain",
        "partitions_def": s,
    },
    "inferred": lambda dg, d, s: {"selection": "group:days or group:plain"},
}


@pytest.mark.parametrize("case", sorted(JOBS))
def test_job_resolution_checks_partitions_like_dagster(case):
    def scenario(dg):
        def resolve():
            job = _job_defs(dg, JOBS[case]).resolve_job_def("j")
            pdef = job.partitions_def
            return "resolved", None if pdef is None else pdef.get_partition_keys()[:2]

        return outcome(resolve)

    theirs, ours = scenario(dagster), scenario(nb)
    assert ours == theirs


def test_job_resolution_error_names_the_assets_and_definitions():
    with pytest.raises(
        nb.DagsterInvalidDefinitionError, match="Failed to resolve asset job j"
    ) as exc:
        _job_defs(nb, JOBS["job-pdef-differs-from-assets"]).resolve_job_def("j")
    assert "by_day" in str(exc.value) and "StaticPartitionsDefinition" in str(exc.value)
    with pytest.raises(
        nb.DagsterInvalidDefinitionError, match="same partitions definitions"
    ) as exc:
        _job_defs(nb, JOBS["two-pdefs-selected"]).resolve_job_def("j")
    assert "by_day" in str(exc.value) and "by_letter" in str(exc.value)


def test_implicit_asset_job_may_mix_partitions_like_dagster():
    def scenario(dg):
        job = _job_defs(
            dg, lambda dg, d, s: {"selection": "group:plain"}
        ).resolve_implicit_global_asset_job_def()
        return job.name, job.partitions_def

    assert scenario(nb) == scenario(dagster) == ("__ASSET_JOB", None)


# ---- backfills: runs cover contiguous ranges of partitions, as Dagster's backfill policy ----
BACKFILLS = [
    ("single_run", ["2024-01-05", "2024-01-01", "2024-01-03", "2024-01-02"]),
    ("single_run", ["2024-01-02", "2024-01-04", "2024-01-06"]),
    ("single_run", ["2024-01-01", "2024-01-02", "2024-01-03"]),
    (
        "multi_run_2",
        [
            "2024-01-01",
            "2024-01-02",
            "2024-01-03",
            "2024-01-05",
            "2024-01-06",
            "2024-01-07",
            "2024-01-09",
        ],
    ),
    ("multi_run_3", ["2024-01-09", "2024-01-08", "2024-01-01", "2024-01-02"]),
]


def _policy(dg, name):
    return (
        dg.BackfillPolicy.single_run()
        if name == "single_run"
        else dg.BackfillPolicy.multi_run(int(name[-1]))
    )


def _dagster_run_ranges(policy_name, keys):
    from dagster._core.definitions.automation_tick_evaluation_context import (
        build_run_requests_with_backfill_policies,
    )
    from dagster._core.definitions.events import AssetKeyPartitionKey

    daily = dagster.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10")

    @dagster.asset(partitions_def=daily, backfill_policy=_policy(dagster, policy_name))
    def raw():
        return 1

    graph = dagster.Definitions(assets=[raw]).resolve_asset_graph()
    requests = build_run_requests_with_backfill_policies(
        [AssetKeyPartitionKey(raw.key, k) for k in keys], graph, dagster.DagsterInstance.ephemeral()
    )
    return sorted(
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        if "dagster/asset_partition_range_start" in r.tags
        else (r.partition_key, r.partition_key)
        for r in requests
    )


@pytest.mark.parametrize(("policy_name", "keys"), BACKFILLS)
def test_backfill_runs_cover_contiguous_ranges_like_dagster(policy_name, keys):
    from dagster_nb._execution.backfill import run_backfill

    daily = nb.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10")
    seen = []

    @nb.asset(partitions_def=daily, backfill_policy=_policy(nb, policy_name))
    def raw(context):
        seen.append(list(context.partition_keys))
        r = context.partition_key_range
        assert (r.start, r.end) == (context.partition_keys[0], context.partition_keys[-1])
        return {k: k for k in context.partition_keys}

    instance = nb.DagsterInstance.ephemeral()
    result = run_backfill(nb.Definitions(assets=[raw]).resolved, raw.keys, keys, instance=instance)
    assert result.success
    ours = sorted((run[0], run[-1]) for run in seen)
    assert ours == _dagster_run_ranges(policy_name, keys)
    for run in seen:  # each run is a contiguous, ordered range
        assert run == daily.get_partition_keys_in_range(nb.PartitionKeyRange(run[0], run[-1]))
    assert sorted(instance.get_materialized_partitions("raw")) == sorted(set(keys))


# ---- cron macros (@daily, ...) are cron schedules, as in Dagster (croniter's macros) ----
MACROS = [
    ("@daily", "%Y-%m-%d", "UTC"),
    ("@midnight", "%Y-%m-%d", "Europe/Berlin"),
    ("@DAILY", "%Y-%m-%d", "UTC"),
    ("@weekly", "%Y-%m-%d", "America/New_York"),
    ("@monthly", "%Y-%m-%d", "UTC"),
    ("@yearly", "%Y-%m-%d", "UTC"),
    ("@annually", "%Y-%m-%d", "UTC"),
    ("@hourly", "%Y-%m-%d-%H:%M", "America/New_York"),
]


@pytest.mark.parametrize(("cron", "fmt", "tz"), MACROS)
def test_cron_macros_like_dagster(cron, fmt, tz):
    start, end = (
        ("2024-11-02-00:00", "2024-11-04-00:00") if "%H" in fmt else ("2023-01-01", "2025-03-01")
    )

    def scenario(dg):
        p = dg.TimeWindowPartitionsDefinition(
            cron_schedule=cron, start=start, end=end, fmt=fmt, timezone=tz
        )
        keys = p.get_partition_keys()
        windows = [
            (w.start.isoformat(), w.end.isoformat())
            for w in map(p.time_window_for_partition_key, keys)
        ]
        return repr(p), str(p), p.cron_schedule, p.schedule_type, keys, windows

    assert scenario(nb) == scenario(dagster)


@pytest.mark.parametrize("cron", ["@reboot", "@every", "@dayly"])
def test_unknown_cron_macro_is_invalid_cron_like_dagster(cron):
    def scenario(dg):
        return outcome(
            lambda: dg.TimeWindowPartitionsDefinition(
                cron_schedule=cron, start="2024-01-01", fmt="%Y-%m-%d"
            )
        )

    assert scenario(nb) == scenario(dagster) == "DagsterInvalidDefinitionError"
    with pytest.raises(nb.DagsterInvalidDefinitionError, match="@daily"):  # ours lists the macros
        nb.TimeWindowPartitionsDefinition(cron_schedule=cron, start="2024-01-01", fmt="%Y-%m-%d")


# ---- SpecificPartitionsPartitionMapping naming a key its static upstream lacks ----
def test_specific_mapping_to_missing_static_key_is_refused_before_running():
    """Dagster accepts the definitions and the run fails loading 'q'; we never ran silently on
    the keys that exist ('a' alone, as one value) and now refuse at definition time."""

    def scenario(dg):
        @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
        def up(context):
            return context.partition_key

        @dg.asset(
            ins={
                "up": dg.AssetIn(
                    partition_mapping=dg.SpecificPartitionsPartitionMapping(["a", "q"])
                )
            }
        )
        def down(up):
            return up

        instance = dg.DagsterInstance.ephemeral()
        for k in ("a", "b"):
            dg.materialize([up], partition_key=k, instance=instance)

        def run():
            r = dg.materialize(
                [up, down], selection=[down], instance=instance, raise_on_error=False
            )
            return r.success

        return outcome(run), instance.get_latest_materialization_event(dg.AssetKey("down"))

    (theirs, _), (ours, ours_event) = scenario(dagster), scenario(nb)
    assert theirs is False  # Dagster: the run fails
    assert ours == "DagsterInvalidDefinitionError" and ours_event is None
    with pytest.raises(nb.DagsterInvalidDefinitionError, match=r"\['q'\]; its keys are 'a', 'b'"):
        nb.SpecificPartitionsPartitionMapping(["a", "q"]).validate_partition_mapping(
            nb.StaticPartitionsDefinition(["a", "b"]), None
        )


# ---- partition mappings: repr, fields and description as Dagster's ----
MAPPING_OBJECTS = [
    lambda dg: dg.IdentityPartitionMapping(),
    lambda dg: dg.AllPartitionMapping(),
    lambda dg: dg.LastPartitionMapping(),
    lambda dg: dg.SpecificPartitionsPartitionMapping(["b", "a"]),
    lambda dg: dg.StaticPartitionMapping({"a": "x", "b": ["x", "y"]}),
    lambda dg: dg.TimeWindowPartitionMapping(),
    lambda dg: dg.TimeWindowPartitionMapping(start_offset=-2, end_offset=1),
    lambda dg: dg.MultiToSingleDimensionPartitionMapping("date"),
    lambda dg: dg.MultiPartitionMapping(
        {
            "abc": dg.DimensionPartitionMapping("123", dg.IdentityPartitionMapping()),
            "week": dg.DimensionPartitionMapping("day", dg.TimeWindowPartitionMapping(-1, -1)),
        }
    ),
]


@pytest.mark.parametrize("make", MAPPING_OBJECTS)
def test_mapping_repr_and_description_like_dagster(make):
    def scenario(dg):
        m = make(dg)
        return repr(m), m.description, m == make(dg), getattr(m, "partition_keys", None)

    assert scenario(nb) == scenario(dagster)


# ---- TimeWindowPartitionsDefinition.get_cron_schedule (public in Dagster) ----
CRON_CASES = [
    ("DailyPartitionsDefinition", {"start_date": "2024-01-01", "hour_offset": 3}, {}),
    (
        "DailyPartitionsDefinition",
        {"start_date": "2024-01-01", "hour_offset": 3},
        {"minute_of_hour": 5, "hour_of_day": 7},
    ),
    ("DailyPartitionsDefinition", {"start_date": "2024-01-01"}, {"day_of_week": 2}),
    (
        "HourlyPartitionsDefinition",
        {"start_date": "2024-01-01-00:00", "minute_offset": 15},
        {"minute_of_hour": 5},
    ),
    ("HourlyPartitionsDefinition", {"start_date": "2024-01-01-00:00"}, {"hour_of_day": 5}),
    (
        "WeeklyPartitionsDefinition",
        {"start_date": "2024-01-01", "day_offset": 2},
        {"hour_of_day": 6},
    ),
    ("WeeklyPartitionsDefinition", {"start_date": "2024-01-01"}, {"day_of_week": 3}),
    (
        "MonthlyPartitionsDefinition",
        {"start_date": "2024-01-01"},
        {"day_of_month": 3, "minute_of_hour": 30},
    ),
    (
        "MonthlyPartitionsDefinition",
        {"start_date": "2024-01-01", "day_offset": 5},
        {"hour_of_day": 1},
    ),
    (
        "TimeWindowPartitionsDefinition",
        {"start": "2024-01-01", "fmt": "%Y-%m-%d", "cron_schedule": "0 0 */2 * *"},
        {},
    ),
    (
        "TimeWindowPartitionsDefinition",
        {"start": "2024-01-01", "fmt": "%Y-%m-%d", "cron_schedule": "0 0 */2 * *"},
        {"hour_of_day": 1},
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "args"), CRON_CASES)
def test_get_cron_schedule_like_dagster(name, kwargs, args):
    def scenario(dg):
        return outcome(lambda: getattr(dg, name)(**kwargs).get_cron_schedule(**args))

    theirs, ours = scenario(dagster), scenario(nb)
    if theirs == "CheckError":  # Dagster's internal invariant class: ours is a DagsterError
        assert ours == "DagsterInvalidInvocationError"
    else:
        assert ours == theirs


# ---- bad input to the partitions API: ours is also an instance of what Dagster raises ----
BAD_INPUT = {
    "unknown timezone": lambda dg: dg.DailyPartitionsDefinition("2024-01-01", timezone="Mars/Base"),
    "start in another format": lambda dg: dg.DailyPartitionsDefinition("01/02/2024"),
    "window of a malformed key": lambda dg: dg.DailyPartitionsDefinition(
        "2024-01-01"
    ).time_window_for_partition_key("2024-13-45"),
    "start of a non-key": lambda dg: dg.DailyPartitionsDefinition(
        "2024-01-01"
    ).start_time_for_partition_key("nope"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_partition_input_is_catchable_as_dagsters_exception(case):
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - the class is what is compared
        BAD_INPUT[case](dagster)
    assert type(theirs.value).__module__ in ("builtins", "zoneinfo._common", "zoneinfo")
    with pytest.raises(type(theirs.value)) as ours:
        BAD_INPUT[case](nb)
    assert isinstance(ours.value, nb.DagsterError)  # and ours names the value and the fix
    bad = {
        "unknown timezone": "Mars/Base",
        "start in another format": "01/02/2024",
        "window of a malformed key": "2024-13-45",
        "start of a non-key": "nope",
    }[case]
    assert bad in str(ours.value) and "expected" in str(ours.value).lower()
