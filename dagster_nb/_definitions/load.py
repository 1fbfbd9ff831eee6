"""Collect asset definitions from Python modules and packages.

from my_project import ingest, marts
assets = dg.load_assets_from_modules([ingest, marts], group_name="analytics")
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from dagster_nb._definitions.asset_graph import DEFAULT_GROUP_NAME
from dagster_nb._definitions.asset_key import AssetKey, key_prefix_from_coercible
from dagster_nb._definitions.asset_spec import AssetSpec
from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "load_assets_from_modules",
    "load_assets_from_current_module",
    "load_assets_from_package_module",
    "load_assets_from_package_name",
]


def _assets_in_module(module: ModuleType, include_specs: bool) -> list[Any]:
    found: list[Any] = []
    seen: set[int] = set()
    kinds: tuple[type, ...] = (AssetsDefinition, SourceAsset) + (
        (AssetSpec,) if include_specs else ()
    )
    for value in vars(module).values():
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, kinds) and id(v) not in seen and not _is_checks_def(v):
                seen.add(id(v))
                found.append(v)
    return found


def _is_checks_def(v: Any) -> bool:
    # @asset_check definitions are AssetsDefinitions too; Dagster loads them separately
    # (load_asset_checks_from_modules).
    return (
        isinstance(v, AssetsDefinition)
        and not v.specs_by_key
        and bool(v.check_specs_by_output_name)
    )


def load_asset_checks_from_modules(
    modules: Iterable[ModuleType], asset_key_prefix: Any = None
) -> list[Any]:
    """Every ``@asset_check`` / ``@multi_asset_check`` at the top level of ``modules``; with
    ``asset_key_prefix``, they check the prefixed keys (as load_assets_from_modules(key_prefix=)
    names the assets).

    >>> import types, dagster_nb as dg
    >>> m = types.ModuleType("m")
    >>> m.c = dg.asset_check(asset="a", name="ok")(lambda: dg.AssetCheckResult(passed=True))
    >>> [sorted(k.to_user_string() for k in c.check_keys) for c in dg.load_asset_checks_from_modules([m], "p")]
    [['p/a:ok']]
    """
    prefix = key_prefix_from_coercible(asset_key_prefix) if asset_key_prefix is not None else ()
    out: list[Any] = []
    seen: set[int] = set()
    for m in modules:
        if not isinstance(m, ModuleType):
            raise DagsterInvalidDefinitionError(
                f"load_asset_checks_from_modules takes modules, got {type(m).__name__} {m!r}."
            )
        for value in vars(m).values():
            for v in value if isinstance(value, list) else [value]:
                if _is_checks_def(v) and id(v) not in seen:
                    seen.add(id(v))
                    if prefix:
                        targets = {s.asset_key for s in v.check_specs_by_output_name.values()}
                        targets |= set(v.keys_by_input_name.values())
                        v = v.with_attributes(
                            asset_key_replacements={
                                k: AssetKey([*prefix, *k.path]) for k in targets
                            }
                        )
                    out.append(v)
    return out


def load_asset_checks_from_current_module(asset_key_prefix: Any = None) -> list[Any]:
    """The asset checks of the module that calls this function."""
    caller = sys._getframe(1)
    module = sys.modules.get(caller.f_globals.get("__name__", "")) or inspect.getmodule(caller)
    if module is None:
        raise DagsterInvalidDefinitionError("Could not find the calling module.")
    return load_asset_checks_from_modules([module], asset_key_prefix=asset_key_prefix)


def load_asset_checks_from_package_module(
    package_module: ModuleType, asset_key_prefix: Any = None
) -> list[Any]:
    """The asset checks of a package and all its submodules (imported here)."""
    return load_asset_checks_from_modules(
        _package_modules(package_module), asset_key_prefix=asset_key_prefix
    )


def load_asset_checks_from_package_name(
    package_name: str, asset_key_prefix: Any = None
) -> list[Any]:
    """Like load_asset_checks_from_package_module, by name."""
    module = sys.modules.get(package_name) or importlib.import_module(package_name)
    return load_asset_checks_from_package_module(module, asset_key_prefix=asset_key_prefix)


def _apply(
    assets: list[Any],
    *,
    group_name: str | None,
    key_prefix: Any,
    source_key_prefix: Any = None,
) -> list[Any]:
    prefix = key_prefix_from_coercible(key_prefix)
    source_prefix = key_prefix_from_coercible(source_key_prefix)
    own_keys = {k for a in assets if isinstance(a, AssetsDefinition) for k in a.specs_by_key}
    out: list[Any] = []
    for a in assets:
        if isinstance(a, AssetsDefinition):
            repl = {}
            if prefix:
                repl.update({k: k.with_prefix(prefix) for k in a.specs_by_key})
                # Deps on assets loaded together get the same prefix, as in Dagster.
                for s in a.specs_by_key.values():
                    for d in s.deps:
                        if d.asset_key in own_keys:
                            repl[d.asset_key] = d.asset_key.with_prefix(prefix)
                        elif source_prefix:
                            repl[d.asset_key] = d.asset_key.with_prefix(source_prefix)
            groups = {}
            if group_name:
                for k, s in a.specs_by_key.items():
                    if s.group_name not in (None, DEFAULT_GROUP_NAME, group_name):
                        raise DagsterInvalidDefinitionError(
                            f"Asset spec {repl.get(k, k).to_user_string()} has group name "
                            f"{s.group_name}, which conflicts with the group name {group_name} "
                            "provided in load_assets_from_modules."
                        )
                    groups[k] = group_name
            if repl or groups:
                a = a.with_attributes(
                    asset_key_replacements=repl,
                    group_names_by_key=groups,  # by the keys as defined, as in Dagster
                )
            out.append(a)
        elif isinstance(a, SourceAsset):
            key = a.key.with_prefix(source_prefix) if source_prefix else a.key
            out.append(a.with_attributes(key=key, group_name=group_name or a.group_name))
        elif isinstance(a, AssetSpec):
            changes: dict[str, Any] = {}
            if prefix:
                changes["key"] = a.key.with_prefix(prefix)
            if group_name:
                changes["group_name"] = group_name
            out.append(a.replace_attributes(**changes) if changes else a)
    return out


def _override(
    a: Any, automation_condition: Any, backfill_policy: Any, legacy_freshness_policy: Any
) -> Any:
    changes = {
        k: v
        for k, v in (
            ("automation_condition", automation_condition),
            ("legacy_freshness_policy", legacy_freshness_policy),
        )
        if v is not None
    }
    if isinstance(a, AssetsDefinition):
        if changes:
            a = a.map_asset_specs(lambda s: s.replace_attributes(**changes))
        if backfill_policy is not None:
            import dataclasses

            a = dataclasses.replace(a, backfill_policy=backfill_policy)
    elif isinstance(a, AssetSpec) and changes:
        a = a.replace_attributes(**changes)
    return a


def load_assets_from_modules(
    modules: Iterable[ModuleType],
    group_name: str | None = None,
    key_prefix: Any = None,
    *,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    source_key_prefix: Any = None,
    include_specs: bool = False,
    legacy_freshness_policy: Any = None,
) -> list[Any]:
    """Every asset defined at the top level of ``modules`` (each object once).
    ``automation_condition``, ``backfill_policy`` and ``legacy_freshness_policy`` replace those
    of every loaded asset, as in Dagster."""
    assets: list[Any] = []
    seen: set[int] = set()
    keys: dict[AssetKey, Any] = {}
    for m in modules:
        if not isinstance(m, ModuleType):
            raise DagsterInvalidDefinitionError(
                f"load_assets_from_modules takes modules, got {type(m).__name__} {m!r}."
            )
        for a in _assets_in_module(m, include_specs):
            if id(a) in seen:
                continue
            seen.add(id(a))
            for k in getattr(a, "keys", ()):
                prev = keys.get(k)
                if prev is not None and prev is not a:
                    raise DagsterInvalidDefinitionError(
                        f"Asset key {k!r} is defined multiple times. Definitions found in "
                        f"modules: {m.__name__}."
                    )
                keys[k] = a
            assets.append(a)
    out = _apply(
        assets, group_name=group_name, key_prefix=key_prefix, source_key_prefix=source_key_prefix
    )
    out = [
        _override(a, automation_condition, backfill_policy, legacy_freshness_policy) for a in out
    ]
    # In a notebook, loading from modules is how their assets join the kernel repository.
    from dagster_nb._definitions import registry_hook

    for a in out:
        if not isinstance(a, AssetSpec):
            registry_hook.notify(a)
    return out


def load_assets_from_current_module(
    group_name: str | None = None,
    key_prefix: Any = None,
    **kwargs: Any,
) -> list[Any]:
    """Assets of the module that calls this function."""
    # sys._getframe, not inspect.stack(): the latter reads the source of every frame.
    caller = sys._getframe(1)
    module = sys.modules.get(caller.f_globals.get("__name__", "")) or inspect.getmodule(caller)
    if module is None:
        raise DagsterInvalidDefinitionError("Could not find the calling module.")
    return load_assets_from_modules(
        [module], group_name=group_name, key_prefix=key_prefix, **kwargs
    )


def _package_modules(package: ModuleType) -> list[ModuleType]:
    mods = [package]
    path = getattr(package, "__path__", None)
    if path is None:
        return mods
    for info in pkgutil.walk_packages(path, prefix=package.__name__ + "."):
        mods.append(importlib.import_module(info.name))
    return mods


def load_assets_from_package_module(
    package_module: ModuleType,
    group_name: str | None = None,
    key_prefix: Any = None,
    **kwargs: Any,
) -> list[Any]:
    """Assets of a package and all its submodules (imported here)."""
    return load_assets_from_modules(
        _package_modules(package_module), group_name=group_name, key_prefix=key_prefix, **kwargs
    )


def load_assets_from_package_name(
    package_name: str,
    group_name: str | None = None,
    key_prefix: Any = None,
    **kwargs: Any,
) -> list[Any]:
    """Like load_assets_from_package_module, by name: ``load_assets_from_package_name("my_pkg")``."""
    module = sys.modules.get(package_name) or importlib.import_module(package_name)
    return load_assets_from_package_module(
        module, group_name=group_name, key_prefix=key_prefix, **kwargs
    )
