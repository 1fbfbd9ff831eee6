"""The multiprocess executor's loop: each step runs in its own child process, as in Dagster,
up to ``max_concurrent`` at once.

Children are forked from the running kernel, so functions defined in a notebook cell work
(Dagster's spawned children need importable code). A child runs the step exactly as the
in-process loop does; its events stream back to this process through a pipe and are recorded
here, in order, so the instance has one writer. Values cross processes only through IO
managers, which is why the multiprocess executor needs a persistent one (checked before the run,
see ``check_requirements``).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any, cast

from dagster_nb._errors import (
    DagsterExecutionStepExecutionError,
    DagsterUnmetExecutorRequirementsError,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from dagster_nb._instance import DagsterInstance

__all__ = ["run_steps_in_processes", "check_requirements"]


def check_requirements(
    resources: dict[str, Any], instance: DagsterInstance | None, step_io_keys: set[str]
) -> None:
    """Dagster's requirements of an executor that uses several processes: a non-ephemeral
    instance, and IO managers that store outputs where another process can read them."""
    from dagster_nb._definitions.io_manager import InMemoryIOManager, mem_io_manager

    for key in sorted(step_io_keys):
        r = resources.get(key)
        if r is mem_io_manager or isinstance(r, InMemoryIOManager):
            raise DagsterUnmetExecutorRequirementsError(
                "You have attempted to use an executor that uses multiple processes, but your "
                f"job includes outputs that will not be stored somewhere where other processes "
                f"can retrieve them (IO manager '{key}' keeps values in memory). Please use a "
                'persistent IO manager for these outputs, e.g. resources={"io_manager": '
                "dg.FilesystemIOManager()}, or run in process (dg.in_process_executor)."
            )
    if instance is None or not instance.is_persistent:
        raise DagsterUnmetExecutorRequirementsError(
            "You have attempted to use an executor that uses multiple processes with an ephemeral "
            "DagsterInstance. A non-ephemeral instance is needed to coordinate execution between "
            "multiple processes: pass instance=dg.DagsterInstance.get() (or from_directory(...))."
        )


def run_steps_in_processes(run: Any) -> None:
    from dagster_nb._events import NO_DATA
    from dagster_nb._execution.executor import StepOutcome, _maybe_run_step, _upstream_ok

    ctx = multiprocessing.get_context("fork")
    limit = max(1, run.spec.max_concurrent)
    pending = {s.key: s for s in run.plan.steps}
    running: dict[Any, tuple[Any, Any]] = {}  # parent end of the pipe -> (process, step)
    try:
        while pending or running:
            for key in list(pending):
                if len(running) >= limit:
                    break
                s = pending[key]
                if any(run.step_outcomes.get(u) is None for u in s.upstream_steps):
                    continue
                del pending[key]
                if run.cancelled.is_set():
                    run.step_outcomes[s.key] = StepOutcome.UNTOUCHED
                    continue
                if not _upstream_ok(run, s):
                    continue
                parent_end, child_end = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=_child,
                    args=(run, s, child_end),
                    daemon=True,
                    name=f"dagster_nb-step-{s.key}",
                )
                proc.start()
                child_end.close()
                running[parent_end] = (proc, s)
            if not running:
                if pending:  # nothing can start: everything left is blocked
                    for key in list(pending):
                        _maybe_run_step(run, pending.pop(key))
                continue
            for ready in wait(list(running)):
                conn = cast("Connection", ready)  # wait() returns what it was given
                proc, step = running[conn]
                try:
                    kind, payload = conn.recv()
                except EOFError:  # the child died without reporting (killed, segfault)
                    kind, payload = "died", None
                if kind == "event":
                    run.emit(payload._replace(data=payload.data or NO_DATA))
                    continue
                del running[conn]
                conn.close()
                proc.join()
                _apply(run, step, kind, payload, proc.exitcode)
    except BaseException:
        run.cancelled.set()
        for conn, (proc, _) in running.items():
            proc.terminate()
            proc.join()
            conn.close()
        raise


def _apply(run: Any, step: Any, kind: str, payload: Any, exitcode: int | None) -> None:
    from dagster_nb._events import DagsterEventType as EV
    from dagster_nb._events import SerializableErrorInfo
    from dagster_nb._execution.executor import StepOutcome

    if kind == "done" and payload["outcome"] is not None:
        run.step_outcomes[step.key] = payload["outcome"]
        if payload["produced"] is not None:
            run.produced[step.key] = payload["produced"]
        run.outputs.update(payload["outputs"])
        run.data_versions.update(payload["data_versions"])
        if payload["error"] is not None:
            run.step_errors[step.key] = _rebuild_error(payload["error"])
        return
    err = _rebuild_error((payload or {}).get("error")) or DagsterExecutionStepExecutionError(
        f'The process running step "{step.key}" exited unexpectedly (exit code {exitcode}).'
    )
    run.step_errors[step.key] = err
    run.step_outcomes[step.key] = StepOutcome.FAILURE
    run.event(
        EV.STEP_FAILURE,
        step.key,
        message=f'Execution of step "{step.key}" failed.',
        error=SerializableErrorInfo.from_exception(err),
        level="ERROR",
    )


def _child(run: Any, step: Any, conn: Any) -> None:
    """In the forked child: run the step; stream its events; report how it ended."""
    from dagster_nb._execution.executor import _run_step_guarded

    code = 0
    try:
        before = dict(run.data_versions)

        def emit(event: Any) -> None:
            # event.data may be a read-only mapping (not picklable): send a dict
            conn.send(
                (
                    "event",
                    event._replace(data=dict(event.data))
                    if event.data
                    else event._replace(data={}),
                )
            )

        run.emit = emit  # the parent records events; the instance keeps one writer
        run.spec = _without_listeners(run.spec)
        try:
            _run_step_guarded(run, step)
        except BaseException as exc:  # an interrupt: the parent records the failure
            run.step_errors[step.key] = exc
        error = run.step_errors.get(step.key)
        payload = {
            "outcome": run.step_outcomes.get(step.key),
            "produced": run.produced.get(step.key),
            "outputs": _picklable({k: v for k, v in run.outputs.items() if k[0] == step.key}),
            "data_versions": {
                k: v for k, v in run.data_versions.items() if before.get(k, ...) != v
            },
            "error": _portable_error(error),
        }
        conn.send(("done", payload))
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        conn.close()
        os._exit(code)  # never run the parent's exit handlers (kernel, atexit) in the child


def _without_listeners(spec: Any) -> Any:
    import dataclasses

    return dataclasses.replace(spec, listeners=())


def _picklable(outputs: dict) -> dict:
    """Output values that can be sent back (the rest stay readable through the IO manager)."""
    out = {}
    for k, v in outputs.items():
        try:
            pickle.dumps(v, protocol=5)
        except Exception:
            continue
        out[k] = v
    return out


def _portable_error(error: BaseException | None) -> Any:
    """The step's error in a form that crosses the pipe: our error's class name and message,
    and the user's exception when it pickles (so ``raise_on_error`` raises it, as in process)."""
    if error is None:
        return None
    user = getattr(error, "user_exception", None)
    try:
        pickle.dumps(user)
    except Exception:
        user = None
    return {"cls": type(error).__name__, "message": str(error).split("\n")[0], "user": user}


def _rebuild_error(sent: Any) -> BaseException | None:
    if sent is None or isinstance(sent, BaseException):
        return sent
    from dagster_nb import _errors

    cls: Any = getattr(_errors, sent["cls"], None)  # a DagsterError subclass, checked below
    if not (isinstance(cls, type) and issubclass(cls, _errors.DagsterError)):
        cls = DagsterExecutionStepExecutionError
    try:
        err = (
            cls(sent["message"], user_exception=sent["user"])
            if sent["user"] is not None
            else cls(sent["message"])
        )
    except TypeError:
        err = cls(sent["message"])
    if sent["user"] is not None:
        err.__cause__ = sent["user"]
    return err
