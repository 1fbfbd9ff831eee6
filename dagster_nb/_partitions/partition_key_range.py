"""PartitionKeyRange: an inclusive range of partition keys."""

from __future__ import annotations

from typing import NamedTuple


class PartitionKeyRange(NamedTuple):
    """A range of partitions, inclusive on both ends (a NamedTuple, as in Dagster).

    >>> PartitionKeyRange(start="a", end="c")
    PartitionKeyRange(start='a', end='c')
    """

    start: str
    end: str
