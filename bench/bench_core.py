"""Core benchmark: the same workloads with ``import dagster as dg`` and ``import dagster_nb as dg``.

    python bench/bench_core.py            # full run (Dagster takes ~2-3 minutes of it)
    python bench/bench_core.py --quick    # smaller sizes and fewer repeats
    python bench/bench_core.py --only dagster_nb   # just ours (no ratios)

Workloads (times are medians of several repeats; Dagster gets fewer repeats, it is slow):

- import time, each measured in a fresh subprocess;
- a chain of N trivial assets with ``materialize_to_memory`` (N = 10, 100, 300): the per-asset
  overhead is the slope of a least-squares line through the three points, the fixed per-call
  cost its intercept;
- the same chain with ``materialize`` (filesystem IO manager, ephemeral instance);
- a fan-out/fan-in of 100 (one root, 100 children, one sink reading all of them), in memory;
- the notebook loop: 20 assets materialized once to a persistent instance, then the last one is
  redefined (decorator re-run) and rematerialized alone, its upstream read from storage
  (Dagster: ``DAGSTER_HOME`` in a temp folder + ``DagsterInstance.get()``; ours:
  ``DagsterInstance.from_directory(tmp)``);
- building 5,000 ``@asset``s (decorating 5,000 functions).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


@contextlib.contextmanager
def quiet():
    """Silence Dagster's console logger (it writes every event to stderr) and warnings."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def import_time(module: str, repeat: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


# --------------------------------------------------------------------------- workloads


def make_chain(dg, n: int, prefix: str = "c") -> list:
    assets = []

    @dg.asset(name=f"{prefix}0")
    def first():
        return 0

    assets.append(first)
    for i in range(1, n):

        @dg.asset(name=f"{prefix}{i}", ins={"x": dg.AssetIn(f"{prefix}{i - 1}")})
        def step(x):
            return x + 1

        assets.append(step)
    return assets


def make_fan(dg, n: int) -> list:
    @dg.asset
    def root():
        return 1

    def child(i):
        @dg.asset(name=f"f{i}")
        def f(root):
            return root + i

        return f

    params = ", ".join(f"f{i}" for i in range(n))
    ns: dict = {}
    exec(f"def sink({params}):\n    return {' + '.join(f'f{i}' for i in range(n))}\n", ns)
    sink = dg.asset(ns["sink"])
    return [root, *(child(i) for i in range(n)), sink]


def build_assets(dg, n: int) -> list:
    out = []
    for i in range(n):

        def fn(up):
            return up

        fn.__name__ = f"b{i}"
        out.append(dg.asset(name=f"b{i}")(fn))
    return out


def instance_for(dg, name: str, home: str):
    if name == "dagster":
        os.environ["DAGSTER_HOME"] = home
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.from_directory(home)


def notebook_loop(dg, name: str, home: str, repeat: int) -> float:
    instance = instance_for(dg, name, home)
    upstream = make_chain(dg, 19, prefix="n")
    assert dg.materialize(upstream, instance=instance).success

    def once():
        @dg.asset(name="last", ins={"x": dg.AssetIn("n18")})
        def last(x):
            return x * 2

        res = dg.materialize([*upstream, last], selection=[last.key], instance=instance)
        assert res.output_for_node("last") == 36

    once()  # warm
    return median_time(once, repeat)


