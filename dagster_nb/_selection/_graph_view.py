"""A per-resolve view of an :class:`AssetGraph`: the graph plus the indices selections need.

One view is built per top-level ``resolve`` call, so each index (materializable keys, keys by
user string, ...) is computed at most once however many leaves of a big selection ask for it,
and nothing is cached on the immutable graph itself.

>>> from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode
>>> view = GraphView.of(AssetGraph.from_nodes([AssetNode(key=AssetKey("a"))]))
>>> sorted(k.to_user_string() for k in view.materializable)
['a']
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvalidAssetSelectionError

__all__ = ["GraphView", "coerce_asset_graph", "KIND_PREFIX", "effective_tags"]

# Dagster stores kinds as tags with this prefix; selections by tag see them too.
KIND_PREFIX = "dagster/kind/"


def coerce_asset_graph(obj: Any) -> AssetGraph:
    """Accept an AssetGraph, anything with ``resolve_asset_graph()`` or ``asset_graph``
    (Definitions, a kernel repository snapshot), or, as Dagster's ``resolve(all_assets)`` does,
    a collection of assets (AssetsDefinition, AssetSpec, SourceAsset)."""
    if isinstance(obj, AssetGraph):
        return obj
    if isinstance(obj, GraphView):
        return obj.graph
    if isinstance(obj, (list, tuple, set, frozenset)):
        from dagster_nb._definitions.repository import ResolvedAssets

        return ResolvedAssets.build(list(obj)).graph
    resolve = getattr(obj, "resolve_asset_graph", None)
    if callable(resolve):
        return coerce_asset_graph(resolve())
    graph = getattr(obj, "asset_graph", None)
    if graph is not None:
        return coerce_asset_graph(graph() if callable(graph) else graph)
    raise DagsterInvalidAssetSelectionError(
        f"Cannot resolve an asset selection against {type(obj).__name__}: pass an AssetGraph, "
        "a Definitions, a list of assets definitions, or an object with resolve_asset_graph() or "
        ".asset_graph."
    )


def effective_tags(node: AssetNode) -> dict[str, str]:
    """The node's tags as Dagster sees them: user tags plus one ``dagster/kind/<k>`` per kind."""
    tags = dict(node.tags)
    for kind in node.kinds:
        tags.setdefault(KIND_PREFIX + kind, "")
    return tags


_AGGREGATE_KEYS = ("group", "tag", "kind", "owner")


