"""``@run_status_sensor`` and ``@run_failure_sensor``: react to runs that reached a status.

    import dagster_nb as dg

    @dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
    def alert(context: dg.RunFailureSensorContext):
        notify(f"{context.dagster_run.job_name} failed: {context.failure_event.message}")

The sensor is a :class:`SensorDefinition` whose evaluation looks for runs that reached
``run_status`` since its cursor (runs finished before its first tick are not reported, as in
Dagster) and calls the function once per run with a context holding the run and its status
event. What the function returns (a ``RunRequest`` for ``request_job``, a ``SkipReason``, or
nothing) makes up the tick. The cursor is stored by the loop like any sensor's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._automation.run_request import RunRequest, SkipReason
from dagster_nb._automation.sensors import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    _announce,
)
from dagster_nb._errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "RunStatusSensorContext",
    "RunFailureSensorContext",
    "RunStatusSensorDefinition",
    "run_status_sensor",
    "run_failure_sensor",
]

_STATUS_EVENT = {
    "SUCCESS": "PIPELINE_SUCCESS",
    "FAILURE": "PIPELINE_FAILURE",
    "CANCELED": "PIPELINE_CANCELED",
    "STARTED": "PIPELINE_START",
}


class RunStatusSensorContext:
    """What a ``@run_status_sensor`` function receives: the run and the event of its status."""

    def __init__(
        self,
        *,
        sensor_name: str,
        dagster_run: Any,
        dagster_event: Any,
        instance: DagsterInstance,
        resources: Any = None,
        repository_def: Any = None,
        log: Any = None,
    ):
        self.sensor_name = sensor_name
        self.dagster_run = dagster_run
        self.dagster_event = dagster_event
        self.instance = instance
        self.resources = resources
        self.repository_def = repository_def
        self.log = log

    @property
    def partition_key(self) -> str | None:
        return self.dagster_run.tags.get("dagster/partition")

    def for_run_failure(self) -> RunFailureSensorContext:
        return RunFailureSensorContext(
            sensor_name=self.sensor_name,
            dagster_run=self.dagster_run,
            dagster_event=self.dagster_event,
            instance=self.instance,
            resources=self.resources,
            repository_def=self.repository_def,
            log=self.log,
        )


class RunFailureSensorContext(RunStatusSensorContext):
    """What a ``@run_failure_sensor`` function receives; ``failure_event`` is the run's failure."""

    @property
    def failure_event(self) -> Any:
        return self.dagster_event

    def get_step_failure_events(self) -> list[Any]:
        from dagster_nb._events import DagsterEventType

        return [
            e.dagster_event
            for e in self.instance.all_logs(
                self.dagster_run.run_id, of_type=DagsterEventType.STEP_FAILURE
            )
        ]


def _job_names(jobs: Sequence[Any] | None, where: str) -> frozenset[str] | None:
    if jobs is None:
        return None
    names = []
    for j in jobs:
        name = getattr(j, "name", None)
        if not isinstance(name, str):
            raise DagsterInvalidDefinitionError(
                f"{where}: monitored_jobs takes job definitions (define_asset_job(...), @job), "
                f"got {j!r}. Selectors of other code locations are not supported yet."
            )
        names.append(name)
    return frozenset(names)


