"""Asset checks side by side with real Dagster: the same user code runs on both libraries and the
outcomes (steps run, evaluations, blocking behaviour, errors, selections) must be equal."""

# The user code is defined inside `for name, dg in _both(...)` loops and used in the same
# iteration, so its closures over `dg` are meant.
# ruff: noqa: B023

# No `from __future__ import annotations`: the resources and config classes below are local to
# the test, and their annotations must be evaluated where they are defined.
import pytest

import dagster_nb

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]


@pytest.fixture
def dagster():
    return pytest.importorskip("dagster")


def _both(dagster):
    return (("dagster_nb", dagster_nb), ("dagster", dagster))


def _evaluations(result):
    return sorted(
        (
            e.asset_key.to_user_string(),
            e.check_name,
            e.passed,
            e.severity.value,
            e.description,
            {k: v.value for k, v in e.metadata.items()},
            bool(e.blocking),
            e.target_materialization_data is not None,
            e.target_materialization_data.run_id == result.run_id
            if e.target_materialization_data
            else None,
        )
        for e in result.get_asset_check_evaluations()
    )


def _outcome(result):
    started = sorted(e.step_key for e in result.all_events if e.event_type_value == "STEP_START")
    failed = sorted(e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    errors = sorted(
        (e.step_key, e.step_failure_data.error.cls_name)
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    )
    mats = sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events())
    return result.success, started, failed, errors, mats, _evaluations(result)


def _graph(dg):
    @dg.asset(
        check_specs=[
            dg.AssetCheckSpec("positive", asset="a"),
            dg.AssetCheckSpec("blocker", asset="a", blocking=True),
        ]
    )
    def a():
        yield dg.Output(1)
        yield dg.AssetCheckResult(check_name="positive", passed=True, metadata={"x": 1})
        yield dg.AssetCheckResult(check_name="blocker", passed=False, description="no")

    @dg.asset
    def after_a(a):
        return a + 1

    @dg.asset
    def c():
        return 5

    @dg.asset_check(asset=c, blocking=True, description="c must exceed 10")
    def c_big(c):
        return dg.AssetCheckResult(passed=c > 10, metadata={"v": c})

    @dg.asset_check(asset=c)
    def c_warn(c):
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)

    @dg.asset
    def after_c(c):
        return c

    @dg.asset
    def e():
        return 2

    @dg.asset_check(asset=e, blocking=True)
    def e_warn_only():
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)

    @dg.asset
    def after_e(e):
        return e

    @dg.asset_check(asset=e)
    def e_raises():
        raise ValueError("boom")

    return [a, after_a, c, c_big, c_warn, after_c, e, e_warn_only, after_e, e_raises]


def test_blocking_checks_stop_downstream_and_warn_or_raise_do_not(dagster):
    got = {}
    for name, dg in _both(dagster):
        result = dg.materialize(
            _graph(dg), instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
        )
        got[name] = _outcome(result)
    assert got["dagster_nb"] == got["dagster"]
    success, started, failed, errors, mats, evaluations = got["dagster_nb"]
    assert not success
    assert "after_a" not in started and "after_c" not in started and "after_e" in started
    assert ("a", "DagsterAssetCheckFailedError") in errors
    assert ("c_c_big", "DagsterAssetCheckFailedError") in errors
    assert ("e_e_raises", "DagsterExecutionStepExecutionError") in errors
    assert "a" in mats  # the asset is stored before its blocking check fails the step
    assert len(evaluations) == 5


def test_materialize_result_check_results_and_multi_asset_check(dagster):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset(
            check_specs=[dg.AssetCheckSpec("x", asset="g"), dg.AssetCheckSpec("y", asset="g")]
        )
        def g():
            return dg.MaterializeResult(
                check_results=[
                    dg.AssetCheckResult(passed=True, check_name="x"),
                    dg.AssetCheckResult(passed=False, check_name="y", description="bad"),
                ]
            )

        @dg.asset
        def h():
            return 3

        @dg.multi_asset_check(
            specs=[dg.AssetCheckSpec("m1", asset="g"), dg.AssetCheckSpec("m2", asset="h")]
        )
        def both(h):
            yield dg.AssetCheckResult(passed=True, asset_key="g", check_name="m1")
            yield dg.AssetCheckResult(
                passed=h == 3, asset_key="h", check_name="m2", metadata={"h": h}
            )

        result = dg.materialize(
            [g, h, both], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
        )
        got[name] = _outcome(result)
    assert got["dagster_nb"] == got["dagster"]
    assert got["dagster_nb"][0] is True
    assert [e[:3] for e in got["dagster_nb"][5]] == [
        ("g", "m1", True),
        ("g", "x", True),
        ("g", "y", False),
        ("h", "m2", True),
    ]


