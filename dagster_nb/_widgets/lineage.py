"""The lineage widget: the asset graph laid out by Graphviz in the kernel, coloured by status,
live during runs and after redefinitions, with a detail panel and materialize buttons.

    w = LineageWidget(dg.kernel)                   # the whole graph
    w = LineageWidget(dg.kernel, '+key:"revenue"')  # focused on a selection

State lives in synced traitlets (``view_model``, ``svg``, ``selection``, ``selected_key``,
``detail``, ``action``, ...); the ES module only draws them and sets ``selection``,
``selected_key`` and ``action``, so setting those from Python does what a click does.
"""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import traitlets

from dagster_nb._widgets._base import LiveRepoView, Throttle, coerce_key, key_selection, static_text
from dagster_nb._widgets.html import value_preview_html
from dagster_nb._widgets.render import render_dot
from dagster_nb._widgets.run_fold import LiveRuns, _error_text
from dagster_nb._widgets.viewmodel import (
    STATUSES,
    asset_detail_view_model,
    lineage_dot,
    lineage_view_model,
    missing_partitions,
    partition_picker,
)

__all__ = ["LineageWidget"]


class LineageWidget(LiveRepoView, anywidget.AnyWidget):
    """Lineage graph of ``repo`` (the kernel repository), optionally focused on ``selection``
    (Dagster selection syntax). ``debounce`` is the least time between live re-renders."""

    _esm = static_text("lineage.js")
    _css = static_text("lineage.css")

    view_model = traitlets.Dict().tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    render_error = traitlets.Unicode("").tag(sync=True)
    selection = traitlets.Unicode("").tag(sync=True)
    selection_error = traitlets.Unicode("").tag(sync=True)
    selected_key = traitlets.Unicode("").tag(sync=True)
    detail = traitlets.Dict().tag(sync=True)
    action = traitlets.Dict().tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        repo: Any,
        selection: str | None = None,
        *,
        debounce: float = 0.25,
        history: int = 10,
        live: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._repo = repo
        self._history = history
        self._lock = threading.RLock()
        self._selection_keys: set | None = None
        self._live = LiveRuns()  # the runs going on, folded as their events arrive
        self._rendered_version: int | None = None
        self._throttle = Throttle(self.refresh, debounce)
        self._subscribed = False
        if selection:
            self.selection = selection  # the observer parses it and renders
        if not self.view_model:
            self.refresh()
        if live:
            repo.subscribe(self._on_notify)
            self._subscribed = True

    # ------------------------------------------------------------------ state
    def refresh(self) -> None:
        """Rebuild the view model from the current snapshot and instance, and re-render."""
        with self._lock:
            resolved = self._repo.snapshot()
            keys = self._selection_keys
            if keys is not None:
                keys = {k for k in keys if k in resolved.graph}
            running, failed, not_run = self._live.statuses()
            vm = lineage_view_model(
                resolved,
                self._repo.instance,
                selection_keys=keys,
                running=running,
                failed=failed,
                not_run=not_run,
            )
            vm["version"] = getattr(self._repo, "version", None)
            try:
                svg = render_dot(lineage_dot(vm))
                err = ""
            except Exception as e:  # no dot binary, or dot failed: say so in the widget
                svg, err = "", f"{type(e).__name__}: {e}"
            self.view_model = vm
            self.svg = svg if isinstance(svg, str) else svg.decode()
            self.render_error = err
            self._rendered_version = vm["version"]
            if self.selected_key:
                self._update_detail(load_value=False)

    def _on_notify(self, kind: str, payload: Any) -> None:
        if kind == "event" and payload is not None:
            self._live.add(payload)
        self._throttle()  # "definitions": refresh drops a selected key that is gone

    # ------------------------------------------------------------------ front-end requests
    @traitlets.observe("selection")
    def _on_selection(self, change: dict) -> None:
        text = (change["new"] or "").strip()
        if not text:
            self._selection_keys = None
            self.selection_error = ""
            self.refresh()
            return
        from dagster_nb._selection.grammar import parse_selection

        graph = self._repo.snapshot().graph
        try:
            keys = set(parse_selection(text, graph, include_sources=True).resolve(graph))
        except Exception as e:  # shown under the text box, never raised into the cell
            self.selection_error = f"{type(e).__name__}: {e}"
            return
        self.selection_error = "" if keys else "The selection matches no assets."
        if keys:
            self._selection_keys = keys
            self.refresh()

    @traitlets.observe("selected_key")
    def _on_selected(self, change: dict) -> None:
        self._update_detail(load_value=True)

    def _update_detail(self, *, load_value: bool) -> None:
        key = self.selected_key
        if not key:
            self.detail = {}
            return
        resolved = self._repo.snapshot()
        k = coerce_key(key)
        if k not in resolved.graph:
            self.detail = {}
            self.selected_key = ""
            return
        d = asset_detail_view_model(resolved, self._repo.instance, k, history=self._history)
        live = next((n for n in self.view_model.get("nodes", []) if n["key"] == key), None)
        if live is not None and live["status"] in ("running", "failed"):
            d["status"] = live["status"]
        old = self.detail
        if not load_value and old.get("key") == key:
            d["value_html"], d["value_error"] = old.get("value_html"), old.get("value_error")
            if d.get("last_materialization") != old.get("last_materialization"):
                load_value = True
        if load_value:
            d["value_html"], d["value_error"] = self._value_preview(k, d)
        if d.get("is_materializable"):
            d["pickers"] = self._pickers(resolved, k)
        err = (d.get("failure") or {}).get("error")
        if err and err.get("frames"):
            err["frames"] = [_cell_frame(f) for f in err["frames"]]
        self.detail = d

    def _pickers(self, resolved: Any, key: Any) -> dict:
        """Per button (materialize / upstream / downstream): the partition picker data when
        the assets it runs are partitioned (see VIEWMODEL.md), else null."""
        graph = resolved.graph
        up, down, seen_u, seen_d = [key], [key], {key}, {key}
        for frontier, seen, step in ((up, seen_u, graph.parents), (down, seen_d, graph.children)):
            i = 0
            while i < len(frontier):
                for n in step(frontier[i]):
                    if n not in seen:
                        seen.add(n)
                        frontier.append(n)
                i += 1
        out = {}
        for kind, keys in (("materialize", {key}), ("upstream", seen_u), ("downstream", seen_d)):
            out[kind] = partition_picker(resolved, self._repo.instance, keys)
        return out

    def _value_preview(self, key: Any, d: dict) -> tuple[str | None, str | None]:
        if not d.get("is_materializable"):
            return None, "not materializable here (a source or external asset)"
        if d.get("last_materialization") is None:
            return None, "not materialized yet"
        partition = d["last_materialization"].get("partition") if d.get("partitioned") else None
        try:
            value = self._repo.load_asset_value(key, partition_key=partition)
        except Exception as e:
            return None, f"could not load the value: {type(e).__name__}: {e}"
        label = f"partition {partition}: " if partition else ""
        html = value_preview_html(value)
        return (f'<div style="color:#64748b">{label}</div>' if label else "") + html, None

    @traitlets.observe("action")
    def _on_action(self, change: dict) -> None:
        a = change["new"] or {}
        kind, key = a.get("kind"), a.get("key")
        if not kind or not key:
            return
        rng = a.get("range")
        self.run_action(
            kind,
            key,
            partition=a.get("partition") or None,
            partition_range=tuple(rng) if rng else None,
            missing_only=bool(a.get("missing_only")),
        )

    def run_action(
        self,
        kind: str,
        key: str,
        *,
        partition: str | None = None,
        partition_range: tuple[str, str] | None = None,
        missing_only: bool = False,
    ) -> Any:
        """What the detail panel's buttons do: ``kind`` is ``materialize`` (the asset),
        ``upstream`` (it and everything upstream) or ``downstream`` (it and everything
        downstream). When those are partitioned, the picker gives one of ``partition``,
        ``partition_range`` (start, end) or ``missing_only`` (every partition not yet
        materialized); without any, the message says to pick. Returns the run result
        (``None`` if nothing ran)."""
        sel = key_selection(key)
        selection = {"materialize": sel, "upstream": "+" + sel, "downstream": sel + "+"}.get(kind)
        if selection is None:
            self.message = f"Unknown action {kind!r}."
            return None
        if self.busy:
            self.message = "A run started from this widget is still going."
            return None
        picker = (
            (self.detail.get("pickers") or {}).get(kind) if self.detail.get("key") == key else None
        )
        if picker is None:
            picker = self._pickers(self._repo.snapshot(), coerce_key(key)).get(kind)
        run_kwargs: dict[str, Any] = {}
        what = ""
        if picker is not None:
            if picker.get("error"):
                self.message = picker["error"]
                return None
            if partition is not None:
                run_kwargs["partition_key"] = partition
                what = f" partition {partition}"
            elif partition_range is not None:
                from dagster_nb._partitions import PartitionKeyRange

                run_kwargs["partition_key_range"] = PartitionKeyRange(*partition_range)
                what = f" partitions {partition_range[0]}...{partition_range[1]}"
            elif missing_only:
                missing = missing_partitions(
                    self._repo.snapshot(), self._repo.instance, picker["assets"]
                )
                if not missing:
                    self.message = "Every partition is materialized already; nothing to run."
                    return None
                run_kwargs["partition_keys"] = missing
                what = f" {len(missing)} missing partition{'s' if len(missing) != 1 else ''}"
            else:
                self.message = (
                    f"{', '.join(picker['assets'])} "
                    f"{'is' if len(picker['assets']) == 1 else 'are'} partitioned "
                    f"({picker['definition']}): pick a partition, a range or "
                    "missing only."
                )
                return None
        elif partition is not None or partition_range is not None or missing_only:
            self.message = "These assets are not partitioned: run them without a partition."
            return None
        self.busy = True
        self.message = f"Materializing {selection}{what} ..."
        try:
            result = self._repo.materialize(selection, raise_on_error=False, **run_kwargs)
        except Exception as e:  # a bad selection or a plan error: show it, keep the widget
            self.message = f"{type(e).__name__}: {e}"
            return None
        finally:
            self.busy = False
        self._live.clear()  # the run is over: the instance has its final state
        self.refresh()
        self._update_detail(load_value=True)
        self.message = _result_message(result, selection)
        return result

    # ------------------------------------------------------------------ reprs
    def _text(self) -> str:
        vm = self.view_model
        counts = vm.get("counts", {})
        parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts.get(s))
        n = len(vm.get("nodes", []))
        sel = f", selection={self.selection!r}" if self.selection else ""
        return f"LineageWidget({n} assets: {parts}{sel})" if n else f"LineageWidget(0 assets{sel})"

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            data["text/plain"] = self._text()
            if self.svg and len(self.svg) < 500_000:
                data["image/svg+xml"] = self.svg  # shown where widgets are not (nbconvert, GitHub)
        return bundle


