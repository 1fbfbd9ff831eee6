"""Backfills (run_backfill) and asset jobs (define_asset_job / Definitions.resolve_job_def)."""

import warnings

import pytest

import dagster_nb as dg
from dagster_nb._execution.backfill import plan_backfill_chunks, run_backfill

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]


@pytest.fixture
def daily():
    return dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")


def _defs(daily, policy=None, fail_on=()):
    calls = []

    @dg.asset(partitions_def=daily, backfill_policy=policy)
    def raw(context):
        calls.append(list(context.partition_keys))
        if context.partition_keys[0] in fail_on:
            raise ValueError(f"bad day {context.partition_keys[0]}")
        return {k: k[-2:] for k in context.partition_keys}

    @dg.asset(partitions_def=daily, backfill_policy=policy)
    def clean(context, raw):
        return raw

    return [raw, clean], calls


def _keys(assets_):
    return {k for a in assets_ for k in a.keys}


def test_backfill_one_run_per_partition(instance, daily):
    assets_, calls = _defs(daily)
    progress, events = [], []
    result = run_backfill(
        dg.Definitions(assets=assets_).resolved,
        _keys(assets_),
        DAYS,
        instance=instance,
        on_progress=lambda i, n, r: progress.append((i, n, r.success)),
        listeners=[lambda e: events.append(e.event_type_value)],
    )
    assert result.success and result.failed_partitions == []
    assert result.succeeded_partitions == DAYS
    assert calls == [[d] for d in DAYS]
    assert len(result.run_ids) == 4 == instance.get_runs_count()
    assert progress == [(1, 4, True), (2, 4, True), (3, 4, True), (4, 4, True)]
    assert events.count("PIPELINE_START") == 4 and events.count("PIPELINE_SUCCESS") == 4
    assert events.count("ASSET_MATERIALIZATION") == 8
    assert sorted(instance.get_materialized_partitions("clean")) == DAYS
    runs = instance.get_runs()
    assert sorted(r.tags["dagster/partition"] for r in runs) == DAYS
    assert len({r.tags["dagster/backfill"] for r in runs}) == 1


def test_backfill_range_single_run_policy(instance, daily):
    assets_, calls = _defs(daily, policy=dg.BackfillPolicy.single_run())
    seen = []

    @dg.asset(partitions_def=daily, backfill_policy=dg.BackfillPolicy.single_run())
    def ranged(context):
        seen.append(
            (
                context.partition_key_range,
                context.partition_time_window.start.day,
                context.partition_time_window.end.day,
            )
        )
        return 1

    result = run_backfill(
        dg.Definitions(assets=[*assets_, ranged]).resolved,
        _keys(assets_) | ranged.keys,
        None,
        partition_key_range=dg.PartitionKeyRange("2024-01-02", "2024-01-04"),
        instance=instance,
    )
    assert result.success
    assert len(result.results) == 1 == instance.get_runs_count()
    assert calls == [["2024-01-02", "2024-01-03", "2024-01-04"]]
    assert seen == [(dg.PartitionKeyRange("2024-01-02", "2024-01-04"), 2, 5)]
    run = instance.get_runs()[0]
    assert run.tags["dagster/asset_partition_range_start"] == "2024-01-02"
    assert run.tags["dagster/asset_partition_range_end"] == "2024-01-04"
    assert sorted(instance.get_materialized_partitions("ranged")) == DAYS[1:]


def test_backfill_multi_run_policy_chunks(instance, daily):
    assets_, calls = _defs(daily, policy=dg.BackfillPolicy.multi_run(3))
    resolved = dg.Definitions(assets=assets_).resolved
    assert plan_backfill_chunks(resolved, _keys(assets_), DAYS) == [tuple(DAYS[:3]), (DAYS[3],)]
    result = run_backfill(resolved, _keys(assets_), DAYS, instance=instance)
    assert result.success and calls == [DAYS[:3], DAYS[3:]]
    assert instance.get_runs_count() == 2


