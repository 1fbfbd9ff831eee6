"""Graphs: ``@graph``, ``GraphDefinition`` (``@graph_asset`` / ``@graph_multi_asset`` are in
``decorators``), the records of a graph body's wiring (``NodeOutputRef``, ``NodeCall``, ``DependencyDefinition``, ...)
and ``ConfigMapping``.

    @dg.op
    def one():
        return 1

    @dg.graph
    def g():
        one()

Ops are in :mod:`~dagster_nb._definitions.op`. This module is loaded when a graph is composed or
named (``dg.graph``, ``GraphDefinition``, ``op.alias``), not by assets made with ``@asset``: a
run of plain assets never creates its 10 record classes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.op import (
    _composition,
    _current_composition,
    _Invocable,
)
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
    "GraphDefinition",
    "graph",
    "Node",
    "NodeInvocation",
    "DependencyDefinition",
    "MultiDependencyDefinition",
    "GraphIn",
    "GraphOut",
    "ConfigMapping",
]


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


@dataclass(frozen=True, slots=True)
class _AliasedNode:
    definition: _Invocable
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.definition._record(self.name, args, kwargs)


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

    def resolve_from_unvalidated_config(
        self, config: Any, path: str = "root:config", *, where: str = "the config mapping"
    ) -> Any:
        """Check ``config`` against ``config_schema``, then map it with ``config_fn``
        (``path`` and ``where`` name the config in errors)."""
        from dagster_nb._definitions.config import validate_config_schema
        from dagster_nb._errors import DagsterConfigMappingFunctionError, DagsterInvalidConfigError

        if self.config_schema is not None:
            problems = validate_config_schema(self.config_schema, config, path)
            if problems:
                raise DagsterInvalidConfigError(
                    f"Error in config for {where}",
                    [f"Error {i}: {p}" for i, p in enumerate(problems, 1)],
                )
            config = _coerce_floats(self.config_schema, config)
        try:
            return self.config_fn(config)
        except Exception as exc:
            raise DagsterConfigMappingFunctionError(
                f"The config mapping function of {where} has thrown an unexpected error during its "
                f"execution: {type(exc).__name__}: {exc}",
                user_exception=exc,
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
                f"{head} is not a node in graph {self.name}."
                + did_you_mean(head, self.node_invocations)
            )
        if rest:
            if not isinstance(call.definition, GraphDefinition):
                raise DagsterInvariantViolationError(
                    f"{head} in graph {self.name} is an op, not a graph."
                )
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
                    deps[in_name] = MultiDependencyDefinition(
                        tuple(
                            DependencyDefinition(r.node_name, r.output_name)
                            for r in ref
                            if isinstance(r, NodeOutputRef)
                        )
                    )
            alias = c.name if self._aliased else None
            out[
                NodeInvocation(
                    c.definition.name, alias, tags=dict(getattr(c.definition, "tags", {}) or {})
                )
            ] = deps
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
        instance: DagsterInstance | None = None,
        resources: Mapping[str, object] | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        run_id: str | None = None,
        input_values: Mapping[str, object] | None = None,
    ) -> Any:
        """Run the graph as an ephemeral job (in-process executor, ephemeral instance unless one
        is passed), as Dagster's ``GraphDefinition.execute_in_process``."""
        from dagster_nb._definitions.seam import services

        return services().execute_graph_in_process(
            self,
            run_config=run_config,
            instance=instance,
            resources=resources,
            raise_on_error=raise_on_error,
            op_selection=op_selection,
            run_id=run_id,
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
        from dagster_nb._definitions.seam import services

        for pname, v in (
            ("asset_layer", asset_layer),
            ("_asset_selection_data", _asset_selection_data),
            ("automation_condition", automation_condition),
        ):
            if v is not None:
                raise DagsterInvalidDefinitionError(
                    f"GraphDefinition.to_job({pname}=...) is not supported yet by dagster_nb."
                )
        return services().op_job(
            self,
            name=name or self.name,
            description=description,
            resource_defs=resource_defs,
            config=config,
            tags=tags,
            metadata=metadata,
            logger_defs=logger_defs,
            executor_def=executor_def,
            hooks=hooks,
            op_retry_policy=op_retry_policy,
            op_selection=op_selection,
            partitions_def=partitions_def,
            input_values=input_values,
            run_tags=run_tags,
            owners=owners,
        )


def _graph_inputs_used(
    g: GraphDefinition, needed: Mapping[str, frozenset[str]], outputs: Any
) -> set[str]:
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
    **kwargs: Unpack[NoExtraKwargs],
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
    if kwargs:
        raise_unexpected_keyword("@graph", kwargs, graph)
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
            name=g.name,
            nodes=g.node_invocations,
            input_names=tuple(g.input_names),
            output_map=output_map,
            description=g.description,
            compose_fn=fn,
            tags=tags,
            config=config,
        )

    return wrap(compose_fn) if compose_fn is not None else wrap
