"""Assets: definitions, dependencies, multi-assets, graph-backed assets, groups, key prefixes,
metadata, code and data versions, observable and external assets, testing by invocation."""

import json
import os
import types

from . import example
from ._helpers import latest_metadata, materialize, materialized_keys


@example("concepts/assets/basic_asset_definition.py")
def example_asset_writes_a_file(dg):
    @dg.asset
    def planets():
        os.makedirs("out", exist_ok=True)
        with open("out/planets.json", "w") as f:
            json.dump(["mercury", "venus"], f)

    assert materialize(dg, [planets]).success
    with open("out/planets.json") as f:
        assert json.load(f) == ["mercury", "venus"]


@example("concepts/assets/asset_dependency.py")
def example_dependency_by_argument_name(dg):
    @dg.asset
    def temperatures():
        return [12, 15, 9]

    @dg.asset
    def warmest(temperatures):
        return max(temperatures)

    result = materialize(dg, [temperatures, warmest])
    assert result.output_for_node("warmest") == 15
    assert materialized_keys(result) == ["temperatures", "warmest"]


@example("concepts/assets/explicit_string_asset_dependency.py")
def example_asset_in_with_another_parameter_name(dg):
    @dg.asset
    def raw_scores():
        return [3, 4]

    @dg.asset(ins={"scores": dg.AssetIn("raw_scores")})
    def score_total(scores):
        return sum(scores)

    assert materialize(dg, [raw_scores, score_total]).output_for_node("score_total") == 7
    assert score_total.keys_by_input_name["scores"] == dg.AssetKey("raw_scores")


@example("concepts/assets/multi_component_asset_key.py")
def example_key_prefix_and_asset_in_prefix(dg):
    @dg.asset(key_prefix=["lake", "bronze"])
    def readings():
        return [1.5, 2.5]

    @dg.asset(ins={"readings": dg.AssetIn(key_prefix=["lake", "bronze"])})
    def mean_reading(readings):
        return sum(readings) / len(readings)

    assert readings.key == dg.AssetKey(["lake", "bronze", "readings"])
    result = materialize(dg, [readings, mean_reading])
    assert result.output_for_node("mean_reading") == 2.0
    assert materialized_keys(result) == ["lake/bronze/readings", "mean_reading"]


@example("guides/build/assets/non_argument_deps.py")
def example_deps_without_loading_a_value(dg):
    calls = []

    @dg.asset
    def staged_rows() -> None:
        calls.append("staged_rows")

    @dg.asset(deps=[staged_rows])
    def summary_table() -> None:
        calls.append("summary_table")

    assert summary_table.asset_deps[dg.AssetKey("summary_table")] == {dg.AssetKey("staged_rows")}
    assert materialize(dg, [summary_table, staged_rows]).success
    assert calls == ["staged_rows", "summary_table"]


@example("guides/build/assets/asset-dependencies/asset-dependencies.py")
def example_deps_given_as_strings(dg):
    @dg.asset
    def exported_file():
        with open("exported.json", "w") as f:
            json.dump(40, f)

    @dg.asset(deps=["exported_file"])
    def doubled_file():
        with open("exported.json") as f:
            value = json.load(f)
        with open("doubled.json", "w") as f:
            json.dump(value * 2, f)

    assert materialize(dg, [exported_file, doubled_file]).success
    with open("doubled.json") as f:
        assert json.load(f) == 80


@example("concepts/assets/multi_assets.py")
def example_multi_asset_returns_a_tuple(dg):
    @dg.multi_asset(outs={"city_name": dg.AssetOut(), "city_population": dg.AssetOut()})
    def city():
        return "Lyon", 522_000

    result = materialize(dg, [city])
    assert result.output_for_node("city", "city_name") == "Lyon"
    assert result.output_for_node("city", "city_population") == 522_000
    assert sorted(k.to_user_string() for k in city.keys) == ["city_name", "city_population"]


