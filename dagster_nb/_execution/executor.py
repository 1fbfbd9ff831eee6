"""The in-kernel executor: runs a plan's steps, moves values through IO managers, and emits
frozen events to the instance and to listeners. It knows nothing of widgets or SQLite.

Hot path discipline: everything that can be computed once per run (resource initialization,
IO manager lookup, partition validation) is done before the first step.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.assets import AssetsDefinition
from dagster_nb._definitions.derived import derived
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._definitions.op import OpDefinition, is_graph_definition
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._definitions.results import (
    CODE_VERSION_TAG,
    DATA_VERSION_IS_USER_PROVIDED_TAG,
    DATA_VERSION_TAG,
    INPUT_DATA_VERSION_TAG_PREFIX,
    AssetMaterialization,
    AssetObservation,
    DataVersion,
    Failure,
    MaterializeResult,
    NoValue,
    ObserveResult,
    Output,
    RetryRequested,
)
from dagster_nb._errors import (
    DagsterError,
    DagsterExecutionHandleOutputError,
    DagsterExecutionInterruptedError,
    DagsterExecutionLoadInputError,
    DagsterExecutionStepExecutionError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidObservationError,
    DagsterInvariantViolationError,
    DagsterStepOutputNotFoundError,
    DagsterUnknownResourceError,
)
from dagster_nb._events import NO_DATA, DagsterEvent, DagsterEventType, DagsterRunStatus
from dagster_nb._execution.context import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    LoggedEvent,
    OpExecutionContext,
)
from dagster_nb._execution.plan import ExecutionPlan, Step
from dagster_nb._execution.provenance import version_of_partitions
from dagster_nb._storage.records import make_new_run_id, random_version

if TYPE_CHECKING:
    from dagster_nb._definitions.graph import GraphDefinition
    from dagster_nb._instance import DagsterInstance

__all__ = ["RunRequestSpec", "execute_plan", "StepOutcome"]

EV = DagsterEventType
# When events reach the instance (one transaction per batch; see RunExecution.emit).
_FLUSH_NOW_TYPES = frozenset(t.value for t in (EV.STEP_FAILURE, EV.STEP_UP_FOR_RETRY))
_STEP_END_TYPES = frozenset(t.value for t in (EV.STEP_SUCCESS, EV.STEP_SKIPPED))
_RUN_START = EV.RUN_START.value
_FLUSH_AFTER = 0.25  # seconds: a long step's logs still reach the instance promptly
_GROUP_WINDOW = 0.02  # seconds: finished steps' events wait at most this long to be written


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequestSpec:
    """Everything a run needs besides the plan."""

    job_name: str = "__ephemeral_asset_job__"
    run_id: str | None = None
    resources: Mapping[str, Any] = field(default_factory=dict)
    run_config: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    partition_keys: tuple[str, ...] | None = None  # None: unpartitioned run
    max_concurrent: int = 1
    step_processes: bool = False  # each step in a child process (the multiprocess executor)
    dask_cluster: Mapping[str, Any] | None = None  # each step a task on this Dask cluster
    op_retry_policy: Any = None  # a job's retry policy for steps whose node has none
    hooks: tuple = ()  # HookDefinitions of the job (@success_hook / @failure_hook)
    listeners: tuple[Callable[[DagsterEvent], None], ...] = ()
    current_time: Any = None
    # op jobs: the "ops" config with @graph(config=...) mappings applied (None: run_config's),
    # so the run is stored with the run config as the user gave it, as in Dagster
    ops_config: Mapping[str, Any] | None = None


class StepOutcome:
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"
    UNTOUCHED = "UNTOUCHED"


class _StepFailed(Exception):
    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _error_info(exc: BaseException) -> Any:
    # SerializableErrorInfo's module loads when something fails, not on every run.
    from dagster_nb._event_data import SerializableErrorInfo

    return SerializableErrorInfo.from_exception(exc)


def _error_info_of(message: str, cls_name: str) -> Any:
    from dagster_nb._event_data import SerializableErrorInfo

    return SerializableErrorInfo(message=message, cls_name=cls_name)


def _wrap_user(exc: BaseException, cls: type, message: str) -> DagsterError:
    err = cls(message, user_exception=exc)
    err.__cause__ = exc
    return err


def _hash_value(value: Any) -> str:
    """Data version of a stored value: a content hash (fast path for DataFrames)."""
    pd = sys.modules.get("pandas")
    try:
        if pd is not None and isinstance(value, (pd.DataFrame, pd.Series)):
            h = pd.util.hash_pandas_object(value, index=True).values.tobytes()
            extra = repr(list(getattr(value, "columns", []))).encode()
            return hashlib.sha256(h + extra).hexdigest()[:24]
        return hashlib.sha256(pickle.dumps(value, protocol=5)).hexdigest()[:24]
    except Exception:
        return random_version()  # unhashable value: every materialization is new


def _dataframe_metadata(value: Any) -> dict[str, Any]:
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(value, pd.DataFrame):
        return {}
    from dagster_nb._definitions.metadata_values import (
        IntMetadataValue,
        TableColumn,
        TableSchema,
        TableSchemaMetadataValue,
    )

    cols = [TableColumn(str(c), str(t)) for c, t in value.dtypes.items()]
    return {
        "dagster/row_count": IntMetadataValue(len(value)),
        "dagster/column_schema": TableSchemaMetadataValue(TableSchema(columns=cols)),
    }


class RunExecution:
    """State of one run while it executes."""

    def __init__(
        self,
        resolved: ResolvedAssets,
        plan: ExecutionPlan,
        spec: RunRequestSpec,
        instance: DagsterInstance | None,
    ):
        self.resolved = resolved
        self.plan = plan
        self.spec = spec
        self.instance = instance
        self.run_id = spec.run_id or make_new_run_id()
        self.job_name = spec.job_name
        self.events: list[DagsterEvent] = []
        self.outputs: dict[tuple[str, str], Any] = {}
        self.job_outputs: dict[str, Any] = {}  # an op job's graph outputs (graph_run)
        self.step_outcomes: dict[str, str] = {}
        self.step_errors: dict[str, BaseException] = {}
        self.produced: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.resources: Any = None
        self.dagster_run: Any = None
        self.cancelled = threading.Event()
        self.ops_config = dict(
            spec.ops_config
            if spec.ops_config is not None
            else (spec.run_config or {}).get("ops") or {}
        )
        self.run_error: BaseException | None = None
        # (asset key, partition or None) -> data version: filled as this run materializes, so
        # provenance of in-run upstreams never queries the instance; others are asked once.
        self.data_versions: dict[tuple[AssetKey, str | None], str | None] = {}
        self._pending: list[DagsterEvent] = []
        # group commit (see emit)
        self._last_flush = 0.0
        self._flush_due: float | None = None
        # in-memory storage: writing is cheap, nothing to group
        self._group_window = (
            _GROUP_WINDOW if instance is not None and instance.is_persistent else 0.0
        )
        self._run_ended = False
        self.final_step = False  # set by the sequential loop while the last step runs
        self.run_to_create: dict[str, Any] | None = None  # create_run kwargs, until stored
        # The run is already stored as QUEUED (the automation loop's run queue created it at
        # tick time, as Dagster's run coordinator does): its first flush starts it instead.
        self.adopt_queued = False

    def data_version_of(self, key: AssetKey, partition: str | None) -> str | None:
        ck = (key, partition)
        try:
            return self.data_versions[ck]
        except KeyError:
            pass
        v = None
        if self.instance is not None:
            dv = self.instance.get_latest_data_version(key, partition)
            v = dv.value if dv is not None else None
        self.data_versions[ck] = v
        return v

    # --- events ---
    def emit(self, event: DagsterEvent) -> None:
        """Record ``event``; listeners see it at once, the instance in batches.

        Each batch is one transaction, so the commit cost is paid per batch, not per event:
        run-level events and failures are written at once (RUN_START waits for the planned
        materializations, written together just before the first step); a finished step's
        events are written at once unless the last write was under _GROUP_WINDOW ago, in
        which case a flusher thread writes them by that deadline, together with the next
        steps' (group commit: a fast chain of steps costs a few transactions, not one each);
        the last step's wait for the run's end, which follows; and a step running longer than
        _FLUSH_AFTER has its logs written as they come.
        """
        with self._lock:
            self.events.append(event)
            if self.instance is not None:
                self._pending.append(event)
                t = event.event_type_value
                if t in _STEP_END_TYPES:
                    if not self.final_step:
                        now = event.timestamp
                        if now - self._last_flush >= self._group_window:
                            self._flush_locked()
                        elif self._flush_due is None:
                            self._flush_due = self._last_flush + self._group_window
                            _FLUSHER.schedule(self, self._flush_due)
                elif (
                    (event.step_key is None and t != _RUN_START)
                    or t in _FLUSH_NOW_TYPES
                    or event.timestamp - self._pending[0].timestamp > _FLUSH_AFTER
                ):
                    self._flush_locked()
        for listener in self.spec.listeners:
            try:
                listener(event)
            except Exception:  # a broken view must never break a run
                import traceback

                traceback.print_exc()

    def _flush_locked(self) -> None:
        self._flush_due = None
        instance = self.instance
        if instance is not None and (self._pending or self.run_to_create is not None):
            batch, self._pending = self._pending, []
            try:
                if self.run_to_create is not None:
                    if self.adopt_queued:
                        instance.handle_new_events(batch)  # RUN_START: QUEUED -> STARTED
                        self.dagster_run = instance.get_run_by_id(self.run_id)
                    else:
                        self.dagster_run = instance.create_run(**self.run_to_create, events=batch)
                    self.run_to_create = None
                else:
                    instance.handle_new_events(batch)
            except BaseException:
                self._pending[:0] = batch  # nothing is dropped: the next flush retries
                raise
            self._last_flush = _time()

    def flush_if_due(self) -> None:
        """Called by the shared flusher thread at (or after) a deadline this run scheduled."""
        with self._lock:
            due = self._flush_due
            if self._run_ended or due is None:
                return  # flushed meanwhile, or over
            if due > _time():
                _FLUSHER.schedule(self, due)
                return
            try:
                self._flush_locked()
            except Exception:  # the events stay pending: the run's next flush retries
                self._flush_due = None

    def flush(self) -> None:
        if self.instance is not None:
            with self._lock:
                self._flush_locked()

    def close(self) -> None:
        """Take the run off the flusher (the run has ended, or execution stopped on a bug) and
        drop what only the running run needed: a result kept for later (every run of a
        backfill) then holds its events and outputs, not the run's machinery for the GC to
        walk."""
        with self._lock:
            self._run_ended = True
            if self._flush_due is not None:
                _FLUSHER.cancel(self)
        self.resources = None
        self.data_versions = {}
        self.produced = {}
        self.ops_config = {}

    def event(
        self,
        t: DagsterEventType,
        step_key: str | None = None,
        message: str = "",
        asset_key: AssetKey | None = None,
        partition: str | None = None,
        materialization: Any = None,
        observation: Any = None,
        error: Any = None,
        level: str = "DEBUG",
        data: Mapping[str, Any] | None = None,
    ) -> DagsterEvent:
        # positional: the field order of DagsterEvent (the fastest way to build a NamedTuple)
        ev = _new_event(
            DagsterEvent,
            (
                t._value_,
                self.run_id,
                self.job_name,
                _time(),
                step_key,
                message,
                asset_key,
                partition,
                materialization,
                observation,
                error,
                level,
                NO_DATA if data is None else data,
            ),
        )
        self.emit(ev)
        return ev


_time = time.time


class _Flusher:
    """One thread per process that writes runs' deferred event batches by their deadlines.

    A run schedules itself when it defers a finished step's events (group commit, see
    RunExecution.emit); the thread sleeps until the earliest deadline and calls the due runs'
    ``flush_if_due``. A thread per run cost a thread start and teardown per run, ~10% of a
    short persistent run. The thread is woken only when a deadline comes before the one it
    sleeps towards (deadlines mostly arrive in order, so usually it is not woken at all).
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._due: dict[RunExecution, float] = {}
        self._wake_at: float | None = None  # when the sleeping thread wakes (None: not timed)
        self._thread: threading.Thread | None = None

    def schedule(self, run: RunExecution, due: float) -> None:
        with self._cond:
            old = self._due.get(run)
            if old is not None and old <= due:
                return
            self._due[run] = due
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="dagster_nb-event-flusher", daemon=True
                )
                self._thread.start()
            elif self._wake_at is None or due < self._wake_at:
                self._cond.notify()

    def cancel(self, run: RunExecution) -> None:
        with self._cond:
            self._due.pop(run, None)

    def _loop(self) -> None:
        cond = self._cond
        with cond:
            while True:
                now = _time()
                ready = [r for r, d in self._due.items() if d <= now]
                if ready:
                    for r in ready:
                        del self._due[r]
                    cond.release()  # a run's lock is taken after this one, never before
                    try:
                        for r in ready:
                            try:
                                r.flush_if_due()
                            except Exception:  # never let one run's failure stop the thread
                                import traceback

                                traceback.print_exc()
                    finally:
                        cond.acquire()
                    continue
                if self._due:
                    self._wake_at = min(self._due.values())
                    cond.wait(self._wake_at - now)
                else:
                    self._wake_at = None
                    cond.wait()


