"""The dask executor's loop: each step is a task on a Dask cluster, as ``dagster_dask``'s.

The parent (kernel, CLI) keeps the run: it decides which steps can start (the same rules as the
in-process loop), submits each ready step as one Dask task, and records the events the task
sends back, in order, so the instance keeps one writer and listeners (progress bars, the lab
panel) see exactly the events an in-process run emits. On the worker, a task rebuilds the run's
state from a cloudpickled snapshot (definitions, plan, spec without listeners, the resource
definitions), opens the instance from its directory, initializes the resources and runs the
step with the in-process code (``_run_step_guarded``). Values cross machines only through IO
managers (the filesystem one works on a local cluster or a shared filesystem).

Events stream back while a step runs (Dask's worker ``log_event`` topics), and the task's
result carries all of them, so none is lost if the stream lags: the parent emits each event
once, in the step's order.

Clusters: ``{"local": {...}}`` starts a ``LocalCluster`` of worker processes on first use and
keeps it for the life of the process (a kernel reuses it); ``{"existing": {"address": ...}}``
connects a client to a running scheduler. A worker that dies fails its step (Dask's
``KilledWorker``; local clusters are made with ``allowed-failures`` 0 so a crashing step is not
retried on the other workers).

An interrupt (Ctrl-C in the kernel or the CLI) cancels the run on any cluster: the run's queued
tasks are canceled, and each worker raises ``DagsterExecutionInterruptedError`` in the threads
running the run's steps (``_interrupt_run``), which stops a step at its next Python line, as
Ctrl-C stops an in-process step; a task of the run that starts anyway returns at once. The
parent waits (``_STOP_WAIT_S``) for those steps to stop, records them interrupted and the run
CANCELED; the workers stay up for the next run. A step inside a long call into C code stops when
that call returns (before any further line of it runs); on a local cluster (ours), a worker
whose step has not stopped by then is killed and its nanny starts a fresh one.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import sys
import threading
import time
from typing import Any

from dagster_nb._errors import DagsterExecutionInterruptedError, DagsterExecutionStepExecutionError

__all__ = ["run_steps_on_dask", "get_client", "close_clusters"]

_CLIENTS: dict[str, tuple[Any, Any]] = {}  # config key -> (client, cluster or None)
_CLIENTS_LOCK = threading.Lock()


def _config_key(cluster: Any) -> str:
    return repr(sorted((k, sorted(dict(v).items())) for k, v in dict(cluster).items()))


def get_client(cluster: Any) -> Any:
    """The Dask client for the dask executor's ``cluster`` config, made on first use and reused
    (a kernel keeps its LocalCluster across runs)."""
    key = _config_key(cluster)
    with _CLIENTS_LOCK:
        entry = _CLIENTS.get(key)
        if entry is not None and entry[0].status == "running":
            return entry[0]
        import dask
        from distributed import Client, LocalCluster

        ctype, ccfg = next(iter(dict(cluster).items()))
        if ctype == "existing":
            client, owned = Client(ccfg["address"], set_as_default=False), None
        else:
            kwargs = {"processes": True, "dashboard_address": ":0", **dict(ccfg)}
            if kwargs["processes"]:
                pre = kwargs.get("preload") or []
                kwargs["preload"] = [*([pre] if isinstance(pre, str) else pre), __name__]
            # a step that kills its worker fails at once instead of killing the others in turn
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                owned = LocalCluster(**kwargs)
            client = Client(owned, set_as_default=False)
        if not _CLIENTS:
            atexit.register(close_clusters)
        _CLIENTS[key] = (client, owned)
        return client


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in each worker process of the local clusters started here: a
    process group of its own. Jupyter interrupts a kernel with a SIGINT to the kernel's whole
    process group, and a terminal's Ctrl-C reaches the CLI's; the workers must not die of it
    (the run's cancel stops its steps on them instead, and they serve the next run)."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass


def close_clusters() -> None:
    """Close the clients and the local clusters this process started."""
    with _CLIENTS_LOCK:
        entries = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client, cluster in entries:
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        except Exception:
            pass


# --------------------------------------------------------------------------- parent side


def _snapshot(run: Any, *, local: bool) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """What a worker needs to run any step of ``run``, cloudpickled once per run, and the user
    modules a worker loads from their files first. The user's modules (a file the CLI loaded,
    a project's, a test's: not importable by name on a worker) are loaded by path on a local
    cluster, so tracebacks name the user's file and lines; functions of a notebook (no file),
    and every user module on an existing cluster (whose machines may not have the file), are
    pickled by value."""
    import dataclasses
    import sys

    import cloudpickle

    from dagster_nb._execution.executor import _required_resource_keys

    resource_defs = dict(run.spec.resources)
    for step in run.plan.steps:
        for rk, rv in step.assets_def.resource_defs.items():
            resource_defs.setdefault(rk, rv)
    needed = _required_resource_keys(run.resolved, run.plan, resource_defs)
    wanted = {k: v for k, v in resource_defs.items() if k in needed}
    by_value_of: dict[str, Any] = {}
    by_path: dict[str, str] = {}
    for obj in _user_objects(run, wanted):
        name = getattr(obj, "__module__", None) or ""
        mod = sys.modules.get(name)
        # __main__ is pickled by value already
        if mod is not None and name != "__main__" and _user_module(mod):
            path = getattr(mod, "__file__", None) or ""
            if local and path.endswith(".py") and os.path.isfile(path):
                by_path[name] = os.path.abspath(path)
            else:
                by_value_of[name] = mod
    by_value = [
        m
        for m in by_value_of.values()
        if m.__name__ not in cloudpickle.cloudpickle._PICKLE_BY_VALUE_MODULES
    ]
    for mod in by_value:
        cloudpickle.register_pickle_by_value(mod)
    try:
        return cloudpickle.dumps(
            {
                "resolved": run.resolved,
                "plan": run.plan,
                "spec": dataclasses.replace(
                    run.spec, listeners=(), run_id=run.run_id, resources={}
                ),
                "resource_defs": wanted,
                "resource_config": dict((run.spec.run_config or {}).get("resources") or {}),
                "instance_dir": getattr(run.instance, "root_directory", None),
                "dagster_run": run.dagster_run,
            }
        ), tuple(sorted(by_path.items()))
    finally:
        for mod in by_value:
            cloudpickle.unregister_pickle_by_value(mod)


def _user_objects(run: Any, resource_defs: dict[str, Any]) -> list[Any]:
    """The user's functions and classes a step runs: compute functions, resources' classes."""
    out: list[Any] = []
    for step in run.plan.steps:
        for node in (
            getattr(step.assets_def, "node_def", None),
            getattr(getattr(step, "op", None), "op_def", None),
        ):
            fn = getattr(node, "compute_fn", None)
            if fn is not None:
                out.append(fn)
    for r in resource_defs.values():
        out.append(type(r))
        fn = getattr(r, "resource_fn", None)
        if fn is not None:
            out.append(fn)
    return out


def _user_module(mod: Any) -> bool:
    """A module of the user's (a notebook's, a file the CLI loaded, a test's, a project's):
    sent to workers by value, since a worker may not have it on its path. Installed packages
    (site-packages), the standard library and dagster_nb are imported by name on the worker."""
    import sysconfig

    name = mod.__name__
    if name.split(".")[0] in ("dagster_nb", "dagster"):
        return False
    path = getattr(mod, "__file__", None)
    if not path:
        return True  # made in memory (a notebook loaded by the CLI)
    path = os.path.abspath(path)
    if "site-packages" in path or "dist-packages" in path:
        return False
    stdlib = os.path.abspath(sysconfig.get_paths()["stdlib"])
    return not path.startswith(stdlib + os.sep)


def run_steps_on_dask(run: Any) -> None:
    from dagster_nb._execution.executor import StepOutcome, _maybe_run_step, _upstream_ok

    cluster = dict(run.spec.dask_cluster or {"local": {}})
    client = get_client(cluster)
    snapshot, modules = _snapshot(run, local="local" in cluster)
    blob = client.scatter(snapshot, broadcast=False, hash=False)
    topic = f"dagster_nb-{run.run_id}"
    streamed: queue.Queue = queue.Queue()
    emitted: dict[str, int] = {}  # step key -> events of it recorded so far
    failed: set[str] = set()  # steps whose failure event came through the stream

    def on_stream(item: Any) -> None:
        try:
            streamed.put(pickle.loads(item[1]))
        except Exception:  # the task's result carries every event anyway
            pass

    client.subscribe_topic(topic, on_stream)

    def drain() -> None:
        while True:
            try:
                step_key, seq, event = streamed.get_nowait()
            except queue.Empty:
                return
            if seq == emitted.get(step_key, 0):  # late or out of order: the result has it
                emitted[step_key] = seq + 1
                if event.event_type_value == "STEP_FAILURE":
                    failed.add(step_key)
                run.emit(event)

    pending = {s.key: s for s in run.plan.steps}
    running: dict[Any, Any] = {}  # future -> step
    finished: queue.Queue = queue.Queue()  # futures, as Dask reports them done
    try:
        while pending or running:
            for key in list(pending):
                s = pending[key]
                if any(run.step_outcomes.get(u) is None for u in s.upstream_steps):
                    continue
                del pending[key]
                if run.cancelled.is_set():
                    run.step_outcomes[s.key] = StepOutcome.UNTOUCHED
                    continue
                if not _upstream_ok(run, s):
                    continue
                state = {
                    "data_versions": dict(run.data_versions),
                    "produced": {k: set(v) for k, v in run.produced.items()},
                    "outcomes": dict(run.step_outcomes),
                }
                fut = client.submit(
                    _run_on_worker,
                    blob,
                    modules,
                    s.key,
                    state,
                    topic,
                    key=f"dagster_nb-{s.key}-{run.run_id}",
                    pure=False,
                    retries=0,
                )
                running[fut] = s
                fut.add_done_callback(finished.put)
            if not running:
                if pending:  # nothing can start: everything left is blocked
                    for key in list(pending):
                        _maybe_run_step(run, pending.pop(key))
                continue
            try:
                fut = finished.get(timeout=0.05)
            except queue.Empty:
                drain()
                continue
            drain()
            step = running.pop(fut, None)
            if step is not None:
                _apply(run, step, fut, emitted)
    except BaseException:
        run.cancelled.set()
        was_running = _cancel(client, cluster, run.run_id, list(running))
        drain()  # what the workers sent before they stopped (an interrupted step's failure)
        started = was_running | {k for k, n in emitted.items() if n}
        _record_interrupted(
            run, [s for s in running.values() if s.key in started and s.key not in failed]
        )
        raise
    finally:
        try:
            client.unsubscribe_topic(topic)
        except Exception:
            pass


_STOP_WAIT_S = 10.0  # how long a cancel waits for the run's steps to stop on the workers
_KILL_AFTER_S = 2.0  # on a local cluster (ours): then the workers still running them are killed


def _cancel(client: Any, cluster: Any, run_id: str, futures: list) -> set[str]:
    """Cancel the run's tasks: the queued ones at the scheduler; the running ones by an
    interrupt in their worker threads; wait for them to stop. Returns the keys of the steps
    that were running. Never raises (the run is being canceled already)."""
    was_running: set[str] = set()
    if not futures:
        return was_running
    try:
        client.cancel(futures, force=True)
        # on_error="return": a worker that fails to answer (dying) does not stop the others'
        for keys in client.run(_interrupt_run, run_id, on_error="return").values():
            if isinstance(keys, list):
                was_running.update(keys)
        local = "local" in cluster
        deadline = time.monotonic() + _STOP_WAIT_S
        killed = False
        start = time.monotonic()
        while True:
            answers = client.run(_steps_running, run_id, on_error="return")
            busy = [w for w, steps in answers.items() if isinstance(steps, list) and steps]
            if not busy or time.monotonic() > deadline:
                return was_running
            if local and not killed and time.monotonic() - start > _KILL_AFTER_S:
                client.run(_exit_worker, workers=busy, wait=False)
                killed = True
            time.sleep(0.05)
    except Exception:
        return was_running


def _record_interrupted(run: Any, steps: list) -> None:
    """The steps that were running when the run was canceled fail as interrupted, with the
    events an in-process step interrupted by Ctrl-C has."""
    from dagster_nb._events import DagsterEventType as EV
    from dagster_nb._events import SerializableErrorInfo
    from dagster_nb._execution.executor import StepOutcome, _emit_failed_to_materialize

    for step in steps:
        if run.step_outcomes.get(step.key) is not None:
            continue
        run.step_outcomes[step.key] = StepOutcome.FAILURE
        run.event(
            EV.STEP_FAILURE,
            step.key,
            message=f'Execution of step "{step.key}" was interrupted.',
            error=SerializableErrorInfo.from_exception(
                DagsterExecutionInterruptedError(
                    f'Step "{step.key}" was interrupted on its Dask worker: the run was canceled.'
                )
            ),
            level="ERROR",
        )
        _emit_failed_to_materialize(
            run, step, reason="the run was interrupted", kind="RUN_TERMINATED"
        )


async def _exit_worker() -> None:  # a coroutine: Dask runs it without waiting for a reply
    os._exit(1)


def _apply(run: Any, step: Any, fut: Any, emitted: dict[str, int]) -> None:
    from dagster_nb._events import NO_DATA, SerializableErrorInfo
    from dagster_nb._events import DagsterEventType as EV
    from dagster_nb._execution.executor import StepOutcome
    from dagster_nb._execution.step_processes import _rebuild_error

    failure: BaseException | None = None
    try:
        payload = fut.result()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        payload = None
        failure = exc
    if payload is not None:
        for event in payload["events"][emitted.get(step.key, 0) :]:
            run.emit(event._replace(data=event.data or NO_DATA))
        emitted[step.key] = len(payload["events"])
        if payload["outcome"] is not None:
            run.step_outcomes[step.key] = payload["outcome"]
            if payload["produced"] is not None:
                run.produced[step.key] = payload["produced"]
            run.outputs.update(payload["outputs"])
            run.data_versions.update(payload["data_versions"])
            if payload["error"] is not None:
                run.step_errors[step.key] = _rebuild_error(payload["error"])
            if payload["interrupted"]:
                raise KeyboardInterrupt
            return
        failure = None
    name = type(failure).__name__ if failure is not None else "no outcome"
    if name == "KilledWorker":
        message = (
            f'The Dask worker running step "{step.key}" died (the process exited or was '
            f"killed) before the step finished: {failure}"
        )
    else:
        message = f'The Dask task running step "{step.key}" failed: {name}: {failure}'
    err = DagsterExecutionStepExecutionError(message)
    if failure is not None:
        err.__cause__ = failure
    run.step_errors[step.key] = err
    run.step_outcomes[step.key] = StepOutcome.FAILURE
    run.event(
        EV.STEP_FAILURE,
        step.key,
        message=f'Execution of step "{step.key}" failed.',
        error=SerializableErrorInfo.from_exception(err),
        level="ERROR",
    )
    from dagster_nb._execution.executor import _emit_failed_to_materialize

    _emit_failed_to_materialize(run, step, reason=f"step {step.key} failed")


# --------------------------------------------------------------------------- worker side

_WORKER_STATE: dict[str, Any] = {}  # per worker process: snapshots by id, instances by folder

# Per worker process: the steps running here, by run id -> step key -> [thread id, interrupted],
# and the runs canceled lately (a task of theirs that starts after the cancel returns at once).
_STEPS_LOCK = threading.Lock()
_RUNNING_STEPS: dict[str, dict[str, list]] = {}
_CANCELED_RUNS: dict[str, None] = {}


def _interrupt_run(run_id: str) -> list[str]:
    """On a worker (``client.run``): cancel ``run_id`` here; raise DagsterExecutionInterruptedError
    in the threads running its steps, once each. Returns those steps' keys."""
    import ctypes

    with _STEPS_LOCK:
        _CANCELED_RUNS[run_id] = None
        while len(_CANCELED_RUNS) > 1000:
            del _CANCELED_RUNS[next(iter(_CANCELED_RUNS))]
        interrupted = []
        for key, entry in _RUNNING_STEPS.get(run_id, {}).items():
            if not entry[1]:
                entry[1] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(entry[0]), ctypes.py_object(DagsterExecutionInterruptedError)
                )
                interrupted.append(key)
        return interrupted


