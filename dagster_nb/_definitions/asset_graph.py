"""AssetGraph: the pure dependency graph of a set of asset definitions.

Selections resolve against it, the executor plans from it, the view model draws it. It is
immutable and built once per repository snapshot.

>>> g = AssetGraph.from_nodes([AssetNode(key=AssetKey("a")),
...                            AssetNode(key=AssetKey("b"), parent_keys=frozenset({AssetKey("a")}))])
>>> [k.to_user_string() for k in g.toposorted_keys()]
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.lazy_specs import LazySpecs
from dagster_nb._errors import CircularDependencyError, DagsterInvalidDefinitionError

__all__ = ["AssetNode", "AssetGraph", "DEFAULT_GROUP_NAME"]

DEFAULT_GROUP_NAME = "default"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class AssetNode:
    """One asset key in the graph: its place (parents, children, what runs with it) and, read
    through its spec, what it is (group, tags, owners, kinds, description, metadata, ...).

    The node does not copy its spec: it keeps the mapping of specs its definition holds and
    reads ``specs[key]`` when an attribute is read, as Dagster's AssetNode reads its assets
    definition. Building a graph therefore never builds a spec that a definition makes lazily
    (a dbt project's thousands of models: ``LazySpecs``).

    ``execution_set_keys`` are the keys that must run together with this one (all outputs of a
    multi-asset that cannot be subset); it contains at least the key itself for materializable
    assets. ``is_materializable`` is False for source / external assets and for keys that are
    only referenced as deps and defined nowhere (``is_stub``).

    >>> from dagster_nb._definitions.asset_spec import AssetSpec
    >>> a = AssetKey("a")
    >>> n = AssetNode(key=a, specs={a: AssetSpec(a, group_name="sales", tags={"t": ""})})
    >>> n.group_name, dict(n.tags), AssetNode(key=a).group_name
    ('sales', {'t': ''}, 'default')
    """

    key: AssetKey
    parent_keys: frozenset[AssetKey] = frozenset()
    child_keys: frozenset[AssetKey] = frozenset()
    is_materializable: bool = True
    is_observable: bool = False
    is_stub: bool = False
    execution_set_keys: frozenset[AssetKey] = frozenset()
    # Partition mapping per parent key (None: the default for the pair of partitions defs).
    partition_mappings: Mapping[AssetKey, Any] = field(default_factory=dict)
    # The specs of the definition this key belongs to (None: a stub, or a bare node).
    specs: Mapping[AssetKey, Any] | None = None
    # The definition's partitions def, which wins over the spec's (None: the spec's own).
    definition_partitions_def: Any = None

    @property
    def spec(self) -> Any:
        """The AssetSpec of this key (None for a stub)."""
        specs = self.specs
        return None if specs is None else specs[self.key]

    @property
    def group_name(self) -> str:
        spec = self.spec
        return (spec.group_name if spec is not None else None) or DEFAULT_GROUP_NAME

    @property
    def tags(self) -> Mapping[str, str]:
        spec = self.spec
        return spec.tags if spec is not None else {}

    @property
    def owners(self) -> tuple[str, ...]:
        spec = self.spec
        return spec.owners if spec is not None else ()

    @property
    def kinds(self) -> frozenset[str]:
        spec = self.spec
        return spec.kinds if spec is not None else frozenset()

    @property
    def description(self) -> str | None:
        spec = self.spec
        return spec.description if spec is not None else None

    @property
    def metadata(self) -> Mapping[str, Any]:
        spec = self.spec
        return spec.metadata if spec is not None else {}

    @property
    def code_version(self) -> str | None:
        spec = self.spec
        return spec.code_version if spec is not None else None

    @property
    def automation_condition(self) -> Any:
        spec = self.spec
        return spec.automation_condition if spec is not None else None

    @property
    def partitions_def(self) -> Any:
        pdef = self.definition_partitions_def
        if pdef is not None:
            return pdef
        specs = self.specs
        if specs is None:
            return None
        if type(specs) is LazySpecs:
            return specs.partitions_def  # every spec's: read without building one
        return specs[self.key].partitions_def

    @property
    def is_external(self) -> bool:
        return not self.is_materializable

    @property
    def is_partitioned(self) -> bool:
        return self.partitions_def is not None


class AssetGraph:
    """Immutable graph of :class:`AssetNode` s keyed by :class:`AssetKey`."""

    __slots__ = ("_nodes", "_topo", "_topo_index", "_selection_view", "__weakref__")

    def __init__(self, nodes: Mapping[AssetKey, AssetNode]):
        self._nodes: dict[AssetKey, AssetNode] = dict(nodes)
        self._topo: tuple[AssetKey, ...] | None = None
        self._topo_index: dict[AssetKey, int] | None = None
        # the selection layer's indices of this graph (_selection/_graph_view.GraphView.of)
        self._selection_view: Any = None

    @staticmethod
    def from_nodes(nodes: Iterable[AssetNode]) -> AssetGraph:
        """Build from nodes whose ``parent_keys`` are set; children are derived here, and parents
        that no node defines become non-materializable stub nodes (as Dagster does)."""
        by_key: dict[AssetKey, AssetNode] = {}
        for n in nodes:
            if n.key in by_key:
                raise DagsterInvalidDefinitionError(
                    f"Duplicate asset key: {n.key.to_user_string()}"
                )
            by_key[n.key] = n
        children: dict[AssetKey, set[AssetKey]] = {k: set() for k in by_key}
        for n in list(by_key.values()):
            for p in n.parent_keys:
                if p not in by_key:
                    by_key[p] = AssetNode(key=p, is_materializable=False, is_stub=True)
                    children[p] = set()
                children[p].add(n.key)
        out = {}
        for k, n in by_key.items():
            ch = frozenset(children.get(k, ()))
            ex = n.execution_set_keys or (frozenset({k}) if n.is_materializable else frozenset())
            if ch != n.child_keys or ex != n.execution_set_keys:
                n = replace(n, child_keys=ch, execution_set_keys=ex)
            out[k] = n
        return AssetGraph(out)

    def __getstate__(self) -> tuple[Any, ...]:
        # the selection view (indices, and a weak reference back) is a cache: not pickled
        return (self._nodes, self._topo, self._topo_index)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._nodes, self._topo, self._topo_index = state
        self._selection_view = None

    @staticmethod
    def _from_complete(by_key: dict[AssetKey, AssetNode]) -> AssetGraph:
        """Trusted: nodes whose ``child_keys`` and ``execution_set_keys`` are complete and whose
        parents are all nodes (``ResolvedAssets.build`` makes them so); the dict is kept."""
        graph = AssetGraph.__new__(AssetGraph)
        graph._nodes = by_key
        graph._topo = None
        graph._topo_index = None
        graph._selection_view = None
        return graph

    # --- lookup ---
    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def get(self, key: AssetKey) -> AssetNode:
        try:
            return self._nodes[key]
        except KeyError:
            from dagster_nb._errors import DagsterInvariantViolationError, did_you_mean

            raise DagsterInvariantViolationError(
                f"Asset key {key.to_user_string()} not found in the asset graph."
                + did_you_mean(key.to_user_string(), (k.to_user_string() for k in self._nodes))
            ) from None

    def has(self, key: AssetKey) -> bool:
        return key in self._nodes

    @property
    def nodes(self) -> Mapping[AssetKey, AssetNode]:
        return self._nodes

    @property
    def all_asset_keys(self) -> frozenset[AssetKey]:
        return frozenset(self._nodes)

    @property
    def materializable_asset_keys(self) -> frozenset[AssetKey]:
        return frozenset(k for k, n in self._nodes.items() if n.is_materializable)

    @property
    def external_asset_keys(self) -> frozenset[AssetKey]:
        return frozenset(k for k, n in self._nodes.items() if not n.is_materializable)

    def parents(self, key: AssetKey) -> frozenset[AssetKey]:
        return self._nodes[key].parent_keys

    def children(self, key: AssetKey) -> frozenset[AssetKey]:
        return self._nodes[key].child_keys

    # --- traversal ---
    def upstream(
        self, keys: Iterable[AssetKey], depth: int | None = None, include_self: bool = True
    ) -> set[AssetKey]:
        return self._walk(keys, depth, include_self, upward=True)

    def downstream(
        self, keys: Iterable[AssetKey], depth: int | None = None, include_self: bool = True
    ) -> set[AssetKey]:
        return self._walk(keys, depth, include_self, upward=False)

    def _walk(
        self, keys: Iterable[AssetKey], depth: int | None, include_self: bool, upward: bool
    ) -> set[AssetKey]:
        start = [k for k in keys if k in self._nodes]
        seen: set[AssetKey] = set(start)
        frontier = start
        d = 0
        nodes = self._nodes
        while frontier and (depth is None or d < depth):
            nxt = []
            for k in frontier:
                n = nodes[k]
                for m in n.parent_keys if upward else n.child_keys:
                    if m not in seen:
                        seen.add(m)
                        nxt.append(m)
            frontier = nxt
            d += 1
        if not include_self:
            # Dagster removes every starting key, even one reachable from another start key.
            seen.difference_update(start)
        return seen

    def toposorted_keys(self) -> tuple[AssetKey, ...]:
        """All keys, parents before children; ties broken by key for determinism.

        Raises CircularDependencyError (a DagsterInvalidDefinitionError and a ValueError) naming
        the keys of a cycle.
        """
        if self._topo is None:
            import heapq

            # every parent is a node of the graph (from_nodes adds stubs for the missing ones)
            indeg = {k: len(n.parent_keys) for k, n in self._nodes.items()}
            heap = [(k.parts, k) for k, d in indeg.items() if d == 0]
            heapq.heapify(heap)
            order: list[AssetKey] = []
            while heap:
                _, k = heapq.heappop(heap)
                order.append(k)
                for c in self._nodes[k].child_keys:
                    indeg[c] -= 1
                    if indeg[c] == 0:
                        heapq.heappush(heap, (c.parts, c))
            if len(order) != len(self._nodes):
                cycle = self._find_cycle({k for k, d in indeg.items() if d > 0})
                raise CircularDependencyError(
                    "Circular dependency detected between assets: "
                    + " -> ".join(k.to_user_string() for k in cycle)
                    + ". Remove one of these dependencies."
                )
            self._topo = tuple(order)
            self._topo_index = {k: i for i, k in enumerate(order)}
        return self._topo

    def check_acyclic(self) -> None:
        """Raise CircularDependencyError if the graph has a cycle (as ``toposorted_keys``, without
        ordering the keys: a graph is checked when it is built, and ordered when a run needs
        the order)."""
        if self._topo is not None:
            return
        nodes = self._nodes
        indeg = {k: len(n.parent_keys) for k, n in nodes.items()}
        ready = [k for k, d in indeg.items() if not d]
        done = 0
        while ready:
            k = ready.pop()
            done += 1
            for c in nodes[k].child_keys:
                d = indeg[c] - 1
                indeg[c] = d
                if not d:
                    ready.append(c)
        if done != len(nodes):
            self.toposorted_keys()  # raises, naming a cycle

    def topo_index(self, key: AssetKey) -> int:
        self.toposorted_keys()
        assert self._topo_index is not None
        return self._topo_index[key]

    def _find_cycle(self, remaining: set[AssetKey]) -> list[AssetKey]:
        start = min(remaining, key=lambda k: k.parts)
        path: list[AssetKey] = []
        index: dict[AssetKey, int] = {}
        k = start
        while k not in index:
            index[k] = len(path)
            path.append(k)
            k = min(
                (p for p in self._nodes[k].parent_keys if p in remaining), key=lambda x: x.parts
            )
        cyc = path[index[k] :]
        cyc.reverse()
        return [*cyc, cyc[0]]

    def roots(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        """Keys of ``keys`` with no parent inside ``keys``."""
        ks = set(keys)
        return {k for k in ks if not (self._nodes[k].parent_keys & ks)}

    def sinks(self, keys: Iterable[AssetKey]) -> set[AssetKey]:
        """Keys of ``keys`` with no child inside ``keys``."""
        ks = set(keys)
        return {k for k in ks if not (self._nodes[k].child_keys & ks)}
