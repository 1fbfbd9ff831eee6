"""``AssetsDefinition.from_graph`` / ``AssetsDefinition.from_op``: assets over an existing op or
graph, keyed as Dagster keys them.

Inputs are keyed by their names (``AssetKey([input])``); outputs by their names under
``key_prefix``, except an output called ``result``, which takes the node's name.

    plus_asset = dg.AssetsDefinition.from_op(plus, keys_by_input_name={"x": dg.AssetKey("up")})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster_nb._definitions.asset_key import AssetKey, key_prefix_from_coercible
from dagster_nb._definitions.asset_spec import AssetDep, AssetSpec
from dagster_nb._definitions.assets import AssetsDefinition
from dagster_nb._errors import DagsterInvalidDefinitionError, did_you_mean

__all__ = ["assets_def_from_node"]


def assets_def_from_node(
    node_def: Any,
    *,
    what: str,
    keys_by_input_name: Mapping[str, AssetKey] | None = None,
    keys_by_output_name: Mapping[str, AssetKey] | None = None,
    key_prefix: Any = None,
    internal_asset_deps: Mapping[str, set[AssetKey]] | None = None,
    partitions_def: Any = None,
    partition_mappings: Mapping[str, Any] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    group_names_by_output_name: Mapping[str, str | None] | None = None,
    descriptions_by_output_name: Mapping[str, str] | None = None,
    metadata_by_output_name: Mapping[str, Mapping[str, Any] | None] | None = None,
    tags_by_output_name: Mapping[str, Mapping[str, str] | None] | None = None,
    automation_conditions_by_output_name: Mapping[str, Any] | None = None,
    backfill_policy: Any = None,
    can_subset: bool = False,
    check_specs: Sequence[Any] | None = None,
    owners_by_output_name: Mapping[str, Sequence[str]] | None = None,
    code_versions_by_output_name: Mapping[str, str | None] | None = None,
    auto_materialize_policies_by_output_name: Mapping[str, Any] | None = None,
    hook_defs: Any = None,
) -> AssetsDefinition:
    from dagster_nb._definitions.op import refuse_graph_config_in_assets

    refuse_graph_config_in_assets(node_def, what)
    for pname, v in (
        ("check_specs", check_specs),
        ("hook_defs", hook_defs),
        ("auto_materialize_policies_by_output_name", auto_materialize_policies_by_output_name),
    ):
        if v:
            raise DagsterInvalidDefinitionError(
                f"{what}({pname}=...) is not supported yet by dagster_nb."
            )
    input_names = list(node_def.input_names)
    output_names = list(node_def.output_names)

    def check_names(
        given: Mapping[str, Any] | None, names: list[str], kind: str, pname: str
    ) -> None:
        for n in given or {}:
            if n not in names:
                raise DagsterInvalidDefinitionError(
                    f"{what}: {pname} names {kind} '{n}', which '{node_def.name}' does not have; "
                    f"its {kind}s are {names}." + did_you_mean(n, names)
                )

    check_names(keys_by_input_name, input_names, "input", "keys_by_input_name")
    for pname, given in (
        ("keys_by_output_name", keys_by_output_name),
        ("internal_asset_deps", internal_asset_deps),
        ("group_names_by_output_name", group_names_by_output_name),
        ("descriptions_by_output_name", descriptions_by_output_name),
        ("metadata_by_output_name", metadata_by_output_name),
        ("tags_by_output_name", tags_by_output_name),
        ("owners_by_output_name", owners_by_output_name),
        ("code_versions_by_output_name", code_versions_by_output_name),
        ("automation_conditions_by_output_name", automation_conditions_by_output_name),
    ):
        check_names(given, output_names, "output", pname)
    check_names(partition_mappings, input_names, "input", "partition_mappings")
    prefix = key_prefix_from_coercible(key_prefix) if key_prefix is not None else []
    in_keys = {
        n: AssetKey.from_coercible((keys_by_input_name or {}).get(n) or AssetKey([n]))
        for n in input_names
    }
    out_keys = {}
    for n in output_names:
        out_key = (keys_by_output_name or {}).get(n)
        out_keys[n] = (
            AssetKey.from_coercible(out_key)
            if out_key is not None
            else AssetKey([*prefix, node_def.name if n == "result" else n])
        )
    mappings = {in_keys[n]: m for n, m in (partition_mappings or {}).items()}
    outs = getattr(node_def, "outs", {}) or {}
    specs = {}
    for n, key in out_keys.items():
        dep_keys = (
            [AssetKey.from_coercible(k) for k in internal_asset_deps[n]]
            if internal_asset_deps and n in internal_asset_deps
            else list(in_keys.values())
        )
        out_def = outs.get(n)
        specs[key] = AssetSpec(
            key,
            deps=[AssetDep(k, partition_mapping=mappings.get(k)) for k in dep_keys],
            description=(descriptions_by_output_name or {}).get(n)
            or getattr(out_def, "description", None)
            or node_def.description,
            metadata=(metadata_by_output_name or {}).get(n) or getattr(out_def, "metadata", None),
            group_name=(group_names_by_output_name or {}).get(n) or group_name,
            code_version=(code_versions_by_output_name or {}).get(n)
            or getattr(out_def, "code_version", None),
            automation_condition=(automation_conditions_by_output_name or {}).get(n),
            owners=(owners_by_output_name or {}).get(n),
            tags=(tags_by_output_name or {}).get(n),
            partitions_def=partitions_def,
            skippable=out_def is not None and not out_def.is_required,
        )
    return AssetsDefinition(
        specs_by_key=specs,
        keys_by_output_name=out_keys,
        keys_by_input_name=in_keys,
        node_def=node_def,
        partitions_def=partitions_def,
        partition_mappings=mappings,
        can_subset=can_subset,
        resource_defs=dict(resource_defs or {}),
        backfill_policy=backfill_policy,
        internal_asset_deps={
            out_keys[n]: frozenset(AssetKey.from_coercible(k) for k in ks)
            for n, ks in (internal_asset_deps or {}).items()
        },
    )
