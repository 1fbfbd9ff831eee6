"""@dbt_assets builds each spec when it is first read (LazySpecs); loading builds none.

Loading a project (``@dbt_assets`` + ``Definitions`` + resolving a selection) needs only keys
and deps; the rest of a spec is built on first read, and is the same spec the eager path
builds. A user's overridden translator hooks still run at decoration, as in dagster_dbt.
"""

import pickle

import pytest

import dagster_nb as dg
from dagster_nb._definitions.lazy_specs import LazySpecs
from dagster_nb.dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

pytestmark = [pytest.mark.usefixtures("quiet_dagster")]


def _load(manifest, project_dir, **kw):
    @dbt_assets(manifest=manifest, **kw)
    def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    defs = dg.Definitions(
        assets=[jaffle], resources={"dbt": DbtCliResource(project_dir=project_dir)}
    )
    return jaffle, defs


def test_loading_and_selecting_builds_no_spec(manifest, parsed_project):
    jaffle, defs = _load(manifest, parsed_project.project_dir)
    specs = jaffle.specs_by_key
    assert type(specs) is LazySpecs and len(specs) == 3
    graph = defs.resolve_asset_graph()
    picked = dg.AssetSelection.from_string("key:stg_orders+").resolve(defs)
    assert {k.to_user_string() for k in picked} == {"stg_orders", "customer_revenue"}
    assert graph.get(dg.AssetKey("customer_revenue")).parent_keys == {
        dg.AssetKey("stg_orders"),
        dg.AssetKey("stg_customers"),
    }
    assert sorted(c.name for c in jaffle.check_specs) == [
        "not_null_stg_customers_customer_id",
        "not_null_stg_orders_order_id",
        "unique_customer_revenue_customer_id",
        "unique_stg_customers_customer_id",
        "unique_stg_orders_order_id",
    ]
    assert specs.built_count == 0
    # a selection by group reads groups: that builds the specs, once
    picked = dg.AssetSelection.from_string("group:default").resolve(defs)
    assert len(picked) == 3 and specs.built_count == 3


def test_a_read_spec_is_the_eager_spec(manifest, parsed_project):
    jaffle, _ = _load(manifest, parsed_project.project_dir)
    key = dg.AssetKey("customer_revenue")
    spec = jaffle.specs_by_key[key]
    assert jaffle.specs_by_key.built_count == 1
    uid = spec.metadata["dagster_dbt/unique_id"]
    eager = DagsterDbtTranslator().get_asset_spec(manifest, uid, None)
    for field in ("key", "deps", "description", "group_name", "code_version", "owners", "tags"):
        assert getattr(spec, field) == getattr(eager, field), field
    assert spec.kinds == eager.kinds == {"dbt", "duckdb"}
    assert spec.owners == ("team:finance",)
    assert [c.name for c in spec.metadata["dagster/column_schema"].columns] == [
        c.name for c in eager.metadata["dagster/column_schema"].columns
    ]
    assert jaffle.specs_by_key[key] is spec  # kept


def test_overridden_hooks_run_at_decoration(manifest, parsed_project):
    calls = []

    class Grouped(DagsterDbtTranslator):
        def get_group_name(self, props):
            calls.append(props["name"])
            return "marts" if props["name"] == "customer_revenue" else "staging"

    jaffle, defs = _load(manifest, parsed_project.project_dir, dagster_dbt_translator=Grouped())
    # each model's (and each source's, for its deps' metadata), once, as dagster_dbt does
    assert sorted(c for c in calls if "_" in c) == [
        "customer_revenue",
        "stg_customers",
        "stg_orders",
    ]
    asked = len(calls)
    assert jaffle.specs_by_key.built_count == 0
    picked = dg.AssetSelection.from_string("group:staging").resolve(defs)
    assert {k.to_user_string() for k in picked} == {"stg_orders", "stg_customers"}
    assert len(calls) == asked  # the results are kept, not asked again

    class Broken(DagsterDbtTranslator):
        def get_description(self, props):
            raise ValueError(f"no description for {props['name']}")

    with pytest.raises(ValueError, match="no description for"):
        _load(manifest, parsed_project.project_dir, dagster_dbt_translator=Broken())


