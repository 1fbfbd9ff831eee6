"""Partitions: time, static, multi and dynamic definitions, partition mappings, partitioned
IO, backfills over ranges, partitioned config for op jobs."""

import os
from datetime import datetime

from . import example
from ._helpers import materialize, materialized_keys


@example("concepts/partitions_schedules_sensors/partitioned_asset.py")
def example_daily_partitioned_asset_key(dg):
    seen = []

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-02-27"))
    def daily_readings(context: dg.AssetExecutionContext):
        seen.append(context.partition_key)
        return context.partition_key.replace("-", "")

    result = materialize(dg, [daily_readings], partition_key="2024-02-29")
    assert seen == ["2024-02-29"]
    assert result.output_for_node("daily_readings") == "20240229"
    assert daily_readings.partitions_def.get_partition_keys(current_time=datetime(2024, 3, 2)) == [
        "2024-02-27",
        "2024-02-28",
        "2024-02-29",
        "2024-03-01",
    ]


@example("concepts/partitions_schedules_sensors/partitioned_asset.py")
def example_partition_time_window(dg):
    windows = []

    @dg.asset(partitions_def=dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00"))
    def hourly_counts(context: dg.AssetExecutionContext):
        start, end = context.partition_time_window
        windows.append((start.isoformat(), end.isoformat()))

    materialize(dg, [hourly_counts], partition_key="2024-01-01-05:00")
    assert windows == [("2024-01-01T05:00:00+00:00", "2024-01-01T06:00:00+00:00")]


@example("concepts/partitions_schedules_sensors/partition_defs.py")
def example_time_partition_definitions(dg):
    now = datetime(2024, 3, 20, 12, 0)
    weekly = dg.WeeklyPartitionsDefinition(start_date="2024-03-01")
    monthly = dg.MonthlyPartitionsDefinition(start_date="2023-12-01")
    daily_offset = dg.DailyPartitionsDefinition(start_date="2024-03-17", hour_offset=6)
    assert weekly.get_partition_keys(current_time=now) == ["2024-03-03", "2024-03-10"]
    assert monthly.get_partition_keys(current_time=now) == [
        "2023-12-01",
        "2024-01-01",
        "2024-02-01",
    ]
    assert daily_offset.get_partition_keys(current_time=now) == [
        "2024-03-17",
        "2024-03-18",
        "2024-03-19",
    ]
    window = daily_offset.time_window_for_partition_key("2024-03-18")
    assert (window.start.hour, window.end.day) == (6, 19)


@example("concepts/partitions_schedules_sensors/partition_defs.py")
def example_time_partitions_custom_format_and_timezone(dg):
    parts = dg.DailyPartitionsDefinition(
        start_date="2024/05/01", fmt="%Y/%m/%d", timezone="Europe/Paris"
    )
    keys = parts.get_partition_keys(current_time=datetime(2024, 5, 4, 12))
    assert keys[:2] == ["2024/05/01", "2024/05/02"]
    assert parts.timezone == "Europe/Paris"
    assert str(parts.time_window_for_partition_key("2024/05/02").start.utcoffset()) == "2:00:00"


@example("concepts/partitions_schedules_sensors/static_partitioned_asset_job.py")
def example_static_partitioned_asset(dg):
    continents = dg.StaticPartitionsDefinition(["Africa", "Asia", "Europe"])

    @dg.asset(partitions_def=continents)
    def continent_report(context):
        return context.partition_key.lower()

    assert continents.get_partition_keys() == ["Africa", "Asia", "Europe"]
    result = materialize(dg, [continent_report], partition_key="Asia")
    assert result.output_for_node("continent_report") == "asia"
    assert result.get_asset_materialization_events()[0].partition == "Asia"


@example("concepts/partitions_schedules_sensors/multipartitions_asset.py")
def example_multi_partitions(dg):
    parts = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
            "color": dg.StaticPartitionsDefinition(["red", "blue"]),
        }
    )
    seen = []

    @dg.asset(partitions_def=parts)
    def paint_runs(context: dg.AssetExecutionContext):
        seen.append(context.partition_key.keys_by_dimension)

    key = dg.MultiPartitionKey({"date": "2024-01-02", "color": "blue"})
    assert materialize(dg, [paint_runs], partition_key=key).success
    assert seen == [{"date": "2024-01-02", "color": "blue"}]
    assert str(key) == "blue|2024-01-02"
    assert len(parts.get_partition_keys(current_time=datetime(2024, 1, 3))) == 4


