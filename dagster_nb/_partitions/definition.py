"""PartitionsDefinition: the abstract set of partition keys an asset can be split into.

Every method that depends on time or on dynamically added keys takes ``current_time`` and
``dynamic_partitions_store`` as parameters, as in Dagster; only the public edge defaults the clock
to "now".

    >>> import dagster_nb as dg
    >>> dg.StaticPartitionsDefinition(["a", "b"]).get_partition_keys()
    ['a', 'b']
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Protocol, runtime_checkable

from dagster_nb._errors import DagsterInvalidInvocationError, DagsterUnknownPartitionError
from dagster_nb._partitions.partition_key_range import PartitionKeyRange


@runtime_checkable
class DynamicPartitionsStore(Protocol):
    """What dynamic partitions are read from (the instance implements it)."""

    def get_dynamic_partitions(self, partitions_def_name: str) -> Sequence[str]: ...

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool: ...


def resolve_current_time(current_time: datetime | None) -> datetime:
    """The public edge's default clock: ``current_time`` or now (UTC)."""
    return current_time if current_time is not None else datetime.now(timezone.utc)


class PartitionsDefinition(ABC):
    """Defines a set of partitions, which can be attached to an asset.

    Subclasses: StaticPartitionsDefinition, DynamicPartitionsDefinition,
    TimeWindowPartitionsDefinition (and Hourly/Daily/Weekly/Monthly), MultiPartitionsDefinition.
    """

    __slots__ = ()

    @abstractmethod
    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """All partition keys, in order."""

    def get_last_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The last key, or None when there are no partitions."""
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[-1] if keys else None

    def get_first_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The first key, or None when there are no partitions."""
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[0] if keys else None

    def get_num_partitions(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> int:
        """How many partitions exist."""
        return len(self.get_partition_keys(current_time, dynamic_partitions_store))

    def has_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> bool:
        """Whether ``partition_key`` is one of this definition's keys."""
        return partition_key in self.get_partition_keys(current_time, dynamic_partitions_store)

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """Keys from ``range.start`` to ``range.end`` inclusive, in definition order."""
        keys = list(self.get_partition_keys(current_time, dynamic_partitions_store))
        index = {k: i for i, k in enumerate(keys)}
        missing = [
            k for k in (partition_key_range.start, partition_key_range.end) if k not in index
        ]
        if missing:
            raise DagsterInvalidInvocationError(
                f"Partition range {partition_key_range.start} to {partition_key_range.end} is "
                f"not a valid range. Nonexistent partition keys: {missing}."
                + self._describe_valid_keys(keys)
            )
        return keys[index[partition_key_range.start] : index[partition_key_range.end] + 1]

    def validate_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> None:
        """Raise DagsterUnknownPartitionError (saying what a valid key looks like) if absent."""
        if not self.has_partition_key(partition_key, current_time, dynamic_partitions_store):
            raise DagsterUnknownPartitionError(
                f"Could not find a partition with key `{partition_key}`."
                + self._describe_valid_keys_for(
                    partition_key, current_time, dynamic_partitions_store
                )
            )

    def _describe_valid_keys_for(
        self,
        partition_key: str,
        current_time: datetime | None,
        dynamic_partitions_store: DynamicPartitionsStore | None,
    ) -> str:
        return self._describe_valid_keys(
            self.get_partition_keys(current_time, dynamic_partitions_store), partition_key
        )

    @staticmethod
    def _describe_valid_keys(keys: Sequence[str], wrong: str | None = None) -> str:
        from dagster_nb._errors import did_you_mean

        if not keys:
            return " The partitions definition has no partitions."
        hint = did_you_mean(wrong, keys) if wrong is not None else ""
        shown = ", ".join(f"'{k}'" for k in keys[:10]) + (", ..." if len(keys) > 10 else "")
        return f"{hint} Valid keys: {shown} ({len(keys)} in all)."

    def subset_with_partition_keys(
        self,
        partition_keys: Iterable[str],
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ):
        """A PartitionsSubset of this definition holding ``partition_keys``."""
        from dagster_nb._partitions.subset import PartitionsSubset

        return PartitionsSubset(
            self.get_partition_keys(current_time, dynamic_partitions_store), partition_keys
        )

    def empty_subset(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ):
        """An empty PartitionsSubset of this definition."""
        return self.subset_with_partition_keys((), current_time, dynamic_partitions_store)

    def __str__(self) -> str:
        return ", ".join(f"'{k}'" for k in self.get_partition_keys())