class GraphView:
    """The graph plus lazily built indices, shared by all leaves of one resolution.

    :meth:`of` keeps the view on its graph: graphs are immutable, so an index built for one
    resolution stays right for the next one on the same graph.
    """

    __slots__ = (
        "_graph", "nodes", "_materializable", "_slashed_parts", "_by_user_string", "_indices",
        "_adjacency",
    )  # fmt: skip

    def __init__(self, graph: AssetGraph):
        # a weak reference: the graph keeps its view, and a view holding its graph would make
        # a cycle that only the cyclic GC frees (a large graph, and what its nodes hold)
        self._graph = weakref.ref(graph)
        self.nodes = graph.nodes
        self._materializable: frozenset[AssetKey] | None = None
        self._slashed_parts: bool | None = None
        self._by_user_string: dict[str, list[AssetKey]] | None = None
        self._indices: dict[str, dict[Any, set[AssetKey]]] | None = None
        self._adjacency: _Adjacency | None = None

    @property
    def graph(self) -> AssetGraph:
        graph = self._graph()
        assert graph is not None, "a view outlived its graph"
        return graph

    @classmethod
    def of(cls, graph: AssetGraph) -> GraphView:
        # Kept on the graph (immutable, so its indices stay right), and dies with it: a cache
        # of recent graphs here kept old graphs (a dbt project's, with its manifest) alive.
        view = graph._selection_view
        if view is None:
            view = graph._selection_view = cls(graph)
        return view

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

    def index(self, what: str) -> dict[Any, set[AssetKey]]:
        """Keys by group name, by (tag key, value) (kinds included as Dagster's kind tags), by
        kind (None: no kind) or by owner; built in one pass over the graph, on first use."""
        if self._indices is None:
            groups: dict[Any, set[AssetKey]] = {}
            tags: dict[Any, set[AssetKey]] = {}
            kinds: dict[Any, set[AssetKey]] = {}
            owners: dict[Any, set[AssetKey]] = {}
            for k, n in self.nodes.items():
                groups.setdefault(n.group_name, set()).add(k)
                for o in n.owners:
                    owners.setdefault(o, set()).add(k)
                node_kinds = set(n.kinds)
                for tk, tv in n.tags.items():
                    tags.setdefault((tk, tv), set()).add(k)
                    if tk.startswith(KIND_PREFIX):
                        node_kinds.add(tk[len(KIND_PREFIX) :])
                for kind in n.kinds:
                    tag = KIND_PREFIX + kind
                    if tag not in n.tags:
                        tags.setdefault((tag, ""), set()).add(k)
                for node_kind in node_kinds or (None,):
                    kinds.setdefault(node_kind, set()).add(k)
            self._indices = {"group": groups, "tag": tags, "kind": kinds, "owner": owners}
        return self._indices[what]

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

    def _adj(self) -> _Adjacency:
        # Walks run on integer ids: AssetKey hashes in Python, ints hash in C, and a walk
        # over half of a 20,000-asset graph is dominated by hashing.
        if self._adjacency is None:
            keys = list(self.nodes)
            ids = {k: i for i, k in enumerate(keys)}
            nodes = self.nodes.values()
            self._adjacency = _Adjacency(
                keys=keys,
                ids=ids,
                parents=[[ids[p] for p in n.parent_keys] for n in nodes],
                children=[[ids[c] for c in n.child_keys] for n in nodes],
                materializable=[n.is_materializable for n in nodes],
            )
        return self._adjacency

    def walk(
        self,
        keys: Iterable[AssetKey],
        depth: int | None,
        include_self: bool,
        upward: bool,
        materializable_only: bool = False,
    ) -> set[AssetKey]:
        """Dagster's traversal: ``keys`` plus everything within ``depth`` levels (None: all);
        ``include_self=False`` removes every starting key."""
        adj = self._adj()
        ids = adj.ids
        start = {ids[k] for k in keys if k in ids}
        edges = adj.parents if upward else adj.children
        seen = set(start)
        if depth is None:
            stack = list(start)
            pop, push, add = stack.pop, stack.append, seen.add
            while stack:
                for m in edges[pop()]:
                    if m not in seen:
                        add(m)
                        push(m)
        else:
            frontier = start
            for _ in range(depth):
                if not frontier:
                    break
                nxt = {m for i in frontier for m in edges[i] if m not in seen}
                seen |= nxt
                frontier = nxt
        if not include_self:
            seen -= start
        keys_by_id = adj.keys
        if materializable_only:
            mat = adj.materializable
            return {keys_by_id[i] for i in seen if mat[i]}
        return {keys_by_id[i] for i in seen}

    # Roots and sinks in Dagster are transitive: a key is a root of a selection when no
    # *ancestor* (not just parent) is in the selection. One walk from the selection answers
    # that for every key at once, where Dagster walks once per key.
    def roots(self, selected: Iterable[AssetKey]) -> set[AssetKey]:
        return self._without_reachable(selected, upward=False)

    def sinks(self, selected: Iterable[AssetKey]) -> set[AssetKey]:
        return self._without_reachable(selected, upward=True)

    def _without_reachable(self, selected: Iterable[AssetKey], upward: bool) -> set[AssetKey]:
        adj = self._adj()
        ids = adj.ids
        sel = {k: ids[k] for k in selected if k in ids}
        edges = adj.parents if upward else adj.children
        seen: set[int] = set()
        stack = [m for i in sel.values() for m in edges[i]]
        seen.update(stack)
        pop, push, add = stack.pop, stack.append, seen.add
        while stack:
            for m in edges[pop()]:
                if m not in seen:
                    add(m)
                    push(m)
        return {k for k, i in sel.items() if i not in seen}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Adjacency:
    keys: list[AssetKey]
    ids: dict[AssetKey, int]
    parents: list[list[int]]
    children: list[list[int]]
    materializable: list[bool]
