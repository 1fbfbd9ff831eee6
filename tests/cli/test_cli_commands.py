"""The real ``dagster-nb`` entry point (the console script) in subprocesses, on real files, a
module, a notebook and a persistent instance: every command group, ``--json`` parsed, exit
codes 0/1/2, bad input named with the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "dagster-nb"

ASSETS = textwrap.dedent(
    """
    import dagster_nb as dg

    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-06")

    def helper(x):
        return x / 0

    @dg.asset(group_name="sales")
    def orders():
        return [1, 2, 3]

    @dg.asset(group_name="sales")
    def revenue(orders):
        return sum(orders)

    @dg.asset(partitions_def=days, group_name="daily")
    def daily(context):
        return context.partition_key

    @dg.asset
    def broken(orders):
        return helper(orders[0])

    class Scale(dg.Config):
        factor: int = 1

    @dg.op
    def scaled(config: Scale):
        return 10 * config.factor

    @dg.job
    def scale_job():
        scaled()

    sales_job = dg.define_asset_job("sales_job", selection="group:sales")
    nightly = dg.ScheduleDefinition(name="nightly", job=sales_job, cron_schedule="0 3 * * *", execution_timezone="Europe/Paris")

    @dg.sensor(job=sales_job, minimum_interval_seconds=60)
    def watch(context):
        return None

    defs = dg.Definitions(
        assets=[orders, revenue, daily, broken], jobs=[sales_job, scale_job],
        schedules=[nightly], sensors=[watch],
    )
    """
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "assets.py").write_text(ASSETS)
    return tmp_path


def cli(cwd: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home or cwd / "home"),
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def js(r: subprocess.CompletedProcess):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_asset_list_plain_json_selection_and_module(project):
    r = cli(project, "asset", "list", "-f", "assets.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["broken", "daily", "orders", "revenue"]  # piped: one key a line
    rows = js(
        cli(
            project,
            "asset",
            "list",
            "-f",
            "assets.py",
            "--select",
            "key:orders+ and group:sales",
            "--json",
        )
    )
    assert [(r["key"], r["group"], r["deps"]) for r in rows] == [
        ("orders", "sales", []),
        ("revenue", "sales", ["orders"]),
    ]
    rows = js(
        cli(project, "asset", "list", "-m", "assets", "--json")
    )  # -m: from the working directory
    daily = next(r for r in rows if r["key"] == "daily")
    assert daily["partitions"] == "Daily, starting 2024-01-01 UTC."  # str() of it, as Dagster's


def test_materialize_partitions_failures_and_exit_codes(project):
    out = js(
        cli(
            project,
            "asset",
            "materialize",
            "-f",
            "assets.py",
            "--select",
            "group:sales",
            "--json",
            "--tags",
            '{"team": "sales"}',
        )
    )
    assert out["success"] and out["runs"][0]["steps"] == {"orders": "SUCCESS", "revenue": "SUCCESS"}
    run_id = out["runs"][0]["run_id"]
    shown = js(cli(project, "run", "show", run_id[:8], "--json"))  # a unique prefix will do
    assert shown["tags"]["team"] == "sales" and shown["status"] == "SUCCESS"
    assert [e["type"] for e in shown["events"]].count("ASSET_MATERIALIZATION") == 2

    out = js(
        cli(
            project,
            "asset",
            "materialize",
            "-f",
            "assets.py",
            "--select",
            "daily",
            "--partition",
            "2024-01-02",
            "--json",
        )
    )
    assert out["runs"][0]["partition"] == "2024-01-02"
    out = js(
        cli(
            project,
            "asset",
            "materialize",
            "-f",
            "assets.py",
            "--select",
            "daily",
            "--partition-range",
            "2024-01-03...2024-01-05",
            "--json",
        )
    )
    # as the assets' backfill policy says: one run per partition by default (Dagster's CLI
    # refuses that and needs a daemon; here the runs happen in turn)
    assert out["success"] and [r["partition"] for r in out["runs"]] == [
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    ]
    status = js(cli(project, "asset", "status", "-f", "assets.py", "--select", "daily", "--json"))
    assert status[0]["key"] == "daily"

    r = cli(project, "asset", "materialize", "-f", "assets.py", "--select", "broken")
    assert r.returncode == 1
    assert "ZeroDivisionError: division by zero" in r.stderr
    assert (
        "return helper(orders[0])" in r.stderr and "return x / 0" in r.stderr
    )  # the user's frames
    assert "dagster_nb" not in r.stderr.split("Traceback")[1]  # ... and none of ours
    out = json.loads(
        cli(
            project, "asset", "materialize", "-f", "assets.py", "--select", "broken", "--json"
        ).stdout
    )
    assert (
        not out["success"]
        and out["runs"][0]["failures"][0]["error"] == "ZeroDivisionError: division by zero"
    )

    r = cli(
        project, "asset", "materialize", "-f", "assets.py", "--stale", "--select", "group:sales"
    )
    assert r.returncode == 0 and "every selected asset is fresh" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("asset", "list"), "exactly one of -f FILE"),
        (("asset", "list", "-f", "nope.py"), "No such file: 'nope.py'"),
        (("asset", "list", "-f", "assets.py", "-a", "defz"), "Did you mean 'defs'"),
        (
            ("asset", "materialize", "-f", "assets.py", "--select", "key:ordrs"),
            "Did you mean 'orders'",
        ),
        (("asset", "materialize", "-f", "assets.py", "--select", "daily"), "partition"),
        (("asset", "materialize", "-f", "assets.py", "--tags", "oops"), "key=value"),
        (("asset", "materialize", "-f", "assets.py", "--executor", "daks"), "Did you mean 'dask'"),
        (
            (
                "asset",
                "materialize",
                "-f",
                "assets.py",
                "--select",
                "orders",
                "--executor",
                "dask",
                "--parallel",
                "3",
            ),
            "does not apply to the dask executor",
        ),
        (
            ("asset", "materialize", "-f", "assets.py", "-c", "missing.yaml"),
            "no such file 'missing.yaml'",
        ),
        (
            ("job", "execute", "-f", "assets.py", "-j", "sale_job"),
            "Did you mean one of 'scale_job', 'sales_job'?",
        ),
        (("run", "show", "0000"), "No run '0000'"),
        (("asset", "wipe", "ordrs", "--noprompt"), "has nothing stored"),
        (("asset", "lst"), "No such command 'lst'"),
        (("asset", "list", "-f", "assets.py", "--colour"), "No such option"),
    ],
)
def test_bad_usage_exits_2_with_the_fix(project, args, message):
    r = cli(project, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr


def test_job_list_and_execute_with_yaml_config_and_tags(project):
    rows = js(cli(project, "job", "list", "-f", "assets.py", "--json"))
    assert sorted((r["name"], r["kind"]) for r in rows) == [
        ("sales_job", "assets"),
        ("scale_job", "ops"),
    ]
    (project / "run.yaml").write_text("ops:\n  scaled:\n    config:\n      factor: 4\n")
    out = js(
        cli(
            project,
            "job",
            "execute",
            "-f",
            "assets.py",
            "-j",
            "scale_job",
            "-c",
            "run.yaml",
            "--tags",
            '{"who": "cli"}',
            "--json",
        )
    )
    assert out["success"] and out["job"] == "scale_job"
    shown = js(cli(project, "run", "show", out["runs"][0]["run_id"], "--json"))
    assert shown["job"] == "scale_job" and shown["tags"]["who"] == "cli"
    out = js(cli(project, "job", "execute", "-f", "assets.py", "-j", "sales_job", "--json"))
    assert out["runs"][0]["steps"] == {"orders": "SUCCESS", "revenue": "SUCCESS"}
    r = cli(
        project,
        "job",
        "execute",
        "-f",
        "assets.py",
        "-j",
        "scale_job",
        "--config-json",
        '{"ops": {"scaled": {"config": {"factr": 1}}}}',
    )
    assert r.returncode == 2 and "factr" in r.stderr  # bad config: a usage error naming it


def test_schedules_sensors_runs_instance_and_wipe(project):
    (sched,) = js(cli(project, "schedule", "list", "-f", "assets.py", "--json"))
    assert sched == {
        "name": "nightly",
        "cron_schedule": "0 3 * * *",
        "job": "sales_job",
        "execution_timezone": "Europe/Paris",
        "default_status": "STOPPED",
        "status": "STOPPED",
    }
    (sensor,) = js(cli(project, "sensor", "list", "-f", "assets.py", "--json"))
    assert sensor == {
        "name": "watch",
        "job": "sales_job",
        "minimum_interval_seconds": 60,
        "default_status": "STOPPED",
        "status": "STOPPED",
    }

    js(cli(project, "asset", "materialize", "-f", "assets.py", "--select", "orders", "--json"))
    runs = js(cli(project, "run", "list", "--json"))
    assert len(runs) == 1 and runs[0]["assets"] == ["orders"]
    info = js(cli(project, "instance", "info", "--json"))
    assert (
        info["root_directory"] == str(project / "home")
        and info["runs"] == 1
        and info["assets"] == 1
    )
    mig = js(cli(project, "instance", "migrate", "--json"))
    assert mig["from_version"] == mig["to_version"] == info["schema_version"]

    r = cli(project, "asset", "wipe", "--all")  # asks first; no answer on stdin: aborted
    assert r.returncode == 1 and "Aborted" in r.stderr
    assert js(cli(project, "instance", "info", "--json"))["assets"] == 1
    r = cli(project, "asset", "wipe", "orders", "--noprompt")
    assert r.returncode == 0 and "Wiped 1 asset" in r.stdout
    assert js(cli(project, "instance", "info", "--json"))["assets"] == 0
    r = cli(project, "run", "delete", runs[0]["run_id"], "--noprompt")
    assert r.returncode == 0
    assert js(cli(project, "run", "list", "--json")) == []


NOTEBOOK_CELLS = [
    "import dagster_nb as dg\nfrom pathlib import Path\nSCALE = 3",
    "@dg.asset\ndef base():\n    return [1, 2, 3]",
    "Path('exploratory_ran').write_text('oops')\nprint('exploring')",
    "%%asset scaled\nscaled = [SCALE * x for x in base]",
    "base_value = dg.kernel.load_asset_value('base')\nbase_value",
    "%materialize",
]


def test_a_notebook_runs_headless_with_only_its_asset_cells(project):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nbformat.write(nb, project / "analysis.ipynb")
    r = cli(project, "asset", "list", "-f", "analysis.ipynb")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["base", "scaled"]
    out = js(cli(project, "asset", "materialize", "-f", "analysis.ipynb", "--json"))
    assert out["success"]
    assert not (project / "exploratory_ran").exists()  # exploratory cells did not run
    code = "import dagster_nb as dg; print(dg.DagsterInstance.get().get_latest_materialization_event('scaled') is not None)"
    env = dict(os.environ, DAGSTER_HOME=str(project / "home"), PYTHONPATH=str(ROOT))
    check = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=project
    )
    assert check.stdout.strip() == "True", check.stderr


def test_executor_flag_runs_steps_in_other_processes(project):
    (project / "where.py").write_text(
        textwrap.dedent(
            """
        import multiprocessing
        import dagster_nb as dg

        def place():
            try:
                from distributed import get_worker

                return "dask worker " + get_worker().address.rsplit(":", 1)[0]
            except (ImportError, ValueError):
                return multiprocessing.current_process().name

        @dg.asset
        def where():
            return place()
        """
        )
    )
    read = (
        "import dagster_nb as dg, importlib.util as u\n"
        "s = u.spec_from_file_location('w', 'where.py'); m = u.module_from_spec(s); s.loader.exec_module(m)\n"
        "print(dg.Definitions(assets=[m.where]).load_asset_value('where', instance=dg.DagsterInstance.get()))"
    )
    env = dict(os.environ, DAGSTER_HOME=str(project / "home"), PYTHONPATH=str(ROOT))
    places = {}
    for executor in ("in_process", "multiprocess", "dask"):
        out = js(
            cli(project, "asset", "materialize", "-f", "where.py", "--executor", executor, "--json")
        )
        assert out["success"], out
        got = subprocess.run(
            [sys.executable, "-c", read], env=env, capture_output=True, text=True, cwd=project
        )
        places[executor] = got.stdout.strip()
    assert places == {
        "in_process": "MainProcess",
        "multiprocess": "dagster_nb-step-where",
        "dask": "dask worker tcp://127.0.0.1",
    }

    # a step failing on a Dask worker shows the user's file and lines, as in process
    r = cli(
        project,
        "asset",
        "materialize",
        "-f",
        "assets.py",
        "--select",
        "orders,broken",
        "--executor",
        "dask",
    )
    assert r.returncode == 1
    assert (
        'assets.py", line' in r.stderr
        and "return helper(orders[0])" in r.stderr
        and "return x / 0" in r.stderr
    )

    # without the flag, the Definitions' executor decides
    (project / "where_defs.py").write_text(
        (project / "where.py").read_text()
        + textwrap.dedent(
            """
        from dagster_nb.dask import dask_executor

        defs = dg.Definitions(assets=[where], executor=dask_executor.configured(
            {"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}}))
        """
        )
    )
    out = js(cli(project, "asset", "materialize", "-f", "where_defs.py", "--json"))
    got = subprocess.run(
        [sys.executable, "-c", read], env=env, capture_output=True, text=True, cwd=project
    )
    assert out["success"] and got.stdout.strip() == "dask worker tcp://127.0.0.1"


def test_the_cli_modules_stay_out_of_import_dagster_nb():
    code = (
        "import sys, dagster_nb, dagster_nb.dask\n"
        "print([m for m in ('click', 'rich', 'dask', 'distributed', 'cloudpickle', 'yaml') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert out.stdout.strip() == "[]"


def _on_a_terminal(cwd: Path, *args: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdout (what a user's shell gives it)."""
    import pty

    main, sub = pty.openpty()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(cwd / "home"),
        TERM="xterm-256color",
        COLUMNS="120",
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.Popen([str(SCRIPT), *args], cwd=cwd, env=env, stdout=sub, stderr=sub)
    os.close(sub)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    import re

    text = b"".join(chunks).decode("utf-8", "replace")
    return proc.wait(timeout=300), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # colours off


def test_a_terminal_gets_tables_and_a_progress_bar(project):
    code, text = _on_a_terminal(project, "asset", "list", "-f", "assets.py")
    assert code == 0
    assert "┃ key" in text and "│ daily" in text and "Daily, starting 2024-01-01 UTC." in text
    code, text = _on_a_terminal(
        project, "asset", "materialize", "-f", "assets.py", "--select", "group:sales"
    )
    assert code == 0
    assert "2/2" in text and "SUCCESS" in text  # steps done / total, then the run's status
    code, text = _on_a_terminal(
        project,
        "asset",
        "materialize",
        "-f",
        "assets.py",
        "--select",
        "daily",
        "--partition-range",
        "2024-01-01...2024-01-03",
    )
    assert code == 0
    import re

    bars = set(re.findall(r"run ([0-9a-f]{8}) \S+ 1/1", text))
    assert len(bars) == 3  # a bar per run of the backfill, each complete
