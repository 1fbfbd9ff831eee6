"""Rich HTML for notebook reprs and widget fallbacks: pure functions returning HTML strings.

Everything user-provided is escaped. The markup uses inline styles only (no external CSS), so
it renders the same in JupyterLab, VS Code, nbconvert and GitHub's notebook viewer.

    >>> import dagster_nb as dg
    >>> "Daily" in partitions_def_html(dg.DailyPartitionsDefinition("2024-01-01", end_date="2024-01-03"))
    True
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from collections.abc import Mapping, Sequence
from typing import Any

from dagster_nb._widgets.viewmodel import STATUS_STYLES

__all__ = [
    "asset_detail_html",
    "asset_selection_html",
    "catalog_html",
    "partition_strip_html",
    "partitions_def_html",
    "run_history_html",
    "run_html",
    "run_progress_html",
    "value_preview_html",
]

_TABLE = 'style="border-collapse:collapse;font-size:12px;font-family:sans-serif"'
_TH = 'style="text-align:left;padding:2px 8px;border-bottom:1px solid #cbd5e1"'
_TD = 'style="text-align:left;padding:2px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top"'

_RUN_COLORS = {
    "SUCCESS": "#16a34a",
    "FAILURE": "#dc2626",
    "CANCELED": "#64748b",
    "STARTED": "#2563eb",
    "success": "#16a34a",
    "failed": "#dc2626",
    "skipped": "#64748b",
    "running": "#2563eb",
    "planned": "#9ca3af",
    "NOT_STARTED": "#9ca3af",
    "QUEUED": "#9ca3af",
    "STARTING": "#2563eb",
}
_PART_COLORS = {
    "materialized": "#16a34a",
    "failed": "#dc2626",
    "in_progress": "#2563eb",
    "missing": "#e5e7eb",
}


def _e(s: Any) -> str:
    return _html.escape("" if s is None else str(s))


def _badge(text: str, color: str, fill: str | None = None) -> str:
    bg = fill or "transparent"  # readable on light and dark notebook themes
    return (
        f'<span style="display:inline-block;padding:0 6px;border-radius:8px;'
        f'border:1px solid {color};color:{color};background:{bg};font-size:11px">'
        f"{_e(text)}</span>"
    )


def _status_badge(status: str) -> str:
    st = STATUS_STYLES.get(status)
    if st is None:
        return _badge(status, _RUN_COLORS.get(status, "#475569"))
    return _badge(st["label"], st["border"], st["fill"])


def _ts(ts: float | None) -> str:
    if ts is None:
        return ""
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th {_TH}>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td {_TD}>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table {_TABLE}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- selection
def asset_selection_html(selection: Any, graph: Any = None, *, limit: int = 50) -> str:
    """A selection with its selection-syntax text and, given an ``AssetGraph`` (or anything with
    ``.graph``), the keys it resolves to (or the error resolving it)."""
    try:
        text = selection.to_selection_str()
    except Exception:
        text = repr(selection)
    out = [
        f'<div style="font-family:sans-serif;font-size:12px"><b>AssetSelection</b> '
        f"<code>{_e(text)}</code>"
    ]
    if graph is not None:
        g = getattr(graph, "graph", graph)
        try:
            keys = sorted(k.to_user_string() for k in selection.resolve(g))
        except Exception as e:  # show why it does not resolve, do not raise from a repr
            out.append(f'<div style="color:#dc2626">{_e(type(e).__name__)}: {_e(e)}</div>')
        else:
            shown = ", ".join(f"<code>{_e(k)}</code>" for k in keys[:limit])
            more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
            out.append(
                f"<div>resolves to {len(keys)} asset{'s' if len(keys) != 1 else ''}"
                f"{': ' + shown if keys else ''}{more}</div>"
            )
    out.append("</div>")
    return "".join(out)


# --------------------------------------------------------------------------- partitions
def partitions_def_html(
    partitions_def: Any, *, current_time: Any = None, dynamic_partitions_store: Any = None
) -> str:
    """A partitions definition: its kind, number of partitions, first and last keys, and for
    multi-partitions its dimensions."""
    from dagster_nb._partitions.multi import MultiPartitionsDefinition

    name = type(partitions_def).__name__
    rows: list[tuple[str, str]] = [("definition", f"<code>{_e(partitions_def)}</code>")]
    try:
        keys = partitions_def.get_partition_keys(
            current_time=current_time, dynamic_partitions_store=dynamic_partitions_store
        )
    except Exception as e:
        rows.append(("partitions", f'<span style="color:#dc2626">{_e(e)}</span>'))
        keys = None
    if keys is not None:
        rows.append(("partitions", f"{len(keys):,}"))
        if keys:
            first = ", ".join(_e(k) for k in keys[:3])
            last = ", ".join(_e(k) for k in keys[-3:]) if len(keys) > 3 else ""
            rows.append(
                ("keys", f"<code>{first}</code>" + (f" ... <code>{last}</code>" if last else ""))
            )
    if isinstance(partitions_def, MultiPartitionsDefinition):
        for d in partitions_def.partitions_defs:
            rows.append((f"dimension {_e(d.name)}", f"<code>{_e(d.partitions_def)}</code>"))
    for attr in ("cron_schedule", "timezone", "fmt"):
        v = getattr(partitions_def, attr, None)
        if isinstance(v, str) and v:
            rows.append((attr, f"<code>{_e(v)}</code>"))
    body = "".join(f"<tr><td {_TD}><b>{k}</b></td><td {_TD}>{v}</td></tr>" for k, v in rows)
    return f"<div><b>{_e(name)}</b><table {_TABLE}>{body}</table></div>"


def partition_strip_html(view_model: Mapping[str, Any], *, width: int = 600) -> str:
    """A static strip (1-D) or grid (multi) of a partition view model; segments are as wide as
    the number of partitions they cover."""

    def strip(ranges: Sequence[Mapping[str, Any]], total: int) -> str:
        cells = []
        for r in ranges:
            w = max(r["count"] / max(total, 1) * width, 1)
            title = _e(f"{r['start']} .. {r['end']}: {r['status']} ({r['count']})")
            cells.append(
                f'<div title="{title}" style="width:{w:.2f}px;height:14px;'
                f'background:{_PART_COLORS[r["status"]]}"></div>'
            )
        return f'<div style="display:flex;width:{width}px">{"".join(cells)}</div>'

    counts = view_model["counts"]
    summary = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in counts.items() if n)
    out = [
        f'<div style="font-family:sans-serif;font-size:12px">'
        f"{view_model['total']:,} partitions: {_e(summary)}"
    ]
    if view_model["dimensions"] == 1:
        out.append(strip(view_model["ranges"], view_model["total"]))
    else:
        total = view_model["column_dimension"]["total"]
        for row in view_model["grid"][:200]:
            out.append(
                f'<div style="display:flex;align-items:center"><span style="width:120px;'
                f'overflow:hidden">{_e(row["key"])}</span>{strip(row["ranges"], total)}</div>'
            )
    out.append("</div>")
    return "".join(out)


# --------------------------------------------------------------------------- runs
def run_html(run: Any) -> str:
    """A run: an ``ExecuteInProcessResult``, a ``DagsterRun`` / ``RunRecord``, or a row of
    :func:`run_history_view_model`. Results also get one row per asset."""
    from dagster_nb._widgets.viewmodel import run_progress_view_model

    if hasattr(run, "all_events"):
        vm = run_progress_view_model(run.all_events)
        return run_progress_html(vm)
    if hasattr(run, "dagster_run"):
        rec, run = run, run.dagster_run
        start, end = rec.start_time, rec.end_time
    elif isinstance(run, Mapping):
        return run_history_html({"runs": [run]})
    else:
        start, end = getattr(run, "start_time", None), getattr(run, "end_time", None)
    status = str(getattr(run.status, "value", run.status))
    assets = sorted(k.to_user_string() for k in (run.asset_selection or ()))
    return (
        f'<div style="font-family:sans-serif;font-size:12px"><b>Run</b> '
        f"<code>{_e(run.run_id[:8])}</code> {_badge(status, _RUN_COLORS.get(status, '#475569'))}"
        f" {_e(_dur(end - start) if start and end else '')}"
        f"<div>assets: {_e(', '.join(assets) or '-')}</div></div>"
    )


def run_progress_html(view_model: Mapping[str, Any]) -> str:
    """The table of a run progress view model."""
    run = view_model["run"]
    rows = []
    for r in view_model["rows"]:
        p = r.get("partitions")
        prog = (
            f"{p['done']}/{p['total']}" + (f" ({p['failed']} failed)" if p["failed"] else "")
            if p
            else ""
        )
        if r["status"] == "running":  # never "0 ms" for a step that has not finished
            el = r.get("elapsed")
            time_text = "running" if el is None or el < 1 else f"running {_dur(el)}"
        else:
            time_text = _dur(r["duration"])
        rows.append(
            [
                f"<code>{_e(r['key'])}</code>",
                _badge(r["status"], _RUN_COLORS.get(r["status"], "#475569")),
                _e(time_text),
                _e(prog),
                f'<span style="color:#dc2626">{_e(r["error"])}</span>' if r.get("error") else "",
            ]
        )
    status = run["status"]
    runs = view_model.get("runs") or []
    if len(runs) > 1:  # a backfill: every run, each with its partition
        counts: dict[str, int] = {}
        for x in runs:
            counts[x["status"]] = counts.get(x["status"], 0) + 1
        overall = next((s for s in ("STARTED", "FAILURE", "CANCELED") if counts.get(s)), "SUCCESS")
        total = sum(x["duration"] or 0.0 for x in runs)
        listing = _table(
            ["run", "status", "partition", "duration"],
            [
                [
                    f"<code>{_e((x['run_id'] or '')[:8])}</code>",
                    _badge(x["status"], _RUN_COLORS.get(x["status"], "#475569")),
                    _e(x.get("partition") or ""),
                    _e(_dur(x["duration"])),
                ]
                for x in runs
            ],
        )
        summary = ", ".join(f"{n} {s.lower()}" for s, n in counts.items())
        head = (
            f'<div style="font-family:sans-serif;font-size:12px;margin-bottom:4px"><b>{len(runs)} runs</b> '
            f"{_badge(overall, _RUN_COLORS.get(overall, '#475569'))} {_e(_dur(total))} "
            f"<span>{_e(summary)}</span><details><summary>runs</summary>{listing}</details></div>"
        )
    else:
        head = (
            f'<div style="font-family:sans-serif;font-size:12px;margin-bottom:4px"><b>Run</b> '
            f"<code>{_e((run['run_id'] or '')[:8])}</code> "
            f"{_badge(status, _RUN_COLORS.get(status, '#475569'))} {_e(_dur(run.get('duration')))}</div>"
        )
    table = _table(["asset", "status", "duration", "partitions", "error"], rows)
    # the same class as the live widget, so a finished run is found (and styled) the same way
    return f'<div class="dnb-runs dnb-runs-static">{head}{table}</div>'


def run_history_html(view_model: Mapping[str, Any]) -> str:
    """The table of a run history view model."""
    rows = []
    for r in view_model["runs"]:
        assets = r["assets"]
        shown = ", ".join(assets[:6]) + (f" +{len(assets) - 6}" if len(assets) > 6 else "")
        rows.append(
            [
                f"<code>{_e(r['run_id'][:8])}</code>",
                _badge(r["status"], _RUN_COLORS.get(r["status"], "#475569")),
                _e(_ts(r["start_time"])),
                _e(_dur(r["duration"])),
                _e(shown),
                _e(r.get("partition") or ""),
            ]
        )
    return _table(["run", "status", "started", "duration", "assets", "partition"], rows)


# --------------------------------------------------------------------------- assets
def catalog_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``%assets`` table from :func:`catalog_rows` (a checks column when an asset has
    asset checks)."""
    with_checks = any(r.get("checks") for r in rows)
    out = []
    for r in rows:
        p = r.get("partitions")
        if r["status"] == "undefined":  # after a restart: stored, no cell defined it yet
            status = _badge("not defined in this kernel yet", "#64748b")
        else:
            status = _status_badge(r["status"])
        if p:
            total = p["total"] if p["total"] is not None else "?"
            status += f' <span style="color:#64748b">{p["materialized"]}/{total}</span>'
        out.append(
            [
                f"<code>{_e(r['key'])}</code>",
                _e(r["group"]),
                " ".join(_badge(k, "#3730a3", "#e0e7ff") for k in r["kinds"]),
                status,
                *([_checks_html(r.get("checks"))] if with_checks else []),
                _e(_ts(r["last_materialized"])),
                "<br>".join(_e(c) for c in r["stale_causes"]),
            ]
        )
    headers = [
        "key",
        "group",
        "kinds",
        "status",
        *(["checks"] if with_checks else []),
        "last materialized",
        "stale causes",
    ]
    return _table(headers, out)


