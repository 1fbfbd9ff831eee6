"""The partition status widget: a range-compressed strip (time, static, dynamic partitions) or
grid (multi-partitions) of one asset's partitions; click a range and backfill it.

    w = PartitionWidget(dg.kernel, "daily_sales")
    w.range = {"row": None, "start": "2024-01-01", "end": "2024-01-31"}   # what a click sets
    w.backfill()                                                          # the button
"""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import traitlets

from dagster_nb._widgets._base import LiveRepoView, Throttle, coerce_key, key_selection, static_text
from dagster_nb._widgets.viewmodel import multi_partition_key, partition_view_model

__all__ = ["PartitionWidget"]


class PartitionWidget(LiveRepoView, anywidget.AnyWidget):
    """Partition statuses of asset ``key`` of ``repo``; ``current_time`` fixes the clock (for
    time partitions), ``debounce`` is the least time between live re-renders."""

    _esm = static_text("partitions.js")
    _css = static_text("partitions.css")

    asset_key = traitlets.Unicode("").tag(sync=True)
    view_model = traitlets.Dict().tag(sync=True)
    range = traitlets.Dict().tag(sync=True)  # {"row": str | None, "start": str, "end": str}
    action = traitlets.Dict().tag(sync=True)  # {"kind": "backfill" | "backfill_missing"}
    message = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        repo: Any,
        key: Any,
        *,
        current_time: Any = None,
        debounce: float = 0.25,
        live: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._repo = repo
        self._key = coerce_key(key)
        self._current_time = current_time
        self._lock = threading.RLock()
        self.asset_key = self._key.to_user_string()
        if self._partitions_def() is None:
            from dagster_nb._errors import DagsterInvalidInvocationError

            raise DagsterInvalidInvocationError(
                f"Asset {self.asset_key} is not partitioned; the partition widget needs an asset "
                "with a partitions_def."
            )
        self._throttle = Throttle(self.refresh, debounce)
        self.refresh()
        self._subscribed = live
        if live:
            repo.subscribe(self._on_notify)

    def _partitions_def(self) -> Any:
        resolved = self._repo.snapshot()
        if self._key not in resolved.graph:
            from dagster_nb._errors import DagsterInvariantViolationError, did_you_mean

            raise DagsterInvariantViolationError(
                f"No asset {self.asset_key} in the repository."
                + did_you_mean(self.asset_key, (k.to_user_string() for k in resolved.graph.nodes))
            )
        return resolved.graph.get(self._key).partitions_def

    def refresh(self) -> None:
        """Re-read the partition statuses and rebuild the view model."""
        with self._lock:
            instance = self._repo.instance
            self.view_model = partition_view_model(
                self._partitions_def(),
                instance.get_asset_partition_statuses(self._key),
                current_time=self._current_time,
                dynamic_partitions_store=instance,
            )

    def _on_notify(self, kind: str, payload: Any) -> None:
        if (
            kind == "definitions"
            or (payload is not None and getattr(payload, "asset_key", None) == self._key)
            or getattr(payload, "event_type_value", "").startswith("PIPELINE_")
        ):
            self._throttle()

    # ------------------------------------------------------------------ backfills
    def partition_keys_in_range(self, start: str, end: str, row: str | None = None) -> list[str]:
        """The partition keys a selected range covers (for a grid: in one row)."""
        vm = self.view_model
        pdef = self._partitions_def()
        if vm.get("dimensions", 1) == 1:
            keys = [
                str(k)
                for k in pdef.get_partition_keys(
                    current_time=self._current_time, dynamic_partitions_store=self._repo.instance
                )
            ]
            i, j = keys.index(start), keys.index(end)
            if i > j:
                i, j = j, i
            return keys[i : j + 1]
        col_dim = vm["column_dimension"]["name"]
        cols = [
            str(k)
            for k in pdef.get_partitions_def_for_dimension(col_dim).get_partition_keys(
                current_time=self._current_time, dynamic_partitions_store=self._repo.instance
            )
        ]
        i, j = cols.index(start), cols.index(end)
        if i > j:
            i, j = j, i
        rows = [row] if row is not None else vm["row_dimension"]["keys"]
        return [multi_partition_key(vm, r, c) for r in rows for c in cols[i : j + 1]]

    @traitlets.observe("action")
    def _on_action(self, change: dict) -> None:
        kind = (change["new"] or {}).get("kind")
        if kind == "backfill":
            self.backfill()
        elif kind == "backfill_missing":
            self.backfill_missing()

    def backfill(self) -> Any:
        """Materialize the selected ``range`` (one run over its partitions)."""
        r = self.range or {}
        if not r.get("start"):
            self.message = "Select a range first."
            return None
        try:
            keys = self.partition_keys_in_range(
                r["start"], r.get("end") or r["start"], r.get("row")
            )
        except ValueError:
            self.message = (
                f"{r['start']}..{r.get('end')} is not a range of this asset's partitions."
            )
            return None
        return self._run(keys)

    def backfill_missing(self) -> Any:
        """Materialize every partition that is missing or failed."""
        statuses = self._repo.instance.get_asset_partition_statuses(self._key)
        pdef = self._partitions_def()
        keys = [
            str(k)
            for k in pdef.get_partition_keys(
                current_time=self._current_time, dynamic_partitions_store=self._repo.instance
            )
            if statuses.get(str(k)) != "MATERIALIZED"
        ]
        if not keys:
            self.message = "Every partition is materialized."
            return None
        return self._run(keys)

    def _run(self, keys: list[str]) -> Any:
        if self.busy:
            self.message = "A backfill started from this widget is still going."
            return None
        self.busy = True
        span = keys[0] if len(keys) == 1 else f"{keys[0]} ... {keys[-1]}"
        self.message = f"Materializing {len(keys)} partition(s) {span} ..."
        try:
            result = self._repo.materialize(
                key_selection(self._key), partition_keys=keys, raise_on_error=False
            )
        except Exception as e:
            self.message = f"{type(e).__name__}: {e}"
            return None
        finally:
            self.busy = False
        self.refresh()
        status = getattr(result.dagster_run_status, "value", result.dagster_run_status)
        self.message = f"Run {result.run_id[:8]} {status}: {len(keys)} partition(s) {span}."
        return result

    # ------------------------------------------------------------------ reprs
    def _text(self) -> str:
        vm = self.view_model
        counts = ", ".join(
            f"{n} {s.replace('_', ' ')}" for s, n in vm.get("counts", {}).items() if n
        )
        return f"PartitionWidget({self.asset_key}: {vm.get('total', 0)} partitions: {counts})"

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            data["text/plain"] = self._text()
        return bundle
