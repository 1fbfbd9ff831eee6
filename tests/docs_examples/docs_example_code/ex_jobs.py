"""Jobs: asset jobs from selections, op jobs (linear, fan-in, multiple outputs, optional
branches, Nothing dependencies), nested graphs, config and defaults, tags, retries."""

from . import example
from ._helpers import materialized_keys


@example("concepts/assets/build_job.py")
def example_define_asset_job_all_and_one(dg):
    @dg.asset
    def seeds():
        return [1, 2, 3]

    @dg.asset
    def sprouts(seeds):
        return seeds + [4]

    defs = dg.Definitions(
        assets=[seeds, sprouts],
        jobs=[
            dg.define_asset_job("everything"),
            dg.define_asset_job("only_seeds", selection="seeds"),
        ],
    )
    everything = defs.resolve_job_def("everything").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    only_seeds = defs.resolve_job_def("only_seeds").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert materialized_keys(everything) == ["seeds", "sprouts"]
    assert materialized_keys(only_seeds) == ["seeds"]


@example("guides/build/assets/asset-jobs/asset-jobs.py")
def example_asset_job_by_group_selection(dg):
    @dg.asset(group_name="ecommerce")
    def orders():
        return 1

    @dg.asset(group_name="ecommerce")
    def users():
        return 2

    @dg.asset
    def unrelated():
        return 3

    job = dg.define_asset_job("shop_job", dg.AssetSelection.groups("ecommerce"))
    defs = dg.Definitions(assets=[orders, users, unrelated], jobs=[job])
    result = defs.resolve_job_def("shop_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert sorted(materialized_keys(result)) == ["orders", "users"]


@example(
    "concepts/ops_jobs_graphs/linear_job.py",
)
def example_linear_op_job(dg):
    @dg.op
    def start() -> int:
        return 1

    @dg.op
    def add_one(number: int) -> int:
        return number + 1

    @dg.job
    def chain():
        add_one(add_one(add_one(start())))

    result = chain.execute_in_process()
    assert result.success
    assert [n.name for n in chain.graph.node_defs] == ["start", "add_one"] or len(
        chain.graph.nodes
    ) == 4
    assert result.output_for_node("add_one_3") == 4


@example(
    "concepts/ops_jobs_graphs/fan_in_job.py",
)
def example_fan_in_with_aliases(dg):
    @dg.op
    def one() -> int:
        return 1

    @dg.op
    def total(nums: list) -> int:
        return sum(nums)

    @dg.job
    def fan_in():
        total([one.alias(f"one_{i}")() for i in range(5)])

    assert fan_in.execute_in_process().output_for_node("total") == 5


@example(
    "concepts/ops_jobs_graphs/multiple_io_job.py",
)
def example_diamond_op_job(dg):
    @dg.op
    def seed() -> int:
        return 3

    @dg.op
    def double(n: int) -> int:
        return n * 2

    @dg.op
    def adder(a: int, b: int) -> int:
        return a + b

    @dg.job
    def diamond():
        v = seed()
        adder(double(v), double(v))

    assert diamond.execute_in_process().output_for_node("adder") == 12


@example(
    "concepts/ops_jobs_graphs/branching_job.py",
)
def example_optional_outputs_branching(dg):
    ran = []

    @dg.op(out={"even": dg.Out(is_required=False), "odd": dg.Out(is_required=False)})
    def route():
        yield dg.Output(4, "even")

    @dg.op
    def on_even(n):
        ran.append(("even", n))

    @dg.op
    def on_odd(n):
        ran.append(("odd", n))

    @dg.job
    def branching():
        even, odd = route()
        on_even(even)
        on_odd(odd)

    result = branching.execute_in_process()
    assert result.success
    assert ran == [("even", 4)]
    assert result.is_node_skipped("on_odd")


@example(
    "concepts/ops_jobs_graphs/order_based_dependency_job.py",
)
def example_nothing_dependency(dg):
    order = []

    @dg.op
    def create_first():
        order.append("first")

    @dg.op(ins={"after": dg.In(dg.Nothing)})
    def create_second():
        order.append("second")

    @dg.job
    def ordered():
        create_second(after=create_first())

    assert ordered.execute_in_process().success
    assert order == ["first", "second"]


@example(
    "concepts/ops_jobs_graphs/nested_graphs.py",
)
def example_nested_graph(dg):
    @dg.op
    def fifty():
        return 50.0

    @dg.op
    def times_1_8(n):
        return n * 1.8

    @dg.op
    def plus_32(n):
        return n + 32

    @dg.graph
    def to_fahrenheit(celsius):
        return plus_32(times_1_8(celsius))

    @dg.op
    def report(f):
        return f"{f:.0f}F"

    @dg.job
    def convert():
        report(to_fahrenheit(fifty()))

    assert convert.execute_in_process().output_for_node("report") == "122F"


@example("concepts/ops_jobs_graphs/graph_provides_config.py")
def example_graph_config_defaults(dg):
    class AddN(dg.Config):
        n: float

    class MulM(dg.Config):
        m: float

    @dg.op
    def add_n(config: AddN, number):
        return number + config.n

    @dg.op
    def mul_m(config: MulM, number):
        return number * config.m

    @dg.graph(config={"add_n": {"config": {"n": 2}}, "mul_m": {"config": {"m": 10}}})
    def affine(number):
        return mul_m(add_n(number))

    @dg.op
    def one():
        return 1

    @dg.job
    def uses_affine():
        affine(one())

    assert uses_affine.execute_in_process().output_for_node("affine") == 30


@example(
    "concepts/ops_jobs_graphs/jobs_with_default_config.py",
)
def example_job_default_run_config(dg):
    class Setting(dg.Config):
        value: str

    seen = []

    @dg.op
    def read_setting(config: Setting):
        seen.append(config.value)

    @dg.job(config=dg.RunConfig(ops={"read_setting": Setting(value="default")}))
    def configured_job():
        read_setting()

    configured_job.execute_in_process()
    configured_job.execute_in_process(
        run_config={"ops": {"read_setting": {"config": {"value": "override"}}}}
    )
    assert seen == ["default", "override"]


@example(
    "concepts/ops_jobs_graphs/jobs_from_graphs.py",
)
def example_graph_to_job_with_resources(dg):
    @dg.op(required_resource_keys={"server"})
    def ping(context):
        return context.resources.server

    @dg.graph
    def do_ping():
        ping()

    prod = do_ping.to_job(
        name="ping_prod", resource_defs={"server": dg.ResourceDefinition.hardcoded_resource("prod")}
    )
    local = do_ping.to_job(
        name="ping_local",
        resource_defs={"server": dg.ResourceDefinition.hardcoded_resource("local")},
    )
    assert (prod.name, local.name) == ("ping_prod", "ping_local")
    assert prod.execute_in_process().output_for_node("ping") == "prod"
    assert local.execute_in_process().output_for_node("ping") == "local"


@example(
    "concepts/ops_jobs_graphs/jobs.py",
)
def example_job_tags_and_input_values(dg):
    @dg.op
    def echo(x):
        return x

    @dg.graph
    def wires(x):
        return echo(x)

    job = wires.to_job(name="wired", input_values={"x": 5}, tags={"team": "data"})
    assert job.tags["team"] == "data"
    assert job.execute_in_process().output_for_node("echo") == 5
    assert job.execute_in_process(input_values={"x": 6}).output_for_node("echo") == 6


@example(
    "concepts/ops_jobs_graphs/retries.py",
)
def example_job_op_retry_policy(dg):
    attempts = []

    @dg.op
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")
        return "ok"

    @dg.job(op_retry_policy=dg.RetryPolicy(max_retries=1))
    def retried():
        flaky()

    assert retried.execute_in_process().output_for_node("flaky") == "ok"
    assert len(attempts) == 2


@example(
    "concepts/ops_jobs_graphs/retries.py",
)
def example_retry_requested(dg):
    attempts = []

    @dg.op
    def manual():
        attempts.append(1)
        if len(attempts) < 2:
            raise dg.RetryRequested(max_retries=2)
        return len(attempts)

    @dg.job
    def manual_job():
        manual()

    assert manual_job.execute_in_process().output_for_node("manual") == 2


@example(
    "guides/build/assets/materialization_ops.py",
)
def example_op_logs_asset_materialization(dg):
    @dg.op
    def publish(context: dg.OpExecutionContext):
        context.log_event(
            dg.AssetMaterialization(asset_key="published_report", metadata={"pages": 3})
        )
        return "done"

    @dg.job
    def publish_job():
        publish()

    instance = dg.DagsterInstance.ephemeral()
    assert publish_job.execute_in_process(instance=instance).success
    event = instance.get_latest_materialization_event(dg.AssetKey("published_report"))
    assert event.asset_materialization.metadata["pages"].value == 3


@example(
    "concepts/io_management/load_from_config.py",
)
def example_op_input_from_run_config(dg):
    @dg.op
    def shout(word: str):
        return word.upper()

    @dg.job
    def shout_job():
        shout()

    result = shout_job.execute_in_process(
        run_config={"ops": {"shout": {"inputs": {"word": {"value": "marmot"}}}}}
    )
    assert result.output_for_node("shout") == "MARMOT"


@example("concepts/ops_jobs_graphs/unit_tests.py")
def example_invoke_op_with_context(dg):
    @dg.op(config_schema={"n": int})
    def times_n(context, x: int):
        return x * context.op_config["n"]

    assert times_n(dg.build_op_context(config={"n": 3}), 5) == 15
