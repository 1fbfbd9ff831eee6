"""Partition keys <-> datetimes for one ``fmt``, DST-safe exactly as Dagster's
``dst_safe_strftime`` / ``dst_safe_strptime``, and fast in bulk.

``datetime.strftime`` costs ~1.3 us a call, which alone would blow the budget for listing
~90,000 hourly keys; so :meth:`KeyFormat.format_many` formats each *day* once with strftime and
fills the time-of-day fields with ``%``-interpolation (~0.2 us). Hourly ticks skip datetimes
altogether: :meth:`KeyFormat.format_stamps` takes epoch seconds, finds the stretches of constant
UTC offset, and joins each local day's date part with the day's few time-of-day parts.

    >>> from dagster_nb._partitions._cron import CronTicks
    >>> kf = KeyFormat("%Y-%m-%d-%H:%M", CronTicks("0 * * * *", "UTC"))
    >>> kf.parse("2024-01-31-05:00").isoformat()
    '2024-01-31T05:00:00+00:00'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any

from dagster_nb._partitions._cron import UTC, CronTicks, cron_repeats_every_hour

# Directives that depend only on the date, so one strftime per day covers every tick that day.
_DATE_DIRECTIVES = set("YmdyjaAbBUWwuGVeCDFgh%")
_TIME_DIRECTIVES = {"H": "hour", "M": "minute", "S": "second"}
_DIRECTIVE = re.compile(r"%(.)")
_PARSE_WIDTH = {
    "Y": r"(\d{4})",
    "m": r"(\d{2})",
    "d": r"(\d{2})",
    "H": r"(\d{2})",
    "M": r"(\d{2})",
    "S": r"(\d{2})",
}
_PARSE_FIELD = {"Y": "year", "m": "month", "d": "day", "H": "hour", "M": "minute", "S": "second"}
_DAY_SECONDS = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
_ZERO_DELTA = timedelta(0)
# format_stamps samples the UTC offset once a day (after looking back _LOOKBACK seconds): exact
# as long as two offset changes are more than a day apart and no fall-back repeats more than
# _LOOKBACK seconds of wall time. In tzdata 2024-2025 the closest changes are ~4 days apart and
# the largest fall-back is one day (America/Adak, 1867); both are checked at run time anyway.
_LOOKBACK = 2 * _DAY_SECONDS


def dst_safe_fmt(fmt: str) -> str:
    """Dagster appends ``%z`` to disambiguate the second copy of a repeated wall time."""
    return fmt if "%z" in fmt else fmt + "%z"


def example_key(fmt: str) -> str:
    """An example key in ``fmt`` (for error messages)."""
    return datetime(2024, 1, 31, 13, 0).strftime(fmt.replace("%z", "+0000"))


class KeyFormat:
    """Formats ticks of one schedule as keys, and parses keys back to aware datetimes."""

    __slots__ = (
        "fmt",
        "ticks",
        "_disambiguate",
        "_day_fmt",
        "_values",
        "_attrs",
        "_regex",
        "_fields",
        "_concat",
        "_head_fmt",
        "_head_tmpl",
        "_head_get",
        "_tail_fmt",
    )
    fmt: str
    ticks: CronTicks
    _disambiguate: bool
    _regex: re.Pattern[str] | None
    # The bulk-formatting paths: each field is None unless fmt has that path, and is read only
    # behind the check that selects it (``_day_fmt is None``, ``_concat``, ``_regex``), which
    # a type checker cannot follow; hence Any.
    _day_fmt: Any
    _values: Any
    _attrs: Any
    _fields: Any
    _concat: bool | None
    _head_fmt: Any
    _head_tmpl: Any
    _head_get: Any
    _tail_fmt: Any

    def __init__(self, fmt: str, ticks: CronTicks):
        self.fmt = fmt
        self.ticks = ticks
        self._disambiguate = (
            "%z" not in fmt and ticks.tz is not UTC and cron_repeats_every_hour(ticks.cron)
        )
        directives = _DIRECTIVE.findall(fmt)
        bulk_ok = all(d in _DATE_DIRECTIVES or d in _TIME_DIRECTIVES for d in directives)
        if bulk_ok:
            order = [d for d in directives if d in _TIME_DIRECTIVES]
            # \x01 never appears in strftime output of these directives; it marks a time slot.
            self._day_fmt = _DIRECTIVE.sub(
                lambda m: "\x01" if m.group(1) in _TIME_DIRECTIVES else m.group(0),
                fmt.replace("\x01", ""),
            )
            attrs = [_TIME_DIRECTIVES[d] for d in order]
            self._values = attrgetter(*attrs) if attrs else None
            self._attrs = attrs
        else:
            self._attrs = None
            self._day_fmt = None
            self._values = None
        self._init_stamp_format(bulk_ok)
        # A fixed-width regex parses the common formats ~20x faster than strptime.
        if directives and all(d in _PARSE_WIDTH for d in directives):
            self._regex = re.compile(
                "".join(
                    _PARSE_WIDTH[p[1]] if p.startswith("%") else re.escape(p)
                    for p in re.split(r"(%.)", fmt)
                    if p
                )
            )
            self._fields = [_PARSE_FIELD[d] for d in directives]
        else:
            self._regex = None
            self._fields = None

    def format(self, dt: datetime) -> str:
        """``dst_safe_strftime(dt, tz, fmt, cron)``."""
        if self._disambiguate and dt.fold and self.ticks.is_second_ambiguous(dt):
            return dt.strftime(dst_safe_fmt(self.fmt))
        return dt.strftime(self.fmt)

    def format_many(self, dts: list[datetime]) -> list[str]:
        """Format many ticks; same result as ``[self.format(d) for d in dts]``."""
        if self._day_fmt is None:
            return [self.format(d) for d in dts]
        out: list[str] = []
        append = out.append
        values = self._values
        day_fmt = self._day_fmt
        disamb = self._disambiguate
        last_ord = None
        template = ""
        for dt in dts:
            if disamb and dt.fold and self.ticks.is_second_ambiguous(dt):
                append(dt.strftime(dst_safe_fmt(self.fmt)))
                continue
            o = dt.toordinal()
            if o != last_ord:
                last_ord = o
                template = dt.strftime(day_fmt).replace("%", "%%").replace("\x01", "%02d")
                if values is None:
                    template = template.replace("%%", "%")
            append(template % values(dt) if values is not None else template)
        return out

    # -- bulk formatting of hourly ticks given as epoch seconds ----------------------------

    def _init_stamp_format(self, bulk_ok: bool) -> None:
        """Split fmt for :meth:`format_stamps`: a key is ``day part`` + ``time-of-day part`` when
        no date directive follows the first time directive (``_concat``), else
        ``day template % time values``; ``_concat`` is None when fmt has no bulk path."""
        self._concat = None
        self._head_fmt = self._head_tmpl = self._head_get = self._tail_fmt = None
        tokens = [t for t in re.split(r"(%.)", self.fmt) if t]
        literal_pct = any("%" in t for t in tokens if not (len(t) == 2 and t[0] == "%"))
        if not bulk_ok or literal_pct or "\x00" in self.fmt or "\x01" in self.fmt:
            return
        first_time = next(
            (
                i
                for i, t in enumerate(tokens)
                if t[0] == "%" and len(t) == 2 and t[1] in _TIME_DIRECTIVES
            ),
            None,
        )
        head = tokens if first_time is None else tokens[:first_time]
        tail = [] if first_time is None else tokens[first_time:]
        if any(
            len(t) == 2 and t[0] == "%" and t[1] in _DATE_DIRECTIVES and t != "%%" for t in tail
        ):
            self._concat = False  # e.g. "%H:%M %Y-%m-%d": fall back to day templates
            return
        self._concat = True
        self._head_fmt = "".join(head)
        self._tail_fmt = "".join(tail)
        # "%Y", "%m", "%d" (years >= 1000) as %-interpolation, ~5x cheaper than strftime.
        fields = {"%Y": ("%04d", "year"), "%m": ("%02d", "month"), "%d": ("%02d", "day")}
        if all(t in fields or t == "%%" or t[0] != "%" for t in head):
            attrs = [fields[t][1] for t in head if t in fields]
            self._head_tmpl = "".join(
                fields[t][0] if t in fields else t if t == "%%" else t.replace("%", "%%")
                for t in head
            )
            self._head_get = attrgetter(*attrs) if attrs else (lambda d: ())

    def _day_parts(self, d_lo: int, d_hi: int) -> list[str]:
        """The per-day part of keys for local days ``d_lo <= d < d_hi`` (days since 1970-01-01)."""
        fromord = date.fromordinal
        ordinals = range(d_lo + _EPOCH_ORDINAL, d_hi + _EPOCH_ORDINAL)
        if not self._concat:
            day_fmt = self._day_fmt
            return [
                fromord(o).strftime(day_fmt).replace("%", "%%").replace("\x01", "%02d")
                for o in ordinals
            ]
        tmpl = self._head_tmpl
        if tmpl is not None and fromord(ordinals[0]).year >= 1000:
            get = self._head_get
            return [tmpl % get(fromord(o)) for o in ordinals]
        head_fmt = self._head_fmt
        return [fromord(o).strftime(head_fmt) for o in ordinals]

    def _time_part(self, sod: int, cache: dict):
        """The per-tick part of a key for a tick ``sod`` seconds after local midnight."""
        part = cache.get(sod)
        if part is None:
            h, rem = divmod(sod, 3600)
            m, sec = divmod(rem, 60)
            if self._concat:
                part = datetime(2000, 1, 1, h, m, sec).strftime(self._tail_fmt)
            else:
                f = {"hour": h, "minute": m, "second": sec}
                part = tuple(f[a] for a in self._attrs)
            cache[sod] = part
        return part

    def _extend_fixed_offset(self, out: list, stamps: Sequence[int], off: int, cache: dict) -> None:
        """Append keys of hourly ticks ``stamps`` that all have UTC offset ``off`` seconds and
        are not the second copy of a repeated wall time."""
        if not stamps:
            return
        concat = self._concat
        day = _DAY_SECONDS
        part = self._time_part
        d0 = (stamps[0] + off) // day
        d_last = (stamps[-1] + off) // day
        if d0 == d_last:
            (p,) = self._day_parts(d0, d0 + 1)
            times = [part(s + off - d0 * day, cache) for s in stamps]
            out += [p + x for x in times] if concat else [p % x for x in times]
            return
        j = bisect_left(stamps, (d0 + 1) * day - off)  # end of the first (partial) day
        k = bisect_left(stamps, d_last * day - off)  # start of the last (partial) day
        self._extend_fixed_offset(out, stamps[:j], off, cache)
        if k > j:
            # Whole local days d0+1 .. d_last-1: hourly ticks repeat every day at the same times.
            base = (d0 + 1) * day - off
            m = bisect_left(stamps, base + day, j, k)
            n_days = d_last - d0 - 1
            if (k - j) != (m - j) * n_days or stamps[k - 1] - stamps[m - 1] != (n_days - 1) * day:
                # not a daily-repeating pattern (not expected for hourly ticks): one at a time
                tz = self.ticks.tz
                out += [self.format(datetime.fromtimestamp(s, tz)) for s in stamps[j:k]]
                self._extend_fixed_offset(out, stamps[k:], off, cache)
                return
            times = [part(stamps[x] - base, cache) for x in range(j, m)]
            parts = self._day_parts(d0 + 1, d_last)
            out += (
                [p + x for p in parts for x in times]
                if concat
                else [p % x for p in parts for x in times]
            )
        self._extend_fixed_offset(out, stamps[k:], off, cache)

    def _offset_segments(self, first: int, last: int) -> list[tuple[int, int, int]] | None:
        """``(start, slow_end, offset)`` for each stretch of constant UTC offset covering
        [first, last]: the stretch runs from start to the next one's start, and ticks in
        [start, slow_end) repeat a wall time already used (they need ``dst_safe`` formatting).
        None when the zone changes offsets too often for daily sampling to be exact."""
        tz = self.ticks.tz
        fromts = datetime.fromtimestamp
        sec = _SECOND

        def off(t: int) -> int:
            return (fromts(t, tz).utcoffset() or _ZERO_DELTA) // sec

        t = first - _LOOKBACK
        o = off(t)
        changes: list[tuple[int, int, int]] = []  # (instant, offset before, offset after)
        while t < last:
            nxt = min(t + _DAY_SECONDS, last)
            on = off(nxt)
            if on != o:
                lo, hi = t, nxt  # off(lo) == o != off(hi): find the first instant of the change
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if off(mid) == o:
                        lo = mid
                    else:
                        hi = mid
                if changes and hi - changes[-1][0] <= 2 * _DAY_SECONDS:
                    return None
                if o - on > _LOOKBACK:
                    return None
                changes.append((hi, o, on))
            t, o = nxt, on
        segments = [(first, first, off(first))]
        for at, before, after in changes:
            slow_end = at + max(0, before - after) if self._disambiguate else at
            if at <= first:
                segments[0] = (first, max(first, slow_end), after)
            else:
                segments.append((at, slow_end, after))
        return segments

    def format_stamps(self, stamps: Sequence[int]) -> list[str]:
        """Keys of hourly ticks given as ascending epoch seconds (ticks repeat every hour);
        same result as ``[self.format(datetime.fromtimestamp(s, tz)) for s in stamps]``.

        Works on integers: each stretch of constant UTC offset is cut into local days, each
        day's date part is formatted once and joined with the (few) time-of-day parts. Ticks
        repeating a wall time after a fall-back go through :meth:`format`."""
        tz = self.ticks.tz
        fromts = datetime.fromtimestamp
        if not stamps:
            return []
        segments = None
        if self._concat is not None:
            segments = (
                [(stamps[0], stamps[0], 0)]
                if tz is UTC
                else self._offset_segments(stamps[0], stamps[-1])
            )
        if segments is None:
            return [self.format(fromts(s, tz)) for s in stamps]
        out: list[str] = []
        cache: dict = {}
        ends = [s[0] for s in segments[1:]] + [stamps[-1] + 1]
        for (start, slow_end, off), end in zip(segments, ends, strict=True):
            i = bisect_left(stamps, start)
            k = bisect_left(stamps, min(slow_end, end))
            j = bisect_left(stamps, end)
            out += [self.format(fromts(s, tz)) for s in stamps[i:k]]
            self._extend_fixed_offset(out, stamps[k:j], off, cache)
        return out

    def parse(self, key: str) -> datetime:
        """``dst_safe_strptime(key, tz, fmt)``; raises ValueError when ``key`` does not parse."""
        return _parse(key, self.fmt, self.ticks.tzname, self)

    def parse_naive(self, key: str) -> datetime:
        if self._regex is not None:
            m = self._regex.fullmatch(key)
            if m is not None:
                kw = {"year": 1900, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
                kw.update(zip(self._fields, map(int, m.groups()), strict=False))
                return datetime(
                    kw["year"], kw["month"], kw["day"], kw["hour"], kw["minute"], kw["second"]
                )
        try:
            return datetime.strptime(key, self.fmt)
        except (ValueError, TypeError):
            return datetime.strptime(key, dst_safe_fmt(self.fmt))


@lru_cache(maxsize=8192)
def _parse(key: str, fmt: str, tzname: str, kf: KeyFormat) -> datetime:
    dt = kf.parse_naive(key)
    tz = kf.ticks.tz
    if dt.tzinfo is not None:
        return datetime.fromtimestamp(dt.timestamp(), tz)
    return dt.replace(tzinfo=tz, fold=0)
