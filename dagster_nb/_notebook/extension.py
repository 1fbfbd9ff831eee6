"""``%load_ext dagster_nb``: the kernel repository, cell tracking and the magics."""

from __future__ import annotations

import hashlib
from typing import Any

from dagster_nb._notebook.repository import get_kernel_repository, reset_kernel_repository

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_state: dict[str, Any] = {}


def _origin(info: Any) -> str:
    cell_id = getattr(info, "cell_id", None)
    if cell_id:
        return f"cell {cell_id}"
    # No cell ids (terminal IPython): the same cell text is the same origin.
    raw = getattr(info, "raw_cell", "") or ""
    return "cell #" + hashlib.sha1(raw.encode()).hexdigest()[:8]


def load_ipython_extension(ipython: Any) -> None:
    from dagster_nb._notebook.magics import DagsterNbMagics

    if _state.get("shell") is ipython:
        return  # already loaded: %load_ext twice is harmless
    repo = get_kernel_repository()

    def pre_run_cell(info: Any) -> None:
        # IPython has already counted this cell when pre_run_cell fires.
        count = getattr(ipython, "execution_count", None)
        if count is not None and getattr(info, "store_history", False):
            count -= 1
        repo.begin_cell(_origin(info), label=f"In [{count}]" if count is not None else None)

    def post_run_cell(result: Any) -> None:
        repo.end_cell(bool(getattr(result, "success", True)))

    cells = getattr(getattr(ipython, "compile", None), "_filename_map", None)
    if cells is not None:  # definitions join the kernel when a cell makes them
        repo.set_code_filter(lambda filename: filename in cells)
    _register_formatters(ipython, repo)
    ipython.events.register("pre_run_cell", pre_run_cell)
    ipython.events.register("post_run_cell", post_run_cell)
    ipython.register_magics(DagsterNbMagics(ipython, repo))
    from dagster_nb._notebook.automation_magic import AutomationMagics

    ipython.register_magics(AutomationMagics(ipython, repo))
    _state.update(shell=ipython, pre=pre_run_cell, post=post_run_cell)
    # The JupyterLab extension's comm (Assets panel, Lineage tab, Runs view); no-op without a kernel.
    from dagster_nb._notebook.lab import install as install_lab

    install_lab(ipython, repo)


def _register_formatters(ipython: Any, repo: Any) -> None:
    """Rich HTML for selections (what they resolve to in this kernel) and partitions
    definitions (their keys, with the kernel's instance for dynamic partitions)."""
    from dagster_nb._partitions import PartitionsDefinition
    from dagster_nb._selection import AssetSelection

    html = ipython.display_formatter.formatters["text/html"]

    def selection_html(sel: Any) -> str:
        from dagster_nb._widgets.html import asset_selection_html

        try:
            graph = repo.snapshot().graph
        except Exception:
            graph = None
        return asset_selection_html(sel, graph)

    def partitions_html(pdef: Any) -> str:
        from dagster_nb._widgets.html import partitions_def_html

        try:
            store = repo.instance
        except Exception:
            store = None
        return partitions_def_html(pdef, dynamic_partitions_store=store)

    html.for_type(AssetSelection, selection_html)
    html.for_type(PartitionsDefinition, partitions_html)
    _state["formatters"] = (AssetSelection, PartitionsDefinition)


def unload_ipython_extension(ipython: Any) -> None:
    if _state.get("shell") is not ipython or ipython is None:
        return
    for name, key in (("pre_run_cell", "pre"), ("post_run_cell", "post")):
        try:
            ipython.events.unregister(name, _state[key])
        except ValueError:
            pass
    magics = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        for name in (
            "materialize",
            "asset",
            "assets",
            "lineage",
            "asset_value",
            "partitions",
            "dagster_nb",
        ):
            magics[kind].pop(name, None)
    magics["line"].pop("automation", None)
    from dagster_nb._notebook.automation_magic import stop_all

    stop_all()  # the automation loop's thread must not outlive the extension
    html = ipython.display_formatter.formatters["text/html"]
    for cls in _state.get("formatters", ()):
        html.type_printers.pop(cls, None)
    from dagster_nb._notebook.lab import uninstall as uninstall_lab

    uninstall_lab(ipython)
    _state.clear()
    reset_kernel_repository()
