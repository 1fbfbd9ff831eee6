"""Resources: ``ConfigurableResource``, ``@resource``, ``ResourceDefinition``, ``build_resources``.

    class Warehouse(dg.ConfigurableResource):
        url: str
        token: str

    @dg.asset
    def orders(warehouse: Warehouse):
        return warehouse.query("select * from orders")

    with dg.build_resources({"warehouse": Warehouse(url="...", token=dg.EnvVar("TOKEN"))}) as r:
        r.warehouse.query(...)

Lifecycle, as in Dagster: :func:`build_resources` (which the executor uses too) initializes each
resource once, dependencies first; EnvVars are read only then; each resource's
``yield_for_execution`` (by default ``setup_for_execution`` / ``teardown_after_execution``) or
generator body brackets the run, and teardown runs in reverse order even when the run raised.

Errors: a resource raising during init becomes :class:`DagsterResourceFunctionError` naming the
resource key (the user exception on ``.user_exception`` and chained); bad config or a missing
environment variable becomes :class:`DagsterInvalidConfigError` naming the key and the variable
(never its value).
"""

from __future__ import annotations

import contextlib
import copy as _copy
import inspect
import sys
import typing
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from dagster_nb._definitions.run_config import (
    EnvVar,
    IntEnvVar,
    _is_env_var,
    _scrub,
    type_name,
)
from dagster_nb._errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
    did_you_mean,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "PartialResource",
    "ResourceDefinition",
    "resource",
    "ResourceParam",
    "ResourceDependency",
    "TreatAsResourceParam",
    "InitResourceContext",
    "Resources",
    "build_init_resource_context",
    "build_resources",
    "is_resource_annotation",
    "is_resource_definition",
]

T = TypeVar("T")

RESOURCE_PARAM_METADATA = "resource_param"

# `def asset(client: ResourceParam[MyClient])`: a plain object injected as a resource. The
# Annotated marker is the same string Dagster uses, so annotations written for either work.
ResourceParam = Annotated[T, RESOURCE_PARAM_METADATA]

# A field of a ConfigurableResource that holds another resource (any kind).
ResourceDependency = Annotated[T, "resource_dependency"]


class TreatAsResourceParam:
    """Mixin: parameters annotated with a subclass are injected as resources (as in Dagster)."""


# --------------------------------------------------------------------------- contexts


