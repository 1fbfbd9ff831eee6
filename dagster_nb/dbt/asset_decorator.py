"""``@dbt_assets``: one subsettable multi-asset over the dbt models, seeds and snapshots of a
manifest (dagster_dbt's decorator, same parameters and derivations).

    @dbt_assets(manifest=project.manifest_path)
    def jaffle(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dagster_nb._definitions.asset_checks import AssetCheckKey
from dagster_nb._definitions.decorators import multi_asset
from dagster_nb._definitions.lazy_specs import LazyCheckSpecs, LazySpecs
from dagster_nb._errors import DagsterInvalidDefinitionError
from dagster_nb._gc import collector_paused
from dagster_nb.dbt._manifest import (
    ASSET_RESOURCE_TYPES,
    child_map,
    graph_props,
    is_non_asset_node,
    props_getter,
)
from dagster_nb.dbt._manifest import load_manifest as _load_manifest
from dagster_nb.dbt.translator import (
    DEFERRED_HOOKS,
    EAGER_HOOKS,
    MANIFEST_KEY,
    PROJECT_KEY,
    TRANSLATOR_KEY,
    UNIQUE_ID_KEY,
    DagsterDbtTranslator,
    NodeMemo,
    _attached_key,
    cached_upstream_ids,
    overridden_hooks,
)

SELECT_TAG = "dagster_dbt/select"
EXCLUDE_TAG = "dagster_dbt/exclude"
SELECTOR_TAG = "dagster_dbt/selector"
DEFAULT_SELECT = "fqn:*"


def select_unique_ids(
    select: str, exclude: str, selector: str, project: Any, manifest: Mapping[str, Any]
) -> set[str]:
    """The manifest's unique ids dbt would select; natively when we can, else ``dbt ls``."""
    if select in ("", DEFAULT_SELECT) and not exclude and not selector:
        return set(manifest["nodes"])
    if not selector:
        from dagster_nb.dbt._select import UnsupportedSelection, select_unique_ids_natively

        try:
            return select_unique_ids_natively(manifest, select, exclude)
        except UnsupportedSelection as e:
            reason = f"the selection method {str(e)!r}"
    else:
        reason = "a YAML selector"
    if project is None:
        raise DagsterInvalidDefinitionError(
            f"@dbt_assets: {reason} needs dbt itself to evaluate (select={select!r}, "
            f"exclude={exclude!r}, selector={selector!r}); pass project=DbtProject(...) so "
            "`dbt ls` can list the selected nodes."
        )
    from dagster_nb.dbt.resource import list_unique_ids

    return list_unique_ids(project, select, exclude, selector)


