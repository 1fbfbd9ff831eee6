"""The one view model: (repository snapshot, instance statuses) -> plain JSON.

Every function here is pure with respect to its inputs (it reads the instance, never writes it)
and returns dicts of str / int / float / bool / None / lists, so the ipywidgets and the
JupyterLab extension render the same data. The shapes are documented in ``VIEWMODEL.md``.

    >>> vm = lineage_view_model(resolved, instance)          # doctest: +SKIP
    >>> [(n["key"], n["status"]) for n in vm["nodes"]]       # doctest: +SKIP
    [('orders', 'fresh'), ('revenue', 'stale')]
    >>> print(lineage_dot(vm))                               # doctest: +SKIP
    digraph lineage { ...

No IPython, ipywidgets or graphviz imports here.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

from dagster_nb._widgets.run_fold import _NOT_RUN_REASONS, RunFold, _key_str

__all__ = [
    "LINEAGE_SCHEMA",
    "STATUS_STYLES",
    "STATUSES",
    "asset_detail_view_model",
    "catalog_rows",
    "lineage_dot",
    "lineage_view_model",
    "metadata_to_view",
    "node_id",
    "partition_view_model",
    "run_history_view_model",
    "run_progress_view_model",
]

LINEAGE_SCHEMA = "dagster_nb.lineage/1"

#: Node statuses, in the order a legend lists them.
STATUSES = ("fresh", "stale", "missing", "running", "failed", "not_run", "source", "external")

#: status -> (fill, border, text) colours used by the DOT and by the front ends.
STATUS_STYLES: dict[str, dict[str, str]] = {
    "fresh": {"fill": "#dcfce7", "border": "#16a34a", "label": "fresh"},
    "stale": {"fill": "#fef3c7", "border": "#d97706", "label": "stale"},
    "missing": {"fill": "#f3f4f6", "border": "#9ca3af", "label": "missing"},
    "running": {"fill": "#dbeafe", "border": "#2563eb", "label": "running"},
    "failed": {"fill": "#fee2e2", "border": "#dc2626", "label": "failed"},
    # planned by the latest run and never started (an upstream step failed, or a Ctrl-C)
    "not_run": {"fill": "#f1f5f9", "border": "#64748b", "label": "not run"},
    "source": {"fill": "#ede9fe", "border": "#7c3aed", "label": "source"},
    "external": {"fill": "#f8fafc", "border": "#64748b", "label": "external"},
}

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def node_id(key: AssetKey | str) -> str:
    """The stable DOM / DOT id of an asset node: readable, unique, valid in SVG and CSS.

    >>> node_id("orders"), node_id("raw/orders")
    ('asset-orders', 'asset-raw_orders-19d587')
    """
    s = key.to_user_string() if isinstance(key, AssetKey) else str(key)
    safe = _ID_UNSAFE.sub("_", s)
    if safe != s or not s:
        safe += "-" + hashlib.sha1(s.encode()).hexdigest()[:6]
    return "asset-" + safe


# --------------------------------------------------------------------------- helpers


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so nothing non-JSON leaks into a view model."""
    return json.loads(json.dumps(value, default=str))


def metadata_to_view(metadata: Mapping[str, Any] | None) -> list[dict]:
    """Metadata values as ``[{"label", "type", "text", "value"}]`` (value JSON-able).

    >>> import dagster_nb as dg
    >>> metadata_to_view({"rows": dg.MetadataValue.int(3)})
    [{'label': 'rows', 'type': 'int', 'text': '3', 'value': 3}]
    """
    from dagster_nb._definitions.metadata import (
        MetadataValue,
        metadata_value_to_json,
        normalize_metadata_value,
    )
    from dagster_nb._errors import DagsterInvalidMetadata

    out = []
    for label, v in (metadata or {}).items():
        if not isinstance(v, MetadataValue):
            # Definition metadata keeps the user's raw values (as Dagster): show them typed.
            try:
                v = normalize_metadata_value(label, v)
            except DagsterInvalidMetadata:  # not normalizable: shown by its type name below
                pass
        if isinstance(v, MetadataValue):
            d = metadata_value_to_json(v)
            t = d.pop("type", type(v).__name__)
            value = d.pop("value", d or None)
        else:
            t, value = type(v).__name__, v
        value = _jsonable(value)
        if t in ("path", "text", "url", "md"):
            text = str(value)
        elif t in ("table_schema", "table") and isinstance(value, dict) and value.get("schema"):
            cols = value["schema"].get("columns", [])
            text = ", ".join(f"{c.get('name')}: {c.get('type')}" for c in cols)
            if t == "table":
                text = f"{len(value.get('records') or [])} records ({text})"
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, default=str)
        else:
            text = str(value)
        if len(text) > 500:
            text = text[:497] + "..."
        out.append({"label": str(label), "type": t, "text": text, "value": value})
    return out


def _partition_keys(pdef: Any, instance: DagsterInstance, current_time: Any) -> Sequence[str]:
    try:
        return pdef.get_partition_keys(current_time=current_time, dynamic_partitions_store=instance)
    except Exception:  # a dynamic def without a store, a bad window: draw it as empty
        return []


