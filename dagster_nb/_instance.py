"""DagsterInstance: where runs, events, asset statuses and stored values live.

Entry points follow Dagster: :meth:`DagsterInstance.get` (persistent, in ``$DAGSTER_HOME`` or
``.dagster_nb/`` in the current directory), :meth:`DagsterInstance.ephemeral` (in memory),
:meth:`DagsterInstance.local_temp` (on disk, in a temporary folder), plus our
:meth:`DagsterInstance.from_directory`.

>>> with DagsterInstance.ephemeral() as instance:
...     run = instance.create_run(job_name="__ASSET_JOB")
...     instance.get_run_by_id(run.run_id).status
<DagsterRunStatus.NOT_STARTED: 'NOT_STARTED'>

Everything above the storage layer reaches storage through this class only.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.results import (
    DATA_VERSION_TAG,
    AssetMaterialization,
    AssetObservation,
    DataVersion,
)
from dagster_nb._errors import (
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterStorageError,
)
from dagster_nb._events import DagsterEvent, DagsterEventType, DagsterRunStatus, EventLogEntry
from dagster_nb._storage.base import Storage
from dagster_nb._storage.process import ProcessIdentity, current_process, is_process_alive
from dagster_nb._storage.records import (
    RUNLESS_JOB_NAME,
    RUNLESS_RUN_ID,
    AssetStatusRecord,
    DagsterRun,
    EventLogRecord,
    coerce_event_types,
    make_new_run_id,
)

if TYPE_CHECKING:
    from dagster_nb._storage.queries import (
        AssetRecord,
        AssetRecordsFilter,
        EventRecordsFilter,
        EventRecordsResult,
        RunRecord,
        RunsFilter,
    )

__all__ = ["DagsterInstance", "DB_FILENAME", "STORAGE_DIRNAME"]

DB_FILENAME = "dagster_nb.db"
STORAGE_DIRNAME = "storage"
DEFAULT_DIRNAME = ".dagster_nb"
E = DagsterEventType
_UNFINISHED = (
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
)


class DagsterInstance:
    """Runs, events, asset records and the folder where IO managers keep values.

    Use the class methods to make one; ``with`` disposes of it (and removes a temporary folder
    it created).

    >>> with DagsterInstance.local_temp() as instance:
    ...     instance.add_dynamic_partitions("regions", ["eu", "us"])
    ...     instance.get_dynamic_partitions("regions")
    ['eu', 'us']
    """

    def __init__(
        self,
        storage: Storage,
        *,
        root_directory: str | None = None,
        owns_root: bool = False,
    ):
        self._storage = storage
        self._root = root_directory
        self._owns_root = owns_root
        self._temp_storage_dir: str | None = None
        self._storage_dir_made: str | None = None
        self._disposed = False
        if owns_root and root_directory is not None:
            import shutil

            weakref.finalize(self, shutil.rmtree, root_directory, True)

    # ------------------------------------------------------------------ construction
    @staticmethod
    def get() -> DagsterInstance:
        """The persistent instance: ``$DAGSTER_HOME`` when set, else ``./.dagster_nb``.

        The folder is created on first use. Runs left unfinished by processes that died are
        marked failed/canceled when it opens.
        """
        home = os.environ.get("DAGSTER_HOME")
        root = os.path.expanduser(home) if home else os.path.join(os.getcwd(), DEFAULT_DIRNAME)
        return DagsterInstance.from_directory(root)

    @staticmethod
    def from_directory(path: str | os.PathLike[str]) -> DagsterInstance:
        """A persistent SQLite instance in ``path`` (created if missing).

        >>> import tempfile
        >>> with DagsterInstance.from_directory(tempfile.mkdtemp()) as instance:
        ...     instance.is_persistent
        True
        """
        from dagster_nb._storage.sqlite import SqliteStorage

        root = os.path.abspath(os.fspath(path))
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as e:
            raise DagsterStorageError(
                f"Cannot create the instance folder {root}: {e.strerror or e}."
            ) from e
        if not os.path.isdir(root):
            raise DagsterStorageError(f"The instance folder {root} is not a directory.")
        storage = SqliteStorage(os.path.join(root, DB_FILENAME))
        instance = DagsterInstance(storage, root_directory=root)
        if not storage.read_only:
            instance.mark_dead_runs()
        values = os.path.join(root, STORAGE_DIRNAME)
        if os.path.isdir(values):
            from dagster_nb._storage._value_files import sweep_dead_temps

            sweep_dead_temps(values)  # in the background: partial values of killed writers
        return instance

    @staticmethod
    def ephemeral(tempdir: str | None = None) -> DagsterInstance:
        """An in-memory instance; ``storage_directory()`` is a temporary folder made on first
        use and removed at exit (or at ``dispose()``)."""
        from dagster_nb._storage.memory import InMemoryStorage

        instance = DagsterInstance(InMemoryStorage(), root_directory=None)
        if tempdir is not None:
            instance._root = os.path.abspath(tempdir)
        return instance

    @staticmethod
    def local_temp(tempdir: str | None = None) -> DagsterInstance:
        """A SQLite instance in ``tempdir``, or in a new temporary folder that is removed when
        the instance is disposed of (or at exit)."""
        import shutil
        import tempfile

        if tempdir is not None:
            return DagsterInstance.from_directory(tempdir)
        root = tempfile.mkdtemp(prefix="dagster_nb-")
        inst = DagsterInstance.from_directory(root)
        inst._owns_root = True
        weakref.finalize(inst, shutil.rmtree, root, True)
        return inst

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DagsterInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def dispose(self) -> None:
        """Close storage; remove folders this instance created for itself."""
        if self._disposed:
            return
        self._disposed = True
        self._storage.dispose()
        if self._temp_storage_dir is not None:
            import shutil

            shutil.rmtree(self._temp_storage_dir, ignore_errors=True)
        if self._owns_root and self._root is not None:
            import shutil

            shutil.rmtree(self._root, ignore_errors=True)

    def __repr__(self) -> str:
        where = self._root if self.is_persistent else "in memory"
        return f"<DagsterInstance {where}>"

    @property
    def is_persistent(self) -> bool:
        return not self.is_ephemeral

    @property
    def is_ephemeral(self) -> bool:
        from dagster_nb._storage.memory import InMemoryStorage

        return isinstance(self._storage, InMemoryStorage)

    @property
    def root_directory(self) -> str:
        """The instance folder (for an ephemeral instance, its temporary folder)."""
        if self._root is not None:
            return self._root
        return os.path.dirname(self.storage_directory())

    def storage_directory(self) -> str:
        """Where the filesystem IO manager keeps values: ``<root>/storage`` (created here)."""
        made = self._storage_dir_made
        if made is not None:
            return made  # (if removed since, the IO manager makes it again when it writes)
        if self._root is not None:
            path = os.path.join(self._root, STORAGE_DIRNAME)
        else:
            if self._temp_storage_dir is None:
                import shutil
                import tempfile

                self._temp_storage_dir = tempfile.mkdtemp(prefix="dagster_nb-ephemeral-")
                # Removed when this instance is garbage (or at exit): a notebook calling
                # dg.materialize() without an instance again and again does not pile up files.
                weakref.finalize(self, shutil.rmtree, self._temp_storage_dir, True)
            path = os.path.join(self._temp_storage_dir, STORAGE_DIRNAME)
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            return path  # a read-only instance folder: the IO manager reports it when it writes
        self._storage_dir_made = path
        return path

    @property
    def storage(self) -> Storage:
        """The storage object (for tests and tools)."""
        return self._storage

    # ------------------------------------------------------------------ runs
    def create_run(
        self,
        *,
        job_name: str,
        run_id: str | None = None,
        asset_selection: Iterable[CoercibleToAssetKey] | None = None,
        tags: Mapping[str, str] | None = None,
        run_config: Mapping[str, Any] | None = None,
        status: DagsterRunStatus = DagsterRunStatus.NOT_STARTED,
        events: Sequence[DagsterEvent] = (),
    ) -> DagsterRun:
        """Record a new run owned by this process, and its first ``events`` (of that run id) in
        the same transaction.

        >>> with DagsterInstance.ephemeral() as instance:
        ...     instance.create_run(job_name="j", tags={"dagster/partition": "a"}).partition_key
        'a'
        """
        me = current_process()
        run = DagsterRun(
            run_id=run_id or make_new_run_id(),
            job_name=job_name,
            status=DagsterRunStatus(status),
            tags=dict(tags or {}),
            asset_selection=(
                frozenset(AssetKey.from_coercible(k) for k in asset_selection)
                if asset_selection is not None
                else None
            ),
            run_config=dict(run_config or {}),
            owner_pid=me.pid,
            owner_host=me.host,
            owner_boot_id=me.boot_id,
            owner_start=me.start,
        )
        return self._storage.add_run(run, create_timestamp=time.time(), events=events)

    def get_run_by_id(self, run_id: str) -> DagsterRun | None:
        rec = self._storage.get_run_record(run_id)
        return rec.dagster_run if rec is not None else None

    def get_run_record_by_id(self, run_id: str) -> RunRecord | None:
        return self._storage.get_run_record(run_id)

    def has_run(self, run_id: str) -> bool:
        return self._storage.get_run_record(run_id) is not None

    def get_runs(
        self,
        filters: RunsFilter | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> list[DagsterRun]:
        """Runs, newest first.

        >>> with DagsterInstance.ephemeral() as instance:
        ...     _ = instance.create_run(job_name="a"); _ = instance.create_run(job_name="b")
        ...     [r.job_name for r in instance.get_runs(RunsFilter(job_name="b"))]
        ['b']
        """
        return [
            r.dagster_run
            for r in self._storage.get_run_records(filters, limit=limit, cursor=cursor)
        ]

    def get_run_records(
        self,
        filters: RunsFilter | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        ascending: bool = False,
        cursor: str | None = None,
    ) -> list[RunRecord]:
        return self._storage.get_run_records(filters, limit, order_by, ascending, cursor)

    def get_run_ids(self, filters: RunsFilter | None = None, limit: int | None = None) -> list[str]:
        return [r.run_id for r in self.get_runs(filters, limit=limit)]

    def get_runs_count(self, filters: RunsFilter | None = None) -> int:
        return self._storage.get_runs_count(filters)

    def delete_run(self, run_id: str) -> None:
        """Forget a run and its events."""
        self._storage.delete_run(run_id)

    def mark_dead_runs(self) -> list[str]:
        """Mark runs whose owning process died: started ones FAILURE, others CANCELED.

        Each gets an ENGINE_EVENT saying why, then the run-ending event (which also fails the
        asset partitions it left in progress). Runs owned by processes on other hosts are left
        alone. Returns the ids of the runs marked.
        """
        marked = []
        from dagster_nb._storage.queries import RunsFilter

        for rec in self._storage.get_run_records(RunsFilter(statuses=_UNFINISHED)):
            run = rec.dagster_run
            if run.owner_pid is None or run.owner_host is None:
                continue
            owner = ProcessIdentity(
                pid=run.owner_pid,
                host=run.owner_host,
                boot_id=run.owner_boot_id,
                start=run.owner_start,
            )
            if is_process_alive(owner) is not False:
                continue
            started = run.status in (
                DagsterRunStatus.STARTED,
                DagsterRunStatus.STARTING,
                DagsterRunStatus.CANCELING,
            )
            end_type = (
                E.RUN_FAILURE
                if started and run.status != DagsterRunStatus.CANCELING
                else E.RUN_CANCELED
            )
            now = time.time()
            msg = (
                f"Run {run.run_id} was marked {'failed' if end_type == E.RUN_FAILURE else 'canceled'}"
                f": its process (pid {run.owner_pid} on {run.owner_host}) is no longer running."
            )
            events = [
                DagsterEvent(
                    event_type_value=E.ENGINE_EVENT.value,
                    run_id=run.run_id,
                    job_name=run.job_name,
                    timestamp=now,
                    message=msg,
                    level="ERROR",
                    data={"dead_process": run.owner_pid},
                ),
                DagsterEvent(
                    event_type_value=end_type.value,
                    run_id=run.run_id,
                    job_name=run.job_name,
                    timestamp=now,
                    message=msg,
                    level="ERROR",
                ),
            ]
            if self._storage.store_events(events, if_run_unfinished=run.run_id):
                marked.append(run.run_id)
        return marked

    # ------------------------------------------------------------------ events
    def handle_new_event(self, event: DagsterEvent) -> None:
        """Persist one event and apply what it implies (run status, asset statuses)."""
        self._storage.store_events((event,))

    def handle_new_events(self, events: Sequence[DagsterEvent]) -> None:
        """Persist several events in one transaction."""
        if events:
            self._storage.store_events(events)

    def report_runless_asset_event(
        self, asset_event: AssetMaterialization | AssetObservation
    ) -> None:
        """Record a materialization or observation that happened outside any run.

        >>> with DagsterInstance.ephemeral() as instance:
        ...     instance.report_runless_asset_event(AssetMaterialization("a"))
        ...     instance.has_asset_key(AssetKey("a"))
        True
        """
        mat, obs = None, None
        if isinstance(asset_event, AssetMaterialization):
            t, mat = E.ASSET_MATERIALIZATION, asset_event
        elif isinstance(asset_event, AssetObservation):
            t, obs = E.ASSET_OBSERVATION, asset_event
        else:
            raise DagsterInvariantViolationError(
                "report_runless_asset_event takes an AssetMaterialization or AssetObservation, "
                f"got {type(asset_event).__name__}."
            )
        self.handle_new_event(
            DagsterEvent(
                event_type_value=t.value,
                run_id=RUNLESS_RUN_ID,
                job_name=RUNLESS_JOB_NAME,
                timestamp=time.time(),
                asset_key=asset_event.asset_key,
                partition=asset_event.partition,
                materialization=mat,
                observation=obs,
            )
        )

    def all_logs(
        self, run_id: str, of_type: DagsterEventType | Iterable[DagsterEventType] | None = None
    ) -> list[EventLogEntry]:
        """Every stored event of a run, in order."""
        return [
            r.event_log_entry
            for r in self._storage.get_records_for_run(run_id, of_types=coerce_event_types(of_type))
        ]

    def get_records_for_run(
        self,
        run_id: str,
        cursor: str | None = None,
        of_type: DagsterEventType | Iterable[DagsterEventType] | None = None,
        limit: int | None = None,
        ascending: bool = True,
    ) -> EventRecordsResult:
        """A page of a run's events; pass the returned ``cursor`` back for the next page."""
        recs = self._storage.get_records_for_run(
            run_id,
            after_storage_id=int(cursor) if cursor else None,
            of_types=coerce_event_types(of_type),
            limit=limit + 1 if limit is not None else None,
            ascending=ascending,
        )
        return _page(recs, limit, cursor)

    def get_event_records(
        self,
        event_records_filter: EventRecordsFilter,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[EventLogRecord]:
        return self._storage.get_event_records(event_records_filter, limit, ascending)

    def fetch_materializations(
        self,
        records_filter: AssetRecordsFilter | CoercibleToAssetKey,
        limit: int,
        cursor: str | None = None,
        ascending: bool = False,
    ) -> EventRecordsResult:
        """Materializations of a key (newest first unless ``ascending``), a page at a time."""
        return self._fetch(E.ASSET_MATERIALIZATION, records_filter, limit, cursor, ascending)

    def fetch_observations(
        self,
        records_filter: AssetRecordsFilter | CoercibleToAssetKey,
        limit: int,
        cursor: str | None = None,
        ascending: bool = False,
    ) -> EventRecordsResult:
        return self._fetch(E.ASSET_OBSERVATION, records_filter, limit, cursor, ascending)

    def fetch_failed_materializations(
        self,
        records_filter: AssetRecordsFilter | CoercibleToAssetKey,
        limit: int,
        cursor: str | None = None,
        ascending: bool = False,
    ) -> EventRecordsResult:
        return self._fetch(E.ASSET_FAILED_TO_MATERIALIZE, records_filter, limit, cursor, ascending)

    def _fetch(self, t, records_filter, limit, cursor, ascending) -> EventRecordsResult:
        from dagster_nb._storage.queries import AssetRecordsFilter

        f = AssetRecordsFilter.from_coercible(records_filter)
        recs = self._storage.get_event_records(
            f.to_event_records_filter(t, cursor, ascending), limit + 1, ascending
        )
        return _page(recs, limit, cursor)

    # ------------------------------------------------------------------ assets
    def get_latest_materialization_event(
        self, asset_key: CoercibleToAssetKey
    ) -> EventLogEntry | None:
        rec = self._storage.get_latest_asset_record(
            AssetKey.from_coercible(asset_key), E.ASSET_MATERIALIZATION
        )
        return rec.event_log_entry if rec is not None else None

    def get_latest_materialization_events(
        self, asset_keys: Iterable[CoercibleToAssetKey]
    ) -> dict[AssetKey, EventLogEntry | None]:
        keys = [AssetKey.from_coercible(k) for k in asset_keys]
        found = self._storage.get_latest_materialization_records(keys)
        return {k: (found[k].event_log_entry if k in found else None) for k in keys}

    def get_latest_observation_event(self, asset_key: CoercibleToAssetKey) -> EventLogEntry | None:
        rec = self._storage.get_latest_asset_record(
            AssetKey.from_coercible(asset_key), E.ASSET_OBSERVATION
        )
        return rec.event_log_entry if rec is not None else None

    def get_latest_materialization_record(
        self, asset_key: CoercibleToAssetKey, partition: str | None = None
    ) -> EventLogRecord | None:
        """The latest materialization of a key, or of one of its partitions."""
        return self._storage.get_latest_asset_record(
            AssetKey.from_coercible(asset_key), E.ASSET_MATERIALIZATION, partition
        )

    def get_latest_data_version_record(
        self,
        key: CoercibleToAssetKey,
        is_source: bool | None = None,
        partition_key: str | None = None,
    ) -> EventLogRecord | None:
        """The latest materialization or observation carrying a data version (Dagster's name).

        ``is_source=True`` looks at observations only, ``False`` at materializations only,
        ``None`` at whichever is newer.
        """
        k = AssetKey.from_coercible(key)
        cands = []
        if is_source is not True:
            cands.append(
                self._storage.get_latest_asset_record(k, E.ASSET_MATERIALIZATION, partition_key)
            )
        if is_source is not False:
            cands.append(
                self._storage.get_latest_asset_record(k, E.ASSET_OBSERVATION, partition_key)
            )
        found = [c for c in cands if c is not None and c.data_version is not None]
        return max(found, key=lambda r: r.storage_id) if found else None

    def get_latest_data_version(
        self, asset_key: CoercibleToAssetKey, partition: str | None = None
    ) -> DataVersion | None:
        """The data version of the newest materialization or observation that has one.

        >>> with DagsterInstance.ephemeral() as instance:
        ...     instance.report_runless_asset_event(
        ...         AssetObservation("src", tags={"dagster/data_version": "v7"}))
        ...     instance.get_latest_data_version("src")
        DataVersion(value='v7')
        """
        rec = self.get_latest_data_version_record(asset_key, None, partition)
        if rec is None:
            return None
        ev = rec.dagster_event
        data = ev.materialization or ev.observation
        return DataVersion(data.tags[DATA_VERSION_TAG]) if data is not None else None

    def get_latest_asset_check_evaluation_records(
        self, check_keys: Iterable[Any]
    ) -> dict[Any, EventLogRecord]:
        """Internal: the latest ASSET_CHECK_EVALUATION record per AssetCheckKey (those with
        one); ``record.event_log_entry.dagster_event.asset_check_evaluation_data`` is the
        AssetCheckEvaluation. (Dagster keeps this in its event log storage's
        ``get_latest_asset_check_execution_by_key``.)"""
        return self._storage.get_latest_asset_check_evaluation_records(list(check_keys))

    def get_materialized_partitions(self, asset_key: CoercibleToAssetKey) -> set[str]:
        return self._storage.get_materialized_partitions(AssetKey.from_coercible(asset_key))

    def get_asset_partition_statuses(self, asset_key: CoercibleToAssetKey) -> dict[str, str]:
        """Partition -> ``"MATERIALIZED"`` | ``"FAILED"`` | ``"IN_PROGRESS"`` (latest state)."""
        return self._storage.get_partition_statuses(AssetKey.from_coercible(asset_key))

    def get_asset_keys(
        self,
        prefix: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[AssetKey]:
        return self._storage.get_asset_keys(prefix, limit, cursor)

    def all_asset_keys(self) -> list[AssetKey]:
        return self._storage.get_asset_keys()

    def has_asset_key(self, asset_key: CoercibleToAssetKey) -> bool:
        return self._storage.has_asset_key(AssetKey.from_coercible(asset_key))

    def get_asset_records(
        self, asset_keys: Sequence[CoercibleToAssetKey] | None = None
    ) -> list[AssetRecord]:
        keys = None if asset_keys is None else [AssetKey.from_coercible(k) for k in asset_keys]
        return self._storage.get_asset_records(keys)

    def get_status_by_asset_key(
        self, asset_keys: Sequence[CoercibleToAssetKey] | None = None
    ) -> dict[AssetKey, AssetStatusRecord]:
        """Latest materialization, observation, plan and failure facts of every (given) key."""
        keys = None if asset_keys is None else [AssetKey.from_coercible(k) for k in asset_keys]
        return {r.asset_key: r for r in self._storage.get_asset_status_records(keys)}

    def wipe_assets(self, asset_keys: Sequence[CoercibleToAssetKey]) -> None:
        """Forget the events, statuses and partitions of these keys."""
        self._storage.wipe_assets([AssetKey.from_coercible(k) for k in asset_keys])

    def wipe(self) -> None:
        """Forget everything stored (values in the storage folder are left alone)."""
        self._storage.wipe()

    # ------------------------------------------------------------------ dynamic partitions
    def add_dynamic_partitions(
        self, partitions_def_name: str, partition_keys: Sequence[str]
    ) -> None:
        if isinstance(partition_keys, str):
            raise DagsterInvariantViolationError(
                "add_dynamic_partitions takes a list of partition keys, not a single string: "
                f"pass [{partition_keys!r}]."
            )
        keys = []
        for k in partition_keys:
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise DagsterInvalidInvocationError(
                    f"Dynamic partition keys are strings; got {k!r} ({type(k).__name__}) in "
                    f"{list(partition_keys)!r} for {partitions_def_name!r}. Nothing was added."
                )
            keys.append(str(k))  # as Dagster, which stores 1 as '1'
        self._storage.add_dynamic_partitions(partitions_def_name, keys)

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        """The keys of the DynamicPartitionsDefinition named ``partitions_def_name``, in the
        order they were added (none for an unknown name)."""
        return self._storage.get_dynamic_partitions(partitions_def_name)

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        """Whether ``partition_key`` is one of the definition's keys."""
        return self._storage.has_dynamic_partition(partitions_def_name, partition_key)

    def get_existing_dynamic_partitions(
        self, partitions_def_name: str, partition_keys: Sequence[str]
    ) -> set[str]:
        """The subset of ``partition_keys`` that exist for the definition.

        >>> with DagsterInstance.ephemeral() as instance:
        ...     instance.add_dynamic_partitions("fruits", ["apple"])
        ...     instance.get_existing_dynamic_partitions("fruits", ["apple", "pear"])
        {'apple'}
        """
        existing = set(self._storage.get_dynamic_partitions(partitions_def_name))
        return {k for k in partition_keys if k in existing}

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        """Remove ``partition_key`` from the definition (nothing happens if it is not there)."""
        self._storage.delete_dynamic_partition(partitions_def_name, partition_key)

    # ------------------------------------------------------------------ automation ticks
    def get_tick_store(self) -> Any:
        """Ticks, cursors and start/stop state of schedules and sensors (the automation loop's
        records), in this instance's storage."""
        from dagster_nb._storage.ticks import tick_store_for

        return tick_store_for(self._storage)


def _page(recs: list[EventLogRecord], limit: int | None, cursor: str | None) -> EventRecordsResult:
    has_more = limit is not None and len(recs) > limit
    if has_more:
        recs = recs[:limit]
    new_cursor = str(recs[-1].storage_id) if recs else cursor
    from dagster_nb._storage.queries import EventRecordsResult

    return EventRecordsResult(records=recs, cursor=new_cursor, has_more=has_more)
