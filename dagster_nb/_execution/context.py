"""The context passed to asset and op functions, and ``build_asset_context`` for tests.

@dg.asset
def orders(context: dg.AssetExecutionContext):
    context.log.info("partition %s", context.partition_key)
    context.add_output_metadata({"rows": 3})
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._errors import (
    CheckError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    did_you_mean,
)
from dagster_nb._events import DagsterEvent, DagsterEventType

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "AssetExecutionContext",
    "OpExecutionContext",
    "build_asset_context",
    "build_op_context",
    "RunLog",
]

# logging's levels, by value (logging itself is imported when something is logged: a run that
# logs nothing does not pay for it).
_DEBUG, _INFO, _WARNING, _ERROR, _CRITICAL = 10, 20, 30, 40, 50


class RunLog:
    """``context.log``: a logger whose records also become LOG_MESSAGE events of the run (so the
    notebook's progress view and the instance see them)."""

    __slots__ = ("_emit", "_run_id", "_job_name", "_step_key")

    def __init__(self, emit: Any, run_id: str, job_name: str, step_key: str | None):
        self._emit = emit
        self._run_id = run_id
        self._job_name = job_name
        self._step_key = step_key

    def _log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        import logging

        text = str(msg) % args if args else str(msg)
        logging.getLogger("dagster_nb").log(
            level, "%s - %s", self._step_key or self._job_name, text
        )
        if self._emit is not None:
            self._emit(
                DagsterEvent(
                    event_type_value=DagsterEventType.LOG_MESSAGE.value,
                    run_id=self._run_id,
                    job_name=self._job_name,
                    timestamp=time.time(),
                    step_key=self._step_key,
                    message=text,
                    level=logging.getLevelName(level),
                )
            )

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_DEBUG, msg, *args)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_INFO, msg, *args)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_WARNING, msg, *args)

    warn = warning

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_ERROR, msg, *args)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_CRITICAL, msg, *args)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(_ERROR, msg, *args)

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._log(level, msg, *args)


