"""dagster_nb._widgets: the JSON view model and the notebook widgets that render it.

    from dagster_nb._widgets import LineageWidget, lineage_view_model

The view model functions (:mod:`dagster_nb._widgets.viewmodel`) and the HTML helpers
(:mod:`dagster_nb._widgets.html`) are pure and import nothing heavy. The widgets import
ipywidgets / anywidget, so they are loaded on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LineageWidget": "dagster_nb._widgets.lineage",
    "PartitionWidget": "dagster_nb._widgets.partitions_widget",
    "RunProgressWidget": "dagster_nb._widgets.runs",
    "RunHistoryWidget": "dagster_nb._widgets.runs",
    "lineage_view_model": "dagster_nb._widgets.viewmodel",
    "lineage_dot": "dagster_nb._widgets.viewmodel",
    "asset_detail_view_model": "dagster_nb._widgets.viewmodel",
    "partition_view_model": "dagster_nb._widgets.viewmodel",
    "run_progress_view_model": "dagster_nb._widgets.viewmodel",
    "run_history_view_model": "dagster_nb._widgets.viewmodel",
    "catalog_rows": "dagster_nb._widgets.viewmodel",
    "node_id": "dagster_nb._widgets.viewmodel",
    "render_dot": "dagster_nb._widgets.render",
    "find_dot": "dagster_nb._widgets.render",
    "DotNotFoundError": "dagster_nb._widgets.render",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dagster_nb._widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
