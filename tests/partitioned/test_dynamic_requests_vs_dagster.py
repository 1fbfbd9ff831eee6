"""Dynamic partitions side by side with real Dagster 1.13: the instance's store
(add / get / has / delete), the requests a sensor returns in a SensorResult
(``build_add_request`` / ``build_delete_request``), their validation, and applying them to an
instance as Dagster's sensor daemon does."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402
from dagster_nb._automation.run_request import apply_dynamic_partitions_requests  # noqa: E402


def both(scenario):
    return scenario(dagster), scenario(dagster_nb)


class _TickContext:
    """The two things Dagster's daemon helper uses from its launch context."""

    def __init__(self):
        import logging

        self.logger = logging.getLogger("test")
        self.results = []

    def add_dynamic_partitions_request_result(self, result):
        self.results.append(result)


def _apply(dg, requests, instance):
    """Apply a tick's requests with each library's own code (Dagster: its sensor daemon's)."""
    if dg is dagster:
        from dagster._daemon.sensor import _handle_dynamic_partitions_requests

        ctx = _TickContext()
        _handle_dynamic_partitions_requests(requests, instance, ctx)
        results = ctx.results
    else:
        results = apply_dynamic_partitions_requests(requests, instance)
    return [
        (r.partitions_def_name, r.added_partitions, r.deleted_partitions, r.skipped_partitions)
        for r in results
    ]


def _store_scenario(dg):
    inst = dg.DagsterInstance.ephemeral()
    inst.add_dynamic_partitions("fruits", ["kiwi", "apple"])
    inst.add_dynamic_partitions("fruits", ["apple", "fig"])
    seen = [
        list(inst.get_dynamic_partitions("fruits")),
        inst.has_dynamic_partition("fruits", "fig"),
        inst.has_dynamic_partition("fruits", "nope"),
        list(inst.get_dynamic_partitions("other")),
        inst.get_existing_dynamic_partitions("fruits", ["fig", "nope", "kiwi"]),
    ]
    inst.delete_dynamic_partition("fruits", "nope")  # silently nothing
    inst.delete_dynamic_partition("fruits", "fig")
    fruits = dg.DynamicPartitionsDefinition(name="fruits")
    seen += [
        list(inst.get_dynamic_partitions("fruits")),
        list(fruits.get_partition_keys(dynamic_partitions_store=inst)),
    ]
    return seen


def test_instance_store_of_dynamic_partitions():
    theirs, ours = both(_store_scenario)
    assert ours == theirs
    assert ours[0] == ["kiwi", "apple", "fig"]


def _requests_scenario(dg):
    fruits = dg.DynamicPartitionsDefinition(name="fruits")

    @dg.asset(partitions_def=fruits)
    def f(context):
        return context.partition_key

    job = dg.define_asset_job("j", selection=[f])

    @dg.sensor(job=job)
    def new_fruit(context):
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key="r1")],
            dynamic_partitions_requests=[
                fruits.build_add_request(["apple", "pear"]),
                fruits.build_delete_request(["kiwi", "plum"]),
            ],
            cursor="c1",
        )

    defs = dg.Definitions(assets=[f], jobs=[job], sensors=[new_fruit])
    inst = dg.DagsterInstance.ephemeral()
    inst.add_dynamic_partitions("fruits", ["kiwi", "apple"])
    data = new_fruit.evaluate_tick(dg.build_sensor_context(instance=inst, definitions=defs))
    requests = [
        (type(r).__name__, r.partitions_def_name, list(r.partition_keys))
        for r in data.dynamic_partitions_requests
    ]
    applied = _apply(dg, data.dynamic_partitions_requests, inst)
    after = list(inst.get_dynamic_partitions("fruits"))
    again = _apply(dg, data.dynamic_partitions_requests, inst)  # idempotent
    built = fruits.build_add_request(["x"])
    # the added key can be run at once; the deleted one is gone
    ran = dg.materialize([f], partition_key="pear", instance=inst).output_for_node("f")
    try:
        dg.materialize([f], partition_key="kiwi", instance=inst)
        deleted = "ran"
    except Exception as exc:
        deleted = type(exc).__name__
    return (
        requests,
        data.cursor,
        [r.run_key for r in data.run_requests],
        applied,
        after,
        again,
        (built.partitions_def_name, built.partition_keys),
        built == dg.AddDynamicPartitionsRequest("fruits", ["x"]),
        ran,
        deleted,
    )


def test_sensor_result_requests_are_applied_as_dagsters_daemon_does():
    theirs, ours = both(_requests_scenario)
    assert ours == theirs
    requests, _, _, applied, after, again, _, _, ran, deleted = ours
    assert ran == "pear" and deleted == "DagsterUnknownPartitionError"
    assert requests == [
        ("AddDynamicPartitionsRequest", "fruits", ["apple", "pear"]),
        ("DeleteDynamicPartitionsRequest", "fruits", ["kiwi", "plum"]),
    ]
    assert applied == [("fruits", ["pear"], None, ["apple"]), ("fruits", None, ["kiwi"], ["plum"])]
    assert after == ["apple", "pear"]
    assert again == [
        ("fruits", [], None, ["apple", "pear"]),
        ("fruits", None, [], ["kiwi", "plum"]),
    ]


def _conflicts_scenario(dg):
    fruits = dg.DynamicPartitionsDefinition(name="fruits")
    out = []
    for reqs in (
        [fruits.build_add_request(["apple"]), fruits.build_delete_request(["apple"])],
        [fruits.build_add_request(["apple"]), fruits.build_add_request(["apple"])],
        [fruits.build_delete_request(["apple"]), fruits.build_add_request(["apple"])],
        [fruits.build_add_request(["apple"]), fruits.build_add_request(["pear"])],
    ):

        @dg.sensor(job_name="j")
        def s(context, reqs=reqs):
            return dg.SensorResult(dynamic_partitions_requests=reqs)

        try:
            s.evaluate_tick(dg.build_sensor_context())
            out.append("ok")
        except Exception as exc:
            out.append(type(exc).__name__)
    return out


def test_contradicting_requests_fail_the_tick():
    theirs, ours = both(_conflicts_scenario)
    assert ours == theirs == ["DagsterInvariantViolationError"] * 3 + ["ok"]


def _bad_input(dg):
    fruits = dg.DynamicPartitionsDefinition(name="fruits")
    out = []
    for call in (
        lambda: fruits.build_add_request("apple"),
        lambda: fruits.build_add_request([1]),
        lambda: dg.DynamicPartitionsDefinition(lambda t: ["a"]).build_add_request(["a"]),
        lambda: dg.SensorResult(dynamic_partitions_requests=["apple"]),
    ):
        try:
            call()
            out.append("ok")
        except Exception:
            out.append("raises")
    return out


def test_bad_requests_raise():
    theirs, ours = both(_bad_input)
    assert ours == theirs == ["raises"] * 4


def test_bad_requests_say_what_to_do():
    fruits = dagster_nb.DynamicPartitionsDefinition(name="fruits")
    with pytest.raises(
        dagster_nb.DagsterInvalidInvocationError, match=r"wrap a single key in a list: \['apple'\]"
    ):
        fruits.build_add_request("apple")
    with pytest.raises(dagster_nb.DagsterInvalidDefinitionError, match="build_add_request"):
        dagster_nb.SensorResult(dynamic_partitions_requests=["apple"])
    with pytest.raises(dagster_nb.DagsterInvalidInvocationError, match="must have a name"):
        dagster_nb.DynamicPartitionsDefinition(lambda t: ["a"]).build_delete_request(["a"])
