"""CLI startup and the Dask executor, side by side with Dagster (issue 16).

1. ``dagster-nb asset list -f examples/quickstart.py`` against ``dagster asset list -f`` on the
   same file with ``import dagster as dg``: wall time of fresh processes (the whole command, as a
   user waits for it), alternating the two, median of ``--repeat``.
2. A fan-out of 8 assets that each burn ~1 s of CPU, on a 2-worker Dask LocalCluster (started
   before timing, as a kernel reuses it), against the same run in process: wall time. With the
   real dagster_dask venv (scripts/make_venv_dd.sh, ``.venv-dd``), the same assets with
   ``import dagster as dg`` and ``dagster_dask.dask_executor`` on a 2-worker LocalCluster of
   that venv (started before timing too, given as ``{"existing": {"address": ...}}``), in the
   same run.

    python bench/bench_cli.py [--repeat 7] [--skip-dagster] [--skip-dask]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def _wall(cmd: list[str], cwd: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def bench_startup(repeat: int, with_dagster: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours = os.path.join(tmp, "quickstart.py")
        shutil.copy(os.path.join(ROOT, "examples", "quickstart.py"), ours)
        theirs = os.path.join(tmp, "quickstart_dagster.py")
        with open(ours) as f:
            text = f.read().replace("import dagster_nb as dg", "import dagster as dg")
        with open(theirs, "w") as f:
            f.write(text)
        env = dict(os.environ, DAGSTER_HOME=os.path.join(tmp, "home"), PYTHONPATH=ROOT)
        os.makedirs(env["DAGSTER_HOME"])
        cmd_ours = [os.path.join(BIN, "dagster-nb"), "asset", "list", "-f", ours]
        cmd_theirs = [os.path.join(BIN, "dagster"), "asset", "list", "-f", theirs]
        cmd_python = [sys.executable, "-c", "pass"]
        _wall(cmd_ours, tmp, env)  # warm the OS file cache for both
        if with_dagster:
            _wall(cmd_theirs, tmp, env)
        a, b, p = [], [], []
        for _ in range(repeat):
            a.append(_wall(cmd_ours, tmp, env))
            if with_dagster:
                b.append(_wall(cmd_theirs, tmp, env))
            p.append(_wall(cmd_python, tmp, env))
        ma, mp = statistics.median(a), statistics.median(p)
        print(
            f"asset list -f quickstart.py, wall, median of {repeat} fresh processes "
            f"(load average {os.getloadavg()[0]:.1f} after)"
        )
        print(f"  python -c pass (interpreter alone)  {mp * 1000:8.0f} ms")
        print(
            f"  dagster-nb asset list               {ma * 1000:8.0f} ms  (min {min(a) * 1000:.0f}, max {max(a) * 1000:.0f})"
        )
        if with_dagster:
            mb = statistics.median(b)
            print(
                f"  dagster asset list                  {mb * 1000:8.0f} ms  (min {min(b) * 1000:.0f}, max {max(b) * 1000:.0f})"
            )
            print(f"  ratio                               {mb / ma:8.1f}x")


FAN_OUT = r"""
import time
import dagster_nb as dg

def burn(seconds):
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n

@dg.asset
def start():
    return 1

def make(i):
    @dg.asset(name=f"heavy_{i}")
    def heavy(start):
        return burn(1.0) > 0
    return heavy