class Resources:
    """The initialized resources of a run: attribute access, plus ``_asdict()`` / ``[key]``.

    >>> r = Resources({"db": 1})
    >>> r.db, r["db"], r._asdict()
    (1, 1, {'db': 1})

    Iterating yields the values, as Dagster's (namedtuple) resources do.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None):
        object.__setattr__(self, "_values", dict(values or {}))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        values = object.__getattribute__(self, "_values")
        try:
            return values[name]
        except KeyError:
            raise DagsterUnknownResourceError(name, values) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Resources are read-only")

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise DagsterUnknownResourceError(key, self._values) from None

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values.values())

    def __len__(self) -> int:
        return len(self._values)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._values))

    @property
    def _fields(self) -> tuple[str, ...]:
        return tuple(self._values)

    def _asdict(self) -> dict[str, Any]:
        return dict(self._values)

    def keys(self):
        return self._values.keys()

    def items(self):
        return self._values.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __repr__(self) -> str:
        # Values are not shown: they may hold connections or credentials.
        return f"Resources({', '.join(self._values)})"


class InitResourceContext:
    """What a resource function (or ``setup_for_execution``) receives.

        @dg.resource(config_schema={"url": str})
        def db(init_context):
            return connect(init_context.resource_config["url"])

    Keyword-only: ``InitResourceContext(resource_config=..., resources=..., instance=...,
    dagster_run=..., log_manager=..., resource_def=..., run_id=...)``.
    """

    def __init__(
        self,
        *,
        resource_config: Any = None,
        resources: Resources | Mapping[str, Any] | None = None,
        resource_def: Any = None,
        all_resource_defs: Mapping[str, Any] | None = None,
        instance: DagsterInstance | None = None,
        dagster_run: Any = None,
        log_manager: Any = None,
        run_id: str | None = None,
    ):
        self._resource_config = resource_config
        self._resources = resources if isinstance(resources, Resources) else Resources(resources)
        self._resource_def = resource_def
        self._all_resource_defs = dict(all_resource_defs or {})
        self._instance = instance
        self._dagster_run = dagster_run
        self._log_manager = log_manager
        self._run_id = run_id

    @property
    def resource_config(self) -> Any:
        return self._resource_config

    @property
    def resources(self) -> Resources:
        return self._resources

    @property
    def resource_def(self) -> Any:
        return self._resource_def

    @property
    def all_resource_defs(self) -> Mapping[str, Any]:
        return self._all_resource_defs

    @property
    def instance(self) -> Any:
        return self._instance

    @property
    def dagster_run(self) -> Any:
        return self._dagster_run

    @property
    def log_manager(self) -> Any:
        return self._log_manager

    @property
    def log(self) -> Any:
        if self._log_manager is not None:
            return self._log_manager
        import logging

        return logging.getLogger("dagster_nb.resources")

    @property
    def run_id(self) -> str | None:
        if self._run_id is not None:
            return self._run_id
        return getattr(self._dagster_run, "run_id", None)

    def replace_config(self, config: Any) -> InitResourceContext:
        return InitResourceContext(
            resource_config=config,
            resources=self._resources,
            resource_def=self._resource_def,
            all_resource_defs=self._all_resource_defs,
            instance=self._instance,
            dagster_run=self._dagster_run,
            log_manager=self._log_manager,
            run_id=self._run_id,
        )

    def __repr__(self) -> str:
        # resource_config is left out on purpose: it may hold resolved secrets.
        return f"InitResourceContext(resources={self._resources!r}, run_id={self.run_id!r})"


# --------------------------------------------------------------------------- ResourceDefinition


class ResourceDefinition:
    """A resource made by a function of an :class:`InitResourceContext`.

        db = dg.ResourceDefinition(lambda ctx: connect(ctx.resource_config["url"]),
                                   config_schema={"url": str})

    ``resource_fn`` may return the value, or be a generator that yields it once (code after the
    ``yield`` is the teardown).
    """

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: typing.AbstractSet[str] | None = None,
        version: str | None = None,
    ):
        if not callable(resource_fn):
            raise DagsterInvalidDefinitionError(
                f"resource_fn must be callable, got {type(resource_fn).__name__}."
            )
        self._resource_fn = resource_fn
        self._config_schema = config_schema
        self._description = description
        self._required_resource_keys = frozenset(required_resource_keys or ())
        self._version = version
        self._hardcoded = False

    @property
    def resource_fn(self) -> Callable[..., Any]:
        return self._resource_fn

    @property
    def config_schema(self) -> Any:
        return self._config_schema

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self._required_resource_keys

    @property
    def version(self) -> str | None:
        return self._version

    def __repr__(self) -> str:
        name = getattr(self._resource_fn, "__name__", "resource_fn")
        return f"ResourceDefinition({name})"

    @staticmethod
    def hardcoded_resource(value: Any, description: str | None = None) -> ResourceDefinition:
        """A resource that is always ``value``.

        >>> ResourceDefinition.hardcoded_resource(42).resource_fn(None)
        42
        """
        rd = ResourceDefinition(lambda _init_context: value, description=description)
        rd._hardcoded = True
        rd._hardcoded_value = value  # type: ignore[attr-defined]
        return rd

    @staticmethod
    def none_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is None."""
        return ResourceDefinition.hardcoded_resource(None, description)

    @staticmethod
    def mock_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is a ``unittest.mock.MagicMock`` (as in Dagster)."""
        from unittest import mock

        return ResourceDefinition(lambda _init_context: mock.MagicMock(), description=description)

    @staticmethod
    def string_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is its (string) config."""
        return ResourceDefinition(
            lambda init_context: init_context.resource_config,
            config_schema=str,
            description=description,
        )

    def configured(
        self,
        config_or_config_fn: Any,
        name: str | None = None,
        config_schema: Any = None,
        description: str | None = None,
    ) -> ResourceDefinition:
        """A copy of this definition with its config supplied: a fixed value, or a function of
        the copy's own config (described by ``config_schema``). As in Dagster, the supplied
        config is checked against this definition's schema when the resource is opened.

        >>> prefixer = ResourceDefinition(lambda c: c.resource_config["p"], config_schema={"p": str})
        >>> with build_resources({"x": prefixer.configured({"p": "a-"})}) as r:
        ...     r.x
        'a-'
        """
        original = self
        where = f"configured {getattr(self._resource_fn, '__name__', 'resource')}"

        def configured_fn(init_context: InitResourceContext) -> Any:
            raw = (
                config_or_config_fn(init_context.resource_config)
                if callable(config_or_config_fn)
                else config_or_config_fn
            )
            inner = InitResourceContext(
                resource_config=_validate_schema_config(original.config_schema, raw, where=where),
                resources=init_context.resources,
                resource_def=original,
                instance=init_context.instance,
                dagster_run=init_context.dagster_run,
                log_manager=init_context.log,
                run_id=init_context.run_id,
            )
            with original._open(inner) as value:
                yield value

        if name is not None:
            configured_fn.__name__ = name
        copy = _copy.copy(self)  # keeps the subclass (IOManagerDefinition) and its schemas
        copy._resource_fn = configured_fn
        copy._config_schema = config_schema
        copy._description = description if description is not None else self._description
        copy._hardcoded = False
        return copy

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Direct invocation for tests: ``db(build_init_resource_context(config=...))``."""
        if _fn_takes_context(self._resource_fn):
            if len(args) + len(kwargs) != 1:
                raise DagsterInvalidInvocationError(
                    "Resource initialization function takes one argument, the init context; "
                    "call it with build_init_resource_context(...)."
                )
            ctx = args[0] if args else next(iter(kwargs.values()))
            return self._resource_fn(ctx)
        if args or kwargs:
            raise DagsterInvalidInvocationError(
                "Resource initialization function takes no arguments, but was given some."
            )
        return self._resource_fn()

    # Internal: open this resource, yielding its value.
    def _open(self, context: InitResourceContext) -> contextlib.AbstractContextManager:
        fn = self._resource_fn
        result = fn(context) if _fn_takes_context(fn) else fn()
        if inspect.isgenerator(result):
            return _GeneratorResource(result)
        if isinstance(result, contextlib._GeneratorContextManager):
            return result
        return contextlib.nullcontext(result)


class _GeneratorResource(contextlib.AbstractContextManager):
    """A generator resource: setup up to the ``yield``, teardown after it.

    On exit the generator is *resumed* (not thrown into), as Dagster does, so code after the
    ``yield`` runs even when the run failed and the user wrote no try/finally."""

    def __init__(self, gen: Generator[Any, Any, Any]):
        self._gen = gen

    def __enter__(self) -> Any:
        try:
            return next(self._gen)
        except StopIteration:
            raise DagsterInvalidDefinitionError(
                "Resource generator function did not yield: it must yield its value exactly once."
            ) from None

    def __exit__(self, *exc: Any) -> None:
        try:
            next(self._gen)
        except StopIteration:
            return None
        raise DagsterInvalidDefinitionError(
            "Resource generator function yielded more than once: it must yield exactly once."
        )


def _fn_takes_context(fn: Callable[..., Any]) -> bool:
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
    except (TypeError, ValueError):
        return True
    return len(params) >= 1


def resource(
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: typing.AbstractSet[str] | None = None,
    version: str | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Any:
    """Define a resource from a function of ``init_context`` (or of nothing).

        @dg.resource(config_schema={"url": str})
        def db(init_context):
            conn = connect(init_context.resource_config["url"])
            yield conn          # the value; code after the yield is teardown
            conn.close()

    Usable bare (``@resource``) or with arguments.
    """
    if kwargs:
        raise_unexpected_keyword("@resource", kwargs, resource)
    if callable(config_schema) and not _looks_like_schema(config_schema):
        return _resource_from_fn(config_schema)

    def decorator(fn: Callable[..., Any]) -> ResourceDefinition:
        return _resource_from_fn(
            fn,
            config_schema=config_schema,
            description=description,
            required_resource_keys=required_resource_keys,
            version=version,
        )

    return decorator


def _looks_like_schema(obj: Any) -> bool:
    return isinstance(obj, type)


def _resource_from_fn(fn: Callable[..., Any], **kwargs: Any) -> ResourceDefinition:
    _check_resource_fn_arity(fn)
    if kwargs.get("description") is None:
        kwargs["description"] = inspect.getdoc(fn)
    rd = ResourceDefinition(fn, **kwargs)
    try:
        rd.__name__ = fn.__name__  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return rd


def _check_resource_fn_arity(fn: Callable[..., Any]) -> None:
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return
    if len(params) > 1:
        raise DagsterInvalidDefinitionError(
            f"@resource function '{getattr(fn, '__name__', fn)}' takes {len(params)} required "
            "arguments; it must take one (the init context) or none."
        )


class PartialResource:
    """A ConfigurableResource whose config is (partly) supplied at launch.

    warehouse = Warehouse.configure_at_launch()
    with dg.build_resources({"warehouse": warehouse},
                            resource_config={"warehouse": {"config": {"url": "..."}}}) as r:
        ...
    """

    __slots__ = ("resource_cls", "data")

    def __init__(self, resource_cls: type, data: Mapping[str, Any]):
        self.resource_cls = resource_cls
        self.data = dict(data)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" if _is_env_var(v) or not isinstance(v, str) else f"{k}=..."
            for k, v in self.data.items()
        )
        return f"{self.resource_cls.__name__}.configure_at_launch({shown})"


_CONFIGURABLE = "dagster_nb._definitions.configurable"


def _configurable_factory_cls() -> type | None:
    """``ConfigurableResourceFactory`` if its module (pydantic) is loaded, else None: no object
    of a class defined there can exist before it is imported, so callers skip the check."""
    mod = sys.modules.get(_CONFIGURABLE)
    return getattr(mod, "ConfigurableResourceFactory", None)


_LIGHT = "dagster_nb._definitions.light_resource"


def is_configurable_resource(value: Any) -> bool:
    """True for an instance of ``ConfigurableResource(Factory)`` / ``ConfigurableIOManager``,
    light ones included (``light_resource``: pydantic not loaded yet)."""
    cls = _configurable_factory_cls()
    if cls is not None and isinstance(value, cls):
        return True
    light = sys.modules.get(_LIGHT)
    return light is not None and light.is_light_resource(value)


def _as_model(value: Any) -> Any:
    """A light resource's ConfigurableResource instance (built now); anything else as is."""
    light = sys.modules.get(_LIGHT)
    return light.as_model(value) if light is not None else value


