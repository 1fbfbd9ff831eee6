"""Op-based jobs: ``@job``, ``GraphDefinition.to_job()`` and ``GraphDefinition.execute_in_process()``.

A job's graph is flattened into one executor step per op (an op inside a sub-graph ``g`` is
step ``g.op``, as Dagster names it). Steps run through the same executor, instance and events
as asset runs: each op's outputs go through its IO manager and its inputs are loaded back from
it, as in Dagster, so a run is stored with its events and ``result.output_for_node`` works.

    @dg.op
    def one(): return 1

    @dg.op
    def plus(x): return x + 1

    @dg.job
    def count():
        plus(one())

    count.execute_in_process().output_for_node("plus")   # 2
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.assets import AssetsDefinition
from dagster_nb._definitions.graph import (
    GraphDefinition,
    GraphInputRef,
    NodeOutputRef,
    compose_graph,
    has_graph_config,
)
from dagster_nb._definitions.op import Nothing, OpDefinition
from dagster_nb._definitions.results import (
    AssetMaterialization,
    AssetObservation,
    NoValue,
    Output,
)
from dagster_nb._errors import (
    DagsterError,
    DagsterExecutionHandleOutputError,
    DagsterExecutionInterruptedError,
    DagsterExecutionLoadInputError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterStepOutputNotFoundError,
    DagsterUnknownResourceError,
    did_you_mean,
    raise_unexpected_keyword,
)
from dagster_nb._execution.jobs import JobDefinition
from dagster_nb._execution.plan import ExecutionPlan, Step

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = ["OpJobDefinition", "job", "execute_graph_in_process", "OpStep", "validate_run_config"]

_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")


# --------------------------------------------------------------------------- input sources


@dataclass(frozen=True, slots=True)
class _FromStep:
    """Output ``output`` of step ``step``, stored by IO manager ``io_manager_key``."""

    step: str
    output: str
    io_manager_key: str


@dataclass(frozen=True, slots=True)
class _FanIn:
    sources: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Value:
    value: Any


@dataclass(frozen=True, slots=True)
class _JobInput:
    """A top-level graph input: from ``input_values`` or the run config's ``inputs``."""

    name: str


def _step_sources(src: Any) -> list[_FromStep]:
    if isinstance(src, _FromStep):
        return [src]
    if isinstance(src, _FanIn):
        return [s for s in src.sources if isinstance(s, _FromStep)]
    return []


# --------------------------------------------------------------------------- one op step


