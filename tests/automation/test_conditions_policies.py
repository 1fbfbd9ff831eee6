"""Automation conditions, policies and freshness as definitions (not evaluated)."""

from datetime import timedelta

import pytest

import dagster_nb as dg

AC = dg.AutomationCondition


def test_builders_have_dagster_labels():
    assert AC.eager().get_label() == "eager"
    assert AC.on_missing().get_label() == "on_missing"
    assert (
        AC.on_cron("0 6 * * *", "Europe/Berlin").get_label() == "on_cron(0 6 * * *, Europe/Berlin)"
    )
    assert AC.in_progress().get_label() == "in_progress"
    assert AC.any_deps_updated().get_label() == "any_deps_updated"
    assert (
        AC.all_deps_updated_since_cron("0 0 * * *").get_label()
        == "all_deps_updated_since_cron(0 0 * * *, UTC)"
    )
    assert AC.missing().get_label() is None
    assert AC.missing().with_label("gap").get_label() == "gap"


def test_operators_flatten_unlabelled_and_keep_labelled():
    a, b, c = AC.missing(), AC.newly_updated(), AC.code_version_changed()
    both = a & b & c
    assert type(both).__name__ == "AndAutomationCondition" and both.children == [a, b, c]
    assert (a | b | c).children == [a, b, c]
    labelled = (a & b).with_label("ab")
    assert (labelled & c).children == [labelled, c]
    assert (~a).children == [a] and (~a).name == "NOT"
    since = a.since(b)
    assert since.children == [a, b] and since.name == "SINCE"
    assert a.newly_true().children == [a]
    slh = a.since_last_handled()
    assert slh.children[1].get_label() == "handled"


def test_value_equality_hash_and_immutability():
    assert AC.eager() == AC.eager() and hash(AC.eager()) == hash(AC.eager())
    assert AC.on_cron("0 * * * *") != AC.on_cron("0 0 * * *")
    assert AC.missing().with_label("x") != AC.missing()
    with pytest.raises(AttributeError):
        AC.missing().label = "x"


def test_repr_and_description():
    assert str(AC.missing() & AC.newly_updated()) == (
        "AndAutomationCondition(label=None, operands=[MissingAutomationCondition(label=None), "
        "NewlyUpdatedCondition(label=None)])"
    )
    assert (
        AC.eager().description == "All of" and (AC.missing() | AC.missing()).description == "Any of"
    )
    assert (
        AC.cron_tick_passed("0 0 * * *").name
        == "cron_tick_passed(cron_schedule=0 0 * * *, cron_timezone=UTC)"
    )
    assert AC.asset_matches("a", AC.missing()).name == "a"


def test_all_required_builders_exist():
    for name in [
        "eager",
        "on_missing",
        "missing",
        "in_progress",
        "newly_updated",
        "newly_requested",
        "code_version_changed",
        "data_version_changed",
        "any_deps_updated",
        "any_deps_missing",
        "any_deps_in_progress",
        "initial_evaluation",
        "execution_failed",
        "will_be_requested",
        "any_downstream_conditions",
        "in_latest_time_window",
    ]:
        assert isinstance(getattr(AC, name)(), AC), name
    assert isinstance(AC.in_latest_time_window(timedelta(hours=48)), AC)


def test_replace_swaps_subtrees_by_label():
    swapped = AC.eager().replace("in_progress", AC.missing())
    assert swapped != AC.eager() and swapped.get_label() == "eager"
    assert AC.missing() not in AC.eager().children
    assert swapped.children[-1] == ~AC.missing()


def test_invalid_cron_and_timezone_in_conditions():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'0 0 \\* \\* 9'"):
        AC.on_cron("0 0 * * 9")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="Nowhere/City"):
        AC.cron_tick_passed("0 0 * * *", "Nowhere/City")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="AutomationCondition"):
        AC.missing() & "missing"


def test_assets_store_conditions_and_policies_on_specs():
    cond = AC.on_cron("0 6 * * *")
    policy = dg.AutoMaterializePolicy.eager()
    fresh = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24))

    @dg.asset(automation_condition=cond, freshness_policy=fresh)
    def a():
        return 1

    @dg.asset(auto_materialize_policy=policy)
    def b():
        return 2

    assert a.automation_conditions_by_key[dg.AssetKey("a")] == cond
    assert a.specs_by_key[dg.AssetKey("a")].freshness_policy == fresh
    assert b.specs_by_key[dg.AssetKey("b")].auto_materialize_policy == policy
    spec = dg.AssetSpec("c", automation_condition=AC.eager(), freshness_policy=fresh)
    assert (
        spec.automation_condition.get_label() == "eager"
        and spec.freshness_policy.fail_window == timedelta(hours=24)
    )


