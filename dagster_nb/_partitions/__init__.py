"""Partitions: definitions, keys, time windows, subsets and partition mappings (pure).

The clock is always a parameter (``current_time=``) and dynamic keys come from a
``dynamic_partitions_store``; nothing here touches storage, IPython or widgets.

    >>> import datetime as dt, dagster_nb as dg
    >>> dg.DailyPartitionsDefinition("2024-01-01").get_last_partition_key(
    ...     current_time=dt.datetime(2024, 2, 1))
    '2024-01-31'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> submodule. Loaded on first use (PEP 562), so a partitions definition does not import
# every mapping and subset module with it.
_NAMES: dict[str, str] = {
    "DynamicPartitionsStore": "dagster_nb._partitions.definition",
    "PartitionsDefinition": "dagster_nb._partitions.definition",
    "DynamicPartitionsDefinition": "dagster_nb._partitions.dynamic",
    "AllPartitionMapping": "dagster_nb._partitions.mapping",
    "DimensionPartitionMapping": "dagster_nb._partitions.mapping",
    "IdentityPartitionMapping": "dagster_nb._partitions.mapping",
    "LastPartitionMapping": "dagster_nb._partitions.mapping",
    "MultiPartitionMapping": "dagster_nb._partitions.mapping",
    "MultiToSingleDimensionPartitionMapping": "dagster_nb._partitions.mapping",
    "PartitionMapping": "dagster_nb._partitions.mapping",
    "SpecificPartitionsPartitionMapping": "dagster_nb._partitions.mapping",
    "StaticPartitionMapping": "dagster_nb._partitions.mapping",
    "TimeWindowPartitionMapping": "dagster_nb._partitions.mapping",
    "UpstreamPartitionsResult": "dagster_nb._partitions.mapping",
    "infer_partition_mapping": "dagster_nb._partitions.mapping",
    "validate_partition_mapping": "dagster_nb._partitions.mapping",
    "MultiPartitionKey": "dagster_nb._partitions.multi",
    "MultiPartitionsDefinition": "dagster_nb._partitions.multi",
    "PartitionDimensionDefinition": "dagster_nb._partitions.multi",
    "PartitionKeyRange": "dagster_nb._partitions.partition_key_range",
    "StaticPartitionsDefinition": "dagster_nb._partitions.static",
    "PartitionsSubset": "dagster_nb._partitions.subset",
    "compress_keys_to_ranges": "dagster_nb._partitions.subset",
    "TimeWindow": "dagster_nb._partitions.time_window",
    "ScheduleType": "dagster_nb._partitions.time_window_definition",
    "TimeWindowPartitionsDefinition": "dagster_nb._partitions.time_window_definition",
    "DailyPartitionsDefinition": "dagster_nb._partitions.time_window_subclasses",
    "HourlyPartitionsDefinition": "dagster_nb._partitions.time_window_subclasses",
    "MonthlyPartitionsDefinition": "dagster_nb._partitions.time_window_subclasses",
    "WeeklyPartitionsDefinition": "dagster_nb._partitions.time_window_subclasses",
}

__all__ = sorted(_NAMES)

if TYPE_CHECKING:
    from dagster_nb._partitions.definition import DynamicPartitionsStore as DynamicPartitionsStore
    from dagster_nb._partitions.definition import PartitionsDefinition as PartitionsDefinition
    from dagster_nb._partitions.dynamic import (
        DynamicPartitionsDefinition as DynamicPartitionsDefinition,
    )
    from dagster_nb._partitions.mapping import AllPartitionMapping as AllPartitionMapping
    from dagster_nb._partitions.mapping import (
        DimensionPartitionMapping as DimensionPartitionMapping,
    )
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
    from dagster_nb._partitions.mapping import (
        TimeWindowPartitionMapping as TimeWindowPartitionMapping,
    )
    from dagster_nb._partitions.mapping import UpstreamPartitionsResult as UpstreamPartitionsResult
    from dagster_nb._partitions.mapping import infer_partition_mapping as infer_partition_mapping
    from dagster_nb._partitions.mapping import (
        validate_partition_mapping as validate_partition_mapping,
    )
    from dagster_nb._partitions.multi import MultiPartitionKey as MultiPartitionKey
    from dagster_nb._partitions.multi import MultiPartitionsDefinition as MultiPartitionsDefinition
    from dagster_nb._partitions.multi import (
        PartitionDimensionDefinition as PartitionDimensionDefinition,
    )
    from dagster_nb._partitions.partition_key_range import PartitionKeyRange as PartitionKeyRange
    from dagster_nb._partitions.static import (
        StaticPartitionsDefinition as StaticPartitionsDefinition,
    )
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


def __getattr__(name: str) -> Any:
    mod = _NAMES.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value  # next access is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))
