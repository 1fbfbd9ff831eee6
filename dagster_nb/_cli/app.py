"""The ``dagster-nb`` commands (click). Names and flags follow ``dagster``'s CLI.

Each command that needs definitions takes them with ``@target_options`` (``-f/-m/-a``) and
loads them with ``load_target(...)``; each takes ``--json``. To add a command (e.g. ``daemon``),
write a function with those two decorators and register it on ``cli``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from dagster_nb._cli.output import Out, RunProgress, user_traceback
from dagster_nb._cli.target import Target, TargetError

__all__ = ["cli", "target_options", "json_option", "load_target", "instance"]

EXIT_RUN_FAILED = 1


# --------------------------------------------------------------------------- shared options


def target_options(fn: Callable) -> Callable:
    """``-f FILE.py|NOTEBOOK.ipynb``, ``-m MODULE``, ``-a ATTRIBUTE``: where definitions are."""
    fn = click.option(
        "-a",
        "--attribute",
        default=None,
        help="Name of the Definitions object (default: the first one found).",
    )(fn)
    fn = click.option(
        "-m",
        "--module-name",
        "module_name",
        default=None,
        help="Importable module with the definitions.",
    )(fn)
    fn = click.option(
        "-f",
        "--python-file",
        "python_file",
        default=None,
        type=click.Path(dir_okay=False),
        help="Python file or notebook (.ipynb: its asset cells) with the definitions.",
    )(fn)
    return fn


def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")(fn)


def load_target(python_file: str | None, module_name: str | None, attribute: str | None) -> Any:
    """The Definitions the flags name; bad flags or targets are usage errors (exit 2)."""
    from dagster_nb._cli.target import load_definitions

    if bool(python_file) == bool(module_name):
        raise click.UsageError("Give exactly one of -f FILE (.py or .ipynb) and -m MODULE.")
    try:
        return load_definitions(Target(python_file, module_name, attribute))
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None


def instance() -> Any:
    """``$DAGSTER_HOME`` when set, else ``./.dagster_nb``, as in the notebook."""
    from dagster_nb._instance import DagsterInstance

    return DagsterInstance.get()


def _usage(exc: BaseException) -> click.UsageError:
    return click.UsageError(str(exc))


def _parse_tags(text: str | None) -> dict[str, str]:
    """Dagster's ``--tags '{"k": "v"}'``; also ``k=v,k2=v2``."""
    if not text:
        return {}
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise click.UsageError(f"--tags is not valid JSON ({exc.msg}): {text!r}.") from None
        if not isinstance(value, dict):
            raise click.UsageError('--tags must be a JSON object, e.g. \'{"team": "sales"}\'.')
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for part in text.split(","):
        k, sep, v = part.partition("=")
        if not sep or not k.strip():
            raise click.UsageError(
                f'--tags {text!r}: give a JSON object (\'{{"team": "sales"}}\') or key=value pairs '
                "separated by commas."
            )
        out[k.strip()] = v.strip()
    return out


def _load_config(config_files: tuple[str, ...], config_json: str | None) -> dict[str, Any] | None:
    """``-c FILE.yaml|FILE.json`` (several merge, later wins) and ``--config-json JSON``."""
    if not config_files and not config_json:
        return None
    merged: dict[str, Any] = {}
    for path in config_files:
        if not os.path.isfile(path):
            if path.lstrip().startswith("{"):  # inline JSON, as the old --config took
                config_json = path if config_json is None else config_json
                continue
            raise click.UsageError(f"-c/--config: no such file {path!r}.")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if path.endswith(".json"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise click.UsageError(
                    f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})."
                ) from None
        else:
            try:
                import yaml
            except ImportError:  # pragma: no cover - pyyaml comes with most environments
                raise click.UsageError(
                    f"{path}: reading YAML needs PyYAML (pip install pyyaml); or pass JSON."
                ) from None
            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise click.UsageError(f"{path}: not valid YAML: {exc}") from None
        if value is None:
            continue
        if not isinstance(value, dict):
            raise click.UsageError(
                f"{path}: run config must be a mapping, got {type(value).__name__}."
            )
        _deep_merge(merged, value)
    if config_json:
        try:
            value = json.loads(config_json)
        except json.JSONDecodeError as exc:
            raise click.UsageError(f"--config-json is not valid JSON ({exc.msg}).") from None
        if not isinstance(value, dict):
            raise click.UsageError("--config-json must be a JSON object, e.g. '{\"ops\": {...}}'.")
        _deep_merge(merged, value)
    return merged


def _deep_merge(into: dict, value: dict) -> None:
    for k, v in value.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _deep_merge(into[k], v)
        else:
            into[k] = v


def _executor(name: str | None, defs: Any) -> Any:
    if name is None:
        return defs.executor
    from dagster_nb._errors import DagsterError
    from dagster_nb._execution.executors import executor_named

    try:
        return executor_named(name)
    except DagsterError as exc:
        raise click.UsageError(f"--executor: {exc}") from None


