"""Side-by-side: dagster_nb's partitions give the same answers as real Dagster."""

import datetime as dt

import pytest

import dagster_nb as nb

dagster = pytest.importorskip("dagster")
pytestmark = pytest.mark.dagster

NOW = dt.datetime(2025, 3, 31, 5, 17, tzinfo=dt.timezone.utc)

CASES = [
    (
        "HourlyPartitionsDefinition",
        {"start_date": "2024-10-25-00:00", "timezone": "America/New_York"},
    ),
    (
        "HourlyPartitionsDefinition",
        {"start_date": "2024-10-25-00:00", "timezone": "Europe/Berlin", "minute_offset": 30},
    ),
    ("HourlyPartitionsDefinition", {"start_date": "2025-01-01-00:00", "end_offset": 2}),
    ("HourlyPartitionsDefinition", {"start_date": "2025-03-01-00:00", "timezone": "Asia/Kolkata"}),
    (
        "DailyPartitionsDefinition",
        {
            "start_date": "2023-01-01",
            "timezone": "America/New_York",
            "hour_offset": 2,
            "minute_offset": 30,
        },
    ),
    (
        "DailyPartitionsDefinition",
        {"start_date": "2023-01-01", "timezone": "Europe/Berlin", "hour_offset": 2},
    ),
    (
        "DailyPartitionsDefinition",
        {"start_date": "2023-01-01", "timezone": "Australia/Lord_Howe", "hour_offset": 1},
    ),
    ("DailyPartitionsDefinition", {"start_date": "2023-01-01", "end_offset": -3}),
    ("DailyPartitionsDefinition", {"start_date": "2023-01-01", "end_date": "2024-02-01"}),
    (
        "WeeklyPartitionsDefinition",
        {
            "start_date": "2022-01-01",
            "day_offset": 1,
            "hour_offset": 3,
            "timezone": "America/New_York",
        },
    ),
    ("WeeklyPartitionsDefinition", {"start_date": "2022-01-01", "end_offset": 1}),
    (
        "MonthlyPartitionsDefinition",
        {
            "start_date": "2020-01-15",
            "day_offset": 5,
            "hour_offset": 2,
            "timezone": "Europe/Berlin",
        },
    ),
    ("MonthlyPartitionsDefinition", {"start_date": "2020-01-01", "timezone": "America/New_York"}),
]