def _steps_running(run_id: str) -> list[str]:
    """On a worker (``client.run``): the steps of ``run_id`` still running here."""
    with _STEPS_LOCK:
        return sorted(_RUNNING_STEPS.get(run_id, {}))


def _enter_step(run_id: str, step_key: str) -> bool:
    with _STEPS_LOCK:
        if run_id in _CANCELED_RUNS:
            return False
        _RUNNING_STEPS.setdefault(run_id, {})[step_key] = [threading.get_ident(), False]
        return True


def _leave_step(run_id: str, step_key: str) -> bool:
    """Unregister; whether an interrupt was sent to this thread."""
    with _STEPS_LOCK:
        steps = _RUNNING_STEPS.get(run_id, {})
        entry = steps.pop(step_key, None)
        if not steps:
            _RUNNING_STEPS.pop(run_id, None)
    return bool(entry and entry[1])


def _take_pending_interrupt() -> None:
    """An interrupt was sent to this thread and not raised yet: let it be raised here, in our
    code, rather than in Dask's after the task returns."""
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            time.sleep(0.001)
    except DagsterExecutionInterruptedError:
        pass


def _worker_snapshot(blob: bytes, modules: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    import cloudpickle

    for name, path in modules:  # the user's modules, as the parent has them, before unpickling
        stamp = (path, os.stat(path).st_mtime_ns)
        # (re)load when new here or edited since: a kernel's workers live across runs
        if name not in sys.modules or _WORKER_STATE.get(f"module-{name}") != stamp:
            import importlib.util

            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path} on this worker")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            try:
                spec.loader.exec_module(mod)
            except BaseException:
                del sys.modules[name]
                raise
            _WORKER_STATE[f"module-{name}"] = stamp

    key = f"snap-{hash(blob)}-{len(blob)}"
    snap = _WORKER_STATE.get(key)
    if snap is None:
        for k in [k for k in _WORKER_STATE if k.startswith("snap-")]:
            del _WORKER_STATE[k]  # one run's snapshot at a time
        snap = _WORKER_STATE[key] = cloudpickle.loads(blob)
        _restore_filenames(snap, dict(modules))
    return snap