def _results_of(result: Any) -> list[Any]:
    return list(getattr(result, "results", None) or [result])


def _report_runs(out: Out, result: Any, extra: dict[str, Any] | None = None) -> int:
    """Print how the run(s) went; the user's traceback of each failed step on stderr.
    Returns the exit code (0, or 1 when a run failed)."""
    runs = []
    for r in _results_of(result):
        failures = []
        for ev in r.get_step_failure_events():
            err = ev.error
            failures.append(
                {
                    "step": ev.step_key,
                    "error": err.cause.message
                    if err and err.cause
                    else (err.message if err else ""),
                    "traceback": user_traceback(err) if err is not None else "",
                }
            )
        runs.append(
            {
                "run_id": r.run_id,
                "status": r.dagster_run_status.value,
                "partition": r.dagster_run.tags.get("dagster/partition") if r.dagster_run else None,
                "partition_range": _range_of(r.dagster_run.tags) if r.dagster_run else None,
                "steps": dict(r.step_outcomes),
                "failures": failures,
            }
        )
    success = bool(getattr(result, "success", all(r["status"] == "SUCCESS" for r in runs)))
    if out.json:
        out.emit_json({"success": success, "runs": runs, **(extra or {})})
    else:
        for r in runs:
            out.line(f"run {r['run_id']}: {r['status']}")
        for r in runs:
            for f in r["failures"]:
                sys.stderr.write(
                    f"\nstep {f['step']} failed (run {r['run_id']}):\n{f['traceback']}\n"
                )
    return 0 if success else EXIT_RUN_FAILED


def _range_of(tags: Any) -> str | None:
    start, end = (tags.get(t) for t in _RANGE_TAGS)
    return f"{start}...{end}" if start is not None and end is not None else None


def _key_str(key: Any) -> str:
    return key.to_user_string()


# --------------------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="dagster_nb", prog_name="dagster-nb")
def cli() -> None:
    """Run dagster_nb definitions headless: the same assets, jobs, schedules and sensors as
    the notebook, from a file (-f FILE.py), a module (-m MODULE) or a notebook
    (-f NOTEBOOK.ipynb). The instance is $DAGSTER_HOME, else ./.dagster_nb.

    Exit status: 0 success, 1 a run failed, 2 bad usage."""


# --------------------------------------------------------------------------- asset


@cli.group()
def asset() -> None:
    """List, materialize and wipe assets."""


def _asset_rows(defs: Any, select: str | None) -> list[dict[str, Any]]:
    graph = defs.resolved.graph
    keys = _select_keys(defs, select)
    rows = []
    for key in sorted(keys, key=lambda k: k.parts):
        node = graph.get(key)
        kind = (
            "materializable"
            if node.is_materializable
            else ("observable" if node.is_observable else "external")
        )
        rows.append(
            {
                "key": _key_str(key),
                "group": node.group_name,
                "kind": kind,
                "kinds": sorted(node.kinds),
                "deps": sorted(_key_str(k) for k in node.parent_keys),
                "partitions": str(node.partitions_def) if node.partitions_def is not None else None,
                "description": node.description,
            }
        )
    return rows


@asset.command("list")
@target_options
@click.option(
    "--select",
    default=None,
    help="Asset selection (Dagster syntax), e.g. 'key:orders+ and group:sales'.",
)
@json_option
def asset_list(
    python_file: str | None,
    module_name: str | None,
    attribute: str | None,
    select: str | None,
    as_json: bool,
) -> None:
    """List the assets (one key per line when piped; a table on a terminal)."""
    out = Out(as_json)
    rows = _asset_rows(load_target(python_file, module_name, attribute), select)
    if out.json:
        out.emit_json(rows)
        return
    out.table(
        "Assets",
        ["key", "group", "kind", "partitions"],
        [(r["key"], r["group"], r["kind"], r["partitions"] or "") for r in rows],
        plain_columns=[0],
    )


