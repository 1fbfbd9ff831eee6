"""Ops and graphs: the compute functions behind assets.

``@op`` wraps a function; ``@graph`` composes ops by calling them inside a function (the call
records the wiring rather than running anything); ``@graph_asset`` / ``@graph_multi_asset`` turn a
graph into assets. The executor runs a graph's ops in dependency order inside one step.

>>> @op
... def double(x): return x * 2
>>> double(3)
6
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from dagster_nb._definitions.results import NoValue
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._definitions.policy import RetryPolicy
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "In",
    "Out",
    "Nothing",
    "OpDefinition",
    "GraphDefinition",
    "op",
    "graph",
    "FnSignature",
    "inspect_compute_fn",
    "Node",
    "NodeInvocation",
    "DependencyDefinition",
    "MultiDependencyDefinition",
    "GraphIn",
    "GraphOut",
]


class _NothingType:
    """Type marker for inputs/outputs that carry no value (ordering only)."""

    def __repr__(self) -> str:
        return "Nothing"


Nothing: Any = _NothingType()

_CONTEXT_NAMES = ("context", "_context", "ctx", "_ctx", "_")
_CONTEXT_TYPE_NAMES = ("AssetExecutionContext", "OpExecutionContext", "AssetCheckExecutionContext")


@dataclass(frozen=True, slots=True, kw_only=True)
class FnSignature:
    """What a compute function's parameters are for."""

    context_param: str | None
    config_param: str | None
    config_cls: Any
    resource_params: Mapping[str, str]  # parameter name -> resource key
    input_params: tuple[str, ...]
    defaults: Mapping[str, Any]


def _resolve_annotations(fn: Callable) -> dict[str, Any]:
    ann = dict(getattr(fn, "__annotations__", {}) or {})
    if any(isinstance(v, str) for v in ann.values()):
        try:
            import typing

            ann.update(typing.get_type_hints(fn))
        except Exception:
            pass
    return ann


def _is_config_cls(tp: Any) -> bool:
    mod = sys.modules.get("dagster_nb._definitions.config")
    if mod is None or not isinstance(tp, type):
        return False
    return issubclass(tp, mod.Config)


def _is_resource_annotation(tp: Any) -> bool:
    mod = sys.modules.get("dagster_nb._definitions.resources")
    if mod is None:
        return False
    return bool(mod.is_resource_annotation(tp))


class _Param:
    """The little of inspect.Parameter that inspect_compute_fn needs."""

    __slots__ = ("name", "kind", "default")
    VAR_POSITIONAL = inspect.Parameter.VAR_POSITIONAL
    VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD

    def __init__(self, name: str, kind: Any, default: Any):
        self.name, self.kind, self.default = name, kind, default


def _fast_params(fn: Callable) -> list[Any] | None:
    """Parameters of a plain Python function read from its code object (inspect.signature is
    most of the cost of a decorator). None when inspect.signature must be used."""
    if type(fn) is not types.FunctionType or hasattr(fn, "__wrapped__") or hasattr(fn, "__signature__"):
        return None
    code = fn.__code__
    n_pos, n_kw = code.co_argcount, code.co_kwonlyargcount
    names = code.co_varnames
    defaults = fn.__defaults__ or ()
    kwdefaults = fn.__kwdefaults__ or {}
    empty = inspect.Parameter.empty
    first_default = n_pos - len(defaults)
    params: list[Any] = []
    for i in range(n_pos):
        d = defaults[i - first_default] if i >= first_default else empty
        params.append(_Param(names[i], inspect.Parameter.POSITIONAL_OR_KEYWORD, d))
    for i in range(n_pos, n_pos + n_kw):
        params.append(_Param(names[i], inspect.Parameter.KEYWORD_ONLY, kwdefaults.get(names[i], empty)))
    return params


_FunctionType = types.FunctionType
_new_object = object.__new__
_set = object.__setattr__


def _plain_signature(fn: Callable, what: Any) -> FnSignature | None:
    """The common case read straight from the code object: a plain function without
    annotations, defaults or wrappers (its parameters are the context, if first and named like
    one, then inputs). None when the general path is needed."""
    if (
        type(fn) is not _FunctionType
        or fn.__defaults__
        or fn.__kwdefaults__
        or fn.__annotations__
        or hasattr(fn, "__wrapped__")
        or hasattr(fn, "__signature__")
    ):
        return None
    code = fn.__code__
    n = code.co_argcount + code.co_kwonlyargcount
    names = code.co_varnames[:n]
    context_param = None
    if n and names[0] in _CONTEXT_NAMES:
        context_param = names[0]
        names = names[1:]
    if "config" in names:
        raise DagsterInvalidDefinitionError(
            f"Parameter 'config' of {what} has no type annotation. Annotate it with a "
            "dg.Config subclass, e.g. `config: MyConfig`."
        )
    sig = _new_object(FnSignature)
    _set(sig, "context_param", context_param)
    _set(sig, "config_param", None)
    _set(sig, "config_cls", None)
    _set(sig, "resource_params", {})
    _set(sig, "input_params", names)
    _set(sig, "defaults", {})
    return sig


