"""Static HTML of a notebook that used dagster_nb's views: the final state inline, nothing
loaded from another host.

``jupyter nbconvert --to html`` keeps live widgets as widget views plus their state, and its
page loads require.js, MathJax and the widget renderer from CDNs (nothing of ours shows
offline). This exporter (registered as ``dagster_nb_html``) replaces each of our widget views
with static HTML of its final state (the lineage SVG, the run table, the run history, the
partition strip), drops the widget state, and uses a template without CDN scripts:

    jupyter nbconvert --to dagster_nb_html notebook.ipynb      # -> notebook.html

``static_notebook(nb)`` does the notebook part on its own (a copy; the input is untouched).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

__all__ = ["static_notebook"]  # and StaticHTMLExporter, built on first access (needs nbconvert)

_VIEW = "application/vnd.jupyter.widget-view+json"
_STATE = "application/vnd.jupyter.widget-state+json"


def _widget_html(state: dict) -> str | None:
    """Static HTML of one of our anywidgets from its saved state (None: not one of ours)."""
    from dagster_nb._widgets import html as H

    wid = str(state.get("_anywidget_id", ""))
    vm = state.get("view_model") or {}
    if wid.endswith("LineageWidget"):
        svg = state.get("svg") or ""
        at = svg.find("<svg")
        svg = svg[at:] if at >= 0 else svg  # no XML prolog / DOCTYPE inside HTML
        counts = vm.get("counts") or {}
        legend = " ".join(H._status_badge(s) + f" {n}" for s, n in counts.items() if n)
        err = state.get("render_error") or ""
        return (
            f'<div class="dnb-lineage dnb-static" style="font-family:sans-serif;font-size:12px">'
            f"<div>{legend}</div>{svg}" + (f"<pre>{H._e(err)}</pre>" if err else "") + "</div>"
        )
    if wid.endswith("RunProgressWidget"):
        return H.run_progress_html(vm) if vm.get("rows") else ""
    if wid.endswith("RunHistoryWidget"):
        return H.run_history_html(vm)
    if wid.endswith("PartitionWidget"):
        key = state.get("asset_key") or ""
        return (
            (
                f'<div style="font-family:sans-serif;font-size:12px"><b>{H._e(key)}</b></div>'
                + H.partition_strip_html(vm)
            )
            if vm
            else ""
        )
    return None


def static_notebook(nb: Any) -> Any:
    """A copy of ``nb`` with our widget views replaced by static HTML (other widgets keep a
    static fallback when they have one) and no widget state."""
    nb = copy.deepcopy(nb)
    widgets = nb.get("metadata", {}).get("widgets", {}) or {}
    states = (widgets.get(_STATE) or {}).get("state", {}) or {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            data = out.get("data")
            if not data or _VIEW not in data:
                continue
            model = states.get(data[_VIEW].get("model_id"), {})
            html = _widget_html(model.get("state", {})) if model else None
            del data[_VIEW]
            if html is not None:
                data["text/html"] = html
                data.pop("image/svg+xml", None)  # the same picture, already in the HTML
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def _exporter_class() -> type:
    import os

    from nbconvert.exporters import HTMLExporter
    from traitlets import default

    class StaticHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter with our widgets inlined and no external scripts."""

        export_from_notebook = "HTML (dagster_nb, static)"

        @default("extra_template_basedirs")
        def _our_template_dirs(self) -> list[str]:
            return [os.getcwd(), str(Path(__file__).parent / "nbconvert_templates")]

        @default("template_name")
        def _our_template_name(self) -> str:
            return "dagster_nb_static"

        def _preprocess(self, nb: Any, resources: Any) -> Any:
            # after every preprocessor, so also after --execute ran the notebook
            nb, resources = super()._preprocess(nb, resources)
            return static_notebook(nb), resources

    return StaticHTMLExporter


def __getattr__(name: str) -> Any:
    # nbconvert is imported only when the exporter is asked for (entry point or import).
    if name == "StaticHTMLExporter":
        cls = _exporter_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