@asset.command("materialize")
@target_options
@click.option(
    "--select", default=None, help="Asset selection (Dagster syntax); default: all assets."
)
@click.option("--partition", default=None, help="One partition key.")
@click.option(
    "--partition-range",
    "partition_range",
    default=None,
    metavar="START...END",
    help="A range of partitions: one run for assets with BackfillPolicy.single_run(), else a run per partition.",
)
@click.option("--partitions", "partitions_old", default=None, hidden=True)
@click.option("--stale", is_flag=True, help="Only the stale and missing assets of the selection.")
@click.option(
    "-c",
    "--config",
    "config_files",
    multiple=True,
    metavar="FILE",
    help="Run config file (YAML or JSON); several merge.",
)
@click.option("--config-json", default=None, help="Run config as JSON.")
@click.option("--tags", default=None, help='Run tags as JSON (\'{"k": "v"}\') or k=v,k2=v2.')
@click.option(
    "--executor",
    "executor_name",
    default=None,
    help="in_process, multiprocess or dask (default: the Definitions' executor, else in process).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=1,
    help="Run up to N independent steps at once (in process).",
)
@click.option("-v", "--verbose", is_flag=True, help="Print every event (to stderr).")
@json_option
def asset_materialize(
    python_file: str | None,
    module_name: str | None,
    attribute: str | None,
    select: str | None,
    partition: str | None,
    partition_range: str | None,
    partitions_old: str | None,
    stale: bool,
    config_files: tuple[str, ...],
    config_json: str | None,
    tags: str | None,
    executor_name: str | None,
    parallel: int,
    verbose: bool,
    as_json: bool,
) -> None:
    """Materialize a selection of assets into the instance."""
    from dagster_nb._errors import DagsterError
    from dagster_nb._notebook.commands import CommandError, materialize_command
    from dagster_nb._notebook.repository import KernelRepository, NothingToMaterialize

    out = Out(as_json)
    tag_map = _parse_tags(tags)
    config = _load_config(config_files, config_json)
    defs = load_target(python_file, module_name, attribute)
    executor = _executor(executor_name, defs)
    repo = KernelRepository(instance=instance())
    try:
        repo.add_definitions(defs)
    except DagsterError as exc:
        raise _usage(exc) from None
    try:
        with RunProgress(out, verbose=verbose) as progress:
            result = materialize_command(
                repo,
                _selection_text(defs, select),
                partition=partition,
                partitions=partition_range or partitions_old,
                stale=stale,
                tags=[f"{k}={v}" for k, v in tag_map.items()] or None,
                config=json.dumps(config) if config is not None else None,
                parallel=parallel,
                listeners=[progress],
                raise_on_error=False,
                executor=executor,
                command=_command_text(python_file, module_name, attribute),
            )
    except NothingToMaterialize as exc:
        if out.json:
            out.emit_json({"success": True, "runs": [], "message": str(exc)})
        else:
            out.line(str(exc))
        return
    except CommandError as exc:
        raise _usage(exc) from None
    except DagsterError as exc:  # refused before running (requirements of an executor, ...)
        raise _usage(exc) from None
    code = _report_runs(out, result)
    if code:
        sys.exit(code)


def _command_text(python_file: str | None, module_name: str | None, attribute: str | None) -> str:
    """How to rerun this command with another selection (messages that suggest one use it)."""
    import shlex

    target = f"-f {shlex.quote(python_file)}" if python_file else f"-m {module_name}"
    if attribute:
        target += f" -a {attribute}"
    return f"dagster-nb asset materialize {target} --select '{{selection}}'"


@asset.command("wipe")
@click.argument("keys", nargs=-1)
@click.option("--all", "wipe_all", is_flag=True, help="Wipe every asset of the instance.")
@click.option("--noprompt", is_flag=True, help="Do not ask for confirmation.")
@json_option
def asset_wipe(keys: tuple[str, ...], wipe_all: bool, noprompt: bool, as_json: bool) -> None:
    """Wipe the stored materializations, observations and statuses of assets (KEY as a/b)."""
    from dagster_nb._definitions.asset_key import AssetKey
    from dagster_nb._errors import did_you_mean

    if bool(keys) == wipe_all:
        raise click.UsageError("Give asset keys to wipe (e.g. orders or a/b), or --all.")
    inst = instance()
    known = {_key_str(k): k for k in inst.all_asset_keys()}
    if wipe_all:
        targets = list(known.values())
    else:
        targets = []
        for text in keys:
            if text not in known:
                raise click.UsageError(
                    f"Asset {text!r} has nothing stored in the instance {inst.root_directory}."
                    + did_you_mean(text, known)
                )
            targets.append(AssetKey.from_user_string(text))
    names = sorted(_key_str(k) for k in targets)
    if not noprompt and targets:
        click.confirm(
            f"Wipe {len(names)} asset(s): {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}?",
            abort=True,
        )
    if targets:
        inst.wipe_assets(targets)
    if as_json:
        Out(True).emit_json({"wiped": names})
    else:
        Out(False).line(
            f"Wiped {len(names)} asset(s)." if names else "Nothing stored: nothing to wipe."
        )


@asset.command("status")
@target_options
@click.option("--select", default=None, help="Asset selection (Dagster syntax).")
@json_option
def asset_status(
    python_file: str | None,
    module_name: str | None,
    attribute: str | None,
    select: str | None,
    as_json: bool,
) -> None:
    """The catalog: each asset's last materialization, staleness and checks."""
    from dagster_nb._notebook.catalog import catalog_rows, catalog_text
    from dagster_nb._notebook.repository import KernelRepository

    defs = load_target(python_file, module_name, attribute)
    repo = KernelRepository(instance=instance())
    repo.add_definitions(defs)
    keys = _select_keys(defs, select)
    if as_json:
        Out(True).emit_json(sorted(catalog_rows(repo, keys), key=lambda r: r["key"]))
    else:
        Out(False).line(catalog_text(repo, keys))


