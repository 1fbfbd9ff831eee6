"""evaluate_automation_conditions, side by side: the same assets, the same sequence of
evaluations and materializations, on real Dagster and on dagster_nb; the requested partitions of
every evaluation must be equal.

A scenario is a list of steps: ``"e"`` evaluates (cursor carried forward), a timedelta moves
the evaluation clock, ``("mat", [keys], partition)`` materializes, ``("fail", key)`` runs an
asset that raises.
"""

from __future__ import annotations

import datetime as dt

import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

T0 = dt.datetime(2024, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def _chain(dg, conds, partitions=None, code_versions=None, fail=()):
    """a -> b -> c, each with conds.get(name); ``fail`` names assets whose function raises."""
    cv = code_versions or {}
    pd = partitions(dg) if partitions else None

    def body(name):
        if name in fail:
            raise ValueError("boom")
        return name

    @dg.asset(automation_condition=conds.get("a"), partitions_def=pd, code_version=cv.get("a"))
    def a():
        return body("a")

    @dg.asset(
        deps=[a], automation_condition=conds.get("b"), partitions_def=pd, code_version=cv.get("b")
    )
    def b():
        return body("b")

    @dg.asset(
        deps=[b], automation_condition=conds.get("c"), partitions_def=pd, code_version=cv.get("c")
    )
    def c():
        return body("c")

    return [a, b, c]


def _play(dg, make_assets, steps, t0=T0):
    assets = make_assets(dg)
    defs = dg.Definitions(assets=assets)
    instance = dg.DagsterInstance.ephemeral()
    cursor, t, out = None, t0, []
    for s in steps:
        if isinstance(s, dt.timedelta):
            t += s
        elif s == "e":
            r = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=cursor, evaluation_time=t
            )
            cursor = r.cursor
            per_key = {
                k: sorted(r.get_requested_partitions(dg.AssetKey(k)), key=str)
                for k in ("a", "b", "c")
                if r.get_num_requested(dg.AssetKey(k))
            }
            out.append((r.total_requested, per_key))
        elif s[0] == "mat":
            dg.materialize(
                assets,
                selection=list(s[1]),
                instance=instance,
                partition_key=s[2] if len(s) > 2 else None,
            )
        elif s[0] == "fail":
            dg.materialize(assets, selection=[s[1]], instance=instance, raise_on_error=False)
        elif s[0] == "defs":  # redefine (e.g. a new code version), same instance and cursor
            assets = s[1](dg)
            defs = dg.Definitions(assets=assets)
    return out


def _both(make_assets, steps, t0=T0):
    ours = _play(dagster_nb, make_assets, steps, t0)
    theirs = _play(dagster, make_assets, steps, t0)
    assert ours == theirs
    return ours


def _all(cond_fn):
    return lambda dg: _chain(dg, {k: cond_fn(dg.AutomationCondition) for k in "abc"})


