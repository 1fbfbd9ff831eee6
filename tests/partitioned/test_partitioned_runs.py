"""Partitioned assets in real runs: every partitions definition, every context property, every
partition mapping, partitioned <-> unpartitioned dependencies. Values are asserted."""

import datetime as dt

import pytest

import dagster_nb as dg

UTC = dt.timezone.utc


def keys_of(instance, key):
    return sorted(instance.get_materialized_partitions(key))


# --------------------------------------------------------------------------- definitions


def test_static_partitions_each_key_its_own_value(instance):
    colors = dg.StaticPartitionsDefinition(["red", "green", "blue"])

    @dg.asset(partitions_def=colors)
    def paint(context):
        return context.partition_key.upper()

    for k in colors.get_partition_keys():
        r = dg.materialize([paint], partition_key=k, instance=instance)
        assert r.output_for_node("paint") == k.upper()
        assert r.dagster_run.tags["dagster/partition"] == k
    assert keys_of(instance, "paint") == ["blue", "green", "red"]
    assert instance.get_asset_partition_statuses("paint") == {
        "red": "MATERIALIZED",
        "green": "MATERIALIZED",
        "blue": "MATERIALIZED",
    }
    mats = instance.fetch_materializations("paint", limit=10).records
    assert sorted(m.partition_key for m in mats) == ["blue", "green", "red"]


@pytest.mark.parametrize(
    ("pdef", "key", "start", "end"),
    [
        (
            dg.DailyPartitionsDefinition(start_date="2024-01-01"),
            "2024-03-10",
            dt.datetime(2024, 3, 10, tzinfo=UTC),
            dt.datetime(2024, 3, 11, tzinfo=UTC),
        ),
        (
            dg.HourlyPartitionsDefinition(
                start_date="2024-03-09-00:00", timezone="America/New_York"
            ),
            "2024-03-10-01:00",
            dt.datetime(2024, 3, 10, 6, tzinfo=UTC),  # 01:00 EST
            dt.datetime(2024, 3, 10, 7, tzinfo=UTC),  # 03:00 EDT (the DST gap)
        ),
        (
            dg.DailyPartitionsDefinition(
                start_date="2024-01-01", hour_offset=6, minute_offset=30, timezone="Europe/Berlin"
            ),
            "2024-03-30",
            dt.datetime(2024, 3, 30, 5, 30, tzinfo=UTC),  # 06:30 CET
            dt.datetime(2024, 3, 31, 4, 30, tzinfo=UTC),  # 06:30 CEST: a 23-hour day
        ),
        (
            dg.WeeklyPartitionsDefinition(start_date="2024-01-01", day_offset=1, hour_offset=3),
            "2024-01-08",  # cron day 1 is Monday: the key is the window's start date
            dt.datetime(2024, 1, 8, 3, tzinfo=UTC),
            dt.datetime(2024, 1, 15, 3, tzinfo=UTC),
        ),
        (
            dg.MonthlyPartitionsDefinition(
                start_date="2024-01-05", day_offset=5, timezone="Asia/Kolkata"
            ),
            "2024-02-05",
            dt.datetime(2024, 2, 4, 18, 30, tzinfo=UTC),
            dt.datetime(2024, 3, 4, 18, 30, tzinfo=UTC),
        ),
        (
            dg.TimeWindowPartitionsDefinition(
                cron_schedule="0 */6 * * *", start="2024-01-01-00:00", fmt="%Y-%m-%d-%H:%M"
            ),
            "2024-01-01-12:00",
            dt.datetime(2024, 1, 1, 12, tzinfo=UTC),
            dt.datetime(2024, 1, 1, 18, tzinfo=UTC),
        ),
    ],
    ids=[
        "daily",
        "hourly-ny-dst",
        "daily-offset-berlin-dst",
        "weekly-offset",
        "monthly-kolkata",
        "cron-6h",
    ],
)
def test_time_window_partitions_in_runs(instance, pdef, key, start, end):
    seen = {}

    @dg.asset(partitions_def=pdef)
    def events(context):
        seen["key"] = context.partition_key
        seen["keys"] = context.partition_keys
        seen["range"] = context.partition_key_range
        seen["window"] = context.partition_time_window
        seen["has"] = (context.has_partition_key, context.has_partition_key_range)
        return key

    r = dg.materialize(
        [events],
        partition_key=key,
        instance=instance,
        current_time=dt.datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert r.success
    assert seen["key"] == key
    assert seen["keys"] == [key]
    assert seen["range"] == dg.PartitionKeyRange(key, key)
    assert seen["window"] == dg.TimeWindow(start, end)
    assert seen["window"].start.timestamp() == start.timestamp()
    assert seen["has"] == (True, False)  # as Dagster: a range only in a range run
    assert keys_of(instance, "events") == [key]


def test_multi_partitions_key_and_dimensions(instance):
    multi = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-03"),
            "region": dg.StaticPartitionsDefinition(["eu", "us"]),
        }
    )
    seen = []

    @dg.asset(partitions_def=multi)
    def sales(context):
        pk = context.partition_key
        seen.append((str(pk), dict(pk.keys_by_dimension)))
        return pk.keys_by_dimension["region"] + "@" + pk.keys_by_dimension["date"]

    # string form ("<dims sorted by name>" joined with |) and MultiPartitionKey both work
    r1 = dg.materialize([sales], partition_key="2024-01-02|us", instance=instance)
    r2 = dg.materialize(
        [sales],
        partition_key=dg.MultiPartitionKey({"region": "eu", "date": "2024-01-01"}),
        instance=instance,
    )
    assert r1.output_for_node("sales") == "us@2024-01-02"
    assert r2.output_for_node("sales") == "eu@2024-01-01"
    assert seen == [
        ("2024-01-02|us", {"date": "2024-01-02", "region": "us"}),
        ("2024-01-01|eu", {"date": "2024-01-01", "region": "eu"}),
    ]
    assert keys_of(instance, "sales") == ["2024-01-01|eu", "2024-01-02|us"]
    assert len(multi.get_partition_keys()) == 4


