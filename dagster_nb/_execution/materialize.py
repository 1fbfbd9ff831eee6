"""``materialize`` / ``materialize_to_memory`` / ``observe``: run assets in process.

result = dg.materialize([raw, orders], resources={"db": Warehouse(...)})
result.output_for_node("orders")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.derived import derived
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
    raise_unexpected_keyword,
)
from dagster_nb._execution.executor import RunRequestSpec, execute_plan
from dagster_nb._execution.plan import build_plan
from dagster_nb._execution.result import ExecuteInProcessResult

if TYPE_CHECKING:
    from datetime import datetime

    from dagster_nb._definitions.asset_spec import AssetSpec
    from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
    from dagster_nb._definitions.run_config import RunConfig
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._partitions import PartitionKeyRange
    from dagster_nb._selection import CoercibleToAssetSelection
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = ["materialize", "materialize_to_memory", "observe", "run_assets"]


_RUN_PARAMS = (
    "assets",
    "run_config",
    "instance",
    "resources",
    "partition_key",
    "raise_on_error",
    "tags",
    "selection",
    "partition_keys",
    "partition_key_range",
    "max_concurrent",
    "listeners",
    "current_time",
    "executor",
)


def _run_config_dict(run_config: Any) -> dict:
    if run_config is None:
        return {}
    if hasattr(run_config, "to_config_dict"):
        return dict(run_config.to_config_dict())
    if isinstance(run_config, Mapping):
        return dict(run_config)
    raise DagsterInvalidInvocationError(
        f"run_config must be a dict or a dg.RunConfig, got {type(run_config).__name__}."
    )


def resolve_selection(
    resolved: ResolvedAssets, selection: Any, *, observe: bool = False
) -> set[AssetKey]:
    """Keys selected by ``selection`` (None: every materializable, or observable, asset)."""
    graph = resolved.graph
    if selection is None:
        if observe:
            return {k for k, ad in resolved.assets_def_by_key.items() if ad.is_observable}
        return set(graph.materializable_asset_keys)
    from dagster_nb._selection import AssetSelection

    return set(AssetSelection.from_coercible(selection).resolve(graph))


def check_selection_names(resolved: ResolvedAssets, selection: Any) -> None:
    """A selection string naming a group, key, tag, owner or kind that matches nothing is a
    typo, not an empty run: raise (pointing at the name, with close matches) before any run."""
    texts = (
        [selection]
        if isinstance(selection, str)
        else selection
        if isinstance(selection, (list, tuple))
        else ()
    )
    texts = [t for t in texts if isinstance(t, str)]
    if not texts:
        return  # (no import of the selection layer for a run of the given assets)
    from dagster_nb._selection import parse_selection

    for text in texts:
        parse_selection(text, resolved.graph)


# The run tags that make a run cover a range of partitions (Dagster's single-run backfills).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


def _partition_range_from_tags(
    tags: Mapping[str, str] | None,
    *,
    partition_key: str | None,
    partition_keys: Sequence[str] | None,
    partition_key_range: Any,
) -> Any:
    """The PartitionKeyRange the run's tags name, checked as Dagster checks them; None without
    range tags. As in Dagster, an empty tag counts as missing."""
    if not tags:
        return None
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if not start and not end:
        return None
    if not start or not end:
        raise DagsterInvariantViolationError(
            f"Cannot have {RANGE_START_TAG} or {RANGE_END_TAG} set without the other. Set both "
            f"(a run over one partition: the same key in both), e.g. "
            f"tags={{{RANGE_START_TAG!r}: {start or end!r}, {RANGE_END_TAG!r}: {start or end!r}}}."
        )
    if partition_key is not None or tags.get(PARTITION_TAG) is not None:
        raise DagsterInvariantViolationError(
            f"Cannot have {RANGE_START_TAG} or {RANGE_END_TAG} tags set along with "
            f"{PARTITION_TAG}. Run one partition with partition_key=..., or a range with the two "
            "range tags, not both."
        )
    if partition_keys is not None or partition_key_range is not None:
        raise DagsterInvalidInvocationError(
            f"The run names its partitions twice: by the {RANGE_START_TAG} / {RANGE_END_TAG} "
            "tags and by partition_keys / partition_key_range. Pass one of them."
        )
    from dagster_nb._partitions.partition_key_range import PartitionKeyRange

    return PartitionKeyRange(start, end)


def _check_tag_range(
    pdef: Any, key_range: Any, instance: DagsterInstance | None, current_time: Any
) -> None:
    """Both bounds of the tags' range exist: checked before the run starts, with Dagster's
    message for static partitions (for time windows Dagster finds out inside the step)."""
    missing = [
        k
        for k in dict.fromkeys((key_range.start, key_range.end))
        if not pdef.has_partition_key(
            k, current_time=current_time, dynamic_partitions_store=instance
        )
    ]
    if missing:
        raise DagsterInvalidInvocationError(
            f"Partition range {key_range.start} to {key_range.end} is not a valid range. "
            f"Nonexistent partition keys: {missing}. Fix the {RANGE_START_TAG} / {RANGE_END_TAG} "
            f"tags; {pdef!r} has e.g. {_example_key(pdef, instance, current_time)!r}."
        )


def _partition_keys(
    resolved: ResolvedAssets,
    selected: Iterable[AssetKey],
    *,
    partition_key: str | None,
    partition_keys: Sequence[str] | None,
    partition_key_range: Any,
    instance: DagsterInstance | None,
    current_time: Any,
    range_from_tags: bool = False,
) -> tuple[str, ...] | None:
    pdefs: list[Any] = []
    for k in selected:
        pd = resolved.assets_def_by_key[k].partitions_def
        if pd is not None and all(pd != p for p in pdefs):
            pdefs.append(pd)
    given = [x for x in (partition_key, partition_keys, partition_key_range) if x is not None]
    if len(given) > 1:
        raise DagsterInvalidInvocationError(
            "Pass only one of partition_key, partition_keys and partition_key_range."
        )
    if not pdefs:
        # Range tags on unpartitioned assets are only tags: Dagster runs them as usual.
        if given and not range_from_tags:
            raise DagsterInvalidInvocationError(
                "A partition was given but none of the selected assets is partitioned. Remove "
                "partition_key, or select the partitioned assets."
            )
        return None
    if len(pdefs) > 1:
        from dagster_nb._partitions.describe import pdef_source

        raise DagsterInvalidDefinitionError(
            "Selected assets must have the same partitions definitions to run together; got "
            + ", ".join(pdef_source(p) for p in pdefs)
            + ". Materialize them in separate runs."
        )
    pdef = pdefs[0]
    if not given:
        from dagster_nb._partitions.describe import pdef_source

        names = sorted(
            k.to_user_string()
            for k in selected
            if resolved.assets_def_by_key[k].partitions_def is not None
        )
        example = _example_key(pdef, instance, current_time)
        raise DagsterInvalidInvocationError(
            f"Asset{'s' if len(names) > 1 else ''} {', '.join(names)} {'are' if len(names) > 1 else 'is'} "
            f"partitioned ({pdef_source(pdef)}): pass partition_key=..."
            + (f", e.g. partition_key={example!r}" if example else "")
            + "."
        )
    if range_from_tags:
        _check_tag_range(pdef, partition_key_range, instance, current_time)
    if partition_key_range is not None:
        for bound in (partition_key_range.start, partition_key_range.end):
            _validate_key(pdef, bound, instance, current_time)
        keys = list(
            pdef.get_partition_keys_in_range(partition_key_range, dynamic_partitions_store=instance)
        )
        if not keys and range_from_tags:  # Dagster would run it over no partitions at all
            raise DagsterInvalidInvocationError(
                f"Partition range {partition_key_range.start} to {partition_key_range.end} is "
                f"empty: its start comes after its end. Swap the {RANGE_START_TAG} and "
                f"{RANGE_END_TAG} tags."
            )
        if not keys:
            raise DagsterInvalidInvocationError(
                f"{partition_key_range!r} is empty: its start comes after its end. Pass "
                f"PartitionKeyRange({partition_key_range.end!r}, {partition_key_range.start!r})."
            )
    elif partition_keys is not None:
        keys = list(partition_keys)
        if not keys:
            raise DagsterInvalidInvocationError(
                "partition_keys=[] names no partitions; pass at least one key, e.g. "
                f"partition_keys=[{_example_key(pdef, instance, current_time)!r}]."
            )
    else:
        keys = [partition_key]
    for k in keys:
        _validate_key(pdef, k, instance, current_time)
    to_key = getattr(pdef, "get_partition_key_from_str", None)
    if to_key is not None:  # multi-partitions: contexts and IO managers see MultiPartitionKey
        keys = [to_key(k) for k in keys]
    return tuple(keys)


def _example_key(pdef: Any, instance: DagsterInstance | None, current_time: Any) -> str | None:
    try:
        return pdef.get_last_partition_key(
            current_time=current_time, dynamic_partitions_store=instance
        )
    except Exception:
        return None


def _validate_key(pdef: Any, key: Any, instance: DagsterInstance | None, current_time: Any) -> None:
    if not isinstance(key, str):
        raise DagsterInvalidInvocationError(
            f"Partition keys must be strings, got {type(key).__name__} {key!r}."
        )
    validate = getattr(pdef, "validate_partition_key", None)
    if validate is not None:
        validate(key, current_time=current_time, dynamic_partitions_store=instance)
        return
    if not pdef.has_partition_key(
        key, current_time=current_time, dynamic_partitions_store=instance
    ):
        raise DagsterUnknownPartitionError(f"Partition key {key!r} is not in {pdef!r}.")


def run_assets(
    assets: Any,
    *,
    selection: Any = None,
    run_config: Any = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    partition_keys: Sequence[str] | None = None,
    partition_key_range: Any = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    max_concurrent: int = 1,
    listeners: Sequence[Callable] = (),
    job_name: str = "__ephemeral_asset_job__",
    default_io_manager: str = "fs",
    observe: bool = False,
    current_time: Any = None,
    selected_keys: Iterable[AssetKey] | None = None,
    check_inputs: bool = False,
    selected_check_keys: Iterable[Any] | None = None,
    step_processes: bool = False,
    dask_cluster: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    op_retry_policy: Any = None,
) -> ExecuteInProcessResult:
    """The one entry point behind materialize(), jobs, the kernel repository and the CLI."""
    from dagster_nb._instance import DagsterInstance

    resolved = assets if isinstance(assets, ResolvedAssets) else _resolve_cached(assets)
    if check_inputs:
        _check_inputs_provided(resolved)
    if selected_keys is not None:
        sel = set(selected_keys)
    else:
        check_selection_names(resolved, selection)
        sel = resolve_selection(resolved, selection, observe=observe)
    if instance is None:
        instance = DagsterInstance.ephemeral()
    if selected_check_keys is not None:
        checks: Any = frozenset(selected_check_keys)
    elif observe or not resolved.check_specs_by_key:
        checks = ()
    else:
        from dagster_nb._execution.checks import resolve_check_selection

        checks = resolve_check_selection(
            resolved, None if selected_keys is not None else selection, sel
        )
    plan = build_plan(resolved, sel, observe=observe, checks=checks)
    tag_range = _partition_range_from_tags(
        tags,
        partition_key=partition_key,
        partition_keys=partition_keys,
        partition_key_range=partition_key_range,
    )
    pkeys = _partition_keys(
        resolved,
        sel,
        partition_key=partition_key,
        partition_keys=partition_keys,
        partition_key_range=partition_key_range if tag_range is None else tag_range,
        instance=instance,
        current_time=current_time,
        range_from_tags=tag_range is not None,
    )
    res = dict(resources or {})
    if "io_manager" not in res:
        if default_io_manager == "mem":
            from dagster_nb._definitions.io_manager import InMemoryIOManager

            res["io_manager"] = InMemoryIOManager()
        else:
            # What FilesystemIOManager() would open for this instance, made directly: the
            # default needs no config validation on every run.
            from dagster_nb._storage.fs_io_manager import PickledObjectFilesystemIOManager

            res["io_manager"] = PickledObjectFilesystemIOManager(
                base_dir=instance.storage_directory()
            )
    if step_processes:  # the multiprocess executor: values must cross processes
        from dagster_nb._execution.executor import _required_resource_keys
        from dagster_nb._execution.step_processes import check_requirements

        io_keys = {
            k
            for k in _required_resource_keys(resolved, plan, res)
            if k not in _op_resource_keys(plan)
        }
        check_requirements(res, instance, io_keys)
    run_tags = dict(tags or {})
    # Range tags given are the run's partition tags as they are (a range of one stays a range).
    if pkeys and tag_range is None:
        if len(pkeys) == 1:
            run_tags.setdefault(PARTITION_TAG, pkeys[0])
        else:
            run_tags.setdefault(RANGE_START_TAG, pkeys[0])
            run_tags.setdefault(RANGE_END_TAG, pkeys[-1])
    run_config = _run_config_dict(run_config)
    _check_op_config_names(resolved, run_config, job_name)
    spec = RunRequestSpec(
        job_name=job_name,
        run_id=run_id,
        resources=res,
        run_config=run_config,
        tags=run_tags,
        partition_keys=pkeys,
        max_concurrent=max(1, int(max_concurrent)),
        step_processes=step_processes,
        dask_cluster=dask_cluster,
        op_retry_policy=op_retry_policy,
        listeners=tuple(listeners),
        current_time=current_time,
    )
    execution = execute_plan(resolved, plan, spec, instance)
    result = ExecuteInProcessResult(execution)
    if raise_on_error and not result.success:
        _raise_first_error(execution)
    return result


def _op_resource_keys(plan: Any) -> set[str]:
    out: set[str] = set()
    for step in plan.steps:
        out |= set(getattr(step.assets_def.node_def, "required_resource_keys", ()) or ())
    return out


# The last few asset lists resolved, keyed by the identities of their (immutable) items: a
# notebook materializes the same list again and again, and resolving it is O(assets).
_RESOLVED: dict[tuple[int, ...], tuple[list, ResolvedAssets]] = {}
_RESOLVED_MAX = 8


def _resolve_cached(assets: Iterable[Any]) -> ResolvedAssets:
    items = list(assets)
    key = tuple(map(id, items))
    hit = _RESOLVED.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], items, strict=True)):
        return hit[1]
    resolved = ResolvedAssets.build(items)
    # Items are kept alive with the entry, so their ids cannot be reused while it exists.
    _RESOLVED[key] = (items, resolved)
    while len(_RESOLVED) > _RESOLVED_MAX:
        _RESOLVED.pop(next(iter(_RESOLVED)))
    return resolved


def _check_inputs_provided(resolved: ResolvedAssets) -> None:
    from dagster_nb._definitions.repository import check_inputs_provided

    check_inputs_provided(resolved)


@derived
def _node_names(resolved: ResolvedAssets) -> frozenset[str]:
    return frozenset(ad.node_name for ad in resolved.assets_defs if ad.node_def is not None)


def _check_op_config_names(resolved: ResolvedAssets, run_config: Any, job_name: str) -> None:
    """As Dagster's config check: every entry under ``ops`` names a node of these assets."""
    ops = (run_config or {}).get("ops") if isinstance(run_config, Mapping) else None
    if not ops:
        return
    names = _node_names(resolved)
    for name in ops:
        if name not in names:
            from dagster_nb._errors import DagsterInvalidConfigError, did_you_mean

            raise DagsterInvalidConfigError(
                f"Error in config for job {job_name}",
                [
                    f'Error 1: Received unexpected config entry "{name}" at path root:ops. '
                    f"Expected one of the op names: {sorted(names)}." + did_you_mean(name, names)
                ],
                run_config,
            )


