"""Benchmark: per-partition materialization overhead, dagster vs dagster_nb.

    python bench/bench_partitioned.py [--profile]

A daily-partitioned asset with a trivial body (so only framework overhead is measured) and its
daily downstream, materialized:

* one run per partition, K partitions (``materialize(..., partition_key=k)`` in a loop);
* as a backfill of K partitions, one run per partition (ours: ``run_backfill``; Dagster has no
  in-process backfill API - its daemon launches one run per partition, so the equivalent is
  ``job.execute_in_process(partition_key=k)`` for each key);
* as a single-run backfill of K partitions (``BackfillPolicy.single_run()``; Dagster: one run
  with the ``dagster/asset_partition_range_*`` tags).

Each library runs against an in-memory/ephemeral instance and against a persistent SQLite
instance (Dagster: ``DAGSTER_HOME`` with its default SQLite storage; ours:
``DagsterInstance.from_directory``). Values go through each library's default filesystem IO
manager. Medians over REPEATS; the quoted figure is milliseconds per partition.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

import dagster  # noqa: E402

import dagster_nb  # noqa: E402
from dagster_nb.execution.backfill import run_backfill  # noqa: E402

REPEATS = 3
K_OURS = 200
K_DAGSTER = 20


def assets(dg, single_run=False):
    daily = dg.DailyPartitionsDefinition(start_date="2020-01-01")
    policy = dg.BackfillPolicy.single_run() if single_run else None

    @dg.asset(partitions_def=daily, backfill_policy=policy)
    def raw(context):
        return len(context.partition_keys)

    @dg.asset(partitions_def=daily, backfill_policy=policy)
    def clean(raw):
        return raw

    keys = daily.get_partition_keys_in_range(dg.PartitionKeyRange("2020-01-01", "2023-12-31"))
    return [raw, clean], keys


class Instances:
    """Fresh instances per repeat: (label, factory returning (instance, cleanup))."""

    @staticmethod
    def ours_memory():
        return dagster_nb.DagsterInstance.ephemeral(), lambda: None

    @staticmethod
    def ours_sqlite():
        d = tempfile.mkdtemp(prefix="nb_bench_")
        inst = dagster_nb.DagsterInstance.from_directory(d)
        return inst, lambda: (inst.dispose(), shutil.rmtree(d, ignore_errors=True))

    @staticmethod
    def dagster_memory():
        inst = dagster.DagsterInstance.ephemeral()
        return inst, lambda: inst.dispose()

    @staticmethod
    def dagster_sqlite():
        d = tempfile.mkdtemp(prefix="dg_bench_")
        os.environ["DAGSTER_HOME"] = d
        inst = dagster.DagsterInstance.get()
        return inst, lambda: (inst.dispose(), shutil.rmtree(d, ignore_errors=True))


def per_partition_runs(dg, make_instance, k, mem_io=False):
    a, keys = assets(dg)
    inst, cleanup = make_instance()
    res = {"io_manager": dg.InMemoryIOManager()} if mem_io else None
    try:
        t = time.perf_counter()
        for pk in keys[:k]:
            dg.materialize(a, partition_key=pk, instance=inst, resources=res)
        return (time.perf_counter() - t) / k
    finally:
        cleanup()


def backfill_per_partition(dg, make_instance, k):
    a, keys = assets(dg)
    inst, cleanup = make_instance()
    try:
        if dg is dagster_nb:
            resolved = dagster_nb.Definitions(assets=a).resolved
            selected = {key for x in a for key in x.keys}
            t = time.perf_counter()
            result = run_backfill(resolved, selected, keys[:k], instance=inst)
            assert result.success and len(result.results) == k
        else:
            job = dagster.Definitions(
                assets=a, jobs=[dagster.define_asset_job("bf", partitions_def=a[0].partitions_def)]
            ).resolve_job_def("bf")
            t = time.perf_counter()
            for pk in keys[:k]:
                assert job.execute_in_process(partition_key=pk, instance=inst).success
        return (time.perf_counter() - t) / k
    finally:
        cleanup()


def backfill_single_run(dg, make_instance, k):
    a, keys = assets(dg, single_run=True)
    inst, cleanup = make_instance()

    class DictIO(dg.IOManager):  # a range run needs an IO manager that stores per partition
        def __init__(self):
            self.v = {}

        def handle_output(self, context, obj):
            for pk in context.asset_partition_keys:
                self.v[(context.asset_key, pk)] = obj

        def load_input(self, context):
            return {pk: self.v[(context.asset_key, pk)] for pk in context.asset_partition_keys}

    res = {"io_manager": DictIO()}
    try:
        t = time.perf_counter()
        if dg is dagster_nb:
            resolved = dagster_nb.Definitions(assets=a).resolved
            selected = {key for x in a for key in x.keys}
            result = run_backfill(resolved, selected, keys[:k], instance=inst, resources=res)
            assert result.success and len(result.results) == 1
        else:
            r = dagster.materialize(a, instance=inst, resources=res, tags={
                "dagster/asset_partition_range_start": keys[0],
                "dagster/asset_partition_range_end": keys[k - 1],
            })
            assert r.success
        return (time.perf_counter() - t) / k
    finally:
        cleanup()


def per_partition_runs_mem_io(dg, make_instance, k):
    return per_partition_runs(dg, make_instance, k, mem_io=True)


def median(fn, *args):
    return statistics.median(fn(*args) for _ in range(REPEATS))


def main() -> None:
    if "--profile" in sys.argv:
        profile()
        return
    rows = []
    for name, fn in (
        ("one run per partition (materialize loop)", per_partition_runs),
        ("same, in-memory IO manager (no file writes)", per_partition_runs_mem_io),
        ("backfill, one run per partition", backfill_per_partition),
        ("backfill, single run (range)", backfill_single_run),
    ):
        for store in ("memory", "sqlite"):
            theirs = median(fn, dagster, getattr(Instances, f"dagster_{store}"), K_DAGSTER)
            ours = median(fn, dagster_nb, getattr(Instances, f"ours_{store}"), K_OURS)
            rows.append((name, store, theirs, ours))
            print(f"{name:<44} {store:<7} dagster {theirs * 1e3:9.2f} ms/partition   "
                  f"dagster_nb {ours * 1e3:8.3f} ms/partition   {theirs / ours:7.0f}x", flush=True)
    print()
    print("| case | instance | Dagster ms/partition | dagster_nb ms/partition | ratio |")
    print("|---|---|---:|---:|---:|")
    for name, store, theirs, ours in rows:
        print(f"| {name} | {store} | {theirs * 1e3:.2f} | {ours * 1e3:.3f} | {theirs / ours:.0f}x |")


def profile() -> None:
    import cProfile
    import pstats

    a, keys = assets(dagster_nb)
    for store in ("memory", "sqlite"):
        inst, cleanup = getattr(Instances, f"ours_{store}")()
        prof = cProfile.Profile()
        prof.enable()
        for pk in keys[:K_OURS]:
            dagster_nb.materialize(a, partition_key=pk, instance=inst)
        prof.disable()
        cleanup()
        print(f"--- dagster_nb, {store} instance, {K_OURS} partition runs: top by own time")
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
