"""Ticks and instigator state of schedules and sensors, kept in the instance.

    store = instance.get_tick_store()
    tick = store.claim("new_files", "sensor", tick_ts=now, now=now, owner="kernel-1")
    if tick is not None:  # nobody else is evaluating it, and it is due
        ...
        store.finish(tick, status="SUCCESS", run_ids=[...], cursor="7")
    store.get_ticks("new_files", "sensor", limit=10)

A tick row is written when a loop claims the tick (status STARTED) and completed when it ends
(SUCCESS / SKIPPED / FAILURE, skip reason, the user's traceback, run ids, cursor). The state row
per (name, kind) holds the start/stop status set by the user, the cursor, the last tick time and
which loop is evaluating it now (``running_owner``): a claim is refused while another loop holds
it (within ``lease`` seconds) or, for sensors, before ``min_interval`` has passed since the last
tick started. So a sensor slower than its interval is never started twice, and two loops on one
instance never launch the same tick twice (schedules: a (name, tick time) row is unique).

SQLite: the two tables are created on first use (``CREATE TABLE IF NOT EXISTS``), so an instance
file made before they existed opens unchanged and gains them; the in-memory instance keeps the
same rows in dicts.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from dagster_nb._dataclass import dataclass

__all__ = ["TickRecord", "InstigatorState", "TickStore", "tick_store_for"]

STARTED, SUCCESS, SKIPPED, FAILURE = "STARTED", "SUCCESS", "SKIPPED", "FAILURE"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS automation_ticks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    tick_ts REAL NOT NULL,
    status TEXT NOT NULL,
    skip_reason TEXT,
    error TEXT,
    run_ids TEXT NOT NULL DEFAULT '[]',
    run_keys TEXT NOT NULL DEFAULT '[]',
    cursor TEXT,
    start_ts REAL NOT NULL,
    end_ts REAL,
    owner TEXT,
    UNIQUE (name, kind, tick_ts)
);
CREATE INDEX IF NOT EXISTS automation_ticks_by_name ON automation_ticks (name, kind, id);
CREATE TABLE IF NOT EXISTS automation_state (
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT,
    cursor TEXT,
    last_tick_ts REAL,
    running_owner TEXT,
    running_since REAL,
    started_ts REAL,
    PRIMARY KEY (name, kind)
);
"""
_STATE_COLUMNS = (
    "status, cursor, last_tick_ts, running_owner, running_since, started_ts"  # InstigatorState's
)


@dataclass(frozen=True, slots=True)
class TickRecord:
    """One tick of a schedule or sensor (``kind``: "schedule", "sensor" or "automation")."""

    id: int
    name: str
    kind: str
    tick_ts: float
    status: str
    start_ts: float
    skip_reason: str | None = None
    error: str | None = None
    run_ids: tuple[str, ...] = ()
    run_keys: tuple[str, ...] = ()
    cursor: str | None = None
    end_ts: float | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class InstigatorState:
    """The stored state of one schedule or sensor (``status`` None: its default_status)."""

    name: str
    kind: str
    status: str | None = None
    cursor: str | None = None
    last_tick_ts: float | None = None
    running_owner: str | None = None
    running_since: float | None = None
    # When it was started (by the user, or first seen running by a loop): a schedule launches
    # no cron tick from before, as Dagster's ScheduleInstigatorData.start_timestamp.
    started_ts: float | None = None


