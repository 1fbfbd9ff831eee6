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

import inspect
import sys
import threading
import types
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import field
from typing import TYPE_CHECKING, Any, overload

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.records import trusted_constructor
from dagster_nb._definitions.results import NoValue
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
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
    "op",
    "FnSignature",
    "inspect_compute_fn",
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
    if (
        type(fn) is not types.FunctionType
        or hasattr(fn, "__wrapped__")
        or hasattr(fn, "__signature__")
    ):
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
        params.append(
            _Param(names[i], inspect.Parameter.KEYWORD_ONLY, kwdefaults.get(names[i], empty))
        )
    return params


_FunctionType = types.FunctionType
# A plain function's signature: no config, resources or defaults (see _plain_signature).
_plain_fn_signature = trusted_constructor(
    FnSignature,
    fixed={"config_param": None, "config_cls": None},
    fresh={"resource_params": dict, "defaults": dict},
)


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
    return _plain_fn_signature(context_param=context_param, input_params=names)


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
            raise DagsterInvalidDefinitionError(
                f"Cannot inspect the signature of {what}: {exc}"
            ) from None
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


_trusted_in = trusted_constructor(
    In, fixed={"description": None, "default_value": NoValue, "asset_partitions": None}
)


def asset_input(
    asset_key: Any, metadata: Mapping[str, Any], input_manager_key: Any, dagster_type: Any
) -> In:
    """``In(metadata=..., asset_key=..., input_manager_key=..., dagster_type=...)`` without the
    generated frozen __init__ (internal: the decorators build one per input parameter)."""
    return _trusted_in(
        dagster_type=dagster_type,
        metadata=metadata,
        asset_key=asset_key,
        input_manager_key=input_manager_key,
    )


# --- composition tracing (inside @graph bodies) ---

_composition = threading.local()


def _current_composition() -> Any:
    stack = getattr(_composition, "stack", None)
    return stack[-1] if stack else None


class _Invocable:
    """Shared call behaviour: inside a graph body, record; outside, run directly."""

    name: str

    if TYPE_CHECKING:  # each subclass defines these properties

        @property
        def input_names(self) -> list[str]: ...

        @property
        def output_names(self) -> list[str]: ...

    def _record(self, alias: str | None, args: tuple, kwargs: dict) -> Any:
        from dagster_nb._definitions.graph import GraphInputRef, NodeCall, NodeOutputRef

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

    def alias(self, name: str) -> Any:
        from dagster_nb._definitions.graph import _AliasedNode

        return _AliasedNode(self, name)


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
        self.description = description or (
            inspect.getdoc(compute_fn) if compute_fn.__doc__ else None
        )
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


_OP_PARAMS = (
    "name",
    "description",
    "ins",
    "out",
    "config_schema",
    "required_resource_keys",
    "tags",
    "version",
    "retry_policy",
    "code_version",
    "pool",
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


def is_graph_definition(value: Any) -> bool:
    """True for a ``GraphDefinition``; False without importing ``graph`` when it never was (no
    graph can exist then)."""
    mod = sys.modules.get("dagster_nb._definitions.graph")
    cls = getattr(mod, "GraphDefinition", None)
    return cls is not None and isinstance(value, cls)


_GRAPH_NAMES = frozenset(
    {
        "GraphDefinition",
        "graph",
        "compose_graph",
        "Node",
        "OpNode",
        "GraphNode",
        "NodeInvocation",
        "DependencyDefinition",
        "MultiDependencyDefinition",
        "GraphIn",
        "GraphOut",
        "ConfigMapping",
        "NodeOutputRef",
        "GraphInputRef",
        "NodeCall",
        "has_graph_config",
        "refuse_graph_config_in_assets",
        "_coerce_floats",
        "_node_of",
        "_AliasedNode",
        "_coerce_config_mapping",
    }
)


def __getattr__(name: str) -> Any:
    # Graph composition lives in ``graph`` (loaded on first use); old imports from here work.
    if name in _GRAPH_NAMES:
        from dagster_nb._definitions import graph

        value = getattr(graph, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
