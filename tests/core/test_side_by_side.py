"""The same user code run with ``import dagster as dg`` and ``import dagster_nb as dg``.

Each scenario is written once against the ``dg`` fixture and its observable outcome (values,
node outcomes, event-type sequences restricted to the events both emit, metadata, error class
names) is compared between the two libraries.
"""

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402

# Events both libraries emit, in the same order. (Dagster adds ENGINE_EVENT, RESOURCE_INIT_*,
# LOGS_CAPTURED, STEP_INPUT...; ours adds ASSET_MATERIALIZATION_PLANNED per asset up front
# and ASSET_FAILED_TO_MATERIALIZE.)
CORE_EVENTS = {
    "PIPELINE_START",
    "PIPELINE_SUCCESS",
    "PIPELINE_FAILURE",
    "STEP_START",
    "STEP_OUTPUT",
    "ASSET_MATERIALIZATION",
    "HANDLED_OUTPUT",
    "LOADED_INPUT",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_UP_FOR_RETRY",
    "STEP_RESTARTED",
    "ASSET_OBSERVATION",
}


def run_both(scenario):
    """Run ``scenario(dg)`` with each library; returns (dagster's, ours)."""
    return scenario(dagster), scenario(dagster_nb)


def core_types(result, step=None):
    return [
        e.event_type_value
        for e in result.all_events
        if e.event_type_value in CORE_EVENTS and (step is None or e.step_key == step)
    ]


def outcomes(result, nodes):
    out = {}
    for n in nodes:
        for pred in ("success", "failed", "skipped", "untouched"):
            if getattr(result, f"is_node_{pred}")(n):
                out[n] = pred
                break
    return out


def meta_values(md):
    out = {k: (type(v).__name__, getattr(v, "value", None)) for k, v in md.items()}
    if "path" in out and out["path"][0] == "PathMetadataValue":  # temp dirs differ
        out["path"] = ("PathMetadataValue", "/".join(str(out["path"][1]).split("/")[-2:]))
    return out


