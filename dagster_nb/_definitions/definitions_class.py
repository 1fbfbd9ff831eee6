"""Definitions: the set of assets, resources, jobs, schedules and sensors of a code location.

    defs = dg.Definitions(assets=[orders, revenue], resources={"db": Warehouse(url="...")})
    defs.load_asset_value("revenue")

Strict, as in Dagster, and checked when first used (``resolve_*``, ``validate_loadable``, a
job, a load), not when constructed: duplicate asset keys, inputs no asset provides, resources
or IO managers required but not provided raise ``DagsterInvalidDefinitionError`` naming the
key; dependency cycles raise ``CircularDependencyError``. (The notebook's kernel repository is
the forgiving one: re-running a cell replaces a definition, an upstream may come later.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.asset_spec import AssetSpec
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._definitions.repository import ResolvedAssets, check_inputs_provided
from dagster_nb._definitions.seam import services
from dagster_nb._errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    did_you_mean,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._automation.schedules import ScheduleDefinition
    from dagster_nb._automation.sensors import SensorDefinition
    from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset
    from dagster_nb._execution.executors import ExecutorDefinition
    from dagster_nb._execution.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

_DEFINITIONS_PARAMS = (
    "assets",
    "schedules",
    "sensors",
    "jobs",
    "resources",
    "executor",
    "loggers",
    "asset_checks",
    "metadata",
    "component_tree",
)

__all__ = ["Definitions", "LazyDefinitions", "definitions"]


class Definitions:
    """A code location's definitions. Immutable: ``Definitions.merge`` makes a new one."""

    def __init__(
        self,
        assets: Iterable[AssetsDefinition | AssetSpec | SourceAsset] | None = None,
        schedules: Iterable[ScheduleDefinition] | None = None,
        sensors: Iterable[SensorDefinition] | None = None,
        jobs: Iterable[JobDefinition | UnresolvedAssetJobDefinition] | None = None,
        resources: Mapping[str, Any] | None = None,
        executor: ExecutorDefinition | None = None,
        loggers: Mapping[str, Any] | None = None,
        asset_checks: Iterable[AssetsDefinition] | None = None,
        metadata: Mapping[str, Any] | None = None,
        component_tree: Any = None,
        **kwargs: Unpack[NoExtraKwargs],
    ):
        if kwargs:
            raise_unexpected_keyword("Definitions", kwargs, _DEFINITIONS_PARAMS)
        for what, given in (("loggers", loggers), ("component_tree", component_tree)):
            if given:
                raise DagsterInvalidDefinitionError(
                    f"Definitions({what}=...) is not supported by dagster_nb yet: runs log through "
                    "Python's logging (context.log); leave it out here, or run on Dagster."
                )
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
        # Nothing is checked here: as in Dagster, the definitions are resolved and validated
        # when first used (resolve_*, validate_loadable, a job, load_asset_value).

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
        """The assets resolved and validated (duplicate keys, cycles, inputs no asset provides,
        resources not provided, job/schedule/sensor names); built on first use, as in Dagster."""
        if self._resolved is None:
            base = [*self._assets, *self._asset_checks]
            # A deps= key no definition provides is an external asset here, as in Dagster
            # (listed by resolve_all_asset_keys/specs, with a definition of its own).
            resolved = ResolvedAssets.build(base, external_stubs=True)
            check_inputs_provided(resolved)
            self._validate(resolved)
            self._resolved = resolved
        return self._resolved

    def resolve_asset_graph(self) -> Any:
        """The :class:`AssetGraph` of these definitions."""
        return self.resolved.graph

    get_asset_graph = resolve_asset_graph

    def _validate(self, resolved: ResolvedAssets) -> None:
        provided = set(self._resources) | {"io_manager"}
        for ad in resolved.assets_defs:
            provided_here = provided | set(ad.resource_defs) if ad.resource_defs else provided
            for key in sorted(ad.required_resource_keys):
                if key not in provided_here:
                    io_keys = {ad.get_io_manager_key_for_asset_key(k) for k in ad.keys}
                    in_keys = {
                        getattr(i, "input_manager_key", None)
                        for i in (getattr(ad.node_def, "ins", None) or {}).values()
                    }
                    what = (
                        "io manager"
                        if key in io_keys
                        else "input manager"
                        if key in in_keys
                        else "resource"
                    )
                    raise DagsterInvalidDefinitionError(
                        f"{what} with key '{key}' required by {ad._label()} was not provided. "
                        f"Please provide a resource to key '{key}' in Definitions(resources="
                        "{...}), or change the required key to one of: "
                        f"{sorted(provided_here)}." + did_you_mean(key, provided_here)
                    )
        names = self._all_jobs()  # duplicate job names (jobs=, schedules, sensors) raise
        for kind, items in (("schedule", self._schedules), ("sensor", self._sensors)):
            seen: dict[Any, Any] = {}
            for s in items:
                n = getattr(s, "name", None)
                if n in seen and seen[n] is not s:
                    raise DagsterInvalidDefinitionError(f"Duplicate {kind} name: '{n}'.")
                seen[n] = s
        self._validate_automation_targets(set(names))

    def _validate_automation_targets(self, job_names: set[Any]) -> None:
        # A schedule/sensor naming its job by job_name needs that job here; one holding a job
        # object brings the job with it (Dagster adds it to the repository), so it counts too.
        targets: list[tuple[Any, Any]] = [
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
        """Raise if ``defs`` cannot be loaded (what resolving them checks)."""
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
                raise CheckError(
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
            assets=assets,
            schedules=schedules,
            sensors=sensors,
            jobs=jobs,
            resources=resources,
            executor=executor,
            loggers=loggers,
            asset_checks=checks,
            metadata=metadata,
        )

    # --- lookups ---
    def resolve_all_asset_specs(self) -> list[AssetSpec]:
        return [s for ad in self.resolved.assets_defs for s in ad.specs_by_key.values()]

    def resolve_all_asset_keys(self) -> list[AssetKey]:
        """Every asset key, external ones named only in ``deps=`` included (as in Dagster)."""
        return sorted(self.resolved.assets_def_by_key, key=lambda k: k.parts)

    def resolve_assets_def(self, asset_key: CoercibleToAssetKey) -> Any:
        key = AssetKey.from_coercible(asset_key)
        ad = self.resolved.assets_def_by_key.get(key)
        if ad is None:
            raise DagsterInvariantViolationError(
                f"Asset key {key.to_user_string()} not found in these definitions."
                + did_you_mean(
                    key.to_user_string(),
                    (k.to_user_string() for k in self.resolved.assets_def_by_key),
                )
            )
        return ad

    get_assets_def = resolve_assets_def

    def _all_jobs(self) -> dict[str, Any]:
        """Every job of these definitions by name: those in ``jobs=`` and, as in Dagster, those
        a schedule or sensor holds (``job=``, ``jobs=``, or the implicit asset job of a
        ``target=`` given as assets or a selection)."""
        found = self.__dict__.get("_jobs_by_name")
        if found is not None:
            return found
        found = {}
        targets = [
            t.job
            for s in (*self._schedules, *self._sensors)
            for t in (getattr(s, "targets", None) or [getattr(s, "target", None)])
            if t is not None and getattr(t, "job", None) is not None
        ]
        for j in (*self._jobs, *targets):
            n = getattr(j, "name", None)
            if n is None:
                continue
            if n in found and found[n] is not j:
                raise DagsterInvalidDefinitionError(
                    f"Duplicate definition found for job '{n}': two different jobs have this name "
                    "(one may come from a schedule or sensor). Rename one, or pass the same object."
                )
            found[n] = j
        self._jobs_by_name = found
        return found

    def resolve_job_def(self, name: str) -> Any:
        """The job named ``name``, bound to these definitions (an asset job resolved against
        the assets; an op job given the resources). Jobs that only a schedule or sensor holds
        count, as in Dagster."""
        job = self._all_jobs().get(name)
        if job is not None:
            return services().resolve_job(job, self)
        if name == "__ASSET_JOB":
            return self.resolve_implicit_global_asset_job_def()
        raise DagsterInvariantViolationError(
            f"Could not find job '{name}'." + did_you_mean(name, list(self._all_jobs()))
        )

    def resolve_all_job_defs(self) -> list[Any]:
        """Every job, resolved (the implicit ``__ASSET_JOB`` first when there are assets)."""
        jobs = [self.resolve_job_def(n) for n in self._all_jobs()]
        if self.resolved.graph.materializable_asset_keys and "__ASSET_JOB" not in self._all_jobs():
            jobs.insert(0, self.resolve_implicit_global_asset_job_def())
        return jobs

    def get_repository_def(self) -> Any:
        """A read-only repository view (Dagster's ``RepositoryDefinition`` surface that user
        code reads: ``get_job``, ``get_all_jobs``, ``job_names``, ``assets_defs_by_key``)."""
        from dagster_nb._definitions.repository_def import RepositoryDefinition

        self.resolved  # noqa: B018 - building the repository validates, as in Dagster
        return RepositoryDefinition(self)

    def get_job_def(self, name: str) -> Any:
        """Dagster 1.13's behaviour: works, and warns (UserWarning, same text) when the job
        was passed unresolved (``define_asset_job``), pointing at ``resolve_job_def``."""
        job = self._all_jobs().get(name)
        if services().is_unresolved_asset_job(job):
            warnings.warn(
                f"Found asset job named {name} of type {type(job)} passed to `jobs` parameter. "
                "Starting in dagster 1.11, you must now use Definitions.resolve_job_def to "
                "correctly retrieve this job definition.",
                UserWarning,
                stacklevel=2,
            )
        return self.resolve_job_def(name)

    def resolve_implicit_global_asset_job_def(self) -> Any:
        svc = services()
        return svc.resolve_job(svc.define_asset_job("__ASSET_JOB"), self)

    def resolve_schedule_def(self, name: str) -> Any:
        s = self._named(self._schedules, name, "schedule")
        # build_schedule_from_partitioned_job over an asset job: its cron comes from the
        # partitions of the job's assets, known once resolved here.
        return (
            s.resolve(self)
            if type(s).__name__ == "UnresolvedPartitionedAssetScheduleDefinition"
            else s
        )

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
    def get_asset_value_loader(self, instance: DagsterInstance | None = None) -> Any:
        """An :class:`AssetValueLoader` over these definitions (persistent instance by default)."""
        return services().asset_value_loader(self.resolved, self._resources, instance)

    def load_asset_value(
        self,
        asset_key: CoercibleToAssetKey,
        *,
        python_type: type | None = None,
        instance: DagsterInstance | None = None,
        partition_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Any:
        """Load an asset's stored value through its IO manager."""
        with self.get_asset_value_loader(instance=instance) as loader:
            return loader.load_asset_value(
                asset_key,
                python_type=python_type,
                partition_key=partition_key,
                input_definition_metadata=metadata,
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


@dataclass(frozen=True, slots=True, kw_only=True)
class LazyDefinitions:
    """What ``@definitions`` returns (Dagster's name): calling it builds the Definitions.

    Loaders (``dagster-nb -f file.py``, ``dagster dev -f``) call it; tests may too.
    """

    load_fn: Callable[[], Definitions]
    has_context_arg: bool = False

    def __call__(self, context: Any = None) -> Definitions:
        result = self.load_fn()
        if not isinstance(result, Definitions):
            raise DagsterInvariantViolationError(
                "Function must return a Definitions or RepositoryDefinition object; "
                f"{getattr(self.load_fn, '__name__', 'it')} returned {type(result).__name__}."
            )
        return result


def definitions(fn: Callable[[], Definitions]) -> Callable[..., Definitions]:
    """Mark a function that builds the code location's ``Definitions`` (Dagster's
    ``@dg.definitions``): nothing runs at import; loaders call it.

    >>> import dagster_nb as dg
    >>> @dg.definitions
    ... def defs():
    ...     return dg.Definitions()
    >>> isinstance(defs(), dg.Definitions)
    True
    """
    import inspect

    params = list(inspect.signature(fn).parameters.values())
    if params:
        note = ""
        if getattr(params[0].annotation, "__name__", params[0].annotation) in (
            "ComponentLoadContext",
            "dg.ComponentLoadContext",
        ):
            note = " (a ComponentLoadContext parameter is not supported by dagster_nb yet)"
        raise DagsterInvariantViolationError(
            "Function must accept either no parameters or exactly one ComponentLoadContext "
            "parameter" + note
        )
    return LazyDefinitions(load_fn=fn, has_context_arg=False)
