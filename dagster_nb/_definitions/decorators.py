"""``@asset``, ``@multi_asset``, ``@observable_source_asset``, ``@multi_observable_source_asset``,
``external_assets_from_specs`` and the graph-asset builders.

All of them normalize their many keyword arguments into one :class:`AssetsDefinition` at the
edge; nothing downstream sees the raw arguments. When a kernel repository is active (after
``%load_ext dagster_nb``), each new definition is announced through :mod:`registry_hook`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, overload

from dagster_nb._definitions import registry_hook
from dagster_nb._definitions.asset_graph import DEFAULT_GROUP_NAME
from dagster_nb._definitions.asset_key import (
    AssetKey,
    CoercibleToAssetKey,
    CoercibleToAssetKeyPrefix,
    key_from_parts,
    key_prefix_from_coercible,
)
from dagster_nb._definitions.asset_spec import (
    AssetDep,
    AssetIn,
    AssetOut,
    AssetSpec,
    _Where,
    check_freshness_policy,
    coerce_dep,
    make_dep,
    resolve_automation_condition,
    trusted_spec,
)
from dagster_nb._definitions.assets import AssetsDefinition, ExecutionType, single_asset_definition
from dagster_nb._definitions.lazy_specs import LazySpecs
from dagster_nb._definitions.op import (
    DEFAULT_OUT,
    FnSignature,
    In,
    OpDefinition,
    Out,
    asset_input,
    inspect_compute_fn,
)
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidDefinitionTypeError,
    did_you_mean,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._automation.conditions import AutomationCondition
    from dagster_nb._automation.freshness import FreshnessPolicy, LegacyFreshnessPolicy
    from dagster_nb._automation.policies import AutoMaterializePolicy
    from dagster_nb._definitions.asset_checks import AssetCheckSpec
    from dagster_nb._definitions.asset_spec import CoercibleToAssetDep
    from dagster_nb._definitions.graph import ConfigMapping
    from dagster_nb._definitions.policy import BackfillPolicy, RetryPolicy
    from dagster_nb._execution.hooks import HookDefinition
    from dagster_nb._partitions.definition import PartitionsDefinition
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = [
    "asset",
    "multi_asset",
    "observable_source_asset",
    "multi_observable_source_asset",
    "external_assets_from_specs",
    "external_asset_from_spec",
    "graph_asset",
    "graph_multi_asset",
]

_ASSET_PARAMS = (
    "name",
    "key_prefix",
    "ins",
    "deps",
    "metadata",
    "tags",
    "description",
    "config_schema",
    "required_resource_keys",
    "resource_defs",
    "hooks",
    "io_manager_def",
    "io_manager_key",
    "dagster_type",
    "partitions_def",
    "op_tags",
    "group_name",
    "output_required",
    "automation_condition",
    "freshness_policy",
    "backfill_policy",
    "retry_policy",
    "code_version",
    "key",
    "check_specs",
    "owners",
    "kinds",
    "pool",
    "is_virtual",
    "compute_kind",
    "auto_materialize_policy",
    "non_argument_deps",
    "legacy_freshness_policy",
)
_ASSET_PARAM_SET = frozenset(_ASSET_PARAMS)
_NO_RESOURCE_KEYS: frozenset[str] = frozenset()


def _valid_name(name: Any) -> bool:
    if not isinstance(name, str) or not name or not name.isascii():
        return False
    rest = name.replace("-", "").replace(".", "").replace("_", "")
    return not rest or rest.isalnum()


# Names Dagster reserves (its own parameter names, builtins it shadows, Python keywords).
_RESERVED_NAMES = frozenset(
    (
        "context",
        "conf",
        "config",
        "meta",
        "arg_dict",
        "dict",
        "input_arg_dict",
        "output_arg_dict",
        "int",
        "str",
        "float",
        "bool",
        "input",
        "output",
        "type",
        *__import__("keyword").kwlist,
    )
)


def _validate_name(name: str, what: str) -> str:
    if name in _RESERVED_NAMES:
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. It conflicts with a Dagster or python '
            f"reserved keyword. Choose another {what} (e.g. '{name}_data')."
        )
    # Dagster accepts '-' and '.' in names (they become '_' in the op name) and nothing else:
    # ^[A-Za-z0-9_]+$ after that replacement (checked without re, this runs per decorator).
    if not _valid_name(name):
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. Names must be in regex ^[A-Za-z0-9_]+$. '
            f"(This is the {what}: letters, digits and underscores; '-' and '.' are also "
            "accepted.)"
        )
    return name


def _validate_strict_name(name: str, what: str) -> str:
    """Op and output names: no '-' or '.' (accepted in asset names only, as in Dagster)."""
    _validate_name(name, what)
    if "-" in name or "." in name:
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. Names must be in regex ^[A-Za-z0-9_]+$. '
            f"(This is the {what}: '-' and '.' are accepted in asset names only.)"
        )
    return name


def _refuse_hooks(hooks: Any, what: str) -> None:
    if hooks:
        raise DagsterInvalidDefinitionError(
            f"{what}(hooks=...) is not supported by dagster_nb yet: success/failure hooks do not "
            "run here. Call the notification from the asset body, or run on Dagster."
        )


def _refuse_graph_config(config: Any, what: str) -> None:
    if config is not None:
        raise DagsterInvalidDefinitionError(
            f"{what}(config=...) is not supported by dagster_nb yet; configure the inner ops "
            'with run_config={"ops": {graph_name: {"ops": {op_name: {"config": ...}}}}}.'
        )


def _source_location(fn: Callable) -> str | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


def _unexpected_kwargs(kwargs: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    if kwargs:
        bad = next(iter(kwargs))
        raise DagsterInvalidDefinitionTypeError(
            f"{what} got an unexpected keyword argument '{bad}'." + did_you_mean(bad, allowed)
        )


def _input_keys(
    sig: FnSignature,
    ins: Mapping[str, AssetIn] | None,
    fn_name: str,
    what: object,  # str, or an object that formats as one (only when an error is raised)
) -> tuple[dict[str, AssetKey], dict[AssetKey, Any], dict[str, In]]:
    """Map each input parameter to an upstream key (Dagster: AssetKey([param]) unless `ins`
    names it), and collect partition mappings."""
    ins = dict(ins or {})
    for name in ins:
        if name not in sig.input_params:
            raise DagsterInvalidDefinitionError(
                f"Key '{name}' in provided ins dict does not correspond to any of the names of the "
                f"arguments to the decorated function of {what}."
                + did_you_mean(name, sig.input_params)
            )
    keys: dict[str, AssetKey] = {}
    mappings: dict[AssetKey, Any] = {}
    op_ins: dict[str, In] = {}
    for p in sig.input_params:
        ai = ins.get(p)
        if ai is None:
            key = AssetKey([p])
        elif ai.key is not None:
            key = ai.key
        elif ai.key_prefix is not None:
            key = AssetKey([*ai.key_prefix, p])
        else:
            key = AssetKey([p])
        keys[p] = key
        if ai is not None and ai.partition_mapping is not None:
            mappings[key] = ai.partition_mapping
        op_ins[p] = In(
            metadata=dict(ai.metadata) if ai else {},
            asset_key=key,
            input_manager_key=ai.input_manager_key if ai else None,
            dagster_type=ai.dagster_type if ai else None,
        )
    return keys, mappings, op_ins


def _collect_deps(deps: Iterable[Any] | None) -> list[AssetDep]:
    out: list[AssetDep] = []
    for d in deps or ():
        out.extend(coerce_dep(d))
    return out


def _finish(defn: AssetsDefinition) -> AssetsDefinition:
    registry_hook.notify(defn)
    return defn


@overload
def asset(
    compute_fn: Callable[..., Any],
    *,
    name: str | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    io_manager_def: object | None = None,
    io_manager_key: str | None = None,
    dagster_type: Any = None,
    partitions_def: PartitionsDefinition | None = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    automation_condition: AutomationCondition | None = None,
    freshness_policy: FreshnessPolicy | None = None,
    backfill_policy: BackfillPolicy | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    owners: Sequence[str] | None = None,
    kinds: AbstractSet[str] | None = None,
    pool: str | None = None,
    is_virtual: bool = False,
    compute_kind: str | None = None,
    auto_materialize_policy: AutoMaterializePolicy | None = None,
    non_argument_deps: AbstractSet[AssetKey] | AbstractSet[str] | None = None,
    legacy_freshness_policy: LegacyFreshnessPolicy | None = None,
) -> AssetsDefinition: ...


@overload
def asset(
    compute_fn: None = None,
    *,
    name: str | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    io_manager_def: object | None = None,
    io_manager_key: str | None = None,
    dagster_type: Any = None,
    partitions_def: PartitionsDefinition | None = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    automation_condition: AutomationCondition | None = None,
    freshness_policy: FreshnessPolicy | None = None,
    backfill_policy: BackfillPolicy | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    owners: Sequence[str] | None = None,
    kinds: AbstractSet[str] | None = None,
    pool: str | None = None,
    is_virtual: bool = False,
    compute_kind: str | None = None,
    auto_materialize_policy: AutoMaterializePolicy | None = None,
    non_argument_deps: AbstractSet[AssetKey] | AbstractSet[str] | None = None,
    legacy_freshness_policy: LegacyFreshnessPolicy | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]: ...


def asset(compute_fn: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Define an asset: ``@asset`` or ``@asset(group_name="sales", deps=["raw"])``.

    Parameters are Dagster's (name, key, key_prefix, ins, deps, metadata, tags, description,
    required_resource_keys, resource_defs, io_manager_key, io_manager_def, partitions_def,
    group_name, automation_condition, freshness_policy, backfill_policy, retry_policy,
    code_version, owners, kinds, compute_kind, ...). Function parameters are upstream assets
    (by name), the context (first parameter named ``context``), a ``Config`` subclass, or
    resources (annotated with a ``ConfigurableResource`` type).
    """
    for k in kwargs:
        if k not in _ASSET_PARAM_SET:
            _unexpected_kwargs({k: None}, _ASSET_PARAMS, "@asset")

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        return _finish(_build_asset(fn, **kwargs))

    if compute_fn is not None:
        if not callable(compute_fn):
            raise DagsterInvalidDefinitionTypeError(
                f"@asset must decorate a function; got {type(compute_fn).__name__}. Did you mean "
                "@asset(name=...)?"
            )
        return wrap(compute_fn)
    return wrap


