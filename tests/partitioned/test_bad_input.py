"""Bad input: a clear error naming the value and the valid form, and nothing written."""

import pytest

import dagster_nb as dg


def test_invalid_cron_names_the_value():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"0 0 \* \* mon-xyz") as exc:
        dg.TimeWindowPartitionsDefinition(
            cron_schedule="0 0 * * mon-xyz", start="2024-01-01", fmt="%Y-%m-%d"
        )
    assert "cron" in str(exc.value).lower()


def test_start_after_end_names_both():
    with pytest.raises(dg.DagsterInvalidDefinitionError) as exc:
        dg.DailyPartitionsDefinition(start_date="2024-02-01", end_date="2024-01-01")
    assert "2024-02-01" in str(exc.value) and "2024-01-01" in str(exc.value)


def test_start_date_in_wrong_format():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="2024/01/01") as exc:
        dg.DailyPartitionsDefinition(start_date="2024/01/01")
    assert "%Y-%m-%d" in str(exc.value)


@pytest.mark.parametrize(
    ("pdef", "bad", "hint"),
    [
        (
            dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01"),
            "2024-13-01",
            "%Y-%m-%d",
        ),
        (
            dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01"),
            "2024-03-01",
            "2024-01-31",
        ),
        (dg.StaticPartitionsDefinition(["red", "green"]), "gren", "green"),
        (
            dg.HourlyPartitionsDefinition(
                start_date="2024-01-01-00:00", end_date="2024-01-02-00:00"
            ),
            "2024-01-01",
            "%H:%M",
        ),
    ],
    ids=["bad-date", "after-end", "static-typo", "hourly-format"],
)
def test_unknown_partition_key_writes_nothing(instance, pdef, bad, hint, nothing_written):
    calls = []

    @dg.asset(partitions_def=pdef)
    def a():
        calls.append(1)
        return 1

    with pytest.raises(dg.DagsterUnknownPartitionError) as exc:
        dg.materialize([a], partition_key=bad, instance=instance)
    assert bad in str(exc.value) and hint in str(exc.value)
    assert calls == []
    nothing_written(instance)


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("2024-01-01", "|"),
        ("2024-01-01|eu|x", "|"),
        ("eu|2024-01-01", "date"),
        ("2024-01-01|asia", "asia"),
    ],
    ids=["no-separator", "three-parts", "swapped", "unknown-region"],
)
def test_malformed_multi_partition_key(instance, key, hint, nothing_written):
    multi = dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05"),
            "region": dg.StaticPartitionsDefinition(["eu", "us"]),
        }
    )

    @dg.asset(partitions_def=multi)
    def a():
        return 1

    with pytest.raises(dg.DagsterUnknownPartitionError) as exc:
        dg.materialize([a], partition_key=key, instance=instance)
    assert key in str(exc.value) and hint in str(exc.value)
    nothing_written(instance)


def test_missing_partition_key_says_how(instance, nothing_written):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
    def a():
        return 1

    with pytest.raises(dg.DagsterInvalidInvocationError, match="partition_key=") as exc:
        dg.materialize([a], instance=instance)
    assert "'y'" in str(exc.value)
    nothing_written(instance)


def test_partition_key_for_unpartitioned_asset(instance, nothing_written):
    @dg.asset
    def a():
        return 1

    with pytest.raises(
        dg.DagsterInvalidInvocationError, match="none of the selected assets is partitioned"
    ):
        dg.materialize([a], partition_key="x", instance=instance)
    nothing_written(instance)


def test_unknown_dynamic_partition(instance):
    files = dg.DynamicPartitionsDefinition(name="files")

    @dg.asset(partitions_def=files)
    def a():
        return 1

    instance.add_dynamic_partitions("files", ["a.csv"])
    with pytest.raises(dg.DagsterUnknownPartitionError, match="b.csv"):
        dg.materialize([a], partition_key="b.csv", instance=instance)
    assert instance.get_runs_count() == 0 and instance.all_asset_keys() == []


@pytest.mark.parametrize(
    "case",
    [
        "static-from-daily-identity",
        "static-mapping-on-time",
        "unknown-dimension",
        "time-window-from-static",
    ],
)
def test_incompatible_partition_mapping_rejected_before_running(instance, case, nothing_written):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
    static = dg.StaticPartitionsDefinition(["x", "y"])
    multi = dg.MultiPartitionsDefinition({"date": daily, "color": static})
    up_pdef, down_pdef, mapping, key = {
        "static-from-daily-identity": (daily, static, None, "x"),
        "static-mapping-on-time": (
            daily,
            daily,
            dg.StaticPartitionMapping({"x": "y"}),
            "2024-01-01",
        ),
        "unknown-dimension": (
            multi,
            static,
            dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="nope"),
            "x",
        ),
        "time-window-from-static": (
            static,
            daily,
            dg.TimeWindowPartitionMapping(start_offset=-1),
            "2024-01-01",
        ),
    }[case]
    calls = []

    @dg.asset(partitions_def=up_pdef)
    def up():
        calls.append("up")
        return 1

    @dg.asset(partitions_def=down_pdef, ins={"up": dg.AssetIn(partition_mapping=mapping)})
    def down(up):
        calls.append("down")
        return up

    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="Invalid partition mapping from down to up"
    ) as exc:
        dg.Definitions(assets=[up, down]).resolve_asset_graph()
    assert "partition_mapping" in str(exc.value)
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="Invalid partition mapping from down to up"
    ):
        dg.materialize([up, down], selection="down", partition_key=key, instance=instance)
    assert calls == []
    nothing_written(instance)


def test_selection_naming_unknown_group(instance, nothing_written):
    @dg.asset(group_name="sales")
    def orders():
        return 1

    with pytest.raises(dg.DagsterInvalidAssetSelectionError) as exc:
        dg.materialize([orders], selection="group:sale", instance=instance)
    msg = str(exc.value)
    assert "'sale'" in msg and "sales" in msg
    with pytest.raises(dg.DagsterInvalidAssetSelectionError, match="no group named 'marketing'"):
        dg.materialize([orders], selection="group:marketing or key:orders", instance=instance)
    with pytest.raises(dg.DagsterInvalidAssetSelectionError, match="no asset has key 'ordrs'"):
        dg.materialize([orders], selection="key:ordrs", instance=instance)
    nothing_written(instance)


def test_two_partitions_definitions_in_one_run(instance, nothing_written):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x"]))
    def a():
        return 1

    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["y"]))
    def b():
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="same partitions definitions"):
        dg.materialize([a, b], partition_key="x", instance=instance)
    nothing_written(instance)


def test_range_with_bounds_out_of_order(instance, nothing_written):
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")

    @dg.asset(partitions_def=daily)
    def a():
        return 1

    with pytest.raises(dg.DagsterInvalidInvocationError, match="start comes after its end") as exc:
        dg.materialize(
            [a],
            partition_key_range=dg.PartitionKeyRange("2024-01-04", "2024-01-02"),
            instance=instance,
        )
    assert "PartitionKeyRange('2024-01-02', '2024-01-04')" in str(exc.value)
    with pytest.raises(dg.DagsterUnknownPartitionError, match="2023-12-30"):
        dg.materialize(
            [a],
            partition_key_range=dg.PartitionKeyRange("2023-12-30", "2024-01-02"),
            instance=instance,
        )
    with pytest.raises(dg.DagsterInvalidInvocationError, match="names no partitions"):
        dg.materialize([a], partition_keys=[], instance=instance)
    nothing_written(instance)
