"""SQLite storage: one file (WAL) holding runs, events, asset records and dynamic partitions.

>>> import os, tempfile
>>> s = SqliteStorage(os.path.join(tempfile.mkdtemp(), "dagster_nb.db"))
>>> s.add_dynamic_partitions("regions", ["eu"])
>>> s.get_dynamic_partitions("regions")
['eu']
>>> s.dispose()

Safe for several processes at once: WAL journal, a 30 s busy timeout, writes in ``BEGIN
IMMEDIATE`` transactions retried while the database is locked, and schema set-up (create or
migrate, recorded in ``dagster_nb_schema``) inside one such transaction, so two processes
opening a brand-new file cannot both create it. ``synchronous=NORMAL``: a power cut may lose the
last transactions but never corrupts the file. Every SQLite failure surfaces as a
:class:`~dagster_nb._errors.DagsterStorageError` that names the file; nothing here deletes or
recreates an existing file.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import random
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from itertools import compress
from operator import itemgetter
from typing import Any, TypeVar

from dagster_nb._definitions.asset_key import AssetKey, key_from_json
from dagster_nb._errors import DagsterInvariantViolationError, DagsterStorageError
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
    AssetEntry,
    AssetRecord,
    AssetStatusRecord,
    DagsterRun,
    EventLogRecord,
    EventRecordsFilter,
    RunRecord,
    RunsFilter,
    asset_key_of,
    partition_of,
)

__all__ = ["SqliteStorage", "SCHEMA_VERSION"]

T = TypeVar("T")
E = DagsterEventType
_MAT = E.ASSET_MATERIALIZATION.value
_OBS = E.ASSET_OBSERVATION.value
_PLANNED = E.ASSET_MATERIALIZATION_PLANNED.value
_STEP_FAILURE = E.STEP_FAILURE.value
_RUN_START = E.RUN_START.value
_RUN_SUCCESS = E.RUN_SUCCESS.value
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _writable(path: str) -> bool:
    return os.access(path, os.W_OK)


def _has_wal(path: str) -> bool:
    try:
        return os.path.getsize(path + "-wal") > 0
    except OSError:
        return False


_BUSY_TIMEOUT_S = 30.0
_CHUNK = 500

_SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    job_name TEXT NOT NULL,
    status TEXT NOT NULL,
    partition_key TEXT,
    tags TEXT NOT NULL,
    asset_selection TEXT,
    run_config TEXT NOT NULL,
    create_timestamp REAL NOT NULL,
    update_timestamp REAL NOT NULL,
    start_time REAL,
    end_time REAL,
    owner_pid INTEGER,
    owner_host TEXT,
    owner_boot_id TEXT,
    owner_start TEXT
);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_job_name ON runs (job_name, id);
CREATE TABLE run_tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX run_tags_key_value ON run_tags (key, value);
CREATE INDEX run_tags_run_id ON run_tags (run_id);
CREATE TABLE event_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    timestamp REAL NOT NULL,
    asset_key TEXT,
    partition TEXT,
    event TEXT NOT NULL
);
CREATE INDEX event_logs_run_id ON event_logs (run_id, id);
CREATE INDEX event_logs_type ON event_logs (event_type, id);
CREATE INDEX event_logs_asset ON event_logs (asset_key, event_type, id)
    WHERE asset_key IS NOT NULL;
CREATE TABLE asset_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_key TEXT NOT NULL UNIQUE,
    status TEXT,
    status_run_id TEXT,
    status_step_key TEXT,
    mat_id INTEGER,
    mat_ts REAL,
    mat_run_id TEXT,
    obs_id INTEGER,
    obs_ts REAL,
    planned_id INTEGER,
    planned_run_id TEXT,
    failed_id INTEGER,
    failed_ts REAL,
    failed_run_id TEXT
);
CREATE INDEX asset_keys_in_progress ON asset_keys (status_run_id) WHERE status = 'IN_PROGRESS';
CREATE TABLE asset_partitions (
    asset_key TEXT NOT NULL,
    partition TEXT NOT NULL,
    status TEXT,
    status_run_id TEXT,
    status_step_key TEXT,
    mat_id INTEGER,
    obs_id INTEGER,
    PRIMARY KEY (asset_key, partition)
) WITHOUT ROWID;
CREATE INDEX asset_partitions_in_progress ON asset_partitions (status_run_id)
    WHERE status = 'IN_PROGRESS';
CREATE TABLE dynamic_partitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    UNIQUE (name, key)
);
"""

# Version 2: partition rows remember the event that last changed them, so a process can keep
# partition statuses cached and read only what changed since (``_PartitionCache``).
_SCHEMA_V2 = """
ALTER TABLE asset_partitions ADD COLUMN updated_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX asset_partitions_updated ON asset_partitions (asset_key, updated_id);
CREATE TABLE dagster_nb_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO dagster_nb_meta (key, value) VALUES ('wipe_generation', 0);
"""

# version -> script that brings the schema from version-1 to version. Append, never edit.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2}
SCHEMA_VERSION = max(_MIGRATIONS)

_ASSET_COLS = frozenset(
    "status status_run_id status_step_key mat_id mat_ts mat_run_id obs_id obs_ts planned_id "
    "planned_run_id failed_id failed_ts failed_run_id".split()
)
_PARTITION_COLS = frozenset("status status_run_id status_step_key mat_id obs_id".split())