def _new_resolver(resolved: Any, instance: DagsterInstance) -> Any:
    from dagster_nb._execution.staleness import StalenessResolver

    return StalenessResolver(resolved, instance)


def _status_records(instance: DagsterInstance, keys: Sequence[AssetKey]) -> Mapping[AssetKey, Any]:
    if not keys:
        return {}
    return instance.get_status_by_asset_key(list(keys))


def _latest_is_failure(rec: Any) -> bool:
    if rec is None or rec.last_failed_storage_id is None:
        return False
    return rec.last_failed_storage_id > (rec.last_materialization_storage_id or -1)


#: ASSET_FAILED_TO_MATERIALIZE reasons (data["reason"]) of an asset whose step never ran.


def _failures_by_storage_id(
    instance: DagsterInstance, records: Mapping[AssetKey, Any], keys: Iterable[AssetKey]
) -> dict[AssetKey, dict]:
    """The latest failure of every key of ``keys`` whose latest event is one, in one read
    (by the storage ids the status records hold), so a graph with many failed or not-run
    nodes costs no more than one with a few. Keys it cannot find are left out (the caller
    looks them up one by one)."""
    ids = {}
    for k in keys:
        rec = records.get(k)
        if rec is not None and _latest_is_failure(rec):
            ids[rec.last_failed_storage_id] = k
    if not ids:
        return {}
    from dagster_nb._events import DagsterEventType
    from dagster_nb._storage.queries import EventRecordsFilter

    found = instance.get_event_records(
        EventRecordsFilter(
            event_type=DagsterEventType.ASSET_FAILED_TO_MATERIALIZE, storage_ids=tuple(ids)
        )
    )
    return {
        ids[r.storage_id]: _failure_view(r.event_log_entry.dagster_event)
        for r in found
        if r.storage_id in ids
    }


def _latest_failure(instance: DagsterInstance, key: AssetKey) -> dict | None:
    """``{"kind": "failed" | "not_run", "run_id", "timestamp", "step", "message"}`` of the
    latest ASSET_FAILED_TO_MATERIALIZE of ``key`` (one read; only for failed nodes)."""
    recs = instance.fetch_failed_materializations(key, limit=1).records
    if not recs:
        return None
    return _failure_view(recs[0].event_log_entry.dagster_event)


def _failure_view(ev: Any) -> dict:
    reason = (ev.data or {}).get("reason")
    if reason is None:  # stored before the reason was recorded: our own message says it
        reason = (
            "UPSTREAM_FAILED_TO_MATERIALIZE"
            if "an upstream step failed" in (ev.message or "")
            else "FAILED_TO_MATERIALIZE"
        )
    return {
        "kind": "not_run" if reason in _NOT_RUN_REASONS else "failed",
        "reason": reason,
        "run_id": ev.run_id,
        "timestamp": ev.timestamp,
        "step": ev.step_key,
        "message": ev.message,
    }


# --------------------------------------------------------------------------- asset checks
CHECK_STATUSES = ("passed", "failed", "warning", "not_evaluated")


def check_views(
    resolved: Any, instance: DagsterInstance, keys: Iterable[AssetKey]
) -> dict[AssetKey, dict]:
    """Per asset of ``keys`` with asset checks: ``{"total", "passed", "failed", "warning",
    "not_evaluated", "items"}`` from each check's latest evaluation (one storage read for
    all). A failed WARN check counts as ``warning``, a failed ERROR check as ``failed``."""
    specs = getattr(resolved, "check_specs_by_key", None) or {}
    if not specs:
        return {}
    kept = set(keys)
    wanted = sorted(
        (ck for ck in specs if ck.asset_key in kept), key=lambda c: (c.asset_key.parts, c.name)
    )
    if not wanted:
        return {}
    latest = instance.get_latest_asset_check_evaluation_records(wanted)
    out: dict[AssetKey, dict] = {}
    for ck in wanted:
        spec = specs[ck][1]
        rec = latest.get(ck)
        ev = (
            rec.event_log_entry.dagster_event.asset_check_evaluation_data
            if rec is not None
            else None
        )
        if ev is None:
            status = "not_evaluated"
        elif ev.passed:
            status = "passed"
        else:
            status = "warning" if ev.severity.value == "WARN" else "failed"
        summary = out.setdefault(
            ck.asset_key, {**dict.fromkeys(CHECK_STATUSES, 0), "total": 0, "items": []}
        )
        summary["total"] += 1
        summary[status] += 1
        summary["items"].append(
            {
                "name": ck.name,
                "status": status,
                "severity": ev.severity.value if ev is not None else None,
                "blocking": spec.blocking,
                "description": (
                    ev.description if ev is not None and ev.description else spec.description
                ),
                "timestamp": rec.timestamp if rec is not None else None,
                "run_id": rec.run_id if rec is not None else None,
                "metadata": metadata_to_view(ev.metadata) if ev is not None else [],
            }
        )
    return out