if not TYPE_CHECKING:
    # What inspect.signature(asset) reports (``dg.asset?`` in Jupyter, help(), the side-by-side
    # signature test): the overloads' keyword-only parameters, through __wrapped__. ``asset``
    # itself takes **kwargs, so a decoration binds only the keywords given; 33 keyword-only
    # defaults filled on every call cost ~2.5% more instructions per @asset (bench/icount.py
    # decorate), and @asset runs at every cell re-run. Unknown keywords are refused above.
    def _asset_signature(
        compute_fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        key_prefix: CoercibleToAssetKeyPrefix | None = None,
        ins: Mapping[str, AssetIn] | None = None,
        deps: Iterable[CoercibleToAssetDep] | None = None,
        metadata: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
        config_schema: Any = None,
        required_resource_keys: AbstractSet[str] | None = None,
        resource_defs: Mapping[str, object] | None = None,
        hooks: AbstractSet[HookDefinition] | None = None,
        io_manager_def: object | None = None,
        io_manager_key: str | None = None,
        dagster_type: Any = None,
        partitions_def: PartitionsDefinition | None = None,
        op_tags: Mapping[str, Any] | None = None,
        group_name: str | None = None,
        output_required: bool = True,
        automation_condition: AutomationCondition | None = None,
        freshness_policy: FreshnessPolicy | None = None,
        backfill_policy: BackfillPolicy | None = None,
        retry_policy: RetryPolicy | None = None,
        code_version: str | None = None,
        key: CoercibleToAssetKey | None = None,
        check_specs: Sequence[AssetCheckSpec] | None = None,
        owners: Sequence[str] | None = None,
        kinds: AbstractSet[str] | None = None,
        pool: str | None = None,
        is_virtual: bool = False,
        compute_kind: str | None = None,
        auto_materialize_policy: AutoMaterializePolicy | None = None,
        non_argument_deps: AbstractSet[AssetKey] | AbstractSet[str] | None = None,
        legacy_freshness_policy: LegacyFreshnessPolicy | None = None,
        **kwargs: Unpack[NoExtraKwargs],
    ) -> AssetsDefinition | Callable[[Callable[..., Any]], AssetsDefinition]:
        """The parameters of :func:`asset` (see above)."""

    asset.__wrapped__ = _asset_signature


