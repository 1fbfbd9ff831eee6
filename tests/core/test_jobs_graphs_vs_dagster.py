"""Side by side with real Dagster: op-based jobs (``@job``, ``graph.to_job()``,
``graph.execute_in_process()``), assets over ops and graphs (``AssetsDefinition.from_graph`` /
``from_op``) and the shapes user code reads from a job (nodes, graph, dependencies). The same
user code runs with each library; the tests compare real values."""

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402


def both(scenario):
    return scenario(dagster), scenario(dagster_nb)


def step_events(result):
    """(event type, step key) of the step events, the types both libraries emit."""
    kinds = {
        "STEP_START",
        "STEP_SUCCESS",
        "STEP_FAILURE",
        "STEP_SKIPPED",
        "STEP_OUTPUT",
        "LOADED_INPUT",
        "HANDLED_OUTPUT",
        "ASSET_MATERIALIZATION",
    }
    return [
        (e.event_type_value, e.step_key) for e in result.all_events if e.event_type_value in kinds
    ]


def chain_ops(dg):
    class Scale(dg.Config):
        factor: int = 10

    class Offset(dg.ConfigurableResource):
        amount: int

    @dg.op
    def one():
        return 1

    @dg.op
    def plus(x, offset: Offset):
        return x + offset.amount

    @dg.op
    def times(context, y, config: Scale):
        context.log.info("scaling")
        return y * config.factor

    return one, plus, times, Offset