def check_summary_text(checks: Mapping[str, Any] | None) -> str:
    """``"2 passed, 1 failed"`` (zero counts left out; ``""`` for an asset without checks)."""
    if not checks:
        return ""
    names = {"not_evaluated": "not evaluated"}
    return ", ".join(f"{checks[s]} {names.get(s, s)}" for s in CHECK_STATUSES if checks[s])


# --------------------------------------------------------------------------- lineage
def lineage_view_model(
    resolved: Any,
    instance: DagsterInstance,
    *,
    selection_keys: Iterable[AssetKey] | None = None,
    running: Iterable[AssetKey] | None = None,
    failed: Iterable[AssetKey] | None = None,
    staleness: Any = None,
    current_time: Any = None,
    not_run: Iterable[AssetKey] | None = None,
) -> dict:
    """The lineage graph as JSON: ``{"schema", "nodes", "edges", "groups", "counts", ...}``.

    ``selection_keys`` limits the nodes (edges between kept nodes are kept). ``running`` /
    ``failed`` are keys a live run reports (they win over stored statuses), ``not_run`` keys a
    live run will not run (not shown running while the run goes); ``LiveRuns.statuses()`` gives
    all three. ``staleness`` is a
    :class:`StalenessResolver` to reuse (one is built otherwise).
    """
    graph = resolved.graph
    keys = list(graph.toposorted_keys())
    if selection_keys is not None:
        sel = set(selection_keys)
        keys = [k for k in keys if k in sel]
    running_set = set(running or ())
    failed_set = set(failed or ())
    not_run_set = set(not_run or ())
    resolver = staleness if staleness is not None else _new_resolver(resolved, instance)
    mat_keys = [k for k in keys if graph.get(k).is_materializable]
    resolver.prefetch(mat_keys)
    records = _status_records(instance, keys)
    checks = check_views(resolved, instance, keys)
    failures = _failures_by_storage_id(instance, records, keys)

    nodes = []
    check_counts = dict.fromkeys(CHECK_STATUSES, 0)
    for k in keys:
        n = _node_view(
            graph.get(k),
            resolved,
            instance,
            resolver,
            records.get(k),
            running_set,
            failed_set,
            current_time,
            failures,
            not_run_set,
        )
        c = n["checks"] = checks.get(k)
        if c is not None:
            for st in CHECK_STATUSES:
                check_counts[st] += c[st]
        nodes.append(n)
    kept = set(keys)
    edges = [
        {"source": _key_str(p), "target": _key_str(k)}
        for k in keys
        for p in sorted(graph.parents(k), key=lambda x: x.parts)
        if p in kept
    ]
    groups: dict[str, dict] = {}
    counts = dict.fromkeys(STATUSES, 0)
    for n in nodes:
        g = groups.setdefault(n["group"], {"name": n["group"], "keys": [], "counts": {}})
        g["keys"].append(n["key"])
        g["counts"][n["status"]] = g["counts"].get(n["status"], 0) + 1
        counts[n["status"]] += 1
    return {
        "schema": LINEAGE_SCHEMA,
        "nodes": nodes,
        "edges": edges,
        "groups": [groups[name] for name in sorted(groups)],
        "counts": counts,
        "check_counts": check_counts,
        "total_assets": len(graph),
        "selected": selection_keys is not None,
        "statuses": {s: dict(STATUS_STYLES[s]) for s in STATUSES},
    }


def _node_view(
    node: Any,
    resolved: Any,
    instance: DagsterInstance,
    resolver: Any,
    rec: Any,
    running: set,
    failed: set,
    current_time: Any,
    failures: Mapping[AssetKey, dict] | None = None,
    not_run: set | None = None,
) -> dict:
    from dagster_nb._execution.staleness import StaleStatus

    k = node.key
    causes: list[str] = []
    partitions = None
    failure = None
    if node.is_stub or (not node.is_materializable and not node.is_observable):
        status = "external"
    elif not node.is_materializable:
        status = "source"
    else:
        st = resolver.get_status(k)
        status = {StaleStatus.MISSING: "missing", StaleStatus.STALE: "stale"}.get(st, "fresh")
        if st is StaleStatus.STALE:
            causes = [c.reason for c in resolver.get_stale_causes(k)]
        if node.partitions_def is not None:
            partitions = _partition_counts(node.partitions_def, instance, k, current_time)
            if partitions["materialized"] == 0 and status == "fresh":
                status = "missing"
        if k in running:
            status = "running"
        elif k in failed:
            status = "failed"
        elif rec is not None and rec.status == "IN_PROGRESS" and not (not_run and k in not_run):
            status = "running"  # planned by a run not finished (this or another process)
        elif _latest_is_failure(rec) and node.partitions_def is None:
            failure = (failures or {}).get(k) or _latest_failure(instance, k)
            if failure is None or failure["kind"] == "failed":
                status = "failed"
            elif status == "missing":
                status = "not_run"  # never materialized, and the latest run did not reach it
    ad = resolved.assets_def_by_key.get(k)
    code_version = node.code_version
    if code_version is None and ad is not None and ad.is_materializable:
        try:
            code_version = ad.effective_code_version(k)
        except Exception:
            code_version = None
    last = None
    if rec is not None and rec.last_materialization_timestamp is not None:
        last = {
            "timestamp": rec.last_materialization_timestamp,
            "run_id": rec.last_materialization_run_id,
        }
    return {
        "id": node_id(k),
        "key": _key_str(k),
        "path": list(k.path),
        "label": k.path[-1],
        "prefix": "/".join(k.path[:-1]),
        "group": node.group_name,
        "kinds": sorted(node.kinds),
        "owners": list(node.owners),
        "tags": {str(a): str(b) for a, b in node.tags.items()},
        "status": status,
        "stale_causes": causes,
        "last_materialization": last,
        "partitioned": node.partitions_def is not None,
        "partitions": partitions,
        "description": node.description,
        "code_version": code_version,
        "is_materializable": node.is_materializable,
        "failure": failure,
    }


