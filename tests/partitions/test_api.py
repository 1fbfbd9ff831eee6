"""Unit tests through the public API: errors, immutability, equality, subsets, mappings."""

import datetime as dt

import pytest

import dagster_nb as dg
from dagster_nb._partitions import compress_keys_to_ranges, validate_partition_mapping

NOW = dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)


class Store:
    def __init__(self, keys):
        self.keys = keys

    def get_dynamic_partitions(self, name):
        return list(self.keys)

    def has_dynamic_partition(self, name, key):
        return key in self.keys


def test_exports_match_top_level_table():
    import dagster_nb._partitions as p

    for name in [
        "PartitionsDefinition",
        "StaticPartitionsDefinition",
        "DynamicPartitionsDefinition",
        "TimeWindowPartitionsDefinition",
        "HourlyPartitionsDefinition",
        "DailyPartitionsDefinition",
        "WeeklyPartitionsDefinition",
        "MonthlyPartitionsDefinition",
        "MultiPartitionsDefinition",
        "MultiPartitionKey",
        "PartitionKeyRange",
        "TimeWindow",
        "PartitionMapping",
        "IdentityPartitionMapping",
        "TimeWindowPartitionMapping",
        "AllPartitionMapping",
        "LastPartitionMapping",
        "StaticPartitionMapping",
        "SpecificPartitionsPartitionMapping",
        "MultiToSingleDimensionPartitionMapping",
        "MultiPartitionMapping",
        "DimensionPartitionMapping",
    ]:
        assert getattr(dg, name) is getattr(p, name)


def test_definitions_are_immutable_hashable_and_equal_by_value():
    a = dg.DailyPartitionsDefinition("2024-01-01")
    b = dg.TimeWindowPartitionsDefinition(
        start="2024-01-01", fmt="%Y-%m-%d", cron_schedule="0 0 * * *"
    )
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.fmt = "%Y"
    s = dg.StaticPartitionsDefinition(["a", "b"])
    assert s == dg.StaticPartitionsDefinition(["a", "b"]) and s != dg.StaticPartitionsDefinition(
        ["b", "a"]
    )
    assert repr(s) == "StaticPartitionsDefinition(partition_keys=['a', 'b'])"
    assert dg.TimeWindowPartitionMapping(start_offset=-1) == dg.TimeWindowPartitionMapping(-1)


def test_unknown_time_key_names_the_valid_form():
    d = dg.DailyPartitionsDefinition("2024-01-01")
    with pytest.raises(
        dg.DagsterUnknownPartitionError,
        match=r"like '2024-01-31'.*between '2024-01-01' and '2024-01-31'",
    ):
        d.validate_partition_key("2023-12-31", current_time=NOW)
    with pytest.raises(
        dg.DagsterUnknownPartitionError, match="does not match the partition format '%Y-%m-%d'"
    ):
        d.time_window_for_partition_key("Jan 3")
    d.validate_partition_key("2024-01-31", current_time=NOW)


def test_unknown_static_key_suggests():
    s = dg.StaticPartitionsDefinition(["orders", "customers"])
    with pytest.raises(dg.DagsterUnknownPartitionError, match="Did you mean 'orders'"):
        s.validate_partition_key("ordrs")


def test_invalid_cron_names_the_field():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"field 2 \(hour\) '25'.*0-23"):
        dg.TimeWindowPartitionsDefinition(
            start="2024-01-01", fmt="%Y-%m-%d", cron_schedule="0 25 * * *"
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="expected 5 space-separated fields"):
        dg.TimeWindowPartitionsDefinition(
            start="2024-01-01", fmt="%Y-%m-%d", cron_schedule="0 0 * *"
        )


def test_bad_start_and_end():
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match=r"'%Y-%m-%d'; expected a string like '2024-01-31'"
    ):
        dg.DailyPartitionsDefinition("01/02/2024")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="is before start"):
        dg.DailyPartitionsDefinition("2024-02-01", end_date="2024-01-01")


def test_static_key_validation():
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="Duplicate instances of partition keys: \\['a'\\]"
    ):
        dg.StaticPartitionsDefinition(["a", "b", "a"])
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="invalid substrings"):
        dg.StaticPartitionsDefinition(["a...b"])
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cannot contain partition keys"):
        dg.MultiPartitionsDefinition(
            {"x": dg.StaticPartitionsDefinition(["a|b"]), "y": dg.StaticPartitionsDefinition(["c"])}
        )


