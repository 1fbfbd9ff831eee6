"""The automation-condition evaluator: ``evaluate_automation_conditions``, as Dagster's.

    import dagster_nb as dg

    AC = dg.AutomationCondition

    @dg.asset(automation_condition=AC.eager())
    def orders(): ...

    instance = dg.DagsterInstance.ephemeral()
    result = dg.evaluate_automation_conditions(defs=[orders], instance=instance)
    result = dg.evaluate_automation_conditions(defs=[orders], instance=instance, cursor=result.cursor)
    result.total_requested, result.get_requested_partitions(dg.AssetKey("orders"))

The evaluator is a pure function of (definitions, instance state, evaluation time, cursor): it
reads what it needs from the instance once per call (statuses in bulk, the materializations
since the previous call, the runs in progress), walks each asset's condition tree in
topological order and returns the requested partitions and a new cursor. It launches nothing;
the tick loop does that with the result.

Subsets are frozensets of partition keys; an unpartitioned asset's full subset is
``frozenset({None})``. The node semantics are Dagster's (checked side by side in
tests/automation/test_evaluator_vs_dagster.py), including:

- ``And`` evaluates each operand over what the previous operands left true; leaves return
  nothing for an empty candidate set; ``Since`` and ``newly_true`` evaluate their operands over
  the full subset so no transition is missed, and keep state in the cursor.
- ``Since``: a partition turns true when the trigger fires and false when the reset fires; when
  both fire in one evaluation the reset wins unless both carry timestamps (cron ticks, updates,
  requests, not boolean combinations) and the trigger's is later.
- ``initial_evaluation`` is true the first time an asset is evaluated (or when it changes from
  unpartitioned to partitioned), so ``eager()`` / ``on_missing()`` do not request an asset that
  is missing at the very first evaluation, only one that becomes missing later.
- ``cron_tick_passed`` is true when a tick lies in (previous evaluation time, now]; the previous
  tick equal to the previous evaluation time counts, and the first evaluation is never true.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._automation import conditions as C
from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError
from dagster_nb._gc import collector_paused

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "AssetDaemonCursor",
    "AutomationResult",
    "EntitySubset",
    "EvaluateAutomationConditionsResult",
    "evaluate_automation_conditions",
]

_EMPTY: frozenset = frozenset()
_ONE: frozenset = frozenset((None,))
_IN_PROGRESS = ("NOT_STARTED", "QUEUED", "STARTING", "STARTED")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class EntitySubset:
    """The partitions of one asset a condition is true for (Dagster's ``EntitySubset``).

    >>> s = EntitySubset(AssetKey("a"), frozenset({"2024-01-01"}))
    >>> s.size, s.is_empty
    (1, False)
    """

    key: AssetKey
    value: frozenset

    @property
    def size(self) -> int:
        return len(self.value)

    @property
    def is_empty(self) -> bool:
        return not self.value

    def expensively_compute_partition_keys(self) -> set[str | None]:
        return set(self.value)

    def __repr__(self) -> str:
        keys = sorted(self.value, key=lambda k: "" if k is None else k)
        return f"EntitySubset(key={self.key.to_user_string()!r}, partitions={keys!r})"


@dataclass(frozen=True, slots=True, eq=False)
class AutomationResult:
    """One node's evaluation: the condition, its candidates, where it was true, its children.

    ``true_subset`` / ``candidate_subset`` are :class:`EntitySubset`; ``child_results`` follow
    ``condition.children`` (a dependency node has one child per dependency).
    """

    condition: Any
    key: AssetKey
    candidate_subset: EntitySubset
    true_subset: EntitySubset
    child_results: tuple[AutomationResult, ...] = ()
    dep_key: AssetKey | None = None

    @property
    def asset_key(self) -> AssetKey:
        return self.key

    def to_tree(self) -> dict[str, Any]:
        """The node and its children as plain JSON (label, name, true/candidate counts, partitions)."""
        c = self.condition
        return {
            "name": c.name,
            "label": c.get_label(),
            "description": c.description,
            "entity": (self.dep_key or self.key).to_user_string(),
            "true": self.true_subset.size,
            "candidates": self.candidate_subset.size,
            "partitions": sorted(p for p in self.true_subset.value if p is not None),
            "children": [r.to_tree() for r in self.child_results],
        }


@dataclass(frozen=True, slots=True)
class _KeyState:
    """What one asset's evaluation leaves for the next: requested subset, the partitioning kind,
    the evaluation time and the last event id it saw, and each stateful node's memory."""

    requested: frozenset
    kind: str
    timestamp: float
    last_event_id: int
    nodes: Mapping[str, tuple]  # node id -> (true subset, extra)


@dataclass(frozen=True, slots=True)
class AssetDaemonCursor:
    """The evaluator's memory between calls (Dagster's name). Pass ``result.cursor`` back in;
    ``to_json`` / ``from_json`` store it (ticks keep it in the instance).

    >>> AssetDaemonCursor.empty().evaluation_id
    0
    """

    evaluation_id: int = 0
    states: Mapping[AssetKey, _KeyState] = field(default_factory=dict)

    @staticmethod
    def empty() -> AssetDaemonCursor:
        return AssetDaemonCursor()

    def to_json(self) -> str:
        def sub(s: frozenset) -> list:
            return sorted(s, key=lambda k: "" if k is None else k)

        def extra(v: Any) -> Any:
            if isinstance(v, frozenset):
                return {"subset": sub(v)}
            if isinstance(v, dict):
                return {"map": {("" if k is None else "=" + k): t for k, t in v.items()}}
            return v

        return json.dumps(
            {
                "evaluation_id": self.evaluation_id,
                "states": {
                    k.to_user_string(): {
                        "requested": sub(s.requested),
                        "kind": s.kind,
                        "timestamp": s.timestamp,
                        "last_event_id": s.last_event_id,
                        "nodes": {n: [sub(t), extra(x)] for n, (t, x) in s.nodes.items()},
                    }
                    for k, s in self.states.items()
                },
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> AssetDaemonCursor:
        raw = json.loads(text)

        def extra(v: Any) -> Any:
            if isinstance(v, dict) and "subset" in v:
                return frozenset(v["subset"])
            if isinstance(v, dict) and "map" in v:
                return {(None if k == "" else k[1:]): t for k, t in v["map"].items()}
            return v

        states = {
            AssetKey.from_user_string(k): _KeyState(
                requested=frozenset(s["requested"]),
                kind=s["kind"],
                timestamp=s["timestamp"],
                last_event_id=s["last_event_id"],
                nodes={n: (frozenset(t), extra(x)) for n, (t, x) in s["nodes"].items()},
            )
            for k, s in raw["states"].items()
        }
        return AssetDaemonCursor(evaluation_id=raw["evaluation_id"], states=states)


class EvaluateAutomationConditionsResult:
    """Returned by :func:`evaluate_automation_conditions` (Dagster's name and accessors).

    ``results`` holds one :class:`AutomationResult` per evaluated asset (its whole tree);
    ``cursor`` goes into the next call.
    """

    def __init__(
        self, cursor: AssetDaemonCursor, results: Sequence[Any], evaluation_time: _dt.datetime
    ):
        self.cursor = cursor
        self.evaluation_time = evaluation_time
        # The walk's nodes; AutomationResult records are built on first access (most callers
        # only ask what was requested).
        self._nodes = list(results)
        self._results: list[AutomationResult] | None = None
        self._requested = {n[1]: n[_TRUE] for n in self._nodes}

    @property
    def results(self) -> list[AutomationResult]:
        """One :class:`AutomationResult` per evaluated asset, with its whole condition tree."""
        if self._results is None:
            self._results = [_to_result(n) for n in self._nodes]
        return self._results

    @property
    def total_requested(self) -> int:
        """The number of asset partitions requested by this evaluation."""
        return sum(len(t) for t in self._requested.values())

    def get_requested_partitions(self, asset_key: Any) -> set[str | None]:
        """The partition keys requested for ``asset_key`` ({None} for an unpartitioned asset)."""
        return set(self._requested.get(AssetKey.from_coercible(asset_key), ()))

    def get_num_requested(self, asset_key: Any) -> int:
        return len(self.get_requested_partitions(asset_key))

    @property
    def requested_subsets(self) -> list[EntitySubset]:
        return [EntitySubset(k, t) for k, t in self._requested.items() if t]

    def get_result(self, asset_key: Any) -> AutomationResult | None:
        """The condition tree evaluated for ``asset_key`` (None when it was not evaluated)."""
        key = AssetKey.from_coercible(asset_key)
        return next((r for r in self.results if r.key == key), None)

    def __repr__(self) -> str:
        return f"EvaluateAutomationConditionsResult(total_requested={self.total_requested})"


# --------------------------------------------------------------------------- the instance, read once


class _Facts:
    """What the evaluation needs from the instance, read lazily and at most once per call."""

    def __init__(self, instance: DagsterInstance, graph: Any, now: _dt.datetime):
        self.instance = instance
        self.graph = graph
        self.now = now
        self._status: dict[AssetKey, Any] | None = None
        self._materialized: dict[AssetKey, frozenset] = {}
        self._pstatus: dict[AssetKey, dict[str, str]] = {}
        self._full: dict[AssetKey, frozenset] = {}
        self._latest: dict[tuple, frozenset] = {}
        self._updates: dict[int, dict[AssetKey, dict]] = {}
        self._in_progress: tuple[dict, dict] | None = None
        self._runs: dict[str, Any] = {}

    @property
    def status(self) -> dict[AssetKey, Any]:
        if self._status is None:
            self._status = self.instance.get_status_by_asset_key(list(self.graph.all_asset_keys))
        return self._status

    def max_event_id(self) -> int:
        best = 0
        for r in self.status.values():
            for i in (
                r.last_materialization_storage_id,
                r.last_observation_storage_id,
                r.last_planned_storage_id,
                r.last_failed_storage_id,
            ):
                if i is not None and i > best:
                    best = i
        return best

    def pdef(self, key: AssetKey) -> Any:
        return self.graph.get(key).partitions_def

    def full(self, key: AssetKey) -> frozenset:
        got = self._full.get(key)
        if got is None:
            pd = self.pdef(key)
            if pd is None:
                got = _ONE
            else:
                got = frozenset(
                    pd.get_partition_keys(
                        current_time=self.now, dynamic_partitions_store=self.instance
                    )
                )
            self._full[key] = got
        return got

    def materialized(self, key: AssetKey) -> frozenset:
        got = self._materialized.get(key)
        if got is None:
            if self.pdef(key) is None:
                r = self.status.get(key)
                done = r is not None and (
                    r.last_materialization_storage_id is not None
                    or (
                        not self.graph.get(key).is_materializable
                        and r.last_observation_storage_id is not None
                    )
                )
                got = _ONE if done else _EMPTY
            else:
                got = frozenset(self.instance.get_materialized_partitions(key))
            self._materialized[key] = got
        return got

    def partition_statuses(self, key: AssetKey) -> dict[str, str]:
        got = self._pstatus.get(key)
        if got is None:
            got = self._pstatus[key] = self.instance.get_asset_partition_statuses(key)
        return got

    def failed(self, key: AssetKey) -> frozenset:
        if self.pdef(key) is None:
            r = self.status.get(key)
            return _ONE if r is not None and r.status == "FAILED" else _EMPTY
        return frozenset(p for p, s in self.partition_statuses(key).items() if s == "FAILED")

    def latest_window(self, key: AssetKey, lookback: _dt.timedelta | None) -> frozenset:
        pd = self.pdef(key)
        if pd is None:
            return _ONE
        from dagster_nb._partitions.multi import MultiPartitionsDefinition
        from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

        multi_time = isinstance(pd, MultiPartitionsDefinition) and pd.has_time_window_dimension
        if not isinstance(pd, TimeWindowPartitionsDefinition) and not multi_time:
            return self.full(key)
        cache_key = (key, lookback)
        got = self._latest.get(cache_key)
        if got is None:
            if multi_time:
                # The keys whose time dimension lies in the latest time window (Dagster's rule).
                dim = pd.time_window_dimension
                times = self._latest_time_keys(dim.partitions_def, lookback)
                got = frozenset(k for k in self.full(key) if k.keys_by_dimension[dim.name] in times)
            else:
                got = self._latest_time_keys(pd, lookback)
            self._latest[cache_key] = got
        return got

    def _latest_time_keys(self, pd: Any, lookback: _dt.timedelta | None) -> frozenset:
        last = pd.get_last_partition_window(current_time=self.now)
        if last is None:
            return _EMPTY
        if lookback is None:
            return frozenset((pd.get_partition_keys_in_time_window(last)[-1],))
        start = last.end - lookback
        return frozenset(
            k
            for k in pd.get_partition_keys(current_time=self.now)
            if pd.end_time_for_partition_key(k) > start
        )

    def updates_since(self, last_id: int) -> dict[AssetKey, dict]:
        """Per asset key: partition -> (latest timestamp, run id) of materializations (and, for
        non-materializable assets, observations) stored after ``last_id``."""
        got = self._updates.get(last_id)
        if got is not None:
            return got
        got = {}
        if self.max_event_id() > last_id:
            from dagster_nb._events import DagsterEventType
            from dagster_nb._storage.queries import EventRecordsFilter

            for t in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION):
                recs = self.instance.get_event_records(
                    EventRecordsFilter(event_type=t, after_cursor=last_id), ascending=True
                )
                for rec in recs:
                    key = rec.asset_key
                    if key is None or key not in self.graph:
                        continue
                    if (
                        t is DagsterEventType.ASSET_OBSERVATION
                        and self.graph.get(key).is_materializable
                    ):
                        continue
                    got.setdefault(key, {})[rec.partition_key] = (rec.timestamp, rec.run_id)
        self._updates[last_id] = got
        return got

    def in_progress(self) -> tuple[dict, dict]:
        """(runs, backfill runs) in progress: asset key -> partitions they target."""
        if self._in_progress is None:
            from dagster_nb._storage.queries import RunsFilter
            from dagster_nb._storage.records import DagsterRunStatus

            runs: dict[AssetKey, set] = {}
            backfills: dict[AssetKey, set] = {}
            statuses = [s for s in DagsterRunStatus if s.value in _IN_PROGRESS]
            for run in self.instance.get_runs(filters=RunsFilter(statuses=tuple(statuses))):
                target = backfills if "dagster/backfill" in run.tags else runs
                keys = run.asset_selection
                if keys is None:
                    continue
                part = run.tags.get("dagster/partition")
                for k in keys:
                    if k not in self.graph:
                        continue
                    parts = target.setdefault(k, set())
                    if self.pdef(k) is None:
                        parts.add(None)
                    elif part is not None:
                        parts.add(part)
                    else:
                        parts.update(self.full(k))
            self._in_progress = (runs, backfills)
        return self._in_progress

    def run(self, run_id: str | None) -> Any:
        if run_id is None:
            return None
        if run_id not in self._runs:
            self._runs[run_id] = self.instance.get_run_by_id(run_id)
        return self._runs[run_id]

    def latest_run_ids(self, key: AssetKey, parts: frozenset) -> dict:
        """partition -> run id of its latest materialization (or planned run)."""
        if self.pdef(key) is None:
            r = self.status.get(key)
            if r is None:
                return {}
            ids = [
                (r.last_planned_storage_id or -1, r.last_planned_run_id),
                (r.last_materialization_storage_id or -1, r.last_materialization_run_id),
            ]
            return {None: max(ids, key=lambda t: t[0])[1]}
        out = {}
        for p in parts:
            recs = self.instance.fetch_materializations(_records_filter(key, p), limit=1).records
            if recs:
                out[p] = recs[0].run_id
        return out


def _records_filter(key: AssetKey, partition: str) -> Any:
    from dagster_nb._storage.queries import AssetRecordsFilter

    return AssetRecordsFilter(asset_key=key, asset_partitions=(partition,))


# --------------------------------------------------------------------------- evaluation


# A node's evaluation while walking is a plain tuple (cheapest to build; tens of thousands per
# call): (condition, key, candidates, true, timing, children, dependency key). ``timing`` maps
# partition -> timestamp for conditions that carry one (used by Since); ``condition`` is
# the operand for a dependency's node (dependency key set), made into an EntityMatchesCondition
# on demand.
_TRUE = 3
_TIMING = 4


def _to_result(n: tuple) -> AutomationResult:
    cond, k, cand, true, _timing, kids, dep = n
    if dep is not None:  # a dependency's node holds its operand
        cond = C.EntityMatchesCondition(key=dep, operand=n[0])
    if kids is None:  # an empty subtree, not kept (see _bare): rebuilt as it was, all empty
        children = (
            (_empty_result(n[0], dep),)
            if dep is not None
            else tuple(_empty_result(ch, k) for ch in cond.children)
        )
    else:
        children = tuple(_to_result(c) for c in kids)
    return AutomationResult(
        condition=cond,
        key=k,
        candidate_subset=EntitySubset(k, cand),
        true_subset=EntitySubset(k, true),
        child_results=children,
        dep_key=dep,
    )


def _empty_result(cond: Any, key: AssetKey) -> AutomationResult:
    empty = EntitySubset(key, _EMPTY)
    # A dependency node in an empty subtree had no dependencies (it would have kept its
    # children otherwise): no children, as evaluated.
    kids = () if _D.get(type(cond)) in _DEPS_NODES else cond.children
    return AutomationResult(
        condition=cond,
        key=key,
        candidate_subset=empty,
        true_subset=empty,
        child_results=tuple(_empty_result(ch, key) for ch in kids),
    )


class _Evaluation:
    """One call: shared facts, the previous cursor, what has been requested so far."""

    def __init__(
        self,
        graph,
        facts: _Facts,
        cursor: AssetDaemonCursor,
        now: _dt.datetime,
        downstream_conditions: Mapping[AssetKey, tuple] | None,
    ):
        self.graph = graph
        self.facts = facts
        self.prev = cursor.states
        self.evaluation_id = cursor.evaluation_id + 1
        self.now = now
        self.now_ts = now.timestamp()
        self.requested: dict[AssetKey, frozenset] = {}
        self.downstream_conditions = downstream_conditions
        self.max_event_id = facts.max_event_id()
        # Captured once: another thread evaluating another graph may swap the module's memo.
        self.sorted_parents = _graph_memo(graph, "sorted_parents")
        self.downstream_memo = _graph_memo(graph, "downstream_conditions")

    # --- per root asset
    def evaluate_key(self, key: AssetKey, condition: Any) -> tuple[tuple, _KeyState]:
        self.root = key
        prev = self.prev.get(key)
        kind = _kind(self.facts.pdef(key))
        if prev is not None and prev.kind != kind:
            prev = None  # partitioning changed: start afresh, as Dagster does
        self.prev_state = prev
        self.prev_nodes = prev.nodes if prev is not None else {}
        self.new_nodes: dict[str, tuple] = {}
        full = self.facts.full(key)
        node = _D[type(condition)](self, condition, key, full, "r")
        requested = _meet(node[_TRUE], full)
        node = (*node[:_TRUE], requested, *node[_TRUE + 1 :])
        self.requested[key] = requested
        state = _KeyState(
            requested=requested,
            kind=kind,
            timestamp=self.now_ts,
            last_event_id=self.max_event_id,
            nodes=self.new_nodes,
        )
        return node, state

    def eval(self, cond: Any, key: AssetKey, cand: frozenset, path: str) -> tuple:
        return _D[type(cond)](self, cond, key, cand, path)

    # --- mapping partitions between an asset and a dependency
    def map_subset(
        self, subset: frozenset, from_key: AssetKey, to_key: AssetKey, up: bool
    ) -> frozenset:
        if not subset:
            return _EMPTY
        fpd, tpd = self.facts.pdef(from_key), self.facts.pdef(to_key)
        if fpd is None and tpd is None:
            return subset
        if tpd is None:
            return _ONE
        if fpd is None:
            return self.facts.full(to_key)
        if fpd == tpd and (
            up
            and self._mapping(from_key, to_key) is None
            or not up
            and self._mapping(to_key, from_key) is None
        ):
            return subset & self.facts.full(to_key)
        from dagster_nb._partitions.mapping.multi import infer_partition_mapping

        if up:  # from child to parent
            m = infer_partition_mapping(self._mapping(from_key, to_key), fpd, tpd)
            keys = m.get_upstream_partition_keys(
                sorted(subset),
                fpd,
                tpd,
                current_time=self.now,
                dynamic_partitions_store=self.facts.instance,
            )
        else:  # from parent to child
            m = infer_partition_mapping(self._mapping(to_key, from_key), tpd, fpd)
            keys = m.get_downstream_partition_keys(
                sorted(subset),
                fpd,
                tpd,
                current_time=self.now,
                dynamic_partitions_store=self.facts.instance,
            )
        return frozenset(keys) & self.facts.full(to_key)

    def _mapping(self, child: AssetKey, parent: AssetKey) -> Any:
        return self.graph.get(child).partition_mappings.get(parent)

    def node_state(self, path: str) -> tuple | None:
        return self.prev_nodes.get(path)


def _kind(pd: Any) -> str:
    return "unpartitioned" if pd is None else type(pd).__name__


# --- operators


# Subset algebra that returns an operand (or the shared empty set) when the result equals it:
# the walk keeps every node's subsets in the result tree, and on the first evaluation of a
# large graph most are empty or the whole of an unpartitioned asset; sharing them keeps ~30,000
# short-lived sets per 1,000 assets out of the cyclic collector's young generation (measured in
# bench/RESULTS.md, "Automation").
def _meet(a: frozenset, b: frozenset) -> frozenset:
    if not a or not b:
        return _EMPTY
    if a is b:
        return a
    r = a & b
    return a if len(r) == len(a) else (b if len(r) == len(b) else r or _EMPTY)


def _join(a: frozenset, b: frozenset) -> frozenset:
    if not b or a is b:
        return a
    if not a:
        return b
    r = a | b
    return a if len(r) == len(a) else (b if len(r) == len(b) else r)


def _minus(a: frozenset, b: frozenset) -> frozenset:
    if not a or not b:
        return a
    r = a - b
    return a if len(r) == len(a) else (r or _EMPTY)


def _canon(a: frozenset) -> frozenset:
    if not a:
        return _EMPTY
    return _ONE if len(a) == 1 and None in a else a


def _bare(kids: list) -> bool:
    """True when every child is empty (no candidates, nothing true) and keeps no children: the
    node's subtree is then dropped from the result and rebuilt on demand (``_to_result``), so
    the many empty subtrees of a large evaluation are not kept for the cyclic collector."""
    for k in kids:
        if k[2] or k[3] or k[5]:
            return False
    return True


def _and(ev: _Evaluation, c, key, cand, path) -> tuple:
    true = cand
    kids = []
    D = _D
    for i, op in enumerate(c.operands):
        r = D[type(op)](ev, op, key, true, f"{path}.{i}")
        kids.append(r)
        true = _meet(true, r[3])
    if not cand and _bare(kids):
        return (c, key, cand, true, None, None, None)
    return (c, key, cand, true, None, kids, None)


def _or(ev: _Evaluation, c, key, cand, path) -> tuple:
    true = _EMPTY
    kids = []
    D = _D
    for i, op in enumerate(c.operands):
        r = D[type(op)](ev, op, key, cand, f"{path}.{i}")
        kids.append(r)
        true = _join(true, r[3])
    if not cand and not true and _bare(kids):
        return (c, key, cand, true, None, None, None)
    return (c, key, cand, true, None, kids, None)


def _not(ev: _Evaluation, c, key, cand, path) -> tuple:
    r = _D[type(c.operand)](ev, c.operand, key, cand, path + ".0")
    if not cand and not r[3] and not r[2] and not r[5]:
        return (c, key, cand, cand, None, None, None)
    return (c, key, cand, _minus(cand, r[3]), None, [r], None)


def _newly_true(ev: _Evaluation, c, key, cand, path) -> tuple:
    # Stable id: the operand over the full subset, whatever narrowed the candidates above.
    nid = f"{path}~{key.to_user_string()}"
    r = _D[type(c.operand)](ev, c.operand, key, ev.facts.full(key), path + ".0")
    prev = ev.node_state(nid)
    prev_true = prev[1] if prev is not None else _EMPTY
    ev.new_nodes[nid] = (_EMPTY, r[3])
    return (c, key, cand, _meet(cand, _minus(r[3], prev_true)), None, [r], None)


def _since(ev: _Evaluation, c, key, cand, path) -> tuple:
    nid = f"{path}~{key.to_user_string()}"
    full = ev.facts.full(key)
    trig = _D[type(c.trigger_condition)](ev, c.trigger_condition, key, full, path + ".0")
    reset = _D[type(c.reset_condition)](ev, c.reset_condition, key, full, path + ".1")
    prev = ev.node_state(nid)
    true = prev[0] if prev is not None else _EMPTY
    true = _minus(_join(true, trig[3]), reset[3])
    both = trig[3] & reset[3]
    if both and trig[4] and reset[4]:
        rt = reset[4]
        true = true | frozenset(p for p in both if trig[4].get(p, -1.0) > rt.get(p, -1.0))
    ev.new_nodes[nid] = (true, None)
    return (c, key, cand, true, trig[4], [trig, reset], None)


def _dep_keys(ev: _Evaluation, c, key) -> list[AssetKey]:
    if c.allow_selection is None and c.ignore_selection is None:
        got = ev.sorted_parents.get(key)
        if got is None:
            got = ev.sorted_parents[key] = sorted(ev.graph.get(key).parent_keys, key=_parts)
        return got
    deps = set(ev.graph.get(key).parent_keys)
    if c.allow_selection is not None:
        deps &= _resolve(c.allow_selection, ev.graph)
    if c.ignore_selection is not None:
        deps -= _resolve(c.ignore_selection, ev.graph)
    return sorted(deps, key=_parts)


def _parts(k: AssetKey) -> tuple[str, ...]:
    return k.parts


def _resolve(selection: Any, graph: Any) -> set[AssetKey]:
    from dagster_nb._selection.asset_selection import AssetSelection

    return AssetSelection.from_coercible(selection).resolve(graph, allow_missing=True)


def _entity(ev: _Evaluation, operand, key, dep, cand, path) -> tuple:
    up = dep in ev.graph.get(key).parent_keys or dep == key
    dep_cand = ev.map_subset(cand, key, dep, up=up) if dep != key else cand
    r = _D[type(operand)](ev, operand, dep, dep_cand, path)
    true = ev.map_subset(r[3], dep, key, up=not up) if dep != key else r[3]
    true = _canon(true)
    timing: dict[Any, float] | None = None
    if r[4]:
        timing = {}
        for p, ts in r[4].items():
            for q in ev.map_subset(frozenset((p,)), dep, key, up=not up) if dep != key else (p,):
                if ts > timing.get(q, -1.0):
                    timing[q] = ts
    if not cand and not true and not r[2] and not r[3] and not r[5]:
        return (operand, key, cand, true, None, None, dep)
    return (operand, key, cand, true, timing, [r], dep)


def _any_deps(ev: _Evaluation, c, key, cand, path) -> tuple:
    true = _EMPTY
    kids = []
    timing: dict[Any, float] = {}
    for dep in _dep_keys(ev, c, key):
        r = _entity(ev, c.operand, key, dep, cand, f"{path}/{dep.to_user_string()}")
        kids.append(r)
        true = _join(true, r[3])
        if r[4]:
            for p, ts in r[4].items():
                if ts > timing.get(p, -1.0):
                    timing[p] = ts
    return (c, key, cand, _meet(cand, true), timing or None, kids, None)


def _all_deps(ev: _Evaluation, c, key, cand, path) -> tuple:
    true = cand
    kids = []
    for dep in _dep_keys(ev, c, key):
        r = _entity(ev, c.operand, key, dep, cand, f"{path}/{dep.to_user_string()}")
        kids.append(r)
        true = _meet(true, r[3])
    return (c, key, cand, true, None, kids, None)


def _entity_matches(ev: _Evaluation, c, key, cand, path) -> tuple:
    if c.key not in ev.graph:
        raise DagsterInvalidDefinitionError(
            f"asset_matches names {c.key.to_user_string()!r}, which is not in these definitions."
        )
    return _entity(ev, c.operand, key, c.key, cand, path + ".0")


def _any_downstream(ev: _Evaluation, c, key, cand, path) -> tuple:
    memo = ev.downstream_memo
    conds = memo.get(key)
    if conds is None:  # computed on first use: most graphs never ask
        conds = memo[key] = _downstream_conditions(ev.graph, [key])[key]
    true = _EMPTY
    kids = []
    for i, dc in enumerate(conds):
        r = _D[type(dc)](ev, dc, key, cand, f"{path}.{i}")
        kids.append(r)
        true = true | r[3]
    return (c, key, cand, cand & true, None, kids, None)


# --- leaves


def _missing(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, _minus(cand, ev.facts.materialized(key)), None, (), None)


def _run_in_progress(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, cand & frozenset(ev.facts.in_progress()[0].get(key, ())), None, (), None)


def _backfill_in_progress(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, cand & frozenset(ev.facts.in_progress()[1].get(key, ())), None, (), None)


def _failed(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, cand & ev.facts.failed(key), None, (), None)


def _newly_updated(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    prev = ev.prev_state
    if prev is None:
        return (c, key, cand, _EMPTY, None, (), None)
    ups = ev.facts.updates_since(prev.last_event_id).get(key)
    if not ups:
        return (c, key, cand, _EMPTY, None, (), None)
    parts = frozenset(ups) & ev.facts.full(key)
    return (c, key, cand, parts, {p: ups[p][0] for p in parts}, (), None)


def _newly_requested(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    prev = ev.prev.get(key)
    if prev is None or not prev.requested:
        return (c, key, cand, _EMPTY, None, (), None)
    # Its timestamp is the previous evaluation's (when the request was made).
    ts = ev.prev_state.timestamp if ev.prev_state is not None else prev.timestamp
    return (c, key, cand, prev.requested, dict.fromkeys(prev.requested, ts), (), None)


def _initial_evaluation(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, (cand if ev.prev_state is None else _EMPTY), None, (), None)


def _will_be_requested(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    got = ev.requested.get(key)
    if not got:
        return (c, key, cand, _EMPTY, None, (), None)
    node = ev.graph.get(key)
    root = ev.graph.get(ev.root)
    same_run = key == ev.root or (
        node.is_materializable and root.is_materializable and _same_partitioning(ev, key, ev.root)
    )
    return (c, key, cand, (got if same_run else _EMPTY), None, (), None)


def _same_partitioning(ev, a: AssetKey, b: AssetKey) -> bool:
    # Dagster's executable_in_same_run: one run covers both when they share a partitions def
    # (or both are unpartitioned).
    return ev.facts.pdef(a) == ev.facts.pdef(b)


def _executed_with_root(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    if key == ev.root:
        return (c, key, cand, _EMPTY, None, (), None)
    ups: Mapping[Any, Any] = {}
    if ev.prev_state is not None:
        ups = ev.facts.updates_since(ev.prev_state.last_event_id).get(key) or {}
    by_part = {p: ups[p][1] for p in cand if p in ups}
    rest = frozenset(p for p in cand if p not in by_part)
    if rest:
        by_part.update(ev.facts.latest_run_ids(key, rest))
    out = set()
    for p, run_id in by_part.items():
        if p not in cand:
            continue
        run = ev.facts.run(run_id)
        if run is not None and run.asset_selection and ev.root in run.asset_selection:
            out.add(p)
    return (c, key, cand, frozenset(out), None, (), None)


def _code_version_changed_node(ev: _Evaluation, c, key, cand, path) -> tuple:
    # Not a plain leaf: the cursor must be written even for an empty candidate set.
    nid = f"{path}#cv"
    current = ev.graph.get(key).code_version
    prev = ev.node_state(nid)
    ev.new_nodes[nid] = (_EMPTY, current)
    true = cand if prev is not None and prev[1] != current else _EMPTY
    return (c, key, cand, true, None, (), None)


def _data_version_changed(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    prev = ev.prev_state
    if prev is None:
        return (c, key, cand, _EMPTY, None, (), None)
    ups = ev.facts.updates_since(prev.last_event_id).get(key)
    if not ups:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, cand & frozenset(ups), None, (), None)


def _cron_tick_passed(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    prev = ev.prev_state
    if prev is None:
        return (c, key, cand, _EMPTY, None, (), None)
    tick = _previous_tick(c.cron_schedule, c.cron_timezone, ev.now_ts)
    if tick is None or tick < prev.timestamp:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, cand, {p: tick for p in cand}, (), None)


_TICKS: dict = {}


def _previous_tick(cron: str, tz: str, ts: float) -> float | None:
    from dagster_nb._partitions._cron import CronTicks

    ticks = _TICKS.get((cron, tz))
    if ticks is None:
        ticks = _TICKS[(cron, tz)] = CronTicks(cron, tz)
    try:
        return ticks.prev_le(ts).timestamp()
    except Exception:  # noqa: BLE001 - a schedule with no tick before ts
        return None


def _in_latest_time_window(ev, c, key, cand, path):
    if not cand:
        return (c, key, cand, _EMPTY, None, (), None)
    return (c, key, cand, ev.facts.latest_window(key, c.lookback_timedelta), None, (), None)


def _rule(ev: _Evaluation, c, key, cand, path) -> tuple:
    rule = c.rule
    from dagster_nb._automation.legacy_rules import evaluate_rule

    exact = evaluate_rule(ev, rule, key, cand, path + "#rule")
    if exact is not None:  # Dagster's legacy rule engine, ported (legacy_rules.py)
        return (c, key, cand, exact, None, (), None)
    is_root = not ev.graph.get(key).parent_keys
    inner = _RULE_CONDITIONS.get((rule, is_root))
    if inner is None:
        inner = _RULE_CONDITIONS[(rule, is_root)] = _rule_as_condition(rule, is_root)
    if inner is False:  # a rule whose inputs dagster_nb does not track: never true
        return (c, key, cand, _EMPTY, None, (), None)
    r = _D[type(inner)](ev, inner, key, cand, path + ".0")
    return (c, key, cand, cand & r[3], None, [r], None)


_RULE_CONDITIONS: dict = {}


def _rule_as_condition(rule: Any, is_root: bool) -> Any:
    """An ``AutoMaterializeRule`` as the declarative condition that decides like it: for the
    rules without a port of Dagster's legacy engine in ``legacy_rules.py`` (run and backfill in
    progress). Rules whose inputs are not tracked
    (legacy freshness, nonexistent mapped parents) are never true; the README says so.
    """
    from dagster_nb._automation import policies as P

    AC = C.AutomationCondition
    handled = AC.newly_requested() | AC.newly_updated()
    if isinstance(rule, P.MaterializeOnMissingRule):
        # Roots: missing and never requested since they went missing; others: missing when a
        # parent updates (Dagster's legacy rule checks non-roots only then).
        if is_root:
            return AC.missing() & (AC.missing().newly_true() | AC.initial_evaluation()).since(
                handled
            )
        return AC.missing() & AC.any_deps_match(AC.newly_updated() | AC.will_be_requested())
    if isinstance(rule, P.MaterializeOnParentUpdatedRule):
        return AC.any_deps_match(AC.newly_updated() | AC.will_be_requested())
    if isinstance(rule, P.MaterializeOnCronRule):
        fired = AC.cron_tick_passed(rule.cron_schedule, rule.timezone).since(AC.newly_requested())
        return fired if rule.all_partitions else fired & AC.in_latest_time_window()
    if isinstance(rule, P.SkipOnParentMissingRule):
        return AC.any_deps_missing()
    if isinstance(rule, P.SkipOnRunInProgressRule):
        return AC.run_in_progress()
    if isinstance(rule, P.SkipOnBackfillInProgressRule):
        return AC.backfill_in_progress()
    if isinstance(rule, P.SkipOnNotAllParentsUpdatedRule):
        return ~AC.all_deps_match(AC.newly_updated() | AC.will_be_requested())
    if isinstance(rule, P.SkipOnNotAllParentsUpdatedSinceCronRule):
        return ~AC.all_deps_updated_since_cron(rule.cron_schedule, rule.timezone)
    if isinstance(
        rule,
        (
            P.MaterializeOnRequiredForFreshnessRule,
            P.SkipOnParentOutdatedRule,
            P.SkipOnRequiredButNonexistentParentsRule,
        ),
    ):
        return False
    raise DagsterInvalidDefinitionError(
        f"Evaluating {type(rule).__name__} is not supported yet; use the AutomationCondition "
        "it stands for (dg.AutomationCondition.eager(), .on_cron(...)) instead."
    )


_D: dict = {
    C.AndAutomationCondition: _and,
    C.OrAutomationCondition: _or,
    C.NotAutomationCondition: _not,
    C.NewlyTrueCondition: _newly_true,
    C.SinceCondition: _since,
    C.AnyDepsCondition: _any_deps,
    C.AllDepsCondition: _all_deps,
    C.EntityMatchesCondition: _entity_matches,
    C.AnyDownstreamConditionsCondition: _any_downstream,
    C.MissingAutomationCondition: _missing,
    C.RunInProgressAutomationCondition: _run_in_progress,
    C.BackfillInProgressAutomationCondition: _backfill_in_progress,
    C.ExecutionFailedAutomationCondition: _failed,
    C.NewlyUpdatedCondition: _newly_updated,
    C.NewlyRequestedCondition: _newly_requested,
    C.InitialEvaluationCondition: _initial_evaluation,
    C.WillBeRequestedCondition: _will_be_requested,
    C.LatestRunExecutedWithRootTargetCondition: _executed_with_root,
    C.CodeVersionChangedCondition: _code_version_changed_node,
    C.DataVersionChangedCondition: _data_version_changed,
    C.CronTickPassedCondition: _cron_tick_passed,
    C.InLatestTimeWindowCondition: _in_latest_time_window,
    C.RuleCondition: _rule,
}
_DEPS_NODES = (_any_deps, _all_deps, _any_downstream, _entity_matches)


# --------------------------------------------------------------------------- entry point


def _graph_of(defs: Any) -> Any:
    from dagster_nb._definitions.definitions_class import Definitions

    if isinstance(defs, Definitions):
        return defs.resolve_asset_graph()
    if hasattr(defs, "resolve_asset_graph"):  # the kernel repository and its snapshots
        return defs.resolve_asset_graph()
    if isinstance(defs, Iterable) and not isinstance(defs, (str, bytes)):
        return Definitions(assets=list(defs)).resolve_asset_graph()
    raise DagsterInvalidDefinitionError(
        f"evaluate_automation_conditions takes defs=Definitions(...) or a list of assets, got "
        f"{type(defs).__name__}."
    )


def _downstream_conditions(graph: Any, keys: Iterable[AssetKey]) -> dict[AssetKey, tuple]:
    out: dict[AssetKey, tuple] = {}
    for key in keys:
        seen: list = []
        for d in sorted(graph.downstream([key], include_self=False), key=_parts):
            dc = graph.get(d).automation_condition
            if dc is not None and not _has_any_downstream(dc) and dc not in seen:
                seen.append(dc)
        out[key] = tuple(seen)
    return out


def _has_any_downstream(c: Any) -> bool:
    if c is None:
        return False
    memo = _COND_MEMO.get(id(c))
    if memo is None or memo[0] is not c:
        if len(_COND_MEMO) > 20000:
            _COND_MEMO.clear()
        memo = _COND_MEMO[id(c)] = (c, _walk_any_downstream(c))
    return memo[1]


# id(condition) -> (condition, has any_downstream_conditions); the condition is kept so its id
# cannot be reused while the entry lives.
_COND_MEMO: dict[int, tuple] = {}


def _walk_any_downstream(c: Any) -> bool:
    """Whether the tree holds any_downstream_conditions(); checks every node can be evaluated."""
    if type(c) not in _D:
        raise DagsterInvalidDefinitionError(
            f"Cannot evaluate automation condition {type(c).__name__}: custom condition classes "
            "are not supported yet. Build conditions from dg.AutomationCondition's methods and "
            "operators."
        )
    found = isinstance(c, C.AnyDownstreamConditionsCondition)
    for ch in c.children:
        found = _walk_any_downstream(ch) or found
    return found


_GRAPH_MEMO: list = [None, {}]


def _graph_memo(graph: Any, name: str) -> dict:
    """Per-graph caches that outlive one evaluation (the tick loop evaluates the same graph
    snapshot again and again); a new graph object starts afresh."""
    with _MEMO_LOCK:
        if _GRAPH_MEMO[0] is not graph:
            _GRAPH_MEMO[0], _GRAPH_MEMO[1] = graph, {}
        return _GRAPH_MEMO[1].setdefault(name, {})


_MEMO_LOCK = threading.Lock()


def evaluate_automation_conditions(
    defs: Any,
    instance: DagsterInstance,
    asset_selection: Any = None,
    evaluation_time: _dt.datetime | None = None,
    cursor: AssetDaemonCursor | None = None,
) -> EvaluateAutomationConditionsResult:
    """Evaluate the automation conditions of ``defs`` once, as Dagster's function of this name.

    Every asset with an ``automation_condition`` (or an ``auto_materialize_policy``, through its
    converted condition) in ``asset_selection`` (default: all) is evaluated in topological order
    against the instance's state at ``evaluation_time`` (default: now); the result's ``cursor``
    carries what the next call needs (newly-true transitions, ``since`` state, the previous
    evaluation time and event id). Nothing is launched.

    >>> import dagster_nb as dg
    >>> @dg.asset(automation_condition=dg.AutomationCondition.missing())
    ... def a(): ...
    >>> with dg.DagsterInstance.ephemeral() as instance:
    ...     dg.evaluate_automation_conditions(defs=[a], instance=instance).total_requested
    1
    """
    if instance is None:
        raise DagsterInvariantViolationError(
            "evaluate_automation_conditions needs instance=: dg.DagsterInstance.ephemeral() for "
            "a test, dg.DagsterInstance.get() for the persistent one."
        )
    if cursor is None:
        cursor = AssetDaemonCursor.empty()
    elif not isinstance(cursor, AssetDaemonCursor):
        raise DagsterInvalidDefinitionError(
            f"cursor= takes the .cursor of a previous result, got {type(cursor).__name__}."
        )
    now = _aware(evaluation_time)
    graph = _graph_of(defs)
    keys = [
        k
        for k in graph.toposorted_keys()
        if graph.get(k).automation_condition is not None and graph.get(k).is_materializable
    ]
    if asset_selection is not None:
        chosen = _resolve(asset_selection, graph)
        keys = [k for k in keys if k in chosen]
    return _evaluate(graph, instance, keys, now, cursor)


def _evaluate(
    graph: Any,
    instance: DagsterInstance,
    keys: Sequence[AssetKey],
    now: _dt.datetime,
    cursor: AssetDaemonCursor,
    default_condition: Any = None,
) -> EvaluateAutomationConditionsResult:
    facts = _Facts(instance, graph, now)
    ev = _Evaluation(graph, facts, cursor, now, None)
    nodes: list[tuple] = []
    states = dict(cursor.states)  # keys not evaluated now keep their state
    # The walk allocates tens of thousands of small acyclic tuples; with the cyclic collector
    # on, its passes over a large heap (a notebook's) took two thirds of the time. Nothing here
    # makes cycles, so it is paused for the walk only (and restored even on error).
    with collector_paused():
        for key in keys:
            cond = graph.get(key).automation_condition or default_condition
            try:
                node, state = ev.evaluate_key(key, cond)
            except KeyError as e:
                if isinstance(e.args[0], type):  # a node class the walk cannot dispatch
                    _walk_any_downstream(cond)  # raises the explanation
                raise
            nodes.append(node)
            states[key] = state
    for key in list(states):
        if key not in graph:
            continue
        if graph.get(key).automation_condition is None and default_condition is None:
            del states[key]  # its condition was removed: forget it, as Dagster
    new_cursor = AssetDaemonCursor(evaluation_id=ev.evaluation_id, states=states)
    return EvaluateAutomationConditionsResult(new_cursor, nodes, now)


def _aware(t: _dt.datetime | None) -> _dt.datetime:
    if t is None:
        return _dt.datetime.now(_dt.timezone.utc)
    if not isinstance(t, _dt.datetime):
        raise DagsterInvalidDefinitionError(
            f"evaluation_time takes a datetime.datetime, got {type(t).__name__}."
        )
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc)
