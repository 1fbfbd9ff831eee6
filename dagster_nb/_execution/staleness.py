"""Staleness: is an asset's stored value still what its code and inputs would produce?

Follows Dagster's "unsynced" semantics. Each materialization records (as tags) the code version
it ran with, its data version, and the data versions of the inputs it read. An asset is

- ``MISSING`` when never materialized (for a partition: that partition never was);
- ``STALE`` when its code version changed, an upstream's current data version differs from the
  one it read (a re-materialized upstream, or a new observation of a source), a dependency was
  added or removed, or an upstream is itself stale or missing;
- ``FRESH`` otherwise.

    resolver = StalenessResolver(resolved_assets, instance)
    resolver.get_status(AssetKey("revenue"))        # StaleStatus.STALE
    resolver.get_stale_causes(AssetKey("revenue"))  # [StaleCause(... "code version changed")]

Partitions: ``get_status(key, partition_key)`` judges one partition against the upstream
partitions it maps to (Dagster's default mappings, or the asset's ``partition_mappings``). For a
partitioned asset asked without a partition key, the answer is that of its most recently
materialized partition (``MISSING`` when none is), where Dagster answers ``FRESH``.

Differences from Dagster 1.13 (on purpose): without an explicit ``code_version`` the code
version is derived from the normalized source, so editing the body makes an asset stale; the
default data version is a hash of the stored value, so re-materializing with the same value
leaves downstream fresh; and staleness propagates ("upstream X is stale"), where Dagster 1.13
only reports changes of direct inputs.

One resolver caches what it read; build a new one after a run or a redefinition. Parsed
provenance is also kept per instance by storage id (events never change), so a new resolver
re-reads only materializations it has not seen.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._definitions.results import (
    CODE_VERSION_TAG,
    DATA_VERSION_TAG,
    INPUT_DATA_VERSION_TAG_PREFIX,
)
from dagster_nb._execution.provenance import version_of_partitions
from dagster_nb._gc import collector_paused

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["StaleStatus", "StaleCauseCategory", "StaleCause", "StalenessResolver"]


class StaleStatus(Enum):
    """Whether an asset's stored value is up to date.

    >>> StaleStatus.FRESH.value
    'FRESH'
    """

    MISSING = "MISSING"
    STALE = "STALE"
    FRESH = "FRESH"


class StaleCauseCategory(Enum):
    """What kind of change made an asset stale (Dagster's categories)."""

    CODE = "CODE"
    DATA = "DATA"
    DEPENDENCIES = "DEPENDENCIES"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleCause:
    """Why ``key`` is stale; ``dependency`` names the upstream involved, if any.

    >>> str(StaleCause(key=AssetKey("b"), category=StaleCauseCategory.CODE,
    ...                reason="code version changed"))
    'b: code version changed'
    """

    key: AssetKey
    category: StaleCauseCategory
    reason: str
    partition_key: str | None = None
    dependency: AssetKey | None = None
    dependency_partition_key: str | None = None

    @property
    def asset_key(self) -> AssetKey:
        return self.key

    @property
    def dependency_asset_key(self) -> AssetKey | None:
        return self.dependency

    def __str__(self) -> str:
        where = self.key.to_user_string() + (
            f"[{self.partition_key}]" if self.partition_key else ""
        )
        return f"{where}: {self.reason}"


# (code version, data version, {input key string: data version}, partition) of one
# materialization; the same storage id always parses to the same tuple.
_Provenance = tuple[str | None, str | None, dict[str, str], str | None]
_PARSED: weakref.WeakKeyDictionary[Any, dict[tuple[int, float], _Provenance]] = (
    weakref.WeakKeyDictionary()
)
_PREFIX_LEN = len(INPUT_DATA_VERSION_TAG_PREFIX)
_UPSTREAM_STALE = "upstream {} is stale"
_UPSTREAM_MISSING = "upstream {} is missing"


def _provenance(mat: Any) -> _Provenance:
    tags = mat.tags
    inputs = {
        t[_PREFIX_LEN:]: v for t, v in tags.items() if t.startswith(INPUT_DATA_VERSION_TAG_PREFIX)
    }
    return (tags.get(CODE_VERSION_TAG), tags.get(DATA_VERSION_TAG), inputs, mat.partition)


class StalenessResolver:
    """Computes statuses and causes for the assets of ``resolved`` against ``instance``.

    ``current_time`` fixes "now" for time-window partition mappings (default: now).

        resolver = StalenessResolver(ResolvedAssets.build([a, b]), instance)
        resolver.get_status(AssetKey("b"))   # StaleStatus.FRESH
    """

    def __init__(
        self,
        resolved: ResolvedAssets,
        instance: DagsterInstance,
        *,
        current_time: datetime | None = None,
    ):
        self._resolved = resolved
        self._by_key = resolved.assets_def_by_key
        self._instance = instance
        self._current_time = current_time
        try:
            self._parsed = _PARSED.setdefault(instance, {})
        except TypeError:  # an instance that cannot be weakly referenced: cache per resolver
            self._parsed = {}
        self._mats: dict[tuple[AssetKey, str | None], _Provenance | None] = {}
        self._status: dict[tuple[AssetKey, str | None], StaleStatus] = {}
        self._causes: dict[tuple[AssetKey, str | None], list[StaleCause]] = {}
        self._current_dv: dict[tuple[AssetKey, str | None], str | None] = {}
        self._parents: dict[tuple[AssetKey, str | None], list[tuple[AssetKey, str | None]]] = {}
        self._code: dict[AssetKey, str] = {}
        self._names: dict[AssetKey, str] = {}
        self._multi: dict[tuple[AssetKey, str | None, AssetKey], list[str]] = {}

    # --- reads (cached) ---
    def _parse(self, entry: Any) -> _Provenance:
        ev = entry.dagster_event
        ck = (entry.storage_id, ev.timestamp)
        p = self._parsed.get(ck)
        if p is None:
            p = self._parsed[ck] = _provenance(ev.materialization)
        return p

    def prefetch(self, keys: Iterable[AssetKey]) -> None:
        """Read the latest materializations of many keys in bulk (a status query for their
        storage ids, then only the events not parsed before)."""
        ks = [k for k in keys if (k, None) not in self._mats]
        if not ks:
            return
        ids: dict[AssetKey, tuple[int, float]] = {}
        get_status = getattr(self._instance, "get_status_by_asset_key", None)
        if get_status is not None:
            for k, rec in get_status(ks).items():
                sid = rec.last_materialization_storage_id
                if sid is not None:
                    ids[k] = (sid, rec.last_materialization_timestamp)
            parsed = self._parsed
            todo = []
            for k in ks:
                ck = ids.get(k)
                if ck is None:
                    self._mats[(k, None)] = None
                elif ck in parsed:
                    self._mats[(k, None)] = parsed[ck]
                else:
                    todo.append(k)
        else:
            todo = ks
        if todo:
            found = self._instance.get_latest_materialization_events(todo)
            for k in todo:
                entry = found.get(k)
                self._mats[(k, None)] = self._parse(entry) if entry is not None else None

    def _latest_mat(self, key: AssetKey, partition: str | None) -> _Provenance | None:
        ck = (key, partition)
        try:
            return self._mats[ck]
        except KeyError:
            pass
        entry: Any = (
            self._instance.get_latest_materialization_event(key)
            if partition is None
            else self._instance.get_latest_materialization_record(key, partition)
        )  # an EventLogEntry or an EventLogRecord: both have storage_id and dagster_event
        p = self._mats[ck] = self._parse(entry) if entry is not None else None
        return p

    def _current_data_version(self, key: AssetKey, partition: str | None) -> str | None:
        """The data version downstream assets would read now."""
        ck = (key, partition)
        try:
            return self._current_dv[ck]
        except KeyError:
            pass
        if self._is_materializable(key):
            mat = self._latest_mat(key, partition)
            v = mat[1] if mat is not None else None
        else:
            dv = self._instance.get_latest_data_version(key, partition)
            v = dv.value if dv is not None else None
        self._current_dv[ck] = v
        return v

    # --- public ---
    def get_status(self, key: AssetKey, partition_key: str | None = None) -> StaleStatus:
        """MISSING, STALE or FRESH for ``key`` (and one partition of it)."""
        ck = (key, partition_key)
        s = self._status.get(ck)
        if s is None:
            self._compute(key, partition_key)
            s = self._status[ck]
        return s

    def get_stale_causes(self, key: AssetKey, partition_key: str | None = None) -> list[StaleCause]:
        """Why ``key`` is stale (empty when fresh or missing)."""
        ck = (key, partition_key)
        if ck not in self._status:
            self._compute(key, partition_key)
        return list(self._causes.get(ck, []))

    def get_stale_root_causes(
        self, key: AssetKey, partition_key: str | None = None
    ) -> list[StaleCause]:
        """Causes with 'upstream is stale/missing' followed back to where staleness starts."""
        out: list[StaleCause] = []
        seen: set = set()
        stack = [(key, partition_key)]
        while stack:
            k, p = stack.pop()
            if (k, p) in seen:
                continue
            seen.add((k, p))
            for c in self.get_stale_causes(k, p):
                if (
                    c.category is StaleCauseCategory.DEPENDENCIES
                    and c.dependency is not None
                    and (c.reason.endswith(" is stale"))
                ):
                    stack.append((c.dependency, c.dependency_partition_key))
                elif c not in out:
                    out.append(c)
        return out

    def get_statuses(self, keys: Iterable[AssetKey]) -> dict[AssetKey, StaleStatus]:
        """Statuses of many keys (unpartitioned view), read in bulk."""
        ks = list(keys)
        graph = self._resolved.graph
        # Many small objects and no cycles: a collection pass would only rescan a large heap.
        with collector_paused():
            self.prefetch(graph.all_asset_keys)
            # Parents before children, so each asset is judged once, without the generic stack.
            status, by_key = self._status, self._by_key
            for k in graph.toposorted_keys():
                if (k, None) in status:
                    continue
                ad = by_key.get(k)
                if ad is None or ad.partitions_def is not None:
                    self._compute(k, None)
                else:
                    self._compute_one(k, None, self._parent_partitions(k, None))
            return {k: self.get_status(k) for k in ks}

    def stale_or_missing(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        """The subset of ``keys`` (unpartitioned view) that is STALE or MISSING."""
        return {k for k, s in self.get_statuses(keys).items() if s is not StaleStatus.FRESH}

    # --- computation ---
    def _is_materializable(self, key: AssetKey) -> bool:
        ad = self._by_key.get(key)
        return ad is not None and ad.is_materializable

    def _name(self, key: AssetKey) -> str:
        n = self._names.get(key)
        if n is None:
            n = self._names[key] = key.to_user_string()
        return n

    def _normalize(self, key: AssetKey, partition: str | None) -> tuple[AssetKey, str | None]:
        """A partitioned asset asked without a partition: its latest materialized partition."""
        if partition is None:
            ad = self._by_key.get(key)
            if ad is not None and ad.partitions_def is not None and ad.is_materializable:
                mat = self._latest_mat(key, None)
                if mat is not None and mat[3] is not None:
                    return key, mat[3]
        return key, partition

    def _compute(self, key: AssetKey, partition: str | None) -> None:
        # Iterative post-order over parents: no recursion limit on long chains.
        stack: list[tuple[AssetKey, str | None, bool]] = [(key, partition, False)]
        status = self._status
        while stack:
            k, p, ready = stack.pop()
            if (k, p) in status:
                continue
            nk, np_ = self._normalize(k, p)
            if (nk, np_) != (k, p):
                if (nk, np_) in status:
                    status[(k, p)] = status[(nk, np_)]
                    self._causes[(k, p)] = self._causes[(nk, np_)]
                else:
                    stack.append((k, p, False))
                    stack.append((nk, np_, False))
                continue
            parents = self._parent_partitions(k, p)
            if not ready:
                stack.append((k, p, True))
                for pk, pp in parents:
                    if (pk, pp) not in status:
                        stack.append((pk, pp, False))
                continue
            self._compute_one(k, p, parents)

    def _parent_partitions(
        self, key: AssetKey, partition: str | None
    ) -> list[tuple[AssetKey, str | None]]:
        """(parent, the one parent partition read) pairs; when a parent is read through several
        partitions, the pair carries None and the keys are kept in ``self._multi``."""
        ck = (key, partition)
        got = self._parents.get(ck)
        if got is not None:
            return got
        graph = self._resolved.graph
        out: list[tuple[AssetKey, str | None]] = []
        if key in graph:
            ad = self._by_key.get(key)
            parents = graph.parents(key)
            for parent in sorted(parents, key=lambda x: x.parts) if len(parents) > 1 else parents:
                keys = self._mapped_keys(ad, partition, parent)
                if keys is not None and len(keys) == 1:
                    out.append((parent, keys[0]))
                else:
                    if keys is not None:
                        self._multi[(key, partition, parent)] = keys
                    out.append((parent, None))
        self._parents[ck] = out
        return out

    def _mapped_keys(self, ad: Any, partition: str | None, parent: AssetKey) -> list[str] | None:
        """The parent partitions ``partition`` of ``ad`` reads (None: parent unpartitioned, or the
        mapping could not be evaluated)."""
        up = self._by_key.get(parent)
        up_pdef = getattr(up, "partitions_def", None)
        if up_pdef is None or ad is None:
            return None
        down_pdef = ad.partitions_def
        if down_pdef is not None and partition is None:
            return None
        if partition is not None and up_pdef == down_pdef and parent not in ad.partition_mappings:
            return [partition]
        from dagster_nb._partitions.mapping import infer_partition_mapping

        try:
            mapping = infer_partition_mapping(ad.partition_mappings.get(parent), down_pdef, up_pdef)
            return list(
                mapping.get_upstream_partition_keys(
                    [partition] if partition is not None else None,
                    down_pdef,
                    up_pdef,
                    current_time=self._current_time,
                    dynamic_partitions_store=self._instance,
                )
            )
        except Exception:  # an unmappable partition: compare with the latest of any
            return None

    def _parent_version(
        self, key: AssetKey, partition: str | None, parent: AssetKey, pp: str | None
    ) -> str | None:
        keys = self._multi.get((key, partition, parent))
        if keys is None:
            return self._current_data_version(parent, pp)
        return version_of_partitions(self._current_data_version, parent, keys)

    def _code_version(self, key: AssetKey, ad: Any) -> str:
        v = self._code.get(key)
        if v is None:
            v = self._code[key] = ad.effective_code_version(key)
        return v

    def _compute_one(
        self, key: AssetKey, partition: str | None, parents: list[tuple[AssetKey, str | None]]
    ) -> None:
        ck = (key, partition)
        ad = self._by_key.get(key)
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
        recorded_code, _, recorded_inputs, _ = mat
        causes: list[StaleCause] = []

        def cause(
            category: StaleCauseCategory,
            reason: str,
            dep: AssetKey | None = None,
            dep_partition: str | None = None,
        ) -> None:
            causes.append(
                StaleCause(
                    key=key,
                    partition_key=partition,
                    category=category,
                    reason=reason,
                    dependency=dep,
                    dependency_partition_key=dep_partition,
                )
            )

        if recorded_code is not None and recorded_code != self._code_version(key, ad):
            cause(StaleCauseCategory.CODE, "code version changed")
        parent_names = set()
        status = self._status
        for pk, pp in parents:
            name = self._name(pk)
            parent_names.add(name)
            current = self._parent_version(key, partition, pk, pp)
            recorded = recorded_inputs.get(name)
            ps = status.get((pk, pp))
            if current == recorded and current is not None and ps is StaleStatus.FRESH:
                continue  # the common case: nothing changed upstream
            if current is not None and recorded is None:
                # Either a dependency added since, or an upstream that had no version then.
                cause(
                    StaleCauseCategory.DEPENDENCIES,
                    f"new input {name} (not read by the last materialization)",
                    pk,
                    pp,
                )
            elif current is not None and recorded != current:
                cause(StaleCauseCategory.DATA, f"upstream {name} has new data", pk, pp)
            elif current is None and recorded is not None and self._is_materializable(pk):
                cause(StaleCauseCategory.DATA, f"upstream {name} was wiped", pk, pp)
            if ps is StaleStatus.STALE:
                cause(StaleCauseCategory.DEPENDENCIES, _UPSTREAM_STALE.format(name), pk, pp)
            elif ps is StaleStatus.MISSING and self._is_materializable(pk):
                cause(StaleCauseCategory.DEPENDENCIES, _UPSTREAM_MISSING.format(name), pk, pp)
        for name in sorted(recorded_inputs.keys() - parent_names):
            cause(
                StaleCauseCategory.DEPENDENCIES,
                f"removed dependency on {name}",
                AssetKey.from_user_string(name),
            )
        status[ck] = StaleStatus.STALE if causes else StaleStatus.FRESH
        self._causes[ck] = causes
