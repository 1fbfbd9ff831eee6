"""Executors: how a run's steps are scheduled. Dagster's names and config shapes.

- ``in_process_executor``: one step at a time, in this process.
- ``multiprocess_executor``: independent steps in parallel (``max_concurrent``, default the
  number of CPUs), each in a child process, as Dagster. Values cross processes through the IO
  manager, so it needs a persistent one (the filesystem IO manager, the default) and a
  persistent instance; an in-memory IO manager is refused with a clear error, as in Dagster.
- ``multi_or_in_process_executor``: Dagster's default; the run config chooses
  (``{"execution": {"config": {"multiprocess": {...}}}}`` or ``{"in_process": {}}``).

dagster_nb's default (a ``Definitions`` or job without an executor) is in-process: the notebook
loop should not pay for child processes. Dagster's default is ``multi_or_in_process_executor``
in multiprocess mode; pass ``executor=dg.multiprocess_executor`` to get it. Note that
``execute_in_process`` always runs in process, whatever the executor (as in Dagster);
``dg.execute_job`` and runs launched for a job (schedules, sensors) use the job's executor.

    defs = dg.Definitions(assets=[...], executor=dg.multiprocess_executor.configured({"max_concurrent": 4}))
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    did_you_mean,
)

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "ExecutorDefinition",
    "in_process_executor",
    "multiprocess_executor",
    "multi_or_in_process_executor",
    "coerce_executor_def",
    "RunOptions",
    "run_options",
    "execute_job",
    "reconstructable",
    "dask_executor",
    "executor_named",
    "executor_run_kwargs",
]

_IN_PROCESS_FIELDS = ("retries", "marker_to_close", "step_dependency_config")
_MULTIPROCESS_FIELDS = (
    "max_concurrent",
    "tag_concurrency_limits",
    "start_method",
    "retries",
    "step_dependency_config",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorDefinition:
    """An executor: a name and its config. Configure with ``.configured({...})``.

    >>> import dagster_nb as dg
    >>> ex = dg.multiprocess_executor.configured({"max_concurrent": 2})
    >>> ex.name, ex.config
    ('multiprocess', {'max_concurrent': 2})
    """

    name: str
    description: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    _kind: str = "in_process"  # in_process | multiprocess | multi_or_in_process

    def configured(
        self,
        config_or_config_fn: Any,
        name: str | None = None,
        config_schema: Any = None,
        description: str | None = None,
    ) -> ExecutorDefinition:
        """A copy with ``config`` as its configuration (validated now)."""
        if callable(config_or_config_fn) or config_schema is not None:
            raise DagsterInvalidDefinitionError(
                "ExecutorDefinition.configured with a config function or config_schema is not "
                "supported yet by dagster_nb: pass the config dict itself."
            )
        cfg = _validate(
            self._kind, dict(config_or_config_fn or {}), where=f"executor '{self.name}'"
        )
        return ExecutorDefinition(
            name=name or self.name,
            description=description or self.description,
            config=cfg,
            _kind=self._kind,
        )

    def __repr__(self) -> str:
        return f"<ExecutorDefinition '{self.name}'{' ' + repr(dict(self.config)) if self.config else ''}>"


def _validate(kind: str, cfg: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    if kind == "dask":
        return _validate_dask(cfg, where=where)
    if kind == "multi_or_in_process":
        if len(cfg) > 1 or (cfg and next(iter(cfg)) not in ("multiprocess", "in_process")):
            raise DagsterInvalidConfigError(
                f"Config of {where}: give one of 'multiprocess' or 'in_process', got {sorted(cfg)}."
            )
        if cfg:
            sub_kind, sub = next(iter(cfg.items()))
            return {sub_kind: _validate(sub_kind, dict(sub or {}), where=where)}
        return {}
    allowed = _MULTIPROCESS_FIELDS if kind == "multiprocess" else _IN_PROCESS_FIELDS
    for k in cfg:
        if k not in allowed:
            raise DagsterInvalidConfigError(
                f'Received unexpected config entry "{k}" for {where}. Expected one of '
                f"{list(allowed)}." + did_you_mean(k, allowed)
            )
    for k in ("tag_concurrency_limits", "retries", "step_dependency_config", "marker_to_close"):
        if cfg.get(k):
            raise DagsterInvalidConfigError(
                f"Config entry '{k}' of {where} is not supported yet by dagster_nb."
            )
    mc = cfg.get("max_concurrent")
    if mc is not None and (not isinstance(mc, int) or isinstance(mc, bool) or mc < 0):
        raise DagsterInvalidConfigError(
            f"max_concurrent of {where} must be a non-negative int (0: one per CPU), got {mc!r}."
        )
    sm = cfg.get("start_method")
    if sm is not None:
        if (
            not isinstance(sm, Mapping)
            or len(sm) != 1
            or next(iter(sm)) not in ("spawn", "forkserver")
        ):
            raise DagsterInvalidConfigError(
                f"start_method of {where} must be {{'spawn': {{}}}} or {{'forkserver': {{}}}}, got {sm!r}."
            )
    return dict(cfg)


_DASK_CLUSTERS = ("existing", "local")
# dagster_dask's other cluster types: refused by name rather than ignored
_DASK_OTHER = ("yarn", "ssh", "pbs", "moab", "sge", "lsf", "slurm", "oar", "kube")


def _validate_dask(cfg: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """dagster_dask's config: ``{"cluster": {"local": {LocalCluster kwargs}}}`` or
    ``{"cluster": {"existing": {"address": "tcp://..."}}}`` (no cluster: a local one)."""
    for k in cfg:
        if k != "cluster":
            raise DagsterInvalidConfigError(
                f'Received unexpected config entry "{k}" for {where}. Expected one of '
                "['cluster']." + did_you_mean(k, ["cluster"])
            )
    cluster = cfg.get("cluster") or {"local": {}}
    if not isinstance(cluster, Mapping) or len(cluster) != 1:
        raise DagsterInvalidConfigError(
            f"cluster of {where} must name exactly one cluster type, e.g. {{'local': {{}}}} or "
            f"{{'existing': {{'address': 'tcp://127.0.0.1:8786'}}}}, got {cluster!r}."
        )
    ctype, ccfg = next(iter(cluster.items()))
    if ctype in _DASK_OTHER:
        raise DagsterInvalidConfigError(
            f"Dask cluster type '{ctype}' of {where} is not supported yet by dagster_nb: start "
            "the cluster yourself and pass {'existing': {'address': ...}}."
        )
    if ctype not in _DASK_CLUSTERS:
        raise DagsterInvalidConfigError(
            f"Unknown Dask cluster type '{ctype}' for {where}. Expected one of "
            f"{list(_DASK_CLUSTERS)}." + did_you_mean(ctype, _DASK_CLUSTERS)
        )
    ccfg = dict(ccfg or {})
    if ctype == "existing":
        extra = sorted(set(ccfg) - {"address"})
        address = ccfg.get("address")
        if isinstance(address, Mapping) and set(address) == {"env"}:
            address = _address_from_env(address["env"], where=where)
            ccfg["address"] = address
        if extra or not isinstance(address, str):
            raise DagsterInvalidConfigError(
                f"cluster.existing of {where} takes {{'address': 'tcp://HOST:PORT'}} (or "
                f"{{'address': {{'env': 'VAR'}}}}) only, got {ccfg!r}."
            )
    return {"cluster": {ctype: ccfg}}


def _address_from_env(var: Any, *, where: str) -> str:
    """Dagster's ``StringSource``: ``{"env": "VAR"}`` is read when the config is validated."""
    if not isinstance(var, str) or not var:
        raise DagsterInvalidConfigError(
            f"cluster.existing.address of {where}: {{'env': ...}} takes the name of an "
            f"environment variable, got {var!r}."
        )
    value = os.environ.get(var)
    if value is None:
        raise DagsterInvalidConfigError(
            f"cluster.existing.address of {where} reads the environment variable {var!r}, "
            f"which is not set. Set it to the scheduler's address (tcp://HOST:PORT)."
        )
    return value


