"""A fresh kernel's first ``%materialize`` and first ``%lineage`` (issue 11: each under 150 ms
beyond the kernel's own start on this machine).

Each sample starts a new IPython kernel (jupyter_client, as JupyterLab does), runs the setup
cell (``%load_ext dagster_nb``, ``import dagster_nb as dg`` and two ``@dg.asset`` definitions),
then times, in order: the first ``%materialize``, a second one, the first ``%lineage`` and a
second one. For each it reports the kernel's own CPU (``time.process_time()`` read inside the
kernel around the magic, so the kernel's start-up and the messaging are left out) and the wall
time of the execute request seen from the client (what the user waits for, messaging included).

dagster_nb's modules are byte-compiled first, as pip installs them (see bench_cold.py).

    python bench/bench_kernel.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_cold import compile_package  # noqa: E402

SETUP = """
%load_ext dagster_nb
import dagster_nb as dg

@dg.asset
def numbers():
    return [1, 2, 3]

@dg.asset
def total(numbers):
    return sum(numbers)
"""

# The magic runs between two CPU reads in one cell; the cell prints the difference.
TIMED = """
import time as _t, json as _j
_c0 = _t.process_time()
get_ipython().run_line_magic({magic!r}, {args!r})
print("CPU", _j.dumps(_t.process_time() - _c0))
"""

# Two orders, each in its own fresh kernel: a user may open the graph before the first run.
ORDERS = {
    "materialize first": [
        ("first %materialize", "materialize", ""),
        ("second %materialize", "materialize", ""),
        ("then first %lineage", "lineage", ""),
        ("second %lineage", "lineage", ""),
    ],
    "lineage first": [
        ("first %lineage (before any run)", "lineage", ""),
        ("then first %materialize", "materialize", ""),
    ],
}


def _run(client, code: str) -> tuple[str, float]:
    out: list[str] = []
    t0 = time.perf_counter()
    reply = client.execute_interactive(
        code,
        timeout=120,
        output_hook=lambda msg: (
            out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
        ),
    )
    wall = time.perf_counter() - t0
    if reply["content"]["status"] != "ok":
        raise RuntimeError("\n".join(reply["content"].get("traceback", [])))
    return "".join(out), wall


def sample(steps: list[tuple[str, str, str]]) -> dict[str, tuple[float, float]]:
    from jupyter_client.manager import start_new_kernel

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, DAGSTER_HOME=os.path.join(home, "dh"), PYTHONPATH=ROOT)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        km, client = start_new_kernel(kernel_name="python3", cwd=home, env=env)
        try:
            _run(client, "1")  # the kernel is up and answering
            out: dict[str, tuple[float, float]] = {}
            _, out["setup cell"] = 0.0, _run(client, SETUP)[1]
            for label, magic, args in steps:
                text, wall = _run(client, TIMED.format(magic=magic, args=args))
                cpu = json.loads(text.split("CPU")[-1].split()[0])
                out[label] = (cpu, wall)
            return out
        finally:
            client.stop_channels()
            km.shutdown_kernel(now=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    compile_package()
    rows: dict[str, list[dict[str, tuple[float, float]]]] = {k: [] for k in ORDERS}
    for _ in range(args.repeat):
        for order, steps in ORDERS.items():
            rows[order].append(sample(steps))
    print(
        f"{'fresh kernel, median of ' + str(args.repeat):<34} {'kernel CPU ms':>14} {'wall ms':>9}"
    )
    for order, steps in ORDERS.items():
        for label, *_ in steps:
            cpu = statistics.median(r[label][0] for r in rows[order]) * 1000
            wall = statistics.median(r[label][1] for r in rows[order]) * 1000
            print(f"{label:<34} {cpu:14.1f} {wall:9.1f}")


if __name__ == "__main__":
    main()