def _restore_filenames(snap: dict[str, Any], paths: dict[str, str]) -> None:
    """cloudpickle sends a function by value when its module's attribute of that name is
    something else (the decorated asset), and drops its file name then; give the code of the
    user's modules loaded by path its file back, so tracebacks show the user's lines."""
    if not paths:
        return
    for step in snap["plan"].steps:
        for node in (
            getattr(step.assets_def, "node_def", None),
            getattr(getattr(step, "op", None), "op_def", None),
        ):
            fn = getattr(node, "compute_fn", None)
            while fn is not None:
                code = getattr(fn, "__code__", None)
                path = paths.get(getattr(fn, "__module__", None) or "")
                if code is not None and path and code.co_filename == "<dynamic-code>":
                    try:
                        fn.__code__ = code.replace(co_filename=path)
                    except (AttributeError, TypeError, ValueError):
                        pass
                fn = getattr(fn, "__wrapped__", None)


def _worker_instance(root: str | None) -> Any:
    from dagster_nb._instance import DagsterInstance

    if root is None:
        return DagsterInstance.ephemeral()
    key = f"instance-{root}"
    inst = _WORKER_STATE.get(key)
    if inst is None:
        inst = _WORKER_STATE[key] = DagsterInstance.from_directory(root)
    return inst


