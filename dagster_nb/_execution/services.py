"""The execution layer's side of :mod:`dagster_nb._definitions.seam`: what ``Definitions`` and
``GraphDefinition`` methods ask of execution. Module-level functions, so this module is itself
the :class:`~dagster_nb._definitions.seam.ExecutionServices` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dagster_nb._execution.jobs import (
    UnresolvedAssetJobDefinition,
    define_asset_job,
    resolve_job,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "resolve_job",
    "define_asset_job",
    "is_unresolved_asset_job",
    "asset_value_loader",
    "execute_graph_in_process",
    "op_job",
]


def is_unresolved_asset_job(job: Any) -> bool:
    return isinstance(job, UnresolvedAssetJobDefinition)


def asset_value_loader(
    resolved: Any, resources: Mapping[str, Any], instance: DagsterInstance | None
) -> Any:
    """An AssetValueLoader; ``instance=None`` means the default persistent instance."""
    from dagster_nb._execution.loader import AssetValueLoader
    from dagster_nb._instance import DagsterInstance

    return AssetValueLoader(
        resolved, resources, instance if instance is not None else DagsterInstance.get()
    )


def execute_graph_in_process(graph: Any, **kwargs: Any) -> Any:
    from dagster_nb._execution.graph_run import execute_graph_in_process as run

    return run(graph, **kwargs)


def op_job(graph: Any, **kwargs: Any) -> Any:
    """``GraphDefinition.to_job``: an OpJobDefinition over ``graph``."""
    from dagster_nb._execution.graph_run import OpJobDefinition

    return OpJobDefinition(graph, **kwargs)
