import json
import os
import pickle
import subprocess
import sys
import threading
import traceback

import pytest
from core_helpers import event_types

import dagster_nb as dg


def _chain():
    @dg.asset
    def a():
        return 1

    @dg.asset
    def b(a):
        return a + 1

    @dg.asset
    def c(b):
        return b * 10

    return a, b, c


# ---------------------------------------------------------------- materialize / result API


def test_materialize_selection_tags_and_result_methods(instance):
    a, b, c = _chain()
    res = dg.materialize([a, b, c], instance=instance, tags={"team": "data"})
    assert res.success
    assert isinstance(res, dg.ExecuteInProcessResult)
    assert res.output_for_node("c") == 20
    assert res.asset_value("c") == 20
    assert res.is_node_success("a") and res.is_node_success("c")
    assert not res.is_node_failed("a") and not res.is_node_skipped("a")
    assert [e.asset_key for e in res.get_asset_materialization_events()] == [
        dg.AssetKey("a"),
        dg.AssetKey("b"),
        dg.AssetKey("c"),
    ]
    mats = res.asset_materializations_for_node("b")
    assert len(mats) == 1 and mats[0].asset_key == dg.AssetKey("b")
    assert len(res.get_step_success_events()) == 3
    assert res.get_step_failure_events() == []
    assert res.get_asset_observation_events() == []
    run = instance.get_run_by_id(res.run_id)
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["team"] == "data"
    # selection: only c, b read from storage
    res2 = dg.materialize([a, b, c], instance=instance, selection=["c"])
    assert [e.asset_key for e in res2.get_asset_materialization_events()] == [dg.AssetKey("c")]
    assert res2.output_for_node("c") == 20
    with pytest.raises(dg.DagsterInvariantViolationError, match="b"):
        res2.output_for_node("b")


def test_selection_forms():
    a, b, c = _chain()
    assets = [a, b, c]
    res = dg.materialize_to_memory(assets, selection=dg.AssetSelection.assets("b").upstream())
    assert {e.asset_key.to_user_string() for e in res.get_asset_materialization_events()} == {
        "a",
        "b",
    }
    res = dg.materialize_to_memory(assets, selection="key:a or key:c", raise_on_error=False)
    # c's upstream b is not selected and in-memory storage has no value: load fails
    assert res.is_node_success("a")
    assert res.is_node_failed("c")


def test_missing_input_asset_is_a_definition_error():
    @dg.asset
    def down(upstrem):
        return upstrem

    @dg.asset
    def upstream():
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="upstrem") as exc:
        dg.materialize_to_memory([upstream, down])
    assert "upstream" in str(exc.value)  # did you mean


def test_output_for_node_unknown_suggests():
    a, b, c = _chain()
    res = dg.materialize_to_memory([a, b, c])
    with pytest.raises(dg.DagsterInvariantViolationError, match="Did you mean|did you mean"):
        res.output_for_node("bb")
    with pytest.raises(dg.DagsterInvariantViolationError):
        res.output_for_node("b", "nope")


def test_unknown_selection_key_suggests():
    a, b, c = _chain()
    with pytest.raises(dg.DagsterError, match="did you mean|Did you mean"):
        dg.materialize_to_memory([a, b, c], selection=["bb"])


def test_partition_key_and_context():
    pdef = dg.StaticPartitionsDefinition(["x", "y"])

    @dg.asset(partitions_def=pdef)
    def p(context: dg.AssetExecutionContext):
        assert context.has_partition_key
        return context.partition_key * 2

    res = dg.materialize_to_memory([p], partition_key="y")
    assert res.output_for_node("p") == "yy"
    assert res.get_asset_materialization_events()[0].partition == "y"
    with pytest.raises(dg.DagsterError):
        dg.materialize_to_memory([p], partition_key="nope")


