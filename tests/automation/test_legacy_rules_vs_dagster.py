"""Legacy ``AutoMaterializePolicy`` / ``AutoMaterializeRule``s side by side with real Dagster:
each policy converted with ``to_automation_condition()`` (Dagster evaluates the converted
condition's ``RuleCondition`` nodes with its legacy rule engine), the same assets and history,
the same requests from ``evaluate_automation_conditions`` at every evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from test_evaluator_vs_dagster import H, M, _both, _chain

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

D = dt.timedelta(days=1)


def _policy(dg, names, max_per_minute=1):
    R = dg.AutoMaterializeRule
    rules = {
        "on_missing": R.materialize_on_missing(),
        "on_parent_updated": R.materialize_on_parent_updated(),
        "on_cron": R.materialize_on_cron("0 * * * *"),
        "on_cron_all": R.materialize_on_cron("0 0 * * *", all_partitions=True),
        "skip_parent_missing": R.skip_on_parent_missing(),
        "skip_parent_outdated": R.skip_on_parent_outdated(),
        "skip_not_all_updated": R.skip_on_not_all_parents_updated(),
        "skip_not_all_updated_all_partitions": R.skip_on_not_all_parents_updated(True),
        "skip_not_all_since_cron": R.skip_on_not_all_parents_updated_since_cron("0 * * * *"),
        "skip_backfill": R.skip_on_backfill_in_progress(),
        "skip_run_in_progress": R.skip_on_run_in_progress(),
        "skip_nonexistent": R.skip_on_required_but_nonexistent_parents(),
        "on_freshness": R.materialize_on_required_for_freshness(),
    }
    if names == "eager":
        p = dg.AutoMaterializePolicy.eager(max_per_minute)
    elif names == "lazy":
        p = dg.AutoMaterializePolicy.lazy(max_per_minute)
    else:
        p = dg.AutoMaterializePolicy(
            rules={rules[n] for n in names}, max_materializations_per_minute=max_per_minute
        )
    return p.to_automation_condition()


def _chain_with(names, partitions=None, max_per_minute=1, only=None):
    def make(dg):
        cond = _policy(dg, names, max_per_minute)
        return _chain(dg, {k: cond for k in (only or "abc")}, partitions=partitions)

    return make


def _diamond_with(names):
    """a, b -> c (c has two parents); only c has the policy."""

    def make(dg):
        cond = _policy(dg, names)

        @dg.asset
        def a():
            return 1

        @dg.asset
        def b():
            return 2

        @dg.asset(deps=[a, b], automation_condition=cond)
        def c():
            return 3

        return [a, b, c]

    return make


def _daily_parent_since_cron(dg):
    """a (daily) and b -> c, unpartitioned; c waits for both since the last midnight."""
    R = dg.AutoMaterializeRule
    cond = dg.AutoMaterializePolicy(
        rules={
            R.materialize_on_parent_updated(),
            R.materialize_on_missing(),
            R.skip_on_not_all_parents_updated_since_cron("0 0 * * *"),
        },
        max_materializations_per_minute=None,
    ).to_automation_condition()

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def a():
        return 1

    @dg.asset
    def b():
        return 2

    @dg.asset(deps=[a, b], automation_condition=cond)
    def c():
        return 3

    return [a, b, c]


def _daily(dg):
    return dg.DailyPartitionsDefinition(start_date="2024-01-01")


EVERYTHING = [
    "e",
    "e",
    ("mat", ["a"]),
    "e",
    "e",
    ("mat", ["b"]),
    "e",
    H,
    "e",
    ("mat", ["a", "b", "c"]),
    "e",
]
DIAMOND = [
    "e",
    ("mat", ["a"]),
    "e",
    ("mat", ["b"]),
    "e",
    ("mat", ["c"]),
    "e",
    ("mat", ["a", "b"]),
    "e",
]


def _multi(dg):
    return dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
            "color": dg.StaticPartitionsDefinition(["red", "blue"]),
        }
    )


def _static(dg):
    return dg.StaticPartitionsDefinition(["c", "a", "b"])  # last in definition order: b


SCENARIOS = {
    "eager": (_chain_with("eager"), EVERYTHING),
    "lazy": (_chain_with("lazy"), EVERYTHING),
    "on_missing": (_chain_with(["on_missing"]), EVERYTHING),
    "on_missing_skip_parent_missing": (
        _chain_with(["on_missing", "skip_parent_missing"]),
        EVERYTHING,
    ),
    "on_parent_updated": (_chain_with(["on_parent_updated"]), EVERYTHING),
    "on_parent_updated_skip_outdated": (
        _chain_with(["on_parent_updated", "skip_parent_outdated"]),
        EVERYTHING,
    ),
    "on_cron": (
        _chain_with(["on_cron"]),
        ["e", 30 * M, "e", 31 * M, "e", ("mat", ["a"]), "e", H, "e"],
    ),
    "on_cron_skip_since_cron": (
        _chain_with(["on_cron", "skip_not_all_since_cron"]),
        ["e", 61 * M, "e", ("mat", ["a"]), "e", H, ("mat", ["a", "b"]), "e", "e"],
    ),
    "on_parent_updated_skip_not_all_updated": (
        _diamond_with(["on_parent_updated", "skip_not_all_updated"]),
        DIAMOND,
    ),
    "on_missing_skip_run_in_progress_backfill": (
        _chain_with(["on_missing", "skip_run_in_progress", "skip_backfill", "skip_nonexistent"]),
        EVERYTHING,
    ),
    "no_rate_limit": (
        _chain_with(["on_missing", "on_parent_updated"], max_per_minute=None),
        EVERYTHING,
    ),
    "skip_parent_outdated_grandparent_updated": (
        _chain_with(["on_parent_updated", "skip_parent_outdated"], only="c"),
        [
            "e",
            ("mat", ["a", "b", "c"]),
            "e",
            ("mat", ["b"]),
            ("mat", ["a"]),
            "e",
            ("mat", ["b"]),
            "e",
        ],
    ),
    "skip_not_all_updated_all_partitions": (
        _diamond_with(["on_parent_updated", "skip_not_all_updated_all_partitions"]),
        DIAMOND,
    ),
    "eager_on_a_diamond": (_diamond_with("eager"), DIAMOND),
    "daily_on_parent_updated": (
        _chain_with(["on_parent_updated", "skip_parent_missing"], partitions=_daily),
        ["e", D, ("mat", ["a"], "2024-01-01"), "e", ("mat", ["a", "b"], "2024-01-01"), "e", D, "e"],
    ),
    "multi_on_cron": (
        _chain_with(["on_cron"], partitions=_multi, max_per_minute=None, only="a"),
        ["e", H, "e", 2 * H, "e"],
    ),
    "static_on_cron": (
        _chain_with(["on_cron"], partitions=_static, max_per_minute=None, only="a"),
        ["e", H, "e", ("mat", ["a"], "b"), "e", H, "e"],
    ),
    "diamond_skip_not_all_since_cron": (
        _diamond_with(["on_parent_updated", "on_missing", "skip_not_all_since_cron"]),
        [
            "e",
            ("mat", ["a"]),
            "e",
            61 * M,
            ("mat", ["a"]),
            "e",
            ("mat", ["b"]),
            "e",
            ("mat", ["c"]),
            "e",
            H,
            ("mat", ["a", "b"]),
            "e",
            "e",
        ],
    ),
    "daily_parent_skip_not_all_since_cron": (
        _daily_parent_since_cron,
        [
            "e",
            D,
            ("mat", ["b"]),
            "e",
            ("mat", ["a"], "2024-01-01"),
            "e",
            D,
            ("mat", ["b"]),
            "e",
            ("mat", ["a"], "2024-01-02"),
            "e",
        ],
    ),
    "daily_eager": (
        _chain_with("eager", partitions=_daily),
        ["e", D, "e", ("mat", ["a"], "2024-01-01"), "e", D, "e"],
    ),
    "daily_on_missing_rate_limit": (
        _chain_with(["on_missing"], partitions=_daily, max_per_minute=2, only="a"),
        ["e", 4 * D, "e", "e", D, "e"],
    ),
    "daily_on_cron_all_partitions": (
        _chain_with(["on_cron_all"], partitions=_daily, max_per_minute=None, only="a"),
        ["e", 3 * D, "e", ("mat", ["a"], "2024-01-02"), "e", D, "e"],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_legacy_policy_matches_dagster(name):
    make, steps = SCENARIOS[name]
    _both(make, steps)
