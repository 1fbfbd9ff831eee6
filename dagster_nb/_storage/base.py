"""Storage interfaces: runs, the event log (with asset records) and dynamic partitions.

Two implementations pass one contract suite (``tests/storage/test_contract.py``):
:class:`~dagster_nb._storage.memory.InMemoryStorage` and
:class:`~dagster_nb._storage.sqlite.SqliteStorage`. ``DagsterInstance`` is the only caller.

>>> from dagster_nb._storage.memory import InMemoryStorage
>>> isinstance(InMemoryStorage(), Storage)
True

Semantics both implementations share:

* ``store_events`` stores events in order and gives each a storage id (increasing). In the same
  transaction it applies what the events imply: run status and start/end times
  (:data:`RUN_STATUS_BY_EVENT`), the per-asset and per-partition latest materialization /
  observation, and statuses: ``ASSET_MATERIALIZATION_PLANNED`` makes an asset (partition)
  ``IN_PROGRESS``; ``ASSET_MATERIALIZATION`` makes it ``MATERIALIZED``;
  ``ASSET_FAILED_TO_MATERIALIZE`` and ``STEP_FAILURE`` (for its asset key, else for every
  in-progress asset of that run and step) make it ``FAILED``; a run that ends in failure or
  cancellation fails whatever it left in progress, a run that succeeds restores the previous
  status of what it planned but did not materialize.
* Asset keys are listed once any asset event names them; ``wipe_assets`` forgets the events and
  statuses of the keys.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._events import DagsterEvent, DagsterEventType, DagsterRunStatus
from dagster_nb._storage.records import (
    AssetStatusRecord,
    DagsterRun,
    EventLogRecord,
)

if TYPE_CHECKING:
    from dagster_nb._storage.queries import (
        AssetRecord,
        EventRecordsFilter,
        RunRecord,
        RunsFilter,
    )

__all__ = [
    "RUN_STATUS_BY_EVENT",
    "RUN_ORDER_COLUMNS",
    "RunStorage",
    "EventLogStorage",
    "DynamicPartitionsStorage",
    "Storage",
]

E = DagsterEventType
RUN_STATUS_BY_EVENT: dict[str, DagsterRunStatus] = {
    E.RUN_ENQUEUED.value: DagsterRunStatus.QUEUED,
    E.RUN_STARTING.value: DagsterRunStatus.STARTING,
    E.RUN_START.value: DagsterRunStatus.STARTED,
    E.RUN_CANCELING.value: DagsterRunStatus.CANCELING,
    E.RUN_SUCCESS.value: DagsterRunStatus.SUCCESS,
    E.RUN_FAILURE.value: DagsterRunStatus.FAILURE,
    E.RUN_CANCELED.value: DagsterRunStatus.CANCELED,
}
RUN_END_EVENTS = frozenset({E.RUN_SUCCESS.value, E.RUN_FAILURE.value, E.RUN_CANCELED.value})
ASSET_EVENT_TYPES = frozenset(
    {
        E.ASSET_MATERIALIZATION.value,
        E.ASSET_OBSERVATION.value,
        E.ASSET_MATERIALIZATION_PLANNED.value,
        E.ASSET_FAILED_TO_MATERIALIZE.value,
    }
)
# get_run_records(order_by=...) accepts Dagster's column names.
RUN_ORDER_COLUMNS = ("id", "create_timestamp", "update_timestamp", "start_time", "end_time")


class RunStorage(ABC):
    """Stores runs. Status changes arrive as events (see :meth:`EventLogStorage.store_events`)."""

    @abstractmethod
    def add_run(
        self, run: DagsterRun, *, create_timestamp: float, events: Sequence[DagsterEvent] = ()
    ) -> DagsterRun:
        """Store a new run, and its first ``events`` in the same transaction (as
        :meth:`EventLogStorage.store_events` would); raises ``DagsterInvariantViolationError``
        if its id exists, storing nothing."""

    @abstractmethod
    def get_run_records(
        self,
        filters: RunsFilter | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        ascending: bool = False,
        cursor: str | None = None,
    ) -> list[RunRecord]:
        """Runs matching ``filters``, newest first unless ``ascending``; ``cursor`` is a run id
        after which (in this order) to start."""

    @abstractmethod
    def get_runs_count(self, filters: RunsFilter | None = None) -> int: ...

    @abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Forget a run and its events (asset statuses it set are kept)."""

    def get_run_record(self, run_id: str) -> RunRecord | None:
        from dagster_nb._storage.queries import RunsFilter

        recs = self.get_run_records(RunsFilter(run_ids=(run_id,)), limit=1)
        return recs[0] if recs else None


