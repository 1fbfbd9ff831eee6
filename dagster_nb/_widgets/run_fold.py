"""The one fold of run events into statuses.

:class:`RunFold` folds one run's events, one at a time, into a status per asset; the run
progress view model folds a stored run with it, and :class:`LiveRuns` folds the runs going on
now for the live views (the kernel repository, the lineage widget, the JupyterLab channel).
Kept apart from ``viewmodel.py`` so that the kernel repository can hold one without loading
the view models.
"""

from __future__ import annotations

import threading
from typing import Any

from dagster_nb._definitions.asset_key import AssetKey

_NOT_RUN_REASONS = ("UPSTREAM_FAILED_TO_MATERIALIZE", "RUN_TERMINATED")


_RUN_END = {
    "PIPELINE_SUCCESS": "SUCCESS",
    "PIPELINE_FAILURE": "FAILURE",
    "PIPELINE_CANCELED": "CANCELED",
}


def _error_text(err: Any) -> str:
    """The user's exception (the innermost cause), not our wrapper."""
    while getattr(err, "cause", None) is not None:
        err = err.cause
    return str(err.message)


def _key_str(key: AssetKey) -> str:
    return key.to_user_string()


_STEP_END = {"STEP_SUCCESS": "success", "STEP_FAILURE": "failed", "STEP_SKIPPED": "skipped"}


class RunFold:
    """One run's events folded into a status per asset, one event at a time.

    The only fold of run events into statuses: ``run_progress_view_model`` folds a run's stored
    events with it, and the lineage widget folds the events of live runs with it (its running
    and failed nodes are this fold's ``keys_with_status``). Statuses: planned, running,
    success, failed, skipped (a step skipped, or an asset that never ran because an upstream
    failed or the run was terminated: Dagster's "not run" reasons).
    """

    __slots__ = ("run", "_rows", "_keys", "_step_assets")

    def __init__(self, run_id: Any = None) -> None:
        self.run: dict[str, Any] = {
            "run_id": run_id,
            "status": "NOT_STARTED",
            "start_time": None,
            "end_time": None,
            "job_name": None,
        }
        self._rows: dict[str, dict] = {}
        self._keys: dict[str, AssetKey] = {}  # row key -> the asset key it stands for
        self._step_assets: dict[str, list[str]] = {}

    @property
    def ended(self) -> bool:
        return self.run["status"] in _RUN_END.values()

    def _row(self, key: str, step: str | None) -> dict:
        r = self._rows.get(key)
        if r is None:
            r = self._rows[key] = {
                "key": key,
                "step": step,
                "status": "planned",
                "start_time": None,
                "end_time": None,
                "duration": None,
                "elapsed": None,
                "partitions": None,
                "error": None,
                "_planned": [],
                "_done": set(),
                "_failed": set(),
            }
        return r

    def _asset_row(self, asset_key: AssetKey, step: str | None) -> dict:
        k = _key_str(asset_key)
        self._keys[k] = asset_key
        return self._row(k, step)

    def _step_rows(self, step: str) -> list[dict]:
        """The rows of a step's assets (the step's own row when it planned none)."""
        keys = self._step_assets.get(step)
        if not keys:
            self._keys.setdefault(step, AssetKey.from_user_string(step))
            keys = [step]
        return [self._row(k, step) for k in keys]

    def add(self, e: Any) -> None:
        """Fold one event (a ``DagsterEvent`` or an ``EventLogEntry``) in."""
        t = e.event_type_value
        run = self.run
        if run["job_name"] is None and getattr(e, "job_name", None):
            run["job_name"] = e.job_name
        if t == "PIPELINE_START":
            run["status"] = "STARTED"
            run["start_time"] = e.timestamp
        elif t in _RUN_END:
            run["status"] = _RUN_END[t]
            run["end_time"] = e.timestamp
        elif t == "ASSET_MATERIALIZATION_PLANNED" and e.asset_key is not None:
            r = self._asset_row(e.asset_key, e.step_key)
            if e.step_key:
                lst = self._step_assets.setdefault(e.step_key, [])
                if r["key"] not in lst:
                    lst.append(r["key"])
            if e.partition is not None:
                r["_planned"].append(e.partition)
        elif t == "STEP_START" and e.step_key:
            for r in self._step_rows(e.step_key):
                r["status"] = "running"
                r["start_time"] = e.timestamp
        elif t == "ASSET_MATERIALIZATION" and e.asset_key is not None:
            self._asset_row(e.asset_key, e.step_key)["_done"].add(e.partition)
        elif t == "ASSET_FAILED_TO_MATERIALIZE" and e.asset_key is not None:
            r = self._asset_row(e.asset_key, e.step_key)
            if (e.data or {}).get("reason") in _NOT_RUN_REASONS:
                if r["status"] in ("planned", "running"):
                    r["status"] = "skipped"  # never ran
            else:
                r["_failed"].add(e.partition)
                r["status"] = "failed"
        elif t in _STEP_END and e.step_key:
            status = _STEP_END[t]
            duration = (e.data or {}).get("duration")
            for r in self._step_rows(e.step_key):
                if r["status"] != "failed":  # an asset of the step that failed stays failed
                    r["status"] = status
                r["end_time"] = e.timestamp
                r["duration"] = (
                    duration
                    if duration is not None
                    else (e.timestamp - r["start_time"] if r["start_time"] is not None else None)
                )
                if e.error is not None:
                    r["error"] = _error_text(e.error)

    def keys_with_status(self, status: str) -> set[AssetKey]:
        """The asset keys whose row has ``status`` now."""
        return {self._keys[k] for k, r in self._rows.items() if r["status"] == status}

    def rows(self, now: float | None = None) -> list[dict]:
        """The rows as the view model shows them (``now`` fills ``elapsed`` of running rows);
        once the run ended, a row still planned was skipped and one still running failed."""
        out = []
        ended = self.ended
        for r in self._rows.values():
            row = {k: v for k, v in r.items() if not k.startswith("_")}
            planned, done, failed = r["_planned"], r["_done"], r["_failed"]
            if planned:
                row["partitions"] = {
                    "done": len(done - {None}),
                    "failed": len(failed - {None}),
                    "total": len(set(planned)),
                }
            if row["status"] == "running" and now is not None and row["start_time"] is not None:
                row["elapsed"] = max(0.0, now - row["start_time"])
            if ended and row["status"] in ("running", "planned"):
                row["status"] = "skipped" if row["status"] == "planned" else "failed"
            out.append(row)
        return out