def test_dynamic_partitions_from_the_instance(instance):
    files = dg.DynamicPartitionsDefinition(name="files")

    @dg.asset(partitions_def=files)
    def parsed(context):
        return f"parsed {context.partition_key}"

    instance.add_dynamic_partitions("files", ["a.csv", "b.csv"])
    assert files.get_partition_keys(dynamic_partitions_store=instance) == ["a.csv", "b.csv"]
    for k in ("a.csv", "b.csv"):
        assert (
            dg.materialize([parsed], partition_key=k, instance=instance).output_for_node("parsed")
            == f"parsed {k}"
        )
    with pytest.raises(dg.DagsterUnknownPartitionError, match="c.csv"):
        dg.materialize([parsed], partition_key="c.csv", instance=instance)
    instance.add_dynamic_partitions("files", ["c.csv"])
    assert dg.materialize([parsed], partition_key="c.csv", instance=instance).success
    assert keys_of(instance, "parsed") == ["a.csv", "b.csv", "c.csv"]


# --------------------------------------------------------------------------- context


def test_range_run_context_properties(instance):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    seen = {}

    @dg.asset(partitions_def=daily, io_manager_key="mem")
    def up(context):
        seen["keys"] = context.partition_keys
        seen["range"] = context.partition_key_range
        seen["window"] = context.partition_time_window
        seen["has_key"] = context.has_partition_key
        with pytest.raises(dg.DagsterInvariantViolationError, match="partition_key_range"):
            context.partition_key  # noqa: B018
        return 1

    r = dg.materialize(
        [up],
        partition_key_range=dg.PartitionKeyRange("2024-01-02", "2024-01-04"),
        instance=instance,
        resources={"mem": dg.InMemoryIOManager()},
    )
    assert r.success
    assert seen == {
        "keys": ["2024-01-02", "2024-01-03", "2024-01-04"],
        "range": dg.PartitionKeyRange("2024-01-02", "2024-01-04"),
        "window": dg.TimeWindow(
            dt.datetime(2024, 1, 2, tzinfo=UTC), dt.datetime(2024, 1, 5, tzinfo=UTC)
        ),
        "has_key": False,
    }
    assert r.dagster_run.tags["dagster/asset_partition_range_start"] == "2024-01-02"
    assert r.dagster_run.tags["dagster/asset_partition_range_end"] == "2024-01-04"
    assert keys_of(instance, "up") == ["2024-01-02", "2024-01-03", "2024-01-04"]


