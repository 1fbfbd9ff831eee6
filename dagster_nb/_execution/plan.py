"""Planning (pure): which steps run, in which order, for a set of selected asset keys.

One step per assets definition (subset to the selected keys when it can be subset). A step
depends on the steps that produce its selected parents.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.assets import AssetsDefinition
from dagster_nb._definitions.derived import derived
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    did_you_mean,
)

__all__ = ["Step", "ExecutionPlan", "build_plan"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    key: str
    assets_def: AssetsDefinition
    keys: frozenset[AssetKey]
    upstream_steps: frozenset[str]
    observe: bool = False
    # Set for a step that runs one op of an op-based job (see graph_run.OpStep): how its inputs
    # are wired and how it runs. None for asset steps.
    op: Any = None
    # asset checks this step evaluates (an @asset_check step has these and no keys)
    check_keys: frozenset = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ExecutionPlan:
    """Steps in order. Plans are cached and reused (one per selection of one resolved set), so
    a plan is equal only to itself (``eq=False``: hashed by identity, a key for derived facts)."""

    steps: tuple[Step, ...]
    selected_keys: frozenset[AssetKey]
    step_by_asset_key: dict[AssetKey, str]
    check_keys: frozenset = frozenset()  # every selected asset check
    # An op job's plan knows its resource keys and ops when built; an asset plan's resource
    # keys are derived from its assets when first needed (executor._required_resource_keys).
    resource_keys: frozenset[str] | None = None
    op_by_step: Mapping[str, Any] = field(default_factory=dict)

    @property
    def step_keys(self) -> list[str]:
        return [s.key for s in self.steps]


def build_plan(
    resolved: ResolvedAssets,
    selected: Iterable[AssetKey],
    *,
    observe: bool = False,
    checks: Iterable[Any] = (),
) -> ExecutionPlan:
    """Steps for ``selected`` keys, parents first (the same plan object for the same selection
    of the same resolved assets: plans are immutable, and building one is O(assets)).

    Observable source assets get observation steps. Raises DagsterInvalidDefinitionError for
    keys that can be neither materialized nor observed (external assets) and DagsterInvalidDefinitionError for a partial selection of a non-subsettable multi-asset.
    """
    return _plan_for(resolved, frozenset(selected), observe, frozenset(checks))


@derived
def _plan_for(
    resolved: ResolvedAssets, sel: frozenset[AssetKey], observe: bool, check_sel: frozenset
) -> ExecutionPlan:
    plan = _build_plan(resolved, sel, observe)
    if check_sel or (
        not observe and any(s.assets_def.check_specs_by_output_name for s in plan.steps)
    ):
        from dagster_nb._execution.checks import add_check_steps

        plan = add_check_steps(resolved, plan, check_sel)
    return plan


def _build_plan(resolved: ResolvedAssets, sel: frozenset[AssetKey], observe: bool) -> ExecutionPlan:
    graph = resolved.graph
    by_def: dict[int, tuple[AssetsDefinition, set[AssetKey]]] = {}
    for k in sel:
        ad = resolved.assets_def_by_key.get(k)
        if ad is None:
            raise DagsterInvariantViolationError(
                f"Asset {k.to_user_string()} is not defined."
                + did_you_mean(
                    k.to_user_string(), (x.to_user_string() for x in resolved.assets_def_by_key)
                )
            )
        if observe:
            if not ad.is_observable:
                raise DagsterInvalidDefinitionError(
                    f"Asset {k.to_user_string()} is not observable: only observable source assets "
                    "(@observable_source_asset) can be observed."
                )
        elif not ad.is_materializable and not ad.is_observable:
            raise DagsterInvalidDefinitionError(
                f"Asset {k.to_user_string()} is an external asset: it can be loaded but not "
                "materialized here. Remove it from the selection."
            )
        by_def.setdefault(id(ad), (ad, set()))[1].add(k)
    steps: dict[str, Step] = {}
    step_by_key: dict[AssetKey, str] = {}
    pending: list[tuple[AssetsDefinition, frozenset[AssetKey]]] = []
    for ad, keys in by_def.values():
        if frozenset(keys) != frozenset(ad.specs_by_key) and not ad.can_subset:
            # Dagster reports this as DagsterInvalidDefinitionError (the asset job cannot be
            # resolved); keep its class so `except` clauses written for Dagster work.
            raise DagsterInvalidDefinitionError(
                f"Asset {', '.join(sorted(k.to_user_string() for k in keys))} is part of "
                f"{ad._label()}, which cannot be subset (can_subset=False): select all of "
                + ", ".join(sorted(k.to_user_string() for k in ad.specs_by_key))
                + ", or define it with can_subset=True."
            )
        sub = ad.subset_for(keys) if ad.can_subset else ad
        pending.append((sub, frozenset(keys)))
        for k in keys:
            step_by_key[k] = ad.node_name
    for sub, sub_keys in pending:
        ups: set[str] = set()
        for k in sub_keys:
            for p in graph.parents(k):
                up_step = step_by_key.get(p)
                if up_step is not None and up_step != sub.node_name:
                    ups.add(up_step)
        if sub.node_name in steps:
            raise DagsterInvalidDefinitionError(
                f"Two definitions share the node name '{sub.node_name}'; rename one."
            )
        # As in Dagster, an observable source asset selected in a run (an asset job, or
        # materialize(..., selection=[src])) is observed by its step, the others materialized.
        steps[sub.node_name] = Step(
            key=sub.node_name,
            assets_def=sub,
            keys=sub_keys,
            upstream_steps=frozenset(ups),
            observe=observe or (sub.is_observable and not sub.is_materializable),
        )
    # Kahn's algorithm, tie-broken by the graph's topological order for determinism.
    topo_index = {k: i for i, k in enumerate(graph.toposorted_keys())}
    rank = {name: min(topo_index[k] for k in s.keys) for name, s in steps.items()}
    indeg = {name: len(s.upstream_steps) for name, s in steps.items()}
    children: dict[str, list[str]] = {name: [] for name in steps}
    for name, s in steps.items():
        for u in s.upstream_steps:
            children[u].append(name)
    heap = [(rank[n], n) for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    order: list[Step] = []
    while heap:
        _, n = heapq.heappop(heap)
        order.append(steps[n])
        for c in children[n]:
            indeg[c] -= 1
            if indeg[c] == 0:
                heapq.heappush(heap, (rank[c], c))
    if len(order) != len(steps):
        stuck = sorted(n for n, d in indeg.items() if d > 0)
        raise DagsterInvalidDefinitionError(
            "The selected assets form a cycle between steps " + ", ".join(stuck) + "."
        )
    return ExecutionPlan(steps=tuple(order), selected_keys=sel, step_by_asset_key=step_by_key)
