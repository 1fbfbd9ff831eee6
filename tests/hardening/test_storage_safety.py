"""Clean-ups never act outside the instance's storage, and killed writers leave nothing behind
(issue #11). Symlinks are planted where a hostile or confused setup could put them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import dagster_nb as dg
from dagster_nb._storage._value_files import _OLD_VALUES, TRASH_DIR, sweep_dead_temps
from dagster_nb._storage.fs_io_manager import PickledObjectFilesystemIOManager


def _as_new_process(base: str) -> None:
    """Forget what this process learnt about ``base`` (swept, trash present, refused)."""
    _OLD_VALUES._swept.discard(base)
    _OLD_VALUES._present.discard(base + os.sep + TRASH_DIR)
    _OLD_VALUES._refused.discard(base)


def _outside(tmp_path, names=("keep-1", "keep-2", "12345-7")):
    outside = tmp_path / "outside"
    outside.mkdir()
    for n in names:
        (outside / n).write_text("not dagster_nb's")
    return outside


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_symlinked_trash_is_refused_and_nothing_outside_is_deleted(tmp_path):
    outside = _outside(tmp_path)
    base = tmp_path / "storage"
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key="a"), 1)
    assert _OLD_VALUES.drain()
    os.symlink(outside, base / TRASH_DIR)
    _as_new_process(str(base))
    with pytest.warns(RuntimeWarning, match="not a plain folder"):
        io.handle_output(dg.build_output_context(asset_key="a"), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, not on every write
        io.handle_output(dg.build_output_context(asset_key="a"), 3)
    assert _OLD_VALUES.drain()
    assert sorted(os.listdir(outside)) == ["12345-7", "keep-1", "keep-2"]
    assert io.load_input(dg.build_input_context(asset_key="a")) == 3
    assert os.path.islink(base / TRASH_DIR)  # left for the user to look at


def test_trash_that_is_a_file_is_refused(tmp_path):
    base = tmp_path / "storage"
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key="a"), 1)
    (base / TRASH_DIR).write_text("in the way")
    _as_new_process(str(base))
    with pytest.warns(RuntimeWarning, match="not a plain folder"):
        io.handle_output(dg.build_output_context(asset_key="a"), 2)
    assert io.load_input(dg.build_input_context(asset_key="a")) == 2
    assert (base / TRASH_DIR).read_text() == "in the way"


def test_symlinks_inside_the_trash_are_removed_not_followed(tmp_path):
    outside = _outside(tmp_path)
    base = tmp_path / "storage"
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key="a"), 1)
    (base / TRASH_DIR).mkdir()
    os.symlink(outside / "keep-1", base / TRASH_DIR / "1-1")  # a planted link to a file
    os.symlink(outside, base / TRASH_DIR / "1-2")  # and to a folder
    _as_new_process(str(base))
    io.handle_output(dg.build_output_context(asset_key="a"), 2)
    assert _OLD_VALUES.drain()
    assert sorted(os.listdir(outside)) == ["12345-7", "keep-1", "keep-2"]
    assert (outside / "keep-1").read_text() == "not dagster_nb's"
    assert not os.path.lexists(base / TRASH_DIR / "1-1")


def test_temp_sweeps_do_not_follow_symlinked_folders(tmp_path):
    pid = _dead_pid()
    outside = _outside(tmp_path, names=(f".v%tmp{pid}-1",))
    base = tmp_path / "storage"
    base.mkdir()
    os.symlink(outside, base / "a")  # a value folder that is a link to elsewhere
    linked_base = tmp_path / "linked-storage"
    os.symlink(outside, linked_base)  # a storage folder that is itself a link
    sweep_dead_temps(str(base))
    sweep_dead_temps(str(linked_base))
    _OLD_VALUES.sweep_temps(str(base / "a"))
    assert _OLD_VALUES.drain()
    assert os.listdir(outside) == [f".v%tmp{pid}-1"]


_KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import dagster_nb as dg
    from dagster_nb._storage.fs_io_manager import PickledObjectFilesystemIOManager

    class Stall:
        def __reduce__(self):
            open(sys.argv[2], "w").close()  # the first 8 MB are in the temp file by now
            time.sleep(600)

    io = PickledObjectFilesystemIOManager(base_dir=sys.argv[1])
    io.handle_output(dg.build_output_context(asset_key="big"), [os.urandom(8 << 20), Stall()])
    """
)


def _kill_a_writer_mid_write(storage, tmp_path) -> list[str]:
    ready = tmp_path / "ready"
    p = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(storage), str(ready)])
    try:
        for _ in range(600):
            if ready.exists() or p.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), "the writer never reached the middle of its write"
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    temps = [n for n in os.listdir(storage) if "%tmp" in n]
    assert temps and os.path.getsize(storage / temps[0]) >= 8 << 20
    return temps


def test_killed_writers_temp_file_goes_when_the_instance_opens(tmp_path):
    root = tmp_path / "home"
    dg.DagsterInstance.from_directory(str(root))
    storage = root / "storage"
    storage.mkdir(exist_ok=True)
    _kill_a_writer_mid_write(storage, tmp_path)
    dg.DagsterInstance.from_directory(str(root))
    assert _OLD_VALUES.drain()
    assert [n for n in os.listdir(storage) if "%tmp" in n] == []


def test_killed_writers_temp_file_goes_before_the_next_write_there(tmp_path):
    from dagster_nb._storage._value_files import _TEMPS_SWEPT

    storage = tmp_path / "storage"
    storage.mkdir()
    _kill_a_writer_mid_write(storage, tmp_path)
    _TEMPS_SWEPT.discard(str(storage))  # as a new process would
    io = PickledObjectFilesystemIOManager(base_dir=str(storage))
    io.handle_output(dg.build_output_context(asset_key="small"), 1)
    assert _OLD_VALUES.drain()
    assert sorted(os.listdir(storage)) == ["small"]
