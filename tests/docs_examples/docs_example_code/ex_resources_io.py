"""Config, resources (ConfigurableResource, EnvVar, nesting, launch-time config, plain values,
function resources) and IO managers (custom, configurable, per-asset keys, input managers,
the filesystem IO manager, IO manager unit tests)."""

import gc
import json
import os
import pickle

from . import example
from ._helpers import latest_metadata, materialize


@example("concepts/resources/pythonic_resources.py")
def example_configurable_resource_in_asset(dg):
    class Greeter(dg.ConfigurableResource):
        greeting: str
        punctuation: str = "!"

        def greet(self, who: str) -> str:
            return f"{self.greeting}, {who}{self.punctuation}"

    @dg.asset
    def welcome(greeter: Greeter):
        return greeter.greet("Ada")

    result = materialize(dg, [welcome], resources={"greeter": Greeter(greeting="Hi")})
    assert result.output_for_node("welcome") == "Hi, Ada!"


@example("guides/build/external_resources/apis/env_var_configuration.py")
def example_env_var_in_resource(dg):
    os.environ["DOCS_EX_CITY"] = "Oslo"

    class Weather(dg.ConfigurableResource):
        city: str

    @dg.asset
    def forecast(weather: Weather):
        return f"sunny in {weather.city}"

    defs = dg.Definitions(
        assets=[forecast], resources={"weather": Weather(city=dg.EnvVar("DOCS_EX_CITY"))}
    )
    result = materialize(dg, list(defs.assets), resources=defs.resources)
    assert result.output_for_node("forecast") == "sunny in Oslo"
    assert dg.EnvVar("DOCS_EX_CITY").get_value() == "Oslo"


@example("guides/build/external_resources/pythonic_resources.py")
def example_env_var_int_and_missing(dg):
    os.environ["DOCS_EX_PORT"] = "5433"
    os.environ.pop("DOCS_EX_UNSET", None)

    class Db(dg.ConfigurableResource):
        port: int
        user: str

    @dg.asset
    def port_used(db: Db):
        return db.port + 1

    result = materialize(
        dg, [port_used], resources={"db": Db(port=dg.EnvVar.int("DOCS_EX_PORT"), user="u")}
    )
    assert result.output_for_node("port_used") == 5434
    assert dg.EnvVar("DOCS_EX_UNSET").get_value(default="fallback") == "fallback"


@example("guides/build/external_resources/pythonic_resources.py")
def example_resource_testing_directly(dg):
    class Holder(dg.ConfigurableResource):
        value: str

    class Wrapper(dg.ConfigurableResource):
        inner: Holder
        suffix: str

        def joined(self) -> str:
            return self.inner.value + self.suffix

    assert Holder(value="foo").value == "foo"
    assert Wrapper(inner=Holder(value="a"), suffix="b").joined() == "ab"


@example("guides/build/external_resources/pythonic_resources.py")
def example_resource_dependency(dg):
    class Credentials(dg.ConfigurableResource):
        username: str

    class Bucket(dg.ConfigurableResource):
        credentials: dg.ResourceDependency[Credentials]
        region: str

        def owner(self) -> str:
            return f"{self.credentials.username}@{self.region}"

    @dg.asset
    def bucket_owner(bucket: Bucket):
        return bucket.owner()

    creds = Credentials(username="svc")
    result = materialize(
        dg, [bucket_owner], resources={"bucket": Bucket(credentials=creds, region="eu")}
    )
    assert result.output_for_node("bucket_owner") == "svc@eu"


@example("guides/build/external_resources/pythonic_resources.py")
def example_configure_at_launch(dg):
    class Table(dg.ConfigurableResource):
        name: str

    @dg.asset
    def table_name(table: Table):
        return table.name

    result = materialize(
        dg,
        [table_name],
        resources={"table": Table.configure_at_launch()},
        run_config={"resources": {"table": {"config": {"name": "orders"}}}},
    )
    assert result.output_for_node("table_name") == "orders"


@example("guides/build/external_resources/pythonic_resources.py")
def example_resource_param_plain_value(dg):
    @dg.asset
    def url_length(base_url: dg.ResourceParam[str]):
        return len(base_url)

    result = materialize(dg, [url_length], resources={"base_url": "https://example.org"})
    assert result.output_for_node("url_length") == 19


@example("concepts/resources/resources.py")
def example_function_resource_with_config(dg):
    @dg.resource(config_schema={"prefix": str})
    def prefixer(init_context):
        prefix = init_context.resource_config["prefix"]
        return lambda s: prefix + s

    @dg.asset(required_resource_keys={"prefixer"})
    def labelled(context):
        return context.resources.prefixer("item")

    result = materialize(
        dg, [labelled], resources={"prefixer": prefixer.configured({"prefix": "x-"})}
    )
    assert result.output_for_node("labelled") == "x-item"