@example("concepts/assets/multi_assets.py")
def example_subsettable_multi_asset(dg):
    ran = []

    @dg.multi_asset(
        outs={"left": dg.AssetOut(is_required=False), "right": dg.AssetOut(is_required=False)},
        can_subset=True,
    )
    def halves(context):
        for name in sorted(context.selected_output_names):
            ran.append(name)
            yield dg.Output(len(name), output_name=name)

    result = materialize(dg, [halves], selection=["right"])
    assert ran == ["right"]
    assert materialized_keys(result) == ["right"]


@example("concepts/assets/multi_assets.py")
def example_multi_asset_internal_deps(dg):
    @dg.asset
    def apples():
        return 3

    @dg.asset
    def pears():
        return 5

    @dg.multi_asset(
        outs={"apple_pie": dg.AssetOut(), "pear_tart": dg.AssetOut()},
        internal_asset_deps={
            "apple_pie": {dg.AssetKey("apples")},
            "pear_tart": {dg.AssetKey("pears")},
        },
    )
    def desserts(apples, pears):
        yield dg.Output(apples * 2, output_name="apple_pie")
        yield dg.Output(pears * 2, output_name="pear_tart")

    assert desserts.asset_deps[dg.AssetKey("apple_pie")] == {dg.AssetKey("apples")}
    assert desserts.asset_deps[dg.AssetKey("pear_tart")] == {dg.AssetKey("pears")}
    result = materialize(dg, [apples, pears, desserts])
    assert result.output_for_node("desserts", "pear_tart") == 10


@example("concepts/assets/code_versions.py")
def example_multi_asset_specs_with_code_versions(dg):
    @dg.multi_asset(
        specs=[dg.AssetSpec("north", code_version="7"), dg.AssetSpec("south", code_version="8")]
    )
    def regions():
        yield dg.MaterializeResult(asset_key="north", metadata={"rows": 4})
        yield dg.MaterializeResult(asset_key="south", metadata={"rows": 6})

    assert regions.code_versions_by_key == {dg.AssetKey("north"): "7", dg.AssetKey("south"): "8"}
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(dg, [regions], instance=instance).success
    assert latest_metadata(instance, "south") == {"rows": 6}


@example("concepts/assets/graph_backed_asset.py")
def example_graph_asset_from_ops(dg):
    @dg.op
    def fetch_words():
        return ["graph", "backed", "asset"]

    @dg.op
    def join_words(words):
        return " ".join(words)

    @dg.graph_asset
    def sentence():
        return join_words(fetch_words())

    result = materialize(dg, [sentence])
    assert result.asset_value("sentence") if hasattr(result, "asset_value") else True
    assert result.output_for_node("sentence") == "graph backed asset"


@example("concepts/assets/graph_backed_asset.py")
def example_graph_asset_with_upstream_asset(dg):
    @dg.asset
    def base_number():
        return 20

    @dg.op
    def add_two(n):
        return n + 2

    @dg.graph_asset
    def bumped_number(base_number):
        return add_two(base_number)

    @dg.asset
    def final_number(bumped_number):
        return bumped_number * 10

    result = materialize(dg, [base_number, bumped_number, final_number])
    assert result.output_for_node("final_number") == 220


@example("concepts/assets/graph_backed_asset.py")
def example_graph_multi_asset(dg):
    @dg.op(out={"low": dg.Out(), "high": dg.Out()})
    def split_range():
        return 1, 9

    @dg.graph_multi_asset(outs={"range_low": dg.AssetOut(), "range_high": dg.AssetOut()})
    def bounds():
        low, high = split_range()
        return {"range_low": low, "range_high": high}

    result = materialize(dg, [bounds])
    assert materialized_keys(result) == ["range_low", "range_high"] or sorted(
        materialized_keys(result)
    ) == [
        "range_high",
        "range_low",
    ]
    assert result.output_for_node("bounds", "range_high") == 9


@example(
    "concepts/assets/graph_backed_asset.py",
)
def example_assets_definition_from_graph(dg):
    @dg.op
    def make_items():
        return [1, 2, 3]

    @dg.op
    def count_items(items):
        return len(items)

    @dg.graph
    def item_count():
        return count_items(make_items())

    item_count_asset = dg.AssetsDefinition.from_graph(item_count)
    assert item_count_asset.key == dg.AssetKey("item_count")
    assert materialize(dg, [item_count_asset]).output_for_node("item_count") == 3


