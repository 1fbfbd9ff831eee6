"""Kernel side of the JupyterLab extension (``labextension/``): one Jupyter comm per front end.

The Assets sidebar, the Lineage tab and the Runs view render the same JSON view model as the
cell widgets (``dagster_nb/_widgets/VIEWMODEL.md``), so the two cannot disagree. The kernel
pushes a new ``state`` after each change of the definitions and during runs (no polling), and
answers the panel's requests.

Protocol (comm target ``"dagster_nb"``; opened by either side):

- kernel -> front end: ``{"type": "state", "lineage": LineageViewModel}``,
  ``{"type": "runs_changed"}``, ``{"type": "open", "view": "lineage", "selection": str}``,
  ``{"type": "reply", "id": n, "ok": bool, "data": ..., "error": str}``.
- front end -> kernel: ``{"type": "hello"}`` (answered with a ``state``) and
  ``{"type": "request", "id": n, "op": OP, "args": {...}}`` where OP is ``select``,
  ``detail``, ``partitions``, ``materialize``, ``runs`` or ``run``.

A request with bad input is answered with ``ok: false`` and an ``error`` the UI shows; it
never raises into the kernel.

    %load_ext dagster_nb           # registers the target and opens a comm to the front end
    %lineage --tab                 # asks the front end to open the Lineage tab
"""

from __future__ import annotations

import threading
import time
from typing import Any

COMM_TARGET = "dagster_nb"
SCHEMA = "dagster_nb.lab/1"

__all__ = ["COMM_TARGET", "LabChannel", "get_channel", "install", "open_tab", "uninstall"]

_END = ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED")
_channel: LabChannel | None = None


class RequestError(Exception):
    """Bad input from the panel: the message is shown there as it is."""


