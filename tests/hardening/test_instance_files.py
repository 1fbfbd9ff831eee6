"""The instance database file in bad states (issue #11): an empty file is said once (history
lost), a foreign file is a clear error and left untouched, and a read-only instance can still
be read."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import warnings

import pytest

import dagster_nb as dg
from dagster_nb._storage.sqlite import InstanceHistoryLostWarning


@dg.asset
def numbers():
    return [1, 2, 3]


def _one_run(root) -> None:
    inst = dg.DagsterInstance.from_directory(str(root))
    assert dg.materialize([numbers], instance=inst).success
    inst.dispose()


def test_a_fresh_instance_is_created_without_a_word(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inst = dg.DagsterInstance.from_directory(str(tmp_path / "home"))
    assert inst.get_runs() == []
    assert not [n for n in os.listdir(tmp_path / "home") if n.endswith(".new")]  # temp gone


def test_an_emptied_database_is_said_once_and_values_are_kept(tmp_path):
    root = tmp_path / "home"
    _one_run(root)
    db = [p for p in root.iterdir() if p.suffix == ".db"][0]
    for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        extra.unlink(missing_ok=True)
    db.write_bytes(b"")  # truncated outside dagster_nb
    with pytest.warns(InstanceHistoryLostWarning, match=f"{db}.*was empty.*values are kept"):
        inst = dg.DagsterInstance.from_directory(str(root))
    assert inst.get_runs() == []
    defs = dg.Definitions(assets=[numbers])
    assert defs.load_asset_value("numbers", instance=inst) == [1, 2, 3]  # the value survived
    inst.dispose()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: the file is a database again
        dg.DagsterInstance.from_directory(str(root)).dispose()


def test_a_file_that_is_not_a_database_is_an_error_and_left_untouched(tmp_path):
    root = tmp_path / "home"
    _one_run(root)
    db = [p for p in root.iterdir() if p.suffix == ".db"][0]
    db.write_bytes(b"these are notes, not a database\n" * 10)
    with pytest.raises(
        dg.DagsterStorageError, match=f"{db} is not a SQLite database.*move it away"
    ):
        dg.DagsterInstance.from_directory(str(root))
    assert db.read_bytes() == b"these are notes, not a database\n" * 10


def test_processes_creating_one_instance_at_once_never_see_it_empty(tmp_path):
    code = textwrap.dedent(
        """
        import sys, warnings
        warnings.simplefilter("error")
        import dagster_nb as dg
        dg.DagsterInstance.from_directory(sys.argv[1]).get_runs()
        """
    )
    root = str(tmp_path / "shared")
    procs = [
        subprocess.Popen([sys.executable, "-c", code, root], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors


_READER = textwrap.dedent(
    """
    import sys
    import dagster_nb as dg

    @dg.asset
    def numbers():
        return [1, 2, 3]

    inst = dg.DagsterInstance.from_directory(sys.argv[1])
    runs = inst.get_runs()
    print("RUNS", len(runs), runs[0].status.value)
    print("VALUE", dg.Definitions(assets=[numbers]).load_asset_value("numbers", instance=inst))
    with dg.Definitions(assets=[numbers]).get_asset_value_loader(instance=inst) as loader:
        print("LOADER", loader.load_asset_value("numbers"))
    try:
        dg.materialize([numbers], instance=inst)
    except dg.DagsterError as e:
        print("WRITE", type(e).__name__, str(e).replace(chr(10), " "))
    """
)


def _as_reader(root) -> str:
    cmd = [sys.executable, "-c", _READER, str(root)]
    if os.geteuid() == 0:  # root ignores permission bits unless its capabilities are dropped
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop capabilities")
        cmd = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_read_only_instance_can_still_be_read(tmp_path):
    root = tmp_path / "archived"
    _one_run(root)
    modes = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            p = os.path.join(dirpath, name)
            modes[p] = os.stat(p).st_mode
            os.chmod(p, 0o444)
        modes[dirpath] = os.stat(dirpath).st_mode
        os.chmod(dirpath, 0o555)
    before = {p: open(p, "rb").read() for p in modes if os.path.isfile(p)}
    try:
        out = _as_reader(root)
    finally:
        for p, mode in modes.items():
            os.chmod(p, stat.S_IMODE(mode))
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["RUNS"] == "1 SUCCESS"
    assert lines["VALUE"] == "[1, 2, 3]" and lines["LOADER"] == "[1, 2, 3]"
    assert lines["WRITE"].startswith("DagsterStorageError") and "opened read-only" in lines["WRITE"]
    assert {p: open(p, "rb").read() for p in before} == before  # nothing changed
