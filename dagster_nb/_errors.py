"""Errors: one base class, Dagster's exception class names, and a did-you-mean helper.

Every framework error subclasses :class:`DagsterError`, so ``except dg.DagsterError`` catches
everything dagster_nb raises on its own behalf. Errors raised by *user* code during a run are
wrapped in :class:`DagsterUserCodeExecutionError` subclasses with the original exception kept on
``.user_exception`` (and chained as ``__cause__``), as Dagster does.

This module imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

__all__ = [
    "DagsterError",
    "DagsterAssetCheckFailedError",
    "DagsterExecutionInterruptedError",
    "DagsterInvalidDefinitionError",
    "CircularDependencyError",
    "CheckError",
    "ParameterCheckError",
    "DagsterInvalidDefinitionTypeError",
    "DagsterInvalidObservationError",
    "DagsterInvalidSubsetError",
    "DagsterInvalidConfigDefinitionError",
    "DagsterInvalidPythonicConfigDefinitionError",
    "DagsterInvariantViolationError",
    "DagsterExecutionStepNotFoundError",
    "DagsterRunNotFoundError",
    "DagsterStepOutputNotFoundError",
    "DagsterUserCodeExecutionError",
    "DagsterTypeCheckError",
    "DagsterExecutionLoadInputError",
    "DagsterConfigMappingFunctionError",
    "DagsterExecutionHandleOutputError",
    "DagsterExecutionStepExecutionError",
    "DagsterResourceFunctionError",
    "DagsterUnknownResourceError",
    "DagsterInvalidInvocationError",
    "DagsterInvalidConfigError",
    "DagsterMaxRetriesExceededError",
    "DagsterTypeCheckDidNotPass",
    "DagsterInvalidAssetKey",
    "DagsterInvalidMetadata",
    "DagsterInvalidPropertyError",
    "DagsterHomeNotSetError",
    "DagsterUnknownPartitionError",
    "DagsterUndefinedDataVersionError",
    "DagsterInvalidAssetSelectionError",
    "DagsterStorageError",
    "ScheduleExecutionError",
    "SensorExecutionError",
    "did_you_mean",
]


class DagsterError(Exception):
    """Base class for every error dagster_nb raises on its own behalf."""

    @property
    def is_user_code_error(self) -> bool:
        return False


class DagsterExecutionInterruptedError(BaseException):
    """A run was interrupted (Ctrl-C). Subclasses BaseException, as in Dagster, so that
    ``except Exception`` in user code does not swallow it."""


class DagsterInvalidDefinitionError(DagsterError):
    """A definition (asset, op, graph, Definitions, ...) is malformed."""


class CircularDependencyError(DagsterInvalidDefinitionError, ValueError):
    """Assets (or ops) depend on each other in a cycle. A ValueError named as Dagster's (which
    raises toposort's ``CircularDependencyError``), and a definition error of ours."""


class DagsterInvalidObservationError(DagsterError):
    """An observation function returned something other than an ObserveResult/DataVersion."""


class DagsterInvalidSubsetError(DagsterError):
    """A selection asks for a subset of a multi-asset that cannot be subset."""


class DagsterInvalidConfigDefinitionError(DagsterError):
    """A config schema is malformed."""


class DagsterInvalidPythonicConfigDefinitionError(DagsterError):
    """A Config or ConfigurableResource class has a field of an unsupported type."""


class DagsterInvariantViolationError(DagsterError):
    """The user asked for something that contradicts how the system works."""


class CheckError(DagsterInvariantViolationError, DagsterInvalidDefinitionError):
    """A failed check, named as Dagster's ``dagster._check.CheckError``: where Dagster raises it
    (a non-partitioned run asked for its partition key, AssetIn(key=..., key_prefix=...), a
    non-asset in Definitions(assets=...)) ours does, and it is also the error class we used
    there before (an invariant violation or a definition error)."""


class ParameterCheckError(CheckError):
    """A parameter of the wrong type, named as Dagster's ``ParameterCheckError``."""


class DagsterInvalidDefinitionTypeError(DagsterInvalidDefinitionError, TypeError):
    """A call with an unexpected keyword argument or a non-function where a function is
    decorated: a ``TypeError`` as in Dagster, and a definition error of ours."""


class DagsterUnmetExecutorRequirementsError(DagsterError):
    """The executor cannot run here (multiprocess with an in-memory IO manager or instance)."""


class DagsterExecutionStepNotFoundError(DagsterError):
    """A step key named in a request is not in the plan."""


class DagsterRunNotFoundError(DagsterError):
    """No run with the given id exists in the instance."""


class DagsterStepOutputNotFoundError(DagsterError):
    """An output was asked for that was never produced."""


class DagsterAssetCheckFailedError(DagsterError):
    """A blocking asset check failed with ERROR severity: its step fails, so what depends on
    the checked asset does not run (Dagster's class, not exported by Dagster either)."""