def test_context_attributes(instance):
    seen = {}

    @dg.asset(key_prefix="k")
    def ctx(context: dg.AssetExecutionContext):
        context.log.info("hello from ctx")
        seen.update(
            run_id=context.run_id,
            key=context.asset_key,
            partitioned=context.has_partition_key,
            selected=context.selected_asset_keys,
            instance=context.instance,
        )
        context.add_output_metadata({"m": 1})
        return 1

    res = dg.materialize([ctx], instance=instance)
    assert seen["run_id"] == res.run_id
    assert seen["key"] == dg.AssetKey(["k", "ctx"])
    assert seen["partitioned"] is False
    assert seen["selected"] == {dg.AssetKey(["k", "ctx"])}
    assert seen["instance"] is instance
    logs = [
        e
        for e in res.all_events
        if e.event_type_value == "LOGS" or "hello from ctx" in (e.message or "")
    ]
    assert any("hello from ctx" in (e.message or "") for e in logs)
    assert res.get_asset_materialization_events()[0].materialization.metadata["m"].value == 1


# ---------------------------------------------------------------- failures


def test_failure_downstream_untouched_independent_branch_finishes(instance):
    @dg.asset
    def ok():
        return 1

    @dg.asset
    def boom(ok):
        raise ValueError("broken on purpose")

    @dg.asset
    def after(boom):
        return 2

    @dg.asset
    def independent():
        return 3

    res = dg.materialize([ok, boom, after, independent], instance=instance, raise_on_error=False)
    assert not res.success
    assert res.is_node_success("ok")
    assert res.is_node_failed("boom")
    assert res.is_node_untouched("after")
    assert res.is_node_success("independent")
    assert res.output_for_node("independent") == 3
    fails = res.get_step_failure_events()
    assert [e.step_key for e in fails] == ["boom"]
    assert fails[0].error.cls_name == "DagsterExecutionStepExecutionError"
    assert "broken on purpose" in str(fails[0].error.cause) if fails[0].error.cause else True
    assert res.get_failed_step_keys() == {"boom"}
    assert res.dagster_run_status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(res.run_id).status == dg.DagsterRunStatus.FAILURE
    assert res.get_job_failure_event().event_type_value == "PIPELINE_FAILURE"


def test_raise_on_error_raises_user_exception_after_run_recorded(instance):
    class MyError(Exception):
        pass

    @dg.asset
    def bad():
        raise MyError("the user's own error")

    with pytest.raises(MyError, match="the user's own error") as exc:
        dg.materialize([bad], instance=instance)
    tb = "".join(traceback.format_exception(exc.value))
    assert 'raise MyError("the user\'s own error")' in tb
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.FAILURE


def test_skipped_when_optional_output_not_produced():
    @dg.multi_asset(outs={"maybe": dg.AssetOut(is_required=False)})
    def maybe():
        if False:
            yield dg.Output(1, output_name="maybe")

    @dg.asset
    def child(maybe):
        return maybe

    res = dg.materialize_to_memory([maybe, child])
    assert res.success
    assert res.is_node_success("maybe")
    assert res.is_node_skipped("child")


def test_retry_policy_retries_then_succeeds():
    calls = []

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
    def flaky(context: dg.AssetExecutionContext):
        calls.append(context.retry_number)
        if len(calls) < 3:
            raise RuntimeError("transient")
        return "ok"

    res = dg.materialize_to_memory([flaky])
    assert res.output_for_node("flaky") == "ok"
    assert calls == [0, 1, 2]
    types = event_types(res, {"STEP_START", "STEP_UP_FOR_RETRY", "STEP_RESTARTED", "STEP_SUCCESS"})
    assert types == [
        "STEP_START",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_SUCCESS",
    ]


def test_retry_policy_exhausted_fails():
    calls = []

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
    def always(context):
        calls.append(1)
        raise RuntimeError("nope")

    res = dg.materialize_to_memory([always], raise_on_error=False)
    assert len(calls) == 2
    assert res.is_node_failed("always")


# ---------------------------------------------------------------- concurrency


def _diamond(sleep=0.0):
    import time

    made = []
    assets = []

    @dg.asset
    def src():
        return 1

    assets.append(src)

    def make_mid(i):
        @dg.asset(name=f"mid{i}")
        def mid(src):
            time.sleep(sleep)
            made.append(threading.current_thread().name)
            return src + i

        return mid

    assets.extend(make_mid(i) for i in range(8))

    @dg.asset
    def sink(mid0, mid1, mid2, mid3, mid4, mid5, mid6, mid7):
        return mid0 + mid1 + mid2 + mid3 + mid4 + mid5 + mid6 + mid7

    assets.append(sink)
    return assets, made