class AssetExecutionContext:
    """What an asset (or op) function receives as ``context``.

    Built by the executor for each step; for unit tests use :func:`build_asset_context`.
    """

    _selected_check_keys: frozenset[Any]  # set by the executor on steps that run checks

    def __init__(
        self,
        *,
        run_id: str,
        job_name: str,
        resources: Any,
        instance: DagsterInstance | None = None,
        assets_def: Any = None,
        node_name: str | None = None,
        selected_asset_keys: frozenset[AssetKey] = frozenset(),
        partition_key: str | None = None,
        partition_keys: Sequence[str] | None = None,
        partitions_def: Any = None,
        op_config: Any = None,
        run_tags: Mapping[str, str] | None = None,
        emit: Any = None,
        dagster_run: Any = None,
        retry_number: int = 0,
        input_partition_keys: Mapping[str, Sequence[str] | None] | None = None,
        input_partitions_defs: Mapping[str, Any] | None = None,
        current_time: Any = None,
    ):
        self._run_id = run_id
        self._job_name = job_name
        self._resources = resources
        self._instance = instance
        self._assets_def = assets_def
        self._node_name = node_name
        self._selected_asset_keys = selected_asset_keys
        self._partition_keys = (
            list(partition_keys)
            if partition_keys
            else ([partition_key] if partition_key is not None else [])
        )
        self._partitions_def = partitions_def
        self._op_config = op_config
        self._run_tags = dict(run_tags or {})
        self._dagster_run = dagster_run
        self._retry_number = retry_number
        self._input_partition_keys = dict(input_partition_keys or {})
        self._input_partitions_defs = dict(input_partitions_defs or {})
        # The run executing this step (set by the executor); read only when a function asks
        # for what the context itself does not hold (deps= input partitions, stored values).
        self._run: Any = None
        # While a generator function runs: the list its yields are collected into, where a
        # logged event takes its place (the executor emits it in that order).
        self._yielded: list[Any] | None = None
        self._current_time = current_time
        self._output_metadata: dict[str, dict[str, Any]] = {}
        self._emit = emit
        self._user_events: list[Any] = []
        self.log = RunLog(emit, run_id, job_name, node_name)
        self._direct = False  # built by build_asset_context/build_op_context (no run)

    def _not_set_when_direct(self, prop: str) -> None:
        # As Dagster: a directly invoked asset or op has no run, job or repository.
        if self._direct:
            from dagster_nb._errors import DagsterInvalidPropertyError

            raise DagsterInvalidPropertyError(
                f"The {prop} property is not set on the context when an asset or op is directly "
                "invoked. Materialize it (dg.materialize([...])) to have a run."
            )

    # --- run ---
    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def job_name(self) -> str:
        self._not_set_when_direct("job_name")
        return self._job_name

    @property
    def run(self) -> Any:
        self._not_set_when_direct("dagster_run")
        return self._dagster_run

    dagster_run = run

    @property
    def step_launcher(self) -> Any:
        self._not_set_when_direct("step_launcher")
        return None  # steps run in this process

    @property
    def op_def(self) -> Any:
        return self.assets_def.node_def

    @property
    def job_def(self) -> Any:
        self._not_set_when_direct("job_def")
        return self._no_job_objects("job_def")

    @property
    def repository_def(self) -> Any:
        self._not_set_when_direct("repository_def")
        return self._no_job_objects("repository_def")

    def _no_job_objects(self, prop: str) -> Any:
        from dagster_nb._errors import DagsterInvalidPropertyError

        raise DagsterInvalidPropertyError(
            f"context.{prop} is not supported by dagster_nb yet: runs here have no job or "
            "repository object. Use context.job_name / context.run_id."
        )

    @property
    def run_tags(self) -> Mapping[str, str]:
        return self._run_tags

    def get_tag(self, key: str) -> str | None:
        return self._run_tags.get(key)

    def has_tag(self, key: str) -> bool:
        return key in self._run_tags

    @property
    def instance(self) -> Any:
        if self._instance is None:
            if self._direct:  # as Dagster's build_asset_context: an ephemeral one on demand
                from dagster_nb._instance import DagsterInstance

                self._instance = DagsterInstance.ephemeral()
                return self._instance
            raise DagsterInvariantViolationError(
                "This context has no instance. Pass instance= to build_asset_context()."
            )
        return self._instance

    @property
    def resources(self) -> Any:
        return self._resources

    @property
    def retry_number(self) -> int:
        return self._retry_number

    @property
    def op_config(self) -> Any:
        return self._op_config

    @property
    def _raw_op_config(self) -> Any:
        return self._op_config

    @property
    def op_execution_context(self) -> AssetExecutionContext:
        return self

    @property
    def pdb(self) -> Any:
        import pdb

        return pdb.Pdb()

    # --- assets ---
    @property
    def assets_def(self) -> Any:
        if self._assets_def is None:
            raise DagsterInvalidInvocationError(
                "This context is not bound to an asset. Invoke the asset with it, or build it "
                "inside a run."
            )
        return self._assets_def

    @property
    def has_assets_def(self) -> bool:
        return self._assets_def is not None

    @property
    def asset_key(self) -> AssetKey:
        keys = self.selected_asset_keys
        if len(keys) != 1:
            raise DagsterInvariantViolationError(
                "Cannot call `context.asset_key` in a multi_asset with more than one asset "
                f"selected ({', '.join(sorted(k.to_user_string() for k in keys))}). Use "
                "`context.selected_asset_keys` or `context.asset_key_for_output(name)`."
            )
        return next(iter(keys))

    @property
    def selected_asset_keys(self) -> frozenset[AssetKey]:
        if self._selected_asset_keys:
            return self._selected_asset_keys
        if self._assets_def is not None:
            return frozenset(self._assets_def.keys)
        return frozenset()

    @property
    def selected_output_names(self) -> set[str]:
        ad = self._assets_def
        if ad is None:
            return set()
        return {n for n, k in ad.keys_by_output_name.items() if k in self.selected_asset_keys}

    @property
    def is_subset(self) -> bool:
        return self._assets_def is not None and self.selected_asset_keys != frozenset(
            self._assets_def.specs_by_key
        )

    def asset_key_for_output(self, output_name: str = "result") -> AssetKey:
        ad = self.assets_def
        if output_name not in ad.keys_by_output_name:
            raise DagsterInvariantViolationError(
                f"No output named '{output_name}'."
                + did_you_mean(output_name, ad.keys_by_output_name)
            )
        return ad.keys_by_output_name[output_name]

    def asset_key_for_input(self, input_name: str) -> AssetKey:
        ad = self.assets_def
        if input_name not in ad.keys_by_input_name:
            raise DagsterInvariantViolationError(
                f"No input named '{input_name}'." + did_you_mean(input_name, ad.keys_by_input_name)
            )
        return ad.keys_by_input_name[input_name]

    # --- partitions ---
    @property
    def has_partition_key(self) -> bool:
        # As Dagster: a run over range tags naming one partition has a range, not a key.
        return (
            len(self._partition_keys) == 1
            and "dagster/asset_partition_range_start" not in self._run_tags
        )

    @property
    def has_partition_key_range(self) -> bool:
        # As Dagster: only a run over a range of partitions (even a range of one) has one.
        return (
            len(self._partition_keys) > 1 or "dagster/asset_partition_range_start" in self._run_tags
        )

    @property
    def is_partitioned(self) -> bool:
        return bool(self._partition_keys)

    @property
    def partition_key(self) -> str:
        if len(self._partition_keys) != 1:
            if not self._partition_keys:
                raise CheckError(  # Dagster's class (a DagsterInvariantViolationError here)
                    "Cannot access partition_key for a non-partitioned run. Give the asset a "
                    "partitions_def and run it with partition_key=..."
                )
            raise DagsterInvariantViolationError(
                "Cannot access partition_key for a partitioned run with a range of partitions "
                f"({self._partition_keys[0]}...{self._partition_keys[-1]}). Call "
                "partition_key_range or partition_keys instead."
            )
        return self._partition_keys[0]

    @property
    def partition_keys(self) -> list[str]:
        if not self._partition_keys:
            raise CheckError("Cannot access partition_keys for a non-partitioned run.")
        return list(self._partition_keys)

    @property
    def asset_partition_keys(self) -> list[str]:
        return self.partition_keys

    @property
    def partition_key_range(self) -> Any:
        from dagster_nb._partitions import PartitionKeyRange

        ks = self.partition_keys
        return PartitionKeyRange(ks[0], ks[-1])

    asset_partition_key_range = partition_key_range

    @property
    def partition_time_window(self) -> Any:
        from dagster_nb._partitions import TimeWindow

        pdef = self._partitions_def
        if pdef is None or not hasattr(pdef, "time_window_for_partition_key"):
            raise (CheckError if not self._partition_keys else DagsterInvariantViolationError)(
                "partition_time_window is only available for time-window partitioned assets "
                f"(this one has {type(pdef).__name__ if pdef else 'no partitions'})."
            )
        ks = self.partition_keys
        first = pdef.time_window_for_partition_key(ks[0])
        last = pdef.time_window_for_partition_key(ks[-1])
        return TimeWindow(first.start, last.end)

    asset_partitions_time_window = partition_time_window

    @property
    def partitions_def(self) -> Any:
        return self._partitions_def

    def asset_partition_key_for_output(self, output_name: str = "result") -> str:
        return self.partition_key

    def _dep_input(self, input_name: str) -> None:
        """Fill in the partitions of a ``deps=`` upstream, which Dagster names as an input too
        (``_dep_input_name``), the first time a function asks for them."""
        ad, run = self._assets_def, self._run
        if ad is None or run is None:
            return
        from dagster_nb._execution.executor import _upstream_partition_keys

        pkeys = tuple(self._partition_keys) if ad.partitions_def is not None else None
        for key in self.selected_asset_keys:
            for dep in ad.specs_by_key[key].deps if key in ad.specs_by_key else ():
                if _dep_input_name(dep.asset_key) == input_name:
                    pdef, keys = _upstream_partition_keys(run, ad, dep.asset_key, pkeys)
                    self._input_partition_keys[input_name] = keys
                    self._input_partitions_defs[input_name] = pdef
                    return

    def _input_names(self) -> list[str]:
        names = list(self._input_partition_keys)
        ad = self._assets_def
        if ad is not None:
            for key in self.selected_asset_keys:
                if key in ad.specs_by_key:
                    names += [_dep_input_name(d.asset_key) for d in ad.specs_by_key[key].deps]
        return names

    def asset_partition_keys_for_input(self, input_name: str) -> list[str]:
        if input_name not in self._input_partition_keys:
            self._dep_input(input_name)
        keys = self._input_partition_keys.get(input_name)
        if keys is None:
            exists = input_name in self._input_names()
            raise DagsterInvariantViolationError(
                f"Input '{input_name}' is not partitioned: it has no asset partitions."
                if exists
                else f"No input named '{input_name}'."
                + did_you_mean(input_name, self._input_names())
            )
        return list(keys)

    def asset_partition_key_for_input(self, input_name: str) -> str:
        keys = self.asset_partition_keys_for_input(input_name)
        if len(keys) != 1:
            raise DagsterInvariantViolationError(
                f"Input '{input_name}' maps to {len(keys)} upstream partitions; use "
                "asset_partition_key_range_for_input / asset_partition_keys_for_input."
            )
        return keys[0]

    def _input_keys_nonempty(self, input_name: str, what: str) -> list[str]:
        keys = self.asset_partition_keys_for_input(input_name)
        if not keys:
            raise DagsterInvariantViolationError(
                f"Tried to access {what} for input '{input_name}', but no partition of it is "
                "loaded: its partition mapping maps this run's partitions to none (e.g. the day "
                "before the first day). Check asset_partition_keys_for_input(...) for an empty "
                "list first."
            )
        return keys

    def asset_partition_key_range_for_input(self, input_name: str) -> Any:
        from dagster_nb._partitions import PartitionKeyRange

        keys = self._input_keys_nonempty(input_name, "the partition key range")
        return PartitionKeyRange(keys[0], keys[-1])

    def asset_partitions_time_window_for_input(self, input_name: str) -> Any:
        from dagster_nb._partitions import TimeWindow

        keys = self._input_keys_nonempty(input_name, "the time window")
        pdef = self._input_partitions_defs.get(input_name)
        if pdef is None or not hasattr(pdef, "time_window_for_partition_key"):
            raise DagsterInvariantViolationError(
                f"Input '{input_name}' is not time-window partitioned."
            )
        return TimeWindow(
            pdef.time_window_for_partition_key(keys[0]).start,
            pdef.time_window_for_partition_key(keys[-1]).end,
        )

    # --- metadata ---
    def add_output_metadata(
        self,
        metadata: Mapping[str, Any],
        output_name: str | None = None,
        mapping_key: str | None = None,
    ) -> None:
        """Attach metadata to the materialization of an output (the only one if unnamed)."""
        if output_name is None:
            names = self.selected_output_names or {"result"}
            if len(names) > 1:
                raise DagsterInvariantViolationError(
                    "Attempted to add metadata for a multi-output asset without naming the "
                    f"output; pass output_name= one of {sorted(names)}."
                )
            output_name = next(iter(names))
        self._output_metadata.setdefault(output_name, {}).update(normalize_metadata(metadata))

    def add_asset_metadata(
        self,
        metadata: Mapping[str, Any],
        asset_key: CoercibleToAssetKey | None = None,
        partition_key: str | None = None,
    ) -> None:
        if asset_key is None:
            output_name = None
        else:
            k = AssetKey.from_coercible(asset_key)
            output_name = self.assets_def.get_output_name_for_asset_key(k)
        self.add_output_metadata(metadata, output_name=output_name)

    # --- values ---
    def load_asset_value(
        self,
        asset_key: CoercibleToAssetKey,
        *,
        python_type: type | None = None,
        partition_key: str | None = None,
    ) -> Any:
        """The stored value of another asset of this run's definitions, loaded through its IO
        manager (Dagster's ``context.load_asset_value``): for ``deps=`` upstreams a function
        loads itself, or a partition other than the mapped ones.

        >>> import dagster_nb as dg
        >>> @dg.asset
        ... def a(): return 10
        >>> @dg.asset(deps=[a])
        ... def b(context): return context.load_asset_value(dg.AssetKey("a")) * 2
        >>> dg.materialize_to_memory([a, b]).output_for_node("b")
        20
        """
        run = self._run
        if run is None:
            raise DagsterInvalidInvocationError(
                "context.load_asset_value() works inside a run (materialize / a job), where the "
                "asset definitions and IO managers are known. Outside one, use "
                "Definitions(...).load_asset_value(key) or dg.AssetValueLoader."
            )
        from dagster_nb._execution.loader import AssetValueLoader

        with AssetValueLoader(
            run.resolved, run.spec.resources, run.instance, initialized_resources=run.resources
        ) as loader:
            return loader.load_asset_value(
                asset_key, python_type=python_type, partition_key=partition_key
            )

    # --- events ---
    def log_event(self, event: Any) -> None:
        """Record an AssetMaterialization, AssetObservation, ExpectationResult or (for a check in
        this asset's ``check_specs``) AssetCheckResult from inside the function, as Dagster does: it joins the run's events (and the instance) at once, for
        any asset key.

        >>> import dagster_nb as dg
        >>> @dg.asset
        ... def a(context):
        ...     context.log_event(dg.AssetObservation("a", metadata={"rows": 3}))
        ...     return 1
        >>> [e.asset_key.path for e in dg.materialize_to_memory([a]).get_asset_observation_events()]
        [['a']]

        Outside a run (a context from build_asset_context) the events are kept for
        :meth:`get_events`.
        """
        from dagster_nb._definitions.asset_checks import AssetCheckResult

        if isinstance(event, AssetCheckResult):
            # the result of a check in this asset's check_specs, evaluated with the step's
            # results (Dagster 1.13 raises for this; dagster_nb accepts it)
            if self._assets_def is None or not self._assets_def.check_specs_by_output_name:
                raise DagsterInvariantViolationError(
                    "context.log_event(AssetCheckResult(...)) needs an asset with that check in "
                    "its check_specs=[AssetCheckSpec(...)]."
                )
            # read by the executor after the function returns (execution/checks.py)
            self.__dict__.setdefault("_logged_check_results", []).append(event)
            return
        self._user_events.append(event)
        if self._emit is not None:
            ev = _user_event(event, self._run_id, self._job_name, self._node_name)
            if self._yielded is not None:
                self._yielded.append(LoggedEvent(ev))
            else:
                self._emit(ev)
        else:
            _user_event(event, self._run_id, self._job_name, self._node_name)  # validates

    def get_events(self) -> list[Any]:
        """The events logged with :meth:`log_event`, in order (Dagster's direct-invocation
        helper; also works inside a run)."""
        return list(self._user_events)

    @property
    def selected_asset_check_keys(self) -> frozenset[Any]:
        """The asset checks this step evaluates."""
        return self.__dict__.get("_selected_check_keys", frozenset())

    def get_output_metadata(self, output_name: str = "result") -> dict[str, Any]:
        return dict(self._output_metadata.get(output_name, {}))

    def _take_output_metadata(self, output_name: str) -> dict[str, Any]:
        return self._output_metadata.pop(output_name, {})

    def _bind_for_invocation(self, op_def: Any, assets_def: Any) -> AssetExecutionContext:
        if assets_def is not None and self._assets_def is None:
            self._assets_def = assets_def
        if self._node_name is None:
            self._node_name = op_def.name
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} run_id={self._run_id!r} node={self._node_name!r}>"


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """A run event logged by a generator function, in its place among the yielded results."""

    event: DagsterEvent


