"""Partition mappings (see ``base`` for the interface the executor calls)."""

from dagster_nb._partitions.mapping.base import PartitionMapping as PartitionMapping
from dagster_nb._partitions.mapping.base import UpstreamPartitionsResult as UpstreamPartitionsResult
from dagster_nb._partitions.mapping.builtin import AllPartitionMapping as AllPartitionMapping
from dagster_nb._partitions.mapping.builtin import (
    IdentityPartitionMapping as IdentityPartitionMapping,
)
from dagster_nb._partitions.mapping.builtin import LastPartitionMapping as LastPartitionMapping
from dagster_nb._partitions.mapping.builtin import (
    SpecificPartitionsPartitionMapping as SpecificPartitionsPartitionMapping,
)
from dagster_nb._partitions.mapping.builtin import StaticPartitionMapping as StaticPartitionMapping
from dagster_nb._partitions.mapping.multi import (
    DimensionPartitionMapping as DimensionPartitionMapping,
)
from dagster_nb._partitions.mapping.multi import MultiPartitionMapping as MultiPartitionMapping
from dagster_nb._partitions.mapping.multi import (
    MultiToSingleDimensionPartitionMapping as MultiToSingleDimensionPartitionMapping,
)
from dagster_nb._partitions.mapping.multi import infer_partition_mapping as infer_partition_mapping
from dagster_nb._partitions.mapping.multi import (
    validate_partition_mapping as validate_partition_mapping,
)
from dagster_nb._partitions.mapping.time_window import (
    TimeWindowPartitionMapping as TimeWindowPartitionMapping,
)
