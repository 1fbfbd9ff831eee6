"""The magics. Thin: parse with magic_arguments, raise UsageError on bad input, and delegate to
the kernel repository and :mod:`dagster_nb._notebook.commands`.

    %materialize key:orders+ --stale
    %%asset revenue --group sales
    %assets group:sales
    %lineage
    %asset_value revenue
    %partitions daily_sales
    %dagster_nb status | reset | instance [PATH] | forget KEY... | load MODULE... | runs
    %dagster_nb export OUT.py      # this notebook's definitions as plain Python for Dagster
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from dagster_nb._errors import DagsterError, did_you_mean
from dagster_nb._notebook import commands
from dagster_nb._notebook.repository import KernelRepository, NothingToMaterialize, _parse_key

__all__ = ["DagsterNbMagics"]


def _parse(magic: Any, line: str) -> Any:
    """parse_argstring, with argparse's SystemExit turned into UsageError. Returns None after
    printing the usage when the line asks for --help / -h."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    if "--help" in words or "-h" in words:
        print(magic.parser.format_help())
        return None
    try:
        return parse_argstring(magic, line)
    except UsageError:
        raise
    except SystemExit:
        raise UsageError(f"Invalid arguments: {line!r}. See --help.") from None
    except ValueError as exc:  # shlex: unbalanced quotes
        raise UsageError(f"Could not parse arguments {line!r}: {exc}.") from None


def _selection_text(words: list[str]) -> str | None:
    text = " ".join(words).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and text.count(text[0]) == 2:
        text = text[1:-1]
    return text or None