class _PartitionCache:
    """One asset's partition statuses and materialized partitions, as of event id ``seen``."""

    __slots__ = ("generation", "seen", "statuses", "materialized")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.seen = -1
        self.statuses: dict[str, str] = {}
        self.materialized: set[str] = set()


def _is_locked(e: sqlite3.Error) -> bool:
    msg = str(e).lower()
    return "locked" in msg or "busy" in msg


def _utc(ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


def _changes_for(sid: int, ev: DagsterEvent) -> dict[str, Any]:
    """Column updates an asset event makes to its asset and partition rows."""
    t = ev.event_type_value
    if t == _MAT:
        return {
            "status": "MATERIALIZED",
            "status_run_id": ev.run_id,
            "mat_id": sid,
            "mat_ts": ev.timestamp,
            "mat_run_id": ev.run_id,
        }
    if t == _OBS:
        return {"obs_id": sid, "obs_ts": ev.timestamp}
    if t == _PLANNED:
        return {
            "status": "IN_PROGRESS",
            "status_run_id": ev.run_id,
            "status_step_key": ev.step_key,
            "planned_id": sid,
            "planned_run_id": ev.run_id,
        }
    return {
        "status": "FAILED",
        "status_run_id": ev.run_id,
        "failed_id": sid,
        "failed_ts": ev.timestamp,
        "failed_run_id": ev.run_id,
    }


class InstanceHistoryLostWarning(UserWarning):
    """The instance database file was found empty: its runs and events were lost outside
    dagster_nb (a truncated copy, a full disk in another program). Stored values are kept."""


class SqliteStorage(Storage):
    """Storage in one SQLite file at ``path`` (created, with its schema, if missing).

    A database dagster_nb creates is never seen empty by anyone: it is made complete under a
    temporary name and linked into place. So an empty file at ``path`` means lost history,
    and is said once (InstanceHistoryLostWarning). Where the file or its folder cannot be
    written (an archived, shared or mounted instance), it is opened read-only: reads work,
    writes fail with an error saying so.
    """

    read_only = False

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._key_strings: dict[AssetKey, str] = {}
        self._keys: dict[str, AssetKey] = {}
        self._sql_cache: dict[tuple, str] = {}
        self._partition_cache: dict[str, _PartitionCache] = {}
        self._connect()

    # ------------------------------------------------------------------ connection
    def _error(self, e: BaseException, doing: str) -> DagsterStorageError:
        msg = str(e)
        low = msg.lower()
        if "not a database" in low or "malformed" in low:
            hint = (
                " The file is corrupt or is not a dagster_nb instance database. It was left "
                "untouched: move it away to start a new instance."
            )
        elif self.read_only:
            hint = (
                " This instance was opened read-only (its database or folder is not "
                "writable): loading values and listing runs work, writing does not. Use a "
                "writable copy of the folder to run assets."
            )
        elif "readonly" in low or "unable to open" in low or "permission" in low:
            hint = " Check that the file and its folder exist and are writable."
        elif "full" in low:
            hint = " The disk is full: free space and retry; the last write was not stored."
        else:
            hint = ""
        return DagsterStorageError(f"Instance storage {self.path}: could not {doing}: {msg}.{hint}")

    def _connect(self) -> None:
        path = self.path
        if os.path.isdir(path):
            raise DagsterStorageError(
                f"Instance storage {path} is a directory, where the instance database file "
                "should be. Move it away."
            )
        head = None
        if os.path.exists(path):
            try:
                with open(path, "rb") as f:
                    head = f.read(len(_SQLITE_MAGIC))
            except OSError as e:
                raise DagsterStorageError(
                    f"Instance storage {path}: cannot read the database file: {e.strerror or e}."
                ) from e
            if head and head != _SQLITE_MAGIC:
                raise DagsterStorageError(
                    f"Instance storage {path} is not a SQLite database (corrupt, or a foreign "
                    "file). It was left untouched: move it away to start a new instance (the "
                    "values stored beside it are kept)."
                )
        if head is not None and not _writable(path):
            self._connect_read_only()
            return
        if head is None:
            self._create_atomically()
        elif head == b"" and not _has_wal(path):
            import warnings

            warnings.warn(
                f"The instance database {path} was empty (0 bytes): its run history was lost "
                "outside dagster_nb (a truncated copy, or a disk that filled up in another "
                "program). A new, empty history starts there; stored values are kept.",
                InstanceHistoryLostWarning,
                stacklevel=4,
            )
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        while True:
            conn = None
            try:
                conn = sqlite3.connect(
                    path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
                )
                conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
                # refuse a foreign database before changing anything in it (even its journal mode)
                self._check_not_foreign(conn)
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.OperationalError(f"cannot switch to WAL (journal mode {mode})")
                conn.execute("PRAGMA synchronous = NORMAL")
                self._set_up_schema(conn)
                break
            except sqlite3.Error as e:
                if conn is not None:
                    conn.close()
                if _is_locked(e) and time.monotonic() < deadline:
                    time.sleep(0.01 + random.random() * 0.05)
                    continue
                raise self._error(e, "open the instance database") from e
            except DagsterStorageError:
                if conn is not None:
                    conn.close()
                raise
        self._conn = conn
        self._pid = os.getpid()

    def _create_atomically(self) -> None:
        """Make the database, schema included, under a temporary name and link it into place,
        so no other process ever opens it empty (an empty file then means lost history)."""
        tmp = f"{self.path}.{os.getpid()}-{threading.get_ident()}.new"
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                self._set_up_schema(conn)
            finally:
                conn.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process made it first: theirs is complete too
            except OSError:
                return  # no hard links here: the ordinary open below creates it in place
        except (OSError, sqlite3.Error):
            return  # the ordinary open below reports what is wrong with the folder
        finally:
            for suffix in ("", "-journal"):
                try:
                    os.unlink(tmp + suffix)
                except OSError:
                    pass

    def _connect_read_only(self) -> None:
        """Open a database whose file or folder is not writable: reads only. With the folder
        read-only SQLite cannot make its WAL index, so the file is read as immutable (what a
        read-only folder means: nobody is writing it)."""
        base = "file:" + urllib.parse.quote(self.path)
        folder_writable = _writable(os.path.dirname(self.path))
        last: sqlite3.Error | None = None
        for query in (("?mode=ro",) if folder_writable else ()) + ("?immutable=1",):
            try:
                conn = sqlite3.connect(
                    base + query,
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=_BUSY_TIMEOUT_S,
                )
                self._check_not_foreign(conn)
                names = self._table_names(conn)
                if "dagster_nb_schema" in names:
                    row = conn.execute("SELECT MAX(version) FROM dagster_nb_schema").fetchone()
                    if (row[0] or 0) != SCHEMA_VERSION:
                        conn.close()
                        raise DagsterStorageError(
                            f"Instance storage {self.path} is read-only and has schema version "
                            f"{row[0]}, not {SCHEMA_VERSION}: open it once where it is "
                            "writable to upgrade it."
                        )
                break
            except sqlite3.Error as e:
                last = e
        else:
            assert last is not None
            raise self._error(last, "open the read-only instance database") from last
        self.read_only = True
        self._conn = conn
        self._pid = os.getpid()

    @staticmethod
    def _table_names(conn: sqlite3.Connection) -> set[str]:
        return {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }

    def _check_not_foreign(self, conn: sqlite3.Connection) -> set[str]:
        names = self._table_names(conn)
        if names and "dagster_nb_schema" not in names:
            raise DagsterStorageError(
                f"Instance storage {self.path} is a SQLite database of something else "
                f"(tables: {', '.join(sorted(names)[:5])}). It was left untouched: point "
                "the instance at another folder or move the file away."
            )
        return names

    def _set_up_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            names = self._check_not_foreign(conn)
            if "dagster_nb_schema" in names:
                row = conn.execute("SELECT MAX(version) FROM dagster_nb_schema").fetchone()
                version = row[0] or 0
            else:
                conn.execute("CREATE TABLE dagster_nb_schema (version INTEGER NOT NULL)")
                version = 0
            self.opened_schema_version = version  # before migrating (`dagster-nb instance migrate`)
            if version > SCHEMA_VERSION:
                raise DagsterStorageError(
                    f"Instance storage {self.path} has schema version {version}, newer than "
                    f"this dagster_nb understands ({SCHEMA_VERSION}). Upgrade dagster_nb."
                )
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in _MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
                conn.execute("DELETE FROM dagster_nb_schema")
                conn.execute("INSERT INTO dagster_nb_schema (version) VALUES (?)", (v,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise DagsterStorageError(f"Instance storage {self.path} was disposed of.")
        if self._pid != os.getpid():  # forked: never share a connection with the parent
            self._conn = None
            self._connect()
        return self._conn  # type: ignore[return-value]

    def dispose(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def _read(self, fn: Callable[[sqlite3.Connection], T], doing: str = "read") -> T:
        with self._lock:
            conn = self._connection()
            try:
                return fn(conn)
            except sqlite3.Error as e:
                raise self._error(e, doing) from e

    def _write(self, fn: Callable[[sqlite3.Connection], T], doing: str = "write") -> T:
        with self._lock:
            conn = self._connection()
            deadline = time.monotonic() + _BUSY_TIMEOUT_S
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    return result
                except sqlite3.IntegrityError:
                    raise
                except sqlite3.Error as e:
                    if _is_locked(e) and time.monotonic() < deadline:
                        time.sleep(0.005 + random.random() * 0.02)
                        continue
                    raise self._error(e, doing) from e

    # ------------------------------------------------------------------ helpers
    def _key_str(self, key: AssetKey) -> str:
        s = self._key_strings.get(key)
        if s is None:
            s = self._key_strings[key] = key.to_string()
        return s

    def _key(self, s: str) -> AssetKey:
        k = self._keys.get(s)
        if k is None:
            k = self._keys[s] = key_from_json(s)
        return k

    @staticmethod
    def _record(sid: int | None, blob: str | None) -> EventLogRecord | None:
        if sid is None or blob is None:
            return None
        return EventLogRecord.of(sid, DagsterEvent.from_json(blob))

    def wipe(self) -> None:
        def go(c: sqlite3.Connection) -> None:
            for t in (
                "runs",
                "run_tags",
                "event_logs",
                "asset_keys",
                "asset_partitions",
                "dynamic_partitions",
            ):
                c.execute(f"DELETE FROM {t}")
            self._bump_generation(c)

        self._write(go, "wipe the instance")

    # ------------------------------------------------------------------ runs
    def add_run(
        self, run: DagsterRun, *, create_timestamp: float, events: Sequence[DagsterEvent] = ()
    ) -> DagsterRun:
        rows = self._event_rows(events)

        def go(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO runs (run_id, job_name, status, partition_key, tags, "
                "asset_selection, run_config, create_timestamp, update_timestamp, start_time, "
                "end_time, owner_pid, owner_host, owner_boot_id, owner_start) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run.run_id,
                    run.job_name,
                    run.status.value,
                    run.partition_key,
                    json.dumps(dict(run.tags)),
                    json.dumps(sorted(k.path for k in run.asset_selection))
                    if run.asset_selection is not None
                    else None,
                    json.dumps(dict(run.run_config), default=str),
                    create_timestamp,
                    create_timestamp,
                    run.start_time,
                    run.end_time,
                    run.owner_pid,
                    run.owner_host,
                    run.owner_boot_id,
                    run.owner_start,
                ),
            )
            c.executemany(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?,?,?)",
                [(run.run_id, k, str(v)) for k, v in run.tags.items()],
            )
            self._insert_events(c, events, rows)

        try:
            self._write(go, f"add run {run.run_id}")
        except sqlite3.IntegrityError as e:
            raise DagsterInvariantViolationError(
                f"A run with id {run.run_id!r} already exists in this instance."
            ) from e
        return run

    _RUN_COLS = (
        "id, run_id, job_name, status, tags, asset_selection, run_config, create_timestamp, "
        "update_timestamp, start_time, end_time, owner_pid, owner_host, owner_boot_id, owner_start"
    )

    @staticmethod
    def _run_record(row: tuple) -> RunRecord:
        (sid, run_id, job, status, tags, sel, cfg, cts, uts, st, et, pid, host, boot, start) = row
        run = DagsterRun(
            run_id=run_id,
            job_name=job,
            status=DagsterRunStatus(status),
            tags=json.loads(tags),
            asset_selection=frozenset(AssetKey(p) for p in json.loads(sel)) if sel else None,
            run_config=json.loads(cfg),
            start_time=st,
            end_time=et,
            owner_pid=pid,
            owner_host=host,
            owner_boot_id=boot,
            owner_start=start,
        )
        return RunRecord(
            storage_id=sid,
            dagster_run=run,
            create_timestamp=_utc(cts),
            update_timestamp=_utc(uts),
            start_time=st,
            end_time=et,
        )

    @staticmethod
    def _run_where(filters: RunsFilter | None) -> tuple[str, list]:
        if filters is None:
            return "", []
        conds: list[str] = []
        args: list = []
        if filters.run_ids is not None:
            conds.append(f"run_id IN ({','.join('?' * len(filters.run_ids))})")
            args.extend(filters.run_ids)
        if filters.job_name is not None:
            conds.append("job_name = ?")
            args.append(filters.job_name)
        if filters.statuses:
            conds.append(f"status IN ({','.join('?' * len(filters.statuses))})")
            args.extend(s.value for s in filters.statuses)
        for k, v in filters.tags.items():
            vals = [v] if isinstance(v, str) else list(v)
            conds.append(
                "run_id IN (SELECT run_id FROM run_tags WHERE key = ? AND value IN "
                f"({','.join('?' * len(vals))}))"
            )
            args.extend([k, *vals])
        for col, bound, op in (
            ("create_timestamp", filters.created_after_ts, ">"),
            ("create_timestamp", filters.created_before_ts, "<"),
            ("update_timestamp", filters.updated_after_ts, ">"),
            ("update_timestamp", filters.updated_before_ts, "<"),
        ):
            if bound is not None:
                conds.append(f"{col} {op} ?")
                args.append(bound)
        return (" WHERE " + " AND ".join(conds)) if conds else "", args

    def get_run_records(
        self,
        filters: RunsFilter | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        ascending: bool = False,
        cursor: str | None = None,
    ) -> list[RunRecord]:
        col = order_by or "id"
        if col not in RUN_ORDER_COLUMNS:
            raise DagsterInvariantViolationError(
                f"Cannot order runs by {col!r}; use one of {', '.join(RUN_ORDER_COLUMNS)}."
            )
        expr = f"COALESCE({col}, 0.0)" if col in ("start_time", "end_time") else col
        where, args = self._run_where(filters)

        def go(c: sqlite3.Connection) -> list[RunRecord]:
            w, a = where, list(args)
            if cursor is not None:
                row = c.execute(
                    f"SELECT {expr}, id FROM runs WHERE run_id = ?", (cursor,)
                ).fetchone()
                if row is not None:
                    w += (" AND " if w else " WHERE ") + (
                        f"({expr}, id) {'>' if ascending else '<'} (?, ?)"
                    )
                    a.extend(row)
            direction = "ASC" if ascending else "DESC"
            sql = (
                f"SELECT {self._RUN_COLS} FROM runs{w} ORDER BY {expr} {direction}, id {direction}"
            )
            if limit is not None:
                sql += " LIMIT ?"
                a.append(limit)
            return [self._run_record(r) for r in c.execute(sql, a)]

        return self._read(go, "read runs")

    def get_runs_count(self, filters: RunsFilter | None = None) -> int:
        where, args = self._run_where(filters)
        return self._read(
            lambda c: c.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0],
            "count runs",
        )

    def delete_run(self, run_id: str) -> None:
        def go(c: sqlite3.Connection) -> None:
            for t in ("runs", "run_tags", "event_logs"):
                c.execute(f"DELETE FROM {t} WHERE run_id = ?", (run_id,))

        self._write(go, f"delete run {run_id}")

    # ------------------------------------------------------------------ events
    _INSERT_EVENT = (
        "INSERT INTO event_logs (run_id, event_type, timestamp, asset_key, partition, event) "
        "VALUES (?,?,?,?,?,?)"
    )

    def store_events(
        self, events: Sequence[DagsterEvent], *, if_run_unfinished: str | None = None
    ) -> list[int]:
        rows = self._event_rows(events)

        def go(c: sqlite3.Connection) -> list[int]:
            if if_run_unfinished is not None:
                row = c.execute(
                    "SELECT status FROM runs WHERE run_id = ?", (if_run_unfinished,)
                ).fetchone()
                if (
                    row is None
                    or DagsterRun(
                        run_id="", job_name="", status=DagsterRunStatus(row[0])
                    ).is_finished
                ):
                    return []
            return self._insert_events(c, events, rows)

        return self._write(go, "store events")

    def _event_rows(self, events: Sequence[DagsterEvent]) -> list[tuple]:
        key_str = self._key_str
        rows = []
        for ev in events:
            key = asset_key_of(ev)
            rows.append(
                (
                    ev.run_id,
                    ev.event_type_value,
                    ev.timestamp,
                    key_str(key) if key is not None else None,
                    partition_of(ev),
                    ev.to_json(),
                )
            )
        return rows

    def _insert_events(
        self, c: sqlite3.Connection, events: Sequence[DagsterEvent], rows: list[tuple]
    ) -> list[int]:
        n = len(rows)
        if n == 0:
            return []
        if n == 1:
            last = c.execute(self._INSERT_EVENT, rows[0]).lastrowid
        else:
            c.executemany(self._INSERT_EVENT, rows)
            last = c.execute("SELECT last_insert_rowid()").fetchone()[0]
        assert last is not None
        # One statement inside one BEGIN IMMEDIATE transaction (the write lock is held, so
        # no other connection can insert in between) with an INTEGER PRIMARY KEY: SQLite
        # gives the rows consecutive ids, the last one being last_insert_rowid().
        ids = list(range(last - n + 1, last + 1))
        self._apply_all(c, ids, events, rows)
        return ids

    def _apply_all(
        self,
        c: sqlite3.Connection,
        ids: list[int],
        events: Sequence[DagsterEvent],
        rows: list[tuple],
    ) -> None:
        """Apply the events' effects on runs, asset and partition rows, in event order.

        Asset and partition upserts are queued per table, in event order, and written (runs of
        upserts setting the same columns in one ``executemany``) before any statement that
        reads or changes those rows, and at the end. Every upsert still runs, in the same
        order within its table: the two tables are independent, and an upsert of an existing
        ``asset_keys`` row still takes an AUTOINCREMENT value, so row ids stay the same.
        """
        pending_assets: list[tuple[tuple, tuple]] = []
        pending_parts: list[tuple[tuple, tuple]] = []
        for sid, ev, row in zip(ids, events, rows, strict=True):
            t = ev.event_type_value
            key_s = row[3]
            if key_s is not None and (t in ASSET_EVENT_TYPES or t == _STEP_FAILURE):
                changes = _changes_for(sid, ev)
                pending_assets.append((tuple(changes), (key_s, *changes.values())))
                partition = row[4]
                if partition is not None:
                    pchanges = {k: v for k, v in changes.items() if k in _PARTITION_COLS}
                    pchanges["updated_id"] = sid
                    pending_parts.append((tuple(pchanges), (key_s, partition, *pchanges.values())))
                continue
            status = RUN_STATUS_BY_EVENT.get(t)
            if status is None and t != _STEP_FAILURE:
                continue
            if pending_assets or pending_parts:
                self._flush_upserts(c, pending_assets, pending_parts)
                pending_assets, pending_parts = [], []
            if status is not None:
                self._apply_run_event(c, sid, ev, status)
            if t == _STEP_FAILURE:
                self._fail_in_progress(c, sid, ev, "AND status_step_key IS ?", (ev.step_key,))
        if pending_assets or pending_parts:
            self._flush_upserts(c, pending_assets, pending_parts)

    def _flush_upserts(
        self,
        c: sqlite3.Connection,
        assets: list[tuple[tuple, tuple]],
        parts: list[tuple[tuple, tuple]],
    ) -> None:
        for table, keys, pending in (
            ("asset_keys", ("asset_key",), assets),
            ("asset_partitions", ("asset_key", "partition"), parts),
        ):
            i, n = 0, len(pending)
            while i < n:
                cols = pending[i][0]
                j = i + 1
                while j < n and pending[j][0] == cols:
                    j += 1
                self._upsert_many(c, table, keys, cols, [p for _, p in pending[i:j]])
                i = j

    def _upsert_many(
        self, c: sqlite3.Connection, table: str, keys: tuple, cols: tuple, params: list[tuple]
    ) -> None:
        ck = (table, keys, cols)
        sql = self._sql_cache.get(ck)
        if sql is None:
            allcols = (*keys, *cols)
            sql = self._sql_cache[ck] = (
                f"INSERT INTO {table} ({', '.join(allcols)}) VALUES "
                f"({', '.join('?' * len(allcols))}) ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{col} = excluded.{col}" for col in cols)
            )
        if len(params) == 1:
            c.execute(sql, params[0])
        else:
            c.executemany(sql, params)

    def _fail_in_progress(
        self, c: sqlite3.Connection, sid: int, ev: DagsterEvent, extra: str, extra_args: tuple
    ) -> None:
        c.execute(
            "UPDATE asset_keys SET status = 'FAILED', failed_id = ?, failed_ts = ?, "
            "failed_run_id = ? WHERE status = 'IN_PROGRESS' AND status_run_id = ? " + extra,
            (sid, ev.timestamp, ev.run_id, ev.run_id, *extra_args),
        )
        c.execute(
            "UPDATE asset_partitions SET status = 'FAILED', updated_id = ? "
            "WHERE status = 'IN_PROGRESS' AND status_run_id = ? " + extra,
            (sid, ev.run_id, *extra_args),
        )

    def _apply_run_event(
        self, c: sqlite3.Connection, sid: int, ev: DagsterEvent, status: DagsterRunStatus
    ) -> None:
        t = ev.event_type_value
        sets = ["status = ?", "update_timestamp = MAX(update_timestamp, ?)"]
        args: list = [status.value, ev.timestamp]
        if t == _RUN_START:
            me = current_process()
            sets += [
                "start_time = COALESCE(start_time, ?)",
                "owner_pid = ?",
                "owner_host = ?",
                "owner_boot_id = ?",
                "owner_start = ?",
            ]
            args += [ev.timestamp, me.pid, me.host, me.boot_id, me.start]
        if t in RUN_END_EVENTS:
            sets.append("end_time = ?")
            args.append(ev.timestamp)
        c.execute(f"UPDATE runs SET {', '.join(sets)} WHERE run_id = ?", (*args, ev.run_id))
        if t in RUN_END_EVENTS:
            if t == _RUN_SUCCESS:
                restore = "SET status = CASE WHEN mat_id IS NULL THEN NULL ELSE 'MATERIALIZED' END"
                c.execute(
                    f"UPDATE asset_keys {restore} "
                    "WHERE status = 'IN_PROGRESS' AND status_run_id = ?",
                    (ev.run_id,),
                )
                c.execute(
                    f"UPDATE asset_partitions {restore}, updated_id = ? "
                    "WHERE status = 'IN_PROGRESS' AND status_run_id = ?",
                    (sid, ev.run_id),
                )
            else:
                self._fail_in_progress(c, sid, ev, "", ())

    def get_event_records(
        self,
        event_records_filter: EventRecordsFilter,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[EventLogRecord]:
        f = event_records_filter
        conds = ["event_type = ?"]
        args: list = [f.event_type.value]  # type: ignore[union-attr]
        if f.asset_key is not None:
            conds.append("asset_key = ?")
            args.append(self._key_str(f.asset_key))
        if f.asset_partitions is not None:
            conds.append(f"partition IN ({','.join('?' * len(f.asset_partitions))})")
            args.extend(f.asset_partitions)
        if f.min_storage_id is not None:
            conds.append("id > ?")
            args.append(f.min_storage_id)
        if f.max_storage_id is not None:
            conds.append("id < ?")
            args.append(f.max_storage_id)
        if f.after_timestamp is not None:
            conds.append("timestamp > ?")
            args.append(f.after_timestamp)
        if f.before_timestamp is not None:
            conds.append("timestamp < ?")
            args.append(f.before_timestamp)
        if f.storage_ids is not None:
            conds.append(f"id IN ({','.join('?' * len(f.storage_ids))})")
            args.extend(f.storage_ids)
        sql = (
            f"SELECT id, event FROM event_logs WHERE {' AND '.join(conds)} "
            f"ORDER BY id {'ASC' if ascending else 'DESC'}"
        )
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self._read(lambda c: c.execute(sql, args).fetchall(), "read events")
        return [EventLogRecord.of(i, DagsterEvent.from_json(b)) for i, b in rows]

    def get_records_for_run(
        self,
        run_id: str,
        after_storage_id: int | None = None,
        of_types: frozenset[str] | None = None,
        limit: int | None = None,
        ascending: bool = True,
    ) -> list[EventLogRecord]:
        conds = ["run_id = ?"]
        args: list = [run_id]
        if after_storage_id is not None:
            conds.append("id > ?" if ascending else "id < ?")
            args.append(after_storage_id)
        if of_types is not None:
            conds.append(f"event_type IN ({','.join('?' * len(of_types))})")
            args.extend(sorted(of_types))
        sql = (
            f"SELECT id, event FROM event_logs WHERE {' AND '.join(conds)} "
            f"ORDER BY id {'ASC' if ascending else 'DESC'}"
        )
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self._read(lambda c: c.execute(sql, args).fetchall(), f"read events of run {run_id}")
        return [EventLogRecord.of(i, DagsterEvent.from_json(b)) for i, b in rows]

    def get_latest_asset_record(
        self, asset_key: AssetKey, event_type: DagsterEventType, partition: str | None = None
    ) -> EventLogRecord | None:
        col = "mat_id" if event_type.value == _MAT else "obs_id"
        if partition is None:
            sql = (
                f"SELECT e.id, e.event FROM asset_keys a JOIN event_logs e ON e.id = a.{col} "
                "WHERE a.asset_key = ?"
            )
            args: tuple = (self._key_str(asset_key),)
        else:
            sql = (
                f"SELECT e.id, e.event FROM asset_partitions a JOIN event_logs e "
                f"ON e.id = a.{col} WHERE a.asset_key = ? AND a.partition = ?"
            )
            args = (self._key_str(asset_key), partition)
        row = self._read(lambda c: c.execute(sql, args).fetchone(), "read asset events")
        return self._record(*row) if row else None

    def get_latest_materialization_records(
        self, asset_keys: Iterable[AssetKey]
    ) -> dict[AssetKey, EventLogRecord]:
        strs = [self._key_str(k) for k in asset_keys]
        out: dict[AssetKey, EventLogRecord] = {}

        def go(c: sqlite3.Connection) -> None:
            for i in range(0, len(strs), _CHUNK):
                chunk = strs[i : i + _CHUNK]
                for key_s, sid, blob in c.execute(
                    "SELECT a.asset_key, e.id, e.event FROM asset_keys a JOIN event_logs e "
                    f"ON e.id = a.mat_id WHERE a.asset_key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    out[self._key(key_s)] = EventLogRecord.of(sid, DagsterEvent.from_json(blob))

        self._read(go, "read asset events")
        return out

    def get_asset_keys(
        self,
        prefix: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[AssetKey]:
        sql = "SELECT asset_key FROM asset_keys"
        args: list = []
        if cursor is not None:
            sql += " WHERE asset_key > ?"
            args.append(cursor)
        sql += " ORDER BY asset_key"
        if limit is not None and not prefix:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self._read(lambda c: c.execute(sql, args).fetchall(), "read asset keys")
        keys = [self._key(r[0]) for r in rows]
        if prefix:
            keys = [k for k in keys if k.has_prefix(prefix)]
            if limit is not None:
                keys = keys[:limit]
        return keys

    def has_asset_key(self, asset_key: AssetKey) -> bool:
        return self._read(
            lambda c: (
                c.execute(
                    "SELECT 1 FROM asset_keys WHERE asset_key = ?", (self._key_str(asset_key),)
                ).fetchone()
                is not None
            ),
            "read asset keys",
        )

    def _rows_for_keys(
        self, sql: str, asset_keys: Sequence[AssetKey] | None, doing: str
    ) -> list[tuple]:
        """Run ``sql`` (ending in a WHERE-less FROM) for all keys or the given ones, in order."""

        def go(c: sqlite3.Connection) -> list[tuple]:
            if asset_keys is None:
                return c.execute(sql + " ORDER BY a.id").fetchall()
            strs = [self._key_str(k) for k in asset_keys]
            by_key: dict[str, tuple] = {}
            for i in range(0, len(strs), _CHUNK):
                chunk = strs[i : i + _CHUNK]
                for row in c.execute(
                    sql + f" WHERE a.asset_key IN ({','.join('?' * len(chunk))})", chunk
                ):
                    by_key[row[0]] = row
            return [by_key[s] for s in dict.fromkeys(strs) if s in by_key]

        return self._read(go, doing)

    def get_asset_records(self, asset_keys: Sequence[AssetKey] | None = None) -> list[AssetRecord]:
        rows = self._rows_for_keys(
            "SELECT a.asset_key, a.id, a.mat_id, m.event, a.mat_run_id, a.obs_id, o.event, "
            "a.planned_id, a.planned_run_id, a.failed_id FROM asset_keys a "
            "LEFT JOIN event_logs m ON m.id = a.mat_id LEFT JOIN event_logs o ON o.id = a.obs_id",
            asset_keys,
            "read asset records",
        )
        return [
            AssetRecord(
                storage_id=aid,
                asset_entry=AssetEntry(
                    asset_key=self._key(key_s),
                    last_materialization_record=self._record(mat_id, mat),
                    last_run_id=mat_run,
                    last_observation_record=self._record(obs_id, obs),
                    last_planned_materialization_storage_id=planned,
                    last_planned_materialization_run_id=planned_run,
                    last_failed_to_materialize_storage_id=failed,
                ),
            )
            for key_s, aid, mat_id, mat, mat_run, obs_id, obs, planned, planned_run, failed in rows
        ]

    def get_asset_status_records(
        self, asset_keys: Sequence[AssetKey] | None = None
    ) -> list[AssetStatusRecord]:
        rows = self._rows_for_keys(
            "SELECT a.asset_key, a.status, a.mat_id, a.mat_ts, a.mat_run_id, a.obs_id, a.obs_ts, "
            "a.planned_id, a.planned_run_id, a.failed_id, a.failed_ts, a.failed_run_id "
            "FROM asset_keys a",
            asset_keys,
            "read asset statuses",
        )
        key = self._key
        make = AssetStatusRecord._make  # the row's columns are the record's fields, in order
        return [make((key(r[0]), *r[1:])) for r in rows]

    @staticmethod
    def _bump_generation(c: sqlite3.Connection) -> None:
        c.execute("UPDATE dagster_nb_meta SET value = value + 1 WHERE key = 'wipe_generation'")

    def _partitions(self, asset_key: AssetKey) -> _PartitionCache:
        """The asset's cached partition state, brought up to date with one indexed query.

        Rows carry the id of the event that last changed them; ids grow in commit order
        (writers are serialized), so reading rows changed after the last id seen, in one read
        transaction, catches every change made by any process. Wipes bump a generation
        counter, which drops the cache.
        """
        key_s = self._key_str(asset_key)

        def go(c: sqlite3.Connection) -> _PartitionCache:
            c.execute("BEGIN")
            try:
                gen = c.execute(
                    "SELECT value FROM dagster_nb_meta WHERE key = 'wipe_generation'"
                ).fetchone()[0]
                row = c.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'event_logs'"
                ).fetchone()
                latest = row[0] if row else 0
                cache = self._partition_cache.get(key_s)
                if cache is None or cache.generation != gen:
                    cache = self._partition_cache[key_s] = _PartitionCache(gen)
                if latest != cache.seen:
                    if cache.seen < 0 and _has_json1():
                        # A full load: one row per (status, materialized) with the partitions
                        # as a JSON array - a few big strings instead of a Python tuple and
                        # string per partition (about 40% faster at 100,000 partitions).
                        _load_grouped(
                            cache,
                            c.execute(
                                "SELECT status, mat_id IS NOT NULL, json_group_array(partition) "
                                "FROM asset_partitions WHERE asset_key = ? "
                                "GROUP BY status, mat_id IS NOT NULL",
                                (key_s,),
                            ),
                        )
                        cache.seen = latest
                        return cache
                    if cache.seen < 0:
                        rows = c.execute(
                            "SELECT partition, status, mat_id IS NOT NULL FROM asset_partitions "
                            "WHERE asset_key = ?",
                            (key_s,),
                        ).fetchall()
                    else:
                        rows = c.execute(
                            "SELECT partition, status, mat_id IS NOT NULL FROM asset_partitions "
                            "WHERE asset_key = ? AND updated_id > ?",
                            (key_s, cache.seen),
                        ).fetchall()
                    _merge(cache, rows)
                    cache.seen = latest
                return cache
            finally:
                c.execute("COMMIT")

        return self._read(go, "read partitions")

    def get_materialized_partitions(self, asset_key: AssetKey) -> set[str]:
        with self._lock:
            return set(self._partitions(asset_key).materialized)

    def get_partition_statuses(self, asset_key: AssetKey) -> dict[str, str]:
        with self._lock:
            return dict(self._partitions(asset_key).statuses)

    def wipe_assets(self, asset_keys: Sequence[AssetKey]) -> None:
        strs = [(self._key_str(k),) for k in asset_keys]

        def go(c: sqlite3.Connection) -> None:
            for t in ("event_logs", "asset_keys", "asset_partitions"):
                c.executemany(f"DELETE FROM {t} WHERE asset_key = ?", strs)
            self._bump_generation(c)

        self._write(go, "wipe assets")

    # ------------------------------------------------------------------ dynamic partitions
    def add_dynamic_partitions(
        self, partitions_def_name: str, partition_keys: Sequence[str]
    ) -> None:
        rows = [(partitions_def_name, k) for k in partition_keys]
        self._write(
            lambda c: c.executemany(
                "INSERT OR IGNORE INTO dynamic_partitions (name, key) VALUES (?, ?)", rows
            ),
            "add dynamic partitions",
        )

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        return self._read(
            lambda c: [
                r[0]
                for r in c.execute(
                    "SELECT key FROM dynamic_partitions WHERE name = ? ORDER BY id",
                    (partitions_def_name,),
                )
            ],
            "read dynamic partitions",
        )

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return self._read(
            lambda c: (
                c.execute(
                    "SELECT 1 FROM dynamic_partitions WHERE name = ? AND key = ?",
                    (partitions_def_name, partition_key),
                ).fetchone()
                is not None
            ),
            "read dynamic partitions",
        )

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._write(
            lambda c: c.execute(
                "DELETE FROM dynamic_partitions WHERE name = ? AND key = ?",
                (partitions_def_name, partition_key),
            ),
            "delete a dynamic partition",
        )


@functools.cache
def _has_json1() -> bool:
    """Whether this SQLite build has the JSON functions (asked once, on first use)."""
    try:
        sqlite3.connect(":memory:").execute("SELECT json_group_array(1)").fetchone()
    except sqlite3.Error:
        return False
    return True


def _load_grouped(cache: _PartitionCache, groups: Iterable[tuple]) -> None:
    statuses, materialized = cache.statuses, cache.materialized
    statuses.clear()
    materialized.clear()
    for status, mat, parts_json in groups:
        parts = json.loads(parts_json)
        if status is not None:
            statuses.update(dict.fromkeys(parts, status))
        if mat:
            materialized.update(parts)


def _merge(cache: _PartitionCache, rows: list[tuple]) -> None:
    statuses, materialized = cache.statuses, cache.materialized
    if not statuses and not materialized:  # a full load: build with C-level iteration
        parts = list(map(itemgetter(0), rows))
        statuses.update(zip(parts, map(itemgetter(1), rows), strict=True))
        if None in statuses.values():  # rows of partitions only observed
            for p in [p for p, st in statuses.items() if st is None]:
                del statuses[p]
        materialized.update(compress(parts, map(itemgetter(2), rows)))
        return
    for p, st, m in rows:
        if st is None:
            statuses.pop(p, None)
        else:
            statuses[p] = st
        if m:
            materialized.add(p)
