"""``dagster-nb daemon -f FILE`` as real subprocesses on one persistent instance: runs launched by
a sensor, never twice by two daemons, and SIGTERM / SIGINT stop them cleanly (exit 0)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import dagster_nb as dg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEFS = """
import os
import dagster_nb as dg

INBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inbox")

@dg.asset(config_schema={"file": str})
def load(context):
    return open(os.path.join(INBOX, context.op_config["file"])).read()

job = dg.define_asset_job("load_job", selection=["load"])

@dg.sensor(job=job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox(context):
    for f in sorted(os.listdir(INBOX)):
        yield dg.RunRequest(run_key=f, run_config={"ops": {"load": {"config": {"file": f}}}})

defs = dg.Definitions(assets=[load], jobs=[job], sensors=[inbox])
"""


def _start(tmp_path, env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_nb._cli",
            "daemon",
            "-f",
            str(tmp_path / "defs.py"),
            "--interval",
            "0.2",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_two_daemons_launch_each_run_once_and_stop_on_signals(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "defs.py").write_text(DEFS)
    home = tmp_path / "home"
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONPATH=ROOT)
    procs = [_start(tmp_path, env), _start(tmp_path, env)]
    try:
        for name in ("a.txt", "b.txt", "c.txt"):
            (tmp_path / "inbox" / name).write_text(name.upper())
        deadline = time.monotonic() + 90
        keys: list[str] = []
        while time.monotonic() < deadline:
            if home.exists():
                with dg.DagsterInstance.from_directory(home) as inst:
                    runs = inst.get_runs(
                        filters=dg.RunsFilter(tags={"dagster/sensor_name": "inbox"})
                    )
                    keys = sorted(r.tags["dagster/run_key"] for r in runs if r.is_finished)
                if len(keys) >= 3:
                    break
            time.sleep(0.3)
        time.sleep(1.5)  # a few more ticks of both daemons: nothing new may be launched
        with dg.DagsterInstance.from_directory(home) as inst:
            runs = inst.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": "inbox"}))
            assert sorted(r.tags["dagster/run_key"] for r in runs) == ["a.txt", "b.txt", "c.txt"]
            assert all(r.is_success for r in runs)
            ticks = inst.get_tick_store().get_ticks("inbox", "sensor")
            owners = {t.owner for t in ticks}
        assert len(ticks) >= 2 and all(t.status in ("SUCCESS", "SKIPPED") for t in ticks)
        assert owners  # ticks name the loop that ran them
    finally:
        procs[0].send_signal(signal.SIGTERM)
        procs[1].send_signal(signal.SIGINT)
        outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for out in outs:
        assert "dagster-nb daemon: watching inbox (sensor)" in out
        assert out.rstrip().endswith("dagster-nb daemon: stopped")
        assert "Traceback" not in out
