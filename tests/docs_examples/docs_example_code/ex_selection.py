"""Asset selection: the AssetSelection algebra and the string syntax used by jobs,
schedules and materialize(selection=...)."""

from . import example
from ._helpers import materialize, materialized_keys


def _graph(dg):
    @dg.asset(group_name="raw", tags={"tier": "bronze"}, kinds={"python"})
    def raw_orders():
        return [1, 2]

    @dg.asset(group_name="raw", key_prefix=["lake"])
    def raw_users():
        return ["u"]

    @dg.asset(group_name="clean", deps=[raw_orders, raw_users], tags={"tier": "silver"})
    def joined(): ...

    @dg.asset(group_name="marts", deps=[joined], owners=["team:analytics"])
    def revenue(): ...

    @dg.asset(group_name="marts", deps=[joined])
    def churn(): ...

    return [raw_orders, raw_users, joined, revenue, churn]


def _keys(sel, assets):
    return sorted(k.to_user_string() for k in sel.resolve(assets))


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_by_key_and_group(dg):
    assets = _graph(dg)
    assert _keys(dg.AssetSelection.assets("joined"), assets) == ["joined"]
    assert _keys(dg.AssetSelection.keys(["lake", "raw_users"]), assets) == ["lake/raw_users"]
    assert _keys(dg.AssetSelection.groups("marts"), assets) == ["churn", "revenue"]
    assert _keys(dg.AssetSelection.key_prefixes("lake"), assets) == ["lake/raw_users"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_upstream_downstream(dg):
    assets = _graph(dg)
    sel = dg.AssetSelection.assets("joined")
    assert _keys(sel.upstream(), assets) == ["joined", "lake/raw_users", "raw_orders"]
    assert _keys(sel.downstream(depth=1, include_self=False), assets) == ["churn", "revenue"]
    assert _keys(
        dg.AssetSelection.all().sources()
        if hasattr(dg.AssetSelection.all(), "sources")
        else dg.AssetSelection.all().roots(),
        assets,
    ) == [
        "lake/raw_users",
        "raw_orders",
    ]
    assert _keys(dg.AssetSelection.all().sinks(), assets) == ["churn", "revenue"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_set_operations(dg):
    assets = _graph(dg)
    marts = dg.AssetSelection.groups("marts")
    assert _keys(marts - dg.AssetSelection.assets("churn"), assets) == ["revenue"]
    assert _keys(marts | dg.AssetSelection.assets("joined"), assets) == [
        "churn",
        "joined",
        "revenue",
    ]
    assert _keys(dg.AssetSelection.all() & dg.AssetSelection.groups("raw"), assets) == [
        "lake/raw_users",
        "raw_orders",
    ]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_by_tag_kind_owner(dg):
    assets = _graph(dg)
    assert _keys(dg.AssetSelection.tag("tier", "silver"), assets) == ["joined"]
    assert _keys(dg.AssetSelection.from_string("kind:python"), assets) == ["raw_orders"]
    assert _keys(dg.AssetSelection.from_string('owner:"team:analytics"'), assets) == ["revenue"]


@example("docs:guides/build/assets/asset-selection-syntax/examples.md")
def example_string_syntax_graph_traversal(dg):
    assets = _graph(dg)
    sel = dg.AssetSelection.from_string
    assert _keys(sel("+key:joined"), assets) == ["joined", "lake/raw_users", "raw_orders"]
    assert _keys(sel("key:joined+"), assets) == ["churn", "joined", "revenue"]
    assert _keys(sel('key:"lake/raw_users"+'), assets) == [
        "churn",
        "joined",
        "lake/raw_users",
        "revenue",
    ]
    assert _keys(sel("group:raw and tag:tier=bronze"), assets) == ["raw_orders"]
    assert _keys(sel("group:marts or key:joined"), assets) == ["churn", "joined", "revenue"]
    assert _keys(sel("group:marts and not key:churn"), assets) == ["revenue"]


@example("docs:guides/build/assets/asset-selection-syntax/examples.md")
def example_string_syntax_functions_and_wildcards(dg):
    assets = _graph(dg)
    sel = dg.AssetSelection.from_string
    assert _keys(sel("roots(*)"), assets) == ["lake/raw_users", "raw_orders"]
    assert _keys(sel("sinks(*)"), assets) == ["churn", "revenue"]
    assert _keys(sel("key:raw_*"), assets) == ["raw_orders"]
    assert _keys(sel("2+key:revenue"), assets) == [
        "joined",
        "lake/raw_users",
        "raw_orders",
        "revenue",
    ]


@example("concepts/assets/build_job.py")
def example_asset_job_with_string_selection(dg):
    assets = _graph(dg)
    job = dg.define_asset_job("marts_job", selection="group:marts")
    defs = dg.Definitions(assets=assets, jobs=[job])
    result = defs.resolve_job_def("marts_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert sorted(materialized_keys(result)) == ["churn", "revenue"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_materialize_with_string_selection(dg):
    assets = _graph(dg)
    result = materialize(dg, assets, selection="+key:joined")
    assert sorted(materialized_keys(result)) == ["joined", "lake/raw_users", "raw_orders"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_list_of_assets_defs(dg):
    assets = _graph(dg)
    raw_orders, _, joined, _, _ = assets
    result = materialize(dg, assets, selection=[raw_orders, joined])
    assert materialized_keys(result) == ["raw_orders", "joined"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_required_multi_asset_neighbors(dg):
    @dg.multi_asset(outs={"part_a": dg.AssetOut(), "part_b": dg.AssetOut()})
    def parts():
        return 1, 2

    @dg.asset
    def uses_a(part_a):
        return part_a

    assets = [parts, uses_a]
    sel = dg.AssetSelection.assets("part_a").required_multi_asset_neighbors()
    assert _keys(sel, assets) == ["part_a", "part_b"]


@example("docs:guides/build/assets/asset-selection-syntax/reference.md")
def example_selection_depth_and_sources(dg):
    external = dg.AssetSpec("vendor_feed")

    @dg.asset(deps=[external])
    def staged(): ...

    @dg.asset(deps=[staged])
    def modeled(): ...

    @dg.asset(deps=[modeled])
    def served(): ...

    assets = dg.Definitions(assets=[external, staged, modeled, served]).resolve_asset_graph()
    assert _keys(dg.AssetSelection.assets("served").upstream(depth=1), assets) == [
        "modeled",
        "served",
    ]
    assert _keys(
        dg.AssetSelection.assets("staged").downstream(depth=2, include_self=False), assets
    ) == [
        "modeled",
        "served",
    ]
    assert _keys(dg.AssetSelection.all(), assets) == ["modeled", "served", "staged"]
    assert _keys(dg.AssetSelection.all(include_sources=True), assets) == [
        "modeled",
        "served",
        "staged",
        "vendor_feed",
    ]
    # string selections resolve among materializable assets: the external spec is not added
    assert _keys(dg.AssetSelection.from_string("+key:staged"), assets) == ["staged"]


@example("docs:guides/build/assets/asset-selection-syntax/examples.md")
def example_selection_path_between_two_assets(dg):
    assets = _graph(dg)
    sel = dg.AssetSelection.from_string('key:"raw_orders"+ and +key:"revenue"')
    assert _keys(sel, assets) == ["joined", "raw_orders", "revenue"]
    assert _keys(dg.AssetSelection.from_string("1+key:revenue"), assets) == ["joined", "revenue"]