def _run_on_worker(
    blob: bytes,
    modules: tuple[tuple[str, str], ...],
    step_key: str,
    state: dict[str, Any],
    topic: str,
) -> dict[str, Any]:
    """On a Dask worker: run one step; stream its events; return them with how it ended. The
    step can be interrupted by ``_interrupt_run`` while it runs."""
    snap = _worker_snapshot(blob, modules)
    run_id = snap["spec"].run_id
    canceled: dict[str, Any] = {
        "events": [],
        "outcome": None,
        "produced": None,
        "outputs": {},
        "data_versions": {},
        "error": None,
        "interrupted": True,
        "pid": os.getpid(),
    }
    if not _enter_step(run_id, step_key):
        return canceled  # the run was canceled before this task started
    payload = canceled
    try:
        try:
            payload = _run_step_here(snap, step_key, state, topic)
        finally:
            sent = _leave_step(run_id, step_key)
        if sent and not payload["interrupted"]:
            _take_pending_interrupt()
    except DagsterExecutionInterruptedError:  # raised after the step, before _leave_step
        _leave_step(run_id, step_key)
        payload = canceled
    return payload


def _run_step_here(
    snap: dict[str, Any], step_key: str, state: dict[str, Any], topic: str
) -> dict[str, Any]:
    from dagster_nb._definitions.resources import build_resources
    from dagster_nb._execution.executor import RunExecution, _run_step_guarded
    from dagster_nb._execution.step_processes import _picklable, _portable_error

    spec = snap["spec"]
    run = RunExecution(snap["resolved"], snap["plan"], spec, _worker_instance(snap["instance_dir"]))
    run.dagster_run = snap["dagster_run"]
    run.data_versions.update(state["data_versions"])
    run.produced.update(state["produced"])
    run.step_outcomes.update(state["outcomes"])
    step = next(s for s in run.plan.steps if s.key == step_key)
    events: list[Any] = []
    try:
        from distributed import get_worker

        worker = get_worker()
    except Exception:
        worker = None

    def emit(event: Any) -> None:
        # event.data may be a read-only mapping (not picklable): send a dict
        event = event._replace(data=dict(event.data) if event.data else {})
        events.append(event)
        if worker is not None:
            try:
                worker.log_event(topic, pickle.dumps((step_key, len(events) - 1, event)))
            except Exception:
                pass

    run.emit = emit  # type: ignore[method-assign]  # the parent records events; one writer
    before = dict(run.data_versions)
    interrupted = False
    try:
        with build_resources(
            snap["resource_defs"],
            instance=run.instance,
            resource_config=snap["resource_config"],
            dagster_run=run.dagster_run,
        ) as resources:
            run.resources = resources
            try:
                _run_step_guarded(run, step)
            except BaseException as exc:  # an interrupt: the step's failure events are recorded
                run.step_errors[step_key] = exc
                interrupted = True
    except DagsterExecutionInterruptedError as exc:  # while the resources were set up or torn down
        run.step_errors.setdefault(step_key, exc)
        interrupted = True
    error = run.step_errors.get(step_key)
    return {
        "events": events,
        "outcome": run.step_outcomes.get(step_key),
        "produced": run.produced.get(step_key),
        "outputs": _picklable({k: v for k, v in run.outputs.items() if k[0] == step_key}),
        "data_versions": {k: v for k, v in run.data_versions.items() if before.get(k, ...) != v},
        "error": _portable_error(error),
        "interrupted": interrupted,
        "pid": os.getpid(),
    }