class RunStatusSensorDefinition(SensorDefinition):
    """A sensor reacting to runs that reached ``run_status`` (Dagster's class name)."""

    def __init__(
        self,
        name: str,
        run_status: Any,
        run_status_sensor_fn: Callable[..., Any],
        *,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        monitored_jobs: Sequence[Any] | None = None,
        monitor_all_code_locations: bool | None = None,
        default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
        request_job: Any = None,
        request_jobs: Sequence[Any] | None = None,
        tags: Any = None,
        metadata: Any = None,
        failure: bool = False,
    ):
        from dagster_nb._storage.records import DagsterRunStatus

        status = DagsterRunStatus(run_status.value if hasattr(run_status, "value") else run_status)
        if status.value not in _STATUS_EVENT:
            raise DagsterInvalidDefinitionError(
                f"run_status_sensor '{name}': run_status must be one of SUCCESS, FAILURE, "
                f"CANCELED, STARTED (DagsterRunStatus), got {status.value}."
            )
        if monitor_all_code_locations:
            raise DagsterInvalidDefinitionError(
                f"run_status_sensor '{name}': monitor_all_code_locations is not supported yet "
                "(a notebook has one code location; leave it out to watch every job)."
            )
        watched = _job_names(monitored_jobs, f"run_status_sensor '{name}'")
        self._run_status = status
        self._monitored = watched
        self._failure = failure
        fn = run_status_sensor_fn

        def evaluate(context: SensorEvaluationContext) -> Any:
            return self._evaluate_runs(context, fn)

        super().__init__(
            name=name,
            evaluation_fn=evaluate,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            default_status=default_status,
            job=request_job,
            jobs=request_jobs,
            tags=tags,
            metadata=metadata,
        )

    @property
    def run_status(self) -> Any:
        return self._run_status

    def _evaluate_runs(self, context: SensorEvaluationContext, fn: Callable[..., Any]) -> Any:
        from dagster_nb._events import DagsterEventType
        from dagster_nb._storage.queries import RunsFilter

        instance = context.instance
        if instance is None:
            raise DagsterInvalidDefinitionError(
                f"run_status_sensor '{self.name}' needs an instance: build_sensor_context(instance=...)."
            )
        records = instance.get_run_records(
            filters=RunsFilter(statuses=(self._run_status,)),
            order_by="update_timestamp",
            ascending=True,
        )
        if context.cursor is None:
            # First tick: start from now; runs that ended before the sensor existed are old news.
            last = records[-1].update_timestamp.timestamp() if records else 0.0
            at_last = sorted(
                r.dagster_run.run_id for r in records if r.update_timestamp.timestamp() == last
            )
            context.update_cursor(json.dumps({"update_ts": last, "run_ids": at_last}))
            return SkipReason("First tick: watching runs from now on.")
        cur = json.loads(context.cursor)
        after, done_ids = cur["update_ts"], set(cur["run_ids"])
        out: list[Any] = []
        seen = 0
        for rec in records:
            ts = rec.update_timestamp.timestamp()
            run = rec.dagster_run
            if ts < after or (ts == after and run.run_id in done_ids):
                continue
            if self._monitored is not None and run.job_name not in self._monitored:
                after, done_ids = _advance(after, done_ids, ts, run.run_id)
                continue
            if run.tags.get("dagster/sensor_name") == self.name:
                after, done_ids = _advance(after, done_ids, ts, run.run_id)
                continue  # never react to the runs this sensor requested itself
            etype = DagsterEventType(_STATUS_EVENT[self._run_status.value])
            events = instance.all_logs(run.run_id, of_type=etype)
            event = events[-1].dagster_event if events else None
            ctx_cls = RunFailureSensorContext if self._failure else RunStatusSensorContext
            ctx = ctx_cls(
                sensor_name=self.name,
                dagster_run=run,
                dagster_event=event,
                instance=instance,
                resources=context.resources,
                repository_def=context.repository_def,
                log=context.log,
            )
            result = fn(ctx) if _takes_context(fn) else fn()
            seen += 1
            for r in _as_list(result):
                if isinstance(r, (RunRequest, SkipReason)):
                    out.append(r)
                elif r is not None:
                    raise DagsterInvalidDefinitionError(
                        f"run_status_sensor '{self.name}' returned {type(r).__name__}; return a "
                        "RunRequest (with request_job=), a SkipReason, or nothing."
                    )
            after, done_ids = _advance(after, done_ids, ts, run.run_id)
        context.update_cursor(json.dumps({"update_ts": after, "run_ids": sorted(done_ids)}))
        requests = [r for r in out if isinstance(r, RunRequest)]
        if requests:
            return requests
        skips = [r for r in out if isinstance(r, SkipReason)]
        if skips:
            return skips[-1]
        return SkipReason(
            f"Reacted to {seen} run(s)."
            if seen
            else f"No new runs with status {self._run_status.value}."
        )


def _advance(after: float, done: set, ts: float, run_id: str) -> tuple[float, set]:
    if ts > after:
        return ts, {run_id}
    return after, done | {run_id}


def _as_list(result: Any) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, (list, tuple)):
        return list(result)
    if hasattr(result, "__next__"):
        return list(result)
    return [result]


def _takes_context(fn: Callable[..., Any]) -> bool:
    import inspect

    return bool(inspect.signature(fn).parameters)


def run_status_sensor(
    run_status: Any,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    monitored_jobs: Sequence[Any] | None = None,
    job_selection: Sequence[Any] | None = None,
    monitor_all_code_locations: bool | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    request_job: Any = None,
    request_jobs: Sequence[Any] | None = None,
    monitor_all_repositories: bool | None = None,
    tags: Any = None,
    metadata: Any = None,
) -> Callable[[Callable[..., Any]], RunStatusSensorDefinition]:
    """A sensor called once per run that reached ``run_status`` (Dagster's decorator).

    >>> import dagster_nb as dg
    >>> @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS)
    ... def on_success(context):
    ...     print(context.dagster_run.job_name)
    >>> on_success.run_status.value, on_success.default_status.value
    ('SUCCESS', 'STOPPED')
    """
    if monitor_all_repositories:
        monitor_all_code_locations = True

    def inner(fn: Callable[..., Any]) -> RunStatusSensorDefinition:
        sd = RunStatusSensorDefinition(
            name or fn.__name__,
            run_status,
            fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            monitored_jobs=monitored_jobs or job_selection,
            monitor_all_code_locations=monitor_all_code_locations,
            default_status=default_status,
            request_job=request_job,
            request_jobs=request_jobs,
            tags=tags,
            metadata=metadata,
        )
        sd.__doc__ = fn.__doc__
        _announce(sd)
        return sd

    return inner


def run_failure_sensor(
    name: Any = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    monitored_jobs: Sequence[Any] | None = None,
    job_selection: Sequence[Any] | None = None,
    monitor_all_code_locations: bool | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    request_job: Any = None,
    request_jobs: Sequence[Any] | None = None,
    monitor_all_repositories: bool | None = None,
    tags: Any = None,
    metadata: Any = None,
) -> Any:
    """A sensor called once per failed run, with a :class:`RunFailureSensorContext`; usable bare
    (``@run_failure_sensor``) or with arguments, as Dagster's."""
    from dagster_nb._storage.records import DagsterRunStatus

    def inner(fn: Callable[..., Any]) -> RunStatusSensorDefinition:
        sd = RunStatusSensorDefinition(
            (name if isinstance(name, str) else None) or fn.__name__,
            DagsterRunStatus.FAILURE,
            fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            monitored_jobs=monitored_jobs or job_selection,
            monitor_all_code_locations=monitor_all_code_locations or monitor_all_repositories,
            default_status=default_status,
            request_job=request_job,
            request_jobs=request_jobs,
            tags=tags,
            metadata=metadata,
            failure=True,
        )
        sd.__doc__ = fn.__doc__
        _announce(sd)
        return sd

    if callable(name):
        fn, name = name, None
        return inner(fn)
    return inner