def build_dbt_specs(
    *,
    translator: DagsterDbtTranslator,
    manifest: Mapping[str, Any],
    select: str,
    exclude: str,
    selector: str,
    io_manager_key: str | None,
    project: Any,
    partitions_def: Any = None,
) -> tuple[Any, Any]:
    """The specs (a ``LazySpecs``) and check specs (a ``LazyCheckSpecs``) of the selected dbt
    nodes.

    Each asset's key and deps are computed here, and every test's check: what a graph, a
    selection and a run plan need. The rest of a spec (description, metadata with the column
    schema, tags, owners, kinds, group, code version) is built when it is first read. A user's
    override of one of those hooks (``DEFERRED_HOOKS``) is still called here, as dagster_dbt
    calls it, and its results kept for the spec. A translator overriding ``get_asset_spec`` or
    ``get_partitions_def`` gets every spec built here (a list).
    """
    selected = select_unique_ids(select, exclude, selector, project, manifest)
    checks: dict[Any, Any] = {}
    key_by_uid: dict[str, Any] = {}
    uid_by_key: dict[Any, str] = {}
    deps_by_key: dict[Any, tuple[Any, ...]] = {}
    given_by_uid: dict[str, dict[str, Any]] = {}
    children = child_map(manifest)
    settings = translator.settings
    cls = type(translator)
    eager = bool(overridden_hooks(cls, EAGER_HOOKS))
    overridden = overridden_hooks(cls, DEFERRED_HOOKS)
    own_checks = cls.get_asset_check_spec is DagsterDbtTranslator.get_asset_check_spec
    checks_on = settings.enable_asset_checks or not own_checks
    source_checks = settings.enable_source_tests_as_checks
    nodes = manifest["nodes"]
    everything = len(selected) == len(nodes) and selected == nodes.keys()
    memo = translator.node_memo(manifest, project)
    asset_keys, deps_memo, tests_memo = memo.asset_keys, memo.deps, memo.tests
    wrapper = memo.wrapper
    props_of = props_getter(manifest)
    key_of, deps_of = translator.asset_key_of, translator.asset_deps_of

    # A test's check: with the translator's own get_asset_check_spec, only its key here (the
    # node it is attached to, and its name); its spec is built when first read (LazyCheckSpecs).
    check_keys: dict[str, AssetCheckKey] = {}
    check_tests: dict[str, tuple[Any, str]] = {}

    def check_of(key: Any, uid: str, test: str) -> None:
        if own_checks:
            found = tests_memo.get(test)
            if found is None:
                props = props_of(test)
                found = tests_memo[test] = (
                    _attached_key(manifest, translator, props, project, asset_keys, memo),
                    props["name"],
                )
            if found[0] != key:
                return
            name = found[1]
            out = f"{key.to_python_identifier()}_{name}"
            check_keys[out] = AssetCheckKey(key, name)
            check_tests[out] = (key, test)
            return
        spec = translator.get_asset_spec(manifest, uid, project)
        cs = translator.get_asset_check_spec(spec, manifest, test, project)
        if cs is not None:
            checks[(cs.asset_key, cs.name)] = cs

    for uid in nodes:  # manifest order: deterministic, as dbt lists nodes
        if (not everything and uid not in selected) or uid.startswith("test."):
            continue  # (a test is no asset: its check is its node's, below)
        props = props_of(uid)
        if props["resource_type"] not in ASSET_RESOURCE_TYPES or is_non_asset_node(props):
            continue
        if eager:
            spec = translator.get_asset_spec(manifest, uid, project)
            key = spec.key
            deps_by_key[key] = spec.deps
        else:
            key = asset_keys.get(uid) or key_of(manifest, uid, project, memo)
            deps = deps_memo.get(uid)
            deps_by_key[key] = deps if deps is not None else deps_of(manifest, uid, project, memo)
        key_by_uid[uid] = key
        uid_by_key[key] = uid
        if overridden and not eager:
            rprops = translator.get_resource_props(manifest, uid)
            given_by_uid[uid] = {h: getattr(translator, h)(rprops) for h in overridden}
        if checks_on:
            for child in children.get(uid, ()):
                if child.startswith("test") and (everything or child in selected):
                    check_of(key, uid, child)
        for up in cached_upstream_ids(manifest, uid, props, wrapper):
            if up in key_by_uid:
                continue
            up_key = key_by_uid[up] = asset_keys.get(up) or key_of(manifest, up, project, memo)
            if source_checks and checks_on and up.startswith("source"):
                for child in children.get(up, ()):
                    if child.startswith("test"):
                        check_of(up_key, up, child)
    _validate_keys(translator, key_by_uid)

    # The builders hold the translator's memo (which the translator holds only weakly) for as
    # long as the lazy specs live: the default argument is that reference.
    def build(key: Any, _memo: NodeMemo = memo) -> Any:
        uid = uid_by_key[key]
        spec = translator.build_asset_spec(
            manifest,
            uid,
            project,
            key=key,
            deps=deps_by_key[key],
            given=given_by_uid.get(uid),
        )
        if io_manager_key is not None:
            spec = spec.with_io_manager_key(io_manager_key)
        if partitions_def is not None:
            spec = spec.replace_attributes(partitions_def=partitions_def)
        return spec

    if eager:
        specs: Any = []
        for uid in uid_by_key.values():
            spec = translator.get_asset_spec(manifest, uid, project)
            if io_manager_key is not None:
                spec = spec.with_io_manager_key(io_manager_key)
            specs.append(spec)
    else:
        specs = LazySpecs(
            deps_by_key,
            build,
            partitions_def=partitions_def,
            io_manager_key=io_manager_key,
            skippable=True,
        )
    if not own_checks:
        return specs, list(checks.values())

    def build_check(out: str, _memo: NodeMemo = memo) -> Any:
        key, test = check_tests[out]
        return translator.check_spec_of(key, manifest, test, project)

    return specs, LazyCheckSpecs(check_keys, build_check)


def _validate_keys(translator: DagsterDbtTranslator, key_by_uid: Mapping[str, Any]) -> None:
    by_key: dict[Any, list[str]] = {}
    for uid, key in key_by_uid.items():
        by_key.setdefault(key, []).append(uid)
    dupes = {k: v for k, v in by_key.items() if len(v) > 1}
    if translator.settings.enable_duplicate_source_asset_keys:
        dupes = {k: v for k, v in dupes.items() if not all(u.startswith("source") for u in v)}
    if dupes:
        lines = "\n".join(
            f"  {k.to_user_string()}: {', '.join(sorted(v))}" for k, v in dupes.items()
        )
        raise DagsterInvalidDefinitionError(
            "The following dbt resources have the same asset key:\n"
            f"{lines}\nOverride DagsterDbtTranslator.get_asset_key so each gets its own key."
        )