_FLUSHER = _Flusher()
_new_event = tuple.__new__


@derived
def _asset_plan_resource_keys(resolved: ResolvedAssets, plan: ExecutionPlan) -> frozenset[str]:
    """Resource keys an asset plan's steps need (node resources, IO managers of outputs and of
    the inputs they load): a fact of the resolved assets and the plan."""
    base: set[str] = set()
    for step in plan.steps:
        ad = step.assets_def
        nd = ad.node_def
        base |= set(getattr(nd, "required_resource_keys", ()) or ())
        for k in step.keys:
            base.add(ad.get_io_manager_key_for_asset_key(k))
        op_ins = getattr(nd, "ins", None) or {}
        for name, up in ad.keys_by_input_name.items():
            in_def = op_ins.get(name)
            if in_def is not None and in_def.input_manager_key:  # loads it instead
                base.add(in_def.input_manager_key)
                continue
            up_ad = resolved.assets_def_by_key.get(up)
            base.add(_io_manager_key_for(up_ad, up))
    return frozenset(base)


def _required_resource_keys(
    resolved: ResolvedAssets, plan: ExecutionPlan, resource_defs: Mapping[str, Any]
) -> set[str]:
    base = plan.resource_keys
    if base is None:
        base = _asset_plan_resource_keys(resolved, plan)
    keys = set(base)
    # resources needed by resources (function-style required_resource_keys)
    frontier = list(keys)
    while frontier:
        k = frontier.pop()
        rdef = resource_defs.get(k)
        for dep in getattr(rdef, "required_resource_keys", ()) or ():
            if dep not in keys:
                keys.add(dep)
                frontier.append(dep)
    return keys


def _io_manager_key_for(ad: AssetsDefinition | None, key: AssetKey) -> str:
    if ad is None:
        return "io_manager"
    return ad.get_io_manager_key_for_asset_key(key)


