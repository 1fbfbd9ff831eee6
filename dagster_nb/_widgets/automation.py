"""The automation widget: schedules and sensors with status, next tick, last ticks and runs, and
why each asset was or was not requested (the condition tree), live while the loop runs.

    from dagster_nb._widgets.automation import AutomationWidget
    AutomationWidget(dg.kernel.automation)      # or: %automation widget

It renders :func:`dagster_nb._widgets.automation_viewmodel.automation_view_model`; it refreshes
after every tick of the loop (throttled) and when the kernel's definitions change.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from dagster_nb._widgets._base import Throttle, static_text
from dagster_nb._widgets.automation_viewmodel import automation_view_model

__all__ = ["AutomationWidget"]


class AutomationWidget(anywidget.AnyWidget):
    """Live view of an :class:`AutomationDaemon` (the kernel's: ``dg.kernel.automation``)."""

    _esm = static_text("automation.js")
    _css = static_text("automation.css")

    view_model = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        daemon: Any,
        *,
        limit: int = 5,
        debounce: float = 0.25,
        live: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._daemon = daemon
        self._limit = limit
        self._throttle = Throttle(self.refresh, debounce)
        self._live = live
        self.refresh()
        if live:
            daemon.listeners.append(self._on_tick)

    def refresh(self) -> None:
        self.view_model = automation_view_model(self._daemon, limit=self._limit)

    def _on_tick(self, record: Any) -> None:
        self._throttle()

    def flush(self) -> None:
        self._throttle.flush()

    def close(self) -> None:
        self._throttle.close()
        if self._live and self._on_tick in self._daemon.listeners:
            self._daemon.listeners.remove(self._on_tick)
        super().close()

    def _text(self) -> str:
        vm = self.view_model
        insts = vm.get("instigators", [])
        running = sum(1 for i in insts if i["status"] == "RUNNING")
        loop = "running" if vm.get("loop", {}).get("running") else "stopped"
        return f"AutomationWidget(loop {loop}: {len(insts)} schedules/sensors, {running} running)"

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            data["text/plain"] = self._text()
        return bundle