def test_missing_and_unknown_check_results_fail_the_step(dagster):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset(
            check_specs=[dg.AssetCheckSpec("x", asset="m"), dg.AssetCheckSpec("y", asset="m")]
        )
        def m():
            yield dg.Output(1)
            yield dg.AssetCheckResult(passed=True, check_name="x")

        @dg.asset(check_specs=[dg.AssetCheckSpec("x", asset="u")])
        def u():
            yield dg.Output(1)
            yield dg.AssetCheckResult(passed=True, check_name="nope")

        outs = []
        for assets in ([m], [u]):
            result = dg.materialize(
                assets, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
            )
            msg = [
                e.step_failure_data.error.message
                for e in result.all_events
                if e.event_type_value == "STEP_FAILURE"
            ]
            outs.append((_outcome(result), [x.split("\n")[0].split(": ", 1)[-1][:78] for x in msg]))
        got[name] = outs
    assert got["dagster_nb"] == got["dagster"]
    assert 'non-optional output "m_y"' in got["dagster_nb"][0][1][0]


@pytest.mark.parametrize(
    "selection",
    [
        None,
        "c",
        ["c"],
        "assets(c)",
        "without_checks",
        "checks_for_assets",
        "checks(c_big)",
        "checks(key)",
        "all_asset_checks",
        "assets(c)|checks(c_big)",
        "assets(c)-checks(c_big)",
        "after_c",
    ],
)
def test_selections_pick_the_same_checks(dagster, selection):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset
        def c():
            return 5

        @dg.asset_check(asset=c)
        def c_big(c):
            return dg.AssetCheckResult(passed=c > 10)

        @dg.asset_check(asset=c)
        def c_small():
            return dg.AssetCheckResult(passed=True)

        @dg.asset
        def after_c(c):
            return c

        S = dg.AssetSelection
        sel = (
            {
                "assets(c)": S.assets(c),
                "without_checks": S.assets(c).without_checks(),
                "checks_for_assets": S.checks_for_assets(c),
                "checks(c_big)": S.checks(c_big),
                "checks(key)": S.checks(dg.AssetCheckKey(dg.AssetKey("c"), "c_small")),
                "all_asset_checks": S.all_asset_checks(),
                "assets(c)|checks(c_big)": S.assets(c) | S.checks(c_big),
                "assets(c)-checks(c_big)": S.assets(c) - S.checks(c_big),
                "after_c": S.assets(after_c),
            }.get(selection, selection)
            if isinstance(selection, str)
            else selection
        )
        # c is stored first, so a run of checks alone can load it
        instance = dg.DagsterInstance.ephemeral()
        dg.materialize(
            [c, c_big, c_small, after_c], instance=instance, selection=S.assets(c).without_checks()
        )
        result = dg.materialize(
            [c, c_big, c_small, after_c], instance=instance, selection=sel, raise_on_error=False
        )
        got[name] = _outcome(result)[:2] + (_outcome(result)[5],)
    assert got["dagster_nb"] == got["dagster"]


def test_definitions_asset_checks_run_in_the_implicit_job_and_duplicates_raise(dagster):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset
        def c():
            return 5

        @dg.asset_check(asset=c)
        def chk():
            return dg.AssetCheckResult(passed=True)

        defs = dg.Definitions(assets=[c], asset_checks=[chk])
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process()
        dup = dg.asset_check(asset=c, name="chk")(lambda: dg.AssetCheckResult(passed=True))
        with pytest.raises(
            dg.DagsterInvalidDefinitionError, match="Duplicate asset check key"
        ) as err:
            dg.Definitions(assets=[c], asset_checks=[chk, dup]).resolve_asset_graph()
        got[name] = (_evaluations(result), type(err.value).__name__)
    assert got["dagster_nb"] == got["dagster"]


