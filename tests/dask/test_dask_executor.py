"""The dask executor on a real Dask cluster of worker processes: values, events, failures,
dead workers, the executor's config, and every place an executor is named.

One LocalCluster (2 worker processes) serves the module through ``{"existing": {"address"}}``;
one test starts the executor's own on-demand cluster (``{"local": {...}}``) and checks it is
reused.
"""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("distributed")

import dagster_nb as dg  # noqa: E402
from dagster_nb.dask import close_clusters, dask_executor, get_client  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import LocalCluster

    # as the executor's own local clusters: a step that kills its worker is not retried
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield c
    close_clusters()
    c.close()


@pytest.fixture
def dask_ex(cluster):
    return dask_executor.configured(
        {"cluster": {"existing": {"address": cluster.scheduler_address}}}
    )


@pytest.fixture
def instance(tmp_path):
    with dg.DagsterInstance.from_directory(tmp_path / "home") as inst:
        yield inst


@dg.asset
def source():
    return {"pid": os.getpid(), "values": [1, 2, 3]}


@dg.asset
def doubled(source):
    return {"pid": os.getpid(), "values": [v * 2 for v in source["values"]]}


@dg.asset
def total(doubled):
    return {"pid": os.getpid(), "sum": sum(doubled["values"])}


@dg.asset
def boom(source):
    raise ValueError("boom on purpose")


@dg.asset
def after_boom(boom):
    return 1


def _step_events(result):
    """Per step: the event types in order (what a progress view and the instance see)."""
    out: dict[str, list[str]] = {}
    for e in result.all_events:
        if e.step_key:
            out.setdefault(e.step_key, []).append(e.event_type_value)
    return out


def test_steps_run_on_workers_with_the_events_of_an_in_process_run(dask_ex, instance, tmp_path):
    defs = dg.Definitions(assets=[source, doubled, total], executor=dask_ex)
    seen = []
    job = defs.resolve_implicit_global_asset_job_def()
    result = dg.execute_job(job, instance=instance)
    assert result.success
    values = {
        k: defs.load_asset_value(k, instance=instance) for k in ("source", "doubled", "total")
    }
    assert values["total"]["sum"] == 12 and values["doubled"]["values"] == [2, 4, 6]
    pids = {v["pid"] for v in values.values()}
    assert os.getpid() not in pids  # every step ran in a worker process
    workers = set(get_client(dask_ex.config).run(os.getpid).values())
    assert pids <= workers  # ... of this cluster

    # the same assets in process, on another instance: the same events, step by step
    with dg.DagsterInstance.from_directory(tmp_path / "other") as other:
        ref = dg.materialize([source, doubled, total], instance=other, listeners=[seen.append])
    assert _step_events(result) == _step_events(ref)
    run = instance.get_run_by_id(result.run_id)
    assert run.status.value == "SUCCESS"
    stored = [e.dagster_event_type.value for e in instance.all_logs(result.run_id)]
    assert stored.count("ASSET_MATERIALIZATION") == 3 and stored[-1] == "PIPELINE_SUCCESS"


def test_materialize_and_define_asset_job_take_the_executor(dask_ex, instance):
    events = []
    r = dg.materialize(
        [source, doubled], instance=instance, executor=dask_ex, listeners=[events.append]
    )
    assert r.success and r.output_for_node("doubled")["values"] == [2, 4, 6]
    assert r.output_for_node("doubled")["pid"] != os.getpid()
    assert [e.event_type_value for e in events][-1] == "PIPELINE_SUCCESS"  # listeners see it all

    job = dg.define_asset_job("just_source", selection="source", executor_def=dask_ex)
    defs = dg.Definitions(assets=[source, doubled], jobs=[job])
    r = dg.execute_job(defs.resolve_job_def("just_source"), instance=instance)
    assert r.success and list(r.step_outcomes) == ["source"]
    assert defs.load_asset_value("source", instance=instance)["pid"] != os.getpid()


def test_a_failing_step_fails_the_run_and_skips_downstream(dask_ex, instance):
    r = dg.materialize(
        [source, boom, after_boom], instance=instance, executor=dask_ex, raise_on_error=False
    )
    assert not r.success
    assert r.step_outcomes == {"source": "SUCCESS", "boom": "FAILURE", "after_boom": "UNTOUCHED"}
    (failure,) = r.get_step_failure_events()
    assert failure.step_key == "boom"
    assert failure.step_failure_data.error.cause.message == "ValueError: boom on purpose"
    assert instance.get_run_by_id(r.run_id).status.value == "FAILURE"
    with pytest.raises(ValueError, match="boom on purpose"):  # raise_on_error: the user's error
        dg.materialize([source, boom], instance=instance, executor=dask_ex)