def _is_deferred_resource(value: Any) -> bool:
    return isinstance(value, (PartialResource, ResourceDefinition))


def is_resource_definition(value: Any) -> bool:
    """True for anything build_resources initializes (rather than wraps as hardcoded)."""
    return isinstance(value, (ResourceDefinition, PartialResource)) or is_configurable_resource(
        value
    )


def is_resource_annotation(annotation: Any) -> bool:
    """True when a parameter with this annotation is a resource to inject, as in Dagster:
    ConfigurableResource(Factory) / ConfigurableIOManager subclasses, ResourceDefinition,
    ``TreatAsResourceParam`` subclasses, and ``ResourceParam[...]``. Plain ``IOManager``
    subclasses are not (Dagster does not treat them so either).

    >>> class C(ConfigurableResource):
    ...     pass
    >>> is_resource_annotation(C), is_resource_annotation(ResourceParam[dict]), is_resource_annotation(dict)
    (True, True, False)
    """
    if isinstance(annotation, type):
        try:
            if issubclass(annotation, (ResourceDefinition, TreatAsResourceParam)):
                return True
            cls = _configurable_factory_cls()
            return cls is not None and issubclass(annotation, cls)
        except TypeError:
            return False
    meta = getattr(annotation, "__metadata__", None)
    return meta is not None and RESOURCE_PARAM_METADATA in meta