class EventLogStorage(ABC):
    """Stores events and the asset records derived from them."""

    @abstractmethod
    def store_events(
        self, events: Sequence[DagsterEvent], *, if_run_unfinished: str | None = None
    ) -> list[int]:
        """Store ``events`` in one transaction and return their storage ids.

        With ``if_run_unfinished=run_id``, store nothing (return ``[]``) unless that run exists
        and has not finished - checked inside the transaction, so two processes marking the
        same dead run do it once.
        """

    @abstractmethod
    def get_event_records(
        self,
        event_records_filter: EventRecordsFilter,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[EventLogRecord]: ...

    @abstractmethod
    def get_records_for_run(
        self,
        run_id: str,
        after_storage_id: int | None = None,
        of_types: frozenset[str] | None = None,
        limit: int | None = None,
        ascending: bool = True,
    ) -> list[EventLogRecord]: ...

    @abstractmethod
    def get_latest_asset_record(
        self, asset_key: AssetKey, event_type: DagsterEventType, partition: str | None = None
    ) -> EventLogRecord | None:
        """The latest materialization or observation of a key (of one partition if given)."""

    @abstractmethod
    def get_latest_materialization_records(
        self, asset_keys: Iterable[AssetKey]
    ) -> dict[AssetKey, EventLogRecord]: ...

    @abstractmethod
    def get_asset_keys(
        self,
        prefix: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[AssetKey]:
        """Known keys, sorted; ``cursor`` is a key's ``to_string()`` to start after."""

    @abstractmethod
    def has_asset_key(self, asset_key: AssetKey) -> bool: ...

    @abstractmethod
    def get_asset_records(
        self, asset_keys: Sequence[AssetKey] | None = None
    ) -> list[AssetRecord]: ...

    @abstractmethod
    def get_asset_status_records(
        self, asset_keys: Sequence[AssetKey] | None = None
    ) -> list[AssetStatusRecord]: ...

    @abstractmethod
    def get_materialized_partitions(self, asset_key: AssetKey) -> set[str]: ...

    @abstractmethod
    def get_partition_statuses(self, asset_key: AssetKey) -> dict[str, str]: ...

    @abstractmethod
    def wipe_assets(self, asset_keys: Sequence[AssetKey]) -> None: ...

    def get_latest_asset_check_evaluation_records(
        self, check_keys: Iterable[Any]
    ) -> dict[Any, EventLogRecord]:
        """The latest ASSET_CHECK_EVALUATION record of each of ``check_keys`` (AssetCheckKeys)
        that has one. Read through the event index by asset key, newest first, a page at a
        time (growing): the latest evaluations are usually in the first page, so a long history
        is not read to show the current state."""
        from dagster_nb._storage.queries import EventRecordsFilter

        names_by_asset: dict[AssetKey, set[str]] = {}
        for ck in check_keys:
            names_by_asset.setdefault(ck.asset_key, set()).add(ck.name)
        out: dict[Any, EventLogRecord] = {}
        for asset_key, names in names_by_asset.items():
            left = set(names)
            before: int | None = None
            page_size = 4 * len(left)
            while left:
                page = self.get_event_records(
                    EventRecordsFilter(
                        event_type=E.ASSET_CHECK_EVALUATION,
                        asset_key=asset_key,
                        before_storage_id=before,
                    ),
                    limit=page_size,
                )
                for rec in page:
                    name = rec.event_log_entry.dagster_event.data.get("check_name")
                    if name in left:
                        left.discard(name)
                        out[_check_key(asset_key, name)] = rec
                if len(page) < page_size:
                    break
                before = page[-1].storage_id
                page_size *= 4
        return out


def _check_key(asset_key: AssetKey, name: str) -> Any:
    from dagster_nb._definitions.asset_checks import AssetCheckKey

    return AssetCheckKey(asset_key, name)


class DynamicPartitionsStorage(ABC):
    """Partition keys of ``DynamicPartitionsDefinition``s, in insertion order."""

    @abstractmethod
    def add_dynamic_partitions(
        self, partitions_def_name: str, partition_keys: Sequence[str]
    ) -> None:
        """Add keys not yet present (duplicates are ignored, as in Dagster)."""

    @abstractmethod
    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]: ...

    @abstractmethod
    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool: ...

    @abstractmethod
    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None: ...


class Storage(RunStorage, EventLogStorage, DynamicPartitionsStorage):
    """Everything an instance stores, behind one object (one transaction spans runs and events)."""

    read_only: bool = False  # opened where it cannot be written: reads work, writes raise

    @abstractmethod
    def wipe(self) -> None:
        """Forget all runs, events, asset records and dynamic partitions."""

    def dispose(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the storage is unusable afterwards."""
