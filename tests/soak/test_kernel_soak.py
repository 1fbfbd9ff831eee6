"""Hundreds of %materialize runs in one real kernel leave nothing behind (issue #11): live
widgets, threads, file descriptors and gc objects stay flat, within a bound per run."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("ipywidgets")
from jupyter_client.manager import start_new_kernel  # noqa: E402

SETUP = """
%load_ext dagster_nb
import dagster_nb as dg

@dg.asset
def numbers():
    return list(range(10))

@dg.asset
def total(numbers):
    return sum(numbers)
"""

PROBE = """
import gc, json, os, threading
import ipywidgets
gc.collect()
print(json.dumps({
    "widgets": len(ipywidgets.Widget.widgets),
    "threads": threading.active_count(),
    "fds": len(os.listdir("/proc/self/fd")),
    "objects": len(gc.get_objects()),
}))
"""


def _run(client, code: str, timeout: float = 600) -> str:
    """Execute ``code``; return its stdout; fail with the traceback on an error."""
    out: list[str] = []
    reply = client.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda msg: (
            out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
        ),
    )
    assert reply["content"]["status"] == "ok", "\n".join(reply["content"].get("traceback", []))
    return "".join(out)


def _probe(client) -> dict:
    lines = _run(client, PROBE).splitlines()  # (a previous cell's output may still arrive)
    return json.loads([ln for ln in lines if ln.startswith('{"widgets"')][-1])


@pytest.mark.slow
def test_500_materialize_runs_leave_nothing_behind(tmp_path):
    km, client = start_new_kernel(
        kernel_name="python3", cwd=str(tmp_path), env={"DAGSTER_HOME": str(tmp_path / "home")}
    )
    try:
        _run(client, SETUP)
        loop = (
            "ip = get_ipython()\nfor _ in range({n}):\n    ip.run_line_magic('materialize', '')\n"
        )
        _run(client, loop.format(n=50))  # warm up: caches, the flusher thread, first imports
        before = _probe(client)
        _run(client, loop.format(n=500))
        after = _probe(client)
        assert after["widgets"] == before["widgets"], (before, after)
        assert after["threads"] <= before["threads"], (before, after)
        assert after["fds"] <= before["fds"] + 2, (before, after)
        per_run = (after["objects"] - before["objects"]) / 500
        assert per_run < 5, (before, after)  # what grows is IPython's own history, not ours
        # and the runs were real: every one stored, the value correct
        check = _run(
            client,
            "print('CHECK', len(dg.kernel.instance.get_runs(limit=1000)), "
            "dg.kernel.load_asset_value('total'))",
        )
        assert check.split("CHECK")[-1].split() == ["550", "45"]
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
