"""The simple partition mappings: Identity, All, Last, SpecificPartitions, Static.

>>> import dagster_nb as dg
>>> up = dg.StaticPartitionsDefinition(["a", "b", "c"])
>>> dg.LastPartitionMapping().get_upstream_partition_keys(None, None, up)
['c']
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import field

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from dagster_nb._partitions.mapping.base import (
    PartitionMapping,
    UpstreamPartitionsResult,
    order_like,
)
from dagster_nb._partitions.static import StaticPartitionsDefinition


@dataclass(frozen=True, slots=True)
class IdentityPartitionMapping(PartitionMapping):
    """Each downstream partition depends on the upstream partition with the same key.

    >>> import dagster_nb as dg
    >>> p = dg.StaticPartitionsDefinition(["a", "b"])
    >>> dg.IdentityPartitionMapping().get_downstream_partition_keys(["a"], p, p)
    ['a']
    """

    @property
    def description(self) -> str:
        return (
            "Assumes upstream and downstream assets share the same partitions definition. Maps "
            "each partition in the downstream asset to the same partition in the upstream asset."
        )

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        if type(upstream_partitions_def) is not type(downstream_partitions_def):
            raise DagsterInvalidDefinitionError(
                "Upstream and downstream partitions definitions must match, or a different "
                "partition mapping must be provided. Got upstream definition "
                f"{upstream_partitions_def!r} and downstream definition "
                f"{downstream_partitions_def!r}."
            )

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if downstream_keys is None:
            raise DagsterInvalidInvocationError(
                "IdentityPartitionMapping needs a partitioned downstream asset."
            )
        if downstream_partitions_def == upstream_partitions_def:
            return UpstreamPartitionsResult(list(dict.fromkeys(downstream_keys)), [])
        up = upstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
        up_set = set(up)
        missing = [k for k in dict.fromkeys(downstream_keys) if k not in up_set]
        return UpstreamPartitionsResult(order_like(downstream_keys, up), missing)

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if upstream_partitions_def == downstream_partitions_def:
            return list(dict.fromkeys(upstream_keys))
        down = downstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
        return order_like(upstream_keys, down)


@dataclass(frozen=True, slots=True)
class AllPartitionMapping(PartitionMapping):
    """Every downstream partition depends on every upstream partition."""

    @property
    def description(self) -> str:
        return "Each downstream partition depends on all partitions of the upstream asset."

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        keys = upstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
        return UpstreamPartitionsResult(list(keys), [])

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if not upstream_keys:
            return []
        return list(
            downstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
        )


@dataclass(frozen=True, slots=True)
class LastPartitionMapping(PartitionMapping):
    """Every downstream partition depends on the last upstream partition."""

    @property
    def description(self) -> str:
        return "Each downstream partition depends on the last partition of the upstream asset."

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        last = upstream_partitions_def.get_last_partition_key(
            current_time, dynamic_partitions_store
        )
        return UpstreamPartitionsResult([] if last is None else [last], [])

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        last = upstream_partitions_def.get_last_partition_key(
            current_time, dynamic_partitions_store
        )
        if last is not None and last in set(upstream_keys):
            return list(
                downstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
            )
        return []


@dataclass(frozen=True, slots=True)
class SpecificPartitionsPartitionMapping(PartitionMapping):
    """Every downstream partition depends on the given upstream keys.

    >>> import dagster_nb as dg
    >>> up = dg.StaticPartitionsDefinition(["a", "b", "c"])
    >>> dg.SpecificPartitionsPartitionMapping(["c", "a"]).get_upstream_partition_keys(None, None, up)
    ['a', 'c']
    """

    @property
    def description(self) -> str:
        return (
            "Each downstream partition depends on the following upstream partitions: "
            f"{list(self.partition_keys)}"
        )

    partition_keys: Sequence[str]

    def __post_init__(self):
        object.__setattr__(
            self, "partition_keys", list(self.partition_keys)
        )  # a list, as Dagster's

    def __hash__(self) -> int:
        return hash((SpecificPartitionsPartitionMapping, tuple(self.partition_keys)))

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        # A static upstream's keys are known now: naming one it lacks is a definition error
        # (Dagster accepts it and the run then fails loading the missing partition).
        if isinstance(upstream_partitions_def, StaticPartitionsDefinition):
            valid = upstream_partitions_def.get_partition_keys()
            extra = [k for k in self.partition_keys if k not in set(valid)]
            if extra:
                shown = ", ".join(repr(k) for k in valid[:10]) + (
                    ", ..." if len(valid) > 10 else ""
                )
                raise DagsterInvalidDefinitionError(
                    f"SpecificPartitionsPartitionMapping names partitions not in the upstream "
                    f"partitions definition: {extra}; its keys are {shown}."
                )

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        up = upstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
        up_set = set(up)
        missing = [k for k in self.partition_keys if k not in up_set]
        return UpstreamPartitionsResult(order_like(self.partition_keys, up), missing)

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if set(self.partition_keys) & set(upstream_keys):
            return list(
                downstream_partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
            )
        return []


@dataclass(frozen=True, slots=True)
class StaticPartitionMapping(PartitionMapping):
    """An explicit upstream-key -> downstream-key(s) correspondence between static definitions.

    >>> import dagster_nb as dg
    >>> up, down = dg.StaticPartitionsDefinition(["a", "b"]), dg.StaticPartitionsDefinition(["x"])
    >>> m = dg.StaticPartitionMapping({"a": "x", "b": ["x"]})
    >>> m.get_upstream_partition_keys(["x"], down, up)
    ['a', 'b']
    """

    @property
    def description(self) -> str:
        return (
            "Maps upstream partitions to their downstream dependencies according to the "
            f"following mapping: \n{self.downstream_partition_keys_by_upstream_partition_key}"
        )

    downstream_partition_keys_by_upstream_partition_key: Mapping[str, str | Collection[str]]
    _mapping: dict = field(init=False, repr=False, compare=False, hash=False)
    _inverse: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        mapping = {
            up: frozenset([down] if isinstance(down, str) else down)
            for up, down in self.downstream_partition_keys_by_upstream_partition_key.items()
        }
        inverse: dict[str, set[str]] = {}
        for up, downs in mapping.items():
            for d in downs:
                inverse.setdefault(d, set()).add(up)
        object.__setattr__(self, "_mapping", mapping)
        object.__setattr__(self, "_inverse", inverse)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._mapping.items())))

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        for what, pd in (
            ("Upstream", upstream_partitions_def),
            ("Downstream", downstream_partitions_def),
        ):
            if not isinstance(pd, StaticPartitionsDefinition):
                raise DagsterInvalidDefinitionError(
                    f"{what} partitions definition must be a StaticPartitionsDefinition for "
                    f"StaticPartitionMapping, got {pd!r}."
                )
        extra = set(self._mapping) - set(upstream_partitions_def.get_partition_keys())
        if extra:
            raise DagsterInvalidDefinitionError(
                f"mapping source partitions not in the upstream partitions definition: {extra}"
            )
        extra = set(self._inverse) - set(downstream_partitions_def.get_partition_keys())
        if extra:
            raise DagsterInvalidDefinitionError(
                f"mapping target partitions not in the downstream partitions definition: {extra}"
            )

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if downstream_keys is None:
            return UpstreamPartitionsResult([], [])
        ups = set()
        for k in downstream_keys:
            ups |= self._inverse.get(k, set())
        return UpstreamPartitionsResult(
            order_like(ups, upstream_partitions_def.get_partition_keys()), []
        )

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        downs = set()
        for k in upstream_keys:
            downs |= self._mapping.get(k, frozenset())
        return order_like(downs, downstream_partitions_def.get_partition_keys())
