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
    "TextMetadataValue", "IntMetadataValue", "FloatMetadataValue",
    "BoolMetadataValue", "JsonMetadataValue", "MarkdownMetadataValue", "UrlMetadataValue",
    "PathMetadataValue", "NotebookMetadataValue", "PythonArtifactMetadataValue",
    "TableMetadataValue", "TableSchemaMetadataValue", "AssetMetadataValue", "NullMetadataValue",
    "TimestampMetadataValue", "DagsterRunMetadataValue", "JobMetadataValue", "TableColumn",
    "TableColumnConstraints", "TableConstraints", "TableRecord", "TableSchema",
    "TableColumnDep", "TableColumnLineage", "TableColumnLineageMetadataValue", "PoolMetadataValue",
)
_export(
    _D + "results",
    "Output", "DynamicOutput", "MaterializeResult", "ObserveResult", "AssetMaterialization",
    "AssetObservation", "DataVersion", "ExpectationResult", "RetryRequested",
    "Failure",
)
_export(_D + "asset_spec", "AssetSpec", "AssetDep", "AssetIn", "AssetOut")
_export(_D + "assets", "AssetsDefinition", "SourceAsset", "with_resources")
_export(_D + "partitioned_config", "PartitionedConfig", "static_partitioned_config")
_export(
    _D + "decorators",
    "asset", "multi_asset", "observable_source_asset", "multi_observable_source_asset",
    "external_assets_from_specs", "external_asset_from_spec",
)
_export(
    _D + "op",
    "op", "In", "Out", "OpDefinition", "Nothing",
)
_export(
    _D + "graph",
    "graph", "GraphDefinition", "graph_asset", "graph_multi_asset", "NodeInvocation",
    "DependencyDefinition", "MultiDependencyDefinition", "GraphIn", "GraphOut", "ConfigMapping",
)
_export(_D + "policy", "RetryPolicy", "Backoff", "Jitter", "BackfillPolicy")
_export(_D + "config", "Config", "PermissiveConfig")
_export(_D + "run_config", "RunConfig", "EnvVar")
_export(
    _D + "configurable",
    "ConfigurableResource", "ConfigurableResourceFactory", "ConfigurableIOManager",
    "ConfigurableIOManagerFactory",
)
_export(
    _D + "resources",
    "ResourceDefinition", "resource",
    "ResourceParam", "ResourceDependency", "InitResourceContext", "build_init_resource_context", "build_resources",
)
_export(
    _D + "io_manager",
    "IOManager", "IOManagerDefinition",
    "io_manager", "InputContext", "OutputContext", "build_input_context", "build_output_context",
    "InMemoryIOManager", "mem_io_manager", "InputManager", "InputManagerDefinition", "input_manager",
)
_export(
    _D + "asset_checks",
    "AssetCheckSpec", "AssetCheckKey", "AssetCheckResult", "AssetCheckSeverity",
    "AssetCheckEvaluation", "AssetChecksDefinition", "asset_check", "multi_asset_check",
)
_export(_D + "freshness_checks", "build_last_update_freshness_checks")
_export(_D + "definitions_class", "Definitions", "definitions")
_export(
    _D + "load",
    "load_assets_from_modules", "load_assets_from_current_module",
    "load_assets_from_package_module", "load_assets_from_package_name",
    "load_asset_checks_from_modules", "load_asset_checks_from_current_module",
    "load_asset_checks_from_package_module", "load_asset_checks_from_package_name",
)
_export(_D + "paths", "file_relative_path")
_export("dagster_nb._storage.filesystem_io_manager", "FilesystemIOManager")
_export(
    "dagster_nb._storage.fs_io_manager",
    "fs_io_manager", "PickledObjectFilesystemIOManager",
)
_export("dagster_nb._storage.records", "DagsterRun", "EventLogRecord")
_export("dagster_nb._storage.queries", "EventRecordsFilter", "RunsFilter")
_export("dagster_nb._instance", "DagsterInstance")
_export(
    "dagster_nb._events",
    "DagsterEventType", "DagsterEvent", "EventLogEntry", "DagsterRunStatus",
)
_export(
    "dagster_nb._execution.context",
    "AssetExecutionContext", "OpExecutionContext", "AssetCheckExecutionContext",
    "build_asset_context", "build_op_context",
)
_export("dagster_nb._execution.materialize", "materialize", "materialize_to_memory")
_export("dagster_nb._execution.result", "ExecuteInProcessResult")
_export("dagster_nb._execution.loader", "AssetValueLoader")
_export("dagster_nb._execution.staleness", "StaleStatus", "StaleCause", "StaleCauseCategory", "StalenessResolver")
_export("dagster_nb._execution.materialize", "observe")
_export("dagster_nb._notebook.repository", "RedefinitionWarning", "KernelRepository")
_export("dagster_nb._execution.backfill", "BackfillResult")
_export(
    "dagster_nb._execution.jobs",
    "define_asset_job", "JobDefinition", "UnresolvedAssetJobDefinition",
)
_export("dagster_nb._execution.graph_run", "job", "validate_run_config")
_export("dagster_nb._execution.hooks", "success_hook", "failure_hook", "HookDefinition", "HookContext")
_export(
    "dagster_nb._execution.executors",
    "ExecutorDefinition", "in_process_executor", "multiprocess_executor",
    "multi_or_in_process_executor", "execute_job", "reconstructable",
)
_export("dagster_nb._selection", "AssetSelection")
_export(
    "dagster_nb._automation",
    "ScheduleDefinition", "schedule", "DefaultScheduleStatus", "ScheduleEvaluationContext",
    "build_schedule_context", "SensorDefinition", "sensor", "asset_sensor",
    "AssetSensorDefinition", "DefaultSensorStatus", "SensorEvaluationContext",
    "build_sensor_context", "RunRequest", "SkipReason", "SensorResult", "AutomationCondition",
    "AutoMaterializePolicy", "AutoMaterializeRule", "FreshnessPolicy", "LegacyFreshnessPolicy",
    "AutoMaterializeSensorDefinition", "AutomationConditionSensorDefinition",
)
_export(
    "dagster_nb._partitions",
    "PartitionsDefinition", "StaticPartitionsDefinition", "DynamicPartitionsDefinition",
    "TimeWindowPartitionsDefinition", "HourlyPartitionsDefinition", "DailyPartitionsDefinition",
    "WeeklyPartitionsDefinition", "MonthlyPartitionsDefinition", "MultiPartitionsDefinition",
    "MultiPartitionKey", "PartitionKeyRange", "TimeWindow", "PartitionMapping",
    "IdentityPartitionMapping", "TimeWindowPartitionMapping", "AllPartitionMapping",
    "LastPartitionMapping", "StaticPartitionMapping", "SpecificPartitionsPartitionMapping",
    "MultiToSingleDimensionPartitionMapping", "MultiPartitionMapping", "DimensionPartitionMapping",
)
_export(
    "dagster_nb._partitions.dynamic", "AddDynamicPartitionsRequest", "DeleteDynamicPartitionsRequest"
)
_export(
    "dagster_nb._errors",
    "DagsterError", "DagsterExecutionInterruptedError", "DagsterInvalidDefinitionError",
    "DagsterInvalidObservationError", "DagsterInvalidSubsetError",
    "DagsterInvalidConfigDefinitionError", "DagsterInvalidPythonicConfigDefinitionError",
    "DagsterInvariantViolationError", "DagsterExecutionStepNotFoundError",
    "DagsterRunNotFoundError", "DagsterStepOutputNotFoundError", "DagsterUserCodeExecutionError",
    "DagsterTypeCheckError", "DagsterExecutionLoadInputError", "DagsterConfigMappingFunctionError", "DagsterExecutionHandleOutputError",
    "DagsterExecutionStepExecutionError", "DagsterResourceFunctionError",
    "DagsterUnknownResourceError", "DagsterInvalidInvocationError", "DagsterInvalidConfigError",
    "DagsterMaxRetriesExceededError", "DagsterTypeCheckDidNotPass", "DagsterInvalidAssetKey",
    "DagsterInvalidMetadata", "DagsterInvalidPropertyError", "DagsterHomeNotSetError",
    "DagsterUnknownPartitionError", "DagsterUndefinedDataVersionError",
    "DagsterInvalidAssetSelectionError", "DagsterStorageError",
    "DagsterUnmetExecutorRequirementsError",
)

__all__ = sorted([*_EXPORTS, "kernel", "load_ipython_extension", "unload_ipython_extension"])


def _execution_services() -> Any:
    return importlib.import_module("dagster_nb._execution.services")


# The definitions layer reaches execution only through this seam (it may not import it); the
# package root, above every layer, wires it. Nothing heavy loads until a service is used.
from dagster_nb._definitions import seam as _seam  # noqa: E402

_seam.install(_execution_services)


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
    from dagster_nb._definitions.asset_key import AssetKey as AssetKey