def _partition_counts(
    pdef: Any, instance: DagsterInstance, key: AssetKey, current_time: Any
) -> dict:
    try:
        total = pdef.get_num_partitions(
            current_time=current_time, dynamic_partitions_store=instance
        )
    except Exception:
        total = 0
    statuses = instance.get_asset_partition_statuses(key) if instance is not None else {}
    counts = {"MATERIALIZED": 0, "FAILED": 0, "IN_PROGRESS": 0}
    for s in statuses.values():
        if s in counts:
            counts[s] += 1
    return {
        "total": int(total),
        "materialized": counts["MATERIALIZED"],
        "failed": counts["FAILED"],
        "in_progress": counts["IN_PROGRESS"],
    }


def _esc(s: Any) -> str:
    # DOT HTML labels accept XML entities; keep labels ASCII so every dot build measures them.
    return html.escape(str(s), quote=True).encode("ascii", "xmlcharrefreplace").decode()


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


#: Longest name drawn in a node. One long name widens its node, and fitting the graph to the
#: view then shrinks every label to a few pixels; the full key is in the tooltip and the panel.
LABEL_MAX = 32


def _clip(text: str, limit: int = LABEL_MAX) -> str:
    """``text`` cut in the middle to at most ``limit`` characters (start and end kept)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return text[:head] + "\u2026" + text[len(text) - (limit - 1 - head) :]


def _node_label(n: Mapping[str, Any]) -> str:
    style = STATUS_STYLES[n["status"]]
    rows = []
    if n.get("prefix"):
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#6b7280">{_esc(_clip(n["prefix"] + "/"))}'
            "</FONT></TD></TR>"
        )
    rows.append(f'<TR><TD ALIGN="LEFT"><B>{_esc(_clip(n["label"]))}</B></TD></TR>')
    status_text = style["label"]
    p = n.get("partitions")
    if p:
        status_text += f" - {p['materialized']}/{p['total']} partitions"
    if n["status"] == "stale" and n.get("stale_causes"):
        cause = n["stale_causes"][0]
        if len(cause) > 34:
            cause = cause[:32] + ".."
        status_text += f": {cause}"
    rows.append(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{style["border"]}">'
        f"{_esc(status_text)}</FONT></TD></TR>"
    )
    checks = n.get("checks")
    if checks:
        bad = checks["failed"] or checks["warning"]
        color = "#dc2626" if checks["failed"] else ("#d97706" if checks["warning"] else "#15803d")
        mark = "&#10007;" if bad else "&#10003;"  # a cross / a tick
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{color}">{mark} '
            f"checks: {_esc(check_summary_text(checks))}</FONT></TD></TR>"
        )
    if n.get("kinds"):
        badges = "".join(
            f'<TD BGCOLOR="#e0e7ff" STYLE="rounded" CELLPADDING="2">'
            f'<FONT POINT-SIZE="8" COLOR="#3730a3"> {_esc(kind)} </FONT></TD>'
            for kind in n["kinds"][:4]
        )
        rows.append(
            '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" '
            f'CELLPADDING="0"><TR>{badges}</TR></TABLE></TD></TR>'
        )
    border_style = "rounded,dashed" if n["status"] in ("external", "not_run") else "rounded"
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" STYLE="{border_style}" '
        f'BGCOLOR="{style["fill"]}" COLOR="{style["border"]}">{"".join(rows)}</TABLE>>'
    )


def _check_class(n: Mapping[str, Any]) -> str:
    c = n.get("checks")
    if not c:
        return ""
    return " checks-failed" if c["failed"] else " checks-warning" if c["warning"] else ""


def lineage_dot(view_model: Mapping[str, Any], *, rankdir: str = "LR") -> str:
    """Graphviz DOT for a lineage view model.

    Groups become clusters; each node has ``id`` = :func:`node_id` and ``class`` =
    ``"dnb-asset status-<status>"`` so the rendered SVG ``<g>`` can be found and clicked;
    the fill colour follows :data:`STATUS_STYLES`. Output is deterministic.
    """
    lines = [
        "digraph lineage {",
        f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 nodesep=0.25 ranksep=0.5 '
        'bgcolor="white" id="dnb-lineage"];',
        '  node [shape=plain fontname="Helvetica" fontsize=12];',
        '  edge [color="#94a3b8" arrowsize=0.6];',
    ]
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for n in view_model["nodes"]:
        by_group.setdefault(n["group"], []).append(n)
    for gi, group in enumerate(sorted(by_group)):
        members = by_group[group]
        lines.append(f"  subgraph cluster_{gi} {{")
        lines.append(
            f"    graph [label={_dot_str(group)} id={_dot_str('group-' + _ID_UNSAFE.sub('_', group))} "
            'style="rounded,dashed" color="#cbd5e1" fontcolor="#475569" labeljust=l];'
        )
        for n in members:
            tooltip = n["key"] + (": " + n["description"] if n.get("description") else "")
            attrs = [
                f"id={_dot_str(n['id'])}",
                f"class={_dot_str('dnb-asset status-' + n['status'] + _check_class(n))}",
                f"label={_node_label(n)}",
                f"tooltip={_dot_str(tooltip[:200])}",
            ]
            lines.append(f"    {_dot_str(n['key'])} [{' '.join(attrs)}];")
        lines.append("  }")
    for e in view_model["edges"]:
        lines.append(f"  {_dot_str(e['source'])} -> {_dot_str(e['target'])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- detail
def asset_detail_view_model(
    resolved: Any,
    instance: DagsterInstance,
    key: AssetKey | str,
    *,
    history: int = 10,
    staleness: Any = None,
    current_time: Any = None,
) -> dict:
    """One asset in detail: the lineage node fields plus parents, children, metadata of the
    definition, the last materialization and ``history`` earlier ones (newest first) with their
    metadata. The value preview is added by the widget layer (it needs the IO manager).
    """
    k = AssetKey.from_user_string(key) if isinstance(key, str) else key
    graph = resolved.graph
    node = graph.get(k)
    resolver = staleness if staleness is not None else _new_resolver(resolved, instance)
    rec = _status_records(instance, [k]).get(k)
    base = _node_view(node, resolved, instance, resolver, rec, set(), set(), current_time)
    base["checks"] = check_views(resolved, instance, [k]).get(k)
    mats = []
    if node.is_materializable and history > 0:
        page = instance.fetch_materializations(k, limit=history)
        for r in page.records:
            ev = r.dagster_event
            m = ev.materialization
            mats.append(
                {
                    "timestamp": ev.timestamp,
                    "run_id": ev.run_id,
                    "partition": ev.partition,
                    "description": m.description if m is not None else None,
                    "metadata": metadata_to_view(m.metadata if m is not None else {}),
                }
            )
    root_causes: list[str] = []
    if base["status"] == "stale" and hasattr(resolver, "get_stale_root_causes"):
        root_causes = sorted({str(c) for c in resolver.get_stale_root_causes(k)})
    base.update(
        {
            "parents": sorted(_key_str(p) for p in node.parent_keys),
            "children": sorted(_key_str(c) for c in node.child_keys),
            "definition_metadata": metadata_to_view(node.metadata),
            "last_materialization": mats[0] if mats else base["last_materialization"],
            "history": mats,
            "stale_root_causes": root_causes,
            "partitions_def": _pdef_text(node.partitions_def),
        }
    )
    f = base.get("failure")
    if f is not None:
        f = dict(f)
        if f["kind"] == "failed":
            f["error"] = _step_error(instance, f["run_id"], f["step"])
        else:  # why it never ran: the upstream assets that failed in that run
            f["upstream_failed"] = sorted(
                _key_str(p)
                for p in node.parent_keys
                if (pf := _latest_failure(instance, p)) is not None
                and pf["run_id"] == f["run_id"]
                and pf["kind"] == "failed"
            )
        base["failure"] = f
    return base


def _pdef_text(pdef: Any) -> str | None:
    if pdef is None:
        return None
    from dagster_nb._partitions.describe import pdef_source

    return pdef_source(pdef)


def _user_frames(stack: Sequence[str]) -> list[str]:
    """Traceback entries outside the dagster_nb package: the user's own lines."""
    import os

    import dagster_nb

    root = os.path.dirname(os.path.abspath(dagster_nb.__file__)) + os.sep
    out = []
    for entry in stack:
        m = re.match(r'\s*File "([^"]+)"', entry)
        if m is not None and os.path.abspath(m.group(1)).startswith(root):
            continue
        out.append(entry.rstrip("\n"))
    return out