# --------------------------------------------------------------------------- initialization


@contextlib.contextmanager
def _open_configurable_value(res: Any, context: InitResourceContext) -> Generator[Any, None, None]:
    res._dnb_resource_context = context
    with res.yield_for_execution(context) as value:
        yield value


class _Initializer:
    """Initializes a set of resources once each, dependencies first, into one ExitStack."""

    def __init__(
        self,
        resources: Mapping[str, Any],
        *,
        stack: contextlib.ExitStack,
        instance: DagsterInstance | None,
        resource_config: Mapping[str, Any],
        dagster_run: Any,
        log_manager: Any,
    ):
        self.defs = dict(resources)
        self.stack = stack
        self.instance = instance
        self.resource_config = dict(resource_config or {})
        self.dagster_run = dagster_run
        self.log_manager = log_manager
        self.values: dict[str, Any] = {}
        self.anon: dict[int, Any] = {}  # id(nested resource object) -> value
        self.in_progress: list[str] = []
        # Nested resource objects that are also top-level values share the top-level init.
        self.key_by_id = {id(v): k for k, v in self.defs.items() if is_resource_definition(v)}

    def run(self) -> dict[str, Any]:
        unknown = set(self.resource_config) - set(self.defs)
        if unknown:
            name = sorted(unknown)[0]
            raise DagsterInvalidConfigError(
                f"Invalid resource config: resource '{name}' is configured but not provided."
                + did_you_mean(name, self.defs),
                [],
            )
        for key in self.defs:
            self.init_key(key)
        return {k: self.values[k] for k in self.defs}

    def init_key(self, key: str, *, needed_by: str | None = None) -> Any:
        if key in self.values:
            return self.values[key]
        if key not in self.defs:
            raise DagsterInvalidDefinitionError(
                f"Resource with key '{key}' required by resource with key '{needed_by}', but not "
                "provided." + did_you_mean(key, self.defs)
            )
        if key in self.in_progress:
            cycle = " -> ".join([*self.in_progress[self.in_progress.index(key) :], key])
            raise DagsterInvalidDefinitionError(f"Resource dependency cycle: {cycle}.")
        self.in_progress.append(key)
        try:
            raw_cfg = self.resource_config.get(key)
            if isinstance(raw_cfg, Mapping) and set(raw_cfg) <= {"config"} and raw_cfg:
                raw_cfg = raw_cfg["config"]
            value = self.open(key, self.defs[key], raw_cfg)
        finally:
            self.in_progress.pop()
        self.values[key] = value
        return value

    def nested_value(self, owner: str, field: str, obj: Any) -> Any:
        k = self.key_by_id.get(id(obj))
        if k is not None:
            return self.init_key(k, needed_by=owner)
        if id(obj) in self.anon:
            return self.anon[id(obj)]
        if isinstance(obj, PartialResource):
            raise DagsterInvalidDefinitionError(
                f"Resource '{owner}' field '{field}' holds {obj!r}, which is configured at launch "
                "but is not provided under any resource key. Pass it to build_resources / "
                "Definitions under a key too."
            )
        value = self.open(f"{owner}.{field}", obj, None)
        self.anon[id(obj)] = value
        return value

    def context(
        self, *, config: Any, deps: Mapping[str, Any], resource_def: Any
    ) -> InitResourceContext:
        return InitResourceContext(
            resource_config=config,
            resources=Resources(deps),
            resource_def=resource_def,
            all_resource_defs=self.defs,
            instance=self.instance,
            dagster_run=self.dagster_run,
            log_manager=self.log_manager,
        )

    def open(self, key: str, obj: Any, raw_cfg: Any) -> Any:
        if isinstance(obj, PartialResource) or is_configurable_resource(obj):
            return self.open_configurable(key, _as_model(obj), raw_cfg)
        if isinstance(obj, ResourceDefinition):
            deps = {k: self.init_key(k, needed_by=key) for k in sorted(obj.required_resource_keys)}
            config = _validate_schema_config(obj.config_schema, raw_cfg, where=f"resource '{key}'")
            ctx = self.context(config=config, deps=deps, resource_def=obj)
            return self.enter(key, lambda: obj._open(ctx), secrets=())
        # A plain object: a hardcoded resource, as Dagster wraps it.
        return obj

    def open_configurable(self, key: str, obj: Any, raw_cfg: Any) -> Any:
        from dagster_nb._definitions.config import validate_model

        cls: Any  # a ConfigurableResource subclass (pydantic model)
        if isinstance(obj, PartialResource):
            cls, data = obj.resource_cls, dict(obj.data)
        else:
            cls = type(obj)
            data = {
                name: obj.__dict__[name]
                for name in cls.model_fields
                # An EnvVar may also be a class default, which pydantic never passes to us.
                if name in obj.model_fields_set
                or name in obj._dnb_env_fields
                or _is_env_var(obj.__dict__.get(name))
            }
        if raw_cfg is not None:
            if not isinstance(raw_cfg, Mapping):
                raise DagsterInvalidConfigError(
                    f"Invalid resource config for resource '{key}': expected a dict of fields, "
                    f"got {type(raw_cfg).__name__}.",
                    [],
                )
            data.update(raw_cfg)
        # Nested resources first (they are dependencies); keep the objects for validation and
        # swap in the initialized values afterwards, since a factory's value is not of the
        # field's declared type.
        nested: dict[str, Any] = {}
        for name, value in list(data.items()):
            if is_resource_definition(value):
                nested[name] = self.nested_value(key, name, value)
                if isinstance(value, (PartialResource, ResourceDefinition)):
                    # Validate with the initialized value instead of the placeholder.
                    data[name] = nested[name]
        resolved = validate_model(cls, data, where=f"resource '{key}'", kind="resource config")
        for name, value in nested.items():
            resolved.__dict__[name] = value
        secret_values = _secret_values(resolved)
        config = {
            name: resolved.__dict__.get(name) for name in cls.model_fields if name not in nested
        }
        ctx = self.context(config=config, deps=nested, resource_def=obj)

        def make() -> contextlib.AbstractContextManager:
            return _open_configurable_value(resolved, ctx)

        return self.enter(key, make, secrets=secret_values)

    def enter(
        self,
        key: str,
        make_cm: Callable[[], contextlib.AbstractContextManager],
        *,
        secrets: typing.Iterable[str],
    ) -> Any:
        secrets = list(secrets)
        try:
            cm = make_cm()
            value = cm.__enter__()
        except (DagsterInvalidConfigError, DagsterResourceFunctionError):
            raise
        except Exception as e:
            detail = _scrub(f"{type(e).__name__}: {e}", secrets)
            raise DagsterResourceFunctionError(
                f"Error executing resource_fn on ResourceDefinition {key}: {detail}",
                user_exception=e,
            ) from e
        self.stack.push(_Teardown(key, cm, secrets))
        return value


