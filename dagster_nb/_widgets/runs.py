"""Run progress (a live table fed by run events) and run history widgets.

progress = RunProgressWidget()
display(progress)
dg.kernel.materialize("*", listeners=[progress])   # one row per asset, updated live

RunHistoryWidget(dg.kernel)                         # recent runs, refreshed after each run
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anywidget
import traitlets

from dagster_nb._widgets._base import LiveRepoView, Throttle, static_text
from dagster_nb._widgets.viewmodel import run_history_view_model, run_progress_view_model

__all__ = ["RunHistoryWidget", "RunProgressWidget"]

_FLUSH_NOW = frozenset(
    {
        "PIPELINE_START",
        "PIPELINE_SUCCESS",
        "PIPELINE_FAILURE",
        "PIPELINE_CANCELED",
        "STEP_START",
        "STEP_SUCCESS",
        "STEP_FAILURE",
        "STEP_SKIPPED",
    }
)


class RunProgressWidget(anywidget.AnyWidget):
    """A run listener: call it with each ``DagsterEvent`` (``listeners=[widget]``) and it shows
    one row per asset (status, duration, partition progress n/m). Step and run events update
    the table at once; the many per-partition events at most every ``throttle`` seconds."""

    _esm = static_text("runs.js")
    _css = static_text("runs.css")

    view_model = traitlets.Dict().tag(sync=True)

    def __init__(self, *, throttle: float = 0.1, **kwargs: Any):
        super().__init__(**kwargs)
        self._events: list[Any] = []
        self._lock = threading.Lock()
        self._throttle_s = throttle
        self._last = 0.0
        self._pending = False
        self.view_model = run_progress_view_model([])

    def __call__(self, event: Any) -> None:
        with self._lock:
            self._events.append(event)
            now = time.monotonic()
            if event.event_type_value in _FLUSH_NOW or now - self._last >= self._throttle_s:
                self._last = now
                self._pending = False
                events = list(self._events)
            else:
                self._pending = True
                return
        self.view_model = run_progress_view_model(events, now=time.time())

    def flush(self) -> None:
        """Show every event received so far."""
        with self._lock:
            events = list(self._events)
            self._pending = False
        self.view_model = run_progress_view_model(events, now=time.time())

    @property
    def events(self) -> list[Any]:
        return list(self._events)

    def start(self) -> None:
        """Forget the previous run, to show the next one (the widget is reused, run after run)."""
        with self._lock:
            self._events = []
            self._pending = False
        self.view_model = run_progress_view_model([])

    def finish(self, handle: Any = None) -> None:
        """The run is over: put its final state, as static HTML, where the live view was
        (``handle`` from ``display(widget, display_id=True)``).

        The live view is gone from that output, so one widget serves every run of a kernel
        (``%materialize`` calls ``start`` before each): hundreds of runs leave no widgets
        behind, and a saved or exported notebook shows the final table, not an empty view.
        Closing the widget instead is not an option: closing its Layout breaks the front
        end's handling of later widget messages.
        """
        self.flush()
        if handle is not None:
            if self._events:
                from dagster_nb._widgets.html import run_progress_html

                bundle = {
                    "text/html": run_progress_html(self.view_model),
                    "text/plain": self._text(),
                }
            else:
                bundle = {"text/plain": ""}
            handle.update(bundle, raw=True)
        self.start()

    def _text(self) -> str:
        vm = self.view_model
        run = vm.get("run", {})
        counts = ", ".join(f"{n} {s}" for s, n in sorted(vm.get("counts", {}).items()))
        n = len(vm.get("rows", []))
        return f"RunProgressWidget(run {run.get('status')}: {n} assets" + (
            f": {counts})" if counts else ")"
        )

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            # Displayed before the run starts: where widgets do not render (nbconvert, terminals)
            # say what this is; %materialize prints the run summary after it.
            data["text/plain"] = "(live run progress)" if not self._events else self._text()
        return bundle


class RunHistoryWidget(LiveRepoView, anywidget.AnyWidget):
    """The ``limit`` most recent runs of ``repo``'s instance (status, duration, assets),
    refreshed when a run ends."""

    _esm = static_text("runs.js")
    _css = static_text("runs.css")

    view_model = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        repo: Any,
        limit: int = 20,
        *,
        debounce: float = 0.25,
        live: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._repo = repo
        self._limit = limit
        self._throttle = Throttle(self.refresh, debounce)
        self.refresh()
        self._subscribed = live
        if live:
            repo.subscribe(self._on_notify)

    def refresh(self) -> None:
        self.view_model = run_history_view_model(self._repo.instance, limit=self._limit)

    def _on_notify(self, kind: str, payload: Any) -> None:
        if kind == "event" and getattr(payload, "event_type_value", "").startswith("PIPELINE_"):
            self._throttle()

    def _text(self) -> str:
        runs = self.view_model.get("runs", [])
        counts: dict[str, int] = {}
        for r in runs:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        return f"RunHistoryWidget({len(runs)} runs" + (f": {detail})" if detail else ")")

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            data["text/plain"] = self._text()
        return bundle
