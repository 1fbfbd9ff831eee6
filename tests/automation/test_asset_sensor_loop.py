"""@asset_sensor in the loop: one request per new materialization of the watched asset, its
cursor stored between ticks."""

from __future__ import annotations

import datetime as dt

import dagster_nb as dg
from dagster_nb._automation.daemon import AutomationDaemon

T = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def test_asset_sensor_reacts_once_per_materialization(tmp_path):
    @dg.asset
    def orders():
        return 1

    @dg.asset
    def invoice():
        return 2

    invoice_job = dg.define_asset_job("invoice_job", selection=["invoice"])

    @dg.asset_sensor(
        asset_key=dg.AssetKey("orders"),
        job=invoice_job,
        minimum_interval_seconds=1,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def on_orders(context, asset_event):
        return dg.RunRequest(run_key=str(asset_event.storage_id))

    defs = dg.Definitions(assets=[orders, invoice], jobs=[invoice_job], sensors=[on_orders])
    with dg.DagsterInstance.from_directory(tmp_path / "h") as inst:
        d = AutomationDaemon(defs, inst)
        (first,) = d.tick(at=T)
        assert first.status == "SKIPPED"
        dg.materialize([orders], instance=inst)
        (rec,) = d.tick(at=T + dt.timedelta(seconds=2))
        assert rec.status == "SUCCESS" and len(rec.run_ids) == 1
        assert inst.get_run_by_id(rec.run_ids[0]).job_name == "invoice_job"
        assert inst.get_tick_store().get_state("on_orders", "sensor").cursor == rec.run_keys[0]
        (again,) = d.tick(at=T + dt.timedelta(seconds=4))
        assert again.status == "SKIPPED" and again.run_ids == ()
        dg.materialize([orders], instance=inst)
        (third,) = d.tick(at=T + dt.timedelta(seconds=6))
        assert third.status == "SUCCESS" and third.run_keys != rec.run_keys
