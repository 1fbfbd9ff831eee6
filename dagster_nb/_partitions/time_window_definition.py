"""TimeWindowPartitionsDefinition: one partition per tick of a cron schedule in a time zone.

The key of a partition is the start of its window formatted with ``fmt``. The first partition
starts at the first tick at/after ``start``; the last one ends at/before ``current_time`` (shifted
by ``end_offset`` partitions) and at/before ``end``. Results equal Dagster's, including DST and
time zones, but ticks are computed with date arithmetic (see ``_cron``) instead of iterating.

    >>> import datetime as dt, dagster_nb as dg
    >>> daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    >>> daily.get_partition_keys(current_time=dt.datetime(2024, 1, 4, 1))
    ['2024-01-01', '2024-01-02', '2024-01-03']
    >>> daily.time_window_for_partition_key("2024-01-02").start.isoformat()
    '2024-01-02T00:00:00+00:00'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterUnknownPartitionError,
    raise_unexpected_keyword,
)
from dagster_nb._partitions._cron import UTC, CronTicks, get_timezone
from dagster_nb._partitions._key_format import KeyFormat, example_key
from dagster_nb._partitions.definition import (
    DynamicPartitionsStore,
    PartitionsDefinition,
    resolve_current_time,
)
from dagster_nb._partitions.partition_key_range import PartitionKeyRange
from dagster_nb._partitions.time_window import TimeWindow

if TYPE_CHECKING:
    from dagster_nb._typing import NoExtraKwargs, Unpack

_TIME_WINDOW_PARAMS = (
    "start",
    "fmt",
    "end",
    "schedule_type",
    "timezone",
    "end_offset",
    "minute_offset",
    "hour_offset",
    "day_offset",
    "cron_schedule",
    "exclusions",
)

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE = "%Y-%m-%d-%H:%M"
DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE = DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE + "%z"


class ScheduleType(Enum):
    """The cadence of a time-window partitions definition (None for arbitrary cron)."""

    HOURLY = "HOURLY"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


def cron_schedule_from_schedule_type_and_offsets(
    schedule_type: ScheduleType, minute_offset: int, hour_offset: int | None, day_offset: int | None
) -> str:
    """Dagster's cron string for a cadence plus offsets (hour_offset is unused, and may be None,
    for hourly)."""
    if schedule_type is ScheduleType.HOURLY:
        return f"{minute_offset} * * * *"
    if schedule_type is ScheduleType.DAILY:
        return f"{minute_offset} {hour_offset} * * *"
    if schedule_type is ScheduleType.WEEKLY:
        return f"{minute_offset} {hour_offset} * * {day_offset if day_offset is not None else 0}"
    return f"{minute_offset} {hour_offset} {day_offset if day_offset is not None else 1} * *"


class PartitionBoundFormatError(DagsterInvalidDefinitionError, ValueError):
    """A start or end that does not match the format: a definition error, and the
    ``ValueError`` Dagster raises for it."""


class PartitionKeyFormatError(DagsterUnknownPartitionError, ValueError):
    """A time-window key that does not match the format: an unknown partition, and the
    ``ValueError`` Dagster raises for it."""


class PartitionKeyOutOfRangeError(DagsterUnknownPartitionError, OverflowError):
    """A key whose window starts or ends past the last instant Python represents (year 9999):
    an unknown partition, and the ``OverflowError`` Dagster lets escape for it."""


def _parse_bound(value, fmt: str, tz: str, what: str) -> float:
    tzinfo = get_timezone(tz)
    if isinstance(value, str):
        naive = None
        for f in (fmt, fmt + "%z" if "%z" not in fmt else fmt):
            try:
                naive = datetime.strptime(value, f)
                break
            except ValueError:
                continue
        if naive is None:
            raise PartitionBoundFormatError(
                f"{what} {value!r} does not match the partition format {fmt!r}; expected a "
                f"string like {example_key(fmt)!r} (or pass a datetime)."
            )
        if naive.tzinfo is not None:
            return naive.timestamp()
        return naive.replace(tzinfo=tzinfo, fold=0).timestamp()
    if isinstance(value, datetime):
        # Dagster replaces (not converts) the tzinfo: the wall time is read in `timezone`.
        return value.replace(tzinfo=tzinfo).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tzinfo).timestamp()
    raise DagsterInvalidDefinitionError(
        f"{what} must be a datetime or a string like {example_key(fmt)!r}, got {value!r}."
    )


# Frozen dataclass fields are set once, in __init__ (the dataclass idiom for frozen records).
_init = object.__setattr__


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class TimeWindowPartitionsDefinition(PartitionsDefinition):
    r"""A set of partitions where each partition corresponds to a time window.

    Args: cron_schedule, start, fmt, end, timezone, end_offset (as in Dagster). ``exclusions``
    is not supported yet.

    >>> import datetime as dt, dagster_nb as dg
    >>> p = dg.TimeWindowPartitionsDefinition(
    ...     start="2024-01-01", fmt="%Y-%m-%d", cron_schedule="0 0 */2 * *")
    >>> p.get_partition_keys(current_time=dt.datetime(2024, 1, 6))
    ['2024-01-01', '2024-01-03']
    """

    start_timestamp: float
    end_timestamp: float | None
    timezone: str
    fmt: str
    end_offset: int
    cron_schedule: str
    exclusions: None
    _ticks: CronTicks
    _kf: KeyFormat
    _span: tuple[float, float, Any] | None

    def __init__(
        self,
        start: datetime | str,
        fmt: str,
        end: datetime | str | None = None,
        schedule_type: ScheduleType | None = None,
        timezone: str | None = None,
        end_offset: int = 0,
        minute_offset: int | None = None,
        hour_offset: int | None = None,
        day_offset: int | None = None,
        cron_schedule: str | None = None,
        exclusions: Sequence[str | datetime] | None = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("TimeWindowPartitionsDefinition", kwargs, _TIME_WINDOW_PARAMS)
        timezone = timezone or "UTC"
        get_timezone(timezone)  # validates the name
        if not isinstance(fmt, str) or not fmt:
            raise DagsterInvalidDefinitionError(
                f"fmt must be a non-empty strftime format such as '%Y-%m-%d', got {fmt!r}."
            )
        if exclusions:
            raise DagsterInvalidDefinitionError(
                "TimeWindowPartitionsDefinition(exclusions=...) is not supported by dagster_nb yet."
            )
        if cron_schedule is not None:
            if schedule_type is not None or minute_offset or hour_offset or day_offset:
                raise DagsterInvalidDefinitionError(
                    "If cron_schedule argument is provided, then schedule_type, minute_offset, "
                    "hour_offset, and day_offset can't also be provided"
                )
        else:
            if schedule_type is None:
                raise DagsterInvalidDefinitionError(
                    "One of schedule_type and cron_schedule must be provided, e.g. "
                    "cron_schedule='0 0 * * *'."
                )
            cron_schedule = cron_schedule_from_schedule_type_and_offsets(
                schedule_type, minute_offset or 0, hour_offset or 0, day_offset or None
            )
        if not isinstance(end_offset, int):
            raise DagsterInvalidDefinitionError(f"end_offset must be an int, got {end_offset!r}.")
        ticks = CronTicks(cron_schedule, timezone)  # validates the cron string
        start_ts = _parse_bound(start, fmt, timezone, "start")
        end_ts = None if not end else _parse_bound(end, fmt, timezone, "end")
        if end_ts is not None and end_ts < start_ts:
            raise DagsterInvalidDefinitionError(
                f"end ({end!r}) is before start ({start!r}); the end of a partitions definition "
                "must be after its start."
            )
        _init(self, "start_timestamp", start_ts)
        _init(self, "end_timestamp", end_ts)
        _init(self, "timezone", timezone)
        _init(self, "fmt", fmt)
        _init(self, "end_offset", end_offset)
        _init(self, "cron_schedule", cron_schedule)
        _init(self, "exclusions", None)
        _init(self, "_ticks", ticks)
        _init(self, "_kf", KeyFormat(fmt, ticks))
        _init(self, "_span", None)

    # -- identity ---------------------------------------------------------------------------

    def _identity(self) -> tuple:
        return (
            self.start_timestamp,
            self.end_timestamp,
            self.timezone,
            self.fmt,
            self.end_offset,
            self.cron_schedule,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeWindowPartitionsDefinition) and (
            self._identity() == other._identity()
        )

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"TimeWindowPartitionsDefinition(start={self.start_timestamp},"
            f" end={self.end_timestamp}, timezone='{self.timezone}', fmt='{self.fmt}',"
            f" end_offset={self.end_offset}, cron_schedule='{self.cron_schedule}')"
        )

    def __str__(self) -> str:
        st = self.schedule_type
        sched = st.value.capitalize() if st else self.cron_schedule
        out = f"{sched}, starting {self._kf.format(self.start)} {self.timezone}."
        if self.end_offset:
            out += (
                f" End offsetted by {self.end_offset} "
                f"partition{'' if self.end_offset == 1 else 's'}."
            )
        return out

    def get_serializable_unique_identifier(self, dynamic_partitions_store=None) -> str:
        return hashlib.sha1(repr(self).encode("utf-8")).hexdigest()

    # -- properties -------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """The start of the first partition's window (as given, in ``timezone``)."""
        return datetime.fromtimestamp(self.start_timestamp, get_timezone(self.timezone))

    @property
    def end(self) -> datetime | None:
        """The end bound, or None when unbounded."""
        if self.end_timestamp is None:
            return None
        return datetime.fromtimestamp(self.end_timestamp, get_timezone(self.timezone))

    @property
    def schedule_type(self) -> ScheduleType | None:
        c = self.cron_schedule
        if re.fullmatch(r"\d+ \* \* \* \*", c):
            return ScheduleType.HOURLY
        if re.fullmatch(r"\d+ \d+ \* \* \*", c):
            return ScheduleType.DAILY
        if re.fullmatch(r"\d+ \d+ \* \* \d+", c):
            return ScheduleType.WEEKLY
        if re.fullmatch(r"\d+ \d+ \d+ \* \*", c):
            return ScheduleType.MONTHLY
        return None

    @property
    def minute_offset(self) -> int:
        m = re.fullmatch(r"(\d+) (\d+|\*) (\d+|\*) (\d+|\*) (\d+|\*)", self.cron_schedule)
        if m is None:
            raise DagsterInvalidInvocationError(f"{self.cron_schedule} has no minute offset")
        return int(m.group(1))

    @property
    def hour_offset(self) -> int:
        m = re.fullmatch(r"(\d+|\*) (\d+) (\d+|\*) (\d+|\*) (\d+|\*)", self.cron_schedule)
        if m is None:
            raise DagsterInvalidInvocationError(f"{self.cron_schedule} has no hour offset")
        return int(m.group(2))

    @property
    def day_offset(self) -> int:
        st = self.schedule_type
        parts = self.cron_schedule.split()
        if st is ScheduleType.WEEKLY:
            return int(parts[4])
        if st is ScheduleType.MONTHLY:
            return int(parts[2])
        raise DagsterInvalidInvocationError(f"Unsupported schedule type for day_offset: {st}")

    @property
    def is_basic_daily(self) -> bool:
        return self.cron_schedule == "0 0 * * *"

    @property
    def is_basic_hourly(self) -> bool:
        return self.cron_schedule == "0 * * * *"

    def get_cron_schedule(
        self,
        minute_of_hour: int | None = None,
        hour_of_day: int | None = None,
        day_of_week: int | None = None,
        day_of_month: int | None = None,
    ) -> str:
        """The partitions' cadence as a cron string, optionally with other offsets (e.g. a
        schedule at 2am for midnight-to-midnight partitions), as Dagster's method."""
        if (
            minute_of_hour is None
            and hour_of_day is None
            and day_of_week is None
            and day_of_month is None
        ):
            return self.cron_schedule
        st = self.schedule_type
        if st is None:
            raise DagsterInvalidInvocationError(
                f"{self.cron_schedule} does not support"
                " minute_of_hour/hour_of_day/day_of_week/day_of_month arguments"
            )
        minute = self.minute_offset if minute_of_hour is None else minute_of_hour
        if st is ScheduleType.HOURLY:
            if hour_of_day is not None:
                raise DagsterInvalidInvocationError(
                    "Cannot set hour parameter with hourly partitions."
                )
            hour = None
        else:
            hour = self.hour_offset if hour_of_day is None else hour_of_day
        if st is ScheduleType.DAILY:
            if day_of_week is not None:
                raise DagsterInvalidInvocationError(
                    "Cannot set day of week parameter with daily partitions."
                )
            if day_of_month is not None:
                raise DagsterInvalidInvocationError(
                    "Cannot set day of month parameter with daily partitions."
                )
        if st is ScheduleType.MONTHLY:
            day = (self.day_offset or 1) if day_of_month is None else day_of_month
        elif st is ScheduleType.WEEKLY:
            day = (self.day_offset or 0) if day_of_week is None else day_of_week
        else:
            day = 0
        return cron_schedule_from_schedule_type_and_offsets(st, minute, hour, day)

    # -- windows ----------------------------------------------------------------------------

    def _now_ts(self, current_time: datetime | None) -> float:
        ct = resolve_current_time(current_time)
        if ct.tzinfo is None:
            # A naive current time is read in the partitions' time zone, as Dagster does.
            ct = ct.replace(tzinfo=get_timezone(self.timezone))
        return ct.timestamp()

    def _window(self, start_tick: datetime) -> TimeWindow:
        return TimeWindow(start_tick, self._ticks.after(start_tick))

    def _bounds(self, current_time: datetime | None) -> tuple[datetime, datetime] | None:
        """Start ticks of the first and last partitions, or None when there are none."""
        cur = self._now_ts(current_time)
        span = self._span
        if span is not None and span[0] < cur < span[1]:
            return span[2]
        bounds = _bounds(self, cur)
        # The bounds only change when the clock passes a tick (or the end): remember them until
        # the next tick, so "now" (a new instant every call) does not recompute them each time.
        lo = self._ticks.prev_le(cur)
        lo_ts, hi_ts = lo.timestamp(), self._ticks.after(lo).timestamp()
        end_ts = self.end_timestamp
        # Only from an instant strictly between ticks: on a tick, "the next tick" is itself.
        if lo_ts < cur < hi_ts and (end_ts is None or not lo_ts < end_ts < hi_ts):
            object.__setattr__(self, "_span", (lo_ts, hi_ts, bounds))
        return bounds

    def get_first_partition_window(self, current_time: datetime | None = None) -> TimeWindow | None:
        b = self._bounds(current_time)
        return None if b is None else self._window(b[0])

    def get_last_partition_window(self, current_time: datetime | None = None) -> TimeWindow | None:
        b = self._bounds(current_time)
        return None if b is None else self._window(b[1])

    def get_first_partition_key(self, current_time=None, dynamic_partitions_store=None):
        b = self._bounds(current_time)
        return None if b is None else self._kf.format(b[0])

    def get_last_partition_key(self, current_time=None, dynamic_partitions_store=None):
        b = self._bounds(current_time)
        return None if b is None else self._kf.format(b[1])

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """All keys from the first partition to the last one that has ended by current_time."""
        b = self._bounds(current_time)
        if b is None:
            return []
        first, last = b
        return list(_keys_between(self, first, last.timestamp()))

    def get_num_partitions(self, current_time=None, dynamic_partitions_store=None) -> int:
        b = self._bounds(current_time)
        if b is None:
            return 0
        first, last = b
        t = self._ticks
        if t.kind == "hourly" and len(t.minutes) == 1 and not t._minute_local:
            return max(1, int(last.timestamp() - first.timestamp()) // 3600 + 1)
        return len(_keys_between(self, first, last.timestamp()))

    def start_time_for_partition_key(self, partition_key: str) -> datetime:
        """Start of the window of ``partition_key`` (recovering fields the fmt omits)."""
        dt = self._parse(partition_key)
        if self.is_basic_hourly or self.is_basic_daily:
            return dt
        try:
            return self._ticks.next_ge(dt.timestamp())
        except (OverflowError, ValueError) as e:
            raise _out_of_range(self, partition_key) from e

    def end_time_for_partition_key(self, partition_key: str) -> datetime:
        return self.time_window_for_partition_key(partition_key).end

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The [start, end) window of ``partition_key``.

        Like Dagster, this does not check that the key is within start/end; use
        ``validate_partition_key`` for that. A key that does not parse raises
        DagsterUnknownPartitionError.
        """
        return _window_for_key(self, partition_key)

    def time_windows_for_partition_keys(
        self, partition_keys: Iterable[str], validate: bool = True, current_time=None
    ) -> Sequence[TimeWindow]:
        """Windows of the keys, sorted by time; with validate, only those inside the bounds."""
        keys = frozenset(partition_keys)
        windows = sorted(
            (_window_for_key(self, k) for k in keys), key=lambda w: w.start.timestamp()
        )
        if validate and windows:
            b = self._bounds(current_time)
            if b is None:
                return []
            lo, hi = b[0].timestamp(), self._ticks.after(b[1]).timestamp()
            windows = [w for w in windows if w.start.timestamp() >= lo and w.end.timestamp() <= hi]
        return windows

    def has_partition_key(self, partition_key, current_time=None, dynamic_partitions_store=None):
        try:
            start = self.start_time_for_partition_key(partition_key)
        except DagsterUnknownPartitionError:
            return False
        b = self._bounds(current_time)
        if b is None:
            return False
        ts = start.timestamp()
        return (
            b[0].timestamp() <= ts <= b[1].timestamp() and self._kf.format(start) == partition_key
        )

    def _describe_valid_keys_for(self, partition_key, current_time, dynamic_partitions_store):
        b = self._bounds(current_time)
        ex = example_key(self.fmt)
        if b is None:
            return (
                f" Expected a key like {ex!r} (format {self.fmt!r}), but this partitions "
                "definition has no partitions yet at the given current_time."
            )
        return (
            f" Expected a key like {ex!r} (format {self.fmt!r}) between "
            f"{self._kf.format(b[0])!r} and {self._kf.format(b[1])!r}."
        )

    def get_partition_keys_in_time_window(self, time_window: TimeWindow) -> Sequence[str]:
        """Keys of partitions whose windows start within [start, end)."""
        first = self._ticks.next_ge(time_window.start.timestamp())
        end_ts = time_window.end.timestamp()
        if self._ticks.kind == "hourly":
            stamps = self._ticks.hourly_stamps(int(first.timestamp()), end_ts)
            return self._kf.format_stamps([s for s in stamps if s < end_ts])
        ticks = [t for t in self._ticks.between(first, end_ts) if t.timestamp() < end_ts]
        return self._kf.format_many(ticks)

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        current_time=None,
        dynamic_partitions_store=None,
    ) -> Sequence[str]:
        """Keys from range.start to range.end inclusive (as Dagster: bounded by start/end only)."""
        start_time = self.start_time_for_partition_key(partition_key_range.start)
        if start_time.timestamp() < self.start_timestamp:
            raise DagsterInvalidInvocationError(
                f"Partition key range start {partition_key_range.start} is before "
                f"the partitions definition start time {self.start}"
            )
        end_time = self.end_time_for_partition_key(partition_key_range.end)
        if self.end_timestamp is not None and end_time.timestamp() > self.end_timestamp:
            raise DagsterInvalidInvocationError(
                f"Partition key range end {partition_key_range.end} is after the "
                f"partitions definition end time {self.end}"
            )
        return self.get_partition_keys_in_time_window(TimeWindow(start_time, end_time))

    def get_partition_key_for_timestamp(self, timestamp: float, end_closed: bool = False) -> str:
        """Key of the partition containing ``timestamp`` (or ending at it, with end_closed)."""
        t = self._ticks
        prev = t.prev_le(timestamp)
        if end_closed and prev.timestamp() == timestamp:
            prev = t.before(prev)
        nxt = t.next_ge(timestamp)
        if end_closed or nxt.timestamp() > timestamp:
            return self._kf.format(prev)
        return self._kf.format(nxt)

    def get_next_partition_key(self, partition_key: str, current_time=None) -> str | None:
        last = self.get_last_partition_window(current_time)
        if last is None:
            return None
        first = self._ticks.next_ge(self._parse(partition_key).timestamp())
        nxt = self._ticks.after(first)
        if nxt.timestamp() >= last.end.timestamp():
            return None
        return self._kf.format(nxt)

    def get_next_partition_window(
        self, end_dt: datetime, respect_bounds: bool = True, current_time=None
    ) -> TimeWindow | None:
        w = self._window(self._ticks.next_ge(end_dt.timestamp()))
        if respect_bounds:
            last = self.get_last_partition_window(current_time)
            if last is None or w.start.timestamp() >= last.end.timestamp():
                return None
        return w

    def get_prev_partition_window(
        self, start_dt: datetime, respect_bounds: bool = True, current_time=None
    ) -> TimeWindow | None:
        end = self._ticks.prev_le(start_dt.timestamp())
        w = TimeWindow(self._ticks.before(end), end)
        if respect_bounds:
            first = self.get_first_partition_window(current_time)
            if first is None or w.start.timestamp() < first.start.timestamp():
                return None
        return w

    def equal_except_for_start_or_end(self, other: TimeWindowPartitionsDefinition) -> bool:
        return (self.timezone, self.fmt, self.cron_schedule, self.end_offset) == (
            other.timezone,
            other.fmt,
            other.cron_schedule,
            other.end_offset,
        )

    def validate_partition_definition(self, current_time=None) -> None:
        """Raise when ``fmt`` is too coarse for the cron schedule (two windows, one key)."""
        first = self._ticks.next_ge(self.start_timestamp)
        if self._kf.format(first) == self._kf.format(self._ticks.after(first)):
            raise DagsterInvalidDefinitionError(
                "This partition set contains multiple time ranges that map to the same partition "
                f"key. The format string ({self.fmt}) is not granular enough to produce a unique "
                f"key for each time in the cron schedule ({self.cron_schedule})."
            )

    def _parse(self, partition_key: str) -> datetime:
        try:
            return self._kf.parse(partition_key)
        except (ValueError, TypeError) as e:
            raise PartitionKeyFormatError(
                f"Partition key {partition_key!r} does not match the partition format "
                f"{self.fmt!r}; expected a key like {example_key(self.fmt)!r}."
            ) from e


_DAY = 86_400


@lru_cache(maxsize=1024)
def _window_for_key(pd: TimeWindowPartitionsDefinition, key: str) -> TimeWindow:
    start = pd.start_time_for_partition_key(key)
    try:
        return TimeWindow(start, pd._ticks.after(start))
    except (OverflowError, ValueError) as e:
        raise _out_of_range(pd, key) from e


def _out_of_range(pd: TimeWindowPartitionsDefinition, key: str) -> PartitionKeyOutOfRangeError:
    return PartitionKeyOutOfRangeError(
        f"Partition key {key!r} (format {pd.fmt!r}, cron {pd.cron_schedule!r}) has no time "
        "window: it would end after the year 9999, the last date Python can represent. Use a "
        "key whose window ends by 9999-12-31 (for daily partitions, '9999-12-30' or earlier)."
    )


@lru_cache(maxsize=1024)
def _bounds(pd: TimeWindowPartitionsDefinition, cur: float) -> tuple[datetime, datetime] | None:
    """Dagster's _get_first_partition_window / _get_last_partition_window, as start ticks."""
    t = pd._ticks
    end_ts = pd.end_timestamp
    if end_ts is not None and end_ts <= pd.start_timestamp:
        return None
    first = t.next_ge(pd.start_timestamp)
    first_end = t.after(first).timestamp()
    eo = pd.end_offset
    if eo == 0:
        if first_end > cur:
            return None
        bound = end_ts if end_ts is not None and end_ts < cur else cur
        return first, t.before(t.prev_le(bound))
    zero_end = t.prev_le(cur)  # the last window ending at/before now ends here
    if eo > 0:
        if first_end > t.shift(t.next_ge(cur), eo).timestamp():
            return None
        current = t.shift(zero_end, eo - 1)
    else:
        if first_end > t.shift(zero_end, eo).timestamp():
            return None
        current = t.shift(zero_end, eo - 1)
    if end_ts is not None:
        before_end = t.before(t.prev_le(end_ts))
        if before_end.timestamp() <= current.timestamp():
            return first, before_end
    if current.timestamp() < first.timestamp():
        return first, first
    return first, current


@lru_cache(maxsize=16)
def _keys_between_cached(
    pd: TimeWindowPartitionsDefinition, first: datetime, last_ts: float
) -> tuple[str, ...]:
    t = pd._ticks
    if t.kind == "hourly":
        first_ts = int(first.timestamp())
        stamps = t.hourly_stamps(first_ts, last_ts) or [first_ts]
        return tuple(pd._kf.format_stamps(stamps))
    if t.kind == "daily" and t.days_of_week is None and t.tz is UTC:
        # Every day at the same UTC time: the ticks are 86,400 s apart, so they format in bulk
        # like hourly ones (~10x cheaper than stepping dates and strftime-ing each tick).
        first_ts = int(first.timestamp())
        return tuple(pd._kf.format_stamps(range(first_ts, max(first_ts, int(last_ts)) + 1, _DAY)))
    ticks = t.between(first, last_ts) or [first]
    return tuple(pd._kf.format_many(ticks))


def _keys_between(pd, first: datetime, last_ts: float) -> tuple[str, ...]:
    return _keys_between_cached(pd, first, last_ts)
