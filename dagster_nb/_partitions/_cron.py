"""Cron ticks in a time zone, computed the way Dagster computes them (but without iterating).

Dagster special-cases the common schedule shapes (hourly, daily, weekly, monthly) in
``dagster._utils.schedules.cron_string_iterator``; their tick sets are simple:

* hourly (``M * * * *``, possibly several minutes): absolute instants whose minute-of-hour
  matches, stepping in UTC, so every hour exists exactly once, including both copies of an
  ambiguous fall-back hour and never a skipped spring-forward hour;
* daily / weekly / monthly (``m h * * *``, ``m h * * d``, ``m h D * *`` with D <= 28): one tick per
  matching local date at ``h:m``; a wall time that does not exist moves to the end of the
  spring-forward gap and an ambiguous one picks the later (post-transition) instant. Dagster only
  applies those two rules for hours 1-3, and so do we.

Those shapes are computed with date arithmetic. Any other cron string falls back to croniter,
stepping over local wall times with the same DST rules.

    >>> ticks = CronTicks("0 0 * * *", "UTC")
    >>> ticks.next_ge(86400.5).isoformat()
    '1970-01-03T00:00:00+00:00'
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterUnknownPartitionError

_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_FIELD_RANGES = ("0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-6 or SUN-SAT")
_MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
_DST_HOURS = (1, 2, 3)  # Dagster only repairs nonexistent/ambiguous times in these hours
_HOUR = 3600
_DAY = timedelta(days=1)
_ZERO = timedelta(0)
UTC = timezone.utc


class UnknownTimezoneError(DagsterInvalidDefinitionError, ZoneInfoNotFoundError):
    """An unknown time zone name: a definition error, and the ``ZoneInfoNotFoundError``
    (a KeyError) that Dagster raises for it, so code written for either catches it."""

    __str__ = Exception.__str__  # KeyError's would quote the message


class TimeOutOfRangeError(DagsterUnknownPartitionError, OverflowError):
    """A partition time before year 1 or after year 9999, which Python cannot represent: an
    unknown partition, and the ``OverflowError`` Dagster lets escape for it."""


def _in_range(method):
    """Turn datetime's overflow at the ends of its range into TimeOutOfRangeError."""

    @functools.wraps(method)
    def wrapper(self, *args):
        try:
            return method(self, *args)
        except (OverflowError, ValueError) as e:
            if isinstance(e, ValueError) and "out of range" not in str(e):
                raise
            raise TimeOutOfRangeError(
                f"A partition of cron {self.cron!r} would start or end outside the "
                "years 1-9999, which Python cannot represent. Use partition keys and time "
                "windows within that range."
            ) from e

    return wrapper


