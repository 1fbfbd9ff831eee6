"""What a first user meets in a real kernel (issue #13): a bare %materialize next to
partitioned assets, a kernel restart before the definition cells ran again, and Ctrl-C
during a run. Driven through jupyter_client, as JupyterLab drives a kernel."""

from __future__ import annotations

import os
import re
import time

import pytest

pytest.importorskip("ipykernel")
from jupyter_client.manager import start_new_kernel  # noqa: E402

DEFS = """
%load_ext dagster_nb
import dagster_nb as dg
daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")

@dg.asset
def orders():
    return [3, 4, 5]

@dg.asset(partitions_def=daily)
def daily_sales(context, orders):
    return {"day": context.partition_key, "n": len(orders)}

@dg.asset
def report(daily_sales):
    return len(daily_sales)

@dg.asset
def total(orders):
    return sum(orders)
"""


def _execute(client, code: str, timeout: float = 120) -> tuple[dict, str]:
    """Run ``code``; (the reply content, stdout + the error's traceback, ANSI colours off)."""
    out: list[str] = []

    def hook(msg: dict) -> None:
        c = msg["content"]
        if msg["msg_type"] == "stream":
            out.append(c.get("text", ""))
        elif msg["msg_type"] == "error":
            out.append("\n".join(c.get("traceback", [])))
        elif msg["msg_type"] in ("execute_result", "display_data"):
            out.append(c.get("data", {}).get("text/plain", "") + "\n")

    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"], re.sub(r"\x1b\[[0-9;]*m", "", "".join(out))


def _ok(client, code: str) -> str:
    content, out = _execute(client, code)
    assert content["status"] == "ok", out
    return out


@pytest.fixture
def kernel(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    km, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        yield km, client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def test_bare_materialize_runs_what_it_can_and_prints_the_exact_commands(kernel):
    km, client = kernel
    _ok(client, DEFS)
    out = _ok(client, "%materialize --quiet")  # Run All goes on: the cell succeeds
    assert "SUCCESS" in out
    # the definition as the user wrote it, never epoch seconds
    assert (
        'Not run: daily_sales, partitioned by DailyPartitionsDefinition(start_date="2024-01-01").'
        in out
    )
    assert "1704067200" not in out
    assert "Also not run: report" in out
    one = re.search(r"One partition:\s+(%materialize .*)", out).group(1).strip()
    every = re.search(r"All partitions:\s+(%materialize .*)", out).group(1).strip()
    assert every.startswith("%materialize key:daily_sales --partitions 2024-01-01...")
    # the unpartitioned assets ran; the partitioned one and its reader did not
    assert (
        _ok(
            client, "print(sorted(k.to_user_string() for k in dg.kernel.instance.all_asset_keys()))"
        ).strip()
        == "['orders', 'total']"
    )
    # the printed command runs as printed, for a key inside the definition's range
    example = one.split("--partition ")[1]
    _ok(
        client,
        f"import datetime as _d; assert _d.date.fromisoformat({example!r}) <= _d.date.today()",
    )
    _ok(client, one + " --quiet")
    assert (
        _ok(
            client, f"print(dg.kernel.load_asset_value('daily_sales', partition_key={example!r}))"
        ).strip()
        == f"{{'day': '{example}', 'n': 3}}"
    )


def test_materialize_of_only_partitioned_assets_is_a_usage_error_with_the_command(kernel):
    km, client = kernel
    _ok(client, DEFS)
    content, out = _execute(client, "%materialize daily_sales --quiet")
    assert content["status"] == "error" and content["ename"] == "UsageError", out
    assert 'DailyPartitionsDefinition(start_date="2024-01-01")' in out
    assert "%materialize key:daily_sales --partition " in out
    assert "Traceback" not in out


def test_asset_value_and_assets_after_a_restart_before_any_definition_cell(kernel):
    km, client = kernel
    _ok(client, DEFS)
    _ok(client, "%materialize --quiet")
    _ok(client, "%materialize key:daily_sales --partitions 2024-01-01...2024-01-02 --quiet")
    km.restart_kernel(now=True)
    client.wait_for_ready(timeout=60)
    _ok(client, "%load_ext dagster_nb")
    # values of assets no cell has defined in this kernel yet, through the default IO manager
    assert _ok(client, "%asset_value total").strip().endswith("12")
    assert "{'day': '2024-01-02', 'n': 3}" in _ok(
        client, "%asset_value daily_sales --partition 2024-01-02"
    )
    content, out = _execute(client, "%asset_value daily_sales")
    assert content["ename"] == "UsageError"
    assert "--partition 2024-01-02" in out
    content, out = _execute(client, "%asset_value totl")
    assert content["ename"] == "UsageError" and "Did you mean 'total'?" in out
    listing = _ok(client, "%assets")
    rows = {ln.split()[0]: ln for ln in listing.splitlines()[1:] if ln.strip()}
    assert set(rows) == {"orders", "total", "daily_sales"}
    assert all("not defined in this kernel yet" in ln for ln in rows.values())
    # once the definitions run again, the catalog shows their real statuses
    _ok(client, DEFS.replace("%load_ext dagster_nb", ""))
    listing = _ok(client, "%assets")
    assert "not defined in this kernel yet" not in listing
    assert re.search(r"^total\s.*fresh", listing, re.M), listing


def test_an_interrupted_run_prints_one_line(kernel, tmp_path):
    km, client = kernel
    kernel_cwd = tmp_path
    _ok(
        client,
        DEFS
        + """
import pathlib, time
@dg.asset
def slow():
    pathlib.Path("inside_slow").touch()
    time.sleep(60)
    return 1
""",
    )
    msg_id = client.execute("%materialize key:slow --quiet")
    marker = kernel_cwd / "inside_slow"
    deadline = time.time() + 120
    while not marker.exists() and time.time() < deadline:  # the run is inside slow()
        time.sleep(0.1)
    assert marker.exists()
    km.interrupt_kernel()
    out: list[str] = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        c = msg["content"]
        if msg["msg_type"] == "stream":
            out.append(c["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(c["traceback"]))
        elif msg["msg_type"] == "status" and c["execution_state"] == "idle":
            break
    text = re.sub(r"\x1b\[[0-9;]*m", "", "".join(out)).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert re.fullmatch(r"Run [0-9a-f]{8} canceled \(interrupted\)\..*", lines[0]), text
    # the run is stored as canceled, and the kernel goes on
    assert (
        _ok(
            client, "print(dg.kernel.instance.get_run_records(limit=1)[0].dagster_run.status.value)"
        ).strip()
        == "CANCELED"
    )


def test_assets_lists_a_failure_and_what_it_kept_from_running(kernel):
    km, client = kernel
    _ok(
        client,
        """
%load_ext dagster_nb
import dagster_nb as dg

@dg.asset
def source_rows():
    raise ValueError("no rows")

@dg.asset
def rollup(source_rows):
    return len(source_rows)
""",
    )
    content, out = _execute(client, "%materialize --quiet")
    assert content["ename"] == "ValueError" and "no rows" in out
    listing = _ok(client, "%assets")
    rows = {ln.split()[0]: ln for ln in listing.splitlines()[1:] if ln.strip()}
    assert " failed" in rows["source_rows"]
    assert " not run" in rows["rollup"] and "failed" not in rows["rollup"]
