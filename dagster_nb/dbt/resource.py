"""``DbtCliResource``: runs the dbt CLI as a subprocess and turns its JSON log into events.

Why a subprocess and not dbt's in-process ``dbtRunner``: dbt's structured log (one JSON line
per event, ``--log-format json``) reports each node the moment it finishes, so ``stream()``
yields Dagster events per node while dbt keeps running; dbt runs in its own interpreter, so
its imports (~1 s) and its global state (adapters, logging handlers, ``sys.path``) stay out of
the kernel; and ``dbt_executable`` may live in another environment (dbt-core pins protobuf<7,
which does not always install beside other packages). dagster_dbt does the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import dagster_nb as dg
from dagster_nb._definitions.light_resource import LightResource
from dagster_nb.dbt.asset_decorator import (
    DEFAULT_SELECT,
    EXCLUDE_TAG,
    SELECT_TAG,
    SELECTOR_TAG,
    manifest_and_translator,
)
from dagster_nb.dbt.errors import DagsterDbtCliRuntimeError, DagsterDbtError
from dagster_nb.dbt.translator import UNIQUE_ID_KEY, DagsterDbtTranslator, check_key_for_test

_RESULT_EVENTS = frozenset(
    {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
)
_OK = frozenset({"success", "pass", "warn"})  # dbt node statuses that mean "it ran"


def _resolve_executable(dbt_executable: str) -> str:
    if os.sep in dbt_executable or (os.altsep and os.altsep in dbt_executable):
        if os.access(dbt_executable, os.X_OK):
            return dbt_executable
        found = None
    else:
        found = shutil.which(dbt_executable)
        if found is None:
            # dbt installed in the kernel's own environment but its bin/ not on PATH.
            beside = Path(sys.executable).parent / dbt_executable
            found = str(beside) if os.access(beside, os.X_OK) else None
    if found is None:
        raise DagsterDbtError(
            f"No dbt executable {dbt_executable!r} found (on PATH or beside {sys.executable}). "
            "Install dbt with `pip install dbt-core dbt-duckdb` (or dagster_nb[dbt]), or pass "
            "DbtCliResource(dbt_executable='/path/to/dbt')."
        )
    return found


def _run_plain(
    executable: str,
    args: Sequence[str],
    project_dir: Path,
    profiles_dir: str | None,
    target_path: Path,
) -> tuple[int, list[dict[str, Any]]]:
    """Run a short dbt command (parse, ls) to completion; returns (exit code, JSON events)."""
    env = _env(project_dir, profiles_dir, target_path)
    proc = subprocess.run(
        [executable, *args], cwd=project_dir, env=env, capture_output=True, text=True, check=False
    )
    events = []
    for line in proc.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"info": {"level": "info", "msg": line, "name": "Raw"}})
    return proc.returncode, events


def _env(project_dir: Path, profiles_dir: str | None, target_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DAGSTER_DBT_CLI": "true",
        "PYTHONUNBUFFERED": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_FORMAT": "json",
        "DBT_TARGET_PATH": os.fspath(target_path),
        "DBT_LOG_PATH": os.fspath(target_path),
        "DBT_PROJECT_DIR": os.fspath(project_dir),
    }
    if profiles_dir:
        env["DBT_PROFILES_DIR"] = os.fspath(profiles_dir)
    return env


def error_lines(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """dbt's own error lines (level error), in order, without duplicates."""
    out: list[str] = []
    for ev in events:
        info = ev.get("info") or {}
        if info.get("level") == "error" and info.get("msg"):
            msg = str(info["msg"]).strip()
            if msg and msg not in out:
                out.append(msg)
    if not out:
        # dbt failed before its logger started (a CLI usage error): its plain output says why.
        out = [
            str(ev["info"]["msg"]) for ev in events if (ev.get("info") or {}).get("name") == "Raw"
        ]
    return out


