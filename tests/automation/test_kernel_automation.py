"""The automation loop in a real IPython kernel (jupyter_client): a sensor launches a run when a
file appears while cells keep running; an eager() asset follows its upstream; the loop stops;
after a kernel restart the sensor resumes from its stored cursor. Plus the %automation magic in
an in-process shell (bad input raises UsageError)."""

from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("ipykernel")
from jupyter_client.manager import start_new_kernel  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETUP = """
%load_ext dagster_nb
import os
import dagster_nb as dg

@dg.asset
def orders():
    return sorted(os.listdir("incoming"))

@dg.asset(deps=[orders], automation_condition=dg.AutomationCondition.eager())
def report():
    return "report"

orders_job = dg.define_asset_job("orders_job", selection=["orders"])

@dg.sensor(job=orders_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def incoming(context):
    seen = set(filter(None, (context.cursor or "").split(",")))
    new = sorted(set(os.listdir("incoming")) - seen)
    if not new:
        return dg.SkipReason("no new files")
    context.update_cursor(",".join(sorted(seen | set(new))))
    return [dg.RunRequest(run_key=f) for f in new]

dg.kernel.add_definitions(dg.Definitions(jobs=[orders_job]))
"""


def _run(client, code: str, timeout: float = 300) -> str:
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


def _value(client, expr: str) -> str:
    out = _run(client, f"print('VALUE', {expr})")
    return out.split("VALUE", 1)[1].strip()


def _wait(client, expr: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while True:
        v = _value(client, expr)
        if v == "True" or time.monotonic() > deadline:
            return v
        time.sleep(0.3)


@pytest.mark.slow
def test_kernel_loop_sensor_eager_stop_restart_resume(tmp_path):
    (tmp_path / "incoming").mkdir()
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"), PYTHONPATH=ROOT)
    km, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        _run(client, SETUP)
        _run(client, "dg.kernel.start_automation(interval=0.2)")
        assert _value(client, "dg.kernel.automation.running") == "True"
        # The first tick evaluates the conditions once (eager() never requests an asset missing
        # at the first evaluation, as in Dagster); the file arrives after it.
        assert _wait(client, "dg.kernel.automation.ticks_done >= 1") == "True"
        (tmp_path / "incoming" / "a.csv").write_text("1")
        runs_by_sensor = (
            "len(dg.kernel.instance.get_runs(filters=dg.RunsFilter("
            "tags={'dagster/sensor_name': 'incoming'})))"
        )
        assert _wait(client, runs_by_sensor + " == 1") == "True"
        # the cell above ran while the loop ticked: cells stay responsive; the run is real
        assert _value(client, "dg.kernel.load_asset_value('orders')") == "['a.csv']"
        # eager(): orders was materialized by the sensor's run, so report follows it
        assert (
            _wait(
                client, "dg.kernel.instance.get_latest_materialization_event('report') is not None"
            )
            == "True"
        )
        report_run = _value(
            client, "dg.kernel.instance.get_latest_materialization_event('report').run_id"
        )
        tags = _value(
            client, f"dg.kernel.instance.get_run_by_id('{report_run}').tags['dagster/sensor_name']"
        )
        assert tags == "default_automation_condition_sensor"
        out = _run(client, "%automation stop\n%automation")
        assert "automation loop stopped" in out and "automation loop: stopped" in out
        assert "incoming" in out and "SUCCESS" in out
        assert _value(client, "dg.kernel.automation.running") == "False"

        km.restart_kernel(now=True)
        client.wait_for_ready(timeout=60)
        _run(client, SETUP)
        assert (
            _value(
                client, "dg.kernel.instance.get_tick_store().get_state('incoming', 'sensor').cursor"
            )
            == "a.csv"
        )
        # the sensor's last tick was stored just before the restart: let its 1 s interval pass,
        # or a fast restart finds it not due yet
        time.sleep(1.1)
        out = _run(client, "%automation tick")
        assert "sensor incoming: SKIPPED no new files" in out  # resumed from the cursor
        (tmp_path / "incoming" / "b.csv").write_text("2")
        time.sleep(1.1)  # the sensor's minimum interval
        out = _run(client, "%automation tick")
        assert "sensor incoming: SUCCESS launched run " in out
    finally:
        km.shutdown_kernel(now=True)
        client.stop_channels()


def test_magic_usage_and_state(tmp_path, monkeypatch):
    from IPython.core.error import UsageError
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    try:
        ip.run_cell(
            "import dagster_nb as dg\n"
            "@dg.asset\ndef a(): return 1\n"
            "j = dg.define_asset_job('j', selection=['a'])\n"
            "dg.kernel.add_definitions(dg.Definitions(jobs=[j]))\n"
            "@dg.schedule(cron_schedule='0 6 * * *', job=j, default_status=dg.DefaultScheduleStatus.RUNNING)\n"
            "def six(context): return dg.RunRequest()\n",
            store_history=True,
            cell_id="c1",
        ).raise_error()
        with pytest.raises(UsageError, match="unknown command 'go'"):
            ip.run_line_magic("automation", "go")
        with pytest.raises(UsageError, match="ISO time"):
            ip.run_line_magic("automation", "tick --at tomorrow")
        with pytest.raises(UsageError, match="Did you mean 'six'"):
            ip.run_line_magic("automation", "stop sx")
        ip.run_line_magic("automation", "tick --at 2024-01-01T05:00:00+00:00")
        import dagster_nb as dg

        recs = dg.kernel.tick(at="2024-01-01T06:00:00+00:00")
        assert [(r.name, r.status) for r in recs] == [("six", "SUCCESS")]
        run = dg.kernel.instance.get_run_by_id(recs[0].run_ids[0])
        assert run.tags["dagster/schedule_name"] == "six" and run.is_success
        ip.run_line_magic("automation", "stop six")
        assert dg.kernel.tick(at="2024-01-02T06:00:00+00:00") == []
    finally:
        ip.run_line_magic("unload_ext", "dagster_nb")


SLOW = """
%load_ext dagster_nb
import time
import dagster_nb as dg

@dg.asset
def slow():
    time.sleep(3)
    return "done"

slow_job = dg.define_asset_job("slow_job", selection=["slow"])

@dg.sensor(job=slow_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def wants_slow(context):
    return dg.RunRequest(run_key="once")

@dg.sensor(minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def ticker(context):
    return dg.SkipReason("tick")

dg.kernel.add_definitions(dg.Definitions(jobs=[slow_job]))
"""


@pytest.mark.slow
def test_kernel_loop_keeps_ticking_while_a_slow_run_runs(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"), PYTHONPATH=ROOT)
    km, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        _run(client, SLOW)
        _run(client, "dg.kernel.start_automation(interval=0.2)")
        runs = "dg.kernel.instance.get_runs(filters=dg.RunsFilter(tags={'dagster/sensor_name': 'wants_slow'}))"
        assert _wait(client, f"len({runs}) == 1 and {runs}[0].is_finished") == "True"
        _run(client, "%automation stop")
        _run(
            client,
            f"run = {runs}[0]\n"
            "ticks = dg.kernel.instance.get_tick_store().get_ticks('ticker', 'sensor')\n"
            "during = [t for t in ticks if run.start_time <= t.start_ts <= run.end_time]\n",
        )
        assert _value(client, "run.is_success, run.end_time - run.start_time >= 3") == "True True"
        # the ticker's 1 s interval went on while the 3 s run ran on the run worker
        assert int(_value(client, "len(during)")) >= 2
        assert _value(client, "dg.kernel.load_asset_value('slow')") == "done"
    finally:
        km.shutdown_kernel(now=True)
        client.stop_channels()
