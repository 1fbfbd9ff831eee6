"""@multi_asset_sensor side by side with Dagster (direct invocation with
build_multi_asset_sensor_context, cursor carried between ticks), then in the loop."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb

dagster = pytest.importorskip("dagster")


def _play(dg):
    @dg.asset
    def a():
        return 1

    @dg.asset
    def b():
        return 2

    job = dg.define_asset_job("j", selection=["a"])

    @dg.multi_asset_sensor(monitored_assets=[dg.AssetKey("a"), dg.AssetKey("b")], job=job)
    def both(context):
        recs = context.latest_materialization_records_by_key()
        if all(recs.values()):
            n = len(context.materialization_records_for_key(dg.AssetKey("a")))
            context.advance_all_cursors()
            return dg.RunRequest(run_key=f"a-records-{n}")
        missing = sorted(k.to_user_string() for k, r in recs.items() if r is None)
        return dg.SkipReason("waiting: " + ",".join(missing))

    defs = dg.Definitions(assets=[a, b], jobs=[job], sensors=[both])
    out, cursor = [], None
    with dg.DagsterInstance.ephemeral() as inst:
        for step in ["t", "a", "t", "b", "t", "t", "a", "a", "t", "b", "t"]:
            if step == "t":
                ctx = dg.build_multi_asset_sensor_context(
                    monitored_assets=[dg.AssetKey("a"), dg.AssetKey("b")],
                    instance=inst,
                    definitions=defs,
                    cursor=cursor,
                )
                r = both(ctx)
                cursor = ctx.cursor
                out.append(
                    (
                        type(r).__name__,
                        getattr(r, "skip_message", None) or r.run_key,
                        cursor is None,
                    )
                )
            else:
                dg.materialize([a, b], selection=[step], instance=inst)
    return out, (both.name, both.minimum_interval_seconds, both.default_status.value)


@pytest.mark.dagster
@pytest.mark.usefixtures("quiet_dagster")
def test_matches_dagster():
    ours, theirs = _play(dagster_nb), _play(dagster)
    assert ours == theirs
    steps = ours[0]
    assert steps[2] == ("RunRequest", "a-records-1", False)
    assert steps[3] == ("SkipReason", "waiting: a,b", False)  # consumed: the cursor moved
    assert steps[5] == ("RunRequest", "a-records-2", False)  # both of a's new records


def test_in_the_loop_and_bad_input(tmp_path):
    dg = dagster_nb
    from dagster_nb._automation.daemon import AutomationDaemon

    @dg.asset
    def a():
        return 1

    @dg.asset
    def b():
        return 2

    @dg.asset
    def joined():
        return 3

    job = dg.define_asset_job("joined_job", selection=["joined"])

    @dg.multi_asset_sensor(
        monitored_assets=dg.AssetSelection.assets("a", "b"),
        job=job,
        minimum_interval_seconds=1,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def both(context):
        if all(context.latest_materialization_records_by_key().values()):
            context.advance_all_cursors()
            return dg.RunRequest()
        return dg.SkipReason("waiting")

    defs = dg.Definitions(assets=[a, b, joined], jobs=[job], sensors=[both])
    t = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    with dg.DagsterInstance.from_directory(tmp_path / "h") as inst:
        d = AutomationDaemon(defs, inst)
        dg.materialize([a, b], instance=inst)
        (rec,) = d.tick(at=t)
        assert (
            rec.status == "SUCCESS" and inst.get_run_by_id(rec.run_ids[0]).job_name == "joined_job"
        )
        (rec,) = d.tick(at=t + dt.timedelta(seconds=2))
        assert rec.status == "SKIPPED" and rec.skip_reason == "waiting"  # cursor was stored
        ctx = dg.build_multi_asset_sensor_context(
            monitored_assets=[dg.AssetKey("a")], instance=inst
        )
        with pytest.raises(dg.DagsterInvalidInvocationError, match="not monitored"):
            ctx.latest_materialization_records_by_key([dg.AssetKey("b")])
        with pytest.raises(dg.DagsterInvalidInvocationError, match="not supported yet"):
            ctx.latest_materialization_records_by_partition(dg.AssetKey("a"))