@example("concepts/partitions_schedules_sensors/dynamic_partitioned_asset.py")
def example_dynamic_partitions_added_on_instance(dg):
    images = dg.DynamicPartitionsDefinition(name="images")

    @dg.asset(partitions_def=images)
    def image_sizes(context):
        return len(context.partition_key)

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("images", ["cat.png", "dog.jpeg"])
    assert images.get_partition_keys(dynamic_partitions_store=instance) == ["cat.png", "dog.jpeg"]
    result = materialize(dg, [image_sizes], partition_key="dog.jpeg", instance=instance)
    assert result.output_for_node("image_sizes") == 8
    assert instance.has_dynamic_partition("images", "cat.png")


@example(
    "concepts/partitions_schedules_sensors/dynamic_partitioned_asset.py",
)
def example_sensor_adds_dynamic_partitions(dg):
    files = dg.DynamicPartitionsDefinition(name="files")

    @dg.asset(partitions_def=files)
    def file_rows(): ...

    files_job = dg.define_asset_job(
        "files_job", dg.AssetSelection.assets(file_rows), partitions_def=files
    )

    @dg.sensor(job=files_job)
    def file_sensor(context):
        new = [
            f for f in ["a.csv", "b.csv"] if not context.instance.has_dynamic_partition("files", f)
        ]
        return dg.SensorResult(
            run_requests=[dg.RunRequest(partition_key=f) for f in new],
            dynamic_partitions_requests=[files.build_add_request(new)],
        )

    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral())
    result = file_sensor(context)
    assert [r.partition_key for r in result.run_requests] == ["a.csv", "b.csv"]
    assert list(result.dynamic_partitions_requests[0].partition_keys) == ["a.csv", "b.csv"]


@example("concepts/partitions_schedules_sensors/partition_mapping.py")
def example_time_window_mapping_previous_day(dg):
    days = dg.DailyPartitionsDefinition(start_date="2024-04-01")

    @dg.asset(partitions_def=days)
    def visits(context):
        return {"2024-04-01": 10, "2024-04-02": 20}[context.partition_key]

    @dg.asset(
        partitions_def=days,
        ins={
            "visits": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
            )
        },
    )
    def yesterday_visits(visits):
        return visits

    instance = dg.DagsterInstance.ephemeral()
    materialize(dg, [visits], partition_key="2024-04-01", instance=instance)
    result = materialize(
        dg,
        [visits, yesterday_visits],
        partition_key="2024-04-02",
        selection=[yesterday_visits],
        instance=instance,
    )
    assert result.output_for_node("yesterday_visits") == 10


@example("concepts/partitions_schedules_sensors/partitioned_asset_mappings.py")
def example_asset_dep_with_partition_mapping(dg):
    days = dg.DailyPartitionsDefinition(start_date="2024-04-01")

    @dg.asset(partitions_def=days)
    def raw_days(): ...

    @dg.asset(
        partitions_def=days,
        deps=[
            dg.AssetDep(
                raw_days,
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1),
            )
        ],
    )
    def lagged(): ...

    mapping = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
        days.empty_subset().with_partition_keys(["2024-04-03"]),
        days,
        days,
        current_time=datetime(2024, 4, 5),
    )
    assert list(upstream.partitions_subset.get_partition_keys()) == ["2024-04-02"]
    dep = lagged.specs_by_key[dg.AssetKey("lagged")].deps[0]
    assert dep.asset_key == dg.AssetKey("raw_days")


@example("concepts/io_management/loading_multiple_upstream_partitions.py")
def example_daily_asset_reads_its_hours(dg):
    hours = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00")
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    class HourStore(dg.IOManager):
        def handle_output(self, context, obj):
            raise AssertionError("hourly values come from storage")

        def load_input(self, context):
            return {key: int(key[-5:-3]) for key in context.asset_partition_keys}

    hourly_events = dg.AssetSpec("hourly_events", partitions_def=hours).with_io_manager_key(
        "hours_io"
    )

    @dg.asset(partitions_def=days)
    def daily_events(hourly_events: dict):
        return (len(hourly_events), sum(hourly_events.values()))

    result = materialize(
        dg,
        [hourly_events, daily_events],
        partition_key="2024-01-02",
        resources={"hours_io": HourStore()},
    )
    assert result.output_for_node("daily_events") == (24, sum(range(24)))