def _build_asset(
    fn: Callable,
    *,
    name: str | None = None,
    key_prefix: Any = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    hooks: Any = None,
    io_manager_def: Any = None,
    io_manager_key: str | None = None,
    dagster_type: Any = None,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    automation_condition: Any = None,
    freshness_policy: Any = None,
    backfill_policy: Any = None,
    retry_policy: Any = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    check_specs: Any = None,
    owners: Sequence[str] | None = None,
    kinds: AbstractSet[str] | None = None,
    pool: str | None = None,
    is_virtual: bool = False,
    compute_kind: str | None = None,
    auto_materialize_policy: Any = None,
    non_argument_deps: Any = None,
    legacy_freshness_policy: Any = None,
) -> AssetsDefinition:
    _refuse_hooks(hooks, "@asset")
    if key is not None and (name is not None or key_prefix is not None):
        raise DagsterInvalidDefinitionError(
            "Cannot specify a name or key prefix for @asset when the key argument is provided."
        )
    if key is not None:
        asset_key = AssetKey.from_coercible(key)
    else:
        asset_name = name or fn.__name__
        _validate_name(asset_name, "asset name")
        if key_prefix is None:
            asset_key = key_from_parts((asset_name,))
        else:
            asset_key = AssetKey([*key_prefix_from_coercible(key_prefix), asset_name])
    op_name = asset_key.to_python_identifier()
    what = _Where(asset_key)  # "asset 'a/b'", formatted only if an error message needs it
    sig = inspect_compute_fn(fn, what=what)
    if ins is None:  # the common case: each parameter reads the asset of its name
        input_keys: dict[str, AssetKey] = {}
        mappings: dict[AssetKey, Any] = {}
        op_ins: dict[str, In] = {}
        for p in sig.input_params:
            k = input_keys[p] = key_from_parts((p,))
            op_ins[p] = asset_input(k, {}, None, None)
    else:
        input_keys, mappings, op_ins = _input_keys(sig, ins, fn.__name__, what)
    if deps is None and non_argument_deps is None:
        dep_list: list[AssetDep] = []
    else:
        dep_list = _collect_deps(deps) + _collect_deps(non_argument_deps)
        input_key_set = set(input_keys.values())
        for d in dep_list:
            if d.asset_key in input_key_set:
                raise DagsterInvalidDefinitionError(
                    f"deps value {d.asset_key.to_user_string()} of {what} is also an input (a "
                    "parameter of the function); list it in only one place."
                )
            if d.partition_mapping is not None:
                mappings[d.asset_key] = d.partition_mapping
    all_deps: list[Any] = [make_dep(k, mappings.get(k)) for k in input_keys.values()]
    all_deps += dep_list
    dep_keys = {d.asset_key for d in all_deps}
    if asset_key in dep_keys:
        raise DagsterInvalidDefinitionError(
            f"{what} depends on itself. An asset cannot be its own upstream; rename the parameter "
            "or pass ins={...} with the intended key."
        )
    if io_manager_def is not None:
        io_manager_key = io_manager_key or f"{op_name}__io_manager"
        resource_defs = {**(resource_defs or {}), io_manager_key: io_manager_def}
    description = description or _doc(fn)
    if auto_materialize_policy is not None or freshness_policy is not None:
        automation_condition = resolve_automation_condition(
            automation_condition, auto_materialize_policy
        )
        check_freshness_policy(freshness_policy)
    if not (owners or tags or kinds or legacy_freshness_policy or is_virtual) and len(
        dep_keys
    ) == len(all_deps):
        # Nothing left for AssetSpec.__init__ to validate: deps are AssetDeps with distinct keys.
        spec = trusted_spec(
            key=asset_key,
            deps=tuple(all_deps),
            description=description,
            metadata=dict(metadata) if metadata else {},
            skippable=not output_required,
            group_name=group_name or DEFAULT_GROUP_NAME,
            code_version=code_version,
            automation_condition=automation_condition,
            partitions_def=partitions_def,
            freshness_policy=freshness_policy,
            auto_materialize_policy=auto_materialize_policy,
            io_manager_key=io_manager_key,
        )
    else:
        spec = AssetSpec(
            asset_key,
            deps=all_deps,
            description=description,
            metadata=metadata,
            skippable=not output_required,
            group_name=group_name,
            code_version=code_version,
            automation_condition=automation_condition,
            owners=owners,
            tags=tags,
            kinds=kinds,
            partitions_def=partitions_def,
            freshness_policy=freshness_policy,
            auto_materialize_policy=None,
            io_manager_key=io_manager_key,
            legacy_freshness_policy=legacy_freshness_policy,
            is_virtual=is_virtual,
        )
        if auto_materialize_policy is not None:  # its condition is already resolved above
            object.__setattr__(spec, "auto_materialize_policy", auto_materialize_policy)
    node_tags = dict(op_tags) if op_tags else {}
    if compute_kind:
        node_tags["dagster/compute_kind"] = compute_kind
    if io_manager_key is None and output_required and dagster_type is None:
        out = DEFAULT_OUT
    else:
        out = Out(
            io_manager_key=io_manager_key, is_required=output_required, dagster_type=dagster_type
        )
    op = OpDefinition(
        compute_fn=fn,
        name=op_name,
        ins=op_ins,
        outs={"result": out},
        description=spec.description,
        required_resource_keys=frozenset(required_resource_keys)
        if required_resource_keys
        else _NO_RESOURCE_KEYS,
        config_schema=config_schema,
        tags=node_tags,
        retry_policy=retry_policy,
        code_version=code_version,
        signature=sig,
        pool=pool,
    )
    ad = single_asset_definition(
        asset_key,
        spec,
        input_keys,
        op,
        partitions_def,
        mappings,
        dict(resource_defs) if resource_defs else {},
        backfill_policy,
        _source_location(fn),
    )
    if check_specs:
        from dagster_nb._definitions.asset_checks import specs_by_output_name

        # a new object, not yet shared: set the field single_asset_definition left empty
        object.__setattr__(
            ad,
            "check_specs_by_output_name",
            specs_by_output_name(check_specs, str(what), [asset_key]),
        )
    return ad


