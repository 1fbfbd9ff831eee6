"""dbt's node-selection syntax evaluated on the manifest, without importing dbt.

Covers what projects use day to day: names, ``fqn:``, ``tag:``, ``path:``, ``source:``,
``resource_type:``, ``package:``, ``config.<key>:``, wildcards, graph operators (``+x``,
``x+``, ``2+x``, ``x+1``, ``@x``), space = union, comma = intersection, ``--exclude``; tests
follow their parents as dbt's default (eager) indirect selection does. Anything else (a YAML
``selector``, ``state:``, ``result:``...) is evaluated by dbt itself (``dbt ls``) when the
project is known, else refused with a clear error.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

_GRAPH = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>.+?)(?:\+(?P<down>\d*))?$")
_METHODS = frozenset(
    {"fqn", "tag", "path", "file", "source", "resource_type", "package", "test_name", "test_type"}
)


class UnsupportedSelection(ValueError):
    """A selection method we do not evaluate natively (dbt must evaluate it)."""


def _selectable(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    out = dict(manifest["nodes"])
    out.update(manifest.get("sources") or {})
    return out


def _wild(pattern: str, value: str) -> bool:
    return (
        fnmatch.fnmatchcase(value, pattern)
        if any(c in pattern for c in "*?[")
        else pattern == value
    )


def _fqn_match(value: str, fqn: list[str]) -> bool:
    if value == "*":
        return True
    parts = value.split(".")
    if len(parts) == 1 and fqn and _wild(parts[0], fqn[-1]):
        return True
    for start in (0, 1):
        seg = fqn[start : start + len(parts)]
        if len(seg) == len(parts) and all(_wild(p, f) for p, f in zip(parts, seg, strict=True)):
            return True  # dbt's fqn selection is by prefix: a folder selects what it holds
    return False


def _path_match(value: str, props: Mapping[str, Any]) -> bool:
    path = props.get("original_file_path") or props.get("path") or ""
    value = value.rstrip("/")
    if any(c in value for c in "*?["):
        return fnmatch.fnmatchcase(path, value)
    return path == value or PurePosixPath(path).is_relative_to(value)


def _method_match(method: str, value: str, uid: str, props: Mapping[str, Any]) -> bool:
    rt = props.get("resource_type")
    if method == "fqn":
        if rt == "source":  # dbt's fqn method searches parsed nodes only, not sources
            return False
        return _fqn_match(value, list(props.get("fqn") or ()))
    if method == "tag":
        tags = props.get("tags") or (props.get("config") or {}).get("tags") or ()
        return any(_wild(value, t) for t in tags)
    if method in ("path", "file"):
        if method == "file":
            return _wild(value, PurePosixPath(props.get("original_file_path") or "").name) or _wild(
                value, PurePosixPath(props.get("original_file_path") or "").stem
            )
        return _path_match(value, props)
    if method == "source":
        if rt != "source":
            return False
        parts = value.split(".")
        pkg_src = [props.get("package_name"), props.get("source_name"), props.get("name")]
        for start in (1, 0):
            seg = pkg_src[start : start + len(parts)]
            if len(seg) == len(parts) and all(
                _wild(p, str(f)) for p, f in zip(parts, seg, strict=True)
            ):
                return True
        return False
    if method == "resource_type":
        return rt == value
    if method == "package":
        return _wild(value, props.get("package_name") or "")
    if method == "test_name":
        return rt == "test" and _wild(value, (props.get("test_metadata") or {}).get("name") or "")
    if method == "test_type":
        if rt != "test":
            return False
        generic = bool(props.get("test_metadata"))
        return (value == "generic" and generic) or (value in ("singular", "data") and not generic)
    if method.startswith("config."):
        cfg: Any = props.get("config") or {}
        for part in method.split(".")[1:]:
            cfg = cfg.get(part) if isinstance(cfg, Mapping) else None
        if isinstance(cfg, list):
            return any(_wild(value, str(v)) for v in cfg)
        if isinstance(cfg, bool):
            return value.lower() == str(cfg).lower()
        return cfg is not None and _wild(value, str(cfg))
    raise UnsupportedSelection(method)


def _default_method(value: str) -> str:
    if "/" in value or "\\" in value or value.endswith((".sql", ".py", ".csv")):
        return "path"
    return "fqn"


class _Graph:
    def __init__(self, manifest: Mapping[str, Any]) -> None:
        self.parents: Mapping[str, Any] = manifest.get("parent_map") or {}
        self.children: Mapping[str, Any] = manifest.get("child_map") or {}

    def walk(self, start: Iterable[str], edges: Mapping[str, Any], depth: int | None) -> set[str]:
        seen: set[str] = set()
        frontier = set(start)
        d = 0
        while frontier and (depth is None or d < depth):
            nxt: set[str] = set()
            for uid in frontier:
                for n in edges.get(uid, ()):
                    if n not in seen:
                        seen.add(n)
                        nxt.add(n)
            frontier = nxt
            d += 1
        return seen


def _atom(text: str, nodes: Mapping[str, Mapping[str, Any]], graph: _Graph) -> set[str]:
    m = _GRAPH.match(text)
    if not m:
        raise UnsupportedSelection(text)
    body = m["body"]
    if ":" in body:
        method, _, value = body.partition(":")
    else:
        method, value = _default_method(body), body
    if method not in _METHODS and not method.startswith("config."):
        raise UnsupportedSelection(method)
    base = {uid for uid, p in nodes.items() if _method_match(method, value, uid, p)}
    out = set(base)
    if m["at"]:
        down = graph.walk(base, graph.children, None)
        out |= down | graph.walk(down | base, graph.parents, None)
        return out
    if m["up"] is not None:
        out |= graph.walk(base, graph.parents, int(m["up"]) if m["up"] else None)
    if m["down"] is not None:
        out |= graph.walk(base, graph.children, int(m["down"]) if m["down"] else None)
    return out


def _expr(expr: str, nodes: Mapping[str, Mapping[str, Any]], graph: _Graph) -> set[str]:
    out: set[str] = set()
    for term in expr.split():
        parts = [p for p in term.split(",") if p]
        acc = _atom(parts[0], nodes, graph)
        for p in parts[1:]:
            acc &= _atom(p, nodes, graph)
        out |= acc
    return out


def select_unique_ids_natively(manifest: Mapping[str, Any], select: str, exclude: str) -> set[str]:
    """Unique ids dbt would list for ``--select select --exclude exclude`` (eager tests).

    Raises :class:`UnsupportedSelection` for methods we leave to dbt.
    """
    nodes = _selectable(manifest)
    graph = _Graph(manifest)
    chosen = _expr(select or "fqn:*", nodes, graph)
    if exclude:
        chosen -= _expr(exclude, nodes, graph)
    # dbt's default (eager) indirect selection: a test comes along when any parent is selected,
    # unless the exclusion names it directly.
    excluded = _expr(exclude, nodes, graph) if exclude else set()
    for uid, props in manifest["nodes"].items():
        if props.get("resource_type") != "test" or uid in chosen or uid in excluded:
            continue
        parents = (props.get("depends_on") or {}).get("nodes", ())
        if any(p in chosen for p in parents):
            chosen.add(uid)
    # Disabled and unit-test nodes are never listed.
    return {u for u in chosen if (nodes[u].get("config") or {}).get("enabled", True) is not False}