@example("concepts/partitions_schedules_sensors/partition_mapping.py")
def example_static_partition_mapping(dg):
    regions = dg.StaticPartitionsDefinition(["eu-west", "eu-east", "us-west"])
    areas = dg.StaticPartitionsDefinition(["eu", "us"])
    mapping = dg.StaticPartitionMapping({"eu-west": "eu", "eu-east": "eu", "us-west": "us"})

    @dg.asset(partitions_def=regions)
    def region_sales(context):
        return {"eu-west": 3, "eu-east": 4, "us-west": 5}[context.partition_key]

    @dg.asset(partitions_def=areas, ins={"region_sales": dg.AssetIn(partition_mapping=mapping)})
    def area_sales(region_sales):
        return sum(region_sales.values())

    instance = dg.DagsterInstance.ephemeral()
    for key in ["eu-west", "eu-east"]:
        materialize(dg, [region_sales], partition_key=key, instance=instance)
    result = materialize(
        dg,
        [region_sales, area_sales],
        partition_key="eu",
        selection=[area_sales],
        instance=instance,
    )
    assert result.output_for_node("area_sales") == 7


@example("concepts/partitions_schedules_sensors/partition_mapping.py")
def example_all_and_last_partition_mapping(dg):
    days = dg.DailyPartitionsDefinition(start_date="2024-06-01", end_date="2024-06-04")

    @dg.asset(partitions_def=days)
    def day_totals(context):
        return int(context.partition_key[-2:])

    @dg.asset(ins={"day_totals": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())})
    def grand_total(day_totals):
        return sum(day_totals.values())

    @dg.asset(ins={"day_totals": dg.AssetIn(partition_mapping=dg.LastPartitionMapping())})
    def latest_total(day_totals):
        return day_totals

    instance = dg.DagsterInstance.ephemeral()
    for key in days.get_partition_keys():
        materialize(dg, [day_totals], partition_key=key, instance=instance)
    result = materialize(
        dg,
        [day_totals, grand_total, latest_total],
        selection=[grand_total, latest_total],
        instance=instance,
    )
    assert result.output_for_node("grand_total") == 1 + 2 + 3
    assert result.output_for_node("latest_total") == 3


@example("concepts/partitions_schedules_sensors/multipartitions_asset.py")
def example_multi_to_single_dimension_mapping(dg):
    multi = dg.MultiPartitionsDefinition(
        {
            "day": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
            "shop": dg.StaticPartitionsDefinition(["s1", "s2"]),
        }
    )
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    mapping = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="day")
    result = mapping.get_upstream_mapped_partitions_result_for_partitions(
        days.empty_subset().with_partition_keys(["2024-01-02"]),
        days,
        multi,
        current_time=datetime(2024, 1, 3),
    )
    assert sorted(map(str, result.partitions_subset.get_partition_keys())) == [
        "2024-01-02|s1",
        "2024-01-02|s2",
    ]


@example("concepts/partitions_schedules_sensors/backfills/single_run_backfill_asset.py")
def example_single_run_backfill_over_a_range(dg):
    windows = []

    @dg.asset(
        partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def events(context: dg.AssetExecutionContext) -> None:
        start, end = context.partition_time_window
        windows.append(
            (start.date().isoformat(), end.date().isoformat(), context.partition_key_range.start)
        )

    assert events.backfill_policy == dg.BackfillPolicy.single_run()
    defs = dg.Definitions(assets=[events], jobs=[dg.define_asset_job("events_job", [events])])
    job = defs.resolve_job_def("events_job")
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": "2024-01-02",
            "dagster/asset_partition_range_end": "2024-01-04",
        },
    )
    assert result.success
    assert windows == [("2024-01-02", "2024-01-05", "2024-01-02")]


@example("concepts/partitions_schedules_sensors/backfills/single_run_backfill_io_manager.py")
def example_io_manager_sees_partition_window(dg):
    seen = []

    class WindowIO(dg.IOManager):
        def handle_output(self, context, obj):
            start, end = context.asset_partitions_time_window
            seen.append((context.asset_partition_key, start.day, end.day, obj))

        def load_input(self, context):
            raise AssertionError("no loads here")

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def windowed(context):
        return "v"

    materialize(dg, [windowed], partition_key="2024-01-07", resources={"io_manager": WindowIO()})
    assert seen == [("2024-01-07", 7, 8, "v")]


