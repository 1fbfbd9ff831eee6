"""``@multi_asset_sensor``: a sensor over the materializations of several assets.

    import dagster_nb as dg

    @dg.multi_asset_sensor(monitored_assets=[dg.AssetKey("a"), dg.AssetKey("b")], job=job)
    def both_updated(context):
        records = context.latest_materialization_records_by_key()
        if all(records.values()):
            context.advance_all_cursors()
            return dg.RunRequest()

The context keeps, per monitored asset, the storage id of the last materialization consumed;
``latest_materialization_records_by_key`` returns each asset's newest materialization after
it (or None), ``advance_cursor`` / ``advance_all_cursors`` move it. The cursor is a JSON string
the loop stores like any sensor's. Partition-aware helpers of Dagster's context
(``latest_materialization_records_by_partition`` and friends) are not there yet and say so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster_nb._automation.sensors import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    _announce,
)
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "MultiAssetSensorDefinition",
    "MultiAssetSensorEvaluationContext",
    "build_multi_asset_sensor_context",
    "multi_asset_sensor",
]


def _monitored_keys(monitored: Any, defs: Any) -> list[AssetKey]:
    if isinstance(monitored, (list, tuple)):
        return [AssetKey.from_coercible(k) for k in monitored]
    if defs is None:
        raise DagsterInvalidInvocationError(
            "A multi_asset_sensor monitoring an AssetSelection needs the definitions to resolve "
            "it: build_multi_asset_sensor_context(..., definitions=defs)."
        )
    from dagster_nb._selection.asset_selection import AssetSelection

    graph = defs.resolve_asset_graph()
    return sorted(AssetSelection.from_coercible(monitored).resolve(graph), key=lambda k: k.parts)


class MultiAssetSensorEvaluationContext(SensorEvaluationContext):
    """What a ``@multi_asset_sensor`` function receives (Dagster's name and main methods)."""

    def __init__(
        self,
        *,
        monitored_assets: Any,
        instance: DagsterInstance | None = None,
        cursor: str | None = None,
        repository_def: Any = None,
        definitions: Any = None,
        resources: Mapping[str, Any] | None = None,
        sensor_name: str | None = None,
        last_sensor_start_time: float | None = None,
        cursor_from_latest_materializations: bool = False,
    ):
        defs = definitions if definitions is not None else repository_def
        super().__init__(
            instance=instance,
            cursor=cursor,
            resources=resources,
            repository_def=defs,
            sensor_name=sensor_name,
            last_sensor_start_time=last_sensor_start_time,
        )
        if instance is None:
            raise DagsterInvalidInvocationError(
                "A multi_asset_sensor reads materializations: pass instance= to "
                "build_multi_asset_sensor_context."
            )
        self._keys = _monitored_keys(monitored_assets, defs)
        self._consumed: dict[AssetKey, int] = {}
        if cursor:
            try:
                raw = json.loads(cursor)
                self._consumed = {AssetKey.from_user_string(k): int(v[1]) for k, v in raw.items()}
            except (ValueError, TypeError, KeyError, IndexError):
                raise DagsterInvalidInvocationError(
                    f"Not a multi_asset_sensor cursor: {cursor!r}. It is the JSON this sensor "
                    "stores; start from None."
                ) from None
        self._fetched: dict[AssetKey, Any] = {}
        if cursor_from_latest_materializations:
            self.advance_all_cursors()

    @property
    def asset_keys(self) -> list[AssetKey]:
        return list(self._keys)

    def _check(self, key: Any) -> AssetKey:
        k = AssetKey.from_coercible(key)
        if k not in self._keys:
            from dagster_nb._errors import did_you_mean

            raise DagsterInvalidInvocationError(
                f"Asset key {k.to_user_string()} is not monitored by this sensor."
                + did_you_mean(k.to_user_string(), [x.to_user_string() for x in self._keys])
            )
        return k

    def _after(self, key: AssetKey, limit: int | None, ascending: bool) -> list[Any]:
        from dagster_nb._events import DagsterEventType
        from dagster_nb._storage.queries import EventRecordsFilter

        return self.instance.get_event_records(
            EventRecordsFilter(
                event_type=DagsterEventType.ASSET_MATERIALIZATION,
                asset_key=key,
                after_cursor=self._consumed.get(key),
            ),
            limit=limit,
            ascending=ascending,
        )

    def latest_materialization_records_by_key(
        self, asset_keys: Sequence[Any] | None = None
    ) -> dict[AssetKey, Any]:
        """Each (given) monitored asset's newest materialization after its cursor, or None."""
        keys = [self._check(k) for k in asset_keys] if asset_keys is not None else self._keys
        out = {}
        for k in keys:
            recs = self._after(k, 1, False)
            out[k] = recs[0] if recs else None
            if out[k] is not None:
                self._fetched[k] = out[k]
        return out

    def materialization_records_for_key(
        self, asset_key: Any, limit: int | None = None
    ) -> list[Any]:
        """The asset's materializations after its cursor, oldest first (at most ``limit``)."""
        return self._after(self._check(asset_key), limit, True)

    def advance_cursor(self, materialization_records_by_key: Mapping[Any, Any]) -> None:
        """Mark these records (and everything of their asset before them) as consumed."""
        for key, rec in materialization_records_by_key.items():
            k = self._check(key)
            if rec is not None:
                self._consumed[k] = max(self._consumed.get(k, -1), rec.storage_id)
        self._store()

    def advance_all_cursors(self) -> None:
        """Consume every monitored asset's materializations up to its latest one."""
        for k in self._keys:
            recs = self._after(k, 1, False)
            if recs:
                self._consumed[k] = recs[0].storage_id
        self._store()

    def _store(self) -> None:
        SensorEvaluationContext.update_cursor(
            self,
            json.dumps(
                {
                    k.to_user_string(): [None, i, {}]
                    for k, i in sorted(self._consumed.items(), key=lambda kv: kv[0].parts)
                },
                sort_keys=True,
            ),
        )

    def update_cursor(self, cursor: str | None) -> None:
        raise DagsterInvalidInvocationError(
            "A multi_asset_sensor's cursor moves with advance_cursor(...) / advance_all_cursors()."
        )

    def latest_materialization_records_by_partition(self, *args: Any, **kwargs: Any) -> Any:
        raise DagsterInvalidInvocationError(
            "latest_materialization_records_by_partition is not supported yet; use "
            "materialization_records_for_key(key) and each record's partition_key."
        )

    latest_materialization_records_by_partition_and_asset = (
        latest_materialization_records_by_partition
    )


def build_multi_asset_sensor_context(
    *,
    monitored_assets: Any,
    repository_def: Any = None,
    instance: DagsterInstance | None = None,
    cursor: str | None = None,
    repository_name: str | None = None,
    cursor_from_latest_materializations: bool = False,
    resources: Mapping[str, Any] | None = None,
    definitions: Any = None,
    last_sensor_start_time: float | None = None,
) -> MultiAssetSensorEvaluationContext:
    """A context for testing a ``@multi_asset_sensor`` (Dagster's function)."""
    return MultiAssetSensorEvaluationContext(
        monitored_assets=monitored_assets,
        instance=instance,
        cursor=cursor,
        repository_def=repository_def,
        definitions=definitions,
        resources=resources,
        last_sensor_start_time=last_sensor_start_time,
        cursor_from_latest_materializations=cursor_from_latest_materializations,
    )


class MultiAssetSensorDefinition(SensorDefinition):
    """A sensor over several assets' materializations (Dagster's class name)."""

    def __init__(self, name: str, monitored_assets: Any, fn: Callable[..., Any], **kwargs: Any):
        self._monitored = monitored_assets
        user_fn = fn

        def evaluate(context: SensorEvaluationContext) -> Any:
            ctx = (
                context
                if isinstance(context, MultiAssetSensorEvaluationContext)
                else MultiAssetSensorEvaluationContext(
                    monitored_assets=monitored_assets,
                    instance=context.instance,
                    cursor=context.cursor,
                    repository_def=context.repository_def,
                    resources=None,
                    sensor_name=name,
                )
            )
            result = user_fn(ctx)
            if ctx is not context and ctx.cursor != context.cursor:
                context.update_cursor(ctx.cursor)
            return result

        evaluate.__name__ = name
        super().__init__(name=name, evaluation_fn=evaluate, **kwargs)

    @property
    def monitored_assets(self) -> Any:
        return self._monitored


def multi_asset_sensor(
    monitored_assets: Any,
    *,
    job_name: str | None = None,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    request_assets: Any = None,
    required_resource_keys: set[str] | None = None,
    tags: Mapping[str, str] | None = None,
    metadata: Any = None,
) -> Callable[[Callable[..., Any]], MultiAssetSensorDefinition]:
    """A sensor whose function gets a :class:`MultiAssetSensorEvaluationContext` (Dagster's
    decorator; see the module docstring)."""
    if required_resource_keys:
        raise DagsterInvalidDefinitionError(
            "multi_asset_sensor(required_resource_keys=...) is not supported yet; pass resources "
            "through the definitions' resources and read them in the function."
        )

    def inner(fn: Callable[..., Any]) -> MultiAssetSensorDefinition:
        sd = MultiAssetSensorDefinition(
            name or fn.__name__,
            monitored_assets,
            fn,
            job_name=job_name,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
            default_status=default_status,
            asset_selection=request_assets,
            tags=tags,
            metadata=metadata,
        )
        sd.__doc__ = fn.__doc__
        _announce(sd)
        return sd

    return inner
