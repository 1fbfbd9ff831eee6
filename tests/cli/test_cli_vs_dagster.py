"""``dagster-nb`` and ``dagster`` on the same user code (``import dagster as dg`` swapped for
``import dagster_nb as dg``): the same asset list, the same exit codes for a good and a failing
materialization and a job, and the same stored values afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("dagster")
pytestmark = [pytest.mark.dagster, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

CODE = textwrap.dedent(
    """
    import {lib} as dg

    @dg.asset(group_name="sales")
    def orders():
        return [3, 4, 5]

    @dg.asset(group_name="sales")
    def revenue(orders):
        return sum(orders)

    @dg.asset(key_prefix=["finance"])
    def margin(revenue):
        return revenue * 0.25

    @dg.asset
    def broken(orders):
        raise RuntimeError("broken on purpose")

    sales_job = dg.define_asset_job("sales_job", selection="group:sales")

    defs = dg.Definitions(assets=[orders, revenue, margin, broken], jobs=[sales_job])
    """
)

READ = (
    "import importlib.util as u, sys\n"
    "s = u.spec_from_file_location('m', sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)\n"
    "lib = __import__(sys.argv[2])\n"
    "inst = lib.DagsterInstance.get()\n"
    "print([m.defs.load_asset_value(k, instance=inst) for k in ('revenue', ['finance', 'margin'])])\n"
)


def _both(tmp_path: Path):
    for lib, exe in (("dagster_nb", "dagster-nb"), ("dagster", "dagster")):
        d = tmp_path / lib
        (d / "home").mkdir(parents=True)
        (d / "defs.py").write_text(CODE.format(lib=lib))
        env = dict(os.environ, DAGSTER_HOME=str(d / "home"), PYTHONPATH=str(ROOT))

        def run(*args, _exe=exe, _d=d, _env=env):
            return subprocess.run(
                [str(BIN / _exe), *args],
                cwd=_d,
                env=_env,
                capture_output=True,
                text=True,
                timeout=600,
            )

        yield lib, d, env, run


def test_the_same_commands_give_the_same_lists_exit_codes_and_values(tmp_path):
    seen = {}
    for lib, d, env, run in _both(tmp_path):
        listed = run("asset", "list", "-f", "defs.py")
        good = run(
            "asset", "materialize", "-f", "defs.py", "--select", "orders,revenue,finance/margin"
        )
        bad = run("asset", "materialize", "-f", "defs.py", "--select", "broken")
        job = run("job", "execute", "-f", "defs.py", "-j", "sales_job")
        read = subprocess.run(
            [sys.executable, "-c", READ, "defs.py", lib],
            cwd=d,
            env=env,
            capture_output=True,
            text=True,
        )
        seen[lib] = {
            "list": listed.stdout.split(),
            "codes": (listed.returncode, good.returncode, bad.returncode, job.returncode),
            "values": read.stdout.strip(),
            "broken": "broken on purpose" in bad.stdout + bad.stderr,
        }
        assert read.returncode == 0, read.stderr
    assert seen["dagster_nb"] == seen["dagster"]
    assert seen["dagster"]["list"] == ["broken", "finance/margin", "orders", "revenue"]
    assert seen["dagster"]["codes"] == (0, 0, 1, 0) and seen["dagster"]["values"] == "[12, 3.0]"
