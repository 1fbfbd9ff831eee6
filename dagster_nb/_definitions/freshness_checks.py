"""``build_last_update_freshness_checks``: Dagster's factory for checks that an asset was updated
recently enough. One ``@multi_asset_check`` (``can_subset=True``) with a ``freshness_check`` per
asset; at run time each check reads the asset's latest materialization or observation from the
run's instance.

An asset passes when its last update is at or after the lower bound: the deadline minus
``lower_bound_delta``, where the deadline is the latest tick of ``deadline_cron`` (in
``timezone``) at or before the check's execution time, or the execution time itself without a
cron. An observation counts with its ``dagster/last_updated_timestamp`` metadata (an observation
without it does not count); a materialization counts with that metadata or, without it, its
own time. The execution time is the run's ``current_time`` when one is given
(``materialize(..., current_time=...)``), else now.

>>> import datetime
>>> import dagster_nb as dg
>>> (checks,) = dg.build_last_update_freshness_checks(assets=["orders"], lower_bound_delta=datetime.timedelta(hours=2))
>>> sorted(k.to_user_string() for k in checks.check_keys)
['orders:freshness_check']
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_checks import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    multi_asset_check,
)
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
from dagster_nb._definitions.metadata import JsonMetadataValue, TimestampMetadataValue
from dagster_nb._errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["build_last_update_freshness_checks", "seconds_in_words"]

# Dagster's metadata keys
LAST_UPDATED_TIMESTAMP_METADATA_KEY = "dagster/last_updated_timestamp"
FRESHNESS_PARAMS_METADATA_KEY = "dagster/freshness_params"
LOWER_BOUND_TIMESTAMP_METADATA_KEY = "dagster/freshness_lower_bound_timestamp"
FRESH_UNTIL_METADATA_KEY = "dagster/fresh_until_timestamp"
LATEST_CRON_TICK_METADATA_KEY = "dagster/latest_cron_tick_timestamp"


def build_last_update_freshness_checks(
    *,
    assets: Sequence[Any],
    lower_bound_delta: datetime.timedelta,
    deadline_cron: str | None = None,
    timezone: str = "UTC",
    severity: AssetCheckSeverity = AssetCheckSeverity.WARN,
    blocking: bool = False,
) -> Sequence[AssetChecksDefinition]:
    """Checks that each of ``assets`` was updated within ``lower_bound_delta`` of its deadline
    (the latest ``deadline_cron`` tick, or the check's execution time). Returns one
    ``AssetChecksDefinition`` with a ``freshness_check`` per asset.

    >>> import datetime
    >>> import dagster_nb as dg
    >>> (c,) = dg.build_last_update_freshness_checks(
    ...     assets=["a", "b"], lower_bound_delta=datetime.timedelta(minutes=45), deadline_cron="0 9 * * *")
    >>> c.node_def.name.startswith("freshness_check_"), len(c.check_keys)
    (True, 2)
    """
    if not isinstance(lower_bound_delta, datetime.timedelta):
        raise DagsterInvalidDefinitionError(
            f"lower_bound_delta must be a datetime.timedelta, got {type(lower_bound_delta).__name__}."
        )
    if not isinstance(severity, AssetCheckSeverity):
        raise DagsterInvalidDefinitionError(
            f"severity must be an AssetCheckSeverity, got {type(severity).__name__}."
        )
    from dagster_nb._partitions._cron import CronTicks, get_timezone

    get_timezone(timezone)  # unknown zones raise here, not when the check runs
    ticks = None
    if deadline_cron is not None:
        try:
            ticks = CronTicks(deadline_cron, timezone)
        except DagsterInvalidDefinitionError as exc:
            raise DagsterInvalidDefinitionError(
                f"Invalid cron string {deadline_cron!r}: {exc}"
            ) from None
    keys = [k for a in assets for k in _keys_of(a)]
    dups = [k for k in keys if keys.count(k) > 1]
    if dups:
        raise DagsterInvalidDefinitionError(
            f"Found duplicate assets in the provided list of assets: {dups}. Please ensure that "
            "each asset is unique."
        )
    params: dict[str, Any] = {
        "timezone": timezone,
        "lower_bound_delta_seconds": lower_bound_delta.total_seconds(),
    }
    if deadline_cron:
        params["deadline_cron"] = deadline_cron
    specs = [
        AssetCheckSpec(
            "freshness_check",
            asset=k,
            metadata={FRESHNESS_PARAMS_METADATA_KEY: JsonMetadataValue(params)},
            description="Evaluates freshness for targeted asset.",
            blocking=blocking,
        )
        for k in keys
    ]

    def freshness_check(context: Any) -> Iterator[AssetCheckResult]:
        for check_key in sorted(context.selected_asset_check_keys, key=lambda c: c.asset_key.parts):
            yield _evaluate(
                context.instance,
                check_key.asset_key,
                _now(context),
                lower_bound_delta,
                ticks,
                params,
                severity,
            )

    return [
        multi_asset_check(specs=specs, can_subset=True, name=f"freshness_check_{_unique_id(keys)}")(
            freshness_check
        )
    ]


def _keys_of(asset: Any) -> list[AssetKey]:
    if isinstance(asset, AssetsDefinition):
        return sorted(asset.keys, key=lambda k: k.parts)
    if isinstance(asset, SourceAsset):
        return [asset.key]
    return [AssetKey.from_coercible_or_definition(asset)]


def _unique_id(keys: Sequence[AssetKey]) -> str:
    # Dagster's op name suffix: md5 of the sorted str(AssetKey) values, so both name it alike.
    strs = sorted(f"AssetKey({k.path!r})" for k in keys)
    return hashlib.md5(json.dumps(strs).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


def _now(context: Any) -> float:
    t = getattr(context, "_current_time", None)
    if t is None:
        return time.time()
    return t.timestamp() if isinstance(t, datetime.datetime) else float(t)


def _evaluate(
    instance: DagsterInstance,
    key: AssetKey,
    now: float,
    delta: datetime.timedelta,
    ticks: Any,
    params: dict[str, Any],
    severity: AssetCheckSeverity,
) -> AssetCheckResult:
    latest_tick = ticks.prev_le(now).timestamp() if ticks is not None else None
    deadline = latest_tick if latest_tick is not None else now
    lower_bound = deadline - delta.total_seconds()
    updated = _last_update_timestamp(instance, key)
    passed = updated is not None and updated >= lower_bound
    metadata: dict[str, Any] = {
        FRESHNESS_PARAMS_METADATA_KEY: JsonMetadataValue(params),
        LOWER_BOUND_TIMESTAMP_METADATA_KEY: TimestampMetadataValue(lower_bound),
    }
    if latest_tick is not None:
        metadata[LATEST_CRON_TICK_METADATA_KEY] = TimestampMetadataValue(latest_tick)
    if passed and updated is not None:  # (passed implies an update)
        # when the asset can become overdue again
        fresh_until = (
            ticks.after(ticks.prev_le(now)).timestamp()
            if ticks is not None
            else updated + delta.total_seconds()
        )
        metadata[FRESH_UNTIL_METADATA_KEY] = TimestampMetadataValue(fresh_until)
    if updated:
        metadata[LAST_UPDATED_TIMESTAMP_METADATA_KEY] = TimestampMetadataValue(updated)
    allowed = seconds_in_words(now - lower_bound)
    if passed and updated is not None:
        description = (
            f"Asset is currently fresh. The last update was {seconds_in_words(now - updated)} ago, "
            f"within the allowed time range of {allowed}."
        )
    elif updated is None:
        description = "Asset has never been observed/materialized."
    else:
        description = (
            f"Asset is overdue for an update. The last update was {seconds_in_words(now - updated)} "
            f"ago, which is past the allowed distance of {allowed} ago."
        )
    return AssetCheckResult(
        passed=passed, description=description, severity=severity, asset_key=key, metadata=metadata
    )


def _last_update_timestamp(instance: DagsterInstance, key: AssetKey) -> float | None:
    """The later of the latest materialization's and the latest observation's update times
    (each read once: the cheap latest-record reads Dagster uses too)."""
    mats = instance.fetch_materializations(key, limit=1).records
    obs = instance.fetch_observations(key, limit=1).records
    m = _record_timestamp(mats[0], observation=False) if mats else None
    o = _record_timestamp(obs[0], observation=True) if obs else None
    if mats and obs:
        if not o:
            return m
        if not m:
            return o
        return m if m > o else o
    return m if mats else o


def _record_timestamp(rec: Any, *, observation: bool) -> float | None:
    ev = rec.event_log_entry.dagster_event
    event = ev.observation if observation else ev.materialization
    value = (event.metadata if event is not None else {}).get(LAST_UPDATED_TIMESTAMP_METADATA_KEY)
    if value is not None:
        if not isinstance(value, TimestampMetadataValue):
            raise DagsterInvalidDefinitionError(
                f"Expected {LAST_UPDATED_TIMESTAMP_METADATA_KEY} in asset metadata to be a "
                "TimestampMetadataValue."
            )
        return value.value
    return None if observation else rec.timestamp


def seconds_in_words(delta: float) -> str:
    """``3725`` -> ``"1 hour, 2 minutes, 5 seconds"`` (Dagster's wording)."""
    if delta == 0:
        return "0 seconds"
    parts = (
        (int(delta // 86400), "day"),
        (int(delta % 86400 // 3600), "hour"),
        (int(delta % 3600 // 60), "minute"),
        (int(delta % 60), "second"),
    )
    return ", ".join(f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in parts if n >= 1)
