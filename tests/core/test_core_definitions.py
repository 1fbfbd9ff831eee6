import sys
import textwrap

import pytest

import dagster_nb as dg

FIXTURES = __file__.rsplit("/", 1)[0] + "/fixtures"


@pytest.fixture
def pkg(monkeypatch):
    monkeypatch.syspath_prepend(FIXTURES)
    for name in list(sys.modules):
        if name.startswith("core_fixture_pkg"):
            del sys.modules[name]
    import core_fixture_pkg

    return core_fixture_pkg


def _keys(assets):
    out = set()
    for a in assets:
        keys = a.keys if isinstance(a, dg.AssetsDefinition) else [a.key]
        out |= {k.to_user_string() for k in keys}
    return out


def test_load_assets_from_package_module(pkg):
    assets = dg.load_assets_from_package_module(pkg, group_name="grp")
    assert _keys(assets) == {
        "root_asset",
        "first_asset",
        "second_asset",
        "m1",
        "m2",
        "external_src",
    }
    defs = dg.Definitions(assets=assets)
    first = defs.resolve_assets_def("first_asset")
    assert first.group_names_by_key[first.key] == "grp"
    assert defs.resolve_assets_def("second_asset").key == dg.AssetKey("second_asset")


def test_load_assets_from_package_name_with_key_prefix(pkg):
    assets = dg.load_assets_from_package_name("core_fixture_pkg", key_prefix="pre")
    keys = _keys(assets)
    assert {"pre/root_asset", "pre/first_asset", "pre/second_asset", "pre/m1"} <= keys
    # dependencies inside the loaded set are prefixed too, so the graph stays connected
    res = dg.materialize_to_memory([a for a in assets if not isinstance(a, dg.SourceAsset)])
    assert res.asset_value(["pre", "second_asset"]) == 20


def test_load_assets_from_modules_and_current_module(pkg):
    from core_fixture_pkg.sub import second

    assets = dg.load_assets_from_modules([second])
    assert _keys(assets) == {"second_asset", "m1", "m2"}


def test_load_assets_from_modules_written_to_tmp_path(tmp_path, monkeypatch):
    (tmp_path / "core_tmp_mod.py").write_text(
        textwrap.dedent(
            """
            import dagster_nb as dg

            @dg.asset
            def t1():
                return 3
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import core_tmp_mod

    assets = dg.load_assets_from_modules([core_tmp_mod], key_prefix=["a", "b"])
    assert _keys(assets) == {"a/b/t1"}


def test_load_assets_from_current_module(tmp_path, monkeypatch):
    (tmp_path / "core_tmp_current.py").write_text(
        textwrap.dedent(
            """
            import dagster_nb as dg

            @dg.asset
            def c1():
                return 1

            @dg.asset
            def c2(c1):
                return c1 + 1

            loaded = dg.load_assets_from_current_module(group_name="current")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import core_tmp_current

    cur = core_tmp_current.loaded
    assert _keys(cur) == {"c1", "c2"}
    assert {ad.group_names_by_key[k] for ad in cur for k in ad.keys} == {"current"}


def test_definitions_duplicate_key_names_it():
    @dg.asset(name="dup")
    def one():
        return 1

    @dg.asset(name="dup")
    def two():
        return 2

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="dup"):
        dg.Definitions(
            assets=[one, two]
        ).resolve_all_asset_keys()  # checked when loaded, as in Dagster
    # the same object twice is fine
    assert dg.Definitions(assets=[one, one]).resolve_all_asset_keys() == [dg.AssetKey("dup")]


def test_definitions_cycle_names_the_keys():
    @dg.asset
    def x(y):
        return y

    @dg.asset
    def y(x):
        return x

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="[Cc]ircular|[Cc]ycle") as exc:
        dg.Definitions.validate_loadable(dg.Definitions(assets=[x, y]))
    assert isinstance(exc.value, ValueError)  # CircularDependencyError, as Dagster's
    assert "x" in str(exc.value) and "y" in str(exc.value)