def test_definitions_and_direct_invocation(dagster):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset
        def c():
            return 5

        @dg.asset
        def z():
            return 7

        @dg.asset_check(asset=c, additional_ins={"zz": dg.AssetIn("z")}, description="sum")
        def chk(c, zz):
            return dg.AssetCheckResult(passed=c + zz == 12)

        @dg.asset_check(asset="c", name="renamed", additional_deps=[z], blocking=True)
        def other():
            return dg.AssetCheckResult(passed=True)

        def one():
            return 1

        def two(a, b):
            return None

        spec = dg.AssetCheckSpec("s", asset=c, blocking=True, metadata={"k": 1})
        facts = (
            isinstance(chk, dg.AssetsDefinition),
            isinstance(chk, dg.AssetChecksDefinition),
            chk.node_def.name,
            other.node_def.name,
            sorted(chk.keys),
            sorted((n, k.to_user_string()) for n, k in chk.keys_by_input_name.items()),
            [d.asset_key for s in other.check_specs for d in s.additional_deps],
            chk.check_key,
            [s.description for s in chk.check_specs],
            other.check_key.name,
            [s.blocking for s in other.check_specs],
            spec.key,
            spec.asset_key,
            spec.blocking,
            dict(spec.metadata),
            repr(spec),
            repr(dg.AssetCheckKey(dg.AssetKey("c"), "s")),
            dg.AssetCheckKey.from_user_string("a/b:c"),
            dg.AssetCheckKey(dg.AssetKey(["a", "b"]), "c").to_user_string(),
            repr(chk(5, 7)),
            repr(
                dg.AssetCheckResult(
                    passed=False, asset_key="c", check_name="s", severity=dg.AssetCheckSeverity.WARN
                )
            ),
            [s.value for s in dg.AssetCheckSeverity],
            sorted(
                k.to_user_string() for k in dg.asset(check_specs=[spec], name="c")(one).check_keys
            ),
        )
        errors = []
        for bad in (
            lambda: dg.asset(check_specs=[dg.AssetCheckSpec("x", asset="other")])(one),
            lambda: dg.asset_check(asset=c)(two),
        ):
            with pytest.raises(dg.DagsterInvalidDefinitionError) as err:
                bad()
            errors.append(str(err.value))
        result = dg.materialize([c, z, chk, other], instance=dg.DagsterInstance.ephemeral())
        got[name] = (facts, errors, _outcome(result))
    assert got["dagster_nb"] == got["dagster"]


def test_build_last_update_freshness_checks(dagster):
    import datetime

    got = {}
    for name, dg in _both(dagster):

        @dg.asset
        def a():
            return 1

        @dg.asset
        def never():
            return 1

        instance = dg.DagsterInstance.ephemeral()
        (plain,) = dg.build_last_update_freshness_checks(
            assets=[a, never, "src"], lower_bound_delta=datetime.timedelta(hours=1)
        )
        (cron,) = dg.build_last_update_freshness_checks(
            assets=[a],
            lower_bound_delta=datetime.timedelta(days=1),
            deadline_cron="0 0 * * *",
            timezone="Europe/Paris",
            severity=dg.AssetCheckSeverity.ERROR,
            blocking=True,
        )
        dg.materialize([a], instance=instance)
        instance.report_runless_asset_event(
            dg.AssetObservation(
                "src",
                metadata={"dagster/last_updated_timestamp": dg.MetadataValue.timestamp(1000.0)},
            )
        )
        runs = [
            dg.materialize(
                [a, never, plain], instance=instance, selection=dg.AssetSelection.checks(plain)
            ),
            dg.materialize([a, cron], instance=instance, selection=dg.AssetSelection.checks(cron)),
        ]
        evaluations = [
            (
                e.asset_key.to_user_string(),
                e.check_name,
                e.passed,
                e.severity.value,
                e.blocking,
                e.description.split(" The last update")[0],
                sorted(e.metadata),
                e.metadata["dagster/freshness_params"].value,
                # with a cron, the bounds come from its ticks, not from the clock: equal values
                [
                    e.metadata[k].value
                    for k in sorted(e.metadata)
                    if i == 1 and k != "dagster/last_updated_timestamp"
                ],
            )
            for i, r in enumerate(runs)
            for e in sorted(r.get_asset_check_evaluations(), key=lambda e: e.asset_key.path)
        ]
        specs = [
            (s.name, s.description, s.blocking, {k: v.data for k, v in s.metadata.items()})
            for s in cron.check_specs
        ]
        with pytest.raises(Exception, match="duplicate assets"):
            dg.build_last_update_freshness_checks(
                assets=[a, "a"], lower_bound_delta=datetime.timedelta(hours=1)
            )
        got[name] = (
            plain.node_def.name,
            cron.node_def.name,
            sorted(plain.check_keys),
            evaluations,
            specs,
        )
    assert got["dagster_nb"] == got["dagster"]
    names = [e[0] for e in got["dagster_nb"][3]]
    assert names == ["a", "never", "src", "a"]