class DagsterUserCodeExecutionError(DagsterError):
    """User code raised. The original exception is kept on ``user_exception`` and chained."""

    def __init__(self, *args: object, user_exception: BaseException | None = None, **kwargs):
        super().__init__(*args)
        self.user_exception = user_exception
        self.original_exc_info = (
            (type(user_exception), user_exception, user_exception.__traceback__)
            if user_exception is not None
            else None
        )
        for name, value in kwargs.items():
            setattr(self, name, value)

    @property
    def is_user_code_error(self) -> bool:
        return True


class DagsterTypeCheckError(DagsterUserCodeExecutionError):
    pass


class DagsterConfigMappingFunctionError(DagsterUserCodeExecutionError):
    """A graph's ConfigMapping function raised (Dagster's class)."""


class DagsterExecutionLoadInputError(DagsterUserCodeExecutionError):
    """An IO manager raised while loading an input."""


class DagsterExecutionHandleOutputError(DagsterUserCodeExecutionError):
    """An IO manager raised while storing an output."""


class DagsterExecutionStepExecutionError(DagsterUserCodeExecutionError):
    """The body of an asset or op raised."""


class DagsterResourceFunctionError(DagsterUserCodeExecutionError):
    """A resource raised while being initialized or torn down."""


class DagsterUnknownResourceError(DagsterError, AttributeError):
    """Code asked for a resource that was not provided."""

    def __init__(self, resource_name: str, available: Iterable[str] = ()):
        self.resource_name = resource_name
        msg = (
            f"Unknown resource `{resource_name}`. Specify `{resource_name}` as a required "
            "resource on the compute / config function that accessed it."
        )
        hint = did_you_mean(resource_name, available)
        if hint:
            msg += hint
        super().__init__(msg)


class DagsterInvalidInvocationError(DagsterError):
    """A definition was invoked directly with the wrong arguments."""


class DagsterInvalidConfigError(DagsterError):
    """Config (run config, resource config) failed validation."""

    def __init__(self, preamble: str, errors: Iterable[str] = (), config_value: object = None):
        self.errors = list(errors)
        self.config_value = config_value
        msg = preamble
        if self.errors:
            msg += "\n" + "\n".join(f"    {e}" for e in self.errors)
        super().__init__(msg)


class DagsterMaxRetriesExceededError(DagsterError):
    pass


class DagsterTypeCheckDidNotPass(DagsterError):
    pass


class DagsterInvalidAssetKey(DagsterError):
    pass


class DagsterInvalidMetadata(DagsterError):
    pass


class DagsterInvalidPropertyError(DagsterError):
    pass


class DagsterHomeNotSetError(DagsterError):
    pass


class DagsterUnknownPartitionError(DagsterError):
    """A partition key that the partitions definition does not contain."""


class DagsterUndefinedDataVersionError(DagsterError):
    pass


class DagsterInvalidAssetSelectionError(DagsterError):
    """A selection string or selection names something that does not exist or does not parse."""


class DagsterStorageError(DagsterError):
    """The instance's storage could not be read or written. The message names the path."""


class ScheduleExecutionError(DagsterUserCodeExecutionError):
    pass


class SensorExecutionError(DagsterUserCodeExecutionError):
    pass


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> str:
    """Return ``" Did you mean 'x'?"`` (or ``" Did you mean one of 'x', 'y'?"``), or ``""``.

    >>> did_you_mean("ordrs", ["orders", "customers"])
    " Did you mean 'orders'?"
    """
    pool = sorted({str(c) for c in candidates})
    import difflib

    matches = difflib.get_close_matches(str(name), pool, n=n, cutoff=cutoff)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if str(name).lower() in lowered:
            matches = [lowered[str(name).lower()]]
    if not matches:
        return ""
    if len(matches) == 1:
        return f" Did you mean '{matches[0]}'?"
    return " Did you mean one of " + ", ".join(f"'{m}'" for m in matches) + "?"


def raise_unexpected_keyword(
    what: str, kwargs: Mapping[str, Any], allowed: Iterable[str] | Callable[..., Any]
) -> NoReturn:
    """The ``TypeError`` for an unknown keyword argument, with a did-you-mean: what a public
    function's ``**kwargs: Unpack[NoExtraKwargs]`` tail raises at run time (type checkers
    already report the keyword, see ``dagster_nb/_typing.py``). ``allowed`` is the valid
    names, or the function itself, whose named parameters are read (only on this error path).

    >>> raise_unexpected_keyword("AssetIn", {"keys": 1}, ["key", "metadata"])
    Traceback (most recent call last):
    ...
    dagster_nb._errors.DagsterInvalidDefinitionTypeError: AssetIn got an unexpected keyword argument 'keys'. Did you mean 'key'?
    """
    if callable(allowed):
        import inspect

        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        allowed = [
            n
            for n, p in inspect.signature(allowed).parameters.items()
            if p.kind in named and n != "self"
        ]
    bad = next(iter(kwargs))
    raise DagsterInvalidDefinitionTypeError(
        f"{what} got an unexpected keyword argument '{bad}'." + did_you_mean(bad, allowed)
    )
