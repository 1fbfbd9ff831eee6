"""``LazySpecs``: the specs of a large multi-asset, each built the first time it is read.

A dbt project of thousands of models is one multi-asset of thousands of specs. Loading it
(``@dbt_assets`` + ``Definitions`` + a selection) needs only each key and its deps; the rest of
a spec (description, metadata, column schema, tags, owners, kinds, group, code version) is read
later, for some keys, by a view, a run or a selection by group or kind. ``LazySpecs`` is a
``Mapping[AssetKey, AssetSpec]`` that knows its keys, their deps and what every spec shares up
front, and calls ``build(key)`` the first time a spec is read, keeping the result:

    specs = LazySpecs({key: (dep,)}, build)   # nothing built
    key in specs, specs.deps_of(key)          # still nothing built
    specs[key]                                # build(key), once

The core reads a lazy mapping without building it where it only needs the graph:
``AssetsDefinition`` (group names are set by the builder), ``ResolvedAssets.build`` (deps,
partitions def, IO manager key) and the asset graph's nodes, which read their spec on first use.
Anything that needs every spec (``.values()``, ``dict(specs)``, a copy of the definition) builds
them all, which is correct and only slower. A pickled ``LazySpecs`` is a plain dict of its built
specs (processes and Dask workers get the specs, not the builder).

The builder is trusted only so far: each spec it returns is checked against what was promised
(key, deps, partitions def, IO manager key, skippable, a group), so a wrong builder fails loudly
at the first read rather than giving a graph that disagrees with its specs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvariantViolationError

if TYPE_CHECKING:
    from dagster_nb._definitions.asset_checks import AssetCheckKey, AssetCheckSpec
    from dagster_nb._definitions.asset_spec import AssetDep, AssetSpec

__all__ = ["LazySpecs", "LazyCheckSpecs", "deps_of", "check_keys_of"]


K = TypeVar("K")
V = TypeVar("V")


class _BuiltOnRead(Mapping[K, V]):
    """A mapping whose keys, and what each value promises, are known up front; a value is
    built by ``build(key)`` when first read, checked against its promise, and kept."""

    __slots__ = ("_promised", "_build", "_built")

    def __init__(self, promised: Mapping[K, Any], build: Callable[[K], V]) -> None:
        self._promised = promised
        self._build = build
        self._built: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        value = self._built.get(key)
        if value is None:
            promised = self._promised[key]  # KeyError for a key this mapping does not have
            value = self._checked(key, promised, self._build(key))
            # two threads reading the same key build it twice; one result is kept
            value = self._built.setdefault(key, value)
        return value

    def _checked(self, key: K, promised: Any, value: V, /) -> V:
        raise NotImplementedError

    def __iter__(self) -> Iterator[K]:
        return iter(self._promised)

    def __len__(self) -> int:
        return len(self._promised)

    def __contains__(self, key: object) -> bool:
        return key in self._promised

    @property
    def built_count(self) -> int:
        """How many values have been built so far."""
        return len(self._built)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (list(self.items()),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._promised)} keys, {len(self._built)} built)"


def _broken_promise(what: str, wrong: str) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f"The lazily built {what} differs from what its definition promised ({wrong}). This is "
        "a bug in the code that built the definition."
    )


class LazySpecs(_BuiltOnRead[AssetKey, "AssetSpec"]):
    """Specs by key, each built by ``build(key)`` on first read (see the module docstring);
    each key's deps are given up front."""

    __slots__ = ("partitions_def", "io_manager_key", "skippable")

    def __init__(
        self,
        deps: Mapping[AssetKey, tuple[AssetDep, ...]],
        build: Callable[[AssetKey], AssetSpec],
        *,
        partitions_def: Any = None,
        io_manager_key: str | None = None,
        skippable: bool = False,
    ) -> None:
        super().__init__(deps, build)
        #: What every spec has (the builder promises it; each built spec is checked).
        self.partitions_def = partitions_def
        self.io_manager_key = io_manager_key
        self.skippable = skippable

    def _checked(self, key: AssetKey, deps: tuple[AssetDep, ...], spec: AssetSpec, /) -> AssetSpec:
        wrong = [
            what
            for what, ok in (
                ("key", spec.key == key),
                ("deps", spec.deps is deps or spec.deps == deps),
                ("partitions_def", spec.partitions_def is self.partitions_def),
                ("io_manager_key", spec.io_manager_key == self.io_manager_key),
                ("skippable", spec.skippable == self.skippable),
                ("group_name", spec.group_name is not None),
            )
            if not ok
        ]
        if wrong:
            raise _broken_promise(f"spec of {key.to_user_string()}", ", ".join(wrong))
        return spec

    def deps_of(self, key: AssetKey) -> tuple[AssetDep, ...]:
        """The deps of ``key`` without building its spec."""
        return self._promised[key]


def deps_of(specs: Mapping[AssetKey, AssetSpec], key: AssetKey) -> tuple[AssetDep, ...]:
    """The deps of ``key`` in ``specs``, without building a lazy spec."""
    if type(specs) is LazySpecs:
        return specs.deps_of(key)
    return specs[key].deps


class LazyCheckSpecs(_BuiltOnRead[str, "AssetCheckSpec"]):
    """Check specs by op output name, each built by ``build(output_name)`` on first read; the
    check keys are given up front (a dbt project's tests: thousands of checks, whose keys a
    graph and a selection need, and whose descriptions and extra deps a run reads later)."""

    __slots__ = ()

    def __init__(
        self,
        keys_by_output_name: Mapping[str, AssetCheckKey],
        build: Callable[[str], AssetCheckSpec],
    ) -> None:
        super().__init__(keys_by_output_name, build)

    def _checked(
        self, output_name: str, key: AssetCheckKey, spec: AssetCheckSpec, /
    ) -> AssetCheckSpec:
        if spec.key != key:
            raise _broken_promise(
                f"check spec {spec.key.to_user_string()}", f"key {key.to_user_string()}"
            )
        return spec

    def check_key_of(self, output_name: str) -> AssetCheckKey:
        """The check key of ``output_name`` without building its spec."""
        return self._promised[output_name]

    @property
    def check_keys(self) -> Iterator[AssetCheckKey]:
        return iter(self._promised.values())


def check_keys_of(specs: Mapping[str, AssetCheckSpec]) -> Iterator[AssetCheckKey]:
    """The keys of the check specs in ``specs`` (by output name), without building lazy ones."""
    if type(specs) is LazyCheckSpecs:
        return specs.check_keys
    return (s.key for s in specs.values())
