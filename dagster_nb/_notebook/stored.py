"""What the instance holds for assets this kernel has not defined (yet).

After a kernel restart the kernel repository is empty until the definition cells run again,
but the instance still has every materialization and the default IO manager still has the
values. ``%assets`` lists those assets (marked "not defined in this kernel yet") and
``%asset_value`` loads their values through the default IO manager.

    keys = stored_only_keys(repo)                      # [AssetKey(['orders']), ...]
    value = load_stored_value(repo, AssetKey("orders"))
"""

from __future__ import annotations

from typing import Any

from dagster_nb._definitions.asset_key import AssetKey

__all__ = [
    "NOT_DEFINED",
    "load_stored_value",
    "stored_only_keys",
    "stored_only_rows",
    "stored_partitions",
]

#: The status text of an asset the instance knows and this kernel has not defined.
NOT_DEFINED = "not defined in this kernel yet"


def stored_only_keys(repo: Any) -> list[AssetKey]:
    """Keys with a materialization in the instance and no definition in the kernel."""
    defined = repo.snapshot().graph
    recs = repo.instance.get_status_by_asset_key()
    return sorted(
        (
            k
            for k, r in recs.items()
            if r.last_materialization_storage_id is not None and k not in defined
        ),
        key=lambda k: k.parts,
    )


def stored_partitions(repo: Any, key: AssetKey) -> list[str]:
    """Materialized partitions of ``key`` in the instance (sorted; empty if unpartitioned)."""
    return sorted(repo.instance.get_materialized_partitions(key))


def stored_only_rows(repo: Any) -> list[dict]:
    """``%assets`` rows (the catalog row shape of VIEWMODEL.md) for :func:`stored_only_keys`:
    status ``"undefined"``, ``defined`` False, the last materialization from the instance."""
    keys = stored_only_keys(repo)
    if not keys:
        return []
    recs = repo.instance.get_status_by_asset_key(keys)
    rows: list[Any] = []
    for k in keys:
        r = recs.get(k)
        parts = stored_partitions(repo, k)
        rows.append(
            {
                "key": k.to_user_string(),
                "group": "",
                "kinds": [],
                "status": "undefined",
                "defined": False,
                "last_materialized": r.last_materialization_timestamp if r is not None else None,
                "last_run_id": r.last_materialization_run_id if r is not None else None,
                "stale_causes": [],
                "partitions": {
                    "total": None,
                    "materialized": len(parts),
                    "failed": 0,
                    "in_progress": 0,
                }
                if parts
                else None,
                "description": NOT_DEFINED,
                "checks": None,
            }
        )
    return rows


def load_stored_value(repo: Any, key: AssetKey, partition_key: str | None = None) -> Any:
    """The value of an asset this kernel has not defined, through the default IO manager
    (the filesystem one under the instance's storage folder)."""
    from dagster_nb._definitions.io_manager import InputContext, OutputContext
    from dagster_nb._definitions.resources import build_resources
    from dagster_nb._storage.fs_io_manager import fs_io_manager  # what runs use by default

    instance = repo.instance
    with build_resources({"io_manager": fs_io_manager}, instance=instance) as resources:
        upstream = OutputContext(
            name="result",
            step_key=key.to_python_identifier(),
            asset_key=key,
            definition_metadata={},
            resources=resources,
            instance=instance,
        )
        ctx = InputContext(
            name=None,
            asset_key=key,
            upstream_output=upstream,
            definition_metadata={},
            resources=resources,
            partition_key=partition_key,
            asset_partition_keys=[partition_key] if partition_key is not None else None,
            instance=instance,
        )
        return resources.io_manager.load_input(ctx)