def execute_plan(
    resolved: ResolvedAssets,
    plan: ExecutionPlan,
    spec: RunRequestSpec,
    instance: DagsterInstance | None,
) -> RunExecution:
    """Run ``plan``. Returns the finished RunExecution (events, outputs, outcomes). Raises only
    for KeyboardInterrupt (after recording the run as canceled) - user errors are recorded."""
    run = RunExecution(resolved, plan, spec, instance)
    try:
        _execute_run(run)
    finally:
        run.close()
        if run._pending or run.run_to_create is not None:
            # stopped by a bug before the run's end: keep what happened
            with contextlib.suppress(Exception):
                run.flush()
    return run


def _execute_run(run: RunExecution) -> None:
    from dagster_nb._definitions.resources import build_resources

    resolved, plan, spec, instance = run.resolved, run.plan, run.spec, run.instance

    if instance is not None:
        # The run is stored with its first events (RUN_START, the planned materializations):
        # one transaction, at the first flush, before any step starts.
        run.run_to_create = {
            "job_name": spec.job_name,
            "run_id": run.run_id,
            "asset_selection": sorted(plan.selected_keys, key=lambda k: k.parts),
            "tags": dict(spec.tags),
            "run_config": dict(spec.run_config or {}),
        }
        if spec.run_id is not None:  # only a caller that chose the id can have queued it
            queued = instance.get_run_by_id(spec.run_id)
            run.adopt_queued = queued is not None and queued.status == DagsterRunStatus.QUEUED
    run.event(EV.RUN_START, message=f'Started execution of run for "{spec.job_name}".')
    resource_defs = dict(spec.resources)
    for step in plan.steps:
        for rk, rv in step.assets_def.resource_defs.items():
            resource_defs.setdefault(rk, rv)
    needed = _required_resource_keys(resolved, plan, resource_defs)
    missing = sorted(k for k in needed if k not in resource_defs)
    if missing:
        from dagster_nb._errors import did_you_mean

        k = missing[0]
        users = [
            s.key
            for s in plan.steps
            if k in (getattr(s.assets_def.node_def, "required_resource_keys", ()) or ())
        ]
        err = DagsterInvalidDefinitionError(
            f"resource with key '{k}' required by {'op ' + repr(users[0]) if users else 'an IO manager'} "
            "was not provided. Please provide a ResourceDefinition to key "
            f"'{k}', or change the required key to one of the following keys which points to an "
            f"ResourceDefinition: {sorted(resource_defs)}." + did_you_mean(k, resource_defs)
        )
        _finish_failed_run(run, err)
        raise err
    partition_planned = spec.partition_keys
    for step in plan.steps:
        for ak in sorted(step.keys, key=lambda x: x.parts):
            if step.observe:
                continue
            pkeys = partition_planned if step.assets_def.partitions_def is not None else None
            for pk in pkeys or [None]:
                run.event(EV.ASSET_MATERIALIZATION_PLANNED, step.key, asset_key=ak, partition=pk)
    if plan.check_keys:
        for step in plan.steps:
            for ck in sorted(step.check_keys, key=lambda c: (c.asset_key.parts, c.name)):
                run.event(
                    EV.ASSET_CHECK_EVALUATION_PLANNED,
                    step.key,
                    asset_key=ck.asset_key,
                    message=f"{spec.job_name} intends to execute asset check {ck.name} on asset {ck.asset_key.to_string()}",
                    data={"check_name": ck.name},
                )
    run.flush()  # the instance knows what is planned before the first step starts
    resource_cfg = dict((spec.run_config or {}).get("resources") or {})
    try:
        with build_resources(
            {k: v for k, v in resource_defs.items() if k in needed},
            instance=instance,
            resource_config=resource_cfg,
            dagster_run=run.dagster_run,
        ) as resources:
            run.resources = resources
            _run_steps(run)
    except KeyboardInterrupt:
        run.cancelled.set()
        _finish_cancelled_run(run)
        raise
    except DagsterExecutionInterruptedError:
        _finish_cancelled_run(run)
        raise KeyboardInterrupt from None
    except DagsterError as exc:  # resource init / config errors
        if run.run_error is None:
            run.run_error = exc
        _finish_failed_run(run, exc)
        return
    if any(o == StepOutcome.FAILURE for o in run.step_outcomes.values()):
        failed = [k for k, o in run.step_outcomes.items() if o == StepOutcome.FAILURE]
        run.event(
            EV.RUN_FAILURE,
            message=f'Execution of run for "{spec.job_name}" failed. Steps failed: {failed}.',
        )
    else:
        run.event(EV.RUN_SUCCESS, message=f'Finished execution of run for "{spec.job_name}".')


def _finish_failed_run(run: RunExecution, exc: BaseException) -> None:
    run.run_error = exc
    run.event(
        EV.RUN_FAILURE,
        message=f'Execution of run for "{run.job_name}" failed. {exc}',
        error=_error_info(exc),
        level="ERROR",
    )


def _finish_cancelled_run(run: RunExecution) -> None:
    for step in run.plan.steps:
        if step.key not in run.step_outcomes:
            run.step_outcomes[step.key] = StepOutcome.UNTOUCHED
    run.event(
        EV.RUN_CANCELED,
        message="Execution was interrupted (KeyboardInterrupt); run canceled.",
        level="ERROR",
    )


def _run_steps(run: RunExecution) -> None:
    steps = run.plan.steps
    if run.spec.dask_cluster is not None:
        from dagster_nb._execution.dask_steps import run_steps_on_dask

        run_steps_on_dask(run)
        return
    if run.spec.step_processes:
        from dagster_nb._execution.step_processes import run_steps_in_processes

        run_steps_in_processes(run)
        return
    if run.spec.max_concurrent <= 1 or len(steps) <= 1:
        last = len(steps) - 1
        for i, step in enumerate(steps):
            run.final_step = i == last  # its events go with the run's end, which follows
            _maybe_run_step(run, step)
        return
    # Threads only when steps can overlap (concurrent.futures costs a fresh process ~4 ms).
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    pending = {s.key: s for s in steps}
    running: dict[Future, Step] = {}
    pool = ThreadPoolExecutor(
        max_workers=run.spec.max_concurrent, thread_name_prefix="dagster_nb-step"
    )
    try:
        while pending or running:
            for key in list(pending):
                s = pending[key]
                ups = [run.step_outcomes.get(u) for u in s.upstream_steps]
                if any(u is None for u in ups):
                    continue
                del pending[key]
                if not _upstream_ok(run, s):
                    continue
                running[pool.submit(_run_step_guarded, run, s)] = s
            if not running:
                if pending:  # nothing can start: everything left is blocked
                    for key in list(pending):
                        _maybe_run_step(run, pending.pop(key))
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for f in done:
                running.pop(f)
                f.result()
    except BaseException:
        run.cancelled.set()
        for f in running:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _upstream_ok(run: RunExecution, step: Step) -> bool:
    """Decide whether a step can run; records UNTOUCHED/SKIPPED otherwise."""
    outcomes = [run.step_outcomes.get(u) for u in step.upstream_steps]
    if any(o in (StepOutcome.FAILURE, StepOutcome.UNTOUCHED) for o in outcomes):
        run.step_outcomes[step.key] = StepOutcome.UNTOUCHED
        _emit_failed_to_materialize(
            run, step, reason="an upstream step failed", kind="UPSTREAM_FAILED_TO_MATERIALIZE"
        )
        return False
    if step.op is not None:  # an op of an op-based job: its inputs name the outputs it reads
        return step.op.inputs_ready(run, step)
    # an upstream step succeeded but did not produce an output this step reads -> skipped
    ad = step.assets_def
    for up_key in ad.keys_by_input_name.values():
        up_step = run.plan.step_by_asset_key.get(up_key)
        if up_step is None:
            continue
        up_ad = run.resolved.assets_def_by_key[up_key]
        out_name = up_ad.get_output_name_for_asset_key(up_key)
        if run.step_outcomes.get(
            up_step
        ) == StepOutcome.SKIPPED or out_name not in run.produced.get(up_step, set()):
            run.step_outcomes[step.key] = StepOutcome.SKIPPED
            run.event(
                EV.STEP_SKIPPED,
                step.key,
                message=f'Skipped execution of step "{step.key}": upstream {up_key.to_user_string()} produced no output.',
            )
            return False
    return True