def test_auto_materialize_policy_rules():
    R = dg.AutoMaterializeRule
    eager, lazy = dg.AutoMaterializePolicy.eager(), dg.AutoMaterializePolicy.lazy()
    assert (
        R.materialize_on_parent_updated() in eager.rules
        and R.materialize_on_parent_updated() not in lazy.rules
    )
    assert len(eager.rules) == 7 and len(lazy.rules) == 5
    assert eager.max_materializations_per_minute == 1
    assert (
        dg.AutoMaterializePolicy.eager(
            max_materializations_per_minute=None
        ).max_materializations_per_minute
        is None
    )
    cron = eager.with_rules(R.materialize_on_cron("0 * * * *"))
    assert R.materialize_on_cron("0 * * * *") in cron.rules and len(cron.rules) == 8
    replaced = cron.with_rules(R.materialize_on_cron("0 0 * * *"))
    assert R.materialize_on_cron("0 * * * *") not in replaced.rules and len(replaced.rules) == 8
    assert eager.without_rules(R.materialize_on_missing()).rules == eager.rules - {
        R.materialize_on_missing()
    }
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="do not exist"):
        eager.without_rules(R.skip_on_run_in_progress())
    assert R.skip_on_run_in_progress().description == "in-progress run for asset"
    assert R.materialize_on_cron("0 0 * * *").description == (
        "not materialized since last cron schedule tick of '0 0 * * *' (timezone: UTC)"
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError):
        R.materialize_on_cron("nope")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="positive"):
        dg.AutoMaterializePolicy.eager(max_materializations_per_minute=0)


def test_policy_to_automation_condition_shape():
    cond = dg.AutoMaterializePolicy.eager().to_automation_condition()
    mat, not_skip, not_discard = cond.children
    assert [c.rule.description for c in mat.children] == [
        "materialization is missing",
        "required to meet this or downstream asset's freshness policy",
        "upstream data has changed since latest materialization",
    ]
    assert len(not_skip.children[0].children) == 4
    assert not_discard.children[0].rule.description == "exceeds 1 materialization(s) per minute"


def test_freshness_policies():
    tw = dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=2), warn_window=timedelta(hours=1)
    )
    assert (tw.fail_window, tw.warn_window) == (timedelta(hours=2), timedelta(hours=1))
    cron = dg.FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1))
    assert (cron.deadline_cron, cron.lower_bound_delta, cron.timezone) == (
        "0 9 * * *",
        timedelta(hours=1),
        "UTC",
    )
    assert isinstance(tw, dg.FreshnessPolicy) and isinstance(cron, dg.FreshnessPolicy)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="warn_window must be less"):
        dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=1), warn_window=timedelta(hours=2)
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="1 minute"):
        dg.FreshnessPolicy.time_window(fail_window=timedelta(seconds=30))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="smallest cron interval"):
        dg.FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(days=2))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="Mars/X"):
        dg.FreshnessPolicy.cron(
            deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1), timezone="Mars/X"
        )
    legacy = dg.LegacyFreshnessPolicy(maximum_lag_minutes=30, cron_schedule="0 * * * *")
    assert legacy.maximum_lag_minutes == 30.0 and legacy.maximum_lag_delta == timedelta(minutes=30)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'bad cron'"):
        dg.LegacyFreshnessPolicy(maximum_lag_minutes=30, cron_schedule="bad cron")


def test_automation_condition_sensor_definition():
    s = dg.AutomationConditionSensorDefinition(
        "auto", target=dg.AssetSelection.all(), run_tags={"a": 1}
    )
    assert (s.name, s.minimum_interval_seconds, s.default_status, s.run_tags) == (
        "auto",
        30,
        dg.DefaultSensorStatus.STOPPED,
        {"a": "1"},
    )
    legacy = dg.AutoMaterializeSensorDefinition("amp", target="*", minimum_interval_seconds=60)
    assert legacy.minimum_interval_seconds == 60
    defs = dg.Definitions(sensors=[s, legacy])
    assert defs.resolve_sensor_def("auto") is s
    # A tick needs the definitions it evaluates and an instance; without them it says so.
    with pytest.raises(dg.DagsterInvariantViolationError, match="repository_def=defs"):
        s.evaluate_tick(dg.build_sensor_context())

    @dg.asset(automation_condition=dg.AutomationCondition.missing())
    def a():
        return 1

    defs = dg.Definitions(assets=[a], sensors=[s])
    with dg.DagsterInstance.ephemeral() as inst:
        data = s.evaluate_tick(dg.build_sensor_context(instance=inst, repository_def=defs))
    (req,) = data.run_requests
    assert req.asset_selection == [dg.AssetKey("a")] and req.tags["a"] == "1" and data.cursor
