"""Sensors that run declarative automation over a selection of assets.

    import dagster_nb as dg

    auto = dg.AutomationConditionSensorDefinition(
        "automation", target=dg.AssetSelection.all(), minimum_interval_seconds=60)
    dg.Definitions(assets=[...], sensors=[auto])

They are definitions (name, target, interval, status, run tags). Their ticks evaluate the
``AutomationCondition`` of each targeted asset, which is the automation evaluator's job; until
it exists, ``evaluate_tick`` raises rather than pretending to decide anything.
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
            raise DagsterInvariantViolationError(
                f"Sensor '{name}' evaluates automation conditions; that evaluator is not part of "
                "dagster_nb yet. The definition (name, target, interval) is complete."
            )

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
