"""In-memory storage: everything in dicts, gone when the process exits.

What ``DagsterInstance.ephemeral()`` uses. Thread-safe (one lock).

>>> s = InMemoryStorage()
>>> s.add_dynamic_partitions("regions", ["eu", "us", "eu"])
>>> s.get_dynamic_partitions("regions")
['eu', 'us']
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvariantViolationError
from dagster_nb._events import DagsterEvent, DagsterEventType, DagsterRunStatus
from dagster_nb._storage.base import (
    ASSET_EVENT_TYPES,
    RUN_END_EVENTS,
    RUN_ORDER_COLUMNS,
    RUN_STATUS_BY_EVENT,
    Storage,
)
from dagster_nb._storage.process import current_process
from dagster_nb._storage.records import (
    AssetPartitionStatus,
    AssetStatusRecord,
    DagsterRun,
    EventLogRecord,
    asset_key_of,
    partition_of,
)

if TYPE_CHECKING:
    from dagster_nb._storage.queries import (
        AssetRecord,
        EventRecordsFilter,
        RunRecord,
        RunsFilter,
    )

__all__ = ["InMemoryStorage"]

E = DagsterEventType
_MAT = E.ASSET_MATERIALIZATION.value
_OBS = E.ASSET_OBSERVATION.value
_PLANNED = E.ASSET_MATERIALIZATION_PLANNED.value
_FAILED = E.ASSET_FAILED_TO_MATERIALIZE.value
_STEP_FAILURE = E.STEP_FAILURE.value
# events that change a run's status or an asset's (see _apply)
_STATUS_EVENT_TYPES = frozenset({*RUN_STATUS_BY_EVENT, *ASSET_EVENT_TYPES, _STEP_FAILURE})
S = AssetPartitionStatus


@dataclass(slots=True)
class _RunRow:
    storage_id: int
    run: DagsterRun
    create_ts: float
    update_ts: float


@dataclass(slots=True)
class _StatusRow:
    """Mutable per-asset or per-partition state (the same columns SQLite keeps)."""

    storage_id: int = 0
    status: str | None = None
    status_run_id: str | None = None
    status_step_key: str | None = None
    mat_id: int | None = None
    mat_ts: float | None = None
    mat_run_id: str | None = None
    obs_id: int | None = None
    obs_ts: float | None = None
    planned_id: int | None = None
    planned_run_id: str | None = None
    failed_id: int | None = None
    failed_ts: float | None = None
    failed_run_id: str | None = None


def _utc(ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


class InMemoryStorage(Storage):
    """Runs, events, asset records and dynamic partitions held in this process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.wipe()

    # --- lifecycle ---
    def wipe(self) -> None:
        with getattr(self, "_lock", threading.RLock()):
            self._next_run_id = 1
            self._next_event_id = 1
            self._next_asset_id = 1
            self._runs: dict[str, _RunRow] = {}
            self._events: dict[int, DagsterEvent] = {}
            self._run_events: dict[str, list[int]] = {}
            self._asset_events: dict[AssetKey, list[int]] = {}
            self._assets: dict[AssetKey, _StatusRow] = {}
            self._partitions: dict[AssetKey, dict[str, _StatusRow]] = {}
            self._dynamic: dict[str, dict[str, None]] = {}
            # run id -> the rows its planned materializations set in progress (so a run's end
            # finds them without scanning every asset and partition)
            self._planned_rows: dict[str, list[_StatusRow]] = {}

    # --- runs ---
    def add_run(
        self, run: DagsterRun, *, create_timestamp: float, events: Sequence[DagsterEvent] = ()
    ) -> DagsterRun:
        with self._lock:
            if run.run_id in self._runs:
                raise DagsterInvariantViolationError(
                    f"A run with id {run.run_id!r} already exists in this instance."
                )
            self._runs[run.run_id] = _RunRow(
                self._next_run_id, run, create_timestamp, create_timestamp
            )
            self._next_run_id += 1
            self._store_events_locked(events)
            return run

    def get_run_records(
        self,
        filters: RunsFilter | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        ascending: bool = False,
        cursor: str | None = None,
    ) -> list[RunRecord]:
        with self._lock:
            rows = [
                r
                for r in self._runs.values()
                if filters is None or filters.matches(r.run, r.create_ts, r.update_ts)
            ]
        key = _run_sort_key(order_by)
        rows.sort(key=key, reverse=not ascending)
        if cursor is not None:
            idx = next((i for i, r in enumerate(rows) if r.run.run_id == cursor), None)
            rows = rows[idx + 1 :] if idx is not None else rows
        if limit is not None:
            rows = rows[:limit]
        from dagster_nb._storage.queries import RunRecord

        return [
            RunRecord(
                storage_id=r.storage_id,
                dagster_run=r.run,
                create_timestamp=_utc(r.create_ts),
                update_timestamp=_utc(r.update_ts),
                start_time=r.run.start_time,
                end_time=r.run.end_time,
            )
            for r in rows
        ]

    def get_runs_count(self, filters: RunsFilter | None = None) -> int:
        with self._lock:
            if filters is None:
                return len(self._runs)
            return sum(
                1 for r in self._runs.values() if filters.matches(r.run, r.create_ts, r.update_ts)
            )

    def delete_run(self, run_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)
            self._planned_rows.pop(run_id, None)
            for i in self._run_events.pop(run_id, ()):
                self._events.pop(i, None)

    # --- events ---
    def store_events(
        self, events: Sequence[DagsterEvent], *, if_run_unfinished: str | None = None
    ) -> list[int]:
        with self._lock:
            if if_run_unfinished is not None:
                row = self._runs.get(if_run_unfinished)
                if row is None or row.run.is_finished:
                    return []
            return self._store_events_locked(events)

    def _store_events_locked(self, events: Sequence[DagsterEvent]) -> list[int]:
        first = self._next_event_id
        self._next_event_id = first + len(events)
        ids = list(range(first, first + len(events)))
        stored, by_asset = self._events, self._asset_events
        run_events: list[int] | None = None
        run_id = None
        for sid, ev in zip(ids, events, strict=True):
            stored[sid] = ev
            if ev.run_id != run_id:
                run_id = ev.run_id
                run_events = self._run_events.setdefault(run_id, [])
            run_events.append(sid)  # type: ignore[union-attr]
            key = asset_key_of(ev)
            if key is not None:
                by_asset.setdefault(key, []).append(sid)
            t = ev.event_type_value
            # most events (step start/output/success, loaded input, logs) change no status
            if t in _STATUS_EVENT_TYPES:
                self._apply(sid, ev, key)
        return ids

    def _apply(self, sid: int, ev: DagsterEvent, key: AssetKey | None) -> None:
        t = ev.event_type_value
        status = RUN_STATUS_BY_EVENT.get(t)
        if status is not None:
            self._apply_run_event(sid, ev, status)
        if key is not None and (t in ASSET_EVENT_TYPES or t == _STEP_FAILURE):
            rows = [self._asset_row(key)]
            partition = partition_of(ev)
            if partition is not None:
                parts = self._partitions.setdefault(key, {})
                prow = parts.get(partition)
                if prow is None:
                    prow = parts[partition] = _StatusRow()
                rows.append(prow)
            for row in rows:
                _update_row(row, sid, ev)
            if t == _PLANNED:
                self._planned_rows.setdefault(ev.run_id, []).extend(rows)
        elif t == _STEP_FAILURE:
            for row in self._in_progress_rows(ev.run_id):
                if row.status_step_key == ev.step_key:
                    _fail(row, sid, ev)

    def _asset_row(self, key: AssetKey) -> _StatusRow:
        row = self._assets.get(key)
        if row is None:
            row = self._assets[key] = _StatusRow(storage_id=self._next_asset_id)
            self._next_asset_id += 1
        return row

    def _in_progress_rows(self, run_id: str) -> list[_StatusRow]:
        rows = {
            id(r): r
            for r in self._planned_rows.get(run_id, ())
            if r.status == S.IN_PROGRESS and r.status_run_id == run_id
        }
        return list(rows.values())

    def _apply_run_event(self, sid: int, ev: DagsterEvent, status: DagsterRunStatus) -> None:
        row = self._runs.get(ev.run_id)
        t = ev.event_type_value
        if row is not None:
            changes: dict = {"status": status}
            if t == E.RUN_START.value:
                me = current_process()
                changes.update(
                    start_time=row.run.start_time or ev.timestamp,
                    owner_pid=me.pid,
                    owner_host=me.host,
                    owner_boot_id=me.boot_id,
                    owner_start=me.start,
                )
            if t in RUN_END_EVENTS:
                changes["end_time"] = ev.timestamp
            row.run = dataclasses.replace(row.run, **changes)
            row.update_ts = max(row.update_ts, ev.timestamp)
        if t in RUN_END_EVENTS:
            for r in self._in_progress_rows(ev.run_id):
                if t == E.RUN_SUCCESS.value:
                    r.status = S.MATERIALIZED if r.mat_id is not None else None
                else:
                    _fail(r, sid, ev)
            self._planned_rows.pop(ev.run_id, None)

    def get_event_records(
        self,
        event_records_filter: EventRecordsFilter,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[EventLogRecord]:
        f = event_records_filter
        t = f.event_type.value  # type: ignore[union-attr]
        lo, hi = f.min_storage_id, f.max_storage_id
        with self._lock:
            if f.asset_key is not None:
                ids = list(self._asset_events.get(f.asset_key, ()))
            else:
                ids = list(self._events)
            out = []
            for sid in ids if ascending else reversed(ids):
                ev = self._events.get(sid)
                if ev is None or ev.event_type_value != t:
                    continue
                if (lo is not None and sid <= lo) or (hi is not None and sid >= hi):
                    continue
                if f.storage_ids is not None and sid not in f.storage_ids:
                    continue
                if f.after_timestamp is not None and ev.timestamp <= f.after_timestamp:
                    continue
                if f.before_timestamp is not None and ev.timestamp >= f.before_timestamp:
                    continue
                if f.asset_partitions is not None and partition_of(ev) not in f.asset_partitions:
                    continue
                out.append(EventLogRecord.of(sid, ev))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def get_records_for_run(
        self,
        run_id: str,
        after_storage_id: int | None = None,
        of_types: frozenset[str] | None = None,
        limit: int | None = None,
        ascending: bool = True,
    ) -> list[EventLogRecord]:
        with self._lock:
            ids = list(self._run_events.get(run_id, ()))
            out = []
            for sid in ids if ascending else reversed(ids):
                ev = self._events.get(sid)
                if ev is None:
                    continue
                if after_storage_id is not None and (
                    sid <= after_storage_id if ascending else sid >= after_storage_id
                ):
                    continue
                if of_types is not None and ev.event_type_value not in of_types:
                    continue
                out.append(EventLogRecord.of(sid, ev))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def _record(self, sid: int | None) -> EventLogRecord | None:
        if sid is None:
            return None
        ev = self._events.get(sid)
        return EventLogRecord.of(sid, ev) if ev is not None else None

    def get_latest_asset_record(
        self, asset_key: AssetKey, event_type: DagsterEventType, partition: str | None = None
    ) -> EventLogRecord | None:
        with self._lock:
            if partition is None:
                row = self._assets.get(asset_key)
            else:
                row = self._partitions.get(asset_key, {}).get(partition)
            if row is None:
                return None
            sid = row.mat_id if event_type.value == _MAT else row.obs_id
            return self._record(sid)

    def get_latest_materialization_records(
        self, asset_keys: Iterable[AssetKey]
    ) -> dict[AssetKey, EventLogRecord]:
        out = {}
        with self._lock:
            for key in asset_keys:
                row = self._assets.get(key)
                rec = self._record(row.mat_id) if row is not None else None
                if rec is not None:
                    out[key] = rec
        return out

    def get_asset_keys(
        self,
        prefix: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[AssetKey]:
        with self._lock:
            keys = sorted(self._assets, key=lambda k: k.to_string())
        if prefix:
            keys = [k for k in keys if k.has_prefix(prefix)]
        if cursor is not None:
            keys = [k for k in keys if k.to_string() > cursor]
        return keys[:limit] if limit is not None else keys

    def has_asset_key(self, asset_key: AssetKey) -> bool:
        with self._lock:
            return asset_key in self._assets

    def get_asset_records(self, asset_keys: Sequence[AssetKey] | None = None) -> list[AssetRecord]:
        from dagster_nb._storage.queries import AssetEntry, AssetRecord

        with self._lock:
            keys = list(self._assets) if asset_keys is None else asset_keys
            out = []
            for key in keys:
                row = self._assets.get(key)
                if row is None:
                    continue
                out.append(
                    AssetRecord(
                        storage_id=row.storage_id,
                        asset_entry=AssetEntry(
                            asset_key=key,
                            last_materialization_record=self._record(row.mat_id),
                            last_run_id=row.mat_run_id,
                            last_observation_record=self._record(row.obs_id),
                            last_planned_materialization_storage_id=row.planned_id,
                            last_planned_materialization_run_id=row.planned_run_id,
                            last_failed_to_materialize_storage_id=row.failed_id,
                        ),
                    )
                )
            return out

    def get_asset_status_records(
        self, asset_keys: Sequence[AssetKey] | None = None
    ) -> list[AssetStatusRecord]:
        with self._lock:
            keys = list(self._assets) if asset_keys is None else asset_keys
            out = []
            for key in keys:
                r = self._assets.get(key)
                if r is None:
                    continue
                out.append(
                    AssetStatusRecord(
                        asset_key=key,
                        status=r.status,
                        last_materialization_storage_id=r.mat_id,
                        last_materialization_timestamp=r.mat_ts,
                        last_materialization_run_id=r.mat_run_id,
                        last_observation_storage_id=r.obs_id,
                        last_observation_timestamp=r.obs_ts,
                        last_planned_storage_id=r.planned_id,
                        last_planned_run_id=r.planned_run_id,
                        last_failed_storage_id=r.failed_id,
                        last_failed_timestamp=r.failed_ts,
                        last_failed_run_id=r.failed_run_id,
                    )
                )
            return out

    def get_materialized_partitions(self, asset_key: AssetKey) -> set[str]:
        with self._lock:
            parts = self._partitions.get(asset_key, {})
            return {p for p, r in parts.items() if r.mat_id is not None}

    def get_partition_statuses(self, asset_key: AssetKey) -> dict[str, str]:
        with self._lock:
            parts = self._partitions.get(asset_key, {})
            return {p: r.status for p, r in parts.items() if r.status is not None}

    def wipe_assets(self, asset_keys: Sequence[AssetKey]) -> None:
        with self._lock:
            for key in asset_keys:
                self._assets.pop(key, None)
                self._partitions.pop(key, None)
                for sid in self._asset_events.pop(key, ()):
                    ev = self._events.pop(sid, None)
                    if ev is not None:
                        lst = self._run_events.get(ev.run_id)
                        if lst is not None:
                            lst.remove(sid)

    # --- dynamic partitions ---
    def add_dynamic_partitions(
        self, partitions_def_name: str, partition_keys: Sequence[str]
    ) -> None:
        with self._lock:
            d = self._dynamic.setdefault(partitions_def_name, {})
            for k in partition_keys:
                d.setdefault(k, None)

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        with self._lock:
            return list(self._dynamic.get(partitions_def_name, {}))

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        with self._lock:
            return partition_key in self._dynamic.get(partitions_def_name, {})

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        with self._lock:
            self._dynamic.get(partitions_def_name, {}).pop(partition_key, None)


def _run_sort_key(order_by: str | None):
    col = order_by or "id"
    if col not in RUN_ORDER_COLUMNS:
        raise DagsterInvariantViolationError(
            f"Cannot order runs by {col!r}; use one of {', '.join(RUN_ORDER_COLUMNS)}."
        )
    get = {
        "id": lambda r: r.storage_id,
        "create_timestamp": lambda r: r.create_ts,
        "update_timestamp": lambda r: r.update_ts,
        "start_time": lambda r: r.run.start_time or 0.0,
        "end_time": lambda r: r.run.end_time or 0.0,
    }[col]
    return lambda r: (get(r), r.storage_id)


def _fail(row: _StatusRow, sid: int, ev: DagsterEvent) -> None:
    row.status = S.FAILED
    row.status_run_id = ev.run_id
    row.failed_id = sid
    row.failed_ts = ev.timestamp
    row.failed_run_id = ev.run_id


def _update_row(row: _StatusRow, sid: int, ev: DagsterEvent) -> None:
    t = ev.event_type_value
    if t == _MAT:
        row.status = S.MATERIALIZED
        row.status_run_id = ev.run_id
        row.mat_id, row.mat_ts, row.mat_run_id = sid, ev.timestamp, ev.run_id
    elif t == _OBS:
        row.obs_id, row.obs_ts = sid, ev.timestamp
    elif t == _PLANNED:
        row.status = S.IN_PROGRESS
        row.status_run_id = ev.run_id
        row.status_step_key = ev.step_key
        row.planned_id, row.planned_run_id = sid, ev.run_id
    else:  # ASSET_FAILED_TO_MATERIALIZE, or STEP_FAILURE naming the asset
        _fail(row, sid, ev)
