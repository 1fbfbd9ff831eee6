"""Render DOT with a ``dot`` binary found on this machine.

The system Graphviz (``dot`` on PATH) is used when present; otherwise the ``graphviz-pure``
command that ``pip install graphviz-pure`` puts next to the Python interpreter (a static
Rust port of Graphviz, no system libraries). ``DAGSTER_NB_DOT`` names a binary explicitly.

    >>> svg = render_dot("digraph { a -> b }")        # doctest: +SKIP
    >>> svg.startswith("<?xml")                        # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from dagster_nb._errors import DagsterError

__all__ = ["DotNotFoundError", "DotRenderError", "find_dot", "render_dot"]

_CANDIDATES = ("dot", "graphviz-pure")


class DotNotFoundError(DagsterError):
    """No Graphviz ``dot`` binary could be found."""


class DotRenderError(DagsterError):
    """``dot`` ran and failed (bad DOT, or a crash)."""


@lru_cache(maxsize=1)
def _find_dot_cached(env_value: str | None, path_env: str | None) -> str | None:
    if env_value:
        p = shutil.which(env_value) or (env_value if Path(env_value).is_file() else None)
        return p
    for name in _CANDIDATES:
        p = shutil.which(name)
        if p:
            return p
    # A venv's scripts folder need not be on PATH (a kernel started by absolute path).
    bindir = Path(sys.executable).parent
    for name in _CANDIDATES:
        cand = bindir / name
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


def find_dot() -> str:
    """The path of the ``dot`` binary to use, or raise :class:`DotNotFoundError`.

    Order: ``$DAGSTER_NB_DOT``, ``dot`` on PATH, ``graphviz-pure`` on PATH, then the same two
    names beside the running Python.
    """
    found = _find_dot_cached(os.environ.get("DAGSTER_NB_DOT"), os.environ.get("PATH"))
    if found is None:
        raise DotNotFoundError(
            "No Graphviz 'dot' binary found, so the lineage graph cannot be laid out. "
            "Install one with `pip install graphviz-pure` (no system packages needed) or "
            "`apt-get install graphviz`, or point DAGSTER_NB_DOT at a dot binary."
        )
    return found


def render_dot(dot: str, fmt: str = "svg", *, timeout: float = 60.0) -> str | bytes:
    """Lay out ``dot`` and return the result: ``str`` for svg / text formats, ``bytes`` for
    png / pdf. Raises :class:`DotRenderError` with dot's message when it fails."""
    binary = find_dot()
    try:
        proc = subprocess.run(
            [binary, f"-T{fmt}"],
            input=dot.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise DotRenderError(
            f"{binary} took more than {timeout:.0f} s to lay out the graph; select fewer assets."
        ) from e
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise DotRenderError(f"{binary} -T{fmt} failed (exit {proc.returncode}): {err}")
    if fmt in ("svg", "dot", "plain", "json", "xdot"):
        return proc.stdout.decode("utf-8")
    return proc.stdout