def list_unique_ids(project: Any, select: str, exclude: str, selector: str) -> set[str]:
    """``dbt ls`` for a selection dbt must evaluate itself (YAML selectors, state:...)."""
    args = ["ls", "--output", "json", "--output-keys", "unique_id", "--quiet"]
    if select and select != DEFAULT_SELECT:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    if selector:
        args += ["--selector", selector]
    exe = _resolve_executable(getattr(project, "dbt_executable", None) or "dbt")
    with tempfile.TemporaryDirectory() as tmp:
        code, events = _run_plain(
            exe, args, Path(project.project_dir), project.profiles_dir, Path(tmp)
        )
    if code != 0:
        raise DagsterDbtCliRuntimeError(
            f"`dbt {' '.join(args)}` failed in {project.project_dir}:\n"
            + "\n".join(error_lines(events))
        )
    out = set()
    for ev in events:
        msg = (ev.get("info") or {}).get("msg") or ev.get("data", {}).get("msg")
        if isinstance(msg, str) and msg.startswith("{"):
            out.add(json.loads(msg)["unique_id"])
    return out


class DbtCliInvocation:
    """A running (or finished) dbt command. ``stream()`` yields Dagster events as dbt reports
    each node; ``wait()`` runs it to the end; ``get_artifact("run_results.json")`` reads what
    dbt wrote to this invocation's own target path."""

    def __init__(
        self,
        *,
        process: subprocess.Popen,
        args: list[str],
        manifest: Mapping[str, Any] | None,
        translator: DagsterDbtTranslator,
        project_dir: Path,
        target_path: Path,
        raise_on_error: bool,
        context: Any,
        project: Any,
    ) -> None:
        self.process = process
        self.args = args
        self.manifest = manifest
        self.dagster_dbt_translator = translator
        self.project_dir = project_dir
        self.target_path = target_path
        self.raise_on_error = raise_on_error
        self.context = context
        self.project = project
        self.raw_events: list[dict[str, Any]] = []
        self._done = False

    # -- raw events -----------------------------------------------------------------------------

    def stream_raw_events(self) -> Iterator[dict[str, Any]]:
        """dbt's JSON log events, as dbt writes them."""
        if self._done:
            yield from self.raw_events
            return
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                line = line.strip()
                if not line:
                    continue
                try:
                    ev = json.loads(line)
                except ValueError:
                    ev = {"info": {"level": "info", "msg": line, "name": "Raw"}, "data": {}}
                self.raw_events.append(ev)
                yield ev
        finally:
            self.process.wait()
            self._done = True

    # -- dagster events ------------------------------------------------------------------------

    def stream(self) -> Iterator[Any]:
        """Output / AssetMaterialization / AssetCheckResult per dbt node, as each finishes."""
        for ev in self.stream_raw_events():
            yield from self._to_events(ev)
        self._raise_if_failed()

    def wait(self) -> DbtCliInvocation:
        """Run dbt to the end (raising on failure when ``raise_on_error``)."""
        for _ in self.stream_raw_events():
            pass
        self._raise_if_failed()
        return self

    def is_successful(self) -> bool:
        """Whether dbt exited 0 (runs it to the end first, without raising)."""
        if not self._done:
            for _ in self.stream_raw_events():
                pass
        return self.process.returncode == 0

    def get_error(self) -> Exception | None:
        if self.process.returncode in (0, None):
            return None
        return DagsterDbtCliRuntimeError(self._failure_message())

    def get_artifact(self, artifact: str) -> dict[str, Any]:
        """A JSON artifact dbt wrote for this invocation (``run_results.json``, ``manifest.json``)."""
        path = self.target_path / artifact
        if not path.exists():
            raise DagsterDbtError(
                f"dbt wrote no {artifact} to {self.target_path} (did the command run to the end?)."
            )
        with open(path, "rb") as f:
            return json.load(f)

    def _failure_message(self) -> str:
        lines = error_lines(self.raw_events) or ["(dbt printed no error line; see the log)"]
        cmd = "dbt " + " ".join(a for a in self.args[1:] if a != "--no-use-colors")
        return (
            f"The dbt CLI process with command\n\n`{cmd}`\n\nfailed with exit code "
            f"{self.process.returncode} in {self.project_dir}. dbt said:\n\n" + "\n".join(lines)
        )

    def _raise_if_failed(self) -> None:
        if self.raise_on_error and self.process.returncode not in (0, None):
            raise DagsterDbtCliRuntimeError(
                self._failure_message(), metadata={"dbt_command": " ".join(self.args[1:])}
            )

    def _compiled_sql(self, props: Mapping[str, Any]) -> str | None:
        path = (
            self.target_path
            / "compiled"
            / props.get("package_name", "")
            / props.get("original_file_path", "")
        )
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            return None

    def _to_events(self, ev: Mapping[str, Any]) -> Iterator[Any]:
        info = ev.get("info") or {}
        data = ev.get("data") or {}
        node = data.get("node_info")
        if node is None or info.get("name") not in _RESULT_EVENTS or self.manifest is None:
            return
        uid = node.get("unique_id") or ""
        if uid.startswith("unit_test"):
            return
        props = self.manifest["nodes"].get(uid)
        if props is None:
            return
        status = str(node.get("node_status") or data.get("status") or "").lower()
        meta: dict[str, Any] = _default_event_metadata(props, node, data, info)
        rt = props["resource_type"]
        if rt in ("model", "seed", "snapshot"):
            mtype = node.get("materialized") or (props.get("config") or {}).get("materialized")
            if mtype == "ephemeral" or status not in _OK:
                return
            meta["status"] = status
            compiled = self._compiled_sql(props)
            if compiled is not None:
                # ours (dagster_dbt has no such entry): the SQL dbt ran, for the detail panel
                meta["dbt/compiled_sql"] = dg.MetadataValue.md(f"```sql\n{compiled.strip()}\n```")
            key = self.dagster_dbt_translator.asset_key_of(self.manifest, uid, self.project)
            ctx = self.context
            if ctx is not None and _has_assets_def(ctx):
                # The value is None (dbt wrote the table), so a content hash would never change:
                # each dbt build of a node is new data, and what reads it becomes stale.
                version = dg.DataVersion(str(info.get("invocation_id") or uuid.uuid4().hex))
                yield dg.Output(
                    value=None,
                    output_name=key.to_python_identifier(),
                    metadata=meta,
                    data_version=version,
                )
            else:
                yield dg.AssetMaterialization(asset_key=key, metadata=meta)
        elif rt == "test":
            if status == "skipped":
                return
            failures = data.get("num_failures")
            meta["status"] = status
            if failures is not None:
                meta["dagster_dbt/failed_row_count"] = failures
            ck = check_key_for_test(self.manifest, self.dagster_dbt_translator, uid, self.project)
            if ck is None:
                return
            ctx = self.context
            selected = (
                ctx.selected_asset_check_keys if ctx is not None and _has_assets_def(ctx) else None
            )
            if selected is not None and ck not in selected:
                yield dg.AssetObservation(
                    asset_key=ck.asset_key, metadata=meta, description=str(info.get("msg") or "")
                )
                return
            severity = (
                dg.AssetCheckSeverity.WARN if status == "warn" else dg.AssetCheckSeverity.ERROR
            )
            yield dg.AssetCheckResult(
                passed=status == "pass",
                asset_key=ck.asset_key,
                check_name=ck.name,
                severity=severity,
                metadata=meta,
            )


