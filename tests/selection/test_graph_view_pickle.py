"""An asset graph pickles (processes and Dask workers get it) after a selection has indexed it."""

import pickle

import dagster_nb as dg


def test_a_resolved_graph_pickles_without_its_selection_view():
    @dg.asset(group_name="g")
    def a():
        return 1

    @dg.asset
    def b(a):
        return a

    defs = dg.Definitions(assets=[a, b])
    graph = defs.resolve_asset_graph()
    assert dg.AssetSelection.from_string("group:g+").resolve(defs) == {a.key, b.key}
    copy = pickle.loads(pickle.dumps(graph))
    assert set(copy.nodes) == {a.key, b.key} and copy.get(b.key).parent_keys == {a.key}
    assert dg.AssetSelection.from_string("group:g+").resolve(copy) == {a.key, b.key}