@lru_cache(maxsize=256)
def get_timezone(name: str):
    """Return the tzinfo for an IANA name; ``UTC`` maps to ``datetime.timezone.utc`` like Dagster."""
    if name in ("UTC", "utc"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise UnknownTimezoneError(
            f"Unknown timezone {name!r}. Expected an IANA time zone name such as "
            "'UTC', 'America/New_York' or 'Europe/Berlin'."
        ) from e


@lru_cache(maxsize=512)
def expand_cron(cron_schedule: str) -> tuple[list, dict]:
    """Validate a 5-field cron string and return croniter's expansion.

    Raises DagsterInvalidDefinitionError naming the offending field and its valid range.
    """
    if not isinstance(cron_schedule, str):
        raise DagsterInvalidDefinitionError(
            f"cron_schedule must be a string like '0 0 * * *', got {cron_schedule!r}."
        )
    fields = cron_schedule.split()
    simple = _expand_simple(fields)
    if simple is not None:
        return simple, {}
    from croniter import croniter  # lazy: ~100 ms to import; only unusual schedules need it

    if len(fields) == 1 and fields[0].lower() in _MACROS:
        # Dagster takes croniter's macros (@daily, @hourly, ...; any case) as they are.
        expanded, nth, *_ = croniter.expand(fields[0])
        return expanded, nth
    if len(fields) != 5:
        raise DagsterInvalidDefinitionError(
            f"Found invalid cron schedule '{cron_schedule}' for a TimeWindowPartitionsDefinition: "
            f"expected 5 space-separated fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)}. Example: '0 0 * * *' (daily at midnight), or one of "
            f"{', '.join(_MACROS)}."
        )
    try:
        expanded, nth, *_ = croniter.expand(cron_schedule)
    except Exception as e:
        for i, field in enumerate(fields):
            probe = ["*"] * 5
            probe[i] = field
            try:
                croniter.expand(" ".join(probe))
            except Exception:
                raise DagsterInvalidDefinitionError(
                    f"Found invalid cron schedule '{cron_schedule}' for a "
                    f"TimeWindowPartitionsDefinition: field {i + 1} ({_FIELD_NAMES[i]}) "
                    f"'{field}' is not valid; expected values in {_FIELD_RANGES[i]}."
                ) from e
        raise DagsterInvalidDefinitionError(
            f"Found invalid cron schedule '{cron_schedule}' for a TimeWindowPartitionsDefinition."
        ) from e
    if len(expanded) != 5:
        raise DagsterInvalidDefinitionError(
            f"Found invalid cron schedule '{cron_schedule}': seconds resolution is not supported."
        )
    if expanded[3] == [2] and len(expanded[2]) == 1 and expanded[2][0] in (30, 31):
        raise DagsterInvalidDefinitionError(
            f"Found invalid cron schedule '{cron_schedule}': February has no day "
            f"{expanded[2][0]}, so it would never fire."
        )
    return expanded, nth


_MACRO_FIELDS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIELD_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _expand_simple(fields: list[str]) -> list | None:
    """croniter's expansion of the schedules partitions use (``*``, numbers and lists of
    numbers in each field, or a macro), without importing croniter; None for anything else.
    Checked equal to croniter.expand by a property test."""
    if len(fields) == 1:
        macro = _MACRO_FIELDS.get(fields[0].lower())
        if macro is None:
            return None
        fields = macro.split()
    if len(fields) != 5:
        return None
    out: list = []
    for i, field in enumerate(fields):
        if field == "*":
            out.append(["*"])
            continue
        lo, hi = _FIELD_BOUNDS[i]
        values = set()
        for part in field.split(","):
            if not (part.isascii() and part.isdigit()):
                return None
            v = int(part)
            if not lo <= v <= hi:
                return None
            values.add(0 if i == 4 and v == 7 else v)
        out.append(sorted(values))
    if out[3] == [2] and len(out[2]) == 1 and out[2][0] in (30, 31):
        return None  # croniter's path gives the February message
    return out


def cron_repeats_every_hour(cron_schedule: str) -> bool:
    """True when the hour field is ``*`` (Dagster then disambiguates keys with a UTC offset)."""
    return expand_cron(cron_schedule)[0][1] == ["*"]


def _exists(dt: datetime) -> bool:
    back = dt.astimezone(UTC).astimezone(dt.tzinfo)
    return back.replace(tzinfo=None) == dt.replace(tzinfo=None, fold=0)


def _ambiguous(dt: datetime) -> bool:
    return dt.replace(fold=0).utcoffset() != dt.replace(fold=1).utcoffset()


def resolve_wall_time(dt: datetime) -> datetime:
    """Dagster's ``apply_fold_and_post_transition`` for a wall time in hours 1-3."""
    if dt.tzinfo is UTC or dt.hour not in _DST_HOURS:
        return dt
    if not _exists(dt):
        tz = dt.tzinfo
        dst = (tz.dst(dt + timedelta(hours=1)) if tz is not None else None) or timedelta(0)
        return dt.replace(minute=0, second=0, microsecond=0) + dst
    if dt.fold == 0 and _ambiguous(dt):
        return dt.replace(fold=1)
    return dt


def _crontab_weekday(d: date) -> int:
    return d.isoweekday() % 7  # crontab: 0 = Sunday


class CronTicks:
    """The ticks of one cron schedule in one time zone, as aware datetimes.

    ``next_ge``/``prev_le`` find the first tick at/after and last tick at/before a timestamp;
    ``after``/``before`` step from a tick; ``between`` lists ticks in a closed range.
    """

    __slots__ = (
        "cron",
        "tzname",
        "tz",
        "kind",
        "minutes",
        "hour",
        "day",
        "days_of_week",
        "_minute_local",
    )

    def __init__(self, cron_schedule: str, timezone_name: str):
        expanded, nth = expand_cron(cron_schedule)
        self.cron = cron_schedule
        self.tzname = timezone_name
        self.tz = get_timezone(timezone_name)
        minutes, hours, days, months, dows = expanded
        numeric = [len(p) == 1 and isinstance(p[0], int) for p in expanded]
        wild = [p == ["*"] for p in expanded]
        all_numeric_minutes = bool(minutes) and all(m != "*" for m in minutes)
        numeric_dows = bool(dows) and all(isinstance(d, int) for d in dows)
        # minutes, hour and day are read only by the kinds below that require them numeric
        # (the croniter kind walks with croniter instead), so a non-numeric field is left empty.
        self.minutes: list[int] = sorted(minutes) if all_numeric_minutes else []
        self.hour: int = hours[0] if numeric[1] else 0
        self.day: int = days[0] if numeric[2] else 0
        self.days_of_week = frozenset(d % 7 for d in dows) if numeric_dows else None
        kind = "croniter"
        if not nth:
            if all(numeric[0:3]) and all(wild[3:]) and days[0] <= 28:
                kind = "monthly"
            elif all(numeric[0:2]) and numeric[4] and all(wild[2:4]):
                kind = "weekly"
            elif all(numeric[0:2]) and all(wild[2:4]) and (wild[4] or numeric_dows):
                kind = "daily"
            elif all_numeric_minutes and all(wild[1:]):
                kind = "hourly"
        self.kind = kind
        # Zones with a non-whole-hour offset (Asia/Kolkata) count the minute in local time.
        off = datetime(2000, 1, 1, tzinfo=self.tz).utcoffset() or timedelta(0)
        self._minute_local = off.total_seconds() % 3600 != 0

    # -- hourly: arithmetic on absolute instants ---------------------------------------------

    def _minute_of(self, ts: int) -> int:
        if self._minute_local:
            return datetime.fromtimestamp(ts, self.tz).minute
        return (ts // 60) % 60

    def _hourly_next_ge(self, ts: float) -> int:
        t = -(-int(ts * 1_000_000) // 60_000_000) * 60  # ceil to a whole minute
        base = t - self._minute_of(t) * 60
        for hour_start in (base, base + _HOUR):
            for m in self.minutes:
                cand = hour_start + m * 60
                if cand >= ts:
                    return cand
        raise AssertionError("unreachable")

    def _hourly_prev_le(self, ts: float) -> int:
        t = (int(ts * 1_000_000) // 60_000_000) * 60
        base = t - self._minute_of(t) * 60
        for hour_start in (base, base - _HOUR):
            for m in reversed(self.minutes):
                cand = hour_start + m * 60
                if cand <= ts:
                    return cand
        raise AssertionError("unreachable")

    # -- date-based kinds --------------------------------------------------------------------

    def _date_matches(self, d: date) -> bool:
        if self.kind == "monthly":
            return d.day == self.day
        days_of_week = self.days_of_week  # set for the weekly kind (a numeric day of week)
        if days_of_week is not None:
            return _crontab_weekday(d) in days_of_week
        return True

    def _tick_on(self, d: date) -> datetime:
        return resolve_wall_time(
            datetime(d.year, d.month, d.day, self.hour, self.minutes[0], tzinfo=self.tz)
        )

    def _step_date(self, d: date, forward: bool) -> date:
        """Next/previous matching date strictly after/before d."""
        if self.kind == "monthly":
            y, m = d.year, d.month
            if forward:
                if d.day >= self.day:
                    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            elif d.day <= self.day:
                y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            return date(y, m, self.day)
        step = _DAY if forward else -_DAY
        d = d + step
        while not self._date_matches(d):
            d = d + step
        return d

    def _date_next_ge(self, ts: float) -> datetime:
        # From the last matching date before ts's local date (its tick is before ts: ticks
        # grow with their dates, and a DST repair moves one by hours, not days), step forward.
        local = datetime.fromtimestamp(ts, self.tz).date() - _DAY
        d = local if self._date_matches(local) else self._step_date(local, False)
        tick = self._tick_on(d)
        while tick.timestamp() >= ts:  # never expected; keeps the result exact regardless
            d = self._step_date(d, False)
            tick = self._tick_on(d)
        while True:
            d = self._step_date(d, True)
            tick = self._tick_on(d)
            if tick.timestamp() >= ts:
                return tick

    def _date_prev_le(self, ts: float) -> datetime:
        local = datetime.fromtimestamp(ts, self.tz).date() + _DAY
        d = local if self._date_matches(local) else self._step_date(local, True)
        tick = self._tick_on(d)
        while tick.timestamp() <= ts:  # never expected; keeps the result exact regardless
            d = self._step_date(d, True)
            tick = self._tick_on(d)
        while True:
            d = self._step_date(d, False)
            tick = self._tick_on(d)
            if tick.timestamp() <= ts:
                return tick

    # -- croniter fallback -------------------------------------------------------------------

    def _croniter_walk(self, ts: float, forward: bool, inclusive: bool):
        """Yield ticks from ts in one direction, with Dagster's DST rules for local times."""
        from croniter import croniter

        start = datetime.fromtimestamp(ts, self.tz).replace(tzinfo=None)
        start += timedelta(hours=-2 if forward else 2)
        it = croniter(self.cron, start)
        hourly = cron_repeats_every_hour(self.cron)
        while True:
            naive = it.get_next(datetime) if forward else it.get_prev(datetime)
            dt = naive.replace(tzinfo=self.tz)
            if self.tz is UTC:
                cands = [dt]
            elif not _exists(dt):
                cands = [] if hourly else [resolve_wall_time(dt)] if dt.hour in _DST_HOURS else [dt]
            elif _ambiguous(dt):
                cands = [dt.replace(fold=0), dt.replace(fold=1)] if hourly else [dt.replace(fold=1)]
            else:
                cands = [dt]
            if not forward:
                cands.reverse()
            for c in cands:
                cts = c.timestamp()
                ok = (
                    (cts >= ts if inclusive else cts > ts)
                    if forward
                    else (cts <= ts if inclusive else cts < ts)
                )
                if ok:
                    yield c

    # -- public -----------------------------------------------------------------------------

    def _from_ts(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    @_in_range
    def next_ge(self, ts: float) -> datetime:
        """First tick with timestamp >= ts."""
        if self.kind == "hourly":
            return self._from_ts(self._hourly_next_ge(ts))
        if self.kind == "croniter":
            return next(self._croniter_walk(ts, True, True))
        return self._date_next_ge(ts)

    @_in_range
    def prev_le(self, ts: float) -> datetime:
        """Last tick with timestamp <= ts."""
        if self.kind == "hourly":
            return self._from_ts(self._hourly_prev_le(ts))
        if self.kind == "croniter":
            return next(self._croniter_walk(ts, False, True))
        return self._date_prev_le(ts)

    @_in_range
    def after(self, tick: datetime) -> datetime:
        """The tick following ``tick`` (which must itself be a tick)."""
        if self.kind == "hourly":
            return self._from_ts(self._hourly_next_ge(tick.timestamp() + 1))
        if self.kind == "croniter":
            return next(self._croniter_walk(tick.timestamp(), True, False))
        return self._tick_on(self._step_date(tick.date(), True))

    @_in_range
    def before(self, tick: datetime) -> datetime:
        """The tick preceding ``tick`` (which must itself be a tick)."""
        if self.kind == "hourly":
            return self._from_ts(self._hourly_prev_le(tick.timestamp() - 1))
        if self.kind == "croniter":
            return next(self._croniter_walk(tick.timestamp(), False, False))
        return self._tick_on(self._step_date(tick.date(), False))

    @_in_range
    def shift(self, tick: datetime, n: int) -> datetime:
        """The tick ``n`` steps after (n > 0) or before (n < 0) ``tick``."""
        if self.kind == "hourly" and len(self.minutes) == 1 and not self._minute_local:
            return self._from_ts(int(tick.timestamp()) + n * _HOUR)
        for _ in range(abs(n)):
            tick = self.after(tick) if n > 0 else self.before(tick)
        return tick

    def hourly_stamps(self, t0: int, last_ts: float) -> Sequence[int]:
        """Hourly kind only: epoch seconds of the ticks from the tick ``t0`` up to and including
        ``last_ts``, ascending (a ``range`` for a single minute)."""
        if last_ts < t0:
            return []
        if len(self.minutes) == 1:
            return range(t0, int(last_ts) + 1, _HOUR)
        base = t0 - self._minute_of(t0) * 60
        offs = [m * 60 for m in self.minutes]
        stamps = [h + o for h in range(base, int(last_ts) + 1, _HOUR) for o in offs]
        return [s for s in stamps if t0 <= s <= last_ts]

    @_in_range
    def between(self, first: datetime, last_ts: float) -> list[datetime]:
        """All ticks from the tick ``first`` up to and including timestamp ``last_ts``."""
        first_ts = first.timestamp()
        if last_ts < first_ts:
            return []
        if self.kind == "hourly":
            t0 = int(first_ts)
            stamps = self.hourly_stamps(t0, last_ts)
            if self.tz is UTC:
                # Adding timedeltas to an aware UTC datetime is ~10x cheaper than fromtimestamp.
                step = timedelta(seconds=1)
                return [first + step * (s - t0) for s in stamps]
            tz = self.tz
            fromts = datetime.fromtimestamp
            return [fromts(s, tz) for s in stamps]
        if self.kind == "croniter":
            out = []
            for t in self._croniter_walk(first_ts, True, True):
                if t.timestamp() > last_ts:
                    break
                out.append(t)
            return out
        out = []
        d = first.date()
        tick = first
        while True:
            out.append(tick)
            d = self._step_date(d, True)
            tick = self._tick_on(d)
            if tick.timestamp() > last_ts:
                return out

    def is_second_ambiguous(self, dt: datetime) -> bool:
        """Dagster's ``is_second_ambiguous_time``: the later copy of a repeated wall time."""
        if self.tz is UTC or dt.fold == 0:
            return False
        return (dt.replace(fold=0).utcoffset() or _ZERO) > (dt.utcoffset() or _ZERO)