def _select_keys(defs: Any, select: str | None) -> list[Any]:
    """The keys ``--select`` names; as Dagster's CLI, commas separate selections (unioned)."""
    graph = defs.resolved.graph
    if not select:
        return list(graph.all_asset_keys)
    keys: set[Any] = set()
    for part in select.split(","):
        if part.strip():
            keys |= set(_parse_selection(part.strip()).resolve(graph))
    return sorted(keys, key=lambda k: k.parts)


def _selection_text(defs: Any, select: str | None) -> str | None:
    """``--select`` as one selection string (a comma list becomes its keys, or-ed)."""
    if not select or "," not in select:
        return select
    keys = _select_keys(defs, select)
    return " or ".join(f'key:"{_key_str(k)}"' for k in keys) or select


def _parse_selection(select: str) -> Any:
    from dagster_nb._errors import DagsterError
    from dagster_nb._selection import AssetSelection

    try:
        return AssetSelection.from_string(select)
    except DagsterError as exc:
        raise _usage(exc) from None


# --------------------------------------------------------------------------- job


@cli.group()
def job() -> None:
    """List and execute jobs."""


def _job_rows(defs: Any) -> list[dict[str, Any]]:
    from dagster_nb._execution.graph_run import OpJobDefinition

    rows = []
    for j in defs.resolve_all_job_defs():
        if j.name.startswith("__"):
            continue
        ex = getattr(j, "executor_def", None)
        rows.append(
            {
                "name": j.name,
                "kind": "ops" if isinstance(j, OpJobDefinition) else "assets",
                "executor": getattr(ex, "name", None),
                "description": getattr(j, "description", None),
            }
        )
    return rows


@job.command("list")
@target_options
@json_option
def job_list(
    python_file: str | None, module_name: str | None, attribute: str | None, as_json: bool
) -> None:
    """List the jobs."""
    out = Out(as_json)
    rows = _job_rows(load_target(python_file, module_name, attribute))
    if out.json:
        out.emit_json(rows)
        return
    out.table(
        "Jobs",
        ["name", "executor", "description"],
        [(r["name"], r["executor"], r["description"] or "") for r in rows],
        plain_columns=[0],
    )


@job.command("execute")
@target_options
@click.option("-j", "--job", "job_name", required=True, help="The job to run.")
@click.option(
    "-c",
    "--config",
    "config_files",
    multiple=True,
    metavar="FILE",
    help="Run config file (YAML or JSON); several merge.",
)
@click.option("--config-json", default=None, help="Run config as JSON.")
@click.option("--tags", default=None, help='Run tags as JSON (\'{"k": "v"}\') or k=v,k2=v2.')
@click.option(
    "--executor",
    "executor_name",
    default=None,
    help="in_process, multiprocess or dask (default: the job's executor).",
)
@click.option(
    "-o",
    "--op-selection",
    "op_selection",
    default=None,
    help="Run only these ops, comma-separated ('*op_name+' clauses for op jobs); for an asset "
    "job, op names are the assets' node names.",
)
@click.option(
    "--partition",
    default=None,
    help="One partition of a partitioned job (the same as --tags '{\"dagster/partition\": KEY}').",
)
@click.option(
    "--partition-range",
    "partition_range",
    default=None,
    metavar="START...END",
    help="A range of partitions of a partitioned job: one run for assets with "
    "BackfillPolicy.single_run(), else a run per partition.",
)
@click.option("-v", "--verbose", is_flag=True, help="Print every event (to stderr).")
@json_option
def job_execute(
    python_file: str | None,
    module_name: str | None,
    attribute: str | None,
    job_name: str,
    config_files: tuple[str, ...],
    config_json: str | None,
    tags: str | None,
    executor_name: str | None,
    op_selection: str | None,
    partition: str | None,
    partition_range: str | None,
    verbose: bool,
    as_json: bool,
) -> None:
    """Execute a job with its executor (as `dagster job execute`). A partitioned job runs one
    partition (--partition, or Dagster's tag dagster/partition) or a range of them
    (--partition-range, or the tags dagster/asset_partition_range_start and _end)."""
    from dagster_nb._errors import DagsterError, did_you_mean
    from dagster_nb._execution.graph_run import OpJobDefinition

    out = Out(as_json)
    tag_map = _parse_tags(tags)
    config = _load_config(config_files, config_json)
    defs = load_target(python_file, module_name, attribute)
    names = [r["name"] for r in _job_rows(defs)]
    if job_name not in names:
        raise click.UsageError(
            f"No job named {job_name!r} in {python_file or module_name}."
            + (
                did_you_mean(job_name, names)
                or (f" Jobs: {', '.join(names)}." if names else " It defines no jobs.")
            )
        )
    job_def = defs.resolve_job_def(job_name)
    asset_selection = None
    if op_selection is not None:
        job_def, asset_selection = _op_subset(job_def, op_selection)
    inst = instance()
    partition, key_range = _job_partitions(job_def, inst, partition, partition_range, tag_map)
    if isinstance(job_def, OpJobDefinition):  # bad config is bad usage: refused before a run
        from dagster_nb._execution.graph_run import validate_run_config

        try:
            validate_run_config(job_def, config)
        except DagsterError as exc:
            raise _usage(exc) from None
    try:
        with RunProgress(out, verbose=verbose) as progress:
            if key_range is not None:
                result = _job_backfill(
                    job_def,
                    defs,
                    inst,
                    key_range,
                    config,
                    tag_map,
                    executor_name,
                    progress,
                    asset_selection,
                )
            elif isinstance(job_def, OpJobDefinition):
                if executor_name is not None:
                    job_def = job_def.with_executor_def(_executor(executor_name, defs))
                result = job_def._run(
                    run_config=config,
                    instance=inst,
                    raise_on_error=False,
                    run_id=None,
                    input_values=None,
                    tags=tag_map,
                    resources=None,
                    in_process=False,
                    listeners=[progress],
                )
            else:
                kwargs: dict[str, Any] = {}
                if executor_name is not None:
                    from dagster_nb._execution.executors import executor_run_kwargs

                    kwargs = executor_run_kwargs(_executor(executor_name, defs), config)
                result = job_def._execute(
                    run_config=config,
                    instance=inst,
                    partition_key=partition,
                    raise_on_error=False,
                    asset_selection=asset_selection,
                    tags=tag_map,
                    in_process=False,
                    listeners=[progress],
                    **kwargs,
                )
    except DagsterError as exc:
        if getattr(exc, "is_user_code_error", False):
            raise
        raise _usage(exc) from None
    code = _report_runs(out, result, {"job": job_name})
    if code:
        sys.exit(code)


