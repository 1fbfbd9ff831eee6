"""``Definitions.get_repository_def()``: Dagster's RepositoryDefinition surface over a
``Definitions`` (read-only; the Definitions does the work).

    repo = defs.get_repository_def()
    repo.get_job("daily").execute_in_process()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["RepositoryDefinition"]


class RepositoryDefinition:
    """The definitions of one code location, as Dagster's repository shows them.

    >>> import dagster_nb as dg
    >>> @dg.asset
    ... def a(): return 1
    >>> repo = dg.Definitions(assets=[a], jobs=[dg.define_asset_job("j")]).get_repository_def()
    >>> repo.job_names
    ['__ASSET_JOB', 'j']
    """

    def __init__(self, defs: Any):
        self._defs = defs
        self.name = "__repository__"

    @property
    def job_names(self) -> list[str]:
        return sorted(j.name for j in self._defs.resolve_all_job_defs())

    def has_job(self, name: str) -> bool:
        return name in self.job_names

    def get_job(self, name: str) -> Any:
        return self._defs.resolve_job_def(name)

    def get_all_jobs(self) -> list[Any]:
        return sorted(self._defs.resolve_all_job_defs(), key=lambda j: j.name)

    def get_implicit_global_asset_job_def(self) -> Any:
        return self._defs.resolve_implicit_global_asset_job_def()

    @property
    def assets_defs_by_key(self) -> dict[AssetKey, Any]:
        return dict(self._defs.resolved.assets_def_by_key)

    @property
    def schedule_defs(self) -> list[Any]:
        return list(self._defs.schedules)

    @property
    def sensor_defs(self) -> list[Any]:
        return list(self._defs.sensors)

    def get_schedule_def(self, name: str) -> Any:
        return self._defs.resolve_schedule_def(name)

    def get_sensor_def(self, name: str) -> Any:
        return self._defs.resolve_sensor_def(name)

    def has_schedule_def(self, name: str) -> bool:
        return any(s.name == name for s in self._defs.schedules)

    def has_sensor_def(self, name: str) -> bool:
        return any(s.name == name for s in self._defs.sensors)

    def get_asset_value_loader(self, instance: DagsterInstance | None = None) -> Any:
        return self._defs.get_asset_value_loader(instance=instance)

    def load_asset_value(self, asset_key: Any, **kwargs: Any) -> Any:
        return self._defs.load_asset_value(asset_key, **kwargs)

    def __repr__(self) -> str:
        return f"<RepositoryDefinition jobs={self.job_names}>"
