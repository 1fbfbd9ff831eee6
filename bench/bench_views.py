"""Bulk reads behind the views: the timings that used to be asserted in tests (a wall-clock
threshold in a test flakes on a shared machine), measured here instead, with Dagster beside
ours where it has the same operation.

    python bench/bench_views.py

Prints medians of 5 (best-of is hidden noise on a shared machine; the median is reported).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dagster_nb as dg  # noqa: E402
from dagster_nb._partitions import compress_keys_to_ranges  # noqa: E402


def median_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def row(name: str, ours: float, theirs: float | None = None) -> None:
    ratio = f"{theirs / ours:8.1f}x" if theirs else "        -"
    theirs_s = f"{theirs:10.2f}" if theirs else "         -"
    print(f"{name:<52} {ours:10.2f} {theirs_s} {ratio}")


def main() -> None:
    try:
        import dagster
    except ImportError:
        dagster = None
    warnings.filterwarnings("ignore")
    print(f"{'ms, median of 5':<52} {'dagster_nb':>10} {'dagster':>10} {'ratio':>9}")

    keys = [f"k{i:06d}" for i in range(100_000)]
    status = {k: ("ok" if i % 1000 < 900 else "failed") for i, k in enumerate(keys) if i % 5000}
    row(
        "compress 100,000 static keys to status ranges",
        median_ms(lambda: compress_keys_to_ranges(keys, status)),
    )

    now = dt.datetime(2024, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc)
    ours = median_ms(
        lambda: dg.HourlyPartitionsDefinition("2014-01-01-00:00").get_partition_keys(
            current_time=now
        )
    )
    theirs = None
    if dagster is not None:
        theirs = median_ms(
            lambda: dagster.HourlyPartitionsDefinition("2014-01-01-00:00").get_partition_keys(
                current_time=now
            )
        )
    row("hourly keys over 10 years (define + list)", ours, theirs)

    from dagster_nb._widgets.viewmodel import partition_view_model

    pk = [f"p{i:06d}" for i in range(100_000)]
    pdef = dg.StaticPartitionsDefinition(pk)
    st = {k: "MATERIALIZED" for k in pk[:50_000]}
    st.update({k: "FAILED" for k in pk[60_000:60_010]})
    row(
        "partition view model, 100,000 static keys",
        median_ms(lambda: partition_view_model(pdef, st)),
    )
    hourly = dg.HourlyPartitionsDefinition("2010-01-01-00:00")
    hnow = dt.datetime(2021, 5, 29, 16, 0)
    hk = hourly.get_partition_keys(current_time=hnow)
    hst = {k: "MATERIALIZED" for k in hk[:-24]}
    row(
        f"partition view model, {len(hk):,} hourly keys",
        median_ms(lambda: partition_view_model(hourly, hst, current_time=hnow)),
    )

    from dagster_nb._events import DagsterEvent, DagsterEventType

    n = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        instance = dg.DagsterInstance.from_directory(tmp)
        assets = []
        for i in range(n):

            @dg.asset(name=f"n{i}", code_version="1", deps=[f"n{i - 1}"] if i else [])
            def _a():
                return 1

            assets.append(_a)
        run = instance.create_run(job_name="__ASSET_JOB")
        events = []
        for i in range(n):
            tags = {"dagster/code_version": "1", "dagster/data_version": f"d{i}"}
            if i:
                tags[f"dagster/input_data_version/n{i - 1}"] = f"d{i - 1}"
            events.append(
                DagsterEvent(
                    event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
                    run_id=run.run_id,
                    job_name="__ASSET_JOB",
                    timestamp=time.time(),
                    asset_key=dg.AssetKey(f"n{i}"),
                    materialization=dg.AssetMaterialization(dg.AssetKey(f"n{i}"), tags=tags),
                )
            )
        instance.handle_new_events(events)
        defs = dg.Definitions(assets=assets)
        akeys = [a.key for a in assets]
        row(
            "stale-or-missing of a 10,000-asset chain",
            median_ms(
                lambda: dg.StalenessResolver(defs.resolved, instance).stale_or_missing(akeys), 3
            ),
        )
        # What the lineage widget and %assets build on every refresh (the first 1,000 of the
        # chain; 1 in 50 with a failed latest event, so the failure lookups are counted too).
        from dagster_nb._definitions.repository import ResolvedAssets
        from dagster_nb._widgets.viewmodel import lineage_dot, lineage_view_model

        fails = [
            DagsterEvent(
                event_type_value=DagsterEventType.ASSET_FAILED_TO_MATERIALIZE.value,
                run_id=run.run_id,
                job_name="__ASSET_JOB",
                timestamp=time.time(),
                asset_key=dg.AssetKey(f"n{i}"),
                step_key=f"n{i}",
                message="step failed",
                data={"reason": "FAILED_TO_MATERIALIZE"},
            )
            for i in range(0, 1000, 50)
        ]
        instance.handle_new_events(fails)
        small = ResolvedAssets.build(assets[:1000])
        row(
            "lineage view model + DOT, 1,000 assets (20 failed)",
            median_ms(lambda: lineage_dot(lineage_view_model(small, instance)), 3),
        )
        instance.dispose()


if __name__ == "__main__":
    main()
