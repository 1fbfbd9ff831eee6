"""In-memory and filesystem IO managers: round trips, partitions, atomic writes, path safety."""

from __future__ import annotations

import os
import pickle
import stat

import pytest

import dagster_nb as dg
from dagster_nb._storage.fs_io_manager import PickledObjectFilesystemIOManager, safe_path_part


class _Instance:
    def __init__(self, d):
        self.d = d

    def storage_directory(self) -> str:
        return self.d


def _files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


# ---------------------------------------------------------------- in memory


def test_in_memory_round_trip_and_partitions():
    io = dg.InMemoryIOManager()
    io.handle_output(dg.build_output_context(asset_key=["raw", "orders"]), [1, 2])
    assert io.load_input(dg.build_input_context(asset_key=["raw", "orders"])) == [1, 2]
    for pk, v in [("a", 1), ("b", 2)]:
        io.handle_output(dg.build_output_context(asset_key="p", partition_key=pk), v)
    assert io.values[(("p",), "a")] == 1
    assert io.load_input(dg.build_input_context(asset_key="p", partition_key="b")) == 2
    assert io.load_input(dg.InputContext(asset_key="p", asset_partition_keys=["a", "b"])) == {
        "a": 1,
        "b": 2,
    }
    with pytest.raises(dg.DagsterInvariantViolationError, match="'p' partition 'zz'.*Materialize"):
        io.load_input(dg.build_input_context(asset_key="p", partition_key="zz"))


def test_mem_io_manager_definition():
    with dg.build_resources({"io_manager": dg.mem_io_manager}) as r:
        assert isinstance(r.io_manager, dg.InMemoryIOManager)


# ---------------------------------------------------------------- contexts


def test_context_attributes():
    out = dg.build_output_context(
        asset_key=["a", "b"], partition_key="2024-01-01", run_id="r", step_key="s", name="result"
    )
    assert out.has_asset_key and out.has_partition_key and out.has_asset_partitions
    assert out.get_asset_identifier() == ["a", "b", "2024-01-01"]
    assert out.get_identifier() == ["r", "s", "result"]
    assert out.asset_partition_keys == ["2024-01-01"]
    out.add_output_metadata({"rows": 3})
    assert out.get_logged_metadata()["rows"].value == 3
    assert out.consume_logged_metadata()["rows"].value == 3 and out.get_logged_metadata() == {}
    inp = dg.build_input_context(name="b", asset_key="a", upstream_output=out)
    assert inp.upstream_output is out and inp.get_identifier() == ["r", "s", "result"]
    assert not inp.has_asset_partitions and inp.dagster_type is None
    with pytest.raises(dg.DagsterInvariantViolationError):
        _ = inp.partition_key
    with pytest.raises(dg.DagsterInvariantViolationError, match="not partitioned"):
        _ = inp.asset_partitions_def
    plain = dg.build_output_context()
    assert not plain.has_asset_key
    with pytest.raises(dg.DagsterInvariantViolationError):
        _ = plain.asset_key
    with pytest.raises(TypeError):
        dg.OutputContext("positional")  # keyword-only


# ---------------------------------------------------------------- filesystem


def test_fs_round_trip_layout(tmp_path):
    with dg.build_resources({"io": dg.FilesystemIOManager(base_dir=str(tmp_path))}) as r:
        io = r.io
        io.handle_output(dg.build_output_context(asset_key=["raw", "orders"]), {"x": 1})
        for pk in ["2024-01-01", "2024-01-02"]:
            io.handle_output(
                dg.build_output_context(asset_key="daily", partition_key=pk), pk.upper()
            )
        assert io.load_input(dg.build_input_context(asset_key=["raw", "orders"])) == {"x": 1}
        assert (
            io.load_input(dg.build_input_context(asset_key="daily", partition_key="2024-01-02"))
            == "2024-01-02"
        )
        many = dg.InputContext(asset_key="daily", asset_partition_keys=["2024-01-01", "2024-01-02"])
        assert io.load_input(many) == {"2024-01-01": "2024-01-01", "2024-01-02": "2024-01-02"}
    assert _files(tmp_path) == ["daily/2024-01-01", "daily/2024-01-02", "raw/orders"]
    with open(tmp_path / "raw" / "orders", "rb") as f:
        assert pickle.load(f) == {"x": 1}