def _maybe_run_step(run: RunExecution, step: Step) -> None:
    if run.cancelled.is_set():
        run.step_outcomes[step.key] = StepOutcome.UNTOUCHED
        return
    if not _upstream_ok(run, step):
        return
    _run_step_guarded(run, step)


def _emit_failed_to_materialize(
    run: RunExecution,
    step: Step,
    reason: str,
    done: set | None = None,
    kind: str = "FAILED_TO_MATERIALIZE",
) -> None:
    # data["reason"] uses Dagster's AssetMaterializationFailureReason names, so views can
    # tell an asset whose step failed from one that never ran (upstream failed, interrupted).
    if step.observe:
        return
    pkeys = run.spec.partition_keys if step.assets_def.partitions_def is not None else None
    for k in sorted(step.keys, key=lambda x: x.parts):
        for pk in pkeys or [None]:
            if done and (k, pk) in done:
                continue
            run.event(
                EV.ASSET_FAILED_TO_MATERIALIZE,
                step.key,
                asset_key=k,
                partition=pk,
                message=f"Asset {k.to_user_string()} was not materialized: {reason}.",
                data={"reason": kind},
            )


def _failure_data(user: Any, duration: float) -> dict[str, Any]:
    """The STEP_FAILURE event's data: its duration, and a raised dg.Failure's description and
    metadata (Dagster's user_failure_data)."""
    data: dict[str, Any] = {"duration": duration}
    if isinstance(user, Failure):
        from dagster_nb._definitions.metadata import metadata_to_json

        data["user_failure_data"] = {
            "label": "intentional-failure",
            "description": user.description,
            "metadata": metadata_to_json(user.metadata),
        }
    return data


def _retry_requested(run: RunExecution, step: Step, req: Any, attempt: int) -> bool:
    """RetryRequested raised: emit STEP_UP_FOR_RETRY and wait when retries are left."""
    if attempt >= (req.max_retries or 0) or run.cancelled.is_set():
        return False
    wait = req.seconds_to_wait
    run.event(
        EV.STEP_UP_FOR_RETRY,
        step.key,
        message=f'Execution of step "{step.key}" failed and has requested a retry'
        + (f" in {wait:g} seconds." if wait else "."),
        error=_error_info(req),
    )
    if wait:
        time.sleep(wait)
    return True


def _max_retries_exceeded(err: Any, req: Any) -> Any:
    """What a step that used up its requested retries fails with (Dagster's class and text)."""
    from dagster_nb._errors import DagsterMaxRetriesExceededError

    exc = DagsterMaxRetriesExceededError(f"Exceeded max_retries of {req.max_retries}")
    exc.__cause__ = req
    return exc


def _run_step_guarded(run: RunExecution, step: Step) -> None:
    policy = getattr(step.assets_def.node_def, "retry_policy", None) or run.spec.op_retry_policy
    attempt = 0
    while True:
        start = time.perf_counter()
        if attempt == 0:
            run.event(EV.STEP_START, step.key, message=f'Started execution of step "{step.key}".')
        else:
            run.event(
                EV.STEP_RESTARTED,
                step.key,
                message=f'Started re-execution (attempt # {attempt + 1}) of step "{step.key}".',
            )
        materialized: set = set()
        try:
            _execute_step(run, step, attempt, materialized)
        except _StepFailed as failed:
            err = failed.error
            user = getattr(err, "user_exception", None)
            if isinstance(user, RetryRequested):  # asked for by the user code itself
                retry = _retry_requested(run, step, user, attempt)
                if retry:
                    attempt += 1
                    continue
                err = _max_retries_exceeded(err, user)
            elif (
                policy is not None
                and attempt < policy.max_retries
                and user is not None
                and not isinstance(user, DagsterError)
                and getattr(user, "allow_retries", True)
                is not False  # Failure(allow_retries=False)
                and not run.cancelled.is_set()
            ):
                attempt += 1
                delay = policy.calculate_delay(attempt)
                run.event(
                    EV.STEP_UP_FOR_RETRY,
                    step.key,
                    message=f'Execution of step "{step.key}" failed and has requested a retry in {delay:g} seconds.',
                    error=_error_info(err),
                )
                if delay:
                    time.sleep(delay)
                continue
            run.step_errors[step.key] = err
            run.step_outcomes[step.key] = StepOutcome.FAILURE
            run.event(
                EV.STEP_FAILURE,
                step.key,
                message=f'Execution of step "{step.key}" failed.',
                error=_error_info(err),
                level="ERROR",
                data=_failure_data(user, time.perf_counter() - start),
            )
            _emit_failed_to_materialize(
                run, step, reason=f"step {step.key} failed", done=materialized
            )
            if run.spec.hooks:
                from dagster_nb._execution.hooks import run_hooks

                run_hooks(run, step, err)
            return
        except (KeyboardInterrupt, DagsterExecutionInterruptedError) as exc:
            run.step_outcomes[step.key] = StepOutcome.FAILURE
            run.event(
                EV.STEP_FAILURE,
                step.key,
                message=f'Execution of step "{step.key}" was interrupted.',
                error=_error_info_of("KeyboardInterrupt", type(exc).__name__),
                level="ERROR",
            )
            _emit_failed_to_materialize(
                run,
                step,
                reason="the run was interrupted",
                done=materialized,
                kind="RUN_TERMINATED",
            )
            raise
        duration = time.perf_counter() - start
        run.step_outcomes[step.key] = StepOutcome.SUCCESS
        run.event(
            EV.STEP_SUCCESS,
            step.key,
            message=f'Finished execution of step "{step.key}" in {duration * 1000:.0f}ms.',
            data={"duration": duration},
        )
        if run.spec.hooks:
            from dagster_nb._execution.hooks import run_hooks

            run_hooks(run, step, None)
        return


# --------------------------------------------------------------------------- one step


def _partition_keys_for(run: RunExecution, ad: AssetsDefinition) -> tuple[str, ...] | None:
    return run.spec.partition_keys if ad.partitions_def is not None else None


def _upstream_partition_keys(
    run: RunExecution, ad: AssetsDefinition, up_key: AssetKey, down_keys: Sequence[str] | None
) -> tuple[Any, list[str] | None]:
    """(upstream partitions def, upstream partition keys or None if unpartitioned)."""
    up_ad = run.resolved.assets_def_by_key.get(up_key)
    up_pdef = up_ad.partitions_def if up_ad is not None else None
    if up_pdef is None:
        return None, None
    from dagster_nb._partitions.mapping import infer_partition_mapping

    mapping = infer_partition_mapping(ad.partition_mappings.get(up_key), ad.partitions_def, up_pdef)
    keys = mapping.get_upstream_partition_keys(
        list(down_keys) if down_keys is not None else None,
        ad.partitions_def,
        up_pdef,
        current_time=run.spec.current_time,
        dynamic_partitions_store=run.instance,
    )
    return up_pdef, list(keys)


