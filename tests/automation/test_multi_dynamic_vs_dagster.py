"""evaluate_automation_conditions side by side with real Dagster on MultiPartitionsDefinition and
DynamicPartitionsDefinition assets: dynamic partitions are added and deleted between
evaluations; the requested partitions of every evaluation must be equal."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

T0 = dt.datetime(2024, 1, 3, 0, 0, tzinfo=dt.timezone.utc)
D = dt.timedelta(days=1)


def _multi(dg):
    return dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
            "color": dg.StaticPartitionsDefinition(["red", "blue"]),
        }
    )


def _dynamic(dg):
    return dg.DynamicPartitionsDefinition(name="files")


def _pair(make_pdef, cond):
    """up -> down, both on the same partitions; ``cond(AC)`` on both."""

    def make(dg):
        pd = make_pdef(dg)
        c = cond(dg.AutomationCondition)

        @dg.asset(partitions_def=pd, automation_condition=c)
        def up():
            return 1

        @dg.asset(partitions_def=pd, deps=[up], automation_condition=c)
        def down():
            return 2

        return [up, down]

    return make


def _play(dg, make, steps):
    assets = make(dg)
    defs = dg.Definitions(assets=assets)
    instance = dg.DagsterInstance.ephemeral()
    cursor, t, out = None, T0, []
    for s in steps:
        if isinstance(s, dt.timedelta):
            t += s
        elif s == "e":
            r = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=cursor, evaluation_time=t
            )
            cursor = r.cursor
            out.append(
                {
                    k: sorted(map(str, r.get_requested_partitions(dg.AssetKey(k))))
                    for k in ("up", "down")
                    if r.get_num_requested(dg.AssetKey(k))
                }
            )
        elif s[0] == "add":
            instance.add_dynamic_partitions("files", list(s[1]))
        elif s[0] == "delete":
            instance.delete_dynamic_partition("files", s[1])
        elif s[0] == "mat":
            pk = s[2]
            if isinstance(pk, dict):
                pk = dg.MultiPartitionKey(pk)
            dg.materialize(assets, selection=list(s[1]), instance=instance, partition_key=pk)
    return out


def _both(make, steps):
    ours = _play(dagster_nb, make, steps)
    theirs = _play(dagster, make, steps)
    assert ours == theirs
    return ours


MULTI_STEP = ["e", ("mat", ["up"], {"date": "2024-01-02", "color": "red"}), "e", "e", D, "e"]
DYN_STEPS = [
    "e",
    ("add", ["a.csv", "b.csv"]),
    "e",
    ("mat", ["up"], "a.csv"),
    "e",
    ("add", ["c.csv"]),
    "e",
    ("delete", "b.csv"),
    "e",
    # one asset per run: Dagster's materialize() stores no asset_selection on its runs, so a
    # joint run is not "executed with the root target" there (test_evaluator_vs_dagster.py)
    ("mat", ["up"], "c.csv"),
    "e",
    ("mat", ["down"], "c.csv"),
    "e",
]

SCENARIOS = {
    "multi_eager": (_pair(_multi, lambda AC: AC.eager()), MULTI_STEP),
    "multi_missing": (_pair(_multi, lambda AC: AC.missing()), MULTI_STEP),
    "multi_on_missing": (_pair(_multi, lambda AC: AC.on_missing()), MULTI_STEP),
    "multi_any_deps_updated": (_pair(_multi, lambda AC: AC.any_deps_updated()), MULTI_STEP),
    "multi_on_cron": (
        _pair(_multi, lambda AC: AC.on_cron("0 0 * * *")),
        ["e", D, "e", ("mat", ["up"], {"date": "2024-01-03", "color": "blue"}), "e"],
    ),
    "multi_latest_window_lookback": (
        _pair(_multi, lambda AC: AC.in_latest_time_window(dt.timedelta(days=2)) & AC.missing()),
        ["e", ("mat", ["up"], {"date": "2024-01-02", "color": "red"}), "e", D, "e"],
    ),
    "dynamic_eager": (_pair(_dynamic, lambda AC: AC.eager()), DYN_STEPS),
    "dynamic_missing": (_pair(_dynamic, lambda AC: AC.missing()), DYN_STEPS),
    "dynamic_on_missing": (_pair(_dynamic, lambda AC: AC.on_missing()), DYN_STEPS),
    "dynamic_newly_missing": (_pair(_dynamic, lambda AC: AC.newly_missing()), DYN_STEPS),
    "dynamic_any_deps_updated": (_pair(_dynamic, lambda AC: AC.any_deps_updated()), DYN_STEPS),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_multi_and_dynamic_partitions_match_dagster(name):
    make, steps = SCENARIOS[name]
    _both(make, steps)