def test_unpartitioned_context_has_no_partition(instance):
    seen = {}

    @dg.asset
    def plain(context):
        seen["has"] = context.has_partition_key
        with pytest.raises(dg.DagsterInvariantViolationError, match="non-partitioned"):
            context.partition_key  # noqa: B018
        return 1

    assert dg.materialize([plain], instance=instance).success
    assert seen["has"] is False


def test_input_partition_properties(instance):
    hourly = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00")
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    seen = {}

    @dg.asset(partitions_def=hourly)
    def ticks(context):
        return int(context.partition_key[-5:-3])

    @dg.asset(partitions_def=daily)
    def day_total(context, ticks):
        seen["keys"] = context.asset_partition_keys_for_input("ticks")
        seen["range"] = context.asset_partition_key_range_for_input("ticks")
        seen["window"] = context.asset_partitions_time_window_for_input("ticks")
        with pytest.raises(dg.DagsterInvariantViolationError):
            context.asset_partition_key_for_input("ticks")
        return sum(ticks.values())

    hours = hourly.get_partition_keys_in_range(
        dg.PartitionKeyRange("2024-01-02-00:00", "2024-01-02-23:00")
    )
    assert len(hours) == 24
    for h in hours:
        dg.materialize([ticks], partition_key=h, instance=instance)
    r = dg.materialize(
        [ticks, day_total], selection="day_total", partition_key="2024-01-02", instance=instance
    )
    assert r.output_for_node("day_total") == sum(range(24))
    assert seen["keys"] == hours
    assert seen["range"] == dg.PartitionKeyRange("2024-01-02-00:00", "2024-01-02-23:00")
    assert seen["window"] == dg.TimeWindow(
        dt.datetime(2024, 1, 2, tzinfo=UTC), dt.datetime(2024, 1, 3, tzinfo=UTC)
    )


# --------------------------------------------------------------------------- mappings


@pytest.fixture
def daily():
    return dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-06")


def _materialize_all(assets_, pdef, instance, **kw):
    for k in pdef.get_partition_keys():
        assert dg.materialize(assets_, partition_key=k, instance=instance, **kw).success


def test_identity_mapping(instance):
    colors = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=colors)
    def up(context):
        return "up-" + context.partition_key

    @dg.asset(
        partitions_def=colors,
        ins={"up": dg.AssetIn(partition_mapping=dg.IdentityPartitionMapping())},
    )
    def down(context, up):
        assert context.asset_partition_key_for_input("up") == context.partition_key
        return up + "!"

    r = dg.materialize([up, down], partition_key="b", instance=instance)
    assert r.output_for_node("down") == "up-b!"


def test_time_window_mapping_reads_yesterday(instance, daily):
    @dg.asset(partitions_def=daily)
    def up(context):
        return context.partition_key

    @dg.asset(
        partitions_def=daily,
        ins={
            "up": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
            )
        },
    )
    def yesterday(context, up):
        return (context.partition_key, context.asset_partition_key_for_input("up"), up)

    @dg.asset(
        partitions_def=daily,
        ins={"up": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1))},
    )
    def two_days(up):
        return up

    _materialize_all([up], daily, instance)
    r = dg.materialize(
        [up, yesterday, two_days],
        selection=["yesterday", "two_days"],
        partition_key="2024-01-03",
        instance=instance,
    )
    assert r.output_for_node("yesterday") == ("2024-01-03", "2024-01-02", "2024-01-02")
    assert r.output_for_node("two_days") == {"2024-01-02": "2024-01-02", "2024-01-03": "2024-01-03"}


