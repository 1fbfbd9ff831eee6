"""DynamicPartitionsDefinition: keys added and removed at runtime, read from a store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    raise_unexpected_keyword,
)
from dagster_nb._partitions.definition import (
    DynamicPartitionsStore,
    PartitionsDefinition,
)

if TYPE_CHECKING:
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "DynamicPartitionsDefinition",
    "AddDynamicPartitionsRequest",
    "DeleteDynamicPartitionsRequest",
]


def _checked_keys(partition_keys: object, what: str) -> list[str]:
    if isinstance(partition_keys, str) or not isinstance(partition_keys, (list, tuple)):
        raise DagsterInvalidInvocationError(
            f"{what} takes a list of partition keys, got {type(partition_keys).__name__} "
            f"{partition_keys!r}; wrap a single key in a list: [{partition_keys!r}]."
        )
    bad = [k for k in partition_keys if not isinstance(k, str)]
    if bad:
        raise DagsterInvalidInvocationError(
            f"{what}: partition keys are strings, got {bad[0]!r} ({type(bad[0]).__name__})."
        )
    return list(partition_keys)


@dataclass(frozen=True, slots=True, eq=True)
class AddDynamicPartitionsRequest:
    """A sensor's request to add keys to a dynamic partitions definition (applied when the
    sensor's result is processed; keys that exist already are skipped).

    >>> import dagster_nb as dg
    >>> fruits = dg.DynamicPartitionsDefinition(name="fruits")
    >>> fruits.build_add_request(["apple"])
    AddDynamicPartitionsRequest(partitions_def_name='fruits', partition_keys=['apple'])
    """

    partitions_def_name: str
    partition_keys: Sequence[str]

    def __post_init__(self) -> None:
        if not isinstance(self.partitions_def_name, str):
            raise DagsterInvalidInvocationError(
                f"partitions_def_name must be a string, got {self.partitions_def_name!r}."
            )
        object.__setattr__(
            self, "partition_keys", _checked_keys(self.partition_keys, type(self).__name__)
        )

    __hash__ = None  # type: ignore[assignment]  # holds a list, as Dagster's does


@dataclass(frozen=True, slots=True, eq=True)
class DeleteDynamicPartitionsRequest:
    """A sensor's request to delete keys from a dynamic partitions definition (keys that do not
    exist are skipped).

    >>> import dagster_nb as dg
    >>> dg.DynamicPartitionsDefinition(name="fruits").build_delete_request(["pear"]).partition_keys
    ['pear']
    """

    partitions_def_name: str
    partition_keys: Sequence[str]

    def __post_init__(self) -> None:
        if not isinstance(self.partitions_def_name, str):
            raise DagsterInvalidInvocationError(
                f"partitions_def_name must be a string, got {self.partitions_def_name!r}."
            )
        object.__setattr__(
            self, "partition_keys", _checked_keys(self.partition_keys, type(self).__name__)
        )

    __hash__ = None  # type: ignore[assignment]


# Frozen dataclass fields are set once, in __init__ (the dataclass idiom for frozen records).
_init = object.__setattr__


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class DynamicPartitionsDefinition(PartitionsDefinition):
    """A partitions definition whose keys live in the instance (the dynamic partitions store).

    >>> import dagster_nb as dg
    >>> class Store:
    ...     def get_dynamic_partitions(self, name): return ["apple", "pear"]
    ...     def has_dynamic_partition(self, name, key): return key in ("apple", "pear")
    >>> fruits = dg.DynamicPartitionsDefinition(name="fruits")
    >>> fruits.get_partition_keys(dynamic_partitions_store=Store())
    ['apple', 'pear']
    """

    name: str | None
    partition_fn: Callable[[datetime | None], Sequence[str]] | None

    def __init__(
        self,
        partition_fn: Callable[[datetime | None], Sequence[str]] | None = None,
        name: str | None = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword(
                "DynamicPartitionsDefinition", kwargs, ("partition_fn", "name")
            )
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
        _init(self, "name", name)
        _init(self, "partition_fn", partition_fn)

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
        assert self.name is not None  # __init__ requires a name when there is no partition_fn
        return list(self._store(dynamic_partitions_store).get_dynamic_partitions(self.name))

    def has_partition_key(self, partition_key, current_time=None, dynamic_partitions_store=None):
        if self.partition_fn is not None:
            return partition_key in self.get_partition_keys(current_time)
        store = self._store(dynamic_partitions_store)
        return bool(store.has_dynamic_partition(self._validated_name(), partition_key))

    def _validated_name(self) -> str:
        if self.name is None:
            raise DagsterInvalidInvocationError(
                "Dynamic partitions definition must have a name to fetch dynamic partitions: "
                "use DynamicPartitionsDefinition(name=...) (partition_fn definitions have no "
                "stored keys to add to or delete from)."
            )
        return self.name

    def build_add_request(self, partition_keys: Sequence[str]) -> AddDynamicPartitionsRequest:
        """A request, for ``SensorResult(dynamic_partitions_requests=[...])``, to add keys.

        >>> import dagster_nb as dg
        >>> dg.DynamicPartitionsDefinition(name="fruits").build_add_request(["apple"]).partition_keys
        ['apple']
        """
        keys = _checked_keys(partition_keys, "build_add_request")
        return AddDynamicPartitionsRequest(self._validated_name(), keys)

    def build_delete_request(self, partition_keys: Sequence[str]) -> DeleteDynamicPartitionsRequest:
        """A request, for ``SensorResult(dynamic_partitions_requests=[...])``, to delete keys.

        >>> import dagster_nb as dg
        >>> dg.DynamicPartitionsDefinition(name="fruits").build_delete_request(["apple"]).partitions_def_name
        'fruits'
        """
        keys = _checked_keys(partition_keys, "build_delete_request")
        return DeleteDynamicPartitionsRequest(self._validated_name(), keys)

    def _describe_valid_keys_for(self, partition_key, current_time, dynamic_partitions_store):
        return (
            PartitionsDefinition._describe_valid_keys_for(  # no zero-arg super() in a slots dataclass
                self, partition_key, current_time, dynamic_partitions_store
            )
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
        return (
            f"DynamicPartitionsDefinition(partition_fn={self.partition_fn!r}, name={self.name!r})"
        )

    def __str__(self) -> str:
        return (
            f'Dynamic partitions: "{self.name}"'
            if self.name
            else PartitionsDefinition.__str__(self)
        )
