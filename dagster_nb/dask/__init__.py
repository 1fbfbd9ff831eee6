"""``dagster_nb.dask``: run each step as a task on a Dask cluster, as ``dagster_dask``.

    from dagster_nb.dask import dask_executor

    defs = dg.Definitions(
        assets=[...],
        executor=dask_executor.configured({"cluster": {"local": {"n_workers": 4}}}),
    )
    # or an existing scheduler: {"cluster": {"existing": {"address": "tcp://10.0.0.5:8786"}}}

``{"cluster": {"local": {...}}}`` (the default) starts a ``distributed.LocalCluster`` of worker
processes with those keyword arguments on first use and reuses it for the life of the process
(a kernel keeps it across runs); ``{"existing": {"address": ...}}`` connects to a running
scheduler. Values pass between steps through the assets' IO managers, so they must be readable
by every worker: the default filesystem IO manager works on a local cluster (or a filesystem
shared by all machines); an in-memory IO manager is refused, and the instance must be
persistent (``dg.DagsterInstance.get()``), as for the multiprocess executor. Workers need
``dagster_nb`` installed; functions defined in a notebook or a file loaded with ``-f`` are
sent to them by value (cloudpickle).

Importing this module is light: Dask is imported when a run first uses the executor.
"""

from __future__ import annotations

from typing import Any

from dagster_nb._execution.executors import dask_executor

__all__ = ["dask_executor", "get_client", "close_clusters"]


def get_client(config: Any = None) -> Any:
    """The ``distributed.Client`` the dask executor uses for ``config`` (the executor's
    ``{"cluster": ...}`` config; default a local cluster), started on first use.

    >>> from dagster_nb.dask import get_client
    >>> client = get_client({"cluster": {"local": {"n_workers": 1}}})  # doctest: +SKIP
    """
    from dagster_nb._execution.dask_steps import get_client as _get
    from dagster_nb._execution.executors import _validate_dask

    return _get(_validate_dask(dict(config or {}), where="get_client")["cluster"])


def close_clusters() -> None:
    """Close the Dask clients and local clusters this process started (also done at exit)."""
    from dagster_nb._execution.dask_steps import close_clusters as _close

    _close()