def _doc(fn: Callable) -> str | None:
    import inspect

    return inspect.getdoc(fn) if fn.__doc__ else None


def multi_asset(
    *,
    outs: Mapping[str, AssetOut] | None = None,
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: AbstractSet[str] | None = None,
    internal_asset_deps: Mapping[str, set[AssetKey]] | None = None,
    partitions_def: PartitionsDefinition | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    backfill_policy: BackfillPolicy | None = None,
    op_tags: Mapping[str, Any] | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, object] | None = None,
    group_name: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    specs: Sequence[AssetSpec] | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    pool: str | None = None,
    compute_kind: str | None = None,
    allow_arbitrary_check_specs: bool = False,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """Several assets computed by one function: ``@multi_asset(outs={"a": AssetOut(), ...})``
    or ``@multi_asset(specs=[AssetSpec("a"), AssetSpec("b", deps=["a"])])``. With
    ``can_subset=True`` the function may be asked for only some of its assets
    (``context.selected_asset_keys``)."""
    _unexpected_kwargs(
        kwargs,
        (
            "outs",
            "name",
            "ins",
            "deps",
            "specs",
            "can_subset",
            "group_name",
            "internal_asset_deps",
            "partitions_def",
            "required_resource_keys",
            "code_version",
            "retry_policy",
            "resource_defs",
            "backfill_policy",
            "op_tags",
            "description",
            "pool",
            "compute_kind",
            "config_schema",
            "hooks",
            "check_specs",
            "allow_arbitrary_check_specs",
        ),
        "@multi_asset",
    )
    _refuse_hooks(hooks, "@multi_asset")
    if outs and specs:
        raise DagsterInvalidDefinitionError("@multi_asset: pass either outs or specs, not both.")
    if not outs and not specs:
        raise DagsterInvalidDefinitionError(
            "@multi_asset needs outs={name: AssetOut(...)} or specs=[AssetSpec(...)]."
        )

    def wrap(fn: Callable) -> AssetsDefinition:
        op_name = name or fn.__name__
        _validate_strict_name(op_name, "multi-asset name")
        what = f"multi-asset '{op_name}'"
        sig = inspect_compute_fn(fn, what=what)
        input_keys, mappings, op_ins = _input_keys(sig, ins, fn.__name__, what)
        dep_list = _collect_deps(deps)
        for d in dep_list:
            if d.partition_mapping is not None:
                mappings[d.asset_key] = d.partition_mapping
        shared_deps = [AssetDep(k, partition_mapping=mappings.get(k)) for k in input_keys.values()]
        shared_deps += dep_list
        keys_by_output: dict[str, AssetKey] = {}
        specs_by_key: dict[AssetKey, AssetSpec] = {}
        op_outs: dict[str, Out] = {}
        internal = {}
        lazy: LazySpecs | None = None
        if outs:
            for out_name, ao in outs.items():
                if not isinstance(ao, AssetOut):
                    raise DagsterInvalidDefinitionError(
                        f"outs['{out_name}'] of {what} must be an AssetOut, got "
                        f"{type(ao).__name__}."
                    )
                _validate_strict_name(out_name, "output name")
                k = ao.key or AssetKey([*(ao.key_prefix or ()), out_name])
                keys_by_output[out_name] = k
                op_outs[out_name] = Out(
                    is_required=ao.is_required,
                    io_manager_key=ao.io_manager_key,
                    code_version=ao.code_version,
                    dagster_type=ao.dagster_type,
                )
            for out_name, ao in outs.items():
                k = keys_by_output[out_name]
                if internal_asset_deps and out_name in internal_asset_deps:
                    dk = {AssetKey.from_coercible(x) for x in internal_asset_deps[out_name]}
                    spec_deps = [d for d in shared_deps if d.asset_key in dk]
                    spec_deps += [
                        AssetDep(x) for x in dk if x not in {d.asset_key for d in shared_deps}
                    ]
                    internal[k] = frozenset(dk)
                else:
                    spec_deps = shared_deps
                spec = ao.to_spec(k, spec_deps, partitions_def)
                if group_name and not spec.group_name:
                    spec = spec.replace_attributes(group_name=group_name)
                if code_version and not spec.code_version:
                    spec = spec.replace_attributes(code_version=code_version)
                specs_by_key[k] = spec
        elif _can_stay_lazy(specs, shared_deps, group_name, code_version, partitions_def):
            # A LazySpecs (a dbt project's) stays lazy: outputs from its keys, one shared Out.
            assert isinstance(specs, LazySpecs)
            shared_out = Out(is_required=not specs.skippable, io_manager_key=specs.io_manager_key)
            for k in specs:
                out_name = k.to_python_identifier()
                keys_by_output[out_name] = k
                op_outs[out_name] = shared_out
            lazy = specs
        else:
            for s in _spec_list(specs):
                out_name = s.key.to_python_identifier()
                keys_by_output[out_name] = s.key
                op_outs[out_name] = Out(
                    is_required=not s.skippable, io_manager_key=s.io_manager_key
                )
                extra = [d for d in shared_deps if d.asset_key not in set(s.dep_keys)]
                spec = s.replace_attributes(deps=[*s.deps, *extra]) if extra else s
                if group_name and not spec.group_name:
                    spec = spec.replace_attributes(group_name=group_name)
                if partitions_def is not None and spec.partitions_def is None:
                    spec = spec.replace_attributes(partitions_def=partitions_def)
                if code_version and not spec.code_version:
                    spec = spec.replace_attributes(code_version=code_version)
                specs_by_key[s.key] = spec
        if len(set(keys_by_output.values())) != len(keys_by_output):
            raise DagsterInvalidDefinitionError(f"{what} defines the same asset key twice.")
        all_specs: Mapping[AssetKey, AssetSpec] = specs_by_key if lazy is None else lazy
        pdefs = {
            id(p): p
            for p in (
                (lazy.partitions_def,)
                if lazy is not None
                else (s.partitions_def for s in specs_by_key.values())
            )
            if p is not None
        }
        pdef = (
            partitions_def
            if partitions_def is not None
            else (next(iter(pdefs.values())) if pdefs else None)
        )
        if len(pdefs) > 1:
            raise DagsterInvalidDefinitionError(
                f"{what}: all assets of a multi-asset must share one partitions definition."
            )
        node_tags = dict(op_tags or {})
        if compute_kind:
            node_tags["dagster/compute_kind"] = compute_kind
        op = OpDefinition(
            compute_fn=fn,
            name=op_name,
            ins=op_ins,
            outs=op_outs,
            description=description or _doc(fn),
            required_resource_keys=frozenset(required_resource_keys or ()),
            config_schema=config_schema,
            tags=node_tags,
            retry_policy=retry_policy,
            code_version=code_version,
            signature=sig,
            pool=pool,
        )
        checks: Mapping[str, Any] = {}
        if check_specs:
            from dagster_nb._definitions.asset_checks import specs_by_output_name

            # allow_arbitrary_check_specs: checks on other assets too (dagster_dbt's tests of
            # sources), as Dagster allows
            checks = specs_by_output_name(
                check_specs, what, None if allow_arbitrary_check_specs else all_specs
            )
        return _finish(
            AssetsDefinition(
                specs_by_key=all_specs,
                keys_by_output_name=keys_by_output,
                keys_by_input_name=input_keys,
                node_def=op,
                partitions_def=pdef,
                partition_mappings=mappings,
                can_subset=can_subset,
                resource_defs=dict(resource_defs or {}),
                backfill_policy=backfill_policy,
                internal_asset_deps=internal,
                source_location=_source_location(fn),
                check_specs_by_output_name=checks,
            )
        )

    return wrap