def test_max_concurrent_identical_results():
    assets, _ = _diamond()
    serial = dg.materialize_to_memory(assets)
    assets2, made = _diamond(sleep=0.01)
    par = dg.materialize_to_memory(assets2, max_concurrent=4)
    assert par.success and serial.success
    assert par.output_for_node("sink") == serial.output_for_node("sink") == 8 + sum(range(8))
    assert sorted(
        e.asset_key.to_user_string() for e in par.get_asset_materialization_events()
    ) == sorted(e.asset_key.to_user_string() for e in serial.get_asset_materialization_events())
    assert any(n.startswith("dagster_nb-step") for n in made)


def test_max_concurrent_failure_semantics():
    @dg.asset
    def a():
        raise ValueError("x")

    @dg.asset
    def b(a):
        return 1

    @dg.asset
    def c():
        return 2

    res = dg.materialize_to_memory([a, b, c], max_concurrent=3, raise_on_error=False)
    assert res.is_node_failed("a") and res.is_node_untouched("b") and res.is_node_success("c")


# ---------------------------------------------------------------- Ctrl-C


def test_keyboard_interrupt_cancels_run_and_next_run_works(instance):
    state = {"interrupt": True}

    @dg.asset
    def first():
        return 1

    @dg.asset
    def second(first):
        if state["interrupt"]:
            raise KeyboardInterrupt
        return first + 1

    @dg.asset
    def third(second):
        return second + 1

    with pytest.raises(KeyboardInterrupt):
        dg.materialize([first, second, third], instance=instance)
    runs = instance.get_runs()
    assert len(runs) == 1
    assert runs[0].status == dg.DagsterRunStatus.CANCELED
    storage = instance.storage_directory()
    assert os.path.exists(os.path.join(storage, "first"))
    assert not os.path.exists(os.path.join(storage, "second"))
    assert not os.path.exists(os.path.join(storage, "third"))
    leftovers = [f for f in os.listdir(storage) if f not in ("first",)]
    assert leftovers == []  # no half-written temp file
    state["interrupt"] = False
    res = dg.materialize([first, second, third], instance=instance)
    assert res.success and res.output_for_node("third") == 3


def test_keyboard_interrupt_with_threads_is_canceled(instance):
    @dg.asset
    def x():
        raise KeyboardInterrupt

    @dg.asset
    def y():
        return 1

    with pytest.raises(KeyboardInterrupt):
        dg.materialize_to_memory([x, y], instance=instance, max_concurrent=2)
    assert instance.get_runs()[0].status == dg.DagsterRunStatus.CANCELED


def test_interrupt_during_handle_output_leaves_no_partial_file(instance):
    class Boom:
        def __reduce__(self):
            raise KeyboardInterrupt

    @dg.asset
    def big():
        return [1, Boom()]

    with pytest.raises(KeyboardInterrupt):
        dg.materialize([big], instance=instance)
    assert (
        os.listdir(instance.storage_directory()) == []
        if os.path.isdir(instance.storage_directory())
        else True
    )


# ---------------------------------------------------------------- events


def test_event_stream_order_and_listeners():
    a, b, c = _chain()
    got = []
    res = dg.materialize_to_memory([a, b], listeners=[got.append])
    types = event_types(res)
    assert types[0] == "PIPELINE_START" and types[-1] == "PIPELINE_SUCCESS"
    core = event_types(
        res,
        {
            "STEP_START",
            "LOADED_INPUT",
            "STEP_OUTPUT",
            "ASSET_MATERIALIZATION",
            "HANDLED_OUTPUT",
            "STEP_SUCCESS",
        },
    )
    assert core == [
        "STEP_START",
        "STEP_OUTPUT",
        "ASSET_MATERIALIZATION",
        "HANDLED_OUTPUT",
        "STEP_SUCCESS",
        "STEP_START",
        "LOADED_INPUT",
        "STEP_OUTPUT",
        "ASSET_MATERIALIZATION",
        "HANDLED_OUTPUT",
        "STEP_SUCCESS",
    ]
    # listeners also see the planned materializations, which (as in Dagster) the result omits
    assert [
        e.event_type_value for e in got if e.event_type_value != "ASSET_MATERIALIZATION_PLANNED"
    ] == types
    assert all(e.run_id == res.run_id for e in got)
    ev = got[0]
    with pytest.raises(Exception):
        ev.run_id = "x"  # frozen