in_process_executor = ExecutorDefinition(
    name="in_process",
    description="Execute all steps in a single process, one at a time.",
    _kind="in_process",
)
multiprocess_executor = ExecutorDefinition(
    name="multiprocess",
    description="Execute each step in its own child process, up to max_concurrent at once.",
    _kind="multiprocess",
)
multi_or_in_process_executor = ExecutorDefinition(
    name="multi_or_in_process_executor",
    description="Multiprocess by default; the run config can choose in_process.",
    _kind="multi_or_in_process",
)


dask_executor = ExecutorDefinition(
    name="dask",
    description="Execute each step as a task on a Dask cluster (a LocalCluster of processes "
    "started on demand, or an existing scheduler).",
    config={"cluster": {"local": {}}},
    _kind="dask",
)


def coerce_executor_def(executor_def: Any, *, where: str) -> ExecutorDefinition | None:
    if executor_def is None or isinstance(executor_def, ExecutorDefinition):
        return executor_def
    raise DagsterInvalidDefinitionError(
        f"The executor of {where} must be an ExecutorDefinition (dg.in_process_executor, "
        f"dg.multiprocess_executor or their .configured(...)), got {type(executor_def).__name__}. "
        "Custom executors are not supported yet by dagster_nb."
    )


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What an executor and the run config decide for one run."""

    max_concurrent: int = 1
    processes: bool = False
    start_method: str = "spawn"
    dask_cluster: Mapping[str, Any] | None = None  # the dask executor's {"local"|"existing": {...}}


def run_options(
    executor_def: ExecutorDefinition | None, run_config: Mapping[str, Any], *, in_process: bool
) -> RunOptions:
    """The scheduling of a run: ``in_process`` runs (execute_in_process) always run one step at
    a time here, as in Dagster; otherwise the executor and ``run_config["execution"]`` decide."""
    if in_process or executor_def is None:
        return RunOptions()
    kind = executor_def._kind
    cfg = dict(executor_def.config)
    execution = (run_config or {}).get("execution") or {}
    run_cfg = execution.get("config") if isinstance(execution, Mapping) else None
    if run_cfg:
        cfg.update(
            _validate(kind, dict(run_cfg), where=f"executor '{executor_def.name}' (run config)")
        )
    if kind == "multi_or_in_process":
        if "in_process" in cfg:
            return RunOptions()
        kind, cfg = "multiprocess", dict(cfg.get("multiprocess") or {})
    if kind == "in_process":
        return RunOptions()
    if kind == "dask":
        return RunOptions(processes=True, dask_cluster=dict(cfg.get("cluster") or {"local": {}}))
    mc = cfg.get("max_concurrent") or os.cpu_count() or 1
    sm = next(iter(cfg.get("start_method") or {"spawn": {}}))
    return RunOptions(max_concurrent=int(mc), processes=True, start_method=sm)


_BY_NAME = {
    "in_process": "in_process_executor",
    "multiprocess": "multiprocess_executor",
    "multi_or_in_process": "multi_or_in_process_executor",
    "dask": "dask_executor",
}


def executor_named(name: str) -> ExecutorDefinition:
    """The executor a ``--executor NAME`` flag means (its default config)."""
    if name not in _BY_NAME:
        raise DagsterInvalidDefinitionError(
            f"Unknown executor {name!r}. Expected one of {list(_BY_NAME)}."
            + did_you_mean(name, _BY_NAME)
        )
    return globals()[_BY_NAME[name]]


def executor_run_kwargs(
    executor_def: Any, run_config: Mapping[str, Any] | None, max_concurrent: int = 1
) -> dict[str, Any]:
    """What ``executor_def`` (and the run config's ``execution``) mean for ``run_assets``;
    ``max_concurrent`` other than 1 overrides the executor's (threads or processes)."""
    ex = coerce_executor_def(executor_def, where="the run")
    options = run_options(ex, run_config or {}, in_process=False)
    if max_concurrent != 1 and options.dask_cluster is not None:
        raise DagsterInvalidDefinitionError(
            f"max_concurrent={max_concurrent} (--parallel) does not apply to the dask executor: "
            "the cluster's workers and their threads bound how many steps run at once. Drop it, "
            "or size the cluster: {'cluster': {'local': {'n_workers': N}}}."
        )
    return {
        "max_concurrent": max_concurrent if max_concurrent != 1 else options.max_concurrent,
        "step_processes": options.processes,
        "dask_cluster": options.dask_cluster,
    }


def reconstructable(target: Any) -> Any:
    """Dagster's ``reconstructable(job)``: here the job itself (its steps run in children
    forked from this process, or on Dask workers that get it pickled, so they need no way to
    re-import it). As in Dagster, ``target`` may also be a function taking no arguments that
    returns the job (Dagster's way for jobs made by ``define_asset_job`` or ``to_job``); it is
    called once, here.

    >>> import dagster_nb as dg
    >>> @dg.op
    ... def one(): return 1
    >>> @dg.job
    ... def j(): one()
    >>> dg.reconstructable(j) is j
    True
    >>> def get_job(): return j
    >>> dg.reconstructable(get_job) is j
    True
    """
    if _is_job(target):
        return target
    if callable(target) and not isinstance(target, type):
        import inspect

        try:
            sig = inspect.signature(target)
        except (TypeError, ValueError):
            sig = None
        if sig is not None and not any(
            p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            for p in sig.parameters.values()
        ):
            job = target()
            if _is_job(job):
                return job
            raise DagsterInvalidDefinitionError(
                f"reconstructable({getattr(target, '__name__', target)!r}): the function must "
                f"return a job, it returned {type(job).__name__}."
            )
    raise DagsterInvalidDefinitionError(
        f"reconstructable() takes a job (@job, graph.to_job(), or a job resolved from "
        f"Definitions) or a function taking no arguments that returns one, got "
        f"{type(target).__name__}."
    )


def _is_job(target: Any) -> bool:
    return hasattr(target, "execute_in_process") and isinstance(getattr(target, "name", None), str)


def execute_job(
    job: Any,
    instance: DagsterInstance | None = None,
    run_config: Any = None,
    tags: Mapping[str, str] | None = None,
    raise_on_error: bool = False,
    op_selection: Any = None,
    reexecution_options: Any = None,
    asset_selection: Any = None,
) -> Any:
    """Run ``job`` with its executor (Dagster's ``execute_job``): the multiprocess executor
    runs each step in a child process, up to ``max_concurrent`` at once; the in-process one runs
    steps one at a time here. Unlike ``execute_in_process``, it does not raise on failure
    unless ``raise_on_error=True``.

        with dg.execute_job(dg.reconstructable(my_job), instance=dg.DagsterInstance.get()) as r:
            r.success
    """
    if reexecution_options is not None:
        raise DagsterInvalidDefinitionError(
            "execute_job(reexecution_options=...) is not supported yet by dagster_nb."
        )
    from dagster_nb._execution.graph_run import OpJobDefinition
    from dagster_nb._execution.jobs import JobDefinition

    if isinstance(job, OpJobDefinition):
        if asset_selection:
            raise DagsterInvalidDefinitionError(
                f"Job '{job.name}' runs ops: use op_selection=[...]."
            )
        return job.get_subset(op_selection=op_selection)._run(
            run_config=run_config,
            instance=instance,
            raise_on_error=raise_on_error,
            run_id=None,
            input_values=None,
            tags=tags,
            resources=None,
            in_process=False,
        )
    if isinstance(job, JobDefinition):
        if op_selection:
            raise DagsterInvalidDefinitionError(
                f"Job '{job.name}' is an asset job: select assets with asset_selection=[...]."
            )
        return job._execute(
            run_config=run_config,
            instance=instance,
            raise_on_error=raise_on_error,
            asset_selection=asset_selection,
            tags=tags,
            in_process=False,
        )
    raise DagsterInvalidDefinitionError(
        f"execute_job takes a job, got {type(job).__name__}. Resolve an asset job first: "
        "defs.resolve_job_def(name)."
    )
