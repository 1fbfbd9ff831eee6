"""The SQLite instance under concurrent processes, SIGKILL, corrupt or foreign files, and
folders it may not write. Each test runs real processes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from storage_helpers import E, materialize

from dagster_nb._errors import DagsterStorageError
from dagster_nb._events import DagsterRunStatus
from dagster_nb._instance import DB_FILENAME, DagsterInstance
from dagster_nb._storage.records import RunsFilter

HERE = os.path.dirname(os.path.abspath(__file__))
pytestmark = pytest.mark.slow

# A child that waits for a common start time, then opens the instance and writes runs.
CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {here!r})
    from dagster_nb._instance import DagsterInstance
    from storage_helpers import materialize
    root, go, tag, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    while time.time() < go:
        time.sleep(0.0005)
    with DagsterInstance.from_directory(root) as inst:
        for i in range(n):
            materialize(inst, "shared", run_id=f"{{tag}}-{{i}}")
            materialize(inst, f"own_{{tag}}", partition=str(i))
    print("ok")
    """
).format(here=HERE)


def _spawn_writers(root: str, n_runs: int, tags=("a", "b")) -> list[subprocess.CompletedProcess]:
    go = time.time() + 1.0  # after both interpreters have started and imported
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, root, str(go), tag, str(n_runs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in tags
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


def test_two_processes_open_a_brand_new_instance_at_once(tmp_path):
    for attempt in range(10):
        root = str(tmp_path / f"home{attempt}")
        for r in _spawn_writers(root, 1):
            assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
        for _ in range(2):  # every later open works too
            with DagsterInstance.from_directory(root) as inst:
                assert inst.get_runs_count() == 4
                assert {r.run_id for r in inst.get_runs()} >= {"a-0", "b-0"}


def test_two_processes_write_at_the_same_time(tmp_path):
    root = str(tmp_path / "home")
    n = 25
    for r in _spawn_writers(root, n):
        assert r.returncode == 0, r.stderr
    with DagsterInstance.from_directory(root) as inst:
        runs = inst.get_runs()
        assert len(runs) == 4 * n
        assert all(r.status == DagsterRunStatus.SUCCESS for r in runs)
        for r in runs:
            assert len(inst.all_logs(r.run_id)) == 6
        shared = inst.fetch_materializations("shared", limit=1000)
        assert len(shared.records) == 2 * n
        for tag in "ab":
            assert inst.get_materialized_partitions(f"own_{tag}") == {str(i) for i in range(n)}
        ids = [e.storage_id for r in runs for e in inst.all_logs(r.run_id)]
        assert len(ids) == len(set(ids)) == 6 * 4 * n


KILLED_CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {here!r})
    from dagster_nb._instance import DagsterInstance
    from storage_helpers import E, make_event
    inst = DagsterInstance.from_directory(sys.argv[1])
    run = inst.create_run(job_name="j", run_id="victim")
    inst.handle_new_event(make_event(E.RUN_START, "victim"))
    i = 0
    while True:
        p = str(i)
        inst.handle_new_event(make_event(E.ASSET_MATERIALIZATION_PLANNED, "victim", key="a", partition=p))
        inst.handle_new_events([
            make_event(E.LOG_MESSAGE, "victim", step_key="a"),
            make_event(E.ASSET_MATERIALIZATION, "victim", key="a", partition=p,
                       metadata={{"i": i}}),
        ])
        i += 1
        if i == 50:
            print("writing", flush=True)
    """
).format(here=HERE)


def test_sigkill_while_writing_events(tmp_path):
    root = str(tmp_path / "home")
    p = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, root], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)
    # the instance opens, notices the dead owner, and marks the run failed
    with DagsterInstance.from_directory(root) as inst:
        run = inst.get_run_by_id("victim")
        assert run.status == DagsterRunStatus.FAILURE and run.end_time is not None
        engine = inst.all_logs("victim", of_type=E.ENGINE_EVENT)
        assert len(engine) == 1 and "no longer running" in engine[0].dagster_event.message
        statuses = inst.get_asset_partition_statuses("a")
        materialized = inst.get_materialized_partitions("a")
        assert len(materialized) >= 50
        assert "IN_PROGRESS" not in statuses.values()
        assert {k for k, v in statuses.items() if v == "MATERIALIZED"} == materialized
        # events are whole: every stored materialization decodes with its metadata
        for rec in inst.fetch_materializations("a", limit=100_000).records:
            assert rec.asset_materialization.metadata["i"].value == int(rec.partition_key)
        # and writing works again
        rid = materialize(inst, "a", "again")
        assert inst.get_run_by_id(rid).status == DagsterRunStatus.SUCCESS
        assert inst.mark_dead_runs() == []
    conn = sqlite3.connect(os.path.join(root, DB_FILENAME))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_dead_run_is_noticed_by_a_live_instance(tmp_path):
    root = str(tmp_path / "home")
    with DagsterInstance.from_directory(root) as inst:
        code = (
            f"import sys; sys.path.insert(0, {HERE!r})\n"
            "from dagster_nb._instance import DagsterInstance\n"
            "from storage_helpers import E, make_event\n"
            f"inst = DagsterInstance.from_directory({root!r})\n"
            "inst.create_run(job_name='j', run_id='r')\n"
            "inst.handle_new_event(make_event(E.RUN_START, 'r'))\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        assert inst.get_run_by_id("r").status == DagsterRunStatus.FAILURE or (
            inst.mark_dead_runs() == ["r"]
        )
        assert inst.get_run_by_id("r").status == DagsterRunStatus.FAILURE
        assert inst.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED])) == []


# ---------------------------------------------------------------- broken files
def _populated(root: str) -> str:
    with DagsterInstance.from_directory(root) as inst:
        for i in range(30):
            materialize(inst, "a", str(i), metadata={"text": "x" * 2000})
    return os.path.join(root, DB_FILENAME)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def test_garbage_over_the_database_file(tmp_path):
    root = str(tmp_path / "home")
    db = _populated(root)
    with open(db, "wb") as f:
        f.write(os.urandom(8192))
    before = _read(db)
    with pytest.raises(DagsterStorageError) as info:
        DagsterInstance.from_directory(root)
    assert db in str(info.value) and "not a SQLite database" in str(info.value)
    assert _read(db) == before  # left untouched


def test_damaged_pages_inside_the_database(tmp_path):
    root = str(tmp_path / "home")
    db = _populated(root)
    size = os.path.getsize(db)
    with open(db, "r+b") as f:  # keep the header page, trash the rest
        f.seek(4096)
        f.write(b"\xff" * (size - 4096))
    before = _read(db)
    with pytest.raises(DagsterStorageError) as info:
        with DagsterInstance.from_directory(root) as inst:
            inst.fetch_materializations("a", limit=100)
            inst.get_asset_partition_statuses("a")
            inst.get_runs()
    assert db in str(info.value)
    assert _read(db) == before


def test_foreign_sqlite_database(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    db = str(root / DB_FILENAME)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO customers VALUES (1, 'ann')")
    conn.commit()
    conn.close()
    before = _read(db)
    with pytest.raises(DagsterStorageError) as info:
        DagsterInstance.from_directory(root)
    assert db in str(info.value) and "customers" in str(info.value)
    assert _read(db) == before


def test_foreign_text_file_and_directory_in_place_of_the_database(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    (root / DB_FILENAME).write_text("my notes, not a database\n")
    with pytest.raises(DagsterStorageError, match="not a SQLite database"):
        DagsterInstance.from_directory(root)
    assert (root / DB_FILENAME).read_text() == "my notes, not a database\n"
    (root / DB_FILENAME).unlink()
    (root / DB_FILENAME).mkdir()
    with pytest.raises(DagsterStorageError, match="is a directory"):
        DagsterInstance.from_directory(root)


def test_instance_folder_is_a_file(tmp_path):
    f = tmp_path / "home"
    f.write_text("x")
    with pytest.raises(DagsterStorageError, match=str(f)):
        DagsterInstance.from_directory(f)


def test_newer_schema_is_refused(tmp_path):
    root = str(tmp_path / "home")
    db = _populated(root)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE dagster_nb_schema SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(DagsterStorageError, match="newer"):
        DagsterInstance.from_directory(root)


def _set_readonly(path: str, readonly: bool) -> None:
    """Make a file or folder unwritable even for root (``chattr +i``), else by mode bits."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a folder read-only")
        r = subprocess.run(["chattr", "+i" if readonly else "-i", path], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"chattr failed: {r.stderr!r}")
    else:
        mode = (
            (0o555 if os.path.isdir(path) else 0o444)
            if readonly
            else (0o755 if os.path.isdir(path) else 0o644)
        )
        os.chmod(path, mode)