@example("concepts/assets/asset_group_argument.py")
def example_group_name(dg):
    @dg.asset(group_name="cereal_assets")
    def oat_cereals():
        return ["oats"]

    @dg.asset
    def plain():
        return 1

    assert oat_cereals.group_names_by_key == {dg.AssetKey("oat_cereals"): "cereal_assets"}
    assert plain.group_names_by_key == {dg.AssetKey("plain"): "default"}
    sel = dg.AssetSelection.groups("cereal_assets")
    assert sel.resolve([oat_cereals, plain]) == {dg.AssetKey("oat_cereals")}


@example("guides/build/assets/metadata/groups.py")
def example_group_name_on_asset_spec(dg):
    costs = dg.AssetSpec("campaign_costs", group_name="marketing")

    @dg.asset(group_name="marketing")
    def campaign_summary(): ...

    defs = dg.Definitions(assets=[costs, campaign_summary])
    groups = {spec.key.to_user_string(): spec.group_name for spec in defs.resolve_all_asset_specs()}
    assert groups == {"campaign_costs": "marketing", "campaign_summary": "marketing"}


@example(
    "concepts/assets/asset_metadata.py",
)
def example_definition_metadata_values(dg):
    @dg.asset(
        metadata={
            "owner_team": "cereal",
            "docs": dg.MetadataValue.url("http://example.com/cereal"),
            "location": dg.MetadataValue.path("/data/cereal"),
        }
    )
    def cereal_list(): ...

    md = cereal_list.metadata_by_key[dg.AssetKey("cereal_list")]
    assert md["owner_team"] == "cereal"
    assert md["docs"].url == "http://example.com/cereal"
    assert md["location"].path == "/data/cereal"


@example("concepts/assets/asset_materialization_metadata_none.py")
def example_output_none_with_metadata(dg):
    @dg.asset
    def written_table() -> dg.Output[None]:
        return dg.Output(None, metadata={"num_rows": 25})

    result = materialize(dg, [written_table])
    event = result.asset_materializations_for_node("written_table")[0]
    assert event.metadata["num_rows"].value == 25


@example("guides/build/assets/asset_materialization_metadata.py")
def example_output_value_with_metadata(dg):
    @dg.asset
    def sizes() -> dg.Output[list]:
        rows = [3, 1, 2]
        return dg.Output(rows, metadata={"row_count": len(rows), "smallest": min(rows)})

    instance = dg.DagsterInstance.ephemeral()
    result = materialize(dg, [sizes], instance=instance)
    assert result.output_for_node("sizes") == [3, 1, 2]
    metadata = latest_metadata(instance, "sizes")
    # the default filesystem IO manager adds where it wrote the value
    assert sorted(metadata) == ["path", "row_count", "smallest"]
    assert (metadata["row_count"], metadata["smallest"]) == (3, 1)
    assert metadata["path"].endswith("sizes")


@example("guides/build/assets/metadata/runtime-metadata.py")
def example_materialize_result_metadata(dg):
    @dg.asset
    def uploaded_file():
        return dg.MaterializeResult(
            metadata={"file_size_kb": dg.MetadataValue.int(512), "label": "nightly"}
        )

    instance = dg.DagsterInstance.ephemeral()
    assert materialize(dg, [uploaded_file], instance=instance).success
    assert latest_metadata(instance, "uploaded_file") == {"file_size_kb": 512, "label": "nightly"}


@example("guides/build/assets/metadata/table-schema-metadata.py")
def example_table_schema_metadata(dg):
    schema = dg.TableSchema(
        columns=[dg.TableColumn("name", "string", description="who"), dg.TableColumn("age", "int")]
    )

    @dg.asset(metadata={"dagster/column_schema": schema})
    def people(): ...

    stored = people.metadata_by_key[dg.AssetKey("people")]["dagster/column_schema"]
    schema_value = getattr(stored, "schema", stored)
    assert [(c.name, c.type, c.description) for c in schema_value.columns] == [
        ("name", "string", "who"),
        ("age", "int", None),
    ]