def _op_subset(job_def: Any, op_selection: str) -> tuple[Any, list[Any] | None]:
    """``-o/--op-selection a,b``: an op job's subset (Dagster's op selection clauses), or for an
    asset job the keys of the assets whose node (op) names are given."""
    from dagster_nb._errors import DagsterError, did_you_mean
    from dagster_nb._execution.graph_run import OpJobDefinition

    names = [n.strip() for n in op_selection.split(",") if n.strip()]
    if not names:
        raise click.UsageError("-o/--op-selection names no op: give op names, comma-separated.")
    if isinstance(job_def, OpJobDefinition):
        try:
            return job_def.get_subset(op_selection=names), None
        except DagsterError as exc:
            raise click.UsageError(f"-o/--op-selection {op_selection!r}: {exc}") from None
    by_op: dict[str, list[Any]] = {}
    for key in job_def._selected:
        ad = job_def._defs.resolved.assets_def_by_key[key]
        by_op.setdefault(ad.node_name, []).append(key)
    unknown = [n for n in names if n not in by_op]
    if unknown:
        raise click.UsageError(
            f"-o/--op-selection: job {job_def.name!r} has no op {unknown[0]!r}."
            + (did_you_mean(unknown[0], sorted(by_op)) or f" Its ops: {', '.join(sorted(by_op))}.")
            + " (For an asset job, give asset node names; '*' and '+' clauses apply to op jobs.)"
        )
    return job_def, sorted({k for n in names for k in by_op[n]}, key=lambda k: k.parts)


