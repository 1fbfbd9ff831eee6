"""dagster_nb._automation: schedules, sensors, run requests, automation conditions and policies.

    import dagster_nb as dg

    daily = dg.ScheduleDefinition(job_name="refresh", cron_schedule="0 6 * * *")
    dg.Definitions(jobs=[...], schedules=[daily])

These are definitions with Dagster's API. Direct invocation (``my_schedule(context)``) and
``evaluate_tick`` run the user's function. ``evaluator`` evaluates ``AutomationCondition`` trees
(``evaluate_automation_conditions``); ``daemon`` is the tick loop that decides when each
schedule and sensor is due, launches the runs they request and records the ticks.
"""

from dagster_nb._automation.automation_sensors import (
    AutoMaterializeSensorDefinition as AutoMaterializeSensorDefinition,
)
from dagster_nb._automation.automation_sensors import (
    AutomationConditionSensorDefinition as AutomationConditionSensorDefinition,
)
from dagster_nb._automation.conditions import AutomationCondition as AutomationCondition
from dagster_nb._automation.freshness import FreshnessPolicy as FreshnessPolicy
from dagster_nb._automation.freshness import LegacyFreshnessPolicy as LegacyFreshnessPolicy
from dagster_nb._automation.policies import AutoMaterializePolicy as AutoMaterializePolicy
from dagster_nb._automation.policies import AutoMaterializeRule as AutoMaterializeRule
from dagster_nb._automation.run_request import RunRequest as RunRequest
from dagster_nb._automation.run_request import SensorResult as SensorResult
from dagster_nb._automation.run_request import SkipReason as SkipReason
from dagster_nb._automation.schedules import DefaultScheduleStatus as DefaultScheduleStatus
from dagster_nb._automation.schedules import ScheduleDefinition as ScheduleDefinition
from dagster_nb._automation.schedules import ScheduleEvaluationContext as ScheduleEvaluationContext
from dagster_nb._automation.schedules import ScheduleExecutionData as ScheduleExecutionData
from dagster_nb._automation.schedules import build_schedule_context as build_schedule_context
from dagster_nb._automation.schedules import schedule as schedule
from dagster_nb._automation.sensors import AssetSensorDefinition as AssetSensorDefinition
from dagster_nb._automation.sensors import DefaultSensorStatus as DefaultSensorStatus
from dagster_nb._automation.sensors import SensorDefinition as SensorDefinition
from dagster_nb._automation.sensors import SensorEvaluationContext as SensorEvaluationContext
from dagster_nb._automation.sensors import SensorExecutionData as SensorExecutionData
from dagster_nb._automation.sensors import asset_sensor as asset_sensor
from dagster_nb._automation.sensors import build_sensor_context as build_sensor_context
from dagster_nb._automation.sensors import sensor as sensor