@example("guides/build/assets/asset_versioning_and_caching/dependencies_code_version_only.py")
def example_code_versions(dg):
    @dg.asset(code_version="v2")
    def base_value():
        return 11

    @dg.asset(code_version="v1")
    def times_three(base_value):
        return base_value * 3

    assert base_value.code_versions_by_key == {dg.AssetKey("base_value"): "v2"}
    assert materialize(dg, [base_value, times_three]).output_for_node("times_three") == 33


@example(
    "guides/build/assets/asset_versioning_and_caching/vanilla_asset_with_manual_data_version.py"
)
def example_output_with_data_version(dg):
    @dg.asset(code_version="v2")
    def counted():
        value = 41
        return dg.Output(value, data_version=dg.DataVersion(str(value)))

    instance = dg.DagsterInstance.ephemeral()
    assert materialize(dg, [counted], instance=instance).success
    event = instance.get_latest_materialization_event(dg.AssetKey("counted"))
    assert event.asset_materialization.tags["dagster/data_version"] == "41"
    assert event.asset_materialization.tags["dagster/code_version"] == "v2"


@example(
    "guides/build/assets/observable_source_assets.py",
)
def example_observable_source_asset(dg):
    @dg.observable_source_asset
    def weather_feed():
        return dg.DataVersion("feed-v3")

    instance = dg.DagsterInstance.ephemeral()
    observation_job = dg.define_asset_job("observe_feed", [weather_feed])
    defs = dg.Definitions(assets=[weather_feed], jobs=[observation_job])
    assert defs.resolve_job_def("observe_feed").execute_in_process(instance=instance).success
    record = instance.get_latest_data_version_record(dg.AssetKey("weather_feed"))
    assert record.asset_observation.tags["dagster/data_version"] == "feed-v3"


@example("guides/build/assets/external-assets/creating-external-assets.py")
def example_external_asset_spec_as_dependency(dg):
    raw_events = dg.AssetSpec("raw_events")

    @dg.asset(deps=[raw_events])
    def cleaned_events():
        return "clean"

    defs = dg.Definitions(assets=[raw_events, cleaned_events])
    assert set(defs.resolve_all_asset_keys()) == {
        dg.AssetKey("raw_events"),
        dg.AssetKey("cleaned_events"),
    }
    result = materialize(dg, [raw_events, cleaned_events], selection=[cleaned_events])
    assert materialized_keys(result) == ["cleaned_events"]


@example("concepts/assets/external_assets/single_declaration.py")
def example_external_asset_spec_in_definitions(dg):
    defs = dg.Definitions(
        assets=[
            dg.AssetSpec("bucket_file", group_name="landing", description="dropped by a vendor")
        ]
    )
    assert defs.resolve_all_asset_keys() == [dg.AssetKey("bucket_file")]
    (spec,) = defs.resolve_all_asset_specs()
    assert (spec.group_name, spec.description) == ("landing", "dropped by a vendor")
    assert defs.resolve_assets_def("bucket_file").is_executable is False


@example(
    "concepts/assets/external_assets/normal_asset_depending_on_external.py",
)
def example_assets_definition_from_specs(dg):
    external_logs = dg.AssetsDefinition(
        specs=[dg.AssetSpec("landing_logs"), dg.AssetSpec("parsed_logs", deps=["landing_logs"])]
    )

    @dg.asset(deps=["parsed_logs"])
    def log_summary():
        return "summary"

    graph = dg.Definitions(assets=[external_logs, log_summary]).resolve_asset_graph()
    assert graph.get(dg.AssetKey("parsed_logs")).parent_keys == {dg.AssetKey("landing_logs")}
    assert graph.get(dg.AssetKey("log_summary")).parent_keys == {dg.AssetKey("parsed_logs")}
    result = materialize(dg, [external_logs, log_summary], selection=[log_summary])
    assert materialized_keys(result) == ["log_summary"]


