"""``%assets``: the catalog as an HTML table with a plain-text twin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dagster_nb.definitions.reprs import table_html

__all__ = ["catalog_rows", "catalog_html", "catalog_text"]

_HEADERS = ["key", "group", "kinds", "status", "last materialized", "stale causes"]


def catalog_rows(repo: Any, keys: Iterable[Any]) -> list[list[str]]:
    import datetime as dt

    snap = repo.snapshot()
    staleness = repo.staleness()
    keys = sorted(keys, key=lambda k: k.parts)
    staleness.prefetch(keys)
    latest = repo.instance.get_latest_materialization_events(keys) if keys else {}
    rows = []
    for k in keys:
        node = snap.graph.get(k)
        ad = snap.assets_def_by_key.get(k)
        if ad is None or not ad.is_materializable:
            status = "observable source" if node.is_observable else "external"
            causes = ""
        else:
            status = staleness.get_status(k).value.lower()
            causes = "; ".join(c.reason for c in staleness.get_stale_causes(k))
        entry = latest.get(k)
        when = (
            dt.datetime.fromtimestamp(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S")
            if entry is not None
            else ""
        )
        rows.append([k.to_user_string(), node.group_name, ", ".join(sorted(node.kinds)), status, when, causes])
    return rows


def catalog_html(repo: Any, keys: Iterable[Any]) -> str:
    rows = catalog_rows(repo, keys)
    return table_html(_HEADERS, rows, caption=f"{len(rows)} asset{'s' if len(rows) != 1 else ''}")


def catalog_text(repo: Any, keys: Iterable[Any]) -> str:
    rows = catalog_rows(repo, keys)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(_HEADERS)]
    fmt = "  ".join(f"{{:{w}s}}" for w in widths)
    lines = [fmt.format(*_HEADERS)] + [fmt.format(*r) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