def inspect_compute_fn(fn: Callable, *, what: Any) -> FnSignature:
    """Classify the parameters of an asset/op function (context, config, resources, inputs).
    ``what`` names the function in error messages (a string, or an object formatted only when
    an error is raised)."""
    sig = _plain_signature(fn, what)
    if sig is not None:
        return sig
    params = _fast_params(fn)
    if params is None:
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError) as exc:
            raise DagsterInvalidDefinitionError(f"Cannot inspect the signature of {what}: {exc}") from None
    ann = _resolve_annotations(fn) if getattr(fn, "__annotations__", None) else {}
    context_param = None
    config_param = None
    config_cls = None
    resources: dict[str, str] = {}
    inputs: list[str] = []
    defaults: dict[str, Any] = {}
    for i, p in enumerate(params):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        tp = ann.get(p.name, inspect.Parameter.empty)
        tp_name = getattr(tp, "__name__", "")
        if i == 0 and (p.name in _CONTEXT_NAMES or tp_name in _CONTEXT_TYPE_NAMES):
            context_param = p.name
            continue
        if tp_name in _CONTEXT_TYPE_NAMES:
            raise DagsterInvalidDefinitionError(
                f"The context parameter '{p.name}' of {what} must be the first parameter."
            )
        if _is_config_cls(tp):
            config_param, config_cls = p.name, tp
            continue
        if p.name == "config" and tp is inspect.Parameter.empty:
            raise DagsterInvalidDefinitionError(
                f"Parameter 'config' of {what} has no type annotation. Annotate it with a "
                "dg.Config subclass, e.g. `config: MyConfig`."
            )
        if tp is not inspect.Parameter.empty and _is_resource_annotation(tp):
            resources[p.name] = p.name
            continue
        inputs.append(p.name)
        if p.default is not inspect.Parameter.empty:
            defaults[p.name] = p.default
    return FnSignature(
        context_param=context_param,
        config_param=config_param,
        config_cls=config_cls,
        resource_params=resources,
        input_params=tuple(inputs),
        defaults=defaults,
    )


@dataclass(frozen=True, slots=True)
class In:
    """An op input: ``ins={"x": In(dagster_type=int)}``."""

    dagster_type: Any = None
    description: str | None = None
    default_value: Any = NoValue
    metadata: Mapping[str, Any] = field(default_factory=dict)
    asset_key: Any = None
    asset_partitions: Any = None
    input_manager_key: str | None = None


@dataclass(frozen=True, slots=True)
class Out:
    """An op output: ``out={"a": Out(), "b": Out(is_required=False)}``."""

    dagster_type: Any = None
    description: str | None = None
    is_required: bool = True
    io_manager_key: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    code_version: str | None = None


# Shared by every asset output declared without options (Out is immutable): one object fewer
# per asset for the allocator and the cyclic collector.
DEFAULT_OUT = Out()


def asset_input(asset_key: Any, metadata: Mapping[str, Any], input_manager_key: Any, dagster_type: Any) -> In:
    """``In(metadata=..., asset_key=..., input_manager_key=..., dagster_type=...)`` without the
    generated frozen __init__ (internal: the decorators build one per input parameter)."""
    i = _new_object(In)
    _set(i, "dagster_type", dagster_type)
    _set(i, "description", None)
    _set(i, "default_value", NoValue)
    _set(i, "metadata", metadata)
    _set(i, "asset_key", asset_key)
    _set(i, "asset_partitions", None)
    _set(i, "input_manager_key", input_manager_key)
    return i


# --- composition tracing (inside @graph bodies) ---

_composition = threading.local()


def _current_composition() -> _Composition | None:
    stack = getattr(_composition, "stack", None)
    return stack[-1] if stack else None


@dataclass(frozen=True, slots=True)
class NodeOutputRef:
    """Placeholder for an op output inside a graph body."""

    node_name: str
    output_name: str


@dataclass(frozen=True, slots=True)
class GraphInputRef:
    """Placeholder for a graph input inside a graph body."""

    input_name: str


@dataclass(frozen=True, slots=True)
class GraphIn:
    """A graph input's description: ``@graph(ins={"x": GraphIn(description="...")})``."""

    description: str | None = None


