"""``schedule start|stop``, ``sensor start|stop|cursor`` and ``daemon`` through the real
``dagster-nb`` script: the state lands in the instance, where the automation loop reads it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import dagster_nb

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "dagster-nb"

pytestmark = pytest.mark.skipif(
    not (Path(dagster_nb.__file__).parent / "_automation" / "daemon.py").exists(),
    reason="needs the automation loop (dagster_nb/_automation/daemon.py, issue 14)",
)

DEFS = textwrap.dedent(
    """
    import dagster_nb as dg

    @dg.asset
    def numbers():
        return [1, 2, 3]

    numbers_job = dg.define_asset_job("numbers_job", selection="numbers")
    hourly = dg.ScheduleDefinition(name="hourly", job=numbers_job, cron_schedule="0 * * * *")

    @dg.sensor(job=numbers_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
    def every_tick(context):
        n = int(context.cursor or 0) + 1
        context.update_cursor(str(n))
        return dg.RunRequest(run_key=f"tick-{n}")

    defs = dg.Definitions(assets=[numbers], jobs=[numbers_job], schedules=[hourly], sensors=[every_tick])
    """
)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DAGSTER_HOME=str(cwd / "home"), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def js(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_start_stop_and_cursor_are_stored_in_the_instance(tmp_path):
    (tmp_path / "defs.py").write_text(DEFS)
    assert (
        js(cli(tmp_path, "schedule", "list", "-f", "defs.py", "--json"))[0]["status"] == "STOPPED"
    )
    assert js(cli(tmp_path, "schedule", "start", "hourly", "-f", "defs.py", "--json")) == {
        "name": "hourly",
        "status": "RUNNING",
    }
    assert (
        js(cli(tmp_path, "schedule", "list", "-f", "defs.py", "--json"))[0]["status"] == "RUNNING"
    )
    cli(tmp_path, "schedule", "stop", "hourly", "-f", "defs.py")
    assert (
        js(cli(tmp_path, "schedule", "list", "-f", "defs.py", "--json"))[0]["status"] == "STOPPED"
    )

    assert (
        js(cli(tmp_path, "sensor", "list", "-f", "defs.py", "--json"))[0]["status"] == "RUNNING"
    )  # its default
    js(cli(tmp_path, "sensor", "stop", "every_tick", "-f", "defs.py", "--json"))
    assert js(cli(tmp_path, "sensor", "list", "-f", "defs.py", "--json"))[0]["status"] == "STOPPED"
    assert (
        js(
            cli(
                tmp_path, "sensor", "cursor", "every_tick", "-f", "defs.py", "--set", "41", "--json"
            )
        )["cursor"]
        == "41"
    )
    assert (
        js(cli(tmp_path, "sensor", "cursor", "every_tick", "-f", "defs.py", "--json"))["cursor"]
        == "41"
    )
    assert (
        js(cli(tmp_path, "sensor", "cursor", "every_tick", "-f", "defs.py", "--delete", "--json"))[
            "cursor"
        ]
        is None
    )

    r = cli(tmp_path, "schedule", "start", "hourli", "-f", "defs.py")
    assert r.returncode == 2 and "Did you mean 'hourly'" in r.stderr
    r = cli(tmp_path, "sensor", "cursor", "every_tik", "-f", "defs.py", "--set", "1")
    assert r.returncode == 2 and "Did you mean 'every_tick'" in r.stderr


def test_the_daemon_runs_a_started_sensor_from_its_cursor_and_stops_on_sigterm(tmp_path):
    (tmp_path / "defs.py").write_text(DEFS)
    js(cli(tmp_path, "sensor", "cursor", "every_tick", "-f", "defs.py", "--set", "41", "--json"))
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [str(SCRIPT), "daemon", "-f", "defs.py", "--interval", "0.2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = js(cli(tmp_path, "run", "list", "--json"))
            if runs:
                break
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert runs and runs[-1]["tags"]["dagster/sensor_name"] == "every_tick"
    assert runs[-1]["tags"]["dagster/run_key"] == "tick-42"  # from the cursor the CLI set
    assert "stopped" in out