@magics_class
class DagsterNbMagics(Magics):
    shell: Any  # the InteractiveShell the magics are registered on (never None here)

    def __init__(self, shell: Any, repo: KernelRepository):
        super().__init__(shell)
        self.repo = repo

    # ------------------------------------------------------------------ %materialize
    @magic_arguments()
    @argument(
        "selection",
        nargs="*",
        help="Assets to run, in Dagster's selection syntax (default: all), e.g. 'key:orders+' or 'group:sales'.",
    )
    @argument("--partition", "-p", default=None, help="One partition key, e.g. 2024-01-01.")
    @argument("--partitions", default=None, help="A range of partitions START...END (one run).")
    @argument(
        "--stale", action="store_true", help="Only stale and missing assets of the selection."
    )
    @argument("--tags", nargs="*", default=None, help="Run tags as key=value.")
    @argument("--config", default=None, help="Run config as JSON.")
    @argument("--parallel", type=int, default=1, help="Run up to N independent assets at once.")
    @argument("--quiet", "-q", action="store_true", help="No live progress view.")
    @argument(
        "--executor",
        default=None,
        help="in_process, multiprocess or dask (each step a task on a local Dask cluster).",
    )
    @line_magic
    def materialize(self, line: str) -> Any:
        """Materialize assets of the kernel repository, with a live progress view."""
        __tracebackhide__ = True  # IPython hides this frame in tracebacks
        args = _parse(self.materialize, line)
        if args is None:
            return None
        listeners: list[Any] = []
        progress = handle = None
        if not args.quiet:
            progress = self._progress_view()
            if progress is not None:
                progress.start()
                listeners.append(progress)
                handle = display(progress, display_id=True)
        notes: list[str] = []
        try:
            result = commands.materialize_command(
                self.repo,
                _selection_text(args.selection),
                partition=args.partition,
                partitions=args.partitions,
                stale=args.stale,
                tags=args.tags,
                config=args.config,
                parallel=args.parallel,
                listeners=listeners,
                raise_on_error=True,
                notes=notes,
                executor=args.executor,
            )
        except NothingToMaterialize as exc:
            print("\n".join([str(exc), *notes]))
            return None
        except commands.CommandError as exc:
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:
            raise RunInterrupted(_interrupted_text(self.repo)) from None
        except DagsterError as exc:
            if getattr(exc, "is_user_code_error", False):
                raise commands.hide_framework_frames(exc) from None
            raise UsageError(str(exc)) from None
        except Exception as exc:  # the user's own exception from an asset
            raise commands.hide_framework_frames(exc)  # noqa: B904 - re-raise the user's own exception
        finally:
            if progress is not None:
                progress.finish(handle)  # the final state as static HTML where the view was
        if result is not None:
            print(_summary_text(result, brief=progress is not None))
        for note in notes:
            print(note)
        return None

    # ------------------------------------------------------------------ %%asset
    @magic_arguments()
    @argument(
        "name",
        help="The asset's name; the cell's value is the variable NAME or the last expression.",
    )
    @argument("--group", "-g", default=None, help="Group name.")
    @argument("--key-prefix", default=None, help="Key prefix, e.g. raw or raw/sales.")
    @argument(
        "--partitions",
        default=None,
        help="A partitions definition from the notebook namespace, e.g. daily.",
    )
    @argument("--kinds", nargs="*", default=None, help="Kinds shown as badges, e.g. pandas.")
    @argument("--description", default=None, help="Description.")
    @argument("--code-version", default=None, help="Explicit code version.")
    @argument("--io-manager-key", default=None, help="IO manager resource key.")
    @argument("--deps", nargs="*", default=None, help="Extra upstream assets not read as values.")
    @argument("--owners", nargs="*", default=None, help="Owners (emails or team:name).")
    @cell_magic
    def asset(self, line: str, cell: str) -> Any:
        """Define an asset from a cell body. Upstream assets are the names the body reads."""
        from dagster_nb._definitions.cell_asset import analyze_cell, build_cell_function
        from dagster_nb._definitions.decorators import asset as asset_decorator

        args = _parse(self.asset, line)

        if args is None:
            return None
        name = args.name
        if not name.isidentifier():
            raise UsageError(
                f"%%asset name {name!r} must be a Python identifier (letters, digits, _), e.g. "
                "%%asset daily_revenue"
            )
        snap_names = self._asset_names()
        try:
            analyzed = analyze_cell(name, cell, snap_names)
        except DagsterError as exc:
            raise UsageError(str(exc)) from None
        filename = (
            self.shell.compile.cache(f"%%asset {line}\n{cell}")
            if hasattr(self.shell, "compile")
            else "<%%asset>"
        )
        fn = build_cell_function(analyzed, filename, self.shell.user_ns)
        kwargs: dict[str, Any] = {
            "group_name": args.group,
            "description": args.description,
            "code_version": args.code_version or analyzed.code_version,
            "kinds": set(args.kinds) if args.kinds else None,
            "io_manager_key": args.io_manager_key,
            "owners": args.owners,
        }
        if args.key_prefix:
            kwargs["key_prefix"] = args.key_prefix.split("/")
        if args.deps:
            kwargs["deps"] = [_parse_key(d) for d in args.deps]
        if args.partitions:
            pdef = self.shell.user_ns.get(args.partitions)
            if pdef is None:
                raise UsageError(
                    f"--partitions {args.partitions!r} is not a variable of this notebook."
                    + did_you_mean(
                        args.partitions,
                        [
                            k
                            for k, v in self.shell.user_ns.items()
                            if type(v).__name__.endswith("PartitionsDefinition")
                        ],
                    )
                    + " Define it first, e.g. daily = dg.DailyPartitionsDefinition(start_date='2024-01-01')."
                )
            kwargs["partitions_def"] = pdef
        try:
            ad = asset_decorator(**{k: v for k, v in kwargs.items() if v is not None})(fn)
        except DagsterError as exc:
            raise UsageError(str(exc)) from None
        self.repo.register(ad)  # this cell defines it (the decorator ran inside the magic)
        self.shell.user_ns[name] = ad
        ups = ", ".join(analyzed.upstream) or "none"
        print(f"Defined asset {ad.key.to_user_string()} (upstream: {ups}).")
        return None

    def _asset_names(self) -> set[str]:
        try:
            snap = self.repo.snapshot()
        except DagsterError:
            return set()
        names = set()
        for k in snap.assets_def_by_key:
            if len(k.path) == 1:
                names.add(k.path[0])
        return names

    # ------------------------------------------------------------------ %assets
    @magic_arguments()
    @argument("selection", nargs="*", help="Selection (default: all).")
    @line_magic
    def assets(self, line: str) -> Any:
        """The catalog: key, group, kinds, status, asset checks, last materialized, stale causes."""
        args = _parse(self.assets, line)
        if args is None:
            return None
        sel = _selection_text(args.selection)
        keys = self._select(sel, materializable_only=False)
        from dagster_nb._notebook.catalog import catalog_html, catalog_text

        # After a restart: what the instance holds and no cell has defined again yet.
        with_stored = sel is None
        html = catalog_html(self.repo, keys, with_stored=with_stored)
        text = catalog_text(self.repo, keys, with_stored=with_stored)
        display({"text/html": html, "text/plain": text}, raw=True)

    # ------------------------------------------------------------------ %lineage
    @magic_arguments()
    @argument("selection", nargs="*", help="Selection to focus on (default: all).")
    @argument(
        "--tab",
        action="store_true",
        help="Open it in JupyterLab's Lineage tab (the dagster-nb extension).",
    )
    @line_magic
    def lineage(self, line: str) -> Any:
        """The lineage graph, coloured by status, updating live."""
        args = _parse(self.lineage, line)
        if args is None:
            return None
        sel = _selection_text(args.selection)
        if sel:
            self._select(sel, materializable_only=False)  # validate now: UsageError on typos
        if args.tab:
            from dagster_nb._notebook.lab import open_tab

            return open_tab(sel or "")
        try:
            from dagster_nb._widgets import LineageWidget
        except ImportError as exc:
            raise UsageError(f"The lineage widget needs ipywidgets and anywidget: {exc}") from None
        return LineageWidget(self.repo, selection=sel)

    # ------------------------------------------------------------------ %asset_value
    @magic_arguments()
    @argument("key", help="Asset key, e.g. orders or raw/orders.")
    @argument("--partition", "-p", default=None, help="Partition key.")
    @line_magic
    def asset_value(self, line: str) -> Any:
        """Load and display an asset's stored value."""
        args = _parse(self.asset_value, line)
        if args is None:
            return None
        key = _parse_key(args.key)
        snap = self.repo.snapshot()
        name = key.to_user_string()
        if key not in snap.assets_def_by_key:
            return self._stored_value(key, args.partition)
        pdef = snap.assets_def_by_key[key].partitions_def
        if pdef is not None and args.partition is None:
            from dagster_nb._partitions.describe import example_partition_key, pdef_source

            done = sorted(self.repo.instance.get_materialized_partitions(key))
            example = done[-1] if done else example_partition_key(pdef, self.repo.instance)
            raise UsageError(
                f"{name} is partitioned ({pdef_source(pdef)}): name a partition, e.g. "
                f"%asset_value {name} --partition {example}"
                + (
                    f" ({len(done)} stored, {done[0]} to {done[-1]})."
                    if done
                    else f" (none stored yet: %materialize {name} --partition {example})."
                )
            )
        try:
            return self.repo.load_asset_value(key, partition_key=args.partition)
        except DagsterError as exc:
            raise UsageError(str(exc)) from None
        except FileNotFoundError as exc:
            raise UsageError(
                f"{key.to_user_string()} has no stored value yet ({exc.filename} does not exist). "
                f"Run %materialize {key.to_user_string()} first."
            ) from None

    def _stored_value(self, key: Any, partition: str | None) -> Any:
        """%asset_value of an asset the instance holds and this kernel has not defined (after a
        restart, before the definition cells ran): load it through the default IO manager."""
        from dagster_nb._notebook.stored import NOT_DEFINED, load_stored_value, stored_only_keys

        name = key.to_user_string()
        stored = stored_only_keys(self.repo)
        if key not in stored:
            known = [k.to_user_string() for k in self.repo.snapshot().assets_def_by_key]
            known += [k.to_user_string() for k in stored]
            raise UsageError(f"No asset {name}." + did_you_mean(name, known))
        parts = sorted(self.repo.instance.get_materialized_partitions(key))
        if parts and partition is None:
            raise UsageError(
                f"{name} ({NOT_DEFINED}) was stored as partitions ({len(parts)}, {parts[0]} to "
                f"{parts[-1]}): name one, e.g. %asset_value {name} --partition {parts[-1]}"
            )
        if partition is not None and partition not in parts:
            raise UsageError(
                f"{name} has no stored partition {partition!r}."
                + (
                    did_you_mean(partition, parts)
                    or (
                        f" Stored: {', '.join(parts[:10])}."
                        if parts
                        else " It was stored without partitions: drop --partition."
                    )
                )
            )
        try:
            return load_stored_value(self.repo, key, partition)
        except (FileNotFoundError, DagsterError) as exc:
            raise UsageError(
                f"{name} is {NOT_DEFINED} and its value is not where the default IO manager "
                f"keeps values ({exc}). Run the cell that defines it (with its IO manager), "
                "then %asset_value again."
            ) from None

    # ------------------------------------------------------------------ %partitions
    @magic_arguments()
    @argument("key", help="A partitioned asset.")
    @line_magic
    def partitions(self, line: str) -> Any:
        """Partition status of an asset (click a range to backfill it)."""
        args = _parse(self.partitions, line)
        if args is None:
            return None
        key = _parse_key(args.key)
        snap = self.repo.snapshot()
        ad = snap.assets_def_by_key.get(key)
        if ad is None:
            raise UsageError(
                f"No asset {key.to_user_string()}."
                + did_you_mean(
                    key.to_user_string(), (k.to_user_string() for k in snap.assets_def_by_key)
                )
            )
        if ad.partitions_def is None:
            raise UsageError(f"Asset {key.to_user_string()} is not partitioned.")
        try:
            from dagster_nb._widgets import PartitionWidget
        except ImportError as exc:
            raise UsageError(
                f"The partitions widget needs ipywidgets and anywidget: {exc}"
            ) from None
        return PartitionWidget(self.repo, key)

    # ------------------------------------------------------------------ %dagster_nb
    @magic_arguments()
    @argument("command", help="status | reset | instance | forget | load | runs | export")
    @argument("args", nargs="*", help="Arguments of the command.")
    @line_magic
    def dagster_nb(self, line: str) -> Any:
        """Housekeeping: status, reset, instance [PATH], forget KEY..., load MODULE..., runs,
        export OUT.py.

        ``export OUT.py`` writes this notebook's definitions as plain Python that imports real
        Dagster (``%%asset`` cells become ``@dg.asset`` functions, resources set with
        ``dg.kernel.set_resources`` come along, exploratory cells stay behind), ending in
        ``defs = dg.Definitions(...)``: ``dagster dev -f OUT.py`` loads it. It reads the saved
        notebook file when the kernel knows it (save first), else the cells this kernel ran.
        A directory instead of OUT.py writes a package (DIR/__init__.py)."""
        args = _parse(self.dagster_nb, line)
        if args is None:
            return None
        cmd = args.command
        commands_ = ("status", "reset", "instance", "forget", "load", "runs", "export")
        if cmd not in commands_:
            raise UsageError(
                f"Unknown command {cmd!r}."
                + did_you_mean(cmd, commands_)
                + f" Commands: {', '.join(commands_)}."
            )
        if cmd == "status":
            print(_status_text(self.repo))
        elif cmd == "reset":
            self.repo.reset()
            print(
                "Kernel repository reset: no definitions, no resources (stored values and runs are kept)."
            )
        elif cmd == "instance":
            if args.args:
                from dagster_nb._instance import DagsterInstance

                try:
                    self.repo.set_instance(DagsterInstance.from_directory(args.args[0]))
                except (DagsterError, OSError) as exc:
                    if isinstance(exc, OSError):
                        why = f"Cannot use {args.args[0]!r} as the instance folder: {exc.strerror}"
                    else:  # ours already names the folder
                        why = str(exc).rstrip(".")
                    raise UsageError(
                        f"{why}. Name a folder that can be created, e.g. "
                        "`%dagster_nb instance .dagster_nb`."
                    ) from None
            print(repr(self.repo.instance))
        elif cmd == "forget":
            if not args.args:
                raise UsageError("%dagster_nb forget KEY [KEY ...]: name the assets to forget.")
            try:
                removed = self.repo.forget(*args.args)
            except DagsterError as exc:
                raise UsageError(str(exc)) from None
            print("Forgot " + ", ".join(k.to_user_string() for k in removed) + ".")
        elif cmd == "load":
            if not args.args:
                raise UsageError("%dagster_nb load MODULE [MODULE ...]: name importable modules.")
            import importlib

            mods = []
            for name in args.args:
                if not all(part.isidentifier() for part in name.split(".")):
                    raise UsageError(
                        f"{name!r} is not a module name. Name an importable module with dots, "
                        "e.g. `%dagster_nb load my_project.assets` (relative names such as "
                        "'..' or '.assets' have no package to be relative to here)."
                    )
                try:
                    mods.append(sys.modules.get(name) or importlib.import_module(name))
                except ImportError as exc:
                    raise UsageError(f"Cannot import module {name!r}: {exc}") from None
            keys = self.repo.load_modules(mods)
            print(
                f"Loaded {len(keys)} asset{'s' if len(keys) != 1 else ''} from {', '.join(args.args)}."
            )
        elif cmd == "export":
            return self._export(args.args)
        elif cmd == "runs":
            try:
                from dagster_nb._widgets import RunHistoryWidget
            except ImportError as exc:
                raise UsageError(f"The run history view needs ipywidgets: {exc}") from None
            return RunHistoryWidget(self.repo)
        return None

    def _export(self, words: list[str]) -> None:
        if len(words) != 1:
            raise UsageError(
                "%dagster_nb export OUT.py: name one output file (or a directory for a package), "
                "e.g. %dagster_nb export my_assets.py"
            )
        ns = self.shell.user_ns
        path = commands.find_notebook_path(ns)
        history = None
        if path is None:
            raw = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None)
            history = list(raw or ns.get("In") or [])
        try:
            target, export = commands.export_command(words[0], notebook_path=path, history=history)
        except commands.CommandError as exc:
            raise UsageError(str(exc)) from None
        src = (
            path
            if path is not None
            else "the cells this kernel ran (save and use the file for notebook order)"
        )
        print(f"Exported {src} to {target}; load it with: dagster dev -f {target}")
        for note in export.notes:
            print(f"note: {note}")
        return None

    # ------------------------------------------------------------------ helpers
    def _progress_view(self) -> Any:
        """The kernel's one run-progress widget (reused: each run's output keeps a static
        table once the run ends), or None where widgets are not installed."""
        progress = getattr(self, "_progress", None)
        if progress is None:
            try:
                from dagster_nb._widgets import RunProgressWidget
            except ImportError:
                return None
            progress = self._progress = RunProgressWidget()
        return progress

    def _select(self, selection: str | None, *, materializable_only: bool) -> set[Any]:
        snap = self.repo.snapshot()
        if selection is None:
            return set(
                snap.graph.all_asset_keys
                if not materializable_only
                else snap.graph.materializable_asset_keys
            )
        from dagster_nb._selection import AssetSelection

        try:
            return set(AssetSelection.from_coercible(selection).resolve(snap.graph))
        except DagsterError as exc:
            raise UsageError(str(exc)) from None


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (a kernel interrupt) during ``%materialize``: the cell fails, so Run All stops,
    and IPython shows this one line instead of a traceback through the executor."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a custom traceback
        return [str(self.args[0])]


