"""Value files' life cycle, safely: temp files for atomic writes, the trash that frees replaced
values off the critical path, and the sweeps that remove what killed writers left.

No clean-up here follows a symlink or acts outside the folder it was given: folders are opened
with O_NOFOLLOW and entries removed relative to that descriptor. Kept apart from the IO
manager (which needs pydantic) so an instance can sweep its storage when it opens without
importing it.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import queue
import re
import stat
import threading
from typing import Any

_SEP = os.sep
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FOLDERS_MAX = 100_000  # bound on the per-process sets of folders already handled

# --------------------------------------------------------------------------- temp files
# Created as Dagster's IO manager creates values (mode 0o666 less the umask), never following a
# symlink, never over an existing file; named ".<value>%tmp<pid>-<counter>". "%t" appears in no
# value's name (safe_path_part writes "%" as "%25"), so a leftover temp file is told apart from
# every value, and swept (see _sweep_temps).
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)
_temp_counter = itertools.count()
_pid = os.getpid()


_TEMPS_SWEPT: set[str] = set()  # folders whose leftover temp files this process has swept


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()
    _TEMPS_SWEPT.clear()


os.register_at_fork(after_in_child=_after_fork)


def _open_temp(path: str) -> tuple[int, str]:
    """A new temporary file beside ``path``: ``(fd, name)``."""
    head, _, tail = path.rpartition(_SEP)
    for _ in range(100):
        tmp = f"{head}{_SEP}.{tail}%tmp{_pid}-{next(_temp_counter)}"
        try:
            fd = os.open(tmp, _TEMP_FLAGS, 0o666)
        except FileExistsError:  # left by a killed process whose pid this one reuses
            continue
        if head not in _TEMPS_SWEPT:
            if len(_TEMPS_SWEPT) >= _FOLDERS_MAX:
                _TEMPS_SWEPT.clear()
            _TEMPS_SWEPT.add(head)
            _OLD_VALUES.sweep_temps(head)
        return fd, tmp
    raise FileExistsError(f"Cannot create a temporary file beside {path!r}.")


# --------------------------------------------------------------------------- old values
TRASH_DIR = "%trash"  # safe_path_part encodes "%", so no asset key part can be this name
_TRASH_SUFFIX = os.sep + TRASH_DIR


class _OldValues:
    """Frees replaced values off the critical path.

    Replacing a file frees the old one's blocks, and on some disks (ext4 mounted with
    ``discard``, as here) that takes 0.3-0.5 ms per file, longer for big values, inside the
    rename. So before the rename the old file gets a second name in ``<base_dir>/%trash/``;
    the rename then frees nothing, and a daemon thread unlinks the trash name (the kernel
    releases the GIL for it) and removes the trash folder once it is empty. Readers never see
    the trash: the value's own name is swapped atomically as before. Trash left by a killed
    process is swept by the next process that replaces a value under the same base_dir.
    Where hard links are refused, writes fall back to a plain rename.
    """

    def __init__(self) -> None:
        self._reset()
        self._refused: set[str] = set()  # base dirs whose filesystem refuses hard links
        self._counter = itertools.count()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue | None = None
        self._swept: set[str] = set()
        # Trash folders known to exist: there, a refused link means there is no old value, so
        # a first write needs no second look. The freeing thread forgets a folder it removes.
        self._present: set[str] = set()

    def keep(self, base_dir: str, path: str) -> str | None:
        """Give the current value at ``path`` a trash name; returns it (None: nothing kept)."""
        if base_dir in self._refused:
            return None
        trash = base_dir + _TRASH_SUFFIX
        if trash not in self._present:
            # Looked at before any link goes into it: a symlink (or a file) planted as the
            # trash folder must never receive a link nor be emptied.
            try:
                if not stat.S_ISDIR(os.lstat(trash).st_mode):
                    self._refuse_trash(base_dir, trash)
                    return None
            except FileNotFoundError:
                if not os.path.lexists(path):
                    return None  # a first write: nothing to keep, no folder needed yet
                try:
                    os.mkdir(trash)
                except FileExistsError:
                    if not _real_dir(trash):
                        self._refuse_trash(base_dir, trash)
                        return None
                except OSError:
                    return None
            except OSError:
                return None
        name = f"{trash}{os.sep}{_pid}-{next(self._counter)}"
        try:
            os.link(path, name, follow_symlinks=False)
        except FileNotFoundError:
            # No old value (a first write), or the idle thread just removed the trash folder.
            self._present.discard(trash)
            return None
        except (FileExistsError, IsADirectoryError):
            return None
        except PermissionError:
            if not os.path.isdir(path):  # a folder in the way is not the filesystem's fault
                self._refused.add(base_dir)
            return None
        except OSError:
            self._refused.add(base_dir)
            return None
        self._present.add(trash)
        if base_dir not in self._swept:
            self._swept.add(base_dir)
            self._put(trash + os.sep)  # once per process: what killed processes left
        return name

    def _refuse_trash(self, base_dir: str, trash: str) -> None:
        self._refused.add(base_dir)
        import warnings

        warnings.warn(
            f"{trash} is not a plain folder (a symlink or a file). dagster_nb does not use it "
            "and deletes nothing through it; values under this folder are replaced by a plain "
            "rename. Remove it to get the faster replace back.",
            RuntimeWarning,
            stacklevel=4,
        )

    def sweep_temps(self, folder: str) -> None:
        """Remove, in the background, temp files in ``folder`` that a dead process left."""
        self._put(("temps", folder))

    def sweep_tree(self, base_dir: str) -> None:
        """Remove, in the background, dead writers' temp files anywhere under ``base_dir``."""
        self._put(("tree", base_dir))

    def release(self, name: str) -> None:
        """Unlink ``name`` in the background (freeing the old value's blocks)."""
        self._put(name)

    def release_folder(self, name: str) -> None:
        """After ``name`` was unlinked here: remove its trash folder if now empty."""
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(name))  # rmdir never follows a symlink

    def _put(self, item: Any) -> None:
        q = self._queue
        if q is None:
            with self._lock:
                q = self._queue
                if q is None:
                    q = self._queue = queue.SimpleQueue()
                    threading.Thread(
                        target=_unlink_forever,
                        args=(q, self._present),
                        name="dagster_nb-free-old-values",
                        daemon=True,
                    ).start()
        q.put(item)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every trash name queued so far is gone (for tests and clean shutdowns)."""
        if self._queue is None:
            return True
        done = threading.Event()
        self._put(done)
        return done.wait(timeout)


_IDLE_S = 1.0  # the trash folder is removed after this long without replaced values


def _unlink_forever(q: queue.SimpleQueue, present: set[str]) -> None:
    folders: set[str] = set()
    while True:
        try:
            item = q.get(timeout=_IDLE_S) if folders else q.get()
        except queue.Empty:
            item = None
        if item is None or isinstance(item, threading.Event):
            pass
        elif isinstance(item, tuple):
            (_sweep_tree if item[0] == "tree" else _sweep_temps)(item[1])
        elif item.endswith(os.sep):  # a trash folder: sweep it
            folders.add(item.rstrip(os.sep))
            _empty_folder(item.rstrip(os.sep))
        else:
            folders.add(os.path.dirname(item))
            with contextlib.suppress(OSError):  # already gone: swept, or its folder removed
                _unlink_in(os.path.dirname(item), os.path.basename(item))
        # Idle (or asked to drain): drop the empty trash folders, so the layout is Dagster's.
        # Not after every value: the next replace would only have to make the folder again.
        if item is None or (isinstance(item, threading.Event) and q.empty()):
            for folder in folders:
                present.discard(folder)
                with contextlib.suppress(OSError):  # not empty: another writer is using it
                    os.rmdir(folder)
            folders.clear()
        if isinstance(item, threading.Event):
            item.set()


# Folders are opened without following a symlink and their entries removed relative to that
# descriptor, so no clean-up ever acts outside the folder it was given, even if a folder is
# swapped for a symlink while it runs. unlink never follows a symlink entry: it removes the link.
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_DIR_FD_OK = os.unlink in os.supports_dir_fd and os.scandir in os.supports_fd and bool(_NOFOLLOW)


def _real_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _open_dir(folder: str):
    """A descriptor of ``folder``, refusing a symlink (None where the OS cannot do this)."""
    if not _DIR_FD_OK:
        if not _real_dir(folder):
            raise NotADirectoryError(errno.ENOTDIR, "not a plain folder", folder)
        yield None
        return
    fd = os.open(folder, _DIR_FLAGS)
    try:
        yield fd
    finally:
        os.close(fd)


def _unlink_in(folder: str, name: str) -> None:
    with _open_dir(folder) as fd:
        if fd is None:
            os.unlink(os.path.join(folder, name))
        else:
            os.unlink(name, dir_fd=fd)


def _entries(fd: int | None, folder: str):
    with os.scandir(folder if fd is None else fd) as it:
        yield from it


def _empty_folder(folder: str) -> None:
    """Unlink every file in ``folder`` (a trash folder), never following a symlink."""
    with contextlib.suppress(OSError), _open_dir(folder) as fd:
        for entry in list(_entries(fd, folder)):
            with contextlib.suppress(OSError):
                if fd is None:
                    os.unlink(os.path.join(folder, entry.name))
                else:
                    os.unlink(entry.name, dir_fd=fd)


_STALE_TEMP = re.compile(r"\..*%tmp(\d+)-\d+")


def _writer_gone(pid: int) -> bool:
    """Whether the process that wrote a temp file is gone (this process's own never are)."""
    if pid == _pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # alive under another user, or not a pid at all
        return False
    return False  # alive (or the pid was reused): leave it


def _sweep_temps(folder: str) -> None:
    """Unlink temp files (see _open_temp) in ``folder`` whose writer is not alive: a killed
    writer's partial value goes as soon as anyone looks, not an hour later."""
    with contextlib.suppress(OSError), _open_dir(folder) as fd:
        for entry in list(_entries(fd, folder)):
            m = _STALE_TEMP.fullmatch(entry.name)
            if m is None or not _writer_gone(int(m.group(1))):
                continue
            with contextlib.suppress(OSError):
                if fd is None:
                    os.unlink(os.path.join(folder, entry.name))
                else:
                    os.unlink(entry.name, dir_fd=fd)


def sweep_dead_temps(base_dir: str) -> None:
    """Remove, in the background, every temp file under ``base_dir`` whose writer is gone (on
    opening an instance's storage). Walks without following symlinks."""
    _OLD_VALUES.sweep_tree(base_dir)


def _sweep_tree(base_dir: str) -> None:
    if not _DIR_FD_OK:
        for folder, _dirs, _files in os.walk(base_dir):  # os.walk does not follow symlinks
            _sweep_temps(folder)
        return
    with contextlib.suppress(OSError):
        for _folder, _dirs, files, fd in os.fwalk(base_dir, follow_symlinks=False):
            for name in files:
                m = _STALE_TEMP.fullmatch(name)
                if m is not None and _writer_gone(int(m.group(1))):
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=fd)


_OLD_VALUES = _OldValues()
