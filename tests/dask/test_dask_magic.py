"""``%materialize --executor dask`` in a real IPython kernel: the steps run on the kernel's own
LocalCluster (started on the first run, reused by the next), values come back through the
instance, a bad executor name is a UsageError."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("distributed")
from jupyter_client.manager import start_new_kernel  # noqa: E402

pytestmark = pytest.mark.slow

SETUP = """
%load_ext dagster_nb
import os
import dagster_nb as dg

@dg.asset
def numbers():
    return {"pid": os.getpid(), "values": [1, 2, 3]}

@dg.asset
def total(numbers):
    return {"pid": os.getpid(), "sum": sum(numbers["values"])}
"""


def _run(client, code: str, timeout: float = 300) -> tuple[dict, str]:
    out: list[str] = []
    reply = client.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda msg: (
            out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
        ),
    )
    return reply["content"], "".join(out)


def test_materialize_magic_runs_steps_on_the_kernels_dask_cluster(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    km, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        reply, _ = _run(client, SETUP)
        assert reply["status"] == "ok", reply.get("traceback")
        reply, _ = _run(client, "%materialize --executor dask -q")
        assert reply["status"] == "ok", "\n".join(reply.get("traceback", []))
        probe = (
            "from dagster_nb.dask import get_client\n"
            "t = dg.kernel.load_asset_value('total'); n = dg.kernel.load_asset_value('numbers')\n"
            "print('PROBE', os.getpid(), t['pid'], n['pid'], t['sum'], id(get_client()))\n"
        )
        reply, text = _run(client, probe)
        assert reply["status"] == "ok", reply.get("traceback")
        kernel_pid, total_pid, numbers_pid, total, client_id = text.split("PROBE")[-1].split()
        assert total == "6"
        assert kernel_pid not in (total_pid, numbers_pid)  # the steps ran on Dask workers
        # a second run reuses the kernel's cluster
        reply, _ = _run(client, "%materialize total --executor dask -q")
        assert reply["status"] == "ok", reply.get("traceback")
        reply, text = _run(client, probe)
        assert text.split("PROBE")[-1].split()[-1] == client_id
        runs = _run(
            client, "print('RUNS', [r.status.value for r in dg.kernel.instance.get_runs()])"
        )[1]
        assert runs.split("RUNS")[-1].strip() == "['SUCCESS', 'SUCCESS']"
        reply, _ = _run(client, "%materialize --executor daks")
        assert reply["status"] == "error" and reply["ename"] == "UsageError"
        assert "Did you mean 'dask'" in reply["evalue"]
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


SPIN = """
%load_ext dagster_nb
import os, pathlib, time
import dagster_nb as dg

MARKS = pathlib.Path(os.environ["MARK_DIR"])

@dg.asset
def spin():
    (MARKS / "spin.started").write_text(str(os.getpid()))
    end = time.monotonic() + 8
    while time.monotonic() < end:
        time.sleep(0.02)
    (MARKS / "spin.finished").write_text("the step was not stopped")
    return 1

@dg.asset
def quick():
    return os.getpid()
"""


def test_interrupting_the_kernel_cancels_a_materialize_on_dask(tmp_path):
    """Ctrl-C (the kernel's interrupt) while `%materialize --executor dask` runs a step on a
    worker: the cell ends with KeyboardInterrupt, the run is CANCELED, the step stopped on its
    worker, which stays up (no restart) and serves the next run."""
    import time

    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"), MARK_DIR=str(tmp_path))
    km, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        reply, _ = _run(client, SPIN)
        assert reply["status"] == "ok", reply.get("traceback")
        msg_id = client.execute("%materialize spin --executor dask -q")
        deadline = time.monotonic() + 120
        while not (tmp_path / "spin.started").exists():
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.05)
        km.interrupt_kernel()
        while True:
            msg = client.get_shell_msg(timeout=120)
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        assert msg["content"]["status"] == "error"
        assert msg["content"]["ename"] == "RunInterrupted"  # the magic's one-line error
        probe = (
            "import json\n"
            "from dagster_nb.dask import get_client\n"
            "print('PROBE', json.dumps([sorted(get_client().run(os.getpid).values()),"
            " [r.status.value for r in dg.kernel.instance.get_runs()]]))\n"
        )
        reply, text = _run(client, probe)
        assert reply["status"] == "ok", reply.get("traceback")
        workers, statuses = json.loads(text.split("PROBE")[-1])
        assert statuses == ["CANCELED"]
        assert int((tmp_path / "spin.started").read_text()) in workers  # not restarted
        reply, _ = _run(client, "%materialize quick --executor dask -q")
        assert reply["status"] == "ok", reply.get("traceback")
        reply, text = _run(client, "print('PID', dg.kernel.load_asset_value('quick'))")
        assert int(text.split("PID")[-1]) in workers  # the same workers serve the next run
        time.sleep(1)
        assert not (tmp_path / "spin.finished").exists()
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
