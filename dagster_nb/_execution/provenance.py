"""How the version of an input is recorded when it spans several partitions.

The executor records, on each materialization, the data version of every input it read; the
staleness resolver recomputes the same value from the instance. Both use these functions, so an
input read from many partitions is one combined version over (partition, data version) pairs:
re-materializing a partition with the same value leaves it unchanged, and any real change in
any partition changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["combine_versions", "version_of_partitions"]


def combine_versions(pairs: Sequence[tuple[str, str | None]]) -> str | None:
    """One version for several partitions; None when none of them has a version."""
    if all(v is None for _, v in pairs):
        return None
    h = hashlib.sha256()
    for pk, v in sorted(pairs, key=lambda kv: kv[0]):
        h.update(f"{pk}\x00{v or ''}\x01".encode())
    return "multi:" + h.hexdigest()[:24]


def version_of_partitions(
    lookup: Callable[[Any, str | None], str | None], key: Any, partition_keys: Sequence[str] | None
) -> str | None:
    """The version of ``key`` as read through ``partition_keys`` (None: unpartitioned)."""
    if partition_keys is None:
        return lookup(key, None)
    if len(partition_keys) == 1:
        return lookup(key, partition_keys[0])
    return combine_versions([(pk, lookup(key, pk)) for pk in partition_keys])