@example("concepts/partitions_schedules_sensors/partitioned_asset_job.py")
def example_partitioned_asset_job(dg):
    hours = dg.HourlyPartitionsDefinition(start_date="2024-05-31-00:00")
    ran = []

    @dg.asset(partitions_def=hours)
    def hour_a(context):
        ran.append(("a", context.partition_key))

    @dg.asset(partitions_def=hours)
    def hour_b(context):
        ran.append(("b", context.partition_key))

    job = dg.define_asset_job(
        "both_hours", selection=dg.AssetSelection.assets(hour_a, hour_b), partitions_def=hours
    )
    defs = dg.Definitions(assets=[hour_a, hour_b], jobs=[job])
    resolved = defs.resolve_job_def("both_hours")
    assert resolved.partitions_def == hours
    result = resolved.execute_in_process(
        partition_key="2024-05-31-03:00", instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    assert sorted(ran) == [("a", "2024-05-31-03:00"), ("b", "2024-05-31-03:00")]


@example(
    "concepts/partitions_schedules_sensors/partitioned_job.py",
    gap="h2 (op jobs): daily_partitioned_config / static_partitioned_config not in dagster_nb yet",
)
def example_daily_partitioned_config_for_op_job(dg):
    seen = []

    @dg.op(config_schema={"date": str})
    def process_day(context):
        seen.append(context.op_config["date"])

    @dg.daily_partitioned_config(start_date=datetime(2024, 1, 1))
    def day_config(start: datetime, _end: datetime):
        return {"ops": {"process_day": {"config": {"date": start.strftime("%Y-%m-%d")}}}}

    @dg.job(config=day_config)
    def day_job():
        process_day()

    assert day_job.execute_in_process(partition_key="2024-01-03").success
    assert seen == ["2024-01-03"]
    assert day_config(datetime(2024, 1, 5), datetime(2024, 1, 6)) == {
        "ops": {"process_day": {"config": {"date": "2024-01-05"}}}
    }


@example(
    "concepts/partitions_schedules_sensors/static_partitioned_job.py",
    gap="h2 (op jobs): daily_partitioned_config / static_partitioned_config not in dagster_nb yet",
)
def example_static_partitioned_config_for_op_job(dg):
    class RegionConfig(dg.Config):
        region: str

    seen = []

    @dg.static_partitioned_config(partition_keys=["north", "south"])
    def region_config(partition_key: str):
        return dg.RunConfig(ops={"handle_region": RegionConfig(region=partition_key)})

    @dg.op
    def handle_region(config: RegionConfig):
        seen.append(config.region)

    @dg.job(config=region_config)
    def region_job():
        handle_region()

    assert region_config.get_partition_keys() == ["north", "south"]
    assert region_job.execute_in_process(partition_key="south").success
    assert seen == ["south"]


@example(
    "concepts/partitions_schedules_sensors/partitioned_config_test.py",
    gap="h2 (op jobs): daily_partitioned_config / static_partitioned_config not in dagster_nb yet",
)
def example_partitioned_config_with_minute_offset(dg):
    @dg.daily_partitioned_config(start_date=datetime(2024, 1, 1), minute_offset=30)
    def offset_config(start: datetime, end: datetime):
        return {
            "ops": {
                "work": {
                    "config": {
                        "start": start.strftime("%Y-%m-%d-%H:%M"),
                        "end": end.strftime("%Y-%m-%d-%H:%M"),
                    }
                }
            }
        }

    keys = offset_config.get_partition_keys(current_time=datetime(2024, 1, 4))
    assert keys[:2] == ["2024-01-01", "2024-01-02"]
    assert offset_config.get_run_config_for_partition_key("2024-01-01") == {
        "ops": {"work": {"config": {"start": "2024-01-01-00:30", "end": "2024-01-02-00:30"}}}
    }


@example("concepts/partitions_schedules_sensors/partitioned_asset_job.py")
def example_materialize_a_partition_range(dg):
    ran = []

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-02-01"))
    def ranged(context):
        ran.append(context.partition_key)

    job = dg.define_asset_job("ranged_job", [ranged])
    defs = dg.Definitions(assets=[ranged], jobs=[job])
    for key in ranged.partitions_def.get_partition_keys_in_range(
        dg.PartitionKeyRange("2024-02-01", "2024-02-03")
    ):
        assert defs.resolve_job_def("ranged_job").execute_in_process(partition_key=key).success
    assert ran == ["2024-02-01", "2024-02-02", "2024-02-03"]


@example("concepts/partitions_schedules_sensors/partitioned_asset_uses_io_manager.py")
def example_partitioned_values_in_filesystem_io_manager(dg):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
    def letters(context):
        return context.partition_key * 3

    io = dg.FilesystemIOManager(base_dir="store")
    instance = dg.DagsterInstance.ephemeral()
    for key in ["x", "y"]:
        materialize(
            dg, [letters], partition_key=key, resources={"io_manager": io}, instance=instance
        )
    assert sorted(os.listdir("store/letters")) == ["x", "y"]
    defs = dg.Definitions(assets=[letters], resources={"io_manager": io})
    assert defs.load_asset_value("letters", partition_key="y", instance=instance) == "yyy"


@example("concepts/partitions_schedules_sensors/partitioned_asset.py")
def example_materialized_partitions_on_instance(dg):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["p1", "p2", "p3"]))
    def parted(): ...

    instance = dg.DagsterInstance.ephemeral()
    materialize(dg, [parted], partition_key="p3", instance=instance)
    materialize(dg, [parted], partition_key="p1", instance=instance)
    assert instance.get_materialized_partitions(dg.AssetKey("parted")) == {"p1", "p3"}
    assert materialized_keys(materialize(dg, [parted], partition_key="p2", instance=instance)) == [
        "parted"
    ]


