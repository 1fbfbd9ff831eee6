"""Persistence benchmark: per-asset and per-partition overhead of materializing with a persistent
SQLite instance and the filesystem IO manager, dagster_nb side by side with Dagster (its SQLite
instance, ``DAGSTER_HOME`` set to a temporary folder, ``dagster.DagsterInstance.get()``); plus
status reads of 10,000 assets and 100,000 partitions, and a profile of where our time goes.

    python bench/bench_persistent.py            # N = 10, 50, 200 (Dagster: 10, 50)
    python bench/bench_persistent.py --quick    # smaller, for a smoke run
    python bench/bench_persistent.py --no-dagster --profile

Per asset: a chain of N trivial assets materialized in one ``materialize`` call into a fresh
instance; the slope of the median time against N (least squares) is the cost per asset, so
start-up costs cancel. Per partition: one daily-partitioned asset materialized for K single
partitions, one call each; the median call is the cost per partition. Medians over repeats.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dagster_nb as dg  # noqa: E402
from dagster_nb._definitions.asset_key import AssetKey  # noqa: E402
from dagster_nb._events import DagsterEvent, DagsterEventType  # noqa: E402


def chain(lib, n: int, prefix: str = "a") -> list:
    out, prev = [], None
    for i in range(n):
        if prev is None:

            @lib.asset(name=f"{prefix}{i}")
            def _a():
                return 1
        else:

            @lib.asset(name=f"{prefix}{i}", ins={"x": lib.AssetIn(prev)})
            def _a(x):
                return x + 1

        out.append(_a)
        prev = f"{prefix}{i}"
    return out


def slope(points: list[tuple[int, float]]) -> float:
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else ys[0] / xs[0]


# --------------------------------------------------------------------------- ours


def ours_chain(n: int, repeat: int) -> float:
    assets = chain(dg, n)
    times = []
    for _ in range(repeat):
        root = tempfile.mkdtemp(prefix="bench-nb-")
        with dg.DagsterInstance.from_directory(root) as inst:
            t = time.perf_counter()
            assert dg.materialize(assets, instance=inst).success
            times.append(time.perf_counter() - t)
        shutil.rmtree(root, ignore_errors=True)
    return statistics.median(times)


def ours_partitions(k: int, repeat: int) -> float:
    daily = dg.DailyPartitionsDefinition(start_date="2020-01-01")

    @dg.asset(partitions_def=daily)
    def p(context):
        return context.partition_key

    keys = daily.get_partition_keys()[:k]
    meds = []
    for _ in range(repeat):
        root = tempfile.mkdtemp(prefix="bench-nb-")
        with dg.DagsterInstance.from_directory(root) as inst:
            times = []
            for pk in keys:
                t = time.perf_counter()
                assert dg.materialize([p], instance=inst, partition_key=pk).success
                times.append(time.perf_counter() - t)
            meds.append(statistics.median(times))
        shutil.rmtree(root, ignore_errors=True)
    return statistics.median(meds)


# --------------------------------------------------------------------------- Dagster


def _dagster_instance():
    import dagster

    home = tempfile.mkdtemp(prefix="bench-dagster-")
    with open(os.path.join(home, "dagster.yaml"), "w") as f:
        f.write("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = home
    return dagster.DagsterInstance.get(), home


def dagster_chain(n: int, repeat: int) -> float:
    import dagster

    assets = chain(dagster, n)
    times = []
    for _ in range(repeat):
        inst, home = _dagster_instance()
        t = time.perf_counter()
        assert dagster.materialize(assets, instance=inst).success
        times.append(time.perf_counter() - t)
        inst.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return statistics.median(times)


def dagster_partitions(k: int, repeat: int) -> float:
    import dagster

    daily = dagster.DailyPartitionsDefinition(start_date="2020-01-01")

    @dagster.asset(partitions_def=daily)
    def p(context):
        return context.partition_key

    keys = daily.get_partition_keys()[:k]
    meds = []
    for _ in range(repeat):
        inst, home = _dagster_instance()
        times = []
        for pk in keys:
            t = time.perf_counter()
            assert dagster.materialize([p], instance=inst, partition_key=pk).success
            times.append(time.perf_counter() - t)
        meds.append(statistics.median(times))
        inst.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return statistics.median(meds)


# --------------------------------------------------------------------------- status reads


def _mat_event(run_id: str, key: str, tags: dict, partition: str | None = None) -> DagsterEvent:
    k = AssetKey(key)
    return DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        run_id=run_id,
        job_name="__ASSET_JOB",
        timestamp=time.time(),
        asset_key=k,
        partition=partition,
        materialization=dg.AssetMaterialization(
            k, tags=tags, partition=partition, metadata={"path": dg.MetadataValue.path("/x")}
        ),
    )


def status_reads(n_assets: int, n_partitions: int, repeat: int) -> dict[str, float]:
    out: dict[str, float] = {}
    root = tempfile.mkdtemp(prefix="bench-nb-")
    try:
        assets = []
        for i in range(n_assets):

            @dg.asset(name=f"s{i}", code_version="1", deps=[f"s{i - 1}"] if i else [])
            def _a():
                return 1

            assets.append(_a)
        keys = [a.key for a in assets]
        resolved = dg.Definitions(assets=assets).resolved
        with dg.DagsterInstance.from_directory(root) as inst:
            run = inst.create_run(job_name="__ASSET_JOB")
            events = []
            for i in range(n_assets):
                tags = {"dagster/code_version": "1", "dagster/data_version": f"d{i}"}
                if i:
                    tags[f"dagster/input_data_version/s{i - 1}"] = f"d{i - 1}"
                events.append(_mat_event(run.run_id, f"s{i}", tags))
            inst.handle_new_events(events)
            pkeys = [f"p{i:06d}" for i in range(n_partitions)]
            for j in range(0, len(pkeys), 10_000):
                inst.handle_new_events(
                    [
                        _mat_event(run.run_id, "parts", {"dagster/data_version": pk}, pk)
                        for pk in pkeys[j : j + 10_000]
                    ]
                )

        def fresh_instance_time(fn) -> float:
            times = []
            for _ in range(repeat):
                with dg.DagsterInstance.from_directory(root) as inst:
                    t = time.perf_counter()
                    fn(inst)
                    times.append(time.perf_counter() - t)
            return statistics.median(times)

        def warm_time(fn) -> float:
            with dg.DagsterInstance.from_directory(root) as inst:
                fn(inst)
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    fn(inst)
                    times.append(time.perf_counter() - t)
            return statistics.median(times)

        def by_key(inst):
            assert len(inst.get_status_by_asset_key(keys)) == n_assets

        def stale(inst):
            assert not dg.StalenessResolver(resolved, inst).stale_or_missing(keys)

        def parts(inst):
            assert len(inst.get_asset_partition_statuses("parts")) == len(pkeys)

        out[f"get_status_by_asset_key, {n_assets:,} assets (new instance)"] = fresh_instance_time(
            by_key
        )
        out[f"StalenessResolver, {n_assets:,} assets (new instance)"] = fresh_instance_time(stale)
        out[f"StalenessResolver, {n_assets:,} assets (same instance, new resolver)"] = warm_time(
            stale
        )
        out[f"partition statuses, {len(pkeys):,} partitions (new instance)"] = fresh_instance_time(
            parts
        )
        out[f"partition statuses, {len(pkeys):,} partitions (same instance)"] = warm_time(parts)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- profile


def profile_ours(n: int) -> str:
    assets = chain(dg, n)
    root = tempfile.mkdtemp(prefix="bench-nb-")
    try:
        with dg.DagsterInstance.from_directory(root) as inst:
            dg.materialize(assets, instance=inst)  # warm imports and caches
            prof = cProfile.Profile()
            prof.enable()
            dg.materialize(assets, instance=inst)
            prof.disable()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # tottime over all functions
    by_file: dict[str, float] = {}
    for (file, _, func), v in stats.stats.items():
        f = file
        if "dagster_nb" in f:
            f = "dagster_nb/" + f.split("dagster_nb/", 1)[1]
        elif f == "~":
            f = func  # a C function: name it
        elif f.startswith("<"):
            f = f + " " + func
        else:
            f = os.path.basename(f)
        by_file[f] = by_file.get(f, 0.0) + v[2]
    buf = io.StringIO()
    buf.write(
        f"profile of one materialize() of a {n}-asset chain (profiled, so slower): "
        f"{total / n * 1e3:.2f} ms/asset of own time\n"
    )
    for f, t in sorted(by_file.items(), key=lambda x: -x[1])[:12]:
        buf.write(f"  {t / n * 1e6:8.0f} us/asset  {100 * t / total:5.1f}%  {f}\n")
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(15)
    buf.write("\n".join(s.getvalue().splitlines()[6:24]) + "\n")
    return buf.getvalue()


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-dagster", action="store_true")
    ap.add_argument("--profile", action="store_true", help="profile ours and print where time goes")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)

    ns = [10, 50] if args.quick else [10, 50, 200]
    dagster_ns = [10, 50] if not args.quick else [5, 15]
    k_ours, k_dagster = (10, 5) if args.quick else (30, 10)
    n_assets, n_parts = (1_000, 10_000) if args.quick else (10_000, 100_000)
    rep = args.repeat

    ours_chain(5, 1)  # warm imports
    ours = [(n, ours_chain(n, rep)) for n in ns]
    ours_slope = slope(ours)
    ours_part = ours_partitions(k_ours, max(1, rep // 2))
    print("dagster_nb (SQLite instance + filesystem IO manager)")
    for n, t in ours:
        print(f"  chain of {n:4d}: {t * 1e3:8.1f} ms  ({t / n * 1e3:.2f} ms/asset)")
    print(f"  slope: {ours_slope * 1e3:.2f} ms/asset; per partition: {ours_part * 1e3:.2f} ms")

    if not args.no_dagster:
        import dagster  # noqa: F401

        dagster_chain(3, 1)  # warm imports
        dag = [(n, dagster_chain(n, 2)) for n in dagster_ns]
        dag_slope = slope(dag)
        dag_part = dagster_partitions(k_dagster, 1)
        print("Dagster 1.x (SQLite instance in DAGSTER_HOME, default fs IO manager)")
        for n, t in dag:
            print(f"  chain of {n:4d}: {t * 1e3:8.1f} ms  ({t / n * 1e3:.2f} ms/asset)")
        print(f"  slope: {dag_slope * 1e3:.1f} ms/asset; per partition: {dag_part * 1e3:.1f} ms")
        print(
            f"ratio per asset: {dag_slope / ours_slope:.0f}x; per partition: {dag_part / ours_part:.0f}x"
            "  (target >= 100x)"
        )

    print("status reads (target < 100 ms each)")
    for name, t in status_reads(n_assets, n_parts, 3).items():
        print(f"  {name}: {t * 1e3:.1f} ms")

    if args.profile:
        print(profile_ours(200 if not args.quick else 50))


if __name__ == "__main__":
    main()