SCENARIOS = {
    # eager() never requests an asset missing at the first evaluation, and waits for parents.
    "eager": (
        _all(lambda AC: AC.eager()),
        ["e", "e", ("mat", ["a"]), "e", "e", ("mat", ["b"]), "e"],
    ),
    "eager_parent_missing": (
        lambda dg: _chain(dg, {"b": dg.AutomationCondition.eager()}),
        ["e", "e", ("mat", ["a"]), "e", "e"],
    ),
    "on_missing": (_all(lambda AC: AC.on_missing()), ["e", "e", ("mat", ["a"]), "e"]),
    # on_cron needs a tick crossed between two evaluations; a request resets it until the next.
    "on_cron": (
        _all(lambda AC: AC.on_cron("0 * * * *")),
        ["e", 30 * M, "e", 31 * M, "e", ("mat", ["a"]), "e", H, "e"],
    ),
    "on_cron_deps_not_updated": (
        lambda dg: _chain(dg, {"b": dg.AutomationCondition.on_cron("0 * * * *")}),
        ["e", H, "e", ("mat", ["a"]), "e", H, "e"],
    ),
    "missing": (_all(lambda AC: AC.missing()), ["e", "e", ("mat", ["a"]), "e"]),
    "newly_missing": (_all(lambda AC: AC.newly_missing()), ["e", "e", ("mat", ["a"]), "e"]),
    "newly_updated": (_all(lambda AC: AC.newly_updated()), ["e", ("mat", ["a"]), "e", "e"]),
    "any_deps_updated": (
        _all(lambda AC: AC.any_deps_updated()),
        ["e", ("mat", ["a"]), "e", "e", ("mat", ["b"]), "e"],
    ),
    "any_deps_missing": (_all(lambda AC: AC.any_deps_missing()), ["e", ("mat", ["a"]), "e"]),
    "cron_tick_passed": (
        _all(lambda AC: AC.cron_tick_passed("0 * * * *")),
        ["e", 61 * M, "e", "e"],
    ),
    "cron_tick_timezone": (
        _all(lambda AC: AC.cron_tick_passed("0 9 * * *", "Asia/Tokyo")),
        ["e", H, "e", 23 * H, "e", H, "e"],
    ),
    "initial_evaluation": (_all(lambda AC: AC.initial_evaluation()), ["e", "e"]),
    "newly_true": (
        _all(lambda AC: AC.missing().newly_true()),
        ["e", "e", ("mat", ["a", "b", "c"]), "e"],
    ),
    "since_timed_trigger_wins": (
        _all(lambda AC: AC.cron_tick_passed("0 * * * *").since(AC.newly_requested())),
        ["e", 61 * M, "e", "e", 61 * M, "e"],
    ),
    "since_updated_vs_cron": (
        _all(lambda AC: AC.newly_updated().since(AC.cron_tick_passed("0 * * * *"))),
        ["e", 30 * M, ("mat", ["a", "b"]), "e", 40 * M, "e", ("mat", ["a"]), "e"],
    ),
    "and_or_not_label": (
        _all(
            lambda AC: (
                (AC.missing() & ~AC.any_deps_missing()).with_label("ready") | AC.newly_updated()
            )
        ),
        ["e", ("mat", ["a"]), "e", ("mat", ["b"]), "e"],
    ),
    "replace": (
        _all(lambda AC: AC.eager().replace("newly_missing", AC.missing())),
        ["e", "e", ("mat", ["a"]), "e"],
    ),
    "in_progress_and_failed": (
        lambda dg: _chain(
            dg,
            {
                k: dg.AutomationCondition.in_progress() | dg.AutomationCondition.execution_failed()
                for k in "abc"
            },
            fail=("b",),
        ),
        ["e", ("fail", "b"), "e"],
    ),
    "any_downstream": (
        lambda dg: _chain(
            dg,
            {
                "a": dg.AutomationCondition.any_downstream_conditions(),
                "c": dg.AutomationCondition.missing(),
            },
        ),
        ["e", ("mat", ["a", "b", "c"]), "e"],
    ),
    "all_deps_match": (
        _all(lambda AC: AC.all_deps_match(AC.missing())),
        ["e", ("mat", ["b"]), "e"],
    ),
    "asset_matches": (
        _all(lambda AC: AC.asset_matches("a", AC.missing())),
        ["e", ("mat", ["a"]), "e"],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_matches_dagster(name):
    make, steps = SCENARIOS[name]
    _both(make, steps)


def test_run_that_targeted_the_asset_does_not_retrigger_it():
    """any_deps_updated() ignores a parent update made by a run that also targeted the asset
    (executed_with_root_target). Dagster's materialize() stores an empty asset_selection on its
    runs, so there the same code re-requests b; ours stores the selection, as runs launched by
    Dagster's daemon do, so b (already fresh) is not requested again and c is."""
    out = _play(dagster_nb, _all(lambda AC: AC.any_deps_updated()), ["e", ("mat", ["a", "b"]), "e"])
    assert out == [(0, {}), (1, {"c": [None]})]


def test_surprising_semantics_pinned():
    """The behaviours users trip over, as values (the same on both, per the tests above)."""
    eager = _both(*SCENARIOS["eager"])
    assert eager[0] == (0, {})  # nothing at first: every asset missing at the first evaluation
    assert eager[2] == (2, {"b": [None], "c": [None]})  # a updated: b, and c (b will be requested)
    cron = _both(*SCENARIOS["on_cron"])
    assert cron[0] == (0, {})  # the first evaluation never sees a tick
    assert cron[1][0] == 3 and cron[2] == (0, {})  # requested at 00:30; 01:01 reset by the request


def test_allow_and_ignore_on_deps():
    def make(dg):
        AC = dg.AutomationCondition

        @dg.asset
        def x():
            return 1

        @dg.asset
        def y():
            return 2

        cond = AC.any_deps_match(AC.missing()).ignore(dg.AssetSelection.assets("x"))
        allow = AC.any_deps_match(AC.missing()).allow(dg.AssetSelection.assets("x"))

        @dg.asset(deps=[x, y], automation_condition=cond)
        def a():
            return 3

        @dg.asset(deps=[x, y], automation_condition=allow)
        def b():
            return 4

        @dg.asset(deps=[a], automation_condition=AC.missing())
        def c():
            return 5

        return [x, y, a, b, c]

    out = _both(make, ["e", ("mat", ["y"]), "e", ("mat", ["x"]), "e"])
    assert out[1][1].get("a") is None and out[1][1]["b"] == [None]


def test_code_version_changed():
    def v(n):
        return lambda dg: _chain(
            dg,
            {k: dg.AutomationCondition.code_version_changed() for k in "abc"},
            code_versions={"a": n, "b": "1", "c": n},
        )

    out = _both(v("1"), ["e", "e", ("defs", v("2")), "e", "e"])
    assert out[2] == (2, {"a": [None], "c": [None]})


def _daily(dg):
    return dg.DailyPartitionsDefinition(start_date="2024-01-01")


def _static(dg):
    return dg.StaticPartitionsDefinition(["eu", "us", "asia"])


def test_daily_partitioned_eager_and_latest_window():
    t0 = dt.datetime(2024, 1, 5, 12, tzinfo=dt.timezone.utc)
    steps = [
        "e",
        ("mat", ["a"], "2024-01-04"),
        "e",
        ("mat", ["a"], "2024-01-02"),
        "e",
        dt.timedelta(days=1),
        "e",
        ("mat", ["a"], "2024-01-05"),
        "e",
    ]
    out = _both(
        lambda dg: _chain(
            dg, {k: dg.AutomationCondition.eager() for k in "abc"}, partitions=_daily
        ),
        steps,
        t0,
    )
    assert out[1] == (2, {"b": ["2024-01-04"], "c": ["2024-01-04"]})
    assert out[2] == (0, {})  # 2024-01-02 is not in the latest time window


def test_daily_partitioned_missing_and_lookback():
    t0 = dt.datetime(2024, 1, 5, 12, tzinfo=dt.timezone.utc)
    AC_ = lambda dg: dg.AutomationCondition  # noqa: E731

    def make(dg):
        return _chain(
            dg,
            {
                "a": AC_(dg).missing(),
                "b": AC_(dg).missing() & AC_(dg).in_latest_time_window(dt.timedelta(days=2)),
                "c": AC_(dg).on_missing(),
            },
            partitions=_daily,
        )

    _both(make, ["e", ("mat", ["a"], "2024-01-03"), "e", dt.timedelta(days=1), "e"], t0)


def test_static_partitioned():
    def make(dg):
        return _chain(
            dg,
            {
                "a": dg.AutomationCondition.missing(),
                "b": dg.AutomationCondition.eager(),
                "c": dg.AutomationCondition.any_deps_missing(),
            },
            partitions=_static,
        )

    out = _both(make, ["e", "e", ("mat", ["a"], "eu"), "e", ("mat", ["a", "b"], "us"), "e"])
    assert out[1][1]["b"] == ["asia", "eu", "us"]  # a will be requested: b with it
    assert out[3][1]["c"] == ["eu"]


def test_unpartitioned_child_of_daily_parent():
    def make(dg):
        AC = dg.AutomationCondition

        @dg.asset(partitions_def=_daily(dg))
        def events():
            return 1

        @dg.asset(deps=[events], automation_condition=AC.eager())
        def summary():
            return 2

        @dg.asset(deps=[events], automation_condition=AC.any_deps_missing())
        def gaps():
            return 3

        return [events, summary, gaps]

    def play(dg):
        assets = make(dg)
        defs = dg.Definitions(assets=assets)
        inst = dg.DagsterInstance.ephemeral()
        t = dt.datetime(2024, 1, 3, 6, tzinfo=dt.timezone.utc)
        out, cursor = [], None
        for step in ["e", "2024-01-01", "e", "2024-01-02", "e", "e"]:
            if step != "e":
                dg.materialize(assets, selection=["events"], partition_key=step, instance=inst)
                continue
            r = dg.evaluate_automation_conditions(
                defs=defs, instance=inst, cursor=cursor, evaluation_time=t
            )
            cursor = r.cursor
            out.append(
                (
                    r.get_num_requested(dg.AssetKey("summary")),
                    r.get_num_requested(dg.AssetKey("gaps")),
                )
            )
        return out

    assert play(dagster_nb) == play(dagster)


def test_auto_materialize_policy_and_asset_selection():
    def make(dg):
        @dg.asset(auto_materialize_policy=dg.AutoMaterializePolicy.eager())
        def a():
            return 1

        @dg.asset(deps=[a], auto_materialize_policy=dg.AutoMaterializePolicy.eager())
        def b():
            return 2

        @dg.asset(deps=[b], automation_condition=dg.AutomationCondition.missing())
        def c():
            return 3

        return [a, b, c]

    def play(dg):
        assets = make(dg)
        inst = dg.DagsterInstance.ephemeral()
        out, cursor = [], None
        for step in ["e", "e", "mat", "e", "e"]:
            if step == "mat":
                dg.materialize(assets, selection=["a"], instance=inst)
                continue
            r = dg.evaluate_automation_conditions(
                defs=assets,
                instance=inst,
                cursor=cursor,
                evaluation_time=T0,
                asset_selection=dg.AssetSelection.assets("a", "b"),
            )
            cursor = r.cursor
            out.append({k: r.get_num_requested(dg.AssetKey(k)) for k in "abc"})
        return out

    ours, theirs = play(dagster_nb), play(dagster)
    assert ours == theirs
    assert all(o["c"] == 0 for o in ours)  # outside asset_selection: not evaluated


def test_cursor_round_trips_through_json():
    from dagster_nb._automation.evaluator import AssetDaemonCursor

    dg = dagster_nb
    assets = _chain(dg, {k: dg.AutomationCondition.eager() for k in "abc"}, partitions=_static)
    inst = dg.DagsterInstance.ephemeral()
    r = dg.evaluate_automation_conditions(defs=assets, instance=inst, evaluation_time=T0)
    dg.materialize(assets, selection=["a"], partition_key="eu", instance=inst)
    restored = AssetDaemonCursor.from_json(r.cursor.to_json())
    assert restored == r.cursor
    again = dg.evaluate_automation_conditions(
        defs=assets, instance=inst, cursor=restored, evaluation_time=T0
    )
    assert again.get_requested_partitions("b") == {"eu"}


def test_bad_input_is_explained():
    dg = dagster_nb

    @dg.asset(automation_condition=dg.AutomationCondition.missing())
    def a():
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cursor= takes"):
        dg.evaluate_automation_conditions(
            defs=[a], instance=dg.DagsterInstance.ephemeral(), cursor="x"
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="evaluation_time takes"):
        dg.evaluate_automation_conditions(
            defs=[a], instance=dg.DagsterInstance.ephemeral(), evaluation_time="now"
        )


def test_condition_tree_explains_per_node():
    dg = dagster_nb

    @dg.asset(automation_condition=dg.AutomationCondition.eager())
    def a():
        return 1

    @dg.asset(deps=[a], automation_condition=dg.AutomationCondition.eager())
    def b():
        return 2

    inst = dg.DagsterInstance.ephemeral()
    r = dg.evaluate_automation_conditions(defs=[a, b], instance=inst, evaluation_time=T0)
    dg.materialize([a], instance=inst)
    r = dg.evaluate_automation_conditions(
        defs=[a, b], instance=inst, cursor=r.cursor, evaluation_time=T0
    )
    tree = r.get_result("b").to_tree()
    assert tree["label"] == "eager" and tree["true"] == 1
    labels = [c["label"] for c in tree["children"]]
    assert "any_deps_missing" not in labels  # wrapped in NOT nodes
    nots = [c for c in tree["children"] if c["name"] == "NOT"]
    assert [n["children"][0]["label"] for n in nots] == [
        "any_deps_missing",
        "any_deps_in_progress",
        "in_progress",
    ]
    assert all(n["true"] == 1 for n in nots)


def test_custom_condition_class_is_refused_clearly():
    import dataclasses

    from dagster_nb._automation.conditions import AutomationCondition

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
    class MyCondition(AutomationCondition):
        pass

    dg = dagster_nb

    @dg.asset(automation_condition=dg.AutomationCondition.missing() & MyCondition())
    def a():
        return 1

    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="MyCondition: custom condition classes"
    ):
        dg.evaluate_automation_conditions(defs=[a], instance=dg.DagsterInstance.ephemeral())


def _tree(r, depth=0, out=None):
    """A result tree in preorder: depth, label, node class, candidates, true."""
    out = [] if out is None else out
    cand = r.candidate_subset if hasattr(r, "candidate_subset") else r._context.candidate_subset
    out.append(
        (depth, r.condition.get_label(), type(r.condition).__name__, cand.size, r.true_subset.size)
    )
    for c in r.child_results:
        _tree(c, depth + 1, out)
    return out


@pytest.mark.parametrize(
    "make_cond",
    [
        lambda AC: AC.eager(),
        lambda AC: AC.on_cron("0 * * * *"),
        lambda AC: AC.on_missing(),
        lambda AC: AC.any_deps_updated() | AC.missing(),
    ],
    ids=["eager", "on_cron", "on_missing", "any_deps_updated_or_missing"],
)
def test_result_trees_match_dagster_node_by_node(make_cond):
    """Every node of every asset's tree (empty subtrees included: ours rebuilds them on demand)
    has Dagster's label, class, candidate and true counts."""

    def play(dg):
        assets = _chain(dg, {k: make_cond(dg.AutomationCondition) for k in "abc"})
        inst = dg.DagsterInstance.ephemeral()
        out, cursor, t = [], None, T0
        for step in ["e", "mat", "e", "e", H, "e"]:
            if step == "mat":
                dg.materialize(assets, selection=["a"], instance=inst)
                continue
            if isinstance(step, dt.timedelta):
                t += step
                continue
            r = dg.evaluate_automation_conditions(
                defs=assets, instance=inst, cursor=cursor, evaluation_time=t
            )
            cursor = r.cursor
            out.append({res.key.to_user_string(): _tree(res) for res in r.results})
        return out

    ours, theirs = play(dagster_nb), play(dagster)
    assert ours == theirs
    assert sum(len(t) for t in ours[0].values()) > 3 * len(ours[0])  # whole trees, not roots