@dataclass(frozen=True, slots=True, kw_only=True)
class OpStep:
    """How one op of a job runs: the op, its node path and where each input comes from.

    The executor calls ``inputs_ready`` before the step starts (a skipped upstream output skips
    the step, as in Dagster) and ``execute`` to run it.
    """

    op_def: OpDefinition
    handle: str  # "op" or "graph.op"
    path: tuple[str, ...]  # node names from the job's graph down to this op (config lookup)
    inputs: Mapping[str, Any]  # input name -> _FromStep | _FanIn | _Value | _JobInput | None

    def inputs_ready(self, run: Any, step: Step) -> bool:
        from dagster_nb._events import DagsterEventType as EV
        from dagster_nb._execution.executor import StepOutcome

        for name, src in self.inputs.items():
            got = [s for s in _step_sources(src) if s.output in run.produced.get(s.step, ())]
            missing = (
                isinstance(src, _FromStep)
                and not got
                or isinstance(src, _FanIn)
                and src.sources
                and not got
            )
            if missing:
                run.step_outcomes[step.key] = StepOutcome.SKIPPED
                run.event(
                    EV.STEP_SKIPPED,
                    step.key,
                    message=f'Skipping step {step.key} due to skipped dependencies: input "{name}" has no value.',
                )
                return False
        return True

    def execute(self, run: Any, step: Step, attempt: int) -> None:
        from dagster_nb._execution.context import OpExecutionContext
        from dagster_nb._execution.executor import _invoke_op, _StepFailed

        op_def = self.op_def
        try:
            config_value, raw_cfg, cfg_inputs = _op_config(run, op_def, self.path)
        except DagsterError as exc:
            raise _StepFailed(exc) from None
        context = OpExecutionContext(
            run_id=run.run_id,
            job_name=run.job_name,
            resources=run.resources,
            instance=run.instance,
            node_name=step.key,
            op_config=raw_cfg,
            run_tags=run.spec.tags,
            emit=run.emit,
            dagster_run=run.dagster_run,
            retry_number=attempt,
            current_time=run.spec.current_time,
        )
        context._op_definition = op_def
        context._op_selected_outputs = frozenset(op_def.outs)
        inputs = self._load_inputs(run, step, cfg_inputs, context.log)
        results = _invoke_op(run, step, op_def, context, inputs, config_value)
        self._handle_outputs(run, step, results, context.log)

    # --- inputs ---
    def _load_inputs(
        self, run: Any, step: Step, cfg_inputs: Mapping[str, Any], log: Any
    ) -> dict[str, Any]:
        from dagster_nb._execution.executor import _StepFailed

        values: dict[str, Any] = {}
        for name, in_def in self.op_def.ins.items():
            if in_def.dagster_type is Nothing:
                continue
            src = self.inputs.get(name)
            if isinstance(src, _FromStep):
                values[name] = self._load(run, step, name, src, log)
            elif isinstance(src, _FanIn):
                values[name] = [
                    self._load(run, step, name, s, log) if isinstance(s, _FromStep) else s.value
                    for s in src.sources
                    if not isinstance(s, _FromStep) or s.output in run.produced.get(s.step, ())
                ]
            elif isinstance(src, _Value):
                values[name] = src.value
            elif isinstance(src, _JobInput):
                top = dict((run.spec.run_config or {}).get("inputs") or {})
                if src.name in top:
                    v = top[src.name]
                    values[name] = (
                        v["value"] if isinstance(v, Mapping) and set(v) == {"value"} else v
                    )
                else:
                    raise _StepFailed(
                        DagsterInvalidConfigError(
                            f"Input '{src.name}' of the job's graph has no value: pass "
                            f"input_values={{'{src.name}': ...}} to execute_in_process (or to_job)."
                        )
                    )
            elif in_def.input_manager_key:
                # As Dagster: an unconnected input with an input manager is loaded by it (before
                # the run config's value or the input's default), with no upstream output.
                values[name] = self._load(run, step, name, None, log)
            elif name in cfg_inputs:
                v = cfg_inputs[name]
                values[name] = v["value"] if isinstance(v, Mapping) and set(v) == {"value"} else v
            elif in_def.default_value is not NoValue:
                values[name] = in_def.default_value
            else:
                raise _StepFailed(
                    DagsterInvalidConfigError(
                        f'Input "{name}" of op "{step.key}" is not connected to an upstream output and '
                        "has no value: give it one in the run config, e.g. run_config={'ops': {"
                        f"'{self.path[-1]}': {{'inputs': {{'{name}': ...}}}}}}, or a default "
                        "(In(default_value=...))."
                    )
                )
        return values

    def _load(self, run: Any, step: Step, name: str, src: _FromStep | None, log: Any) -> Any:
        """Load input ``name`` from upstream output ``src`` with its IO manager, or (``src``
        None: an unconnected input) with the input's own input manager."""
        from dagster_nb._definitions.io_manager import InputContext, OutputContext
        from dagster_nb._events import DagsterEventType as EV
        from dagster_nb._execution.executor import _StepFailed, _wrap_user

        in_def = self.op_def.ins[name]
        io_key = in_def.input_manager_key or src.io_manager_key  # type: ignore[union-attr]
        try:
            manager = getattr(run.resources, io_key)
        except DagsterUnknownResourceError as exc:
            raise _StepFailed(exc) from None
        up_op = run.plan.op_by_step.get(src.step) if src is not None else None
        up_out = up_op.outs.get(src.output) if up_op is not None and src is not None else None

        def upstream() -> Any:
            if src is None:
                return None
            return OutputContext(
                step_key=src.step,
                name=src.output,
                run_id=run.run_id,
                resources=run.resources,
                op_def=up_op,
                instance=run.instance,
                log=log,
                definition_metadata=dict(getattr(up_out, "metadata", {}) or {}),
                dagster_type=getattr(up_out, "dagster_type", None),
                config=_io_config(run, src.step.split("."), "outputs", src.output),
            )

        ctx = InputContext(
            name=name,
            definition_metadata=dict(in_def.metadata or {}),
            upstream_output=upstream,
            resources=run.resources,
            op_def=self.op_def,
            instance=run.instance,
            run_id=run.run_id,
            step_key=step.key,
            log=log,
            dagster_type=in_def.dagster_type,
            config=_io_config(run, self.path, "inputs", name) if in_def.input_manager_key else None,
        )
        try:
            value = manager.load_input(ctx)
        except (KeyboardInterrupt, DagsterExecutionInterruptedError):
            raise
        except Exception as exc:
            raise _StepFailed(
                _wrap_user(
                    exc,
                    DagsterExecutionLoadInputError,
                    f'Error occurred while loading input "{name}" of step "{step.key}": '
                    f"{type(exc).__name__}: {exc}",
                )
            ) from None
        run.event(
            EV.LOADED_INPUT,
            step.key,
            message=f'Loaded input "{name}" using input manager "{io_key}"'
            + (f', from output "{src.output}" of step "{src.step}"' if src is not None else ""),
        )
        return value

    # --- outputs ---
    def _outputs_of(self, step: Step, results: list[Any]) -> list[Any]:
        from dagster_nb._execution.executor import _ReturnValue, _StepFailed

        outs = self.op_def.outs
        names = list(outs)
        items: list[Any] = []
        for r in results:
            if not isinstance(r, _ReturnValue):
                items.append(r)
                continue
            v = r.value
            if len(names) == 1:
                if v is None and outs[names[0]].dagster_type is Nothing:
                    continue
                if isinstance(v, Output):
                    items.append(
                        v
                        if v.output_name == names[0] or v.output_name != "result"
                        else Output(v.value, names[0], v.metadata, v.data_version, tags=v.tags)
                    )
                elif isinstance(v, (AssetMaterialization, AssetObservation)):
                    items.append(v)
                else:
                    items.append(Output(v, names[0]))
            elif v is None:
                continue  # required outputs are checked below
            elif isinstance(v, tuple) and len(v) == len(names):
                for n, item in zip(names, v, strict=True):
                    items.append(item if isinstance(item, Output) else Output(item, n))
            else:
                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f'op "{step.key}" has {len(names)} outputs ({", ".join(names)}) but returned '
                        f"{type(v).__name__}: return a tuple with one value per output, in order, or "
                        "yield Output(value, output_name=...)."
                    )
                )
        return items

    def _handle_outputs(self, run: Any, step: Step, results: list[Any], log: Any) -> None:
        from dagster_nb._definitions.io_manager import OutputContext
        from dagster_nb._events import DagsterEventType as EV
        from dagster_nb._execution.executor import _StepFailed, _wrap_user, emit_runtime_event

        outs = self.op_def.outs
        produced = run.produced.setdefault(step.key, set())
        for item in self._outputs_of(step, results):
            if emit_runtime_event(run, step.key, item, materialized_message=True):
                continue
            if not isinstance(item, Output):
                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f'op "{step.key}" yielded {type(item).__name__}; an op yields Output, '
                        "AssetMaterialization or AssetObservation."
                    )
                )
            name = item.output_name
            if name not in outs:
                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f'Core compute for op "{step.key}" returned an output "{name}" that does not '
                        "exist." + did_you_mean(name, outs)
                    )
                )
            if name in produced:
                raise _StepFailed(
                    DagsterInvariantViolationError(
                        f'Compute for op "{step.key}" returned an output "{name}" multiple times.'
                    )
                )
            produced.add(name)
            out_def = outs[name]
            run.outputs[(step.key, name)] = item.value
            run.event(EV.STEP_OUTPUT, step.key, message=f'Yielded output "{name}".')
            if out_def.dagster_type is Nothing:
                continue
            io_key = out_def.io_manager_key or "io_manager"
            try:
                manager = getattr(run.resources, io_key)
            except DagsterUnknownResourceError as exc:
                raise _StepFailed(exc) from None
            ctx = OutputContext(
                step_key=step.key,
                name=name,
                run_id=run.run_id,
                resources=run.resources,
                op_def=self.op_def,
                instance=run.instance,
                log=log,
                definition_metadata=dict(out_def.metadata or {}),
                dagster_type=out_def.dagster_type,
                output_metadata=dict(item.metadata or {}),
                config=_io_config(run, self.path, "outputs", name),
            )
            try:
                manager.handle_output(ctx, item.value)
            except (KeyboardInterrupt, DagsterExecutionInterruptedError):
                raise
            except Exception as exc:
                raise _StepFailed(
                    _wrap_user(
                        exc,
                        DagsterExecutionHandleOutputError,
                        f'Error occurred while handling output "{name}" of step "{step.key}": '
                        f"{type(exc).__name__}: {exc}",
                    )
                ) from None
            run.event(
                EV.HANDLED_OUTPUT,
                step.key,
                message=f'Handled output "{name}" using IO manager "{io_key}"',
            )
        for name, out_def in outs.items():
            if name not in produced and out_def.is_required:
                raise _StepFailed(
                    DagsterStepOutputNotFoundError(
                        f'Core compute for op "{step.key}" did not return an output for non-optional '
                        f'output "{name}". Return a value, or mark the output optional '
                        "(Out(is_required=False))."
                    )
                )


