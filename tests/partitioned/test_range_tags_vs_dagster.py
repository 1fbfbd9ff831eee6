"""Side by side with real Dagster: a run over a partition range given by the
``dagster/asset_partition_range_start`` / ``_end`` tags (Dagster's single-run backfill, run by
hand) through ``execute_in_process`` and ``materialize``: what the asset sees, the
materializations per partition, the run's tags, and the errors for bad tags."""

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402

START, END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def daily_assets(dg, seen, *, policy=True):
    @dg.asset(
        partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-10"),
        backfill_policy=dg.BackfillPolicy.single_run() if policy else None,
    )
    def events(context: dg.AssetExecutionContext) -> None:
        start, end = context.partition_time_window
        try:
            key = context.partition_key
        except dg.DagsterInvariantViolationError as e:
            # Ours names the range in the middle of Dagster's sentence: compare its start.
            key = ("error", str(e)[:70])
        seen.append(
            {
                "range": tuple(context.partition_key_range),
                "keys": list(context.partition_keys),
                "window": (start.isoformat(), end.isoformat()),
                "has_range": context.has_partition_key_range,
                "has_key": context.has_partition_key,
                "key": key,
            }
        )

    return events


def materialized(result):
    # sorted: Dagster's order of a range's materializations follows a set (it varies by run)
    return sorted(
        (m.asset_key.to_user_string(), m.partition)
        for m in (
            e.event_specific_data.materialization for e in result.get_asset_materialization_events()
        )
    )


def partition_tags(result):
    return {
        k: v
        for k, v in result.dagster_run.tags.items()
        if k.startswith("dagster/") and "partition" in k
    }


def run_job(dg, tags, *, policy=True, **kwargs):
    seen = []
    events = daily_assets(dg, seen, policy=policy)
    defs = dg.Definitions(assets=[events], jobs=[dg.define_asset_job("j", [events])])
    result = defs.resolve_job_def("j").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=tags, **kwargs
    )
    return result.success, seen, materialized(result), partition_tags(result)


@pytest.mark.parametrize("policy", [True, False], ids=["single_run", "no_policy"])
@pytest.mark.parametrize(
    "bounds", [("2024-01-02", "2024-01-04"), ("2024-01-05", "2024-01-05")], ids=["range", "one"]
)
def test_job_run_over_range_tags(policy, bounds):
    tags = {START: bounds[0], END: bounds[1], "team": "data"}
    ours, theirs = run_job(dagster_nb, tags, policy=policy), run_job(dagster, tags, policy=policy)
    assert ours == theirs
    success, seen, mats, ptags = ours
    assert success and len(seen) == 1  # one run, one step over the whole range
    assert seen[0]["range"] == bounds
    assert seen[0]["has_range"] is True and seen[0]["has_key"] is False
    assert mats == [("events", k) for k in seen[0]["keys"]]
    assert ptags == {START: bounds[0], END: bounds[1]}  # no dagster/partition, even for one key
    if bounds[0] == bounds[1]:
        assert seen[0]["key"] == bounds[0]
    else:
        assert seen[0]["keys"] == ["2024-01-02", "2024-01-03", "2024-01-04"]
        assert seen[0]["window"] == ("2024-01-02T00:00:00+00:00", "2024-01-05T00:00:00+00:00")
        assert seen[0]["key"][0] == "error"


@pytest.mark.parametrize("fn", ["materialize", "materialize_to_memory"])
def test_materialize_accepts_range_tags(fn):
    def scenario(dg):
        seen = []
        events = daily_assets(dg, seen)
        result = getattr(dg, fn)(
            [events],
            instance=dg.DagsterInstance.ephemeral(),
            tags={START: "2024-01-08", END: "2024-01-09"},
        )
        return seen, materialized(result), partition_tags(result)

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours == theirs
    assert ours[0][0]["keys"] == ["2024-01-08", "2024-01-09"]
    assert ours[1] == [("events", "2024-01-08"), ("events", "2024-01-09")]


def test_static_partitions_and_unpartitioned_assets_under_range_tags():
    def scenario(dg):
        seen = []

        @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y", "z"]))
        def letters(context) -> None:
            seen.append((tuple(context.partition_key_range), list(context.partition_keys)))

        @dg.asset
        def plain() -> None:
            seen.append("plain ran")

        tags = {START: "y", END: "z"}
        r1 = dg.materialize([letters], instance=dg.DagsterInstance.ephemeral(), tags=tags)
        # Range tags on an unpartitioned asset are only tags: the run goes ahead.
        r2 = dg.materialize([plain], instance=dg.DagsterInstance.ephemeral(), tags=tags)
        return seen, materialized(r1), materialized(r2), partition_tags(r2)

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours == theirs
    assert ours[0] == [(("y", "z"), ["y", "z"]), "plain ran"]
    assert ours[2] == [("plain", None)]


def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value).__name__, str(info.value)


