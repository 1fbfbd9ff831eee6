"""Instruction counts of our hot paths under callgrind: repeatable A/B numbers on a noisy machine.

Wall-clock medians here swing by 30-50% from run to run (a shared 2-core VM); instruction counts
from ``valgrind --tool=callgrind`` are the same to a fraction of a percent whatever else runs.
Each workload is counted by itself: a tiny C helper (built here with gcc from valgrind's
``callgrind.h``, loaded with ctypes) zeroes the counters before it and dumps them after, so
interpreter start-up and imports never count.

    python bench/icount.py                 # every workload
    python bench/icount.py mem fs          # some of them
    python bench/icount.py decorate decorate_called   # @asset itself

Prints thousands of instructions (k instr) per asset / per call. Needs valgrind and gcc; takes
about a minute. The workloads mirror bench_core / bench_persistent / bench_partitioned.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

_HELPER_C = r"""
#include <valgrind/callgrind.h>
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _helper(build_dir: str) -> ctypes.CDLL:
    src = os.path.join(build_dir, "cg.c")
    lib = os.path.join(build_dir, "libcg.so")
    with open(src, "w") as f:
        f.write(_HELPER_C)
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", lib, src], check=True)
    return ctypes.CDLL(lib)


# --------------------------------------------------------------------------- workloads
# Each returns a callable running the workload once (after a warm-up run done by the caller).


def _mem(n: int):
    from bench_core import make_chain

    import dagster_nb as dg

    assets = make_chain(dg, n)
    return lambda: dg.materialize_to_memory(assets)


def _fs(n: int, home: str):
    from bench_core import make_chain

    import dagster_nb as dg

    assets = make_chain(dg, n)
    inst = dg.DagsterInstance.from_directory(os.path.join(home, f"fs{n}"))
    return lambda: dg.materialize(assets, instance=inst)


def _loop(home: str):
    from bench_core import make_chain

    import dagster_nb as dg

    inst = dg.DagsterInstance.from_directory(os.path.join(home, "loop"))
    upstream = make_chain(dg, 19, prefix="n")
    dg.materialize(upstream, instance=inst)

    def once():
        @dg.asset(name="last", ins={"x": dg.AssetIn("n18")})
        def last(x):
            return x * 2

        dg.materialize([*upstream, last], selection=[last.key], instance=inst)

    return once


def _partition(home: str):
    import dagster_nb as dg

    daily = dg.DailyPartitionsDefinition(start_date="2020-01-01")

    @dg.asset(partitions_def=daily)
    def p(context):
        return context.partition_key

    keys = iter(daily.get_partition_keys()[:50])
    inst = dg.DagsterInstance.from_directory(os.path.join(home, "part"))
    return lambda: dg.materialize([p], instance=inst, partition_key=next(keys))


def _decorations(called: bool):
    import dagster_nb as dg

    fns = []
    for i in range(50):
        ns: dict = {}
        exec(f"def d{i}(up):\n    return up\n", ns)
        fns.append(ns[f"d{i}"])
    if called:  # the common notebook form: @dg.asset(...) with one keyword
        return lambda: [dg.asset(group_name="g")(fn) for fn in fns]
    return lambda: [dg.asset(fn) for fn in fns]


def _decorate(home: str):
    return _decorations(False)


def _decorate_called(home: str):
    return _decorations(True)


WORKLOADS = {
    # name: (unit, [(label, factory, divisor)])  per-asset workloads use the slope N=20 -> N=80
    "mem": ("asset", [(20, _mem), (80, _mem)]),
    "fs": ("asset", [(20, _fs), (80, _fs)]),
    "loop": ("call", [(1, _loop)]),
    "partition": ("call", [(1, _partition)]),
    # 50 decorations per call: @dg.asset and @dg.asset(group_name=...) (issue 12's typed API)
    "decorate": ("50 @asset", [(1, _decorate)]),
    "decorate_called": ("50 @asset(...)", [(1, _decorate_called)]),
}


REPEAT = 5


def _child(names: list[str], out_dir: str) -> None:
    cg = _helper(out_dir)
    home = tempfile.mkdtemp(prefix="icount-")
    try:
        for name in names:
            _, cases = WORKLOADS[name]
            for n, factory in cases:
                args = (n,) if factory in (_mem,) else (n, home) if factory is _fs else (home,)
                fn = factory(*args)
                fn()  # warm: imports, caches
                fn()
                cg.cg_zero()
                for _ in range(REPEAT):
                    fn()
                cg.cg_dump(f"{name}:{n}".encode())
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _totals(out_dir: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for fname in os.listdir(out_dir):
        if not fname.startswith("callgrind.out"):
            continue
        with open(os.path.join(out_dir, fname)) as f:
            text = f.read()
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        summary = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if trigger and summary:
            totals[trigger.group(1)] = int(summary.group(1))
    return totals


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[3:], sys.argv[2])
        return
    names = sys.argv[1:] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        sys.exit("needs valgrind and gcc (apt-get install valgrind gcc)")
    with tempfile.TemporaryDirectory(prefix="icount-out-") as out_dir:
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out_dir}/callgrind.out.%p",
                sys.executable,
                os.path.abspath(__file__),
                "--child",
                out_dir,
                *names,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONHASHSEED": "0"},  # same dict/set layouts every time
        )
        totals = _totals(out_dir)
    for name in names:
        unit, cases = WORKLOADS[name]
        counts = {n: totals[f"{name}:{n}"] / REPEAT for n, _ in cases}
        if len(cases) == 2:
            (a, ca), (b, cb) = sorted(counts.items())
            per = (cb - ca) / (b - a)
            print(
                f"{name:10s} {per / 1e3:9.1f} k instr per {unit}   (fixed per call "
                f"{(ca - per * a) / 1e3:.0f} k)"
            )
        else:
            print(f"{name:10s} {next(iter(counts.values())) / 1e3:9.1f} k instr per {unit}")


if __name__ == "__main__":
    main()
