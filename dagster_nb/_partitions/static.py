"""StaticPartitionsDefinition: a fixed list of partition keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError, raise_unexpected_keyword
from dagster_nb._partitions.definition import (
    DynamicPartitionsStore,
    PartitionsDefinition,
)

if TYPE_CHECKING:
    from dagster_nb._typing import NoExtraKwargs, Unpack

# The Dagster UI selects ranges as 'a...b', so "..." cannot be part of a key; control characters
# would not display. Same list as dagster's INVALID_PARTITION_SUBSTRINGS.
INVALID_PARTITION_SUBSTRINGS = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def check_partition_keys(partition_keys: Sequence[str]) -> None:
    """Reject keys with invalid substrings or duplicates, naming the offenders."""
    for key in partition_keys:
        if not isinstance(key, str):
            raise DagsterInvalidDefinitionError(
                f"Partition keys must be strings, got {key!r} ({type(key).__name__})."
            )
        bad = [s for s in INVALID_PARTITION_SUBSTRINGS if s in key]
        if bad:
            raise DagsterInvalidDefinitionError(
                f"{bad} are invalid substrings in a partition key (got {key!r}). Partition keys "
                "cannot contain '...' or control characters."
            )
    seen: set[str] = set()
    dupes = []
    for k in partition_keys:
        if k in seen:
            dupes.append(k)
        seen.add(k)
    if dupes:
        raise DagsterInvalidDefinitionError(
            "Partition keys must be unique. Duplicate instances of partition keys:"
            f" {sorted(set(dupes), key=dupes.index)}."
        )


# Frozen dataclass fields are set once, in __init__ (the dataclass idiom for frozen records).
_init = object.__setattr__


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class StaticPartitionsDefinition(PartitionsDefinition):
    """A statically-defined set of partitions.

    >>> import dagster_nb as dg
    >>> oceans = dg.StaticPartitionsDefinition(["arctic", "atlantic", "indian"])
    >>> oceans.get_partition_keys()
    ['arctic', 'atlantic', 'indian']
    """

    _partition_keys: tuple[str, ...]
    _key_set: frozenset[str]

    def __init__(self, partition_keys: Sequence[str], **kwargs: Unpack[NoExtraKwargs]):
        if kwargs:
            raise_unexpected_keyword("StaticPartitionsDefinition", kwargs, ("partition_keys",))
        if isinstance(partition_keys, str):
            raise DagsterInvalidDefinitionError(
                f"StaticPartitionsDefinition expects a list of keys, got the string "
                f"{partition_keys!r}. Did you mean [{partition_keys!r}]?"
            )
        keys = list(partition_keys)
        check_partition_keys(keys)
        _init(self, "_partition_keys", tuple(keys))
        _init(self, "_key_set", frozenset(keys))

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """The keys, in the order given."""
        return list(self._partition_keys)

    def has_partition_key(self, partition_key, current_time=None, dynamic_partitions_store=None):
        return partition_key in self._key_set

    def get_num_partitions(self, current_time=None, dynamic_partitions_store=None) -> int:
        return len(self._partition_keys)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StaticPartitionsDefinition)
            and self._partition_keys == other._partition_keys
        )

    def __hash__(self) -> int:
        return hash((StaticPartitionsDefinition, self._partition_keys))

    def __repr__(self) -> str:
        return f"StaticPartitionsDefinition(partition_keys={list(self._partition_keys)})"