def _raise_first_error(execution: Any) -> None:
    if execution.run_error is not None:
        raise execution.run_error
    for step in execution.plan.steps:
        err = execution.step_errors.get(step.key)
        if err is not None:
            user = getattr(err, "user_exception", None)
            if user is not None:
                raise user
            raise err


def materialize(
    assets: Sequence[AssetsDefinition | AssetSpec | SourceAsset],
    run_config: RunConfig | Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, object] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    selection: CoercibleToAssetSelection | None = None,
    *,
    partition_keys: Sequence[str] | None = None,
    partition_key_range: PartitionKeyRange | None = None,
    max_concurrent: int = 1,
    listeners: Sequence[Callable[[Any], Any]] = (),
    current_time: datetime | None = None,
    executor: Any = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> ExecuteInProcessResult:
    """Materialize ``assets`` (or the ``selection`` of them) in this process.

    As in Dagster, the instance is ephemeral unless one is passed, and values go through the
    filesystem IO manager unless ``resources`` provides ``io_manager``. Ours on top:
    ``max_concurrent`` (run independent steps in threads), ``partition_keys`` /
    ``partition_key_range`` (one run over several partitions) and ``listeners`` (callables that
    receive each event) and ``executor`` (an ExecutorDefinition, e.g.
    ``dagster_nb.dask.dask_executor``: the steps run where it says; needs a persistent instance).
    """
    if kwargs:
        raise_unexpected_keyword("materialize()", kwargs, _RUN_PARAMS)
    if not isinstance(assets, (list, tuple)) and not isinstance(assets, ResolvedAssets):
        assets = list(assets)
    extra: dict[str, Any] = {}
    if executor is not None:
        from dagster_nb._execution.executors import executor_run_kwargs

        extra = executor_run_kwargs(executor, _run_config_dict(run_config), max_concurrent)
    return run_assets(
        assets,
        selection=selection,
        run_config=run_config,
        instance=instance,
        resources=resources,
        partition_key=partition_key,
        partition_keys=partition_keys,
        partition_key_range=partition_key_range,
        raise_on_error=raise_on_error,
        tags=tags,
        listeners=listeners,
        current_time=current_time,
        check_inputs=True,
        **{"max_concurrent": max_concurrent, **extra},
    )


