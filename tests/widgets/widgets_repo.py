"""A tiny real kernel repository for the widget tests: ResolvedAssets + a SQLite
DagsterInstance + dg.materialize, with the interface dagster_nb/_notebook/repository.py has."""

from __future__ import annotations

import threading
from typing import Any

import dagster_nb as dg
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._instance import DagsterInstance


class TestRepository:
    __test__ = False

    def __init__(self, path: Any, assets: list[Any]):
        self.instance = DagsterInstance.from_directory(path)
        self._assets = list(assets)
        self._resolved = ResolvedAssets.build(self._assets)
        self.version = 1
        self._subs: list[Any] = []
        self._lock = threading.Lock()
        self.materialize_calls: list[tuple] = []

    def snapshot(self) -> ResolvedAssets:
        return self._resolved

    def subscribe(self, fn: Any) -> None:
        with self._lock:
            self._subs.append(fn)

    def unsubscribe(self, fn: Any) -> None:
        with self._lock:
            self._subs = [f for f in self._subs if f != fn]

    def _notify(self, kind: str, payload: Any) -> None:
        for fn in list(self._subs):
            fn(kind, payload)

    def redefine(self, *assets: Any) -> None:
        by_key = {}
        for a in [*self._assets, *assets]:
            for k in a.keys if hasattr(a, "keys") else [a.key]:
                by_key[k] = a
        self._assets = list({id(a): a for a in by_key.values()}.values())
        self._resolved = ResolvedAssets.build(self._assets)
        self.version += 1
        self._notify("definitions", None)

    def materialize(
        self,
        selection: str | None = None,
        *,
        partition_key=None,
        partition_keys=None,
        listeners=(),
        raise_on_error=False,
    ):
        self.materialize_calls.append((selection, partition_key, partition_keys))

        def on_event(e: Any) -> None:
            self._notify("event", e)

        return dg.materialize(
            self._resolved,
            instance=self.instance,
            selection=selection,
            partition_key=partition_key,
            partition_keys=partition_keys,
            listeners=[on_event, *listeners],
            raise_on_error=raise_on_error,
        )

    def load_asset_value(self, key: Any, partition_key: str | None = None) -> Any:
        k = AssetKey.from_coercible(key) if not isinstance(key, AssetKey) else key
        from dagster_nb._definitions.definitions_class import Definitions

        defs = Definitions(assets=list(self._assets))
        return defs.load_asset_value(k, partition_key=partition_key, instance=self.instance)