def test_fs_multi_partition_layout(tmp_path):
    class MultiKey(str):
        # Duck-typed like Dagster's MultiPartitionKey: a str with keys_by_dimension.
        def __new__(cls, by_dim):
            obj = super().__new__(cls, "|".join(by_dim[k] for k in sorted(by_dim)))
            obj.keys_by_dimension = by_dim
            return obj

    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    key = MultiKey({"region": "eu", "date": "2024-01-01"})
    io.handle_output(dg.build_output_context(asset_key="m", partition_key=key), 1)
    assert _files(tmp_path) == ["m/2024-01-01/eu"]


def test_fs_uses_instance_storage_directory(tmp_path):
    with dg.build_resources(
        {"io": dg.FilesystemIOManager()}, instance=_Instance(str(tmp_path))
    ) as r:
        r.io.handle_output(dg.build_output_context(asset_key="a"), 1)
    assert _files(tmp_path) == ["a"]
    with pytest.raises(dg.DagsterResourceFunctionError, match="no base_dir and no instance"):
        with dg.build_resources({"io": dg.FilesystemIOManager()}):
            pass
    with dg.build_resources(
        {"io": dg.fs_io_manager},
        resource_config={"io": {"config": {"base_dir": str(tmp_path / "x")}}},
    ) as r:
        r.io.handle_output(dg.build_output_context(asset_key="b"), 2)
    assert (tmp_path / "x" / "b").is_file()


def test_fs_missing_file_error(tmp_path):
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError) as ei:  # as Dagster's filesystem IO manager
        io.load_input(dg.build_input_context(asset_key="daily", partition_key="2024-01-05"))
    msg = str(ei.value)
    assert (
        "asset 'daily'" in msg
        and "'2024-01-05'" in msg
        and str(tmp_path) in msg
        and "materialize" in msg
    )


@pytest.mark.parametrize(
    "key,partition",
    [
        (["..", "..", "escape"], None),
        (["/etc", "passwd"], None),
        (["a/../../b"], None),
        (["ok"], "../../../escape"),
        (["ok"], "/abs/path"),
        (["ok"], "..\\..\\win"),
        (["ok"], "nul\x00byte"),
        (["."], "."),
    ],
)
def test_fs_path_safety(tmp_path, key, partition):
    base = tmp_path / "base"
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key=key, partition_key=partition), "v")
    # Nothing outside base, and exactly one file inside, readable back.
    assert sorted(os.listdir(tmp_path)) == ["base"]
    assert len(_files(base)) == 1
    assert io.load_input(dg.build_input_context(asset_key=key, partition_key=partition)) == "v"
    real_base = os.path.realpath(base)
    path = io.get_path(dg.build_output_context(asset_key=key), partition)
    assert os.path.realpath(path).startswith(real_base + os.sep)


def test_safe_path_part_is_injective():
    samples = ["a/b", "a%2Fb", "..", "%2E%2E", "", "a\\b", "a:b"]
    assert len({safe_path_part(s) for s in samples}) == len(samples)


def test_fs_atomic_write_keeps_old_value(tmp_path, monkeypatch):
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    ctx = dg.build_output_context(asset_key="a")
    io.handle_output(ctx, "old")

    real_dump = pickle.dump

    def failing_dump(obj, f, *args, **kwargs):
        f.write(b"partial garbage")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pickle, "dump", failing_dump)
    with pytest.raises(dg.DagsterStorageError) as ei:
        io.handle_output(dg.build_output_context(asset_key="a"), "new")
    assert str(tmp_path / "a") in str(ei.value) and "No space left" in str(ei.value)
    monkeypatch.setattr(pickle, "dump", real_dump)
    assert _files(tmp_path) == ["a"]  # no temp file left behind
    assert io.load_input(dg.build_input_context(asset_key="a")) == "old"


def test_fs_unpicklable_is_clear_and_leaves_no_temp(tmp_path):
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    with pytest.raises(dg.DagsterInvariantViolationError, match="not picklable"):
        io.handle_output(dg.build_output_context(asset_key="a"), lambda: 1)
    assert _files(tmp_path) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permissions")