def _dep_input_name(key: AssetKey) -> str:
    """Dagster's input name for a ``deps=`` upstream: ``raw/events`` -> ``raw_events``."""
    return "_".join(key.path).replace("-", "_").replace(".", "_")


def _user_event(event: Any, run_id: str, job_name: str, step_key: str | None) -> DagsterEvent:
    """The run event for a user event given to ``context.log_event`` (the one place that maps
    user event types to run events; add a branch here for a new type)."""
    from dagster_nb._definitions.results import (
        AssetMaterialization,
        AssetObservation,
        ExpectationResult,
    )

    if isinstance(event, AssetMaterialization):
        return DagsterEvent(
            event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
            run_id=run_id,
            job_name=job_name,
            timestamp=time.time(),
            step_key=step_key,
            message=event.description or f"Materialized value {event.asset_key.to_user_string()}.",
            asset_key=event.asset_key,
            partition=event.partition,
            materialization=event,
        )
    if isinstance(event, AssetObservation):
        return DagsterEvent(
            event_type_value=DagsterEventType.ASSET_OBSERVATION.value,
            run_id=run_id,
            job_name=job_name,
            timestamp=time.time(),
            step_key=step_key,
            asset_key=event.asset_key,
            partition=event.partition,
            observation=event,
        )
    if isinstance(event, ExpectationResult):
        from dagster_nb._events import expectation_to_data

        label = f" {event.label}" if event.label else ""
        return DagsterEvent(
            event_type_value=DagsterEventType.STEP_EXPECTATION_RESULT.value,
            run_id=run_id,
            job_name=job_name,
            timestamp=time.time(),
            step_key=step_key,
            message=event.description
            or f"Expectation{label} {'passed' if event.success else 'failed'}",
            data=expectation_to_data(event),
        )
    raise DagsterInvalidInvocationError(
        f"context.log_event() got {type(event).__name__}; it logs AssetMaterialization, "
        "AssetObservation or ExpectationResult. Return a MaterializeResult / Output for the "
        "asset's own result."
    )


