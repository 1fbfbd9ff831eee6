"""Sensors that run declarative automation over a selection of assets.

    import dagster_nb as dg

    auto = dg.AutomationConditionSensorDefinition(
        "automation", target=dg.AssetSelection.all(), minimum_interval_seconds=60)
    dg.Definitions(assets=[...], sensors=[auto])

A tick evaluates the ``AutomationCondition`` of each targeted asset
(:mod:`dagster_nb._automation.evaluator`, its cursor kept as the sensor's cursor) and requests
one run per partition key. The automation loop runs them; ``evaluate_tick`` works directly too,
given ``build_sensor_context(instance=..., repository_def=defs)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_nb._automation.run_request import normalize_tags
from dagster_nb._automation.sensors import DefaultSensorStatus, SensorDefinition
from dagster_nb._errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError

__all__ = ["AutomationConditionSensorDefinition", "AutoMaterializeSensorDefinition"]


class AutomationConditionSensorDefinition(SensorDefinition):
    """Evaluates the automation conditions of the assets in ``target`` every
    ``minimum_interval_seconds`` (default 30) and requests the runs they call for.

    >>> s = AutomationConditionSensorDefinition("auto", target="*")
    >>> s.name, s.minimum_interval_seconds, s.default_status.value
    ('auto', 30, 'STOPPED')
    """

    def __init__(
        self,
        name: str,
        *,
        target: Any,
        tags: Mapping[str, str] | None = None,
        run_tags: Mapping[str, Any] | None = None,
        default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        emit_backfills: bool = True,
        use_user_code_server: bool = False,
        default_condition: Any = None,
        **kwargs: Any,
    ):
        if target is None:
            raise DagsterInvalidDefinitionError(
                f"{type(self).__name__} '{name}' needs a target: an AssetSelection, asset keys "
                "or assets."
            )
        if default_condition is not None and not use_user_code_server:
            raise DagsterInvalidDefinitionError(
                "Setting a `default_condition` for a non-user-code AutomationConditionSensorDefinition "
                "is not supported."
            )

        def _evaluate(context: Any) -> Any:
            defs = context.repository_def
            if defs is None or context.instance is None:
                raise DagsterInvariantViolationError(
                    f"Sensor '{name}' evaluates the automation conditions of its target's assets: "
                    "give it the definitions and an instance, build_sensor_context("
                    "instance=..., repository_def=defs)."
                )
            return _evaluate_target(self, defs, context)

        _evaluate.__name__ = name
        super().__init__(
            name=name,
            evaluation_fn=_evaluate,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            default_status=default_status,
            tags=tags,
            metadata=metadata,
        )
        self._target_selection = target
        self._run_tags = normalize_tags(run_tags)
        self._emit_backfills = emit_backfills
        self._use_user_code_server = use_user_code_server
        self._default_condition = default_condition

    @property
    def asset_selection(self) -> Any:
        """What this sensor automates (as given: a selection, keys or assets)."""
        return self._target_selection

    @property
    def run_tags(self) -> Mapping[str, str]:
        return dict(self._run_tags)

    @property
    def emit_backfills(self) -> bool:
        return self._emit_backfills

    @property
    def use_user_code_server(self) -> bool:
        return self._use_user_code_server

    @property
    def default_condition(self) -> Any:
        return self._default_condition


class AutoMaterializeSensorDefinition(AutomationConditionSensorDefinition):
    """The earlier name of :class:`AutomationConditionSensorDefinition` (same arguments).

    >>> AutoMaterializeSensorDefinition("amp", target="*").minimum_interval_seconds
    30
    """


def _evaluate_target(sensor: AutomationConditionSensorDefinition, defs: Any, context: Any) -> Any:
    """One tick: evaluate the target's conditions from the sensor's cursor; one RunRequest per
    requested partition key (the assets in graph order), tagged with the sensor's run_tags."""
    import datetime as _dt

    from dagster_nb._automation.evaluator import AssetDaemonCursor, _evaluate
    from dagster_nb._automation.run_request import RunRequest, SensorResult
    from dagster_nb._selection.asset_selection import AssetSelection

    graph = defs.resolve_asset_graph()
    chosen = AssetSelection.from_coercible(sensor.asset_selection).resolve(
        graph, allow_missing=True
    )
    keys = [
        k
        for k in graph.toposorted_keys()
        if k in chosen
        and graph.get(k).automation_condition is not None
        and graph.get(k).is_materializable
    ]
    cursor = (
        AssetDaemonCursor.from_json(context.cursor) if context.cursor else AssetDaemonCursor.empty()
    )
    result = _evaluate(graph, context.instance, keys, _dt.datetime.now(_dt.timezone.utc), cursor)
    by_partition: dict = {}
    for k in keys:
        for p in result.get_requested_partitions(k):
            by_partition.setdefault(p, []).append(k)
    requests = [
        RunRequest(asset_selection=ks, partition_key=p, tags=dict(sensor.run_tags))
        for p, ks in sorted(by_partition.items(), key=lambda kv: "" if kv[0] is None else kv[0])
    ]
    if not requests:
        return SensorResult(
            skip_reason="No asset partitions were requested.", cursor=result.cursor.to_json()
        )
    return SensorResult(run_requests=requests, cursor=result.cursor.to_json())