class TickStore:
    """Ticks and states, in SQLite (``storage`` a SqliteStorage) or in memory."""

    def __init__(self, storage: Any):
        self._sql = hasattr(storage, "_write") and hasattr(storage, "path")
        self._storage = storage
        self._lock = threading.RLock()
        self._ready = False
        # in memory
        self._ticks: list[TickRecord] = []
        self._states: dict[tuple[str, str], InstigatorState] = {}

    # ------------------------------------------------------------------ sqlite plumbing
    def _ensure(self) -> None:
        if self._ready or not self._sql:
            return

        def go(c) -> None:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            # tables made before started_ts existed gain it
            cols = {r[1] for r in c.execute("PRAGMA table_info(automation_state)").fetchall()}
            if "started_ts" not in cols:
                c.execute("ALTER TABLE automation_state ADD COLUMN started_ts REAL")

        self._storage._write(go, "create the automation tables")
        self._ready = True

    def _write(self, fn, doing: str):
        self._ensure()
        return self._storage._write(fn, doing)

    def _read(self, fn, doing: str):
        self._ensure()
        return self._storage._read(fn, doing)

    # ------------------------------------------------------------------ state
    def get_state(self, name: str, kind: str) -> InstigatorState:
        if not self._sql:
            with self._lock:
                return self._states.get((name, kind)) or InstigatorState(name, kind)
        row = self._read(
            lambda c: c.execute(
                f"SELECT {_STATE_COLUMNS} FROM automation_state WHERE name = ? AND kind = ?",
                (name, kind),
            ).fetchone(),
            "read a schedule/sensor state",
        )
        return InstigatorState(name, kind, *row) if row else InstigatorState(name, kind)

    def all_states(self) -> list[InstigatorState]:
        if not self._sql:
            with self._lock:
                return list(self._states.values())
        rows = self._read(
            lambda c: c.execute(
                f"SELECT name, kind, {_STATE_COLUMNS} FROM automation_state"
            ).fetchall(),
            "read schedule/sensor states",
        )
        return [InstigatorState(*r) for r in rows]

    def set_status(
        self, name: str, kind: str, status: str | None, *, started_ts: float | None = None
    ) -> None:
        """RUNNING / STOPPED as the user set it (None: back to the definition's default);
        ``started_ts``, when given, is the new start time (a schedule started again)."""
        if not self._sql:
            with self._lock:
                st = replace(self.get_state(name, kind), status=status)
                if started_ts is not None:
                    st = replace(st, started_ts=started_ts)
                self._states[(name, kind)] = st
            return
        self._write(
            lambda c: c.execute(
                "INSERT INTO automation_state (name, kind, status, started_ts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name, kind) DO UPDATE SET status = excluded.status, "
                "started_ts = COALESCE(excluded.started_ts, started_ts)",
                (name, kind, status, started_ts),
            ),
            "set a schedule/sensor status",
        )

    def mark_started(self, name: str, kind: str, started_ts: float) -> float:
        """Record ``started_ts`` unless a start time is stored already; the stored one."""
        if not self._sql:
            with self._lock:
                st = self.get_state(name, kind)
                if st.started_ts is None:
                    st = self._states[(name, kind)] = replace(st, started_ts=started_ts)
                return st.started_ts  # type: ignore[return-value]

        def go(c) -> float:
            c.execute(
                "INSERT INTO automation_state (name, kind, started_ts) VALUES (?, ?, ?) "
                "ON CONFLICT (name, kind) DO UPDATE SET "
                "started_ts = COALESCE(started_ts, excluded.started_ts)",
                (name, kind, started_ts),
            )
            return c.execute(
                "SELECT started_ts FROM automation_state WHERE name = ? AND kind = ?",
                (name, kind),
            ).fetchone()[0]

        return self._write(go, "record when a schedule started")

    def set_cursor(self, name: str, kind: str, cursor: str | None) -> None:
        if not self._sql:
            with self._lock:
                self._states[(name, kind)] = replace(self.get_state(name, kind), cursor=cursor)
            return
        self._write(
            lambda c: c.execute(
                "INSERT INTO automation_state (name, kind, cursor) VALUES (?, ?, ?) "
                "ON CONFLICT (name, kind) DO UPDATE SET cursor = excluded.cursor",
                (name, kind, cursor),
            ),
            "set a sensor cursor",
        )

    # ------------------------------------------------------------------ ticks
    def claim(
        self,
        name: str,
        kind: str,
        *,
        tick_ts: float,
        now: float,
        owner: str,
        min_interval: float = 0.0,
        lease: float = 600.0,
    ) -> TickRecord | None:
        """Start a tick, or None when it must not start: another loop is evaluating this
        instigator (its claim younger than ``lease`` seconds, and its process alive), the
        previous tick started less than ``min_interval`` ago, or this (name, tick time) was
        already ticked. A tick left STARTED by a loop that died is resumed (same row), as
        Dagster's scheduler re-does an interrupted tick."""
        if not self._sql:
            with self._lock:
                st = self._states.get((name, kind)) or InstigatorState(name, kind)
                if not _may_start(st, tick_ts, now, min_interval, lease):
                    return None
                same = [
                    t
                    for t in self._ticks
                    if t.name == name and t.kind == kind and t.tick_ts == tick_ts
                ]
                if same and same[0].status != STARTED:
                    return None
                if same:
                    rec = replace(same[0], start_ts=now, owner=owner)
                    self._ticks[rec.id - 1] = rec
                else:
                    rec = TickRecord(
                        id=len(self._ticks) + 1,
                        name=name,
                        kind=kind,
                        tick_ts=tick_ts,
                        status=STARTED,
                        start_ts=now,
                        owner=owner,
                    )
                    self._ticks.append(rec)
                self._states[(name, kind)] = replace(
                    st, last_tick_ts=tick_ts, running_owner=owner, running_since=now
                )
                return rec

        def go(c) -> TickRecord | None:
            row = c.execute(
                f"SELECT {_STATE_COLUMNS} FROM automation_state WHERE name = ? AND kind = ?",
                (name, kind),
            ).fetchone()
            st = InstigatorState(name, kind, *row) if row else InstigatorState(name, kind)
            if not _may_start(st, tick_ts, now, min_interval, lease):
                return None
            same = c.execute(
                "SELECT id, status FROM automation_ticks WHERE name = ? AND kind = ? AND tick_ts = ?",
                (name, kind, tick_ts),
            ).fetchone()
            if same and same[1] != STARTED:
                return None
            if same:  # interrupted: this loop takes it over
                c.execute(
                    "UPDATE automation_ticks SET start_ts = ?, owner = ? WHERE id = ?",
                    (now, owner, same[0]),
                )
                tick_id = same[0]
            else:
                tick_id = c.execute(
                    "INSERT INTO automation_ticks (name, kind, tick_ts, status, start_ts, owner) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (name, kind, tick_ts, STARTED, now, owner),
                ).lastrowid
            c.execute(
                "INSERT INTO automation_state (name, kind, last_tick_ts, running_owner, running_since) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, kind) DO UPDATE SET "
                "last_tick_ts = excluded.last_tick_ts, running_owner = excluded.running_owner, "
                "running_since = excluded.running_since",
                (name, kind, tick_ts, owner, now),
            )
            return TickRecord(
                id=tick_id,
                name=name,
                kind=kind,
                tick_ts=tick_ts,
                status=STARTED,
                start_ts=now,
                owner=owner,
            )

        return self._write(go, "claim a tick")

    def finish(
        self,
        tick: TickRecord,
        *,
        status: str,
        end_ts: float,
        skip_reason: str | None = None,
        error: str | None = None,
        run_ids=(),
        run_keys=(),
        cursor: str | None = None,
        update_cursor: bool = False,
    ) -> TickRecord:
        """Complete a claimed tick and release the instigator (storing ``cursor`` when
        ``update_cursor``)."""
        done = replace(
            tick,
            status=status,
            end_ts=end_ts,
            skip_reason=skip_reason,
            error=error,
            run_ids=tuple(run_ids),
            run_keys=tuple(run_keys),
            cursor=cursor,
        )
        if not self._sql:
            with self._lock:
                self._ticks[tick.id - 1] = done
                st = self._states.get((tick.name, tick.kind)) or InstigatorState(
                    tick.name, tick.kind
                )
                self._states[(tick.name, tick.kind)] = replace(
                    st,
                    running_owner=None,
                    running_since=None,
                    cursor=cursor if update_cursor else st.cursor,
                )
            return done

        def go(c) -> None:
            c.execute(
                "UPDATE automation_ticks SET status = ?, end_ts = ?, skip_reason = ?, error = ?, "
                "run_ids = ?, run_keys = ?, cursor = ? WHERE id = ?",
                (
                    status,
                    end_ts,
                    skip_reason,
                    error,
                    json.dumps(list(run_ids)),
                    json.dumps(list(run_keys)),
                    cursor,
                    tick.id,
                ),
            )
            if update_cursor:
                c.execute(
                    "UPDATE automation_state SET running_owner = NULL, running_since = NULL, "
                    "cursor = ? WHERE name = ? AND kind = ?",
                    (cursor, tick.name, tick.kind),
                )
            else:
                c.execute(
                    "UPDATE automation_state SET running_owner = NULL, running_since = NULL "
                    "WHERE name = ? AND kind = ?",
                    (tick.name, tick.kind),
                )

        self._write(go, "finish a tick")
        return done

    def get_ticks(
        self, name: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> list[TickRecord]:
        """Ticks, newest first (of one instigator when ``name``/``kind`` are given)."""
        if not self._sql:
            with self._lock:
                out = [
                    t
                    for t in reversed(self._ticks)
                    if (name is None or t.name == name) and (kind is None or t.kind == kind)
                ]
            return out[:limit] if limit is not None else out
        conds, args = [], []
        if name is not None:
            conds.append("name = ?")
            args.append(name)
        if kind is not None:
            conds.append("kind = ?")
            args.append(kind)
        where = f"WHERE {' AND '.join(conds)} " if conds else ""
        lim = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self._read(
            lambda c: c.execute(
                "SELECT id, name, kind, tick_ts, status, start_ts, skip_reason, error, run_ids, "
                f"run_keys, cursor, end_ts, owner FROM automation_ticks {where}ORDER BY id DESC{lim}",
                args,
            ).fetchall(),
            "read ticks",
        )
        return [
            TickRecord(
                id=r[0],
                name=r[1],
                kind=r[2],
                tick_ts=r[3],
                status=r[4],
                start_ts=r[5],
                skip_reason=r[6],
                error=r[7],
                run_ids=tuple(json.loads(r[8])),
                run_keys=tuple(json.loads(r[9])),
                cursor=r[10],
                end_ts=r[11],
                owner=r[12],
            )
            for r in rows
        ]


def _may_start(
    st: InstigatorState, tick_ts: float, now: float, min_interval: float, lease: float
) -> bool:
    if (
        st.running_owner is not None
        and st.running_since is not None
        and now - st.running_since < lease
        and not _owner_is_dead(st.running_owner)
    ):
        return False
    if min_interval and st.last_tick_ts is not None and tick_ts - st.last_tick_ts < min_interval:
        return False
    return True


def _owner_is_dead(owner: str) -> bool:
    """True when ``owner`` names a loop of this host ("host:pid:tag") whose process is gone."""
    import os
    import socket

    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


_STORES_LOCK = threading.Lock()


def tick_store_for(storage: Any) -> TickStore:
    """The one TickStore of a storage object (kept on it, so it lives as long)."""
    with _STORES_LOCK:
        got = getattr(storage, "_dagster_nb_tick_store", None)
        if got is None:
            got = TickStore(storage)
            storage._dagster_nb_tick_store = got
        return got