def run_library(name: str, quick: bool) -> dict:
    dg = importlib.import_module(name)
    slow = name == "dagster"
    rep = 3 if slow else 9
    if quick:
        rep = 2 if slow else 5
    sizes = (10, 50, 100) if quick else (10, 100, 300)
    r: dict = {}
    for label, fn in (("mem", dg.materialize_to_memory), ("fs", None)):
        for n in sizes:
            assets = make_chain(dg, n)

            def go(assets=assets, n=n, fn=fn):
                if fn is None:
                    res = dg.materialize(assets)
                else:
                    res = fn(assets)
                assert res.output_for_node(f"c{n - 1}") == n - 1

            go()  # warm
            r[(label, n)] = median_time(go, rep if n < 300 else max(2, rep // 2 if slow else rep))
    fan_n = 30 if quick else 100
    fan = make_fan(dg, fan_n)

    def fan_go():
        res = dg.materialize_to_memory(fan)
        assert res.output_for_node("sink") == fan_n + fan_n * (fan_n - 1) // 2

    fan_go()
    r["fan"] = median_time(fan_go, rep)
    with tempfile.TemporaryDirectory() as home:
        r["loop"] = notebook_loop(dg, name, home, rep * 2)
    n_build = 1000 if quick else 5000
    r["build"] = median_time(lambda: build_assets(dg, n_build), 2 if slow else 5)
    r["n_build"] = n_build
    r["sizes"] = sizes
    r["fan_n"] = fan_n
    return r


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return slope, my - slope * mx


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["dagster", "dagster_nb"])
    ap.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.emit_json:  # child process: one library, results as JSON on the last line
        imp = import_time(args.only, 3 if args.only == "dagster" else 7)
        with quiet():
            r = run_library(args.only, args.quick)
        r["import"] = imp
        print(
            json.dumps({(f"{k[0]}:{k[1]}" if isinstance(k, tuple) else k): v for k, v in r.items()})
        )
        return
    libs = [args.only] if args.only else ["dagster", "dagster_nb"]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    results: dict = {}
    # Ours runs before and after Dagster (a few seconds each, Dagster takes minutes) and each
    # figure of ours is the mean of the two, so a machine that slows down or speeds up while
    # Dagster runs does not tilt the ratios.
    order = ["dagster_nb", "dagster", "dagster_nb"] if len(libs) == 2 else libs
    for lib in order:
        # Each library in its own process: neither pays for the other's objects (the cyclic
        # collector's full passes scale with everything alive in the process).
        cmd = [sys.executable, __file__, "--only", lib, "--emit-json"] + (
            ["--quick"] if args.quick else []
        )
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        raw = json.loads(out.strip().splitlines()[-1])
        got = {
            (tuple(k.split(":")[:1]) + (int(k.split(":")[1]),) if ":" in k else k): (
                tuple(v) if isinstance(v, list) else v
            )
            for k, v in raw.items()
        }
        if lib in results:
            prev = results[lib]
            results[lib] = {
                k: (prev[k] + v) / 2 if isinstance(v, float) else v for k, v in got.items()
            }
        else:
            results[lib] = got
        print(f"  ({lib} done)", flush=True)
    rows = []

    def row(label, key_fn):
        vals = [key_fn(results[lib]) for lib in libs]
        ratio = f"{vals[0] / vals[1]:.0f}x" if len(vals) == 2 and vals[1] > 0 else ""
        rows.append((label, *[fmt(v) for v in vals], ratio))

    row("import", lambda r: r["import"])
    for label in ("mem", "fs"):
        sizes = results[libs[0]]["sizes"]
        for n in sizes:
            row(f"chain {label} N={n} (per call)", lambda r, n=n, label=label: r[(label, n)])
        row(
            f"chain {label}: per-asset (slope)",
            lambda r, label=label: fit([(n, r[(label, n)]) for n in r["sizes"]])[0],
        )
        row(
            f"chain {label}: fixed per call (intercept)",
            lambda r, label=label: max(0.0, fit([(n, r[(label, n)]) for n in r["sizes"]])[1]),
        )
    fan_n = results[libs[0]]["fan_n"]
    row(f"fan-out/fan-in {fan_n} (mem)", lambda r: r["fan"])
    row("notebook loop (redefine + rematerialize last of 20)", lambda r: r["loop"])
    n_build = results[libs[0]]["n_build"]
    row(f"build {n_build} @assets", lambda r: r["build"])
    head = ("workload", *libs, "ratio" if len(libs) == 2 else "")
    widths = [max(len(str(x[i])) for x in (head, *rows)) for i in range(len(head))]
    for line in (head, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