def _can_stay_lazy(
    specs: Any, shared_deps: list[AssetDep], group_name: Any, code_version: Any, pdef: Any
) -> bool:
    """A LazySpecs can be used as is unless the decorator would change every spec (shared deps,
    a group, a code version or a partitions def of its own)."""
    return (
        type(specs) is LazySpecs
        and not shared_deps
        and not group_name
        and not code_version
        and (pdef is None or pdef is specs.partitions_def)
    )


def _spec_list(specs: Any) -> list[AssetSpec]:
    """``specs=`` as a list (a LazySpecs the decorator must change is built in full)."""
    if type(specs) is LazySpecs:
        return list(specs.values())
    return list(specs or ())


def _observable_assets_def(
    fn: Callable,
    *,
    specs: Sequence[AssetSpec],
    partitions_def: Any = None,
    required_resource_keys: Iterable[str] = (),
    resource_defs: Mapping[str, Any] | None = None,
    auto_observe_interval_minutes: float | None = None,
    name: str | None = None,
    can_subset: bool = False,
    op_tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> AssetsDefinition:
    op_name = name or fn.__name__
    sig = inspect_compute_fn(fn, what=f"observable source asset '{op_name}'")
    if sig.input_params:
        raise DagsterInvalidDefinitionError(
            f"Observable source asset '{op_name}' cannot take upstream inputs "
            f"({', '.join(sig.input_params)}); its function may take only context, config and "
            "resources."
        )
    op = OpDefinition(
        compute_fn=fn,
        name=op_name,
        outs={s.key.to_python_identifier(): Out() for s in specs},
        required_resource_keys=frozenset(required_resource_keys),
        signature=sig,
        tags=op_tags,
        description=description,
    )
    return AssetsDefinition(
        specs_by_key={s.key: s for s in specs},
        keys_by_output_name={s.key.to_python_identifier(): s.key for s in specs},
        node_def=op,
        partitions_def=partitions_def,
        resource_defs=dict(resource_defs or {}),
        execution_type=ExecutionType.OBSERVATION,
        auto_observe_interval_minutes=auto_observe_interval_minutes,
        can_subset=can_subset,
        source_location=_source_location(fn),
    )


@overload
def observable_source_asset(
    observe_fn: Callable[..., Any],
    *,
    key: CoercibleToAssetKey | None = None,
    name: str | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    metadata: Mapping[str, Any] | None = None,
    io_manager_key: str | None = None,
    io_manager_def: Any = None,
    description: str | None = None,
    group_name: str | None = None,
    required_resource_keys: AbstractSet[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    partitions_def: PartitionsDefinition | None = None,
    automation_condition: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    auto_observe_interval_minutes: float | None = None,
) -> AssetsDefinition: ...


@overload
def observable_source_asset(
    observe_fn: None = None,
    *,
    key: CoercibleToAssetKey | None = None,
    name: str | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    metadata: Mapping[str, Any] | None = None,
    io_manager_key: str | None = None,
    io_manager_def: Any = None,
    description: str | None = None,
    group_name: str | None = None,
    required_resource_keys: AbstractSet[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    partitions_def: PartitionsDefinition | None = None,
    automation_condition: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    auto_observe_interval_minutes: float | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]: ...


def observable_source_asset(
    observe_fn: Callable[..., Any] | None = None,
    *,
    key: CoercibleToAssetKey | None = None,
    name: str | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    metadata: Mapping[str, Any] | None = None,
    io_manager_key: str | None = None,
    io_manager_def: Any = None,
    description: str | None = None,
    group_name: str | None = None,
    required_resource_keys: AbstractSet[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    partitions_def: PartitionsDefinition | None = None,
    automation_condition: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    auto_observe_interval_minutes: float | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Any:
    """A source asset whose version can be observed: the function returns a ``DataVersion``
    or an ``ObserveResult``. It is loadable downstream and never materialized."""
    if kwargs:
        raise_unexpected_keyword("@observable_source_asset", kwargs, observable_source_asset)

    def wrap(fn: Callable) -> AssetsDefinition:
        asset_name = name or fn.__name__
        if key is not None:
            asset_key = AssetKey.from_coercible(key)
        else:
            _validate_name(asset_name, "source asset name")
            asset_key = AssetKey([*key_prefix_from_coercible(key_prefix), asset_name])
        resources = dict(resource_defs or {})
        io_key = io_manager_key
        if io_manager_def is not None:
            io_key = io_key or f"{asset_key.to_python_identifier()}__io_manager"
            resources[io_key] = io_manager_def
        spec = AssetSpec(
            asset_key,
            description=description or _doc(fn),
            metadata=metadata,
            group_name=group_name,
            tags=tags,
            partitions_def=partitions_def,
            automation_condition=automation_condition,
            io_manager_key=io_key,
        )
        return _finish(
            _observable_assets_def(
                fn,
                specs=[spec],
                partitions_def=partitions_def,
                required_resource_keys=required_resource_keys or (),
                resource_defs=resources,
                auto_observe_interval_minutes=auto_observe_interval_minutes,
                name=asset_key.to_python_identifier(),
                op_tags=op_tags,
                description=spec.description,
            )
        )

    return wrap(observe_fn) if observe_fn is not None else wrap


def multi_observable_source_asset(
    *,
    specs: Sequence[AssetSpec],
    name: str | None = None,
    description: str | None = None,
    partitions_def: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    can_subset: bool = False,
    **kwargs: Any,
) -> Callable[[Callable], AssetsDefinition]:
    """Several observable source assets observed by one function, which yields one
    ``ObserveResult(asset_key=...)`` per spec."""
    _unexpected_kwargs(
        kwargs,
        (
            "specs",
            "name",
            "description",
            "partitions_def",
            "required_resource_keys",
            "resource_defs",
            "group_name",
            "can_subset",
        ),
        "@multi_observable_source_asset",
    )

    def wrap(fn: Callable) -> AssetsDefinition:
        ss = [
            s.replace_attributes(group_name=group_name) if group_name and not s.group_name else s
            for s in specs
        ]
        return _finish(
            _observable_assets_def(
                fn,
                specs=ss,
                partitions_def=partitions_def,
                required_resource_keys=required_resource_keys or (),
                resource_defs=resource_defs,
                name=name or fn.__name__,
                can_subset=can_subset,
                description=description,
            )
        )

    return wrap


def external_asset_from_spec(spec: AssetSpec) -> AssetsDefinition:
    """An asset defined elsewhere: shown in the graph, loadable, never materialized here."""
    return _finish(
        AssetsDefinition(
            specs_by_key={spec.key: spec},
            partitions_def=spec.partitions_def,
            execution_type=ExecutionType.UNEXECUTABLE,
        )
    )


def external_assets_from_specs(specs: Sequence[AssetSpec]) -> list[AssetsDefinition]:
    """``external_assets_from_specs([AssetSpec("raw_events")])``: one external asset per spec."""
    return [external_asset_from_spec(s) for s in specs]


# --- graph-backed assets ---


def _no_graph_checks(check_specs: Any, what: str) -> None:
    if check_specs:
        raise DagsterInvalidDefinitionError(
            f"{what}(check_specs=...) is not supported yet in dagster_nb. Define the checks with "
            "@asset_check(asset=...) instead."
        )


_GRAPH_ASSET_PARAMS = (
    "name",
    "description",
    "ins",
    "config",
    "key_prefix",
    "group_name",
    "partitions_def",
    "hooks",
    "metadata",
    "tags",
    "owners",
    "automation_condition",
    "backfill_policy",
    "resource_defs",
    "check_specs",
    "code_version",
    "key",
    "kinds",
    "deps",
)
_GRAPH_MULTI_ASSET_PARAMS = (
    "outs",
    "name",
    "ins",
    "partitions_def",
    "hooks",
    "backfill_policy",
    "group_name",
    "can_subset",
    "resource_defs",
    "check_specs",
    "config",
)


@overload
def graph_asset(
    compose_fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: ConfigMapping | Mapping[str, Any] | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    group_name: str | None = None,
    partitions_def: PartitionsDefinition | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    automation_condition: AutomationCondition | None = None,
    backfill_policy: BackfillPolicy | None = None,
    resource_defs: Mapping[str, object] | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    kinds: AbstractSet[str] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
) -> AssetsDefinition: ...


@overload
def graph_asset(
    compose_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: ConfigMapping | Mapping[str, Any] | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    group_name: str | None = None,
    partitions_def: PartitionsDefinition | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    automation_condition: AutomationCondition | None = None,
    backfill_policy: BackfillPolicy | None = None,
    resource_defs: Mapping[str, object] | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    kinds: AbstractSet[str] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]: ...


def graph_asset(
    compose_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: ConfigMapping | Mapping[str, Any] | None = None,
    key_prefix: CoercibleToAssetKeyPrefix | None = None,
    group_name: str | None = None,
    partitions_def: PartitionsDefinition | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    automation_condition: AutomationCondition | None = None,
    backfill_policy: BackfillPolicy | None = None,
    resource_defs: Mapping[str, object] | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    kinds: AbstractSet[str] | None = None,
    deps: Iterable[CoercibleToAssetDep] | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> AssetsDefinition | Callable[[Callable[..., Any]], AssetsDefinition]:
    """An asset computed by a graph of ops: ``@graph_asset def a(up): return op2(op1(up))``."""
    if kwargs:
        raise_unexpected_keyword("@graph_asset", kwargs, _GRAPH_ASSET_PARAMS)

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        return _graph_asset(
            fn,
            name=name,
            description=description,
            ins=ins,
            config=config,
            key_prefix=key_prefix,
            group_name=group_name,
            partitions_def=partitions_def,
            hooks=hooks,
            metadata=metadata,
            tags=tags,
            owners=owners,
            automation_condition=automation_condition,
            backfill_policy=backfill_policy,
            resource_defs=resource_defs,
            check_specs=check_specs,
            code_version=code_version,
            key=key,
            kinds=kinds,
            deps=deps,
        )

    return wrap(compose_fn) if compose_fn is not None else wrap


def graph_multi_asset(
    *,
    outs: Mapping[str, AssetOut],
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    partitions_def: PartitionsDefinition | None = None,
    hooks: AbstractSet[HookDefinition] | None = None,
    backfill_policy: BackfillPolicy | None = None,
    group_name: str | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, object] | None = None,
    check_specs: Sequence[AssetCheckSpec] | None = None,
    config: ConfigMapping | Mapping[str, Any] | None = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """Several assets computed by one graph: ``@graph_multi_asset(outs={"a": AssetOut(), ...})``."""
    if kwargs:
        raise_unexpected_keyword("@graph_multi_asset", kwargs, _GRAPH_MULTI_ASSET_PARAMS)

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        return _graph_multi_asset(
            fn,
            outs=outs,
            name=name,
            ins=ins,
            partitions_def=partitions_def,
            hooks=hooks,
            backfill_policy=backfill_policy,
            group_name=group_name,
            can_subset=can_subset,
            resource_defs=resource_defs,
            check_specs=check_specs,
            config=config,
        )

    return wrap


def _graph_asset(
    fn: Callable,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: Any = None,
    key_prefix: Any = None,
    group_name: str | None = None,
    partitions_def: Any = None,
    hooks: Any = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: AbstractSet[str] | None = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    resource_defs: Mapping[str, Any] | None = None,
    check_specs: Any = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    deps: Iterable[Any] | None = None,
) -> AssetsDefinition:
    _no_graph_checks(check_specs, "@graph_asset")
    _refuse_hooks(hooks, "@graph_asset")
    _refuse_graph_config(config, "@graph_asset")
    if key is not None:
        asset_key = AssetKey.from_coercible(key)
    else:
        asset_name = name or fn.__name__
        _validate_name(asset_name, "graph asset name")
        asset_key = AssetKey([*key_prefix_from_coercible(key_prefix), asset_name])
    from dagster_nb._definitions.graph import (
        GraphDefinition,
        compose_graph,
        refuse_graph_config_in_assets,
    )

    g = compose_graph(fn, asset_key.to_python_identifier(), description)
    refuse_graph_config_in_assets(g, "@graph_asset")
    if len(g.output_map) != 1:
        raise DagsterInvalidDefinitionError(
            f"@graph_asset '{asset_key.to_user_string()}' must return exactly one op output; use "
            "@graph_multi_asset for several."
        )
    g = GraphDefinition(
        name=g.name,
        nodes=g.nodes,
        input_names=tuple(g.input_names),
        output_map={"result": next(iter(g.output_map.values()))},
        description=g.description,
        compose_fn=fn,
    )
    sig = FnSignature(
        context_param=None,
        config_param=None,
        config_cls=None,
        resource_params={},
        input_params=tuple(g.input_names),
        defaults={},
    )
    input_keys, mappings, _ = _input_keys(
        sig, ins, fn.__name__, f"graph asset '{asset_key.to_user_string()}'"
    )
    dep_list = _collect_deps(deps)
    spec = AssetSpec(
        asset_key,
        deps=[AssetDep(k, partition_mapping=mappings.get(k)) for k in input_keys.values()]
        + dep_list,
        description=description or _doc(fn),
        metadata=metadata,
        group_name=group_name,
        code_version=code_version,
        automation_condition=automation_condition,
        owners=owners,
        tags=tags,
        kinds=kinds,
        partitions_def=partitions_def,
    )
    return _finish(
        AssetsDefinition(
            specs_by_key={asset_key: spec},
            keys_by_output_name={"result": asset_key},
            keys_by_input_name=input_keys,
            node_def=g,
            partitions_def=partitions_def,
            partition_mappings=mappings,
            resource_defs=dict(resource_defs or {}),
            backfill_policy=backfill_policy,
            source_location=_source_location(fn),
        )
    )


def _graph_multi_asset(
    fn: Callable,
    *,
    outs: Mapping[str, AssetOut],
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    partitions_def: Any = None,
    hooks: Any = None,
    backfill_policy: Any = None,
    group_name: str | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, Any] | None = None,
    check_specs: Any = None,
    config: Any = None,
) -> AssetsDefinition:
    _no_graph_checks(check_specs, "@graph_multi_asset")
    _refuse_hooks(hooks, "@graph_multi_asset")
    _refuse_graph_config(config, "@graph_multi_asset")
    gname = name or fn.__name__
    from dagster_nb._definitions.graph import (
        GraphDefinition,
        compose_graph,
        refuse_graph_config_in_assets,
    )

    g = compose_graph(fn, gname, None)
    refuse_graph_config_in_assets(g, "@graph_multi_asset")
    missing = set(outs) - set(g.output_map)
    if (
        missing
        and len(outs) == len(g.output_map)
        and all(k.startswith("result_") for k in g.output_map)
    ):
        g = GraphDefinition(
            name=g.name,
            nodes=g.nodes,
            input_names=tuple(g.input_names),
            output_map=dict(zip(outs, g.output_map.values(), strict=True)),
            description=g.description,
            compose_fn=fn,
        )
        missing = set()
    if missing:
        raise DagsterInvalidDefinitionError(
            f"@graph_multi_asset '{gname}' must return a dict with keys {sorted(outs)}; missing "
            f"{sorted(missing)}."
        )
    sig = FnSignature(
        context_param=None,
        config_param=None,
        config_cls=None,
        resource_params={},
        input_params=tuple(g.input_names),
        defaults={},
    )
    input_keys, mappings, _ = _input_keys(sig, ins, fn.__name__, f"graph multi-asset '{gname}'")
    deps = [AssetDep(k, partition_mapping=mappings.get(k)) for k in input_keys.values()]
    keys_by_output = {}
    specs_by_key = {}
    for out_name, ao in outs.items():
        k = ao.key or AssetKey([*(ao.key_prefix or ()), out_name])
        keys_by_output[out_name] = k
        spec = ao.to_spec(k, deps, partitions_def)
        if group_name and not spec.group_name:
            spec = spec.replace_attributes(group_name=group_name)
        specs_by_key[k] = spec
    return _finish(
        AssetsDefinition(
            specs_by_key=specs_by_key,
            keys_by_output_name=keys_by_output,
            keys_by_input_name=input_keys,
            node_def=g,
            partitions_def=partitions_def,
            partition_mappings=mappings,
            can_subset=can_subset,
            resource_defs=dict(resource_defs or {}),
            backfill_policy=backfill_policy,
            source_location=_source_location(fn),
        )
    )
