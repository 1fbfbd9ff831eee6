"""to_dagster converts automation conditions to Dagster's: the same tree (equal repr) for the
builders, operators, labels, replace, allow/ignore and converted AutoMaterializePolicies."""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")


def _conditions(dg):
    AC = dg.AutomationCondition
    return [
        AC.eager(),
        AC.on_cron("0 6 * * *", "Europe/Berlin"),
        AC.on_missing(),
        AC.any_downstream_conditions(),
        AC.in_latest_time_window(dt.timedelta(days=2)) & AC.missing(),
        AC.any_deps_match(AC.missing()).ignore(dg.AssetSelection.assets("x")),
        AC.code_version_changed().with_label("cv") | ~AC.in_progress(),
        AC.eager().replace("newly_missing", AC.missing()),
        AC.asset_matches("x", AC.newly_updated()).since(AC.cron_tick_passed("0 * * * *")),
        dg.AutoMaterializePolicy.eager()
        .with_rules(dg.AutoMaterializeRule.materialize_on_cron("0 * * * *"))
        .to_automation_condition(),
    ]


def test_conditions_convert_to_the_same_trees():
    from dagster_nb._export.convert import DagsterTranslator

    t = DagsterTranslator()
    for ours, theirs in zip(_conditions(dagster_nb), _conditions(dagster), strict=True):
        converted = t(ours)
        assert type(converted) is type(theirs)
        assert converted.get_label() == theirs.get_label()
        assert str(converted) == str(theirs)


def test_assets_keep_their_conditions_in_to_dagster():
    dg = dagster_nb

    @dg.asset(automation_condition=dg.AutomationCondition.eager())
    def a():
        return 1

    @dg.multi_asset(
        specs=[
            dg.AssetSpec("m1", automation_condition=dg.AutomationCondition.on_missing()),
            dg.AssetSpec("m2"),
        ]
    )
    def m():
        yield dg.MaterializeResult(asset_key="m1")
        yield dg.MaterializeResult(asset_key="m2")

    from dagster_nb._export.convert import to_dagster

    ddefs = to_dagster(dg.Definitions(assets=[a, m]))
    graph = ddefs.resolve_asset_graph()
    conds = {
        k.to_user_string(): graph.get(k).automation_condition for k in graph.get_all_asset_keys()
    }
    assert conds["a"].get_label() == "eager" and conds["m1"].get_label() == "on_missing"
    assert conds["m2"] is None
