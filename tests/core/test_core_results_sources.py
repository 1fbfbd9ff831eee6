import pandas as pd
import pytest

import dagster_nb as dg


def _mat(res, key=None):
    evs = res.get_asset_materialization_events()
    if key is not None:
        evs = [e for e in evs if e.asset_key == dg.AssetKey(key)]
    return evs[0].materialization


def test_plain_metadata_is_normalized_like_dagster():
    @dg.asset
    def m():
        return dg.MaterializeResult(
            metadata={
                "i": 3,
                "f": 1.5,
                "s": "txt",
                "b": True,
                "d": {"a": 1},
                "l": [1, 2],
                "n": None,
                "url": dg.MetadataValue.url("https://x.y"),
                "md": dg.MetadataValue.md("# hi"),
                "p": dg.MetadataValue.path("/tmp/x"),
                "j": dg.MetadataValue.json({"k": [1]}),
                "a": dg.MetadataValue.asset(dg.AssetKey("z")),
            }
        )

    meta = _mat(dg.materialize([m])).metadata
    assert meta["i"] == dg.MetadataValue.int(3)
    assert meta["f"] == dg.MetadataValue.float(1.5)
    assert meta["s"] == dg.MetadataValue.text("txt")
    assert meta["b"] == dg.MetadataValue.bool(True)
    assert meta["d"] == dg.MetadataValue.json({"a": 1})
    assert meta["l"] == dg.MetadataValue.json([1, 2])
    assert isinstance(meta["n"], dg.NullMetadataValue)
    assert meta["url"].value == "https://x.y"
    assert meta["md"].value == "# hi"
    assert meta["p"].value == "/tmp/x"
    assert meta["j"].value == {"k": [1]}
    assert meta["a"].value == dg.AssetKey("z")
    assert meta["i"].value == 3


def test_table_metadata():
    schema = dg.TableSchema(columns=[dg.TableColumn("a", "int"), dg.TableColumn("b", "string")])

    @dg.asset(metadata={"schema": dg.MetadataValue.table_schema(schema)})
    def t():
        return 1

    spec_meta = t.specs_by_key[t.key].metadata
    assert [c.name for c in spec_meta["schema"].schema.columns] == ["a", "b"]


def test_output_with_metadata_and_context_add_output_metadata():
    @dg.asset
    def o(context: dg.AssetExecutionContext):
        context.add_output_metadata({"extra": "yes"})
        return dg.Output([1, 2], metadata={"count": 2})

    res = dg.materialize_to_memory([o])
    meta = _mat(res).metadata
    assert meta["count"].value == 2
    assert meta["extra"].value == "yes"
    assert res.output_for_node("o") == [1, 2]


def test_materialize_result_without_value_stores_nothing():
    @dg.asset
    def side_effect():
        return dg.MaterializeResult(metadata={"rows": 10})

    res = dg.materialize([side_effect])
    assert _mat(res).metadata["rows"].value == 10
    with pytest.raises(dg.DagsterInvariantViolationError):
        res.output_for_node("side_effect")


def test_dataframe_row_count_and_schema_metadata():
    @dg.asset
    def frame():
        return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})

    meta = _mat(dg.materialize_to_memory([frame])).metadata
    assert meta["dagster/row_count"].value == 3
    cols = meta["dagster/column_schema"].schema.columns
    assert [(c.name, c.type) for c in cols][0] == ("a", "int64")
    assert [c.name for c in cols] == ["a", "b"]


def test_asset_observation_yielded_from_asset():
    @dg.asset
    def watched():
        yield dg.AssetObservation(asset_key="watched", metadata={"seen": 1})
        yield dg.Output(5)

    res = dg.materialize_to_memory([watched])
    obs = res.get_asset_observation_events()
    assert len(obs) == 1
    assert obs[0].observation.metadata["seen"].value == 1
    assert res.output_for_node("watched") == 5


def test_source_asset_is_loaded_through_io_manager():
    class Fixed(dg.IOManager):
        def handle_output(self, context, obj):
            raise AssertionError("never called")

        def load_input(self, context):
            return {"src": 41}[context.asset_key.path[-1]]

    src = dg.SourceAsset("src", io_manager_key="fixed")

    @dg.asset
    def plus_one(src):
        return src + 1

    res = dg.materialize([src, plus_one], resources={"fixed": Fixed()})
    assert res.output_for_node("plus_one") == 42


def test_materializing_a_source_or_external_asset_is_a_clear_error():
    src = dg.SourceAsset("src")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="src"):
        dg.materialize([src], selection=["src"])
    ext = dg.external_assets_from_specs([dg.AssetSpec("ext")])
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="ext.*not materialized|not be materialized|cannot"
    ):
        dg.materialize(ext, selection=["ext"])
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="ext"):
        dg.materialize([dg.AssetSpec("ext")], selection="ext")


def test_observable_source_asset_observe():
    @dg.observable_source_asset
    def remote():
        return dg.DataVersion("v7")

    from dagster_nb._execution.materialize import observe

    res = observe([remote])
    assert res.success
    obs = res.get_asset_observation_events()[0].observation
    assert obs.asset_key == dg.AssetKey("remote")
    assert obs.tags["dagster/data_version"] == "v7"
    # As in Dagster, selecting it in a materialize run observes it (no materialization).
    res = dg.materialize([remote], selection=["remote"])
    assert [
        e.observation.tags["dagster/data_version"] for e in res.get_asset_observation_events()
    ] == ["v7"]
    assert res.get_asset_materialization_events() == []


def test_multi_observable_source_asset():
    @dg.multi_observable_source_asset(specs=[dg.AssetSpec("o1"), dg.AssetSpec("o2")])
    def both():
        yield dg.ObserveResult(asset_key="o1", data_version=dg.DataVersion("1"))
        yield dg.ObserveResult(asset_key="o2", data_version=dg.DataVersion("2"), metadata={"m": 1})

    from dagster_nb._execution.materialize import observe

    res = observe([both])
    obs = {e.asset_key.to_user_string(): e.observation for e in res.get_asset_observation_events()}
    assert obs["o1"].tags["dagster/data_version"] == "1"
    assert obs["o2"].metadata["m"].value == 1


def test_external_asset_as_upstream_is_loaded(tmp_path):
    class Const(dg.IOManager):
        def handle_output(self, context, obj):
            pass

        def load_input(self, context):
            return 7

    ext = (
        dg.AssetSpec("ext").with_io_manager_key("const")
        if hasattr(dg.AssetSpec, "with_io_manager_key")
        else dg.AssetSpec("ext", metadata={"dagster/io_manager_key": "const"})
    )

    @dg.asset
    def use(ext):
        return ext * 2

    res = dg.materialize([ext, use], resources={"const": Const()}, selection=["use"])
    assert res.output_for_node("use") == 14
