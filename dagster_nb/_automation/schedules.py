"""Schedules: a job (or assets) on a cron schedule, with Dagster's API.

    import dagster_nb as dg

    @dg.schedule(cron_schedule="0 6 * * *", job_name="daily_refresh")
    def morning(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        return dg.RunRequest(run_key=day, tags={"day": day})

    morning(dg.build_schedule_context(scheduled_execution_time=some_datetime))  # the RunRequest

A schedule is a definition: this module validates it (cron strings and time zone at definition
time), calls its function on a context (direct invocation, as in Dagster) and normalizes what
the function returned (``evaluate_tick``). Deciding *when* to tick is the job of the automation
evaluator and tick loop, which call ``evaluate_tick`` with a context they build; nothing here
reads the clock.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from dagster_nb._automation._common import (
    AutomationTarget,
    BaseEvaluationContext,
    FnParams,
    check_valid_name,
    context_from_args,
    inspect_fn,
    resource_kwargs,
    validate_cron_schedule,
    validate_timezone,
)
from dagster_nb._automation.run_request import (
    RunRequest,
    SkipReason,
    normalize_tags,
    to_run_config_dict,
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
    "DefaultScheduleStatus",
    "ScheduleEvaluationContext",
    "ScheduleExecutionData",
    "ScheduleDefinition",
    "build_schedule_context",
    "schedule",
]

SCHEDULE_NAME_TAG = "dagster/schedule_name"
PARTITION_NAME_TAG = "dagster/partition"


class DefaultScheduleStatus(Enum):
    """Whether a schedule starts running when its code location loads.

    >>> DefaultScheduleStatus.RUNNING.value
    'RUNNING'
    """

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class ScheduleEvaluationContext(BaseEvaluationContext):
    """What a schedule function receives. Build one for tests with :func:`build_schedule_context`.

    >>> ctx = build_schedule_context(scheduled_execution_time=datetime(2024, 1, 1))
    >>> ctx.scheduled_execution_time.year
    2024
    """

    def __init__(
        self,
        *,
        instance: DagsterInstance | None = None,
        scheduled_execution_time: datetime | None = None,
        resources: Mapping[str, Any] | None = None,
        repository_def: Any = None,
        schedule_name: str | None = None,
    ):
        super().__init__(instance=instance, resources=resources, logger_name="dagster_nb.schedule")
        if scheduled_execution_time is not None and not isinstance(
            scheduled_execution_time, datetime
        ):
            raise DagsterInvalidInvocationError(
                "scheduled_execution_time must be a datetime, got "
                f"{type(scheduled_execution_time).__name__}."
            )
        self._scheduled_execution_time = scheduled_execution_time
        self._repository_def = repository_def
        self._schedule_name = schedule_name

    @property
    def scheduled_execution_time(self) -> datetime:
        """When the tick was scheduled to happen (not when the function runs)."""
        if self._scheduled_execution_time is None:
            raise DagsterInvariantViolationError(
                "Attempting to access scheduled_execution_time, but no scheduled_execution_time "
                "was set on this context. Pass build_schedule_context(scheduled_execution_time=...)."
            )
        return self._scheduled_execution_time

    @property
    def repository_def(self) -> Any:
        return self._repository_def

    @property
    def schedule_name(self) -> str | None:
        return self._schedule_name

    def _merge_resources(self, extra: Mapping[str, Any]) -> ScheduleEvaluationContext:
        return ScheduleEvaluationContext(
            instance=self._instance,
            scheduled_execution_time=self._scheduled_execution_time,
            resources={**self._resource_defs, **extra},
            repository_def=self._repository_def,
            schedule_name=self._schedule_name,
        )


def build_schedule_context(
    instance: DagsterInstance | None = None,
    scheduled_execution_time: datetime | None = None,
    resources: Mapping[str, Any] | None = None,
    repository_def: Any = None,
    instance_ref: Any = None,
) -> ScheduleEvaluationContext:
    """A schedule context for tests and direct invocation.

    >>> build_schedule_context(resources={"n": 3}).resources.n
    3
    """
    return ScheduleEvaluationContext(
        instance=instance,
        scheduled_execution_time=scheduled_execution_time,
        resources=resources,
        repository_def=repository_def,
    )


@dataclass(frozen=True, slots=True)
class ScheduleExecutionData:
    """One evaluated tick: the run requests, or why it skipped.

    >>> ScheduleExecutionData(skip_message="should_execute returned false").run_requests
    []
    """

    run_requests: Sequence[RunRequest] = field(default_factory=list)
    skip_message: str | None = None
    log_key: Sequence[str] | None = None

    __hash__ = None  # type: ignore[assignment]


class ScheduleDefinition:
    """A cron schedule that requests runs of a job (or of assets).

    Keyword names and defaults follow Dagster: the name defaults to ``<job name>_schedule``,
    ``default_status`` to STOPPED; ``run_config``/``run_config_fn``, ``tags``/``tags_fn`` and
    ``should_execute`` build the run request when no ``execution_fn`` is given.

    >>> s = ScheduleDefinition(job_name="refresh", cron_schedule="0 * * * *", run_config={"ops": {}})
    >>> s.name, s.default_status.value
    ('refresh_schedule', 'STOPPED')
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        cron_schedule: str | Sequence[str] | None = None,
        job_name: str | None = None,
        run_config: Any = None,
        run_config_fn: Callable[..., Any] | None = None,
        tags: Mapping[str, str] | None = None,
        tags_fn: Callable[..., Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        should_execute: Callable[..., bool] | None = None,
        environment_vars: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        execution_fn: Callable[..., Any] | _DecoratedScheduleFunction | None = None,
        description: str | None = None,
        job: Any = None,
        default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
        required_resource_keys: set[str] | None = None,
        target: Any = None,
        owners: Sequence[str] | None = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("ScheduleDefinition", kwargs, ScheduleDefinition.__init__)
        owner = f"schedule '{name}'" if name else "schedule"
        self._cron_schedule = validate_cron_schedule(cron_schedule, owner=owner)
        target_ = AutomationTarget.from_args(
            kind="ScheduleDefinition", name=name, job=job, job_name=job_name, target=target
        )
        if target_ is None:
            raise DagsterInvalidDefinitionError(
                "ScheduleDefinition needs a target: pass job=, job_name= or target=."
            )
        self._target = target_
        self._name = check_valid_name(name, "Schedule") if name else f"{target_.job_name}_schedule"
        validate_timezone(execution_timezone, owner=f"schedule '{self._name}'")
        self._execution_timezone = execution_timezone
        self._description = description
        self._environment_vars = dict(environment_vars) if environment_vars else None
        if not isinstance(default_status, DefaultScheduleStatus):
            raise DagsterInvalidDefinitionError(
                f"default_status must be a DefaultScheduleStatus, got {default_status!r}."
            )
        self._default_status = default_status
        self._tags = normalize_tags(tags)
        from dagster_nb._definitions.metadata import normalize_metadata

        self._metadata = normalize_metadata(metadata)
        self._owners = list(owners) if owners else None

        decorated = execution_fn if isinstance(execution_fn, _DecoratedScheduleFunction) else None
        if execution_fn is not None and (run_config_fn or tags_fn or should_execute or run_config):
            raise DagsterInvalidDefinitionError(
                "Attempted to provide both execution_fn and individual run_config/tags_fn "
                "arguments to ScheduleDefinition. Must provide only one of the two."
            )
        # Truthiness, as in Dagster: run_config={} with a run_config_fn is accepted.
        if run_config_fn and run_config:
            raise DagsterInvalidDefinitionError(
                "Attempted to provide both run_config_fn and run_config as arguments to "
                "ScheduleDefinition. Must provide only one of the two."
            )
        if tags_fn is not None and tags:
            raise DagsterInvalidDefinitionError(
                "Attempted to provide both tags_fn and tags as arguments to ScheduleDefinition. "
                "Must provide only one of the two."
            )
        self._decorated = decorated
        if execution_fn is not None:
            self._execution_fn: Callable[[ScheduleEvaluationContext], list[Any]] = (
                decorated.wrapped
                if decorated is not None
                else _plain_execution_fn(cast("Callable[..., Any]", execution_fn), self._name)
            )
        else:
            self._execution_fn = _config_execution_fn(
                self._name, run_config, run_config_fn, self._tags, tags_fn, should_execute
            )

        resource_args: set[str] = set(decorated.params.resource_params) if decorated else set()
        if required_resource_keys and resource_args:
            raise DagsterInvalidDefinitionError(
                "Cannot specify resource requirements in both @schedule decorator and as "
                "arguments to the decorated function"
            )
        self._required_resource_keys = set(required_resource_keys or ()) or resource_args

    # --- Dagster's properties ---
    @property
    def name(self) -> str:
        return self._name

    @property
    def cron_schedule(self) -> str | Sequence[str]:
        return self._cron_schedule

    @property
    def job_name(self) -> str:
        return self._target.job_name

    @property
    def has_job(self) -> bool:
        return self._target.job is not None

    @property
    def job(self) -> Any:
        if self._target.job is None:
            raise DagsterInvalidDefinitionError("No job was provided to ScheduleDefinition.")
        return self._target.job

    @property
    def target(self) -> AutomationTarget:
        return self._target

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def execution_timezone(self) -> str | None:
        return self._execution_timezone

    @property
    def default_status(self) -> DefaultScheduleStatus:
        return self._default_status

    @property
    def tags(self) -> Mapping[str, str]:
        return dict(self._tags)

    @property
    def metadata(self) -> Mapping[str, Any]:
        return dict(self._metadata)

    @property
    def owners(self) -> Sequence[str] | None:
        return self._owners

    @property
    def environment_vars(self) -> Mapping[str, str] | None:
        return self._environment_vars

    @property
    def required_resource_keys(self) -> set[str]:
        return set(self._required_resource_keys)

    # --- evaluation ---
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the decorated function on a context; return what it returns (a dict is copied)."""
        if self._decorated is None:
            raise DagsterInvalidInvocationError(
                "Schedule invocation is only supported for schedules created via the schedule "
                "decorators."
            )
        params = self._decorated.params
        context = context_from_args(
            params,
            args,
            kwargs,
            ScheduleEvaluationContext,
            build_schedule_context,
            f"Schedule '{self._name}'",
        )
        resources = resource_kwargs(context, self._required_resource_keys, "schedule", self._name)
        ctx = {params.context_param: context} if params.context_param else {}
        result = self._decorated.fn(**ctx, **resources)
        return copy.deepcopy(result) if isinstance(result, dict) else result

    def evaluate_tick(self, context: ScheduleEvaluationContext) -> ScheduleExecutionData:
        """Run the schedule function on ``context`` and normalize its result, as Dagster does:
        nothing -> skipped ("Schedule function returned an empty result"), a dict -> one run
        request with that run config, several requests -> each must have a run_key. Every
        request gets the ``dagster/schedule_name`` tag (and ``dagster/partition`` when it has a
        partition key).

        >>> s = ScheduleDefinition(job_name="j", cron_schedule="@daily", run_config={"a": 1})
        >>> s.evaluate_tick(build_schedule_context()).run_requests[0].run_config
        {'a': 1}
        """
        if not isinstance(context, ScheduleEvaluationContext):
            raise DagsterInvalidInvocationError(
                f"evaluate_tick takes a ScheduleEvaluationContext, got {type(context).__name__}."
            )
        result = self._execution_fn(context)
        skip_message: str | None = None
        run_requests: list[RunRequest] = []
        if not result or result == [None]:
            skip_message = "Schedule function returned an empty result"
        elif len(result) == 1:
            item = result[0]
            if isinstance(item, RunRequest):
                run_requests = [item]
            elif isinstance(item, SkipReason):
                skip_message = item.skip_message
            else:
                raise DagsterInvariantViolationError(
                    f"Schedule '{self._name}' returned {type(item).__name__}; expected a "
                    "RunRequest, a list of RunRequests, a SkipReason or a run config dict."
                )
        else:
            for item in result:
                if not isinstance(item, RunRequest):
                    raise DagsterInvariantViolationError(
                        f"Schedule '{self._name}' returned {type(item).__name__} among several "
                        "results; a schedule returning several results must return RunRequests."
                    )
            if any(not r.run_key for r in result):
                raise DagsterInvariantViolationError(
                    "Schedules that return multiple RunRequests must specify a run_key in each "
                    "RunRequest"
                )
            run_requests = list(result)
        resolved = []
        for r in run_requests:
            extra = {SCHEDULE_NAME_TAG: self._name}
            if r.partition_key is not None:
                extra[PARTITION_NAME_TAG] = r.partition_key
            resolved.append(r.with_replaced_attrs(tags={**r.tags, **extra}))
        return ScheduleExecutionData(run_requests=resolved, skip_message=skip_message)

    def with_updated_job(self, new_job: Any) -> ScheduleDefinition:
        """A copy targeting ``new_job`` (same name, cron and evaluation function)."""
        new = copy.copy(self)
        new._target = AutomationTarget(job_name=new_job.name, job=new_job)
        return new

    def __repr__(self) -> str:
        return (
            f"ScheduleDefinition(name={self._name!r}, cron_schedule={self._cron_schedule!r}, "
            f"job_name={self.job_name!r})"
        )


# --------------------------------------------------------------------------- evaluation fns


@dataclass(frozen=True, slots=True)
class _DecoratedScheduleFunction:
    fn: Callable[..., Any]
    wrapped: Callable[[ScheduleEvaluationContext], list[Any]]
    params: FnParams


def _as_list(result: Any) -> list[Any]:
    if inspect.isgenerator(result):
        return list(result)
    if isinstance(result, list):
        return list(result)
    return [] if result is None else [result]


def _plain_execution_fn(fn: Callable[..., Any], name: str) -> Callable[..., list[Any]]:
    params = inspect_fn(fn)

    def run(context: ScheduleEvaluationContext) -> list[Any]:
        resources = resource_kwargs(context, params.resource_params, "schedule", name)
        ctx = {params.context_param: context} if params.context_param else {}
        return _as_list(fn(**ctx, **resources))

    return run


def _call_maybe_with_context(fn: Callable[..., Any], context: ScheduleEvaluationContext) -> Any:
    # run_config_fn may take the context or nothing (Dagster's has_at_least_one_parameter).
    try:
        n = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        n = 1
    return fn(context) if n else fn()


def _config_execution_fn(
    name: str,
    run_config: Any,
    run_config_fn: Callable[..., Any] | None,
    tags: Mapping[str, str],
    tags_fn: Callable[..., Any] | None,
    should_execute: Callable[..., bool] | None,
) -> Callable[[ScheduleEvaluationContext], list[Any]]:
    static_config = to_run_config_dict(run_config)

    def run(context: ScheduleEvaluationContext) -> list[Any]:
        if should_execute is not None and not should_execute(context):
            return [SkipReason(f"should_execute function for {name} returned false.")]
        config = (
            _call_maybe_with_context(run_config_fn, context)
            if run_config_fn is not None
            else static_config
        )
        run_tags = tags_fn(context) if tags_fn is not None else tags
        return [
            RunRequest(
                run_key=None,
                run_config=copy.deepcopy(to_run_config_dict(config)),
                tags=run_tags or {},
            )
        ]

    return run


def schedule(
    cron_schedule: str | Sequence[str],
    *,
    job_name: str | None = None,
    name: str | None = None,
    tags: Mapping[str, str] | None = None,
    tags_fn: Callable[..., Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    should_execute: Callable[..., bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    execution_timezone: str | None = None,
    description: str | None = None,
    job: Any = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    required_resource_keys: set[str] | None = None,
    target: Any = None,
    owners: Sequence[str] | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], ScheduleDefinition]:
    """Decorate a function that returns RunRequest(s), a SkipReason, nothing, or a run config.

    The schedule is named after the function unless ``name`` is given.

        @dg.schedule(cron_schedule="0 0 * * *", target=dg.AssetSelection.all())
        def nightly(context):
            return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat())
    """
    if kwargs:
        raise_unexpected_keyword(
            "@schedule",
            kwargs,
            (
                "cron_schedule",
                "job_name",
                "name",
                "tags",
                "tags_fn",
                "metadata",
                "should_execute",
                "environment_vars",
                "execution_timezone",
                "description",
                "job",
                "default_status",
                "required_resource_keys",
                "target",
                "owners",
            ),
        )
    if tags_fn is not None and tags:
        raise DagsterInvalidDefinitionError(
            "Attempted to provide both tags_fn and tags as arguments to ScheduleDefinition. "
            "Must provide only one of the two."
        )

    def inner(fn: Callable[..., Any]) -> ScheduleDefinition:
        if not callable(fn):
            raise DagsterInvalidDefinitionError("@schedule must decorate a function.")
        schedule_name = name or fn.__name__
        params = inspect_fn(fn)
        static_tags = normalize_tags(tags) if tags else None

        def wrapped(context: ScheduleEvaluationContext) -> list[Any]:
            if should_execute is not None and not should_execute(context):
                return [SkipReason(f"should_execute function for {schedule_name} returned false.")]
            resources = resource_kwargs(context, params.resource_params, "schedule", schedule_name)
            ctx = {params.context_param: context} if params.context_param else {}
            result = fn(**ctx, **resources)
            if isinstance(result, dict):
                # A dict is the run config of the one run this tick requests.
                run_tags = static_tags or (tags_fn(context) if tags_fn else None) or None
                return [
                    RunRequest(run_key=None, run_config=copy.deepcopy(result), tags=run_tags or {})
                ]
            return _as_list(result)

        sd = ScheduleDefinition(
            name=schedule_name,
            cron_schedule=cron_schedule,
            job_name=job_name,
            environment_vars=environment_vars,
            execution_timezone=execution_timezone,
            description=description,
            execution_fn=_DecoratedScheduleFunction(fn=fn, wrapped=wrapped, params=params),
            job=job,
            default_status=default_status,
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


def _announce(definition: Any) -> None:
    # A decorated schedule/sensor joins the kernel repository when a notebook cell makes it.
    from dagster_nb._definitions import registry_hook

    registry_hook.notify(definition)
