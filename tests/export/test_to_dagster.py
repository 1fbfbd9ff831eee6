"""`dg.kernel.to_dagster()`: the kernel's definitions (or a Definitions of ours) as a real
dagster.Definitions in the same process, materialized with real Dagster."""

import json
import pathlib
import sys

import pytest

import dagster_nb as dg

from .conftest import NOTEBOOKS, code_cells, exportable_notebooks

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

# A partition per partitions definition (as in test_examples_vs_dagster) and run config.
PARTITION = {
    "02_partitions_and_backfills": {"readings": "2024-03-05", "regional_load": "2024-03-05|east"}
}
RUN_CONFIG = {"03_resources_and_io_managers": {"ops": {"km_by_city": {"config": {"min_km": 5}}}}}


def _same(a, b):
    return a.equals(b) if type(a).__name__ == "DataFrame" else a == b


@pytest.mark.parametrize("name", [p.stem for p in exportable_notebooks()])
def test_kernel_to_dagster_materializes_the_notebooks_assets_with_the_same_values(
    name, nb_shell, monkeypatch
):
    for cell in code_cells(NOTEBOOKS / f"{name}.ipynb"):
        nb_shell.run(cell)
    ddefs = dg.kernel.to_dagster()
    assert isinstance(ddefs, dagster.Definitions)
    partitions, config = PARTITION.get(name, {}), RUN_CONFIG.get(name, {})
    groups: dict = {}
    for a in ddefs.assets:
        if not isinstance(a, dagster.AssetsDefinition) or not a.is_materializable:
            continue
        key = a.key.to_user_string()
        pk = partitions.get(key)
        if pk is None and a.partitions_def is not None:
            continue
        groups.setdefault(pk, []).append(key)
    compared = 0
    for pk, keys in groups.items():
        result = dagster.materialize(
            list(ddefs.assets),
            selection=keys,
            resources=dict(ddefs.resources or {}),
            partition_key=pk,
            instance=dagster.DagsterInstance.ephemeral(),
            run_config=config,
        )
        assert result.success
        ours = dg.kernel.materialize(
            " or ".join(f"key:{k}" for k in keys), partition_key=pk, run_config=config
        )
        for k in keys:
            assert _same(result.asset_value(k), ours.asset_value(k)), k
            compared += 1
    assert compared >= 2


def test_to_dagster_of_our_definitions_keeps_resources_config_io_managers_jobs_and_schedules(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SHOP_TOKEN", "abc")

    class Shop(dg.ConfigurableResource):
        token: str
        per_char: int = 3

        def score(self) -> int:
            return len(self.token) * self.per_char

    class Bonus(dg.Config):
        extra: int = 2

    class JsonIO(dg.ConfigurableIOManager):
        base_dir: str

        def _path(self, context) -> pathlib.Path:
            return pathlib.Path(self.base_dir) / f"{context.asset_key.path[-1]}.json"

        def handle_output(self, context, obj) -> None:
            self._path(context).write_text(json.dumps(obj))
            context.add_output_metadata({"path": dg.MetadataValue.path(str(self._path(context)))})

        def load_input(self, context):
            return json.loads(self._path(context).read_text())

    daily = dg.DailyPartitionsDefinition(start_date="2024-03-01", end_date="2024-04-01")

    @dg.asset(group_name="shop", kinds={"python"}, code_version="v1", io_manager_key="json")
    def score(context: dg.AssetExecutionContext, shop: Shop, config: Bonus) -> int:
        context.log.info("scoring")
        return shop.score() + config.extra

    @dg.asset(deps=["raw_feed"])
    def doubled(score: int) -> int:
        return score * 2

    @dg.asset(
        partitions_def=daily, ins={"score": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())}
    )
    def daily_note(context: dg.AssetExecutionContext, score: int) -> str:
        return f"{context.partition_key}: {score}"

    defs = dg.Definitions(
        assets=[score, doubled, daily_note, dg.AssetSpec("raw_feed", group_name="ext")],
        resources={
            "shop": Shop(token=dg.EnvVar("SHOP_TOKEN")),
            "json": JsonIO(base_dir=str(tmp_path)),
        },
        jobs=[dg.define_asset_job("shop_job", selection="group:shop")],
        schedules=[dg.ScheduleDefinition(job_name="shop_job", cron_schedule="0 3 * * *")],
    )
    ddefs = dg.kernel.to_dagster(defs)

    shop = ddefs.resources["shop"]
    assert isinstance(shop, dagster.ConfigurableResource) and "abc" not in repr(shop)
    spec = ddefs.get_assets_def("score").specs_by_key[dagster.AssetKey("score")]
    assert (spec.group_name, spec.code_version, set(spec.kinds)) == ("shop", "v1", {"python"})
    assert ddefs.get_assets_def("doubled").asset_deps[dagster.AssetKey("doubled")] == {
        dagster.AssetKey("score"),
        dagster.AssetKey("raw_feed"),
    }
    assert ddefs.get_schedule_def("shop_job_schedule").cron_schedule == "0 3 * * *"

    instance = dagster.DagsterInstance.ephemeral()
    run_config = {"ops": {"score": {"config": {"extra": 5}}}}
    result = ddefs.get_job_def("shop_job").execute_in_process(
        instance=instance, run_config=run_config
    )
    assert result.success and result.output_for_node("score") == 14  # 3 chars * 3 + 5
    assert json.loads((tmp_path / "score.json").read_text()) == 14
    event = instance.get_latest_materialization_event(dagster.AssetKey("score"))
    assert event.asset_materialization.metadata["path"] == dagster.MetadataValue.path(
        str(tmp_path / "score.json")
    )
    result = dagster.materialize(
        list(ddefs.assets),
        selection=["doubled"],
        resources=dict(ddefs.resources or {}),
        instance=instance,
    )
    assert result.asset_value("doubled") == 28
    result = dagster.materialize(
        list(ddefs.assets),
        selection=["daily_note"],
        resources=dict(ddefs.resources or {}),
        instance=instance,
        partition_key="2024-03-04",
    )
    assert result.asset_value("daily_note") == "2024-03-04: 14"