def test_subsetting_assets_and_their_embedded_checks(dagster):
    got = {}
    for name, dg in _both(dagster):

        @dg.asset(
            check_specs=[dg.AssetCheckSpec("x", asset="e"), dg.AssetCheckSpec("y", asset="e")]
        )
        def e():
            yield dg.Output(1)
            yield dg.AssetCheckResult(passed=True, check_name="x")
            yield dg.AssetCheckResult(passed=True, check_name="y")

        @dg.multi_asset(
            specs=[dg.AssetSpec("m1"), dg.AssetSpec("m2")],
            check_specs=[dg.AssetCheckSpec("x", asset="m1")],
            can_subset=True,
        )
        def m(context):
            for k in sorted(context.selected_asset_keys, key=lambda k: k.path):
                yield dg.MaterializeResult(asset_key=k)
            for k in context.selected_asset_check_keys:
                yield dg.AssetCheckResult(passed=True, asset_key=k.asset_key, check_name=k.name)

        S = dg.AssetSelection
        outs = []
        for sel in (
            S.assets(e).without_checks(),
            S.assets(e) - S.checks(dg.AssetCheckKey(dg.AssetKey("e"), "y")),
            S.assets("m1").without_checks(),
            S.assets("m2") | S.checks_for_assets("m1"),
            S.checks_for_assets("m1"),
            S.all(),
        ):
            try:
                result = dg.materialize([e, m], selection=sel, raise_on_error=False)
            except dg.DagsterInvalidDefinitionError:
                outs.append("DagsterInvalidDefinitionError")
                continue
            outs.append(_outcome(result))
        got[name] = outs
    assert got["dagster_nb"] == got["dagster"]
    assert got["dagster_nb"][:2] == ["DagsterInvalidDefinitionError"] * 2


def test_loading_checks_from_modules_and_key_prefixes(dagster, tmp_path, monkeypatch):
    import importlib
    import sys

    (tmp_path / "checks_mod_nb.py").write_text("import dagster_nb as dg\n" + _MODULE_BODY)
    (tmp_path / "checks_mod_dg.py").write_text("import dagster as dg\n" + _MODULE_BODY)
    monkeypatch.syspath_prepend(str(tmp_path))
    got = {}
    for name, dg in _both(dagster):
        mod = importlib.import_module("checks_mod_nb" if name == "dagster_nb" else "checks_mod_dg")
        assets = dg.load_assets_from_modules([mod], key_prefix="p")
        checks = dg.load_asset_checks_from_modules([mod], asset_key_prefix="p")
        result = dg.materialize([*assets, *checks])
        renamed = mod.embedded.with_attributes(
            asset_key_replacements={dg.AssetKey("e"): dg.AssetKey(["q", "e"])}
        )
        got[name] = (
            [type(a).__name__ for a in assets],
            sorted(k.to_user_string() for c in checks for k in c.check_keys),
            sorted(
                (n, k.to_user_string()) for c in checks for n, k in c.keys_by_input_name.items()
            ),
            _evaluations(result),
            sorted(k.to_user_string() for k in renamed.check_keys),
        )
        sys.modules.pop(mod.__name__, None)
    assert got["dagster_nb"] == got["dagster"]
    assert got["dagster_nb"][1] == ["p/a:a_ok"]