def test_job_chain_with_config_resources_and_events():
    def scenario(dg):
        one, plus, times, Offset = chain_ops(dg)

        @dg.job(resource_defs={"offset": Offset(amount=2)})
        def chain():
            times(plus(one()))

        default = chain.execute_in_process()
        configured = chain.execute_in_process(
            run_config={"ops": {"times": {"config": {"factor": 3}}}}
        )
        return (
            default.success,
            default.output_for_node("times"),
            configured.output_for_node("times"),
            configured.output_for_node("plus"),
            default.dagster_run.job_name,
            step_events(default),
            sorted(n.name for n in chain.nodes),
            chain.graph.node_named("plus").definition.name,
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[1:4] == (30, 9, 3)


def test_job_run_is_stored_in_the_instance(tmp_path):
    def scenario(dg):
        one, plus, times, Offset = chain_ops(dg)

        @dg.job(resource_defs={"offset": Offset(amount=2)}, tags={"team": "bi"})
        def chain():
            times(plus(one()))

        instance = dg.DagsterInstance.ephemeral()
        result = chain.execute_in_process(instance=instance, tags={"run": "1"})
        run = instance.get_run_by_id(result.run_id)
        return run.job_name, run.status.value, run.tags.get("team"), run.tags.get("run")

    ours, theirs = both(scenario)
    assert ours == theirs == ("chain", "SUCCESS", "bi", "1")


def test_graph_execute_in_process_and_to_job():
    def scenario(dg):
        @dg.op
        def plus(x):
            return x + 1

        @dg.op
        def double(x):
            return 2 * x

        @dg.graph
        def inner(a):
            return double(plus(a))

        @dg.graph
        def outer(start):
            return plus(inner(start))

        r = outer.execute_in_process(input_values={"start": 4})
        job = outer.to_job(name="outer_job", input_values={"start": 1})
        rj = job.execute_in_process()
        return (
            r.output_value(),
            r.output_for_node("inner"),
            r.output_for_node("inner.plus"),
            r.output_for_node("plus"),
            sorted(s for _, s in step_events(r) if s),
            rj.output_value(),
            rj.dagster_run.job_name,
            job.name,
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[:4] == (11, 10, 5, 11)


def test_failure_skips_and_untouched_nodes():
    def scenario(dg):
        @dg.op
        def boom():
            raise ValueError("no")

        @dg.op
        def after(x):
            return x

        @dg.op(out={"maybe": dg.Out(is_required=False)})
        def optional():
            if False:
                yield dg.Output(1, "maybe")

        @dg.op
        def needs(x):
            return x

        @dg.op
        def fine():
            return "ok"

        @dg.job
        def mixed():
            after(boom())
            needs(optional())
            fine()

        r = mixed.execute_in_process(raise_on_error=False)
        status = {
            n: (
                r.is_node_success(n),
                r.is_node_failed(n),
                r.is_node_skipped(n),
                r.is_node_untouched(n),
            )
            for n in ["boom", "after", "optional", "needs", "fine"]
        }
        try:
            r.output_for_node("after")
            missing = None
        except dg.DagsterInvariantViolationError as e:
            missing = str(e)
        with pytest.raises(ValueError, match="no"):
            mixed.execute_in_process()
        return (
            r.success,
            status,
            sorted(e.step_key for e in r.get_step_skipped_events()),
            sorted(e.step_key for e in r.get_step_failure_events()),
            r.output_for_node("fine"),
            missing,
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[2] == ["needs"]


def test_multiple_outputs_fan_in_and_config_inputs():
    def scenario(dg):
        @dg.op(out={"low": dg.Out(), "high": dg.Out()})
        def split():
            return 1, 9

        @dg.op
        def total(values):
            return sum(values)

        @dg.op
        def add(a, b):
            return a + b

        @dg.op
        def loose(n: int):
            return n * 100

        @dg.job
        def fan():
            lo, hi = split()
            total([lo, hi, add(lo, hi)])
            loose()

        r = fan.execute_in_process(run_config={"ops": {"loose": {"inputs": {"n": 7}}}})
        return (
            r.output_for_node("split", "high"),
            r.output_for_node("total"),
            r.output_for_node("loose"),
        )

    ours, theirs = both(scenario)
    assert ours == theirs == (9, 20, 700)


def test_job_structure_user_code_reads():
    def scenario(dg):
        @dg.op
        def a():
            return 1

        @dg.op
        def b(x, y):
            return x + y

        @dg.job
        def j():
            v = a()
            b(v, a.alias("a2")())

        deps = {
            (inv.name, inv.alias): {k: (d.node, d.output) for k, d in ins.items()}
            for inv, ins in j.graph.dependencies.items()
        }
        nodes = sorted((n.name, n.definition.name) for n in j.graph.nodes)
        return (
            nodes,
            deps,
            isinstance(j, dg.JobDefinition),
            j.execute_in_process().output_for_node("b"),
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[1][("b", "b")] == {"x": ("a", "result"), "y": ("a2", "result")}


def test_op_selection():
    def scenario(dg):
        @dg.op
        def a():
            return 1

        @dg.op
        def b(x):
            return x + 1

        @dg.op
        def c(y):
            return y * 10

        @dg.job
        def j():
            c(b(a()))

        r = j.execute_in_process(op_selection=["*b"])
        return sorted(s for t, s in step_events(r) if t == "STEP_SUCCESS"), r.output_for_node("b")

    ours, theirs = both(scenario)
    assert ours == theirs == (["a", "b"], 2)


def test_assets_from_graph_and_op():
    def scenario(dg):
        @dg.asset
        def up():
            return 4

        @dg.op
        def plus(x):
            return x + 1

        @dg.op(out={"lo": dg.Out(), "hi": dg.Out()})
        def split(x):
            return x - 1, x + 1

        @dg.graph
        def via_graph(up):
            return plus(up)

        g_assets = dg.AssetsDefinition.from_graph(via_graph, group_name="g")
        o_assets = dg.AssetsDefinition.from_op(
            split, keys_by_input_name={"x": dg.AssetKey("via_graph")}, key_prefix="p"
        )
        r = dg.materialize_to_memory([up, g_assets, o_assets])
        shapes = [
            (
                dict(ad.keys_by_input_name),
                dict(ad.keys_by_output_name),
                sorted(ad.group_names_by_key.values()),
            )
            for ad in (g_assets, o_assets)
        ]
        return (
            shapes,
            r.asset_value("via_graph"),
            r.asset_value(["p", "lo"]),
            r.asset_value(["p", "hi"]),
            sorted(e.asset_key.to_user_string() for e in r.get_asset_materialization_events()),
        )

    ours, theirs = both(scenario)
    assert repr(ours[0]) == repr(theirs[0])
    assert ours[1:] == theirs[1:]
    assert theirs[1:4] == (5, 4, 6)


def two_assets(dg):
    @dg.asset
    def a():
        return 1

    @dg.asset
    def b(a):
        return a + 1

    return a, b


def test_asset_job_nodes_graph_and_repository():
    def scenario(dg):
        a, b = two_assets(dg)

        @dg.op
        def o():
            return 1

        @dg.job
        def op_job():
            o()

        sched = dg.ScheduleDefinition(
            job=dg.define_asset_job("sched_job", selection="a"), cron_schedule="@daily"
        )
        defs = dg.Definitions(
            assets=[a, b],
            jobs=[op_job, dg.define_asset_job("aj", selection=[a, b])],
            schedules=[sched],
        )
        job = defs.resolve_job_def("aj")
        deps = {
            (inv.name, inv.alias): {k: (d.node, d.output) for k, d in ins.items()}
            for inv, ins in job.graph.dependencies.items()
        }
        repo = defs.get_repository_def()
        return (
            sorted(n.name for n in job.nodes),
            sorted(n.name for n in job.graph.nodes),
            type(job.graph.node_named("b").definition).__name__,
            deps,
            sorted(repo.job_names),
            sorted(j.name for j in repo.get_all_jobs()),
            repo.has_job("sched_job"),
            repo.get_job("aj").name,
            sorted(k.to_user_string() for k in repo.assets_defs_by_key),
            repo.get_job("op_job").execute_in_process().output_for_node("o"),
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[4] == ["__ASSET_JOB", "aj", "op_job", "sched_job"]


def test_selection_resolves_against_a_list_of_assets():
    def scenario(dg):
        a, b = two_assets(dg)
        return (
            sorted(
                k.to_user_string() for k in dg.AssetSelection.keys("b").upstream().resolve([a, b])
            ),
            sorted(
                k.to_user_string() for k in dg.AssetSelection.keys("a").downstream().resolve((a, b))
            ),
        )

    ours, theirs = both(scenario)
    assert ours == theirs == (["a", "b"], ["a", "b"])


def test_jobs_held_by_schedules_and_sensors_are_part_of_definitions():
    def scenario(dg):
        a, b = two_assets(dg)

        @dg.op
        def o():
            return 7

        @dg.job
        def op_job():
            o()

        @dg.schedule(target=[a], cron_schedule="@daily")
        def on_assets(context):
            return dg.RunRequest()

        by_selection = dg.ScheduleDefinition(
            name="by_selection", target=dg.AssetSelection.keys("b"), cron_schedule="@daily"
        )

        @dg.sensor(target=b)
        def one_asset(context):
            return None

        @dg.sensor(jobs=[op_job, dg.define_asset_job("x", selection="a")])
        def several(context):
            return None

        @dg.schedule(
            job=dg.define_asset_job("from_decorator", selection="b"), cron_schedule="@hourly"
        )
        def decorated(context):
            return dg.RunRequest()

        defs = dg.Definitions(
            assets=[a, b],
            schedules=[on_assets, by_selection, decorated],
            sensors=[one_asset, several],
        )
        names = [on_assets.job_name, by_selection.job_name, one_asset.job_name]
        resolved = {
            n: defs.resolve_job_def(n).name for n in [*names, "x", "op_job", "from_decorator"]
        }
        ran = defs.resolve_job_def(on_assets.job_name).execute_in_process(
            instance=dg.DagsterInstance.ephemeral()
        )
        try:
            dg.Definitions(
                jobs=[op_job],
                schedules=[
                    dg.ScheduleDefinition(job=dg.define_asset_job("op_job"), cron_schedule="@daily")
                ],
            ).get_repository_def()
            dup = None
        except dg.DagsterInvalidDefinitionError:
            dup = "DagsterInvalidDefinitionError"
        return (
            names,
            resolved,
            sorted(defs.get_repository_def().job_names),
            sorted(e.asset_key.to_user_string() for e in ran.get_asset_materialization_events()),
            defs.resolve_job_def("op_job").execute_in_process().output_for_node("o"),
            dup,
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[0] == [
        "__anonymous_asset_job_on_assets",
        "__anonymous_asset_job_by_selection",
        "__anonymous_asset_job_one_asset",
    ]


def test_subsettable_graph_multi_asset():
    def scenario(dg):
        seen = []

        @dg.asset
        def up():
            return 5

        @dg.op(out={"o1": dg.Out(is_required=False), "o2": dg.Out(is_required=False)})
        def split(context, x):
            seen.append(sorted(context.selected_output_names))
            if "o1" in context.selected_output_names:
                yield dg.Output(x, "o1")
            if "o2" in context.selected_output_names:
                yield dg.Output(x * 2, "o2")

        @dg.op
        def plus(x):
            seen.append("plus")
            return x + 1

        @dg.op
        def times(x):
            seen.append("times")
            return x * 10

        @dg.graph_multi_asset(outs={"a": dg.AssetOut(), "b": dg.AssetOut()}, can_subset=True)
        def pair(up):
            p, q = split(up)
            return {"a": plus(p), "b": times(q)}

        instance = dg.DagsterInstance.ephemeral()
        out = []
        for sel in [None, ["b"], ["a"]]:
            r = dg.materialize([up, pair], selection=sel, instance=instance)
            out.append(
                (
                    sorted(
                        e.asset_key.to_user_string() for e in r.get_asset_materialization_events()
                    ),
                    {
                        k: r.asset_value(k)
                        for k in ("a", "b")
                        if dg.AssetKey(k)
                        in {e.asset_key for e in r.get_asset_materialization_events()}
                    },
                )
            )
        return out, seen

    ours, theirs = both(scenario)
    assert ours == theirs
    assert theirs[0] == [
        (["a", "b", "up"], {"a": 6, "b": 100}),
        (["b"], {"b": 100}),
        (["a"], {"a": 6}),
    ]


def test_hooks_on_jobs():
    def scenario(dg):
        seen = []

        @dg.success_hook
        def ok(context):
            seen.append(
                (
                    "ok",
                    context.step_key,
                    context.op.name,
                    context.job_name,
                    sorted(context.op_output_values.items()),
                )
            )

        @dg.failure_hook(required_resource_keys={"r"})
        def bad(context):
            seen.append(
                ("bad", context.step_key, type(context.op_exception).__name__, context.resources.r)
            )

        @dg.success_hook
        def broken(context):
            raise RuntimeError("hook bug")

        @dg.op
        def a():
            return 1

        @dg.op
        def b(x):
            raise ValueError("no")

        @dg.job(
            hooks={ok, bad, broken},
            resource_defs={"r": dg.ResourceDefinition.hardcoded_resource("R")},
        )
        def hooked():
            b(a())

        r = hooked.execute_in_process(raise_on_error=False)
        events = sorted(
            (e.event_type_value, e.step_key) for e in r.all_events if "HOOK" in e.event_type_value
        )
        return (
            sorted(seen, key=str),
            events,
            r.is_node_success("a"),
            sorted(h.name for h in hooked.hook_defs),
        )

    ours, theirs = both(scenario)
    assert ours == theirs
    assert ("HOOK_ERRORED", "a") in theirs[1]


def test_graph_and_op_parameters():
    def scenario(dg):
        @dg.op(pool="db", tags={"k": "v"})
        def one():
            return 1

        @dg.op
        def two():
            return 2

        @dg.op
        def plus(n):
            return n + 2

        @dg.graph(out={"x": dg.GraphOut(), "y": dg.GraphOut()}, tags={"t": "v"})
        def pair_dict():
            return {"x": one(), "y": two()}

        @dg.graph(
            out={"x": dg.GraphOut(), "y": dg.GraphOut()}, ins={"n": dg.GraphIn(description="n")}
        )
        def pair_tuple(n):
            return one(), plus(n)

        r1 = pair_dict.execute_in_process()
        r2 = pair_tuple.execute_in_process(input_values={"n": 0})
        return (
            one.pool,
            one.tags,
            pair_dict.tags,
            (r1.output_value("x"), r1.output_value("y")),
            r2.output_value("y"),
        )

    ours, theirs = both(scenario)
    assert ours == theirs == ("db", {"k": "v"}, {"t": "v"}, (1, 2), 2)


def test_asset_job_op_retry_policy():
    def scenario(dg):
        calls = []

        @dg.asset
        def flaky():
            calls.append(1)
            if len(calls) < 3:
                raise ValueError("not yet")
            return 1

        job = dg.define_asset_job("retrying", op_retry_policy=dg.RetryPolicy(max_retries=3))
        r = (
            dg.Definitions(assets=[flaky], jobs=[job])
            .resolve_job_def("retrying")
            .execute_in_process()
        )
        return r.success, len(calls)

    ours, theirs = both(scenario)
    assert ours == theirs == (True, 3)


@pytest.mark.parametrize(
    "make",
    [
        lambda dg: dg.graph(
            config=dg.ConfigMapping(lambda c: {}, receive_processed_config_values=False)
        ),
        lambda dg: dg.graph(input_defs=[]),
        lambda dg: dg.define_asset_job("j", hooks={dg.success_hook(lambda c: None)}),
        lambda dg: dg.job(name="x", partitions_def=dg.StaticPartitionsDefinition(["a"]))(
            lambda: None
        ),
        lambda dg: dg.job(name="x", logger_defs={"x": object()})(lambda: None),
        lambda dg: dg.job(name="x", executor_def=object())(lambda: None),
    ],
)
def test_unsupported_parameters_refuse_clearly(make):
    with pytest.raises(
        dagster_nb.DagsterInvalidDefinitionError,
        match="not supported yet|must be an ExecutorDefinition",
    ):
        make(dagster_nb)


def test_unconnected_input_loaded_by_its_input_manager():
    """An op input wired to nothing but given ``In(input_manager_key=...)`` is loaded by that
    input manager (no upstream output), ahead of the run config's value and the default."""

    def scenario(dg):
        seen = []

        @dg.input_manager
        def constant_table(context):
            seen.append((context.name, context.op_def.name, context.upstream_output))
            return ["row-1", "row-2"]

        @dg.op(ins={"rows": dg.In(input_manager_key="table_loader", default_value=[0])})
        def count_rows(rows):
            return len(rows)

        @dg.job(resource_defs={"table_loader": constant_table})
        def count_job():
            count_rows()

        plain = count_job.execute_in_process()
        with_cfg = count_job.execute_in_process(
            run_config={"ops": {"count_rows": {"inputs": {"rows": [1, 2, 3]}}}}
        )
        loaded = [e.message for e in plain.all_events if e.event_type_value == "LOADED_INPUT"]
        return (
            plain.output_for_node("count_rows"),
            with_cfg.output_for_node("count_rows"),
            seen,
            loaded,
        )

    ours, theirs = both(scenario)[::-1]
    assert (
        ours
        == theirs
        == (
            2,
            2,
            [("rows", "count_rows", None)] * 2,
            ['Loaded input "rows" using input manager "table_loader"'],
        )
    )


def test_graph_config_dict_sets_its_ops_config():
    """``@graph(config={...})`` fixes the config of the graph's ops: used by a job holding the
    graph, by ``graph.execute_in_process`` and ``to_job``; run config for those ops is refused."""

    def scenario(dg):
        class AddN(dg.Config):
            n: float

        @dg.op
        def add_n(config: AddN, number):
            return number + config.n

        @dg.op(config_schema={"m": float})
        def mul_m(context, number):
            return number * context.op_config["m"]

        @dg.graph(config={"add_n": {"config": {"n": 2}}, "mul_m": {"config": {"m": 10}}})
        def affine(number):
            return mul_m(add_n(number))

        @dg.graph
        def outer(number):
            return affine(number)

        @dg.op
        def one():
            return 1

        @dg.job
        def uses_affine():
            affine(one())

        @dg.job
        def nested():
            outer(one())

        errors = []
        for run in (
            lambda: uses_affine.execute_in_process(
                run_config={"ops": {"affine": {"ops": {"add_n": {"config": {"n": 5}}}}}}
            ),
            lambda: affine.execute_in_process(
                input_values={"number": 1}, run_config={"ops": {"add_n": {"config": {"n": 5}}}}
            ),
        ):
            try:
                run()
            except dg.DagsterInvalidConfigError as exc:
                errors.append(type(exc).__name__)
        return (
            uses_affine.execute_in_process().output_for_node("affine"),
            nested.execute_in_process().output_for_node("outer"),
            affine.execute_in_process(input_values={"number": 1}).output_value(),
            affine.to_job().execute_in_process(input_values={"number": 3}).output_value(),
            errors,
        )

    ours, theirs = both(scenario)[::-1]
    assert ours == theirs == (30.0, 30.0, 30.0, 50.0, ["DagsterInvalidConfigError"] * 2)


def test_validate_run_config_resolves_defaults_and_rejects_bad_config():
    def scenario(dg):
        class FileConfig(dg.Config):
            filename: str
            retries: int = 3

        class Offset(dg.ConfigurableResource):
            amount: int
            unit: str = "x"

        @dg.resource
        def unused():
            return 1

        @dg.op
        def process_file(config: FileConfig):
            return config.filename

        @dg.op
        def plus(x, offset: Offset):
            return x + offset.amount

        @dg.op(config_schema={"m": float})
        def mul(context, y):
            return y * context.op_config["m"]

        @dg.graph
        def sub(x):
            return mul(plus(x))

        @dg.op
        def take(z):
            return z

        @dg.job(resource_defs={"offset": Offset(amount=2), "unused": unused})
        def files():
            sub(process_file())
            take()

        good = {
            "ops": {
                "process_file": {"config": {"filename": "a.csv"}},
                "sub": {"ops": {"mul": {"config": {"m": 2}}}},
                "take": {"inputs": {"z": {"value": 3}}},
            }
        }
        resolved = [
            dg.validate_run_config(files, good),
            dg.validate_run_config(files, {**good, "execution": {"config": {"in_process": {}}}}),
            dg.validate_run_config(
                files.graph.to_job(
                    name="solo",
                    executor_def=dg.in_process_executor,
                    resource_defs={"offset": Offset(amount=1)},
                ),
                good,
            ),
            dg.validate_run_config(
                files.graph.to_job(
                    name="multi",
                    executor_def=dg.multiprocess_executor,
                    resource_defs={"offset": Offset(amount=1)},
                ),
                good,
            ),
            dg.validate_run_config(
                files,
                dg.RunConfig(
                    ops={
                        "process_file": FileConfig(filename="b.csv"),
                        "sub": {"ops": {"mul": {"config": {"m": 1.5}}}},
                        "take": {"inputs": {"z": {"value": 4}}},
                    }
                ),
            ),
        ]
        bad = [
            {"ops": {"process_file": {"config": {"filenam": "a.csv"}}}},  # typo
            {"ops": {"sub": {"ops": {"mul": {"config": {"m": "x"}}}}}},  # wrong type
            {"ops": {}},  # required config missing
            {"opz": {}},  # unknown root entry
            {"ops": {k: v for k, v in good["ops"].items() if k != "take"}},  # unconnected input
        ]
        errors = []
        for cfg in bad:
            try:
                dg.validate_run_config(files, cfg)
                errors.append(None)
            except dg.DagsterInvalidConfigError as exc:
                errors.append(type(exc).__name__)
        return resolved, errors

    ours, theirs = both(scenario)[::-1]
    assert ours == theirs
    assert theirs[0][0]["ops"]["process_file"] == {
        "config": {"filename": "a.csv", "retries": 3},
        "inputs": {},
        "outputs": None,
    }
    assert theirs[1] == ["DagsterInvalidConfigError"] * 5


def test_graph_config_mapping_maps_graph_config_to_ops_config():
    def scenario(dg):
        class AddN(dg.Config):
            n: float

        @dg.op
        def add_n(config: AddN, number):
            return number + config.n

        @dg.op(config_schema={"m": float})
        def mul_m(context, number):
            return number * context.op_config["m"]

        @dg.op
        def one():
            return 1

        def to_ops(c):
            return {"add_n": {"config": {"n": c["n"]}}, "mul_m": {"config": {"m": c["n"] * 2}}}

        @dg.graph(config=dg.ConfigMapping(config_fn=to_ops, config_schema={"n": float}))
        def affine(number):
            return mul_m(add_n(number))

        @dg.job
        def uses_affine():
            affine(one())

        def broken(c):
            raise ValueError("no")

        @dg.graph(config=dg.ConfigMapping(config_fn=broken))
        def bad(number):
            return add_n(number)

        @dg.job
        def uses_bad():
            bad(one())

        errors = []
        for run in (
            lambda: uses_affine.execute_in_process(),  # the graph's config is required
            lambda: uses_affine.execute_in_process(
                run_config={"ops": {"affine": {"config": {"n": "x"}}}}
            ),
            lambda: uses_affine.execute_in_process(
                run_config={"ops": {"affine": {"ops": {"add_n": {"config": {"n": 1}}}}}}
            ),
            lambda: uses_bad.execute_in_process(),
        ):
            try:
                run()
                errors.append(None)
            except (dg.DagsterInvalidConfigError, dg.DagsterConfigMappingFunctionError) as exc:
                errors.append(type(exc).__name__)
        given = {"ops": {"affine": {"config": {"n": 3}}}}
        stored = uses_affine.execute_in_process(run_config=given).dagster_run.run_config
        return (
            uses_affine.execute_in_process(
                run_config={"ops": {"affine": {"config": {"n": 3}}}}
            ).output_for_node("affine"),
            stored == given,
            affine.execute_in_process(
                input_values={"number": 2}, run_config={"ops": {"config": {"n": 1}}}
            ).output_value(),
            dg.validate_run_config(uses_affine, {"ops": {"affine": {"config": {"n": 3}}}})["ops"],
            errors,
        )

    ours, theirs = both(scenario)[::-1]
    assert ours == theirs
    assert theirs[:3] == (24.0, True, 6.0)
    assert theirs[4] == ["DagsterInvalidConfigError"] * 3 + ["DagsterConfigMappingFunctionError"]


def test_configured_graph_inside_an_asset_refuses_clearly():
    """Asset runs do not apply graph config mappings yet: refused, never silently ignored."""
    dg = dagster_nb

    @dg.op(config_schema={"m": float})
    def mul_m(context, number):
        return number * context.op_config["m"]

    @dg.graph(config={"mul_m": {"config": {"m": 10}}})
    def scaled(number):
        return mul_m(number)

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not supported yet"):
        dg.AssetsDefinition.from_graph(scaled)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not supported yet"):

        @dg.graph_asset
        def wrapped(up):
            return scaled(up)


def test_execute_in_process_keeps_op_outputs_in_memory():
    # Dagster's execute_in_process uses an in-memory IO manager unless the job names one, so an
    # op may return a value that cannot be pickled (a client, a mock).
    def scenario(dg):
        class Unpicklable:
            def __reduce__(self):
                raise TypeError("cannot pickle this")

        @dg.op
        def make():
            return Unpicklable()

        @dg.op
        def use(thing):
            return type(thing).__name__

        @dg.job
        def j():
            use(make())

        result = j.execute_in_process()
        handled = [
            e.event_type_value for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT"
        ]
        return result.success, result.output_for_node("use"), len(handled)

    assert both(scenario) == ((True, "Unpicklable", 2), (True, "Unpicklable", 2))


def test_io_managers_see_output_and_input_config_from_the_run_config():
    def scenario(dg):
        written, read = {}, []

        class TableIO(dg.IOManager):
            def handle_output(self, context, obj):
                written[context.config["table"]] = obj

            def load_input(self, context):
                return written[context.upstream_output.config["table"]]

        @dg.io_manager(output_config_schema={"table": str})
        def table_io(_):
            return TableIO()

        @dg.input_manager(input_config_schema={"name": str})
        def named_loader(context):
            read.append(context.config["name"])
            return f"rows of {context.config['name']}"

        @dg.op
        def produce():
            return [1, 2]

        @dg.op
        def consume(rows):
            return len(rows)

        @dg.op(ins={"source": dg.In(input_manager_key="loader")})
        def from_loader(source):
            return source

        @dg.job(resource_defs={"io_manager": table_io, "loader": named_loader})
        def j():
            consume(produce())
            from_loader()

        result = j.execute_in_process(
            run_config={
                "ops": {
                    "produce": {"outputs": {"result": {"table": "t_produce"}}},
                    "consume": {"outputs": {"result": {"table": "t_consume"}}},
                    "from_loader": {
                        "inputs": {"source": {"name": "events"}},
                        "outputs": {"result": {"table": "t_loaded"}},
                    },
                }
            }
        )
        return result.success, sorted(written.items()), read

    ours, theirs = both(scenario)
    assert ours == theirs
    assert ours == (
        True,
        [("t_consume", 2), ("t_loaded", "rows of events"), ("t_produce", [1, 2])],
        ["events"],
    )