def _has_assets_def(ctx: Any) -> bool:
    try:
        return bool(ctx.has_assets_def)
    except Exception:  # noqa: BLE001 - an op context without assets
        return False


def _default_event_metadata(
    props: Mapping[str, Any],
    node: Mapping[str, Any],
    data: Mapping[str, Any],
    info: Mapping[str, Any],
) -> dict[str, Any]:
    from dagster_nb.dbt.translator import _default_metadata

    meta: dict[str, Any] = {}
    base = _default_metadata(props)
    for k in ("dagster/column_schema", "dagster/table_name"):
        if k in base:
            meta[k] = base[k]
    started, finished = node.get("node_started_at"), node.get("node_finished_at")
    duration = None
    if started and finished:
        from datetime import datetime

        try:
            duration = (
                datetime.fromisoformat(finished) - datetime.fromisoformat(started)
            ).total_seconds()
        except ValueError:
            duration = None
    if duration is None:
        duration = data.get("execution_time")
    if duration:
        meta["Execution Duration"] = duration
    meta["unique_id"] = props["unique_id"]
    meta["invocation_id"] = info.get("invocation_id")
    return meta


class _DbtCliMethods:
    """DbtCliResource's methods, shared by the light class and its pydantic model."""

    project_dir: Any
    global_config_flags: list
    profiles_dir: Any
    profile: Any
    target: Any
    dbt_executable: str
    state_path: Any

    def get_defer_args(self) -> list[str]:
        """``--defer --defer-state <state_path>`` when state_path holds a manifest, else []."""
        if not (self.state_path and Path(self.state_path).joinpath("manifest.json").exists()):
            return []
        return ["--defer", "--defer-state", str(self.state_path)]

    def get_state_args(self) -> list[str]:
        """``--state <state_path>`` when state_path holds a manifest, else []."""
        if not (self.state_path and Path(self.state_path).joinpath("manifest.json").exists()):
            return []
        return ["--state", str(self.state_path)]

    def cli(
        self,
        args: Sequence[str],
        *,
        raise_on_error: bool = True,
        manifest: Any = None,
        dagster_dbt_translator: DagsterDbtTranslator | None = None,
        context: Any = None,
        target_path: Any = None,
    ) -> DbtCliInvocation:
        """Start ``dbt <args>``; with ``context`` (from ``@dbt_assets``) the selected assets
        become dbt's ``--select``."""
        from dagster_nb.dbt._manifest import load_manifest

        args = [str(a) for a in args]
        project = None
        selection: list[str] = []
        indirect = None
        if context is not None and _has_assets_def(context):
            m, tr, project = manifest_and_translator([context.assets_def])
            manifest = manifest if manifest is not None else m
            dagster_dbt_translator = dagster_dbt_translator or tr
            selection, indirect = subset_selection_args(context, m, tr)
        manifest = load_manifest(manifest) if manifest is not None else None
        translator = dagster_dbt_translator or DagsterDbtTranslator()
        project_dir = Path(self.project_dir)
        if target_path is None:
            run = getattr(context, "run_id", None) or "adhoc"
            target_path = Path("target") / f"{run[:7]}-{uuid.uuid4().hex[:8]}"
        target_path = Path(target_path)
        if not target_path.is_absolute():
            target_path = project_dir / target_path
        exe = _resolve_executable(self.dbt_executable)
        _seed_partial_parse(project_dir, project, target_path)
        profile_args: list[str] = []
        if self.profile:
            profile_args += ["--profile", str(self.profile)]
        if self.target:
            profile_args += ["--target", str(self.target)]
        full = [exe, "--no-use-colors", *self.global_config_flags, *args, *profile_args, *selection]
        env = _env(project_dir, self.profiles_dir, target_path)
        if indirect:
            env["DBT_INDIRECT_SELECTION"] = indirect
        if context is not None and hasattr(context, "log"):
            context.log.info(f"Running dbt command: `dbt {' '.join(full[2:])}`.")
        proc = subprocess.Popen(
            full,
            cwd=project_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        return DbtCliInvocation(
            process=proc,
            args=full,
            manifest=manifest,
            translator=translator,
            project_dir=project_dir,
            target_path=target_path,
            raise_on_error=raise_on_error,
            context=context,
            project=project,
        )


class DbtCliResource(_DbtCliMethods, LightResource):
    """Runs dbt commands for a project: ``dbt.cli(["build"], context=context).stream()``.

    dbt = DbtCliResource(project_dir=DbtProject("examples/dbt_project"))
    dbt.cli(["parse"]).wait()

    A ``ConfigurableResource``, as in dagster_dbt, made light: defining assets with it does not
    load pydantic (see ``_definitions/light_resource.py``); a run or an export does.
    """

    _dnb_light_class: ClassVar[bool] = True
    project_dir: Any
    global_config_flags: list = []
    profiles_dir: Any = None
    profile: Any = None
    target: Any = None
    dbt_executable: str = "dbt"
    state_path: Any = None

    @classmethod
    def _dnb_normalize(cls, project_dir: Any = None, **kwargs: Any) -> dict[str, Any]:
        project_mod = sys.modules.get("dagster_nb.dbt.project")  # else no DbtProject exists
        if project_mod is not None and isinstance(project_dir, project_mod.DbtProject):
            kwargs.setdefault(
                "profiles_dir", str(project_dir.profiles_dir) if project_dir.profiles_dir else None
            )
            kwargs.setdefault("target", project_dir.target)
            kwargs.setdefault(
                "state_path", str(project_dir.state_path) if project_dir.state_path else None
            )
            project_dir = str(project_dir.project_dir)
        if project_dir is None:
            raise dg.DagsterInvalidDefinitionError("DbtCliResource needs project_dir=.")
        path = Path(os.fspath(project_dir))
        if not path.joinpath("dbt_project.yml").exists():
            from dagster_nb.dbt.errors import DagsterDbtProjectNotFoundError

            raise DagsterDbtProjectNotFoundError(
                f"project_dir {path} has no dbt_project.yml; point DbtCliResource at the folder "
                "that holds your dbt project."
            )
        pdir = kwargs.get("profiles_dir")
        if pdir is not None and not Path(os.fspath(pdir)).is_dir():
            from dagster_nb.dbt.errors import DagsterDbtProfilesDirectoryNotFoundError

            raise DagsterDbtProfilesDirectoryNotFoundError(
                f"profiles_dir {pdir} does not exist; pass the folder that holds profiles.yml."
            )
        if pdir is not None:
            kwargs["profiles_dir"] = os.fspath(pdir)
        return {**kwargs, "project_dir": os.fspath(path)}

    def __init__(self, project_dir: Any = None, **kwargs: Any) -> None:
        pass  # built in __new__ (LightResource)


def _seed_partial_parse(project_dir: Path, project: Any, target_path: Path) -> None:
    """Copy the project's partial_parse.msgpack into this invocation's fresh target path, so
    dbt re-parses only what changed (a full parse costs seconds); dagster_dbt does the same."""
    base = project_dir / (project.target_path if project is not None else Path("target"))
    src = base / "partial_parse.msgpack"
    dst = target_path / "partial_parse.msgpack"
    if src.exists() and not dst.exists() and src.parent != target_path:
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def subset_selection_args(
    context: Any, manifest: Mapping[str, Any], translator: DagsterDbtTranslator
) -> tuple[list[str], str | None]:
    """dbt arguments for the assets and checks this step was asked for (dagster_dbt's rules):
    the decorator's own select/exclude when everything is selected, else each selected node by
    its fully qualified name (or file name with enable_dbt_selection_by_name)."""
    ad = context.assets_def
    tags = ad.op.tags
    default: list[str] = []
    if tags.get(SELECT_TAG):
        default += ["--select", tags[SELECT_TAG]]
    if tags.get(EXCLUDE_TAG):
        default += ["--exclude", tags[EXCLUDE_TAG]]
    if tags.get(SELECTOR_TAG):
        default += ["--selector", tags[SELECTOR_TAG]]
    all_keys = frozenset(ad.specs_by_key)
    all_checks = frozenset(s.key for s in ad.check_specs_by_output_name.values())
    sel_keys = frozenset(context.selected_asset_keys)
    sel_checks = frozenset(context.selected_asset_check_keys)
    if sel_keys == all_keys and sel_checks == all_checks:
        return default, None
    by_name = translator.settings.enable_dbt_selection_by_name

    def node_name(uid: str) -> str:
        props = manifest["nodes"][uid]
        return Path(props["original_file_path"]).stem if by_name else ".".join(props["fqn"])

    assets = [node_name(ad.specs_by_key[k].metadata[UNIQUE_ID_KEY]) for k in _ordered(ad, sel_keys)]
    spec_by_check = {s.key: s for s in ad.check_specs_by_output_name.values()}

    def test_name(ck: Any) -> str:
        if by_name:
            return ck.name
        return node_name(spec_by_check[ck].metadata[UNIQUE_ID_KEY])

    off_asset = [c for c in sel_checks if c.asset_key not in sel_keys]
    excluded_on_selected = [c for c in all_checks - sel_checks if c.asset_key in sel_keys]
    indirect = None
    if excluded_on_selected:
        names = assets + [test_name(c) for c in sorted(sel_checks)]
        indirect = "empty"
    elif off_asset:
        names = assets + [test_name(c) for c in sorted(off_asset)]
    else:
        names = assets
    return ["--select", " ".join(names)], indirect


def _ordered(ad: Any, keys: frozenset) -> list[Any]:
    return [k for k in ad.specs_by_key if k in keys]