def _cell_frame(frame: str) -> str:
    """A traceback entry in a notebook cell names the cell (``Cell In[7], line 3``), as
    IPython's own tracebacks do, not the kernel's temporary file."""
    import re
    import sys

    ip = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    names = getattr(getattr(ip, "compile", None), "_filename_map", None)
    if not names:
        return frame
    m = re.match(r'(\s*)File "([^"]+)", line (\d+)', frame)
    if m is None or m.group(2) not in names:
        return frame
    return f"{m.group(1)}Cell In[{names[m.group(2)]}], line {m.group(3)}" + frame[m.end() :]


def _result_message(result: Any, selection: str) -> str:
    if result is None:
        return ""
    runs = getattr(result, "results", None)
    if runs is not None:  # a backfill
        n = sum(len(r.get_asset_materialization_events()) for r in runs)
        failed = result.failed_partitions
        msg = (
            f"{len(runs)} runs {'SUCCESS' if result.success else 'FAILURE'}: {n} "
            f"materialization{'s' if n != 1 else ''} ({selection})"
        )
        return msg + (f"; failed partitions: {', '.join(failed[:10])}." if failed else ".")
    n = len(result.get_asset_materialization_events())
    status = getattr(result.dagster_run_status, "value", result.dagster_run_status)
    msg = f"Run {result.run_id[:8]} {status}: {n} materialization{'s' if n != 1 else ''} ({selection})."
    if not result.success:
        fails = result.get_step_failure_events()
        if fails and fails[0].error is not None:
            msg += f" {fails[0].step_key} failed: {_error_text(fails[0].error)}"
    return msg