class _Teardown:
    """Exit callback for one resource: always resume teardown as after a clean body (so
    generator resources run their teardown), and wrap failures with the resource key."""

    def __init__(self, key: str, cm: contextlib.AbstractContextManager, secrets: list[str]):
        self.key = key
        self.cm = cm
        self.secrets = secrets

    def __call__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            self.cm.__exit__(None, None, None)
        except Exception as e:
            detail = _scrub(f"{type(e).__name__}: {e}", self.secrets)
            err = DagsterResourceFunctionError(
                f"Error tearing down resource '{self.key}': {detail}", user_exception=e
            )
            if exc is not None:
                # The run's own error matters more; keep it and log the teardown failure.
                import logging

                logging.getLogger("dagster_nb.resources").error("%s", err)
                return False
            raise err from e
        return False


def _secret_values(resolved: Any) -> list[str]:
    out = []
    for path in getattr(resolved, "_dnb_env_fields", {}) or {}:
        v = resolved.__dict__.get(path.split(".")[0].split("[")[0])
        if isinstance(v, (str, int)) and not _is_env_var(v):
            out.append(str(v))
    return out


def _validate_schema_config(schema: Any, raw: Any, *, where: str) -> Any:
    """Validate config for a function-style resource against Dagster-ish ``config_schema``:
    None (anything), a Config class, a type, or ``{field: type}``."""
    from dagster_nb._definitions.run_config import _MissingEnvVar, _resolve_env_values

    if schema is None:
        return raw
    config_mod = sys.modules.get("dagster_nb._definitions.config")
    if (
        config_mod is not None
        and isinstance(schema, type)
        and issubclass(schema, config_mod.Config)
    ):
        return config_mod.validate_model(schema, raw or {}, where=where, kind="resource config")
    secrets: dict[str, str] = {}
    try:
        value = _resolve_env_values(raw, loc="config", secrets=secrets)
    except _MissingEnvVar as e:
        raise DagsterInvalidConfigError(
            f"Invalid resource config for {where}: '{e.loc}' reads environment variable "
            f"'{e.name}', which is not set.",
            [],
        ) from None
    if isinstance(schema, Mapping):
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise DagsterInvalidConfigError(
                f"Invalid resource config for {where}: expected a dict with fields "
                f"{', '.join(schema)}, got {type(value).__name__}.",
                [],
            )
        import pydantic  # only for typed config_schema entries

        errors = []
        out = dict(value)
        for name in value:
            if name not in schema:
                errors.append(f"Unknown field '{name}'." + did_you_mean(name, schema))
        for name, spec in schema.items():
            if not isinstance(spec, type) and typing.get_origin(spec) is None:
                continue  # a Dagster Field or other schema object: not checked here
            if name not in value:
                errors.append(f"Missing required field '{name}' (expected {type_name(spec)}).")
                continue
            try:
                out[name] = pydantic.TypeAdapter(spec).validate_python(value[name])
            except pydantic.ValidationError as e:
                msg = e.errors(include_input=False)[0].get("msg", "invalid value")
                errors.append(
                    f"Invalid value for field '{name}' (expected {type_name(spec)}): {msg}."
                )
        if errors:
            raise DagsterInvalidConfigError(f"Invalid resource config for {where}:", errors)
        return out
    if isinstance(schema, type) or typing.get_origin(schema) is not None:
        import pydantic  # only for typed config_schema entries

        try:
            return pydantic.TypeAdapter(schema).validate_python(value)
        except pydantic.ValidationError as e:
            msg = e.errors(include_input=False)[0].get("msg", "invalid value")
            raise DagsterInvalidConfigError(
                f"Invalid resource config for {where} (expected {type_name(schema)}): {msg}.",
                [],
            ) from None
    return value


