"""Executors: which one a job gets (its own, the Definitions', the default), their config, and
the multiprocess executor really running each step in its own process, in parallel, with
Dagster's requirements (a persistent IO manager and instance)."""

import os

import pytest

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster = pytest.importorskip("dagster")

import dagster_nb  # noqa: E402


def both(scenario):
    return scenario(dagster), scenario(dagster_nb)


def test_which_executor_a_job_gets():
    def scenario(dg):
        @dg.asset
        def a():
            return 1

        @dg.op
        def o():
            return 1

        @dg.job
        def plain():
            o()

        @dg.job(executor_def=dg.multiprocess_executor)
        def own():
            o()

        defs = dg.Definitions(
            assets=[a],
            jobs=[
                plain,
                own,
                dg.define_asset_job("asset_own", executor_def=dg.in_process_executor),
                dg.define_asset_job("asset_plain"),
            ],
            executor=dg.multiprocess_executor.configured({"max_concurrent": 2}),
        )
        return {
            n: defs.resolve_job_def(n).executor_def.name
            for n in ["plain", "own", "asset_own", "asset_plain"]
        }

    ours, theirs = both(scenario)
    assert (
        ours
        == theirs
        == {
            "plain": "multiprocess",
            "own": "multiprocess",
            "asset_own": "in_process",
            "asset_plain": "multiprocess",
        }
    )


def test_executor_names_and_config_errors():
    def scenario(dg):
        names = [
            e.name
            for e in (
                dg.in_process_executor,
                dg.multiprocess_executor,
                dg.multi_or_in_process_executor,
                dg.multiprocess_executor.configured({"max_concurrent": 3}),
            )
        ]
        try:
            dg.multiprocess_executor.configured({"max_concurent": 3})
            dg.job(executor_def=dg.multiprocess_executor.configured({"max_concurent": 3}))(
                lambda: None
            )
            err = None
        except Exception as e:  # noqa: BLE001 - Dagster raises at job creation
            err = type(e).__name__
        return names, err

    ours, theirs = both(scenario)
    assert (
        ours[0]
        == theirs[0]
        == ["in_process", "multiprocess", "multi_or_in_process_executor", "multiprocess"]
    )
    assert ours[1] is not None and theirs[1] is not None


def test_default_executor_is_in_process_here():
    """Documented difference: Dagster's default is multi_or_in_process_executor; ours runs in
    process (the notebook loop pays no process start per step)."""

    @dagster_nb.op
    def o():
        return 1

    @dagster_nb.job
    def plain():
        o()

    assert plain.executor_def.name == "in_process"
    assert (
        dagster_nb.Definitions(jobs=[plain]).resolve_job_def("plain").executor_def.name
        == "in_process"
    )


def pid_job(dg, executor):
    @dg.op
    def left():
        return os.getpid()

    @dg.op
    def right():
        return os.getpid()

    @dg.op
    def join(x, y):
        return [x, y, os.getpid()]

    @dg.job(executor_def=executor)
    def pids():
        join(left(), right())

    return pids


def test_multiprocess_runs_each_step_in_a_child_process(tmp_path):
    dg = dagster_nb
    instance = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    job = pid_job(dg, dg.multiprocess_executor.configured({"max_concurrent": 2}))
    with dg.execute_job(dg.reconstructable(job), instance=instance) as result:
        assert result.success
        left, right, join = result.output_for_node("join")
    assert len({left, right, join, os.getpid()}) == 4
    run = instance.get_run_by_id(result.run_id)
    assert run.status.value == "SUCCESS"
    stored = [
        e.dagster_event.event_type_value
        for e in instance.all_logs(result.run_id)
        if e.dagster_event
    ]
    assert stored.count("STEP_SUCCESS") == 3
    # execute_in_process ignores the executor (as Dagster): every step in this process
    assert job.execute_in_process().output_for_node("join") == [os.getpid()] * 3
    # the in-process executor: execute_job runs here too
    in_proc = pid_job(dg, dg.in_process_executor)
    assert dg.execute_job(in_proc, instance=instance).output_for_node("join") == [os.getpid()] * 3


def test_multiprocess_asset_job_from_definitions_executor(tmp_path):
    dg = dagster_nb

    @dg.asset
    def x():
        return os.getpid()

    @dg.asset
    def y(x):
        return [x, os.getpid()]

    defs = dg.Definitions(
        assets=[x, y], jobs=[dg.define_asset_job("all")], executor=dg.multiprocess_executor
    )
    instance = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    result = dg.execute_job(defs.resolve_job_def("all"), instance=instance)
    assert result.success
    px, py = result.asset_value("y")
    assert px != py and os.getpid() not in (px, py)
    assert defs.load_asset_value("y", instance=instance) == [px, py]


def test_multiprocess_failure_is_recorded_and_downstream_untouched(tmp_path):
    dg = dagster_nb

    @dg.op
    def boom():
        raise ValueError("bad")

    @dg.op
    def after(x):
        return x

    @dg.job(executor_def=dg.multiprocess_executor)
    def failing():
        after(boom())

    instance = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    result = dg.execute_job(failing, instance=instance)
    assert not result.success
    assert result.get_failed_step_keys() == {"boom"}
    assert result.is_node_untouched("after")
    assert result.get_step_failure_events()[0].error.cause.message.strip() == "ValueError: bad"
    with pytest.raises(ValueError, match="bad"):
        dg.execute_job(failing, instance=instance, raise_on_error=True)


def test_multiprocess_requirements_raise_dagsters_error(tmp_path):
    """Dagster raises DagsterUnmetExecutorRequirementsError for an in-memory IO manager or an
    ephemeral instance with the multiprocess executor (its check runs in a spawned process
    after a reconstructable() load, too slow to run here side by side); same class here."""
    dg = dagster_nb

    @dg.op
    def o():
        return 1

    @dg.job(executor_def=dg.multiprocess_executor, resource_defs={"io_manager": dg.mem_io_manager})
    def in_memory():
        o()

    assert (
        dg.DagsterUnmetExecutorRequirementsError.__name__
        == dagster.DagsterUnmetExecutorRequirementsError.__name__
    )
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="persistent IO manager"):
        dg.execute_job(in_memory, instance=dg.DagsterInstance.from_directory(str(tmp_path / "h")))
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="ephemeral"):
        dg.execute_job(
            pid_job(dg, dg.multiprocess_executor), instance=dg.DagsterInstance.ephemeral()
        )
    # the in-process executor has no such requirement
    assert dg.execute_job(
        pid_job(dg, dg.in_process_executor), instance=dg.DagsterInstance.ephemeral()
    ).success