@example("concepts/resources/resources.py")
def example_context_manager_resource_teardown(dg):
    log = []

    @dg.resource
    def connection(_):
        log.append("open")
        try:
            yield "conn"
        finally:
            log.append("close")

    @dg.asset(required_resource_keys={"conn"})
    def used(context):
        log.append(f"use {context.resources.conn}")

    assert materialize(dg, [used], resources={"conn": connection}).success
    assert log == ["open", "use conn", "close"]


@example("concepts/resources/pythonic_resources.py")
def example_resource_setup_and_teardown(dg):
    log = []

    class Client(dg.ConfigurableResource):
        host: str

        def setup_for_execution(self, context) -> None:
            log.append(f"setup {self.host}")

        def teardown_after_execution(self, context) -> None:
            log.append("teardown")

    @dg.asset
    def pinged(client: Client):
        log.append("ping")

    assert materialize(dg, [pinged], resources={"client": Client(host="h1")}).success
    assert log == ["setup h1", "ping", "teardown"]


@example("concepts/resources/pythonic_resources.py")
def example_build_resources(dg):
    class Counter(dg.ConfigurableResource):
        start: int

    with dg.build_resources({"counter": Counter(start=4), "label": "plain"}) as resources:
        assert resources.counter.start == 4
        assert resources.label == "plain"


@example("guides/build/external_resources/pythonic_resources.py")
def example_resource_param_for_a_plain_object(dg):
    class Client:
        def __init__(self, token: str):
            self.token = token

    @dg.asset
    def token_tail(client: dg.ResourceParam[Client]):
        return client.token[-3:]

    result = materialize(dg, [token_tail], resources={"client": Client("abc123")})
    assert result.output_for_node("token_tail") == "123"


@example("guides/build/io_management/custom_io_manager.py")
def example_custom_configurable_io_manager(dg):
    class JsonIO(dg.ConfigurableIOManager):
        root: str

        def _path(self, context) -> str:
            return os.path.join(self.root, *context.asset_key.path) + ".json"

        def handle_output(self, context, obj):
            os.makedirs(self.root, exist_ok=True)
            with open(self._path(context), "w") as f:
                json.dump(obj, f)

        def load_input(self, context):
            with open(self._path(context)) as f:
                return json.load(f)

    @dg.asset
    def numbers():
        return [1, 2, 3]

    @dg.asset
    def total(numbers):
        return sum(numbers)

    result = materialize(dg, [numbers, total], resources={"io_manager": JsonIO(root="json_store")})
    assert result.output_for_node("total") == 6
    with open("json_store/numbers.json") as f:
        assert json.load(f) == [1, 2, 3]
    with open("json_store/total.json") as f:
        assert json.load(f) == 6


@example("guides/build/io_management/custom_io_manager.py")
def example_io_manager_factory(dg):
    store = {}

    class DictIO(dg.IOManager):
        def __init__(self, namespace):
            self.namespace = namespace

        def handle_output(self, context, obj):
            store[(self.namespace, context.asset_key.to_user_string())] = obj

        def load_input(self, context):
            return store[(self.namespace, context.asset_key.to_user_string())]

    class DictIOFactory(dg.ConfigurableIOManagerFactory):
        namespace: str

        def create_io_manager(self, context) -> DictIO:
            return DictIO(self.namespace)

    @dg.asset
    def word():
        return "kiwi"

    @dg.asset
    def word_len(word):
        return len(word)

    assert materialize(
        dg, [word, word_len], resources={"io_manager": DictIOFactory(namespace="ns")}
    ).success
    assert store == {("ns", "word"): "kiwi", ("ns", "word_len"): 4}


@example("concepts/assets/asset_different_io_managers.py")
def example_io_manager_key_per_asset(dg):
    memory = {}

    class MemoryIO(dg.IOManager):
        def handle_output(self, context, obj):
            memory[context.asset_key.to_user_string()] = obj

        def load_input(self, context):
            return memory[context.asset_key.to_user_string()]

    @dg.asset(io_manager_key="memory_io")
    def in_memory():
        return [1, 2]

    @dg.asset(io_manager_key="files_io")
    def on_disk(in_memory):
        return in_memory + [3]

    resources = {"memory_io": MemoryIO(), "files_io": dg.FilesystemIOManager(base_dir="files")}
    result = materialize(dg, [in_memory, on_disk], resources=resources)
    assert result.output_for_node("on_disk") == [1, 2, 3]
    assert memory == {"in_memory": [1, 2]}
    with open("files/on_disk", "rb") as f:
        assert pickle.load(f) == [1, 2, 3]


