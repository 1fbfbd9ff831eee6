"""Asset checks in dagster_nb alone: what the side-by-side tests cannot show (persistence in a
real SQLite instance, context.log_event, plan order, errors for what is not supported)."""

from __future__ import annotations

import pytest

import dagster_nb as dg
from dagster_nb._errors import DagsterAssetCheckFailedError


def _evals(result):
    return [
        (e.asset_key.to_user_string(), e.check_name, e.passed)
        for e in result.get_asset_check_evaluations()
    ]


def test_check_receives_the_asset_value_and_runs_after_it(tmp_path):
    seen = []

    @dg.asset
    def orders():
        return [3, 4]

    @dg.asset_check(asset=orders, description="no negative amounts")
    def non_negative(context, orders):
        seen.append((context.run_id, orders))
        return dg.AssetCheckResult(
            passed=all(x >= 0 for x in orders), metadata={"rows": len(orders)}
        )

    with dg.DagsterInstance.from_directory(str(tmp_path)) as instance:
        result = dg.materialize([non_negative, orders], instance=instance)
        steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
        assert steps == ["orders", "orders_non_negative"]
        assert seen == [(result.run_id, [3, 4])]
        (ev,) = result.get_asset_check_evaluations()
        assert (ev.passed, ev.description, ev.metadata["rows"].value) == (True, None, 2)
        mat = instance.get_latest_materialization_record("orders")
        assert ev.target_materialization_data.storage_id == mat.storage_id
    # a new process (a fresh instance on the same folder) reads the evaluation back
    with dg.DagsterInstance.from_directory(str(tmp_path)) as again:
        rec = again.get_latest_asset_check_evaluation_records([non_negative.check_key])[
            non_negative.check_key
        ]
        back = rec.event_log_entry.dagster_event.asset_check_evaluation_data
        assert back == ev
        assert rec.event_log_entry.dagster_event.event_specific_data == ev


def test_log_event_check_result_in_an_asset_with_check_specs():
    @dg.asset(
        check_specs=[
            dg.AssetCheckSpec("has_rows", asset="rows"),
            dg.AssetCheckSpec("small", asset="rows"),
        ]
    )
    def rows(context):
        context.log_event(dg.AssetCheckResult(check_name="has_rows", passed=True))
        yield dg.Output([1, 2])
        yield dg.AssetCheckResult(
            check_name="small", passed=False, severity=dg.AssetCheckSeverity.WARN
        )

    result = dg.materialize([rows])
    assert result.success
    assert _evals(result) == [("rows", "has_rows", True), ("rows", "small", False)]
    assert result.output_for_node("rows") == [1, 2]


def test_log_event_check_result_without_check_specs_fails_the_step_clearly():
    @dg.asset
    def plain(context):
        context.log_event(dg.AssetCheckResult(passed=True))
        return 1

    result = dg.materialize([plain], raise_on_error=False)
    (failure,) = result.get_step_failure_events()
    assert (
        "needs an asset with that check in its check_specs"
        in failure.step_failure_data.error.to_string()
    )


def test_blocking_check_failure_raises_dagsters_error_class_with_raise_on_error():
    @dg.asset
    def src():
        return 0

    @dg.asset_check(asset=src, blocking=True)
    def not_zero(src):
        return dg.AssetCheckResult(passed=src != 0)

    @dg.asset
    def downstream(src):
        return src

    with pytest.raises(
        DagsterAssetCheckFailedError,
        match="1 blocking asset check failed with ERROR severity:\nsrc: not_zero",
    ):
        dg.materialize([src, not_zero, downstream])
    result = dg.materialize([src, not_zero, downstream], raise_on_error=False)
    assert [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"] == [
        "src",
        "src_not_zero",
    ]
    assert result.get_failed_step_keys() == {"src_not_zero"}


def test_checks_in_a_multi_asset_and_a_check_returning_nothing():
    @dg.multi_asset(
        specs=[dg.AssetSpec("left"), dg.AssetSpec("right")],
        check_specs=[dg.AssetCheckSpec("same", asset="left")],
    )
    def pair():
        yield dg.MaterializeResult(asset_key="left", value=1)
        yield dg.MaterializeResult(asset_key="right", value=1)
        yield dg.AssetCheckResult(asset_key="left", check_name="same", passed=True)

    @dg.asset_check(asset="right")
    def forgot():
        return None

    result = dg.materialize([pair, forgot], raise_on_error=False)
    assert _evals(result) == [("left", "same", True)]
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "right_forgot"
    msg = failure.step_failure_data.error.message
    assert failure.step_failure_data.error.cls_name == "DagsterStepOutputNotFoundError"
    assert "Return or yield AssetCheckResult(check_name='forgot'" in msg


def test_selecting_an_embedded_check_without_its_asset_is_a_clear_error():
    @dg.asset(check_specs=[dg.AssetCheckSpec("x", asset="a")])
    def a():
        yield dg.Output(1)
        yield dg.AssetCheckResult(passed=True)

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="select the asset too"):
        dg.materialize([a], selection=dg.AssetSelection.checks_for_assets(a))
    with pytest.raises(dg.DagsterInvalidSubsetError, match="Asset check a:y is not defined"):
        dg.materialize(
            [a], selection=dg.AssetSelection.checks(dg.AssetCheckKey(dg.AssetKey("a"), "y"))
        )


