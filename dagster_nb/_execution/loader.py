"""AssetValueLoader: load stored asset values through their IO managers, outside a run.

    with defs.get_asset_value_loader() as loader:
        orders = loader.load_asset_value("orders")
        jan = loader.load_asset_value("daily", partition_key="2024-01-01")

Resources are initialized once when the loader is entered and torn down when it exits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import (
    CheckError,
    DagsterInvalidInvocationError,
    did_you_mean,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["AssetValueLoader"]


class AssetValueLoader:
    """Caches initialized resources while loading several values. Use as a context manager."""

    def __init__(
        self,
        resolved: ResolvedAssets,
        resources: Mapping[str, Any],
        instance: DagsterInstance | None,
        *,
        initialized_resources: Any = None,
    ):
        self._resolved = resolved
        self._resource_defs = dict(resources)
        self._instance = instance
        self._stack: contextlib.ExitStack | None = None
        self._resources: Any = None
        # A running run's resources (context.load_asset_value): its IO managers are used as
        # they are (an in-memory one holds this run's values); others are initialized here.
        self._initialized = initialized_resources

    def __enter__(self) -> AssetValueLoader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
            self._resources = None

    def _resources_for(self, keys: set[str]) -> Any:
        from dagster_nb._definitions.resources import build_resources

        if self._resources is None:
            defs = dict(self._resource_defs)
            for ad in self._resolved.assets_defs:
                for k, v in ad.resource_defs.items():
                    defs.setdefault(k, v)
            if "io_manager" not in defs:
                from dagster_nb._storage.fs_io_manager import fs_io_manager

                defs["io_manager"] = fs_io_manager
            self._stack = contextlib.ExitStack()
            self._resources = self._stack.enter_context(
                build_resources(defs, instance=self._instance)
            )
        return self._resources

    def load_asset_value(
        self,
        asset_key: CoercibleToAssetKey,
        *,
        python_type: type | None = None,
        partition_key: str | None = None,
        input_definition_metadata: Mapping[str, Any] | None = None,
        resource_config: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Any:
        """The stored value of ``asset_key`` (and ``partition_key`` for partitioned assets)."""
        from dagster_nb._definitions.io_manager import InputContext, OutputContext

        key = AssetKey.from_coercible(asset_key)
        ad = self._resolved.assets_def_by_key.get(key)
        if ad is None:
            raise CheckError(  # Dagster's class; a DagsterInvariantViolationError too
                f"Asset {key.to_user_string()} is not defined here."
                + did_you_mean(
                    key.to_user_string(),
                    (k.to_user_string() for k in self._resolved.assets_def_by_key),
                )
            )
        pdef = ad.partitions_def
        if pdef is not None and partition_key is None:
            raise DagsterInvalidInvocationError(
                f"Asset {key.to_user_string()} is partitioned: pass partition_key=... to load one "
                "partition."
            )
        if pdef is None and partition_key is not None:
            raise DagsterInvalidInvocationError(
                f"Asset {key.to_user_string()} is not partitioned; drop partition_key."
            )
        if pdef is not None:
            pdef.validate_partition_key(partition_key, dynamic_partitions_store=self._instance)
        io_key = ad.get_io_manager_key_for_asset_key(key)
        resources = None
        if self._initialized is not None:
            try:
                manager = getattr(self._initialized, io_key)
                resources = self._initialized
            except Exception:  # not initialized for this run: build it below
                resources = None
        if resources is None:
            resources = self._resources_for({io_key})
            manager = getattr(resources, io_key)
        spec = ad.specs_by_key[key]
        upstream = OutputContext(
            name=ad.get_output_name_for_asset_key(key) if ad.keys_by_output_name else "result",
            step_key=ad.node_name,
            asset_key=key,
            definition_metadata=dict(spec.metadata),
            asset_partitions_def=pdef,
            resources=resources,
            instance=self._instance,
            asset_spec=spec,
        )
        ctx = InputContext(
            name=None,
            asset_key=key,
            upstream_output=upstream,
            definition_metadata=dict(input_definition_metadata or metadata or {}),
            dagster_type=python_type,
            resources=resources,
            partition_key=partition_key,
            asset_partitions_def=pdef,
            asset_partition_keys=[partition_key] if partition_key is not None else None,
            instance=self._instance,
        )
        return manager.load_input(ctx)
