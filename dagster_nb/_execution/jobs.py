"""Asset jobs: ``define_asset_job`` names a selection of assets (plus config, tags and a
partitions definition); ``Definitions.resolve_job_def`` binds it to the definitions' assets
and resources, giving a :class:`JobDefinition` that can ``execute_in_process``.

    daily = dg.define_asset_job("daily", selection="group:sales", tags={"team": "bi"})
    defs = dg.Definitions(assets=[...], jobs=[daily])
    defs.resolve_job_def("daily").execute_in_process(partition_key="2024-01-01")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    raise_unexpected_keyword,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._typing import NoExtraKwargs, Unpack

__all__ = ["define_asset_job", "UnresolvedAssetJobDefinition", "JobDefinition", "resolve_job"]

IMPLICIT_ASSET_JOB_NAME = "__ASSET_JOB"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnresolvedAssetJobDefinition:
    """A job over a selection of assets, not yet bound to definitions."""

    name: str
    selection: Any = None
    config: Any = None
    description: str | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)
    run_tags: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    partitions_def: Any = None
    executor_def: Any = None
    op_retry_policy: Any = None
    owners: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(("job", self.name))


def define_asset_job(
    name: str,
    selection: Any = None,
    config: Any = None,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    run_tags: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    partitions_def: Any = None,
    executor_def: Any = None,
    hooks: Any = None,
    op_retry_policy: Any = None,
    owners: Any = None,
    automation_condition: Any = None,
    **kwargs: Unpack[NoExtraKwargs],
) -> UnresolvedAssetJobDefinition:
    """A job that materializes ``selection`` (a selection string, keys, definitions or an
    AssetSelection; all assets when omitted). ``op_retry_policy`` is the retry policy of every
    asset that has none; ``executor_def`` is used by ``dg.execute_job`` (``execute_in_process``
    runs in process, as Dagster).

    >>> import dagster_nb as dg
    >>> dg.define_asset_job("daily", selection="group:sales", tags={"team": "bi"}).name
    'daily'
    """
    if kwargs:
        raise_unexpected_keyword("define_asset_job", kwargs, define_asset_job)
    import re

    for pname, v in (("hooks", hooks), ("automation_condition", automation_condition)):
        if v:
            raise DagsterInvalidDefinitionError(
                f"define_asset_job({pname}=...) is not supported yet by dagster_nb."
            )
    if executor_def is not None:
        from dagster_nb._execution.executors import coerce_executor_def

        coerce_executor_def(executor_def, where=f"job '{name}'")

    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_]+$", name):
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. Names must be in regex ^[A-Za-z0-9_]+$.'
        )
    if selection is not None:
        from dagster_nb._selection import AssetSelection

        AssetSelection.from_coercible(selection)  # parse errors surface at definition time
    return UnresolvedAssetJobDefinition(
        name=name,
        selection=selection,
        config=config,
        description=description,
        tags=dict(tags or {}),
        run_tags=dict(run_tags or {}),
        metadata=dict(metadata or {}),
        partitions_def=partitions_def,
        executor_def=executor_def,
        op_retry_policy=op_retry_policy,
        owners=tuple(owners or ()),
    )


class JobDefinition:
    """A job bound to definitions: it knows its assets and resources."""

    def __init__(self, unresolved: UnresolvedAssetJobDefinition, defs: Any):
        from dagster_nb._execution.materialize import check_selection_names, resolve_selection

        check_selection_names(defs.resolved, unresolved.selection)
        self._job = unresolved
        self._defs = defs
        self.name = unresolved.name
        self.description = unresolved.description
        self.tags = dict(unresolved.tags)
        self.partitions_def = unresolved.partitions_def
        self._selected = frozenset(resolve_selection(defs.resolved, unresolved.selection))
        from dagster_nb._execution.checks import resolve_check_selection

        self._selected_checks = resolve_check_selection(
            defs.resolved, unresolved.selection, self._selected
        )
        # As Dagster's job resolution: the partitioned assets of a job share one partitions
        # definition, equal to the job's when it names one; a job over unpartitioned assets
        # only has no partitions definition, whatever it was given. The implicit job over all
        # assets (``__ASSET_JOB``) may mix them, as in Dagster; it then has none.
        pdefs: list[tuple[Any, list[str]]] = []
        for k in sorted(self._selected, key=lambda key: key.to_user_string()):
            p = defs.resolved.assets_def_by_key[k].partitions_def
            if p is None:
                continue
            for q, names in pdefs:
                if q == p:
                    names.append(k.to_user_string())
                    break
            else:
                pdefs.append((p, [k.to_user_string()]))
        if len(pdefs) > 1 and self.name == IMPLICIT_ASSET_JOB_NAME:
            pdefs = []
        if len(pdefs) > 1:
            listed = "; ".join(f"{p!r}: {', '.join(names)}" for p, names in pdefs)
            raise DagsterInvalidDefinitionError(
                f"Failed to resolve asset job {self.name}: selected assets must have the same "
                f"partitions definitions, but they have {len(pdefs)}: {listed}. Split the job, "
                "one per partitions definition."
            )
        if pdefs and self.partitions_def is not None and pdefs[0][0] != self.partitions_def:
            p, names = pdefs[0]
            raise DagsterInvalidDefinitionError(
                f"Failed to resolve asset job {self.name}: asset {names[0]} has a different "
                f"partitions definition than the one specified for the job. Job: "
                f"{self.partitions_def!r}; asset: {p!r}. Pass the assets' partitions definition "
                "to define_asset_job (or leave partitions_def out: it is inferred)."
            )
        self.partitions_def = pdefs[0][0] if pdefs else None
        # A PartitionedConfig partitions the job (its runs), not its unpartitioned assets.
        self._config_partitioned = self.partitions_def is None and hasattr(
            self._job.config, "get_run_config_for_partition_key"
        )
        if self._config_partitioned:
            self.partitions_def = self._job.config.partitions_def

    @property
    def asset_selection(self) -> frozenset:
        return self._selected

    # --- the job's graph, as Dagster shows it: one node per assets definition's op or graph ---
    @property
    def graph(self) -> Any:
        g = self.__dict__.get("_graph")
        if g is None:
            g = self._graph = _asset_job_graph(self.name, self._defs.resolved, self._selected)
        return g

    @property
    def nodes(self) -> list[Any]:
        return self.graph.nodes

    def has_node_named(self, name: str) -> bool:
        return self.graph.has_node_named(name)

    def get_node(self, handle: Any) -> Any:
        return self.graph.node_named(str(handle))

    @property
    def dependencies(self) -> dict[Any, dict[str, Any]]:
        return self.graph.dependencies

    @property
    def all_node_defs(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for n in self.graph.node_invocations.values():
            d = n.definition
            for x in [d, *d.iterate_op_defs()] if hasattr(d, "iterate_op_defs") else [d]:
                seen.setdefault(id(x), x)
        return list(seen.values())

    @property
    def executor_def(self) -> Any:
        """The job's executor: its own (define_asset_job(executor_def=...)), else the
        Definitions' (``executor=``), else in-process (dagster_nb's default; see executors)."""
        from dagster_nb._execution.executors import coerce_executor_def, in_process_executor

        own = self._job.executor_def if self._job.executor_def is not None else self._defs.executor
        return coerce_executor_def(own, where=f"job '{self.name}'") or in_process_executor

    @property
    def resource_defs(self) -> dict[str, Any]:
        from dagster_nb._storage.fs_io_manager import fs_io_manager

        out: dict[str, Any] = {}
        for k in self._selected:
            ad = self._defs.resolved.assets_def_by_key[k]
            out.update(ad.resource_defs)
        out.update(self._defs.resources)
        out.setdefault("io_manager", fs_io_manager)
        return out

    @property
    def run_tags(self) -> dict[str, Any]:
        return dict(self._job.run_tags)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._job.metadata)

    def execute_in_process(
        self,
        run_config: Any = None,
        instance: DagsterInstance | None = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        op_selection: Any = None,
        asset_selection: Any = None,
        run_id: str | None = None,
        input_values: Any = None,
        tags: Mapping[str, str] | None = None,
        resources: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the job in this process (ephemeral instance unless one is passed), one step at
        a time whatever the job's executor, as Dagster's ``execute_in_process``."""
        if op_selection is not None:
            raise DagsterInvalidDefinitionError(
                f"Job '{self.name}' is an asset job: select assets with asset_selection=[...], "
                "not op_selection."
            )
        return self._execute(
            run_config=run_config,
            instance=instance,
            partition_key=partition_key,
            raise_on_error=raise_on_error,
            asset_selection=asset_selection,
            run_id=run_id,
            input_values=input_values,
            tags=tags,
            resources=resources,
            in_process=True,
            **kwargs,
        )

    def _execute(
        self,
        *,
        run_config: Any = None,
        instance: DagsterInstance | None = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        asset_selection: Any = None,
        run_id: str | None = None,
        input_values: Any = None,
        tags: Mapping[str, str] | None = None,
        resources: Mapping[str, Any] | None = None,
        in_process: bool = True,
        **kwargs: Any,
    ) -> Any:
        from dagster_nb._execution.executors import run_options
        from dagster_nb._execution.materialize import _run_config_dict, run_assets

        if input_values:
            raise DagsterInvalidDefinitionError(
                f"Job '{self.name}' is an asset job: input_values= applies to op jobs only."
            )

        keys, checks = self._selected, self._selected_checks
        if asset_selection is not None:
            from dagster_nb._execution.checks import resolve_check_selection
            from dagster_nb._selection import AssetSelection

            keys = (
                frozenset(
                    AssetSelection.from_coercible(asset_selection).resolve(
                        self._defs.resolved.graph
                    )
                )
                & keys
            )
            checks = resolve_check_selection(self._defs.resolved, asset_selection, keys) & checks
        res = {**self._defs.resources, **(resources or {})}
        config, part_tags = self._job.config, {}
        if hasattr(config, "get_run_config_for_partition_key"):  # a PartitionedConfig
            if partition_key is None:
                raise DagsterInvalidInvocationError(
                    f"Job {self.name} is partitioned by its config; pass partition_key=..."
                )
            part_tags = config.get_tags_for_partition_key(partition_key)
            config = config.get_run_config_for_partition_key(partition_key)
            if self._config_partitioned:
                partition_key = None  # the run is tagged with it; the assets have no partitions
        cfg = run_config if run_config is not None else config
        options = run_options(self.executor_def, _run_config_dict(cfg), in_process=in_process)
        if not in_process:
            kwargs.setdefault("max_concurrent", options.max_concurrent)
            kwargs.setdefault("step_processes", options.processes)
            kwargs.setdefault("dask_cluster", options.dask_cluster)
        result = run_assets(
            self._defs.resolved,
            selected_keys=keys,
            selected_check_keys=checks,
            run_config=cfg,
            instance=instance,
            resources=res,
            partition_key=partition_key,
            raise_on_error=raise_on_error,
            tags={
                **{k: str(v) for k, v in self._job.run_tags.items()},
                **self.tags,
                **part_tags,
                **(tags or {}),
            },
            job_name=self.name,
            run_id=run_id,
            op_retry_policy=self._job.op_retry_policy,
            **kwargs,
        )
        result._job_def = self  # result.job_def, as in Dagster
        return result

    def __repr__(self) -> str:
        return f"<JobDefinition '{self.name}' ({len(self._selected)} assets)>"


