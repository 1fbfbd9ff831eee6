import pytest

import dagster_nb as dg


def test_asset_every_parameter_is_stored():
    pdef = dg.StaticPartitionsDefinition(["a", "b"])
    policy = dg.RetryPolicy(max_retries=2, delay=0.5)

    @dg.asset(
        name="renamed",
        key_prefix=["pre"],
        group_name="grp",
        compute_kind="pandas",
        description="Desc.",
        metadata={"owner_note": "x", "n": 1},
        deps=["side"],
        ins={"upstream": dg.AssetIn(key="raw")},
        io_manager_key="my_io",
        partitions_def=pdef,
        code_version="v3",
        owners=["team:data"],
        tags={"tier": "gold"},
        required_resource_keys={"db"},
        retry_policy=policy,
    )
    def fn(context, upstream):
        return upstream

    spec = fn.specs_by_key[fn.key]
    assert fn.key == dg.AssetKey(["pre", "renamed"])
    assert spec.group_name == "grp"
    assert spec.description == "Desc."
    assert fn.op.tags["dagster/compute_kind"] == "pandas"  # as Dagster stores it
    assert dict(spec.metadata).keys() == {"owner_note", "n"}
    assert {d.asset_key for d in spec.deps} == {dg.AssetKey("side"), dg.AssetKey("raw")}
    assert fn.get_io_manager_key_for_asset_key(fn.key) == "my_io"
    assert fn.partitions_def == pdef
    assert spec.code_version == "v3"
    assert list(spec.owners) == ["team:data"]
    assert spec.tags["tier"] == "gold"
    assert "db" in fn.required_resource_keys
    assert fn.op.retry_policy == policy
    assert fn.keys_by_input_name == {"upstream": dg.AssetKey("raw")}


def test_asset_key_parameter_and_kinds():
    @dg.asset(key=["a", "b", "c"], kinds={"python", "snowflake"})
    def whatever():
        return 1

    assert whatever.key == dg.AssetKey(["a", "b", "c"])
    assert set(whatever.specs_by_key[whatever.key].kinds) == {"python", "snowflake"}


def test_asset_key_and_name_conflict_is_an_error():
    with pytest.raises(dg.DagsterInvalidDefinitionError):

        @dg.asset(key="x", name="y")
        def f():
            return 1


def test_docstring_becomes_description():
    @dg.asset
    def doc():
        """Hello there."""
        return 1

    assert doc.specs_by_key[doc.key].description == "Hello there."


def test_asset_in_key_prefix_metadata_and_partition_mapping():
    mapping = dg.LastPartitionMapping()

    @dg.asset(
        ins={"x": dg.AssetIn(key_prefix=["src"], metadata={"m": 1}, partition_mapping=mapping)}
    )
    def uses(x):
        return x

    assert uses.keys_by_input_name == {"x": dg.AssetKey(["src", "x"])}
    assert uses.partition_mappings == {dg.AssetKey(["src", "x"]): mapping}
    assert uses.op.ins["x"].metadata == {"m": 1}


def test_asset_dep_and_values_flow():
    @dg.asset
    def up():
        return 2

    @dg.asset(deps=[dg.AssetDep(up), dg.AssetDep("other")])
    def down():
        return 3

    assert down.dependency_keys == {dg.AssetKey("up"), dg.AssetKey("other")}
    # deps do not pass values
    res = dg.materialize_to_memory([up, down], selection=["up", "down"])
    assert res.output_for_node("down") == 3


def test_dependencies_pass_values():
    @dg.asset
    def a():
        return [1, 2, 3]

    @dg.asset
    def b(a):
        return sum(a)

    @dg.asset(ins={"renamed": dg.AssetIn("b")})
    def c(renamed, a):
        return renamed * len(a)

    res = dg.materialize_to_memory([a, b, c])
    assert res.success
    assert res.output_for_node("c") == 18


def test_key_prefix_siblings_resolve():
    @dg.asset(key_prefix="p")
    def up():
        return 1

    @dg.asset(key_prefix="p")
    def down(up):
        return up + 1

    res = dg.materialize_to_memory([up, down])
    assert res.asset_value(["p", "down"]) == 2


def test_multi_asset_outs_tuple_and_yield():
    @dg.multi_asset(outs={"a": dg.AssetOut(), "b": dg.AssetOut(key_prefix="x", group_name="g")})
    def ab():
        return 1, 2

    @dg.asset(ins={"b": dg.AssetIn(key=["x", "b"])})
    def total(a, b):
        return a + b

    res = dg.materialize_to_memory([ab, total])
    assert res.asset_value("a") == 1
    assert res.asset_value(["x", "b"]) == 2
    assert res.output_for_node("ab", "b") == 2
    assert res.output_for_node("total") == 3
    assert ab.group_names_by_key[dg.AssetKey(["x", "b"])] == "g"


