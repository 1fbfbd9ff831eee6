"""Graph builders shared by the selection tests (ours, and the same graph in real Dagster)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.asset_spec import AssetSpec


@dataclass(frozen=True)
class Spec:
    """One asset, described once and built in both implementations."""

    key: str  # user string, "a/b" is two parts
    deps: tuple[str, ...] = ()
    group: str | None = None
    tags: dict = field(default_factory=dict)
    owners: tuple[str, ...] = ()
    kinds: frozenset = frozenset()
    external: bool = False
    multi: str | None = None  # name of a non-subsettable multi-asset this key belongs to


def k(s: str) -> AssetKey:
    return AssetKey.from_user_string(s)


def names(keys: Iterable[AssetKey]) -> set[str]:
    return {key.to_user_string() for key in keys}


def our_graph(specs: Iterable[Spec]) -> AssetGraph:
    specs = list(specs)
    multis: dict[str, set[AssetKey]] = {}
    for s in specs:
        if s.multi:
            multis.setdefault(s.multi, set()).add(k(s.key))
    nodes = []
    for s in specs:
        key = k(s.key)
        spec = AssetSpec(
            key,
            group_name=s.group or "default",
            tags=dict(s.tags),
            owners=tuple(s.owners),
            kinds=frozenset(s.kinds),
        )
        nodes.append(
            AssetNode(
                key=key,
                parent_keys=frozenset(k(d) for d in s.deps),
                specs={key: spec},
                is_materializable=not s.external,
                execution_set_keys=frozenset(multis[s.multi]) if s.multi else frozenset(),
            )
        )
    return AssetGraph.from_nodes(nodes)


def dagster_graph(specs: Iterable[Spec]):
    """The same graph in real Dagster: materializable specs become multi-assets."""
    import dagster as dg

    specs = list(specs)
    by_multi: dict[str, list] = {}
    out: list = []
    for i, s in enumerate(specs):
        spec = dg.AssetSpec(
            k(s.key).path,
            deps=[k(d).path for d in s.deps],
            group_name=s.group,
            tags=dict(s.tags) or None,
            owners=list(s.owners) or None,
            kinds=set(s.kinds) or None,
        )
        if s.external:
            out.append(spec)
        elif s.multi:
            by_multi.setdefault(s.multi, []).append(spec)
        else:
            by_multi[f"__single_{i}"] = [spec]
    for name, group in by_multi.items():
        op_name = name.replace("/", "_") if not name.startswith("__") else f"op{name}"

        @dg.multi_asset(specs=group, name=op_name, can_subset=False)
        def _fn():  # pragma: no cover - never executed
            ...

        out.append(_fn)
    return dg.Definitions(assets=out).resolve_asset_graph()


# A small graph with every feature: prefixes, groups, tags, owners, kinds, an external
# source, an undefined dep (stub), a non-subsettable multi-asset and an external child.
#
#   ext_src ─┐
#   raw/orders ─> stg/orders ─> marts/revenue ─> report
#   raw/users  ─> stg/users  ─┘           └──> ext_child (external)
#   ghost (undefined) ─> orphan ;  m1, m2 (one multi-asset, m2 depends on stg/users)
SPECS = [
    Spec(
        "raw/orders",
        group="raw",
        tags={"layer": "bronze"},
        kinds=frozenset({"python"}),
        owners=("team:ingest",),
    ),
    Spec(
        "raw/users", group="raw", tags={"layer": "bronze", "pii": ""}, kinds=frozenset({"python"})
    ),
    Spec("ext_src", group="raw", external=True, tags={"layer": "bronze"}),
    Spec(
        "stg/orders",
        deps=("raw/orders", "ext_src"),
        group="staging",
        tags={"layer": "silver"},
        kinds=frozenset({"dbt"}),
    ),
    Spec(
        "stg/users",
        deps=("raw/users",),
        group="staging",
        tags={"layer": "silver", "pii": ""},
        kinds=frozenset({"dbt"}),
    ),
    Spec(
        "marts/revenue",
        deps=("stg/orders", "stg/users"),
        group="marts",
        tags={"layer": "gold"},
        owners=("alice@example.com", "team:analytics"),
        kinds=frozenset({"dbt", "snowflake"}),
    ),
    Spec("report", deps=("marts/revenue",), group="marts", owners=("team:analytics",)),
    Spec("ext_child", deps=("marts/revenue",), group="marts", external=True),
    Spec("orphan", deps=("ghost",)),
    Spec("m1", group="multi", multi="mm"),
    Spec("m2", deps=("stg/users",), group="multi", multi="mm"),
]
