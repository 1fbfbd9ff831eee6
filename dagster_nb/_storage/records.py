"""Records the instance stores and returns: runs, run/event filters, event and asset records.

Names and fields follow Dagster (``dagster._core.storage.dagster_run``,
``dagster._core.event_api``, ``dagster._core.storage.event_log.base``). All are frozen.

>>> run = DagsterRun(run_id="r1", job_name="__ASSET_JOB")
>>> run.is_finished
False

The query records (``RunsFilter``, ``EventRecordsFilter``, ``AssetRecord``, ...) are in
:mod:`~dagster_nb._storage.queries`, loaded on first use (this module's ``__getattr__`` serves
them to old imports).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, NamedTuple

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.results import (
    DATA_VERSION_TAG,
    AssetMaterialization,
    AssetObservation,
)
from dagster_nb._events import (
    FINISHED_STATUSES,
    DagsterEvent,
    DagsterEventType,
    DagsterRunStatus,
    EventLogEntry,
)

__all__ = [
    "PARTITION_NAME_TAG",
    "RUNLESS_RUN_ID",
    "RUNLESS_JOB_NAME",
    "DagsterRun",
    "EventLogRecord",
    "AssetStatusRecord",
    "AssetPartitionStatus",
]

PARTITION_NAME_TAG = "dagster/partition"
RUNLESS_RUN_ID = ""
RUNLESS_JOB_NAME = ""


def make_new_run_id() -> str:
    """A new run id in Dagster's form (a random UUID4 string, as ``str(uuid.uuid4())``).

    Built from ``os.urandom`` so the run path does not import ``uuid`` (and ``platform``).

    >>> rid = make_new_run_id()
    >>> len(rid), rid[14], rid[19] in "89ab"
    (36, '4', True)
    """
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_version() -> str:
    """24 random hex digits: a data version that matches nothing before it."""
    return os.urandom(12).hex()


class AssetPartitionStatus:
    """Status strings of an asset or partition (Dagster's ``AssetPartitionStatus`` values)."""

    MATERIALIZED = "MATERIALIZED"
    FAILED = "FAILED"
    IN_PROGRESS = "IN_PROGRESS"


def _to_timestamp(value: _dt.datetime | float | None) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.timestamp()


@dataclass(frozen=True, slots=True, kw_only=True)
class DagsterRun:
    """One run of a job, as stored.

    ``owner_pid`` / ``owner_host`` / ``owner_boot_id`` / ``owner_start`` name the process that
    runs it, so that a later process can tell a run whose process died from one still running.

    >>> DagsterRun(run_id="r1", job_name="j", tags={"dagster/partition": "2024-01-01"}).partition_key
    '2024-01-01'
    """

    run_id: str
    job_name: str
    status: DagsterRunStatus = DagsterRunStatus.NOT_STARTED
    tags: Mapping[str, str] = field(default_factory=dict)
    asset_selection: frozenset[AssetKey] | None = None
    run_config: Mapping[str, Any] = field(default_factory=dict)
    start_time: float | None = None
    end_time: float | None = None
    owner_pid: int | None = None
    owner_host: str | None = None
    owner_boot_id: str | None = None
    owner_start: str | None = None

    @property
    def pipeline_name(self) -> str:
        return self.job_name

    @property
    def partition_key(self) -> str | None:
        return self.tags.get(PARTITION_NAME_TAG)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def is_success(self) -> bool:
        return self.status == DagsterRunStatus.SUCCESS

    @property
    def is_failure(self) -> bool:
        return self.status == DagsterRunStatus.FAILURE

    @property
    def is_failure_or_canceled(self) -> bool:
        return self.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


def _event_type_value(t: DagsterEventType | str | None) -> str | None:
    if t is None:
        return None
    return t.value if isinstance(t, DagsterEventType) else DagsterEventType(t).value


@dataclass(frozen=True, slots=True, kw_only=True)
class EventLogRecord:
    """A stored event with its storage id (Dagster's ``EventLogRecord``).

    >>> from dagster_nb._events import DagsterEvent
    >>> ev = DagsterEvent(event_type_value="PIPELINE_START", run_id="r", job_name="j", timestamp=1.0)
    >>> EventLogRecord(storage_id=3, event_log_entry=EventLogEntry(storage_id=3, dagster_event=ev)).run_id
    'r'
    """

    storage_id: int
    event_log_entry: EventLogEntry

    @staticmethod
    def of(storage_id: int, event: DagsterEvent) -> EventLogRecord:
        return EventLogRecord(
            storage_id=storage_id,
            event_log_entry=EventLogEntry(storage_id=storage_id, dagster_event=event),
        )

    @property
    def dagster_event(self) -> DagsterEvent:
        return self.event_log_entry.dagster_event

    @property
    def run_id(self) -> str:
        return self.event_log_entry.run_id

    @property
    def timestamp(self) -> float:
        return self.event_log_entry.timestamp

    @property
    def event_type(self) -> DagsterEventType:
        return self.dagster_event.event_type

    @property
    def asset_key(self) -> AssetKey | None:
        return asset_key_of(self.dagster_event)

    @property
    def partition_key(self) -> str | None:
        return partition_of(self.dagster_event)

    @property
    def asset_materialization(self) -> AssetMaterialization | None:
        return self.dagster_event.materialization

    @property
    def asset_observation(self) -> AssetObservation | None:
        return self.dagster_event.observation

    @property
    def data_version(self) -> str | None:
        rec = self.dagster_event.materialization or self.dagster_event.observation
        return rec.tags.get(DATA_VERSION_TAG) if rec is not None else None


class AssetStatusRecord(NamedTuple):
    """Cheap per-asset status facts, read in bulk by widgets (ours). A NamedTuple: thousands
    are built per read, and a frozen dataclass takes several times as long to build.

    ``status`` is the latest state: ``"MATERIALIZED"``, ``"FAILED"``, ``"IN_PROGRESS"`` or
    ``None`` (only observed).

    >>> AssetStatusRecord(asset_key=AssetKey("a"), status="MATERIALIZED").status
    'MATERIALIZED'
    """

    asset_key: AssetKey
    status: str | None = None
    last_materialization_storage_id: int | None = None
    last_materialization_timestamp: float | None = None
    last_materialization_run_id: str | None = None
    last_observation_storage_id: int | None = None
    last_observation_timestamp: float | None = None
    last_planned_storage_id: int | None = None
    last_planned_run_id: str | None = None
    last_failed_storage_id: int | None = None
    last_failed_timestamp: float | None = None
    last_failed_run_id: str | None = None


def asset_key_of(event: DagsterEvent) -> AssetKey | None:
    """The asset key an event is about (its record's key wins over ``event.asset_key``)."""
    rec = event.materialization or event.observation
    if rec is not None:
        return rec.asset_key
    return event.asset_key


def partition_of(event: DagsterEvent) -> str | None:
    """The partition an event is about, if any."""
    rec = event.materialization or event.observation
    if rec is not None and rec.partition is not None:
        return rec.partition
    if event.partition is not None:
        return event.partition
    p = event.data.get("partition") if event.data else None
    return p if isinstance(p, str) else None


def coerce_event_types(
    of_type: DagsterEventType | str | Iterable[DagsterEventType | str] | None,
) -> frozenset[str] | None:
    """``of_type`` arguments as a set of event type values (or None for all)."""
    if of_type is None:
        return None
    if isinstance(of_type, (DagsterEventType, str)):
        return frozenset({_event_type_value(of_type)})  # type: ignore[arg-type]
    return frozenset(_event_type_value(t) for t in of_type)  # type: ignore[misc]


if TYPE_CHECKING:  # what __getattr__ below serves, for type checkers
    from dagster_nb._storage.queries import AssetEntry as AssetEntry
    from dagster_nb._storage.queries import AssetRecord as AssetRecord
    from dagster_nb._storage.queries import AssetRecordsFilter as AssetRecordsFilter
    from dagster_nb._storage.queries import EventRecordsFilter as EventRecordsFilter
    from dagster_nb._storage.queries import EventRecordsResult as EventRecordsResult
    from dagster_nb._storage.queries import RunRecord as RunRecord
    from dagster_nb._storage.queries import RunsFilter as RunsFilter

_QUERY_NAMES = frozenset(
    {
        "RunRecord",
        "RunsFilter",
        "EventRecordsFilter",
        "AssetRecordsFilter",
        "EventRecordsResult",
        "AssetEntry",
        "AssetRecord",
    }
)


def __getattr__(name: str) -> Any:
    if name in _QUERY_NAMES:
        from dagster_nb._storage import queries

        value = getattr(queries, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