def _checks_html(checks: Mapping[str, Any] | None) -> str:
    """ "2 passed, 1 failed" in the colour of the worst outcome; a tooltip names each check."""
    if not checks:
        return ""
    from dagster_nb._widgets.viewmodel import check_summary_text

    color = "#dc2626" if checks["failed"] else "#d97706" if checks["warning"] else "#15803d"
    names = ", ".join(f"{i['name']}: {i['status'].replace('_', ' ')}" for i in checks["items"])
    return (
        f'<span title="{_e(names)}" style="color:{color}">{_e(check_summary_text(checks))}</span>'
    )


def value_preview_html(value: Any, *, head: int = 10, max_chars: int = 2000) -> str:
    """A short preview of a value: DataFrames (pandas, polars) as an HTML table of the first
    ``head`` rows, other values as their escaped, truncated repr."""
    mod = type(value).__module__ or ""
    if mod.startswith("pandas") and hasattr(value, "head") and hasattr(value, "to_html"):
        shape = getattr(value, "shape", None)
        return (
            f'<div style="font-size:11px;color:#64748b">{_e(type(value).__name__)} '
            f"{_e(shape)}</div>" + value.head(head).to_html(max_cols=20)
        )
    if mod.startswith("polars") and hasattr(value, "head"):
        return value.head(head)._repr_html_()
    text = repr(value)
    if len(text) > max_chars:
        text = text[:max_chars] + " ..."
    return (
        f'<div style="font-size:11px;color:#64748b">{_e(type(value).__name__)}</div>'
        f'<pre style="margin:0;white-space:pre-wrap">{_e(text)}</pre>'
    )


