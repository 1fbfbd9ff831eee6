"""Partition subsets and compressed status ranges (for UIs and the instance).

>>> compress_keys_to_ranges(["a", "b", "c", "d"], {"a": "ok", "b": "ok", "d": "failed"})
[('a', 'b', 'ok'), ('d', 'd', 'failed')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dagster_nb._partitions.partition_key_range import PartitionKeyRange


def compress_keys_to_ranges(
    all_keys_in_order: Sequence[str], key_to_status: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """Runs of consecutive keys (in definition order) sharing a status, as (start, end, status).

    Keys missing from ``key_to_status`` break runs and are not reported. One pass; 100,000 keys
    take a few milliseconds.
    """
    out: list[tuple[str, str, str]] = []
    get = key_to_status.get
    run_start = run_end = ""
    run_status: str | None = None
    for key in all_keys_in_order:
        status = get(key)
        if status is not None and status == run_status:
            run_end = key
            continue
        if run_status is not None:
            out.append((run_start, run_end, run_status))
        run_start = run_end = key
        run_status = status
    if run_status is not None:
        out.append((run_start, run_end, run_status))
    return out


class PartitionsSubset:
    """An immutable set of partition keys of one definition, ordered like the definition.

    >>> s = PartitionsSubset(["a", "b", "c", "d"], ["a", "b", "d"])
    >>> s.get_partition_keys(), s.get_partition_key_ranges()
    (['a', 'b', 'd'], [PartitionKeyRange(start='a', end='b'), PartitionKeyRange(start='d', end='d')])
    >>> "c" in s.with_partition_keys(["c"]), len(s)
    (True, 3)
    """

    __slots__ = ("_all_keys", "_keys")
    _all_keys: Sequence[str]
    _keys: frozenset[str]

    def __init__(self, all_keys_in_order: Sequence[str], partition_keys: Iterable[str] = ()):
        object.__setattr__(self, "_all_keys", all_keys_in_order)
        object.__setattr__(self, "_keys", frozenset(partition_keys))

    def __setattr__(self, name, value):
        raise AttributeError("PartitionsSubset is immutable; use with_partition_keys")

    def __reduce__(self):  # pickles (Dask workers) without setting attributes
        return (type(self), (self._all_keys, self._keys))

    def get_partition_keys(self) -> list[str]:
        """The keys in definition order (keys not in the definition come last, sorted)."""
        keys = self._keys
        ordered = [k for k in self._all_keys if k in keys]
        if len(ordered) != len(keys):
            ordered += sorted(keys.difference(self._all_keys))
        return ordered

    def get_partition_key_ranges(self) -> list[PartitionKeyRange]:
        """Runs of consecutive keys as PartitionKeyRanges."""
        status = dict.fromkeys(self._keys, "in")
        return [
            PartitionKeyRange(s, e) for s, e, _ in compress_keys_to_ranges(self._all_keys, status)
        ]

    def with_partition_keys(self, partition_keys: Iterable[str]) -> PartitionsSubset:
        """A new subset with ``partition_keys`` added."""
        return PartitionsSubset(self._all_keys, self._keys.union(partition_keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self.get_partition_keys())

    def __or__(self, other: PartitionsSubset) -> PartitionsSubset:
        return PartitionsSubset(self._all_keys, self._keys | other._keys)

    def __and__(self, other: PartitionsSubset) -> PartitionsSubset:
        return PartitionsSubset(self._all_keys, self._keys & other._keys)

    def __sub__(self, other: PartitionsSubset) -> PartitionsSubset:
        return PartitionsSubset(self._all_keys, self._keys - other._keys)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartitionsSubset) and self._keys == other._keys

    def __hash__(self) -> int:
        return hash(self._keys)

    def __repr__(self) -> str:
        return f"PartitionsSubset({self.get_partition_keys()!r})"