def resolve_job(job: Any, defs: Any) -> Any:
    """``job`` bound to ``defs``: an asset job resolved against its assets; an op job given the
    Definitions' resources (its own win) and executor (when it has none), as Dagster does."""
    if isinstance(job, UnresolvedAssetJobDefinition):
        return JobDefinition(job, defs)
    from dagster_nb._execution.graph_run import OpJobDefinition

    if isinstance(job, OpJobDefinition):
        bound = job.with_top_level_resources(defs.resources)
        if bound._executor_def is None and defs.executor is not None:
            bound = bound.with_executor_def(defs.executor)
        return bound
    return job


def _asset_job_graph(name: str, resolved: Any, selected: frozenset) -> Any:
    """The graph of an asset job: a node per selected assets definition (named as its op),
    inputs wired to the node producing the upstream asset when that asset is selected too."""
    from dagster_nb._definitions.op import GraphDefinition, NodeCall, NodeOutputRef

    calls: dict[str, Any] = {}
    by_key = resolved.assets_def_by_key
    for ad in resolved.assets_defs:
        keys = [k for k in ad.specs_by_key if k in selected]
        if not keys or ad.node_def is None:
            continue
        inputs = {}
        for in_name, up in ad.keys_by_input_name.items():
            up_ad = by_key.get(up)
            if up in selected and up_ad is not None and up_ad.node_def is not None:
                inputs[in_name] = NodeOutputRef(
                    up_ad.node_name, up_ad.get_output_name_for_asset_key(up)
                )
        calls[ad.node_name] = NodeCall(name=ad.node_name, definition=ad.node_def, inputs=inputs)
    g = GraphDefinition(name=name, nodes=calls, input_names=(), output_map={})
    g._aliased = False  # Dagster's asset-job dependencies carry no alias
    return g
