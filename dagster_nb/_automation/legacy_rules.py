"""Dagster's legacy ``AutoMaterializeRule`` engine, for the rules whose semantics need it.

``AutoMaterializePolicy.to_automation_condition()`` gives ``And(Or(materialize rules),
Not(Or(skip rules)), Not(discard))`` whose leaves are ``RuleCondition(rule)``; Dagster evaluates
each leaf with the rule's own ``evaluate_for_asset`` over a "legacy context" (what changed
since the previous tick, what was requested or discarded then, what the rule found true then).
The functions here are those rules over the evaluator's facts (one per rule, named after it),
with the same context pieces:

- *handled since the previous tick*: materialized since the previous evaluation, or requested
  or discarded by it;
- *parents updated*: a parent materialized since the previous evaluation (every
  materialization at the first), or requested by this one (and runnable in the same run);
- *updated after the child*: a parent's latest materialization is newer (storage id) than the
  child's;
- a rule's true subset is carried to the next evaluation unless handled or re-evaluated.

Pinned side by side in tests/automation/test_legacy_rules_vs_dagster.py. Each function returns
``(true subset, new node state)``; the node state is ``(subset, extra)`` as the evaluator keeps.
"""

from __future__ import annotations

from typing import Any

_EMPTY: frozenset = frozenset()
_ONE: frozenset = frozenset((None,))
_DISCARD_PATH = "r.2.0#rule"  # And(Or(m), Not(Or(s)), Not(discard)): the discard rule's node


def evaluate_rule(ev: Any, rule: Any, key: Any, cand: frozenset, nid: str) -> frozenset | None:
    """The rule's true subset (stored in the cursor under ``nid``), or None when the rule has
    no legacy implementation here (the caller evaluates its condition form)."""
    fn = _RULES.get(type(rule).__name__)
    if fn is None:
        return None
    prev = ev.node_state(nid)
    true, state = fn(ev, rule, key, cand, prev)
    ev.new_nodes[nid] = state
    return true & cand


# --------------------------------------------------------------------------- context pieces


def _prev_requested(ev: Any) -> frozenset:
    """Requested (or discarded by the rate limit) on the previous evaluation of the asset."""
    if ev.prev_state is None:
        return _EMPTY
    got = ev.prev_state.requested
    discarded = ev.prev_nodes.get(_DISCARD_PATH)
    if discarded is not None and discarded[1] == "discard":
        got = got | discarded[0]
    return got


def _materialized_since_prev(ev: Any, key: Any) -> frozenset:
    if ev.prev_state is None:
        return ev.facts.materialized(key)
    return frozenset(ev.facts.updates_since(ev.prev_state.last_event_id).get(key) or ())


def _handled_since_prev(ev: Any, key: Any) -> frozenset:
    return _materialized_since_prev(ev, key) | _prev_requested(ev)


def _parent_has_updated(ev: Any, key: Any) -> frozenset:
    """Partitions of ``key`` with a parent partition materialized since the previous
    evaluation (any materialization at the first)."""
    last = ev.prev_state.last_event_id if ev.prev_state is not None else 0
    ups = ev.facts.updates_since(last)
    out: frozenset = _EMPTY
    for parent in ev.graph.get(key).parent_keys:
        if parent == key:
            continue
        got = ups.get(parent)
        if got:
            out |= ev.map_subset(frozenset(got), parent, key, False)
    return out


def _parent_will_update(ev: Any, key: Any) -> frozenset:
    out: frozenset = _EMPTY
    for parent in ev.graph.get(key).parent_keys:
        if ev.facts.pdef(parent) != ev.facts.pdef(key):
            continue  # not runnable in the same run (Dagster's executable_in_same_run)
        got = ev.requested.get(parent)
        if got:
            out |= got & ev.facts.full(key)
    return out


def _parents_has_or_will_update(ev: Any, key: Any) -> frozenset:
    return _parent_has_updated(ev, key) | _parent_will_update(ev, key)


def _parent_partitions(ev: Any, key: Any, p: Any) -> list[tuple[Any, Any]]:
    out = []
    for parent in sorted(ev.graph.get(key).parent_keys, key=lambda k: k.parts):
        for pp in ev.map_subset(frozenset((p,)), key, parent, True):
            out.append((parent, pp))
    return out