def test_multi_asset_specs_with_materialize_result():
    @dg.multi_asset(specs=[dg.AssetSpec("s1"), dg.AssetSpec("s2", deps=["s1"])])
    def specs_fn():
        yield dg.MaterializeResult(asset_key="s1", metadata={"k": 1})
        yield dg.MaterializeResult(asset_key="s2")

    res = dg.materialize([specs_fn])
    keys = [e.asset_key for e in res.get_asset_materialization_events()]
    assert keys == [dg.AssetKey("s1"), dg.AssetKey("s2")]
    assert res.get_asset_materialization_events()[0].materialization.metadata[
        "k"
    ] == dg.MetadataValue.int(1)
    assert specs_fn.asset_deps[dg.AssetKey("s2")] == {dg.AssetKey("s1")}


def test_multi_asset_can_subset_selected_keys():
    seen = []

    @dg.multi_asset(
        outs={"a": dg.AssetOut(is_required=False), "b": dg.AssetOut(is_required=False)},
        can_subset=True,
    )
    def sub(context: dg.AssetExecutionContext):
        seen.append(set(context.selected_asset_keys))
        for key in context.selected_asset_keys:
            yield dg.Output(key.path[-1].upper(), output_name=key.path[-1])

    res = dg.materialize_to_memory([sub], selection=["b"])
    assert seen == [{dg.AssetKey("b")}]
    assert res.asset_value("b") == "B"
    assert [e.asset_key for e in res.get_asset_materialization_events()] == [dg.AssetKey("b")]


def test_multi_asset_cannot_subset_partial_selection():
    @dg.multi_asset(outs={"a": dg.AssetOut(), "b": dg.AssetOut()})
    def ab():
        return 1, 2

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="can_subset"):
        dg.materialize_to_memory([ab], selection=["a"])


def test_multi_asset_internal_asset_deps():
    @dg.multi_asset(
        outs={"a": dg.AssetOut(), "b": dg.AssetOut()},
        internal_asset_deps={"a": {dg.AssetKey("up")}, "b": set()},
    )
    def ab(up):
        return up, 0

    assert ab.asset_deps[dg.AssetKey("a")] == {dg.AssetKey("up")}
    assert ab.asset_deps[dg.AssetKey("b")] == set()


def test_multi_asset_missing_required_output_fails():
    @dg.multi_asset(outs={"a": dg.AssetOut(), "b": dg.AssetOut()})
    def only_a():
        yield dg.Output(1, output_name="a")

    res = dg.materialize_to_memory([only_a], raise_on_error=False)
    assert not res.success
    err = res.get_step_failure_events()[0].error
    assert err.cls_name == "DagsterStepOutputNotFoundError"


def test_op_and_graph_asset():
    @dg.op
    def fetch():
        return [3, 1, 2]

    @dg.op(out=dg.Out(description="sorted"))
    def sort(xs):
        return sorted(xs)

    @dg.graph_asset
    def sorted_numbers():
        return sort(fetch())

    @dg.asset
    def head(sorted_numbers):
        return sorted_numbers[0]

    res = dg.materialize_to_memory([sorted_numbers, head])
    assert res.asset_value("sorted_numbers") == [1, 2, 3]
    assert res.output_for_node("head") == 1
    assert sorted_numbers.key == dg.AssetKey("sorted_numbers")


def test_graph_asset_with_upstream_input():
    @dg.asset
    def base():
        return 10

    @dg.op
    def double(x):
        return x * 2

    @dg.graph_asset
    def doubled(base):
        return double(base)

    res = dg.materialize_to_memory([base, doubled])
    assert res.asset_value("doubled") == 20


def test_graph_multi_asset():
    @dg.op(out={"x": dg.Out(), "y": dg.Out()})
    def split():
        return 1, 2

    @dg.graph_multi_asset(outs={"first": dg.AssetOut(), "second": dg.AssetOut()})
    def pair():
        x, y = split()
        return {"first": x, "second": y}

    res = dg.materialize_to_memory([pair])
    assert res.asset_value("first") == 1
    assert res.asset_value("second") == 2


def test_op_direct_invocation_and_graph_definition():
    @dg.op
    def add(a, b):
        return a + b

    assert add(1, 2) == 3

    @dg.graph
    def g():
        return add()

    assert isinstance(g, dg.GraphDefinition)
    assert isinstance(add, dg.OpDefinition)


def test_retry_policy_values():
    p = dg.RetryPolicy(max_retries=3, delay=1.0, backoff=dg.Backoff.EXPONENTIAL)
    assert p.max_retries == 3
    assert p.delay == 1.0
    assert p.backoff == dg.Backoff.EXPONENTIAL


def test_automation_fields_are_stored_on_spec():
    @dg.asset(freshness_policy=None, automation_condition=None)
    def f():
        return 1

    assert f.specs_by_key[f.key].automation_condition is None
