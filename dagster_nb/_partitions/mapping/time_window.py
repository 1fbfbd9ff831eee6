"""TimeWindowPartitionMapping: downstream windows map to upstream partitions that overlap them.

Follows Dagster's ``_map_partitions``: contiguous keys merge into windows, windows shift by
``start_offset``/``end_offset`` partitions, and mapped windows are clipped to the target's
existing partitions; the clipped-off part is reported as required-but-nonexistent.

    >>> import datetime as dt, dagster_nb as dg
    >>> daily = dg.DailyPartitionsDefinition("2024-01-01")
    >>> m = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    >>> m.get_upstream_partition_keys(["2024-01-03"], daily, daily,
    ...                               current_time=dt.datetime(2024, 2, 1))
    ['2024-01-02']
"""

from __future__ import annotations

from datetime import datetime

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from dagster_nb._partitions.mapping.base import PartitionMapping, UpstreamPartitionsResult
from dagster_nb._partitions.time_window import TimeWindow
from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition


def _ts(d: datetime) -> float:
    return d.timestamp()


def _offset(pd: TimeWindowPartitionsDefinition, dt: datetime, n: int) -> datetime:
    """Dagster's _offsetted_datetime: move ``dt`` by ``n`` partitions of ``pd``."""
    t = pd._ticks
    for _ in range(abs(n)):
        dt = t.before(t.prev_le(_ts(dt))) if n < 0 else t.after(t.next_ge(_ts(dt)))
    return dt


def _offset_bounded(pd, dt, n, bounds: TimeWindow | None) -> datetime:
    out = _offset(pd, dt, n)
    if bounds is not None:
        if n < 0:
            out = max(bounds.start, out, key=_ts)
        if n > 0:
            out = min(bounds.end, out, key=_ts)
    return out


def _merged_windows(pd: TimeWindowPartitionsDefinition, keys) -> list[TimeWindow]:
    windows = sorted(
        {pd.time_window_for_partition_key(k) for k in keys}, key=lambda w: _ts(w.start)
    )
    merged: list[TimeWindow] = []
    for w in windows:
        if merged and _ts(w.start) <= _ts(merged[-1].end):
            if _ts(w.end) > _ts(merged[-1].end):
                merged[-1] = TimeWindow(merged[-1].start, w.end)
        else:
            merged.append(w)
    return merged


