"""Small helpers shared by the examples (kept tiny so each example reads as user code)."""

from __future__ import annotations


def materialize(dg, assets, **kwargs):
    """``dg.materialize`` on a throwaway in-memory instance unless one is given."""
    kwargs.setdefault("instance", dg.DagsterInstance.ephemeral())
    return dg.materialize(assets, **kwargs)


def materialized_keys(result) -> list[str]:
    """The asset keys a run materialized, as slash-joined strings in event order."""
    return [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()]


def latest_metadata(instance, key: str) -> dict:
    """Plain values of the metadata on the latest materialization of ``key``."""
    event = instance.get_latest_materialization_event(_key(instance, key))
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


def _key(instance, key):
    # the AssetKey class of the library that owns this instance
    module = type(instance).__module__.split(".")[0]
    return __import__(module).AssetKey.from_user_string(key)
