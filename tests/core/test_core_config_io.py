import os
import pickle

import pytest

import dagster_nb as dg


class Scale(dg.Config):
    factor: int = 2
    label: str = "x"


def test_config_from_run_config_dict_and_RunConfig():
    @dg.asset
    def base():
        return 10

    @dg.asset
    def scaled(config: Scale, base):
        return (base * config.factor, config.label)

    res = dg.materialize_to_memory([base, scaled])
    assert res.output_for_node("scaled") == (20, "x")
    res = dg.materialize_to_memory(
        [base, scaled], run_config={"ops": {"scaled": {"config": {"factor": 5}}}}
    )
    assert res.output_for_node("scaled") == (50, "x")
    res = dg.materialize_to_memory(
        [base, scaled], run_config=dg.RunConfig(ops={"scaled": Scale(factor=3, label="y")})
    )
    assert res.output_for_node("scaled") == (30, "y")


def test_invalid_config_raises_invalid_config_error():
    class Needs(dg.Config):
        n: int

    @dg.asset
    def c(config: Needs):
        return config.n

    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.materialize_to_memory([c], run_config={"ops": {"c": {"config": {"n": "not-int"}}}})
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.materialize_to_memory([c])


class Warehouse(dg.ConfigurableResource):
    url: str
    schema_: str = "public"

    def query(self, q):
        return f"{self.url}:{q}"


def test_resource_by_annotation_and_required_resource_keys():
    @dg.asset
    def by_annotation(warehouse: Warehouse):
        return warehouse.query("a")

    @dg.asset(required_resource_keys={"warehouse"})
    def by_keys(context):
        return context.resources.warehouse.query("b")

    res = dg.materialize_to_memory(
        [by_annotation, by_keys], resources={"warehouse": Warehouse(url="db://x")}
    )
    assert res.output_for_node("by_annotation") == "db://x:a"
    assert res.output_for_node("by_keys") == "db://x:b"


def test_missing_resource_names_the_key():
    @dg.asset
    def needs(warehouse: Warehouse):
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="warehouse"):
        dg.materialize_to_memory([needs])
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="warehouse"):
        dg.Definitions(
            assets=[needs]
        ).resolve_all_asset_keys()  # checked when loaded, as in Dagster


def test_env_var_resolved_at_run_time_and_hidden(monkeypatch):
    monkeypatch.setenv("CORE_TEST_URL", "secret://value")
    wh = Warehouse(url=dg.EnvVar("CORE_TEST_URL"))
    assert "secret://value" not in repr(wh)

    @dg.asset
    def q(warehouse: Warehouse):
        return warehouse.url

    res = dg.materialize_to_memory([q], resources={"warehouse": wh})
    assert res.output_for_node("q") == "secret://value"
    assert all("secret://value" not in (e.message or "") for e in res.all_events)


def test_function_resource_and_resource_config():
    @dg.resource(config_schema={"n": int})
    def counter(init_context):
        return init_context.resource_config["n"]

    @dg.asset(required_resource_keys={"counter"})
    def uses(context):
        return context.resources.counter * 2

    res = dg.materialize_to_memory(
        [uses],
        resources={"counter": counter},
        run_config={"resources": {"counter": {"config": {"n": 21}}}},
    )
    assert res.output_for_node("uses") == 42


class DictIO(dg.IOManager):
    def __init__(self):
        self.store = {}
        self.loaded = []

    def handle_output(self, context, obj):
        self.store[tuple(context.asset_key.path)] = obj

    def load_input(self, context):
        self.loaded.append(context.asset_key)
        return self.store[tuple(context.asset_key.path)]


def test_custom_io_manager_instance():
    io = DictIO()

    @dg.asset
    def a():
        return 1

    @dg.asset
    def b(a):
        return a + 1

    dg.materialize([a, b], resources={"io_manager": io})
    assert io.store == {("a",): 1, ("b",): 2}
    assert io.loaded == [dg.AssetKey("a")]
    # rematerialize only b: a comes from the IO manager
    res = dg.materialize([a, b], resources={"io_manager": io}, selection=["b"])
    assert res.output_for_node("b") == 2
    assert io.loaded == [dg.AssetKey("a"), dg.AssetKey("a")]