@dataclass(frozen=True, slots=True)
class TimeWindowPartitionMapping(PartitionMapping):
    """The default mapping between two time-window partitions definitions.

    A downstream partition depends on every upstream partition whose window overlaps its own,
    shifted by ``start_offset``/``end_offset`` partitions (e.g. -1/-1 is "the previous one").
    """

    @property
    def description(self) -> str:
        text = (
            "Maps a downstream partition to any upstream partition with an overlapping time window."
        )
        if self.start_offset != 0 or self.end_offset != 0:
            text += (
                " The start and end of the upstream time window is offsetted by "
                f"{self.start_offset} and {self.end_offset} partitions respectively."
            )
        return text

    start_offset: int = 0
    end_offset: int = 0
    allow_nonexistent_upstream_partitions: bool = False

    def validate_partition_mapping(self, upstream_partitions_def, downstream_partitions_def):
        if not isinstance(downstream_partitions_def, TimeWindowPartitionsDefinition):
            raise DagsterInvalidDefinitionError(
                "Downstream partitions definition must be a TimeWindowPartitionsDefinition for "
                f"TimeWindowPartitionMapping, got {downstream_partitions_def!r} (upstream: "
                f"{upstream_partitions_def!r})."
            )
        if not isinstance(upstream_partitions_def, TimeWindowPartitionsDefinition):
            raise DagsterInvalidDefinitionError(
                "Upstream partitions definition must be a TimeWindowPartitionsDefinition for "
                f"TimeWindowPartitionMapping, got {upstream_partitions_def!r} (downstream: "
                f"{downstream_partitions_def!r})."
            )
        if upstream_partitions_def.timezone != downstream_partitions_def.timezone:
            raise DagsterInvalidDefinitionError(
                f"Timezones {upstream_partitions_def.timezone} and "
                f"{downstream_partitions_def.timezone} don't match"
            )

    def get_upstream_mapped_partitions_result(
        self,
        downstream_keys,
        downstream_partitions_def,
        upstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        if downstream_keys is None:
            raise DagsterInvalidInvocationError(
                "TimeWindowPartitionMapping needs a partitioned downstream asset; use "
                "AllPartitionMapping or LastPartitionMapping for an unpartitioned one."
            )
        self.validate_partition_mapping(upstream_partitions_def, downstream_partitions_def)
        return self._map(
            downstream_partitions_def,
            upstream_partitions_def,
            downstream_keys,
            self.start_offset,
            self.end_offset,
            True,
            current_time,
        )

    def get_downstream_partition_keys(
        self,
        upstream_keys,
        upstream_partitions_def,
        downstream_partitions_def,
        *,
        current_time=None,
        dynamic_partitions_store=None,
    ):
        self.validate_partition_mapping(upstream_partitions_def, downstream_partitions_def)
        return self._map(
            upstream_partitions_def,
            downstream_partitions_def,
            upstream_keys,
            -self.end_offset,
            -self.start_offset,
            False,
            current_time,
        ).partition_keys

    def _map(
        self,
        from_def: TimeWindowPartitionsDefinition,
        to_def: TimeWindowPartitionsDefinition,
        keys,
        start_offset: int,
        end_offset: int,
        downstream_to_upstream: bool,
        current_time,
    ) -> UpstreamPartitionsResult:
        if not keys:
            return UpstreamPartitionsResult([], [])
        if start_offset == 0 and end_offset == 0 and from_def == to_def:
            return UpstreamPartitionsResult(list(dict.fromkeys(keys)), [])
        first = to_def.get_first_partition_window(current_time)
        last = to_def.get_last_partition_window(current_time)
        full = TimeWindow(first.start, last.end) if first and last else None
        same_cron = from_def.cron_schedule == to_def.cron_schedule or (
            from_def.is_basic_daily and to_def.is_basic_hourly
        )
        windows = []
        for w in _merged_windows(from_def, keys):
            s, e = w.start, w.end
            if downstream_to_upstream:
                s = _offset_bounded(from_def, s, start_offset, full)
                e = _offset_bounded(from_def, e, end_offset, full)
            if not same_cron:
                sk = to_def.get_partition_key_for_timestamp(_ts(s), end_closed=False)
                ek = to_def.get_partition_key_for_timestamp(_ts(e), end_closed=True)
                s = to_def.start_time_for_partition_key(sk)
                e = to_def.end_time_for_partition_key(ek)
            if not downstream_to_upstream:
                s = _offset_bounded(to_def, s, start_offset, full)
                e = _offset_bounded(to_def, e, end_offset, full)
            if _ts(s) < _ts(e):
                windows.append(TimeWindow(s, e))
        found: list[str] = []
        missing: list[str] = []
        for w in windows:
            if first and last and _ts(w.start) <= _ts(last.start) and _ts(w.end) >= _ts(first.end):
                clipped = TimeWindow(
                    max(w.start, first.start, key=_ts), min(w.end, last.end, key=_ts)
                )
                found.extend(to_def.get_partition_keys_in_time_window(clipped))
            if self.allow_nonexistent_upstream_partitions:
                continue
            bad = None
            if not (first and last) or (
                _ts(w.start) < _ts(first.start) and _ts(w.end) > _ts(last.end)
            ):
                bad = w
            elif _ts(w.start) < _ts(first.start):
                bad = TimeWindow(w.start, min(w.end, first.start, key=_ts))
            elif _ts(w.end) > _ts(last.end):
                bad = TimeWindow(max(w.start, last.end, key=_ts), w.end)
            if bad is not None:
                missing.extend(to_def.get_partition_keys_in_time_window(bad))
        return UpstreamPartitionsResult(list(dict.fromkeys(found)), list(dict.fromkeys(missing)))