_PARTITION_TAG = "dagster/partition"
_RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def _job_partitions(
    job_def: Any,
    inst: Any,
    partition: str | None,
    partition_range: str | None,
    tag_map: dict[str, str],
) -> tuple[str | None, Any]:
    """The partition key or key range ``job execute`` runs: from --partition/--partition-range
    or Dagster's tags (taken out of ``tag_map``; the run gets its own); checked against the
    job's partitions definition, so a bad key is a usage error naming the valid form."""
    from dagster_nb._errors import DagsterError
    from dagster_nb._execution.graph_run import OpJobDefinition
    from dagster_nb._partitions import PartitionKeyRange
    from dagster_nb._partitions.describe import example_partition_key, pdef_source

    name = job_def.name
    tagged = tag_map.pop(_PARTITION_TAG, None)
    if tagged is not None and partition is not None and tagged != partition:
        raise click.UsageError(
            f"--partition {partition!r} and the tag {_PARTITION_TAG}={tagged!r} disagree: give one."
        )
    partition = partition if partition is not None else tagged
    start, end = (tag_map.pop(t, None) for t in _RANGE_TAGS)
    if (start is None) != (end is None):
        raise click.UsageError(f"Give both tags {_RANGE_TAGS[0]} and {_RANGE_TAGS[1]}, or neither.")
    if start is not None and end is not None:
        if partition_range is not None and partition_range != f"{start}...{end}":
            raise click.UsageError(
                f"--partition-range {partition_range!r} and the range tags ({start}...{end}) "
                "disagree: give one."
            )
        partition_range = f"{start}...{end}"
    if partition is not None and partition_range is not None:
        raise click.UsageError("Give either --partition KEY or --partition-range START...END.")
    config_partitioned = bool(getattr(job_def, "_config_partitioned", False))
    pdef = getattr(job_def, "partitions_def", None)
    if isinstance(job_def, OpJobDefinition) or (pdef is None and not config_partitioned):
        if partition is not None or partition_range is not None:
            raise click.UsageError(
                f"Job {name!r} is not partitioned: drop --partition/--partition-range "
                "(partition a job by defining it over partitioned assets: "
                "define_asset_job(..., selection=...))."
            )
        return None, None
    if pdef is None:  # partitioned by its config (PartitionedConfig): one key at a time
        pdef = job_def._job.config.partitions_def
        if partition_range is not None:
            raise click.UsageError(
                f"Job {name!r} is partitioned by its config: run one partition at a time "
                "(--partition KEY)."
            )
    example = example_partition_key(pdef, inst) or "KEY"
    valid_form = (
        f"Job {name!r} is partitioned by {pdef_source(pdef)}: give --partition KEY "
        f"(e.g. --partition {example}) or --partition-range START...END."
    )
    if partition is None and partition_range is None:
        raise click.UsageError(valid_form)
    if partition_range is not None:
        start, sep, end = partition_range.partition("...")
        if not sep or not start or not end:
            raise click.UsageError(
                f"--partition-range {partition_range!r} must be START...END, e.g. "
                f"--partition-range {example}...{example}."
            )
        keys: list[str] = [start, end]
    else:
        keys = [partition] if partition is not None else []
    for key in keys:
        try:
            pdef.validate_partition_key(key, dynamic_partitions_store=inst)
        except DagsterError as exc:
            raise click.UsageError(f"{exc} {valid_form}") from None
    if partition_range is not None:
        return None, PartitionKeyRange(keys[0], keys[1])
    return partition, None


def _job_backfill(
    job_def: Any,
    defs: Any,
    inst: Any,
    key_range: Any,
    config: dict[str, Any] | None,
    tag_map: dict[str, str],
    executor_name: str | None,
    progress: Any,
    asset_selection: list[Any] | None = None,
) -> Any:
    """A range of an asset job's partitions, as ``asset materialize --partition-range``: the
    job's assets (or those of --op-selection), tags, resources and executor."""
    from dagster_nb._execution.backfill import run_backfill
    from dagster_nb._execution.executors import executor_run_kwargs

    ex = _executor(executor_name, defs) if executor_name is not None else job_def.executor_def
    return run_backfill(
        defs.resolved,
        job_def._selected if asset_selection is None else asset_selection,
        partition_key_range=key_range,
        instance=inst,
        resources=dict(defs.resources),
        run_config=config,
        tags={
            **{k: str(v) for k, v in job_def._job.run_tags.items()},
            **job_def.tags,
            **tag_map,
        },
        listeners=[progress],
        job_name=job_def.name,
        executor_kwargs=executor_run_kwargs(ex, config) if ex is not None else None,
    )


# --------------------------------------------------------------------------- schedule / sensor


def _has_automation_loop() -> bool:
    """Whether this dagster_nb has the automation loop (its start/stop state and cursors in the
    instance). Checked by file, so the CLI's startup does not import the automation layer."""
    import dagster_nb

    return os.path.exists(
        os.path.join(os.path.dirname(dagster_nb.__file__), "_automation", "daemon.py")
    )


def _stored_status(defs: Any, kind: str) -> dict[str, str]:
    if not _has_automation_loop():
        return {}
    from dagster_nb._cli.automation import stored_status

    return stored_status(defs, kind)


@cli.group(help="List, start and stop schedules." if _has_automation_loop() else "List schedules.")
def schedule() -> None:
    pass


@schedule.command("list")
@target_options
@json_option
def schedule_list(
    python_file: str | None, module_name: str | None, attribute: str | None, as_json: bool
) -> None:
    """List the schedules with their cron, job, time zone and default status."""
    out = Out(as_json)
    defs = load_target(python_file, module_name, attribute)
    status = _stored_status(defs, "schedule")
    rows = []
    for s in defs.schedules:
        default = getattr(getattr(s, "default_status", None), "value", None)
        rows.append(
            {
                "name": s.name,
                "cron_schedule": s.cron_schedule,
                "job": getattr(s, "job_name", None),
                "execution_timezone": getattr(s, "execution_timezone", None),
                "default_status": default,
                "status": status.get(s.name, default),
            }
        )
    if out.json:
        out.emit_json(rows)
        return
    out.table(
        "Schedules",
        ["name", "cron", "job", "timezone", "status"],
        [
            (r["name"], r["cron_schedule"], r["job"], r["execution_timezone"] or "UTC", r["status"])
            for r in rows
        ],
        plain_columns=[0],
    )


