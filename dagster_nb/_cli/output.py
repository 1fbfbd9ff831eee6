"""How the CLI prints: rich tables and a live progress bar on a terminal, plain lines when the
output is a pipe or a file, JSON with ``--json``. rich is imported only on a terminal, so a
script's ``dagster-nb ... | grep`` pays nothing for it."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["Out", "RunProgress", "user_traceback"]


class Out:
    """One command's output mode."""

    def __init__(self, as_json: bool):
        self.json = as_json
        self.tty = not as_json and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False)
        return self._console

    def emit_json(self, value: Any) -> None:
        sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")

    def line(self, text: str = "") -> None:
        if self.tty:
            self.console.print(text, markup=False)
        else:
            sys.stdout.write(text + "\n")

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        plain_columns: Sequence[int] | None = None,
    ) -> None:
        """A table on a terminal; without one, tab-separated ``plain_columns`` per row (all
        columns when None), no header: what ``cut`` and ``awk`` want."""
        if self.tty:
            from rich.table import Table

            t = Table(title=title, title_justify="left", header_style="bold")
            for c in columns:
                t.add_column(c, overflow="fold")
            for r in rows:
                t.add_row(*("" if v is None else str(v) for v in r))
            self.console.print(t)
            return
        idx = range(len(columns)) if plain_columns is None else plain_columns
        for r in rows:
            sys.stdout.write("\t".join("" if r[i] is None else str(r[i]) for i in idx) + "\n")


class RunProgress:
    """An event listener that shows a run: on a terminal a live bar per run (steps done/total,
    the current step, elapsed), otherwise one line per finished step."""

    _END = {"STEP_SUCCESS": "ok", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}

    def __init__(self, out: Out, verbose: bool = False):
        self.out = out
        self.verbose = verbose
        self._progress: Any = None
        self._task: Any = None
        self._steps: set[str] = set()
        self._done = 0
        self._running: list[str] = []
        self._start = time.monotonic()

    def __enter__(self) -> RunProgress:
        if self.out.tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.fields[run]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[current]}"),
                console=self.out.console,
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: Any) -> None:
        t = event.event_type_value
        step = event.step_key
        if t == "PIPELINE_START":  # a new run (a backfill has several): its own bar
            self._steps, self._done, self._running = set(), 0, []
            if self._progress is not None:
                self._task = self._progress.add_task(
                    "run", total=None, run=f"run {event.run_id[:8]}", current=""
                )
        elif t in ("ASSET_MATERIALIZATION_PLANNED", "ASSET_CHECK_EVALUATION_PLANNED") and step:
            self._steps.add(step)
        elif t == "STEP_START" and step:
            self._running.append(step)
        elif t in self._END and step:
            if step in self._running:
                self._running.remove(step)
            self._done += 1
            if self._progress is None and not self.out.json:
                took = ""
                if t == "STEP_SUCCESS" and event.data and "duration" in event.data:
                    took = f" ({event.data['duration'] * 1000:.0f} ms)"
                sys.stdout.write(f"{self._END[t]:8s} {step}{took}\n")
                sys.stdout.flush()
        if self.verbose and not self.out.json and event.message and self._progress is None:
            sys.stderr.write(f"{t:30s} {step or '':24s} {event.message}\n")
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                total=max(len(self._steps), self._done) or None,
                completed=self._done,
                current=", ".join(self._running[:3]),
            )


def user_traceback(error: Any) -> str:
    """The user's exception of a step failure (``SerializableErrorInfo``) as a traceback
    without dagster_nb's frames: the innermost cause is the user's code."""
    import dagster_nb

    root = os.path.dirname(os.path.abspath(dagster_nb.__file__)) + os.sep
    chain = []
    e = error
    while e is not None:
        chain.append(e)
        e = e.cause
    user = chain[-1]
    frames = [f for f in user.stack if f'File "{root}' not in f]
    text = ("Traceback (most recent call last):\n" + "".join(frames)) if frames else ""
    return text + user.message
