"""Issue #13, first ten minutes: backfills over partitioned and unpartitioned assets, and
messages that show partitions definitions as a person writes them."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb as dg


def test_backfill_runs_each_unpartitioned_asset_once(shell):
    shell.ok("""
calls = {"orders": 0, "daily_sales": 0, "report": 0}
days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")

@dg.asset
def orders():
    calls["orders"] += 1
    return [1, 2, 3]

@dg.asset(partitions_def=days)
def daily_sales(context, orders):
    calls["daily_sales"] += 1
    return len(orders) + int(context.partition_key[-1])

@dg.asset
def report(daily_sales):
    calls["report"] += 1
    return sorted(daily_sales.items())
""")
    shell.ok("%materialize --partitions 2024-01-01...2024-01-04 --quiet")
    assert shell.ns["calls"] == {"orders": 1, "daily_sales": 4, "report": 1}
    # the run records: one run of orders first, one per partition, one of report last
    recs = list(reversed(shell.ns["dg"].kernel.instance.get_run_records()))
    runs = [
        (
            sorted(k.to_user_string() for k in r.dagster_run.asset_selection),
            r.dagster_run.tags.get("dagster/partition"),
        )
        for r in recs
    ]
    assert runs == [
        (["orders"], None),
        (["daily_sales"], "2024-01-01"),
        (["daily_sales"], "2024-01-02"),
        (["daily_sales"], "2024-01-03"),
        (["daily_sales"], "2024-01-04"),
        (["report"], None),
    ]
    backfills = {r.dagster_run.tags.get("dagster/backfill") for r in recs}
    assert len(backfills) == 1 and None not in backfills  # one backfill, every run tagged
    assert shell.ok("%asset_value report") == [
        ("2024-01-01", 4),
        ("2024-01-02", 5),
        ("2024-01-03", 6),
        ("2024-01-04", 7),
    ]


def test_backfill_stops_before_the_partitions_when_their_unpartitioned_upstream_fails(shell):
    shell.ok("""
days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")
ran = []

@dg.asset
def source_table():
    raise ValueError("warehouse is down")

@dg.asset(partitions_def=days)
def daily(context, source_table):
    ran.append(context.partition_key)
    return 1
""")
    r = shell.run(
        "dg.kernel.materialize(partition_key_range=dg.PartitionKeyRange('2024-01-01', '2024-01-03'), raise_on_error=False)"
    )
    result = r.result
    assert shell.ns["ran"] == []
    assert not result.success
    assert result.failed_partitions == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert len(result.results) == 1  # only the failed run of source_table


def test_missing_partition_message_shows_the_definition_as_written():
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    @dg.asset(partitions_def=days)
    def daily_sales():
        return 1

    with pytest.raises(dg.DagsterInvalidInvocationError) as e:
        dg.materialize([daily_sales])
    msg = str(e.value)
    assert 'DailyPartitionsDefinition(start_date="2024-01-01")' in msg
    assert "1704067200" not in msg
    example = msg.split("partition_key=")[-1].strip(".'")
    # the example key is a real key of the definition, today's last complete day
    assert days.has_partition_key(example)
    assert dt.date.fromisoformat(example) < dt.datetime.now(dt.timezone.utc).date()


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (
            lambda: dg.HourlyPartitionsDefinition(
                start_date="2024-01-01-00:00", timezone="US/Pacific"
            ),
            'HourlyPartitionsDefinition(start_date="2024-01-01-00:00", timezone="US/Pacific")',
        ),
        (
            lambda: dg.WeeklyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-04"),
            'WeeklyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-04")',
        ),
        (
            lambda: dg.DailyPartitionsDefinition(
                start_date="2024-01-01", hour_offset=6, end_offset=1
            ),
            'DailyPartitionsDefinition(start_date="2024-01-01", hour_offset=6, end_offset=1)',
        ),
        (
            lambda: dg.MonthlyPartitionsDefinition(start_date="2024-01-01"),
            'MonthlyPartitionsDefinition(start_date="2024-01-01")',
        ),
        (
            lambda: dg.StaticPartitionsDefinition(["us", "eu"]),
            'StaticPartitionsDefinition(["us", "eu"])',
        ),
    ],
)
def test_two_partitions_definitions_in_one_run_are_named_as_written(make, text):
    other = (
        dg.StaticPartitionsDefinition(["x"])
        if "Static" not in text
        else dg.DailyPartitionsDefinition(start_date="2024-01-01")
    )

    @dg.asset(partitions_def=make())
    def a():
        return 1

    @dg.asset(partitions_def=other)
    def b():
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError) as e:
        dg.materialize([a, b], partition_key="x")
    assert text in str(e.value)
    assert "start=1" not in str(e.value)