def _op_entry(run: Any, path: tuple[str, ...] | list[str]) -> Any:
    """The run config entry of the op at ``path`` (``{"config":, "inputs":, "outputs":}``):
    Dagster nests a sub-graph's ops under ``{"ops": {graph: {"ops": {op: ...}}}}``."""
    level: Any = run.ops_config
    raw: Any = None
    for i, name in enumerate(path):
        entry = level.get(name) if isinstance(level, Mapping) else None
        if i == len(path) - 1:
            raw = entry
        else:
            level = (entry or {}).get("ops") or {} if isinstance(entry, Mapping) else {}
    return raw


def _io_config(run: Any, path: Any, kind: str, name: str) -> Any:
    """The run config an IO manager sees for output (``kind="outputs"``) or input ``name``:
    ``{"ops": {op: {"outputs": {name: {...}}}}}``, as Dagster's ``context.config``."""
    entry = _op_entry(run, tuple(path))
    if not isinstance(entry, Mapping):
        return None
    return (entry.get(kind) or {}).get(name)


def _op_config(
    run: Any, op_def: OpDefinition, path: tuple[str, ...]
) -> tuple[Any, Any, Mapping[str, Any]]:
    """(value for the config parameter, raw op config, config inputs) of the op at ``path``:
    Dagster nests a sub-graph's ops under ``{"ops": {graph: {"ops": {op: ...}}}}``."""
    raw = _op_entry(run, path)
    cfg_inputs: Mapping[str, Any] = {}
    if isinstance(raw, Mapping):
        cfg_inputs = raw.get("inputs") or {}
        cfg = raw.get("config") if any(k in raw for k in ("config", "inputs", "outputs")) else raw
    else:
        cfg = raw
    cls = op_def.config_cls
    if cls is not None:
        from dagster_nb._definitions.config import resolve_config

        value = resolve_config(cls, cfg, where=f"op '{'.'.join(path)}'")
        return value, value, cfg_inputs
    return None, cfg, cfg_inputs


def apply_graph_config(
    graph: GraphDefinition, ops_cfg: Any, path: str = "root:ops", *, where: str = ""
) -> dict[str, Any]:
    """The ``ops`` run config of ``graph`` with each ``@graph(config=...)`` mapping applied: as
    in Dagster, a configured graph's entry holds only its own ``config`` (checked against the
    mapping's schema; the dict form takes anything and ignores it), never its ops' config."""
    where = where or f"graph {graph.name}"
    mapping = graph.config_mapping
    if mapping is not None:
        given = ops_cfg if isinstance(ops_cfg, Mapping) else {}
        extra = sorted(set(given) - {"config"})
        if extra:
            raise DagsterInvalidConfigError(
                f"Error in config for {where}",
                [
                    f"Error 1: Received unexpected config entries {extra} at path {path}. Graph "
                    f"'{graph.name}' sets its ops' config itself (@graph(config=...)), so the run "
                    'config cannot: expected only "config".'
                ],
            )
        ops_cfg = mapping.resolve_from_unvalidated_config(
            given.get("config", {}), f"{path}:config", where=f"graph '{graph.name}' in {where}"
        )
    out = dict(ops_cfg or {}) if isinstance(ops_cfg, Mapping) else {}
    for node_name, call in graph.node_invocations.items():
        d = call.definition
        if isinstance(d, GraphDefinition) and has_graph_config(d):
            entry = out.get(node_name)
            entry = dict(entry) if isinstance(entry, Mapping) else {}
            sub_path = f"{path}:{node_name}"
            if d.config_mapping is not None:
                out[node_name] = {"ops": apply_graph_config(d, entry, sub_path, where=where)}
            else:
                entry["ops"] = apply_graph_config(
                    d, entry.get("ops"), f"{sub_path}:ops", where=where
                )
                out[node_name] = entry
    return out


