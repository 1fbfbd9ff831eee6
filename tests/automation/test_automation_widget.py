"""The automation view model (real ticks of a real loop) and its front end in headless chromium."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import dagster_nb as dg
from dagster_nb._automation.daemon import AutomationDaemon
from dagster_nb._widgets.automation_viewmodel import automation_view_model

T = dt.datetime(2024, 1, 1, 4, tzinfo=dt.timezone.utc)


def _defs():
    @dg.asset
    def raw():
        return 1

    @dg.asset(deps=[raw], automation_condition=dg.AutomationCondition.eager())
    def clean():
        return 2

    job = dg.define_asset_job("ingest", selection=["raw"])

    @dg.schedule(
        cron_schedule="0 6 * * *",
        job=job,
        execution_timezone="Europe/Berlin",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def morning(context):
        return dg.RunRequest()

    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
    def bucket(context):
        raise ConnectionError("bucket unreachable")

    return dg.Definitions(assets=[raw, clean], jobs=[job], schedules=[morning], sensors=[bucket])


def _vm(tmp_path):
    inst = dg.DagsterInstance.from_directory(tmp_path / "home")
    d = AutomationDaemon(_defs(), inst, automation_interval=30)
    d.tick(at=T)
    d.tick(at=T + dt.timedelta(hours=1))  # 06:00 Berlin: the schedule runs raw; clean follows
    return inst, d, automation_view_model(d, now=(T + dt.timedelta(hours=1, minutes=1)).timestamp())


def test_view_model_values(tmp_path):
    inst, d, vm = _vm(tmp_path)
    try:
        assert vm["schema"] == "dagster_nb.automation/1" and vm["loop"]["running"] is False
        by = {i["name"]: i for i in vm["instigators"]}
        assert list(by) == ["morning", "bucket", "default_automation_condition_sensor"]
        m = by["morning"]
        assert (m["kind"], m["status"], m["schedule"], m["timezone"]) == (
            "schedule",
            "RUNNING",
            "0 6 * * *",
            "Europe/Berlin",
        )
        assert m["next_tick"] == dt.datetime(2024, 1, 2, 5, tzinfo=dt.timezone.utc).timestamp()
        assert [t["status"] for t in m["ticks"]] == ["SUCCESS"] and m["runs"][0][
            "status"
        ] == "SUCCESS"
        b = by["bucket"]
        assert [t["status"] for t in b["ticks"]] == ["FAILURE", "FAILURE"]
        assert b["ticks"][0]["error"] == "ConnectionError: bucket unreachable"
        assert "in bucket" in b["ticks"][0]["traceback"]
        auto = by["default_automation_condition_sensor"]
        assert [t["status"] for t in auto["ticks"]] == ["SUCCESS", "SKIPPED"]
        assert auto["ticks"][1]["skip_reason"] == "No asset partitions were requested."
        (clean,) = vm["assets"]
        assert clean["key"] == "clean" and clean["requested"] == [""]
        assert clean["tree"]["label"] == "eager" and clean["tree"]["true"] == 1
        json.dumps(vm)  # plain JSON
    finally:
        inst.dispose()


def test_front_end_draws_it(tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    inst, d, vm = _vm(tmp_path)
    inst.dispose()
    static = Path(dg.__file__).parent / "_widgets" / "static"
    page = tmp_path / "w.html"
    page.write_text(
        "<!DOCTYPE html><html><body><div id='root'></div><script type='module'>\n"
        f"const state = {{view_model: {json.dumps(vm)}}};\n"
        "const model = {get: (k) => state[k], set() {}, save_changes() {}, on() {}, off() {}};\n"
        f"const src = {json.dumps((static / 'automation.js').read_text())};\n"
        "const mod = await import(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));\n"
        "try { mod.default.render({model, el: document.getElementById('root')}); document.body.dataset.ok = 'yes'; }\n"
        "catch (e) { document.body.dataset.error = String(e); }\n"
        "</script></body></html>"
    )
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'data-ok="yes"' in dom, dom[-2000:]
    assert "ConnectionError: bucket unreachable" in dom and "0 6 * * * (Europe/Berlin)" in dom
    assert ">eager<" in dom and "REQUESTED" in dom and "No asset partitions were requested." in dom


def test_widget_and_magic(tmp_path, monkeypatch):
    pytest.importorskip("anywidget")
    from IPython.testing.globalipapp import get_ipython

    from dagster_nb._widgets.automation import AutomationWidget

    inst, d, _ = _vm(tmp_path)
    try:
        w = AutomationWidget(d, debounce=0)
        assert repr(w) == "AutomationWidget(loop stopped: 3 schedules/sensors, 3 running)"
        d.tick(at=T + dt.timedelta(hours=2))
        assert len(w.view_model["instigators"][1]["ticks"]) == 3  # refreshed by the tick
        w.close()
        assert w._on_tick not in d.listeners
    finally:
        inst.dispose()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home2"))
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "dagster_nb")
    try:
        w = ip.run_line_magic("automation", "widget")
        assert isinstance(w, AutomationWidget)
        w.close()
    finally:
        ip.run_line_magic("unload_ext", "dagster_nb")


def test_freshness_states_from_real_materializations(tmp_path):
    import time
    from datetime import timedelta

    from dagster_nb._automation.freshness import freshness_states

    FP = dg.FreshnessPolicy

    @dg.asset(
        freshness_policy=FP.time_window(
            fail_window=timedelta(hours=2), warn_window=timedelta(hours=1)
        )
    )
    def hourly():
        return 1

    @dg.asset(
        freshness_policy=FP.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1))
    )
    def morning():
        return 2

    @dg.asset(freshness_policy=FP.time_window(fail_window=timedelta(minutes=5)))
    def never():
        return 3

    @dg.asset
    def no_policy():
        return 4

    defs = dg.Definitions(assets=[hourly, morning, never, no_policy])
    with dg.DagsterInstance.from_directory(tmp_path / "h") as inst:
        dg.materialize([hourly, morning], instance=inst)
        t = time.time()

        def states(dt_s):
            return {
                k.to_user_string(): v for k, v in freshness_states(defs, inst, t + dt_s).items()
            }

        assert states(60) == {
            "hourly": "PASS",
            "never": "UNKNOWN",
            "morning": states(60)["morning"],
        }
        assert states(90 * 60)["hourly"] == "WARN" and states(3 * 3600)["hourly"] == "FAIL"
        # cron: the latest completed 09:00 deadline's window [08:00, 09:00]: materialized now,
        # it passes until the next deadline has passed without a new materialization
        assert states(60)["morning"] == "PASS" and states(2 * 86400)["morning"] == "FAIL"
        d = AutomationDaemon(defs, inst)
        vm = automation_view_model(d, now=t + 90 * 60)
        assert vm["freshness"] == [
            {"key": "hourly", "state": "WARN"},
            {"key": "morning", "state": "PASS"},
            {"key": "never", "state": "UNKNOWN"},
        ]