def _latest_id(ev: Any, key: Any, p: Any) -> int | None:
    """Storage id of the latest materialization of (key, p) (observation for an asset that
    cannot be materialized)."""
    memo = ev.facts.__dict__.setdefault("_legacy_latest_ids", {})
    ck = (key, p)
    if ck in memo:
        return memo[ck]
    got = None
    if p is None:
        r = ev.facts.status.get(key)
        if r is not None:
            got = r.last_materialization_storage_id
            if got is None and not ev.graph.get(key).is_materializable:
                got = r.last_observation_storage_id
    else:
        from dagster_nb._storage.queries import AssetRecordsFilter

        recs = ev.facts.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=(p,)), limit=1
        ).records
        got = recs[0].storage_id if recs else None
    memo[ck] = got
    return got


def _updated_after_child(ev: Any, key: Any, p: Any, parents: list, ignore_self: bool) -> set:
    child = _latest_id(ev, key, p)
    out = set()
    for parent, pp in parents:
        if ignore_self and parent == key:
            continue
        pid = _latest_id(ev, parent, pp)
        if pid is not None and (child is None or pid > child):
            out.add((parent, pp))
    return out


def _will_update(ev: Any, parent: Any, pp: Any) -> bool:
    return pp in (ev.requested.get(parent) or _EMPTY)


def _not_updating_now(ev: Any, key: Any, parents: list) -> list:
    """Parents that this evaluation does not request in a run that could include ``key``."""
    return [
        (parent, pp)
        for parent, pp in parents
        if not _will_update(ev, parent, pp) or ev.facts.pdef(parent) != ev.facts.pdef(key)
    ]


def _candidates_not_evaluated_before(cand: frozenset, prev: tuple | None) -> frozenset:
    if prev is None or not isinstance(prev[1], frozenset):
        return cand
    return cand - prev[1]


def _carry(new: frozenset, prev: tuple | None, ignore: frozenset) -> frozenset:
    """Dagster's add_evaluation_data_from_previous_tick: this tick's findings, plus the previous
    tick's that were neither re-evaluated nor ignored."""
    before = prev[0] if prev is not None else _EMPTY
    return new | (before - new - ignore)


# --------------------------------------------------------------------------- the rules


def _materialize_on_missing(ev, rule, key, cand, prev):
    if not ev.graph.get(key).parent_keys:  # a root
        handled_before = prev[1] if prev is not None and isinstance(prev[1], frozenset) else None
        if handled_before is None:
            handled_before = ev.facts.materialized(key)
        handled = _materialized_since_prev(ev, key) | _prev_requested(ev) | handled_before
        true = cand - handled
        return true, (true, handled)
    # Non-roots: only when a parent updated (Dagster keeps this for speed), plus the latest
    # time partition when it appears.
    to_eval = cand & _parents_has_or_will_update(ev, key)
    pd = ev.facts.pdef(key)
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    if isinstance(pd, TimeWindowPartitionsDefinition):
        import datetime as dt

        last = pd.get_last_partition_key(current_time=ev.now)
        before = dt.datetime.fromtimestamp(
            ev.prev_state.timestamp if ev.prev_state is not None else 0, dt.timezone.utc
        )
        if last is not None and last != pd.get_last_partition_key(current_time=before):
            to_eval |= {last}
    done = ev.facts.materialized(key)
    prev_true = prev[0] if prev is not None else _EMPTY
    true = (frozenset(p for p in to_eval if p not in done) | prev_true) - _prev_requested(ev)
    return true, (true, None)


def _materialize_on_parent_updated(ev, rule, key, cand, prev):
    new = set()
    for p in _parents_has_or_will_update(ev, key):
        parents = _parent_partitions(ev, key, p)
        if _updated_after_child(ev, key, p, parents, ignore_self=True) or any(
            _will_update(ev, parent, pp) for parent, pp in parents
        ):
            new.add(p)
    true = _carry(frozenset(new), prev, _handled_since_prev(ev, key))
    return true, (true, None)


