"""IO managers and their contexts: ``IOManager``, ``ConfigurableIOManager``, ``@io_manager``,
``InputContext`` / ``OutputContext``, ``InMemoryIOManager``.

    class JsonIOManager(dg.ConfigurableIOManager):
        root: str

        def handle_output(self, context, obj):
            path = os.path.join(self.root, *context.get_asset_identifier()) + ".json"
            ...

        def load_input(self, context):
            ...

Contexts are plain objects built with KEYWORD ARGUMENTS ONLY. The executor constructs them as:

    OutputContext(
        *, step_key=None, name=None, definition_metadata=None, run_id=None, mapping_key=None,
        config=None, dagster_type=None, version=None, resource_config=None, resources=None,
        op_def=None, asset_key=None, partition_key=None, asset_partitions_def=None,
        asset_partition_key_range=None, asset_partition_keys=None, instance=None,
        asset_spec=None, metadata=None, output_metadata=None, log=None,
    )
    InputContext(
        *, name=None, config=None, definition_metadata=None, metadata=None,
        upstream_output=None, dagster_type=None, resource_config=None, resources=None,
        op_def=None, step_context=None, asset_key=None, partition_key=None,
        asset_partition_key_range=None, asset_partitions_def=None,
        asset_partition_keys=None, instance=None, run_id=None, step_key=None, log=None,
    )

``asset_partition_keys`` (not in Dagster's builders) lets the executor pass the exact keys of a
multi-partition load; otherwise they come from ``partition_key`` or from the key range and
``asset_partitions_def``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._definitions.resources import (
    InitResourceContext,
    ResourceDefinition,
    Resources,
    _check_resource_fn_arity,
    build_resources,
    is_configurable_resource,
    is_resource_definition,
)
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "IOManager",
    "IOManagerDefinition",
    "io_manager",
    "InputManager",
    "InputManagerDefinition",
    "input_manager",
    "InputContext",
    "OutputContext",
    "build_input_context",
    "build_output_context",
    "InMemoryIOManager",
    "mem_io_manager",
]


def _default_log(name: str) -> Any:
    # A context built outside a run logs to Python logging (imported on first use).
    import logging

    return logging.getLogger(name)


# --------------------------------------------------------------------------- IO managers


class IOManager(ABC):
    """Stores asset/op outputs and loads them as inputs.

    class ListIOManager(dg.IOManager):
        def __init__(self):
            self.store = {}

        def handle_output(self, context, obj):
            self.store[tuple(context.get_asset_identifier())] = obj

        def load_input(self, context):
            return self.store[tuple(context.get_asset_identifier())]
    """

    @abstractmethod
    def handle_output(self, context: OutputContext, obj: Any) -> None:
        """Store ``obj``, the output described by ``context``."""

    @abstractmethod
    def load_input(self, context: InputContext) -> Any:
        """Load the input described by ``context`` (``context.upstream_output`` says what
        produced it)."""


class IOManagerDefinition(ResourceDefinition):
    """A resource definition whose value is an :class:`IOManager`.

    my_io = dg.IOManagerDefinition(lambda ctx: MyIOManager())
    """

    def __init__(
        self,
        resource_fn: Any,
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Any = None,
        version: str | None = None,
        input_config_schema: Any = None,
        output_config_schema: Any = None,
    ):
        super().__init__(
            resource_fn,
            config_schema=config_schema,
            description=description,
            required_resource_keys=required_resource_keys,
            version=version,
        )
        self._input_config_schema = input_config_schema
        self._output_config_schema = output_config_schema

    @property
    def input_config_schema(self) -> Any:
        return self._input_config_schema

    @property
    def output_config_schema(self) -> Any:
        return self._output_config_schema

    @staticmethod
    def hardcoded_io_manager(
        value: IOManager, description: str | None = None
    ) -> IOManagerDefinition:
        """An IO manager definition that is always ``value``."""
        if not isinstance(value, IOManager):
            raise DagsterInvalidDefinitionError(
                f"hardcoded_io_manager expects an IOManager, got {type(value).__name__}."
            )
        return IOManagerDefinition(lambda _init_context: value, description=description)

    def __repr__(self) -> str:
        return f"IOManagerDefinition({getattr(self.resource_fn, '__name__', 'resource_fn')})"


def io_manager(
    config_schema: Any = None,
    description: str | None = None,
    output_config_schema: Any = None,
    input_config_schema: Any = None,
    required_resource_keys: Any = None,
    version: str | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Any:
    """Define an IO manager from a function of ``init_context`` returning an :class:`IOManager`.

        @dg.io_manager
        def my_io_manager(init_context):
            return MyIOManager()

    Usable bare or with arguments (``@io_manager(config_schema={"root": str})``).
    """
    if kwargs:
        raise_unexpected_keyword("@io_manager", kwargs, io_manager)
    if callable(config_schema) and not isinstance(config_schema, type):
        fn = config_schema
        _check_resource_fn_arity(fn)
        return IOManagerDefinition(fn, description=description)

    def decorator(fn: Any) -> IOManagerDefinition:
        _check_resource_fn_arity(fn)
        return IOManagerDefinition(
            fn,
            config_schema=config_schema,
            description=description or getattr(fn, "__doc__", None),
            required_resource_keys=required_resource_keys,
            version=version,
            input_config_schema=input_config_schema,
            output_config_schema=output_config_schema,
        )

    return decorator


class InputManager(ABC):
    """Loads op and asset inputs (an IO manager that only reads). Point an input at one with
    ``AssetIn(input_manager_key=...)`` / ``In(input_manager_key=...)``.

        class TableLoader(dg.InputManager):
            def load_input(self, context):
                return read_table(context.asset_key.path[-1])
    """

    @abstractmethod
    def load_input(self, context: InputContext) -> Any:
        """Load the input described by ``context``."""


class InputManagerDefinition(ResourceDefinition):
    """A resource definition whose value is an :class:`InputManager`; usually made with
    :func:`input_manager`."""

    def __init__(
        self,
        resource_fn: Any,
        config_schema: Any = None,
        description: str | None = None,
        input_config_schema: Any = None,
        required_resource_keys: Any = None,
        version: str | None = None,
    ):
        super().__init__(
            resource_fn,
            config_schema=config_schema,
            description=description,
            required_resource_keys=required_resource_keys,
            version=version,
        )
        self._input_config_schema = input_config_schema

    @property
    def input_config_schema(self) -> Any:
        return self._input_config_schema


class _LoadFnInputManager(InputManager):
    """The manager behind ``@input_manager``: calls the load function (with the context when it
    takes one); a returned InputManager is asked in turn, as in Dagster."""

    def __init__(self, load_fn: Any):
        self._load_fn = load_fn
        import inspect

        self._takes_context = bool(inspect.signature(load_fn).parameters)

    def load_input(self, context: InputContext) -> Any:
        out = self._load_fn(context) if self._takes_context else self._load_fn()
        if isinstance(out, InputManager):
            return out.load_input(context)
        return out


def input_manager(
    config_schema: Any = None,
    description: str | None = None,
    input_config_schema: Any = None,
    required_resource_keys: Any = None,
    version: str | None = None,
) -> Any:
    """Define an input manager from a load function of the input context:

    @dg.input_manager
    def from_csv(context):
        return read_csv(f"{context.asset_key.path[-1]}.csv")

    @dg.asset(ins={"raw": dg.AssetIn(input_manager_key="csv")})
    def cleaned(raw): ...

    dg.materialize([cleaned], resources={"csv": from_csv})
    """

    def decorator(load_fn: Any) -> InputManagerDefinition:
        if not callable(load_fn):
            raise DagsterInvalidDefinitionError(
                f"@input_manager decorates a function, got {type(load_fn).__name__}."
            )
        manager = _LoadFnInputManager(load_fn)
        defn = InputManagerDefinition(
            lambda _init_context: manager,
            config_schema=config_schema,
            description=description or getattr(load_fn, "__doc__", None),
            input_config_schema=input_config_schema,
            required_resource_keys=required_resource_keys,
            version=version,
        )
        functools.update_wrapper(defn, load_fn)  # as Dagster: the definition carries its name
        return defn

    if callable(config_schema) and not isinstance(config_schema, (type, Mapping)):
        fn, config_schema = config_schema, None
        return decorator(fn)
    return decorator


# --------------------------------------------------------------------------- contexts


def _coerce_key(asset_key: Any) -> AssetKey | None:
    if asset_key is None or type(asset_key) is AssetKey:
        return asset_key
    return AssetKey.from_coercible(asset_key)


def _coerce_resources(resources: Any) -> Resources:
    if isinstance(resources, Resources):
        return resources
    if resources is None:
        return Resources({})
    if isinstance(resources, Mapping):
        return Resources(resources)
    if hasattr(resources, "_asdict"):
        return Resources(resources._asdict())
    raise DagsterInvalidDefinitionError(
        f"resources must be a dict or Resources, got {type(resources).__name__}."
    )


class _IOContextBase:
    """Partition and asset attributes shared by InputContext and OutputContext."""

    # Set only by build_input_context / build_output_context when they were given resource
    # definitions to initialize; execution builds contexts with initialized values.
    _resources_stack: Any = None
    _needs_with = False
    _resources: Resources  # set by each context's __init__

    @property
    def resources(self) -> Resources:
        if self._needs_with:
            raise DagsterInvariantViolationError(
                "At least one provided resource is a generator, but attempting to access "
                "resources outside of context manager scope. You can use the following syntax "
                f"to open a context manager: `with {self._builder}(...) as context:`"
            )
        return self._resources

    def __enter__(self):
        self._needs_with = False
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close_test_resources()

    def _close_test_resources(self) -> None:
        stack, self._resources_stack = self._resources_stack, None
        if stack is not None:
            stack.close()

    _asset_key: AssetKey | None
    _partition_key: str | None
    _asset_partition_key_range: Any
    _asset_partitions_def: Any
    _asset_partition_keys: tuple[str, ...] | None
    _what: str
    _builder: str

    @property
    def asset_key(self) -> AssetKey:
        if self._asset_key is None:
            raise DagsterInvariantViolationError(
                f"Attempting to access asset_key on the {self._what}, but it has no asset key. "
                "Check `has_asset_key` first."
            )
        return self._asset_key

    @property
    def has_asset_key(self) -> bool:
        return self._asset_key is not None

    @property
    def has_partition_key(self) -> bool:
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        if self._partition_key is None:
            raise DagsterInvariantViolationError(
                f"Cannot access partition_key on the {self._what}: the run is not partitioned "
                "(or loads several partitions; use asset_partition_keys)."
            )
        return self._partition_key

    @property
    def has_asset_partitions(self) -> bool:
        # Explicit asset partition keys decide (an empty list: the asset itself is not
        # partitioned, even when the run has a partition key, as for a partitioned asset that
        # reads an unpartitioned one); otherwise the partition key or range stands for them.
        # A partitioned asset mapped to no partition (the day before the first day) still has
        # asset partitions, an empty list of them, as in Dagster.
        if self._asset_partition_keys is not None:
            return bool(self._asset_partition_keys) or self._asset_partitions_def is not None
        return self._partition_key is not None or self._asset_partition_key_range is not None

    @property
    def asset_partitions_def(self) -> Any:
        if self._asset_partitions_def is None:
            raise DagsterInvariantViolationError(
                f"Attempting to access asset_partitions_def on the {self._what}, but the asset "
                f"{self._key_str()} is not partitioned."
            )
        return self._asset_partitions_def

    @property
    def asset_partition_keys(self) -> Sequence[str]:
        if self._asset_partition_keys:
            return list(self._asset_partition_keys)
        if self._asset_partition_keys is not None and self._asset_partitions_def is not None:
            return []  # partitioned, but no partition of it is wanted
        if self._asset_partition_keys is not None:  # explicitly not partitioned
            raise DagsterInvariantViolationError(
                f"Attempting to access asset_partition_keys on the {self._what}, but the asset "
                f"{self._key_str()} is not partitioned."
            )
        if self._asset_partition_key_range is not None:
            rng = self._asset_partition_key_range
            if self._asset_partitions_def is None:
                if rng.start == rng.end:
                    return [rng.start]
                raise DagsterInvariantViolationError(
                    "A partition key range needs asset_partitions_def to list its keys."
                )
            return list(self._asset_partitions_def.get_partition_keys_in_range(rng))
        if self._partition_key is not None:
            return [self._partition_key]
        raise DagsterInvariantViolationError(
            f"Attempting to access asset_partition_keys on the {self._what}, but the asset "
            f"{self._key_str()} is not partitioned."
        )

    @property
    def asset_partition_key(self) -> str:
        keys = self.asset_partition_keys
        if len(keys) != 1:
            raise DagsterInvariantViolationError(
                f"Expected one partition on the {self._what}, found {len(keys)}: use "
                "asset_partition_keys."
            )
        return keys[0]

    @property
    def asset_partition_key_range(self) -> Any:
        if self._asset_partition_key_range is not None:
            return self._asset_partition_key_range
        keys = self._nonempty_partition_keys("asset_partition_key_range")
        from dagster_nb._partitions import PartitionKeyRange

        return PartitionKeyRange(keys[0], keys[-1])

    def _nonempty_partition_keys(self, what: str) -> Sequence[str]:
        keys = self.asset_partition_keys
        if not keys:
            raise DagsterInvariantViolationError(
                f"Tried to access {what} on the {self._what}, but no partition of "
                f"{self._key_str()} is loaded: the partition mapping maps this run's partitions "
                "to none (e.g. the day before the first day). Check asset_partition_keys for an "
                "empty list first."
            )
        return keys

    @property
    def asset_partitions_time_window(self) -> Any:
        pdef = self.asset_partitions_def
        if not hasattr(pdef, "time_window_for_partition_key"):
            raise DagsterInvariantViolationError(
                "Tried to access asset_partitions_time_window, but the asset "
                f"{self._key_str()} is not partitioned by time (its partitions definition is "
                f"{type(pdef).__name__})."
            )
        keys = self._nonempty_partition_keys("asset_partitions_time_window")
        first = pdef.time_window_for_partition_key(keys[0])
        if len(keys) == 1:
            return first
        last = pdef.time_window_for_partition_key(keys[-1])
        return type(first)(first.start, last.end)

    def _key_str(self) -> str:
        return f"'{self._asset_key.to_user_string()}'" if self._asset_key is not None else ""

    def get_asset_identifier(self) -> Sequence[str]:
        """The asset key's parts, plus the partition key when partitioned (one partition)."""
        if self._asset_key is None:
            raise DagsterInvariantViolationError(
                f"Can't get an asset identifier on the {self._what}: it has no asset key."
            )
        if self.has_asset_partitions:
            return [*self._asset_key.path, self.asset_partition_key]
        return self._asset_key.path