def test_sensors_convert_and_evaluate_with_dagster():
    @dg.asset
    def a():
        return 1

    @dg.sensor(target=[a], minimum_interval_seconds=60)
    def watch(context):
        if context.cursor == "done":
            return dg.SkipReason("nothing new")
        return dg.RunRequest(run_key="first")

    ddefs = dg.kernel.to_dagster(dg.Definitions(assets=[a], sensors=[watch]))
    sensor = ddefs.get_sensor_def("watch")
    assert sensor.minimum_interval_seconds == 60
    tick = sensor.evaluate_tick(dagster.build_sensor_context(definitions=ddefs))
    assert [r.run_key for r in tick.run_requests] == ["first"]
    tick = sensor.evaluate_tick(dagster.build_sensor_context(cursor="done", definitions=ddefs))
    assert tick.run_requests == [] and tick.skip_message == "nothing new"
    job = ddefs.resolve_job_def(sensor.job_name)
    assert job.execute_in_process().output_for_node("a") == 1


def test_schedule_functions_convert_and_evaluate_with_dagster():
    @dg.asset
    def a():
        return 1

    @dg.schedule(cron_schedule="0 * * * *", target=[a], execution_timezone="Europe/Berlin")
    def hourly(context):
        return dg.RunRequest(run_key=context.scheduled_execution_time.strftime("%H"))

    ddefs = dg.kernel.to_dagster(dg.Definitions(assets=[a], schedules=[hourly]))
    sched = ddefs.get_schedule_def("hourly")
    assert (sched.cron_schedule, sched.execution_timezone) == ("0 * * * *", "Europe/Berlin")
    import datetime

    when = datetime.datetime(2024, 3, 1, 7, tzinfo=datetime.timezone.utc)
    tick = sched.evaluate_tick(dagster.build_schedule_context(scheduled_execution_time=when))
    assert [r.run_key for r in tick.run_requests] == ["07"]


def test_what_does_not_convert_yet_is_named():
    @dg.asset
    def a():
        return 1

    @dg.asset_sensor(asset_key=dg.AssetKey("a"), job_name="j")
    def on_a(context, event):
        return dg.RunRequest()

    with pytest.raises(
        dg.DagsterInvalidDefinitionError,
        match=r"does not convert sensor 'on_a' \(AssetSensorDefinition\) yet.*%dagster_nb export",
    ):
        dg.kernel.to_dagster(
            dg.Definitions(assets=[a], sensors=[on_a], jobs=[dg.define_asset_job("j")])
        )


def test_without_dagster_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dagster", None)  # what Python does when it is not installed
    with pytest.raises(ImportError, match="pip install dagster"):
        dg.kernel.to_dagster(dg.Definitions(assets=[]))