def _skip_findings(ev, key, cand, prev, waiting) -> tuple:
    to_eval = _candidates_not_evaluated_before(cand, prev) | (
        cand & _parents_has_or_will_update(ev, key)
    )
    new = frozenset(p for p in to_eval if waiting(p))
    true = _carry(new, prev, to_eval)
    return true, (true, cand)


def _skip_on_parent_missing(ev, rule, key, cand, prev):
    def waiting(p) -> bool:
        for parent, pp in _not_updating_now(ev, key, _parent_partitions(ev, key, p)):
            node = ev.graph.get(parent)
            if not (node.is_materializable or node.is_observable):
                continue
            if pp not in ev.facts.materialized(parent) and not _observed(ev, parent, pp):
                return True
        return False

    return _skip_findings(ev, key, cand, prev, waiting)


def _skip_on_parent_outdated(ev, rule, key, cand, prev):
    def waiting(p) -> bool:
        return any(
            _outdated_ancestors(ev, parent, pp)
            for parent, pp in _not_updating_now(ev, key, _parent_partitions(ev, key, p))
            if parent != key  # a self-dependency's history is not waited on
        )

    return _skip_findings(ev, key, cand, prev, waiting)


def _outdated_ancestors(ev: Any, key: Any, p: Any) -> frozenset:
    """Dagster's get_outdated_ancestors: the assets at the root of why (key, p) is outdated (a
    parent updated after it), searched upward through parents that are not."""
    memo = ev.facts.__dict__.setdefault("_legacy_outdated", {})
    ck = (key, p)
    got = memo.get(ck)
    if got is not None:
        return got
    out: set = set()
    if ev.graph.get(key).is_materializable:
        parents = [(k, pp) for k, pp in _parent_partitions(ev, key, p) if k != key]
        updated = _updated_after_child(ev, key, p, parents, ignore_self=True)
        if updated:
            out.add(key)
        for parent, pp in parents:
            if (parent, pp) not in updated:
                out |= _outdated_ancestors(ev, parent, pp)
    got = memo[ck] = frozenset(out)
    return got


def _observed(ev: Any, key: Any, p: Any) -> bool:
    if p is not None:
        return False
    r = ev.facts.status.get(key)
    return r is not None and r.last_observation_storage_id is not None


def _skip_on_not_all_parents_updated(ev, rule, key, cand, prev):
    parent_keys = set(ev.graph.get(key).parent_keys)
    will = _parent_will_update(ev, key)

    def waiting(p) -> bool:
        parents = _parent_partitions(ev, key, p)
        updated = _updated_after_child(ev, key, p, parents, ignore_self=False)
        if p in will:  # Dagster adds the child's own partitions that a parent run will update
            updated |= {(parent, pp) for parent, pp in parents if _will_update(ev, parent, pp)}
        if rule.require_update_for_all_parent_partitions:
            missing = {parent for parent, pp in set(parents) - updated}
        else:
            missing = parent_keys - {parent for parent, _ in updated}
        missing.discard(key)
        return bool(missing)

    return _skip_findings(ev, key, cand, prev, waiting)


def _materialize_on_cron(ev, rule, key, cand, prev):
    from dagster_nb._partitions._cron import CronTicks

    ticks = CronTicks(rule.cron_schedule, rule.timezone)
    first = prev is None or ev.prev_state is None
    if first:
        missed = [ticks.prev_le(ev.now_ts).timestamp()]
    else:
        missed = []
        tick = ticks.next_ge(ev.prev_state.timestamp)
        while tick.timestamp() <= ev.now_ts:
            missed.append(tick.timestamp())
            tick = ticks.after(tick)
    new = _cron_candidates(ev, rule, key, missed)
    if first and missed:
        new -= _updated_after(ev, key, missed[-1])
    before = prev[0] if prev is not None else _EMPTY
    true = new | (before - _handled_since_prev(ev, key))
    return true, (true, None)


