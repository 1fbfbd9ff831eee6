"""Pieces schedules and sensors share: cron/timezone validation, what a target names, how the
user's function is called (context parameter + resource parameters), the base context.

Private: the public names live in ``schedules.py`` and ``sensors.py``.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

ANONYMOUS_ASSET_JOB_PREFIX = "__anonymous_asset_job"
_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_FIELD_RANGES = ("0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-6 or SUN-SAT")


# --------------------------------------------------------------------------- validation


def validate_cron_schedule(cron_schedule: Any, *, owner: str) -> str | tuple[str, ...]:
    """Return the cron string (or a tuple of them), or raise naming the string and the field.

    ``owner`` says whose cron it is (``"schedule 'daily'"``) so the message points at user code.

    >>> validate_cron_schedule("0 0 * * *", owner="schedule 's'")
    '0 0 * * *'
    """
    if isinstance(cron_schedule, str):
        _validate_cron_string(cron_schedule, owner)
        return cron_schedule
    if (
        isinstance(cron_schedule, Sequence)
        and cron_schedule
        and all(isinstance(c, str) for c in cron_schedule)
    ):
        for c in cron_schedule:
            _validate_cron_string(c, owner)
        return tuple(cron_schedule)
    raise DagsterInvalidDefinitionError(
        f"Found invalid cron schedule {cron_schedule!r} for {owner}: expected a cron string "
        "such as '0 0 * * *' or a non-empty list of them."
    )


def _validate_cron_string(cron: str, owner: str) -> None:
    # croniter is imported here, not at module import: `import dagster_nb` stays light.
    from croniter import croniter

    head = f"Found invalid cron schedule '{cron}' for {owner}"
    if not croniter.is_valid(cron):
        fields = cron.split()
        if len(fields) != 5:
            raise DagsterInvalidDefinitionError(
                f"{head}: expected 5 space-separated fields (minute hour day-of-month month "
                f"day-of-week), got {len(fields)}. Example: '0 0 * * *' (daily at midnight)."
            )
        for i, f in enumerate(fields):
            probe = ["*"] * 5
            probe[i] = f
            if not croniter.is_valid(" ".join(probe)):
                raise DagsterInvalidDefinitionError(
                    f"{head}: field {i + 1} ({_FIELD_NAMES[i]}) '{f}' is not valid; expected "
                    f"values in {_FIELD_RANGES[i]}."
                )
        raise DagsterInvalidDefinitionError(f"{head}.")
    expanded, *_ = croniter.expand(cron)
    if len(expanded) != 5:
        raise DagsterInvalidDefinitionError(
            f"{head}: seconds resolution is not supported; use 5 fields."
        )
    if expanded[3] == [2] and len(expanded[2]) == 1 and expanded[2][0] in (30, 31):
        raise DagsterInvalidDefinitionError(
            f"{head}: February has no day {expanded[2][0]}, so it would never fire."
        )


def validate_timezone(tz: str | None, *, owner: str, field: str = "execution_timezone") -> None:
    """Raise DagsterInvalidDefinitionError for a name that is not an IANA time zone."""
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(tz, str):
        raise DagsterInvalidDefinitionError(
            f"Invalid {field} {tz!r} for {owner}: expected an IANA name such as 'UTC'."
        )
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise DagsterInvalidDefinitionError(
            f"Invalid {field} '{tz}' for {owner}: not an IANA time zone name. Examples: "
            "'UTC', 'America/New_York', 'Europe/Berlin'."
        ) from e


def check_valid_name(name: Any, kind: str) -> str:
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise DagsterInvalidDefinitionError(
            f'{kind} name "{name}" is not valid: names may contain only letters, digits and '
            "underscores."
        )
    return name


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class AutomationTarget:
    """What a schedule or sensor launches: a job object, or a job name to look up later.

    ``job`` is the job (a JobDefinition or an unresolved ``define_asset_job``); for a target
    given as assets or a selection it is an anonymous asset job, as in Dagster.
    """

    job_name: str
    job: Any = None

    @staticmethod
    def from_args(
        *, kind: str, name: str | None, job: Any, job_name: Any, target: Any
    ) -> AutomationTarget | None:
        given = [
            n
            for n, v in (("job", job), ("job_name", job_name), ("target", target))
            if v is not None
        ]
        if len(given) > 1:
            raise DagsterInvalidDefinitionError(
                f"Attempted to provide more than one of 'job', 'job_name', and 'target' params to "
                f"{kind}. Must provide only one (got {', '.join(given)})."
            )
        if job_name is not None:
            if not isinstance(job_name, str):
                raise DagsterInvalidDefinitionError(f"job_name must be a string, got {job_name!r}.")
            return AutomationTarget(job_name=job_name)
        if job is not None:
            return AutomationTarget._from_coercible(job, kind=kind, name=name)
        if target is not None:
            return AutomationTarget._from_coercible(target, kind=kind, name=name)
        return None

    @staticmethod
    def _from_coercible(obj: Any, *, kind: str, name: str | None) -> AutomationTarget:
        if _is_job(obj):
            return AutomationTarget(job_name=obj.name, job=obj)
        # Assets, keys, strings or an AssetSelection: an anonymous asset job, named as Dagster does.
        if name is None:
            raise DagsterInvalidDefinitionError(
                f"If you specify target as assets or a selection, you must give the {kind} a name."
            )
        from dagster_nb._execution.jobs import define_asset_job

        job_name = f"{ANONYMOUS_ASSET_JOB_PREFIX}_{name}"
        if type(obj).__name__ in ("AssetsDefinition", "SourceAsset", "AssetSpec"):
            obj = [obj]  # one asset, as Dagster's target= takes it
        return AutomationTarget(job_name=job_name, job=define_asset_job(job_name, selection=obj))


def _is_job(obj: Any) -> bool:
    # By shape, not isinstance: the execution layer (where jobs live) is not imported here.
    cls = type(obj).__name__
    return cls in ("JobDefinition", "UnresolvedAssetJobDefinition", "GraphDefinition") or (
        hasattr(obj, "execute_in_process") and isinstance(getattr(obj, "name", None), str)
    )


# --------------------------------------------------------------------------- calling user code


@dataclass(frozen=True, slots=True)
class FnParams:
    """How to call an evaluation function: its context parameter (if any) and resource params."""

    context_param: str | None
    resource_params: tuple[str, ...]


def inspect_fn(fn: Callable[..., Any]) -> FnParams:
    """The context parameter is the first that is not a resource, as in Dagster."""
    from dagster_nb._definitions.resources import is_resource_annotation

    try:
        sig = inspect.signature(fn)
        hints = _type_hints(fn)
    except (TypeError, ValueError):
        return FnParams(None, ())
    resources: list[str] = []
    context: str | None = None
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if is_resource_annotation(hints.get(p.name, p.annotation)):
            resources.append(p.name)
        elif context is None:
            context = p.name
    return FnParams(context, tuple(resources))


def _type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:
        # Unresolvable forward references: fall back to the raw annotations.
        return dict(getattr(fn, "__annotations__", {}) or {})


def resource_kwargs(
    context: Any, keys: Sequence[str] | set[str], kind: str, name: str
) -> dict[str, Any]:
    """The resources ``keys`` from ``context.resources``; a missing one is a definition error."""
    res = context.resources
    out = {}
    for k in sorted(keys):
        if k not in res:
            raise DagsterInvalidDefinitionError(
                f"Resource with key '{k}' required by {kind} '{name}' was not provided."
            )
        out[k] = res[k]
    return out


def context_from_args(
    fn_params: FnParams,
    args: tuple,
    kwargs: dict,
    context_type: type,
    build: Callable[[], Any],
    label: str,
) -> Any:
    """Dagster's direct-invocation rules: at most one positional argument, the context; a
    function with a context parameter needs one; resources may be passed as keywords."""
    kwargs = dict(kwargs)
    resource_overrides = {k: kwargs.pop(k) for k in list(kwargs) if k in fn_params.resource_params}
    if len(args) + len(kwargs) > 1:
        raise DagsterInvalidInvocationError(
            f"{label} invocation received multiple non-resource arguments. Only a first "
            "positional context parameter should be provided when invoking."
        )
    context: Any = None
    if args:
        context = args[0]
    elif kwargs:
        key, context = next(iter(kwargs.items()))
        if fn_params.context_param is None or key != fn_params.context_param:
            raise DagsterInvalidInvocationError(
                f"{label} invocation expected argument '{fn_params.context_param}', got '{key}'."
            )
    if context is None:
        if fn_params.context_param is not None and not resource_overrides:
            # Dagster builds an empty context here too; the function may ignore it.
            pass
        context = build()
    elif not isinstance(context, context_type):
        raise DagsterInvalidInvocationError(
            f"{label} invocation expected a {context_type.__name__} (build one with "
            f"dg.build_{'schedule' if 'Schedule' in context_type.__name__ else 'sensor'}_context()), "
            f"got {type(context).__name__}."
        )
    if resource_overrides:
        context = context._merge_resources(resource_overrides)
    return context


# --------------------------------------------------------------------------- contexts


class BaseEvaluationContext:
    """Instance, resources and log shared by schedule and sensor contexts.

    Resources are initialized on first access and torn down when the context is closed (``with``
    block), as in Dagster.
    """

    def __init__(
        self,
        *,
        instance: DagsterInstance | None = None,
        resources: Mapping[str, Any] | None = None,
        logger_name: str,
    ):
        self._instance = instance
        self._resource_defs = dict(resources or {})
        self._resources: Any = None
        self._stack = contextlib.ExitStack()
        self._log = logging.getLogger(logger_name)

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()
        self._resources = None

    @property
    def instance(self) -> Any:
        """The DagsterInstance (raises when the context was built without one)."""
        if self._instance is None:
            from dagster_nb._errors import DagsterInvariantViolationError

            raise DagsterInvariantViolationError(
                "Attempted to initialize dagster instance, but no instance reference was provided. "
                "Pass instance=dg.DagsterInstance.ephemeral() to the build_*_context call."
            )
        return self._instance

    @property
    def instance_ref(self) -> Any:
        return None

    @property
    def resources(self) -> Any:
        """The initialized resources (attribute access: ``context.resources.db``)."""
        if self._resources is None:
            from dagster_nb._definitions.resources import Resources, build_resources

            if not self._resource_defs:
                self._resources = Resources({})
            else:
                self._resources = self._stack.enter_context(
                    build_resources(self._resource_defs, instance=self._instance)
                )
        return self._resources

    @property
    def log(self) -> logging.Logger:
        return self._log
