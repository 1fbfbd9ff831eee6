"""AssetSelection algebra through the public API, on the small graph in selection_helpers."""

from __future__ import annotations

import pytest
from selection_helpers import k, names

import dagster_nb as dg
from dagster_nb._errors import DagsterInvalidAssetSelectionError, DagsterInvalidSubsetError
from dagster_nb._selection import AssetSelection

MATERIALIZABLE = {
    "raw/orders", "raw/users", "stg/orders", "stg/users", "marts/revenue", "report",
    "orphan", "m1", "m2",
}  # fmt: skip


def test_public_name_is_the_same_class():
    assert dg.AssetSelection is AssetSelection


def test_all(graph):
    assert names(AssetSelection.all().resolve(graph)) == MATERIALIZABLE
    assert names(AssetSelection.all(include_sources=True).resolve(graph)) == MATERIALIZABLE | {
        "ext_src", "ext_child", "ghost",
    }  # fmt: skip


def test_assets_accepts_strings_keys_lists_and_definitions(graph):
    class FakeAssetsDefinition:
        keys = frozenset({k("m1"), k("m2")})

    sel = AssetSelection.assets("raw/orders", k("report"), ["stg", "users"], FakeAssetsDefinition())
    assert names(sel.resolve(graph)) == {"raw/orders", "report", "stg/users", "m1", "m2"}


def test_unknown_key_raises_dagsters_error_with_close_matches(graph):
    with pytest.raises(DagsterInvalidSubsetError) as err:
        AssetSelection.assets("raw/ordrs", "report").resolve(graph)
    msg = str(err.value)
    assert "['raw/ordrs']" in msg and "were selected" in msg
    assert "Did you mean one of 'raw/orders'" in msg
    assert names(AssetSelection.assets("raw/ordrs").resolve(graph, allow_missing=True)) == set()


def test_keys_is_deprecated_alias(graph):
    with pytest.warns(DeprecationWarning, match="AssetSelection.assets"):
        sel = AssetSelection.keys("report")
    assert sel == AssetSelection.assets("report")


def test_key_prefixes_and_substring(graph):
    assert names(AssetSelection.key_prefixes("stg").resolve(graph)) == {"stg/orders", "stg/users"}
    assert names(AssetSelection.key_prefixes(["raw", "users"], "marts").resolve(graph)) == {
        "raw/users", "marts/revenue",
    }  # fmt: skip
    assert names(AssetSelection.key_substring("orders").resolve(graph)) == {
        "raw/orders",
        "stg/orders",
    }
    assert names(AssetSelection.key_substring("src").resolve(graph)) == set()
    assert names(AssetSelection.key_substring("src", include_sources=True).resolve(graph)) == {
        "ext_src"
    }


def test_groups_tags_kinds_owners(graph):
    assert names(AssetSelection.groups("raw").resolve(graph)) == {"raw/orders", "raw/users"}
    assert names(AssetSelection.groups("raw", include_sources=True).resolve(graph)) == {
        "raw/orders", "raw/users", "ext_src",
    }  # fmt: skip
    assert names(AssetSelection.tag("layer", "silver").resolve(graph)) == {
        "stg/orders",
        "stg/users",
    }
    assert names(AssetSelection.tag_string("pii").resolve(graph)) == {"raw/users", "stg/users"}
    assert names(AssetSelection.kind("dbt").resolve(graph)) == {
        "stg/orders",
        "stg/users",
        "marts/revenue",
    }
    assert names(AssetSelection.kind(None).resolve(graph)) == {"report", "orphan", "m1", "m2"}
    # Kinds are tags in Dagster, so tag:dagster/kind/x selects them too.
    assert names(AssetSelection.tag("dagster/kind/snowflake", "").resolve(graph)) == {
        "marts/revenue"
    }
    assert names(AssetSelection.owner("team:analytics").resolve(graph)) == {
        "marts/revenue",
        "report",
    }
    with pytest.raises(DagsterInvalidAssetSelectionError, match="no more than one '='"):
        AssetSelection.tag_string("a=b=c")


def test_traversals(graph):
    rev = AssetSelection.assets("marts/revenue")
    # upstream keeps only materializable keys (ext_src is dropped), as Dagster does
    assert names(rev.upstream().resolve(graph)) == {
        "marts/revenue", "stg/orders", "stg/users", "raw/orders", "raw/users",
    }  # fmt: skip
    assert names(rev.upstream(1).resolve(graph)) == {"marts/revenue", "stg/orders", "stg/users"}
    assert names(rev.upstream(1, include_self=False).resolve(graph)) == {"stg/orders", "stg/users"}
    # downstream keeps external children
    assert names(rev.downstream().resolve(graph)) == {"marts/revenue", "report", "ext_child"}
    assert names(rev.downstream(include_self=False).resolve(graph)) == {"report", "ext_child"}
    assert names(rev.upstream(0).resolve(graph)) == {"marts/revenue"}
    assert names(AssetSelection.assets("ext_src").upstream().resolve(graph)) == set()


def test_roots_and_sinks_are_transitive(graph):
    sel = AssetSelection.assets("raw/orders", "marts/revenue", "report")
    # marts/revenue has no *parent* in the selection but has an ancestor, so it is no root.
    assert names(sel.roots().resolve(graph)) == {"raw/orders"}
    assert names(sel.sinks().resolve(graph)) == {"report"}
    assert names(AssetSelection.all().roots().resolve(graph)) == {
        "raw/orders",
        "raw/users",
        "orphan",
        "m1",
    }
    assert names(AssetSelection.all().sinks().resolve(graph)) == {"report", "orphan", "m1", "m2"}
    with pytest.warns(DeprecationWarning):
        assert AssetSelection.all().sources() == AssetSelection.all().roots()