def _cron_candidates(ev, rule, key, missed: list) -> frozenset:
    if not missed:
        return _EMPTY
    pd = ev.facts.pdef(key)
    if pd is None:
        return _ONE
    if rule.all_partitions:
        return ev.facts.full(key)
    from dagster_nb._partitions.multi import MultiPartitionsDefinition
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    multi_time = isinstance(pd, MultiPartitionsDefinition) and pd.has_time_window_dimension
    time_pd = pd.time_window_dimension.partitions_def if multi_time else pd
    if not isinstance(time_pd, TimeWindowPartitionsDefinition):
        last = pd.get_last_partition_key(
            current_time=ev.now, dynamic_partitions_store=ev.facts.instance
        )
        return frozenset((last,)) if last is not None else _EMPTY
    import datetime as dt

    times = set()
    for t in missed:
        last = time_pd.get_last_partition_key(
            current_time=dt.datetime.fromtimestamp(t, dt.timezone.utc)
        )
        if last is not None:
            times.add(last)
    if not multi_time:
        return frozenset(times)
    # a multi-partitioned asset: every key of each missed tick's time partition (Dagster's rule)
    name = pd.time_window_dimension.name
    return frozenset(k for k in ev.facts.full(key) if k.keys_by_dimension[name] in times)


def _updated_after(ev, key, ts: float) -> frozenset:
    """Partitions of ``key`` materialized after ``ts``."""
    from dagster_nb._storage.queries import AssetRecordsFilter

    recs = ev.facts.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, after_timestamp=ts), limit=1_000_000
    ).records
    return frozenset(r.partition_key for r in recs)


def _skip_on_not_all_parents_updated_since_cron(ev, rule, key, cand, prev):
    from dagster_nb._partitions._cron import CronTicks
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    ticks = CronTicks(rule.cron_schedule, rule.timezone)
    end = ticks.prev_le(ev.now_ts)
    start = ticks.before(end)
    prev_ts = ev.prev_state.timestamp if ev.prev_state is not None else None
    has_new_window = end.timestamp() > (prev_ts or 0)
    parents = sorted(ev.graph.get(key).parent_keys, key=lambda k: k.parts)
    updated: dict = {}  # non-time-window parent -> its partitions updated since the window's end
    for parent in parents:
        if not isinstance(ev.facts.pdef(parent), TimeWindowPartitionsDefinition):
            updated[parent] = _updated_after(ev, parent, end.timestamp())

    def parent_done(parent: Any, p: Any) -> bool:
        pd = ev.facts.pdef(parent)
        if isinstance(pd, TimeWindowPartitionsDefinition):
            from dagster_nb._partitions.time_window import TimeWindow

            need = pd.get_partition_keys_in_time_window(TimeWindow(start, end))
            done = ev.facts.materialized(parent)
            return all(k in done for k in need)
        if pd is None:
            missing = _ONE - updated[parent]
        else:
            missing = ev.map_subset(frozenset((p,)), key, parent, True) - updated[parent]
        return all(_will_update(ev, parent, pp) for pp in missing)

    if has_new_window:
        to_eval = cand
    else:
        to_eval = _candidates_not_evaluated_before(cand, prev) | (
            cand & _parents_has_or_will_update(ev, key)
        )
    all_updated = frozenset(p for p in to_eval if all(parent_done(q, p) for q in parents))
    if not has_new_window and prev is not None:
        before_cand = prev[1] if isinstance(prev[1], frozenset) else _EMPTY
        all_updated = (before_cand - prev[0]) | all_updated
    true = cand - all_updated
    return true, (true, cand)


def _discard_on_max_materializations_exceeded(ev, rule, key, cand, prev):
    keep = sorted(cand, key=lambda k: "" if k is None else k)[-rule.limit :] if rule.limit else []
    true = cand - frozenset(keep)
    return true, (true, "discard")


_RULES = {
    "MaterializeOnMissingRule": _materialize_on_missing,
    "MaterializeOnParentUpdatedRule": _materialize_on_parent_updated,
    "MaterializeOnCronRule": _materialize_on_cron,
    "SkipOnParentMissingRule": _skip_on_parent_missing,
    "SkipOnParentOutdatedRule": _skip_on_parent_outdated,
    "SkipOnNotAllParentsUpdatedRule": _skip_on_not_all_parents_updated,
    "SkipOnNotAllParentsUpdatedSinceCronRule": _skip_on_not_all_parents_updated_since_cron,
    "DiscardOnMaxMaterializationsExceededRule": _discard_on_max_materializations_exceeded,
}