@example("concepts/partitions_schedules_sensors/partition_defs.py")
def example_custom_cron_time_window_partitions(dg):
    twice_daily = dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0,12 * * *", start="2024-01-01-00:00", fmt="%Y-%m-%d-%H:%M"
    )
    keys = twice_daily.get_partition_keys(current_time=datetime(2024, 1, 2, 13))
    assert keys == ["2024-01-01-00:00", "2024-01-01-12:00", "2024-01-02-00:00"]
    window = twice_daily.time_window_for_partition_key("2024-01-01-12:00")
    assert (window.start.hour, window.end.day, window.end.hour) == (12, 2, 0)


@example("concepts/partitions_schedules_sensors/partition_defs.py")
def example_daily_partitions_end_offset(dg):
    days = dg.DailyPartitionsDefinition(start_date="2024-03-01", end_offset=1)
    assert days.get_partition_keys(current_time=datetime(2024, 3, 3, 8))[-1] == "2024-03-03"
    plain = dg.DailyPartitionsDefinition(start_date="2024-03-01")
    assert plain.get_partition_keys(current_time=datetime(2024, 3, 3, 8))[-1] == "2024-03-02"


@example("concepts/partitions_schedules_sensors/partitioned_asset.py")
def example_io_manager_partition_key_on_both_sides(dg):
    seen = []

    class PartitionedStore(dg.IOManager):
        def __init__(self):
            self.values = {}

        def handle_output(self, context, obj):
            seen.append(("out", context.has_partition_key, context.asset_partition_key))
            self.values[(context.asset_key.path[-1], context.asset_partition_key)] = obj

        def load_input(self, context):
            seen.append(("in", context.has_partition_key, context.asset_partition_key))
            return self.values[(context.asset_key.path[-1], context.asset_partition_key)]

    colors = dg.StaticPartitionsDefinition(["red", "blue"])

    @dg.asset(partitions_def=colors)
    def paint(context):
        return context.partition_key.upper()

    @dg.asset(partitions_def=colors)
    def paint_len(paint):
        return len(paint)

    store = PartitionedStore()
    result = materialize(
        dg, [paint, paint_len], partition_key="blue", resources={"io_manager": store}
    )
    assert result.output_for_node("paint_len") == 4
    assert seen == [("out", True, "blue"), ("in", True, "blue"), ("out", True, "blue")]


@example("concepts/partitions_schedules_sensors/static_partitioned_asset_job.py")
def example_unknown_partition_key_error(dg):
    letters = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=letters)
    def lettered(): ...

    try:
        materialize(dg, [lettered], partition_key="c")
    except Exception as e:  # the error class name is what users catch
        assert type(e).__name__ in ("DagsterUnknownPartitionError", "DagsterInvalidSubsetError"), (
            type(e).__name__
        )
        assert "c" in str(e)
    else:
        raise AssertionError("an unknown partition key must raise")