# --------------------------------------------------------------------------- planning


def _plan_graph(
    graph: GraphDefinition, input_values: Mapping[str, Any], op_retry_policy: Any, hooks: tuple = ()
) -> tuple[ExecutionPlan, dict[tuple[str, str], Any], dict[str, Any]]:
    """One step per op, parents first. Also returns where each (graph node, output) comes from
    (so ``output_for_node("graph_node")`` works) and the job graph's own outputs."""
    steps: list[Step] = []
    op_by_step: dict[str, OpDefinition] = {}
    node_outputs: dict[tuple[str, str], Any] = {}
    required_keys: set[str] = set()

    def resolve(
        ref: Any, local: Mapping[tuple[str, str], Any], graph_inputs: Mapping[str, Any]
    ) -> Any:
        if isinstance(ref, GraphInputRef):
            return graph_inputs.get(ref.input_name)
        if isinstance(ref, NodeOutputRef):
            return local[(ref.node_name, ref.output_name)]
        if isinstance(ref, (list, tuple)):
            return _FanIn(tuple(resolve(r, local, graph_inputs) for r in ref))
        return None

    def flatten(
        g: GraphDefinition, prefix: str, path: tuple[str, ...], graph_inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        local: dict[tuple[str, str], Any] = {}
        for node_name in g.node_names_in_order:
            call = g.node_invocations[node_name]
            handle = prefix + node_name
            in_sources = {n: resolve(r, local, graph_inputs) for n, r in call.inputs.items()}
            d = call.definition
            if isinstance(d, GraphDefinition):
                sub_outs = flatten(d, handle + ".", (*path, node_name), in_sources)
                for out_name, src in sub_outs.items():
                    local[(node_name, out_name)] = src
                    node_outputs[(handle, out_name)] = src
                continue
            if op_retry_policy is not None and d.retry_policy is None:
                d = copy.copy(d)
                d.retry_policy = op_retry_policy
            ups = frozenset(s.step for src in in_sources.values() for s in _step_sources(src))
            op_step = OpStep(op_def=d, handle=handle, path=(*path, node_name), inputs=in_sources)
            steps.append(
                Step(
                    key=handle,
                    assets_def=_step_assets_def(d),
                    keys=frozenset(),
                    upstream_steps=ups,
                    op=op_step,
                )
            )
            op_by_step[handle] = d
            required_keys.update(d.required_resource_keys)
            for out_name, out_def in d.outs.items():
                local[(node_name, out_name)] = _FromStep(
                    handle, out_name, out_def.io_manager_key or "io_manager"
                )
                if out_def.dagster_type is not Nothing:
                    required_keys.add(out_def.io_manager_key or "io_manager")
            for in_def in d.ins.values():
                if in_def.input_manager_key:
                    required_keys.add(in_def.input_manager_key)
        return {o: resolve(r, local, graph_inputs) for o, r in g.output_map.items()}

    top_inputs = {
        n: _Value(input_values[n]) if n in input_values else _JobInput(n) for n in graph.input_names
    }
    job_outputs = flatten(graph, "", (), top_inputs)
    required_keys.add("io_manager")  # as Dagster: the job's IO manager is always initialized
    for h in hooks:
        required_keys |= h.required_resource_keys
    plan = ExecutionPlan(
        steps=tuple(steps),
        selected_keys=frozenset(),
        step_by_asset_key={},
        resource_keys=frozenset(required_keys),
        op_by_step=op_by_step,
    )
    return plan, node_outputs, job_outputs


def _step_assets_def(op_def: OpDefinition) -> AssetsDefinition:
    """The executor reads a step's node definition (retry policy, resource keys) from its
    assets definition; an op step has one with no assets."""
    return AssetsDefinition(specs_by_key={}, node_def=op_def)


def _check_inputs_resolvable(graph: GraphDefinition, job_name: str) -> None:
    """As Dagster at job creation: an op input that is neither wired, nor typed Nothing, nor
    defaulted must come from the run config; that is only allowed for top-level ops (whose
    config holds ``inputs``), so a sub-graph op's unconnected input is an error here too."""
    for node_name in graph.node_names_in_order:
        call = graph.node_invocations[node_name]
        d = call.definition
        if isinstance(d, GraphDefinition):
            for in_name in d.input_names:
                if in_name not in call.inputs:
                    raise DagsterInvalidDefinitionError(
                        f"Input '{in_name}' of graph '{node_name}' in job '{job_name}' is not "
                        "connected: wire it to an op output inside the job's body."
                    )


# --------------------------------------------------------------------------- op selection


def subset_graph(graph: GraphDefinition, selection: Sequence[str]) -> GraphDefinition:
    """The graph restricted to the top-level nodes ``selection`` names, with Dagster's
    op-selection syntax: ``name``, ``*name`` (and all ancestors), ``name*`` (and all
    descendants), ``+name`` / ``name+`` (one level per ``+``). Inputs whose upstream node is
    left out must then come from the run config, as in Dagster."""
    calls = graph.node_invocations
    parents: dict[str, set[str]] = {n: set() for n in calls}
    for n, c in calls.items():
        for ref in c.inputs.values():
            for r in ref if isinstance(ref, (list, tuple)) else [ref]:
                if isinstance(r, NodeOutputRef):
                    parents[n].add(r.node_name)
    children: dict[str, set[str]] = {n: set() for n in calls}
    for n, ps in parents.items():
        for p in ps:
            children[p].add(n)

    def walk(start: str, edges: Mapping[str, set[str]], depth: int | None) -> set[str]:
        seen: set[str] = set()
        frontier, level = {start}, 0
        while frontier and (depth is None or level < depth):
            frontier = {m for f in frontier for m in edges[f]} - seen
            seen |= frontier
            level += 1
        return seen

    chosen: set[str] = set()
    for clause in selection:
        m = re.fullmatch(r"(\*|\+*)([A-Za-z0-9_]+)(\*|\+*)", clause.strip())
        if m is None or m.group(2) not in calls:
            name = m.group(2) if m else clause
            raise DagsterInvalidDefinitionError(
                f'No qualified ops to execute found for op_selection=[{clause!r}]: "{name}" is not '
                f"a node of graph '{graph.name}'." + did_you_mean(name, calls)
            )
        up, name, down = m.groups()
        chosen.add(name)
        if up:
            chosen |= walk(name, parents, None if up == "*" else len(up))
        if down:
            chosen |= walk(name, children, None if down == "*" else len(down))
    kept = {n: c for n, c in calls.items() if n in chosen}
    pruned = {}
    for n, c in kept.items():
        inputs = {}
        for k, ref in c.inputs.items():
            refs = ref if isinstance(ref, (list, tuple)) else [ref]
            if all(not isinstance(r, NodeOutputRef) or r.node_name in kept for r in refs):
                inputs[k] = ref
        pruned[n] = type(c)(name=c.name, definition=c.definition, inputs=inputs)
    outputs = {
        o: r
        for o, r in graph.output_map.items()
        if not isinstance(r, NodeOutputRef) or r.node_name in kept
    }
    return GraphDefinition(
        name=graph.name,
        nodes=pruned,
        input_names=tuple(graph.input_names),
        output_map=outputs,
        description=graph.description,
        tags=graph.tags,
        config=graph.config_mapping,
    )


# --------------------------------------------------------------------------- the job


def _resource_defs(resource_defs: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(resource_defs or {})


class OpJobDefinition(JobDefinition):
    """A job that runs a graph of ops. Create with ``@job`` or ``graph.to_job()``.

    An instance of :class:`JobDefinition` (``isinstance(j, dg.JobDefinition)`` holds), as in
    Dagster where op jobs and asset jobs are one class.
    """

    def __init__(
        self,
        graph_def: GraphDefinition,
        *,
        name: str,
        description: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        tags: Mapping[str, Any] | None = None,
        run_tags: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        logger_defs: Any = None,
        executor_def: Any = None,
        hooks: Any = None,
        op_retry_policy: Any = None,
        op_selection: Sequence[str] | None = None,
        partitions_def: Any = None,
        input_values: Mapping[str, Any] | None = None,
        owners: Sequence[str] | None = None,
    ):
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise DagsterInvalidDefinitionError(
                f'"{name}" is not a valid name in Dagster. Names must be in regex ^[A-Za-z0-9_]+$.'
            )
        for pname, v in (("logger_defs", logger_defs), ("partitions_def", partitions_def)):
            if v:
                raise DagsterInvalidDefinitionError(
                    f"Job '{name}': {pname}= on op-based jobs is not supported yet by dagster_nb. "
                    + (
                        "Partition asset jobs instead (define_asset_job over partitioned assets)."
                        if pname == "partitions_def"
                        else "Log through context.log."
                    )
                )
        from dagster_nb._execution.executors import coerce_executor_def

        self._graph = graph_def
        self.name = name
        self.description = description if description is not None else graph_def.description
        self._resource_defs = _resource_defs(resource_defs)
        self._config = config
        self.tags = dict(tags or {})
        self._run_tags = dict(run_tags or {})
        self._metadata = dict(metadata or {})
        self._executor_def = coerce_executor_def(executor_def, where=f"job '{name}'")
        from dagster_nb._execution.hooks import coerce_hooks

        self._hooks = coerce_hooks(hooks, where=f"job '{name}'")
        self.op_retry_policy = op_retry_policy
        self.owners = list(owners or ())
        self.input_values = dict(input_values or {})
        self.partitions_def = None
        self._op_selection = list(op_selection) if op_selection else None
        _check_inputs_resolvable(graph_def, name)
        self._planned: tuple | None = None
        self._graph_configured = has_graph_config(graph_def)
        if self._op_selection:
            self._graph = subset_graph(graph_def, self._op_selection)

    # --- Dagster's attributes ---
    @property
    def executor_def(self) -> Any:
        """The job's executor: its own, else (once bound to Definitions) theirs, else
        in-process (dagster_nb's default; see the executors module)."""
        from dagster_nb._execution.executors import in_process_executor

        return self._executor_def or in_process_executor

    @property
    def run_tags(self) -> dict[str, Any]:
        return dict(self._run_tags)

    @property
    def hook_defs(self) -> frozenset:
        return frozenset(self._hooks)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    @property
    def graph(self) -> GraphDefinition:  # nodes, get_node, dependencies: JobDefinition's, over it
        return self._graph

    @property
    def all_node_defs(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for d in self._graph.iterate_op_defs():
            seen.setdefault(id(d), d)
        return list(seen.values())

    @property
    def resource_defs(self) -> dict[str, Any]:
        out = dict(self._resource_defs)
        out.setdefault("io_manager", _default_io_manager_def())
        return out

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self._graph.required_resource_keys

    @property
    def op_selection(self) -> list[str] | None:
        return self._op_selection

    @property
    def is_subset(self) -> bool:
        return self._op_selection is not None

    @property
    def asset_selection(self) -> frozenset:
        return frozenset()

    @property
    def run_config(self) -> Any:
        return self._config

    @property
    def op_retry_policy_def(self) -> Any:
        return self.op_retry_policy

    def with_top_level_resources(self, resource_defs: Mapping[str, Any]) -> OpJobDefinition:
        """A copy whose missing resources come from ``resource_defs`` (the job's own win)."""
        new = copy.copy(self)
        new._resource_defs = {**dict(resource_defs or {}), **self._resource_defs}
        return new

    def with_executor_def(self, executor_def: Any) -> OpJobDefinition:
        from dagster_nb._execution.executors import coerce_executor_def

        new = copy.copy(self)
        new._executor_def = coerce_executor_def(executor_def, where=f"job '{self.name}'")
        return new

    def get_subset(
        self, *, op_selection: Sequence[str] | None = None, **kwargs: Any
    ) -> OpJobDefinition:
        if kwargs.get("asset_selection"):
            raise DagsterInvalidDefinitionError(
                f"Job '{self.name}' runs ops, not assets: select ops with op_selection=[...]."
            )
        if not op_selection:
            return self

        new = copy.copy(self)
        new._graph = subset_graph(self._graph, list(op_selection))
        new._op_selection = list(op_selection)
        new._planned = None
        return new

    def _plan(self, input_values: Mapping[str, Any]) -> tuple:
        if not input_values:
            if self._planned is None:
                self._planned = _plan_graph(self._graph, {}, self.op_retry_policy, self._hooks)
            return self._planned
        return _plan_graph(self._graph, input_values, self.op_retry_policy, self._hooks)

    def execute_in_process(
        self,
        run_config: Any = None,
        instance: DagsterInstance | None = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        asset_selection: Any = None,
        run_id: str | None = None,
        input_values: Mapping[str, object] | None = None,
        tags: Mapping[str, str] | None = None,
        resources: Mapping[str, object] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the job in this process (ephemeral instance unless one is passed), as Dagster's
        ``JobDefinition.execute_in_process``: steps one at a time, in this process."""
        if kwargs:
            raise_unexpected_keyword(
                "execute_in_process()",
                kwargs,
                (
                    "run_config",
                    "instance",
                    "partition_key",
                    "raise_on_error",
                    "op_selection",
                    "asset_selection",
                    "run_id",
                    "input_values",
                    "tags",
                    "resources",
                ),
            )
        if partition_key is not None:
            raise DagsterInvalidDefinitionError(
                f"Job '{self.name}' is not partitioned: remove partition_key (partitioned op "
                "jobs are not supported yet by dagster_nb)."
            )
        job = self.get_subset(op_selection=op_selection, asset_selection=asset_selection)
        return job._run(
            run_config=run_config,
            instance=instance,
            raise_on_error=raise_on_error,
            run_id=run_id,
            input_values=input_values,
            tags=tags,
            resources=resources,
            in_process=True,
        )

    def _run(
        self,
        *,
        run_config: Any,
        instance: DagsterInstance | None,
        raise_on_error: bool,
        run_id: str | None,
        input_values: Mapping[str, object] | None,
        tags: Mapping[str, str] | None,
        resources: Mapping[str, object] | None,
        in_process: bool,
        listeners: Sequence[Callable] = (),
    ) -> Any:
        from dagster_nb._execution.executor import RunRequestSpec, execute_plan
        from dagster_nb._execution.executors import run_options
        from dagster_nb._execution.materialize import _raise_first_error, _run_config_dict
        from dagster_nb._execution.result import ExecuteInProcessResult
        from dagster_nb._instance import DagsterInstance

        values = {**self.input_values, **dict(input_values or {})}
        plan, node_outputs, job_outputs = self._plan(values)
        if instance is None:
            instance = DagsterInstance.ephemeral()
        res = {**self._resource_defs, **dict(resources or {})}
        if "io_manager" not in res:
            if in_process:  # as Dagster's execute_in_process: values stay in memory
                from dagster_nb._definitions.io_manager import InMemoryIOManager

                res["io_manager"] = InMemoryIOManager()
            else:  # execute_job: the filesystem, which other processes can read
                from dagster_nb._storage.fs_io_manager import PickledObjectFilesystemIOManager

                res["io_manager"] = PickledObjectFilesystemIOManager(
                    base_dir=instance.storage_directory()
                )
        cfg = _run_config_dict(run_config if run_config is not None else self._config)
        ops_cfg = (
            apply_graph_config(self._graph, cfg.get("ops"), where=f"job {self.name}")
            if self._graph_configured
            else None
        )
        options = run_options(self._executor_def, cfg, in_process=in_process)
        if options.processes:
            from dagster_nb._execution.step_processes import check_requirements

            io_keys = {
                o.io_manager_key or "io_manager"
                for st in plan.steps
                for o in st.op.op_def.outs.values()
                if o.dagster_type is not Nothing
            }
            check_requirements(res, instance, io_keys)
        spec = RunRequestSpec(
            job_name=self.name,
            run_id=run_id,
            resources=res,
            run_config=cfg,
            ops_config=ops_cfg,
            tags={
                **{k: str(v) for k, v in self.tags.items()},
                **{k: str(v) for k, v in self._run_tags.items()},
                **dict(tags or {}),
            },
            max_concurrent=options.max_concurrent,
            step_processes=options.processes,
            dask_cluster=options.dask_cluster,
            hooks=self._hooks,
            listeners=tuple(listeners),
        )
        execution = execute_plan(_empty_resolved(), plan, spec, instance)
        for (handle, out_name), src in node_outputs.items():
            v = _value_of(execution, src)
            if v is not _NONE:
                execution.outputs[(handle, out_name)] = v
        execution.job_outputs = {}
        for out_name, src in job_outputs.items():
            v = _value_of(execution, src)
            if v is not _NONE:
                execution.job_outputs[out_name] = v
        result = ExecuteInProcessResult(execution)
        if raise_on_error and not result.success:
            _raise_first_error(execution)
        return result

    def __repr__(self) -> str:
        return f"<JobDefinition '{self.name}' ({len(self._graph.node_invocations)} nodes)>"


_EMPTY: list = []


def _empty_resolved() -> Any:
    """The executor's asset view for op runs: no assets (built once)."""
    if not _EMPTY:
        from dagster_nb._definitions.repository import ResolvedAssets

        _EMPTY.append(ResolvedAssets.build([]))
    return _EMPTY[0]


class _NoneType:
    pass


_NONE = _NoneType()


def _value_of(execution: Any, src: Any) -> Any:
    if isinstance(src, _FromStep):
        return execution.outputs.get((src.step, src.output), _NONE)
    if isinstance(src, _Value):
        return src.value
    if isinstance(src, _FanIn):
        vals = [_value_of(execution, s) for s in src.sources]
        return [v for v in vals if v is not _NONE]
    return _NONE


def _default_io_manager_def() -> Any:
    from dagster_nb._storage.fs_io_manager import fs_io_manager

    return fs_io_manager


# --------------------------------------------------------------------------- entry points


def execute_graph_in_process(
    graph_def: GraphDefinition,
    *,
    run_config: Any = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, object] | None = None,
    raise_on_error: bool = True,
    op_selection: Sequence[str] | None = None,
    run_id: str | None = None,
    input_values: Mapping[str, object] | None = None,
) -> Any:
    job_def = OpJobDefinition(
        graph_def,
        name=graph_def.name,
        resource_defs=resources,
        input_values=input_values,
        op_selection=op_selection,
    )
    return job_def.execute_in_process(
        run_config=run_config, instance=instance, raise_on_error=raise_on_error, run_id=run_id
    )


def job(
    compose_fn: Callable | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    resource_defs: Mapping[str, object] | None = None,
    config: Any = None,
    tags: Mapping[str, str] | None = None,
    run_tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    logger_defs: Any = None,
    executor_def: Any = None,
    hooks: Any = None,
    op_retry_policy: Any = None,
    partitions_def: Any = None,
    input_values: Mapping[str, object] | None = None,
    owners: Sequence[str] | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Any:
    """An op-based job: the body calls ops to wire them, as ``@graph`` does.

    >>> import dagster_nb as dg
    >>> @dg.op
    ... def one(): return 1
    >>> @dg.op
    ... def plus(x): return x + 1
    >>> @dg.job
    ... def count():
    ...     plus(one())
    >>> count.execute_in_process().output_for_node("plus")
    2
    """
    if kwargs:
        raise_unexpected_keyword("@job", kwargs, job)

    def wrap(fn: Callable) -> OpJobDefinition:
        job_name = name or fn.__name__
        g = compose_graph(fn, job_name, description)
        return OpJobDefinition(
            g,
            name=job_name,
            description=description,
            resource_defs=resource_defs,
            config=config,
            tags=tags,
            run_tags=run_tags,
            metadata=metadata,
            logger_defs=logger_defs,
            executor_def=executor_def,
            hooks=hooks,
            op_retry_policy=op_retry_policy,
            partitions_def=partitions_def,
            input_values=input_values,
            owners=owners,
        )

    return wrap(compose_fn) if compose_fn is not None else wrap


# --------------------------------------------------------------------------- validate_run_config

_RUN_CONFIG_KEYS = ("ops", "execution", "resources", "loggers", "inputs")


def validate_run_config(job_def: Any, run_config: Any = None) -> dict[str, Any]:
    """Validate ``run_config`` for op job ``job_def`` and return it resolved, as Dagster's
    ``validate_run_config``: defaults filled in, one entry per op (sub-graph ops under their
    dotted handle), the executor's and the required resources' config. Bad config raises
    DagsterInvalidConfigError.

    >>> import dagster_nb as dg
    >>> @dg.op(config_schema={"m": float})
    ... def scale(context): return context.op_config["m"]
    >>> @dg.job
    ... def j(): scale()
    >>> dg.validate_run_config(j, {"ops": {"scale": {"config": {"m": 2}}}})["ops"]["scale"]
    {'config': {'m': 2.0}, 'inputs': {}, 'outputs': None}
    """
    from dagster_nb._errors import DagsterInvalidInvocationError
    from dagster_nb._execution.materialize import _run_config_dict

    if not isinstance(job_def, OpJobDefinition):
        raise DagsterInvalidInvocationError(
            f"validate_run_config takes an op job (@job or graph.to_job()), got "
            f"{type(job_def).__name__}: validating asset jobs' run config is not supported yet "
            "by dagster_nb."
        )
    where = f"job {job_def.name}"
    cfg = _run_config_dict(run_config if run_config is not None else job_def._config)
    unknown = [k for k in cfg if k not in _RUN_CONFIG_KEYS]
    if unknown:
        raise DagsterInvalidConfigError(
            f"Error in config for {where}",
            [
                f'Error {i}: Received unexpected config entry "{k}" at the root. Expected one of '
                f"{list(_RUN_CONFIG_KEYS)}." + did_you_mean(str(k), _RUN_CONFIG_KEYS)
                for i, k in enumerate(unknown, 1)
            ],
        )
    ops_cfg = cfg.get("ops") or {}
    if job_def._graph_configured:
        ops_cfg = apply_graph_config(job_def.graph, ops_cfg, where=where)
    ops: dict[str, Any] = {}
    _validate_ops(job_def.graph, ops_cfg, "", "root:ops", ops, where)
    plan = job_def._plan(dict(job_def.input_values))[0]
    return {
        "ops": ops,
        "execution": _execution_config(job_def, cfg.get("execution")),
        "resources": _resources_config(
            job_def, plan.resource_keys or frozenset(), cfg.get("resources"), where
        ),
        "loggers": dict(cfg.get("loggers") or {}),
        **({"inputs": dict(cfg["inputs"])} if cfg.get("inputs") else {}),
    }


def _validate_ops(
    graph: GraphDefinition, ops_cfg: Any, prefix: str, path: str, out: dict[str, Any], where: str
) -> None:
    from dagster_nb._definitions.config import resolve_config, validate_config_schema

    if not isinstance(ops_cfg, Mapping):
        raise DagsterInvalidConfigError(
            f"Error in config for {where}",
            [f"Error 1: Value at path {path} must be a dict. Got {ops_cfg!r}."],
        )
    calls = graph.node_invocations
    for k in ops_cfg:
        if k not in calls:
            raise DagsterInvalidConfigError(
                f"Error in config for {where}",
                [
                    f'Error 1: Received unexpected config entry "{k}" at path {path}: graph '
                    f"'{graph.name}' has no node named so." + did_you_mean(str(k), calls)
                ],
            )
    for node_name in graph.node_names_in_order:
        d = calls[node_name].definition
        entry = ops_cfg.get(node_name) or {}
        handle, npath = prefix + node_name, f"{path}:{node_name}"
        if not isinstance(entry, Mapping):
            entry = {"config": entry}  # (the runtime accepts an op's config given directly)
        inputs = dict(entry.get("inputs") or {})
        if isinstance(d, GraphDefinition):
            out[handle] = {"config": None, "inputs": inputs, "outputs": None}
            _validate_ops(d, entry.get("ops") or {}, handle + ".", f"{npath}:ops", out, where)
            continue
        wired = calls[node_name].inputs
        for in_name, in_def in d.ins.items():
            if (
                in_name not in wired
                and in_name not in inputs
                and in_def.dagster_type is not Nothing
                and in_def.default_value is NoValue
                and not in_def.input_manager_key
            ):
                raise DagsterInvalidConfigError(
                    f"Error in config for {where}",
                    [
                        f'Error 1: Missing required config entry "inputs" at path {npath}: input '
                        f'"{in_name}" of op "{handle}" is not connected to an upstream output, so give '
                        f"it a value: {{'inputs': {{'{in_name}': {{'value': ...}}}}}}."
                    ],
                )
        raw = entry.get("config") if ("config" in entry or "inputs" in entry) else entry or None
        value: Any = raw
        if d.config_cls is not None:
            resolved = resolve_config(d.config_cls, raw, where=f"op '{handle}'")
            value = resolved.model_dump() if hasattr(resolved, "model_dump") else resolved
        elif d.config_schema is not None:
            problems = validate_config_schema(d.config_schema, raw, f"{npath}:config")
            if problems:
                raise DagsterInvalidConfigError(
                    f"Error in config for {where}",
                    [f"Error {i}: {p}" for i, p in enumerate(problems, 1)],
                )
            from dagster_nb._definitions.op import _coerce_floats

            value = _coerce_floats(d.config_schema, raw)
        out[handle] = {"config": value, "inputs": inputs, "outputs": None}


def _execution_config(job_def: OpJobDefinition, execution: Any) -> dict[str, Any]:
    """Dagster's resolved executor config: ``{executor name: {...defaults, ...config}}``; a job
    with no executor of its own runs Dagster's default ``multi_or_in_process_executor``."""
    from dagster_nb._execution.executors import _validate, multi_or_in_process_executor

    ex = job_def._executor_def or multi_or_in_process_executor
    cfg = dict(ex.config)
    run_cfg = execution.get("config") if isinstance(execution, Mapping) else None
    if run_cfg:
        cfg.update(_validate(ex._kind, dict(run_cfg), where=f"executor '{ex.name}' (run config)"))

    def filled(kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
        base: dict[str, Any] = {"max_concurrent": None} if kind == "multiprocess" else {}
        return {**base, "retries": {"enabled": {}}, **dict(given or {})}

    if ex._kind == "multi_or_in_process":
        kind = "in_process" if "in_process" in cfg else "multiprocess"
        return {ex.name: {kind: filled(kind, cfg.get(kind) or {})}}
    return {ex.name: filled(ex._kind, cfg)}


def _resources_config(
    job_def: OpJobDefinition, keys: frozenset[str], given: Any, where: str
) -> dict[str, Any]:
    """``{key: {"config": ...}}`` for each resource the job's ops need (and the IO manager):
    a ConfigurableResource's field values, else the run config's value for it (or None)."""
    given = dict(given or {}) if isinstance(given, Mapping) else {}
    defs = job_def.resource_defs
    for k in given:
        if k not in defs:
            raise DagsterInvalidConfigError(
                f"Error in config for {where}",
                [
                    f'Error 1: Received unexpected config entry "{k}" at path root:resources.'
                    + did_you_mean(str(k), defs)
                ],
            )
    out: dict[str, Any] = {}
    for k in sorted(k for k in keys if k in defs):
        r = defs[k]
        fields = getattr(type(r), "model_fields", None)
        entry = given.get(k)
        run_value = entry.get("config") if isinstance(entry, Mapping) else None
        if fields is not None:
            value: Any = {f: getattr(r, f) for f in fields if not f.startswith("_")}
            if isinstance(run_value, Mapping):
                value.update(run_value)
        else:
            value = run_value
        out[k] = {"config": value}
    return out