@dataclass(frozen=True, slots=True)
class GraphOut:
    """A graph output: ``@graph(out={"a": GraphOut(), "b": GraphOut()})``."""

    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeCall:
    """One call of an op or graph recorded in a graph body (internal wiring record)."""

    name: str
    definition: Any  # OpDefinition | GraphDefinition
    inputs: Mapping[str, Any]  # input name -> NodeOutputRef | GraphInputRef | list of refs


@dataclass(frozen=True, slots=True)
class NodeInvocation:
    """Dagster's key of ``GraphDefinition.dependencies``: which definition a node runs
    (``name``) under which node name (``alias``)."""

    name: str
    alias: str | None = None
    tags: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    hook_defs: frozenset = frozenset()
    retry_policy: Any = None

    def __hash__(self) -> int:
        return hash((self.name, self.alias))


@dataclass(frozen=True, slots=True)
class DependencyDefinition:
    """An input's source in ``GraphDefinition.dependencies``: output ``output`` of ``node``."""

    node: str
    output: str = "result"
    description: str | None = None


@dataclass(frozen=True, slots=True)
class MultiDependencyDefinition:
    """A fan-in input's sources (a list of DependencyDefinition)."""

    dependencies: tuple

    def get_node_dependencies(self) -> list[DependencyDefinition]:
        return list(self.dependencies)


class Node:
    """A node of a graph as Dagster shows it: ``name`` and the ``definition`` it runs.

    >>> @op
    ... def a(): return 1
    >>> @graph
    ... def g(): a()
    >>> [(n.name, n.definition.name) for n in g.nodes]
    [('a', 'a')]
    """

    __slots__ = ("name", "definition", "_call")

    def __init__(self, call: NodeCall):
        self.name = call.name
        self.definition = call.definition
        self._call = call

    @property
    def is_graph(self) -> bool:
        return isinstance(self.definition, GraphDefinition)

    @property
    def tags(self) -> dict[str, Any]:
        return dict(getattr(self.definition, "tags", {}) or {})

    @property
    def input_dict(self) -> dict[str, Any]:
        return dict(getattr(self.definition, "ins", {}) or {})

    @property
    def output_dict(self) -> dict[str, Any]:
        return dict(getattr(self.definition, "outs", {}) or {})

    def describe_node(self) -> str:
        return f"{'graph' if self.is_graph else 'op'} '{self.name}'"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} ({self.definition.name})>"


class OpNode(Node):
    __slots__ = ()


class GraphNode(Node):
    __slots__ = ()


def _node_of(call: NodeCall) -> Node:
    return GraphNode(call) if isinstance(call.definition, GraphDefinition) else OpNode(call)


class _Composition:
    def __init__(self, graph_name: str):
        self.graph_name = graph_name
        self.nodes: dict[str, NodeCall] = {}
        self._counts: dict[str, int] = {}

    def unique_name(self, base: str) -> str:
        n = self._counts.get(base, 0) + 1
        self._counts[base] = n
        return base if n == 1 else f"{base}_{n}"


class _Invocable:
    """Shared call behaviour: inside a graph body, record; outside, run directly."""

    name: str

    if TYPE_CHECKING:  # each subclass defines these properties

        @property
        def input_names(self) -> list[str]: ...

        @property
        def output_names(self) -> list[str]: ...

    def _record(self, alias: str | None, args: tuple, kwargs: dict) -> Any:
        comp = _current_composition()
        assert comp is not None
        input_names = list(self.input_names)
        bound: dict[str, Any] = {}
        if len(args) > len(input_names):
            raise DagsterInvalidDefinitionError(
                f"'{self.name}' takes {len(input_names)} inputs but was called with {len(args)} "
                f"positional arguments inside graph '{comp.graph_name}'."
            )
        for n, a in zip(input_names, args, strict=False):
            bound[n] = a
        for k, v in kwargs.items():
            if k not in input_names:
                from dagster_nb._errors import did_you_mean

                raise DagsterInvalidDefinitionError(
                    f"'{self.name}' has no input '{k}' (inside graph '{comp.graph_name}')."
                    + did_you_mean(k, input_names)
                )
            bound[k] = v
        for k, v in bound.items():
            refs = v if isinstance(v, (list, tuple)) else [v]
            for r in refs:
                if not isinstance(r, (NodeOutputRef, GraphInputRef)):
                    raise DagsterInvalidDefinitionError(
                        f"In graph '{comp.graph_name}', input '{k}' of '{self.name}' must be the "
                        f"output of another op or a graph input, got {type(r).__name__}. Graph "
                        "bodies only wire ops together; compute values inside ops."
                    )
        node_name = alias or comp.unique_name(self.name)
        comp.nodes[node_name] = NodeCall(name=node_name, definition=self, inputs=bound)
        outs = list(self.output_names)
        if len(outs) == 1:
            return NodeOutputRef(node_name, outs[0])
        return tuple(NodeOutputRef(node_name, o) for o in outs)

    def alias(self, name: str) -> _AliasedNode:
        return _AliasedNode(self, name)