@pytest.mark.parametrize(
    "tags, kwargs",
    [
        ({START: "2024-01-02"}, {}),
        ({END: "2024-01-02"}, {}),
        ({START: "2024-01-02", END: "2024-01-04"}, {"partition_key": "2024-01-02"}),
        ({START: "2024-01-02", END: "2024-01-04", "dagster/partition": "2024-01-02"}, {}),
    ],
    ids=["start-only", "end-only", "with-partition_key", "with-partition-tag"],
)
def test_bad_range_tags_raise_dagsters_error(tags, kwargs):
    ours = error_of(lambda: run_job(dagster_nb, tags, **kwargs))
    theirs = error_of(lambda: run_job(dagster, tags, **kwargs))
    assert ours[0] == theirs[0] == "DagsterInvariantViolationError"
    # Dagster's sentence first; ours then says how to fix it.
    assert ours[1].startswith(theirs[1])
    assert len(ours[1]) > len(theirs[1])


def test_materialize_with_partition_key_and_range_tags_raises_dagsters_error():
    def scenario(dg):
        events = daily_assets(dg, [])
        return error_of(
            lambda: dg.materialize(
                [events], partition_key="2024-01-02", tags={START: "2024-01-02", END: "2024-01-03"}
            )
        )

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours[0] == theirs[0] == "DagsterInvariantViolationError"
    assert ours[1].startswith(theirs[1])


def test_an_empty_range_tag_counts_as_missing():
    def scenario(dg):
        @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
        def letters() -> None:
            pass

        return error_of(lambda: dg.materialize([letters], tags={START: "", END: "y"}))

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours[0] == theirs[0] == "DagsterInvariantViolationError"
    assert ours[1].startswith(theirs[1])
    assert "without the other" in theirs[1]


def test_unknown_static_key_in_range_tags_raises_dagsters_error():
    def scenario(dg):
        @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y", "z"]))
        def letters() -> None:
            pass

        return error_of(lambda: dg.materialize([letters], tags={START: "x", END: "q"}))

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours[0] == theirs[0] == "DagsterInvalidInvocationError"
    assert (
        " ".join(theirs[1].split())
        == "Partition range x to q is not a valid range. Nonexistent partition keys: ['q']"
    )
    assert ours[1].startswith(" ".join(theirs[1].split()))


@pytest.mark.parametrize(
    "bounds, needle",
    [
        (("2023-12-30", "2024-01-02"), "Nonexistent partition keys: ['2023-12-30']"),
        (("2024-01-02", "2025-01-01"), "Nonexistent partition keys: ['2025-01-01']"),
        (("not-a-date", "2024-01-02"), "Nonexistent partition keys: ['not-a-date']"),
    ],
)
def test_range_tags_outside_time_partitions_fail_before_the_run(bounds, needle):
    # Dagster fails too (inside the step, or parsing the date); ours refuses before any run
    # starts, naming the key, with the class Dagster uses for static partitions.
    tags = {START: bounds[0], END: bounds[1]}
    theirs = error_of(lambda: run_job(dagster, tags))
    assert theirs[0] in ("CheckError", "ValueError")
    instance = dagster_nb.DagsterInstance.ephemeral()
    events = daily_assets(dagster_nb, [])
    with pytest.raises(dagster_nb.DagsterInvalidInvocationError, match="not a valid range") as info:
        dagster_nb.materialize([events], instance=instance, tags=tags)
    assert needle in str(info.value)
    assert instance.get_runs() == []


def test_reversed_range_tags_are_refused():
    # Dagster runs a reversed range over no partitions at all (one materialization without a
    # partition); refusing it is the one deliberate difference.
    tags = {START: "2024-01-04", END: "2024-01-02"}
    success, seen, mats, _ = run_job(dagster, tags)
    assert success and seen[0]["keys"] == [] and mats == [("events", None)]
    with pytest.raises(dagster_nb.DagsterInvalidInvocationError, match="start comes after its end"):
        run_job(dagster_nb, tags)


def test_range_tags_and_partition_key_range_together_are_refused():
    events = daily_assets(dagster_nb, [])
    with pytest.raises(
        dagster_nb.DagsterInvalidInvocationError, match="names its partitions twice"
    ):
        dagster_nb.materialize(
            [events],
            partition_key_range=dagster_nb.PartitionKeyRange("2024-01-02", "2024-01-03"),
            tags={START: "2024-01-02", END: "2024-01-03"},
        )


@pytest.mark.parametrize(
    "bounds",
    [
        ("2024-01-01|a", "2024-01-02|a"),
        ("2024-01-01|a", "2024-01-01|b"),
        ("2024-01-02|b", "2024-01-02|b"),
    ],
)
def test_multi_partitions_under_range_tags(bounds):
    def scenario(dg):
        seen = []
        mp = dg.MultiPartitionsDefinition(
            {
                "d": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05"),
                "s": dg.StaticPartitionsDefinition(["a", "b"]),
            }
        )

        @dg.asset(partitions_def=mp)
        def grid(context) -> None:
            r = context.partition_key_range
            seen.append(
                (
                    (str(r.start), str(r.end)),
                    type(r.start).__name__,
                    [str(k) for k in context.partition_keys],
                    context.has_partition_key,
                )
            )

        result = dg.materialize([grid], tags={START: bounds[0], END: bounds[1]})
        return seen, [str(p) for _, p in materialized(result)], partition_tags(result)

    ours, theirs = scenario(dagster_nb), scenario(dagster)
    assert ours == theirs
    assert ours[0][0][0] == bounds and ours[0][0][1] == "MultiPartitionKey"
