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
manager; two variants swap it for an in-memory IO manager (framework only) and for the
filesystem IO manager writing to tmpfs (the same files, without the disk's cost of allocating a
new file, which swings between ~7 and ~200 us on this VM; each process measures it before and
after and the figures are printed, and a last table subtracts that cost of the two new value
files per partition from both libraries, leaving each one's own overhead). Medians over REPEATS; the quoted figure is milliseconds per
partition. Each library
is measured in a process of its own (ours before and after Dagster, the mean of the two), as in
bench_core: with Dagster imported, every full pass of the cyclic collector walks its objects.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

import dagster_nb  # noqa: E402
from dagster_nb._execution.backfill import run_backfill  # noqa: E402

dagster = None  # imported only in the process that measures Dagster (see main)

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


def per_partition_runs(dg, make_instance, k, mem_io=False, base_dir=None):
    a, keys = assets(dg)
    inst, cleanup = make_instance()
    res = {"io_manager": dg.InMemoryIOManager()} if mem_io else None
    if base_dir is not None:
        base_dir = tempfile.mkdtemp(dir=base_dir)
        res = {"io_manager": dg.FilesystemIOManager(base_dir=base_dir)}
    try:
        t = time.perf_counter()
        for pk in keys[:k]:
            dg.materialize(a, partition_key=pk, instance=inst, resources=res)
        return (time.perf_counter() - t) / k
    finally:
        cleanup()
        if base_dir is not None:
            shutil.rmtree(base_dir, ignore_errors=True)


TMPFS = "/dev/shm" if os.path.isdir("/dev/shm") else None


def per_partition_runs_tmpfs(dg, make_instance, k):
    """The filesystem IO manager with its files on tmpfs (in memory): the same work as on disk
    minus the disk's cost of allocating a new file, which varies by 10-30x over minutes here."""
    return per_partition_runs(dg, make_instance, k, base_dir=TMPFS or tempfile.gettempdir())


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
            r = dagster.materialize(
                a,
                instance=inst,
                resources=res,
                tags={
                    "dagster/asset_partition_range_start": keys[0],
                    "dagster/asset_partition_range_end": keys[k - 1],
                },
            )
            assert r.success
        return (time.perf_counter() - t) / k
    finally:
        cleanup()


def per_partition_runs_mem_io(dg, make_instance, k):
    return per_partition_runs(dg, make_instance, k, mem_io=True)


def median(fn, *args):
    return statistics.median(fn(*args) for _ in range(REPEATS))


def file_create_us(n: int = 400) -> float:
    """Median microseconds to create, write (5 bytes), close and rename a new file in the temp
    directory (where ephemeral instances keep their values): the disk's share of a value."""
    d = tempfile.mkdtemp()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    times = []
    try:
        for i in range(n):
            t = time.perf_counter()
            fd = os.open(f"{d}/.{i}.tmp", flags, 0o666)
            os.write(fd, b"12345")
            os.close(fd)
            os.rename(f"{d}/.{i}.tmp", f"{d}/{i}")
            times.append(time.perf_counter() - t)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return statistics.median(times) * 1e6


CASES = (
    ("one run per partition (materialize loop)", per_partition_runs),
    ("same, in-memory IO manager (no file writes)", per_partition_runs_mem_io),
    ("same, filesystem IO manager on tmpfs", per_partition_runs_tmpfs),
    ("backfill, one run per partition", backfill_per_partition),
    ("backfill, single run (range)", backfill_single_run),
)


WRITES_TO_DISK = (per_partition_runs, backfill_per_partition)  # default filesystem IO manager


def measure(lib: str) -> list[float]:
    """Seconds per partition for every (case, store), one library."""
    global dagster
    if lib == "dagster":
        import dagster as _dagster

        dagster = _dagster
        mod, prefix, k = dagster, "dagster", K_DAGSTER
    else:
        mod, prefix, k = dagster_nb, "ours", K_OURS
    before = file_create_us()
    out = [
        median(fn, mod, getattr(Instances, f"{prefix}_{store}"), k)
        for _, fn in CASES
        for store in ("memory", "sqlite")
    ]
    return out + [before, file_create_us()]


def main() -> None:
    if "--profile" in sys.argv:
        profile()
        return
    if "--child" in sys.argv:  # one library, results as JSON on the last line
        print(json.dumps(measure(sys.argv[sys.argv.index("--child") + 1])))
        return
    # Each library in its own process, as in bench_core: the cyclic collector's full passes
    # walk every object alive in the process, and Dagster's imports are millions of them.
    # Ours runs before and after Dagster and each figure is the mean of the two.
    runs: dict[str, list[list[float]]] = {"dagster_nb": [], "dagster": []}
    for lib in ("dagster_nb", "dagster", "dagster_nb"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", lib], capture_output=True, text=True, check=True
        ).stdout
        runs[lib].append(json.loads(out.strip().splitlines()[-1]))
    creates = [x for r in runs["dagster_nb"] + runs["dagster"] for x in r[-2:]]
    labels = [(name, store) for name, _ in CASES for store in ("memory", "sqlite")]

    def without_new_files(r: list[float]) -> list[float]:
        """The process's figures less the disk's cost of the two new value files per
        partition (raw, clean) that the default filesystem IO manager cases create, at the
        mean of the process's own before/after measurement: what is left is the framework's
        per-partition overhead. Both libraries create the same files."""
        create_s = statistics.fmean(r[-2:]) / 1e6
        return [
            t - 2 * create_s if fn in WRITES_TO_DISK else t
            for t, (fn, _) in zip(
                r, [(fn, st) for _, fn in CASES for st in ("memory", "sqlite")], strict=False
            )
        ]

    theirs_all = runs["dagster"][0][:-2]
    ours_all = [statistics.fmean(v) for v in zip(*runs["dagster_nb"], strict=True)][:-2]
    theirs_net = without_new_files(runs["dagster"][0])
    ours_net = [
        statistics.fmean(v) for v in zip(*map(without_new_files, runs["dagster_nb"]), strict=True)
    ]
    rows = list(zip(labels, theirs_all, ours_all, strict=True))
    for (name, store), theirs, ours in rows:
        print(
            f"{name:<44} {store:<7} dagster {theirs * 1e3:9.2f} ms/partition   "
            f"dagster_nb {ours * 1e3:8.3f} ms/partition   {theirs / ours:7.0f}x",
            flush=True,
        )
    print(
        "new file (create, write, close, rename) in the temp dir, before/after each process: "
        + ", ".join(f"{x:.0f}" for x in creates)
        + " us"
    )
    print()
    print("| case | instance | Dagster ms/partition | dagster_nb ms/partition | ratio |")
    print("|---|---|---:|---:|---:|")
    for (name, store), theirs, ours in rows:
        print(
            f"| {name} | {store} | {theirs * 1e3:.2f} | {ours * 1e3:.3f} | {theirs / ours:.0f}x |"
        )
    print()
    print(
        "Overhead per partition, less the disk's cost of creating the two value files (cases "
        "that write to the disk):"
    )
    print("| case | instance | Dagster ms/partition | dagster_nb ms/partition | ratio |")
    print("|---|---|---:|---:|---:|")
    for (label, (_, fn)), theirs, ours in zip(
        zip(labels, [(n, f) for n, f in CASES for _ in ("memory", "sqlite")], strict=True),
        theirs_net,
        ours_net,
        strict=False,
    ):
        if fn in WRITES_TO_DISK:
            name, store = label
            print(
                f"| {name} | {store} | {theirs * 1e3:.2f} | {ours * 1e3:.3f} | "
                f"{theirs / ours:.0f}x |"
            )


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
