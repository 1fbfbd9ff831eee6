"""Backfills: materialize a list or range of partitions.

Unpartitioned assets of the selection run once per backfill, not once per partition (as in
Dagster's asset backfills): those upstream of the partitioned assets in one run before the
partitions, those that read partitioned assets in one run after them.

Partitioned assets: one run per partition by default (Dagster's behaviour for assets without a
backfill policy);
one run per contiguous range of partitions when every selected asset has
``BackfillPolicy.single_run()``; chunks of ``max_partitions_per_run`` of each range under
``BackfillPolicy.multi_run(n)``. A failed partition
does not stop the others. Listeners receive every run's events; ``on_progress(done, total,
result)`` is called after each run.

    result = run_backfill(resolved, keys, ["2024-01-01", "2024-01-02"], instance=instance)
    result.failed_partitions   # []
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import DagsterInvalidInvocationError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["BackfillResult", "run_backfill", "plan_backfill_chunks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BackfillResult:
    """Outcome of a backfill: one ExecuteInProcessResult per run."""

    partition_keys: tuple[str, ...]
    results: tuple[Any, ...]
    chunks: tuple[tuple[str, ...], ...]
    errors: Mapping[tuple[str, ...], BaseException] = field(default_factory=dict)
    #: Partitions never attempted because the run of their unpartitioned upstream assets failed.
    not_run: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results) and not self.errors and not self.not_run

    @property
    def failed_partitions(self) -> list[str]:
        out: list[str] = []
        for chunk, r in zip(self.chunks, self.results, strict=False):
            if not r.success:
                out.extend(chunk)
        for chunk in self.errors:
            out.extend(chunk)
        out.extend(self.not_run)
        return out

    @property
    def succeeded_partitions(self) -> list[str]:
        failed = set(self.failed_partitions)
        return [k for k in self.partition_keys if k not in failed]

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.results]

    @property
    def step_outcomes(self) -> dict[str, str]:
        """Worst outcome per step across runs (for summaries)."""
        rank = {"FAILURE": 3, "UNTOUCHED": 2, "SKIPPED": 1, "SUCCESS": 0}
        out: dict[str, str] = {}
        for r in self.results:
            for step, o in r.step_outcomes.items():
                if rank.get(o, 0) >= rank.get(out.get(step, "SUCCESS"), 0):
                    out[step] = o
        return out

    @property
    def run_id(self) -> str:
        return self.results[0].run_id if self.results else ""

    @property
    def dagster_run_status(self) -> Any:
        from dagster_nb._events import DagsterRunStatus

        return DagsterRunStatus.SUCCESS if self.success else DagsterRunStatus.FAILURE

    def __repr__(self) -> str:
        return (
            f"<BackfillResult {len(self.partition_keys)} partitions in {len(self.results)} runs, "
            f"{len(self.failed_partitions)} failed>"
        )


def plan_backfill_chunks(
    resolved: ResolvedAssets,
    keys: Iterable[AssetKey],
    partition_keys: Sequence[str],
    *,
    current_time: Any = None,
    dynamic_partitions_store: Any = None,
) -> list[tuple[str, ...]]:
    """Split partitions into runs according to the selected assets' backfill policies.

    As Dagster's backfills: without a policy, one run per partition (in the order given); under
    a policy, the partitions are put in their definition's order and cut into contiguous ranges
    (a run covers a range), each range one run (``single_run``) or chunks of
    ``max_partitions_per_run`` (``multi_run``).
    """
    policies = []
    pdef = None
    for k in keys:
        ad = resolved.assets_def_by_key[k]
        if ad.partitions_def is not None:
            policies.append(ad.backfill_policy)
            pdef = ad.partitions_def
    size: int | None = 1
    if policies and all(p is not None for p in policies):
        sizes = [p.max_partitions_per_run for p in policies]
        if all(s is None for s in sizes):
            size = None
        else:
            size = min(s for s in sizes if s is not None)
    keys_list = list(partition_keys)
    if size == 1:
        return [(k,) for k in keys_list]
    ranges = _contiguous_ranges(pdef, keys_list, current_time, dynamic_partitions_store)
    if size is None:
        return ranges
    return [r[i : i + size] for r in ranges for i in range(0, len(r), size)]


def _contiguous_ranges(
    pdef: Any, partition_keys: list[str], current_time: Any, dynamic_partitions_store: Any
) -> list[tuple[str, ...]]:
    """``partition_keys`` (deduplicated) in ``pdef``'s order, cut where a key is skipped."""
    if not partition_keys:
        return []
    if pdef is None:
        return [tuple(dict.fromkeys(partition_keys))]
    order = {
        k: i
        for i, k in enumerate(
            pdef.get_partition_keys(
                current_time=current_time, dynamic_partitions_store=dynamic_partitions_store
            )
        )
    }
    # Keys outside the definition are refused before planning; keep them last if asked anyway.
    wanted = sorted(set(partition_keys), key=lambda k: order.get(k, len(order)))
    ranges: list[tuple[str, ...]] = []
    current: list[str] = []
    for k in wanted:
        if current and (k not in order or order.get(current[-1], -2) + 1 != order[k]):
            ranges.append(tuple(current))
            current = []
        current.append(k)
    ranges.append(tuple(current))
    return ranges


