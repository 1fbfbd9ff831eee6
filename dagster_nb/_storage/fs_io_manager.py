"""The filesystem IO manager: one pickle per asset (and partition), written atomically.

    dg.Definitions(assets=[...], resources={"io_manager": dg.FilesystemIOManager(base_dir="data")})

Layout, as Dagster's UPathIOManager: ``<base_dir>/<key part>/.../<key part>`` for an
unpartitioned asset, ``<base_dir>/<key parts>/<partition key>`` for a partitioned one, and for a
multi-partition key the dimension keys ordered by dimension name, joined with ``/``. Plain op
outputs go to ``<base_dir>/<run_id>/<step_key>/<output name>``.

Safety: every path part is percent-encoded when it could leave ``base_dir`` (``..``, ``.``,
``/``, ``\\``, NUL, ``%``, a drive or leading slash), and the final path is checked to be under
``base_dir``. Writes go to a temporary file in the same directory, are fsynced, then
``os.replace``-d over the final name, so a crash or a full disk never leaves a partial file and
the previous value survives.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pickle
import stat
import sys
from typing import Any

from dagster_nb._definitions.io_manager import (
    InputContext,
    IOManager,
    IOManagerDefinition,
    OutputContext,
)
from dagster_nb._definitions.resources import InitResourceContext
from dagster_nb._errors import DagsterInvariantViolationError, DagsterStorageError
from dagster_nb._storage._value_files import (
    _OLD_VALUES,
    _open_temp,
    _unlink_in,
)

__all__ = [
    "PickledObjectFilesystemIOManager",
    "fs_io_manager",
    "safe_path_part",
]

PICKLE_PROTOCOL = 4  # Dagster's choice: readable by every supported Python
_SEP = os.sep


def safe_path_part(part: str) -> str:
    """Make one path component that cannot escape its directory.

    >>> safe_path_part("orders"), safe_path_part(".."), safe_path_part("a/b"), safe_path_part("")
    ('orders', '%2E%2E', 'a%2Fb', '%00empty')

    ``%`` itself is encoded too, so distinct inputs stay distinct files.
    """
    if not isinstance(part, str):
        part = str(part)
    if part == "":
        return "%00empty"
    out = (
        part.replace("%", "%25")
        .replace("/", "%2F")
        .replace("\\", "%5C")
        .replace("\x00", "%00")
        .replace(":", "%3A")  # Windows drive letters / alternate data streams
    )
    if out in (".", ".."):
        out = out.replace(".", "%2E")
    return out


class PickledObjectFilesystemIOManager(IOManager):
    """Pickles each output to a file under ``base_dir`` (see the module docstring for layout).

    io = dg.PickledObjectFilesystemIOManager(base_dir="/tmp/data")
    io.handle_output(dg.build_output_context(asset_key="orders"), [1, 2])
    io.load_input(dg.build_input_context(asset_key="orders"))   # [1, 2]
    """

    extension = ""

    def __init__(self, base_dir: str, *, durable: bool = False, **kwargs: Any):
        if not base_dir:
            raise DagsterInvariantViolationError("PickledObjectFilesystemIOManager needs base_dir.")
        self.base_dir = os.path.abspath(os.fspath(base_dir))
        # durable=True also fsyncs each value and its folder, so a value survives a power
        # failure; the write is atomic (temp file + rename) either way, which is all a crashed
        # or killed process needs. Dagster's filesystem IO manager does not fsync.
        self.durable = durable
        self._real_base: str | None = None

    # ---- paths
    def _relative_parts(self, context: InputContext | OutputContext) -> list[str]:
        if context.has_asset_key:
            return list(context.asset_key.path)
        return list(context.get_identifier())

    @staticmethod
    def _partition_parts(partition_key: Any, partitions_def: Any = None) -> list[str]:
        by_dim = getattr(partition_key, "keys_by_dimension", None)
        if by_dim is None and isinstance(partition_key, str) and partitions_def is not None:
            # A multi-partition key given as its string ("2024-03-02|south"), as users type it:
            # the same files as for the MultiPartitionKey, as Dagster's IO managers do.
            multi = sys.modules.get("dagster_nb._partitions.multi")
            if multi is not None and isinstance(partitions_def, multi.MultiPartitionsDefinition):
                by_dim = partitions_def.get_partition_key_from_str(partition_key).keys_by_dimension
        if isinstance(by_dim, dict):
            # Dagster's layout for MultiPartitionKey: dimension keys ordered by dimension name.
            return [by_dim[d] for d in sorted(by_dim)]
        return [str(partition_key)]

    def _join(self, parts: list[str], check_file: bool = True) -> str:
        base = self.base_dir
        safe = [_safe_part(p) for p in parts]
        if not safe:
            return base + self.extension
        # as os.path.join: encoded parts hold no separator and none is absolute
        path = (base if base.endswith(_SEP) else base + _SEP) + _SEP.join(safe) + self.extension
        # Belt and braces: encoding should make this impossible, but never write outside.
        # Encoded parts hold no separator and are never "." or "..", so the path is lexically
        # under base_dir and can only leave it through a symlink below base_dir: look for one
        # (one lstat per existing part; none exists below the first missing part) and resolve
        # the whole path only when there is one. The value file itself needs no look when
        # only this manager opens it (check_file=False): a write renames over the name, which
        # replaces a symlink rather than following it, and a read opens with O_NOFOLLOW.
        if _no_symlink_below(base, safe, self.extension, check_file):
            return path
        self._check_inside(path)
        return path

    def _check_inside(self, path: str) -> None:
        real_base = self._real_base
        if real_base is None:
            real_base = self._real_base = os.path.realpath(self.base_dir)
        if os.path.commonpath([real_base, os.path.realpath(path)]) != real_base:
            raise DagsterInvariantViolationError(
                f"Refusing to use path {path!r}: it resolves outside base_dir {self.base_dir!r}."
            )

    def get_path(self, context: InputContext | OutputContext, partition_key: Any = None) -> str:
        """The file for ``context`` (and one partition of it)."""
        parts = self._relative_parts(context)
        if partition_key is not None:
            parts += self._partition_parts(partition_key, _partitions_def_of(context))
        return self._join(parts)

    def _paths(self, context: InputContext | OutputContext) -> dict[str, str]:
        """Value files for ``context`` (the files themselves are looked at when opened)."""
        parts = self._relative_parts(context)
        check = not _NOFOLLOW  # without O_NOFOLLOW, a read must look at the file first
        if context.has_asset_key and context.has_asset_partitions:
            pparts = self._partition_parts
            pdef = _partitions_def_of(context)
            return {
                pk: self._join(parts + pparts(pk, pdef), check)
                for pk in context.asset_partition_keys
            }
        return {"": self._join(parts, check)}

    # ---- IO
    def handle_output(self, context: OutputContext, obj: Any) -> None:
        paths = self._paths(context)
        for path in paths.values():
            self.dump_to_path(context, obj, path)
        context.add_output_metadata({"path": _PathMeta(next(iter(paths.values())))})

    def load_input(self, context: InputContext) -> Any:
        if context.has_asset_key and context.has_asset_partitions:
            keys = context.asset_partition_keys
            if not keys:
                return None
            paths = self._paths(context)
            values = {pk: self.load_from_path(context, paths[pk], partition_key=pk) for pk in keys}
            if len(keys) == 1:
                return values[keys[0]]
            return values
        return self.load_from_path(context, self._paths(context)[""])

    def dump_to_path(self, context: OutputContext, obj: Any, path: str) -> None:
        """Pickle ``obj`` to ``path`` atomically (temp file, fsync, ``os.replace``)."""
        try:
            try:
                fd, tmp = _open_temp(path)
            except (FileNotFoundError, NotADirectoryError):
                # The folder is missing, or something is in its way.
                self._make_directory(context, path, os.path.dirname(path))
                fd, tmp = _open_temp(path)
        except OSError as e:
            raise DagsterStorageError(
                f"Cannot write asset value to {path!r}: {e.strerror or e} (is the directory "
                "writable and the disk not full?)."
            ) from e
        try:
            try:
                # Straight to the descriptor: pickle buffers into 64 KiB frames itself, and a
                # buffered file object costs three more system calls to set up.
                pickle.dump(obj, _FdWriter(fd), PICKLE_PROTOCOL)
                if self.durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            old = _OLD_VALUES.keep(self.base_dir, path)
            try:
                try:
                    os.replace(tmp, path)
                except OSError:
                    if not os.path.isdir(path):
                        raise
                    self._remove_partition_folder(context, path)
                    os.replace(tmp, path)
            except BaseException:
                if old is not None:  # the old value keeps its own name: dropping this is cheap
                    with contextlib.suppress(OSError):
                        _unlink_in(os.path.dirname(old), os.path.basename(old))
                    _OLD_VALUES.release_folder(old)
                raise
            if old is not None:
                _OLD_VALUES.release(old)
        except BaseException as e:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(e, OSError):
                raise DagsterStorageError(
                    f"Cannot write asset value to {path!r}: {e.strerror or e} (is the disk full "
                    "or the directory read-only?). The previous value, if any, is unchanged."
                ) from e
            if isinstance(e, (pickle.PicklingError, AttributeError, TypeError, RecursionError)):
                raise DagsterInvariantViolationError(
                    f"Object of type {type(obj).__name__} for {_describe(context)} is not "
                    f"picklable ({type(e).__name__}: {e}). Use an IO manager that can store it, "
                    "e.g. mem_io_manager."
                ) from e
            raise
        if self.durable:
            _fsync_dir(os.path.dirname(path))

    def _make_directory(self, context: OutputContext, path: str, directory: str) -> None:
        # A previously unpartitioned asset left a file where the partition dir must go.
        # Only this asset's own old value may be removed; a file of another asset (key
        # "a" when storing "a/b") is never touched.
        if os.path.isfile(directory):
            own = self._join(self._relative_parts(context))
            if os.path.abspath(directory) != os.path.abspath(own):
                raise DagsterStorageError(
                    f"Cannot store {_describe(context)} at {path!r}: {directory!r} holds the "
                    "value of another asset whose key is a prefix of this one. Asset keys "
                    "like 'a' and 'a/b' collide in the filesystem layout; rename one, or "
                    "give one of them another IO manager. Nothing was changed."
                )
            os.remove(directory)
        os.makedirs(directory, exist_ok=True)

    @staticmethod
    def _remove_partition_folder(context: OutputContext, path: str) -> None:
        # The asset became unpartitioned: its old partition files are in the way. A
        # sub-directory may be another asset's values (key "a/b" when storing "a"),
        # so only a folder of plain files is removed.
        entries = list(os.scandir(path))
        if any(e.is_dir() for e in entries):
            raise DagsterStorageError(
                f"Cannot store {_describe(context)} at {path!r}: it is a folder that "
                "holds other values (partitions, or assets whose key starts with this "
                "one). Remove it by hand if its contents are no longer needed. Nothing "
                "was changed."
            )
        import shutil

        shutil.rmtree(path)

    def load_from_path(
        self, context: InputContext, path: str, *, partition_key: str | None = None
    ) -> Any:
        try:
            try:
                fd = os.open(path, _READ_FLAGS)
            except OSError as e:
                if e.errno != errno.ELOOP:
                    raise
                self._check_inside(path)  # the value file is a symlink: only inside base_dir
                fd = os.open(path, _READ_FLAGS & ~_NOFOLLOW)
            return _load_fd(fd)
        except FileNotFoundError:
            what = _describe(context)
            part = f" partition '{partition_key}'" if partition_key is not None else ""
            # FileNotFoundError, as Dagster's filesystem IO manager raises, with the fix in it.
            raise FileNotFoundError(
                errno.ENOENT,
                f"No stored value for {what}{part} (materialize it first, e.g. %materialize "
                "or dg.materialize)",
                path,
            ) from None
        except IsADirectoryError:
            raise DagsterInvariantViolationError(
                f"{path!r} is a directory of partitions: {_describe(context)} was stored as a "
                "partitioned asset; load it with a partition key."
            ) from None
        except OSError as e:
            raise DagsterStorageError(f"Cannot read {path!r}: {e.strerror or e}.") from e
        except (pickle.UnpicklingError, EOFError, ValueError, IndexError, TypeError) as e:
            raise DagsterStorageError(
                f"The stored value of {_describe(context)} at {path!r} is not a readable pickle "
                f"({type(e).__name__}: {e}). It was not written by this IO manager, or is "
                "damaged; materialize the asset again to replace it."
            ) from e


_path_metadata: Any = None


def _partitions_def_of(context: Any) -> Any:
    try:
        return context.asset_partitions_def
    except Exception:  # a context without asset partitions (Dagster's raises there)
        return None


def _PathMeta(path: str) -> Any:
    # The metadata class is looked up on first use, to keep the import graph simple:
    # metadata.py owns it.
    global _path_metadata
    if _path_metadata is None:
        from dagster_nb._definitions.metadata import MetadataValue

        _path_metadata = MetadataValue.path
    return _path_metadata(path)


# Folders already seen to be real folders (not symlinks), so each is examined once per process,
# not on every read and write. Replacing one by a symlink afterwards needs write access to the
# storage folder - which already allows replacing the pickles themselves.
_REAL_DIRS: set[str] = set()
_REAL_DIRS_MAX = 100_000


def _no_symlink_below(base: str, parts: list[str], extension: str, check_file: bool = True) -> bool:
    """Whether no existing path of ``base/parts[0]/.../parts[-1]+extension`` is a symlink
    (False as well when one cannot be examined); the last one only when ``check_file``."""
    sub = base[:-1] if base.endswith(_SEP) else base  # "/" -> "", so "/" + part below
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if i == last:
            if not check_file:
                return True
            sub = sub + _SEP + part + extension
        else:
            sub = sub + _SEP + part
            if sub in _REAL_DIRS:
                continue
        try:
            mode = os.lstat(sub).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return True  # nothing exists below a missing part
        except OSError:
            return False
        if stat.S_ISLNK(mode):
            return False
        if i != last and stat.S_ISDIR(mode):
            if len(_REAL_DIRS) >= _REAL_DIRS_MAX:
                _REAL_DIRS.clear()
            _REAL_DIRS.add(sub)
    return True


_SAFE_PARTS: dict[str, str] = {}


def _safe_part(part: Any) -> str:
    """``safe_path_part``, remembered (asset key parts and partition keys repeat)."""
    safe = _SAFE_PARTS.get(part) if type(part) is str else None
    if safe is None:
        safe = safe_path_part(part)
        if type(part) is str:
            if len(_SAFE_PARTS) >= 100_000:
                _SAFE_PARTS.clear()
            _SAFE_PARTS[part] = safe
    return safe


class _FdWriter:
    """The file object pickle.dump writes to: every ``write`` goes whole to a descriptor."""

    __slots__ = ("fd",)

    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data) -> int:
        n = os.write(self.fd, data)
        size = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        if n < size:
            view = memoryview(data).cast("B")
            while n < size:
                n += os.write(self.fd, view[n:])
        return size


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | _NOFOLLOW | getattr(os, "O_BINARY", 0)
_SMALL = 1 << 16


def _load_fd(fd: int) -> Any:
    """Unpickle the file open at ``fd`` and close it. A small value is read in one call and
    unpickled from memory; a large one is streamed (no second copy of its bytes)."""
    try:
        data = os.read(fd, _SMALL)
        if len(data) < _SMALL:  # a short read of a regular file: the end of the file
            return pickle.loads(data)
        os.lseek(fd, 0, os.SEEK_SET)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return pickle.load(f)
    finally:
        os.close(fd)


def _describe(context: InputContext | OutputContext) -> str:
    if context.has_asset_key:
        return f"asset '{context.asset_key.to_user_string()}'"
    return f"output '{getattr(context, 'name', None)}'"


def _fsync_dir(directory: str) -> None:
    # Makes the rename durable on POSIX; not supported (or needed) everywhere.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_filesystem_io_manager(
    init_context: InitResourceContext, base_dir: str | None, durable: bool
) -> PickledObjectFilesystemIOManager:
    """What ``FilesystemIOManager`` and ``fs_io_manager`` open: ``base_dir``, or the instance's
    storage directory when it is None."""
    if base_dir is None:
        instance = init_context.instance
        if instance is None:
            raise DagsterInvariantViolationError(
                "FilesystemIOManager has no base_dir and no instance to take the storage "
                "directory from. Pass base_dir=..., or run with an instance "
                "(dg.materialize / build_resources(..., instance=DagsterInstance...))."
            )
        base_dir = instance.storage_directory()
    return PickledObjectFilesystemIOManager(base_dir=base_dir, durable=durable)


def _fs_io_manager_fn(init_context: InitResourceContext) -> PickledObjectFilesystemIOManager:
    cfg = init_context.resource_config or {}
    return open_filesystem_io_manager(
        init_context, cfg.get("base_dir"), bool(cfg.get("durable", False))
    )


fs_io_manager = IOManagerDefinition(
    _fs_io_manager_fn,
    config_schema=None,
    description="Built-in filesystem IO manager that stores and retrieves values using pickling.",
)


def __getattr__(name: str) -> Any:
    # FilesystemIOManager is a pydantic model; it lives in filesystem_io_manager, loaded on
    # first use, so a run with the default IO manager never imports pydantic.
    if name == "FilesystemIOManager":
        from dagster_nb._storage.filesystem_io_manager import FilesystemIOManager

        return FilesystemIOManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
