"""`dagster-nb job execute --partition KEY` / `--partition-range A...B` on partitioned asset
jobs, through the real entry point with --json; Dagster's partition tags mean the same."""

from __future__ import annotations

import json
import textwrap

from test_cli import run

ASSETS = textwrap.dedent(
    """
    import dagster_nb as dg

    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
    regions = dg.StaticPartitionsDefinition(["us", "eu"])

    @dg.asset(partitions_def=days)
    def daily(context):
        return f"day {context.partition_key}"

    @dg.asset(partitions_def=days)
    def daily_doubled(context, daily):
        return daily * 2

    @dg.asset(partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
    def daily_batch(context):
        return list(context.partition_keys)

    @dg.asset(partitions_def=regions)
    def by_region(context):
        return context.partition_key.upper()

    @dg.asset
    def plain():
        return 1

    @dg.op
    def one():
        return 1

    @dg.job
    def op_job():
        one()

    defs = dg.Definitions(
        assets=[daily, daily_doubled, daily_batch, by_region, plain],
        jobs=[
            dg.define_asset_job("daily_job", selection=[daily, daily_doubled]),
            dg.define_asset_job("batch_job", selection=[daily_batch]),
            dg.define_asset_job("region_job", selection=[by_region]),
            dg.define_asset_job("plain_job", selection=[plain]),
            op_job,
        ],
    )
    """
)

READ = textwrap.dedent(
    """
    import importlib.util, json, sys
    import dagster_nb as dg
    s = importlib.util.spec_from_file_location("m", "assets.py")
    m = importlib.util.module_from_spec(s); s.loader.exec_module(m)
    inst = dg.DagsterInstance.get()
    print(json.dumps({
        k: sorted(inst.get_materialized_partitions(dg.AssetKey(k)))
        for k in ("daily", "daily_doubled", "daily_batch", "by_region")
    }))
    print(json.dumps(m.defs.load_asset_value("daily_doubled", partition_key="2024-01-02", instance=inst)))
    """
)


def _execute(tmp_path, *args):
    r = run(tmp_path, "job", "execute", "-f", "assets.py", *args)
    return r, (json.loads(r.stdout) if r.returncode in (0, 1) and "--json" in args else None)


def test_one_partition_of_a_job(tmp_path):
    (tmp_path / "assets.py").write_text(ASSETS)
    r, out = _execute(tmp_path, "-j", "daily_job", "--partition", "2024-01-02", "--json")
    assert r.returncode == 0, r.stderr
    (one,) = out["runs"]
    assert out["success"] and out["job"] == "daily_job"
    assert one["partition"] == "2024-01-02" and one["status"] == "SUCCESS"
    assert one["steps"] == {"daily": "SUCCESS", "daily_doubled": "SUCCESS"}
    # Dagster's way to say it: the partition tag
    r, out = _execute(
        tmp_path, "-j", "region_job", "--tags", '{"dagster/partition": "eu"}', "--json"
    )
    assert r.returncode == 0, r.stderr
    assert [x["partition"] for x in out["runs"]] == ["eu"]
    read = run_python(tmp_path)
    materialized, value = read
    assert materialized["daily"] == ["2024-01-02"] and materialized["by_region"] == ["eu"]
    assert value == "day 2024-01-02day 2024-01-02"
    listed = json.loads(run(tmp_path, "run", "list", "--json").stdout)
    assert {r["tags"].get("dagster/partition") for r in listed} == {"2024-01-02", "eu"}
    assert {r["job"] for r in listed} == {"daily_job", "region_job"}


def test_a_range_of_partitions_a_run_each_or_one_run(tmp_path):
    (tmp_path / "assets.py").write_text(ASSETS)
    r, out = _execute(
        tmp_path, "-j", "daily_job", "--partition-range", "2024-01-02...2024-01-04", "--json"
    )
    assert r.returncode == 0, r.stderr
    assert [x["partition"] for x in out["runs"]] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert all(x["status"] == "SUCCESS" for x in out["runs"])
    # BackfillPolicy.single_run(): one run over the range (Dagster's range tags say it too)
    tags = {
        "dagster/asset_partition_range_start": "2024-01-01",
        "dagster/asset_partition_range_end": "2024-01-03",
    }
    r, out = _execute(tmp_path, "-j", "batch_job", "--tags", json.dumps(tags), "--json")
    assert r.returncode == 0, r.stderr
    assert len(out["runs"]) == 1 and out["runs"][0]["status"] == "SUCCESS"
    assert out["runs"][0]["partition_range"] == "2024-01-01...2024-01-03"
    materialized, _ = run_python(tmp_path)
    assert materialized["daily"] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert materialized["daily_doubled"] == materialized["daily"]
    assert materialized["daily_batch"] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    listed = json.loads(run(tmp_path, "run", "list", "--json").stdout)
    assert {r["job"] for r in listed} == {"daily_job", "batch_job"}


def test_bad_partitions_are_usage_errors_with_the_valid_form(tmp_path):
    (tmp_path / "assets.py").write_text(ASSETS)
    cases = {
        ("-j", "daily_job", "--partition", "2024-13-01"): [
            "2024-13-01",
            "Expected a key like '2024-01-31'",
            "give --partition KEY (e.g. --partition 2024-01-04)",
        ],
        ("-j", "region_job", "--partition", "ue"): ["Valid keys: 'us', 'eu'"],
        ("-j", "daily_job"): [
            'partitioned by DailyPartitionsDefinition(start_date="2024-01-01"',
            "--partition-range START...END",
        ],
        ("-j", "daily_job", "--partition-range", "2024-01-02"): [
            "must be START...END, e.g. --partition-range 2024-01-04...2024-01-04"
        ],
        ("-j", "daily_job", "--partition-range", "2024-01-02...2025-01-01"): ["2025-01-01"],
        ("-j", "daily_job", "--partition", "2024-01-02", "--partition-range", "a...b"): [
            "either --partition KEY or --partition-range"
        ],
        (
            "-j",
            "daily_job",
            "--partition",
            "2024-01-02",
            "--tags",
            '{"dagster/partition": "2024-01-03"}',
        ): ["disagree"],
        ("-j", "plain_job", "--partition", "2024-01-02"): ["'plain_job' is not partitioned"],
        ("-j", "op_job", "--partition", "2024-01-02"): ["'op_job' is not partitioned"],
    }
    for args, expected in cases.items():
        r = run(tmp_path, "job", "execute", "-f", "assets.py", *args, "--json")
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        for text in expected:
            assert text in r.stderr, (args, r.stderr)
    assert json.loads(run(tmp_path, "run", "list", "--json").stdout) == []  # nothing ran


def run_python(tmp_path):
    import os
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=tmp_path,
        env=dict(os.environ, DAGSTER_HOME=str(tmp_path / "home")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    first, second = p.stdout.strip().splitlines()[-2:]
    return json.loads(first), json.loads(second)
