"""Resolving a list of asset definitions into one consistent, immutable set: duplicate keys are
refused, deps written without a key prefix are resolved to a sibling with the same prefix (as
Dagster does), and the :class:`AssetGraph` is built once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.asset_spec import AssetSpec
from dagster_nb._definitions.assets import AssetsDefinition, ExecutionType, SourceAsset
from dagster_nb._definitions.derived import Facts, derived
from dagster_nb._definitions.lazy_specs import check_keys_of, deps_of
from dagster_nb._definitions.records import trusted_constructor
from dagster_nb._errors import CheckError, DagsterInvalidDefinitionError
from dagster_nb._gc import collector_paused

__all__ = ["ResolvedAssets", "coerce_assets_def", "check_inputs_provided"]


def coerce_assets_def(obj: Any) -> AssetsDefinition:
    """AssetsDefinition as is; AssetSpec -> external asset; SourceAsset -> external/observable."""
    if isinstance(obj, AssetsDefinition):
        return obj
    if isinstance(obj, AssetSpec):
        return AssetsDefinition(
            specs_by_key={obj.key: obj},
            partitions_def=obj.partitions_def,
            execution_type=ExecutionType.UNEXECUTABLE,
        )
    if isinstance(obj, SourceAsset):
        return obj.to_assets_definition()
    if isinstance(obj, (list, tuple)):
        raise CheckError(  # Dagster's class (and a definition error)
            "Got a nested list of assets; flatten it (e.g. assets=[*group_a, *group_b])."
        )
    raise CheckError(
        f"Expected an asset definition (@asset, @multi_asset, AssetSpec, SourceAsset), got "
        f"{type(obj).__name__}: {obj!r}. If this is an op or graph, wrap it with @graph_asset or "
        "put it in a job."
    )


def _rewire(ad: AssetsDefinition, repl: Mapping[AssetKey, AssetKey]) -> AssetsDefinition:
    """Replace dependency keys (not the definition's own keys)."""
    new_specs = {}
    for k, s in ad.specs_by_key.items():
        if any(d.asset_key in repl for d in s.deps):
            s = s.replace_attributes(
                deps=[d._with_asset_key(repl.get(d.asset_key, d.asset_key)) for d in s.deps]
            )
        new_specs[k] = s
    return dataclasses.replace(
        ad,
        specs_by_key=new_specs,
        keys_by_input_name={n: repl.get(k, k) for n, k in ad.keys_by_input_name.items()},
        partition_mappings={repl.get(k, k): m for k, m in ad.partition_mappings.items()},
        _derived_code_version=ad._derived_code_version,
    )


@dataclass(frozen=True, slots=True)
class ResolvedAssets:
    """Assets keyed by asset key, with their graph."""

    assets_defs: tuple[AssetsDefinition, ...]
    assets_def_by_key: Mapping[AssetKey, AssetsDefinition]
    graph: AssetGraph
    # Keys no definition provides that ``build(external_stubs=True)`` made external assets (as
    # Dagster's Definitions does); they count as missing for check_inputs_provided.
    external_stub_keys: frozenset[AssetKey] = frozenset()
    # What is derived from these (immutable) assets, here and in later layers (e.g. execution
    # plans per selection: the same selection materialized again reuses its plan).
    _facts: Facts = dataclasses.field(default_factory=Facts, init=False, compare=False, repr=False)

    @staticmethod
    def build(
        assets: Iterable[Any], *, check_cycles: bool = True, external_stubs: bool = False
    ) -> ResolvedAssets:
        """``external_stubs``: a dep key no definition provides becomes an external asset
        (``AssetSpec(key)``), as Dagster's Definitions does; otherwise the graph keeps it as a
        non-materializable stub node."""
        # thousands of nodes, sets and dicts, none in a cycle (_gc.py)
        with collector_paused():
            return ResolvedAssets._build(assets, check_cycles, external_stubs)

    @staticmethod
    def _build(assets: Iterable[Any], check_cycles: bool, external_stubs: bool) -> ResolvedAssets:
        defs: list[AssetsDefinition] = []
        seen_ids: set[int] = set()
        for a in assets:
            if id(a) in seen_ids:
                continue  # the same object twice is fine (Dagster dedups it)
            seen_ids.add(id(a))
            defs.append(coerce_assets_def(a))
        by_key: dict[AssetKey, AssetsDefinition] = {}
        for ad in defs:
            for k in ad.specs_by_key:
                prev = by_key.get(k)
                if prev is not None:
                    # An external spec for a key that is also computed: the computed one wins
                    # (Dagster lets an AssetSpec stand in for a dep defined elsewhere).
                    if (
                        not prev.is_materializable
                        and ad.is_materializable
                        and not prev.is_observable
                    ):
                        by_key[k] = ad
                        continue
                    if not ad.is_materializable and prev.is_materializable and not ad.is_observable:
                        continue
                    where = " and ".join(x for x in (prev.source_location, ad.source_location) if x)
                    raise DagsterInvalidDefinitionError(
                        f"Duplicate asset key: {k!r}. It is defined by {prev!r} and {ad!r}"
                        + (f" ({where})" if where else "")
                        + ". Give one of them a different name or key_prefix."
                    )
                by_key[k] = ad
        # Check definitions (@asset_check) define no asset keys: kept beside the assets.
        check_defs = [ad for ad in defs if not ad.specs_by_key and ad.check_specs_by_output_name]
        defs = list({id(ad): ad for ad in by_key.values()}.values())
        # Sibling-prefix resolution of deps: @asset(key_prefix="p") def b(a) depends on p/a when
        # p/a exists and a does not.
        resolved: list[AssetsDefinition] = []
        for ad in defs:
            repl: dict[AssetKey, AssetKey] = {}
            for k in ad.specs_by_key:
                prefix = k.parts[:-1]
                if not prefix:
                    continue
                for d in deps_of(ad.specs_by_key, k):
                    if d.asset_key not in by_key:
                        cand = AssetKey([*prefix, *d.asset_key.parts])
                        if cand in by_key:
                            repl[d.asset_key] = cand
            resolved.append(_rewire(ad, repl) if repl else ad)
        by_key = {k: ad for ad in resolved for k in ad.specs_by_key}
        stub_keys: frozenset[AssetKey] = frozenset()
        if external_stubs:
            missing = {
                d.asset_key
                for ad in resolved
                for k in ad.specs_by_key
                for d in deps_of(ad.specs_by_key, k)
                if d.asset_key not in by_key
            }
            if missing:
                stub_keys = frozenset(missing)
                for k in sorted(missing, key=lambda k: k.path):
                    ext = coerce_assets_def(AssetSpec(k))
                    resolved.append(ext)
                    by_key[k] = ext
        # Children first, so each node is built once, complete (from_nodes then only adds stubs).
        parents = {k: ad.dep_key_set(k) for ad in resolved for k in ad.specs_by_key}
        children: dict[AssetKey, list[AssetKey]] = {}
        for k, ps in parents.items():
            for p in ps:
                children.setdefault(p, []).append(k)
        no_keys: frozenset[AssetKey] = frozenset()
        nodes = []
        for ad in resolved:
            materializable = ad.is_materializable
            observable = ad.is_observable
            pdef = ad.partitions_def
            specs = ad.specs_by_key
            execution_set = frozenset(specs) if not ad.can_subset else frozenset()
            for k in specs:
                ch = children.get(k)
                mappings = {
                    d.asset_key: d.partition_mapping
                    for d in deps_of(specs, k)
                    if d.partition_mapping is not None
                }
                nodes.append(
                    _new_node(
                        key=k,
                        parent_keys=parents[k],
                        child_keys=frozenset(ch) if ch else no_keys,
                        is_materializable=materializable,
                        is_observable=observable,
                        is_stub=False,
                        execution_set_keys=(execution_set or frozenset((k,)))
                        if materializable
                        else no_keys,
                        partition_mappings=mappings or _NO_MAPPINGS,
                        specs=specs,
                        definition_partitions_def=pdef,
                    )
                )
        for p, ch in children.items():  # deps no definition provides: stub nodes
            if p not in parents:
                nodes.append(
                    AssetNode(
                        key=p, child_keys=frozenset(ch), is_materializable=False, is_stub=True
                    )
                )
        graph = AssetGraph._from_complete({n.key: n for n in nodes})
        if len(graph) != len(nodes):  # two definitions of one key slipped through
            graph = AssetGraph.from_nodes(nodes)  # raises, naming it
        if check_cycles:
            graph.check_acyclic()
        _validate_partition_mappings(nodes, by_key)
        out = ResolvedAssets(tuple(resolved) + tuple(check_defs), by_key, graph, stub_keys)
        if check_defs or any(ad.check_specs_by_output_name for ad in resolved):
            _refuse_duplicate_checks(out.assets_defs)  # as Dagster, when definitions load
        return out

    @property
    @derived
    def check_specs_by_key(self) -> Mapping[Any, tuple[AssetsDefinition, Any]]:
        """Every asset check: check key -> (the definition that evaluates it, its spec)."""
        found: dict[Any, tuple[AssetsDefinition, Any]] = {}
        for ad in self.assets_defs:
            for spec in ad.check_specs_by_output_name.values():
                if spec.key in found:
                    raise DagsterInvalidDefinitionError(
                        f"Duplicate asset check key: {spec.key!r}. It is defined by "
                        f"{found[spec.key][0]!r} and {ad!r}; give one of them another name."
                    )
                found[spec.key] = (ad, spec)
        return found


def _refuse_duplicate_checks(assets_defs: Iterable[AssetsDefinition]) -> None:
    # by key only: a lazily built check spec (a dbt test's) is not built to be counted
    found: dict[Any, AssetsDefinition] = {}
    for ad in assets_defs:
        for key in check_keys_of(ad.check_specs_by_output_name):
            if key in found:
                raise DagsterInvalidDefinitionError(
                    f"Duplicate asset check key: {key!r}. It is defined by {found[key]!r} and "
                    f"{ad!r}; give one of them another name."
                )
            found[key] = ad


# AssetNodes as ResolvedAssets.build makes them, from values it has checked (records.py).
_new_node = trusted_constructor(AssetNode)
_NO_MAPPINGS: Mapping[AssetKey, Any] = {}  # shared, never mutated (a mappingproxy would not pickle)


def _validate_partition_mappings(
    nodes: Iterable[AssetNode], by_key: Mapping[AssetKey, AssetsDefinition]
) -> None:
    """As Dagster's ``validate_partitions`` when definitions load: every partitioned parent must
    be mappable to its child, so a bad mapping fails before any run writes anything."""
    pdef_by_key = {}
    for n in nodes:
        pdef = n.partitions_def
        if pdef is not None:
            pdef_by_key[n.key] = pdef
    if not pdef_by_key:
        return  # nothing partitioned: no mapping to check
    for node in nodes:
        for parent in node.parent_keys:
            up_pdef = pdef_by_key.get(parent)
            if up_pdef is None:
                continue
            ad = by_key[node.key]
            mapping = ad.partition_mappings.get(parent) or node.partition_mappings.get(parent)
            from dagster_nb._partitions import validate_partition_mapping

            try:
                validate_partition_mapping(mapping, node.partitions_def, up_pdef)
            except DagsterInvalidDefinitionError as exc:
                raise DagsterInvalidDefinitionError(
                    f"Invalid partition mapping from {node.key.to_user_string()} to "
                    f"{parent.to_user_string()}: {exc} Pass a partition mapping that fits both "
                    "definitions, e.g. AssetIn(partition_mapping=dg.AllPartitionMapping()) or "
                    "AssetDep(..., partition_mapping=...)."
                ) from exc


@derived
def check_inputs_provided(resolved: ResolvedAssets) -> bool:
    """As Dagster's materialize() and Definitions: every asset whose value is passed in (an
    input parameter, not a ``deps=`` entry) must be among the given assets or sources. (The
    kernel repository skips this: an upstream may be defined in a later cell.)"""
    from dagster_nb._errors import did_you_mean

    known = resolved.assets_def_by_key
    stubs = resolved.external_stub_keys
    for ad in resolved.assets_defs:
        if not ad.specs_by_key:
            continue  # an asset check: one whose asset is not given is just not selected
        for up in ad.keys_by_input_name.values():
            if up not in known or up in stubs:
                raise DagsterInvalidDefinitionError(
                    f'Input asset "{up.to_user_string()}" of {ad._label()} is not produced by any '
                    "of the provided asset ops and is not one of the provided sources. Pass it "
                    "to materialize() (with selection=... to run only some assets), or declare it "
                    "as a dg.SourceAsset / dg.AssetSpec."
                    + did_you_mean(up.to_user_string(), (k.to_user_string() for k in known))
                )
    return True  # (kept as a fact: checked once per resolved set)
