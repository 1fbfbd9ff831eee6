"""Reading a dbt ``manifest.json``: node lookup, upstream ids, child map (pure, no dbt import).

dbt writes the manifest on every ``dbt parse`` / ``dbt build``; everything the asset graph needs
(keys, deps, descriptions, columns, tests) is in it, so loading assets never starts dbt.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

try:  # msgspec (the dbt extra): the manifest read lazily (see _lazy_manifest)
    from dagster_nb.dbt._lazy_manifest import parse_manifest as _parse_lazily
except ImportError:  # pragma: no cover - without msgspec, parsed whole
    _parse_lazily = None  # type: ignore[assignment]

# dbt resource types that become assets (Dagster: ASSET_RESOURCE_TYPES).
ASSET_RESOURCE_TYPES = ("model", "seed", "snapshot")
_NON_ASSET_TYPES = frozenset({"metric", "semantic_model", "saved_query", "function"})


class ManifestWrapper:
    """Holds a manifest in metadata without printing or comparing its (large) body.

    Dagster stores the same thing under ``dagster_dbt/manifest``.
    """

    __slots__ = ("manifest", "upstream", "_project_id", "_groups", "__weakref__")

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        self.manifest = manifest
        self.upstream: dict[str, list[str]] = {}  # unique id -> upstream asset/source ids
        self._project_id: Any = ()
        self._groups: dict[str, Any] | None = None

    def groups_by_name(self) -> Mapping[str, Any]:
        """The manifest's dbt groups by name (built once, not once per grouped model)."""
        if self._groups is None:
            groups = self.manifest.get("groups") or {}
            self._groups = {g["name"]: g for g in groups.values()}
        return self._groups

    @property
    def project_id_value(self) -> Any:
        """``dagster_dbt/project_id`` metadata (one TextMetadataValue shared by every spec)."""
        if self._project_id == ():
            pid = (self.manifest.get("metadata") or {}).get("project_id")
            if pid:
                from dagster_nb._definitions.metadata import MetadataValue

                self._project_id = MetadataValue.text(pid)
            else:
                self._project_id = None
        return self._project_id

    def __repr__(self) -> str:
        meta = self.manifest.get("metadata", {})
        return f"DbtManifestWrapper(project={meta.get('project_name')!r}, nodes={len(self.manifest.get('nodes', {}))})"


def load_manifest(manifest: Any) -> Mapping[str, Any]:
    """A manifest given as a mapping, a path to ``manifest.json``, or a ``str`` path."""
    if isinstance(manifest, Mapping):
        return manifest
    if isinstance(manifest, (str, os.PathLike)):
        path = Path(manifest)
        if not path.exists():
            from dagster_nb.dbt.errors import DagsterDbtManifestNotFoundError

            raise DagsterDbtManifestNotFoundError(
                f"dbt manifest not found at {path}. Run `dbt parse` in the project (or call "
                "DbtProject(...).prepare_if_dev()) to write it."
            )
        try:
            return _read_manifest(path)
        except ValueError as e:  # orjson.JSONDecodeError is a ValueError too
            from dagster_nb.dbt.errors import DagsterDbtManifestNotFoundError

            raise DagsterDbtManifestNotFoundError(
                f"dbt manifest at {path} is not a valid manifest ({e}). Re-run `dbt parse` to "
                "rewrite it."
            ) from None
    from dagster_nb._errors import DagsterInvalidDefinitionError

    raise DagsterInvalidDefinitionError(
        f"manifest must be a dict or a path to manifest.json, got {type(manifest).__name__}."
    )


# path -> (the file's identity when read, its manifest). A notebook re-runs the cell that loads
# a project again and again; while manifest.json is the same file, unchanged (same inode, size
# and modification time, in nanoseconds), it is not parsed again. Only the last one read is
# kept: a parsed manifest of 5,000 models is about a million objects, which every full
# collection of the cyclic GC walks (dagster_dbt keeps every path it ever read, unchecked).
#
# With it, what the default translator derived from that manifest (keys, deps, tests' checks:
# ``translator.NodeMemo``) by (settings, project), so that re-running the cell derives nothing
# again. It is dropped with the manifest: held here, never by the manifest (no cycle).
_PARSED: dict[str, tuple[tuple[int, int, int], Mapping[str, Any], dict[Any, Any]]] = {}
_MAX_PARSED = 1