@example("guides/build/io_management/source_asset.py")
def example_spec_loaded_through_io_manager(dg):
    class WarehouseLoader(dg.IOManager):
        def handle_output(self, context, obj):
            raise AssertionError("the external asset is never written")

        def load_input(self, context):
            return {"daily_sales": [5, 7]}[context.asset_key.path[-1]]

    daily_sales = dg.AssetSpec("daily_sales").with_io_manager_key("warehouse")

    @dg.asset
    def doubled_sales(daily_sales):
        return [x * 2 for x in daily_sales]

    result = materialize(
        dg, [daily_sales, doubled_sales], resources={"warehouse": WarehouseLoader()}
    )
    assert result.output_for_node("doubled_sales") == [10, 14]


@example("concepts/assets/source_asset.py")
def example_source_asset_with_io_manager(dg):
    class ReadOnly(dg.IOManager):
        def handle_output(self, context, obj):
            raise AssertionError("not written")

        def load_input(self, context):
            return [1, 2, 3]

    vendor_table = dg.SourceAsset(key=dg.AssetKey("vendor_table"), io_manager_key="vendor_io")

    @dg.asset
    def vendor_total(vendor_table):
        return sum(vendor_table)

    result = materialize(dg, [vendor_table, vendor_total], resources={"vendor_io": ReadOnly()})
    assert result.output_for_node("vendor_total") == 6


@example("guides/build/assets/asset_w_context.py")
def example_context_run_id(dg):
    seen = {}

    @dg.asset
    def tagged(context: dg.AssetExecutionContext):
        context.log.info("running")
        seen["run_id"] = context.run.run_id
        seen["key"] = context.asset_key
        return 1

    result = materialize(dg, [tagged])
    assert seen == {"run_id": result.run_id, "key": dg.AssetKey("tagged")}


@example("concepts/assets/asset_testing.py")
def example_invoke_assets_directly(dg):
    @dg.asset
    def base_list():
        return [1, 2, 3]

    @dg.asset
    def extended_list(base_list):
        return base_list + [4]

    @dg.asset
    def greeting(context: dg.AssetExecutionContext):
        return f"hello from {context.asset_key.to_user_string()}"

    assert base_list() == [1, 2, 3]
    assert extended_list([0]) == [0, 4]
    assert greeting(dg.build_asset_context()) == "hello from greeting"


@example("guides/test/unit-testing-assets-and-ops/asset-config.py")
def example_invoke_asset_with_config(dg):
    class PathConfig(dg.Config):
        path: str

    @dg.asset
    def file_text(config: PathConfig) -> str:
        with open(config.path) as f:
            return f.read()

    with open("a.txt", "w") as f:
        f.write("alpha")
    assert file_text(PathConfig(path="a.txt")) == "alpha"


@example("guides/build/assets/asset_config.py")
def example_asset_config_class(dg):
    class EndpointConfig(dg.Config):
        endpoint: str
        retries: int = 2

    @dg.asset
    def endpoint_info(config: EndpointConfig):
        return f"{config.endpoint}x{config.retries}"

    result = materialize(
        dg,
        [endpoint_info],
        run_config=dg.RunConfig({"endpoint_info": EndpointConfig(endpoint="api")}),
    )
    assert result.output_for_node("endpoint_info") == "apix2"


@example("concepts/assets/asset_config.py")
def example_asset_config_schema_dict(dg):
    @dg.asset(config_schema={"endpoint": str})
    def configured(context):
        return context.op_config["endpoint"].upper()

    result = materialize(
        dg, [configured], run_config={"ops": {"configured": {"config": {"endpoint": "svc"}}}}
    )
    assert result.output_for_node("configured") == "SVC"


@example("concepts/assets/conditional_materialization.py")
def example_optional_output_skips_downstream(dg):
    ran = []

    @dg.asset(output_required=False)
    def maybe_data():
        if False:
            yield dg.Output([1])

    @dg.asset
    def after(maybe_data):
        ran.append("after")
        return maybe_data

    result = materialize(dg, [maybe_data, after])
    assert result.success
    assert materialized_keys(result) == []
    assert ran == []