HEAVY = [make(i) for i in range(8)]
"""


def bench_dask(repeat: int) -> None:
    from dagster_nb.dask import close_clusters, dask_executor, get_client

    ns: dict = {"__name__": "bench_fan_out"}
    exec(compile(FAN_OUT, "bench_fan_out.py", "exec"), ns)
    import dagster_nb as dg

    assets = [ns["start"], *ns["HEAVY"]]
    cfg = {"cluster": {"local": {"n_workers": 2, "threads_per_worker": 1}}}
    ex = dask_executor.configured(cfg)
    t = time.perf_counter()
    get_client(cfg).wait_for_workers(2)
    started = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as home:
        with dg.DagsterInstance.from_directory(home) as inst:
            dg.materialize(assets[:1], instance=inst, executor=ex)  # workers import dagster_nb
            dk, ip, overlap = [], [], 0
            for _ in range(repeat):
                t = time.perf_counter()
                r = dg.materialize(assets, instance=inst, executor=ex)
                dk.append(time.perf_counter() - t)
                assert r.success
                overlap = max(overlap, _max_overlap(r))
                t = time.perf_counter()
                assert dg.materialize(assets, instance=inst).success
                ip.append(time.perf_counter() - t)
    close_clusters()
    print(
        f"fan-out of 8 assets x ~1 s CPU, wall, median of {repeat} (cluster start {started:.1f} s, not included)"
    )
    print(
        f"  dask executor, 2-worker LocalCluster  {statistics.median(dk):6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in dk)})"
    )
    print(f"  in process, one step at a time        {statistics.median(ip):6.2f} s")
    print(
        f"  speed-up                              {statistics.median(ip) / statistics.median(dk):6.2f}x  (cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"  heavy steps running at once (max)     {overlap}")
    bench_dagster_dask(repeat)


DD_VENV = os.environ.get("DAGSTER_NB_DD_VENV") or os.path.join(ROOT, ".venv-dd")

# The same assets as FAN_OUT, written for Dagster, plus a job that runs them on dagster_dask.
DD_FAN_OUT = (
    FAN_OUT.replace(
        "import dagster_nb as dg\n",
        "import json, os, sys, tempfile\nimport dagster as dg\nfrom dagster_dask import dask_executor\n",
    )
    + r"""
def fan_out():
    # (the workers rebuild the job before the address is known: they do not use the executor)
    address = os.environ.get("DD_ADDRESS", "tcp://127.0.0.1:0")
    ex = dask_executor.configured({"cluster": {"existing": {"address": address}}})
    job = dg.define_asset_job("fan_out", executor_def=ex)
    return dg.Definitions(assets=[start, *HEAVY], jobs=[job]).resolve_job_def("fan_out")

if __name__ == "__main__":
    from distributed import LocalCluster
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    started = time.perf_counter() - t
    os.environ["DD_ADDRESS"] = cluster.scheduler_address
    times = []
    # DAGSTER_HOME is a temporary folder the caller made
    with dg.DagsterInstance.get() as inst:
        for i in range(int(sys.argv[1]) + 1):  # the first run warms the workers' imports
            t = time.perf_counter()
            assert dg.execute_job(dg.reconstructable(fan_out), instance=inst).success
            if i:
                times.append(time.perf_counter() - t)
    cluster.close()
    print(json.dumps({"started": started, "times": times}))
"""
)


def bench_dagster_dask(repeat: int) -> None:
    python = os.path.join(DD_VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"  dagster_dask: no venv at {DD_VENV} (scripts/make_venv_dd.sh makes it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "dd_fan_out.py")
        with open(prog, "w") as f:
            f.write(DD_FAN_OUT)
        env = dict(os.environ, DAGSTER_HOME=tmp)
        p = subprocess.run(
            [python, prog, str(repeat)], cwd=tmp, env=env, capture_output=True, text=True
        )
        if p.returncode != 0:
            print("  dagster_dask run failed:", p.stderr[-2000:])
            return
        out = json.loads(p.stdout.strip().splitlines()[-1])
    dd = out["times"]
    print(
        f"  dagster_dask, 2-worker LocalCluster  {statistics.median(dd):6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in dd)}; cluster start {out['started']:.1f} s, not included; load average {os.getloadavg()[0]:.1f})"
    )


def _max_overlap(result) -> int:
    """How many steps ran at the same time (from their STEP_START / STEP_SUCCESS times)."""
    marks = []
    for e in result.all_events:
        if e.event_type_value == "STEP_START":
            marks.append((e.timestamp, 1))
        elif e.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            marks.append((e.timestamp, -1))
    level = best = 0
    for _, d in sorted(marks):
        level += d
        best = max(best, level)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--skip-dagster", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    bench_startup(args.repeat, with_dagster=not args.skip_dagster)
    if not args.skip_dask:
        bench_dask(max(1, args.repeat // 3))


if __name__ == "__main__":
    main()