@cli.group(
    help="List, start and stop sensors; show or set their cursors."
    if _has_automation_loop()
    else "List sensors."
)
def sensor() -> None:
    pass


@sensor.command("list")
@target_options
@json_option
def sensor_list(
    python_file: str | None, module_name: str | None, attribute: str | None, as_json: bool
) -> None:
    """List the sensors with their job, interval and default status."""
    out = Out(as_json)
    defs = load_target(python_file, module_name, attribute)
    status = _stored_status(defs, "sensor|automation")
    rows = []
    for s in defs.sensors:
        default = getattr(getattr(s, "default_status", None), "value", None)
        rows.append(
            {
                "name": s.name,
                "job": getattr(s, "job_name", None),
                "minimum_interval_seconds": getattr(s, "minimum_interval_seconds", None),
                "default_status": default,
                "status": status.get(s.name, default),
            }
        )
    if out.json:
        out.emit_json(rows)
        return
    out.table(
        "Sensors",
        ["name", "job", "interval (s)", "status"],
        [(r["name"], r["job"], r["minimum_interval_seconds"], r["status"]) for r in rows],
        plain_columns=[0],
    )


# --------------------------------------------------------------------------- run


@cli.group()
def run() -> None:
    """List, show and delete runs of the instance."""


def _ts(t: float | None) -> str | None:
    if t is None:
        return None
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="seconds")


def _run_row(rec: Any) -> dict[str, Any]:
    r = rec.dagster_run
    return {
        "run_id": r.run_id,
        "job": r.job_name,
        "status": r.status.value,
        "start_time": _ts(rec.start_time),
        "end_time": _ts(rec.end_time),
        "tags": dict(r.tags),
        "assets": sorted(_key_str(k) for k in (r.asset_selection or ())),
    }


@run.command("list")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most N runs (newest first)."
)
@json_option
def run_list(limit: int | None, as_json: bool) -> None:
    """List the runs, newest first."""
    out = Out(as_json)
    rows = [_run_row(rec) for rec in instance().get_run_records(limit=limit)]
    if out.json:
        out.emit_json(rows)
        return
    out.table(
        "Runs",
        ["run id", "job", "status", "started", "ended"],
        [(r["run_id"], r["job"], r["status"], r["start_time"], r["end_time"]) for r in rows],
        plain_columns=[0, 1, 2],
    )


def _find_run(inst: Any, run_id: str) -> Any:
    rec = inst.get_run_record_by_id(run_id)
    if rec is not None:
        return rec
    matches = (
        [r for r in inst.get_run_records() if r.dagster_run.run_id.startswith(run_id)]
        if run_id
        else []
    )
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise click.UsageError(
            f"Run id prefix {run_id!r} matches {len(matches)} runs: give more of it."
        )
    raise click.UsageError(
        f"No run {run_id!r} in the instance {inst.root_directory} (see: dagster-nb run list)."
    )


@run.command("show")
@click.argument("run_id")
@json_option
def run_show(run_id: str, as_json: bool) -> None:
    """A run: its status, steps and events (RUN_ID or a unique prefix of it)."""
    out = Out(as_json)
    inst = instance()
    rec = _find_run(inst, run_id)
    row = _run_row(rec)
    events = inst.all_logs(rec.dagster_run.run_id)
    evs = [
        {
            "timestamp": _ts(e.timestamp),
            "type": e.dagster_event_type.value if e.dagster_event_type else None,
            "step": e.step_key,
            "message": e.user_message if hasattr(e, "user_message") else e.message,
        }
        for e in events
    ]
    if out.json:
        out.emit_json({**row, "events": evs})
        return
    out.line(f"run {row['run_id']}  job {row['job']}  {row['status']}")
    out.line(f"started {row['start_time']}  ended {row['end_time']}")
    if row["tags"]:
        out.line("tags " + ", ".join(f"{k}={v}" for k, v in row["tags"].items()))
    out.table(
        "Events",
        ["time", "event", "step", "message"],
        [(e["timestamp"], e["type"], e["step"] or "", e["message"]) for e in evs],
    )


