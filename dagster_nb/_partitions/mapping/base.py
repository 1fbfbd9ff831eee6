"""PartitionMapping: which upstream partitions a downstream partition depends on (and back).

The executor calls two methods, with keys in and keys out:

    mapping.get_upstream_partition_keys(downstream_keys, downstream_def, upstream_def,
                                        current_time=..., dynamic_partitions_store=...)
    mapping.get_downstream_partition_keys(upstream_keys, upstream_def, downstream_def, ...)

``downstream_keys=None`` means the downstream asset is unpartitioned. Results are ordered like
the target definition's keys. ``get_upstream_mapped_partitions_result`` also reports keys the
mapping requires that do not exist upstream (e.g. yesterday's partition before the start).

    >>> import dagster_nb as dg
    >>> p = dg.StaticPartitionsDefinition(["a", "b"])
    >>> dg.IdentityPartitionMapping().get_upstream_partition_keys(["b"], p, p)
    ['b']
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._partitions.definition import DynamicPartitionsStore, PartitionsDefinition


@dataclass(frozen=True, slots=True)
class UpstreamPartitionsResult:
    """Upstream keys a set of downstream keys maps to, plus required keys that do not exist."""

    partition_keys: list[str]
    required_but_nonexistent_partition_keys: list[str]


@dataclass(frozen=True, slots=True)
class MappedPartitionsSubsets:
    """Dagster's subset-shaped mapping result: the upstream partitions a downstream subset
    maps to, and the required upstream keys that do not exist."""

    partitions_subset: Any
    required_but_nonexistent_subset: Any


def order_like(keys: Iterable[str], all_keys: Sequence[str]) -> list[str]:
    """``keys`` (deduplicated) in the order of ``all_keys``; unknown keys are dropped."""
    wanted = set(keys)
    return [k for k in all_keys if k in wanted]


class PartitionMapping(ABC):
    """Base class of partition mappings; subclasses are immutable and compare by value."""

    __slots__ = ()

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        """Raise DagsterInvalidDefinitionError when the two definitions cannot be mapped."""
        return None  # most mappings fit any pair of definitions

    @abstractmethod
    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys: Sequence[str] | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        *,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        """Upstream keys for ``downstream_keys`` (None: the downstream is unpartitioned)."""

    def get_upstream_partition_keys(
        self,
        downstream_keys: Sequence[str] | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        *,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> list[str]:
        """Existing upstream keys the downstream keys depend on, in upstream order."""
        return self.get_upstream_mapped_partitions_result(
            downstream_keys,
            downstream_partitions_def,
            upstream_partitions_def,
            current_time=current_time,
            dynamic_partitions_store=dynamic_partitions_store,
        ).partition_keys

    @abstractmethod
    def get_downstream_partition_keys(
        self,
        upstream_keys: Sequence[str],
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        *,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> list[str]:
        """Downstream keys that depend on ``upstream_keys``, in downstream order."""

    # Dagster's public, subset-based entry points, over the key-based methods above.
    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: Any,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> MappedPartitionsSubsets:
        """The upstream subset that ``downstream_partitions_subset`` (None: the downstream is
        unpartitioned) depends on.

        >>> from dagster_nb._partitions.static import StaticPartitionsDefinition
        >>> from dagster_nb._partitions.mapping.builtin import IdentityPartitionMapping
        >>> p = StaticPartitionsDefinition(["a", "b"])
        >>> r = IdentityPartitionMapping().get_upstream_mapped_partitions_result_for_partitions(
        ...     p.empty_subset().with_partition_keys(["b"]), p, p)
        >>> r.partitions_subset.get_partition_keys(), len(r.required_but_nonexistent_subset)
        (['b'], 0)
        """
        keys = None
        if downstream_partitions_subset is not None:
            keys = list(downstream_partitions_subset.get_partition_keys())
        result = self.get_upstream_mapped_partitions_result(
            keys,
            downstream_partitions_def,
            upstream_partitions_def,
            current_time=current_time,
            dynamic_partitions_store=dynamic_partitions_store,
        )
        empty = upstream_partitions_def.empty_subset(current_time, dynamic_partitions_store)
        return MappedPartitionsSubsets(
            partitions_subset=empty.with_partition_keys(result.partition_keys),
            required_but_nonexistent_subset=empty.with_partition_keys(
                result.required_but_nonexistent_partition_keys
            ),
        )

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: Any,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Any:
        """The downstream subset that depends on ``upstream_partitions_subset``."""
        keys = self.get_downstream_partition_keys(
            list(upstream_partitions_subset.get_partition_keys()),
            upstream_partitions_def,
            downstream_partitions_def,
            current_time=current_time,
            dynamic_partitions_store=dynamic_partitions_store,
        )
        return downstream_partitions_def.empty_subset(
            current_time, dynamic_partitions_store
        ).with_partition_keys(keys)

    @property
    def description(self) -> str:
        return type(self).__name__
