"""Instance queries through the public names a Dagster user imports."""

from __future__ import annotations

import dagster_nb as dg


def test_asset_records_filter_is_public_and_filters_partitions(tmp_path):
    letters_def = dg.StaticPartitionsDefinition(["a", "b", "c"])

    @dg.asset(partitions_def=letters_def)
    def letters(context):
        return context.partition_key

    with dg.DagsterInstance.from_directory(str(tmp_path)) as instance:  # SQLite
        for key in ("a", "b", "c"):
            assert dg.materialize([letters], instance=instance, partition_key=key).success
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=letters.key, asset_partitions=["a", "c"]), limit=10
        )
        assert sorted(r.partition_key for r in page.records) == ["a", "c"]