def shared_memos(manifest: Mapping[str, Any]) -> dict[Any, Any] | None:
    """The memos of the kept manifest read from a file, when ``manifest`` is it; else None."""
    for entry in _PARSED.values():
        if entry[1] is manifest:
            return entry[2]
    return None


def _read_manifest(path: Path) -> Mapping[str, Any]:
    where = os.path.realpath(path)
    with open(where, "rb") as f:
        st = os.fstat(f.fileno())
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        hit = _PARSED.get(where)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        data = f.read()
    manifest = _parse(data)
    _PARSED.pop(where, None)
    if len(_PARSED) >= _MAX_PARSED:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[where] = (stamp, manifest, {})
    return manifest


def _parse(data: bytes) -> Mapping[str, Any]:
    if _parse_lazily is not None:  # msgspec: split into nodes parsed on first read
        return _parse_lazily(data)
    try:  # orjson parses a large manifest ~3x faster than json (dagster_dbt uses it too)
        import orjson
    except ImportError:
        manifest = json.loads(data)
    else:
        manifest = orjson.loads(data)
    if not isinstance(manifest, dict) or "nodes" not in manifest:
        raise ValueError("it has no 'nodes': this is not a dbt manifest")
    return manifest


def graph_props(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    """What the asset graph reads of a node (resource type, name, key fields, upstream ids,
    a test's attached node): a digest when the manifest was read lazily, else the node."""
    light = getattr(manifest, "graph_props", None)
    if light is not None:
        return light(unique_id)
    return get_node(manifest, unique_id)


def props_getter(manifest: Mapping[str, Any]) -> Callable[[str], Mapping[str, Any]]:
    """``graph_props`` bound to one manifest, for a loop over its nodes."""
    light = getattr(manifest, "graph_props", None)
    if light is not None:
        return light
    return functools.partial(get_node, manifest)


def get_node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    for section in (
        "nodes",
        "sources",
        "exposures",
        "metrics",
        "semantic_models",
        "saved_queries",
        "unit_tests",
        "functions",
    ):
        part = manifest.get(section)
        if part and unique_id in part:
            return part[unique_id]
    from dagster_nb._errors import DagsterInvariantViolationError

    raise DagsterInvariantViolationError(f"Could not find {unique_id} in dbt manifest")


def is_non_asset_node(props: Mapping[str, Any]) -> bool:
    rt = props["resource_type"]
    if rt in _NON_ASSET_TYPES:
        return True
    return rt == "model" and (props.get("config") or {}).get("materialized") == "ephemeral"


def _is_valid_upstream(props: Mapping[str, Any]) -> bool:
    return props["resource_type"] in ASSET_RESOURCE_TYPES or props["resource_type"] == "source"


def upstream_unique_ids(manifest: Mapping[str, Any], props: Mapping[str, Any]) -> list[str]:
    """Parents that are assets or sources; ephemeral models and metrics are looked through."""
    out: list[str] = []
    seen: set[str] = set()
    props_of = props_getter(manifest)
    for parent in (props.get("depends_on") or {}).get("nodes", ()):
        pprops = props_of(parent)
        if is_non_asset_node(pprops):
            queue = list((pprops.get("depends_on") or {}).get("nodes", ()))
            visited: set[str] = set()
            while queue:
                cand = queue.pop()
                if cand in visited:
                    continue
                visited.add(cand)
                cprops = props_of(cand)
                if is_non_asset_node(cprops):
                    queue.extend((cprops.get("depends_on") or {}).get("nodes", ()))
                elif _is_valid_upstream(cprops) and cand not in seen:
                    seen.add(cand)
                    out.append(cand)
        elif _is_valid_upstream(pprops) and parent not in seen:
            seen.add(parent)
            out.append(parent)
    return out


def child_map(manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    cm = manifest.get("child_map")
    if cm:
        return cm
    built: dict[str, list[str]] = {}
    for uid in manifest["nodes"]:
        for up in upstream_unique_ids(manifest, graph_props(manifest, uid)):
            built.setdefault(up, []).append(uid)
    return built
