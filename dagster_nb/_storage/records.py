"""Records the instance stores and returns: runs, run/event filters, event and asset records.

Names and fields follow Dagster (``dagster._core.storage.dagster_run``,
``dagster._core.event_api``, ``dagster._core.storage.event_log.base``). All are frozen.

>>> run = DagsterRun(run_id="r1", job_name="__ASSET_JOB")
>>> run.is_finished
False
>>> RunsFilter(job_name="__ASSET_JOB", statuses=[DagsterRunStatus.SUCCESS]).statuses
(<DagsterRunStatus.SUCCESS: 'SUCCESS'>,)
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
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
    "RunRecord",
    "RunsFilter",
    "EventRecordsFilter",
    "AssetRecordsFilter",
    "EventLogRecord",
    "EventRecordsResult",
    "AssetEntry",
    "AssetRecord",
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


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """A run with its storage facts (Dagster's ``RunRecord``; timestamps are UTC datetimes)."""

    storage_id: int
    dagster_run: DagsterRun
    create_timestamp: _dt.datetime
    update_timestamp: _dt.datetime
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunsFilter:
    """Which runs to return; every given field must match (logical AND).

    ``tags`` values may be a string or a list of accepted strings. Times are datetimes or POSIX
    timestamps.

    >>> RunsFilter(tags={"team": ["a", "b"]}).tags["team"]
    ('a', 'b')
    """

    run_ids: tuple[str, ...] | None = None
    job_name: str | None = None
    statuses: tuple[DagsterRunStatus, ...] = ()
    tags: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    created_after: _dt.datetime | float | None = None
    created_before: _dt.datetime | float | None = None
    updated_after: _dt.datetime | float | None = None
    updated_before: _dt.datetime | float | None = None

    def __post_init__(self) -> None:
        if self.run_ids is not None:
            object.__setattr__(self, "run_ids", tuple(self.run_ids))
        object.__setattr__(
            self, "statuses", tuple(DagsterRunStatus(s) for s in (self.statuses or ()))
        )
        tags = {
            k: (v if isinstance(v, str) else tuple(v)) for k, v in (self.tags or {}).items()
        }
        object.__setattr__(self, "tags", tags)

    @property
    def created_after_ts(self) -> float | None:
        return _to_timestamp(self.created_after)

    @property
    def created_before_ts(self) -> float | None:
        return _to_timestamp(self.created_before)

    @property
    def updated_after_ts(self) -> float | None:
        return _to_timestamp(self.updated_after)

    @property
    def updated_before_ts(self) -> float | None:
        return _to_timestamp(self.updated_before)

    def matches(self, run: DagsterRun, create_ts: float, update_ts: float) -> bool:
        """Whether ``run`` passes this filter (the in-memory storage's implementation)."""
        if self.run_ids is not None and run.run_id not in self.run_ids:
            return False
        if self.job_name is not None and run.job_name != self.job_name:
            return False
        if self.statuses and run.status not in self.statuses:
            return False
        for k, v in self.tags.items():
            have = run.tags.get(k)
            if have is None or (have != v if isinstance(v, str) else have not in v):
                return False
        for bound, ts, after in (
            (self.created_after_ts, create_ts, True),
            (self.created_before_ts, create_ts, False),
            (self.updated_after_ts, update_ts, True),
            (self.updated_before_ts, update_ts, False),
        ):
            if bound is not None and (ts <= bound if after else ts >= bound):
                return False
        return True


def _event_type_value(t: DagsterEventType | str | None) -> str | None:
    if t is None:
        return None
    return t.value if isinstance(t, DagsterEventType) else DagsterEventType(t).value


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecordsFilter:
    """Which events to return (Dagster's ``EventRecordsFilter``).

    ``after_cursor`` / ``before_cursor`` (Dagster's names) and ``after_storage_id`` /
    ``before_storage_id`` are the same bounds on the storage id, exclusive.

    >>> EventRecordsFilter(
    ...     event_type=DagsterEventType.ASSET_MATERIALIZATION, asset_key=AssetKey("a")
    ... ).asset_key
    AssetKey(['a'])
    """

    event_type: DagsterEventType | str
    asset_key: AssetKey | None = None
    asset_partitions: tuple[str, ...] | None = None
    after_cursor: int | None = None
    before_cursor: int | None = None
    after_timestamp: float | None = None
    before_timestamp: float | None = None
    storage_ids: tuple[int, ...] | None = None
    after_storage_id: int | None = None
    before_storage_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_type", DagsterEventType(_event_type_value(self.event_type)))
        if self.asset_key is not None:
            object.__setattr__(self, "asset_key", AssetKey.from_coercible(self.asset_key))
        if self.asset_partitions is not None:
            object.__setattr__(self, "asset_partitions", tuple(self.asset_partitions))
        if self.storage_ids is not None:
            object.__setattr__(self, "storage_ids", tuple(self.storage_ids))

    @property
    def min_storage_id(self) -> int | None:
        """Exclusive lower bound on the storage id, from either spelling."""
        vals = [v for v in (self.after_cursor, self.after_storage_id) if v is not None]
        return max(vals) if vals else None

    @property
    def max_storage_id(self) -> int | None:
        """Exclusive upper bound on the storage id, from either spelling."""
        vals = [v for v in (self.before_cursor, self.before_storage_id) if v is not None]
        return min(vals) if vals else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetRecordsFilter:
    """Dagster's filter for ``fetch_materializations`` / ``fetch_observations``.

    >>> AssetRecordsFilter(asset_key=AssetKey("a"), asset_partitions=["p1"]).asset_partitions
    ('p1',)
    """

    asset_key: AssetKey
    asset_partitions: tuple[str, ...] | None = None
    after_timestamp: float | None = None
    before_timestamp: float | None = None
    after_storage_id: int | None = None
    before_storage_id: int | None = None
    storage_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_key", AssetKey.from_coercible(self.asset_key))
        if self.asset_partitions is not None:
            object.__setattr__(self, "asset_partitions", tuple(self.asset_partitions))
        if self.storage_ids is not None:
            object.__setattr__(self, "storage_ids", tuple(self.storage_ids))

    def to_event_records_filter(
        self, event_type: DagsterEventType, cursor: str | None = None, ascending: bool = False
    ) -> EventRecordsFilter:
        after, before = self.after_storage_id, self.before_storage_id
        if cursor:
            c = int(cursor)
            if ascending:
                after = c if after is None else max(after, c)
            else:
                before = c if before is None else min(before, c)
        return EventRecordsFilter(
            event_type=event_type,
            asset_key=self.asset_key,
            asset_partitions=self.asset_partitions,
            after_timestamp=self.after_timestamp,
            before_timestamp=self.before_timestamp,
            after_storage_id=after,
            before_storage_id=before,
            storage_ids=self.storage_ids,
        )

    @staticmethod
    def from_coercible(
        key_or_filter: AssetRecordsFilter | CoercibleToAssetKey,
    ) -> AssetRecordsFilter:
        if isinstance(key_or_filter, AssetRecordsFilter):
            return key_or_filter
        return AssetRecordsFilter(asset_key=AssetKey.from_coercible(key_or_filter))


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


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecordsResult:
    """A page of event records; pass ``cursor`` back to get the next page.

    >>> EventRecordsResult(records=(), cursor=None, has_more=False).has_more
    False
    """

    records: Sequence[EventLogRecord]
    cursor: str | None
    has_more: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetEntry:
    """What the instance knows about one asset key (Dagster's ``AssetEntry``)."""

    asset_key: AssetKey
    last_materialization_record: EventLogRecord | None = None
    last_run_id: str | None = None
    last_observation_record: EventLogRecord | None = None
    last_planned_materialization_storage_id: int | None = None
    last_planned_materialization_run_id: str | None = None
    last_failed_to_materialize_storage_id: int | None = None

    @property
    def last_materialization(self) -> EventLogEntry | None:
        r = self.last_materialization_record
        return r.event_log_entry if r is not None else None

    @property
    def last_materialization_storage_id(self) -> int | None:
        r = self.last_materialization_record
        return r.storage_id if r is not None else None

    @property
    def last_observation(self) -> EventLogEntry | None:
        r = self.last_observation_record
        return r.event_log_entry if r is not None else None

    @property
    def last_observation_storage_id(self) -> int | None:
        r = self.last_observation_record
        return r.storage_id if r is not None else None

    @property
    def last_event_storage_id(self) -> int | None:
        ids = [
            i
            for i in (
                self.last_materialization_storage_id,
                self.last_observation_storage_id,
                self.last_planned_materialization_storage_id,
                self.last_failed_to_materialize_storage_id,
            )
            if i is not None
        ]
        return max(ids) if ids else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetRecord:
    """An :class:`AssetEntry` with its storage id (Dagster's ``AssetRecord``)."""

    storage_id: int
    asset_entry: AssetEntry


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
