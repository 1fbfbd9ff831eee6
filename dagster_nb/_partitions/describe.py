"""Partitions definitions written the way a person writes them, for messages.

``repr`` keeps Dagster's (``TimeWindowPartitionsDefinition(start=1704067200.0, ...)``, pinned
side by side), which is exact but unreadable in an error. Messages use :func:`pdef_source`:

    >>> import dagster_nb as dg
    >>> pdef_source(dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    'DailyPartitionsDefinition(start_date="2024-01-01")'
    >>> pdef_source(dg.StaticPartitionsDefinition(["us", "eu"]))
    'StaticPartitionsDefinition(["us", "eu"])'
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["pdef_source", "example_partition_key"]

_DEFAULT_FMT = {
    "Hourly": "%Y-%m-%d-%H:%M",
    "Daily": "%Y-%m-%d",
    "Weekly": "%Y-%m-%d",
    "Monthly": "%Y-%m-%d",
}


def _q(s: Any) -> str:
    return json.dumps(str(s), ensure_ascii=False)


def pdef_source(pdef: Any) -> str:
    """Constructor call text of ``pdef``: dates as formatted keys, never epoch seconds."""
    from dagster_nb._partitions.dynamic import DynamicPartitionsDefinition
    from dagster_nb._partitions.multi import MultiPartitionsDefinition
    from dagster_nb._partitions.static import StaticPartitionsDefinition
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    if isinstance(pdef, TimeWindowPartitionsDefinition):
        return _time_window_source(pdef)
    if isinstance(pdef, StaticPartitionsDefinition):
        keys = list(pdef.get_partition_keys())
        shown = ", ".join(_q(k) for k in keys[:6]) + (
            f", ... ({len(keys)} keys)" if len(keys) > 6 else ""
        )
        return f"StaticPartitionsDefinition([{shown}])"
    if isinstance(pdef, DynamicPartitionsDefinition):
        return f"DynamicPartitionsDefinition(name={_q(pdef.name)})" if pdef.name else repr(pdef)
    if isinstance(pdef, MultiPartitionsDefinition):
        dims = ", ".join(
            f"{_q(d.name)}: {pdef_source(d.partitions_def)}" for d in pdef.partitions_defs
        )
        return f"MultiPartitionsDefinition({{{dims}}})"
    return repr(pdef)


def _time_window_source(pdef: Any) -> str:

    st = pdef.schedule_type
    name = st.value.capitalize() if st is not None else None
    fmt = pdef.fmt
    fmt_out = lambda dt: dt.strftime(fmt)  # noqa: E731 - the keys' own format
    if name not in _DEFAULT_FMT:
        name = None
    args: list[str] = []
    if name is not None:
        args.append(f"start_date={_q(fmt_out(pdef.start))}")
        if pdef.end is not None:
            args.append(f"end_date={_q(fmt_out(pdef.end))}")
        if pdef.minute_offset:
            args.append(f"minute_offset={pdef.minute_offset}")
        if name != "Hourly" and pdef.hour_offset:
            args.append(f"hour_offset={pdef.hour_offset}")
        if name in ("Weekly", "Monthly") and pdef.day_offset != (1 if name == "Monthly" else 0):
            args.append(f"day_offset={pdef.day_offset}")
        if fmt != _DEFAULT_FMT[name]:
            args.append(f"fmt={_q(fmt)}")
        cls = f"{name}PartitionsDefinition"
    else:
        args.append(f"cron_schedule={_q(pdef.cron_schedule)}")
        args.append(f"start={_q(fmt_out(pdef.start))}")
        if pdef.end is not None:
            args.append(f"end={_q(fmt_out(pdef.end))}")
        args.append(f"fmt={_q(fmt)}")
        cls = "TimeWindowPartitionsDefinition"
    if pdef.timezone not in ("UTC", None):
        args.append(f"timezone={_q(pdef.timezone)}")
    if pdef.end_offset:
        args.append(f"end_offset={pdef.end_offset}")
    return f"{cls}({', '.join(args)})"


def example_partition_key(
    pdef: Any, instance: DagsterInstance | None = None, current_time: Any = None
) -> str | None:
    """A key that exists now (the last one), for "e.g." hints; None when there is none yet."""
    try:
        return pdef.get_last_partition_key(
            current_time=current_time, dynamic_partitions_store=instance
        )
    except Exception:  # noqa: BLE001 - a dynamic definition without a store, a window not started yet
        return None
