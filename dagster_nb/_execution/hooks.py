"""Job hooks: ``@success_hook`` / ``@failure_hook`` functions that run after each step of a job
succeeds or fails (Dagster's names, context and events: HOOK_COMPLETED, HOOK_SKIPPED,
HOOK_ERRORED; an error in a hook is recorded and never fails the run).

    @dg.failure_hook(required_resource_keys={"slack"})
    def alert(context):
        context.resources.slack.post(f"{context.step_key} failed: {context.op_exception}")

    @dg.job(hooks={alert})
    def nightly(): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "HookDefinition",
    "HookContext",
    "success_hook",
    "failure_hook",
    "coerce_hooks",
    "run_hooks",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class HookDefinition:
    """A hook: ``hook_fn(context)`` runs after a step succeeds (``success``), fails
    (``failure``). Create with ``@success_hook`` / ``@failure_hook``.

    >>> import dagster_nb as dg
    >>> @dg.success_hook
    ... def done(context): pass
    >>> done.name
    'done'
    """

    name: str
    hook_fn: Callable[[Any], Any]
    required_resource_keys: frozenset[str] = frozenset()
    decorated_fn: Callable | None = None
    on: str = "success"  # success | failure

    def __hash__(self) -> int:
        return hash((self.name, id(self.hook_fn)))


class HookContext:
    """What a hook function receives (Dagster's HookContext attributes)."""

    def __init__(
        self,
        *,
        run: Any,
        step: Any,
        hook_def: HookDefinition,
        error: BaseException | None,
        log: Any,
    ):
        self._run = run
        self._step = step
        self.hook_def = hook_def
        self.job_name = run.job_name
        self.run_id = run.run_id
        self.step_key = step.key
        self.resources = run.resources
        self.instance = run.instance
        self.log = log
        self.required_resource_keys = hook_def.required_resource_keys
        user = getattr(error, "user_exception", None)
        self.op_exception = user if user is not None else error

    @property
    def op(self) -> Any:
        from dagster_nb._definitions.op import NodeCall, _node_of

        nd = self._step.op.op_def if self._step.op is not None else self._step.assets_def.node_def
        return _node_of(NodeCall(name=self._step.key, definition=nd, inputs={}))

    @property
    def op_config(self) -> Any:
        ops = (self._run.spec.run_config or {}).get("ops") or {}
        raw = ops.get(self._step.key)
        return raw.get("config") if isinstance(raw, dict) and "config" in raw else raw

    @property
    def op_output_values(self) -> dict[str, Any]:
        return {o: v for (s, o), v in self._run.outputs.items() if s == self._step.key}


def _hook(on: str, hook_fn: Callable | None, name: str | None, required_resource_keys: Any) -> Any:
    def wrap(fn: Callable) -> HookDefinition:
        return HookDefinition(
            name=name or fn.__name__,
            hook_fn=fn,
            decorated_fn=fn,
            on=on,
            required_resource_keys=frozenset(required_resource_keys or ()),
        )

    return wrap(hook_fn) if hook_fn is not None else wrap


def success_hook(
    hook_fn: Callable | None = None, *, name: str | None = None, required_resource_keys: Any = None
) -> Any:
    """A hook that runs after each step of the job that succeeds."""
    return _hook("success", hook_fn, name, required_resource_keys)


def failure_hook(
    hook_fn: Callable | None = None, *, name: str | None = None, required_resource_keys: Any = None
) -> Any:
    """A hook that runs after each step of the job that fails."""
    return _hook("failure", hook_fn, name, required_resource_keys)


def coerce_hooks(hooks: Iterable[Any] | None, *, where: str) -> tuple[HookDefinition, ...]:
    out = []
    for h in hooks or ():
        if not isinstance(h, HookDefinition):
            raise DagsterInvalidDefinitionError(
                f"hooks of {where} must be HookDefinitions (@dg.success_hook / @dg.failure_hook), "
                f"got {type(h).__name__}."
            )
        out.append(h)
    return tuple(sorted(out, key=lambda h: h.name))


def run_hooks(run: Any, step: Any, error: BaseException | None) -> None:
    """Run the job's hooks for ``step`` (``error`` None: it succeeded)."""
    from dagster_nb._events import DagsterEventType as EV
    from dagster_nb._events import SerializableErrorInfo
    from dagster_nb._execution.context import RunLog

    outcome = "success" if error is None else "failure"
    log = RunLog(run.emit, run.run_id, run.job_name, step.key)
    for hook in run.spec.hooks:
        if hook.on != outcome:
            run.event(
                EV.HOOK_SKIPPED,
                step.key,
                message=f'Skipped the execution of hook "{hook.name}". It did not meet its triggering condition during the execution of "{step.key}".',
            )
            continue
        try:
            hook.hook_fn(HookContext(run=run, step=step, hook_def=hook, error=error, log=log))
        except Exception as exc:
            run.event(
                EV.HOOK_ERRORED,
                step.key,
                level="ERROR",
                message=f'Error occurred during the execution of hook "{hook.name}" triggered for op "{step.key}".',
                error=SerializableErrorInfo.from_exception(exc),
            )
            continue
        run.event(
            EV.HOOK_COMPLETED,
            step.key,
            message=f'Finished the execution of hook "{hook.name}" triggered for "{step.key}".',
        )