def _step_error(instance: DagsterInstance, run_id: str, step: str | None) -> dict | None:
    """The user's exception of a failed step: ``{"cls_name", "message", "frames"}`` (frames:
    the traceback entries of the user's code, ours left out)."""
    if not run_id or not step:
        return None
    from dagster_nb._events import DagsterEventType

    for entry in reversed(instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)):
        ev = entry.dagster_event
        if ev is None or ev.step_key != step or ev.error is None:
            continue
        err = ev.error
        while err.cause is not None:  # our wrapper -> the user's exception
            err = err.cause
        msg = str(err.message).strip()
        return {"cls_name": err.cls_name, "message": msg, "frames": _user_frames(err.stack or [])}
    return None


# --------------------------------------------------------------------------- partitions
_STATUS_OF = {"MATERIALIZED": "materialized", "FAILED": "failed", "IN_PROGRESS": "in_progress"}
PARTITION_STATUSES = ("materialized", "failed", "in_progress", "missing")


def _runs(keys: Sequence[str], statuses: Mapping[str, str]) -> tuple[list[dict], dict]:
    """Range-compress ``keys`` by status; keys absent from ``statuses`` are "missing"."""
    from itertools import groupby

    out: list[dict] = []
    counts = dict.fromkeys(PARTITION_STATUSES, 0)
    # The per-key work stays in C (map / groupby / list); Python runs once per range. (It used
    # to pause the cyclic GC here; measured, that saved nothing: 100,000 keys in 100,000 ranges
    # take ~70 ms either way, and a pure view model must not change process-wide GC state.)
    i = 0
    for status, grp in groupby(map(statuses.get, keys)):
        n = len(list(grp))
        out.append(_run(keys, i, i + n - 1, status))
        i += n
    for r in out:
        counts[r["status"]] += r["count"]
    return out, counts


