"""Crashes, damaged storage folders, full disks and hostile keys, through the public API."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import time

import procdefs
import pytest

import dagster_nb as dg
from dagster_nb._instance import STORAGE_DIRNAME


def _wait_for(path, proc, timeout=30.0):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.01)


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _loader(instance, *assets):
    return dg.Definitions(assets=list(assets) or procdefs.ALL).get_asset_value_loader(
        instance=instance
    )


# --------------------------------------------------------------------------- SIGKILL


@pytest.mark.slow
def test_sigkill_while_writing_a_value_keeps_the_previous_value(procs):
    procs.run("materialize", "big")  # a complete previous value
    p = procs.start("materialize", "big", NB_SLOW_PICKLE="1")
    _wait_for(procs.marks / "pickling", p)
    # 4 MB already went to the temporary file; the pickle is not finished.
    storage = procs.home / STORAGE_DIRNAME
    partial = [f for f in os.listdir(storage) if f.startswith(".big%tmp")]
    assert partial and os.path.getsize(storage / partial[0]) >= 1_000_000
    _kill(p)

    with dg.DagsterInstance.from_directory(procs.home) as instance:
        with _loader(instance) as loader:
            assert loader.load_asset_value("big") == [b"y" * 4_000_000, "complete"]
        runs = instance.get_run_records()
        statuses = sorted(r.dagster_run.status.value for r in runs)
        assert statuses == ["FAILURE", "SUCCESS"]
        # The materialization that never happened is not recorded.
        assert len(instance.fetch_materializations("big", limit=10).records) == 1
    procs.run("materialize", "big")
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        with _loader(instance) as loader:
            assert loader.load_asset_value("big")[1] == "complete"
        assert len(instance.fetch_materializations("big", limit=10).records) == 2


@pytest.mark.slow
def test_sigkill_mid_run_first_value_is_never_half_there(procs):
    p = procs.start("materialize", "big", NB_SLOW_PICKLE="1")
    _wait_for(procs.marks / "pickling", p)
    _kill(p)
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        with _loader(instance) as loader, pytest.raises(FileNotFoundError, match="No stored value"):
            loader.load_asset_value("big")
        (rec,) = instance.get_run_records()
        assert rec.dagster_run.status == dg.DagsterRunStatus.FAILURE
        assert instance.get_latest_materialization_event("big") is None


@pytest.mark.slow
def test_sigkill_mid_run_is_noticed_and_a_rerun_succeeds(procs):
    p = procs.start("materialize", "sleepy", NB_SLEEP="1")
    _wait_for(procs.marks / "sleepy.started", p)
    # While the owner lives, its run stays STARTED for everyone.
    with dg.DagsterInstance.from_directory(procs.home) as live:
        (rec,) = live.get_run_records()
        assert rec.dagster_run.status == dg.DagsterRunStatus.STARTED
        _kill(p)
        # A live instance notices on demand...
        assert live.mark_dead_runs() == [rec.dagster_run.run_id]
        assert live.get_run_by_id(rec.dagster_run.run_id).status == dg.DagsterRunStatus.FAILURE
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        messages = [e.dagster_event.message for e in instance.all_logs(rec.dagster_run.run_id)]
        assert any("no longer running" in m for m in messages)
        assert instance.get_latest_materialization_event("sleepy") is None
    procs.run("materialize", "sleepy")
    with dg.DagsterInstance.from_directory(procs.home) as instance:
        with _loader(instance) as loader:
            assert loader.load_asset_value("sleepy") == 7
        assert sorted(r.dagster_run.status.value for r in instance.get_run_records()) == [
            "FAILURE",
            "SUCCESS",
        ]


@pytest.mark.slow
def test_reopening_marks_the_dead_run(procs):
    p = procs.start("materialize", "sleepy", NB_SLEEP="1")
    _wait_for(procs.marks / "sleepy.started", p)
    _kill(p)
    with dg.DagsterInstance.from_directory(procs.home) as instance:  # opening notices
        (rec,) = instance.get_run_records()
        assert rec.dagster_run.status == dg.DagsterRunStatus.FAILURE


# --------------------------------------------------------------------------- damaged folders


@pytest.fixture
def home(tmp_path):
    instance = dg.DagsterInstance.from_directory(tmp_path / "home")
    yield instance
    instance.dispose()


def _value_path(instance, *parts):
    return os.path.join(instance.storage_directory(), *parts)


def test_garbage_pickle_gives_an_error_naming_the_path(home):
    dg.materialize([procdefs.numbers], instance=home)
    path = _value_path(home, "numbers")
    with open(path, "wb") as f:
        f.write(b"\x80\x04garbage that is not a pickle")
    with _loader(home) as loader, pytest.raises(dg.DagsterError, match="numbers") as ei:
        loader.load_asset_value("numbers")
    assert path in str(ei.value)


def test_garbage_pickle_does_not_break_other_values(home):
    dg.materialize([procdefs.numbers, procdefs.total], instance=home)
    with open(_value_path(home, "numbers"), "wb") as f:
        f.write(b"not a pickle")
    with _loader(home) as loader:
        assert loader.load_asset_value("total") == 6
        with pytest.raises(Exception):  # noqa: B017 - the type is the xfail above
            loader.load_asset_value("numbers")
    # Re-materializing replaces the garbage.
    dg.materialize([procdefs.numbers], instance=home)
    with _loader(home) as loader:
        assert loader.load_asset_value("numbers") == [1, 2, 3, 0]


def test_truncated_pickle_is_an_error_not_a_partial_value(home):
    dg.materialize([procdefs.big], instance=home)
    path = _value_path(home, "big")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with _loader(home) as loader, pytest.raises(Exception) as ei:
        loader.load_asset_value("big")
    assert not isinstance(ei.value, AssertionError)


def test_directory_where_a_value_file_should_be(home):
    os.makedirs(_value_path(home, "numbers", "junk"))
    with _loader(home) as loader, pytest.raises(dg.DagsterError) as ei:
        loader.load_asset_value("numbers")
    assert _value_path(home, "numbers") in str(ei.value)


def test_leftover_temporary_files_are_never_loaded(home):
    dg.materialize([procdefs.numbers], instance=home)
    with open(_value_path(home, ".numbers.abc.tmp"), "wb") as f:
        f.write(b"partial")
    with _loader(home) as loader:
        assert loader.load_asset_value("numbers") == [1, 2, 3, 0]


def _chattr(path, on: bool):
    if os.geteuid() != 0:
        os.chmod(path, 0o555 if on else 0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr")
    r = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"chattr failed: {r.stderr!r}")


def test_read_only_storage_folder(home):
    dg.materialize([procdefs.numbers], instance=home)
    storage = home.storage_directory()
    _chattr(storage, True)
    try:
        res = dg.materialize(
            [procdefs.numbers, procdefs.sleepy], instance=home, raise_on_error=False
        )
        assert not res.success
        failures = res.get_step_failure_events()
        assert failures
        text = " ".join(str(e.event_specific_data) for e in failures)
        assert storage in text and (
            "read-only" in text or "Permission" in text or "not permitted" in text
        )
        with _loader(home) as loader:
            assert loader.load_asset_value("numbers") == [1, 2, 3, 0]
    finally:
        _chattr(storage, False)
    assert dg.materialize([procdefs.sleepy], instance=home).success


def _no_space(*a, **k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["fsync", "write"])
def test_disk_full_on_write(home, monkeypatch, where):
    # fsync only happens with durable=True (off by default, as in Dagster)
    res = {"io_manager": dg.FilesystemIOManager(durable=True)} if where == "fsync" else None
    dg.materialize([procdefs.big], instance=home, resources=res)
    with monkeypatch.context() as m:
        if where == "fsync":
            m.setattr(os, "fsync", _no_space)
        else:
            import pickle

            real_dump = pickle.dump

            def dump(obj, f, *a, **k):
                f.write(b"\x80\x04partial")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            m.setattr(pickle, "dump", dump)
            assert real_dump
        with pytest.raises(dg.DagsterError) as ei:
            dg.materialize([procdefs.big], instance=home, resources=res)
    text = str(ei.value) + str(ei.value.__cause__)
    assert _value_path(home, "big") in text and "No space left" in text
    storage = home.storage_directory()
    assert [f for f in os.listdir(storage) if "%tmp" in f] == []  # no temp file left
    with _loader(home) as loader:
        assert loader.load_asset_value("big")[1] == "complete"
    assert len(home.fetch_materializations("big", limit=10).records) == 1


@pytest.mark.slow
def test_disk_full_on_a_real_tiny_filesystem(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {r.stderr!r}")
    try:
        with dg.DagsterInstance.from_directory(tmp_path / "home") as instance:
            io = dg.FilesystemIOManager(base_dir=str(mnt))
            defs_assets = [procdefs.big, procdefs.numbers]
            assert dg.materialize(
                defs_assets, instance=instance, resources={"io_manager": io}
            ).success

            # A second 4 MB copy cannot fit next to the first until it replaces it.
            @dg.asset(name="big2")
            def big2() -> bytes:
                return b"z" * 5_000_000

            with pytest.raises(dg.DagsterError, match="No space left"):
                dg.materialize([big2], instance=instance, resources={"io_manager": io})
            assert [f for f in os.listdir(mnt) if "%tmp" in f] == []
            loader = dg.Definitions(
                assets=defs_assets, resources={"io_manager": io}
            ).get_asset_value_loader(instance=instance)
            with loader:
                assert loader.load_asset_value("big")[1] == "complete"
                assert loader.load_asset_value("numbers") == [1, 2, 3, 0]
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


# --------------------------------------------------------------------------- hostile keys


HOSTILE_PARTS = [
    "..",
    ".",
    "/etc/passwd",
    "a/../../b",
    "..\\..\\win",
    "C:\\x",
    "%2E%2E",
    "",
    "a\x00b",
]


def _files_outside(root, storage):
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if os.path.commonpath([p, storage]) != storage and not f.startswith("dagster_nb.db"):
                out.append(p)
    return out


def _constant_asset(key, name, value):
    @dg.multi_asset(specs=[dg.AssetSpec(key)], name=name)
    def _m():
        return value

    return _m


def test_hostile_asset_key_parts_stay_inside_storage(tmp_path):
    root = tmp_path / "sandbox"
    with dg.DagsterInstance.from_directory(root / "home") as instance:
        specs = []
        for i, part in enumerate(HOSTILE_PARTS):
            key = dg.AssetKey(["..", part, str(i)]) if part else dg.AssetKey([part, str(i)])

            _m = _constant_asset(key, f"hostile_{i}", f"value-{i}")
            specs.append((key, _m))
        assets = [m for _, m in specs]
        assert dg.materialize(assets, instance=instance).success
        storage = instance.storage_directory()
        assert _files_outside(str(root), storage) == []
        with dg.Definitions(assets=assets).get_asset_value_loader(instance=instance) as loader:
            for i, (key, _) in enumerate(specs):
                assert loader.load_asset_value(key) == f"value-{i}"


def test_hostile_dynamic_partition_keys_stay_inside_storage(tmp_path):
    root = tmp_path / "sandbox"
    keys = ["..", "../../escape", "/abs/path", "..\\..\\x", "a/b", "%2F", "."]
    with dg.DagsterInstance.from_directory(root / "home") as instance:
        instance.add_dynamic_partitions("regions", keys)
        for k in keys:
            assert dg.materialize([procdefs.regional], instance=instance, partition_key=k).success
        storage = instance.storage_directory()
        assert _files_outside(str(root), storage) == []
        assert len(os.listdir(os.path.join(storage, "regional"))) == len(keys)
        with _loader(instance) as loader:
            for k in keys:
                assert loader.load_asset_value("regional", partition_key=k) == "r-" + k
        assert instance.get_materialized_partitions("regional") == set(keys)


def test_distinct_keys_never_share_a_file(home):
    # "a" and "a/b" (two parts) would collide as a file and a directory of the same name.
    @dg.asset(key=["a"])
    def a() -> str:
        return "A"

    @dg.asset(key=["a", "b"])
    def ab() -> str:
        return "AB"

    assert dg.materialize([a], instance=home).success
    res = dg.materialize([ab], instance=home, raise_on_error=False)
    with _loader(home, a, ab) as loader:
        assert loader.load_asset_value(["a"]) == "A"  # never silently deleted
        if res.success:
            assert loader.load_asset_value(["a", "b"]) == "AB"


NAMES = [
    "ok",
    "ok_1",
    "_private",
    "1starts_with_digit",
    "has-dash",
    "has space",
    "has.dot",
    "has/slash",
    "..",
    "",
    "ümlaut",
    "a" * 300,
    "UPPER",
    "semi;colon",
    "back\\slash",
]


@pytest.mark.dagster
@pytest.mark.parametrize("name", NAMES)
def test_asset_names_validated_as_dagster_does(name):
    import warnings

    import dagster

    def accepts(lib) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")

                @lib.asset(name=name)
                def _f():
                    return 1
        except Exception:
            return False
        return True

    assert accepts(dg) == accepts(dagster), name