class LabChannel:
    """The comms to the JupyterLab extension of one kernel, following ``repo``.

    ``debounce`` is the least time between two pushed states while a run goes.
    """

    def __init__(self, repo: Any, *, debounce: float = 0.2):
        from dagster_nb._widgets._base import Throttle
        from dagster_nb._widgets.run_fold import LiveRuns

        self._repo = repo
        self._comms: list[Any] = []
        self._confirmed: set[int] = set()  # comms whose front end said hello
        self._lock = threading.RLock()
        self._live = LiveRuns()  # the runs going on, folded as their events arrive
        self._throttle = Throttle(self.push_state, debounce)
        self._deferred = False
        repo.subscribe(self._on_notify)

    def cell_done(self, *_: Any) -> None:
        """post_run_cell: push the definitions a cell changed."""
        if self._deferred:
            self._deferred = False
            self._throttle()

    # ------------------------------------------------------------------ comms
    def attach(self, comm: Any) -> None:
        """Serve ``comm`` (opened by the front end, or by :meth:`open_comm`)."""
        with self._lock:
            self._comms.append(comm)
        comm.on_msg(lambda msg, c=comm: self._on_msg(c, msg))
        comm.on_close(lambda msg, c=comm: self._drop(c))

    def open_comm(self) -> None:
        """Open a comm from the kernel (after ``%load_ext``, the page is already there)."""
        try:
            from comm import create_comm

            comm = create_comm(target_name=COMM_TARGET, data={"schema": SCHEMA})
        except Exception:  # no kernel (plain IPython): nothing to talk to  # noqa: BLE001
            return
        self.attach(comm)

    def _drop(self, comm: Any) -> None:
        with self._lock:
            if comm in self._comms:
                self._comms.remove(comm)
            self._confirmed.discard(id(comm))

    @property
    def connected(self) -> bool:
        """True when a front end with the extension answered on a comm."""
        return bool(self._confirmed)

    def close(self) -> None:
        self._throttle.close()
        self._repo.unsubscribe(self._on_notify)
        for c in list(self._comms):
            try:
                c.close()
            except Exception:  # noqa: BLE001 (the comm must never take the kernel down)
                pass
        self._comms.clear()
        self._confirmed.clear()

    def _send(self, data: dict, comm: Any = None) -> None:
        # Broadcasts go only to comms whose front end said hello: a kernel-opened comm with no
        # extension on the other side (plain Jupyter, VS Code, a test kernel) costs nothing.
        targets = (
            [comm]
            if comm is not None
            else [c for c in list(self._comms) if id(c) in self._confirmed]
        )
        for c in targets:
            try:
                c.send(data)
            except Exception:  # a closed socket never breaks the kernel  # noqa: BLE001
                self._drop(c)

    # ------------------------------------------------------------------ pushes
    def state(self) -> dict:
        """The lineage view model of every asset, with live run status."""
        from dagster_nb._widgets.viewmodel import lineage_view_model

        resolved = self._repo.snapshot()
        running, failed, not_run = self._live.statuses()
        vm = lineage_view_model(
            resolved, self._repo.instance, running=running, failed=failed, not_run=not_run
        )
        vm["version"] = getattr(self._repo, "version", None)
        for n in vm["nodes"]:
            n["cell"] = self._cell_of(n["key"])
        return {"type": "state", "lineage": vm, "time": time.time()}

    def push_state(self) -> None:
        if not self._confirmed:
            return
        try:
            data = self.state()
        except Exception as e:  # e.g. a definition error: show it in the panel  # noqa: BLE001
            data = {"type": "state", "lineage": None, "error": f"{type(e).__name__}: {e}"}
        self._send(data)

    def open_view(self, view: str, selection: str = "") -> None:
        self._send({"type": "open", "view": view, "selection": selection})

    def _on_notify(self, kind: str, payload: Any) -> None:
        if not self._confirmed:
            return  # no front end listens: no view model to build, nothing to send
        if kind == "definitions" and getattr(self._repo, "_current_origin", None) is not None:
            # A cell is defining assets (maybe thousands): one push when it ends, not one per
            # definition while it runs.
            self._deferred = True
            return
        if kind == "event" and payload is not None:
            t = payload.event_type_value
            self._live.add(payload)
            if t in _END:
                self._send({"type": "runs_changed"})
            elif t not in (
                "STEP_START",
                "STEP_SUCCESS",
                "STEP_FAILURE",
                "ASSET_MATERIALIZATION",
                "ASSET_FAILED_TO_MATERIALIZE",
                "PIPELINE_START",
            ):
                return  # logs and plans change no row
        self._throttle()

    # ------------------------------------------------------------------ requests
    def _on_msg(self, comm: Any, msg: dict) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        kind = data.get("type")
        if kind == "hello":
            self._confirmed.add(id(comm))
            try:
                state = self.state()
            except Exception as e:  # noqa: BLE001 (the comm must never take the kernel down)
                state = {"type": "state", "lineage": None, "error": f"{type(e).__name__}: {e}"}
            self._send(state, comm)
            return
        if kind != "request":
            return
        rid = data.get("id")
        op = data.get("op")
        args = data.get("args") or {}
        handler = getattr(self, f"_op_{op}", None) if isinstance(op, str) else None
        try:
            if handler is None:
                raise RequestError(f"Unknown request {op!r}.")
            if not isinstance(args, dict):
                raise RequestError("Request arguments must be an object.")
            reply = {"type": "reply", "id": rid, "ok": True, "data": handler(**args)}
        except RequestError as e:
            reply = {"type": "reply", "id": rid, "ok": False, "error": str(e)}
        except TypeError as e:  # unexpected or missing arguments
            reply = {"type": "reply", "id": rid, "ok": False, "error": f"Bad request {op}: {e}"}
        except Exception as e:  # noqa: BLE001 (the comm must never take the kernel down)
            reply = {"type": "reply", "id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}
        self._send(reply, comm)

    def _key(self, key: Any) -> Any:
        from dagster_nb._errors import did_you_mean
        from dagster_nb._widgets._base import coerce_key

        if not isinstance(key, str) or not key:
            raise RequestError('An asset key is needed (e.g. "orders" or "raw/orders").')
        k = coerce_key(key)
        graph = self._repo.snapshot().graph
        if k not in graph:
            raise RequestError(
                f"No asset {key} in this kernel."
                + did_you_mean(key, (n.to_user_string() for n in graph.nodes))
            )
        return k

    def _cell_of(self, key: str) -> str | None:
        from dagster_nb._widgets._base import coerce_key

        entry = getattr(self._repo, "_entries", {}).get(coerce_key(key))
        origin = getattr(entry, "origin", "") or ""
        return (
            origin[5:] if origin.startswith("cell ") and not origin.startswith("cell #") else None
        )

    def _op_select(self, selection: str = "") -> dict:
        """The keys a selection string resolves to, evaluated here (Dagster's syntax)."""
        from dagster_nb._selection.grammar import parse_selection

        text = (selection or "").strip()
        graph = self._repo.snapshot().graph
        if not text:
            return {"keys": sorted(k.to_user_string() for k in graph.nodes)}
        try:
            keys = parse_selection(text, graph, include_sources=True).resolve(graph)
        except Exception as e:  # noqa: BLE001 (the comm must never take the kernel down)
            raise RequestError(f"{type(e).__name__}: {e}") from None
        return {"keys": sorted(k.to_user_string() for k in keys)}

    def _op_detail(self, key: str, history: int = 10, value: bool = True) -> dict:
        from dagster_nb._widgets.html import value_preview_html
        from dagster_nb._widgets.viewmodel import asset_detail_view_model

        k = self._key(key)
        resolved = self._repo.snapshot()
        d = asset_detail_view_model(resolved, self._repo.instance, k, history=int(history))
        if k in self._live.keys_with_status("running"):
            d["status"] = "running"
        d["cell"] = self._cell_of(key)
        d["value_html"], d["value_error"] = None, None
        if value:
            if not d.get("is_materializable"):
                d["value_error"] = "not materializable here (a source or external asset)"
            elif d.get("last_materialization") is None:
                d["value_error"] = "not materialized yet"
            else:
                part = d["last_materialization"].get("partition") if d.get("partitioned") else None
                try:
                    v = self._repo.load_asset_value(k, partition_key=part)
                    d["value_html"] = value_preview_html(v)
                    d["value_partition"] = part
                except Exception as e:  # noqa: BLE001 (the comm must never take the kernel down)
                    d["value_error"] = f"could not load the value: {type(e).__name__}: {e}"
        return d

    def _partitions_def(self, k: Any) -> Any:
        pdef = self._repo.snapshot().graph.get(k).partitions_def
        if pdef is None:
            raise RequestError(f"{k.to_user_string()} is not partitioned.")
        return pdef

    def _all_partition_keys(self, k: Any) -> list[str]:
        pdef = self._partitions_def(k)
        return [
            str(p) for p in pdef.get_partition_keys(dynamic_partitions_store=self._repo.instance)
        ]

    def _op_partitions(self, key: str) -> dict:
        from dagster_nb._widgets.viewmodel import partition_view_model

        k = self._key(key)
        instance = self._repo.instance
        vm = partition_view_model(
            self._partitions_def(k),
            instance.get_asset_partition_statuses(k),
            dynamic_partitions_store=instance,
        )
        vm["key"] = key
        if vm.get("dimensions", 1) != 1 or vm.get("keys") is None:
            vm["all_keys"] = self._all_partition_keys(k)[:100_000]
        return vm

    def _op_materialize(
        self,
        selection: str | None = None,
        key: str | None = None,
        partition: str | None = None,
        range: list | None = None,
        missing_only: bool = False,
    ) -> dict:
        """Run ``selection`` (or one ``key``): unpartitioned, one ``partition``, a ``range``
        ``[start, end]`` of partitions, or (``missing_only``) every partition not yet
        materialized."""
        from dagster_nb._widgets._base import key_selection

        if key:
            k = self._key(key)
            sel = key_selection(k)
        elif selection and str(selection).strip():
            sel = str(selection).strip()
            self._op_select(sel)  # a bad selection answers with its parse error
        else:
            raise RequestError("Nothing to materialize: give a key or a selection.")
        kwargs: dict[str, Any] = {}
        span = ""
        if partition or range or missing_only:
            if key is None:
                raise RequestError("Partitions are chosen for one asset: give its key.")
            keys = self._all_partition_keys(k)
            if partition:
                if partition not in keys:
                    raise RequestError(_not_a_partition(partition, key, keys))
                kwargs["partition_key"] = partition
                span = partition
            elif range:
                if not isinstance(range, list) or len(range) != 2:
                    raise RequestError("A range is [start, end].")
                a, b = (str(x) for x in range)
                for p in (a, b):
                    if p not in keys:
                        raise RequestError(_not_a_partition(p, key, keys))
                i, j = sorted((keys.index(a), keys.index(b)))
                chosen = keys[i : j + 1]
                if missing_only:
                    statuses = self._repo.instance.get_asset_partition_statuses(k)
                    chosen = [p for p in chosen if statuses.get(p) != "MATERIALIZED"]
                kwargs["partition_keys"] = chosen
                span = f"{keys[i]}...{keys[j]}"
            else:
                statuses = self._repo.instance.get_asset_partition_statuses(k)
                chosen = [p for p in keys if statuses.get(p) != "MATERIALIZED"]
                kwargs["partition_keys"] = chosen
                span = "missing partitions"
            if "partition_keys" in kwargs and not kwargs["partition_keys"]:
                raise RequestError(f"Every partition of {key} in that range is materialized.")
        else:
            self._check_unpartitioned(sel)
        try:
            result = self._repo.materialize(sel, raise_on_error=False, **kwargs)
        except Exception as e:  # noqa: BLE001 (the comm must never take the kernel down)
            raise RequestError(f"{type(e).__name__}: {e}") from None
        self._throttle.flush()
        self.push_state()
        return _result_summary(result, sel, span)

    def _check_unpartitioned(self, sel: str) -> None:
        snap = self._repo.snapshot()
        keys = self._repo.select(sel)
        parted = sorted(
            k.to_user_string() for k in keys if snap.graph.get(k).partitions_def is not None
        )
        if parted:
            raise RequestError(
                f"{', '.join(parted[:5])}{' ...' if len(parted) > 5 else ''} "
                f"{'is' if len(parted) == 1 else 'are'} partitioned: pick a partition, "
                "a range or missing only in the launch dialog of each."
            )

    def _op_runs(self, limit: int = 50) -> dict:
        from dagster_nb._widgets.viewmodel import run_history_view_model

        return run_history_view_model(self._repo.instance, limit=int(limit))

    def _op_run(self, run_id: str) -> dict:
        from dagster_nb._widgets.viewmodel import run_progress_view_model

        instance = self._repo.instance
        if not isinstance(run_id, str) or instance.get_run_by_id(run_id) is None:
            raise RequestError(f"No run {run_id!r} in this instance.")
        entries = instance.all_logs(run_id)
        events = [e.dagster_event for e in entries]
        vm = run_progress_view_model(events)
        logs = []
        errors = []
        for e in events:
            logs.append(
                {
                    "timestamp": e.timestamp,
                    "type": e.event_type_value,
                    "step": e.step_key,
                    "message": e.message or "",
                }
            )
            if e.event_type_value in ("STEP_FAILURE", "PIPELINE_FAILURE") and e.error is not None:
                errors.append({"step": e.step_key, **_error_view(e.error)})
        vm["logs"] = logs
        vm["errors"] = errors
        return vm


def _not_a_partition(p: str, key: str, keys: list[str]) -> str:
    from dagster_nb._errors import did_you_mean

    if not keys:
        return f"{key} has no partitions yet."
    hint = did_you_mean(p, keys)
    return f"{p!r} is not a partition of {key}." + (
        hint or f" Its {len(keys)} partitions go from {keys[0]} to {keys[-1]}."
    )


def _error_view(err: Any) -> dict:
    """The user's exception (innermost cause) and the traceback frames in the user's code."""
    import os

    inner = err
    while getattr(inner, "cause", None) is not None:
        inner = inner.cause
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [_cell_name(f) for f in (inner.stack or ()) if root not in f]
    return {
        "message": str(inner.message),
        "cls_name": inner.cls_name,
        "traceback": "".join(frames) + str(inner.message),
    }


def _cell_name(frame: str) -> str:
    """'File "/tmp/ipykernel_1/123.py", line 3' -> 'Cell In[6], line 3', as IPython shows it."""
    import re

    try:
        from IPython import get_ipython

        cells = getattr(getattr(get_ipython(), "compile", None), "_filename_map", None) or {}
    except Exception:  # noqa: BLE001 (the comm must never take the kernel down)
        return frame

    def sub(m: re.Match) -> str:
        n = cells.get(m.group(1))
        return f"Cell In[{n}], line {m.group(2)}" if n is not None else m.group(0)

    return re.sub(r'File "([^"]+)", line (\d+)', sub, frame)


def _result_summary(result: Any, selection: str, span: str) -> dict:
    results = getattr(result, "results", None)
    runs = list(results) if results is not None else [result]
    statuses = [str(getattr(r.dagster_run_status, "value", r.dagster_run_status)) for r in runs]
    n = sum(len(r.get_asset_materialization_events()) for r in runs)
    ok = all(r.success for r in runs)
    msg = (
        f"{'Run' if len(runs) == 1 else f'{len(runs)} runs'} {runs[-1].run_id[:8]} "
        f"{statuses[-1] if len(runs) == 1 else ('SUCCESS' if ok else 'FAILURE')}: "
        f"{n} materialization{'s' if n != 1 else ''} ({selection}{', ' + span if span else ''})."
    )
    if not ok:
        from dagster_nb._widgets.run_fold import _error_text

        for r in runs:
            fails = r.get_step_failure_events()
            if fails and fails[0].error is not None:
                msg += f" {fails[0].step_key} failed: {_error_text(fails[0].error)}"
                break
    return {
        "run_ids": [r.run_id for r in runs],
        "success": ok,
        "message": msg,
        "materializations": n,
    }


def open_tab(selection: str = "") -> None:
    """``%lineage --tab``: ask the JupyterLab extension to open the Lineage tab."""
    from IPython.core.error import UsageError

    if _channel is None or not _channel.connected:
        raise UsageError(
            "%lineage --tab needs the dagster-nb JupyterLab extension connected to this kernel "
            "(JupyterLab 4 or Notebook 7 with `pip install dagster_nb`, then reload the page). "
            "Without it, %lineage shows the graph in the cell."
        )
    _channel.open_view("lineage", selection)


def get_channel() -> LabChannel | None:
    """The kernel's channel to the JupyterLab extension (None before ``%load_ext``)."""
    return _channel


def install(ipython: Any, repo: Any) -> LabChannel | None:
    """Register the comm target (a page loaded later opens a comm) and open one now (a page
    already there gets the state at once). No kernel (plain IPython): nothing to do."""
    global _channel
    kernel = getattr(ipython, "kernel", None)
    if kernel is None:
        return None
    if _channel is not None:
        uninstall(ipython)
    channel = LabChannel(repo)
    manager = getattr(kernel, "comm_manager", None)
    if manager is None:
        try:
            from comm import get_comm_manager

            manager = get_comm_manager()
        except Exception:  # noqa: BLE001 (the comm must never take the kernel down)
            return None
    manager.register_target(COMM_TARGET, lambda comm, msg: channel.attach(comm))
    ipython.events.register("post_run_cell", channel.cell_done)
    channel.open_comm()
    _channel = channel
    return channel


def uninstall(ipython: Any) -> None:
    global _channel
    if _channel is None:
        return
    try:
        ipython.events.unregister("post_run_cell", _channel.cell_done)
    except ValueError:
        pass
    manager = getattr(getattr(ipython, "kernel", None), "comm_manager", None)
    if manager is not None:
        try:
            manager.unregister_target(COMM_TARGET, None)
        except Exception:  # noqa: BLE001 (the comm must never take the kernel down)
            pass
    _channel.close()
    _channel = None