@dg.asset
def dies():
    os._exit(3)  # the worker process dies mid-step


def test_a_dead_worker_fails_its_step_clearly_and_the_run_is_recorded(dask_ex, instance, cluster):
    r = dg.materialize([dies], instance=instance, executor=dask_ex, raise_on_error=False)
    assert not r.success and r.step_outcomes == {"dies": "FAILURE"}
    (failure,) = r.get_step_failure_events()
    assert 'Dask worker running step "dies" died' in failure.step_failure_data.error.message
    assert instance.get_run_by_id(r.run_id).status.value == "FAILURE"
    stored = [e.dagster_event_type.value for e in instance.all_logs(r.run_id)]
    assert "STEP_FAILURE" in stored and stored[-1] == "PIPELINE_FAILURE"
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted it for the next tests


@dg.op
def one():
    return os.getpid()


@dg.op
def plus(x):
    return (x, os.getpid())


def test_op_jobs_run_on_dask(dask_ex, instance):
    @dg.job(executor_def=dask_ex)
    def ops():
        plus(one())

    r = dg.execute_job(dg.reconstructable(ops), instance=instance)
    assert r.success
    first, second = r.output_for_node("plus")
    assert first != os.getpid() and second != os.getpid()


def test_the_address_may_come_from_an_environment_variable(cluster, instance, monkeypatch):
    """Dagster's StringSource: {"env": "VAR"}, read when the config is validated."""
    monkeypatch.setenv("DD_TEST_ADDRESS", cluster.scheduler_address)
    ex = dask_executor.configured(
        {"cluster": {"existing": {"address": {"env": "DD_TEST_ADDRESS"}}}}
    )
    assert ex.config == {"cluster": {"existing": {"address": cluster.scheduler_address}}}
    r = dg.materialize([source], instance=instance, executor=ex)
    assert r.output_for_node("source")["pid"] != os.getpid()
    monkeypatch.delenv("DD_TEST_ADDRESS")
    with pytest.raises(dg.DagsterInvalidConfigError, match="'DD_TEST_ADDRESS', which is not set"):
        dask_executor.configured({"cluster": {"existing": {"address": {"env": "DD_TEST_ADDRESS"}}}})


def test_reconstructable_takes_a_function_returning_a_job_as_dagster(dask_ex, instance):
    def get_job():
        job = dg.define_asset_job("via_fn", executor_def=dask_ex)
        return dg.Definitions(assets=[source], jobs=[job]).resolve_job_def("via_fn")

    r = dg.execute_job(dg.reconstructable(get_job), instance=instance)
    assert r.success and r.output_for_node("source")["pid"] != os.getpid()
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="must return a job, it returned int"
    ):
        dg.reconstructable(lambda: 1)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="function taking no arguments"):
        dg.reconstructable(lambda x: x)


def test_bad_config_and_requirements_are_refused_clearly(dask_ex):
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'cluster'"):
        dask_executor.configured({"clustr": {}})
    with pytest.raises(dg.DagsterInvalidConfigError, match="not supported yet"):
        dask_executor.configured({"cluster": {"yarn": {}}})
    with pytest.raises(dg.DagsterInvalidConfigError, match="Did you mean 'local'"):
        dask_executor.configured({"cluster": {"locl": {}}})
    with pytest.raises(dg.DagsterInvalidConfigError, match="address"):
        dask_executor.configured({"cluster": {"existing": {}}})
    # an ephemeral instance cannot coordinate processes (as the multiprocess executor)
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="ephemeral"):
        dg.materialize([source], executor=dask_ex)
    with (
        dg.DagsterInstance.local_temp() as inst,
        pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="in memory"),
    ):
        dg.materialize(
            [source], instance=inst, executor=dask_ex, resources={"io_manager": dg.mem_io_manager}
        )


