"""Asset checks, as in Dagster: ``AssetCheckSpec`` / ``AssetCheckKey`` name a check of an asset,
``AssetCheckResult`` is what a check function returns (or an asset yields for the checks in its
``check_specs``), ``AssetCheckEvaluation`` is the recorded outcome. ``@asset_check`` and
``@multi_asset_check`` build an :class:`AssetChecksDefinition`: an assets definition with no
assets of its own, whose op runs as a step after the assets it checks.

>>> import dagster_nb as dg
>>> @dg.asset
... def orders(): return [1, 2]
>>> @dg.asset_check(asset=orders)
... def not_empty(orders): return dg.AssetCheckResult(passed=len(orders) > 0)
>>> not_empty.check_key.to_user_string(), not_empty([1]).passed
('orders:not_empty', True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions import registry_hook
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.assets import AssetsDefinition
from dagster_nb._definitions.lazy_specs import LazyCheckSpecs
from dagster_nb._definitions.metadata import MetadataValue, normalize_metadata
from dagster_nb._definitions.records import trusted_constructor
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    did_you_mean,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "AssetCheckSeverity",
    "AssetCheckKey",
    "AssetCheckSpec",
    "AssetCheckResult",
    "AssetCheckEvaluation",
    "AssetCheckEvaluationTargetMaterializationData",
    "AssetChecksDefinition",
    "asset_check",
    "multi_asset_check",
    "check_output_name",
]


class AssetCheckSeverity(str, Enum):
    """How bad a failed check is. A failed ``ERROR`` check of a ``blocking`` spec stops the
    assets downstream of the checked asset; ``WARN`` never does.

    >>> AssetCheckSeverity.WARN.value
    'WARN'
    """

    WARN = "WARN"
    ERROR = "ERROR"


class AssetCheckKey(NamedTuple):
    """The identity of a check: the asset it checks and its name.

    >>> AssetCheckKey(AssetKey("orders"), "not_empty").to_user_string()
    'orders:not_empty'
    """

    asset_key: AssetKey
    name: str

    def to_user_string(self) -> str:
        return f"{self.asset_key.to_user_string()}:{self.name}"

    @staticmethod
    def from_user_string(user_string: str) -> AssetCheckKey:
        """``"a/b:check"`` -> ``AssetCheckKey(AssetKey(["a", "b"]), "check")``."""
        asset_str, sep, name = user_string.rpartition(":")
        if not sep or not asset_str or not name:
            raise DagsterInvalidDefinitionError(
                f"{user_string!r} is not an asset check key: write it as 'asset/key:check_name'."
            )
        return AssetCheckKey(AssetKey.from_user_string(asset_str), name)

    def __repr__(self) -> str:
        return f"AssetCheckKey(asset_key={self.asset_key!r}, name={self.name!r})"


def _target_key(asset: Any, what: str) -> AssetKey:
    if isinstance(asset, AssetsDefinition):
        if len(asset.specs_by_key) != 1:
            raise DagsterInvalidDefinitionError(
                f"{what}: asset= must name one asset; {asset!r} defines "
                f"{len(asset.specs_by_key)}. Pass the key of the asset to check."
            )
        return next(iter(asset.specs_by_key))
    key = getattr(asset, "key", None)  # SourceAsset, AssetSpec
    if isinstance(key, AssetKey):
        return key
    try:
        return AssetKey.from_coercible(asset)
    except Exception:
        raise DagsterInvalidDefinitionError(
            f"{what}: asset= must be an asset key, a string, an asset or a source asset; got "
            f"{type(asset).__name__}."
        ) from None


@dataclass(frozen=True, slots=True)
class AssetCheckSpec:
    """Declares a check of an asset: in ``@asset(check_specs=[...])`` (the asset yields the
    result) or ``@multi_asset_check(specs=[...])``.

    >>> AssetCheckSpec("positive", asset="orders").key
    AssetCheckKey(asset_key=AssetKey(['orders']), name='positive')
    """

    name: str
    asset_key: AssetKey
    description: str | None = None
    additional_deps: tuple = ()
    blocking: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    automation_condition: Any = None
    partitions_def: Any = None

    def __init__(
        self,
        name: str,
        *,
        asset: Any,
        description: str | None = None,
        additional_deps: Iterable[Any] | None = None,
        blocking: bool = False,
        metadata: Mapping[str, Any] | None = None,
        automation_condition: Any = None,
        partitions_def: Any = None,
    ):
        from dagster_nb._definitions.asset_spec import coerce_dep

        what = f"Asset check '{name}'"
        if not isinstance(name, str) or not name:
            raise DagsterInvalidDefinitionError("AssetCheckSpec needs a non-empty name.")
        _unsupported(what, automation_condition=automation_condition, partitions_def=partitions_def)
        key = _target_key(asset, what)
        deps: list[Any] = []
        for d in additional_deps or ():
            deps.extend(coerce_dep(d))
        for d in deps:
            if d.asset_key == key:
                raise DagsterInvalidDefinitionError(
                    f"{what}: additional_deps includes {key.to_user_string()}, the asset it "
                    "checks (already a dependency); remove it."
                )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "asset_key", key)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "additional_deps", tuple(deps))
        object.__setattr__(self, "blocking", bool(blocking))
        normalize_metadata(metadata)  # bad values raise here; kept as given, as Dagster does
        object.__setattr__(self, "metadata", dict(metadata or {}))
        object.__setattr__(self, "automation_condition", None)
        object.__setattr__(self, "partitions_def", None)

    @property
    def key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset_key, self.name)

    def _with_asset_key(self, asset_key: AssetKey) -> AssetCheckSpec:
        """A copy checking ``asset_key`` (for key prefixes / replacements)."""
        return _trusted_check_spec(
            name=self.name,
            asset_key=asset_key,
            description=self.description,
            additional_deps=self.additional_deps,
            blocking=self.blocking,
            metadata=self.metadata,
            automation_condition=self.automation_condition,
            partitions_def=self.partitions_def,
        )

    def __repr__(self) -> str:
        return (
            f"AssetCheckSpec(name={self.name!r}, asset_key={self.asset_key!r}, "
            f"description={self.description!r}, additional_deps={list(self.additional_deps)!r}, "
            f"blocking={self.blocking!r}, metadata={dict(self.metadata)!r}, "
            "automation_condition=None, partitions_def=None)"
        )


_trusted_check_spec = trusted_constructor(AssetCheckSpec)


def _unsupported(what: str, **given: Any) -> None:
    for name, value in given.items():
        if value is not None:
            raise DagsterInvalidDefinitionError(
                f"{what}: {name}= is not supported yet for asset checks in dagster_nb. Remove it "
                "(run the check with its asset, or on its own with "
                "selection=AssetSelection.checks(...))."
            )


@dataclass(frozen=True, slots=True)
class AssetCheckResult:
    """The outcome of a check, returned by an ``@asset_check`` function or yielded by an asset
    with ``check_specs``.

    >>> AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN).severity.value
    'WARN'
    """

    passed: bool
    asset_key: AssetKey | None = None
    check_name: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR
    description: str | None = None

    def __init__(
        self,
        *,
        passed: bool,
        asset_key: Any = None,
        check_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
        description: str | None = None,
    ):
        if not isinstance(passed, bool):
            raise DagsterInvalidDefinitionError(
                f"AssetCheckResult(passed=...) must be a bool, got {type(passed).__name__}: "
                "pass passed=bool(...)."
            )
        object.__setattr__(self, "passed", passed)
        object.__setattr__(
            self, "asset_key", AssetKey.from_coercible(asset_key) if asset_key is not None else None
        )
        object.__setattr__(self, "check_name", check_name)
        object.__setattr__(self, "metadata", normalize_metadata(metadata))
        object.__setattr__(self, "severity", AssetCheckSeverity(severity))
        object.__setattr__(self, "description", description)

    def __repr__(self) -> str:
        return (
            f"AssetCheckResult(passed={self.passed!r}, asset_key={self.asset_key!r}, "
            f"check_name={self.check_name!r}, metadata={dict(self.metadata)!r}, "
            f"severity={self.severity!r}, description={self.description!r})"
        )


@dataclass(frozen=True, slots=True)
class AssetCheckEvaluationTargetMaterializationData:
    """The materialization a check evaluated (the latest one of its asset when it ran)."""

    storage_id: int | None
    run_id: str
    timestamp: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetCheckEvaluation:
    """A recorded check outcome (``event.asset_check_evaluation_data``,
    ``result.get_asset_check_evaluations()``).

    >>> e = AssetCheckEvaluation(asset_key=AssetKey("a"), check_name="c", passed=True)
    >>> e.asset_check_key.to_user_string()
    'a:c'
    """

    asset_key: AssetKey
    check_name: str
    passed: bool
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    target_materialization_data: AssetCheckEvaluationTargetMaterializationData | None = None
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR
    description: str | None = None
    blocking: bool | None = None
    partition: str | None = None

    @property
    def asset_check_key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset_key, self.check_name)

    # --- the event payload (DagsterEvent.data), JSON-safe ---
    def to_data(self) -> dict[str, Any]:
        from dagster_nb._definitions.metadata import metadata_to_json

        t = self.target_materialization_data
        return {
            "check_name": self.check_name,
            "passed": self.passed,
            "severity": self.severity.value,
            "description": self.description,
            "blocking": self.blocking,
            "metadata": metadata_to_json(self.metadata),
            "target": None if t is None else [t.storage_id, t.run_id, t.timestamp],
        }

    @staticmethod
    def from_data(
        asset_key: AssetKey, data: Mapping[str, Any], partition: str | None = None
    ) -> AssetCheckEvaluation:
        from dagster_nb._definitions.metadata import metadata_from_json

        t = data.get("target")
        return AssetCheckEvaluation(
            asset_key=asset_key,
            check_name=data["check_name"],
            passed=data["passed"],
            metadata=metadata_from_json(data.get("metadata") or {}),
            target_materialization_data=(
                AssetCheckEvaluationTargetMaterializationData(t[0], t[1], t[2]) if t else None
            ),
            severity=AssetCheckSeverity(data.get("severity", "ERROR")),
            description=data.get("description"),
            blocking=data.get("blocking"),
            partition=partition,
        )


def check_output_name(spec: AssetCheckSpec) -> str:
    """Dagster's name for the op output of a check in an asset's or a multi-check's op."""
    return f"{spec.asset_key.to_python_identifier()}_{spec.name}"