class LiveRuns:
    """The runs going on now, each folded by its own :class:`RunFold` as its events arrive.

    What the live views (the kernel repository, the lineage widget, the JupyterLab channel) know
    between two reads of the instance; a run's fold is dropped when the run ends, because the
    instance then holds its final state. Thread-safe: events arrive on the executor's threads.
    """

    __slots__ = ("_folds", "_lock")

    def __init__(self) -> None:
        self._folds: dict[Any, RunFold] = {}
        self._lock = threading.RLock()  # statuses() reads under it, through keys_with_status

    def add(self, e: Any) -> bool:
        """Fold one event in; True when it ended its run."""
        with self._lock:
            fold = self._folds.get(e.run_id)
            if fold is None:
                fold = self._folds[e.run_id] = RunFold(e.run_id)
            fold.add(e)
            if fold.ended:
                del self._folds[e.run_id]
                return True
            return False

    def clear(self) -> None:
        with self._lock:
            self._folds.clear()

    def __bool__(self) -> bool:
        return bool(self._folds)

    def keys_with_status(self, status: str) -> set[AssetKey]:
        # Under the lock: a fold's rows change while the executor's thread adds events.
        with self._lock:
            out: set[AssetKey] = set()
            for fold in self._folds.values():
                out |= fold.keys_with_status(status)
            return out

    def statuses(self) -> tuple[set[AssetKey], set[AssetKey], set[AssetKey]]:
        """``(running, failed, not_run)``: the assets running now, those that failed in a live
        run, and those a live run will not run (an upstream failed); for the lineage view model."""
        with self._lock:  # one consistent reading of every fold
            failed = self.keys_with_status("failed")
            running = self.keys_with_status("running")
            not_run = self.keys_with_status("skipped")
        return running - failed, failed, not_run