def _load_inputs(
    run: RunExecution, step: Step, pkeys: tuple[str, ...] | None, log: Any
) -> tuple[dict[str, Any], dict[AssetKey, str], dict[str, Any], dict[str, Any]]:
    from dagster_nb._definitions.io_manager import InputContext

    ad = step.assets_def
    values: dict[str, Any] = {}
    input_versions: dict[AssetKey, str] = {}
    in_pkeys: dict[str, Any] = {}
    in_pdefs: dict[str, Any] = {}
    op_ins = getattr(ad.node_def, "ins", {}) or {}
    for name, up_key in ad.keys_by_input_name.items():
        up_ad = run.resolved.assets_def_by_key.get(up_key)
        try:
            up_pdef, up_pkeys = _upstream_partition_keys(run, ad, up_key, pkeys)
        except DagsterError as exc:
            raise _StepFailed(exc) from None
        in_pkeys[name] = up_pkeys
        in_pdefs[name] = up_pdef
        in_def = op_ins.get(name)
        io_key = getattr(in_def, "input_manager_key", None) or _io_manager_key_for(up_ad, up_key)
        try:
            manager = getattr(run.resources, io_key)
        except DagsterUnknownResourceError as exc:
            raise _StepFailed(exc) from None
        ctx = InputContext(
            name=name,
            definition_metadata=dict(getattr(in_def, "metadata", {}) or {}),
            upstream_output=_upstream_output_context(run, up_ad, up_key, up_pdef, log),
            resources=run.resources,
            asset_key=up_key,
            # As Dagster: the input context's partition_key is the run's (even when the upstream
            # is not partitioned); the upstream's partitions are the asset partition keys.
            partition_key=pkeys[0] if pkeys and len(pkeys) == 1 else None,
            asset_partitions_def=up_pdef,
            asset_partition_keys=up_pkeys if up_pkeys is not None else (),
            instance=run.instance,
            run_id=run.run_id,
            step_key=step.key,
            log=log,
            dagster_type=getattr(in_def, "dagster_type", None),
        )
        try:
            values[name] = manager.load_input(ctx)
        except (KeyboardInterrupt, DagsterExecutionInterruptedError):
            raise
        except Exception as exc:
            raise _StepFailed(
                _wrap_user(
                    exc,
                    DagsterExecutionLoadInputError,
                    f'Error occurred while loading input "{name}" of step "{step.key}" '
                    f"(asset {up_key.to_user_string()}): {type(exc).__name__}: {exc}",
                )
            ) from None
        run.event(
            EV.LOADED_INPUT,
            step.key,
            message=f'Loaded input "{name}" using input manager "{io_key}"',
        )
        if run.instance is not None:
            v = version_of_partitions(run.data_version_of, up_key, up_pkeys)
            if v is not None:
                input_versions[up_key] = v
    # deps without a parameter still count as inputs for provenance (through their mapping)
    if run.instance is not None:
        for k in step.keys:
            for d in ad.specs_by_key[k].deps:
                if d.asset_key not in input_versions:
                    try:
                        _, dep_pkeys = _upstream_partition_keys(run, ad, d.asset_key, pkeys)
                    except DagsterError:
                        dep_pkeys = None
                    v = version_of_partitions(run.data_version_of, d.asset_key, dep_pkeys)
                    if v is not None:
                        input_versions[d.asset_key] = v
    return values, input_versions, in_pkeys, in_pdefs


def _upstream_output_context(
    run: RunExecution, up_ad: AssetsDefinition | None, up_key: AssetKey, up_pdef: Any, log: Any
) -> Callable[[], Any]:
    """Builds ``InputContext.upstream_output`` when (if ever) an IO manager asks for it."""

    def build() -> Any:
        from dagster_nb._definitions.io_manager import OutputContext

        up_spec = up_ad.specs_by_key.get(up_key) if up_ad is not None else None
        return OutputContext(
            step_key=up_ad.node_name if up_ad is not None else None,
            name=(
                up_ad.get_output_name_for_asset_key(up_key)
                if up_ad is not None and up_ad.keys_by_output_name
                else "result"
            ),
            definition_metadata=dict(up_spec.metadata) if up_spec else {},
            run_id=run.run_id,
            asset_key=up_key,
            asset_partitions_def=up_pdef,
            asset_spec=up_spec,
            resources=run.resources,
            instance=run.instance,
            log=log,
        )

    return build


def _resolve_op_config(run: RunExecution, op_def: OpDefinition, node_name: str) -> tuple[Any, Any]:
    """(value for the config parameter, raw op_config for context.op_config)."""
    raw = run.ops_config.get(node_name)
    if raw is None:
        raw = run.ops_config.get(op_def.name)
    cfg = raw.get("config", raw) if isinstance(raw, Mapping) else raw
    cls = op_def.config_cls
    if cls is not None:
        from dagster_nb._definitions.config import resolve_config

        value = resolve_config(cls, cfg, where=f"op '{node_name}'")
        return value, value
    if op_def.config_schema is not None:  # Dagster's dict-of-types config_schema
        from dagster_nb._definitions.config import validate_config_schema

        problems = validate_config_schema(op_def.config_schema, cfg, f"root:ops:{node_name}:config")
        if problems:
            raise DagsterInvalidConfigError(
                f"Error in config for job {run.job_name}",
                [f"Error {i}: {p}" for i, p in enumerate(problems, 1)],
            )
    return None, cfg


def _execute_step(run: RunExecution, step: Step, attempt: int, materialized: set) -> None:
    if step.op is not None:  # an op of an op-based job (graph_run.OpStep)
        step.op.execute(run, step, attempt)
        return
    ad = step.assets_def
    nd = ad.node_def
    pkeys = _partition_keys_for(run, ad)
    # One context per step: built first so input loading logs through it; what loading finds
    # (input partitions) and the op config are filled in before the function sees it.
    context_class = (
        AssetCheckExecutionContext if step.check_keys and not step.keys else (AssetExecutionContext)
    )
    context = context_class(
        run_id=run.run_id,
        job_name=run.job_name,
        resources=run.resources,
        instance=run.instance,
        assets_def=ad,
        node_name=step.key,
        selected_asset_keys=step.keys,
        partition_keys=pkeys,
        partitions_def=ad.partitions_def,
        run_tags=run.spec.tags,
        emit=run.emit,
        dagster_run=run.dagster_run,
        retry_number=attempt,
        current_time=run.spec.current_time,
    )
    inputs, input_versions, in_pkeys, in_pdefs = _load_inputs(run, step, pkeys, context.log)
    if is_graph_definition(nd):
        results = _execute_graph(run, step, nd, inputs, pkeys, attempt)
        out_context = None  # a graph's ops had their own contexts
    else:
        try:
            config_value, raw_cfg = _resolve_op_config(run, nd, step.key)
        except DagsterError as exc:
            raise _StepFailed(exc) from None
        context._op_config = raw_cfg
        context._input_partition_keys = in_pkeys
        context._input_partitions_defs = in_pdefs
        context._run = run  # read only on demand (deps= input partitions, load_asset_value)
        if step.check_keys:
            context._selected_check_keys = step.check_keys
        flush = None
        if len(step.keys) > 1 and not step.observe and inspect.isgeneratorfunction(nd.compute_fn):
            # A multi-asset generator (dbt): each output and check result is handled as it is
            # yielded, as Dagster does, so progress shows every asset when it finishes and
            # what succeeded before a failure stays materialized.
            check_state: dict[str, Any] = {"done": set(), "failed_blocking": []}

            def flush(batch: list[Any]) -> None:
                items = batch[:]
                batch.clear()
                _handle_step_results(
                    run,
                    step,
                    items,
                    None,
                    pkeys,
                    input_versions,
                    materialized,
                    check_state,
                    final=False,
                )

            results = _invoke_op(
                run, step, nd, context, inputs, config_value, keep_logged=True, flush=flush
            )
            _handle_step_results(
                run,
                step,
                results,
                context,
                pkeys,
                input_versions,
                materialized,
                check_state,
                final=True,
            )
            return
        results = _invoke_op(run, step, nd, context, inputs, config_value, keep_logged=True)
        out_context = context
    if step.observe:
        _handle_observations(run, step, results)
        return
    if step.check_keys or ad.check_specs_by_output_name:
        from dagster_nb._execution.checks import evaluate_checks, split_check_results

        results, check_results = split_check_results(results, out_context)
        if step.keys:
            _handle_outputs(run, step, results, out_context, pkeys, input_versions, materialized)
        evaluate_checks(run, step, check_results)
        return
    _handle_outputs(run, step, results, out_context, pkeys, input_versions, materialized)


