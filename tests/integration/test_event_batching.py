"""Events reach a persistent instance in batches (group commit), yet promptly and completely."""

from __future__ import annotations

import time

import dagster_nb as dg


def _chain(n, last_fn=None):
    out = []

    @dg.asset(name="s0")
    def s0():
        return 0

    out.append(s0)
    for i in range(1, n):
        if i == n - 1 and last_fn is not None:
            fn = last_fn
        else:

            def fn(x):
                return x + 1

        out.append(dg.asset(name=f"s{i}", ins={"x": dg.AssetIn(f"s{i - 1}")})(fn))
    return out


def test_every_event_is_stored_once_in_order(tmp_path):
    with dg.DagsterInstance.from_directory(tmp_path / "home") as inst:
        res = dg.materialize(_chain(60), instance=inst)
        assert res.success
        stored = [e.dagster_event for e in inst.all_logs(res.run_id)]
        # every event the run emitted: the result's, and the planned materializations (which,
        # as in Dagster, the result leaves out of all_events)
        planned = res.get_asset_materialization_planned_events()
        emitted = [*res.all_events, *planned]

        def key(e):
            return (e.event_type_value, e.step_key, e.asset_key)

        assert [
            key(e) for e in stored if e.event_type_value != "ASSET_MATERIALIZATION_PLANNED"
        ] == [key(e) for e in res.all_events]
        assert [
            key(e) for e in stored if e.event_type_value == "ASSET_MATERIALIZATION_PLANNED"
        ] == [key(e) for e in planned]
    # and a new process-like open of the same folder sees the same
    with dg.DagsterInstance.from_directory(tmp_path / "home") as again:
        assert len(again.all_logs(res.run_id)) == len(emitted)
        assert again.get_latest_materialization_event(dg.AssetKey("s59")) is not None


def test_finished_steps_are_visible_to_other_readers_while_a_long_step_runs(tmp_path):
    home = tmp_path / "home"
    seen = {}

    def slow_last(x):
        # Another connection to the same instance, as the sidebar or the CLI would have.
        with dg.DagsterInstance.from_directory(home) as reader:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                ev = reader.get_latest_materialization_event(dg.AssetKey("s8"))
                if ev is not None:
                    seen["after_s"] = 5 - (deadline - time.monotonic())
                    break
                time.sleep(0.005)
        return x + 1

    with dg.DagsterInstance.from_directory(home) as inst:
        res = dg.materialize(_chain(10, last_fn=slow_last), instance=inst)
        assert res.success and res.output_for_node("s9") == 9
    # the previous step's materialization was written within the group-commit window
    assert "after_s" in seen and seen["after_s"] < 1.0


def test_a_failed_step_is_written_at_once(tmp_path):
    home = tmp_path / "home"
    seen = {}

    @dg.asset
    def bad():
        raise ValueError("boom")

    @dg.asset
    def watcher():
        with dg.DagsterInstance.from_directory(home) as reader:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                recs = (
                    reader.get_records_for_run(seen["run_id"]).records if "run_id" in seen else []
                )
                if any(
                    r.event_log_entry.dagster_event.event_type_value == "STEP_FAILURE" for r in recs
                ):
                    seen["failure_seen"] = True
                    break
                time.sleep(0.005)
        return 1

    def remember(event):
        seen.setdefault("run_id", event.run_id)

    with dg.DagsterInstance.from_directory(home) as inst:
        res = dg.materialize(
            [bad, watcher], instance=inst, raise_on_error=False, listeners=[remember]
        )
    assert not res.success
    assert seen.get("failure_seen") is True