def test_failed_partition_does_not_stop_the_others(instance, daily):
    assets_, calls = _defs(daily, fail_on={"2024-01-02"})
    result = run_backfill(
        dg.Definitions(assets=assets_).resolved, _keys(assets_), DAYS, instance=instance
    )
    assert not result.success
    assert result.failed_partitions == ["2024-01-02"]
    assert result.succeeded_partitions == ["2024-01-01", "2024-01-03", "2024-01-04"]
    assert calls == [[d] for d in DAYS]
    assert instance.get_runs_count() == 4
    statuses = instance.get_asset_partition_statuses("raw")
    assert statuses == {
        "2024-01-01": "MATERIALIZED",
        "2024-01-02": "FAILED",
        "2024-01-03": "MATERIALIZED",
        "2024-01-04": "MATERIALIZED",
    }
    assert instance.get_asset_partition_statuses("clean")["2024-01-02"] == "FAILED"
    assert sorted(instance.get_materialized_partitions("clean")) == [
        "2024-01-01",
        "2024-01-03",
        "2024-01-04",
    ]
    assert result.step_outcomes["raw"] == "FAILURE"
    # a retry of the failed partition repairs the status
    assets2, _ = _defs(daily)
    assert run_backfill(
        dg.Definitions(assets=assets2).resolved, _keys(assets2), ["2024-01-02"], instance=instance
    ).success
    assert set(instance.get_asset_partition_statuses("raw").values()) == {"MATERIALIZED"}


def test_backfill_rejects_unknown_partitions_before_any_run(instance, daily, nothing_written):

    assets_, calls = _defs(daily)
    resolved = dg.Definitions(assets=assets_).resolved
    with pytest.raises(dg.DagsterUnknownPartitionError, match="2024-02-30"):
        run_backfill(resolved, _keys(assets_), ["2024-01-01", "2024-02-30"], instance=instance)
    with pytest.raises(dg.DagsterUnknownPartitionError, match="2023-12-31"):
        run_backfill(
            resolved,
            _keys(assets_),
            None,
            instance=instance,
            partition_key_range=dg.PartitionKeyRange("2023-12-31", "2024-01-02"),
        )
    with pytest.raises(dg.DagsterInvalidInvocationError, match="names no partitions"):
        run_backfill(resolved, _keys(assets_), [], instance=instance)
    assert calls == []
    nothing_written(instance)


# --------------------------------------------------------------------------- jobs


def _job_defs(daily):
    @dg.asset(partitions_def=daily, group_name="sales")
    def orders(context):
        return f"orders {context.partition_key}"

    @dg.asset(partitions_def=daily, group_name="sales")
    def revenue(context, orders):
        return orders.upper()

    class Cfg(dg.Config):
        factor: int = 1

    @dg.asset(group_name="ops")
    def settings(config: Cfg):
        return config.factor

    job = dg.define_asset_job(
        "daily_sales",
        selection="group:sales",
        partitions_def=daily,
        tags={"team": "bi"},
        description="Sales, by day",
    )
    cfg_job = dg.define_asset_job(
        "settings_job",
        selection=dg.AssetSelection.assets("settings"),
        config={"ops": {"settings": {"config": {"factor": 3}}}},
    )
    return dg.Definitions(assets=[orders, revenue, settings], jobs=[job, cfg_job])


def test_job_execute_in_process_with_partition_and_tags(instance, daily):
    defs = _job_defs(daily)
    job = defs.resolve_job_def("daily_sales")
    assert job.name == "daily_sales"
    assert job.description == "Sales, by day"
    assert job.tags == {"team": "bi"}
    assert job.partitions_def == daily
    assert {k.to_user_string() for k in job.asset_selection} == {"orders", "revenue"}
    r = job.execute_in_process(
        partition_key="2024-01-03", instance=instance, tags={"run": "manual"}
    )
    assert r.success
    assert r.output_for_node("revenue") == "ORDERS 2024-01-03"
    assert r.dagster_run.job_name == "daily_sales"
    assert r.dagster_run.tags["team"] == "bi"
    assert r.dagster_run.tags["run"] == "manual"
    assert r.dagster_run.tags["dagster/partition"] == "2024-01-03"
    assert instance.get_materialized_partitions("revenue") == {"2024-01-03"}
    assert not instance.has_asset_key("settings")