def specs_by_output_name(
    specs: Iterable[AssetCheckSpec] | LazyCheckSpecs | None,
    what: str,
    asset_keys: Iterable[AssetKey] | None = None,
) -> Mapping[str, AssetCheckSpec]:
    """``check_specs`` of an asset or multi-asset, validated and keyed by output name (a
    ``LazyCheckSpecs``, already keyed so, is checked by its keys and kept lazy)."""
    out: dict[str, AssetCheckSpec] = {}
    seen: set[AssetCheckKey] = set()
    allowed: Any = None
    if asset_keys is not None:
        allowed = asset_keys if isinstance(asset_keys, Mapping) else set(asset_keys)
    if type(specs) is LazyCheckSpecs:
        for name in specs:
            key = specs.check_key_of(name)
            if allowed is not None and key.asset_key not in allowed:
                raise DagsterInvalidDefinitionError(
                    f"Invalid asset key {key.asset_key!r} in check spec {key.name}. Must be one "
                    f"of {sorted(allowed, key=lambda k: k.parts)!r}"
                )
        return specs
    for s in specs or ():
        if not isinstance(s, AssetCheckSpec):
            raise DagsterInvalidDefinitionError(
                f"{what}: check_specs must be AssetCheckSpec objects, got {type(s).__name__}."
            )
        if allowed is not None and s.asset_key not in allowed:
            raise DagsterInvalidDefinitionError(
                f"Invalid asset key {s.asset_key!r} in check spec {s.name}. Must be one of "
                f"{sorted(allowed, key=lambda k: k.parts)!r}"
            )
        if s.key in seen:
            raise DagsterInvalidDefinitionError(
                f"{what}: duplicate check spec {s.key.to_user_string()}; give each check its own name."
            )
        seen.add(s.key)
        out[check_output_name(s)] = s
    return out


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class AssetChecksDefinition(AssetsDefinition):
    """Checks computed by one op, defined with ``@asset_check`` or ``@multi_asset_check``. It
    defines no assets: ``keys`` is empty and ``check_keys`` names its checks. Pass it with the
    assets to ``materialize`` or to ``Definitions(asset_checks=[...])``.

    >>> import dagster_nb as dg
    >>> @dg.asset_check(asset="orders")
    ... def fresh(): return dg.AssetCheckResult(passed=True)
    >>> sorted(k.to_user_string() for k in fresh.check_keys), fresh.keys
    (['orders:fresh'], frozenset())
    """

    def __repr__(self) -> str:
        names = ", ".join(sorted(k.to_user_string() for k in self.check_keys))
        return f"<AssetChecksDefinition {names}>"

    def __hash__(self) -> int:
        return id(self)

    def _label(self) -> str:
        return f"asset check '{self.node_name}'"

    @property
    def required_resource_keys(self) -> frozenset[str]:
        """The op's resources and the IO managers that load its inputs (as Dagster counts)."""
        keys = set(getattr(self.node_def, "required_resource_keys", ()) or ())
        for in_def in (getattr(self.node_def, "ins", None) or {}).values():
            keys.add(getattr(in_def, "input_manager_key", None) or "io_manager")
        return frozenset(keys)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from dagster_nb._definitions.invocation import direct_invoke

        return direct_invoke(self.node_def, args, kwargs, assets_def=self)


