"""Who owns a run: the identity of a process, and whether it is still alive.

A run records the pid, host name, boot id and process start time of the process that runs it.
Another process on the same host can then tell a run whose process died (pid gone, reused by a
different process, or the machine rebooted) from one that is still running.

>>> me = current_process()
>>> is_process_alive(me)
True
"""

from __future__ import annotations

import os
from functools import lru_cache

from dagster_nb._dataclass import dataclass

__all__ = ["ProcessIdentity", "current_process", "is_process_alive"]


def _hostname() -> str:
    # os.uname() gives the same name as socket.gethostname() on POSIX, without importing socket
    # (2 ms of every fresh process's first run).
    try:
        return os.uname().nodename
    except AttributeError:  # Windows
        import socket

        return socket.gethostname()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessIdentity:
    """A process, identified well enough to survive pid reuse and reboots."""

    pid: int
    host: str
    boot_id: str | None
    start: str | None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return None


@lru_cache(maxsize=1)
def _boot_id() -> str | None:
    return _read("/proc/sys/kernel/random/boot_id")


def _start_time(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux), else None."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ')'
    rest = stat[stat.rfind(")") + 2 :].split()
    return rest[19] if len(rest) > 19 else None


_CURRENT: list[ProcessIdentity] = []  # at most one: this process's (emptied in a forked child)
os.register_at_fork(after_in_child=_CURRENT.clear)


def current_process() -> ProcessIdentity:
    """This process's identity (recomputed after a fork)."""
    if _CURRENT:
        return _CURRENT[0]
    pid = os.getpid()
    ident = ProcessIdentity(pid=pid, host=_hostname(), boot_id=_boot_id(), start=_start_time(pid))
    _CURRENT[:] = [ident]
    return ident


def is_process_alive(ident: ProcessIdentity) -> bool | None:
    """True if alive, False if surely gone, None if it cannot be told (another host)."""
    me = current_process()
    if ident.host != me.host:
        return None
    if ident.boot_id and me.boot_id and ident.boot_id != me.boot_id:
        return False  # the machine rebooted since
    if ident.pid == me.pid:
        return ident.start == me.start or ident.start is None
    try:
        os.kill(ident.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    except OSError:
        return None
    if ident.start is not None:
        now = _start_time(ident.pid)
        if now is not None and now != ident.start:
            return False  # the pid was reused
        if now is None and os.path.isdir("/proc") and not os.path.exists(f"/proc/{ident.pid}"):
            return False
    # a zombie (killed, not yet reaped) is dead for our purposes
    stat = _read(f"/proc/{ident.pid}/stat")
    if stat and stat[stat.rfind(")") + 2 : stat.rfind(")") + 3] == "Z":
        return False
    return True
