"""Asset checks in a run: planning their steps and evaluating their results.

A check is a step kind: an ``@asset_check`` / ``@multi_asset_check`` definition gets its own
step, after the steps of the assets it reads; checks in an asset's ``check_specs`` are evaluated
by that asset's step. A failed ``blocking`` check with ERROR severity fails its step
(``DagsterAssetCheckFailedError``), so the steps downstream of the checked asset do not run, as
in Dagster. Runs without checks never reach this module.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable
from typing import Any

from dagster_nb._definitions.asset_checks import (
    AssetCheckEvaluation,
    AssetCheckEvaluationTargetMaterializationData,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    resolve_check_key,
)
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.results import MaterializeResult
from dagster_nb._errors import (
    DagsterAssetCheckFailedError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterStepOutputNotFoundError,
)
from dagster_nb._events import DagsterEventType

__all__ = ["add_check_steps", "split_check_results", "evaluate_checks", "resolve_check_selection"]


def resolve_check_selection(
    resolved: Any, selection: Any, selected_keys: Iterable[AssetKey]
) -> frozenset[AssetCheckKey]:
    """The checks a run evaluates: for ``selection=None``, the checks of the selected assets;
    otherwise as Dagster resolves the selection (see ``resolve_checks``)."""
    specs = resolved.check_specs_by_key
    if not specs:
        return frozenset()
    targets = {k: s.asset_key for k, (_, s) in specs.items()}
    if selection is None:
        keys = set(selected_keys)
        return frozenset(k for k, t in targets.items() if t in keys)
    from dagster_nb._selection import AssetSelection
    from dagster_nb._selection.asset_selection import resolve_checks

    return frozenset(
        resolve_checks(AssetSelection.from_coercible(selection), resolved.graph, targets)
    )


def add_check_steps(resolved: Any, plan: Any, checks: frozenset[AssetCheckKey]) -> Any:
    """``plan`` with the selected checks: embedded ones on their asset's step, the others as
    steps of their own; steps downstream of an asset with a blocking check wait for it."""
    from dagster_nb._execution.plan import ExecutionPlan, Step

    specs = resolved.check_specs_by_key
    steps = {s.key: s for s in plan.steps}
    by_step = plan.step_by_asset_key
    embedded: dict[str, set[AssetCheckKey]] = {}
    own: dict[int, tuple[Any, set[AssetCheckKey]]] = {}
    checks_only: dict[str, Any] = {}  # subsettable definitions run for their checks alone
    for ck in checks:
        ad, spec = specs[ck]
        if ad.specs_by_key:
            step_key = by_step.get(spec.asset_key)
            if step_key is None:
                if not ad.can_subset:
                    raise DagsterInvalidDefinitionError(
                        f"Asset check {ck.to_user_string()} is evaluated by the function of "
                        f"{ad._label()} (check_specs=), which cannot be subset: select the asset "
                        "too (e.g. AssetSelection.assets(...) | AssetSelection.checks(...)), or "
                        "define it with can_subset=True."
                    )
                step_key = ad.node_name
                if step_key not in steps:  # none of its assets selected: it runs for checks only
                    checks_only[step_key] = ad
            embedded.setdefault(step_key, set()).add(ck)
        else:
            own.setdefault(id(ad), (ad, set()))[1].add(ck)
    for step in plan.steps:
        ad = step.assets_def
        if ad.check_specs_by_output_name and not ad.can_subset:
            left_out = ad.check_keys - embedded.get(step.key, set())
            if left_out:
                raise DagsterInvalidDefinitionError(
                    f"{ad._label()} evaluates asset check"
                    f"{'s' if len(left_out) > 1 else ''} "
                    + ", ".join(sorted(k.to_user_string() for k in left_out))
                    + " in its own function and cannot be subset (can_subset=False): select its "
                    "checks with it (e.g. drop .without_checks()), or define it with "
                    "can_subset=True."
                )
    for step_key, ad in checks_only.items():
        input_steps = {by_step[k] for k in ad.keys_by_input_name.values() if k in by_step}
        steps[step_key] = Step(
            key=step_key, assets_def=ad, keys=frozenset(), upstream_steps=frozenset(input_steps)
        )
    for step_key, cks in embedded.items():
        steps[step_key] = dataclasses.replace(steps[step_key], check_keys=frozenset(cks))
    blockers: dict[AssetKey, set[str]] = {}  # asset key -> check steps that block its children
    for ad, cks in own.values():
        name = ad.node_name
        if name in steps:
            raise DagsterInvalidDefinitionError(
                f"The asset check step '{name}' has the name of another step; rename the check "
                "(name=...)."
            )
        ups: set[str] = set()
        needs = set(ad.keys_by_input_name.values())
        for ck in cks:
            spec = specs[ck][1]
            needs.add(spec.asset_key)
            needs.update(d.asset_key for d in spec.additional_deps)
            if spec.blocking:
                blockers.setdefault(spec.asset_key, set()).add(name)
        for k in needs:
            s = by_step.get(k)
            if s is not None:
                ups.add(s)
        steps[name] = Step(
            key=name,
            assets_def=ad,
            keys=frozenset(),
            upstream_steps=frozenset(ups),
            check_keys=frozenset(cks),
        )
    graph = resolved.graph
    for key, check_steps in blockers.items():
        for child in graph.children(key) if key in graph else ():
            s = by_step.get(child)
            if s is not None and s not in check_steps:
                steps[s] = dataclasses.replace(
                    steps[s], upstream_steps=steps[s].upstream_steps | check_steps
                )
    return ExecutionPlan(
        steps=_order(steps, [s.key for s in plan.steps]),
        selected_keys=plan.selected_keys,
        step_by_asset_key=plan.step_by_asset_key,
        check_keys=checks,
    )


def _order(steps: dict[str, Any], asset_order: list[str]) -> tuple[Any, ...]:
    """Parents first; asset steps keep their order, a check step comes right after its last
    upstream step."""
    rank: dict[str, float] = {n: float(i) for i, n in enumerate(asset_order)}
    for name, s in steps.items():
        if name not in rank:
            rank[name] = max((rank.get(u, 0.0) for u in s.upstream_steps), default=-1.0) + 0.5
    indeg = {n: len(s.upstream_steps) for n, s in steps.items()}
    children: dict[str, list[str]] = {n: [] for n in steps}
    for n, s in steps.items():
        for u in s.upstream_steps:
            children[u].append(n)
    heap = [(rank[n], n) for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, n = heapq.heappop(heap)
        out.append(steps[n])
        for c in children[n]:
            indeg[c] -= 1
            if indeg[c] == 0:
                heapq.heappush(heap, (rank[c], c))
    if len(out) != len(steps):
        stuck = sorted(n for n, d in indeg.items() if d > 0)
        raise DagsterInvalidDefinitionError(
            "The selected assets and checks form a cycle between steps "
            + ", ".join(stuck)
            + " (a blocking check that reads an asset downstream of the asset it checks?)."
        )
    return tuple(out)


# --------------------------------------------------------------------------- in a step


def split_check_results(
    results: list[Any], context: Any
) -> tuple[list[Any], list[AssetCheckResult]]:
    """(what the asset part of the step handles, the check results): AssetCheckResults yielded
    or returned, inside MaterializeResult(check_results=...), or logged with context.log_event."""
    from dagster_nb._execution.executor import _ReturnValue

    rest: list[Any] = []
    found: list[AssetCheckResult] = []
    for r in results:
        v = r.value if isinstance(r, _ReturnValue) else r
        if isinstance(v, AssetCheckResult):
            found.append(v)
            continue
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, AssetCheckResult) for x in v):
            found.extend(v)
            continue
        if isinstance(v, MaterializeResult) and v.check_results:
            found.extend(v.check_results)
        rest.append(r)
    logged = (
        getattr(context, "__dict__", {}).get("_logged_check_results")
        if context is not None
        else None
    )
    if logged:
        found[:0] = logged
    return rest, found


def evaluate_checks(
    run: Any,
    step: Any,
    results: list[AssetCheckResult],
    *,
    state: dict | None = None,
    final: bool = True,
) -> None:
    """Emit one ASSET_CHECK_EVALUATION per result (after the step's materializations), fail on
    a missing required result, and raise DagsterAssetCheckFailedError for failed blocking
    ERROR checks."""
    from dagster_nb._execution.executor import _StepFailed

    ad = step.assets_def
    specs = {s.key: (out, s) for out, s in ad.check_specs_by_output_name.items()}
    selected = {k: specs[k][1] for k in step.check_keys}
    # ``state`` carries what earlier batches of a streamed step evaluated (see executor)
    done: set[AssetCheckKey] = state["done"] if state is not None else set()
    failed_blocking: list[AssetCheckEvaluation] = (
        state["failed_blocking"] if state is not None else []
    )
    targets: dict[AssetKey, Any] = {}
    for r in results:
        try:
            ck = resolve_check_key(r, {k: s for k, (_, s) in specs.items()}, f'step "{step.key}"')
        except DagsterInvariantViolationError as exc:
            raise _StepFailed(exc) from None
        if ck not in selected:
            continue  # a check of this asset that the run did not select
        out_name, spec = specs[ck]
        if ck in done:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Compute for op "{step.key}" returned an output "{out_name}" multiple times '
                    f"(two results for asset check {ck.to_user_string()})."
                )
            )
        done.add(ck)
        if ck.asset_key not in targets:
            targets[ck.asset_key] = _target_materialization(run, ck.asset_key)
        evaluation = AssetCheckEvaluation(
            asset_key=ck.asset_key,
            check_name=ck.name,
            passed=r.passed,
            metadata=r.metadata,
            target_materialization_data=targets[ck.asset_key],
            severity=r.severity,
            description=r.description,
            blocking=spec.blocking,
        )
        run.event(DagsterEventType.STEP_OUTPUT, step.key, message=f'Yielded output "{out_name}".')
        run.event(
            DagsterEventType.ASSET_CHECK_EVALUATION,
            step.key,
            asset_key=ck.asset_key,
            message=f"Asset check '{ck.name}' on '{ck.asset_key.to_user_string()}' "
            + ("passed." if r.passed else "did not pass.")
            + ("" if r.description is None else f" Description: '{r.description}'"),
            data=evaluation.to_data(),
        )
        if not r.passed and r.severity == AssetCheckSeverity.ERROR and spec.blocking:
            failed_blocking.append(evaluation)
    if not final:
        return
    required = not ad.can_subset or bool(ad.specs_by_key)
    for ck in sorted(set(selected) - done, key=lambda k: (k.asset_key.parts, k.name)):
        if required:
            raise _StepFailed(
                DagsterStepOutputNotFoundError(
                    f'Core compute for op "{step.key}" did not return an output for non-optional '
                    f'output "{specs[ck][0]}" (asset check {ck.to_user_string()}). Return or yield '
                    f"AssetCheckResult(check_name={ck.name!r}, passed=...)."
                )
            )
    if failed_blocking:
        by_asset: dict[AssetKey, list[str]] = {}
        for e in failed_blocking:
            by_asset.setdefault(e.asset_key, []).append(e.check_name)
        n = len(failed_blocking)
        raise _StepFailed(
            DagsterAssetCheckFailedError(
                f"{n} blocking asset check{'s' if n > 1 else ''} failed with ERROR severity:\n"
                + "\n".join(
                    f"{k.to_user_string()}: {','.join(names)}" for k, names in by_asset.items()
                )
            )
        )


def _target_materialization(
    run: Any, key: AssetKey
) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The latest materialization of ``key`` (this run's, when it made one): what the check
    evaluated."""
    if run.instance is None:
        return None
    run.flush()  # this run's materialization of the asset may still be pending
    rec = run.instance.get_latest_materialization_record(key)
    if rec is None:
        return None
    return AssetCheckEvaluationTargetMaterializationData(rec.storage_id, rec.run_id, rec.timestamp)