def test_job_config_and_run_config(instance, daily):
    defs = _job_defs(daily)
    job = defs.resolve_job_def("settings_job")
    assert job.execute_in_process(instance=instance).output_for_node("settings") == 3
    r = job.execute_in_process(
        instance=instance, run_config=dg.RunConfig(ops={"settings": {"config": {"factor": 7}}})
    )
    assert r.output_for_node("settings") == 7


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("key:revenue", {"revenue"}),
        ("+key:revenue", {"orders", "revenue"}),
        ("group:sales and not key:orders", {"revenue"}),
        ("*revenue", {"orders", "revenue"}),
        (["orders", "revenue"], {"orders", "revenue"}),
        (dg.AssetSelection.groups("sales").downstream(), {"orders", "revenue"}),
    ],
)
def test_job_selection_forms(instance, daily, selection, expected):
    defs = _job_defs(daily)
    defs.resolve_job_def("daily_sales").execute_in_process(
        partition_key="2024-01-01", instance=instance
    )
    merged = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[dg.define_asset_job("j", selection=selection)])
    )
    job = merged.resolve_job_def("j")
    assert {k.to_user_string() for k in job.asset_selection} == expected
    r = job.execute_in_process(partition_key="2024-01-01", instance=instance)
    assert r.success
    mats = [e.asset_key.to_user_string() for e in r.get_asset_materialization_events()]
    assert sorted(mats) == sorted(expected)
    assert r.output_for_node("revenue") == "ORDERS 2024-01-01"


def test_get_job_def_warns_as_dagster_does(daily):
    defs = _job_defs(daily)
    with pytest.warns(UserWarning, match="you must now use Definitions.resolve_job_def"):
        job = defs.get_job_def("daily_sales")
    assert job.name == "daily_sales"


def test_unknown_job_name_suggests(daily):
    defs = _job_defs(daily)
    with pytest.raises(dg.DagsterInvariantViolationError, match="daily_sales"):
        defs.resolve_job_def("daily_sale")


def test_job_rejects_bad_partition_and_unknown_group_without_writing(
    instance, daily, nothing_written
):

    defs = _job_defs(daily)
    job = defs.resolve_job_def("daily_sales")
    with pytest.raises(dg.DagsterUnknownPartitionError, match="2025-01-01"):
        job.execute_in_process(partition_key="2025-01-01", instance=instance)
    with pytest.raises(dg.DagsterInvalidInvocationError, match="partition_key"):
        job.execute_in_process(instance=instance)
    bad = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[dg.define_asset_job("bad", selection="group:sale")])
    )
    with pytest.raises(dg.DagsterInvalidAssetSelectionError, match="sale") as exc:
        bad.resolve_job_def("bad").execute_in_process(instance=instance)
    assert "sales" in str(exc.value)  # did you mean
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nothing_written(instance)


def test_job_name_validation():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not a valid name"):
        dg.define_asset_job("my job")
    with pytest.raises(dg.DagsterInvalidAssetSelectionError):
        dg.define_asset_job("j", selection="key:a and and")


class BigValue:  # stands for a large DataFrame (module level: picklable)
    def __init__(self, day):
        self.day = day


def test_a_backfill_does_not_keep_every_partitions_value_in_memory(instance, daily):
    import gc
    import weakref

    alive = []

    @dg.asset(partitions_def=daily)
    def frame(context):
        v = BigValue(context.partition_key)
        alive.append(weakref.ref(v))
        return v

    result = run_backfill(
        dg.Definitions(assets=[frame]).resolved, {dg.AssetKey("frame")}, DAYS, instance=instance
    )
    assert result.success
    gc.collect()
    assert [r() for r in alive] == [None] * 4  # stored, then let go
    with pytest.raises(dg.DagsterInvariantViolationError, match="load_asset_value"):
        result.results[0].asset_value("frame")
    with dg.Definitions(assets=[frame]).get_asset_value_loader(instance) as loader:
        assert loader.load_asset_value("frame", partition_key=DAYS[2]).day == DAYS[2]
    # one run for the whole range keeps its value, as materialize does
    single = run_backfill(
        dg.Definitions(assets=[frame]).resolved, {dg.AssetKey("frame")}, DAYS[:1], instance=instance
    )
    assert single.results[0].asset_value("frame").day == DAYS[0]
