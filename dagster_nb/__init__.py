"""dagster_nb: Dagster's software-defined-asset model, native to Jupyter.

    import dagster_nb as dg

    @dg.asset
    def numbers():
        return [1, 2, 3]

    @dg.asset
    def total(numbers):
        return sum(numbers)

    dg.materialize([numbers, total]).output_for_node("total")  # 6

Public names are loaded on first use (PEP 562 ``__getattr__``), so ``import dagster_nb`` is
instant and does not import pydantic, pandas, IPython or widgets until they are needed.
In a notebook, ``%load_ext dagster_nb`` adds the magics and the kernel repository.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it. The one place that lists the public API.
_EXPORTS: dict[str, str] = {}


def _export(module: str, *names: str) -> None:
    for n in names:
        _EXPORTS[n] = module


_D = "dagster_nb._definitions."
_export(_D + "asset_key", "AssetKey")
_export(_D + "metadata", "MetadataValue")
_export(
    _D + "metadata_values",
    "TextMetadataValue",
    "IntMetadataValue",
    "FloatMetadataValue",
    "BoolMetadataValue",
    "JsonMetadataValue",
    "MarkdownMetadataValue",
    "UrlMetadataValue",
    "PathMetadataValue",
    "NotebookMetadataValue",
    "PythonArtifactMetadataValue",
    "TableMetadataValue",
    "TableSchemaMetadataValue",
    "AssetMetadataValue",
    "NullMetadataValue",
    "TimestampMetadataValue",
    "DagsterRunMetadataValue",
    "JobMetadataValue",
    "TableColumn",
    "TableColumnConstraints",
    "TableConstraints",
    "TableRecord",
    "TableSchema",
    "TableColumnDep",
    "TableColumnLineage",
    "TableColumnLineageMetadataValue",
    "PoolMetadataValue",
)
_export(
    _D + "results",
    "Output",
    "DynamicOutput",
    "MaterializeResult",
    "ObserveResult",
    "AssetMaterialization",
    "AssetObservation",
    "DataVersion",
    "ExpectationResult",
    "RetryRequested",
    "Failure",
)
_export(_D + "asset_spec", "AssetSpec", "AssetDep", "AssetIn", "AssetOut")
_export(_D + "assets", "AssetsDefinition", "SourceAsset", "with_resources")
_export(_D + "partitioned_config", "PartitionedConfig", "static_partitioned_config")
_export(
    _D + "decorators",
    "asset",
    "multi_asset",
    "observable_source_asset",
    "multi_observable_source_asset",
    "external_assets_from_specs",
    "external_asset_from_spec",
    "graph_asset",
    "graph_multi_asset",
)
_export(
    _D + "op",
    "op",
    "In",
    "Out",
    "OpDefinition",
    "Nothing",
)
_export(
    _D + "graph",
    "graph",
    "GraphDefinition",
    "NodeInvocation",
    "DependencyDefinition",
    "MultiDependencyDefinition",
    "GraphIn",
    "GraphOut",
    "ConfigMapping",
)
_export(_D + "policy", "RetryPolicy", "Backoff", "Jitter", "BackfillPolicy")
_export(_D + "config", "Config", "PermissiveConfig")
_export(_D + "run_config", "RunConfig", "EnvVar")
_export(
    _D + "configurable",
    "ConfigurableResource",
    "ConfigurableResourceFactory",
    "ConfigurableIOManager",
    "ConfigurableIOManagerFactory",
)
_export(
    _D + "resources",
    "ResourceDefinition",
    "resource",
    "ResourceParam",
    "ResourceDependency",
    "InitResourceContext",
    "build_init_resource_context",
    "build_resources",
)
_export(
    _D + "io_manager",
    "IOManager",
    "IOManagerDefinition",
    "io_manager",
    "InputContext",
    "OutputContext",
    "build_input_context",
    "build_output_context",
    "InMemoryIOManager",
    "mem_io_manager",
    "InputManager",
    "InputManagerDefinition",
    "input_manager",
)
_export(
    _D + "asset_checks",
    "AssetCheckSpec",
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckEvaluation",
    "AssetChecksDefinition",
    "asset_check",
    "multi_asset_check",
)
_export(_D + "freshness_checks", "build_last_update_freshness_checks")
_export(_D + "definitions_class", "Definitions", "definitions")
_export(
    _D + "load",
    "load_assets_from_modules",
    "load_assets_from_current_module",
    "load_assets_from_package_module",
    "load_assets_from_package_name",
    "load_asset_checks_from_modules",
    "load_asset_checks_from_current_module",
    "load_asset_checks_from_package_module",
    "load_asset_checks_from_package_name",
)
_export(_D + "paths", "file_relative_path")
_export("dagster_nb._storage.filesystem_io_manager", "FilesystemIOManager")
_export(
    "dagster_nb._storage.fs_io_manager",
    "fs_io_manager",
    "PickledObjectFilesystemIOManager",
)
_export("dagster_nb._storage.records", "DagsterRun", "EventLogRecord")
_export("dagster_nb._storage.queries", "AssetRecordsFilter", "EventRecordsFilter", "RunsFilter")
_export("dagster_nb._instance", "DagsterInstance")
_export(
    "dagster_nb._events",
    "DagsterEventType",
    "DagsterEvent",
    "EventLogEntry",
    "DagsterRunStatus",
)
_export(
    "dagster_nb._execution.context",
    "AssetExecutionContext",
    "OpExecutionContext",
    "AssetCheckExecutionContext",
    "build_asset_context",
    "build_op_context",
)
_export("dagster_nb._execution.materialize", "materialize", "materialize_to_memory")
_export("dagster_nb._execution.result", "ExecuteInProcessResult")
_export("dagster_nb._execution.loader", "AssetValueLoader")
_export(
    "dagster_nb._execution.staleness",
    "StaleStatus",
    "StaleCause",
    "StaleCauseCategory",
    "StalenessResolver",
)
_export("dagster_nb._execution.materialize", "observe")
_export("dagster_nb._notebook.repository", "RedefinitionWarning", "KernelRepository")
_export("dagster_nb._execution.backfill", "BackfillResult")
_export(
    "dagster_nb._execution.jobs",
    "define_asset_job",
    "JobDefinition",
    "UnresolvedAssetJobDefinition",
)
_export("dagster_nb._execution.graph_run", "job", "validate_run_config")
_export(
    "dagster_nb._execution.hooks", "success_hook", "failure_hook", "HookDefinition", "HookContext"
)
_export(
    "dagster_nb._execution.executors",
    "ExecutorDefinition",
    "in_process_executor",
    "multiprocess_executor",
    "multi_or_in_process_executor",
    "execute_job",
    "reconstructable",
)
_export("dagster_nb._selection", "AssetSelection")
_export(
    "dagster_nb._automation",
    "ScheduleDefinition",
    "schedule",
    "DefaultScheduleStatus",
    "ScheduleEvaluationContext",
    "build_schedule_context",
    "SensorDefinition",
    "sensor",
    "asset_sensor",
    "AssetSensorDefinition",
    "DefaultSensorStatus",
    "SensorEvaluationContext",
    "build_sensor_context",
    "RunRequest",
    "SkipReason",
    "SensorResult",
    "AutomationCondition",
    "AutoMaterializePolicy",
    "AutoMaterializeRule",
    "FreshnessPolicy",
    "LegacyFreshnessPolicy",
    "AutoMaterializeSensorDefinition",
    "AutomationConditionSensorDefinition",
)
_export(
    "dagster_nb._automation.evaluator",
    "evaluate_automation_conditions",
    "EvaluateAutomationConditionsResult",
)
_export(
    "dagster_nb._automation.run_status_sensors",
    "run_status_sensor",
    "run_failure_sensor",
    "RunStatusSensorContext",
    "RunFailureSensorContext",
    "RunStatusSensorDefinition",
)
_export(
    "dagster_nb._automation.partitioned_schedule",
    "build_schedule_from_partitioned_job",
)
_export(
    "dagster_nb._automation.multi_asset_sensors",
    "multi_asset_sensor",
    "MultiAssetSensorDefinition",
    "MultiAssetSensorEvaluationContext",
    "build_multi_asset_sensor_context",
)
_export(
    "dagster_nb._partitions",
    "PartitionsDefinition",
    "StaticPartitionsDefinition",
    "DynamicPartitionsDefinition",
    "TimeWindowPartitionsDefinition",
    "HourlyPartitionsDefinition",
    "DailyPartitionsDefinition",
    "WeeklyPartitionsDefinition",
    "MonthlyPartitionsDefinition",
    "MultiPartitionsDefinition",
    "MultiPartitionKey",
    "PartitionKeyRange",
    "TimeWindow",
    "PartitionMapping",
    "IdentityPartitionMapping",
    "TimeWindowPartitionMapping",
    "AllPartitionMapping",
    "LastPartitionMapping",
    "StaticPartitionMapping",
    "SpecificPartitionsPartitionMapping",
    "MultiToSingleDimensionPartitionMapping",
    "MultiPartitionMapping",
    "DimensionPartitionMapping",
)
_export(
    "dagster_nb._partitions.dynamic",
    "AddDynamicPartitionsRequest",
    "DeleteDynamicPartitionsRequest",
)
_export(
    "dagster_nb._errors",
    "DagsterError",
    "DagsterExecutionInterruptedError",
    "DagsterInvalidDefinitionError",
    "DagsterInvalidObservationError",
    "DagsterInvalidSubsetError",
    "DagsterInvalidConfigDefinitionError",
    "DagsterInvalidPythonicConfigDefinitionError",
    "DagsterInvariantViolationError",
    "DagsterExecutionStepNotFoundError",
    "DagsterRunNotFoundError",
    "DagsterStepOutputNotFoundError",
    "DagsterUserCodeExecutionError",
    "DagsterTypeCheckError",
    "DagsterExecutionLoadInputError",
    "DagsterConfigMappingFunctionError",
    "DagsterExecutionHandleOutputError",
    "DagsterExecutionStepExecutionError",
    "DagsterResourceFunctionError",
    "DagsterUnknownResourceError",
    "DagsterInvalidInvocationError",
    "DagsterInvalidConfigError",
    "DagsterMaxRetriesExceededError",
    "DagsterTypeCheckDidNotPass",
    "DagsterInvalidAssetKey",
    "DagsterInvalidMetadata",
    "DagsterInvalidPropertyError",
    "DagsterHomeNotSetError",
    "DagsterUnknownPartitionError",
    "DagsterUndefinedDataVersionError",
    "DagsterInvalidAssetSelectionError",
    "DagsterStorageError",
    "DagsterUnmetExecutorRequirementsError",
)

# The public names as one static list (type checkers read it; a test keeps it equal to
# _EXPORTS plus the three names defined below).
__all__ = [
    "AddDynamicPartitionsRequest",
    "AllPartitionMapping",
    "AssetCheckEvaluation",
    "AssetCheckExecutionContext",
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckSpec",
    "AssetChecksDefinition",
    "AssetDep",
    "AssetExecutionContext",
    "AssetIn",
    "AssetKey",
    "AssetMaterialization",
    "AssetMetadataValue",
    "AssetObservation",
    "AssetOut",
    "AssetRecordsFilter",
    "AssetSelection",
    "AssetSensorDefinition",
    "AssetSpec",
    "AssetValueLoader",
    "AssetsDefinition",
    "AutoMaterializePolicy",
    "AutoMaterializeRule",
    "AutoMaterializeSensorDefinition",
    "AutomationCondition",
    "AutomationConditionSensorDefinition",
    "BackfillPolicy",
    "BackfillResult",
    "Backoff",
    "BoolMetadataValue",
    "Config",
    "ConfigMapping",
    "ConfigurableIOManager",
    "ConfigurableIOManagerFactory",
    "ConfigurableResource",
    "ConfigurableResourceFactory",
    "DagsterConfigMappingFunctionError",
    "DagsterError",
    "DagsterEvent",
    "DagsterEventType",
    "DagsterExecutionHandleOutputError",
    "DagsterExecutionInterruptedError",
    "DagsterExecutionLoadInputError",
    "DagsterExecutionStepExecutionError",
    "DagsterExecutionStepNotFoundError",
    "DagsterHomeNotSetError",
    "DagsterInstance",
    "DagsterInvalidAssetKey",
    "DagsterInvalidAssetSelectionError",
    "DagsterInvalidConfigDefinitionError",
    "DagsterInvalidConfigError",
    "DagsterInvalidDefinitionError",
    "DagsterInvalidInvocationError",
    "DagsterInvalidMetadata",
    "DagsterInvalidObservationError",
    "DagsterInvalidPropertyError",
    "DagsterInvalidPythonicConfigDefinitionError",
    "DagsterInvalidSubsetError",
    "DagsterInvariantViolationError",
    "DagsterMaxRetriesExceededError",
    "DagsterResourceFunctionError",
    "DagsterRun",
    "DagsterRunMetadataValue",
    "DagsterRunNotFoundError",
    "DagsterRunStatus",
    "DagsterStepOutputNotFoundError",
    "DagsterStorageError",
    "DagsterTypeCheckDidNotPass",
    "DagsterTypeCheckError",
    "DagsterUndefinedDataVersionError",
    "DagsterUnknownPartitionError",
    "DagsterUnknownResourceError",
    "DagsterUnmetExecutorRequirementsError",
    "DagsterUserCodeExecutionError",
    "DailyPartitionsDefinition",
    "DataVersion",
    "DefaultScheduleStatus",
    "DefaultSensorStatus",
    "Definitions",
    "DeleteDynamicPartitionsRequest",
    "DependencyDefinition",
    "DimensionPartitionMapping",
    "DynamicOutput",
    "DynamicPartitionsDefinition",
    "EnvVar",
    "EvaluateAutomationConditionsResult",
    "EventLogEntry",
    "EventLogRecord",
    "EventRecordsFilter",
    "ExecuteInProcessResult",
    "ExecutorDefinition",
    "ExpectationResult",
    "Failure",
    "FilesystemIOManager",
    "FloatMetadataValue",
    "FreshnessPolicy",
    "GraphDefinition",
    "GraphIn",
    "GraphOut",
    "HookContext",
    "HookDefinition",
    "HourlyPartitionsDefinition",
    "IOManager",
    "IOManagerDefinition",
    "IdentityPartitionMapping",
    "In",
    "InMemoryIOManager",
    "InitResourceContext",
    "InputContext",
    "InputManager",
    "InputManagerDefinition",
    "IntMetadataValue",
    "Jitter",
    "JobDefinition",
    "JobMetadataValue",
    "JsonMetadataValue",
    "KernelRepository",
    "LastPartitionMapping",
    "LegacyFreshnessPolicy",
    "MarkdownMetadataValue",
    "MaterializeResult",
    "MetadataValue",
    "MonthlyPartitionsDefinition",
    "MultiAssetSensorDefinition",
    "MultiAssetSensorEvaluationContext",
    "MultiDependencyDefinition",
    "MultiPartitionKey",
    "MultiPartitionMapping",
    "MultiPartitionsDefinition",
    "MultiToSingleDimensionPartitionMapping",
    "NodeInvocation",
    "NotebookMetadataValue",
    "Nothing",
    "NullMetadataValue",
    "ObserveResult",
    "OpDefinition",
    "OpExecutionContext",
    "Out",
    "Output",
    "OutputContext",
    "PartitionKeyRange",
    "PartitionMapping",
    "PartitionedConfig",
    "PartitionsDefinition",
    "PathMetadataValue",
    "PermissiveConfig",
    "PickledObjectFilesystemIOManager",
    "PoolMetadataValue",
    "PythonArtifactMetadataValue",
    "RedefinitionWarning",
    "ResourceDefinition",
    "ResourceDependency",
    "ResourceParam",
    "RetryPolicy",
    "RetryRequested",
    "RunConfig",
    "RunFailureSensorContext",
    "RunRequest",
    "RunStatusSensorContext",
    "RunStatusSensorDefinition",
    "RunsFilter",
    "ScheduleDefinition",
    "ScheduleEvaluationContext",
    "SensorDefinition",
    "SensorEvaluationContext",
    "SensorResult",
    "SkipReason",
    "SourceAsset",
    "SpecificPartitionsPartitionMapping",
    "StaleCause",
    "StaleCauseCategory",
    "StaleStatus",
    "StalenessResolver",
    "StaticPartitionMapping",
    "StaticPartitionsDefinition",
    "TableColumn",
    "TableColumnConstraints",
    "TableColumnDep",
    "TableColumnLineage",
    "TableColumnLineageMetadataValue",
    "TableConstraints",
    "TableMetadataValue",
    "TableRecord",
    "TableSchema",
    "TableSchemaMetadataValue",
    "TextMetadataValue",
    "TimeWindow",
    "TimeWindowPartitionMapping",
    "TimeWindowPartitionsDefinition",
    "TimestampMetadataValue",
    "UnresolvedAssetJobDefinition",
    "UrlMetadataValue",
    "WeeklyPartitionsDefinition",
    "asset",
    "asset_check",
    "asset_sensor",
    "build_asset_context",
    "build_init_resource_context",
    "build_input_context",
    "build_last_update_freshness_checks",
    "build_multi_asset_sensor_context",
    "build_op_context",
    "build_output_context",
    "build_resources",
    "build_schedule_context",
    "build_schedule_from_partitioned_job",
    "build_sensor_context",
    "define_asset_job",
    "definitions",
    "evaluate_automation_conditions",
    "execute_job",
    "external_asset_from_spec",
    "external_assets_from_specs",
    "failure_hook",
    "file_relative_path",
    "fs_io_manager",
    "graph",
    "graph_asset",
    "graph_multi_asset",
    "in_process_executor",
    "input_manager",
    "io_manager",
    "job",
    "kernel",
    "load_asset_checks_from_current_module",
    "load_asset_checks_from_modules",
    "load_asset_checks_from_package_module",
    "load_asset_checks_from_package_name",
    "load_assets_from_current_module",
    "load_assets_from_modules",
    "load_assets_from_package_module",
    "load_assets_from_package_name",
    "load_ipython_extension",
    "materialize",
    "materialize_to_memory",
    "mem_io_manager",
    "multi_asset",
    "multi_asset_check",
    "multi_asset_sensor",
    "multi_observable_source_asset",
    "multi_or_in_process_executor",
    "multiprocess_executor",
    "observable_source_asset",
    "observe",
    "op",
    "reconstructable",
    "resource",
    "run_failure_sensor",
    "run_status_sensor",
    "schedule",
    "sensor",
    "static_partitioned_config",
    "success_hook",
    "unload_ipython_extension",
    "validate_run_config",
    "with_resources",
]


def _execution_services() -> Any:
    return importlib.import_module("dagster_nb._execution.services")


# The definitions layer reaches execution only through this seam (it may not import it); the
# package root, above every layer, wires it. Nothing heavy loads until a service is used.
from dagster_nb._definitions import seam as _seam  # noqa: E402

_seam.install(_execution_services)


# Hidden from type checkers: a module __getattr__ would make every unknown name (a typo such
# as dg.materialise) type-check as Any. They read the TYPE_CHECKING imports at the end.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            if name == "kernel":
                from dagster_nb._notebook.repository import get_kernel_repository

                return get_kernel_repository()
            from dagster_nb._errors import did_you_mean

            raise AttributeError(
                f"module 'dagster_nb' has no attribute '{name}'." + did_you_mean(name, _EXPORTS)
            )
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dagster_nb``: register the magics and the kernel repository."""
    from dagster_nb._notebook.extension import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from dagster_nb._notebook.extension import unload_ipython_extension as _unload

    _unload(ipython)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    # The same names as _EXPORTS, imported where each is defined, so type checkers and
    # editors see every public name and its signature; at run time __getattr__ loads them.
    from dagster_nb._automation import AssetSensorDefinition as AssetSensorDefinition
    from dagster_nb._automation import AutoMaterializePolicy as AutoMaterializePolicy
    from dagster_nb._automation import AutoMaterializeRule as AutoMaterializeRule
    from dagster_nb._automation import (
        AutoMaterializeSensorDefinition as AutoMaterializeSensorDefinition,
    )
    from dagster_nb._automation import AutomationCondition as AutomationCondition
    from dagster_nb._automation import (
        AutomationConditionSensorDefinition as AutomationConditionSensorDefinition,
    )
    from dagster_nb._automation import DefaultScheduleStatus as DefaultScheduleStatus
    from dagster_nb._automation import DefaultSensorStatus as DefaultSensorStatus
    from dagster_nb._automation import FreshnessPolicy as FreshnessPolicy
    from dagster_nb._automation import LegacyFreshnessPolicy as LegacyFreshnessPolicy
    from dagster_nb._automation import RunRequest as RunRequest
    from dagster_nb._automation import ScheduleDefinition as ScheduleDefinition
    from dagster_nb._automation import ScheduleEvaluationContext as ScheduleEvaluationContext
    from dagster_nb._automation import SensorDefinition as SensorDefinition
    from dagster_nb._automation import SensorEvaluationContext as SensorEvaluationContext
    from dagster_nb._automation import SensorResult as SensorResult
    from dagster_nb._automation import SkipReason as SkipReason
    from dagster_nb._automation import asset_sensor as asset_sensor
    from dagster_nb._automation import build_schedule_context as build_schedule_context
    from dagster_nb._automation import build_sensor_context as build_sensor_context
    from dagster_nb._automation import schedule as schedule
    from dagster_nb._automation import sensor as sensor
    from dagster_nb._automation.evaluator import (
        EvaluateAutomationConditionsResult as EvaluateAutomationConditionsResult,
    )
    from dagster_nb._automation.evaluator import (
        evaluate_automation_conditions as evaluate_automation_conditions,
    )
    from dagster_nb._automation.multi_asset_sensors import (
        MultiAssetSensorDefinition as MultiAssetSensorDefinition,
    )
    from dagster_nb._automation.multi_asset_sensors import (
        MultiAssetSensorEvaluationContext as MultiAssetSensorEvaluationContext,
    )
    from dagster_nb._automation.multi_asset_sensors import (
        build_multi_asset_sensor_context as build_multi_asset_sensor_context,
    )
    from dagster_nb._automation.multi_asset_sensors import multi_asset_sensor as multi_asset_sensor
    from dagster_nb._automation.partitioned_schedule import (
        build_schedule_from_partitioned_job as build_schedule_from_partitioned_job,
    )
    from dagster_nb._automation.run_status_sensors import (
        RunFailureSensorContext as RunFailureSensorContext,
    )
    from dagster_nb._automation.run_status_sensors import (
        RunStatusSensorContext as RunStatusSensorContext,
    )
    from dagster_nb._automation.run_status_sensors import (
        RunStatusSensorDefinition as RunStatusSensorDefinition,
    )
    from dagster_nb._automation.run_status_sensors import run_failure_sensor as run_failure_sensor
    from dagster_nb._automation.run_status_sensors import run_status_sensor as run_status_sensor
    from dagster_nb._definitions.asset_checks import AssetCheckEvaluation as AssetCheckEvaluation
    from dagster_nb._definitions.asset_checks import AssetCheckKey as AssetCheckKey
    from dagster_nb._definitions.asset_checks import AssetCheckResult as AssetCheckResult
    from dagster_nb._definitions.asset_checks import AssetChecksDefinition as AssetChecksDefinition
    from dagster_nb._definitions.asset_checks import AssetCheckSeverity as AssetCheckSeverity
    from dagster_nb._definitions.asset_checks import AssetCheckSpec as AssetCheckSpec
    from dagster_nb._definitions.asset_checks import asset_check as asset_check
    from dagster_nb._definitions.asset_checks import multi_asset_check as multi_asset_check
    from dagster_nb._definitions.asset_key import AssetKey as AssetKey
    from dagster_nb._definitions.asset_spec import AssetDep as AssetDep
    from dagster_nb._definitions.asset_spec import AssetIn as AssetIn
    from dagster_nb._definitions.asset_spec import AssetOut as AssetOut
    from dagster_nb._definitions.asset_spec import AssetSpec as AssetSpec
    from dagster_nb._definitions.assets import AssetsDefinition as AssetsDefinition
    from dagster_nb._definitions.assets import SourceAsset as SourceAsset
    from dagster_nb._definitions.assets import with_resources as with_resources
    from dagster_nb._definitions.config import Config as Config
    from dagster_nb._definitions.config import PermissiveConfig as PermissiveConfig
    from dagster_nb._definitions.configurable import ConfigurableIOManager as ConfigurableIOManager
    from dagster_nb._definitions.configurable import (
        ConfigurableIOManagerFactory as ConfigurableIOManagerFactory,
    )
    from dagster_nb._definitions.configurable import ConfigurableResource as ConfigurableResource
    from dagster_nb._definitions.configurable import (
        ConfigurableResourceFactory as ConfigurableResourceFactory,
    )
    from dagster_nb._definitions.decorators import asset as asset
    from dagster_nb._definitions.decorators import (
        external_asset_from_spec as external_asset_from_spec,
    )
    from dagster_nb._definitions.decorators import (
        external_assets_from_specs as external_assets_from_specs,
    )
    from dagster_nb._definitions.decorators import graph_asset as graph_asset
    from dagster_nb._definitions.decorators import graph_multi_asset as graph_multi_asset
    from dagster_nb._definitions.decorators import multi_asset as multi_asset
    from dagster_nb._definitions.decorators import (
        multi_observable_source_asset as multi_observable_source_asset,
    )
    from dagster_nb._definitions.decorators import (
        observable_source_asset as observable_source_asset,
    )
    from dagster_nb._definitions.definitions_class import Definitions as Definitions
    from dagster_nb._definitions.definitions_class import definitions as definitions
    from dagster_nb._definitions.freshness_checks import (
        build_last_update_freshness_checks as build_last_update_freshness_checks,
    )
    from dagster_nb._definitions.graph import ConfigMapping as ConfigMapping
    from dagster_nb._definitions.graph import DependencyDefinition as DependencyDefinition
    from dagster_nb._definitions.graph import GraphDefinition as GraphDefinition
    from dagster_nb._definitions.graph import GraphIn as GraphIn
    from dagster_nb._definitions.graph import GraphOut as GraphOut
    from dagster_nb._definitions.graph import MultiDependencyDefinition as MultiDependencyDefinition
    from dagster_nb._definitions.graph import NodeInvocation as NodeInvocation
    from dagster_nb._definitions.graph import graph as graph
    from dagster_nb._definitions.io_manager import InMemoryIOManager as InMemoryIOManager
    from dagster_nb._definitions.io_manager import InputContext as InputContext
    from dagster_nb._definitions.io_manager import InputManager as InputManager
    from dagster_nb._definitions.io_manager import InputManagerDefinition as InputManagerDefinition
    from dagster_nb._definitions.io_manager import IOManager as IOManager
    from dagster_nb._definitions.io_manager import IOManagerDefinition as IOManagerDefinition
    from dagster_nb._definitions.io_manager import OutputContext as OutputContext
    from dagster_nb._definitions.io_manager import build_input_context as build_input_context
    from dagster_nb._definitions.io_manager import build_output_context as build_output_context
    from dagster_nb._definitions.io_manager import input_manager as input_manager
    from dagster_nb._definitions.io_manager import io_manager as io_manager
    from dagster_nb._definitions.io_manager import mem_io_manager as mem_io_manager
    from dagster_nb._definitions.load import (
        load_asset_checks_from_current_module as load_asset_checks_from_current_module,
    )
    from dagster_nb._definitions.load import (
        load_asset_checks_from_modules as load_asset_checks_from_modules,
    )
    from dagster_nb._definitions.load import (
        load_asset_checks_from_package_module as load_asset_checks_from_package_module,
    )
    from dagster_nb._definitions.load import (
        load_asset_checks_from_package_name as load_asset_checks_from_package_name,
    )
    from dagster_nb._definitions.load import (
        load_assets_from_current_module as load_assets_from_current_module,
    )
    from dagster_nb._definitions.load import load_assets_from_modules as load_assets_from_modules
    from dagster_nb._definitions.load import (
        load_assets_from_package_module as load_assets_from_package_module,
    )
    from dagster_nb._definitions.load import (
        load_assets_from_package_name as load_assets_from_package_name,
    )
    from dagster_nb._definitions.metadata import MetadataValue as MetadataValue
    from dagster_nb._definitions.metadata_values import AssetMetadataValue as AssetMetadataValue
    from dagster_nb._definitions.metadata_values import BoolMetadataValue as BoolMetadataValue
    from dagster_nb._definitions.metadata_values import (
        DagsterRunMetadataValue as DagsterRunMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import FloatMetadataValue as FloatMetadataValue
    from dagster_nb._definitions.metadata_values import IntMetadataValue as IntMetadataValue
    from dagster_nb._definitions.metadata_values import JobMetadataValue as JobMetadataValue
    from dagster_nb._definitions.metadata_values import JsonMetadataValue as JsonMetadataValue
    from dagster_nb._definitions.metadata_values import (
        MarkdownMetadataValue as MarkdownMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import (
        NotebookMetadataValue as NotebookMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import NullMetadataValue as NullMetadataValue
    from dagster_nb._definitions.metadata_values import PathMetadataValue as PathMetadataValue
    from dagster_nb._definitions.metadata_values import PoolMetadataValue as PoolMetadataValue
    from dagster_nb._definitions.metadata_values import (
        PythonArtifactMetadataValue as PythonArtifactMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import TableColumn as TableColumn
    from dagster_nb._definitions.metadata_values import (
        TableColumnConstraints as TableColumnConstraints,
    )
    from dagster_nb._definitions.metadata_values import TableColumnDep as TableColumnDep
    from dagster_nb._definitions.metadata_values import TableColumnLineage as TableColumnLineage
    from dagster_nb._definitions.metadata_values import (
        TableColumnLineageMetadataValue as TableColumnLineageMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import TableConstraints as TableConstraints
    from dagster_nb._definitions.metadata_values import TableMetadataValue as TableMetadataValue
    from dagster_nb._definitions.metadata_values import TableRecord as TableRecord
    from dagster_nb._definitions.metadata_values import TableSchema as TableSchema
    from dagster_nb._definitions.metadata_values import (
        TableSchemaMetadataValue as TableSchemaMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import TextMetadataValue as TextMetadataValue
    from dagster_nb._definitions.metadata_values import (
        TimestampMetadataValue as TimestampMetadataValue,
    )
    from dagster_nb._definitions.metadata_values import UrlMetadataValue as UrlMetadataValue
    from dagster_nb._definitions.op import In as In
    from dagster_nb._definitions.op import Nothing as Nothing
    from dagster_nb._definitions.op import OpDefinition as OpDefinition
    from dagster_nb._definitions.op import Out as Out
    from dagster_nb._definitions.op import op as op
    from dagster_nb._definitions.partitioned_config import PartitionedConfig as PartitionedConfig
    from dagster_nb._definitions.partitioned_config import (
        static_partitioned_config as static_partitioned_config,
    )
    from dagster_nb._definitions.paths import file_relative_path as file_relative_path
    from dagster_nb._definitions.policy import BackfillPolicy as BackfillPolicy
    from dagster_nb._definitions.policy import Backoff as Backoff
    from dagster_nb._definitions.policy import Jitter as Jitter
    from dagster_nb._definitions.policy import RetryPolicy as RetryPolicy
    from dagster_nb._definitions.resources import InitResourceContext as InitResourceContext
    from dagster_nb._definitions.resources import ResourceDefinition as ResourceDefinition
    from dagster_nb._definitions.resources import ResourceDependency as ResourceDependency
    from dagster_nb._definitions.resources import ResourceParam as ResourceParam
    from dagster_nb._definitions.resources import (
        build_init_resource_context as build_init_resource_context,
    )
    from dagster_nb._definitions.resources import build_resources as build_resources
    from dagster_nb._definitions.resources import resource as resource
    from dagster_nb._definitions.results import AssetMaterialization as AssetMaterialization
    from dagster_nb._definitions.results import AssetObservation as AssetObservation
    from dagster_nb._definitions.results import DataVersion as DataVersion
    from dagster_nb._definitions.results import DynamicOutput as DynamicOutput
    from dagster_nb._definitions.results import ExpectationResult as ExpectationResult
    from dagster_nb._definitions.results import Failure as Failure
    from dagster_nb._definitions.results import MaterializeResult as MaterializeResult
    from dagster_nb._definitions.results import ObserveResult as ObserveResult
    from dagster_nb._definitions.results import Output as Output
    from dagster_nb._definitions.results import RetryRequested as RetryRequested
    from dagster_nb._definitions.run_config import EnvVar as EnvVar
    from dagster_nb._definitions.run_config import RunConfig as RunConfig
    from dagster_nb._errors import (
        DagsterConfigMappingFunctionError as DagsterConfigMappingFunctionError,
    )
    from dagster_nb._errors import DagsterError as DagsterError
    from dagster_nb._errors import (
        DagsterExecutionHandleOutputError as DagsterExecutionHandleOutputError,
    )
    from dagster_nb._errors import (
        DagsterExecutionInterruptedError as DagsterExecutionInterruptedError,
    )
    from dagster_nb._errors import DagsterExecutionLoadInputError as DagsterExecutionLoadInputError
    from dagster_nb._errors import (
        DagsterExecutionStepExecutionError as DagsterExecutionStepExecutionError,
    )
    from dagster_nb._errors import (
        DagsterExecutionStepNotFoundError as DagsterExecutionStepNotFoundError,
    )
    from dagster_nb._errors import DagsterHomeNotSetError as DagsterHomeNotSetError
    from dagster_nb._errors import DagsterInvalidAssetKey as DagsterInvalidAssetKey
    from dagster_nb._errors import (
        DagsterInvalidAssetSelectionError as DagsterInvalidAssetSelectionError,
    )
    from dagster_nb._errors import (
        DagsterInvalidConfigDefinitionError as DagsterInvalidConfigDefinitionError,
    )
    from dagster_nb._errors import DagsterInvalidConfigError as DagsterInvalidConfigError
    from dagster_nb._errors import DagsterInvalidDefinitionError as DagsterInvalidDefinitionError
    from dagster_nb._errors import DagsterInvalidInvocationError as DagsterInvalidInvocationError
    from dagster_nb._errors import DagsterInvalidMetadata as DagsterInvalidMetadata
    from dagster_nb._errors import DagsterInvalidObservationError as DagsterInvalidObservationError
    from dagster_nb._errors import DagsterInvalidPropertyError as DagsterInvalidPropertyError
    from dagster_nb._errors import (
        DagsterInvalidPythonicConfigDefinitionError as DagsterInvalidPythonicConfigDefinitionError,
    )
    from dagster_nb._errors import DagsterInvalidSubsetError as DagsterInvalidSubsetError
    from dagster_nb._errors import DagsterInvariantViolationError as DagsterInvariantViolationError
    from dagster_nb._errors import DagsterMaxRetriesExceededError as DagsterMaxRetriesExceededError
    from dagster_nb._errors import DagsterResourceFunctionError as DagsterResourceFunctionError
    from dagster_nb._errors import DagsterRunNotFoundError as DagsterRunNotFoundError
    from dagster_nb._errors import DagsterStepOutputNotFoundError as DagsterStepOutputNotFoundError
    from dagster_nb._errors import DagsterStorageError as DagsterStorageError
    from dagster_nb._errors import DagsterTypeCheckDidNotPass as DagsterTypeCheckDidNotPass
    from dagster_nb._errors import DagsterTypeCheckError as DagsterTypeCheckError
    from dagster_nb._errors import (
        DagsterUndefinedDataVersionError as DagsterUndefinedDataVersionError,
    )
    from dagster_nb._errors import DagsterUnknownPartitionError as DagsterUnknownPartitionError
    from dagster_nb._errors import DagsterUnknownResourceError as DagsterUnknownResourceError
    from dagster_nb._errors import (
        DagsterUnmetExecutorRequirementsError as DagsterUnmetExecutorRequirementsError,
    )
    from dagster_nb._errors import DagsterUserCodeExecutionError as DagsterUserCodeExecutionError
    from dagster_nb._events import DagsterEvent as DagsterEvent
    from dagster_nb._events import DagsterEventType as DagsterEventType
    from dagster_nb._events import DagsterRunStatus as DagsterRunStatus
    from dagster_nb._events import EventLogEntry as EventLogEntry
    from dagster_nb._execution.backfill import BackfillResult as BackfillResult
    from dagster_nb._execution.context import (
        AssetCheckExecutionContext as AssetCheckExecutionContext,
    )
    from dagster_nb._execution.context import AssetExecutionContext as AssetExecutionContext
    from dagster_nb._execution.context import OpExecutionContext as OpExecutionContext
    from dagster_nb._execution.context import build_asset_context as build_asset_context
    from dagster_nb._execution.context import build_op_context as build_op_context
    from dagster_nb._execution.executors import ExecutorDefinition as ExecutorDefinition
    from dagster_nb._execution.executors import execute_job as execute_job
    from dagster_nb._execution.executors import in_process_executor as in_process_executor
    from dagster_nb._execution.executors import (
        multi_or_in_process_executor as multi_or_in_process_executor,
    )
    from dagster_nb._execution.executors import multiprocess_executor as multiprocess_executor
    from dagster_nb._execution.executors import reconstructable as reconstructable
    from dagster_nb._execution.graph_run import job as job
    from dagster_nb._execution.graph_run import validate_run_config as validate_run_config
    from dagster_nb._execution.hooks import HookContext as HookContext
    from dagster_nb._execution.hooks import HookDefinition as HookDefinition
    from dagster_nb._execution.hooks import failure_hook as failure_hook
    from dagster_nb._execution.hooks import success_hook as success_hook
    from dagster_nb._execution.jobs import JobDefinition as JobDefinition
    from dagster_nb._execution.jobs import (
        UnresolvedAssetJobDefinition as UnresolvedAssetJobDefinition,
    )
    from dagster_nb._execution.jobs import define_asset_job as define_asset_job
    from dagster_nb._execution.loader import AssetValueLoader as AssetValueLoader
    from dagster_nb._execution.materialize import materialize as materialize
    from dagster_nb._execution.materialize import materialize_to_memory as materialize_to_memory
    from dagster_nb._execution.materialize import observe as observe
    from dagster_nb._execution.result import ExecuteInProcessResult as ExecuteInProcessResult
    from dagster_nb._execution.staleness import StaleCause as StaleCause
    from dagster_nb._execution.staleness import StaleCauseCategory as StaleCauseCategory
    from dagster_nb._execution.staleness import StalenessResolver as StalenessResolver
    from dagster_nb._execution.staleness import StaleStatus as StaleStatus
    from dagster_nb._instance import DagsterInstance as DagsterInstance
    from dagster_nb._notebook.repository import KernelRepository as KernelRepository
    from dagster_nb._notebook.repository import KernelRepository as _KernelRepository
    from dagster_nb._notebook.repository import RedefinitionWarning as RedefinitionWarning
    from dagster_nb._partitions import AllPartitionMapping as AllPartitionMapping
    from dagster_nb._partitions import DailyPartitionsDefinition as DailyPartitionsDefinition
    from dagster_nb._partitions import DimensionPartitionMapping as DimensionPartitionMapping
    from dagster_nb._partitions import DynamicPartitionsDefinition as DynamicPartitionsDefinition
    from dagster_nb._partitions import HourlyPartitionsDefinition as HourlyPartitionsDefinition
    from dagster_nb._partitions import IdentityPartitionMapping as IdentityPartitionMapping
    from dagster_nb._partitions import LastPartitionMapping as LastPartitionMapping
    from dagster_nb._partitions import MonthlyPartitionsDefinition as MonthlyPartitionsDefinition
    from dagster_nb._partitions import MultiPartitionKey as MultiPartitionKey
    from dagster_nb._partitions import MultiPartitionMapping as MultiPartitionMapping
    from dagster_nb._partitions import MultiPartitionsDefinition as MultiPartitionsDefinition
    from dagster_nb._partitions import (
        MultiToSingleDimensionPartitionMapping as MultiToSingleDimensionPartitionMapping,
    )
    from dagster_nb._partitions import PartitionKeyRange as PartitionKeyRange
    from dagster_nb._partitions import PartitionMapping as PartitionMapping
    from dagster_nb._partitions import PartitionsDefinition as PartitionsDefinition
    from dagster_nb._partitions import (
        SpecificPartitionsPartitionMapping as SpecificPartitionsPartitionMapping,
    )
    from dagster_nb._partitions import StaticPartitionMapping as StaticPartitionMapping
    from dagster_nb._partitions import StaticPartitionsDefinition as StaticPartitionsDefinition
    from dagster_nb._partitions import TimeWindow as TimeWindow
    from dagster_nb._partitions import TimeWindowPartitionMapping as TimeWindowPartitionMapping
    from dagster_nb._partitions import (
        TimeWindowPartitionsDefinition as TimeWindowPartitionsDefinition,
    )
    from dagster_nb._partitions import WeeklyPartitionsDefinition as WeeklyPartitionsDefinition
    from dagster_nb._partitions.dynamic import (
        AddDynamicPartitionsRequest as AddDynamicPartitionsRequest,
    )
    from dagster_nb._partitions.dynamic import (
        DeleteDynamicPartitionsRequest as DeleteDynamicPartitionsRequest,
    )
    from dagster_nb._selection import AssetSelection as AssetSelection
    from dagster_nb._storage.filesystem_io_manager import FilesystemIOManager as FilesystemIOManager
    from dagster_nb._storage.fs_io_manager import (
        PickledObjectFilesystemIOManager as PickledObjectFilesystemIOManager,
    )
    from dagster_nb._storage.fs_io_manager import fs_io_manager as fs_io_manager
    from dagster_nb._storage.queries import AssetRecordsFilter as AssetRecordsFilter
    from dagster_nb._storage.queries import EventRecordsFilter as EventRecordsFilter
    from dagster_nb._storage.queries import RunsFilter as RunsFilter
    from dagster_nb._storage.records import DagsterRun as DagsterRun
    from dagster_nb._storage.records import EventLogRecord as EventLogRecord

    kernel: _KernelRepository
