"""DbtDuckDBIOManager and DuckDB's one-writer lock: a step waits while another process holds
the file (Dagster's multiprocess executor runs sibling steps at once), and past
``lock_timeout`` fails with a message naming the file and the setting."""

import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

import dagster_nb as dg
from dagster_nb.dbt import DbtDuckDBIOManager

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(db, seconds):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _store(io, key):
    io.handle_output(dg.build_output_context(asset_key=dg.AssetKey(key)), pd.DataFrame({"a": [1]}))


def test_waits_for_another_process_to_release_the_file(tmp_path):
    db = tmp_path / "w.duckdb"
    proc = _hold(db, 1.5)
    try:
        t = time.monotonic()
        _store(DbtDuckDBIOManager(database=str(db)), ["raw", "orders"])
        waited = time.monotonic() - t
    finally:
        proc.wait(timeout=30)
    assert waited > 0.3  # it really met the lock (the holder kept it ~1.5 s)
    con = duckdb.connect(str(db), read_only=True)
    assert con.sql("select a from raw.orders").fetchall() == [(1,)]
    con.close()


def test_gives_up_after_lock_timeout_with_the_file_and_setting(tmp_path):
    db = tmp_path / "w.duckdb"
    proc = _hold(db, 20)
    try:
        with pytest.raises(dg.DagsterInvariantViolationError) as e:
            _store(DbtDuckDBIOManager(database=str(db), lock_timeout=0.3), ["raw", "orders"])
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert str(db) in str(e.value) and "lock_timeout" in str(e.value)
