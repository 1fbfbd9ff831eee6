"""``%assets``: the catalog from the shared view model (``widgets.viewmodel.catalog_rows``), as
HTML (``widgets.html.catalog_html``) and as a plain-text twin for terminals and the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

__all__ = ["catalog_rows", "catalog_html", "catalog_text"]

_HEADERS = ["key", "group", "kinds", "status", "checks", "last materialized", "stale causes"]


def catalog_rows(repo: Any, keys: Iterable[Any]) -> list[dict]:
    """One view-model row per asset of ``keys`` (see ``widgets/VIEWMODEL.md``)."""
    from dagster_nb._widgets.viewmodel import catalog_rows as rows

    return rows(repo.snapshot(), repo.instance, repo.staleness(), selection_keys=list(keys))


def _rows(repo: Any, keys: Iterable[Any], with_stored: bool) -> list[dict]:
    rows = catalog_rows(repo, keys)
    if with_stored:
        from dagster_nb._notebook.stored import stored_only_rows

        rows += stored_only_rows(repo)
    return rows


def catalog_html(repo: Any, keys: Iterable[Any], *, with_stored: bool = False) -> str:
    """``with_stored`` adds the assets the instance holds that no cell has defined (yet)."""
    from dagster_nb._widgets.html import catalog_html as html

    return html(_rows(repo, keys, with_stored))


def catalog_text(repo: Any, keys: Iterable[Any], *, with_stored: bool = False) -> str:
    from dagster_nb._notebook.stored import NOT_DEFINED
    from dagster_nb._widgets.viewmodel import check_summary_text

    rows = sorted(_rows(repo, keys, with_stored), key=lambda r: r["key"])
    table = [
        [
            r["key"],
            r["group"],
            ", ".join(r["kinds"]),
            NOT_DEFINED if r["status"] == "undefined" else r["status"].replace("_", " "),
            check_summary_text(r.get("checks")),
            dt.datetime.fromtimestamp(r["last_materialized"]).strftime("%Y-%m-%d %H:%M:%S")
            if r["last_materialized"]
            else "",
            "; ".join(r["stale_causes"]),
        ]
        for r in rows
    ]
    headers = list(_HEADERS)
    if not any(r.get("checks") for r in rows):  # no asset checks: no empty column
        col = headers.index("checks")
        headers.pop(col)
        for r in table:
            r.pop(col)
    widths = [max([len(h), *(len(r[i]) for r in table)]) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:{w}s}}" for w in widths)
    return "\n".join(fmt.format(*r).rstrip() for r in [headers, *table])