def test_fs_read_only_dir(tmp_path):
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    io.handle_output(dg.build_output_context(asset_key="a"), "old")
    os.chmod(tmp_path, stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(dg.DagsterStorageError, match=str(tmp_path)):
            io.handle_output(dg.build_output_context(asset_key="a"), "new")
        assert io.load_input(dg.build_input_context(asset_key="a")) == "old"
    finally:
        os.chmod(tmp_path, stat.S_IRWXU)


def test_configurable_io_manager_subclass(tmp_path):
    class ListIO(dg.ConfigurableIOManager):
        prefix: str = "p"

        def handle_output(self, context, obj):
            (tmp_path / f"{self.prefix}-{'-'.join(context.get_asset_identifier())}").write_text(
                repr(obj)
            )

        def load_input(self, context):
            return (
                tmp_path / f"{self.prefix}-{'-'.join(context.get_asset_identifier())}"
            ).read_text()

    with dg.build_resources({"io": ListIO(prefix="q")}) as r:
        r.io.handle_output(dg.build_output_context(asset_key="a", partition_key="k"), [1])
        assert r.io.load_input(dg.build_input_context(asset_key="a", partition_key="k")) == "[1]"

    @dg.io_manager
    def my_io(_):
        return dg.InMemoryIOManager()

    assert isinstance(my_io, dg.IOManagerDefinition)
    with dg.build_resources({"io": my_io}) as r:
        assert isinstance(r.io, dg.InMemoryIOManager)


def test_fs_read_only_filesystem_simulated(tmp_path, monkeypatch):
    # Runs as root too: a read-only mount fails at the rename with EROFS.
    import errno

    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    io.handle_output(dg.build_output_context(asset_key="a"), "old")

    def erofs(src, dst):
        raise OSError(errno.EROFS, "Read-only file system", dst)

    monkeypatch.setattr(os, "replace", erofs)
    with pytest.raises(dg.DagsterStorageError, match="Read-only file system") as ei:
        io.handle_output(dg.build_output_context(asset_key="a"), "new")
    assert str(tmp_path / "a") in str(ei.value)
    monkeypatch.undo()
    assert _files(tmp_path) == ["a"]
    assert io.load_input(dg.build_input_context(asset_key="a")) == "old"


@pytest.mark.parametrize("durable, expected", [(False, 0), (True, 2)])
def test_fsync_only_when_durable(tmp_path, monkeypatch, durable, expected):
    import os

    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    io = dg.FilesystemIOManager(base_dir=str(tmp_path), durable=durable).create_io_manager(
        dg.build_init_resource_context()
    )
    io.handle_output(dg.build_output_context(asset_key="a"), {"v": 1})
    assert len(calls) == expected  # the value file, then its folder
    assert io.load_input(dg.build_input_context(asset_key="a")) == {"v": 1}


# ---------------------------------------------------------------- replaced values freed later


def test_overwrites_free_old_values_in_the_background(tmp_path):
    from dagster_nb._storage._value_files import _OLD_VALUES, TRASH_DIR

    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    for i in range(50):
        io.handle_output(dg.build_output_context(asset_key="a"), {"i": i, "pad": "x" * 10_000})
        # readers only ever see whole values, the newest one
        assert io.load_input(dg.build_input_context(asset_key="a"))["i"] == i
    assert _OLD_VALUES.drain()
    # every old value is gone, and so is the trash folder: the layout is Dagster's again
    assert _files(tmp_path) == ["a"]
    assert not os.path.exists(tmp_path / TRASH_DIR)
    # an asset key cannot name the trash folder
    assert safe_path_part(TRASH_DIR) != TRASH_DIR


def test_trash_left_by_a_killed_process_is_swept(tmp_path):
    from dagster_nb._storage._value_files import _OLD_VALUES, TRASH_DIR

    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path / "base"))
    io.handle_output(dg.build_output_context(asset_key="a"), 1)
    trash = tmp_path / "base" / TRASH_DIR
    trash.mkdir()
    (trash / "12345-7").write_bytes(b"an old value whose process died before unlinking it")
    _OLD_VALUES._swept.discard(str(tmp_path / "base"))  # as a new process: not swept yet
    io.handle_output(dg.build_output_context(asset_key="a"), 2)
    assert _OLD_VALUES.drain()
    assert _files(tmp_path / "base") == ["a"]
    assert io.load_input(dg.build_input_context(asset_key="a")) == 2


