"""Cold start: a fresh process's import, two asset definitions and first run, side by side with
Dagster (issue 11). Each sample is a new interpreter; CPU is the process's own (user + system),
measured inside it from before the import to after the first run, so the interpreter's own
start-up (the same for both) is left out; the whole child's CPU is printed too.

Both libraries run from byte-compiled modules, as pip installs them: Dagster's site-packages are
compiled at install, and this script compiles dagster_nb first (``compileall``) and lets the
children write bytecode even when PYTHONDONTWRITEBYTECODE is set in the caller's environment
(compiling ~30 modules from source would add ~40 ms that no installed user pays).

    python bench/bench_cold.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKLOAD = r"""
import json, os, sys, time
t0 = time.process_time()
import {lib} as dg
t1 = time.process_time()

@dg.asset
def numbers():
    return [1, 2, 3]

@dg.asset
def total(numbers):
    return sum(numbers)

t2 = time.process_time()
result = dg.materialize_to_memory([numbers, total])
assert result.output_for_node("total") == 6
t3 = time.process_time()
dg.materialize_to_memory([numbers, total])
t4 = time.process_time()
print(json.dumps({{"import": t1 - t0, "define": t2 - t1, "first": t3 - t2, "second": t4 - t3}}))
"""


def _child_env(home: str) -> dict[str, str]:
    env = dict(os.environ, DAGSTER_HOME=home, PYTHONPATH=ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_package() -> None:
    import compileall

    compileall.compile_dir(os.path.join(ROOT, "dagster_nb"), quiet=1)


def sample(lib: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as home:
        env = _child_env(home)
        out = subprocess.run(
            [sys.executable, "-c", WORKLOAD.format(lib=lib)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=home,
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["process"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    row["cold"] = row["import"] + row["define"] + row["first"]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    compile_package()
    rows: dict[str, list[dict[str, float]]] = {"dagster_nb": [], "dagster": []}
    for _ in range(args.repeat):  # alternate: the machine's speed drifts
        for lib in rows:
            rows[lib].append(sample(lib))
    print(
        f"{'CPU ms, median of ' + str(args.repeat) + ' fresh processes':<44} {'dagster_nb':>10} {'dagster':>10} {'ratio':>7}"
    )
    for part in ("import", "define", "first", "cold", "second", "process"):
        ours = statistics.median(r[part] for r in rows["dagster_nb"]) * 1000
        theirs = statistics.median(r[part] for r in rows["dagster"]) * 1000
        label = {
            "cold": "import + define + first run",
            "process": "whole child process",
            "first": "first materialize_to_memory",
            "second": "second materialize_to_memory",
            "define": "define two assets",
            "import": "import",
        }[part]
        print(f"{label:<44} {ours:10.1f} {theirs:10.1f} {theirs / ours:6.1f}x")


if __name__ == "__main__":
    main()