def _interrupted_text(repo: KernelRepository) -> str:
    try:
        recs = repo.instance.get_run_records(limit=1)
    except Exception:  # the message must not fail: the user pressed Ctrl-C
        recs = []
    run = recs[0].dagster_run if recs else None
    if run is None or getattr(run.status, "value", run.status) != "CANCELED":
        return "Run canceled (interrupted) before it started."
    return (
        f"Run {run.run_id[:8]} canceled (interrupted). Values of the assets that finished "
        "are stored; %materialize --stale runs the rest."
    )


def _summary_text(result: Any, brief: bool = False) -> str:
    """After a run: one line (the progress view shows the rest) or one line per step."""
    outcomes = result.step_outcomes
    runs = getattr(result, "results", None)
    what = f"{len(runs)} runs" if runs is not None else f"Run {result.run_id[:8]}"
    counts: dict[str, int] = {}
    for o in outcomes.values():
        counts[o] = counts.get(o, 0) + 1
    summary = ", ".join(f"{n} {o.lower()}" for o, n in sorted(counts.items()))
    head = f"{what}: {result.dagster_run_status.value} ({summary})"
    if runs is not None and result.failed_partitions:
        head += f"; failed partitions: {', '.join(result.failed_partitions)}"
    if brief:
        return head
    return "\n".join([head] + [f"  {step:30s} {outcome}" for step, outcome in outcomes.items()])


def _status_text(repo: KernelRepository) -> str:
    snap = repo.snapshot()
    n = len(snap.assets_def_by_key)
    stale = repo.stale_asset_keys() if n else set()
    return (
        f"dagster_nb: {n} asset{'s' if n != 1 else ''} in the kernel repository "
        f"({len(stale)} stale or missing), resources: {sorted(repo.resources) or 'none'}\n"
        f"instance: {repo.instance!r}"
    )


def split_line(line: str) -> list[str]:
    return shlex.split(line)