def test_required_neighbors_materializable_and_parent_sources(graph):
    assert names(AssetSelection.assets("m2").required_multi_asset_neighbors().resolve(graph)) == {
        "m1",
        "m2",
    }
    assert (
        names(AssetSelection.all(include_sources=True).materializable().resolve(graph))
        == MATERIALIZABLE
    )
    assert names(AssetSelection.assets("report").upstream_source_assets().resolve(graph)) == {
        "ext_src"
    }
    assert names(AssetSelection.assets("orphan").upstream_source_assets().resolve(graph)) == {
        "ghost"
    }


def test_operators_flatten_and_compare_by_value(graph):
    a, b, c = (AssetSelection.assets(x) for x in ("m1", "m2", "report"))
    union = a | b | c
    assert len(union.operands) == 3 and union == (a | (b | c))
    assert hash(union) == hash(AssetSelection.assets("m1") | AssetSelection.assets("m2") | c)
    inter = a & b & c
    assert len(inter.operands) == 3
    assert names(union.resolve(graph)) == {"m1", "m2", "report"}
    assert names((union & (b | c)).resolve(graph)) == {"m2", "report"}
    assert names((union - b).resolve(graph)) == {"m1", "report"}
    assert {union, a | b | c} == {union}
    with pytest.raises(TypeError):
        a | "m2"  # noqa: B018


def test_without_checks_and_all_asset_checks(graph):
    sel = AssetSelection.groups("marts")
    assert sel.without_checks().resolve(graph) == sel.resolve(graph)
    assert AssetSelection.all_asset_checks().resolve(graph) == set()
    assert sel.without_checks().to_selection_str() == 'group:"marts"'


def test_resolve_accepts_objects_with_an_asset_graph(graph):
    class Defs:
        def resolve_asset_graph(self):
            return graph

    class Repo:
        asset_graph = graph

    assert AssetSelection.groups("raw").resolve(Defs()) == AssetSelection.groups("raw").resolve(
        Repo()
    )
    with pytest.raises(DagsterInvalidAssetSelectionError, match="Cannot resolve"):
        AssetSelection.all().resolve(42)


def test_from_coercible(graph):
    assert AssetSelection.from_coercible("report") == AssetSelection.assets("report")
    sel = AssetSelection.groups("x")
    assert AssetSelection.from_coercible(sel) is sel
    assert AssetSelection.from_coercible(["m1", "*report"]) == (
        AssetSelection.assets("m1") | AssetSelection.assets("report").upstream()
    )
    assert AssetSelection.from_coercible([k("m1"), k("m2")]) == AssetSelection.assets("m1", "m2")
    assert names(AssetSelection.from_coercible(["m1", k("report")]).resolve(graph)) == {
        "m1",
        "report",
    }
    with pytest.raises(DagsterInvalidAssetSelectionError, match="selection argument must be"):
        AssetSelection.from_coercible(3)


def test_repr_is_python_and_str_is_selection_syntax():
    sel = (
        AssetSelection.assets("a/b").upstream(2) | AssetSelection.groups("g")
    ) - AssetSelection.tag("t", "v")
    assert repr(sel) == (
        "(AssetSelection.assets('a/b').upstream(2) | AssetSelection.groups('g')) - "
        "AssetSelection.tag('t', 'v', )".replace(", )", ")")
    )
    assert eval(repr(sel), {"AssetSelection": AssetSelection}) == sel
    assert str(sel) == '(2+key:"a/b" or group:"g") and not tag:"t"="v"'
    assert "<code>" in sel._repr_html_()
    # not expressible as text: str falls back to repr, to_selection_str refuses
    neighbors = AssetSelection.assets("a").required_multi_asset_neighbors()
    assert str(neighbors) == repr(neighbors)
    with pytest.raises(NotImplementedError):
        neighbors.to_selection_str()


@pytest.mark.parametrize(
    ("sel", "text"),
    [
        (AssetSelection.all(), "*"),
        (AssetSelection.assets("a", "b/c"), 'key:"a" or key:"b/c"'),
        (AssetSelection.assets(), "not *"),
        (AssetSelection.assets("a").upstream(), '+key:"a"'),
        (AssetSelection.assets("a").downstream(3), 'key:"a"+3'),
        (AssetSelection.assets("a", "b").upstream(1), '1+(key:"a" or key:"b")'),
        (AssetSelection.assets("a").upstream().upstream(2), '2+(+key:"a")'),
        (AssetSelection.assets("a").upstream(include_self=False), '+key:"a" and not key:"a"'),
        (
            AssetSelection.assets("a").upstream() | AssetSelection.assets("a").downstream(),
            '+key:"a"+',
        ),
        (
            AssetSelection.all() - (AssetSelection.groups("g") | AssetSelection.owner("o")),
            'not (group:"g" or owner:"o")',
        ),
        (
            AssetSelection.groups("a", "b") & AssetSelection.kind("dbt"),
            '(group:"a" or group:"b") and kind:"dbt"',
        ),
        (AssetSelection.all().sinks(), "sinks(*)"),
        (AssetSelection.kind(None), "kind:<null>"),
        (AssetSelection.tag("pii", ""), 'tag:"pii"'),
        (AssetSelection.key_prefixes("raw"), '(key:"raw" or key:"raw/*") and is:materializable'),
    ],
)
def test_to_selection_str(sel, text):
    assert sel.to_selection_str() == text


def test_to_selection_str_refuses_what_text_cannot_say():
    with pytest.raises(NotImplementedError):
        AssetSelection.groups("g", include_sources=True).to_selection_str()
    with pytest.raises(NotImplementedError, match="quote"):
        AssetSelection.assets('we"ird').to_selection_str()
