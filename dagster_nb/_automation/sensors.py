"""Sensors: a function polled every ``minimum_interval_seconds`` that may request runs.

    import dagster_nb as dg

    @dg.sensor(job_name="ingest", minimum_interval_seconds=60)
    def new_files(context: dg.SensorEvaluationContext):
        seen = int(context.cursor or 0)
        files = list_files_after(seen)
        for f in files:
            yield dg.RunRequest(run_key=f.name, run_config={"ops": {"load": {"config": {"path": f.name}}}})
        context.update_cursor(str(len(files) + seen))

    list(new_files(dg.build_sensor_context(cursor="0")))  # the RunRequests

As with schedules, this module holds the definitions, direct invocation and ``evaluate_tick``
(normalize one tick's result and the new cursor). Polling is the tick loop's job; it builds a
context with the stored cursor and calls ``evaluate_tick``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from enum import Enum
from typing import TYPE_CHECKING, Any

from dagster_nb._automation._common import (
    AutomationTarget,
    BaseEvaluationContext,
    FnParams,
    check_valid_name,
    context_from_args,
    inspect_fn,
    resource_kwargs,
)
from dagster_nb._automation.run_request import (
    RunRequest,
    SensorResult,
    SkipReason,
    check_dynamic_partitions_requests,
    normalize_tags,
)
from dagster_nb._dataclass import dataclass
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "DEFAULT_SENSOR_DAEMON_INTERVAL",
    "DefaultSensorStatus",
    "SensorEvaluationContext",
    "SensorExecutionData",
    "SensorDefinition",
    "AssetSensorDefinition",
    "build_sensor_context",
    "sensor",
    "asset_sensor",
]

DEFAULT_SENSOR_DAEMON_INTERVAL = 30
SENSOR_NAME_TAG = "dagster/sensor_name"
PARTITION_NAME_TAG = "dagster/partition"


class DefaultSensorStatus(Enum):
    """Whether a sensor starts running when its code location loads.

    >>> DefaultSensorStatus.STOPPED.value
    'STOPPED'
    """

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class SensorEvaluationContext(BaseEvaluationContext):
    """What a sensor function receives. Build one for tests with :func:`build_sensor_context`.

    >>> ctx = build_sensor_context(cursor="5")
    >>> ctx.update_cursor("6"); ctx.cursor
    '6'
    """

    def __init__(
        self,
        *,
        instance: DagsterInstance | None = None,
        cursor: str | None = None,
        resources: Mapping[str, Any] | None = None,
        last_tick_completion_time: float | None = None,
        last_run_key: str | None = None,
        last_sensor_start_time: float | None = None,
        repository_name: str | None = None,
        repository_def: Any = None,
        sensor_name: str | None = None,
    ):
        super().__init__(instance=instance, resources=resources, logger_name="dagster_nb.sensor")
        if cursor is not None and not isinstance(cursor, str):
            raise DagsterInvalidInvocationError(
                f"A sensor cursor must be a string, got {type(cursor).__name__}. Serialize it "
                "(str(...) or json.dumps(...))."
            )
        self._cursor = cursor
        self._cursor_updated = False
        self._last_tick_completion_time = last_tick_completion_time
        self._last_run_key = last_run_key
        self._last_sensor_start_time = last_sensor_start_time
        self._repository_name = repository_name
        self._repository_def = repository_def
        self._sensor_name = sensor_name

    @property
    def cursor(self) -> str | None:
        """The cursor stored by the previous evaluation (or updated during this one)."""
        return self._cursor

    def update_cursor(self, cursor: str | None) -> None:
        """Store ``cursor`` for the next evaluation."""
        if cursor is not None and not isinstance(cursor, str):
            raise DagsterInvalidInvocationError(
                f"A sensor cursor must be a string, got {type(cursor).__name__}."
            )
        self._cursor = cursor
        self._cursor_updated = True

    @property
    def cursor_updated(self) -> bool:
        return self._cursor_updated

    @property
    def last_tick_completion_time(self) -> float | None:
        """Timestamp of when the previous tick completed (None on the first tick)."""
        return self._last_tick_completion_time

    @property
    def last_run_key(self) -> str | None:
        return self._last_run_key

    @property
    def last_sensor_start_time(self) -> float | None:
        return self._last_sensor_start_time

    @property
    def repository_name(self) -> str | None:
        return self._repository_name

    @property
    def repository_def(self) -> Any:
        return self._repository_def

    @property
    def sensor_name(self) -> str:
        if self._sensor_name is None:
            raise DagsterInvariantViolationError("Only valid when sensor name provided")
        return self._sensor_name

    def _merge_resources(self, extra: Mapping[str, Any]) -> SensorEvaluationContext:
        return SensorEvaluationContext(
            instance=self._instance,
            cursor=self._cursor,
            resources={**self._resource_defs, **extra},
            last_tick_completion_time=self._last_tick_completion_time,
            last_run_key=self._last_run_key,
            last_sensor_start_time=self._last_sensor_start_time,
            repository_name=self._repository_name,
            repository_def=self._repository_def,
            sensor_name=self._sensor_name,
        )


def build_sensor_context(
    instance: DagsterInstance | None = None,
    cursor: str | None = None,
    repository_name: str | None = None,
    repository_def: Any = None,
    sensor_name: str | None = None,
    resources: Mapping[str, Any] | None = None,
    definitions: Any = None,
    instance_ref: Any = None,
    last_sensor_start_time: float | None = None,
    last_tick_completion_time: float | None = None,
) -> SensorEvaluationContext:
    """A sensor context for tests and direct invocation.

    >>> build_sensor_context(cursor="3", resources={"n": 1}).resources.n
    1
    """
    return SensorEvaluationContext(
        instance=instance,
        cursor=cursor,
        resources=resources,
        last_tick_completion_time=last_tick_completion_time,
        last_sensor_start_time=last_sensor_start_time,
        repository_name=repository_name,
        repository_def=repository_def if repository_def is not None else definitions,
        sensor_name=sensor_name,
    )


@dataclass(frozen=True, slots=True)
class SensorExecutionData:
    """One evaluated sensor tick: run requests or a skip message, and the cursor to store.

    >>> SensorExecutionData(skip_message="nothing new", cursor="7").cursor
    '7'
    """

    run_requests: Sequence[RunRequest] = field(default_factory=list)
    skip_message: str | None = None
    cursor: str | None = None
    dynamic_partitions_requests: Sequence[Any] = field(default_factory=list)
    asset_events: Sequence[Any] = field(default_factory=list)

    __hash__ = None  # type: ignore[assignment]


def _check_scalar(result: Any, name: str) -> Any:
    if isinstance(result, (SkipReason, RunRequest, SensorResult)) or result is None:
        return result
    raise DagsterInvariantViolationError(
        f"Error in sensor {name}: Sensor unexpectedly returned output {result!r} of type "
        f"{type(result)}.  Should only return SkipReason or RunRequest objects."
    )


def _collect(raw: Any, name: str) -> list[Any]:
    if inspect.isgenerator(raw):
        out = []
        try:
            while True:
                out.append(next(raw))
        except StopIteration as e:
            # A generator may also `return` a final value; Dagster keeps it.
            if e.value is not None:
                out.append(_check_scalar(e.value, name))
        return out
    if isinstance(raw, list):
        return list(raw)
    scalar = _check_scalar(raw, name)
    return [] if scalar is None else [scalar]


class SensorDefinition:
    """A function, evaluated every ``minimum_interval_seconds`` (default 30), that may request runs.

    >>> s = SensorDefinition(name="watch", evaluation_fn=lambda context: None, job_name="j")
    >>> s.minimum_interval_seconds, s.default_status.value, s.job_name
    (30, 'STOPPED', 'j')
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        evaluation_fn: Callable[..., Any] | None = None,
        job_name: str | None = None,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job: Any = None,
        jobs: Sequence[Any] | None = None,
        default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
        asset_selection: Any = None,
        required_resource_keys: set[str] | None = None,
        tags: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        target: Any = None,
        owners: Sequence[str] | None = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("SensorDefinition", kwargs, SensorDefinition.__init__)
        if evaluation_fn is None:
            raise DagsterInvalidDefinitionError("Must provide evaluation_fn to SensorDefinition.")
        if not callable(evaluation_fn):
            raise DagsterInvalidDefinitionError(
                f"evaluation_fn must be callable, got {type(evaluation_fn).__name__}."
            )
        given = [
            n
            for n, v in (
                ("job", job),
                ("jobs", jobs),
                ("job_name", job_name),
                ("target", target),
                ("asset_selection", asset_selection),
            )
            if v is not None
        ]
        if len(given) > 1:
            raise DagsterInvalidDefinitionError(
                "Attempted to provide more than one of 'job', 'jobs', 'job_name', and "
                "'asset_selection' params to SensorDefinition. Must provide only one "
                f"(got {', '.join(given)})."
            )
        self._name = check_valid_name(name, "Sensor") if name else evaluation_fn.__name__
        if jobs is not None:
            self._targets = [
                AutomationTarget._from_coercible(j, kind="SensorDefinition", name=self._name)
                for j in jobs
            ]
        else:
            t = AutomationTarget.from_args(
                kind="SensorDefinition", name=name, job=job, job_name=job_name, target=target
            )
            self._targets = [t] if t is not None else []
        self._asset_selection = asset_selection
        if minimum_interval_seconds is None:
            minimum_interval_seconds = DEFAULT_SENSOR_DAEMON_INTERVAL
        if not isinstance(minimum_interval_seconds, int) or isinstance(
            minimum_interval_seconds, bool
        ):
            raise DagsterInvalidDefinitionError(
                f"minimum_interval_seconds must be an int, got {minimum_interval_seconds!r}."
            )
        if minimum_interval_seconds < 0:
            # Stricter than Dagster, which accepts it and then ticks on every loop pass.
            raise DagsterInvalidDefinitionError(
                f"minimum_interval_seconds of sensor '{name}' must be >= 0 (seconds between "
                f"ticks, e.g. 30), got {minimum_interval_seconds}."
            )
        self._min_interval = minimum_interval_seconds
        self._description = description
        if not isinstance(default_status, DefaultSensorStatus):
            raise DagsterInvalidDefinitionError(
                f"default_status must be a DefaultSensorStatus, got {default_status!r}."
            )
        self._default_status = default_status
        self._raw_fn = evaluation_fn
        self._params: FnParams = inspect_fn(evaluation_fn)
        resource_args = set(self._params.resource_params)
        if required_resource_keys and resource_args:
            raise DagsterInvalidDefinitionError(
                "Cannot specify resource requirements in both @sensor decorator and as arguments "
                "to the decorated function"
            )
        self._required_resource_keys = set(required_resource_keys or ()) or resource_args
        self._tags = normalize_tags(tags)
        from dagster_nb._definitions.metadata import normalize_metadata

        self._metadata = normalize_metadata(metadata)
        self._owners = list(owners or [])

    # --- Dagster's properties ---
    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def minimum_interval_seconds(self) -> int:
        return self._min_interval

    @property
    def default_status(self) -> DefaultSensorStatus:
        return self._default_status

    @property
    def targets(self) -> Sequence[AutomationTarget]:
        return list(self._targets)

    @property
    def job_name(self) -> str | None:
        if len(self._targets) > 1:
            raise DagsterInvalidInvocationError(
                f"Cannot use `job_name` property for sensor {self._name}, which targets multiple "
                "jobs."
            )
        return self._targets[0].job_name if self._targets else None

    @property
    def has_jobs(self) -> bool:
        return any(t.job is not None for t in self._targets)

    @property
    def job(self) -> Any:
        if len(self._targets) == 1 and self._targets[0].job is not None:
            return self._targets[0].job
        if len(self._targets) > 1:
            raise DagsterInvalidDefinitionError(
                "Job property not available when SensorDefinition has multiple jobs."
            )
        raise DagsterInvalidDefinitionError("No job was provided to SensorDefinition.")

    @property
    def jobs(self) -> list[Any]:
        if self._targets and all(t.job is not None for t in self._targets):
            return [t.job for t in self._targets]
        raise DagsterInvalidDefinitionError("No job was provided to SensorDefinition.")

    @property
    def asset_selection(self) -> Any:
        return self._asset_selection

    @property
    def required_resource_keys(self) -> set[str]:
        return set(self._required_resource_keys)

    @property
    def tags(self) -> Mapping[str, str]:
        return dict(self._tags)

    @property
    def metadata(self) -> Mapping[str, Any]:
        return dict(self._metadata)

    @property
    def owners(self) -> Sequence[str]:
        return list(self._owners)

    # --- evaluation ---
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the sensor function on a context and return what it returns, as Dagster does."""
        context = context_from_args(
            self._params,
            args,
            kwargs,
            SensorEvaluationContext,
            build_sensor_context,
            f"Sensor '{self._name}'",
        )
        return self._call_raw(context)

    def _call_raw(self, context: SensorEvaluationContext) -> Any:
        resources = resource_kwargs(context, self._required_resource_keys, "sensor", self._name)
        ctx = {self._params.context_param: context} if self._params.context_param else {}
        return self._raw_fn(**ctx, **resources)

    def evaluate_tick(self, context: SensorEvaluationContext) -> SensorExecutionData:
        """Run the sensor on ``context`` and normalize the result as Dagster does: nothing ->
        skipped ("Sensor function returned an empty result"); a SensorResult must be the only
        value and may set the cursor (not together with ``context.update_cursor``); RunRequests
        and a SkipReason cannot be mixed. Requests get the ``dagster/sensor_name`` tag.

        >>> s = SensorDefinition(name="s", evaluation_fn=lambda: RunRequest(run_key="a"), job_name="j")
        >>> [r.run_key for r in s.evaluate_tick(build_sensor_context()).run_requests]
        ['a']
        """
        if not isinstance(context, SensorEvaluationContext):
            raise DagsterInvalidInvocationError(
                f"evaluate_tick takes a SensorEvaluationContext, got {type(context).__name__}."
            )
        result = _collect(self._call_raw(context), self._name)
        skip_message: str | None = None
        run_requests: list[RunRequest] = []
        dynamic: list[Any] = []
        asset_events: list[Any] = []
        cursor = context.cursor
        if not result or result == [None]:
            skip_message = "Sensor function returned an empty result"
        elif len(result) == 1:
            item = result[0]
            if isinstance(item, SensorResult):
                run_requests = list(item.run_requests or [])
                skip_message = (
                    item.skip_reason.skip_message
                    if isinstance(item.skip_reason, SkipReason)
                    else (None if run_requests else "Sensor function returned an empty result")
                )
                if context.cursor_updated and item.cursor:
                    raise DagsterInvariantViolationError(
                        "SensorResult.cursor cannot be set if context.update_cursor() was called."
                    )
                if item.cursor:
                    cursor = item.cursor
                dynamic = list(item.dynamic_partitions_requests or [])
                check_dynamic_partitions_requests(dynamic)
                asset_events = list(item.asset_events)
            elif isinstance(item, RunRequest):
                run_requests = [item]
            elif isinstance(item, SkipReason):
                skip_message = item.skip_message
            else:
                raise DagsterInvariantViolationError(
                    f"Unexpected type {type(item)} in sensor result"
                )
        else:
            if any(isinstance(i, SensorResult) for i in result):
                raise DagsterInvariantViolationError(
                    "When a SensorResult is returned from a sensor, it must be the only object "
                    "returned."
                )
            for i in result:
                if not isinstance(i, (RunRequest, SkipReason)):
                    raise DagsterInvariantViolationError(
                        f"Unexpected type {type(i)} in sensor result"
                    )
            run_requests = [i for i in result if isinstance(i, RunRequest)]
            if any(isinstance(i, SkipReason) for i in result):
                if run_requests:
                    raise DagsterInvariantViolationError(
                        "Expected a single SkipReason or one or more RunRequests: received both "
                        "RunRequest and SkipReason"
                    )
                raise DagsterInvariantViolationError(
                    "Expected a single SkipReason: received multiple SkipReasons"
                )
        self._check_job_names(run_requests)
        resolved = []
        for r in run_requests:
            extra = {SENSOR_NAME_TAG: self._name}
            if r.partition_key is not None:
                extra[PARTITION_NAME_TAG] = r.partition_key
            resolved.append(r.with_replaced_attrs(tags={**r.tags, **extra}))
        return SensorExecutionData(
            run_requests=resolved,
            skip_message=skip_message,
            cursor=cursor,
            dynamic_partitions_requests=dynamic,
            asset_events=asset_events,
        )

    def _check_job_names(self, run_requests: Sequence[RunRequest]) -> None:
        # A sensor over several jobs must say which one each request launches (as in Dagster).
        names = [t.job_name for t in self._targets]
        for r in run_requests:
            if r.job_name is None and len(names) > 1:
                raise DagsterInvalidDefinitionError(
                    f"Error in sensor {self._name}: Sensor returned a RunRequest that did not "
                    "specify job_name for the requested run. Expected one of: "
                    f"{sorted(names)}"
                )
            if r.job_name is not None and names and r.job_name not in names:
                from dagster_nb._errors import did_you_mean

                raise DagsterInvalidDefinitionError(
                    f"Error in sensor {self._name}: Sensor returned a RunRequest with job_name "
                    f"{r.job_name}. Expected one of: {sorted(names)}"
                    + did_you_mean(r.job_name, names)
                )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self._name!r}, "
            f"minimum_interval_seconds={self._min_interval})"
        )


def sensor(
    job_name: str | None = None,
    *,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    asset_selection: Any = None,
    required_resource_keys: set[str] | None = None,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    target: Any = None,
    owners: Sequence[str] | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], SensorDefinition]:
    """Decorate a function that returns/yields RunRequests, a SkipReason or a SensorResult.

    @dg.sensor(target=dg.AssetSelection.keys("raw"), minimum_interval_seconds=60)
    def watch(context):
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key="x")], cursor="x")
    """
    if kwargs:
        raise_unexpected_keyword(
            "@sensor",
            kwargs,
            (
                "job_name",
                "name",
                "minimum_interval_seconds",
                "description",
                "job",
                "jobs",
                "default_status",
                "asset_selection",
                "required_resource_keys",
                "tags",
                "metadata",
                "target",
                "owners",
            ),
        )

    def inner(fn: Callable[..., Any]) -> SensorDefinition:
        if not callable(fn):
            raise DagsterInvalidDefinitionError("@sensor must decorate a function.")
        sd = SensorDefinition(
            name=name or fn.__name__,
            evaluation_fn=fn,
            job_name=job_name,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
            default_status=default_status,
            asset_selection=asset_selection,
            required_resource_keys=required_resource_keys,
            tags=tags,
            metadata=metadata,
            target=target,
            owners=owners,
        )
        sd.__doc__ = fn.__doc__
        sd.__wrapped__ = fn  # type: ignore[attr-defined]
        _announce(sd)
        return sd

    return inner


class AssetSensorDefinition(SensorDefinition):
    """A sensor that calls its function with the latest new materialization of ``asset_key``.

    The cursor is the storage id of the last materialization seen, so each materialization is
    handled once; with none newer than the cursor the tick skips.

        @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job_name="report")
        def on_orders(context, asset_event):
            return dg.RunRequest(run_key=context.cursor)
    """

    def __init__(
        self,
        name: str,
        asset_key: Any,
        job_name: str | None,
        asset_materialization_fn: Callable[..., Any],
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job: Any = None,
        jobs: Sequence[Any] | None = None,
        default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
        required_resource_keys: set[str] | None = None,
        tags: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ):
        from dagster_nb._definitions.asset_key import AssetKey

        if not isinstance(asset_key, AssetKey):
            raise DagsterInvalidDefinitionError(
                f"asset_sensor takes an AssetKey, got {asset_key!r}: use dg.AssetKey(...)."
            )
        self._asset_key = asset_key
        self._asset_materialization_fn = asset_materialization_fn
        fn_params = inspect_fn(asset_materialization_fn)
        non_resource = [
            p.name
            for p in inspect.signature(asset_materialization_fn).parameters.values()
            if p.name not in fn_params.resource_params
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        context_param = non_resource[0] if non_resource else None
        event_param = non_resource[1] if len(non_resource) > 1 else None
        resource_args = set(fn_params.resource_params)
        sensor_name = check_valid_name(name, "Sensor")

        def evaluate(context: SensorEvaluationContext) -> Iterator[Any]:
            from dagster_nb._storage.records import AssetRecordsFilter

            after = None
            if context.cursor:
                try:
                    after = int(context.cursor)
                except ValueError:
                    after = None
            records = context.instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset_key, after_storage_id=after),
                ascending=False,
                limit=1,
            ).records
            if not records:
                yield SkipReason(f"No new materialization events found for asset key {asset_key}")
                return
            record = records[0]
            kwargs = resource_kwargs(context, resource_args, "sensor", sensor_name)
            if context_param:
                kwargs[context_param] = context
            if event_param:
                kwargs[event_param] = record.event_log_entry
            result = asset_materialization_fn(**kwargs)
            if inspect.isgenerator(result) or isinstance(result, list):
                yield from result
            elif isinstance(result, SensorResult):
                if result.cursor:
                    raise DagsterInvariantViolationError(
                        f"Error in asset sensor {sensor_name}: Sensor returned a SensorResult "
                        "with a cursor value. The cursor is managed by the asset sensor and "
                        "should not be modified by a user."
                    )
                yield result
            elif isinstance(result, (RunRequest, SkipReason)):
                yield result
            elif result is not None:
                _check_scalar(result, sensor_name)
            context.update_cursor(str(record.storage_id))

        evaluate.__name__ = sensor_name
        super().__init__(
            name=sensor_name,
            evaluation_fn=evaluate,
            job_name=job_name,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
            default_status=default_status,
            tags=tags,
            metadata=metadata,
        )
        # The wrapper takes only the context; the resources come from the user's function.
        self._required_resource_keys = set(required_resource_keys or ()) | resource_args

    @property
    def asset_key(self) -> Any:
        return self._asset_key

    def _call_raw(self, context: SensorEvaluationContext) -> Any:
        return self._raw_fn(context)


def asset_sensor(
    asset_key: Any,
    *,
    job_name: str | None = None,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    required_resource_keys: set[str] | None = None,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], AssetSensorDefinition]:
    """Decorate ``fn(context, asset_event)``, called with the latest new materialization.

    @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job_name="report")
    def on_orders(context, asset_event):
        return dg.RunRequest(run_key=context.cursor)
    """

    def inner(fn: Callable[..., Any]) -> AssetSensorDefinition:
        if not callable(fn):
            raise DagsterInvalidDefinitionError("@asset_sensor must decorate a function.")
        sd = AssetSensorDefinition(
            name=name or fn.__name__,
            asset_key=asset_key,
            job_name=job_name,
            asset_materialization_fn=fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
            default_status=default_status,
            required_resource_keys=required_resource_keys,
            tags=tags,
            metadata=metadata,
        )
        sd.__doc__ = fn.__doc__
        _announce(sd)
        return sd

    return inner


def _announce(definition: Any) -> None:
    # A decorated schedule/sensor joins the kernel repository when a notebook cell makes it.
    from dagster_nb._definitions import registry_hook

    registry_hook.notify(definition)