@example("concepts/assets/asset_retry.py")
def example_retry_policy_on_asset(dg):
    attempts = []

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
    def flaky():
        attempts.append(1)
        if len(attempts) < 2:
            raise RuntimeError("transient")
        return len(attempts)

    result = materialize(dg, [flaky])
    assert result.output_for_node("flaky") == 2
    assert len(attempts) == 2


@example("concepts/assets/load_asset_values.py")
def example_definitions_load_asset_value(dg):
    @dg.asset
    def stored_number():
        return 21

    io = dg.FilesystemIOManager(base_dir="storage")
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(dg, [stored_number], resources={"io_manager": io}, instance=instance).success
    defs = dg.Definitions(assets=[stored_number], resources={"io_manager": io})
    assert defs.load_asset_value("stored_number", instance=instance) == 21
    with defs.get_asset_value_loader(instance=instance) as loader:
        assert loader.load_asset_value(dg.AssetKey("stored_number")) == 21


@example("guides/build/assets/asset-factories/python-asset-factory.py")
def example_asset_factory_and_merge(dg):
    def build_table(name: str, factor: int) -> dg.Definitions:
        @dg.asset(name=f"scaled_{name}")
        def scaled():
            return factor * 10

        return dg.Definitions(assets=[scaled])

    merged = dg.Definitions.merge(build_table("a", 1), build_table("b", 2))
    assert sorted(k.to_user_string() for k in merged.resolve_all_asset_keys()) == [
        "scaled_a",
        "scaled_b",
    ]
    assert materialize(dg, list(merged.assets)).output_for_node("scaled_b") == 20


@example(
    "guides/build/external_resources/apis/use_minimal_resource_in_asset.py",
)
def example_definitions_decorator(dg):
    @dg.asset
    def pinged():
        return "pong"

    @dg.definitions
    def defs():
        return dg.Definitions(assets=[pinged])

    loaded = defs()
    assert loaded.resolve_all_asset_keys() == [dg.AssetKey("pinged")]


@example("guides/build/assets/asset_group_module.py")
def example_load_assets_from_modules(dg):
    module = types.ModuleType("cereal_module")

    @dg.asset
    def bran():
        return 1

    @dg.asset
    def corn(bran):
        return bran + 1

    module.bran, module.corn = bran, corn
    loaded = dg.load_assets_from_modules([module], group_name="cereal")
    keys = sorted(k.to_user_string() for a in loaded for k in a.keys)
    assert keys == ["bran", "corn"]
    assert {g for a in loaded for g in a.group_names_by_key.values()} == {"cereal"}


@example(
    "concepts/assets/load_asset_values.py",
)
def example_with_resources(dg):
    class Constant(dg.IOManager):
        def handle_output(self, context, obj):
            pass

        def load_input(self, context):
            return 5

    @dg.asset
    def first(): ...

    bound = dg.with_resources([first], resource_defs={"io_manager": Constant()})
    assert dg.Definitions(assets=bound).load_asset_value("first") == 5


@example(
    "guides/build/assets/asset_versioning_and_caching/observable_source_asset_path_with_non_argument_deps.py"
)
def example_file_relative_path_for_a_data_file(dg):
    os.makedirs("pkg/data", exist_ok=True)
    with open("pkg/data/input_number.txt", "w") as f:
        f.write("14")
    module_file = os.path.abspath("pkg/assets.py")
    data_path = dg.file_relative_path(module_file, "data/input_number.txt")

    @dg.asset(code_version="v6")
    def number_from_file():
        with open(data_path) as f:
            value = int(f.read())
        return dg.Output(value, data_version=dg.DataVersion(str(value)))

    @dg.asset
    def doubled_number(number_from_file):
        return number_from_file * 2

    assert data_path == os.path.join(os.path.abspath("pkg"), "data/input_number.txt")
    assert (
        materialize(dg, [number_from_file, doubled_number]).output_for_node("doubled_number") == 28
    )
