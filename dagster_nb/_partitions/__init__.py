"""Partitions: definitions, keys, time windows, subsets and partition mappings (pure).

The clock is always a parameter (``current_time=``) and dynamic keys come from a
``dynamic_partitions_store``; nothing here touches storage, IPython or widgets.

    >>> import datetime as dt, dagster_nb as dg
    >>> dg.DailyPartitionsDefinition("2024-01-01").get_last_partition_key(
    ...     current_time=dt.datetime(2024, 2, 1))
    '2024-01-31'
"""

from dagster_nb._partitions.definition import DynamicPartitionsStore as DynamicPartitionsStore
from dagster_nb._partitions.definition import PartitionsDefinition as PartitionsDefinition
from dagster_nb._partitions.dynamic import (
    DynamicPartitionsDefinition as DynamicPartitionsDefinition,
)
from dagster_nb._partitions.mapping import AllPartitionMapping as AllPartitionMapping
from dagster_nb._partitions.mapping import DimensionPartitionMapping as DimensionPartitionMapping
from dagster_nb._partitions.mapping import IdentityPartitionMapping as IdentityPartitionMapping
from dagster_nb._partitions.mapping import LastPartitionMapping as LastPartitionMapping
from dagster_nb._partitions.mapping import MultiPartitionMapping as MultiPartitionMapping
from dagster_nb._partitions.mapping import (
    MultiToSingleDimensionPartitionMapping as MultiToSingleDimensionPartitionMapping,
)
from dagster_nb._partitions.mapping import PartitionMapping as PartitionMapping
from dagster_nb._partitions.mapping import (
    SpecificPartitionsPartitionMapping as SpecificPartitionsPartitionMapping,
)
from dagster_nb._partitions.mapping import StaticPartitionMapping as StaticPartitionMapping
from dagster_nb._partitions.mapping import TimeWindowPartitionMapping as TimeWindowPartitionMapping
from dagster_nb._partitions.mapping import UpstreamPartitionsResult as UpstreamPartitionsResult
from dagster_nb._partitions.mapping import infer_partition_mapping as infer_partition_mapping
from dagster_nb._partitions.mapping import validate_partition_mapping as validate_partition_mapping
from dagster_nb._partitions.multi import MultiPartitionKey as MultiPartitionKey
from dagster_nb._partitions.multi import MultiPartitionsDefinition as MultiPartitionsDefinition
from dagster_nb._partitions.multi import (
    PartitionDimensionDefinition as PartitionDimensionDefinition,
)
from dagster_nb._partitions.partition_key_range import PartitionKeyRange as PartitionKeyRange
from dagster_nb._partitions.static import StaticPartitionsDefinition as StaticPartitionsDefinition
from dagster_nb._partitions.subset import PartitionsSubset as PartitionsSubset
from dagster_nb._partitions.subset import compress_keys_to_ranges as compress_keys_to_ranges
from dagster_nb._partitions.time_window import TimeWindow as TimeWindow
from dagster_nb._partitions.time_window_definition import ScheduleType as ScheduleType
from dagster_nb._partitions.time_window_definition import (
    TimeWindowPartitionsDefinition as TimeWindowPartitionsDefinition,
)
from dagster_nb._partitions.time_window_subclasses import (
    DailyPartitionsDefinition as DailyPartitionsDefinition,
)
from dagster_nb._partitions.time_window_subclasses import (
    HourlyPartitionsDefinition as HourlyPartitionsDefinition,
)
from dagster_nb._partitions.time_window_subclasses import (
    MonthlyPartitionsDefinition as MonthlyPartitionsDefinition,
)
from dagster_nb._partitions.time_window_subclasses import (
    WeeklyPartitionsDefinition as WeeklyPartitionsDefinition,
)
