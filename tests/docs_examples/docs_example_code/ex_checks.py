"""Asset checks: @asset_check, checks declared on the asset, blocking checks, severities,
multi-asset checks, check factories, checks in jobs, invoking a check directly."""

from . import example
from ._helpers import materialize, materialized_keys


def _evaluations(result):
    return sorted((e.check_name, e.passed) for e in result.get_asset_check_evaluations())


@example("concepts/assets/asset_checks/orders_check.py")
def example_asset_check_reads_the_asset(dg):
    @dg.asset
    def orders():
        return [{"id": 1}, {"id": 2}]

    @dg.asset_check(asset=orders)
    def orders_have_ids(orders):
        return dg.AssetCheckResult(passed=all(r["id"] is not None for r in orders))

    result = materialize(dg, [orders, orders_have_ids])
    assert _evaluations(result) == [("orders_have_ids", True)]


@example("concepts/assets/asset_checks/metadata.py")
def example_asset_check_metadata_and_description(dg):
    @dg.asset
    def items():
        return [3, None, 5]

    @dg.asset_check(asset=items, description="No missing item ids")
    def items_no_nulls(items):
        nulls = sum(x is None for x in items)
        return dg.AssetCheckResult(passed=nulls == 0, metadata={"null_count": nulls})

    (spec,) = items_no_nulls.check_specs
    assert (spec.name, spec.description) == ("items_no_nulls", "No missing item ids")
    result = materialize(dg, [items, items_no_nulls])
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.passed, evaluation.metadata["null_count"].value) == (False, 1)


@example("concepts/assets/asset_checks/asset_with_check.py")
def example_check_spec_on_the_asset(dg):
    @dg.asset(check_specs=[dg.AssetCheckSpec(name="positive", asset="amounts")])
    def amounts():
        values = [4, 9]
        yield dg.Output(values)
        yield dg.AssetCheckResult(passed=min(values) > 0)

    result = materialize(dg, [amounts])
    assert _evaluations(result) == [("positive", True)]
    assert result.output_for_node("amounts") == [4, 9]


@example("concepts/assets/asset_checks/blocking.py")
def example_blocking_check_stops_downstream(dg):
    ran = []

    @dg.asset
    def source_rows():
        return []

    @dg.asset_check(asset=source_rows, blocking=True)
    def not_empty(source_rows):
        return dg.AssetCheckResult(passed=bool(source_rows))

    @dg.asset(deps=[source_rows])
    def report():
        ran.append("report")

    result = materialize(dg, [source_rows, report, not_empty], raise_on_error=False)
    assert not result.success
    assert ran == []
    assert materialized_keys(result) == ["source_rows"]


@example("guides/build/assets/asset_checks/severity.py")
def example_check_severity_warn(dg):
    @dg.asset
    def latency_ms():
        return 900

    @dg.asset_check(asset=latency_ms)
    def latency_budget(latency_ms):
        return dg.AssetCheckResult(passed=latency_ms < 500, severity=dg.AssetCheckSeverity.WARN)

    result = materialize(dg, [latency_ms, latency_budget])
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.passed is False


@example("concepts/assets/asset_checks/multi_asset_check.py")
def example_multi_asset_check(dg):
    @dg.asset
    def left_table():
        return 1

    @dg.asset
    def right_table():
        return 2

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec("left_ok", asset="left_table"),
            dg.AssetCheckSpec("right_ok", asset="right_table"),
        ]
    )
    def both_tables():
        yield dg.AssetCheckResult(check_name="left_ok", asset_key="left_table", passed=True)
        yield dg.AssetCheckResult(check_name="right_ok", asset_key="right_table", passed=False)

    result = materialize(dg, [left_table, right_table, both_tables])
    assert _evaluations(result) == [("left_ok", True), ("right_ok", False)]


@example("concepts/assets/asset_checks/factory.py")
def example_check_factory(dg):
    @dg.asset
    def users():
        return [1, 2, 2]

    def make_check(name, predicate):
        @dg.asset_check(name=name, asset="users")
        def _check(users):
            return dg.AssetCheckResult(passed=predicate(users))

        return _check

    rules = {"unique_ids": lambda u: len(set(u)) == len(u), "non_empty": bool}
    checks = [make_check(name, predicate) for name, predicate in rules.items()]
    result = materialize(dg, [users, *checks])
    assert _evaluations(result) == [("non_empty", True), ("unique_ids", False)]


@example("concepts/assets/asset_checks/jobs.py")
def example_checks_in_asset_jobs(dg):
    @dg.asset
    def ledger():
        return 10

    @dg.asset_check(asset=ledger)
    def ledger_positive(ledger):
        return dg.AssetCheckResult(passed=ledger > 0)

    defs = dg.Definitions(
        assets=[ledger],
        asset_checks=[ledger_positive],
        jobs=[
            dg.define_asset_job("with_checks", selection=dg.AssetSelection.assets(ledger)),
            dg.define_asset_job(
                "asset_only", selection=dg.AssetSelection.assets(ledger).without_checks()
            ),
        ],
    )
    with_checks = defs.resolve_job_def("with_checks").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    asset_only = defs.resolve_job_def("asset_only").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert _evaluations(with_checks) == [("ledger_positive", True)]
    assert _evaluations(asset_only) == []


@example("guides/build/assets/asset_checks/test_asset_check.py")
def example_invoke_check_directly(dg):
    @dg.asset
    def scores(): ...

    @dg.asset_check(asset=scores)
    def scores_valid():
        return dg.AssetCheckResult(passed=True, metadata={"checked": 3})

    outcome = scores_valid()
    assert outcome.passed is True
    assert outcome.metadata["checked"].value == 3


@example("guides/build/assets/data-assets/quality-testing/asset-checks/multiple-asset-checks.py")
def example_two_checks_on_one_asset(dg):
    @dg.asset
    def shipments():
        return [{"id": 1, "dest": "x"}, {"id": 2, "dest": None}]

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec("ids_present", asset="shipments"),
            dg.AssetCheckSpec("dest_present", asset="shipments"),
        ]
    )
    def shipment_checks(shipments):
        yield dg.AssetCheckResult(check_name="ids_present", passed=all(s["id"] for s in shipments))
        yield dg.AssetCheckResult(
            check_name="dest_present", passed=all(s["dest"] for s in shipments)
        )

    result = materialize(dg, [shipments, shipment_checks])
    assert _evaluations(result) == [("dest_present", False), ("ids_present", True)]
