"""Mappings involving MultiPartitionsDefinitions.

``MultiToSingleDimensionPartitionMapping`` relates one dimension of a multi-partitioned asset to
a single-dimension asset; ``MultiPartitionMapping`` relates two multi-partitioned assets
dimension by dimension (unmentioned dimensions map all-to-all).

    >>> import dagster_nb as dg
    >>> colors = dg.StaticPartitionsDefinition(["red", "blue"])
    >>> multi = dg.MultiPartitionsDefinition(
    ...     {"color": colors, "size": dg.StaticPartitionsDefinition(["s", "l"])})
    >>> dg.MultiToSingleDimensionPartitionMapping("color").get_upstream_partition_keys(
    ...     ["blue"], colors, multi)
    ['blue|s', 'blue|l']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError
from dagster_nb._partitions.definition import PartitionsDefinition
from dagster_nb._partitions.mapping.base import (
    PartitionMapping,
    UpstreamPartitionsResult,
    order_like,
)
from dagster_nb._partitions.mapping.builtin import AllPartitionMapping, IdentityPartitionMapping
from dagster_nb._partitions.mapping.time_window import TimeWindowPartitionMapping
from dagster_nb._partitions.multi import MultiPartitionsDefinition
from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition


def infer_single_to_multi_dimension(
    upstream_def, downstream_def, partition_dimension_name: str | None = None
) -> tuple[str, PartitionMapping] | str:
    """(dimension name, inner mapping), or the reason it cannot be inferred (Dagster's rules)."""
    multis = [d for d in (upstream_def, downstream_def) if isinstance(d, MultiPartitionsDefinition)]
    if len(multis) != 1 or upstream_def is None or downstream_def is None:
        return (
            "Can only use MultiToSingleDimensionPartitionMapping when upstream asset is"
            " multipartitioned and the downstream asset is single dimensional, or vice versa."
            f" Instead received {len(multis)} multi-partitioned assets."
        )
    multi = multis[0]
    single = downstream_def if multi is upstream_def else upstream_def
    dims = [
        d
        for d in multi.partitions_defs
        if partition_dimension_name is None or d.name == partition_dimension_name
    ]
    if partition_dimension_name and len(dims) != 1:
        return (
            f"Provided partition dimension name {partition_dimension_name} not found in"
            f" multipartitions definition {multi!r}; dimensions are "
            f"{multi.partition_dimension_names}."
        )
    matching = [d for d in dims if d.partitions_def == single]
    if len(matching) == 1:
        return matching[0].name, IdentityPartitionMapping()
    if len(matching) > 1:
        return (
            "partition dimension name must be specified when multiple dimensions of the"
            " MultiPartitionsDefinition match the single dimension partitions def"
        )
    times = [d for d in dims if isinstance(d.partitions_def, TimeWindowPartitionsDefinition)]
    if len(times) == 1 and isinstance(single, TimeWindowPartitionsDefinition):
        return times[0].name, TimeWindowPartitionMapping()
    return (
        "MultiToSingleDimensionPartitionMapping can only be used when: \n(a) The single "
        "dimensional partitions definition is a dimension of the MultiPartitionsDefinition."
        "\n(b) The single dimensional partitions definition is a "
        "TimeWindowPartitionsDefinition and the MultiPartitionsDefinition has a single time "
        "dimension."
    )


def _dim_values(keys, multi: MultiPartitionsDefinition, dim: str) -> list[str]:
    idx = multi.partition_dimension_names.index(dim)
    return list(dict.fromkeys(str(k).split("|")[idx] for k in keys))


def _multi_keys_with(multi: MultiPartitionsDefinition, dim: str, values, ct, store) -> list[str]:
    idx = multi.partition_dimension_names.index(dim)
    wanted = set(values)
    return [k for k in multi.get_partition_keys(ct, store) if str(k).split("|")[idx] in wanted]


@dataclass(frozen=True, slots=True)
class MultiToSingleDimensionPartitionMapping(PartitionMapping):
    """A single-dimension asset corresponds to one dimension of a multi-partitioned asset."""

    @property
    def description(self) -> str:
        return (
            "Assumes that the single-dimension partitions definition is a dimension of the "
            "multi-partitions definition. For a single-dimension partition key X, any "
            "multi-partition key with X in the matching dimension is a dependency."
        )

    partition_dimension_name: str | None = None

    def _infer(self, upstream_def, downstream_def) -> tuple[str, PartitionMapping]:
        r = infer_single_to_multi_dimension(
            upstream_def, downstream_def, self.partition_dimension_name
        )
        if isinstance(r, str):
            raise DagsterInvalidDefinitionError(
                f"{r} (upstream: {upstream_def!r}; downstream: {downstream_def!r})"
            )
        return r

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        if not downstream_partitions_def:
            raise DagsterInvalidDefinitionError(
                "downstream_partitions_def must be provided for MultiToSingleDimensionPartitionMapping"
            )
        self._infer(upstream_partitions_def, downstream_partitions_def)

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
            return AllPartitionMapping().get_upstream_mapped_partitions_result(
                None,
                None,
                upstream_partitions_def,
                current_time=current_time,
                dynamic_partitions_store=dynamic_partitions_store,
            )
        dim, inner = self._infer(upstream_partitions_def, downstream_partitions_def)
        kw = {"current_time": current_time, "dynamic_partitions_store": dynamic_partitions_store}
        if isinstance(upstream_partitions_def, MultiPartitionsDefinition):
            dim_def = upstream_partitions_def.get_partitions_def_for_dimension(dim)
            r = inner.get_upstream_mapped_partitions_result(
                downstream_keys, downstream_partitions_def, dim_def, **kw
            )
            return UpstreamPartitionsResult(
                _multi_keys_with(
                    upstream_partitions_def,
                    dim,
                    r.partition_keys,
                    current_time,
                    dynamic_partitions_store,
                ),
                r.required_but_nonexistent_partition_keys,
            )
        dim_def = downstream_partitions_def.get_partitions_def_for_dimension(dim)
        values = _dim_values(downstream_keys, downstream_partitions_def, dim)
        return inner.get_upstream_mapped_partitions_result(
            values, dim_def, upstream_partitions_def, **kw
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
        dim, inner = self._infer(upstream_partitions_def, downstream_partitions_def)
        kw = {"current_time": current_time, "dynamic_partitions_store": dynamic_partitions_store}
        if isinstance(upstream_partitions_def, MultiPartitionsDefinition):
            dim_def = upstream_partitions_def.get_partitions_def_for_dimension(dim)
            values = _dim_values(upstream_keys, upstream_partitions_def, dim)
            return inner.get_downstream_partition_keys(
                values, dim_def, downstream_partitions_def, **kw
            )
        dim_def = downstream_partitions_def.get_partitions_def_for_dimension(dim)
        values = inner.get_downstream_partition_keys(
            upstream_keys, upstream_partitions_def, dim_def, **kw
        )
        return _multi_keys_with(
            downstream_partitions_def, dim, values, current_time, dynamic_partitions_store
        )


@dataclass(frozen=True, slots=True)
class DimensionPartitionMapping:
    """Which downstream dimension an upstream dimension maps to, and with which mapping."""

    dimension_name: str
    partition_mapping: PartitionMapping


@dataclass(frozen=True, slots=True)
class MultiPartitionMapping(PartitionMapping):
    """Maps two MultiPartitionsDefinitions dimension by dimension.

    Keys are upstream dimension names; values say which downstream dimension (and mapping)
    they correspond to. Dimensions not mentioned map all-to-all.
    """

    @property
    def description(self) -> str:
        return "\n ".join(
            f"Upstream dimension '{up}' mapped to downstream dimension "
            f"'{dm.dimension_name}' using {type(dm.partition_mapping).__name__}."
            for up, dm in self.downstream_mappings_by_upstream_dimension.items()
        )

    downstream_mappings_by_upstream_dimension: Mapping[str, DimensionPartitionMapping]

    def __hash__(self) -> int:
        return hash(
            tuple(
                sorted(self.downstream_mappings_by_upstream_dimension.items(), key=lambda kv: kv[0])
            )
        )

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        for what, pd in (
            ("upstream", upstream_partitions_def),
            ("downstream", downstream_partitions_def),
        ):
            if not isinstance(pd, MultiPartitionsDefinition):
                raise DagsterInvalidDefinitionError(
                    f"MultiPartitionMapping needs a MultiPartitionsDefinition {what}, got {pd!r}."
                )
        for up_dim, dm in self.downstream_mappings_by_upstream_dimension.items():
            if up_dim not in upstream_partitions_def.partition_dimension_names:
                raise DagsterInvalidDefinitionError(
                    f"Dimension {up_dim!r} is not a dimension of the upstream definition "
                    f"{upstream_partitions_def!r}."
                )
            if dm.dimension_name not in downstream_partitions_def.partition_dimension_names:
                raise DagsterInvalidDefinitionError(
                    f"Dimension {dm.dimension_name!r} is not a dimension of the downstream "
                    f"definition {downstream_partitions_def!r}."
                )

    def _cross(
        self,
        from_def: MultiPartitionsDefinition,
        to_def: MultiPartitionsDefinition,
        keys,
        to_upstream: bool,
        ct,
        store,
    ) -> tuple[list[str], list[str]]:
        pairs = {}  # to-dimension -> (from-dimension, mapping)
        for up_dim, dm in self.downstream_mappings_by_upstream_dimension.items():
            if to_upstream:
                pairs[up_dim] = (dm.dimension_name, dm.partition_mapping)
            else:
                pairs[dm.dimension_name] = (up_dim, dm.partition_mapping)
        kw = {"current_time": ct, "dynamic_partitions_store": store}
        names = from_def.partition_dimension_names
        out: dict[str, None] = {}
        missing: dict[str, None] = {}
        for key in keys:
            values = dict(zip(names, str(key).split("|"), strict=False))
            per_dim = []
            for td in to_def.partitions_defs:
                if td.name not in pairs:
                    per_dim.append(td.partitions_def.get_partition_keys(ct, store))
                    continue
                fd, mapping = pairs[td.name]
                fdef = from_def.get_partitions_def_for_dimension(fd)
                if to_upstream:
                    r = mapping.get_upstream_mapped_partitions_result(
                        [values[fd]], fdef, td.partitions_def, **kw
                    )
                    per_dim.append(r.partition_keys)
                    missing.update(dict.fromkeys(r.required_but_nonexistent_partition_keys))
                else:
                    per_dim.append(
                        mapping.get_downstream_partition_keys(
                            [values[fd]], fdef, td.partitions_def, **kw
                        )
                    )
            for combo in itertools.product(*per_dim):
                out["|".join(combo)] = None
        ordered = order_like(out, to_def.get_partition_keys(ct, store))
        return ordered, list(missing)

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
            return AllPartitionMapping().get_upstream_mapped_partitions_result(
                None,
                None,
                upstream_partitions_def,
                current_time=current_time,
                dynamic_partitions_store=dynamic_partitions_store,
            )
        self.validate_partition_mapping(upstream_partitions_def, downstream_partitions_def)
        keys, missing = self._cross(
            downstream_partitions_def,
            upstream_partitions_def,
            downstream_keys,
            True,
            current_time,
            dynamic_partitions_store,
        )
        return UpstreamPartitionsResult(keys, missing)

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        self.validate_partition_mapping(upstream_partitions_def, downstream_partitions_def)
        return self._cross(
            upstream_partitions_def,
            downstream_partitions_def,
            upstream_keys,
            False,
            current_time,
            dynamic_partitions_store,
        )[0]


def infer_partition_mapping(
    partition_mapping: PartitionMapping | None,
    downstream_partitions_def: PartitionsDefinition | None,
    upstream_partitions_def: PartitionsDefinition | None,
) -> PartitionMapping:
    """Dagster's default mapping when none is given.

    >>> import dagster_nb as dg
    >>> d = dg.DailyPartitionsDefinition("2024-01-01")
    >>> infer_partition_mapping(None, d, d)
    TimeWindowPartitionMapping(start_offset=0, end_offset=0, allow_nonexistent_upstream_partitions=False)
    """
    if partition_mapping is not None:
        return partition_mapping
    if upstream_partitions_def and downstream_partitions_def:
        if not isinstance(
            infer_single_to_multi_dimension(upstream_partitions_def, downstream_partitions_def), str
        ):
            return MultiToSingleDimensionPartitionMapping()
        if isinstance(upstream_partitions_def, TimeWindowPartitionsDefinition) and isinstance(
            downstream_partitions_def, TimeWindowPartitionsDefinition
        ):
            return TimeWindowPartitionMapping()
        return IdentityPartitionMapping()
    return AllPartitionMapping()


def validate_partition_mapping(
    partition_mapping: PartitionMapping | None,
    downstream_partitions_def: PartitionsDefinition | None,
    upstream_partitions_def: PartitionsDefinition | None,
) -> PartitionMapping:
    """Infer the mapping if None, check it fits the two definitions, and return it.

    Raises DagsterInvalidDefinitionError naming both definitions when they are incompatible.
    """
    mapping = infer_partition_mapping(
        partition_mapping, downstream_partitions_def, upstream_partitions_def
    )
    if upstream_partitions_def is None:
        return mapping
    try:
        mapping.validate_partition_mapping(upstream_partitions_def, downstream_partitions_def)
    except DagsterInvalidDefinitionError as e:
        msg = str(e)
        if repr(upstream_partitions_def) not in msg:
            msg += (
                f" (mapping {mapping!r} between upstream {upstream_partitions_def!r} and "
                f"downstream {downstream_partitions_def!r})"
            )
        raise DagsterInvalidDefinitionError(msg) from e
    return mapping