def asset_detail_html(view_model: Mapping[str, Any], *, value_html: str | None = None) -> str:
    """The detail panel of :func:`asset_detail_view_model` as static HTML."""
    vm = view_model
    parts = [
        f'<div style="font-family:sans-serif;font-size:12px"><b>{_e(vm["key"])}</b> '
        f"{_status_badge(vm['status'])}"
    ]
    if vm.get("description"):
        parts.append(f'<p style="white-space:pre-wrap">{_e(vm["description"])}</p>')
    facts = [
        ("group", vm["group"]),
        ("code version", vm.get("code_version")),
        ("kinds", ", ".join(vm["kinds"])),
        ("upstream", ", ".join(vm["parents"])),
        ("downstream", ", ".join(vm["children"])),
    ]
    parts.append("".join(f"<div><b>{k}:</b> {_e(v)}</div>" for k, v in facts if v))
    if vm.get("stale_causes"):
        parts.append(
            "<div><b>stale because:</b><ul>"
            + "".join(f"<li>{_e(c)}</li>" for c in vm["stale_causes"])
            + "</ul></div>"
        )
    hist = vm.get("history") or []
    if hist:
        labels: list[str] = []
        for h in hist:
            for m in h["metadata"]:
                if m["label"] not in labels:
                    labels.append(m["label"])
        rows = []
        for h in hist:
            md = {m["label"]: m["text"] for m in h["metadata"]}
            rows.append(
                [
                    _e(_ts(h["timestamp"])),
                    f"<code>{_e(h['run_id'][:8])}</code>",
                    _e(h.get("partition") or ""),
                ]
                + [
                    f'<span style="white-space:pre-wrap">{_e(md.get(lb, ""))}</span>'
                    if "\n" in str(md.get(lb, ""))
                    else _e(md.get(lb, ""))
                    for lb in labels
                ]
            )
        parts.append(
            "<div><b>materializations</b></div>"
            + _table(["time", "run", "partition", *labels], rows)
        )
    if value_html:
        parts.append("<div><b>value</b></div>" + value_html)
    parts.append("</div>")
    return "".join(parts)