def _run(keys: Sequence[str], a: int, b: int, status: str | None) -> dict:
    st = _STATUS_OF.get(status, "missing") if status is not None else "missing"
    return {
        "start": str(keys[a]),
        "end": str(keys[b]),
        "start_index": a,
        "end_index": b,
        "count": b - a + 1,
        "status": st,
    }


def _dim_kind(pdef: Any) -> str:
    from dagster_nb._partitions.dynamic import DynamicPartitionsDefinition
    from dagster_nb._partitions.static import StaticPartitionsDefinition
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    if isinstance(pdef, TimeWindowPartitionsDefinition):
        return "time"
    if isinstance(pdef, DynamicPartitionsDefinition):
        return "dynamic"
    if isinstance(pdef, StaticPartitionsDefinition):
        return "static"
    return "other"


def _describe(pdef: Any, n: int) -> str:
    from dagster_nb._partitions.static import StaticPartitionsDefinition

    if isinstance(pdef, StaticPartitionsDefinition) and n > 20:
        keys = pdef.get_partition_keys()
        return f"Static: {keys[0]!r}, {keys[1]!r}, ... {keys[-1]!r} ({n:,} partitions)"
    return str(pdef)


def partition_view_model(
    partitions_def: Any,
    statuses: Mapping[str, str],
    *,
    current_time: Any = None,
    dynamic_partitions_store: Any = None,
    max_keys: int = 2000,
) -> dict:
    """Partition statuses, range-compressed.

    ``statuses`` maps partition key -> ``"MATERIALIZED"`` | ``"FAILED"`` | ``"IN_PROGRESS"``
    (as :meth:`DagsterInstance.get_asset_partition_statuses` returns); other keys are missing.
    1-D definitions give ``ranges`` (runs of ``{start, end, start_index, end_index, count,
    status}``); a :class:`MultiPartitionsDefinition` gives a ``grid``: one row per key of the
    secondary dimension, each with ranges along the primary (time, if any) dimension. ``keys``
    is included when there are at most ``max_keys`` (so a front end can label single cells).
    """
    from dagster_nb._partitions.multi import MultiPartitionsDefinition

    if isinstance(partitions_def, MultiPartitionsDefinition):
        return _multi_view(
            partitions_def, statuses, current_time, dynamic_partitions_store, max_keys
        )
    keys = partitions_def.get_partition_keys(
        current_time=current_time, dynamic_partitions_store=dynamic_partitions_store
    )
    ranges, counts = _runs(keys, statuses)
    vm: dict[str, Any] = {
        "kind": _dim_kind(partitions_def),
        "dimensions": 1,
        "description": _describe(partitions_def, len(keys)),
        "total": len(keys),
        "counts": counts,
        "ranges": ranges,
        "keys": [str(k) for k in keys] if len(keys) <= max_keys else None,
    }
    if vm["kind"] == "time":
        fmt = getattr(partitions_def, "fmt", None)
        vm["fmt"] = fmt
        vm["cron_schedule"] = getattr(partitions_def, "cron_schedule", None)
        st = getattr(partitions_def, "schedule_type", None)
        vm["schedule_type"] = st.value if st is not None else None
    return vm


