"""A ``manifest.json`` read lazily: each node parsed when first read, a digest for the graph.

A dbt manifest of 5,000 models is ~10 MB of JSON. Parsed whole, it is about a million Python
objects, 140 k of them containers that the cyclic GC scans again and again while they are young.
Loading assets needs little of it: each node's key, its upstream ids and its tests. So:

- the file is split once into raw JSON per node (``msgspec.Raw``: a slice of the bytes, no
  objects made) with msgspec, which skips what it does not keep without building it;
- :meth:`LazyManifest.graph_props` decodes the few fields the asset graph reads (``_Digest``: GC
  untracked, unknown fields skipped), for the translator's default asset key, deps and tests;
- ``manifest["nodes"][uid]`` parses that node in full (a plain dict, as ``json.loads`` gives
  it), the first time it is read: when a spec is built, a run reports on it, a user's hook
  needs it.

``LazyManifest`` is a read-only ``Mapping`` with the manifest's keys; anything reading it as a
dict still works (reading every node parses every node). It pickles as its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, KeysView, Mapping
from typing import Any

import msgspec

# The manifest sections whose entries are parsed one by one (the rest parse whole on first read).
_PER_NODE = ("nodes", "sources")
_decode = msgspec.json.decode


class _Fields(msgspec.Struct, gc=False):
    """``props.get(name)`` / ``props[name]`` over a digest's declared fields only, read in C
    (the graph reads ~30 per node): a field the digest does not hold raises AttributeError,
    never a silent None. A null or missing field reads as None, as ``dict.get`` gives it."""

    get = object.__getattribute__
    __getitem__ = object.__getattribute__


class _Config(_Fields, gc=False):
    materialized: Any = None
    schema: Any = None
    meta: Any = None


class _DependsOn(_Fields, gc=False):
    nodes: Any = ()

    def get(self, name: str, default: Any = None) -> Any:  # ``.get("nodes", ())``
        value = object.__getattribute__(self, name)
        return default if value is None else value


class _Digest(_Fields, gc=False):
    """What the asset graph reads of a node: its key (the translator's default
    ``get_asset_key``), its upstream ids, and which node a test checks."""

    resource_type: str
    name: str
    unique_id: Any = None
    package_name: Any = None
    source_name: Any = None
    version: Any = None
    alias: Any = None
    config: _Config | None = None
    meta: Any = None
    depends_on: _DependsOn | None = None
    attached_node: Any = None


_SPLIT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_DIGEST = msgspec.json.Decoder(_Digest)


class _Section(Mapping[str, Any]):
    """One per-node section (``nodes``, ``sources``): each entry parsed on first read."""

    __slots__ = ("_raw", "_parsed")

    def __init__(self, raw: dict[str, msgspec.Raw]) -> None:
        self._raw = raw
        self._parsed: dict[str, Any] = {}

    def __getitem__(self, unique_id: str) -> Any:
        node = self._parsed.get(unique_id)
        if node is None:
            node = self._parsed[unique_id] = _decode(self._raw[unique_id])
        return node

    def __contains__(self, unique_id: object) -> bool:
        return unique_id in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def keys(self) -> KeysView[str]:
        return self._raw.keys()

    def digest(self, unique_id: str) -> Any:
        """The node's digest (kept by ``LazyManifest.graph_props``), or the node when it is
        already parsed in full."""
        full = self._parsed.get(unique_id)
        if full is not None:
            return full
        try:
            return _DIGEST.decode(self._raw[unique_id])
        except msgspec.ValidationError:
            return self[unique_id]  # an unusual node (a field of another type): all of it

    def __repr__(self) -> str:
        return f"<manifest section: {len(self._raw)} entries>"


class LazyManifest(Mapping[str, Any]):
    """A parsed ``manifest.json`` whose nodes are parsed on first read (see the module doc)."""

    __slots__ = ("_data", "_top", "_values", "_sections", "_digests", "__weakref__")

    def __init__(self, data: bytes) -> None:
        self._data = data
        top = _SPLIT.decode(data)
        self._top = top
        self._values: dict[str, Any] = {}
        for name in _PER_NODE:
            raw = top.get(name)
            if raw is not None:
                self._values[name] = _Section(_SPLIT.decode(raw))
        self._sections = tuple(self._values.values())
        self._digests: dict[str, Any] = {}  # graph_props of nodes and sources, by unique id

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = _decode(self._top[key])
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._top

    def __iter__(self) -> Iterator[str]:
        return iter(self._top)

    def __len__(self) -> int:
        return len(self._top)

    def graph_props(self, unique_id: str) -> Any:
        """The digest of a node or source (``get``/``[]`` over the fields the asset graph
        reads); another section's entry in full (``_manifest.get_node``, which raises for an
        unknown id)."""
        found = self._digests.get(unique_id)
        if found is not None:
            return found
        for section in self._sections:
            if unique_id in section._raw:
                found = self._digests[unique_id] = section.digest(unique_id)
                return found
        from dagster_nb.dbt._manifest import get_node

        return get_node(self, unique_id)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyManifest, (self._data,))

    def __repr__(self) -> str:
        return f"<dbt manifest: {len(self.get('nodes', ()))} nodes>"


def parse_manifest(data: bytes) -> Mapping[str, Any]:
    """The manifest in ``data`` (a JSON object with ``nodes``), parsed lazily; ValueError when
    it is not one."""
    try:
        manifest = LazyManifest(data)
    except msgspec.ValidationError:  # JSON, but not an object with a 'nodes' object
        raise ValueError("it has no 'nodes' object: this is not a dbt manifest") from None
    except msgspec.DecodeError as e:  # not JSON; msgspec names the byte where it broke
        raise ValueError(str(e)) from None
    if "nodes" not in manifest:
        raise ValueError("it has no 'nodes': this is not a dbt manifest")
    return manifest
