"""AssetSpec, AssetDep, AssetIn, AssetOut: the plain-data description of assets and their edges.

>>> spec = AssetSpec("orders", deps=["raw_orders"], group_name="sales", kinds={"python"})
>>> spec.deps[0].asset_key
AssetKey(['raw_orders'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import field
from typing import TYPE_CHECKING, Any, Union

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import (
    AssetKey,
    CoercibleToAssetKey,
    CoercibleToAssetKeyPrefix,
    key_prefix_from_coercible,
)
from dagster_nb._definitions.records import trusted_constructor
from dagster_nb._errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    ParameterCheckError,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._automation.conditions import AutomationCondition
    from dagster_nb._automation.freshness import FreshnessPolicy, LegacyFreshnessPolicy
    from dagster_nb._automation.policies import AutoMaterializePolicy
    from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
    from dagster_nb._definitions.policy import BackfillPolicy
    from dagster_nb._partitions.definition import PartitionsDefinition
    from dagster_nb._partitions.mapping.base import PartitionMapping
    from dagster_nb._typing import NoExtraKwargs, Unpack

    # What deps=[...] accepts (Dagster's CoercibleToAssetDep).
    CoercibleToAssetDep = Union[
        AssetKey, str, Sequence[str], "AssetSpec", AssetsDefinition, SourceAsset, "AssetDep"
    ]

__all__ = ["AssetSpec", "AssetDep", "AssetIn", "AssetOut", "coerce_dep", "KIND_TAG_PREFIX"]

KIND_TAG_PREFIX = "dagster/kind/"
_MAX_KINDS = 3  # Dagster allows at most three kinds per asset


class _Where:
    """``asset 'a/b'`` for error messages, built only when one is raised."""

    __slots__ = ("key",)

    def __init__(self, key: AssetKey):
        self.key = key

    def __str__(self) -> str:
        return f"asset '{self.key.to_user_string()}'"

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


def _validate_tags(tags: Mapping[str, str] | None, where: Any) -> dict[str, str]:
    if not tags:
        return {}
    out = dict(tags)
    for k, v in out.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise DagsterInvalidDefinitionError(
                f"Tags of {where} must map strings to strings; got {k!r}: {v!r}. "
                "Put non-string values in `metadata` instead."
            )
    return out


_NO_KINDS: frozenset[str] = frozenset()  # shared: most assets have no kinds


def resolve_automation_condition(automation_condition: Any, auto_materialize_policy: Any) -> Any:
    """As Dagster: an AutoMaterializePolicy stands for its ``to_automation_condition()``; giving
    both is refused."""
    if auto_materialize_policy is None:
        return automation_condition
    if automation_condition is not None:
        raise DagsterInvariantViolationError(
            "Cannot supply both `automation_condition` and `auto_materialize_policy`"
        )
    return auto_materialize_policy.to_automation_condition()


def check_freshness_policy(freshness_policy: Any) -> Any:
    """``freshness_policy=`` takes the 1.13 FreshnessPolicy; the old one has its own parameter."""
    if freshness_policy is not None and type(freshness_policy).__name__ == "LegacyFreshnessPolicy":
        raise ParameterCheckError(
            f'Param "freshness_policy" is not a FreshnessPolicy. Got {freshness_policy!r} which is '
            f"type {type(freshness_policy)}. If you are using a LegacyFreshnessPolicy, pass this "
            "in with the `legacy_freshness_policy` parameter instead."
        )
    return freshness_policy


def _validate_kinds(kinds: Iterable[str] | None, where: Any) -> frozenset[str]:
    if not kinds:
        return _NO_KINDS
    ks = frozenset(kinds)
    if len(ks) > _MAX_KINDS:
        raise DagsterInvalidDefinitionError(
            f"Assets can have at most three kinds currently; {where} has {len(ks)}: {sorted(ks)}."
        )
    return ks


@dataclass(frozen=True, slots=True)
class AssetDep:
    """A dependency on an asset whose value is not passed to the function.

    ``AssetDep("raw", partition_mapping=dg.LastPartitionMapping())``
    """

    asset_key: AssetKey
    partition_mapping: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        asset: Any,
        *,
        partition_mapping: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ):
        object.__setattr__(self, "asset_key", _key_of(asset))
        object.__setattr__(self, "partition_mapping", partition_mapping)
        # Raw, as the user gave it (Dagster normalizes metadata only on events).
        object.__setattr__(self, "metadata", dict(metadata or {}))

    def __hash__(self) -> int:
        return hash((self.asset_key, id(self.partition_mapping)))

    def _with_asset_key(self, key: AssetKey) -> AssetDep:
        # dataclasses.replace cannot be used: __init__ takes ``asset``, not ``asset_key``.
        return _new_dep(key, self.partition_mapping, self.metadata)


_new_dep = trusted_constructor(AssetDep)


def make_dep(key: AssetKey, partition_mapping: Any = None) -> AssetDep:
    """``AssetDep(key, partition_mapping=...)`` for a key that is already an AssetKey
    (internal fast path of the decorators)."""
    return _new_dep(key, partition_mapping, {})


def _key_of(asset: Any) -> AssetKey:
    """Key of a coercible (str, list, AssetKey) or of a definition (AssetSpec, SourceAsset,
    single-key AssetsDefinition)."""
    if isinstance(asset, (str, list, tuple, AssetKey)):
        return AssetKey.from_coercible(asset)
    if isinstance(asset, AssetDep):
        return asset.asset_key
    keys = getattr(asset, "keys", None)
    if keys is not None and not callable(keys):
        keys = list(keys)
        if len(keys) != 1:
            raise DagsterInvalidDefinitionError(
                f"Cannot pass a multi-asset definition with {len(keys)} keys as a single dep; "
                "pass its keys (or AssetSpecs) instead."
            )
        return keys[0]
    key = getattr(asset, "key", None)
    if isinstance(key, AssetKey):
        return key
    return AssetKey.from_coercible(asset)


def coerce_dep(dep: Any) -> list[AssetDep]:
    """Turn one entry of ``deps=`` into AssetDeps (a multi-asset contributes all its keys)."""
    if isinstance(dep, AssetDep):
        return [dep]
    if not isinstance(dep, (str, list, tuple, AssetKey)):
        keys = getattr(dep, "keys", None)
        if keys is not None and not callable(keys):
            return [AssetDep(k) for k in keys]
    return [AssetDep(dep)]


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetSpec:
    """Describes one asset: key, deps, grouping, ownership, metadata.

    ``AssetSpec("orders", deps=["raw"], group_name="sales", owners=["team:data"])``
    """

    key: AssetKey
    deps: tuple[AssetDep, ...] = ()
    description: str | None = None
    # Raw values as the user gave them ({"rows": 1} stays 1), as in Dagster: normalization to
    # MetadataValue happens on materialization/observation events.
    metadata: Mapping[str, Any] = field(default_factory=dict)
    skippable: bool = False
    group_name: str | None = None
    code_version: str | None = None
    automation_condition: Any = None
    owners: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset()
    partitions_def: Any = None
    freshness_policy: Any = None
    auto_materialize_policy: Any = None
    io_manager_key: str | None = None  # ours: where an external spec's value is loaded from
    legacy_freshness_policy: Any = None
    is_virtual: bool = False  # as Dagster's: kept on the spec (a view, not stored data)

    def __init__(
        self,
        key: CoercibleToAssetKey,
        *,
        deps: Iterable[CoercibleToAssetDep] | None = None,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        skippable: bool = False,
        group_name: str | None = None,
        code_version: str | None = None,
        automation_condition: AutomationCondition | None = None,
        owners: Sequence[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: AbstractSet[str] | None = None,
        partitions_def: PartitionsDefinition | None = None,
        freshness_policy: FreshnessPolicy | None = None,
        auto_materialize_policy: AutoMaterializePolicy | None = None,
        io_manager_key: str | None = None,
        legacy_freshness_policy: LegacyFreshnessPolicy | None = None,
        is_virtual: bool = False,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("AssetSpec", kwargs, _SPEC_PARAMS)
        k = key if type(key) is AssetKey else AssetKey.from_coercible(key)
        where = _Where(k)  # formatted only if an error message needs it
        dep_list: list[AssetDep] = []
        seen: set[AssetKey] = set()
        for d in deps or ():
            for ad in coerce_dep(d):
                if ad.asset_key in seen:
                    raise DagsterInvalidDefinitionError(
                        f"Cannot set a dependency on asset {ad.asset_key.to_user_string()} more "
                        f"than once for {where}."
                    )
                seen.add(ad.asset_key)
                dep_list.append(ad)
        tag_map = _validate_tags(tags, where)
        kind_set = _validate_kinds(kinds, where)
        for kind in kind_set:
            tag_map.setdefault(KIND_TAG_PREFIX + kind, "")
        if tag_map:  # kinds given as tags count too (most assets have no tags: skip the scan)
            kind_set = kind_set | {
                t[len(KIND_TAG_PREFIX) :] for t in tag_map if t.startswith(KIND_TAG_PREFIX)
            }
        if owners is not None and isinstance(owners, str):
            raise DagsterInvalidDefinitionError(
                f"owners of {where} must be a list of strings, got the string {owners!r}."
            )
        for o in owners or ():
            if not isinstance(o, str) or not ("@" in o or o.startswith("team:")):
                raise DagsterInvalidDefinitionError(
                    f"Invalid owner '{o}' for {where}. Owner must be an email address or a "
                    "team name prefixed with 'team:'."
                )
        s = object.__setattr__
        s(self, "key", k)
        s(self, "deps", tuple(dep_list))
        s(self, "description", description)
        s(self, "metadata", dict(metadata) if metadata else {})
        s(self, "skippable", skippable)
        s(self, "group_name", group_name)
        s(self, "code_version", code_version)
        s(
            self,
            "automation_condition",
            resolve_automation_condition(automation_condition, auto_materialize_policy),
        )
        s(self, "owners", tuple(owners or ()))
        s(self, "tags", tag_map)
        s(self, "kinds", kind_set)
        s(self, "partitions_def", partitions_def)
        s(self, "freshness_policy", check_freshness_policy(freshness_policy))
        s(self, "auto_materialize_policy", auto_materialize_policy)
        s(self, "io_manager_key", io_manager_key)
        s(self, "legacy_freshness_policy", legacy_freshness_policy)
        s(self, "is_virtual", bool(is_virtual))

    def __hash__(self) -> int:
        return hash(("AssetSpec", self.key))

    @property
    def dep_keys(self) -> tuple[AssetKey, ...]:
        return tuple(d.asset_key for d in self.deps)

    def replace_attributes(self, **kwargs: Any) -> AssetSpec:
        """A copy with some attributes replaced: ``spec.replace_attributes(group_name="g")``."""
        current = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if "kinds" in kwargs:
            current["tags"] = {
                t: v for t, v in current["tags"].items() if not t.startswith(KIND_TAG_PREFIX)
            }
        current.update(kwargs)
        key = current.pop("key")
        # automation_condition already holds what a policy stands for: pass the policy through
        # __init__ only when it is what changes.
        amp = current.pop("auto_materialize_policy")
        if "auto_materialize_policy" in kwargs and "automation_condition" not in kwargs:
            current["automation_condition"] = None
            return AssetSpec(key, auto_materialize_policy=amp, **current)
        spec = AssetSpec(key, **current)
        if amp is not None and "automation_condition" not in kwargs:
            object.__setattr__(spec, "auto_materialize_policy", amp)
        return spec

    def merge_attributes(
        self,
        *,
        deps: Iterable[Any] = (),
        metadata: Mapping[str, Any] | None = None,
        owners: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        kinds: Iterable[str] = (),
    ) -> AssetSpec:
        """A copy with deps/metadata/owners/tags/kinds added to the existing ones."""
        return self.replace_attributes(
            deps=[*self.deps, *deps],
            metadata={**self.metadata, **(metadata or {})},
            owners=[*self.owners, *[o for o in owners if o not in self.owners]],
            tags={**self.tags, **(tags or {})},
            kinds=self.kinds | set(kinds),
        )

    def with_io_manager_key(self, io_manager_key: str) -> AssetSpec:
        return self.replace_attributes(io_manager_key=io_manager_key)


# An AssetSpec from values the caller has already validated and normalized: an AssetKey, a tuple
# of AssetDeps with distinct keys, a metadata dict it owns; no owners, tags or kinds (the
# decorators' common case; everything else goes through ``__init__``).
trusted_spec = trusted_constructor(
    AssetSpec,
    fixed={"owners": (), "kinds": _NO_KINDS, "legacy_freshness_policy": None, "is_virtual": False},
    fresh={"tags": dict},
)


_SPEC_PARAMS = [
    "deps",
    "description",
    "metadata",
    "skippable",
    "group_name",
    "code_version",
    "automation_condition",
    "owners",
    "tags",
    "kinds",
    "partitions_def",
    "freshness_policy",
    "legacy_freshness_policy",
    "is_virtual",
]


_IN_PARAMS = (
    "key",
    "metadata",
    "key_prefix",
    "input_manager_key",
    "partition_mapping",
    "dagster_type",
)
_OUT_PARAMS = (
    "key_prefix",
    "key",
    "dagster_type",
    "description",
    "is_required",
    "io_manager_key",
    "metadata",
    "group_name",
    "code_version",
    "automation_condition",
    "backfill_policy",
    "owners",
    "tags",
    "kinds",
    "freshness_policy",
    "auto_materialize_policy",
    "is_virtual",
)


@dataclass(frozen=True, slots=True)
class AssetIn:
    """Names the upstream asset an input parameter reads: ``ins={"x": AssetIn("raw")}``."""

    key: AssetKey | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    key_prefix: tuple[str, ...] | None = None
    input_manager_key: str | None = None
    partition_mapping: Any = None
    dagster_type: Any = None

    def __init__(
        self,
        key: CoercibleToAssetKey | None = None,
        metadata: Mapping[str, Any] | None = None,
        key_prefix: CoercibleToAssetKeyPrefix | None = None,
        input_manager_key: str | None = None,
        partition_mapping: PartitionMapping | None = None,
        dagster_type: Any = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("AssetIn", kwargs, _IN_PARAMS)
        if key is not None and key_prefix is not None:
            raise CheckError(
                "AssetIn: key and key_prefix cannot both be set; put the full key in `key`."
            )
        s = object.__setattr__
        s(self, "key", AssetKey.from_coercible(key) if key is not None else None)
        s(self, "metadata", dict(metadata or {}))
        s(
            self,
            "key_prefix",
            tuple(key_prefix_from_coercible(key_prefix)) if key_prefix is not None else None,
        )
        s(self, "input_manager_key", input_manager_key)
        s(self, "partition_mapping", partition_mapping)
        s(self, "dagster_type", dagster_type)

    def __hash__(self) -> int:
        return hash((self.key, self.key_prefix))


@dataclass(frozen=True, slots=True)
class AssetOut:
    """One output of a multi-asset: ``outs={"a": AssetOut(), "b": AssetOut(key_prefix="x")}``."""

    key_prefix: tuple[str, ...] | None = None
    key: AssetKey | None = None
    dagster_type: Any = None
    description: str | None = None
    is_required: bool = True
    io_manager_key: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    group_name: str | None = None
    code_version: str | None = None
    automation_condition: Any = None
    backfill_policy: Any = None
    owners: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset()
    freshness_policy: Any = None
    auto_materialize_policy: Any = None
    is_virtual: bool = False

    def __init__(
        self,
        key_prefix: CoercibleToAssetKeyPrefix | None = None,
        key: CoercibleToAssetKey | None = None,
        dagster_type: Any = None,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        group_name: str | None = None,
        code_version: str | None = None,
        automation_condition: AutomationCondition | None = None,
        backfill_policy: BackfillPolicy | None = None,
        owners: Sequence[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: AbstractSet[str] | None = None,
        freshness_policy: FreshnessPolicy | None = None,
        is_virtual: bool = False,
        *,
        auto_materialize_policy: AutoMaterializePolicy | None = None,  # Dagster: in **kwargs
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("AssetOut", kwargs, _OUT_PARAMS)
        if key is not None and key_prefix is not None:
            raise CheckError(
                "AssetOut: key and key_prefix cannot both be set; put the full key in `key`."
            )
        s = object.__setattr__
        s(
            self,
            "key_prefix",
            tuple(key_prefix_from_coercible(key_prefix)) if key_prefix is not None else None,
        )
        s(self, "key", AssetKey.from_coercible(key) if key is not None else None)
        s(self, "dagster_type", dagster_type)
        s(self, "description", description)
        s(self, "is_required", is_required)
        s(self, "io_manager_key", io_manager_key)
        s(self, "metadata", dict(metadata or {}))
        s(self, "group_name", group_name)
        s(self, "code_version", code_version)
        s(
            self,
            "automation_condition",
            resolve_automation_condition(automation_condition, auto_materialize_policy),
        )
        s(self, "backfill_policy", backfill_policy)
        s(self, "owners", tuple(owners or ()))
        s(self, "tags", dict(tags or {}))
        s(self, "kinds", frozenset(kinds or ()))
        s(self, "freshness_policy", check_freshness_policy(freshness_policy))
        s(self, "auto_materialize_policy", auto_materialize_policy)
        s(self, "is_virtual", bool(is_virtual))

    def __hash__(self) -> int:
        return hash((self.key, self.key_prefix))

    def to_spec(self, key: AssetKey, deps: Iterable[Any], partitions_def: Any) -> AssetSpec:
        spec = AssetSpec(
            key,
            deps=deps,
            description=self.description,
            metadata=self.metadata,
            skippable=not self.is_required,
            group_name=self.group_name,
            code_version=self.code_version,
            automation_condition=self.automation_condition,
            owners=self.owners,
            tags=self.tags,
            kinds=self.kinds,
            partitions_def=partitions_def,
            freshness_policy=self.freshness_policy,
            io_manager_key=self.io_manager_key,
            is_virtual=self.is_virtual,
        )
        if self.auto_materialize_policy is not None:  # its condition is already resolved
            object.__setattr__(spec, "auto_materialize_policy", self.auto_materialize_policy)
        return spec
