"""Staleness: is an asset's stored value still what its code and inputs would produce?

Follows Dagster's "unsynced" semantics. Each materialization records (as tags) the code version
it ran with, its data version, and the data versions of the inputs it read. An asset is

- ``MISSING`` when never materialized (for a partition: that partition never was);
- ``STALE`` when its code version changed, an upstream's current data version differs from the
  one it read (a re-materialized upstream, or a new observation of a source), a dependency was
  added or removed, or an upstream is itself stale;
- ``FRESH`` otherwise.

    resolver = StalenessResolver(resolved_assets, instance)
    resolver.get_status(AssetKey("revenue"))        # StaleStatus.STALE
    resolver.get_stale_causes(AssetKey("revenue"))  # [StaleCause(... "code version changed")]

One resolver caches what it read; build a new one after a run or a redefinition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from dagster_nb.definitions.asset_key import AssetKey
from dagster_nb.definitions.repository import ResolvedAssets
from dagster_nb.definitions.results import (
    CODE_VERSION_TAG,
    DATA_VERSION_TAG,
    INPUT_DATA_VERSION_TAG_PREFIX,
)

__all__ = ["StaleStatus", "StaleCauseCategory", "StaleCause", "StalenessResolver"]


class StaleStatus(Enum):
    MISSING = "MISSING"
    STALE = "STALE"
    FRESH = "FRESH"


class StaleCauseCategory(Enum):
    CODE = "CODE"
    DATA = "DATA"
    DEPENDENCIES = "DEPENDENCIES"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleCause:
    """Why ``key`` is stale; ``dependency`` names the upstream involved, if any."""

    key: AssetKey
    category: StaleCauseCategory
    reason: str
    partition_key: str | None = None
    dependency: AssetKey | None = None

    @property
    def asset_key(self) -> AssetKey:
        return self.key

    def __str__(self) -> str:
        where = self.key.to_user_string() + (f"[{self.partition_key}]" if self.partition_key else "")
        return f"{where}: {self.reason}"


_NO_RECORD = object()


class StalenessResolver:
    """Computes statuses and causes for the assets of ``resolved`` against ``instance``."""

    def __init__(self, resolved: ResolvedAssets, instance: Any):
        self._resolved = resolved
        self._instance = instance
        self._mats: dict[tuple[AssetKey, str | None], Any] = {}
        self._status: dict[tuple[AssetKey, str | None], StaleStatus] = {}
        self._causes: dict[tuple[AssetKey, str | None], list[StaleCause]] = {}
        self._current_dv: dict[tuple[AssetKey, str | None], str | None] = {}

    # --- reads (cached) ---
    def prefetch(self, keys: Iterable[AssetKey]) -> None:
        """Fetch latest unpartitioned materializations for many keys in one query."""
        ks = [k for k in keys if (k, None) not in self._mats]
        if not ks:
            return
        found = self._instance.get_latest_materialization_events(ks)
        for k in ks:
            entry = found.get(k)
            self._mats[(k, None)] = entry.dagster_event.materialization if entry is not None else None

    def _latest_mat(self, key: AssetKey, partition: str | None) -> Any:
        ck = (key, partition)
        if ck not in self._mats:
            if partition is None:
                entry = self._instance.get_latest_materialization_event(key)
                self._mats[ck] = entry.dagster_event.materialization if entry is not None else None
            else:
                rec = self._instance.get_latest_materialization_record(key, partition)
                self._mats[ck] = rec.dagster_event.materialization if rec is not None else None
        return self._mats[ck]

    def _current_data_version(self, key: AssetKey, partition: str | None) -> str | None:
        """The data version downstream assets would read now."""
        ck = (key, partition)
        if ck not in self._current_dv:
            ad = self._resolved.assets_def_by_key.get(key)
            if ad is not None and ad.is_materializable:
                mat = self._latest_mat(key, partition)
                self._current_dv[ck] = mat.tags.get(DATA_VERSION_TAG) if mat is not None else None
            else:
                v = self._instance.get_latest_data_version(key, partition)
                self._current_dv[ck] = v.value if v is not None else None
        return self._current_dv[ck]

    # --- public ---
    def get_status(self, key: AssetKey, partition_key: str | None = None) -> StaleStatus:
        ck = (key, partition_key)
        if ck not in self._status:
            self._compute(key, partition_key)
        return self._status[ck]

    def get_stale_causes(self, key: AssetKey, partition_key: str | None = None) -> list[StaleCause]:
        ck = (key, partition_key)
        if ck not in self._status:
            self._compute(key, partition_key)
        return list(self._causes.get(ck, []))

    def get_stale_root_causes(self, key: AssetKey, partition_key: str | None = None) -> list[StaleCause]:
        """Causes with 'upstream is stale' followed back to the asset where staleness starts."""
        out: list[StaleCause] = []
        seen: set = set()
        stack = [(key, partition_key)]
        while stack:
            k, p = stack.pop()
            if (k, p) in seen:
                continue
            seen.add((k, p))
            for c in self.get_stale_causes(k, p):
                if c.category is StaleCauseCategory.DEPENDENCIES and c.reason.startswith("upstream") and c.dependency:
                    stack.append((c.dependency, p if self._same_partitioning(k, c.dependency) else None))
                else:
                    out.append(c)
        return out

    def stale_or_missing(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        """The subset of ``keys`` (unpartitioned view) that is STALE or MISSING."""
        ks = list(keys)
        self.prefetch(self._resolved.graph.all_asset_keys)
        return {k for k in ks if self.get_status(k) is not StaleStatus.FRESH}

    # --- computation ---
    def _same_partitioning(self, a: AssetKey, b: AssetKey) -> bool:
        pa = getattr(self._resolved.assets_def_by_key.get(a), "partitions_def", None)
        pb = getattr(self._resolved.assets_def_by_key.get(b), "partitions_def", None)
        return pa is not None and pa == pb

    def _compute(self, key: AssetKey, partition: str | None) -> None:
        # Iterative post-order over parents to avoid deep recursion on long chains.
        stack: list[tuple[AssetKey, str | None, bool]] = [(key, partition, False)]
        while stack:
            k, p, ready = stack.pop()
            if (k, p) in self._status:
                continue
            parents = self._parent_partitions(k, p)
            if not ready:
                stack.append((k, p, True))
                for pk, pp in parents:
                    if (pk, pp) not in self._status:
                        stack.append((pk, pp, False))
                continue
            self._compute_one(k, p, parents)

    def _parent_partitions(self, key: AssetKey, partition: str | None) -> list[tuple[AssetKey, str | None]]:
        graph = self._resolved.graph
        if key not in graph:
            return []
        out = []
        for parent in sorted(graph.parents(key), key=lambda x: x.parts):
            out.append((parent, partition if partition is not None and self._same_partitioning(key, parent) else None))
        return out

    def _compute_one(self, key: AssetKey, partition: str | None, parents: list[tuple[AssetKey, str | None]]) -> None:
        ck = (key, partition)
        ad = self._resolved.assets_def_by_key.get(key)
        if ad is None or not ad.is_materializable:
            # Sources and externals are never stale themselves.
            self._status[ck] = StaleStatus.FRESH
            self._causes[ck] = []
            return
        mat = self._latest_mat(key, partition)
        if mat is None:
            self._status[ck] = StaleStatus.MISSING
            self._causes[ck] = []
            return
        causes: list[StaleCause] = []
        recorded_code = mat.tags.get(CODE_VERSION_TAG)
        current_code = ad.effective_code_version(key)
        if recorded_code is not None and recorded_code != current_code:
            causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.CODE, reason="code version changed"))
        recorded_inputs = {
            t[len(INPUT_DATA_VERSION_TAG_PREFIX):]: v
            for t, v in mat.tags.items()
            if t.startswith(INPUT_DATA_VERSION_TAG_PREFIX)
        }
        parent_names = set()
        for pk, pp in parents:
            name = pk.to_user_string()
            parent_names.add(name)
            current = self._current_data_version(pk, pp)
            recorded = recorded_inputs.get(name)
            if current is not None and recorded is None:
                # Either a dependency added since, or an upstream that had no version then.
                causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DEPENDENCIES, dependency=pk, reason=f"new input {name} (not read by the last materialization)"))
            elif current is not None and recorded != current:
                causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DATA, dependency=pk, reason=f"upstream {name} has new data"))
            elif current is None and recorded is not None and self._is_materializable(pk):
                causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DATA, dependency=pk, reason=f"upstream {name} was wiped"))
            if self._status.get((pk, pp)) is StaleStatus.STALE:
                causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DEPENDENCIES, dependency=pk, reason=f"upstream {name} is stale"))
            elif self._status.get((pk, pp)) is StaleStatus.MISSING and self._is_materializable(pk):
                causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DEPENDENCIES, dependency=pk, reason=f"upstream {name} is missing"))
        for name in sorted(set(recorded_inputs) - parent_names):
            causes.append(StaleCause(key=key, partition_key=partition, category=StaleCauseCategory.DEPENDENCIES, dependency=AssetKey.from_user_string(name), reason=f"removed dependency on {name}"))
        self._status[ck] = StaleStatus.STALE if causes else StaleStatus.FRESH
        self._causes[ck] = causes

    def _is_materializable(self, key: AssetKey) -> bool:
        ad = self._resolved.assets_def_by_key.get(key)
        return ad is not None and ad.is_materializable