def test_checks_run_in_threads_after_their_assets():
    @dg.asset
    def a():
        return 1

    @dg.asset_check(asset=a, blocking=True)
    def a_ok(a):
        return dg.AssetCheckResult(passed=a == 1)

    @dg.asset
    def b(a):
        return a + 1

    @dg.asset_check(asset=b)
    def b_ok(b):
        return dg.AssetCheckResult(passed=b == 2)

    result = dg.materialize([a, a_ok, b, b_ok], max_concurrent=2)
    order = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    assert order.index("a_a_ok") < order.index("b") < order.index("b_b_ok")
    assert sorted(_evals(result)) == [("a", "a_ok", True), ("b", "b_ok", True)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"partitions_def": dg.StaticPartitionsDefinition(["x"])},
            "partitions_def= is not supported yet",
        ),
        ({"automation_condition": object()}, "automation_condition= is not supported yet"),
    ],
)
def test_unsupported_check_parameters_raise_instead_of_being_dropped(kwargs, message):
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=message):
        dg.asset_check(asset="a", **kwargs)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=message):
        dg.AssetCheckSpec("c", asset="a", **kwargs)


def test_graph_assets_refuse_check_specs():
    @dg.op
    def one():
        return 1

    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match=r"check_specs=\.\.\.\) is not supported yet"
    ):

        @dg.graph_asset(check_specs=[dg.AssetCheckSpec("c", asset="g")])
        def g():
            return one()


def test_result_and_key_validation():
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="must be a bool"):
        dg.AssetCheckResult(passed=1)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'asset/key:check_name'"):
        dg.AssetCheckKey.from_user_string("no_colon")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="duplicate check spec a:c"):
        dg.asset(check_specs=[dg.AssetCheckSpec("c", asset="a")] * 2, name="a")(lambda: 1)


def test_asset_selection_reprs_and_combinations():
    S = dg.AssetSelection
    assert (
        repr(S.checks_for_assets("a", ["p", "q"]))
        == "AssetSelection.checks_for_assets('a', ['p', 'q'])"
    )
    key = dg.AssetCheckKey(dg.AssetKey("a"), "c")
    assert (
        repr(S.checks(key))
        == "AssetSelection.checks(AssetCheckKey(asset_key=AssetKey(['a']), name='c'))"
    )
    with pytest.raises(dg.DagsterInvalidAssetSelectionError, match="checks_for_assets"):
        S.checks("a")


def test_freshness_checks_use_the_runs_current_time():
    import datetime

    @dg.asset
    def a():
        return 1

    instance = dg.DagsterInstance.ephemeral()
    (check,) = dg.build_last_update_freshness_checks(
        assets=[a], lower_bound_delta=datetime.timedelta(hours=2)
    )
    made = dg.materialize([a], instance=instance)
    updated = made.get_asset_materialization_events()[0].timestamp
    stored = instance.get_latest_materialization_record("a").timestamp

    def evaluate(hours_later):
        # half a second later: the float round trip through datetime must not make it 59:59
        at = datetime.datetime.fromtimestamp(
            stored + hours_later * 3600 + 0.5, tz=datetime.timezone.utc
        )
        r = dg.materialize(
            [a, check],
            instance=instance,
            selection=dg.AssetSelection.checks(check),
            current_time=at,
        )
        (e,) = r.get_asset_check_evaluations()
        return e

    fresh = evaluate(1)
    assert fresh.passed and fresh.severity == dg.AssetCheckSeverity.WARN
    assert fresh.description == (
        "Asset is currently fresh. The last update was 1 hour ago, within the allowed time range of 2 hours."
    )
    assert fresh.metadata["dagster/fresh_until_timestamp"].value == pytest.approx(stored + 7200)
    assert fresh.metadata["dagster/last_updated_timestamp"].value == stored
    late = evaluate(3)
    assert not late.passed and "dagster/fresh_until_timestamp" not in late.metadata
    assert late.description == (
        "Asset is overdue for an update. The last update was 3 hours ago, which is past the allowed "
        "distance of 2 hours ago."
    )
    assert late.metadata["dagster/freshness_lower_bound_timestamp"].value == pytest.approx(
        stored + 3600.5
    )
    assert abs(updated - stored) < 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"deadline_cron": "not a cron"}, "Invalid cron string"),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"lower_bound_delta": 60}, "must be a datetime.timedelta"),
    ],
)
def test_freshness_check_arguments_are_validated(kwargs, message):
    import datetime

    args = {"assets": ["a"], "lower_bound_delta": datetime.timedelta(hours=1), **kwargs}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=message):
        dg.build_last_update_freshness_checks(**args)


def test_a_list_of_check_keys_as_selection_points_at_asset_selection_checks():
    @dg.asset
    def a():
        return 1

    with pytest.raises(
        dg.DagsterInvalidAssetSelectionError, match=r"AssetSelection.checks\(\*check_keys\)"
    ):
        dg.materialize([a], selection=[dg.AssetCheckKey(dg.AssetKey("a"), "c")])