class OpExecutionContext(AssetExecutionContext):
    """The context an op receives (inside graphs and jobs)."""

    # Set by the executor for an op run as a job step or inside a graph asset: the op itself,
    # and the op outputs this run needs (Dagster's selected_output_names for an op).
    _op_definition: Any = None
    _op_selected_outputs: frozenset[str] | None = None

    @property
    def op_def(self) -> Any:
        return self._op_definition if self._op_definition is not None else self._node_name

    @property
    def selected_output_names(self) -> set[str]:
        if self._op_selected_outputs is not None:
            return set(self._op_selected_outputs)
        return AssetExecutionContext.selected_output_names.fget(self)  # type: ignore[attr-defined]

    @property
    def op_handle(self) -> str | None:
        return self._node_name


class AssetCheckExecutionContext(AssetExecutionContext):
    """What an ``@asset_check`` function receives as ``context`` (Dagster's class name), e.g.
    ``def check(context: dg.AssetCheckExecutionContext, orders): ...``: the run's resources,
    log, instance and ``selected_asset_check_keys``.
    """

    @property
    def check_specs(self) -> list[Any]:
        """The specs of the checks this step evaluates."""
        ad = self._assets_def
        specs = getattr(ad, "check_specs_by_output_name", None) or {}
        keys = self.selected_asset_check_keys
        return [s for s in specs.values() if not keys or getattr(s, "key", None) in keys]


