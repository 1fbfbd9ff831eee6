"""DynamicPartitionsDefinition: keys added and removed at runtime, read from a store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from dagster_nb._partitions.definition import DynamicPartitionsStore, Immutable, PartitionsDefinition


class DynamicPartitionsDefinition(PartitionsDefinition, Immutable):
    """A partitions definition whose keys live in the instance (the dynamic partitions store).

    >>> import dagster_nb as dg
    >>> class Store:
    ...     def get_dynamic_partitions(self, name): return ["apple", "pear"]
    ...     def has_dynamic_partition(self, name, key): return key in ("apple", "pear")
    >>> fruits = dg.DynamicPartitionsDefinition(name="fruits")
    >>> fruits.get_partition_keys(dynamic_partitions_store=Store())
    ['apple', 'pear']
    """

    __slots__ = ("name", "partition_fn")

    def __init__(self, partition_fn=None, name: str | None = None):
        if partition_fn is None and name is None:
            raise DagsterInvalidDefinitionError(
                "Must provide either partition_fn or name to DynamicPartitionsDefinition, e.g. "
                "DynamicPartitionsDefinition(name='fruits')."
            )
        if partition_fn is not None and name is not None:
            raise DagsterInvalidDefinitionError(
                "Cannot provide both partition_fn and name to DynamicPartitionsDefinition."
            )
        if name is not None and not isinstance(name, str):
            raise DagsterInvalidDefinitionError(
                f"DynamicPartitionsDefinition name must be a string, got {name!r}."
            )
        self._set(name=name, partition_fn=partition_fn)

    def _store(self, store: DynamicPartitionsStore | None) -> DynamicPartitionsStore:
        if store is None:
            raise DagsterInvalidInvocationError(
                f"DynamicPartitionsDefinition(name={self.name!r}) needs a dynamic_partitions_store "
                "to list its keys: pass dynamic_partitions_store=<the DagsterInstance>."
            )
        return store

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """The keys currently in the store (or returned by the legacy ``partition_fn``)."""
        if self.partition_fn is not None:
            parts = self.partition_fn(current_time)
            return [getattr(p, "name", p) for p in parts]
        return list(self._store(dynamic_partitions_store).get_dynamic_partitions(self.name))

    def has_partition_key(self, partition_key, current_time=None, dynamic_partitions_store=None):
        if self.partition_fn is not None:
            return partition_key in self.get_partition_keys(current_time)
        return bool(
            self._store(dynamic_partitions_store).has_dynamic_partition(self.name, partition_key)
        )

    def _describe_valid_keys_for(self, partition_key, current_time, dynamic_partitions_store):
        return (
            super()._describe_valid_keys_for(partition_key, current_time, dynamic_partitions_store)
            + f" Add it with instance.add_dynamic_partitions({self.name!r}, [{partition_key!r}])."
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DynamicPartitionsDefinition)
            and self.name == other.name
            and self.partition_fn == other.partition_fn
        )

    def __hash__(self) -> int:
        return hash((DynamicPartitionsDefinition, self.name, self.partition_fn))

    def __repr__(self) -> str:
        return f"DynamicPartitionsDefinition(partition_fn={self.partition_fn!r}, name={self.name!r})"

    def __str__(self) -> str:
        return f'Dynamic partitions: "{self.name}"' if self.name else super().__str__()