_MODULE_BODY = """
@dg.asset
def a():
    return 1


@dg.asset_check(asset=a)
def a_ok(a):
    return dg.AssetCheckResult(passed=a == 1)


@dg.asset(key="e", check_specs=[dg.AssetCheckSpec("x", asset="e")])
def embedded():
    yield dg.Output(1)
    yield dg.AssetCheckResult(passed=True)
"""


def test_checks_use_resources_and_config(dagster):
    got = {}
    for name, dg in _both(dagster):

        class Limits(dg.ConfigurableResource):
            maximum: int

        class CheckConfig(dg.Config):
            minimum: int = 0

        @dg.asset
        def n():
            return 5

        @dg.asset_check(asset=n, compute_kind="python", metadata={"owner": "data"})
        def in_range(n, limits: Limits, config: CheckConfig):
            return dg.AssetCheckResult(
                passed=config.minimum <= n <= limits.maximum, metadata={"max": limits.maximum}
            )

        @dg.asset_check(asset=n, required_resource_keys={"limits"})
        def via_context(context):
            return dg.AssetCheckResult(passed=context.resources.limits.maximum > 3)

        defs = dg.Definitions(
            assets=[n],
            asset_checks=[in_range, via_context],
            resources={"limits": Limits(maximum=4)},
        )
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            run_config={"ops": {"n_in_range": {"config": {"minimum": 1}}}}
        )
        with pytest.raises(dg.DagsterInvalidDefinitionError, match="limits"):
            dg.Definitions(
                assets=[n], asset_checks=[via_context]
            ).resolve_implicit_global_asset_job_def()
        got[name] = (
            _evaluations(result),
            sorted(in_range.required_resource_keys),
            [dict(s.metadata) for s in in_range.check_specs],
        )
    assert got["dagster_nb"] == got["dagster"]
    assert [e[2] for e in got["dagster_nb"][0]] == [False, True]


def test_checks_of_partitioned_assets(dagster):
    got = {}
    for name, dg in _both(dagster):
        parts = dg.StaticPartitionsDefinition(["x", "y"])

        @dg.asset(partitions_def=parts)
        def p(context):
            return context.partition_key

        @dg.asset_check(asset=p)
        def p_ok(p):
            return dg.AssetCheckResult(passed=sorted(p) == ["x", "y"])

        @dg.asset(partitions_def=parts, check_specs=[dg.AssetCheckSpec("e", asset="q")])
        def q():
            yield dg.Output(1)
            yield dg.AssetCheckResult(passed=True)

        instance = dg.DagsterInstance.ephemeral()
        # the unpartitioned check reads every partition: it fails to load until both exist
        first = dg.materialize(
            [p, p_ok, q], instance=instance, partition_key="x", raise_on_error=False
        )
        second = dg.materialize(
            [p, p_ok, q], instance=instance, partition_key="y", raise_on_error=False
        )
        got[name] = [
            (_outcome(r), [e.partition for e in r.get_asset_check_evaluations()])
            for r in (first, second)
        ]
    assert got["dagster_nb"] == got["dagster"]
    assert got["dagster_nb"][1][0][0] is True


def test_asset_check_context_class(dagster):
    seen = {}
    for name, dg in _both(dagster):

        @dg.asset
        def orders():
            return [1, 2, 3]

        @dg.asset_check(asset=orders)
        def has_rows(context: dg.AssetCheckExecutionContext, orders):
            context.log.info("checking")
            seen[name] = (
                isinstance(context, dg.AssetCheckExecutionContext),
                sorted(k.name for k in context.selected_asset_check_keys),
                sorted(s.name for s in context.check_specs),
            )
            return dg.AssetCheckResult(passed=len(orders) == 3)

        result = dg.materialize([orders, has_rows], instance=dg.DagsterInstance.ephemeral())
        assert result.success
        assert [e.passed for e in result.get_asset_check_evaluations()] == [True]
    assert seen["dagster_nb"] == seen["dagster"] == (True, ["has_rows"], ["has_rows"])