def test_io_manager_decorator_and_io_manager_key_and_contexts():
    seen = {}

    class Recorder(dg.IOManager):
        def handle_output(self, context, obj):
            seen["out"] = (context.asset_key, context.definition_metadata.get("m"), context.name)
            seen["value"] = obj

        def load_input(self, context):
            up = context.upstream_output
            seen["in"] = (context.asset_key, up.asset_key)
            m = up.definition_metadata.get("m")
            seen["up"] = (up.name, getattr(m, "value", m), up.step_key, up.run_id)
            assert context.upstream_output is up  # built once
            return seen["value"]

    @dg.io_manager
    def recorder_io(init_context):
        return Recorder()

    @dg.asset(io_manager_key="rec", metadata={"m": "meta"})
    def produced():
        return 5

    @dg.asset
    def consumer(produced):
        return produced * 2

    res = (
        dg.materialize_to_memory([produced, consumer], resources={})
        if False
        else dg.materialize([produced, consumer], resources={"rec": recorder_io})
    )
    assert res.output_for_node("consumer") == 10
    assert seen["out"][0] == dg.AssetKey("produced")
    assert seen["out"][2] == "result"
    assert seen["in"] == (dg.AssetKey("produced"), dg.AssetKey("produced"))
    assert seen["up"] == ("result", "meta", "produced", res.run_id)


def test_configurable_io_manager():
    store = {}

    class Prefixed(dg.ConfigurableIOManager):
        prefix: str

        def handle_output(self, context, obj):
            store[self.prefix + context.asset_key.to_user_string()] = obj

        def load_input(self, context):
            return store[self.prefix + context.asset_key.to_user_string()]

    @dg.asset
    def one():
        return 1

    dg.materialize([one], resources={"io_manager": Prefixed(prefix="p:")})
    assert store == {"p:one": 1}


def test_in_memory_io_manager():
    @dg.asset
    def a():
        return {"x": 1}

    @dg.asset
    def b(a):
        return a["x"]

    res = dg.materialize([a, b], resources={"io_manager": dg.InMemoryIOManager()})
    assert res.output_for_node("b") == 1
    res = dg.materialize([a, b], resources={"io_manager": dg.mem_io_manager})
    assert res.output_for_node("b") == 1


def test_default_fs_io_manager_writes_under_instance_storage(instance):
    @dg.asset(key_prefix="grp")
    def stored():
        return [1, 2, 3]

    res = dg.materialize([stored], instance=instance)
    assert res.success
    path = os.path.join(instance.storage_directory(), "grp", "stored")
    assert os.path.isfile(path)
    with open(path, "rb") as f:
        assert pickle.load(f) == [1, 2, 3]
    # no temp files left behind
    assert os.listdir(os.path.dirname(path)) == ["stored"]


def test_fs_io_manager_with_base_dir(tmp_path):
    @dg.asset
    def v():
        return "hello"

    @dg.asset
    def w(v):
        return v + "!"

    dg.materialize([v, w], resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))})
    with open(tmp_path / "w", "rb") as f:
        assert pickle.load(f) == "hello!"
    res = dg.materialize(
        [v, w],
        selection=["w"],
        resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))},
    )
    assert res.output_for_node("w") == "hello!"


def test_materialize_to_memory_rejects_io_manager_resource():
    @dg.asset
    def a():
        return 1

    with pytest.raises(dg.DagsterInvalidInvocationError, match="io_manager"):
        dg.materialize_to_memory([a], resources={"io_manager": DictIO()})


def test_resource_lifecycle_once_per_run():
    events = []

    from contextlib import contextmanager

    @dg.resource
    @contextmanager
    def tracked(_):
        events.append("setup")
        yield "R"
        events.append("teardown")

    @dg.asset(required_resource_keys={"tracked"})
    def a(context):
        return context.resources.tracked

    @dg.asset(required_resource_keys={"tracked"})
    def b(context, a):
        return context.resources.tracked + a

    res = dg.materialize_to_memory([a, b], resources={"tracked": tracked})
    assert res.output_for_node("b") == "RR"
    assert events == ["setup", "teardown"]