def test_filesystem_without_hard_links_falls_back_to_plain_replace(tmp_path, monkeypatch):
    import errno

    from dagster_nb._storage._value_files import _OLD_VALUES

    def no_links(src, dst, **kw):
        raise OSError(errno.EPERM, "Operation not permitted", dst)

    base = str(tmp_path / "vfat")
    io = PickledObjectFilesystemIOManager(base_dir=base)
    io.handle_output(dg.build_output_context(asset_key="a"), 1)
    monkeypatch.setattr(os, "link", no_links)
    io.handle_output(dg.build_output_context(asset_key="a"), 2)
    io.handle_output(dg.build_output_context(asset_key="a"), 3)
    assert base in _OLD_VALUES._refused
    assert io.load_input(dg.build_input_context(asset_key="a")) == 3
    assert _files(tmp_path / "vfat") == ["a"]


def test_value_files_get_the_umask_permissions_as_dagsters_do(tmp_path):
    # Dagster writes values with open(path, "wb"): mode 0o666 less the umask.
    old = os.umask(0o027)
    try:
        io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
        io.handle_output(dg.build_output_context(asset_key="a"), 1)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o640


def test_symlinks_below_base_dir_never_lead_outside(tmp_path):
    base = tmp_path / "base"
    outside = tmp_path / "outside"
    outside.mkdir()
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key=["grp", "a"]), 1)  # base/grp is real
    # a folder replaced by a symlink to outside: writes through it are refused
    os.symlink(outside, base / "evil")
    with pytest.raises(dg.DagsterInvariantViolationError, match="outside base_dir"):
        io.handle_output(dg.build_output_context(asset_key=["evil", "x"]), 2)
    assert os.listdir(outside) == []
    # a value file that is a symlink to a file outside: not read
    (outside / "secret").write_bytes(pickle.dumps("secret"))
    os.symlink(outside / "secret", base / "grp" / "b")
    with pytest.raises(dg.DagsterInvariantViolationError, match="outside base_dir"):
        io.load_input(dg.build_input_context(asset_key=["grp", "b"]))
    # a symlink that stays inside base_dir is fine
    os.symlink(base / "grp", base / "alias")
    assert io.load_input(dg.build_input_context(asset_key=["alias", "a"])) == 1


def test_writing_over_a_symlinked_value_replaces_the_link_not_its_target(tmp_path):
    base = tmp_path / "base"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not yours")
    io = PickledObjectFilesystemIOManager(base_dir=str(base))
    io.handle_output(dg.build_output_context(asset_key=["grp", "a"]), 1)
    os.symlink(outside / "secret", base / "grp" / "b")
    io.handle_output(dg.build_output_context(asset_key=["grp", "b"]), 2)
    assert (outside / "secret").read_bytes() == b"not yours"
    assert not os.path.islink(base / "grp" / "b")
    assert io.load_input(dg.build_input_context(asset_key=["grp", "b"])) == 2


@pytest.mark.parametrize("size", [0, 65_536 - 30, 65_536 - 21, 65_536, 65_537, 3_000_000])
def test_values_of_every_size_round_trip(tmp_path, size):
    # Small values are read in one call and unpickled from memory, large ones streamed; the
    # boundary is 64 KiB of pickle.
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    value = {"b": os.urandom(size)}
    io.handle_output(dg.build_output_context(asset_key="a"), value)
    assert io.load_input(dg.build_input_context(asset_key="a")) == value
    assert os.path.getsize(tmp_path / "a") == len(pickle.dumps(value, 4))