def test_malformed_multi_key_shows_dimension_order():
    m = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition("2024-01-01"),
            "color": dg.StaticPartitionsDefinition(["red"]),
        }
    )
    with pytest.raises(dg.DagsterUnknownPartitionError, match=r"'<color>\|<date>'"):
        m.get_partition_key_from_str("red")
    with pytest.raises(
        dg.DagsterUnknownPartitionError, match="Dimension 'color' has no key 'blue'"
    ):
        m.validate_partition_key("blue|2024-01-02", current_time=NOW)
    assert m.has_partition_key("red|2024-01-02", current_time=NOW)
    k = dg.MultiPartitionKey({"date": "2024-01-02", "color": "red"})
    assert (
        k == "red|2024-01-02"
        and isinstance(k, str)
        and k.keys_by_dimension == {"color": "red", "date": "2024-01-02"}
    )


def test_dynamic_uses_store():
    fruits = dg.DynamicPartitionsDefinition(name="fruits")
    store = Store(["apple", "pear"])
    assert fruits.get_partition_keys(dynamic_partitions_store=store) == ["apple", "pear"]
    assert fruits.has_partition_key("pear", dynamic_partitions_store=store)
    with pytest.raises(dg.DagsterInvalidInvocationError, match="dynamic_partitions_store"):
        fruits.get_partition_keys()
    with pytest.raises(dg.DagsterUnknownPartitionError, match="add_dynamic_partitions"):
        fruits.validate_partition_key("kiwi", dynamic_partitions_store=store)


def test_time_window_mapping_reports_nonexistent_upstream():
    d = dg.DailyPartitionsDefinition("2024-01-01")
    m = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    r = m.get_upstream_mapped_partitions_result(["2024-01-01"], d, d, current_time=NOW)
    # As in Dagster, offsets are clipped to the upstream's bounds: nothing before the start.
    assert r.partition_keys == [] and r.required_but_nonexistent_partition_keys == []
    assert m.get_upstream_partition_keys(["2024-01-05"], d, d, current_time=NOW) == ["2024-01-04"]
    assert m.get_downstream_partition_keys(["2024-01-04"], d, d, current_time=NOW) == ["2024-01-05"]


def test_validate_partition_mapping_names_both_definitions():
    daily = dg.DailyPartitionsDefinition("2024-01-01")
    static = dg.StaticPartitionsDefinition(["a"])
    with pytest.raises(
        dg.DagsterInvalidDefinitionError,
        match="StaticPartitionsDefinition.*TimeWindowPartitionsDefinition|TimeWindowPartitionsDefinition.*StaticPartitionsDefinition",
    ):
        validate_partition_mapping(None, daily, static)
    assert isinstance(validate_partition_mapping(None, None, static), dg.AllPartitionMapping)


def test_compress_ranges_and_subset():
    keys = [f"k{i:06d}" for i in range(100_000)]
    status = {k: ("ok" if i % 1000 < 900 else "failed") for i, k in enumerate(keys) if i % 5000}
    ranges = compress_keys_to_ranges(keys, status)  # timed in bench/bench_views.py
    assert ranges[:2] == [("k000001", "k000899", "ok"), ("k000900", "k000999", "failed")]
    d = dg.StaticPartitionsDefinition(["a", "b", "c", "d"])
    s = d.subset_with_partition_keys(["d", "a", "b"])
    assert s.get_partition_keys() == ["a", "b", "d"] and "c" not in s and len(s) == 3
    assert [tuple(r) for r in s.get_partition_key_ranges()] == [("a", "b"), ("d", "d")]
    assert len(s.with_partition_keys(["c"])) == 4


def test_hourly_listing_of_ten_years():  # timed in bench/bench_views.py
    h = dg.HourlyPartitionsDefinition("2014-01-01-00:00")
    keys = h.get_partition_keys(
        current_time=dt.datetime(2024, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc)
    )
    assert len(keys) == 87648 and keys[-1] == "2023-12-31-23:00"
    assert keys[:2] == ["2014-01-01-00:00", "2014-01-01-01:00"]