def run_backfill(
    resolved: ResolvedAssets,
    selected_keys: Iterable[AssetKey],
    partition_keys: Sequence[str] | None = None,
    *,
    partition_key_range: Any = None,
    instance: DagsterInstance | None,
    resources: Mapping[str, Any] | None = None,
    run_config: Any = None,
    tags: Mapping[str, str] | None = None,
    max_concurrent: int = 1,
    listeners: Sequence[Callable] = (),
    job_name: str = "__ephemeral_asset_job__",
    current_time: Any = None,
    on_progress: Callable[[int, int, Any], None] | None = None,
    executor_kwargs: Mapping[str, Any] | None = None,  # executor_run_kwargs(executor, ...)
) -> BackfillResult:
    """Materialize ``selected_keys`` for every partition; never raises for a failed partition."""
    from dagster_nb._execution.materialize import run_assets

    keys = frozenset(selected_keys)
    pdefs = {
        id(resolved.assets_def_by_key[k].partitions_def): resolved.assets_def_by_key[
            k
        ].partitions_def
        for k in keys
        if resolved.assets_def_by_key[k].partitions_def is not None
    }
    if not pdefs:
        raise DagsterInvalidInvocationError(
            "A backfill needs partitioned assets; none of the selected assets is partitioned."
        )
    if len({repr(p) for p in pdefs.values()}) > 1:
        raise DagsterInvalidInvocationError(
            "A backfill runs assets with one partitions definition; the selection has "
            + ", ".join(sorted({repr(p) for p in pdefs.values()}))
            + ". Backfill each group of assets separately."
        )
    pdef = next(iter(pdefs.values()))
    if partition_key_range is not None:
        if partition_keys is not None:
            raise DagsterInvalidInvocationError(
                "Pass partition_keys or partition_key_range, not both."
            )
        for bound in (partition_key_range.start, partition_key_range.end):
            pdef.validate_partition_key(
                bound, current_time=current_time, dynamic_partitions_store=instance
            )
        partition_keys = list(
            pdef.get_partition_keys_in_range(partition_key_range, dynamic_partitions_store=instance)
        )
    if not partition_keys:
        raise DagsterInvalidInvocationError("The backfill names no partitions.")
    for pk in partition_keys:
        pdef.validate_partition_key(
            pk, current_time=current_time, dynamic_partitions_store=instance
        )
    partitioned = frozenset(
        k for k in keys if resolved.assets_def_by_key[k].partitions_def is not None
    )
    before, after = _unpartitioned_runs(resolved, keys, partitioned)
    if not before and not after:
        partitioned = keys  # nothing unpartitioned, or the interleaved case: one kind of run
    chunks = plan_backfill_chunks(
        resolved,
        partitioned,
        partition_keys,
        current_time=current_time,
        dynamic_partitions_store=instance,
    )
    backfill_tags = dict(tags or {})
    import uuid

    backfill_tags.setdefault("dagster/backfill", uuid.uuid4().hex[:8])
    results: list[Any] = []
    done_chunks: list[tuple[str, ...]] = []
    errors: dict[tuple[str, ...], BaseException] = {}
    # (keys, partitions) per run: () marks the once-per-backfill runs of unpartitioned assets.
    plan: list[tuple[frozenset, tuple[str, ...]]] = [(before, ())] if before else []
    plan += [(partitioned, chunk) for chunk in chunks]
    if after:
        plan.append((after, ()))
    not_run: tuple[str, ...] = ()
    for i, (run_keys, chunk) in enumerate(plan):
        if i == 1 and before and results and not results[0].success:
            # The partitions read what that run failed to write: do not run them against it.
            not_run = tuple(partition_keys)
            break
        try:
            r = run_assets(
                resolved,
                selected_keys=run_keys,
                instance=instance,
                resources=resources,
                run_config=run_config,
                tags=backfill_tags,
                partition_keys=list(chunk) or None,
                listeners=listeners,
                raise_on_error=False,
                job_name=job_name,
                current_time=current_time,
                **{"max_concurrent": max_concurrent, **(executor_kwargs or {})},
            )
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a run that could not start (e.g. resource init)
            errors[chunk] = exc
            if on_progress is not None:
                on_progress(i + 1, len(plan), None)
            if not chunk and i == 0 and before:
                not_run = tuple(partition_keys)
                break
            continue
        if len(plan) > 1:
            r._release_values()  # the values are stored; a big backfill must not hold them all
        results.append(r)
        done_chunks.append(chunk)
        if on_progress is not None:
            on_progress(i + 1, len(plan), r)
    return BackfillResult(
        partition_keys=tuple(partition_keys),
        results=tuple(results),
        chunks=tuple(done_chunks),
        errors=errors,
        not_run=not_run,
    )


def _unpartitioned_runs(
    resolved: ResolvedAssets, keys: frozenset, partitioned: frozenset
) -> tuple[frozenset, frozenset]:
    """The unpartitioned keys of the selection, split into those that run before the
    partitions (nothing partitioned in the selection is upstream of them) and those that run
    after (they read, directly or through others of the selection, a partitioned asset)."""
    graph = resolved.graph
    after: set = set()
    frontier = list(partitioned)
    while frontier:
        for c in graph.children(frontier.pop()):
            if c in keys and c not in partitioned and c not in after:
                after.add(c)
                frontier.append(c)
    if any(c in partitioned for a in after for c in graph.children(a)):
        # partitioned -> unpartitioned -> partitioned: no order runs each kind once; run
        # the unpartitioned assets with every partition, as before.
        return frozenset(), frozenset()
    before = keys - partitioned - after
    return frozenset(before), frozenset(after)