def _finish(defn: AssetChecksDefinition) -> AssetChecksDefinition:
    registry_hook.notify(defn)
    return defn


def _check_resource_defs(resource_defs: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(resource_defs or {})


def asset_check(
    *,
    asset: Any,
    name: str | None = None,
    description: str | None = None,
    blocking: bool = False,
    additional_ins: Mapping[str, Any] | None = None,
    additional_deps: Iterable[Any] | None = None,
    required_resource_keys: Iterable[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    config_schema: Any = None,
    compute_kind: str | None = None,
    op_tags: Mapping[str, Any] | None = None,
    retry_policy: Any = None,
    metadata: Mapping[str, Any] | None = None,
    automation_condition: Any = None,
    pool: str | None = None,
    partitions_def: Any = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """A check of one asset. The function returns an ``AssetCheckResult``; a parameter that is
    not the context, config, a resource or an ``additional_ins`` name receives the checked
    asset's value (loaded through its IO manager).

    >>> import dagster_nb as dg
    >>> @dg.asset_check(asset="orders", blocking=True)
    ... def has_rows(orders): return dg.AssetCheckResult(passed=bool(orders))
    >>> has_rows.node_def.name
    'orders_has_rows'
    """
    if kwargs:
        raise_unexpected_keyword("@asset_check", kwargs, asset_check)
    from dagster_nb._definitions.decorators import _input_keys, _validate_name
    from dagster_nb._definitions.op import OpDefinition, Out, inspect_compute_fn

    _unsupported(
        "@asset_check", automation_condition=automation_condition, partitions_def=partitions_def
    )

    def wrap(fn: Callable[..., Any]) -> AssetChecksDefinition:
        check_name = name or fn.__name__
        what = f"check '{check_name}'"
        target = _target_key(asset, f"@asset_check {what}")
        spec = AssetCheckSpec(
            check_name,
            asset=target,
            description=description or _doc(fn),
            additional_deps=additional_deps,
            blocking=blocking,
            metadata=metadata,
        )
        op_name = f"{target.to_python_identifier()}_{check_name}"
        if not _valid(op_name):
            raise DagsterInvalidDefinitionError(
                f'"{op_name}" is not a valid name in Dagster. Names must be in regex '
                "^[A-Za-z0-9_]+$."
            )
        _validate_name(check_name, "check name")
        sig = inspect_compute_fn(fn, what=f"@asset_check {what}")
        extra = dict(additional_ins or {})
        asset_params = [p for p in sig.input_params if p not in extra]
        if len(asset_params) > 1:
            raise DagsterInvalidDefinitionError(
                f"When defining check '{check_name}', multiple assets provided as parameters: "
                f"{asset_params}. These should either match the target asset or be specified in "
                "'additional_ins'."
            )
        from dagster_nb._definitions.asset_spec import AssetIn

        ins = {p: AssetIn(key=target) for p in asset_params}
        for k, v in extra.items():
            ins[k] = v if isinstance(v, AssetIn) else AssetIn(key=AssetKey.from_coercible(v))
        input_keys, mappings, op_ins = _input_keys(sig, ins, fn.__name__, f"@asset_check {what}")
        tags = dict(op_tags or {})
        if compute_kind:
            tags["dagster/compute_kind"] = compute_kind
        if pool:
            tags["dagster/concurrency_key"] = pool
        op = OpDefinition(
            compute_fn=fn,
            name=op_name,
            ins=op_ins,
            outs={"result": Out()},
            description=spec.description,
            required_resource_keys=frozenset(required_resource_keys or ()),
            config_schema=config_schema,
            tags=tags,
            retry_policy=retry_policy,
            signature=sig,
        )
        from dagster_nb._definitions.decorators import _source_location

        return _finish(
            AssetChecksDefinition(
                specs_by_key={},
                keys_by_input_name=input_keys,
                node_def=op,
                partition_mappings=mappings,
                resource_defs=_check_resource_defs(resource_defs),
                source_location=_source_location(fn),
                check_specs_by_output_name={"result": spec},
            )
        )

    return wrap


def multi_asset_check(
    *,
    specs: Sequence[AssetCheckSpec],
    name: str | None = None,
    description: str | None = None,
    can_subset: bool = False,
    compute_kind: str | None = None,
    op_tags: Mapping[str, Any] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    required_resource_keys: Iterable[str] | None = None,
    retry_policy: Any = None,
    config_schema: Any = None,
    ins: Mapping[str, Any] | None = None,
    pool: str | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """Several checks computed by one function, which yields one ``AssetCheckResult(asset_key=...,
    check_name=...)`` per spec.

    >>> import dagster_nb as dg
    >>> @dg.multi_asset_check(specs=[dg.AssetCheckSpec("a_ok", asset="a"), dg.AssetCheckSpec("b_ok", asset="b")])
    ... def both():
    ...     yield dg.AssetCheckResult(asset_key="a", check_name="a_ok", passed=True)
    ...     yield dg.AssetCheckResult(asset_key="b", check_name="b_ok", passed=True)
    >>> len(both.check_keys)
    2
    """
    if kwargs:
        raise_unexpected_keyword("@multi_asset_check", kwargs, multi_asset_check)
    from dagster_nb._definitions.asset_spec import AssetIn
    from dagster_nb._definitions.decorators import _input_keys, _source_location, _validate_name
    from dagster_nb._definitions.op import OpDefinition, Out, inspect_compute_fn

    def wrap(fn: Callable[..., Any]) -> AssetChecksDefinition:
        op_name = name or fn.__name__
        _validate_name(op_name, "multi-asset check name")
        what = f"@multi_asset_check '{op_name}'"
        by_out = specs_by_output_name(specs, what)
        if not by_out:
            raise DagsterInvalidDefinitionError(
                f"{what} needs at least one AssetCheckSpec in specs=."
            )
        sig = inspect_compute_fn(fn, what=what)
        asset_ins = {}
        for k, v in (ins or {}).items():
            asset_ins[k] = v if isinstance(v, AssetIn) else AssetIn(key=AssetKey.from_coercible(v))
        input_keys, mappings, op_ins = _input_keys(sig, asset_ins, fn.__name__, what)
        tags = dict(op_tags or {})
        if compute_kind:
            tags["dagster/compute_kind"] = compute_kind
        if pool:
            tags["dagster/concurrency_key"] = pool
        op = OpDefinition(
            compute_fn=fn,
            name=op_name,
            ins=op_ins,
            outs={n: Out(is_required=not can_subset) for n in by_out},
            description=description or _doc(fn),
            required_resource_keys=frozenset(required_resource_keys or ()),
            config_schema=config_schema,
            tags=tags,
            retry_policy=retry_policy,
            signature=sig,
        )
        return _finish(
            AssetChecksDefinition(
                specs_by_key={},
                keys_by_input_name=input_keys,
                node_def=op,
                partition_mappings=mappings,
                can_subset=can_subset,
                resource_defs=_check_resource_defs(resource_defs),
                source_location=_source_location(fn),
                check_specs_by_output_name=by_out,
            )
        )

    return wrap


def _valid(name: str) -> bool:
    return name.replace("_", "").isalnum() and name.isascii()


def _doc(fn: Callable) -> str | None:
    import inspect

    return inspect.getdoc(fn) if fn.__doc__ else None


def resolve_check_key(
    result: AssetCheckResult, specs: Mapping[AssetCheckKey, AssetCheckSpec], where: str
) -> AssetCheckKey:
    """The check a result is for: its asset_key / check_name, or the only candidate."""
    from dagster_nb._errors import DagsterInvariantViolationError

    cands = list(specs)
    if result.asset_key is not None:
        cands = [k for k in cands if k.asset_key == result.asset_key]
        if not cands:
            raise DagsterInvariantViolationError(
                f"Received unexpected AssetCheckResult. It targets asset "
                f"'{result.asset_key.to_user_string()}' which is not targeted by any of the "
                f"checks currently being evaluated ({where}). Targeted assets: "
                f"{sorted(k.asset_key.to_user_string() for k in specs)}."
            )
    if result.check_name is not None:
        named = [k for k in cands if k.name == result.check_name]
        if not named:
            asset = cands[0].asset_key.to_user_string() if cands else "?"
            raise DagsterInvariantViolationError(
                "Received unexpected AssetCheckResult. No checks currently being evaluated "
                f"target asset '{asset}' and have name '{result.check_name}'. Checks being "
                f"evaluated for this asset: {set(k.name for k in cands)}"
                + did_you_mean(result.check_name, [k.name for k in cands])
            )
        cands = named
    if len(cands) != 1:
        raise DagsterInvariantViolationError(
            f"AssetCheckResult(passed={result.passed}) of {where} did not specify which check it "
            f"is for, and {len(cands)} checks could be meant: "
            f"{sorted(k.to_user_string() for k in cands)}. Pass check_name= (and asset_key=)."
        )
    return cands[0]