def test_the_local_cluster_starts_on_demand_and_is_reused(instance):
    ex = dask_executor.configured({"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}})
    r1 = dg.materialize([source], instance=instance, executor=ex)
    client = get_client({"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}})
    r2 = dg.materialize([source], instance=instance, executor=ex)
    assert get_client({"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}}) is client
    pids = {r1.output_for_node("source")["pid"], r2.output_for_node("source")["pid"]}
    assert len(pids) == 1 and os.getpid() not in pids  # the same worker process served both


def test_an_interrupt_cancels_the_tasks_and_records_the_run_canceled(instance, tmp_path):
    marker = tmp_path / "finished"

    @dg.asset
    def slow():
        import time

        time.sleep(3)
        marker.write_text("the step was not stopped")

    def interrupt_when_started(event):
        if event.event_type_value == "STEP_START":
            raise KeyboardInterrupt  # what Ctrl-C in the kernel does, as the step runs

    ex = dask_executor.configured({"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}})
    with pytest.raises(KeyboardInterrupt):
        dg.materialize([slow], instance=instance, executor=ex, listeners=[interrupt_when_started])
    (run,) = instance.get_runs()
    assert run.status.value == "CANCELED"
    client = get_client(ex.config)
    client.wait_for_workers(1, timeout=60)
    import time

    time.sleep(4)  # longer than the step: a step left running would have written the marker
    assert not marker.exists()
    assert client.run(os.getpid)  # the restarted worker serves the next run
    assert dg.materialize([source], instance=instance, executor=ex).success


class Store(dg.ConfigurableResource):
    prefix: str


class Scale(dg.Config):
    factor: int = 1


days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")


@dg.asset(partitions_def=days)
def daily(context: dg.AssetExecutionContext, store: Store, config: Scale):
    return f"{store.prefix}-{context.partition_key}-{config.factor}-{os.getpid()}"


def test_partitions_resources_and_config_reach_the_workers(dask_ex, instance):
    r = dg.materialize(
        [daily],
        instance=instance,
        executor=dask_ex,
        partition_key="2024-01-02",
        resources={"store": Store(prefix="s3")},
        run_config={"ops": {"daily": {"config": {"factor": 7}}}},
    )
    value = r.output_for_node("daily")
    assert value.startswith("s3-2024-01-02-7-") and int(value.rsplit("-", 1)[1]) != os.getpid()
    assert instance.get_materialized_partitions(dg.AssetKey("daily")) == {"2024-01-02"}


def test_a_user_module_edited_between_runs_is_reloaded_on_the_workers(instance, tmp_path):
    import importlib.util
    import sys

    path = tmp_path / "user_assets_for_dask.py"

    def load(version: int):
        # the helper is found by name in the module on the worker (the asset body is sent)
        path.write_text(
            f"import dagster_nb as dg\n\ndef helper():\n    return {version}\n\n"
            "@dg.asset\ndef version():\n    return helper()\n"
        )
        os.utime(path, ns=(version * 10**9, version * 10**9))  # a distinct mtime per edit
        spec = importlib.util.spec_from_file_location("user_assets_for_dask", path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules["user_assets_for_dask"] = mod
        spec.loader.exec_module(mod)
        return mod.version

    ex = dask_executor.configured({"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}})
    try:
        assert (
            dg.materialize([load(1)], instance=instance, executor=ex).output_for_node("version")
            == 1
        )
        assert (
            dg.materialize([load(2)], instance=instance, executor=ex).output_for_node("version")
            == 2
        )
    finally:
        sys.modules.pop("user_assets_for_dask", None)


def test_max_concurrent_is_refused_with_the_dask_executor(dask_ex, instance):
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match="does not apply to the dask executor"
    ):
        dg.materialize([source], instance=instance, executor=dask_ex, max_concurrent=4)


def _spinner(name: str, marker_dir):
    """An asset that spins for 8 s in Python (0.02 s sleeps), then writes a marker file."""

    @dg.asset(name=name)
    def spin():
        import time

        (marker_dir / f"{name}.started").write_text(str(os.getpid()))
        end = time.monotonic() + 8
        while time.monotonic() < end:
            time.sleep(0.02)
        (marker_dir / f"{name}.finished").write_text("the step was not stopped")
        return name

    return spin


def test_an_interrupt_cancels_running_and_queued_tasks_on_an_existing_cluster(
    dask_ex, instance, cluster, tmp_path
):
    """Ctrl-C (a KeyboardInterrupt in the parent) on a cluster that is not ours: its workers
    stay up; the run's running steps stop at once and its queued ones never start."""
    from dagster_nb._execution.dask_steps import _steps_running

    client = get_client(dask_ex.config)
    workers_before = client.run(os.getpid)
    spins = [_spinner(f"spin_{c}", tmp_path) for c in "abc"]  # 3 steps, 2 worker threads
    starts = []

    def interrupt_when_both_workers_run(event):
        if event.event_type_value == "STEP_START":
            starts.append(event.step_key)
            if len(starts) == 2:
                raise KeyboardInterrupt  # what Ctrl-C in the kernel or the CLI does

    with pytest.raises(KeyboardInterrupt):
        dg.materialize(
            spins, instance=instance, executor=dask_ex, listeners=[interrupt_when_both_workers_run]
        )
    (run,) = instance.get_runs()
    assert run.status.value == "CANCELED"
    # when the call returns, nothing of the run runs on the cluster any more ...
    assert client.run(_steps_running, run.run_id) == {w: [] for w in workers_before}
    finished = sorted(p.name for p in tmp_path.glob("*.finished"))
    started = sorted(p.name.split(".")[0] for p in tmp_path.glob("*.started"))
    assert finished == [] and started == sorted(starts)  # the queued step never started
    # ... and the record says so: the two running steps interrupted, none materialized
    stored = [
        (e.dagster_event_type.value, e.step_key)
        for e in instance.all_logs(run.run_id)
        if e.dagster_event_type is not None
    ]
    assert sorted(k for t, k in stored if t == "STEP_FAILURE") == sorted(starts)
    assert not [t for t, _ in stored if t in ("ASSET_MATERIALIZATION", "STEP_SUCCESS")]
    assert stored[-1][0] == "PIPELINE_CANCELED"
    failure = next(
        e
        for e in instance.all_logs(run.run_id)
        if e.dagster_event_type is not None and e.dagster_event_type.value == "STEP_FAILURE"
    )
    assert "interrupted" in failure.user_message
    for key in ("spin_a", "spin_b", "spin_c"):
        assert instance.get_latest_materialization_event(dg.AssetKey(key)) is None
        assert not list((tmp_path / "home" / "storage").glob(f"{key}*"))  # no value, no temp
    # the cluster's workers were not restarted, and they serve the next run
    assert client.run(os.getpid) == workers_before
    r = dg.materialize([source], instance=instance, executor=dask_ex)
    assert r.success and r.output_for_node("source")["pid"] in workers_before.values()
    import time

    time.sleep(1)
    assert not list(tmp_path.glob("*.finished"))


CLI_SPIN = """
import os, pathlib, time

import dagster_nb as dg
from dagster_nb.dask import dask_executor

MARKS = pathlib.Path(os.environ["MARK_DIR"])


@dg.asset
def spin():
    (MARKS / "spin.started").write_text(str(os.getpid()))
    end = time.monotonic() + 8
    while time.monotonic() < end:
        time.sleep(0.02)
    (MARKS / "spin.finished").write_text("the step was not stopped")


defs = dg.Definitions(
    assets=[spin],
    executor=dask_executor.configured(
        {"cluster": {"existing": {"address": {"env": "DASK_ADDRESS"}}}}
    ),
)
"""


def test_ctrl_c_in_the_cli_cancels_the_run_on_an_existing_cluster(cluster, tmp_path):
    """The real `dagster-nb asset materialize` interrupted by SIGINT while its step runs on a
    scheduler given by address: exit 130, the run CANCELED, the step stopped on its worker."""
    import signal
    import subprocess
    import sys
    import time

    from dagster_nb._execution.dask_steps import _steps_running

    (tmp_path / "defs.py").write_text(CLI_SPIN)
    env = dict(
        os.environ,
        DAGSTER_HOME=str(tmp_path / "home"),
        MARK_DIR=str(tmp_path),
        DASK_ADDRESS=cluster.scheduler_address,
    )
    cmd = [sys.executable, "-m", "dagster_nb._cli", "asset", "materialize", "-f", "defs.py"]
    proc = subprocess.Popen(
        [*cmd, "--json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "spin.started").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err.decode()[-2000:]
    assert b"Interrupted." in err
    listed = subprocess.run(
        [sys.executable, "-m", "dagster_nb._cli", "run", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "CANCELED" and run["assets"] == ["spin"]
    client = get_client({"cluster": {"existing": {"address": cluster.scheduler_address}}})
    assert all(v == [] for v in client.run(_steps_running, run["run_id"]).values())
    assert not (tmp_path / "spin.finished").exists()