@example("concepts/assets/multi_assets.py")
def example_io_manager_key_per_asset_out(dg):
    seen = {}

    class Tagged(dg.IOManager):
        def __init__(self, tag):
            self.tag = tag

        def handle_output(self, context, obj):
            seen[context.asset_key.to_user_string()] = self.tag

        def load_input(self, context):
            return None

    @dg.multi_asset(
        outs={
            "hot": dg.AssetOut(io_manager_key="hot_io"),
            "cold": dg.AssetOut(io_manager_key="cold_io"),
        }
    )
    def storage_tiers():
        return 1, 2

    materialize(dg, [storage_tiers], resources={"hot_io": Tagged("hot"), "cold_io": Tagged("cold")})
    assert seen == {"hot": "hot", "cold": "cold"}


@example("concepts/io_management/filesystem_io_manager.py")
def example_filesystem_io_manager_layout(dg):
    @dg.asset(key_prefix=["warehouse"])
    def fruit():
        return {"apple": 3}

    assert materialize(
        dg, [fruit], resources={"io_manager": dg.FilesystemIOManager(base_dir="fs")}
    ).success
    with open(os.path.join("fs", "warehouse", "fruit"), "rb") as f:
        assert pickle.load(f) == {"apple": 3}


@example("concepts/io_management/default_io_manager.py")
def example_fs_io_manager_configured(dg):
    @dg.asset
    def nums():
        return (4, 5)

    io = dg.fs_io_manager.configured({"base_dir": "legacy"})
    assert materialize(dg, [nums], resources={"io_manager": io}).success
    with open(os.path.join("legacy", "nums"), "rb") as f:
        assert pickle.load(f) == (4, 5)


@example("concepts/io_management/custom_io_manager.py")
def example_io_manager_adds_output_metadata(dg):
    class CountingIO(dg.IOManager):
        def handle_output(self, context, obj):
            context.add_output_metadata({"num_rows": len(obj), "table": context.asset_key.path[-1]})

        def load_input(self, context):
            return []

    @dg.asset
    def rows():
        return [1, 2, 3, 4]

    instance = dg.DagsterInstance.ephemeral()
    materialize(dg, [rows], resources={"io_manager": CountingIO()}, instance=instance)
    assert latest_metadata(instance, "rows") == {"num_rows": 4, "table": "rows"}


@example(
    "guides/build/io_management/custom_io_manager.py",
)
def example_io_manager_reads_definition_metadata(dg):
    written = {}

    class TableIO(dg.ConfigurableIOManager):
        def handle_output(self, context, obj):
            written[context.definition_metadata["table_name"]] = obj

        def load_input(self, context):
            return written[context.upstream_output.definition_metadata["table_name"]]

    @dg.asset(metadata={"table_name": "t_upstream"})
    def upstream_rows():
        return [7]

    @dg.asset(metadata={"table_name": "t_downstream"})
    def downstream_rows(upstream_rows):
        return upstream_rows * 2

    materialize(dg, [upstream_rows, downstream_rows], resources={"io_manager": TableIO()})
    assert written == {"t_upstream": [7], "t_downstream": [7, 7]}


@example(
    "concepts/assets/asset_input_managers.py",
)
def example_input_manager_key_on_asset_in(dg):
    class AsTuple(dg.IOManager):
        def handle_output(self, context, obj):
            raise AssertionError("only loads")

        def load_input(self, context):
            return tuple(context.upstream_output.asset_key.path)

    @dg.asset
    def first_list():
        return [1]

    @dg.asset(ins={"first_list": dg.AssetIn(input_manager_key="tuple_loader")})
    def loaded_as_tuple(first_list):
        return first_list

    result = materialize(dg, [first_list, loaded_as_tuple], resources={"tuple_loader": AsTuple()})
    assert result.output_for_node("loaded_as_tuple") == ("first_list",)


@example("concepts/io_management/input_managers.py")
def example_input_manager_decorator(dg):
    @dg.input_manager
    def constant_table():
        return ["row-1", "row-2"]

    @dg.op(ins={"rows": dg.In(input_manager_key="table_loader")})
    def count_rows(rows):
        return len(rows)

    @dg.job(resource_defs={"table_loader": constant_table})
    def count_job():
        count_rows()

    assert count_job.execute_in_process().output_for_node("count_rows") == 2


