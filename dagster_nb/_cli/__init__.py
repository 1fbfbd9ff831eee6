"""``dagster-nb``: run the same definitions headless.

    dagster-nb list -f my_assets.py
    dagster-nb materialize -f my_assets.py --select "key:orders+" [--partition 2024-01-01]
    dagster-nb materialize -f my_assets.py --stale
    dagster-nb status -f my_assets.py
    dagster-nb export analysis.ipynb -o analysis_defs.py

``-f`` loads a Python file (or ``-m`` a module) and uses its ``Definitions`` object or its
``@dg.definitions`` function (the first one
found, or the one named with ``--attribute``), else every asset defined at its top level. The
instance is ``$DAGSTER_HOME`` or ``./.dagster_nb``, as in the notebook. Exit status: 0 on
success, 1 when a run failed, 2 for bad input.

``export`` writes a notebook's definitions as plain Python for real Dagster (``import dagster as
dg``; ``%%asset`` cells become ``@dg.asset`` functions, exploratory cells stay behind, and the
module ends in ``defs = dg.Definitions(...)``), so ``dagster dev -f analysis_defs.py`` loads it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _load_target(args: argparse.Namespace) -> Any:
    from dagster_nb._definitions.definitions_class import Definitions, LazyDefinitions
    from dagster_nb._definitions.load import load_assets_from_modules

    if args.file:
        spec = importlib.util.spec_from_file_location("__dagster_nb_target__", args.file)
        if spec is None or spec.loader is None:
            raise SystemExit(f"error: cannot load {args.file!r} as a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(args.module)
    if args.attribute:
        defs = getattr(module, args.attribute, None)
        if isinstance(defs, LazyDefinitions):  # @dg.definitions: loaders call it
            defs = defs()
        if not isinstance(defs, Definitions):
            raise SystemExit(f"error: {args.attribute!r} is not a Definitions object in {module.__name__}")
        return defs
    for value in vars(module).values():
        if isinstance(value, Definitions):
            return value
        if isinstance(value, LazyDefinitions):
            return value()
    from dagster_nb._definitions.load import load_asset_checks_from_modules

    return Definitions(
        assets=load_assets_from_modules([module]),
        asset_checks=load_asset_checks_from_modules([module]),
    )


def _repo(args: argparse.Namespace) -> Any:
    from dagster_nb._instance import DagsterInstance
    from dagster_nb._notebook.repository import KernelRepository

    defs = _load_target(args)
    repo = KernelRepository(instance=DagsterInstance.get())
    repo.add_definitions(defs)
    return repo


def _print_result(result: Any) -> None:
    print(f"run {result.run_id}: {result.dagster_run_status.value}")
    for step, outcome in result.step_outcomes.items():
        print(f"  {step:30s} {outcome}")


def _command_text(args: argparse.Namespace) -> str:
    """How to rerun this command with another selection (in messages that suggest one)."""
    import shlex

    target = f"-f {shlex.quote(args.file)}" if args.file else f"-m {args.module}"
    if args.attribute:
        target += f" -a {args.attribute}"
    return f"dagster-nb materialize {target} --select '{{selection}}'"


def _cmd_materialize(args: argparse.Namespace) -> int:
    from dagster_nb._notebook.commands import CommandError, materialize_command
    from dagster_nb._notebook.repository import NothingToMaterialize

    repo = _repo(args)

    def log(event: Any) -> None:
        if args.verbose and event.message:
            print(f"{event.event_type_value:28s} {event.step_key or '':20s} {event.message}")

    try:
        result = materialize_command(
            repo, args.select, partition=args.partition, partitions=args.partitions,
            stale=args.stale, tags=args.tags, config=args.config, parallel=args.parallel,
            listeners=[log], raise_on_error=False,
            command=_command_text(args),
        )
    except NothingToMaterialize as exc:
        print(str(exc))
        return 0
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_result(result)
    if not result.success:
        for step in getattr(result, "results", [result]):
            for ev in step.get_step_failure_events():
                if ev.error is not None:
                    print(f"\n{ev.step_key} failed:\n{ev.error.to_string()}", file=sys.stderr)
        return 1
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    repo = _repo(args)
    snap = repo.snapshot()
    for key in sorted(snap.graph.all_asset_keys, key=lambda k: k.parts):
        node = snap.graph.get(key)
        kind = "" if node.is_materializable else (" (observable)" if node.is_observable else " (external)")
        print(f"{key.to_user_string()}{kind}  group={node.group_name}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from dagster_nb._notebook.catalog import catalog_text

    repo = _repo(args)
    print(catalog_text(repo, repo.snapshot().graph.all_asset_keys))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from dagster_nb._export import (
        NotebookExportError,
        build_export,
        read_notebook_cells,
        write_export,
    )

    try:
        export = build_export(read_notebook_cells(args.notebook), source=Path(args.notebook).name)
        if args.output == "-":
            sys.stdout.write(export.text)
        else:
            target = write_export(export, args.output)
            print(f"Wrote {target} (load it with: dagster dev -f {target})")
    except NotebookExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in export.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dagster-nb", description="Run dagster_nb definitions headless.")
    sub = p.add_subparsers(dest="command", required=True)

    def target(sp: argparse.ArgumentParser) -> None:
        g = sp.add_mutually_exclusive_group(required=True)
        g.add_argument("-f", "--file", help="Python file with the definitions")
        g.add_argument("-m", "--module", help="importable module with the definitions")
        sp.add_argument("-a", "--attribute", help="name of the Definitions object")

    m = sub.add_parser("materialize", help="materialize a selection of assets")
    target(m)
    m.add_argument("--select", default=None, help="selection (Dagster syntax); default: all")
    m.add_argument("--partition", default=None)
    m.add_argument("--partitions", default=None, help="range START...END (a backfill)")
    m.add_argument("--stale", action="store_true", help="only stale and missing assets")
    m.add_argument("--tags", nargs="*", default=None, help="key=value run tags")
    m.add_argument("--config", default=None, help="run config as JSON")
    m.add_argument("--parallel", type=int, default=1)
    m.add_argument("-v", "--verbose", action="store_true", help="print every event")
    m.set_defaults(fn=_cmd_materialize)
    ls = sub.add_parser("list", help="list assets")
    target(ls)
    ls.set_defaults(fn=_cmd_list)
    st = sub.add_parser("status", help="catalog with status and stale causes")
    target(st)
    st.set_defaults(fn=_cmd_status)
    ex = sub.add_parser(
        "export",
        help="write a notebook's definitions as plain Python for real Dagster",
        description=(
            "Write the notebook's definitions as a Python module that imports real Dagster "
            "(import dagster as dg): @dg.asset cells, %%asset cells (as @dg.asset functions), "
            "partitions, resources set with dg.kernel.set_resources(...), jobs, schedules, "
            "sensors, the helper code they need, and `defs = dg.Definitions(...)`. Exploratory "
            "cells (plots, prints, %materialize, bare expressions) stay behind. Load the "
            "result with: dagster dev -f OUT.py"
        ),
    )
    ex.add_argument("notebook", help="the .ipynb file")
    ex.add_argument(
        "-o", "--output", required=True,
        help="OUT.py, or a directory to write a package (DIR/__init__.py); '-' prints to stdout",
    )
    ex.set_defaults(fn=_cmd_export)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