def test_broken_listener_does_not_break_run(capsys):
    a, b, c = _chain()

    def bad(_):
        raise RuntimeError("listener bug")

    res = dg.materialize_to_memory([a], listeners=[bad])
    assert res.success


# ---------------------------------------------------------------- direct invocation


def test_build_asset_context_direct_invocation():
    class Res(dg.ConfigurableResource):
        v: int

    @dg.asset
    def uses(context: dg.AssetExecutionContext, res: Res):
        context.log.info("direct")
        return res.v + 1

    assert uses(dg.build_asset_context(), res=Res(v=1)) == 2
    ctx = dg.build_asset_context(resources={"res": Res(v=5)})
    assert uses(ctx) == 6

    pdef = dg.StaticPartitionsDefinition(["a"])

    @dg.asset(partitions_def=pdef)
    def part(context):
        return context.partition_key

    assert part(dg.build_asset_context(partition_key="a")) == "a"

    @dg.asset
    def plain(x):
        return x * 3

    assert plain(4) == 12
    assert plain(x=5) == 15


def test_direct_invocation_with_config():
    class C(dg.Config):
        n: int = 1

    @dg.asset
    def cfg(config: C):
        return config.n

    assert cfg(C(n=4)) == 4
    assert cfg(config=C(n=2)) == 2

    @dg.asset
    def cfg_ctx(context, config: C):
        return config.n

    assert cfg_ctx(dg.build_asset_context(), C(n=3)) == 3


def test_direct_invocation_missing_context_is_an_error():
    @dg.asset
    def needs_ctx(context):
        return 1

    assert needs_ctx(dg.build_asset_context()) == 1
    with pytest.raises(dg.DagsterInvalidInvocationError):
        needs_ctx()