@pytest.mark.parametrize("size", [100, 200_000])
def test_a_truncated_value_is_a_clear_error(tmp_path, size):
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    io.handle_output(dg.build_output_context(asset_key="a"), b"x" * size)
    data = (tmp_path / "a").read_bytes()
    (tmp_path / "a").write_bytes(data[: len(data) // 2])
    with pytest.raises(dg.DagsterStorageError, match="not a readable pickle"):
        io.load_input(dg.build_input_context(asset_key="a"))


def test_old_values_are_freed_after_the_trash_folder_was_removed(tmp_path):
    from dagster_nb._storage._value_files import _OLD_VALUES, TRASH_DIR

    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    for i in range(3):
        io.handle_output(dg.build_output_context(asset_key="a", partition_key="p"), i)
        io.handle_output(dg.build_output_context(asset_key="a", partition_key=f"new{i}"), i)
        assert _OLD_VALUES.drain()
        assert not os.path.exists(tmp_path / TRASH_DIR)  # removed when idle
    assert _files(tmp_path) == ["a/new0", "a/new1", "a/new2", "a/p"]
    assert io.load_input(dg.build_input_context(asset_key="a", partition_key="p")) == 2


def test_temp_files_left_by_a_killed_process_are_swept(tmp_path):
    import subprocess
    import sys
    import time

    from dagster_nb._storage._value_files import _OLD_VALUES, _TEMPS_SWEPT

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / "a"
    folder.mkdir()
    hours_ago = time.time() - 7200
    names = {
        f".p1%tmp{dead.pid}-3": hours_ago,  # a dead process's, old: swept
        f".p2%tmp{dead.pid}-4": time.time(),  # a dead process's, recent: swept too
        ".p3%tmp1-5": hours_ago,  # pid 1 is alive
        f".p4.{dead.pid}-6.tmp": hours_ago,  # not our temp name
    }
    for name, mtime in names.items():
        (folder / name).write_bytes(b"partial")
        os.utime(folder / name, (mtime, mtime))
    io = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    # a value whose name mimics a temp file is a value, encoded so it cannot match
    io.handle_output(dg.build_output_context(asset_key="a", partition_key=f".v%tmp{dead.pid}-1"), 7)
    _TEMPS_SWEPT.discard(str(folder))  # as a new process would
    io.handle_output(dg.build_output_context(asset_key="a", partition_key="p"), 1)
    assert _OLD_VALUES.drain()
    left = sorted(os.listdir(folder))
    gone = {f".p1%tmp{dead.pid}-3", f".p2%tmp{dead.pid}-4"}
    assert not gone & set(left)
    assert sorted(set(names) - gone) == [n for n in left if n in names]
    assert (
        io.load_input(dg.build_input_context(asset_key="a", partition_key=f".v%tmp{dead.pid}-1"))
        == 7
    )


MULTI_CODE = """
p = lib.MultiPartitionsDefinition({
    "date": lib.DailyPartitionsDefinition("2024-03-01"),
    "region": lib.StaticPartitionsDefinition(["north", "south"]),
})

@lib.asset(partitions_def=p)
def sales(context):
    return dict(context.partition_key.keys_by_dimension)

defs = lib.Definitions(assets=[sales], resources={"io_manager": lib.FilesystemIOManager(base_dir=base)})
"""


@pytest.mark.dagster
@pytest.mark.usefixtures("quiet_dagster")
def test_a_multi_partition_key_typed_as_a_string_finds_the_stored_value_as_in_dagster(tmp_path):
    """`load_asset_value(partition_key="2024-03-02|south")`: the string form of a multi-partition
    key reads the same file as the MultiPartitionKey wrote (it did not, before issue 11)."""
    import dagster

    seen = {}
    for name, lib in (("dagster", dagster), ("dagster_nb", dg)):
        base = str(tmp_path / name)
        ns = {"lib": lib, "base": base}
        exec(MULTI_CODE, ns)
        defs = ns["defs"]
        key = lib.MultiPartitionKey({"date": "2024-03-02", "region": "south"})
        with lib.DagsterInstance.ephemeral() as instance:
            lib.materialize(
                [ns["sales"]],
                partition_key=key,
                instance=instance,
                resources={"io_manager": lib.FilesystemIOManager(base_dir=base)},
            )
            value = defs.load_asset_value(
                "sales", partition_key="2024-03-02|south", instance=instance
            )
        seen[name] = (value, _files(tmp_path / name))
    assert seen["dagster_nb"] == seen["dagster"]
    assert seen["dagster_nb"] == (
        {"date": "2024-03-02", "region": "south"},
        ["sales/2024-03-02/south"],
    )