@contextlib.contextmanager
def build_resources(
    resources: Mapping[str, Any],
    instance: DagsterInstance | None = None,
    resource_config: Mapping[str, Any] | None = None,
    dagster_run: Any = None,
    log_manager: Any = None,
) -> Generator[Resources, None, None]:
    """Initialize ``resources`` for use outside a run (and for the executor), tear down on exit.

        with dg.build_resources({"db": Warehouse(url="..."), "n": 3}) as r:
            r.db.query("..."), r.n

    Plain values become hardcoded resources. ``resource_config`` is Dagster's
    ``{key: {"config": {...}}}``.
    """
    if not isinstance(resources, Mapping):
        raise DagsterInvalidInvocationError(
            f"build_resources expects a dict of resource key -> resource, got "
            f"{type(resources).__name__}."
        )
    with contextlib.ExitStack() as stack:
        init = _Initializer(
            resources,
            stack=stack,
            instance=instance,
            resource_config=resource_config or {},
            dagster_run=dagster_run,
            log_manager=log_manager,
        )
        values = init.run()
        yield Resources(values)


def build_init_resource_context(
    config: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
) -> InitResourceContext:
    """A context for calling a resource function directly in tests.

        @dg.resource(config_schema={"n": int})
        def counter(init_context):
            return init_context.resource_config["n"]

        counter(dg.build_init_resource_context(config={"n": 3}))   # 3

    Resource definitions among ``resources`` are initialized now; use the context as a
    ``with`` block to tear them down.
    """
    stack = contextlib.ExitStack()
    values: dict[str, Any] = {}
    if resources:
        init = _Initializer(
            resources,
            stack=stack,
            instance=instance,
            resource_config={},
            dagster_run=None,
            log_manager=None,
        )
        values = init.run()
    ctx = _UnboundInitResourceContext(
        resource_config=config, resources=Resources(values), instance=instance
    )
    ctx._stack = stack
    return ctx


class _UnboundInitResourceContext(InitResourceContext):
    _stack: contextlib.ExitStack

    def __enter__(self) -> _UnboundInitResourceContext:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()


# Silence "imported but unused" for names re-exported for convenience.
_ = (EnvVar, IntEnvVar)


def __getattr__(name: str) -> Any:
    # The pydantic-based classes live in ``configurable`` (loaded on first use); old imports of
    # them from here keep working.
    if name in ("ConfigurableResource", "ConfigurableResourceFactory"):
        from dagster_nb._definitions import configurable

        value = getattr(configurable, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
