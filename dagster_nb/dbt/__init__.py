"""dbt models as assets, with dagster_dbt's API: ``from dagster_nb.dbt import DbtProject,
DbtCliResource, dbt_assets``.

    project = DbtProject("examples/dbt_project")
    project.prepare_if_dev()

    @dbt_assets(manifest=project.manifest_path)
    def jaffle(context, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

Importing this module is cheap: dbt runs as a subprocess, and DuckDB, pandas and pydantic are
imported only when a class that needs them is first used.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "DbtProject": "dagster_nb.dbt.project",
    "DbtCliResource": "dagster_nb.dbt.resource",
    "DbtCliInvocation": "dagster_nb.dbt.resource",
    "dbt_assets": "dagster_nb.dbt.asset_decorator",
    "get_asset_key_for_model": "dagster_nb.dbt.asset_decorator",
    "get_asset_key_for_source": "dagster_nb.dbt.asset_decorator",
    "build_dbt_asset_selection": "dagster_nb.dbt.asset_decorator",
    "DagsterDbtTranslator": "dagster_nb.dbt.translator",
    "DagsterDbtTranslatorSettings": "dagster_nb.dbt.translator",
    "DagsterDbtError": "dagster_nb.dbt.errors",
    "DagsterDbtCliRuntimeError": "dagster_nb.dbt.errors",
    "DagsterDbtProjectNotFoundError": "dagster_nb.dbt.errors",
    "DagsterDbtProfilesDirectoryNotFoundError": "dagster_nb.dbt.errors",
    "DagsterDbtManifestNotFoundError": "dagster_nb.dbt.errors",
    "DagsterDbtProjectYmlFileNotFoundError": "dagster_nb.dbt.errors",
    "DbtDuckDBIOManager": "dagster_nb.dbt.io_manager",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'dagster_nb.dbt' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
