"""Benchmark: dagster vs dagster_nb on partition key listing and time windows.

    python bench/bench_partitions.py

Each case runs REPEATS times per library with fresh definitions, a different current_time per
repeat and dagster_nb's caches cleared, so nothing is served from a previous repeat; medians
are quoted. The machine is shared, so expect some noise.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import warnings

import dagster
from dagster._core.definitions.partitions.context import partition_loading_context

import dagster_nb
from dagster_nb._partitions import time_window_definition as nb_twd

warnings.filterwarnings("ignore")
REPEATS = 5
BASE_NOW = dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
NOW = BASE_NOW + dt.timedelta(seconds=1)


def _clear():
    nb_twd._keys_between_cached.cache_clear()
    nb_twd._bounds.cache_clear()
    nb_twd._window_for_key.cache_clear()


def median_times(*fns) -> list[float]:
    """Median over REPEATS of each function; each repeat uses a different current_time (one
    second apart), so neither library can answer from a cache filled by the previous repeat.
    The functions alternate within each repeat, so both libraries see the same machine: its
    speed drifts by up to 2x over seconds here, and ours takes a fraction of Dagster's time."""
    global NOW
    times: list[list[float]] = [[] for _ in fns]
    for i in range(REPEATS):
        NOW = BASE_NOW + dt.timedelta(seconds=i + 1)
        for fn, out in zip(fns, times, strict=True):
            _clear()
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def hourly(lib, tz="UTC"):
    return lambda: lib.HourlyPartitionsDefinition(
        "2014-01-01-00:00", timezone=tz
    ).get_partition_keys(current_time=NOW)


def multi(lib):
    def run():
        m = lib.MultiPartitionsDefinition(
            {
                "date": lib.DailyPartitionsDefinition("2014-01-01"),
                "shard": lib.StaticPartitionsDefinition([f"s{i:02d}" for i in range(50)]),
            }
        )
        with partition_loading_context(effective_dt=NOW):
            return m.get_partition_keys(current_time=NOW)

    return run


def windows(lib, tz):
    keys = dagster.DailyPartitionsDefinition("2014-01-01", timezone=tz).get_partition_keys(
        current_time=NOW
    )

    def run():
        p = lib.DailyPartitionsDefinition("2014-01-01", timezone=tz)
        return [p.time_window_for_partition_key(k) for k in keys]

    return run, len(keys)


def main():
    rows = []
    n = len(hourly(dagster_nb)())
    rows.append((f"hourly keys, 10 years UTC ({n:,} keys)", hourly(dagster), hourly(dagster_nb)))
    rows.append(
        (
            "hourly keys, 10 years America/New_York",
            hourly(dagster, "America/New_York"),
            hourly(dagster_nb, "America/New_York"),
        )
    )
    rows.append(
        (
            f"multi daily x 50 keys ({len(multi(dagster_nb)()):,} keys)",
            multi(dagster),
            multi(dagster_nb),
        )
    )
    for tz in ("UTC", "Europe/Berlin"):
        d, k = windows(dagster, tz)
        nbr, _ = windows(dagster_nb, tz)
        rows.append((f"time_window_for_partition_key x {k:,} daily keys ({tz})", d, nbr))
    assert hourly(dagster)() == hourly(dagster_nb)()
    print(f"{'case':60s} {'dagster':>10s} {'dagster_nb':>11s} {'ratio':>8s}")
    for name, d, n_ in rows:
        td, tn = median_times(d, n_)
        print(f"{name:60s} {td * 1000:9.1f}ms {tn * 1000:10.1f}ms {td / tn:7.1f}x")


if __name__ == "__main__":
    main()