def err_name(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


# --------------------------------------------------------------------------- scenarios


def test_chain_values_and_events():
    def scenario(dg):
        @dg.asset
        def a():
            return 1

        @dg.asset(key_prefix="p")
        def b(a):
            return a + 1

        @dg.asset(ins={"up": dg.AssetIn(key=["p", "b"])})
        def c(up):
            return up * 10

        r = dg.materialize_to_memory([a, b, c])
        return (
            r.success,
            r.output_for_node("c"),
            r.asset_value(["p", "b"]),
            [e.asset_key.path for e in r.get_asset_materialization_events()],
            core_types(r),
            outcomes(r, ["a", "p__b", "c"]),
            # which events carry an asset key (STEP_OUTPUT does not, in Dagster)
            sorted(
                {
                    e.event_type_value
                    for e in r.all_events
                    if e.event_type_value in CORE_EVENTS and e.asset_key is not None
                }
            ),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_failure_semantics():
    def scenario(dg):
        @dg.asset
        def ok():
            return 1

        @dg.asset
        def boom(ok):
            raise ValueError("bad")

        @dg.asset
        def after(boom):
            return 1

        @dg.asset
        def indep():
            return 2

        r = dg.materialize_to_memory([ok, boom, after, indep], raise_on_error=False)
        return (
            r.success,
            outcomes(r, ["ok", "boom", "after", "indep"]),
            sorted(e.step_key for e in r.get_step_failure_events()),
            core_types(r, "boom"),
            core_types(r, "after"),
            err_name(lambda: dg.materialize_to_memory([ok, boom])),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours[-1] == "ValueError"


def test_multi_asset_subset_and_outputs():
    def scenario(dg):
        @dg.multi_asset(
            outs={"x": dg.AssetOut(is_required=False), "y": dg.AssetOut(is_required=False)},
            can_subset=True,
        )
        def xy(context):
            for k in sorted(context.selected_asset_keys, key=lambda k: k.path):
                yield dg.Output(k.path[-1] * 2, output_name=k.path[-1])

        @dg.multi_asset(outs={"p": dg.AssetOut(), "q": dg.AssetOut()})
        def pq():
            return 1, 2

        r1 = dg.materialize_to_memory([xy], selection=["y"])
        r2 = dg.materialize_to_memory([pq])
        return (
            r1.output_for_node("xy", "y"),
            [e.asset_key.path for e in r1.get_asset_materialization_events()],
            r2.asset_value("q"),
            core_types(r2),
            err_name(lambda: dg.materialize_to_memory([pq], selection=["p"])),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_metadata_normalization():
    def scenario(dg):
        @dg.asset(metadata={"owner": "x", "n": 3})
        def m(context):
            context.add_output_metadata({"added": 1.5})
            return dg.Output(
                1,
                metadata={
                    "i": 3,
                    "s": "t",
                    "b": False,
                    "d": {"a": 1},
                    "l": [1],
                    "u": dg.MetadataValue.url("http://x"),
                    "md": dg.MetadataValue.md("# h"),
                },
            )

        @dg.asset
        def r():
            return dg.MaterializeResult(metadata={"rows": 10, "path": dg.MetadataValue.path("/x")})

        res = dg.materialize([m, r])
        mats = {
            e.asset_key.path[-1]: e.materialization.metadata
            for e in res.get_asset_materialization_events()
        }
        return meta_values(mats["m"]), meta_values(mats["r"])

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_retry_policy_events():
    def scenario(dg):
        calls = []

        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
        def flaky():
            calls.append(1)
            if len(calls) < 2:
                raise RuntimeError("once")
            return len(calls)

        r = dg.materialize_to_memory([flaky])
        return r.output_for_node("flaky"), core_types(r)

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_config_and_resources():
    def scenario(dg):
        class Cfg(dg.Config):
            factor: int = 2

        class Store(dg.ConfigurableResource):
            base: int

        @dg.asset
        def a(store: Store):
            return store.base

        @dg.asset(required_resource_keys={"store"})
        def b(context, config: Cfg, a):
            return a * config.factor + context.resources.store.base

        r1 = dg.materialize_to_memory([a, b], resources={"store": Store(base=5)})
        r2 = dg.materialize_to_memory(
            [a, b],
            resources={"store": Store(base=5)},
            run_config=dg.RunConfig(ops={"b": Cfg(factor=10)}),
        )
        r3 = dg.materialize_to_memory(
            [a, b],
            resources={"store": Store(base=5)},
            run_config={"ops": {"b": {"config": {"factor": 3}}}},
        )
        return (
            r1.output_for_node("b"),
            r2.output_for_node("b"),
            r3.output_for_node("b"),
            err_name(lambda: dg.materialize_to_memory([a, b])),
            err_name(
                lambda: dg.materialize_to_memory(
                    [a, b],
                    resources={"store": Store(base=5)},
                    run_config={"ops": {"b": {"config": {"factor": "x"}}}},
                )
            ),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_custom_io_manager_sees_same_contexts():
    def scenario(dg):
        log = []

        class Rec(dg.IOManager):
            def __init__(self):
                self.values = {}

            def handle_output(self, context, obj):
                log.append(("out", context.asset_key.path, context.name, context.has_partition_key))
                self.values[tuple(context.asset_key.path)] = obj

            def load_input(self, context):
                log.append(("in", context.asset_key.path, context.upstream_output.asset_key.path))
                return self.values[tuple(context.asset_key.path)]

        @dg.asset
        def a():
            return 2

        @dg.asset
        def b(a):
            return a * 3

        rec = Rec()
        r = dg.materialize([a, b], resources={"io_manager": rec})
        r2 = dg.materialize([a, b], resources={"io_manager": rec}, selection=["b"])
        return r.output_for_node("b"), r2.output_for_node("b"), log

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_partitioned_asset_context():
    def scenario(dg):
        pdef = dg.StaticPartitionsDefinition(["a", "b"])

        @dg.asset(partitions_def=pdef)
        def p(context):
            return context.partition_key + str(context.has_partition_key)

        r = dg.materialize_to_memory([p], partition_key="b")
        return (
            r.output_for_node("p"),
            [e.partition for e in r.get_asset_materialization_events()],
            err_name(lambda: dg.materialize_to_memory([p], partition_key="zz")),
        )

    theirs, ours = run_both(scenario)
    assert ours[:2] == theirs[:2]
    assert ours[2] is not None and theirs[2] is not None


def test_graph_assets():
    def scenario(dg):
        @dg.op
        def one():
            return 1

        @dg.op
        def inc(x):
            return x + 1

        @dg.graph_asset
        def g():
            return inc(inc(one()))

        @dg.op(out={"l": dg.Out(), "r": dg.Out()})
        def split():
            return 1, 2

        @dg.graph_multi_asset(outs={"left": dg.AssetOut(), "right": dg.AssetOut()})
        def lr():
            left, right = split()
            return {"left": left, "right": right}

        r = dg.materialize_to_memory([g, lr])
        return r.asset_value("g"), r.asset_value("left"), r.asset_value("right")

    theirs, ours = run_both(scenario)
    assert ours == theirs == (3, 1, 2)


def test_direct_invocation():
    def scenario(dg):
        class C(dg.Config):
            n: int = 1

        class R(dg.ConfigurableResource):
            v: int

        @dg.asset
        def plain(x):
            return x * 2

        @dg.asset
        def with_ctx(context, r: R, config: C):
            return r.v + config.n

        return (
            plain(3),
            plain(x=4),
            with_ctx(dg.build_asset_context(resources={"r": R(v=10)}), config=C(n=2)),
            err_name(lambda: with_ctx()),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_definition_errors():
    def scenario(dg):
        @dg.asset(name="dup")
        def one():
            return 1

        @dg.asset(name="dup")
        def two():
            return 2

        @dg.asset
        def x(y):
            return y

        @dg.asset
        def y(x):
            return x

        def defs(assets, **kw):
            d = dg.Definitions(assets=assets, **kw)
            # Dagster validates lazily; ours eagerly. Force it for both.
            dg.Definitions.validate_loadable(d)

        @dg.asset(required_resource_keys={"nope"})
        def needs(context):
            return 1

        return (
            err_name(lambda: defs([one, two])),
            err_name(lambda: defs([needs])),
            err_name(lambda: dg.materialize_to_memory([needs])),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_cycle_error_class():
    """Dagster raises toposort's CircularDependencyError (a ValueError, not exported); ours is a
    CircularDependencyError too (a ValueError and a DagsterInvalidDefinitionError) naming the
    cycle."""

    def scenario(dg):
        @dg.asset
        def x(y):
            return y

        @dg.asset
        def y(x):
            return x

        try:
            dg.Definitions.validate_loadable(dg.Definitions(assets=[x, y]))
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, str(exc)
        return None

    theirs, ours = run_both(scenario)
    assert theirs[0] == ours[0] == "CircularDependencyError"
    assert "x" in ours[1] and "y" in ours[1]


def test_source_asset_and_observable_source():
    def scenario(dg):
        class Const(dg.IOManager):
            def handle_output(self, context, obj):
                pass

            def load_input(self, context):
                return 41

        src = dg.SourceAsset("src", io_manager_key="const")

        @dg.asset
        def down(src):
            return src + 1

        @dg.observable_source_asset
        def obs():
            return dg.DataVersion("v1")

        r = dg.materialize([src, down], resources={"const": Const()})
        return r.output_for_node("down"), err_name(lambda: dg.materialize([obs], selection=["obs"]))

    theirs, ours = run_both(scenario)
    assert ours[0] == theirs[0] == 42
    # materialize() with an observable source selected observes it, in both (issue 10).
    assert ours[1] == theirs[1] is None


def test_step_failure_event_error_class():
    def scenario(dg):
        @dg.asset
        def bad():
            raise KeyError("k")

        r = dg.materialize_to_memory([bad], raise_on_error=False)
        ev = r.get_step_failure_events()[0]
        err = ev.event_specific_data.error  # the same shape in both
        return r.dagster_run.status.value, err.cls_name, err.cause.cls_name if err.cause else None

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_step_failure_data_shape():
    def scenario(dg):
        @dg.asset
        def bad():
            raise KeyError("k")

        r = dg.materialize_to_memory([bad], raise_on_error=False)
        return r.get_step_failure_events()[0].step_failure_data.error.cls_name

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_load_asset_value_from_definitions(tmp_path):
    def scenario(dg):
        @dg.asset
        def a():
            return {"v": 1}

        base = str(tmp_path / dg.__name__)
        io = dg.FilesystemIOManager(base_dir=base)
        dg.materialize([a], resources={"io_manager": io})
        defs = dg.Definitions(assets=[a], resources={"io_manager": io})
        with defs.get_asset_value_loader() as loader:
            v1 = loader.load_asset_value("a")
        return (
            v1,
            defs.load_asset_value("a"),
            sorted(p.name for p in (tmp_path / dg.__name__).iterdir()),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_event_specific_data_has_dagsters_shape():
    def scenario(dg):
        @dg.asset
        def ok():
            return 1

        @dg.asset
        def bad(ok):
            raise ValueError("v")

        r = dg.materialize_to_memory([ok, bad], raise_on_error=False)
        out = {}
        for e in r.all_events:
            d = e.event_specific_data
            if e.event_type_value == "ASSET_MATERIALIZATION":
                out["mat"] = (type(d).__name__, d.materialization.asset_key.path)
            elif e.event_type_value == "STEP_FAILURE":
                out["step"] = (type(d).__name__, d.error.cls_name, d.error.cause.cls_name)
            elif e.event_type_value == "PIPELINE_FAILURE":
                out["run"] = (type(d).__name__,)
        return out

    theirs, ours = run_both(scenario)
    assert ours == theirs
    assert ours["mat"] == ("StepMaterializationData", ["ok"])