def _with_sibling_versions(
    run: RunExecution, step: Step, key: AssetKey, input_versions: Mapping[AssetKey, str]
) -> Mapping[AssetKey, str]:
    """Siblings this step materialized just before ``key`` (a dbt model and the model built
    on it): ``key`` read their new versions, not those at step start."""
    sib: dict[AssetKey, str] = {}
    for up in step.assets_def.dep_key_set(key) & step.keys:
        v = run.data_versions.get((up, None))
        if v:
            sib[up] = v
    return {**input_versions, **sib} if sib else input_versions


def _handle_step_results(
    run: RunExecution,
    step: Step,
    results: list[Any],
    context: Any,
    pkeys: Any,
    input_versions: Any,
    materialized: set,
    check_state: dict,
    *,
    final: bool,
) -> None:
    """One batch of a streamed step's results; ``final`` runs the end-of-step checks (required
    outputs, missing check results, failed blocking checks)."""
    ad = step.assets_def
    if step.check_keys or ad.check_specs_by_output_name:
        from dagster_nb._execution.checks import evaluate_checks, split_check_results

        results, check_results = split_check_results(results, context)
        if step.keys:
            _handle_outputs(
                run, step, results, context, pkeys, input_versions, materialized, final=final
            )
        evaluate_checks(run, step, check_results, state=check_state, final=final)
        return
    _handle_outputs(run, step, results, context, pkeys, input_versions, materialized, final=final)


def _invoke_op(
    run: RunExecution,
    step: Step,
    op_def: OpDefinition,
    context: Any,
    inputs: Mapping[str, Any],
    config_value: Any,
    keep_logged: bool = False,
    flush: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """Call the function; returns what it returned/yielded. With ``keep_logged``, the events
    it logged are LoggedEvent items in their place among them (the caller emits them in
    order); without, they are emitted first."""
    sig = op_def.signature
    kwargs: dict[str, Any] = {}
    if sig.context_param is not None:
        kwargs[sig.context_param] = context
    if sig.config_param is not None:
        kwargs[sig.config_param] = config_value
    for pname, rkey in sig.resource_params.items():
        try:
            kwargs[pname] = getattr(run.resources, rkey)
        except DagsterUnknownResourceError as exc:
            raise _StepFailed(exc) from None
    for name in sig.input_params:
        if name in inputs:
            kwargs[name] = inputs[name]
    # What the function logs with context.log_event is collected here, in its place among
    # what it yields, and emitted in that order (Dagster's: an event logged between two
    # yields comes after the first output's events; one logged after the last yield of a
    # failing function is dropped).
    items: list[Any] = []
    context._yielded = items
    try:
        out = op_def.compute_fn(**kwargs)
        if inspect.isgenerator(out):
            if flush is not None:
                from dagster_nb._definitions.asset_checks import AssetCheckResult

                streamed = (Output, AssetCheckResult)
            for item in out:
                items.append(item)
                if flush is not None and isinstance(item, streamed):
                    flush(items)
            return items if keep_logged else _emit_logged_first(run, items)
    except (KeyboardInterrupt, DagsterExecutionInterruptedError):
        raise
    except Exception as exc:
        _emit_logged_before_last_yield(run, items)
        if (
            isinstance(exc, DagsterError)
            and not exc.is_user_code_error
            and isinstance(exc, DagsterInvariantViolationError)
        ):
            wrapped: BaseException = exc
        else:
            wrapped = _wrap_user(
                exc,
                DagsterExecutionStepExecutionError,
                f'Error occurred while executing op "{step.key}":',
            )
        raise _StepFailed(wrapped) from None
    finally:
        context._yielded = None
    items.append(_ReturnValue(out))
    return items if keep_logged else _emit_logged_first(run, items)


def _emit_logged_first(run: RunExecution, items: list[Any]) -> list[Any]:
    rest = []
    for it in items:
        if isinstance(it, LoggedEvent):
            run.emit(it.event)
        else:
            rest.append(it)
    return rest


def _emit_logged_before_last_yield(run: RunExecution, items: list[Any]) -> None:
    last = max((i for i, it in enumerate(items) if not isinstance(it, LoggedEvent)), default=-1)
    for it in items[:last]:
        if isinstance(it, LoggedEvent):
            run.emit(it.event)


@dataclass(frozen=True, slots=True)
class _ReturnValue:
    value: Any


def _normalize_results(step: Step, results: list[Any]) -> list[Any]:
    """Turn what the function returned/yielded into Output / MaterializeResult / events."""
    ad = step.assets_def
    out_names = [n for n, k in ad.keys_by_output_name.items() if k in step.keys]
    normalized: list[Any] = []
    for r in results:
        if not isinstance(r, _ReturnValue):
            normalized.append(r)
            continue
        v = r.value
        if len(ad.keys_by_output_name) == 1 or len(out_names) == 1 and not isinstance(v, tuple):
            if isinstance(v, (Output, MaterializeResult, AssetMaterialization, AssetObservation)):
                normalized.append(v)
            elif v is None and out_names and _returns_nothing(ad, out_names[0]):
                continue
            else:
                normalized.append(Output(v, output_name=out_names[0] if out_names else "result"))
            continue
        if v is None:
            continue
        if isinstance(v, (Output, MaterializeResult)):
            normalized.append(v)
            continue
        if not isinstance(v, tuple):
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"{ad._label()} has {len(out_names)} outputs ({', '.join(out_names)}) but its "
                    f"function returned a single {type(v).__name__}. Return a tuple with one value "
                    "per output, in order, or yield Output(value, output_name=...)."
                )
            )
        if len(v) != len(out_names):
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"{ad._label()} returned a tuple of {len(v)} values but {len(out_names)} "
                    f"outputs are selected ({', '.join(out_names)})."
                )
            )
        for name, item in zip(out_names, v, strict=True):
            if isinstance(item, MaterializeResult):
                normalized.append(
                    item
                    if item.asset_key
                    else MaterializeResult(
                        asset_key=ad.keys_by_output_name[name],
                        metadata=item.metadata,
                        data_version=item.data_version,
                        tags=item.tags,
                        value=item.value,
                    )
                )
            elif isinstance(item, Output):
                normalized.append(
                    Output(item.value, name, item.metadata, item.data_version, tags=item.tags)
                )
            else:
                normalized.append(Output(item, output_name=name))
    return normalized


