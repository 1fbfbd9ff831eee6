"""Instance benchmark: event writes and status reads, dagster_nb's SQLite instance side by side
with Dagster's (``DAGSTER_HOME`` set to a temporary folder, ``dagster.DagsterInstance.get()``).

    python bench/bench_instance.py            # full sizes (10,000 assets, 100,000 partitions)
    python bench/bench_instance.py --quick    # smaller, for a smoke run

Dagster writes ~7 ms per event here, so it is populated with ``--dagster-n`` assets/partitions
(default 2,000) and our reads are also measured at that size for the ratio. Times are medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dagster_nb._definitions.asset_key import AssetKey  # noqa: E402
from dagster_nb._definitions.results import AssetMaterialization  # noqa: E402
from dagster_nb._events import DagsterEvent, DagsterEventType  # noqa: E402
from dagster_nb._instance import DagsterInstance  # noqa: E402

E = DagsterEventType


def median_time(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ev(
    t: DagsterEventType, run_id: str, key: str | None = None, partition: str | None = None, **kw
) -> DagsterEvent:
    return DagsterEvent(
        event_type_value=t.value,
        run_id=run_id,
        job_name="__ASSET_JOB",
        timestamp=time.time(),
        step_key=key,
        asset_key=AssetKey(key) if key else None,
        partition=partition,
        **kw,
    )


def asset_events(run_id: str, key: str, partition: str | None = None) -> list[DagsterEvent]:
    """The ~6 events the executor emits per asset."""
    mat = AssetMaterialization(
        key,
        partition=partition,
        metadata={"rows": 10, "path": "/tmp/x"},
        tags={"dagster/data_version": uuid.uuid4().hex[:16], "dagster/code_version": "v1"},
    )
    return [
        ev(E.ASSET_MATERIALIZATION_PLANNED, run_id, key, partition),
        ev(E.STEP_START, run_id, key),
        ev(E.LOG_MESSAGE, run_id, key, message="hello"),
        ev(E.HANDLED_OUTPUT, run_id, key),
        ev(E.ASSET_MATERIALIZATION, run_id, key, partition, materialization=mat),
        ev(E.STEP_SUCCESS, run_id, key),
    ]


def row(name: str, ours: float, theirs: float | None, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1e6
    o = f"{ours * scale:10.3f} {unit}"
    if theirs is None:
        print(f"{name:<58} {o}")
    else:
        print(f"{name:<58} {o} {theirs * scale:12.3f} {unit} {theirs / ours:9.0f}x")


def bench_ours(n_write: int, n_assets: int, n_parts: int, small: int) -> dict[str, float]:
    res: dict[str, float] = {}
    with DagsterInstance.local_temp() as inst:
        # per-event writes, one call per event, as the executor does
        run = inst.create_run(job_name="__ASSET_JOB")
        inst.handle_new_event(ev(E.RUN_START, run.run_id))
        per_asset = []
        for i in range(n_write):
            evs = asset_events(run.run_id, f"w{i}")
            t = time.perf_counter()
            for e in evs:
                inst.handle_new_event(e)
            per_asset.append(time.perf_counter() - t)
        res["event"] = statistics.median(per_asset) / 6
        res["asset6"] = statistics.median(per_asset)
        inst.handle_new_event(ev(E.RUN_SUCCESS, run.run_id))
        per = []
        for i in range(n_write):
            m = AssetMaterialization(f"r{i}", partition=str(i))
            t = time.perf_counter()
            inst.report_runless_asset_event(m)
            per.append(time.perf_counter() - t)
        res["runless"] = statistics.median(per)

    for n_a, n_p, suffix in ((n_assets, n_parts, ""), (small, small, "_small")):
        with DagsterInstance.local_temp() as inst:
            run = inst.create_run(job_name="__ASSET_JOB")
            batch: list[DagsterEvent] = []
            for i in range(n_a):
                batch += asset_events(run.run_id, f"asset_{i}")
                if len(batch) >= 6000:
                    inst.handle_new_events(batch)
                    batch = []
            for i in range(n_p):
                batch += [
                    ev(
                        E.ASSET_MATERIALIZATION,
                        run.run_id,
                        "part",
                        str(i),
                        materialization=AssetMaterialization("part", partition=str(i)),
                    )
                ]
                if len(batch) >= 6000:
                    inst.handle_new_events(batch)
                    batch = []
            inst.handle_new_events(batch)
            st = inst.get_status_by_asset_key()
            assert len(st) == n_a + 1
            assert len(inst.get_asset_partition_statuses("part")) == n_p
            if not suffix:  # first reads in a fresh instance: nothing cached

                def cold(fn):
                    times = []
                    for _ in range(5):
                        fresh = DagsterInstance.from_directory(inst.root_directory)
                        t = time.perf_counter()
                        fn(fresh)
                        times.append(time.perf_counter() - t)
                        fresh.dispose()
                    return statistics.median(times)

                res["pstatus_cold"] = cold(lambda i: i.get_asset_partition_statuses("part"))
                res["mparts_cold"] = cold(lambda i: i.get_materialized_partitions("part"))

                def after_new_event(inst=inst, run_id=run.run_id):
                    inst.handle_new_event(
                        ev(
                            E.ASSET_MATERIALIZATION,
                            run_id,
                            "part",
                            "new",
                            materialization=AssetMaterialization("part", partition="new"),
                        )
                    )
                    t = time.perf_counter()
                    inst.get_asset_partition_statuses("part")
                    return time.perf_counter() - t

                res["pstatus_delta"] = statistics.median(after_new_event() for _ in range(7))
            res["status" + suffix] = median_time(inst.get_status_by_asset_key)
            res["records" + suffix] = median_time(inst.get_asset_records, 3)
            res["pstatus" + suffix] = median_time(lambda: inst.get_asset_partition_statuses("part"))
            res["mparts" + suffix] = median_time(lambda: inst.get_materialized_partitions("part"))
    return res


def bench_dagster(n_write: int, n: int) -> dict[str, float] | None:
    try:
        import dagster as d
    except ImportError:
        return None
    warnings.filterwarnings("ignore")
    res: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as home:
        old = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = home
        open(os.path.join(home, "dagster.yaml"), "w").close()
        try:
            inst = d.DagsterInstance.get()
            per = []
            for i in range(n_write):
                m = d.AssetMaterialization(f"w{i}", partition=str(i))
                t = time.perf_counter()
                inst.report_runless_asset_event(m)
                per.append(time.perf_counter() - t)
            res["runless"] = statistics.median(per)
            for i in range(n):
                inst.report_runless_asset_event(d.AssetMaterialization(f"asset_{i}"))
                inst.report_runless_asset_event(d.AssetMaterialization("part", partition=str(i)))
            key = d.AssetKey("part")
            assert len(inst.get_materialized_partitions(key)) == n
            res["records_small"] = median_time(inst.get_asset_records, 3)
            res["mparts_small"] = median_time(lambda: inst.get_materialized_partitions(key))
            inst.dispose()
        finally:
            if old is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = old
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--dagster-n", type=int, default=None)
    p.add_argument("--no-dagster", action="store_true")
    a = p.parse_args()
    n_write = 200 if a.quick else 1000
    n_assets = 1000 if a.quick else 10_000
    n_parts = 10_000 if a.quick else 100_000
    small = a.dagster_n or (200 if a.quick else 2000)

    print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}")
    ours = bench_ours(n_write, n_assets, n_parts, small)
    theirs = None if a.no_dagster else bench_dagster(min(n_write, 300), small)
    t = theirs or {}
    print(f"\n{'':<58} {'dagster_nb':>13} {'dagster':>15} {'ratio':>10}")
    row("handle_new_event, per event (SQLite)", ours["event"], None, "us")
    row("6 events of one asset, one call each", ours["asset6"], None, "us")
    row("report_runless_asset_event, per materialization", ours["runless"], t.get("runless"), "us")
    row(f"bulk status of {n_assets:,} assets (get_status_by_asset_key)", ours["status"], None)
    row(f"get_asset_records, {n_assets:,} assets", ours["records"], None)
    row(f"partition statuses, {n_parts:,} partitions, first read", ours["pstatus_cold"], None)
    row(
        f"partition statuses, {n_parts:,} partitions, after 1 new event",
        ours["pstatus_delta"],
        None,
    )
    row(f"partition statuses, {n_parts:,} partitions, unchanged", ours["pstatus"], None)
    row(f"get_materialized_partitions, {n_parts:,}, first read", ours["mparts_cold"], None)
    row(f"get_materialized_partitions, {n_parts:,}, unchanged", ours["mparts"], None)
    row(f"get_asset_records, {small:,} assets", ours["records_small"], t.get("records_small"))
    row(f"get_status_by_asset_key, {small:,} assets", ours["status_small"], None)
    row(
        f"get_materialized_partitions, {small:,} partitions",
        ours["mparts_small"],
        t.get("mparts_small"),
    )
    if not a.quick:
        ok = ours["status"] < 0.1 and ours["pstatus_cold"] < 0.1 and ours["event"] < 0.001
        print("\ntargets (<1 ms per event, <100 ms per bulk read):", "met" if ok else "MISSED")


if __name__ == "__main__":
    main()