def test_definitions_missing_resource_names_key_and_suggests():
    @dg.asset(required_resource_keys={"warehose"})
    def needs(context):
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="warehose") as exc:
        dg.Definitions.validate_loadable(dg.Definitions(assets=[needs], resources={"warehouse": 1}))
    assert "warehouse" in str(exc.value)


def test_definitions_merge_and_load_asset_value(instance):
    @dg.asset
    def a():
        return 2

    @dg.asset
    def b(a):
        return a * 21

    d1 = dg.Definitions(assets=[a])
    d2 = dg.Definitions(assets=[b], resources={"x": 1})
    merged = dg.Definitions.merge(d1, d2)
    assert set(merged.resolve_all_asset_keys()) == {dg.AssetKey("a"), dg.AssetKey("b")}
    assert merged.resources["x"] == 1
    res = dg.materialize([a, b], instance=instance)
    assert res.success
    assert merged.load_asset_value("b", instance=instance) == 42
    with merged.get_asset_value_loader(instance=instance) as loader:
        assert isinstance(loader, dg.AssetValueLoader)
        assert loader.load_asset_value("a") == 2
        assert loader.load_asset_value(dg.AssetKey("b"), python_type=int) == 42


def test_load_asset_value_with_partition_and_custom_io_manager():
    store = {}

    class Store(dg.IOManager):
        def handle_output(self, context, obj):
            store[(context.asset_key.to_user_string(), context.partition_key)] = obj

        def load_input(self, context):
            return store[(context.asset_key.to_user_string(), context.partition_key)]

    inits = []

    @dg.io_manager
    def store_io(_):
        inits.append(1)
        return Store()

    pdef = dg.StaticPartitionsDefinition(["p1", "p2"])

    @dg.asset(partitions_def=pdef)
    def part(context):
        return "value-" + context.partition_key

    defs = dg.Definitions(assets=[part], resources={"io_manager": store_io})
    dg.materialize([part], partition_key="p2", resources={"io_manager": store_io})
    with defs.get_asset_value_loader() as loader:
        assert loader.load_asset_value("part", partition_key="p2") == "value-p2"
        assert loader.load_asset_value("part", partition_key="p2") == "value-p2"
    assert len(inits) == 2  # once for materialize, once for the loader


def test_definitions_merge_conflicting_resources():
    d1 = dg.Definitions(resources={"r": 1})
    d2 = dg.Definitions(resources={"r": 2})
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="r"):
        dg.Definitions.merge(d1, d2)


def test_resolve_assets_def_unknown_key_suggests():
    @dg.asset
    def orders():
        return 1

    defs = dg.Definitions(assets=[orders])
    with pytest.raises(Exception, match="orders"):
        defs.resolve_assets_def("ordrs")


def test_define_asset_job_in_definitions():
    @dg.asset
    def a():
        return 1

    @dg.asset
    def b(a):
        return a + 1

    job = dg.define_asset_job("only_b_job", selection=["a", "b"])
    defs = dg.Definitions(assets=[a, b], jobs=[job])
    res = defs.resolve_job_def("only_b_job").execute_in_process()
    assert res.success
    assert res.output_for_node("b") == 2


def test_a_missing_resource_of_a_large_multi_asset_names_a_few_keys_not_all():
    """A dbt project's multi-asset has thousands of keys: the error names five and counts the
    rest, so the message stays readable (Dagster names only the op)."""

    @dg.multi_asset(
        specs=[dg.AssetSpec(f"m{i:04d}") for i in range(1000)], required_resource_keys={"dbt"}
    )
    def proj(context): ...

    with pytest.raises(dg.DagsterInvalidDefinitionError) as info:
        dg.Definitions(assets=[proj]).get_repository_def()
    message = str(info.value)
    assert (
        "resource with key 'dbt' required by multi-asset 'proj' "
        "(m0000, m0001, m0002, m0003, m0004, ... and 995 more) was not provided." in message
    )
    assert len(message) < 400