def _build(
    cls: type,
    *,
    resources: Mapping[str, Any] | None,
    resources_config: Mapping[str, Any] | None,
    config: Any,
    instance: DagsterInstance | None,
    partition_key: str | None,
    partition_key_range: Any,
    run_tags: Mapping[str, str] | None,
    partitions_def: Any = None,
) -> AssetExecutionContext:
    from dagster_nb._definitions.resources import Resources

    stack = None
    res: Any = Resources({})
    if resources:
        import contextlib

        from dagster_nb._definitions.resources import build_resources

        stack = contextlib.ExitStack()
        res = stack.enter_context(
            build_resources(resources, instance=instance, resource_config=resources_config)
        )
    keys: list[str] | None = None
    if partition_key_range is not None:
        if partitions_def is not None:
            keys = list(partitions_def.get_partition_keys_in_range(partition_key_range))
        else:
            keys = [partition_key_range.start, partition_key_range.end]
    ctx = cls(
        run_id="EPHEMERAL",
        job_name="ephemeral_job",
        resources=res,
        instance=instance,
        partition_key=partition_key,
        partition_keys=keys,
        partitions_def=partitions_def,
        op_config=config,
        run_tags=run_tags,
    )
    ctx._exit_stack = stack
    ctx._direct = True
    return ctx