def test_all_partition_mapping_and_last_partition_mapping(instance, daily):
    @dg.asset(partitions_def=daily)
    def up(context):
        return int(context.partition_key[-2:])

    @dg.asset(ins={"up": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())})
    def everything(up):
        return up

    @dg.asset(ins={"up": dg.AssetIn(partition_mapping=dg.LastPartitionMapping())})
    def latest(up):
        return up

    @dg.asset(
        partitions_def=daily, ins={"up": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())}
    )
    def daily_all(up):
        return sum(up.values())

    _materialize_all([up], daily, instance)
    r = dg.materialize(
        [up, everything, latest], selection=["everything", "latest"], instance=instance
    )
    assert r.output_for_node("everything") == {f"2024-01-0{i}": i for i in range(1, 6)}
    assert r.output_for_node("latest") == 5
    r = dg.materialize(
        [up, daily_all], selection="daily_all", partition_key="2024-01-01", instance=instance
    )
    assert r.output_for_node("daily_all") == 15


def test_static_partition_mapping(instance):
    letters = dg.StaticPartitionsDefinition(["a", "b", "c"])
    groups = dg.StaticPartitionsDefinition(["ab", "c"])

    @dg.asset(partitions_def=letters)
    def up(context):
        return context.partition_key * 2

    @dg.asset(
        partitions_def=groups,
        ins={
            "up": dg.AssetIn(
                partition_mapping=dg.StaticPartitionMapping({"a": "ab", "b": "ab", "c": "c"})
            )
        },
    )
    def down(context, up):
        return up

    _materialize_all([up], letters, instance)
    assert dg.materialize(
        [up, down], selection="down", partition_key="ab", instance=instance
    ).output_for_node("down") == {"a": "aa", "b": "bb"}
    assert (
        dg.materialize(
            [up, down], selection="down", partition_key="c", instance=instance
        ).output_for_node("down")
        == "cc"
    )


def test_specific_partitions_mapping(instance, daily):
    regions = dg.StaticPartitionsDefinition(["eu", "us"])

    @dg.asset(partitions_def=regions)  # not 'config': Dagster reserves that name
    def region_config(context):
        return {"region": context.partition_key}

    @dg.asset(
        partitions_def=daily,
        ins={
            "settings": dg.AssetIn(
                "region_config", partition_mapping=dg.SpecificPartitionsPartitionMapping(["us"])
            )
        },
    )
    def report(context, settings):
        return (context.partition_key, settings)

    _materialize_all([region_config], regions, instance)
    r = dg.materialize(
        [region_config, report], selection="report", partition_key="2024-01-04", instance=instance
    )
    assert r.output_for_node("report") == ("2024-01-04", {"region": "us"})


def test_multi_to_single_dimension_mapping(instance, daily):
    multi = dg.MultiPartitionsDefinition(
        {"date": daily, "region": dg.StaticPartitionsDefinition(["eu", "us"])}
    )

    @dg.asset(partitions_def=multi)
    def sales(context):
        k = context.partition_key.keys_by_dimension
        return 10 if k["region"] == "eu" else 5

    @dg.asset(
        partitions_def=daily,
        ins={
            "sales": dg.AssetIn(
                partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
                    partition_dimension_name="date"
                )
            )
        },
    )
    def daily_total(context, sales):
        return (sorted(context.asset_partition_keys_for_input("sales")), sum(sales.values()))

    @dg.asset(partitions_def=daily)  # inferred mapping: the one time dimension
    def inferred(sales):
        return sorted(sales)

    for k in ["2024-01-02|eu", "2024-01-02|us", "2024-01-03|eu"]:
        dg.materialize([sales], partition_key=k, instance=instance)
    r = dg.materialize(
        [sales, daily_total, inferred],
        selection=["daily_total", "inferred"],
        partition_key="2024-01-02",
        instance=instance,
    )
    assert r.output_for_node("daily_total") == (["2024-01-02|eu", "2024-01-02|us"], 15)
    assert r.output_for_node("inferred") == ["2024-01-02|eu", "2024-01-02|us"]