@run.command("delete")
@click.argument("run_id")
@click.option(
    "-f", "--force", "--noprompt", "noprompt", is_flag=True, help="Do not ask for confirmation."
)
@json_option
def run_delete(run_id: str, noprompt: bool, as_json: bool) -> None:
    """Delete a run and its events (the assets' stored values stay)."""
    inst = instance()
    rec = _find_run(inst, run_id)
    rid = rec.dagster_run.run_id
    if not noprompt:
        click.confirm(
            f"Delete run {rid} ({rec.dagster_run.job_name}, {rec.dagster_run.status.value})?",
            abort=True,
        )
    inst.delete_run(rid)
    if as_json:
        Out(True).emit_json({"deleted": rid})
    else:
        Out(False).line(f"Deleted run {rid}.")


# --------------------------------------------------------------------------- instance


@cli.group("instance")
def instance_group() -> None:
    """Inspect and upgrade the instance ($DAGSTER_HOME, else ./.dagster_nb)."""


@instance_group.command("info")
@json_option
def instance_info(as_json: bool) -> None:
    """Where the instance lives and what it holds."""
    from dagster_nb._storage.sqlite import SCHEMA_VERSION

    inst = instance()
    storage = inst.storage
    info = {
        "root_directory": inst.root_directory,
        "database": getattr(storage, "path", None),
        "values_directory": os.path.join(inst.root_directory, "storage"),
        "schema_version": SCHEMA_VERSION,
        "read_only": bool(getattr(storage, "read_only", False)),
        "runs": inst.get_runs_count(),
        "assets": len(inst.all_asset_keys()),
        "dagster_home": os.environ.get("DAGSTER_HOME"),
    }
    if as_json:
        Out(True).emit_json(info)
        return
    out = Out(False)
    for k, v in info.items():
        out.line(f"{k + ':':18s} {v}")


@instance_group.command("migrate")
@json_option
def instance_migrate(as_json: bool) -> None:
    """Bring the instance's storage to this dagster_nb's schema (nothing is lost)."""
    from dagster_nb._storage.sqlite import SCHEMA_VERSION

    inst = instance()
    storage = inst.storage
    if getattr(storage, "read_only", False):
        raise click.UsageError(
            f"The instance database {storage.path} is read-only: cannot migrate it."
        )
    before = getattr(storage, "opened_schema_version", SCHEMA_VERSION)
    result = {
        "root_directory": inst.root_directory,
        "from_version": before,
        "to_version": SCHEMA_VERSION,
    }
    if as_json:
        Out(True).emit_json(result)
    elif before == SCHEMA_VERSION:
        Out(False).line(
            f"The instance at {inst.root_directory} is up to date (schema version {SCHEMA_VERSION})."
        )
    else:
        Out(False).line(
            f"Migrated the instance at {inst.root_directory}: schema version {before} -> {SCHEMA_VERSION}."
        )


# --------------------------------------------------------------------------- export


@cli.command("export")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    help="OUT.py, or a directory to write a package (DIR/__init__.py); '-' prints to stdout.",
)
@json_option
def export(notebook: str, output: str, as_json: bool) -> None:
    """Write a notebook's definitions as a Python module for real Dagster (import dagster as
    dg): @dg.asset cells, %%asset cells (as @dg.asset functions), partitions, resources set
    with dg.kernel.set_resources(...), jobs, schedules, sensors, the helper code they need, and
    `defs = dg.Definitions(...)`. Exploratory cells (plots, prints, %materialize, bare
    expressions) stay behind. Load the result with: dagster dev -f OUT.py"""
    from pathlib import Path

    from dagster_nb._export import (
        NotebookExportError,
        build_export,
        read_notebook_cells,
        write_export,
    )

    try:  # (a missing or unreadable notebook is the exporter's error, with its wording)
        result = build_export(read_notebook_cells(notebook), source=Path(notebook).name)
    except NotebookExportError as exc:
        raise click.UsageError(str(exc)) from None
    if output == "-":
        sys.stdout.write(result.text)
        target = None
    else:
        try:
            target = write_export(result, output)
        except NotebookExportError as exc:
            raise click.UsageError(str(exc)) from None
    if as_json and target is not None:
        Out(True).emit_json({"written": str(target), "notes": list(result.notes)})
        return
    if target is not None:
        click.echo(f"Wrote {target} (load it with: dagster dev -f {target})")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


# --------------------------------------------------------------------------- old verbs
# `dagster-nb list|materialize|status` (before the Dagster-shaped groups) keep working.
for _old, _new in (
    ("list", asset_list),
    ("materialize", asset_materialize),
    ("status", asset_status),
):
    cli.add_command(
        click.Command(
            _old,
            callback=_new.callback,
            params=_new.params,
            help=f"Same as: asset {_old}.",
            hidden=True,
        )
    )

# `schedule start|stop`, `sensor start|stop|cursor` and `daemon` drive the automation loop
# (dagster_nb/_automation/daemon.py); registered where it exists.
if _has_automation_loop():
    from dagster_nb._cli.automation import register as _register_automation

    _register_automation(cli)