def materialize_to_memory(
    assets: Sequence[AssetsDefinition | AssetSpec | SourceAsset],
    run_config: RunConfig | Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, object] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    selection: CoercibleToAssetSelection | None = None,
    *,
    partition_keys: Sequence[str] | None = None,
    partition_key_range: PartitionKeyRange | None = None,
    max_concurrent: int = 1,
    listeners: Sequence[Callable[[Any], Any]] = (),
    current_time: datetime | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> ExecuteInProcessResult:
    """Like :func:`materialize`, with every value kept in memory (an in-memory IO manager)."""
    if kwargs:
        raise_unexpected_keyword("materialize_to_memory()", kwargs, _RUN_PARAMS)
    if resources:
        from dagster_nb._definitions.io_manager import IOManager, IOManagerDefinition

        for k, v in resources.items():
            if isinstance(v, (IOManager, IOManagerDefinition)):
                raise DagsterInvalidInvocationError(
                    f"Attempted to call `materialize_to_memory` with a resource provided for io "
                    f"manager key '{k}'. Do not provide resources for IO manager keys when "
                    "calling `materialize_to_memory`, as it will override io management behavior "
                    "for all keys."
                )
    return run_assets(
        list(assets),
        selection=selection,
        run_config=run_config,
        instance=instance,
        resources=resources,
        partition_key=partition_key,
        raise_on_error=raise_on_error,
        tags=tags,
        default_io_manager="mem",
        check_inputs=True,
        partition_keys=partition_keys,
        partition_key_range=partition_key_range,
        max_concurrent=max_concurrent,
        listeners=listeners,
        current_time=current_time,
    )


def observe(
    assets: Sequence[Any],
    run_config: Any = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, object] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
) -> ExecuteInProcessResult:
    """Run the observation functions of observable source assets and record their versions."""
    return run_assets(
        list(assets),
        run_config=run_config,
        instance=instance,
        resources=resources,
        partition_key=partition_key,
        raise_on_error=raise_on_error,
        tags=tags,
        observe=True,
        job_name="__ephemeral_observe_job__",
    )