def test_overridden_get_asset_spec_builds_specs_up_front(manifest, parsed_project):
    class Prefixed(DagsterDbtTranslator):
        def get_asset_spec(self, manifest, unique_id, project):
            spec = super().get_asset_spec(manifest, unique_id, project)
            return spec.replace_attributes(key=spec.key.with_prefix("wh"))

    jaffle, defs = _load(manifest, parsed_project.project_dir, dagster_dbt_translator=Prefixed())
    assert type(jaffle.specs_by_key) is dict
    assert {k.to_user_string() for k in jaffle.keys} == {
        "wh/stg_orders",
        "wh/stg_customers",
        "wh/customer_revenue",
    }
    # the checks name the keys get_asset_spec gives
    assert {c.asset_key.to_user_string() for c in jaffle.check_specs} == {
        "wh/stg_orders",
        "wh/stg_customers",
        "wh/customer_revenue",
    }
    assert defs.resolve_asset_graph().get(dg.AssetKey(["wh", "customer_revenue"])).parent_keys


def test_lazy_specs_pickle_as_their_specs(manifest, parsed_project):
    jaffle, _ = _load(manifest, parsed_project.project_dir)
    copy = pickle.loads(pickle.dumps(jaffle.specs_by_key))
    assert type(copy) is dict and set(copy) == set(jaffle.specs_by_key)
    key = dg.AssetKey("stg_orders")
    assert copy[key].description == jaffle.specs_by_key[key].description


def test_a_builder_that_breaks_its_promise_fails_loudly():
    a, b = dg.AssetKey("a"), dg.AssetKey("b")
    specs = LazySpecs({a: ()}, lambda key: dg.AssetSpec(b, group_name="g"))
    assert a in specs and b not in specs and len(specs) == 1
    with pytest.raises(
        dg.DagsterInvariantViolationError, match="differs from what its definition promised .key"
    ):
        specs[a]
    no_group = LazySpecs({a: ()}, lambda key: dg.AssetSpec(key))
    with pytest.raises(dg.DagsterInvariantViolationError, match="group_name"):
        no_group[a]
    with pytest.raises(KeyError):
        specs[b]


def test_checks_are_named_at_load_and_built_on_read(manifest, parsed_project):
    from dagster_nb._definitions.lazy_specs import LazyCheckSpecs

    jaffle, defs = _load(manifest, parsed_project.project_dir)
    checks = jaffle.check_specs_by_output_name
    assert type(checks) is LazyCheckSpecs
    defs.resolve_asset_graph()
    assert {k.to_user_string() for k in jaffle.check_keys} == {
        "stg_customers:not_null_stg_customers_customer_id",
        "stg_customers:unique_stg_customers_customer_id",
        "stg_orders:not_null_stg_orders_order_id",
        "stg_orders:unique_stg_orders_order_id",
        "customer_revenue:unique_customer_revenue_customer_id",
    }
    assert checks.built_count == 0
    spec = checks["stg_orders_unique_stg_orders_order_id"]
    assert (spec.asset_key, spec.name, spec.blocking) == (
        dg.AssetKey("stg_orders"),
        "unique_stg_orders_order_id",
        True,
    )
    assert spec.metadata["dagster_dbt/unique_id"].startswith(
        "test.jaffle_nb.unique_stg_orders_order_id."
    )
    assert checks.built_count == 1
    copy = pickle.loads(pickle.dumps(checks))
    assert type(copy) is dict and copy.keys() == checks.keys()


def test_a_check_named_like_a_dbt_test_is_a_duplicate(manifest, parsed_project):
    # as Dagster: Duplicate asset check key, when the definitions load
    @dg.asset_check(asset=dg.AssetKey("stg_orders"), name="unique_stg_orders_order_id")
    def mine():
        return dg.AssetCheckResult(passed=True)

    jaffle, _ = _load(manifest, parsed_project.project_dir)
    defs = dg.Definitions(
        assets=[jaffle],
        asset_checks=[mine],
        resources={"dbt": DbtCliResource(project_dir=parsed_project.project_dir)},
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="Duplicate asset check key"):
        defs.resolve_asset_graph()


def test_a_dropped_definition_frees_its_manifest_without_the_cyclic_gc(manifest, parsed_project):
    # Re-running the cell that loads a project drops the previous definition; nothing may keep
    # its manifest alive, and no reference cycle may leave it to the cyclic GC's next full
    # collection (for 5,000 models, a walk of over a million objects).
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        jaffle, defs = _load(manifest, parsed_project.project_dir)
        dg.AssetSelection.from_string("key:stg_orders+").resolve(defs)
        spec = jaffle.specs_by_key[dg.AssetKey("customer_revenue")]
        list(jaffle.check_specs)
        wrapper = weakref.ref(spec.metadata["dagster_dbt/manifest"])
        assert wrapper() is not None
        del jaffle, defs, spec
        assert wrapper() is None
    finally:
        gc.enable()