def both(name, kwargs):
    return getattr(dagster, name)(**kwargs), getattr(nb, name)(**kwargs)


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_keys_windows_and_ranges_match(name, kwargs):
    d, n = both(name, kwargs)
    keys = d.get_partition_keys(current_time=NOW)
    assert n.get_partition_keys(current_time=NOW) == keys
    assert n.get_last_partition_key(current_time=NOW) == d.get_partition_keys(current_time=NOW)[-1]
    assert n.get_num_partitions(current_time=NOW) == len(keys)
    assert repr(n) == repr(d)
    assert n.cron_schedule == d.cron_schedule
    sample = keys[:: max(1, len(keys) // 97)] + keys[-3:]
    for k in sample:
        dw, nw = d.time_window_for_partition_key(k), n.time_window_for_partition_key(k)
        assert (nw.start.timestamp(), nw.end.timestamp()) == (
            dw.start.timestamp(),
            dw.end.timestamp(),
        )
        assert nw.start.utcoffset() == dw.start.utcoffset()
    if len(keys) > 10:
        r = dagster.PartitionKeyRange(keys[3], keys[-4])
        assert n.get_partition_keys_in_range(nb.PartitionKeyRange(*r)) == list(
            d.get_partition_keys_in_range(r)
        )
    for ts in (
        NOW.timestamp() - 86400 * 40 + 123,
        dt.datetime(2024, 11, 3, 6, 30, tzinfo=dt.timezone.utc).timestamp(),
    ):
        if ts > n.start_timestamp:
            assert n.get_partition_key_for_timestamp(ts) == d.get_partition_key_for_timestamp(ts)


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_has_partition_key_matches(name, kwargs):
    from dagster._core.definitions.partitions.context import partition_loading_context

    d, n = both(name, kwargs)
    keys = d.get_partition_keys(current_time=NOW)
    probes = [keys[0], keys[-1], "2024-02-30", "garbage", keys[len(keys) // 2] + "x"]
    with partition_loading_context(effective_dt=NOW):
        for p in probes:
            assert n.has_partition_key(p, current_time=NOW) == d.has_partition_key(p), p


def test_cron_time_window_definition_matches():
    kw = {
        "start": "2024-01-01",
        "fmt": "%Y-%m-%d",
        "cron_schedule": "0 0 */2 * *",
        "timezone": "Europe/Berlin",
    }
    d = dagster.TimeWindowPartitionsDefinition(**kw)
    n = nb.TimeWindowPartitionsDefinition(**kw)
    assert n.get_partition_keys(current_time=NOW) == d.get_partition_keys(current_time=NOW)


def test_multi_keys_match():
    def dims(m):
        return {
            "date": m.DailyPartitionsDefinition("2025-01-01", timezone="America/New_York"),
            "color": m.StaticPartitionsDefinition(["red", "blue", "green"]),
        }

    d, n = dagster.MultiPartitionsDefinition(dims(dagster)), nb.MultiPartitionsDefinition(dims(nb))
    keys = d.get_partition_keys(current_time=NOW)
    got = n.get_partition_keys(current_time=NOW)
    assert got == keys
    assert [k.keys_by_dimension for k in got[:5]] == [k.keys_by_dimension for k in keys[:5]]
    r = dagster.PartitionKeyRange("red|2025-01-03", "blue|2025-01-05")
    assert n.get_partition_keys_in_range(nb.PartitionKeyRange(*r), current_time=NOW) == list(
        d.get_partition_keys_in_range(r)
    )
    assert n.time_window_for_partition_key("red|2025-01-03") == d.time_window_for_partition_key(
        "red|2025-01-03"
    )


def _upstream(m, mapping, down, up, keys):
    from dagster._core.definitions.partitions.context import partition_loading_context

    with partition_loading_context(effective_dt=NOW):
        sub = down.empty_subset().with_partition_keys(keys) if keys is not None else None
        r = mapping.get_upstream_mapped_partitions_result_for_partitions(
            sub, down, up, current_time=NOW
        )
        return sorted(r.partitions_subset.get_partition_keys()), sorted(
            r.required_but_nonexistent_partition_keys
        )


def _downstream(mapping, up, down, keys):
    from dagster._core.definitions.partitions.context import partition_loading_context

    with partition_loading_context(effective_dt=NOW):
        sub = up.empty_subset().with_partition_keys(keys)
        return sorted(
            mapping.get_downstream_partitions_for_partitions(
                sub, up, down, current_time=NOW
            ).get_partition_keys()
        )


MAPPING_CASES = [
    (
        "TimeWindowPartitionMapping",
        {},
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        lambda m: m.HourlyPartitionsDefinition("2025-01-01-00:00"),
        ["2025-01-02", "2025-01-03"],
    ),
    (
        "TimeWindowPartitionMapping",
        {},
        lambda m: m.HourlyPartitionsDefinition("2025-01-01-00:00"),
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        ["2025-01-02-05:00"],
    ),
    (
        "TimeWindowPartitionMapping",
        {"start_offset": -1, "end_offset": -1},
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        ["2025-01-01", "2025-01-05"],
    ),
    (
        "TimeWindowPartitionMapping",
        {"start_offset": -2},
        lambda m: m.DailyPartitionsDefinition("2025-01-01", timezone="America/New_York"),
        lambda m: m.DailyPartitionsDefinition("2025-01-01", timezone="America/New_York"),
        ["2025-03-09", "2025-03-10"],
    ),
    (
        "TimeWindowPartitionMapping",
        {},
        lambda m: m.WeeklyPartitionsDefinition("2025-01-01"),
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        ["2025-01-05"],
    ),
    (
        "TimeWindowPartitionMapping",
        {},
        lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        lambda m: m.MonthlyPartitionsDefinition("2025-01-01"),
        ["2025-02-10"],
    ),
    (
        "IdentityPartitionMapping",
        {},
        lambda m: m.StaticPartitionsDefinition(["a", "b", "c"]),
        lambda m: m.StaticPartitionsDefinition(["a", "b"]),
        ["b", "c"],
    ),
    (
        "AllPartitionMapping",
        {},
        lambda m: m.StaticPartitionsDefinition(["x"]),
        lambda m: m.StaticPartitionsDefinition(["a", "b"]),
        ["x"],
    ),
    (
        "LastPartitionMapping",
        {},
        lambda m: m.StaticPartitionsDefinition(["x"]),
        lambda m: m.DailyPartitionsDefinition("2025-03-01"),
        ["x"],
    ),
    (
        "SpecificPartitionsPartitionMapping",
        {"partition_keys": ["a"]},
        lambda m: m.StaticPartitionsDefinition(["x"]),
        lambda m: m.StaticPartitionsDefinition(["a", "b"]),
        ["x"],
    ),
    (
        "StaticPartitionMapping",
        {"downstream_partition_keys_by_upstream_partition_key": {"a": "x", "b": ["x", "y"]}},
        lambda m: m.StaticPartitionsDefinition(["x", "y"]),
        lambda m: m.StaticPartitionsDefinition(["a", "b"]),
        ["y"],
    ),
    (
        "MultiToSingleDimensionPartitionMapping",
        {},
        lambda m: m.StaticPartitionsDefinition(["a", "b"]),
        lambda m: m.MultiPartitionsDefinition(
            {
                "s": m.StaticPartitionsDefinition(["a", "b"]),
                "d": m.DailyPartitionsDefinition("2025-03-25"),
            }
        ),
        ["b"],
    ),
    (
        "MultiToSingleDimensionPartitionMapping",
        {},
        lambda m: m.MultiPartitionsDefinition(
            {
                "s": m.StaticPartitionsDefinition(["a", "b"]),
                "d": m.DailyPartitionsDefinition("2025-03-25"),
            }
        ),
        lambda m: m.DailyPartitionsDefinition("2025-03-25"),
        ["2025-03-27|a"],
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "down", "up", "keys"), MAPPING_CASES)
def test_mappings_match(name, kwargs, down, up, keys):
    dm, nm = getattr(dagster, name)(**kwargs), getattr(nb, name)(**kwargs)
    dd, du, nd, nu = down(dagster), up(dagster), down(nb), up(nb)
    expected = _upstream(dagster, dm, dd, du, keys)
    r = nm.get_upstream_mapped_partitions_result(keys, nd, nu, current_time=NOW)
    assert (sorted(r.partition_keys), sorted(r.required_but_nonexistent_partition_keys)) == expected
    up_keys = expected[0][:3]
    if up_keys:
        assert sorted(
            nm.get_downstream_partition_keys(up_keys, nu, nd, current_time=NOW)
        ) == _downstream(dm, du, dd, up_keys)


def test_multi_partition_mapping_matches():
    def defs(m):
        up = m.MultiPartitionsDefinition(
            {
                "abc": m.StaticPartitionsDefinition(["a", "b"]),
                "weekly": m.WeeklyPartitionsDefinition("2025-03-01"),
            }
        )
        down = m.MultiPartitionsDefinition(
            {
                "123": m.StaticPartitionsDefinition(["1", "2"]),
                "daily": m.DailyPartitionsDefinition("2025-03-01"),
            }
        )
        mapping = m.MultiPartitionMapping(
            {
                "abc": m.DimensionPartitionMapping(
                    "123", m.StaticPartitionMapping({"a": "1", "b": "2"})
                ),
                "weekly": m.DimensionPartitionMapping("daily", m.TimeWindowPartitionMapping()),
            }
        )
        return up, down, mapping

    du, dd, dm = defs(dagster)
    nu, nd, nm = defs(nb)
    keys = ["1|2025-03-05", "2|2025-03-10"]
    assert (
        sorted(nm.get_upstream_partition_keys(keys, nd, nu, current_time=NOW)),
        [],
    ) == _upstream(dagster, dm, dd, du, keys)
    assert sorted(
        nm.get_downstream_partition_keys(["a|2025-03-09"], nu, nd, current_time=NOW)
    ) == _downstream(dm, du, dd, ["a|2025-03-09"])


@pytest.mark.parametrize(
    ("down", "up"),
    [
        (
            lambda m: m.DailyPartitionsDefinition("2025-01-01"),
            lambda m: m.HourlyPartitionsDefinition("2025-01-01-00:00"),
        ),
        (
            lambda m: m.StaticPartitionsDefinition(["a"]),
            lambda m: m.StaticPartitionsDefinition(["a"]),
        ),
        (None, lambda m: m.StaticPartitionsDefinition(["a"])),
        (
            lambda m: m.MultiPartitionsDefinition(
                {
                    "s": m.StaticPartitionsDefinition(["a"]),
                    "d": m.DailyPartitionsDefinition("2025-01-01"),
                }
            ),
            lambda m: m.DailyPartitionsDefinition("2025-01-01"),
        ),
    ],
)
def test_infer_partition_mapping_matches(down, up):
    from dagster._core.definitions.partitions.utils.mapping import infer_partition_mapping

    d = infer_partition_mapping(None, down(dagster) if down else None, up(dagster))
    from dagster_nb._partitions import infer_partition_mapping as nb_infer

    n = nb_infer(None, down(nb) if down else None, up(nb))
    assert type(n).__name__ == type(d).__name__