@dataclass(frozen=True, slots=True)
class _AliasedNode:
    definition: _Invocable
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.definition._record(self.name, args, kwargs)


class OpDefinition(_Invocable):
    """A compute function with named inputs and outputs. Create with ``@op``."""

    def __init__(
        self,
        *,
        compute_fn: Callable,
        name: str,
        ins: Mapping[str, In] | None = None,
        outs: Mapping[str, Out] | None = None,
        description: str | None = None,
        required_resource_keys: frozenset[str] = frozenset(),
        config_schema: Any = None,
        tags: Mapping[str, Any] | None = None,
        retry_policy: Any = None,
        code_version: str | None = None,
        signature: FnSignature | None = None,
        pool: str | None = None,
    ):
        if pool is not None and not isinstance(pool, str):
            from dagster_nb._errors import ParameterCheckError

            raise ParameterCheckError(
                f'Param "pool" is not a str. Got {pool!r} which is type {type(pool)}.'
            )
        self.pool = pool  # the concurrency pool, kept as Dagster's op.pool
        self.compute_fn = compute_fn
        # Dagster's concurrency pool: it limits concurrent steps only where the instance
        # configures pool limits; dagster_nb's instance has none, so it is recorded (op.pool,
        # and exported to real Dagster) and, as in a Dagster instance without limits, free.
        self.pool = pool
        self.name = name
        sig = self.signature = signature or inspect_compute_fn(compute_fn, what=f"op '{name}'")
        declared = dict(ins) if ins else {}
        for p in sig.input_params:
            if p not in declared:  # (setdefault would build an In even when one is given)
                declared[p] = In(default_value=sig.defaults.get(p, NoValue))
        self.ins: dict[str, In] = declared
        self.outs: dict[str, Out] = dict(outs) if outs else {"result": Out()}
        self.description = description or (inspect.getdoc(compute_fn) if compute_fn.__doc__ else None)
        rrk = frozenset(required_resource_keys)  # (the same object when given a frozenset)
        rp = sig.resource_params
        self.required_resource_keys = rrk | frozenset(rp.values()) if rp else rrk
        self.config_schema = config_schema
        self.tags = dict(tags) if tags else {}
        self.retry_policy = retry_policy
        self.code_version = code_version
        # What functools.update_wrapper does, without its per-attribute getattr/setattr loop.
        self.__wrapped__ = compute_fn
        self.__doc__ = compute_fn.__doc__
        self.__module__ = getattr(compute_fn, "__module__", None) or __name__
        self.__qualname__ = getattr(compute_fn, "__qualname__", name)
        self.__name__ = getattr(compute_fn, "__name__", name)

    @property
    def input_names(self) -> list[str]:
        return list(self.ins)

    @property
    def output_names(self) -> list[str]:
        return list(self.outs)

    @property
    def config_cls(self) -> Any:
        return self.signature.config_cls

    def __repr__(self) -> str:
        return f"<OpDefinition '{self.name}'>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _current_composition() is not None:
            return self._record(None, args, kwargs)
        from dagster_nb._definitions.invocation import direct_invoke

        return direct_invoke(self, args, kwargs)