# ---------------------------------------------------------------- imports


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, dagster_nb\n"
        "bad = [m for m in ('IPython', 'ipywidgets', 'pandas', 'graphviz', 'dbt', 'dagster', 'pydantic', 'sqlite3') "
        "if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pure_layers_do_not_load_sqlite_or_ui():
    code = (
        "import sys\n"
        "import dagster_nb as dg\n"
        "@dg.asset\n"
        "def a(): return 1\n"
        "dg.Definitions(assets=[a])\n"
        "dg.AssetSelection.assets('a')\n"
        "dg.DailyPartitionsDefinition(start_date='2024-01-01')\n"
        "bad = [m for m in ('sqlite3', 'IPython', 'ipywidgets', 'pandas', 'graphviz', 'dagster') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_materialize_to_memory_does_not_need_sqlite():
    code = (
        "import sys\n"
        "import dagster_nb as dg\n"
        "@dg.asset\n"
        "def a(): return 1\n"
        "assert dg.materialize_to_memory([a]).output_for_node('a') == 1\n"
        "print([m for m in ('IPython', 'ipywidgets', 'pandas', 'dagster') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_of_given_assets_does_not_load_the_selection_layer():
    # cold start: the selection grammar and algebra (~27 record classes) load only when a
    # selection is given
    code = (
        "import sys\n"
        "import dagster_nb as dg\n"
        "@dg.asset\n"
        "def a(): return 1\n"
        "@dg.asset\n"
        "def b(a): return a + 1\n"
        "assert dg.materialize_to_memory([a, b]).output_for_node('b') == 2\n"
        "print('dagster_nb._selection.asset_selection' in sys.modules)\n"
        "assert dg.materialize_to_memory([a, b], selection='key:a').output_for_node('a') == 1\n"
        "print('dagster_nb._selection.asset_selection' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_unknown_public_name_suggests():
    with pytest.raises(AttributeError, match="materialize"):
        dg.materialise  # noqa: B018


def test_pickled_value_round_trip(instance):
    @dg.asset
    def obj():
        return {"nested": [1, (2, 3)]}

    dg.materialize([obj], instance=instance)
    with open(os.path.join(instance.storage_directory(), "obj"), "rb") as f:
        assert pickle.load(f) == {"nested": [1, (2, 3)]}


def test_plans_are_reused_per_selection_and_runs_stay_correct():
    from dagster_nb._execution.plan import build_plan

    @dg.asset
    def up():
        return 1

    @dg.asset
    def down(up):
        return up + 1

    resolved = dg.Definitions(assets=[up, down]).resolved
    both = build_plan(resolved, [up.key, down.key])
    assert build_plan(resolved, {down.key, up.key}) is both  # same selection: same plan
    only_down = build_plan(resolved, [down.key])
    assert only_down is not both and [s.key for s in only_down.steps] == ["down"]
    assert [s.key for s in both.steps] == ["up", "down"]
    # materializing the same list repeatedly (which reuses plans) gives fresh results each time
    for _ in range(3):
        res = dg.materialize_to_memory([up, down])
        assert res.output_for_node("down") == 2
    assert dg.materialize_to_memory([up, down], selection=[up]).output_for_node("up") == 1


COLD_RUN = """
import dataclasses, json, sys
made = []
_process = dataclasses._process_class
def _count(cls, *a, **k):
    if cls.__module__.startswith("dagster_nb"):
        made.append(cls.__module__ + "." + cls.__qualname__)
    return _process(cls, *a, **k)
dataclasses._process_class = _count
import dagster_nb as dg

@dg.asset
def numbers():
    return [1, 2, 3]

@dg.asset
def total(numbers):
    return sum(numbers)

assert dg.materialize_to_memory([numbers, total]).output_for_node("total") == 6
print(json.dumps({"modules": sorted(sys.modules), "records": made}))
"""


def test_a_first_run_loads_only_what_it_uses():
    """Issue 11's cold start: the first run of plain assets in a fresh process imports no
    pydantic and none of the modules a plain run does not use, and creates only the record
    classes it needs (each costs a fresh process ~0.4 ms)."""
    out = subprocess.run(
        [sys.executable, "-c", COLD_RUN], capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    not_needed = [
        "pydantic",
        "uuid",
        "socket",
        "tempfile",
        "shutil",
        "concurrent.futures",
        "logging",
        "difflib",
        "sqlite3",
        "dagster_nb._definitions.config",
        "dagster_nb._definitions.configurable",
        "dagster_nb._definitions.metadata_values",
        "dagster_nb._definitions.graph",
        "dagster_nb._event_data",
        "dagster_nb._storage.queries",
        "dagster_nb._selection",
        "dagster_nb._partitions.mapping",
    ]
    assert [m for m in not_needed if m in seen["modules"]] == []
    # 28 today (specs, op signature, results, plan, events, run records); a new record class on
    # this path should be a choice, not an accident.
    assert len(seen["records"]) <= 30, seen["records"]


def test_pydantic_classes_still_work_when_named_after_a_run():
    """The classes that moved behind lazy imports are the same objects through every path."""
    code = (
        "import dagster_nb as dg\n"
        "@dg.asset\n"
        "def a(): return 1\n"
        "dg.materialize_to_memory([a])\n"
        "from dagster_nb._definitions.resources import ConfigurableResource as R1\n"
        "from dagster_nb._definitions.io_manager import ConfigurableIOManager as I1\n"
        "from dagster_nb._storage.fs_io_manager import FilesystemIOManager as F1\n"
        "from dagster_nb._definitions.metadata import TextMetadataValue as T1\n"
        "from dagster_nb._events import SerializableErrorInfo as S1\n"
        "from dagster_nb._storage.records import RunsFilter as Q1\n"
        "from dagster_nb._definitions.op import GraphDefinition as G1\n"
        "assert (R1, I1, F1, T1, S1, Q1, G1) == (dg.ConfigurableResource, dg.ConfigurableIOManager,"
        " dg.FilesystemIOManager, dg.TextMetadataValue, S1, dg.RunsFilter, dg.GraphDefinition)\n"
        "class C(dg.ConfigurableResource):\n"
        "    n: int = 2\n"
        "@dg.asset\n"
        "def b(c: C): return c.n\n"
        "assert dg.materialize_to_memory([b], resources={'c': C()}).output_for_node('b') == 2\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