class OutputContext(_IOContextBase):
    """What ``IOManager.handle_output`` receives. Keyword-only; see the module docstring.

    ctx = dg.build_output_context(asset_key="orders", partition_key="2024-01-01")
    ctx.get_asset_identifier()   # ['orders', '2024-01-01']
    """

    _what = "OutputContext"
    _builder = "build_output_context"

    def __init__(
        self,
        *,
        step_key: str | None = None,
        name: str | None = None,
        definition_metadata: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        mapping_key: str | None = None,
        config: Any = None,
        dagster_type: Any = None,
        version: str | None = None,
        resource_config: Mapping[str, Any] | None = None,
        resources: Any = None,
        op_def: Any = None,
        asset_key: Any = None,
        partition_key: str | None = None,
        asset_partitions_def: Any = None,
        asset_partition_key_range: Any = None,
        asset_partition_keys: Sequence[str] | None = None,
        instance: DagsterInstance | None = None,
        asset_spec: Any = None,
        metadata: Mapping[str, Any] | None = None,
        output_metadata: Mapping[str, Any] | None = None,
        log: Any = None,
    ):
        self._step_key = step_key
        self._name = name
        self._definition_metadata = dict(definition_metadata or metadata or {})
        self._run_id = run_id
        self._mapping_key = mapping_key
        self._config = config
        self._dagster_type = dagster_type
        self._version = version
        self._resource_config = resource_config
        self._resources = _coerce_resources(resources)
        self._op_def = op_def
        self._asset_key = _coerce_key(asset_key)
        self._partition_key = partition_key
        self._asset_partitions_def = asset_partitions_def
        self._asset_partition_key_range = asset_partition_key_range
        self._asset_partition_keys = (
            tuple(asset_partition_keys) if asset_partition_keys is not None else None
        )
        self._instance = instance
        self._asset_spec = asset_spec
        self._output_metadata = dict(output_metadata or {})
        self._user_generated_metadata: dict[str, Any] = {}
        self._events: list[Any] = []
        self._log = log

    step_key = property(lambda self: self._step_key, doc="The step that produced the output.")
    name = property(lambda self: self._name or "result", doc="The output's name.")
    run_id = property(lambda self: self._run_id)
    mapping_key = property(lambda self: self._mapping_key)
    config = property(lambda self: self._config)
    dagster_type = property(lambda self: self._dagster_type)
    version = property(lambda self: self._version)
    resource_config = property(lambda self: self._resource_config)
    op_def = property(lambda self: self._op_def)
    instance = property(lambda self: self._instance)
    asset_spec = property(lambda self: self._asset_spec)
    output_metadata = property(lambda self: dict(self._output_metadata))
    step_context = property(lambda self: None)

    @property
    def definition_metadata(self) -> dict[str, Any]:
        return dict(self._definition_metadata)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._definition_metadata)

    @property
    def log(self) -> Any:
        return self._log if self._log is not None else _default_log("dagster_nb.io_manager")

    @property
    def job_name(self) -> str | None:
        return None

    def get_identifier(self) -> list[str]:
        """``[run_id or version, step_key, name]`` (plus the mapping key), as in Dagster."""
        head = self._version if self._version is not None else self._run_id
        if head is None or self._step_key is None:
            raise DagsterInvariantViolationError(
                "get_identifier needs run_id (or version) and step_key on the OutputContext."
            )
        ident = [head, self._step_key, self.name]
        if self._mapping_key is not None:
            ident.append(self._mapping_key)
        return ident

    def get_output_identifier(self) -> list[str]:
        return self.get_identifier()

    def add_output_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Attach metadata to the materialization of this output.

        context.add_output_metadata({"rows": len(df)})
        """
        overlap = set(metadata) & set(self._user_generated_metadata)
        if overlap:
            raise DagsterInvariantViolationError(
                f"Tried to add output metadata for key(s) {sorted(overlap)} more than once."
            )
        self._user_generated_metadata.update(normalize_metadata(metadata))

    def get_logged_metadata(self) -> dict[str, Any]:
        return dict(self._user_generated_metadata)

    def consume_logged_metadata(self) -> dict[str, Any]:
        out = self._user_generated_metadata
        self._user_generated_metadata = {}
        return out

    def log_event(self, event: Any) -> None:
        self._events.append(event)

    def get_logged_events(self) -> list[Any]:
        return list(self._events)

    def consume_events(self) -> list[Any]:
        out, self._events = self._events, []
        return out

    def __repr__(self) -> str:
        parts = [f"name={self.name!r}"]
        if self._asset_key is not None:
            parts.append(f"asset_key={self._asset_key!r}")
        if self._partition_key is not None:
            parts.append(f"partition_key={self._partition_key!r}")
        return f"OutputContext({', '.join(parts)})"


class InputContext(_IOContextBase):
    """What ``IOManager.load_input`` receives. Keyword-only; see the module docstring.

    ctx = dg.build_input_context(asset_key="orders", partition_key="2024-01-01")
    ctx.get_asset_identifier()   # ['orders', '2024-01-01']
    """

    _what = "InputContext"
    _builder = "build_input_context"

    def __init__(
        self,
        *,
        name: str | None = None,
        config: Any = None,
        definition_metadata: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        upstream_output: OutputContext | Callable[[], OutputContext] | None = None,
        dagster_type: Any = None,
        resource_config: Mapping[str, Any] | None = None,
        resources: Any = None,
        op_def: Any = None,
        step_context: Any = None,
        asset_key: Any = None,
        partition_key: str | None = None,
        asset_partition_key_range: Any = None,
        asset_partitions_def: Any = None,
        asset_partition_keys: Sequence[str] | None = None,
        instance: DagsterInstance | None = None,
        run_id: str | None = None,
        step_key: str | None = None,
        log: Any = None,
    ):
        self._name = name
        self._config = config
        self._definition_metadata = dict(definition_metadata or metadata or {})
        # The executor passes a function that builds it: most IO managers never look at it.
        self._upstream_output = upstream_output
        self._dagster_type = dagster_type
        self._resource_config = resource_config
        self._resources = _coerce_resources(resources)
        self._op_def = op_def
        self._step_context = step_context
        self._asset_key = _coerce_key(asset_key)
        self._partition_key = partition_key
        self._asset_partition_key_range = asset_partition_key_range
        self._asset_partitions_def = asset_partitions_def
        self._asset_partition_keys = (
            tuple(asset_partition_keys) if asset_partition_keys is not None else None
        )
        self._instance = instance
        self._run_id = run_id
        self._step_key = step_key
        self._log = log
        self._user_generated_metadata: dict[str, Any] = {}

    name = property(lambda self: self._name)
    config = property(lambda self: self._config)

    @property
    def upstream_output(self) -> OutputContext | None:
        up = self._upstream_output
        if up is not None and not isinstance(up, OutputContext):
            up = self._upstream_output = up()
        return up

    dagster_type = property(lambda self: self._dagster_type)
    resource_config = property(lambda self: self._resource_config)
    op_def = property(lambda self: self._op_def)
    step_context = property(lambda self: self._step_context)
    instance = property(lambda self: self._instance)
    run_id = property(lambda self: self._run_id)
    step_key = property(lambda self: self._step_key)

    @property
    def has_input_name(self) -> bool:
        return self._name is not None

    @property
    def definition_metadata(self) -> dict[str, Any]:
        return dict(self._definition_metadata)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._definition_metadata)

    @property
    def log(self) -> Any:
        return self._log if self._log is not None else _default_log("dagster_nb.io_manager")

    @property
    def job_name(self) -> str | None:
        return None

    def get_identifier(self) -> list[str]:
        """The identifier of the upstream output this input reads."""
        upstream = self.upstream_output
        if upstream is None:
            raise DagsterInvariantViolationError(
                "InputContext.get_identifier needs upstream_output."
            )
        return upstream.get_identifier()

    def add_input_metadata(
        self, metadata: Mapping[str, Any], description: str | None = None
    ) -> None:
        self._user_generated_metadata.update(normalize_metadata(metadata))

    def get_logged_metadata(self) -> dict[str, Any]:
        return dict(self._user_generated_metadata)

    def consume_logged_metadata(self) -> dict[str, Any]:
        out = self._user_generated_metadata
        self._user_generated_metadata = {}
        return out

    def __repr__(self) -> str:
        parts = [f"name={self._name!r}"]
        if self._asset_key is not None:
            parts.append(f"asset_key={self._asset_key!r}")
        if self._partition_key is not None:
            parts.append(f"partition_key={self._partition_key!r}")
        return f"InputContext({', '.join(parts)})"


def build_output_context(
    step_key: str | None = None,
    name: str | None = None,
    definition_metadata: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    mapping_key: str | None = None,
    config: Any = None,
    dagster_type: Any = None,
    version: str | None = None,
    resource_config: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    op_def: Any = None,
    asset_key: Any = None,
    partition_key: str | None = None,
    asset_partitions_def: Any = None,
    asset_partition_key_range: Any = None,
    instance: DagsterInstance | None = None,
    asset_spec: Any = None,
    metadata: Mapping[str, Any] | None = None,
    output_metadata: Mapping[str, Any] | None = None,
) -> OutputContext:
    """An OutputContext for testing an IO manager (Dagster's keywords and defaults).

        ctx = dg.build_output_context(asset_key="orders")
        my_io_manager.handle_output(ctx, [1, 2])

    ``resources`` may hold values or resource definitions; definitions are initialized, and
    generator resources need ``with build_output_context(...) as context:``.
    """
    return _with_test_resources(
        OutputContext(
            step_key=step_key,
            name=name,
            definition_metadata=definition_metadata,
            run_id=run_id,
            mapping_key=mapping_key,
            config=config,
            dagster_type=dagster_type,
            version=version,
            resource_config=resource_config,
            resources=None,
            op_def=op_def,
            asset_key=asset_key,
            partition_key=partition_key,
            asset_partitions_def=asset_partitions_def,
            asset_partition_key_range=asset_partition_key_range,
            instance=instance,
            asset_spec=asset_spec,
            metadata=metadata,
            output_metadata=output_metadata,
        ),
        resources,
    )


def build_input_context(
    name: str | None = None,
    config: Any = None,
    definition_metadata: Mapping[str, Any] | None = None,
    upstream_output: OutputContext | None = None,
    dagster_type: Any = None,
    resource_config: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    op_def: Any = None,
    step_context: Any = None,
    asset_key: Any = None,
    partition_key: str | None = None,
    asset_partition_key_range: Any = None,
    asset_partitions_def: Any = None,
    instance: DagsterInstance | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> InputContext:
    """An InputContext for testing an IO manager (Dagster's keywords and defaults).

        ctx = dg.build_input_context(asset_key="orders")
        my_io_manager.load_input(ctx)

    ``resources`` may hold values or resource definitions; definitions are initialized, and
    generator resources need ``with build_input_context(...) as context:``.
    """
    if upstream_output is None and asset_key is not None:
        # Dagster's asset inputs carry the upstream asset key on upstream_output too.
        upstream_output = OutputContext(
            asset_key=asset_key,
            partition_key=partition_key,
            asset_partitions_def=asset_partitions_def,
            name="result",
        )
    return _with_test_resources(
        InputContext(
            name=name,
            config=config,
            definition_metadata=definition_metadata,
            metadata=metadata,
            upstream_output=upstream_output,
            dagster_type=dagster_type,
            resource_config=resource_config,
            resources=None,
            op_def=op_def,
            step_context=step_context,
            asset_key=asset_key,
            partition_key=partition_key,
            asset_partition_key_range=asset_partition_key_range,
            asset_partitions_def=asset_partitions_def,
            instance=instance,
        ),
        resources,
    )


def _with_test_resources(context: Any, resources: Mapping[str, Any] | None) -> Any:
    """Give a test context its resources: plain values as they are, resource definitions
    initialized now (as Dagster does). A generator resource has a teardown, so, as in Dagster,
    its value is only reachable inside ``with build_..._context(...) as context:``."""
    if not resources or not any(_needs_init(v) for v in resources.values()):
        context._resources = _coerce_resources(resources)
        return context
    stack = contextlib.ExitStack()
    context._resources = stack.enter_context(build_resources(resources))
    context._resources_stack = stack
    context._needs_with = any(_is_generator_resource(v) for v in resources.values())
    # As in Dagster, a context not used with `with` tears its resources down when collected
    # (a finalizer on this test context only, not on the contexts execution builds).
    weakref.finalize(context, stack.close)
    return context


def _needs_init(value: Any) -> bool:
    return is_resource_definition(value) or is_configurable_resource(value)


def _is_generator_resource(value: Any) -> bool:
    fn = getattr(value, "resource_fn", None)
    return fn is not None and inspect.isgeneratorfunction(fn)


# --------------------------------------------------------------------------- in-memory


class InMemoryIOManager(IOManager):
    """Keeps values in a dict keyed by ``(asset key path, partition key)``.

    >>> io = InMemoryIOManager()
    >>> io.handle_output(build_output_context(asset_key="orders"), [1, 2])
    >>> io.load_input(build_input_context(asset_key="orders"))
    [1, 2]
    >>> io.values
    {(('orders',), None): [1, 2]}

    Outputs with no asset key (plain ops) are keyed by ``get_identifier()`` as in Dagster.
    Loading several partitions returns ``{partition_key: value}``.
    """

    def __init__(self) -> None:
        self.values: dict[tuple, Any] = {}

    @staticmethod
    def _keys(context: InputContext | OutputContext) -> list[tuple]:
        if context.has_asset_key:
            path = context.asset_key.parts
            if context.has_asset_partitions:
                return [(path, pk) for pk in context.asset_partition_keys]
            return [(path, None)]
        ident = context.get_identifier()
        return [(tuple(ident), None)]

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        keys = self._keys(context)
        if len(keys) > 1:
            # One value for a range of partitions (a backfill run): the same object for each.
            for k in keys:
                self.values[k] = obj
        else:
            self.values[keys[0]] = obj

    def load_input(self, context: InputContext) -> Any:
        keys = self._keys(context)
        missing = [k for k in keys if k not in self.values]
        if missing:
            path, pk = missing[0]
            what = "/".join(path)
            raise DagsterInvariantViolationError(
                f"No value in memory for '{what}'"
                + (f" partition '{pk}'" if pk is not None else "")
                + ". Materialize it first in this session (the in-memory IO manager keeps "
                "nothing across kernel restarts)."
            )
        if context.has_asset_key and context.has_asset_partitions and len(keys) != 1:
            return {pk: self.values[(path, pk)] for path, pk in keys}
        return self.values[keys[0]]


def _mem_io_manager_fn(init_context: InitResourceContext) -> InMemoryIOManager:
    return InMemoryIOManager()


mem_io_manager = IOManagerDefinition(
    _mem_io_manager_fn,
    description="Built-in IO manager that stores and retrieves values in memory.",
)
mem_io_manager.__doc__ = """``mem_io_manager``: an IOManagerDefinition of a fresh InMemoryIOManager.

    dg.Definitions(assets=[...], resources={"io_manager": dg.mem_io_manager})
"""


def __getattr__(name: str) -> Any:
    # The pydantic-based IO managers live in ``configurable`` (loaded on first use); old
    # imports of them from here keep working.
    if name in ("ConfigurableIOManager", "ConfigurableIOManagerFactory"):
        from dagster_nb._definitions import configurable

        value = getattr(configurable, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
