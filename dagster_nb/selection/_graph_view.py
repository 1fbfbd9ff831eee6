"""A per-resolve view of an :class:`AssetGraph`: the graph plus the indices selections need.

One view is built per top-level ``resolve`` call, so each index (materializable keys, keys by
user string, ...) is computed at most once however many leaves of a big selection ask for it,
and nothing is cached on the immutable graph itself.

>>> from dagster_nb.definitions.asset_graph import AssetGraph, AssetNode
>>> view = GraphView(AssetGraph.from_nodes([AssetNode(key=AssetKey("a"))]))
>>> sorted(k.to_user_string() for k in view.materializable)
['a']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dagster_nb.definitions.asset_graph import AssetGraph, AssetNode
from dagster_nb.definitions.asset_key import AssetKey
from dagster_nb.errors import DagsterInvalidAssetSelectionError

__all__ = ["GraphView", "coerce_asset_graph", "KIND_PREFIX", "effective_tags"]

# Dagster stores kinds as tags with this prefix; selections by tag see them too.
KIND_PREFIX = "dagster/kind/"


def coerce_asset_graph(obj: Any) -> AssetGraph:
    """Accept an AssetGraph, or anything with ``resolve_asset_graph()`` or ``asset_graph``
    (Definitions, a kernel repository snapshot)."""
    if isinstance(obj, AssetGraph):
        return obj
    if isinstance(obj, GraphView):
        return obj.graph
    resolve = getattr(obj, "resolve_asset_graph", None)
    if callable(resolve):
        return coerce_asset_graph(resolve())
    graph = getattr(obj, "asset_graph", None)
    if graph is not None:
        return coerce_asset_graph(graph() if callable(graph) else graph)
    raise DagsterInvalidAssetSelectionError(
        f"Cannot resolve an asset selection against {type(obj).__name__}: pass an AssetGraph, "
        "a Definitions, or an object with resolve_asset_graph() or .asset_graph."
    )


def effective_tags(node: AssetNode) -> dict[str, str]:
    """The node's tags as Dagster sees them: user tags plus one ``dagster/kind/<k>`` per kind."""
    tags = dict(node.tags)
    for kind in node.kinds:
        tags.setdefault(KIND_PREFIX + kind, "")
    return tags


class GraphView:
    """The graph plus lazily built indices, shared by all leaves of one resolution."""

    __slots__ = ("graph", "nodes", "_materializable", "_slashed_parts", "_by_user_string")

    def __init__(self, graph: AssetGraph):
        self.graph = graph
        self.nodes = graph.nodes
        self._materializable: frozenset[AssetKey] | None = None
        self._slashed_parts: bool | None = None
        self._by_user_string: dict[str, list[AssetKey]] | None = None

    @property
    def all_keys(self) -> Iterable[AssetKey]:
        return self.nodes.keys()

    @property
    def materializable(self) -> frozenset[AssetKey]:
        if self._materializable is None:
            self._materializable = frozenset(
                k for k, n in self.nodes.items() if n.is_materializable
            )
        return self._materializable

    def keys_with_user_string(self, text: str) -> list[AssetKey]:
        """Keys whose ``to_user_string()`` equals ``text``, without scanning the graph in the
        common case (no key part contains a ``/``)."""
        if "/" not in text:
            # Only the one-part key can print without a '/': no scan needed.
            key = AssetKey(text)
            return [key] if key in self.nodes else []
        if self._slashed_parts is None:
            self._slashed_parts = any("/" in p for k in self.nodes for p in k.parts)
        if self._slashed_parts:
            if self._by_user_string is None:
                index: dict[str, list[AssetKey]] = {}
                for k in self.nodes:
                    index.setdefault(k.to_user_string(), []).append(k)
                self._by_user_string = index
            return list(self._by_user_string.get(text, ()))
        key = AssetKey.from_user_string(text)
        return [key] if key in self.nodes else []

    # Roots and sinks in Dagster are transitive: a key is a root of a selection when no
    # *ancestor* (not just parent) is in the selection. One walk from the selection answers
    # that for every key at once, where Dagster walks once per key.
    def strict_descendants(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        return self._strict_walk(keys, upward=False)

    def strict_ancestors(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        return self._strict_walk(keys, upward=True)

    def _strict_walk(self, keys: Iterable[AssetKey], upward: bool) -> set[AssetKey]:
        nodes = self.nodes
        seen: set[AssetKey] = set()
        stack: list[AssetKey] = []
        for k in keys:
            node = nodes.get(k)
            if node is None:
                continue
            for m in node.parent_keys if upward else node.child_keys:
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        while stack:
            node = nodes[stack.pop()]
            for m in node.parent_keys if upward else node.child_keys:
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return seen
