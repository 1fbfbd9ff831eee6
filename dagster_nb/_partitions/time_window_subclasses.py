"""Hourly, Daily, Weekly and Monthly partitions: TimeWindowPartitionsDefinition with offsets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import raise_unexpected_keyword
from dagster_nb._partitions.time_window_definition import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE,
    ScheduleType,
    TimeWindowPartitionsDefinition,
)

if TYPE_CHECKING:
    from dagster_nb._typing import CronScheduleKwarg, Unpack

_PARAMS = (
    "start_date",
    "end_date",
    "minute_offset",
    "hour_offset",
    "day_offset",
    "timezone",
    "fmt",
    "end_offset",
    "exclusions",
    "cron_schedule",
)


def _cron_schedule(what: str, kwargs: Mapping[str, Any]) -> str | None:
    """Dagster's subclasses take ``cron_schedule`` through ``**kwargs`` (and ignore anything
    else there); ours refuse anything else, with a did-you-mean."""
    if not kwargs:
        return None
    extra = {k: v for k, v in kwargs.items() if k != "cron_schedule"}
    if extra:
        raise_unexpected_keyword(what, extra, _PARAMS)
    return kwargs["cron_schedule"]


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class HourlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per hour, keyed ``%Y-%m-%d-%H:%M`` by default.

    >>> import datetime as dt, dagster_nb as dg
    >>> h = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00")
    >>> h.get_partition_keys(current_time=dt.datetime(2024, 1, 1, 2))
    ['2024-01-01-00:00', '2024-01-01-01:00']
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: Sequence[str | datetime] | None = None,
        **kwargs: Unpack[CronScheduleKwarg],
    ):
        cron = _cron_schedule(type(self).__name__, kwargs)
        TimeWindowPartitionsDefinition.__init__(  # no zero-arg super() in a slots dataclass
            self,
            start=start_date,
            end=end_date,
            fmt=fmt or DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE,
            schedule_type=None if cron else ScheduleType.HOURLY,
            cron_schedule=cron,
            minute_offset=None if cron else minute_offset,
            timezone=timezone,
            end_offset=end_offset,
            exclusions=exclusions,
        )


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class DailyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per day, split at ``hour_offset:minute_offset``, keyed ``%Y-%m-%d``.

    >>> import datetime as dt, dagster_nb as dg
    >>> d = dg.DailyPartitionsDefinition(start_date="2024-01-01", hour_offset=6)
    >>> d.time_window_for_partition_key("2024-01-01").start.hour
    6
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: Sequence[str | datetime] | None = None,
        **kwargs: Unpack[CronScheduleKwarg],
    ):
        cron = _cron_schedule(type(self).__name__, kwargs)
        TimeWindowPartitionsDefinition.__init__(  # no zero-arg super() in a slots dataclass
            self,
            start=start_date,
            end=end_date,
            fmt=fmt or DEFAULT_DATE_FORMAT,
            schedule_type=None if cron else ScheduleType.DAILY,
            cron_schedule=cron,
            minute_offset=None if cron else minute_offset,
            hour_offset=None if cron else hour_offset,
            timezone=timezone,
            end_offset=end_offset,
            exclusions=exclusions,
        )


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class WeeklyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per week starting on ``day_offset`` (0 = Sunday), keyed ``%Y-%m-%d``.

    >>> import dagster_nb as dg
    >>> dg.WeeklyPartitionsDefinition(start_date="2024-01-01", day_offset=1).cron_schedule
    '0 0 * * 1'
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: Sequence[str | datetime] | None = None,
        **kwargs: Unpack[CronScheduleKwarg],
    ):
        cron = _cron_schedule(type(self).__name__, kwargs)
        TimeWindowPartitionsDefinition.__init__(  # no zero-arg super() in a slots dataclass
            self,
            start=start_date,
            end=end_date,
            fmt=fmt or DEFAULT_DATE_FORMAT,
            schedule_type=None if cron else ScheduleType.WEEKLY,
            cron_schedule=cron,
            minute_offset=None if cron else minute_offset,
            hour_offset=None if cron else hour_offset,
            day_offset=None if cron else day_offset,
            timezone=timezone,
            end_offset=end_offset,
            exclusions=exclusions,
        )


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class MonthlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per month starting on ``day_offset`` (default 1), keyed ``%Y-%m-%d``.

    >>> import dagster_nb as dg
    >>> dg.MonthlyPartitionsDefinition(start_date="2024-01-01", day_offset=5).cron_schedule
    '0 0 5 * *'
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 1,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: Sequence[str | datetime] | None = None,
        **kwargs: Unpack[CronScheduleKwarg],
    ):
        cron = _cron_schedule(type(self).__name__, kwargs)
        TimeWindowPartitionsDefinition.__init__(  # no zero-arg super() in a slots dataclass
            self,
            start=start_date,
            end=end_date,
            fmt=fmt or DEFAULT_DATE_FORMAT,
            schedule_type=None if cron else ScheduleType.MONTHLY,
            cron_schedule=cron,
            minute_offset=None if cron else minute_offset,
            hour_offset=None if cron else hour_offset,
            day_offset=None if cron else day_offset,
            timezone=timezone,
            end_offset=end_offset,
            exclusions=exclusions,
        )