@dataclass(frozen=True)
class ConfigMapping:
    """Maps a graph's own config to the run config of its ops, as Dagster's ``ConfigMapping``:
    the run config of a graph node holds ``{"config": value}``; ``value`` is checked against
    ``config_schema`` (a dict of types, e.g. ``{"n": float}``; None: anything) and
    ``config_fn(value)`` returns the ops' config.

    >>> m = ConfigMapping(config_fn=lambda c: {"add": {"config": {"n": c["n"]}}},
    ...                   config_schema={"n": int})
    >>> m.resolve_from_unvalidated_config({"n": 2})
    {'add': {'config': {'n': 2}}}
    """

    config_fn: Callable[[Any], Any]
    config_schema: Any = None
    receive_processed_config_values: bool | None = None

    def __post_init__(self) -> None:
        if not callable(self.config_fn):
            raise DagsterInvalidDefinitionError(
                f"ConfigMapping(config_fn=...) must be a function, got {type(self.config_fn).__name__}."
            )
        if self.receive_processed_config_values is False:
            raise DagsterInvalidDefinitionError(
                "ConfigMapping(receive_processed_config_values=False) is not supported yet by dagster_nb."
            )
        schema = self.config_schema
        if isinstance(schema, type) and hasattr(schema, "model_fields"):
            raise DagsterInvalidDefinitionError(
                "ConfigMapping(config_schema=<Config class>) is not supported yet by dagster_nb: "
                "give a dict of types, e.g. {'n': float}."
            )

    def resolve_from_unvalidated_config(self, config: Any, path: str = "root:config", *,
                                        where: str = "the config mapping") -> Any:
        """Check ``config`` against ``config_schema``, then map it with ``config_fn``
        (``path`` and ``where`` name the config in errors)."""
        from dagster_nb._definitions.config import validate_config_schema
        from dagster_nb._errors import DagsterConfigMappingFunctionError, DagsterInvalidConfigError

        if self.config_schema is not None:
            problems = validate_config_schema(self.config_schema, config, path)
            if problems:
                raise DagsterInvalidConfigError(
                    f"Error in config for {where}", [f"Error {i}: {p}" for i, p in enumerate(problems, 1)]
                )
            config = _coerce_floats(self.config_schema, config)
        try:
            return self.config_fn(config)
        except Exception as exc:
            raise DagsterConfigMappingFunctionError(
                f"The config mapping function of {where} has thrown an unexpected error during its "
                f"execution: {type(exc).__name__}: {exc}", user_exception=exc,
            ) from exc


class _ConstantOpsConfig:
    """``@graph(config={...})``: Dagster wraps the dict in a ConfigMapping returning it."""

    def __init__(self, ops_config: Mapping[str, Any]):
        self.ops_config = dict(ops_config)

    def __call__(self, _config: Any) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self.ops_config)


def _coerce_config_mapping(config: Any, where: str) -> ConfigMapping | None:
    if config is None or isinstance(config, ConfigMapping):
        return config
    if isinstance(config, Mapping):
        return ConfigMapping(config_fn=_ConstantOpsConfig(config))
    raise DagsterInvalidDefinitionError(
        f"{where}: config= takes a ConfigMapping or a dict of run config for the graph's ops "
        f"(e.g. {{'my_op': {{'config': {{...}}}}}}), got {type(config).__name__}."
    )


def has_graph_config(graph: Any) -> bool:
    """Whether ``graph`` or a graph inside it has ``@graph(config=...)``."""
    if not isinstance(graph, GraphDefinition):
        return False
    if graph.config_mapping is not None:
        return True
    return any(has_graph_config(c.definition) for c in graph.node_invocations.values())


def refuse_graph_config_in_assets(graph: Any, what: str) -> None:
    """Assets over graphs run through the asset executor, which does not apply graph config
    mappings yet: refuse rather than silently run the ops unconfigured."""
    if has_graph_config(graph):
        raise DagsterInvalidDefinitionError(
            f"{what}: a graph with @graph(config=...) inside an asset is not supported yet by "
            "dagster_nb; run it in an op job (@job / graph.to_job()) or configure its ops "
            "through the run config."
        )


def _coerce_floats(schema: Any, value: Any) -> Any:
    """Dagster's Float config type turns an int into a float; so does the resolved config."""
    if schema is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(schema, Mapping) and isinstance(value, Mapping):
        return {k: _coerce_floats(schema.get(k), v) for k, v in value.items()}
    if isinstance(schema, list) and isinstance(value, list):
        return [_coerce_floats(schema[0], v) for v in value]
    return value


