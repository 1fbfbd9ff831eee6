"""Rich HTML reprs for notebooks (plain strings; no widget imports)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["assets_definition_html", "definitions_html", "result_html", "table_html"]

_STYLE = "border-collapse:collapse;font-size:12px"
_CELL = "border:1px solid #ddd;padding:2px 6px;text-align:left"


def table_html(headers: list[str], rows: list[list[Any]], caption: str | None = None) -> str:
    h = "".join(f"<th style='{_CELL}'>{html.escape(str(x))}</th>" for x in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='{_CELL}'>{html.escape(str(c))}</td>" for c in r) + "</tr>"
        for r in rows
    )
    cap = (
        f"<caption style='text-align:left'><b>{html.escape(caption)}</b></caption>"
        if caption
        else ""
    )
    return f"<table style='{_STYLE}'>{cap}<tr>{h}</tr>{body}</table>"


def assets_definition_html(ad: Any) -> str:
    rows = []
    for k, s in sorted(ad.specs_by_key.items(), key=lambda kv: kv[0].parts):
        rows.append(
            [
                k.to_user_string(),
                s.group_name or "default",
                ", ".join(sorted(s.kinds)),
                ", ".join(d.asset_key.to_user_string() for d in s.deps),
                s.code_version or "(from source)",
                s.description or "",
            ]
        )
    return table_html(
        ["key", "group", "kinds", "deps", "code version", "description"], rows, caption=repr(ad)
    )


def definitions_html(defs: Any) -> str:
    rows = []
    for ad in defs.resolved.assets_defs:
        for k, s in ad.specs_by_key.items():
            kind = (
                "materializable"
                if ad.is_materializable
                else ("observable" if ad.is_observable else "external")
            )
            rows.append(
                [
                    k.to_user_string(),
                    s.group_name or "default",
                    kind,
                    ", ".join(d.asset_key.to_user_string() for d in s.deps),
                ]
            )
    rows.sort()
    extra = f"resources: {', '.join(sorted(defs.resources)) or '(none)'}; jobs: {len(defs.jobs)}"
    return table_html(["key", "group", "kind", "deps"], rows, caption=f"Definitions ({extra})")


def result_html(result: Any) -> str:
    rows = [[step, outcome] for step, outcome in result.step_outcomes.items()]
    cap = f"Run {result.run_id[:8]}: {result.dagster_run_status.value}"
    return table_html(["step", "outcome"], rows, caption=cap)
