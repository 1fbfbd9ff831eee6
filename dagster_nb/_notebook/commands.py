"""Plain functions behind the magics and the CLI: parse user input, call the kernel repository.

They raise :class:`CommandError` (a ValueError) for bad input; magics turn it into IPython's
UsageError, the CLI into an exit status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dagster_nb._errors import DagsterError
from dagster_nb._notebook.repository import NothingToMaterialize

__all__ = [
    "CommandError",
    "parse_tags",
    "parse_config",
    "parse_partition_range",
    "materialize_command",
    "hide_framework_frames",
    "export_command",
    "find_notebook_path",
]


class CommandError(ValueError):
    """Bad input to a magic or CLI command; the message says how to fix it."""


def parse_tags(items: Sequence[str] | None) -> dict[str, str]:
    """``["team=bi", "env=dev"]`` -> ``{"team": "bi", "env": "dev"}``."""
    out: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise CommandError(f"Tag {item!r} must look like key=value (e.g. --tags team=bi).")
        k, v = item.split("=", 1)
        if not k:
            raise CommandError(f"Tag {item!r} has an empty key; write key=value.")
        out[k] = v
    return out


def parse_config(text: str | None) -> dict[str, Any]:
    """Run config as JSON: ``'{"ops": {"orders": {"config": {"limit": 10}}}}'``."""
    if not text:
        return {}
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # IPython keeps the shell quotes around the argument
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        caret = " " * exc.pos + "^"
        raise CommandError(
            f"--config is not valid JSON: {exc.msg} at column {exc.colno}:\n    {text}\n    {caret}\n"
            'Example: --config \'{"ops": {"orders": {"config": {"limit": 10}}}}\''
        ) from None
    if not isinstance(value, dict):
        raise CommandError("--config must be a JSON object, e.g. '{\"ops\": {...}}'.")
    return value


def parse_partition_range(text: str) -> tuple[str, str]:
    """``"2024-01-01...2024-01-31"`` -> ``("2024-01-01", "2024-01-31")``."""
    if "..." not in text:
        raise CommandError(
            f"--partitions {text!r} must be a range START...END, e.g. "
            "--partitions 2024-01-01...2024-01-31 (use --partition for one key)."
        )
    start, end = text.split("...", 1)
    if not start or not end:
        raise CommandError(f"--partitions {text!r}: both START and END are needed (START...END).")
    return start, end


def materialize_command(
    repo: Any,
    selection: str | None = None,
    *,
    partition: str | None = None,
    partitions: str | None = None,
    stale: bool = False,
    tags: Sequence[str] | None = None,
    config: str | None = None,
    parallel: int = 1,
    listeners: Sequence[Any] = (),
    raise_on_error: bool = True,
    notes: list[str] | None = None,
    command: str = "%materialize {selection}",
    executor: Any = None,
) -> Any:
    """What ``%materialize`` and ``dagster-nb materialize`` do.

    With ``notes`` (a list to append to) and no partition given, partitioned assets of the
    selection are held back instead of failing the whole run: the other assets run, and a
    note gives the exact command for the held ones (``None`` is returned when nothing else
    could run). Without ``notes`` such a selection raises, naming the same command.
    ``command`` is how that command is written (``{selection}`` is filled in). ``executor``: a
    name (``in_process``, ``multiprocess``, ``dask``) or an ExecutorDefinition.
    """
    if partition is not None and partitions is not None:
        raise CommandError("Use either --partition KEY or --partitions START...END, not both.")
    if parallel < 1:
        raise CommandError(f"--parallel must be at least 1, got {parallel}.")
    tag_map = parse_tags(tags)
    run_config = parse_config(config)
    key_range = None
    if partitions is not None:
        from dagster_nb._partitions import PartitionKeyRange

        start, end = parse_partition_range(partitions)
        key_range = PartitionKeyRange(start, end)
    if isinstance(executor, str):
        from dagster_nb._execution.executors import executor_named

        try:
            executor = executor_named(executor)
        except DagsterError as exc:
            raise CommandError(f"--executor: {exc}") from None
    sel = selection.strip() if selection else None
    target: Any = sel or None
    if partition is None and partitions is None:
        held = _held_partitioned(repo, sel, command)
        if held is not None:
            runnable, note = held
            if notes is None or not runnable:
                if notes is not None and sel is None:
                    notes.append(note)  # a bare %materialize (Run All): say it, do not stop
                    return None
                raise CommandError(note)
            notes.append(note)
            target = sorted(runnable, key=lambda k: k.parts)
    try:
        return repo.materialize(
            target,
            partition_key=partition,
            partition_key_range=key_range,
            stale=stale,
            tags=tag_map,
            run_config=run_config,
            max_concurrent=parallel,
            listeners=listeners,
            raise_on_error=raise_on_error,
            executor=executor,
        )
    except NothingToMaterialize as exc:
        if stale:
            raise
        raise CommandError(_empty_selection_message(repo, sel)) from exc
    except DagsterError as exc:
        if getattr(exc, "is_user_code_error", False):
            raise
        raise CommandError(str(exc)) from None


def _sel_word(key: Any) -> str:
    import re

    s = key.to_user_string()
    return (
        f"key:{s}" if re.fullmatch(r"[A-Za-z0-9_/]+", s) else 'key:"' + s.replace('"', '\\"') + '"'
    )


def _held_partitioned(
    repo: Any, selection: str | None, command: str = "%materialize {selection}"
) -> tuple[set, str] | None:
    """(assets that can run without a partition, the note on the rest), or None when the
    selection has no partitioned asset. Held back: the partitioned assets and what reads them
    inside the selection (an unpartitioned asset that reads a partitioned one needs its
    partitions first)."""
    from dagster_nb._partitions.describe import example_partition_key, pdef_source

    snap = repo.snapshot()
    try:
        keys = repo.select(selection)
    except DagsterError:
        return None  # repo.materialize raises the selection error itself
    by_def: dict[str, list] = {}
    pdefs: dict[str, Any] = {}
    for k in keys:
        pdef = snap.assets_def_by_key[k].partitions_def
        if pdef is not None:
            src = pdef_source(pdef)
            by_def.setdefault(src, []).append(k)
            pdefs[src] = pdef
    if not by_def:
        return None
    graph = snap.graph
    held = {k for ks in by_def.values() for k in ks}
    readers: set = set()
    frontier = list(held)
    while frontier:
        for c in graph.children(frontier.pop()):
            if c in keys and c not in held and c not in readers:
                readers.add(c)
                frontier.append(c)
    runnable = keys - held - readers
    lines = []
    for src in sorted(by_def):
        ks = sorted(by_def[src], key=lambda k: k.parts)
        pdef = pdefs[src]
        names = ", ".join(k.to_user_string() for k in ks)
        sel_text = " or ".join(_sel_word(k) for k in ks)
        last = example_partition_key(pdef, repo.instance)
        try:
            first = pdef.get_first_partition_key(dynamic_partitions_store=repo.instance)
        except Exception:  # noqa: BLE001 - a hint must never fail the command that prints it
            first = None
        lines.append(f"Not run: {names}, partitioned by {src}.")
        if last is None:
            lines.append(
                "  It has no partitions yet"
                + (" (add some with instance.add_dynamic_partitions)." if "Dynamic" in src else ".")
            )
            continue
        cmd = command.format(selection=sel_text)
        lines.append(f"  One partition:   {cmd} --partition {last}")
        if first is not None and first != last:
            lines.append(f"  All partitions:  {cmd} --partitions {first}...{last}")
    if readers:
        names = ", ".join(sorted(k.to_user_string() for k in readers))
        lines.append(
            f"Also not run: {names}, which read{'s' if len(readers) == 1 else ''} "
            "partitioned assets; run them after their partitions, e.g. with "
            + command.format(
                selection=" or ".join(_sel_word(k) for k in sorted(readers, key=lambda k: k.parts))
            )
        )
    return runnable, "\n".join(lines)


def _empty_selection_message(repo: Any, selection: str | None) -> str:
    import re

    from dagster_nb._errors import did_you_mean

    names = [k.to_user_string() for k in repo.snapshot().assets_def_by_key]
    if not names:
        return "There are no assets in the kernel repository yet: define some with @dg.asset or %%asset."
    msg = f"Selection {selection!r} matched no materializable assets."
    for word in re.findall(r"[A-Za-z0-9_/.-]+", selection or ""):
        if word.lower() in (
            "key",
            "group",
            "tag",
            "owner",
            "kind",
            "and",
            "or",
            "not",
            "sinks",
            "roots",
        ):
            continue
        hint = did_you_mean(word, names)
        if hint and word not in names:
            return msg + hint
    return msg + f" Assets: {', '.join(sorted(names)[:20])}."


def find_notebook_path(
    user_ns: dict[str, Any], environ: dict[str, str] | None = None
) -> str | None:
    """The running notebook's file, as the front end tells the kernel: VS Code sets
    ``__vsc_ipynb_file__``, Jupyter Server sets ``JPY_SESSION_NAME`` (ipykernel copies it to
    ``__session__``). None when the kernel does not know (a console, a test shell)."""
    import os

    env = os.environ if environ is None else environ
    for candidate in (
        user_ns.get("__vsc_ipynb_file__"),
        user_ns.get("__session__"),
        env.get("JPY_SESSION_NAME"),
    ):
        if (
            isinstance(candidate, str)
            and candidate.endswith(".ipynb")
            and os.path.isfile(candidate)
        ):
            return candidate
    return None


def export_command(
    out: str,
    *,
    notebook_path: str | None = None,
    history: Sequence[str] | None = None,
) -> tuple[Any, Any]:
    """What ``%dagster_nb export OUT`` does: export the notebook file when known, else the
    cells this kernel ran (``In``), and write ``OUT``. Returns (written path, Export)."""
    from pathlib import Path

    from dagster_nb._export import (
        NotebookExportError,
        build_export,
        read_notebook_cells,
        write_export,
    )

    try:
        if notebook_path is not None:
            export = build_export(
                read_notebook_cells(notebook_path), source=Path(notebook_path).name
            )
        elif history and any(cell.strip() for cell in history):
            export = build_export(history, source="the cells this kernel ran (In)")
        else:
            raise CommandError(
                "Cannot tell which notebook this kernel runs, and no cells ran yet. Run the "
                "notebook's cells first, or export the saved file from a terminal: "
                "dagster-nb export NOTEBOOK.ipynb -o OUT.py"
            )
        return write_export(export, out), export
    except NotebookExportError as exc:
        raise CommandError(str(exc)) from None


def hide_framework_frames(exc: BaseException) -> BaseException:
    """Drop dagster_nb's own frames from a user exception's traceback (and its chain), so the
    notebook shows the user's cell lines only."""
    import os

    import dagster_nb

    root = os.path.dirname(os.path.abspath(dagster_nb.__file__)) + os.sep
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        tb = e.__traceback__
        kept = []
        while tb is not None:
            if not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(root):
                kept.append(tb)
            tb = tb.tb_next
        new_tb = None
        for t in reversed(kept):
            new_tb = type(t)(new_tb, t.tb_frame, t.tb_lasti, t.tb_lineno)
        e.__traceback__ = new_tb
        e = e.__cause__ or e.__context__
    return exc