def _returns_nothing(ad: AssetsDefinition, out_name: str) -> bool:
    from dagster_nb._definitions.op import Nothing

    nd = ad.node_def
    outs = getattr(nd, "outs", {}) or {}
    o = outs.get(out_name)
    return o is not None and o.dagster_type is Nothing


def emit_runtime_event(
    run: RunExecution, step_key: str, item: Any, *, materialized_message: bool = False
) -> bool:
    """Record what a step reported besides its outputs: a ``LoggedEvent`` (context.log_event
    and friends), an ``AssetMaterialization`` or an ``AssetObservation``. The one place both
    the asset executor and op jobs (graph_run.py) do it; False for anything else (an output).
    ``materialized_message``: say "Materialized value KEY." as Dagster's op jobs do."""
    if isinstance(item, LoggedEvent):
        run.emit(item.event)
    elif isinstance(item, AssetMaterialization):
        run.event(
            EV.ASSET_MATERIALIZATION,
            step_key,
            asset_key=item.asset_key,
            partition=item.partition,
            materialization=item,
            message=(
                f"Materialized value {item.asset_key.to_user_string()}."
                if materialized_message
                else ""
            ),
        )
    elif isinstance(item, AssetObservation):
        run.event(
            EV.ASSET_OBSERVATION,
            step_key,
            asset_key=item.asset_key,
            partition=item.partition,
            observation=item,
        )
    else:
        return False
    return True


def _handle_outputs(
    run: RunExecution,
    step: Step,
    results: list[Any],
    context: Any,
    pkeys: tuple[str, ...] | None,
    input_versions: Mapping[AssetKey, str],
    materialized: set,
    final: bool = True,
) -> None:
    from dagster_nb._definitions.io_manager import OutputContext

    ad = step.assets_def
    produced = run.produced.setdefault(step.key, set())
    for item in _normalize_results(step, results):
        if emit_runtime_event(run, step.key, item):
            continue
        if isinstance(item, MaterializeResult):
            key = item.asset_key
            if key is None:
                if len(step.keys) != 1:
                    raise _StepFailed(
                        DagsterInvariantViolationError(
                            f"{ad._label()} returned a MaterializeResult without asset_key; with several "
                            "assets, pass MaterializeResult(asset_key=...)."
                        )
                    )
                key = next(iter(step.keys))
            key_to_output = {k: n for n, k in ad.keys_by_output_name.items()}
            if key not in key_to_output:
                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f"MaterializeResult for {key.to_user_string()}, which {ad._label()} does not define."
                    )
                )
            out_name = key_to_output[key]
            value, has_value = item.value, item.value is not NoValue
            meta, data_version, tags = (
                normalize_metadata(item.metadata),
                item.data_version,
                dict(item.tags),
            )
        elif isinstance(item, Output):
            out_name = item.output_name
            if out_name not in ad.keys_by_output_name:
                from dagster_nb._errors import did_you_mean

                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f'Core compute for op "{step.key}" returned an output "{out_name}" that does '
                        f"not exist." + did_you_mean(out_name, ad.keys_by_output_name)
                    )
                )
            key = ad.keys_by_output_name[out_name]
            value, has_value = item.value, True
            meta, data_version, tags = dict(item.metadata), item.data_version, dict(item.tags)
        elif isinstance(item, (DataVersion, ObserveResult)):
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"{ad._label()} returned {type(item).__name__}, which only observable source assets "
                    "return. Return the value (or MaterializeResult) instead."
                )
            )
        else:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"{ad._label()} yielded {type(item).__name__}; yield Output, MaterializeResult, "
                    "AssetMaterialization or AssetObservation."
                )
            )
        if key not in step.keys:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"{ad._label()} produced {key.to_user_string()}, which is not selected in this run. "
                    "With can_subset=True, produce only context.selected_asset_keys."
                )
            )
        if out_name in produced:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Compute for op "{step.key}" returned an output "{out_name}" multiple times.'
                )
            )
        produced.add(out_name)
        if context is not None:
            meta.update(context._take_output_metadata(out_name))
        spec = ad.specs_by_key[key]
        io_key = ad.get_io_manager_key_for_asset_key(key)
        user_version = data_version is not None
        if has_value:
            meta = {**_dataframe_metadata(value), **meta}
            run.outputs[(step.key, out_name)] = value
            run.event(EV.STEP_OUTPUT, step.key, message=f'Yielded output "{out_name}".')
            manager = getattr(run.resources, io_key)
            out_ctx = OutputContext(
                step_key=step.key,
                name=out_name,
                definition_metadata=dict(spec.metadata),
                run_id=run.run_id,
                resources=run.resources,
                op_def=ad.node_def,
                asset_key=key,
                partition_key=pkeys[0] if pkeys and len(pkeys) == 1 else None,
                asset_partitions_def=ad.partitions_def,
                asset_partition_keys=pkeys,
                instance=run.instance,
                asset_spec=spec,
                log=getattr(context, "log", None),
            )
            try:
                manager.handle_output(out_ctx, value)
            except (KeyboardInterrupt, DagsterExecutionInterruptedError):
                raise
            except Exception as exc:
                raise _StepFailed(
                    _wrap_user(
                        exc,
                        DagsterExecutionHandleOutputError,
                        f'Error occurred while handling output "{out_name}" of step "{step.key}" '
                        f"(asset {key.to_user_string()}): {type(exc).__name__}: {exc}",
                    )
                ) from None
            try:
                logged = out_ctx.consume_logged_metadata()
            except AttributeError:
                logged = {}
            meta.update(normalize_metadata(logged))
            if data_version is None:
                data_version = DataVersion(_hash_value(value))
        elif data_version is None:
            data_version = DataVersion(random_version())
        # Dagster's tags, in its order: code version, input versions, data version, and
        # whether the user gave the data version.
        mat_tags = dict(tags)
        mat_tags[CODE_VERSION_TAG] = ad.effective_code_version(key)
        if len(step.keys) > 1 and run.instance is not None:
            input_versions = _with_sibling_versions(run, step, key, input_versions)
        if input_versions:
            dep_keys = ad.dep_key_set(key)
            for up, v in input_versions.items():
                if up in dep_keys:
                    mat_tags[INPUT_DATA_VERSION_TAG_PREFIX + up.to_user_string()] = v
        mat_tags[DATA_VERSION_TAG] = data_version.value
        if user_version:
            mat_tags[DATA_VERSION_IS_USER_PROVIDED_TAG] = "true"
        run.data_versions[(key, None)] = data_version.value
        for pk in pkeys or [None]:
            run.data_versions[(key, pk)] = data_version.value
            mat = AssetMaterialization(
                key, description=spec.description, metadata=meta, partition=pk, tags=mat_tags
            )
            run.event(
                EV.ASSET_MATERIALIZATION,
                step.key,
                asset_key=key,
                partition=pk,
                materialization=mat,
                message=f"Materialized value {key.to_user_string()}.",
            )
            materialized.add((key, pk))
        if has_value:
            run.event(
                EV.HANDLED_OUTPUT,
                step.key,
                message=f'Handled output "{out_name}" using IO manager "{io_key}"',
            )
    if final:
        _fail_on_missing_outputs(step, produced)


def _fail_on_missing_outputs(step: Step, produced: set) -> None:
    """Required outputs that were not produced fail the step."""
    ad = step.assets_def
    for name, key in ad.keys_by_output_name.items():
        if key in step.keys and name not in produced:
            spec = ad.specs_by_key[key]
            if not spec.skippable:
                raise _StepFailed(
                    DagsterStepOutputNotFoundError(
                        f'Core compute for op "{step.key}" did not return an output for non-optional '
                        f'output "{name}" (asset {key.to_user_string()}). Return a value, or mark the '
                        "output optional (AssetOut(is_required=False))."
                    )
                )