@pytest.fixture
def readonly():
    """Mark paths read-only; restored after the test."""
    marked: list[str] = []

    def mark(path: str) -> None:
        _set_readonly(path, True)
        marked.append(path)

    yield mark
    for path in reversed(marked):
        _set_readonly(path, False)


def test_read_only_folder_new_instance(tmp_path, readonly):
    root = str(tmp_path / "home")
    os.mkdir(root)
    readonly(root)
    with pytest.raises(DagsterStorageError) as info:
        DagsterInstance.from_directory(root)
    assert os.path.join(root, DB_FILENAME) in str(info.value)
    assert "writable" in str(info.value)


def test_read_only_folder_existing_instance_loses_nothing(tmp_path, readonly):
    root = str(tmp_path / "home")
    db = _populated(root)
    readonly(db)
    readonly(root)
    before = _read(db)
    with pytest.raises(DagsterStorageError) as info:
        inst = DagsterInstance.from_directory(root)
        inst.add_dynamic_partitions("d", ["x"])
    assert db in str(info.value)
    assert _read(db) == before
    _set_readonly(root, False)
    _set_readonly(db, False)
    with DagsterInstance.from_directory(root) as inst:
        assert inst.get_materialized_partitions("a") == {str(i) for i in range(30)}
        inst.add_dynamic_partitions("d", ["x"])
