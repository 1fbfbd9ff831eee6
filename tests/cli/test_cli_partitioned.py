"""`dagster-nb materialize` on partitioned assets without a partition: the error names the
exact command to run, written for the CLI (issue #13)."""

from __future__ import annotations

import shlex
import textwrap

from test_cli import run

ASSETS = textwrap.dedent(
    """
    import dagster_nb as dg

    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")

    @dg.asset
    def orders():
        return [1, 2]

    @dg.asset(partitions_def=days)
    def daily(context, orders):
        return len(orders)

    defs = dg.Definitions(assets=[orders, daily])
    """
)


def test_partitioned_selection_without_partition_names_the_cli_command(tmp_path):
    (tmp_path / "assets.py").write_text(ASSETS)
    assert run(tmp_path, "materialize", "-f", "assets.py", "--select", "orders").returncode == 0
    r = run(tmp_path, "materialize", "-f", "assets.py", "--select", "daily")
    assert r.returncode == 2, r.stdout + r.stderr
    assert (
        'partitioned by DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")'
        in r.stderr
    )
    line = next(ln for ln in r.stderr.splitlines() if "One partition:" in ln)
    command = line.split("One partition:")[1].strip()
    assert (
        command
        == "dagster-nb asset materialize -f assets.py --select 'key:daily' --partition 2024-01-03"
    )
    # the suggested command runs as written
    ok = run(tmp_path, *shlex.split(command)[1:])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "SUCCESS" in ok.stdout
