"""The CLI's automation commands over the automation loop (``dagster_nb._automation.daemon``):
``schedule start|stop NAME``, ``sensor start|stop NAME``, ``sensor cursor NAME --set X |
--delete`` and ``daemon``. Start/stop state and cursors live in the instance, where a running
``dagster-nb daemon`` (or a kernel's ``dg.kernel.start_automation()``) reads them at its next
tick. ``register(cli)`` adds them; app.py calls it only where the automation loop exists.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from dagster_nb._cli.app import Out, instance, json_option, load_target, target_options

__all__ = ["register", "stored_status"]


def _daemon(defs: Any, inst: Any) -> Any:
    from dagster_nb._automation.daemon import AutomationDaemon

    return AutomationDaemon(defs, inst)


def stored_status(defs: Any, kind: str) -> dict[str, str]:
    """name -> RUNNING / STOPPED: the stored state, else the definition's default_status."""
    daemon = _daemon(defs, instance())
    return {
        i.name: "RUNNING" if daemon.is_running(i) else "STOPPED"
        for i in daemon.instigators(defs)
        if i.kind in kind.split("|")
    }


def _set(
    kind: str,
    name: str,
    running: bool,
    python_file: str | None,
    module_name: str | None,
    attribute: str | None,
    as_json: bool,
) -> None:
    from dagster_nb._errors import DagsterError, did_you_mean

    defs = load_target(python_file, module_name, attribute)
    daemon = _daemon(defs, instance())
    names = [i.name for i in daemon.instigators(defs) if i.kind in kind.split("|")]
    noun = "schedule" if kind == "schedule" else "sensor"
    if name not in names:
        raise click.UsageError(
            f"No {noun} named {name!r} in {python_file or module_name}."
            + (
                did_you_mean(name, names)
                or (
                    f" {noun.capitalize()}s: {', '.join(names)}."
                    if names
                    else f" It defines no {noun}s."
                )
            )
        )
    try:
        daemon.set_status(name, running)
    except DagsterError as exc:
        raise click.UsageError(str(exc)) from None
    status = "RUNNING" if running else "STOPPED"
    if as_json:
        Out(True).emit_json({"name": name, "status": status})
    else:
        Out(False).line(f"{'Started' if running else 'Stopped'} {noun} {name}.")


def register(cli: click.Group) -> None:
    schedule = cli.commands["schedule"]
    sensor = cli.commands["sensor"]
    assert isinstance(schedule, click.Group) and isinstance(sensor, click.Group)

    @schedule.command("start")
    @click.argument("name")
    @target_options
    @json_option
    def schedule_start(
        name: str,
        python_file: str | None,
        module_name: str | None,
        attribute: str | None,
        as_json: bool,
    ) -> None:
        """Start a schedule: a running daemon ticks it from its next cron time."""
        _set("schedule", name, True, python_file, module_name, attribute, as_json)

    @schedule.command("stop")
    @click.argument("name")
    @target_options
    @json_option
    def schedule_stop(
        name: str,
        python_file: str | None,
        module_name: str | None,
        attribute: str | None,
        as_json: bool,
    ) -> None:
        """Stop a schedule."""
        _set("schedule", name, False, python_file, module_name, attribute, as_json)

    @sensor.command("start")
    @click.argument("name")
    @target_options
    @json_option
    def sensor_start(
        name: str,
        python_file: str | None,
        module_name: str | None,
        attribute: str | None,
        as_json: bool,
    ) -> None:
        """Start a sensor (or an automation condition sensor)."""
        _set("sensor|automation", name, True, python_file, module_name, attribute, as_json)

    @sensor.command("stop")
    @click.argument("name")
    @target_options
    @json_option
    def sensor_stop(
        name: str,
        python_file: str | None,
        module_name: str | None,
        attribute: str | None,
        as_json: bool,
    ) -> None:
        """Stop a sensor."""
        _set("sensor|automation", name, False, python_file, module_name, attribute, as_json)

    @sensor.command("cursor")
    @click.argument("name")
    @target_options
    @click.option("--set", "set_to", default=None, help="Set the sensor's cursor to this string.")
    @click.option("--delete", is_flag=True, help="Clear the sensor's cursor.")
    @json_option
    def sensor_cursor(
        name: str,
        python_file: str | None,
        module_name: str | None,
        attribute: str | None,
        set_to: str | None,
        delete: bool,
        as_json: bool,
    ) -> None:
        """Show, set (--set VALUE) or clear (--delete) a sensor's stored cursor."""
        from dagster_nb._errors import did_you_mean

        if set_to is not None and delete:
            raise click.UsageError("Give --set VALUE or --delete, not both.")
        defs = load_target(python_file, module_name, attribute)
        inst = instance()
        names = [s.name for s in defs.sensors]
        if name not in names:
            raise click.UsageError(
                f"No sensor named {name!r} in {python_file or module_name}."
                + (
                    did_you_mean(name, names)
                    or (f" Sensors: {', '.join(names)}." if names else " It defines no sensors.")
                )
            )
        kind = next(i.kind for i in _daemon(defs, inst).instigators(defs) if i.name == name)
        store = inst.get_tick_store()
        if set_to is not None or delete:
            store.set_cursor(name, kind, None if delete else set_to)
        cursor = store.get_state(name, kind).cursor
        if as_json:
            Out(True).emit_json({"name": name, "cursor": cursor})
        else:
            Out(False).line(
                f"{name}: cursor {cursor!r}" if cursor is not None else f"{name}: no cursor"
            )

    @cli.command("daemon")
    @target_options
    @click.option(
        "--interval",
        type=click.FloatRange(min=0.01),
        default=1.0,
        show_default=True,
        help="Seconds between ticks.",
    )
    def daemon(
        python_file: str | None, module_name: str | None, attribute: str | None, interval: float
    ) -> None:
        """Run the schedules, sensors and automation conditions until SIGINT/SIGTERM."""
        import signal
        import threading

        from dagster_nb._automation.daemon import run_daemon

        defs = load_target(python_file, module_name, attribute)
        stop = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            stop.set()  # the tick in progress (and a run it launched) finishes first

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        with instance() as inst:
            code = run_daemon(
                defs, inst, interval=interval, stop=stop, log=lambda m: print(m, flush=True)
            )
        if code:
            sys.exit(code)
