"""Definitions: the set of assets, resources, jobs, schedules and sensors of a code location.

    defs = dg.Definitions(assets=[orders, revenue], resources={"db": Warehouse(url="...")})
    defs.load_asset_value("revenue")

Strict, as in Dagster: duplicate asset keys, dependency cycles and resources required but not
provided raise ``DagsterInvalidDefinitionError`` naming the key. (The notebook's kernel
repository is the forgiving one: re-running a cell replaces a definition.)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.asset_spec import AssetSpec
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._definitions.repository import ResolvedAssets
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    did_you_mean,
)

__all__ = ["Definitions"]


class Definitions:
    """A code location's definitions. Immutable: ``Definitions.merge`` makes a new one."""

    def __init__(
        self,
        assets: Iterable[Any] | None = None,
        schedules: Iterable[Any] | None = None,
        sensors: Iterable[Any] | None = None,
        jobs: Iterable[Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        executor: Any = None,
        loggers: Mapping[str, Any] | None = None,
        asset_checks: Iterable[Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        component_tree: Any = None,
    ):
        self._assets = tuple(assets or ())
        self._schedules = tuple(schedules or ())
        self._sensors = tuple(sensors or ())
        self._jobs = tuple(jobs or ())
        self._resources = dict(resources or {})
        self._executor = executor
        self._loggers = dict(loggers or {})
        self._asset_checks = tuple(asset_checks or ())
        self._metadata = normalize_metadata(metadata)
        self._resolved: ResolvedAssets | None = None
        self._validate()

    # --- accessors (Dagster's attribute names) ---
    @property
    def assets(self) -> tuple[Any, ...]:
        return self._assets

    @property
    def schedules(self) -> tuple[Any, ...]:
        return self._schedules

    @property
    def sensors(self) -> tuple[Any, ...]:
        return self._sensors

    @property
    def jobs(self) -> tuple[Any, ...]:
        return self._jobs

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self._resources)

    @property
    def executor(self) -> Any:
        return self._executor

    @property
    def loggers(self) -> dict[str, Any]:
        return dict(self._loggers)

    @property
    def asset_checks(self) -> tuple[Any, ...]:
        return self._asset_checks

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    # --- resolution ---
    @property
    def resolved(self) -> ResolvedAssets:
        if self._resolved is None:
            self._resolved = ResolvedAssets.build(self._assets + self._asset_checks)
        return self._resolved

    def resolve_asset_graph(self) -> Any:
        """The :class:`AssetGraph` of these definitions."""
        return self.resolved.graph

    get_asset_graph = resolve_asset_graph

    def _validate(self) -> None:
        resolved = self.resolved
        provided = set(self._resources) | {"io_manager"}
        for ad in resolved.assets_defs:
            provided_here = provided | set(ad.resource_defs)
            for key in sorted(ad.required_resource_keys):
                if key not in provided_here:
                    raise DagsterInvalidDefinitionError(
                        f"resource with key '{key}' required by {ad._label()} was not provided. "
                        f"Please provide a resource to key '{key}' in Definitions(resources="
                        "{...}), or change the required key to one of: "
                        f"{sorted(provided_here)}." + did_you_mean(key, provided_here)
                    )
        names: dict[str, Any] = {}
        for j in self._jobs:
            n = getattr(j, "name", None)
            if n in names and names[n] is not j:
                raise DagsterInvalidDefinitionError(f"Duplicate job name: '{n}'.")
            names[n] = j
        for kind, items in (("schedule", self._schedules), ("sensor", self._sensors)):
            seen: dict[str, Any] = {}
            for s in items:
                n = getattr(s, "name", None)
                if n in seen and seen[n] is not s:
                    raise DagsterInvalidDefinitionError(f"Duplicate {kind} name: '{n}'.")
                seen[n] = s
        self._validate_automation_targets(set(names))

    def _validate_automation_targets(self, job_names: set[Any]) -> None:
        # A schedule/sensor naming its job by job_name needs that job here; one holding a job
        # object brings the job with it (Dagster adds it to the repository), so it counts too.
        targets = [
            (s, t)
            for s in (*self._schedules, *self._sensors)
            for t in (getattr(s, "targets", None) or [getattr(s, "target", None)])
            if t is not None and hasattr(t, "job_name")
        ]
        known = set(job_names) | {"__ASSET_JOB"}
        known |= {t.job_name for _, t in targets if getattr(t, "job", None) is not None}
        for s, t in targets:
            if getattr(t, "job", None) is None and t.job_name not in known:
                raise DagsterInvalidDefinitionError(
                    f'{type(s).__name__} "{s.name}" targets job "{t.job_name}" which was not '
                    "found in this repository."
                    + did_you_mean(t.job_name, sorted(n for n in known if isinstance(n, str)))
                )

    @staticmethod
    def validate_loadable(defs: Definitions) -> None:
        """Raise if ``defs`` cannot be loaded (its constructor already validates)."""
        defs.resolved.graph.toposorted_keys()

    @staticmethod
    def merge(*def_sets: Definitions) -> Definitions:
        """Combine definitions. Resources with the same key must be the same object."""
        assets: list[Any] = []
        schedules: list[Any] = []
        sensors: list[Any] = []
        jobs: list[Any] = []
        checks: list[Any] = []
        resources: dict[str, Any] = {}
        owner: dict[str, int] = {}  # resource key -> index of the Definitions that gave it
        loggers: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        executor = None
        for i, d in enumerate(def_sets):
            if not isinstance(d, Definitions):
                raise DagsterInvalidDefinitionError(
                    f"Definitions.merge takes Definitions objects; argument {i} is "
                    f"{type(d).__name__}."
                )
            assets += d._assets
            schedules += d._schedules
            sensors += d._sensors
            jobs += d._jobs
            checks += d._asset_checks
            for k, v in d._resources.items():
                if k in resources and resources[k] is not v:
                    raise DagsterInvalidDefinitionError(
                        f"Definitions objects {owner[k]} and {i} have different "
                        f"resources with same key '{k}'. Give them different keys or pass the "
                        "same resource object."
                    )
                resources[k] = v
                owner.setdefault(k, i)
            loggers.update(d._loggers)
            metadata.update(d._metadata)
            if d._executor is not None:
                if executor is not None and executor is not d._executor:
                    raise DagsterInvalidDefinitionError(
                        "Definitions.merge: two Definitions set different executors."
                    )
                executor = d._executor
        return Definitions(
            assets=assets, schedules=schedules, sensors=sensors, jobs=jobs,
            resources=resources, executor=executor, loggers=loggers, asset_checks=checks,
            metadata=metadata,
        )

    # --- lookups ---
    def resolve_all_asset_specs(self) -> list[AssetSpec]:
        return [s for ad in self.resolved.assets_defs for s in ad.specs_by_key.values()]

    def resolve_all_asset_keys(self) -> list[AssetKey]:
        return sorted(self.resolved.assets_def_by_key, key=lambda k: k.parts)

    def resolve_assets_def(self, asset_key: CoercibleToAssetKey) -> Any:
        key = AssetKey.from_coercible(asset_key)
        ad = self.resolved.assets_def_by_key.get(key)
        if ad is None:
            raise DagsterInvariantViolationError(
                f"Asset key {key.to_user_string()} not found in these definitions."
                + did_you_mean(key.to_user_string(), (k.to_user_string() for k in self.resolved.assets_def_by_key))
            )
        return ad

    get_assets_def = resolve_assets_def

    def resolve_job_def(self, name: str) -> Any:
        """The job named ``name`` (an asset job defined with define_asset_job, resolved here)."""
        from dagster_nb._execution.jobs import resolve_job

        for j in self._jobs:
            if getattr(j, "name", None) == name:
                return resolve_job(j, self)
        if name == "__ASSET_JOB":
            return self.resolve_implicit_global_asset_job_def()
        raise DagsterInvariantViolationError(
            f"Could not find job '{name}'." + did_you_mean(name, [getattr(j, "name", "") for j in self._jobs])
        )

    def get_job_def(self, name: str) -> Any:
        """Dagster 1.13's behaviour: works, and warns (UserWarning, same text) when the job
        was passed unresolved (``define_asset_job``), pointing at ``resolve_job_def``."""
        from dagster_nb._execution.jobs import UnresolvedAssetJobDefinition

        job = next((j for j in self._jobs if getattr(j, "name", None) == name), None)
        if isinstance(job, UnresolvedAssetJobDefinition):
            warnings.warn(
                f"Found asset job named {name} of type {type(job)} passed to `jobs` parameter. "
                "Starting in dagster 1.11, you must now use Definitions.resolve_job_def to "
                "correctly retrieve this job definition.",
                UserWarning,
                stacklevel=2,
            )
        return self.resolve_job_def(name)

    def resolve_implicit_global_asset_job_def(self) -> Any:
        from dagster_nb._execution.jobs import define_asset_job, resolve_job

        return resolve_job(define_asset_job("__ASSET_JOB"), self)

    def resolve_schedule_def(self, name: str) -> Any:
        return self._named(self._schedules, name, "schedule")

    def resolve_sensor_def(self, name: str) -> Any:
        return self._named(self._sensors, name, "sensor")

    get_schedule_def = resolve_schedule_def
    get_sensor_def = resolve_sensor_def

    def _named(self, items: Iterable[Any], name: str, kind: str) -> Any:
        names = []
        for s in items:
            n = getattr(s, "name", None)
            names.append(n)
            if n == name:
                return s
        raise DagsterInvariantViolationError(
            f"Could not find {kind} '{name}'." + did_you_mean(name, [n for n in names if n])
        )

    # --- values ---
    def get_asset_value_loader(self, instance: Any = None) -> Any:
        """An :class:`AssetValueLoader` over these definitions (persistent instance by default)."""
        from dagster_nb._execution.loader import AssetValueLoader
        from dagster_nb._instance import DagsterInstance

        return AssetValueLoader(
            self.resolved, self._resources, instance if instance is not None else DagsterInstance.get()
        )

    def load_asset_value(
        self,
        asset_key: CoercibleToAssetKey,
        *,
        python_type: type | None = None,
        instance: Any = None,
        partition_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Any:
        """Load an asset's stored value through its IO manager."""
        with self.get_asset_value_loader(instance=instance) as loader:
            return loader.load_asset_value(
                asset_key, python_type=python_type, partition_key=partition_key, input_definition_metadata=metadata
            )

    def __repr__(self) -> str:
        return (
            f"Definitions(assets={len(self._assets)}, jobs={len(self._jobs)}, "
            f"schedules={len(self._schedules)}, sensors={len(self._sensors)}, "
            f"resources={sorted(self._resources)})"
        )

    def _repr_html_(self) -> str:
        from dagster_nb._definitions.reprs import definitions_html

        return definitions_html(self)
