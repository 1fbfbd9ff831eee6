"""The automation loop in the kernel: ``dg.kernel.start_automation()`` / ``stop_automation()`` /
``tick(at=...)`` and the ``%automation`` magic.

    %automation start            # tick every second on a background thread
    %automation tick --at 2024-01-01T06:00:00+00:00   # evaluate once, at that instant
    %automation                  # state: running?, each schedule/sensor, its last ticks
    %automation stop

The loop is :class:`dagster_nb._automation.daemon.AutomationDaemon` over the kernel repository:
it reads the kernel's definitions at every tick (a cell re-run takes effect at the next tick),
stores ticks in the kernel's instance, and launches asset runs through the kernel repository
(so live views see their events). ``default_automation_condition_sensor`` evaluates every
second here, so an ``eager()`` asset follows its upstream's materialization within about one,
and the loop is reactive: an asset with an automation condition that a cell redefines with
changed code is re-materialized at the next tick (and ``eager()`` downstreams follow).
"""

from __future__ import annotations

import datetime as _dt
import shlex
from typing import Any

__all__ = ["kernel_daemon", "automation_state_text", "stop_all"]

_DAEMONS: dict[int, Any] = {}


def kernel_daemon(repo: Any) -> Any:
    """The kernel repository's loop (one per repository, made on first use)."""
    d = _DAEMONS.get(id(repo))
    if d is None or getattr(d, "_repo", None) is not repo:
        from dagster_nb._automation.daemon import AutomationDaemon

        def launch(keys, partition_key, tags, run_config, run_id=None):
            result = repo.materialize(
                selection=list(keys),
                partition_key=partition_key,
                tags=tags,
                run_config=run_config,
                raise_on_error=False,
                run_id=run_id,
            )
            return result.run_id

        cache: list = [None, None]

        def definitions():
            # One Definitions per kernel repository version: an idle tick must not rebuild it.
            if cache[0] != repo.version or cache[1] is None:
                cache[0], cache[1] = repo.version, repo.to_definitions()
            return cache[1]

        d = AutomationDaemon(
            definitions,
            repo.instance,
            automation_interval=1.0,
            launch=launch,
            owner=None,
            reactive=True,
        )
        d.asset_job_name = "__notebook_asset_job__"  # as the kernel's own runs
        d._repo = repo  # type: ignore[attr-defined]  # which repository this loop serves
        _DAEMONS[id(repo)] = d
    d.instance = repo.instance  # set_instance() may have changed it
    return d


def stop_all() -> None:
    """Stop every kernel loop (extension unload)."""
    for d in list(_DAEMONS.values()):
        d.stop(timeout=30)


def automation_state_text(daemon: Any, limit: int = 3) -> str:
    """A plain-text summary: loop state, each schedule/sensor with status and last ticks."""
    lines = [f"automation loop: {'running' if daemon.running else 'stopped'}"]
    if daemon.last_error:
        lines.append("last loop error: " + daemon.last_error.strip().splitlines()[-1])
    current, queued = daemon.runs.current, daemon.runs.queued
    if current is not None or queued:
        now = f"run {current[:8]} in progress" if current is not None else "no run in progress"
        lines.append(f"runs: {now}, {len(queued)} queued")
    store = daemon.instance.get_tick_store()
    for inst in daemon.instigators():
        status = "RUNNING" if daemon.is_running(inst) else "STOPPED"
        lines.append(f"  {inst.kind:<10} {inst.name:<40} {status}")
        for t in store.get_ticks(inst.name, inst.kind, limit=limit):
            when = _dt.datetime.fromtimestamp(t.tick_ts, _dt.timezone.utc).isoformat(
                timespec="seconds"
            )
            why = t.skip_reason or (t.error.strip().splitlines()[-1] if t.error else "")
            runs = f" {', '.join('run ' + r[:8] for r in t.run_ids)}" if t.run_ids else ""
            lines.append(f"      {when}  {t.status:<8}{runs} {why}".rstrip())
    return "\n".join(lines)


def _ticks_text(recs: list) -> str:
    if not recs:
        return "nothing was due"
    out = []
    for t in recs:
        why = t.skip_reason or (t.error.strip().splitlines()[-1] if t.error else "")
        runs = f" launched {', '.join('run ' + r[:8] for r in t.run_ids)}" if t.run_ids else ""
        out.append(f"{t.kind} {t.name}: {t.status}{runs} {why}".rstrip())
    return "\n".join(out)


def _make_magics():
    from IPython.core.error import UsageError
    from IPython.core.magic import Magics, line_magic, magics_class

    @magics_class
    class AutomationMagics(Magics):
        """``%automation [start|stop|tick [--at ISO]|start NAME|stop NAME]``."""

        def __init__(self, shell: Any, repo: Any):
            super().__init__(shell)
            self._repo = repo

        @line_magic
        def automation(self, line: str) -> Any:
            """%automation: the loop's state; start / stop it; tick once (--at ISO_TIME);
            start NAME / stop NAME one schedule or sensor."""
            try:
                args = shlex.split(line)
            except ValueError as e:
                raise UsageError(f"%automation: {e}") from None
            d = kernel_daemon(self._repo)
            if not args:
                print(automation_state_text(d))
                return None
            cmd, rest = args[0], args[1:]
            if cmd == "start" and not rest:
                self._repo.start_automation()
                print("automation loop started (ticks every second); %automation stop to stop it")
                return None
            if cmd == "stop" and not rest:
                ok = self._repo.stop_automation()
                print("automation loop stopped" if ok else "automation loop is finishing its tick")
                return None
            if cmd in ("start", "stop") and len(rest) == 1:
                from dagster_nb._errors import DagsterInvalidDefinitionError

                try:
                    inst = d.set_status(rest[0], running=cmd == "start")
                except DagsterInvalidDefinitionError as e:
                    raise UsageError(str(e)) from None
                print(f"{inst.kind} {inst.name}: {'RUNNING' if cmd == 'start' else 'STOPPED'}")
                return None
            if cmd == "widget" and not rest:
                from dagster_nb._widgets.automation import AutomationWidget

                return AutomationWidget(d)
            if cmd == "tick":
                at = None
                if rest:
                    if len(rest) != 2 or rest[0] != "--at":
                        raise UsageError("usage: %automation tick [--at 2024-01-01T06:00:00+00:00]")
                    at = rest[1]
                from dagster_nb._errors import DagsterInvalidDefinitionError

                try:
                    recs = self._repo.tick(at=at)
                except DagsterInvalidDefinitionError as e:
                    raise UsageError(str(e)) from None
                print(_ticks_text(recs))
                return None
            raise UsageError(
                f"%automation: unknown command {cmd!r}. Use: %automation [start | stop | "
                "tick [--at ISO_TIME] | start NAME | stop NAME | widget]"
            )

    return AutomationMagics


_MAGICS: list = []


def __getattr__(name: str) -> Any:
    if name == "AutomationMagics":  # IPython is imported only when the magic is registered
        if not _MAGICS:
            _MAGICS.append(_make_magics())
        return _MAGICS[0]
    raise AttributeError(name)