def test_multi_partition_mapping(instance, daily):
    regions = dg.StaticPartitionsDefinition(["eu", "us"])
    multi = dg.MultiPartitionsDefinition({"date": daily, "region": regions})

    @dg.asset(partitions_def=multi)
    def up(context):
        return str(context.partition_key)

    mapping = dg.MultiPartitionMapping(
        {
            "date": dg.DimensionPartitionMapping(
                "date", dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
            ),
            "region": dg.DimensionPartitionMapping("region", dg.IdentityPartitionMapping()),
        }
    )

    @dg.asset(partitions_def=multi, ins={"up": dg.AssetIn(partition_mapping=mapping)})
    def down(context, up):
        return (str(context.asset_partition_key_for_input("up")), up)

    dg.materialize([up], partition_key="2024-01-02|us", instance=instance)
    r = dg.materialize(
        [up, down], selection="down", partition_key="2024-01-03|us", instance=instance
    )
    assert r.output_for_node("down") == ("2024-01-02|us", "2024-01-02|us")


def test_mapping_on_asset_dep_records_mapped_upstream_version(instance, daily):
    @dg.asset(partitions_def=daily)
    def up(context):
        return context.partition_key

    @dg.asset(
        partitions_def=daily,
        deps=[
            dg.AssetDep(
                up, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-2, end_offset=-2)
            )
        ],
    )
    def down():
        return 2

    assert dg.materialize([up, down], partition_key="2024-01-04", instance=instance).success
    assert keys_of(instance, "down") == ["2024-01-04"]
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="Invalid partition mapping from down to up"
    ):
        dg.Definitions(
            assets=[
                up,
                dg.AssetSpec(
                    "down",
                    partitions_def=dg.StaticPartitionsDefinition(["x"]),
                    deps=[dg.AssetDep(up, partition_mapping=dg.StaticPartitionMapping({"x": "x"}))],
                ),
            ]
        ).resolve_asset_graph()


# ------------------------------------------------------- partitioned <-> unpartitioned


class RecordingIOManager(dg.IOManager):
    """Stores values per (asset, partition) and records what each context carried."""

    def __init__(self):
        self.values = {}
        self.loads = []
        self.handles = []

    def handle_output(self, context, obj):
        pks = list(context.asset_partition_keys) if context.has_asset_partitions else []
        self.handles.append((context.asset_key.to_user_string(), pks))
        for pk in pks or [None]:
            self.values[(context.asset_key.to_user_string(), pk)] = obj

    def load_input(self, context):
        key = context.asset_key.to_user_string()
        if context.has_asset_partitions:
            pks = list(context.asset_partition_keys)
            self.loads.append(
                (key, pks, context.partition_key if context.has_partition_key else None)
            )
            return {pk: self.values[(key, pk)] for pk in pks}
        self.loads.append((key, None, None))
        return self.values[(key, None)]


def test_unpartitioned_reads_partitioned_as_dict(instance, daily):
    @dg.asset(partitions_def=daily)
    def up(context):
        return context.partition_key[-1]

    @dg.asset
    def summary(up):
        return up

    io = RecordingIOManager()
    for k in daily.get_partition_keys():
        dg.materialize([up], partition_key=k, instance=instance, resources={"io_manager": io})
    r = dg.materialize(
        [up, summary], selection="summary", instance=instance, resources={"io_manager": io}
    )
    assert r.output_for_node("summary") == {f"2024-01-0{i}": str(i) for i in range(1, 6)}
    assert io.loads == [("up", daily.get_partition_keys(), None)]
    # default filesystem IO manager: also a dict keyed by partition
    for k in daily.get_partition_keys():
        dg.materialize([up], partition_key=k, instance=instance)
    r = dg.materialize([up, summary], selection="summary", instance=instance)
    assert r.output_for_node("summary") == {f"2024-01-0{i}": str(i) for i in range(1, 6)}


def test_partitioned_reads_unpartitioned(instance, daily):
    @dg.asset
    def rates():
        return {"eur": 1.1}

    @dg.asset(partitions_def=daily)
    def priced(context, rates):
        return (context.partition_key, rates["eur"])

    io = RecordingIOManager()
    r = dg.materialize(
        [rates, priced], partition_key="2024-01-02", instance=instance, resources={"io_manager": io}
    )
    assert r.output_for_node("priced") == ("2024-01-02", 1.1)
    assert io.handles == [("rates", []), ("priced", ["2024-01-02"])]
    assert io.loads == [("rates", None, None)]
    assert keys_of(instance, "priced") == ["2024-01-02"]
    assert instance.get_latest_materialization_event("rates") is not None