def _enter(self: AssetExecutionContext) -> AssetExecutionContext:
    return self


def _exit(self: AssetExecutionContext, *exc: Any) -> None:
    stack = getattr(self, "_exit_stack", None)
    if stack is not None:
        stack.close()


AssetExecutionContext.__enter__ = _enter  # type: ignore[attr-defined]
AssetExecutionContext.__exit__ = _exit  # type: ignore[attr-defined]


def build_asset_context(
    resources: Mapping[str, Any] | None = None,
    resources_config: Mapping[str, Any] | None = None,
    asset_config: Any = None,
    instance: DagsterInstance | None = None,
    partition_key: str | None = None,
    partition_key_range: Any = None,
    run_tags: Mapping[str, str] | None = None,
    event_loop: Any = None,
    partitions_def: Any = None,
) -> AssetExecutionContext:
    """A context for invoking an asset directly in a test.

    >>> import dagster_nb as dg
    >>> @dg.asset
    ... def a(context): return context.partition_key
    >>> a(dg.build_asset_context(partition_key="2024-01-01"))
    '2024-01-01'

    Resources are initialized now; use it as a context manager to tear them down.
    """
    return _build(
        AssetExecutionContext,
        resources=resources,
        resources_config=resources_config,
        config=asset_config,
        instance=instance,
        partition_key=partition_key,
        partition_key_range=partition_key_range,
        run_tags=run_tags,
        partitions_def=partitions_def,
    )


def build_op_context(
    resources: Mapping[str, Any] | None = None,
    op_config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    config: Any = None,
    partition_key: str | None = None,
    partition_key_range: Any = None,
    run_tags: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> OpExecutionContext:
    """A context for invoking an op directly in a test."""
    ctx = _build(
        OpExecutionContext,
        resources=resources,
        resources_config=resources_config,
        config=op_config if op_config is not None else config,
        instance=instance,
        partition_key=partition_key,
        partition_key_range=partition_key_range,
        run_tags=run_tags,
    )
    assert isinstance(ctx, OpExecutionContext)
    return ctx