def _multi_view(
    pdef: Any, statuses: Mapping[str, str], current_time: Any, store: Any, max_keys: int
) -> dict:
    dims = list(pdef.partitions_defs)  # ordered by name; keys are "<dim0>|<dim1>"
    names = [d.name for d in dims]
    dim_keys = [
        [
            str(k)
            for k in d.partitions_def.get_partition_keys(
                current_time=current_time, dynamic_partitions_store=store
            )
        ]
        for d in dims
    ]
    # The primary axis (columns) is the time dimension when there is one, else dimension 0.
    kinds = [_dim_kind(d.partitions_def) for d in dims]
    col = kinds.index("time") if "time" in kinds else 0
    row = 1 - col
    cols, rows_keys = dim_keys[col], dim_keys[row]
    counts = dict.fromkeys(PARTITION_STATUSES, 0)
    rows = []
    for rk in rows_keys:
        if col == 0:
            full = [c + "|" + rk for c in cols]
        else:
            full = [rk + "|" + c for c in cols]
        ranges, rc = _runs(full, statuses)
        for r in ranges:  # ranges along the column axis: name them by the column key
            r["start"] = cols[r["start_index"]]
            r["end"] = cols[r["end_index"]]
        for s, c in rc.items():
            counts[s] += c
        rows.append({"key": rk, "ranges": ranges, "counts": rc})
    return {
        "kind": "multi",
        "dimensions": 2,
        "description": _describe(pdef, len(cols) * len(rows_keys)),
        "total": len(cols) * len(rows_keys),
        "counts": counts,
        "column_dimension": {
            "name": names[col],
            "kind": kinds[col],
            "total": len(cols),
            "keys": cols if len(cols) <= max_keys else None,
        },
        "row_dimension": {
            "name": names[row],
            "kind": kinds[row],
            "total": len(rows_keys),
            "keys": rows_keys,
        },
        "dimension_names": names,
        "grid": rows,
    }


def multi_partition_key(view_model: Mapping[str, Any], row_key: str, column_key: str) -> str:
    """The partition key string of a grid cell of a multi-partition view model."""
    names = view_model["dimension_names"]
    by_name = {
        view_model["row_dimension"]["name"]: row_key,
        view_model["column_dimension"]["name"]: column_key,
    }
    return "|".join(by_name[n] for n in names)


# --------------------------------------------------------------------------- runs


def run_progress_view_model(events: Iterable[Any], *, now: float | None = None) -> dict:
    """A live run as rows, one per asset (or per step without an asset).

    Each row: ``{"key", "step", "status", "start_time", "end_time", "duration",
    "partitions": {"done", "failed", "total"} | None, "error"}`` with status one of
    planned / running / success / failed / skipped. ``now`` (a timestamp) fills ``elapsed``
    for running rows. Events of several runs (a backfill): ``runs`` lists every run and each
    row adds up its asset over them (partitions done / total, durations); ``run`` is the last.
    """
    evs = list(events)
    by_run: dict[Any, list] = {}
    for e in evs:
        by_run.setdefault(e.run_id or None, []).append(e)
    if len(by_run) <= 1:
        run_id = next(iter(by_run), None)
        run, rows = _one_run_progress(evs, run_id, now)
        runs = [run] if run_id is not None else []
    else:
        parts = [_one_run_progress(run_evs, rid, now) for rid, run_evs in by_run.items()]
        runs = [p[0] for p in parts]
        run = runs[-1]
        rows = _merge_rows([p[1] for p in parts])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"run": run, "runs": runs, "rows": rows, "counts": counts}


_ROW_RANK = {"running": 5, "failed": 4, "planned": 3, "success": 2, "skipped": 1}


def _merge_rows(per_run: list[list[dict]]) -> list[dict]:
    """One row per asset over several runs: the most pressing status (running, then failed,
    then planned), summed partitions and durations, the first error."""
    merged: dict[str, dict] = {}
    for rows in per_run:
        for r in rows:
            m = merged.get(r["key"])
            if m is None:
                merged[r["key"]] = m = dict(r)
                m["partitions"] = dict(r["partitions"]) if r["partitions"] else None
                m["runs"] = 1
                continue
            m["runs"] += 1
            if _ROW_RANK.get(r["status"], 0) > _ROW_RANK.get(m["status"], 0):
                m["status"] = r["status"]
            if r["start_time"] is not None and (
                m["start_time"] is None or r["start_time"] < m["start_time"]
            ):
                m["start_time"] = r["start_time"]
            if r["end_time"] is not None and (
                m["end_time"] is None or r["end_time"] > m["end_time"]
            ):
                m["end_time"] = r["end_time"]
            if r["duration"] is not None:
                m["duration"] = (m["duration"] or 0.0) + r["duration"]
            if r["elapsed"] is not None:
                m["elapsed"] = r["elapsed"]
            if r["partitions"]:
                p = m["partitions"] or {"done": 0, "failed": 0, "total": 0}
                m["partitions"] = {
                    k: p[k] + r["partitions"][k] for k in ("done", "failed", "total")
                }
            m["error"] = m["error"] or r["error"]
    return list(merged.values())


def _one_run_progress(evs: list, run_id: Any, now: float | None) -> tuple[dict, list[dict]]:
    fold = RunFold(run_id)
    for e in evs:
        fold.add(e)
    run = dict(fold.run)
    run["duration"] = (
        run["end_time"] - run["start_time"]
        if run["end_time"] is not None and run["start_time"] is not None
        else None
    )
    partitions = sorted(
        {
            p
            for e in evs
            if e.event_type_value == "ASSET_MATERIALIZATION_PLANNED" and e.partition is not None
            for p in [e.partition]
        }
    )
    run["partition"] = (
        partitions[0]
        if len(partitions) == 1
        else f"{partitions[0]}...{partitions[-1]}"
        if partitions
        else None
    )
    return run, fold.rows(now)