@example("concepts/io_management/test_io_manager.py")
def example_unit_test_io_manager(dg):
    class StepStore(dg.IOManager):
        def __init__(self):
            self.data = {}

        def handle_output(self, context, obj):
            self.data[(context.step_key, context.name)] = obj

        def load_input(self, context):
            return self.data[(context.upstream_output.step_key, context.upstream_output.name)]

    manager = StepStore()
    manager.handle_output(dg.build_output_context(name="result", step_key="make"), 42)
    assert manager.data == {("make", "result"): 42}
    ctx = dg.build_input_context(
        upstream_output=dg.build_output_context(name="result", step_key="make")
    )
    assert manager.load_input(ctx) == 42


@example("concepts/io_management/test_build_io_context.py")
def example_build_io_contexts_with_resources(dg):
    input_ctx = dg.build_input_context(resources={"settings": {"mode": "fast"}})
    assert input_ctx.resources.settings == {"mode": "fast"}
    output_ctx = dg.build_output_context(asset_key="sales", partition_key="2024-01-01")
    assert output_ctx.asset_key == dg.AssetKey("sales")
    assert output_ctx.partition_key == "2024-01-01"


@example("concepts/io_management/custom_io_manager.py")
def example_in_memory_io_manager(dg):
    @dg.asset
    def kept():
        return "in memory"

    @dg.asset
    def kept_upper(kept):
        return kept.upper()

    result = materialize(dg, [kept, kept_upper], resources={"io_manager": dg.InMemoryIOManager()})
    assert result.output_for_node("kept_upper") == "IN MEMORY"
    assert not os.path.exists("kept")


@example(
    "concepts/resources/pythonic_resources.py",
)
def example_resource_in_op_job(dg):
    class Api(dg.ConfigurableResource):
        base: str

        def url(self, path: str) -> str:
            return f"{self.base}/{path}"

    @dg.op
    def build_url(api: Api):
        return api.url("items")

    @dg.job(resource_defs={"api": Api(base="https://svc")})
    def url_job():
        build_url()

    assert url_job.execute_in_process().output_for_node("build_url") == "https://svc/items"


@example(
    "concepts/resources/tests.py",
)
def example_graph_with_mock_resource(dg):
    calls = []

    class Api(dg.ConfigurableResource):
        def fetch(self):
            raise AssertionError("real API not called in tests")

    @dg.op
    def get_rows(api: Api):
        calls.append(type(api).__name__)
        return [1, 2]

    @dg.op
    def count(rows):
        return len(rows)

    @dg.graph
    def download():
        return count(get_rows())

    class FakeApi(Api):
        def fetch(self):
            return [1, 2]

    result = download.execute_in_process(resources={"api": FakeApi()})
    assert result.success
    assert result.output_value() == 2
    assert calls == ["FakeApi"]


@example("concepts/io_management/test_build_io_context.py")
def example_build_io_context_initializes_resource_definitions(dg):
    log = []

    @dg.resource
    def settings():
        return {"mode": "fast"}

    @dg.resource
    def session():
        log.append("open")
        try:
            yield "session-1"
        finally:
            log.append("close")

    ctx = dg.build_input_context(resources={"settings": settings, "plain": 3})
    assert (ctx.resources.settings, ctx.resources.plain) == ({"mode": "fast"}, 3)
    lazy = dg.build_output_context(resources={"session": session})
    try:
        _ = lazy.resources
    except dg.DagsterInvariantViolationError as e:
        assert "with build_output_context(...) as context:" in str(e)
    else:
        raise AssertionError("a generator resource is only reachable inside `with`")
    assert log == ["open"]  # opened when the context was built
    del lazy
    gc.collect()
    assert log == ["open", "close"]
    with dg.build_output_context(resources={"session": session}) as entered:
        assert entered.resources.session == "session-1"
    assert log == ["open", "close", "open", "close"]


@example("concepts/io_management/filesystem_io_manager.py")
def example_filesystem_io_manager_base_dir_from_env(dg):
    os.environ["DOCS_EX_STORE"] = os.path.abspath("env_store")

    @dg.asset
    def env_stored():
        return {"k": 1}

    io = dg.FilesystemIOManager(base_dir=dg.EnvVar("DOCS_EX_STORE"))
    assert materialize(dg, [env_stored], resources={"io_manager": io}).success
    with open(os.path.join("env_store", "env_stored"), "rb") as f:
        assert pickle.load(f) == {"k": 1}


@example("concepts/resources/pythonic_resources.py")
def example_resource_config_error(dg):
    class Needs(dg.ConfigurableResource):
        port: int

    @dg.asset
    def uses(needs: Needs):
        return needs.port

    try:
        materialize(
            dg,
            [uses],
            resources={"needs": Needs.configure_at_launch()},
            run_config={"resources": {"needs": {"config": {"port": "not-a-port"}}}},
        )
    except Exception as e:
        assert type(e).__name__ == "DagsterInvalidConfigError"
    else:
        raise AssertionError("bad resource config must raise")