class GraphDefinition(_Invocable):
    """Ops wired together. Create with ``@graph``.

    >>> @op
    ... def one(): return 1
    >>> @op
    ... def plus(x): return x + 1
    >>> @graph
    ... def g(): return plus(one())
    >>> g.execute_in_process().output_value()
    2
    """

    def __init__(
        self,
        *,
        name: str,
        nodes: Mapping[str, NodeCall] | Sequence[Node],
        input_names: tuple[str, ...],
        output_map: Mapping[str, NodeOutputRef | GraphInputRef],
        description: str | None = None,
        compose_fn: Callable | None = None,
        tags: Mapping[str, Any] | None = None,
        config: ConfigMapping | Mapping[str, Any] | None = None,
    ):
        self.name = name
        # As Dagster's @graph(config=...): a ConfigMapping from the graph's own config to its
        # ops' config (a dict: that ops config, fixed); see graph_run.apply_graph_config.
        self.config_mapping = _coerce_config_mapping(config, f"graph '{name}'")
        if isinstance(nodes, Mapping):
            calls = dict(nodes)
        else:  # Dagster's shape (``graph.nodes``), as passed back by copies of a graph
            calls = {n.name: n._call for n in nodes}
        self.node_invocations: dict[str, NodeCall] = calls
        self._input_names = tuple(input_names)
        self.output_map = dict(output_map)
        self.description = description
        self.compose_fn = compose_fn
        self.tags = dict(tags or {})
        self._aliased = True  # NodeInvocation.alias in ``dependencies`` (asset jobs: None)
        self._order = self._toposort()
        if compose_fn is not None:
            functools.update_wrapper(self, compose_fn)

    @property
    def nodes(self) -> list[Node]:
        """The graph's nodes (Dagster's shape: each has ``name`` and ``definition``)."""
        return [_node_of(c) for c in self.node_invocations.values()]

    @property
    def node_dict(self) -> dict[str, Node]:
        return {c.name: _node_of(c) for c in self.node_invocations.values()}

    def has_node_named(self, name: str) -> bool:
        return name in self.node_invocations

    def node_named(self, name: str) -> Node:
        """The node called ``name`` (a dotted path reaches into sub-graphs: ``"sub.op"``)."""
        head, _, rest = name.partition(".")
        call = self.node_invocations.get(head)
        if call is None:
            from dagster_nb._errors import did_you_mean

            raise DagsterInvariantViolationError(
                f"{head} is not a node in graph {self.name}." + did_you_mean(head, self.node_invocations)
            )
        if rest:
            if not isinstance(call.definition, GraphDefinition):
                raise DagsterInvariantViolationError(f"{head} in graph {self.name} is an op, not a graph.")
            return call.definition.node_named(rest)
        return _node_of(call)

    @property
    def node_defs(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for c in self.node_invocations.values():
            seen.setdefault(id(c.definition), c.definition)
        return list(seen.values())

    @property
    def dependencies(self) -> dict[NodeInvocation, dict[str, Any]]:
        """Dagster's shape: ``{NodeInvocation(def name, alias): {input: DependencyDefinition}}``."""
        out: dict[NodeInvocation, dict[str, Any]] = {}
        for c in self.node_invocations.values():
            deps: dict[str, Any] = {}
            for in_name, ref in c.inputs.items():
                if isinstance(ref, NodeOutputRef):
                    deps[in_name] = DependencyDefinition(ref.node_name, ref.output_name)
                elif isinstance(ref, (list, tuple)):
                    deps[in_name] = MultiDependencyDefinition(tuple(
                        DependencyDefinition(r.node_name, r.output_name)
                        for r in ref if isinstance(r, NodeOutputRef)
                    ))
            alias = c.name if self._aliased else None
            out[NodeInvocation(c.definition.name, alias, tags=dict(getattr(c.definition, "tags", {}) or {}))] = deps
        return out

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return list(self.output_map)

    @property
    def node_names_in_order(self) -> list[str]:
        return list(self._order)

    @property
    def required_resource_keys(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for n in self.node_invocations.values():
            out |= n.definition.required_resource_keys
        return out

    @property
    def retry_policy(self) -> Any:
        return None

    def needed_node_outputs(self, output_names: Any) -> dict[str, frozenset[str]]:
        """For each node, the outputs needed to compute the graph outputs ``output_names``
        (what Dagster gives an op as ``selected_output_names`` when a graph asset is subset)."""
        needed: dict[str, set[str]] = {n: set() for n in self.node_invocations}
        frontier = [self.output_map[o] for o in output_names if o in self.output_map]
        seen: set[tuple[str, str]] = set()
        while frontier:
            ref = frontier.pop()
            refs = ref if isinstance(ref, (list, tuple)) else [ref]
            for r in refs:
                if not isinstance(r, NodeOutputRef) or (r.node_name, r.output_name) in seen:
                    continue
                seen.add((r.node_name, r.output_name))
                needed[r.node_name].add(r.output_name)
                call = self.node_invocations[r.node_name]
                d = call.definition
                if isinstance(d, GraphDefinition):  # only the inputs feeding that output
                    inner = d.needed_node_outputs([r.output_name])
                    used = _graph_inputs_used(d, inner, [r.output_name])
                    frontier.extend(v for k, v in call.inputs.items() if k in used)
                else:
                    frontier.extend(call.inputs.values())
        return {n: frozenset(v) for n, v in needed.items()}

    def iterate_op_defs(self):
        for n in self.node_invocations.values():
            if isinstance(n.definition, GraphDefinition):
                yield from n.definition.iterate_op_defs()
            else:
                yield n.definition

    def _toposort(self) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str) -> None:
            st = state.get(name)
            if st == 2:
                return
            if st == 1:
                raise DagsterInvalidDefinitionError(f"Circular dependency in graph '{self.name}'.")
            state[name] = 1
            for v in self.node_invocations[name].inputs.values():
                for r in v if isinstance(v, (list, tuple)) else [v]:
                    if isinstance(r, NodeOutputRef):
                        visit(r.node_name)
            state[name] = 2
            order.append(name)

        for n in self.node_invocations:
            visit(n)
        return order

    def __repr__(self) -> str:
        return f"<GraphDefinition '{self.name}'>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _current_composition() is not None:
            return self._record(None, args, kwargs)
        raise DagsterInvalidInvocationError(
            f"Graph '{self.name}' cannot be called directly outside another graph. Use "
            "`graph.execute_in_process()` or turn it into an asset with @graph_asset."
        )

    def execute_in_process(
        self,
        run_config: Any = None,
        instance: Any = None,
        resources: Mapping[str, object] | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        run_id: str | None = None,
        input_values: Mapping[str, object] | None = None,
    ) -> Any:
        """Run the graph as an ephemeral job (in-process executor, ephemeral instance unless one
        is passed), as Dagster's ``GraphDefinition.execute_in_process``."""
        from dagster_nb._execution.graph_run import execute_graph_in_process

        return execute_graph_in_process(
            self, run_config=run_config, instance=instance, resources=resources,
            raise_on_error=raise_on_error, op_selection=op_selection, run_id=run_id,
            input_values=input_values,
        )

    def to_job(
        self,
        name: str | None = None,
        description: str | None = None,
        resource_defs: Mapping[str, object] | None = None,
        config: Any = None,
        tags: Mapping[str, object] | None = None,
        metadata: Mapping[str, Any] | None = None,
        logger_defs: Any = None,
        executor_def: Any = None,
        hooks: Any = None,
        op_retry_policy: Any = None,
        op_selection: Sequence[str] | None = None,
        partitions_def: Any = None,
        asset_layer: Any = None,
        input_values: Mapping[str, object] | None = None,
        run_tags: Mapping[str, object] | None = None,
        _asset_selection_data: Any = None,
        owners: Sequence[str] | None = None,
        automation_condition: Any = None,
    ) -> Any:
        """A job that runs this graph's ops, each op one step (Dagster's ``to_job``)."""
        from dagster_nb._execution.graph_run import OpJobDefinition

        for pname, v in (("asset_layer", asset_layer), ("_asset_selection_data", _asset_selection_data),
                         ("automation_condition", automation_condition)):
            if v is not None:
                raise DagsterInvalidDefinitionError(
                    f"GraphDefinition.to_job({pname}=...) is not supported yet by dagster_nb."
                )
        return OpJobDefinition(
            self, name=name or self.name, description=description, resource_defs=resource_defs,
            config=config, tags=tags, metadata=metadata, logger_defs=logger_defs,
            executor_def=executor_def, hooks=hooks, op_retry_policy=op_retry_policy,
            op_selection=op_selection, partitions_def=partitions_def, input_values=input_values,
            run_tags=run_tags, owners=owners,
        )


def _graph_inputs_used(g: GraphDefinition, needed: Mapping[str, frozenset[str]], outputs: Any) -> set[str]:
    """Inputs of graph ``g`` read by the nodes that ``needed`` runs (or passed straight out)."""
    used: set[str] = set()
    refs: list[Any] = [g.output_map[o] for o in outputs if o in g.output_map]
    refs += [v for n, c in g.node_invocations.items() if needed.get(n) for v in c.inputs.values()]
    for ref in refs:
        for r in ref if isinstance(ref, (list, tuple)) else [ref]:
            if isinstance(r, GraphInputRef):
                used.add(r.input_name)
    return used


def _refs_in(result: Any) -> list[Any]:
    if isinstance(result, Mapping):
        return list(result.values())
    if isinstance(result, tuple):
        return list(result)
    return [result]


def compose_graph(fn: Callable, name: str, description: str | None = None) -> GraphDefinition:
    """Run a graph body with placeholders to record how its ops are wired."""
    params = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    comp = _Composition(name)
    stack = getattr(_composition, "stack", None)
    if stack is None:
        stack = _composition.stack = []
    stack.append(comp)
    try:
        result = fn(**{p: GraphInputRef(p) for p in params})
    finally:
        stack.pop()
    used = {
        r.input_name
        for c in comp.nodes.values()
        for v in c.inputs.values()
        for r in (v if isinstance(v, (list, tuple)) else [v])
        if isinstance(r, GraphInputRef)
    }
    used |= {r.input_name for r in _refs_in(result) if isinstance(r, GraphInputRef)}
    for p in params:
        if p not in used:  # as Dagster: an input no op reads is a mistake, not a silent no-op
            raise DagsterInvalidDefinitionError(
                f"@graph '{name}' has unmapped input '{p}'. Remove it or pass it to the "
                "appropriate op/graph invocation."
            )
    if result is None:
        output_map: dict[str, Any] = {}
    elif isinstance(result, (NodeOutputRef, GraphInputRef)):
        output_map = {"result": result}
    elif isinstance(result, Mapping):
        output_map = dict(result)
    elif isinstance(result, tuple):
        output_map = {f"result_{i}": r for i, r in enumerate(result)}
    else:
        raise DagsterInvalidDefinitionError(
            f"Graph '{name}' must return the output of an op (or a dict/tuple of them), got "
            f"{type(result).__name__}."
        )
    return GraphDefinition(
        name=name,
        nodes=comp.nodes,
        input_names=tuple(params),
        output_map=output_map,
        description=description or inspect.getdoc(fn),
        compose_fn=fn,
    )


_OP_PARAMS = (
    "name", "description", "ins", "out", "config_schema", "required_resource_keys", "tags",
    "version", "retry_policy", "code_version", "pool",
)


@overload
def op(
    compute_fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    version: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    pool: str | None = None,
) -> OpDefinition: ...


@overload
def op(
    compute_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    version: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    pool: str | None = None,
) -> Callable[[Callable[..., Any]], OpDefinition]: ...


def op(
    compute_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    version: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    pool: str | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> OpDefinition | Callable[[Callable[..., Any]], OpDefinition]:
    """Define an op: ``@op`` or ``@op(out={"a": Out(), "b": Out()})``."""
    if kwargs:
        raise_unexpected_keyword("@op", kwargs, _OP_PARAMS)

    def wrap(fn: Callable) -> OpDefinition:
        outs = {"result": out} if isinstance(out, Out) else out
        return OpDefinition(
            compute_fn=fn,
            name=name or fn.__name__,
            ins=ins,
            outs=outs,
            description=description,
            required_resource_keys=frozenset(required_resource_keys or ()),
            config_schema=config_schema,
            tags=tags,
            retry_policy=retry_policy,
            code_version=code_version or version,
            pool=pool,
        )

    return wrap(compute_fn) if compute_fn is not None else wrap


def graph(
    compose_fn: Callable | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    input_defs: Any = None,
    output_defs: Any = None,
    ins: Any = None,
    out: Any = None,
    tags: Mapping[str, Any] | None = None,
    config: Any = None,
) -> Any:
    """Define a graph of ops: ``@graph def g(): return b(a())``; with several outputs,
    ``@graph(out={"a": GraphOut(), "b": GraphOut()})`` and return a dict (or a tuple, in order).

    >>> @op
    ... def one(): return 1
    >>> @graph(out={"x": GraphOut(), "y": GraphOut()})
    ... def pair(): return {"x": one(), "y": one.alias("other")()}
    >>> pair.output_names
    ['x', 'y']
    """
    for pname, v in (("input_defs", input_defs), ("output_defs", output_defs)):
        if v is not None:
            raise DagsterInvalidDefinitionError(
                f"@graph({pname}=...) is not supported yet by dagster_nb."
                " Use ins={...: GraphIn()} / out={...: GraphOut()}."
            )
    config = _coerce_config_mapping(config, "@graph(config=...)")

    def wrap(fn: Callable) -> GraphDefinition:
        g = compose_graph(fn, name or fn.__name__, description)
        if ins:
            for k in ins:
                if k not in g.input_names:
                    from dagster_nb._errors import did_you_mean

                    raise DagsterInvalidDefinitionError(
                        f"@graph '{g.name}': ins names '{k}', which is not a parameter of the "
                        "graph function." + did_you_mean(k, g.input_names)
                    )
        output_map = g.output_map
        if out is not None:
            names = ["result"] if isinstance(out, GraphOut) else list(out)
            values = list(output_map.values())
            if set(output_map) == set(names):
                output_map = {n: output_map[n] for n in names}
            elif len(values) == len(names) and all(k.startswith("result") for k in output_map):
                output_map = dict(zip(names, values, strict=True))
            else:
                raise DagsterInvalidDefinitionError(
                    f"@graph '{g.name}' declares outputs {names} but its body returns "
                    f"{sorted(output_map)}: return a dict with those keys (or a tuple, in order)."
                )
        return GraphDefinition(
            name=g.name, nodes=g.node_invocations, input_names=tuple(g.input_names),
            output_map=output_map, description=g.description, compose_fn=fn, tags=tags,
            config=config,
        )

    return wrap(compose_fn) if compose_fn is not None else wrap
