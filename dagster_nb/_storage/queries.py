"""What instance queries take and return: ``RunsFilter``, ``EventRecordsFilter``,
``AssetRecordsFilter``, ``RunRecord``, ``EventRecordsResult``, ``AssetEntry``, ``AssetRecord``
(Dagster's names and fields, all frozen).

>>> RunsFilter(job_name="__ASSET_JOB", statuses=[DagsterRunStatus.SUCCESS]).statuses
(<DagsterRunStatus.SUCCESS: 'SUCCESS'>,)

Kept apart from :mod:`~dagster_nb._storage.records` (runs and event records, which every run
writes) and loaded when something queries the instance, so a fresh process's first run does not
create these classes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import field

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._events import (
    DagsterEventType,
    DagsterRunStatus,
    EventLogEntry,
)
from dagster_nb._storage.records import (
    DagsterRun,
    EventLogRecord,
    _event_type_value,
    _to_timestamp,
)

__all__ = [
    "RunRecord",
    "RunsFilter",
    "EventRecordsFilter",
    "AssetRecordsFilter",
    "EventRecordsResult",
    "AssetEntry",
    "AssetRecord",
]


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
        tags = {k: (v if isinstance(v, str) else tuple(v)) for k, v in (self.tags or {}).items()}
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