def run_history_view_model(instance: DagsterInstance, limit: int = 20) -> dict:
    """Recent runs, newest first: ``{"runs": [{"run_id", "job_name", "status", "start_time",
    "end_time", "duration", "assets", "partition", "tags"}]}``."""
    out = []
    for rec in instance.get_run_records(limit=limit):
        run = rec.dagster_run
        start = rec.start_time if rec.start_time is not None else run.start_time
        end = rec.end_time if rec.end_time is not None else run.end_time
        tags = dict(run.tags)
        partition = tags.get("dagster/partition")
        if partition is None and "dagster/asset_partition_range_start" in tags:
            partition = (
                tags["dagster/asset_partition_range_start"]
                + "..."
                + tags.get("dagster/asset_partition_range_end", "")
            )
        out.append(
            {
                "run_id": run.run_id,
                "job_name": run.job_name,
                "status": str(run.status.value if hasattr(run.status, "value") else run.status),
                "start_time": start,
                "end_time": end,
                "duration": (end - start) if start is not None and end is not None else None,
                "assets": sorted(_key_str(k) for k in (run.asset_selection or ())),
                "partition": partition,
                "tags": {str(a): str(b) for a, b in tags.items()},
            }
        )
    return {"runs": out}


# --------------------------------------------------------------------------- catalog
def catalog_rows(
    resolved: Any,
    instance: DagsterInstance,
    staleness: Any = None,
    *,
    selection_keys: Iterable[AssetKey] | None = None,
) -> list[dict]:
    """Rows for ``%assets``: ``{"key", "group", "kinds", "status", "last_materialized",
    "last_run_id", "stale_causes", "partitions"}`` in topological order."""
    vm = lineage_view_model(resolved, instance, selection_keys=selection_keys, staleness=staleness)
    return [
        {
            "key": n["key"],
            "group": n["group"],
            "kinds": n["kinds"],
            "status": n["status"],
            "last_materialized": (n["last_materialization"] or {}).get("timestamp"),
            "last_run_id": (n["last_materialization"] or {}).get("run_id"),
            "stale_causes": n["stale_causes"],
            "partitions": n["partitions"],
            "description": n["description"],
            "checks": n["checks"],
        }
        for n in vm["nodes"]
    ]


# --------------------------------------------------------------------------- partition picker
def partition_picker(
    resolved: Any,
    instance: DagsterInstance,
    keys: Iterable[AssetKey],
    *,
    current_time: Any = None,
    max_keys: int = 2000,
) -> dict | None:
    """What the launch dialog of a partitioned run needs, for the assets ``keys`` one button
    runs: ``None`` when none of them is partitioned; ``{"error"}`` when they have several
    partitions definitions (they cannot run together); otherwise ``{"assets", "definition",
    "total", "first", "last", "keys", "missing", "default"}`` (``keys`` every key when at most
    ``max_keys``, ``missing`` the number not materialized for some of the assets, ``default``
    the newest key, always inside the definition)."""
    from dagster_nb._partitions.describe import pdef_source

    by_def: dict[str, tuple[Any, list[str]]] = {}
    for k in sorted(keys, key=lambda x: x.parts):
        ad = resolved.assets_def_by_key.get(k)
        pdef = ad.partitions_def if ad is not None and ad.is_materializable else None
        if pdef is not None:
            by_def.setdefault(pdef_source(pdef), (pdef, []))[1].append(_key_str(k))
    if not by_def:
        return None
    if len(by_def) > 1:
        return {
            "error": "These assets have different partitions definitions ("
            + "; ".join(f"{', '.join(v[1])}: {src}" for src, v in sorted(by_def.items()))
            + "), so one run cannot cover them. Materialize each asset on its own."
        }
    src, (pdef, assets) = next(iter(by_def.items()))
    all_keys = list(_partition_keys(pdef, instance, current_time))
    missing = missing_partitions(resolved, instance, assets, current_time=current_time)
    return {
        "assets": assets,
        "definition": src,
        "total": len(all_keys),
        "first": all_keys[0] if all_keys else None,
        "last": all_keys[-1] if all_keys else None,
        "keys": [str(x) for x in all_keys] if len(all_keys) <= max_keys else None,
        "missing": len(missing),
        "default": all_keys[-1] if all_keys else None,
    }


def missing_partitions(
    resolved: Any,
    instance: DagsterInstance,
    assets: Iterable[AssetKey | str],
    *,
    current_time: Any = None,
) -> list[str]:
    """Partition keys (in the definition's order) not materialized for at least one of
    ``assets`` (partitioned, one definition)."""
    keys = [AssetKey.from_user_string(a) if isinstance(a, str) else a for a in assets]
    pdef = next(resolved.assets_def_by_key[k].partitions_def for k in keys)
    done = None
    for k in keys:
        mat = {
            p for p, st in instance.get_asset_partition_statuses(k).items() if st == "MATERIALIZED"
        }
        done = mat if done is None else done & mat
    return [p for p in _partition_keys(pdef, instance, current_time) if p not in (done or set())]