def _handle_observations(run: RunExecution, step: Step, results: list[Any]) -> None:
    ad = step.assets_def
    keys = sorted(step.keys, key=lambda k: k.parts)
    pkeys = _partition_keys_for(run, ad)
    key: AssetKey | None
    version: DataVersion | None
    tags: dict[str, Any]
    pk: str | None
    for r in results:
        if isinstance(r, LoggedEvent):
            run.emit(r.event)
            continue
        v = r.value if isinstance(r, _ReturnValue) else r
        if v is None:
            continue
        if isinstance(v, DataVersion):
            if len(keys) != 1:
                raise _StepFailed(
                    DagsterInvalidObservationError(
                        f"{ad._label()} observes several assets; yield ObserveResult(asset_key=...) for each."
                    )
                )
            key, version, meta, tags = keys[0], v, {}, {}
        elif isinstance(v, ObserveResult):
            key = v.asset_key or (keys[0] if len(keys) == 1 else None)
            if key is None:
                raise _StepFailed(
                    DagsterInvalidObservationError(
                        f"{ad._label()}: ObserveResult needs asset_key= when several assets are observed."
                    )
                )
            version, meta, tags = v.data_version, normalize_metadata(v.metadata), dict(v.tags)
        elif isinstance(v, AssetObservation):
            run.event(
                EV.ASSET_OBSERVATION,
                step.key,
                asset_key=v.asset_key,
                partition=v.partition,
                observation=v,
            )
            continue
        else:
            raise _StepFailed(
                DagsterInvalidObservationError(
                    f"Observation function of {ad._label()} returned {type(v).__name__}; return a "
                    "DataVersion or an ObserveResult."
                )
            )
        if version is not None:
            tags[DATA_VERSION_TAG] = version.value
            # later steps of this run read the observed version (provenance of downstreams)
            run.data_versions[(key, None)] = version.value
            for pk in pkeys or ():
                run.data_versions[(key, pk)] = version.value
        for pk in pkeys or [None]:
            obs = AssetObservation(key, metadata=meta, partition=pk, tags=tags)
            run.event(
                EV.ASSET_OBSERVATION,
                step.key,
                asset_key=key,
                partition=pk,
                observation=obs,
                message=f"Observed {key.to_user_string()}"
                + (f" (data version {version.value})" if version else ""),
            )
        # As Dagster: an observation step yields a Nothing output per observed asset.
        out_name = "result" if len(ad.specs_by_key) == 1 else ad.get_output_name_for_asset_key(key)
        run.event(
            EV.STEP_OUTPUT, step.key, message=f'Yielded output "{out_name}" of type "Nothing".'
        )


# --------------------------------------------------------------------------- graphs


def _execute_graph(
    run: RunExecution,
    step: Step,
    g: GraphDefinition,
    inputs: Mapping[str, Any],
    pkeys: Any,
    attempt: int,
) -> list[Any]:
    """Run a graph's ops in order inside one step; returns Outputs for the graph's outputs."""
    ad = step.assets_def
    selected = [o for o, k in ad.keys_by_output_name.items() if k in step.keys]
    values = _run_graph_nodes(
        run, step, g, inputs, pkeys, attempt, prefix="", selected_outputs=selected
    )
    results: list[Any] = []
    for out_name, ref in g.output_map.items():
        if ad.keys_by_output_name.get(out_name) not in step.keys:
            continue
        v = _resolve_ref(ref, values, inputs)
        if v is _MISSING:
            continue
        results.append(Output(v, output_name=out_name))
    return results


class _Missing:
    pass


_MISSING = _Missing()


def _resolve_ref(
    ref: Any, values: Mapping[tuple[str, str], Any], graph_inputs: Mapping[str, Any]
) -> Any:
    from dagster_nb._definitions.graph import GraphInputRef, NodeOutputRef

    if isinstance(ref, GraphInputRef):
        return graph_inputs.get(ref.input_name, _MISSING)
    if isinstance(ref, NodeOutputRef):
        return values.get((ref.node_name, ref.output_name), _MISSING)
    if isinstance(ref, (list, tuple)):
        return [_resolve_ref(r, values, graph_inputs) for r in ref]
    return ref


def _run_graph_nodes(
    run: RunExecution,
    step: Step,
    g: GraphDefinition,
    graph_inputs: Mapping[str, Any],
    pkeys: Any,
    attempt: int,
    prefix: str,
    selected_outputs: Sequence[str],
) -> dict[tuple[str, str], Any]:
    values: dict[tuple[str, str], Any] = {}
    # The outputs each op must produce for the selected graph outputs (Dagster's op-level
    # selected_output_names); ops feeding only unselected outputs do not run, as in Dagster.
    needed = g.needed_node_outputs(selected_outputs)
    subset = set(selected_outputs) != set(g.output_map)  # a full run runs every op, as Dagster
    for node_name in g.node_names_in_order:
        if (
            subset
            and not needed[node_name]
            and g.node_invocations[node_name].definition.output_names
        ):
            continue
        inv = g.node_invocations[node_name]
        node_inputs: dict[str, Any] = {}
        skip = False
        for in_name, ref in inv.inputs.items():
            v = _resolve_ref(ref, values, graph_inputs)
            if v is _MISSING or (isinstance(v, list) and any(x is _MISSING for x in v)):
                skip = True
                break
            node_inputs[in_name] = v
        if skip:
            continue
        full_name = f"{prefix}{node_name}"
        d = inv.definition
        if is_graph_definition(d):
            sub = _run_graph_nodes(
                run,
                step,
                d,
                node_inputs,
                pkeys,
                attempt,
                prefix=full_name + ".",
                selected_outputs=sorted(needed[node_name]) if subset else list(d.output_map),
            )
            for out_name, ref in d.output_map.items():
                v = _resolve_ref(ref, sub, node_inputs)
                if v is not _MISSING:
                    values[(node_name, out_name)] = v
            continue
        try:
            config_value, raw_cfg = _resolve_op_config(run, d, node_name)
        except DagsterError as exc:
            raise _StepFailed(exc) from None
        ctx = OpExecutionContext(
            run_id=run.run_id,
            job_name=run.job_name,
            resources=run.resources,
            instance=run.instance,
            assets_def=step.assets_def,
            node_name=f"{step.key}.{full_name}",
            selected_asset_keys=step.keys,
            partition_keys=pkeys,
            partitions_def=step.assets_def.partitions_def,
            op_config=raw_cfg,
            run_tags=run.spec.tags,
            emit=run.emit,
            dagster_run=run.dagster_run,
            retry_number=attempt,
        )
        ctx._run = run  # context.load_asset_value
        ctx._op_definition = d
        ctx._op_selected_outputs = needed[node_name] if subset else frozenset(d.outs)
        outs = _invoke_op(run, step, d, ctx, node_inputs, config_value, keep_logged=True)
        names = list(d.outs)
        for r in outs:
            if isinstance(r, LoggedEvent):
                run.emit(r.event)
            elif isinstance(r, _ReturnValue):
                v = r.value
                if len(names) == 1:
                    values[(node_name, names[0])] = v.value if isinstance(v, Output) else v
                elif isinstance(v, tuple):
                    for n, item in zip(names, v, strict=False):
                        values[(node_name, n)] = item.value if isinstance(item, Output) else item
            elif isinstance(r, Output):
                values[(node_name, r.output_name)] = r.value
        run.outputs[(f"{step.key}.{full_name}", names[0] if names else "result")] = (
            values.get((node_name, names[0])) if names else None
        )
    return values