def dbt_assets(
    *,
    manifest: Any,
    select: str = DEFAULT_SELECT,
    exclude: str | None = None,
    selector: str | None = None,
    name: str | None = None,
    io_manager_key: str | None = None,
    partitions_def: Any = None,
    dagster_dbt_translator: DagsterDbtTranslator | None = None,
    backfill_policy: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    required_resource_keys: set[str] | None = None,
    project: Any = None,
    retry_policy: Any = None,
    pool: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """One multi-asset for the dbt nodes ``select``/``exclude``/``selector`` pick in ``manifest``.

    Sources become upstream keys, tests become asset checks; a run of some of the assets passes
    dbt the matching ``--select`` (``context.selected_asset_keys``).

        @dbt_assets(manifest=DbtProject("jaffle").manifest_path, select="tag:finance")
        def finance(context, dbt: DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream()
    """
    with collector_paused():
        manifest = _load_manifest(manifest)
        return _paused(
            _dbt_multi_asset(
                manifest=manifest,
                select=select,
                exclude=exclude,
                selector=selector,
                name=name,
                io_manager_key=io_manager_key,
                partitions_def=partitions_def,
                dagster_dbt_translator=dagster_dbt_translator,
                backfill_policy=backfill_policy,
                op_tags=op_tags,
                required_resource_keys=required_resource_keys,
                project=project,
                retry_policy=retry_policy,
                pool=pool,
            )
        )


def _paused(decorator: Callable[[Callable[..., Any]], Any]) -> Callable[[Callable[..., Any]], Any]:
    # Building the multi-asset from the specs (when the decorator is applied) is paused too.
    def apply(fn: Callable[..., Any]) -> Any:
        with collector_paused():
            return decorator(fn)

    return apply


def _dbt_multi_asset(
    *,
    manifest: Mapping[str, Any],
    select: str,
    exclude: str | None,
    selector: str | None,
    name: str | None,
    io_manager_key: str | None,
    partitions_def: Any,
    dagster_dbt_translator: DagsterDbtTranslator | None,
    backfill_policy: Any,
    op_tags: Mapping[str, Any] | None,
    required_resource_keys: set[str] | None,
    project: Any,
    retry_policy: Any,
    pool: str | None,
) -> Callable[[Callable[..., Any]], Any]:
    translator = dagster_dbt_translator or DagsterDbtTranslator()
    if not isinstance(translator, DagsterDbtTranslator):
        raise DagsterInvalidDefinitionError(
            "dagster_dbt_translator must be a dagster_nb.dbt.DagsterDbtTranslator, got "
            f"{type(translator).__name__}."
        )
    specs, check_specs = build_dbt_specs(
        translator=translator,
        manifest=manifest,
        select=select,
        exclude=exclude or "",
        selector=selector or "",
        io_manager_key=io_manager_key,
        project=project,
        partitions_def=partitions_def,
    )
    for tag in (SELECT_TAG, EXCLUDE_TAG, SELECTOR_TAG):
        if op_tags and tag in op_tags:
            arg = tag.split("/")[1]
            raise DagsterInvalidDefinitionError(
                f"To specify a dbt {arg}, use the '{arg}' argument, not '{tag}' with op_tags"
            )
    tags = {
        **({SELECT_TAG: select} if select else {}),
        **({EXCLUDE_TAG: exclude} if exclude else {}),
        **({SELECTOR_TAG: selector} if selector else {}),
        **(op_tags or {}),
    }
    if partitions_def is not None and backfill_policy is None:
        from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

        if isinstance(partitions_def, TimeWindowPartitionsDefinition):
            from dagster_nb._definitions.policy import BackfillPolicy

            backfill_policy = BackfillPolicy.single_run()
    if not specs:
        raise DagsterInvalidDefinitionError(
            f"@dbt_assets: the selection (select={select!r}, exclude={exclude!r}) matches no dbt "
            "model, seed or snapshot in the manifest."
        )
    return multi_asset(
        name=name,
        specs=specs,  # a LazySpecs, which multi_asset keeps lazy
        check_specs=check_specs or None,  # a LazyCheckSpecs stays lazy too
        allow_arbitrary_check_specs=True,  # a source's tests check the source (as dagster_dbt)
        can_subset=True,
        required_resource_keys=required_resource_keys,
        partitions_def=partitions_def,
        op_tags=tags,
        backfill_policy=backfill_policy,
        retry_policy=retry_policy,
        pool=pool,
    )


def manifest_and_translator(dbt_assets: Sequence[Any]) -> tuple[Mapping[str, Any], Any, Any]:
    """The manifest, translator and project stored on a ``@dbt_assets`` definition."""
    if len(dbt_assets) != 1:
        raise DagsterInvalidDefinitionError(
            f"Expected exactly one @dbt_assets definition, got {len(dbt_assets)}."
        )
    [ad] = dbt_assets
    meta = next(iter(ad.specs_by_key.values())).metadata
    if MANIFEST_KEY not in meta:
        raise DagsterInvalidDefinitionError(f"{ad.node_name!r} was not made by @dbt_assets.")
    return meta[MANIFEST_KEY].manifest, meta[TRANSLATOR_KEY], meta.get(PROJECT_KEY)


def get_asset_key_for_model(dbt_assets: Sequence[Any], model_name: str) -> Any:
    """The asset key of the dbt model (or seed, snapshot) named ``model_name``.

    @dg.asset(deps=[get_asset_key_for_model([jaffle], "customer_revenue")])
    def report(): ...
    """
    manifest, translator, project = manifest_and_translator(dbt_assets)
    for uid, node in manifest["nodes"].items():
        if node["name"] == model_name and node["resource_type"] in ASSET_RESOURCE_TYPES:
            return translator.asset_key_of(manifest, uid, project)
    from dagster_nb._errors import did_you_mean

    names = [
        n["name"] for n in manifest["nodes"].values() if n["resource_type"] in ASSET_RESOURCE_TYPES
    ]
    raise KeyError(
        f"Could not find a dbt model, seed, or snapshot with name: {model_name}"
        f"{did_you_mean(model_name, names)}"
    )


def get_asset_key_for_source(dbt_assets: Sequence[Any], source_name: str) -> Any:
    """The asset key of the dbt source ``source_name`` (which must have exactly one table).

    @dg.asset(key=get_asset_key_for_source([jaffle], "raw"))
    def raw_orders(): ...
    """
    manifest, translator, project = manifest_and_translator(dbt_assets)
    [ad] = dbt_assets
    upstream = {d for s in ad.specs_by_key.values() for d in s.dep_keys}
    keys = {}
    for uid, src in (manifest.get("sources") or {}).items():
        if src["source_name"] == source_name:
            key = translator.asset_key_of(manifest, uid, project)
            if key in upstream:
                keys[key.to_python_identifier()] = key
    if not keys:
        raise KeyError(f"Could not find a dbt source with name: {source_name}")
    if len(keys) > 1:
        raise KeyError(
            f"Source {source_name} has more than one table: {sorted(k.to_user_string() for k in keys.values())}."
            " Use get_asset_key_for_model with each table's key instead."
        )
    return next(iter(keys.values()))


def build_dbt_asset_selection(
    dbt_assets: Sequence[Any],
    dbt_select: str = DEFAULT_SELECT,
    dbt_exclude: str | None = None,
    dbt_selector: str | None = None,
) -> Any:
    """An AssetSelection of the assets (and their checks) a dbt selection string picks.

    finance = build_dbt_asset_selection([jaffle], dbt_select="tag:finance").downstream()
    """
    manifest, translator, project = manifest_and_translator(dbt_assets)
    [ad] = dbt_assets
    tags = ad.op.tags
    own = select_unique_ids(
        tags.get(SELECT_TAG, DEFAULT_SELECT),
        tags.get(EXCLUDE_TAG, ""),
        tags.get(SELECTOR_TAG, ""),
        project,
        manifest,
    )
    picked = select_unique_ids(dbt_select, dbt_exclude or "", dbt_selector or "", project, manifest)
    uids = own & picked
    keys = []
    check_keys = []
    for uid in sorted(uids):
        props = graph_props(manifest, uid)
        if props["resource_type"] in ASSET_RESOURCE_TYPES and not is_non_asset_node(props):
            keys.append(translator.asset_key_of(manifest, uid, project))
        elif props["resource_type"] == "test":
            from dagster_nb.dbt.translator import check_key_for_test

            ck = check_key_for_test(manifest, translator, uid, project)
            if ck is not None and ck in ad.check_keys:
                check_keys.append(ck)
    from dagster_nb._selection.asset_selection import AssetSelection

    sel: Any = AssetSelection.assets(*keys)
    if check_keys:
        sel = sel | AssetSelection.checks(*check_keys)
    return sel


__all__ = [
    "dbt_assets",
    "get_asset_key_for_model",
    "get_asset_key_for_source",
    "build_dbt_asset_selection",
    "UNIQUE_ID_KEY",
]
