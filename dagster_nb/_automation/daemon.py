"""The automation loop: schedules, sensors and automation conditions tick and launch runs.

    import dagster_nb as dg
    from dagster_nb._automation.daemon import AutomationDaemon

    daemon = AutomationDaemon(defs, instance)
    daemon.tick(at=datetime(2024, 1, 1, 6, tzinfo=timezone.utc))  # once, at a given instant
    daemon.start(interval=1.0)                                    # background thread
    daemon.stop()

One ``tick(at)`` looks at every schedule and sensor of the definitions (read again at each tick,
so a redefinition takes effect at the next one) whose state is running (the stored start/stop
status, else the definition's ``default_status``), decides whether it is due, claims the tick in
the instance (so two loops never evaluate the same tick, and a slow sensor is never started
twice), runs the user's function, launches the requested runs through the same executor as
``materialize`` (tagged ``dagster/schedule_name`` / ``dagster/sensor_name``, ``dagster/run_key``;
a run key already used by the instigator is skipped, as in Dagster) and records the tick:
SUCCESS with run ids, SKIPPED with the reason, or FAILURE with the user's traceback (the loop
goes on). Sensor cursors and the automation evaluator's cursor are stored with the tick.

Assets with an ``automation_condition`` that no ``AutomationConditionSensorDefinition`` targets
are evaluated by ``default_automation_condition_sensor``, as in Dagster; it is running unless
stopped, and its interval is the loop's ``automation_interval`` (the kernel uses 1 s, so an
``eager()`` asset follows its upstream within about a second).

Headless entry point: :func:`run_daemon` (``dagster-nb daemon``).
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from dagster_nb._automation.run_queue import RunQueue
from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = ["AutomationDaemon", "Instigator", "run_daemon", "DEFAULT_AUTOMATION_SENSOR_NAME"]

DEFAULT_AUTOMATION_SENSOR_NAME = "default_automation_condition_sensor"
SCHEDULE_NAME_TAG = "dagster/schedule_name"
SENSOR_NAME_TAG = "dagster/sensor_name"
RUN_KEY_TAG = "dagster/run_key"
SCHEDULED_TIME_TAG = "dagster/scheduled_execution_time"


@dataclass(frozen=True, slots=True)
class Instigator:
    """A schedule or sensor as the loop sees it (``kind``: schedule / sensor / automation)."""

    name: str
    kind: str
    definition: Any
    default_running: bool
    interval: float = 0.0


@dataclass(slots=True)
class _Outcome:
    status: str
    skip_reason: str | None = None
    error: str | None = None
    run_ids: list = field(default_factory=list)
    run_keys: list = field(default_factory=list)
    cursor: str | None = None
    update_cursor: bool = False


def _utc(at: Any) -> _dt.datetime:
    if at is None:
        return _dt.datetime.now(_dt.timezone.utc)
    if isinstance(at, str):
        try:
            at = _dt.datetime.fromisoformat(at)
        except ValueError:
            raise DagsterInvalidDefinitionError(
                f"tick(at=...) takes an ISO time like '2024-01-01T06:00:00+00:00', got {at!r}."
            ) from None
    if not isinstance(at, _dt.datetime):
        raise DagsterInvalidDefinitionError(
            f"tick(at=...) takes a datetime or an ISO string, got {at!r}."
        )
    return at if at.tzinfo is not None else at.replace(tzinfo=_dt.timezone.utc)


class AutomationDaemon:
    """Evaluates the schedules and sensors of ``defs`` against ``instance``.

    ``defs`` is a ``Definitions`` or a function returning the current one (the kernel's).
    ``launch`` (optional) runs an asset selection: ``launch(keys, partition_key, tags,
    run_config) -> run_id``; the default materializes through the definitions.
    """

    def __init__(
        self,
        defs: Any,
        instance: DagsterInstance,
        *,
        owner: str | None = None,
        automation_interval: float = 30.0,
        launch: Callable[..., str | None] | None = None,
        on_tick: Callable[[Any], None] | None = None,
        reactive: bool = False,
    ):
        self._defs = defs if callable(defs) else (lambda: defs)
        self.instance = instance
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.automation_interval = automation_interval
        self._launch_assets = launch
        self._on_tick = on_tick
        # Reactive (the kernel's loop): an asset with an automation condition whose code changed
        # (a cell redefined it) is requested at the next tick, beyond Dagster's semantics.
        self.reactive = reactive
        self._code_versions: dict = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._tick_lock = threading.Lock()
        self.last_evaluations: dict[str, Any] = {}  # automation sensor -> last evaluator result
        self.last_error: str | None = None
        self.ticks_done = 0
        self._instigators: tuple | None = None
        self.listeners: list[Callable[[Any], None]] = []  # called with each completed tick
        self._cron: dict = {}
        # Runs requested by ticks: stored QUEUED, started by the queue's worker while the loop
        # runs, so a slow run never holds up the next ticks.
        self.runs = RunQueue()
        self.asset_job_name = "__automation_asset_job__"

    # ------------------------------------------------------------------ instigators
    def instigators(self, defs: Any | None = None) -> list[Instigator]:

        defs = self._defs() if defs is None else defs
        cached = self._instigators
        if cached is not None and cached[0] is defs:
            return cached[1]  # the same definitions object: its instigators are unchanged
        out = self._instigators_of(defs)
        self._instigators = (defs, out)
        return out

    def _instigators_of(self, defs: Any) -> list[Instigator]:
        from dagster_nb._automation.automation_sensors import AutomationConditionSensorDefinition
        from dagster_nb._automation.schedules import DefaultScheduleStatus
        from dagster_nb._automation.sensors import DefaultSensorStatus

        out = []
        for s in defs.schedules:
            if hasattr(s, "resolve") and not hasattr(s, "cron_schedule"):
                s = s.resolve(defs)  # build_schedule_from_partitioned_job over an asset job
            out.append(
                Instigator(s.name, "schedule", s, s.default_status == DefaultScheduleStatus.RUNNING)
            )
        targeted: set = set()
        graph = None
        for s in defs.sensors:
            running = s.default_status == DefaultSensorStatus.RUNNING
            if isinstance(s, AutomationConditionSensorDefinition):
                graph = graph or defs.resolve_asset_graph()
                targeted |= _resolve(s.asset_selection, graph)
                out.append(
                    Instigator(s.name, "automation", s, running, float(s.minimum_interval_seconds))
                )
            else:
                out.append(
                    Instigator(s.name, "sensor", s, running, float(s.minimum_interval_seconds))
                )
        if defs.assets:
            graph = graph or defs.resolve_asset_graph()
            rest = {
                k
                for k, n in graph.nodes.items()
                if n.automation_condition is not None and n.is_materializable and k not in targeted
            }
            if rest:
                out.append(
                    Instigator(
                        DEFAULT_AUTOMATION_SENSOR_NAME,
                        "automation",
                        frozenset(rest),
                        True,
                        float(self.automation_interval),
                    )
                )
        return out

    def is_running(self, inst: Instigator, state: Any = None) -> bool:
        st = state or self.instance.get_tick_store().get_state(inst.name, inst.kind)
        return inst.default_running if st.status is None else st.status == "RUNNING"

    def set_status(self, name: str, running: bool, at: Any = None) -> Instigator:
        """Start or stop one schedule/sensor (persisted in the instance). Starting a stopped
        schedule at ``at`` (default: now) launches none of the cron ticks before ``at``, as
        Dagster's ``start_schedule``."""
        insts = self.instigators()
        found = next((i for i in insts if i.name == name), None)
        if found is None:
            from dagster_nb._errors import did_you_mean

            raise DagsterInvalidDefinitionError(
                f"No schedule or sensor named {name!r}."
                + did_you_mean(name, [i.name for i in insts])
            )
        store = self.instance.get_tick_store()
        was_running = self.is_running(found)
        store.set_status(
            found.name,
            found.kind,
            "RUNNING" if running else "STOPPED",
            started_ts=_utc(at).timestamp() if running and not was_running else None,
        )
        return found

    # ------------------------------------------------------------------ one tick
    def tick(self, at: Any = None) -> list[Any]:
        """Evaluate everything due at ``at`` (default: now) once; the completed tick records."""
        now = _utc(at)
        with self._tick_lock:
            defs = self._defs()
            done = []
            # One read of every stored state per tick: an idle tick costs one query.
            states = {(s.name, s.kind): s for s in self.instance.get_tick_store().all_states()}
            for inst in self.instigators(defs):
                st = states.get((inst.name, inst.kind))
                if st is None:
                    from dagster_nb._storage.ticks import InstigatorState

                    st = InstigatorState(inst.name, inst.kind)
                if not self.is_running(inst, st):
                    continue
                rec = self._tick_one(inst, defs, now, st)
                if rec is not None:
                    done.append(rec)
                    for fn in [self._on_tick, *self.listeners]:
                        if fn is None:
                            continue
                        try:
                            fn(rec)
                        except Exception:  # noqa: BLE001 - a broken view never stops the loop
                            traceback.print_exc()
            self.ticks_done += 1
            return done

    def _tick_one(self, inst: Instigator, defs: Any, now: _dt.datetime, st: Any) -> Any:
        store = self.instance.get_tick_store()
        ts = now.timestamp()
        if inst.kind == "schedule":
            due = self._due_schedule_tick(inst, st, ts)
            if due is None:
                return None
            tick = store.claim(inst.name, inst.kind, tick_ts=due, now=ts, owner=self.owner)
        else:
            if st.last_tick_ts is not None and ts - st.last_tick_ts < inst.interval:
                return None
            tick = store.claim(
                inst.name,
                inst.kind,
                tick_ts=ts,
                now=ts,
                owner=self.owner,
                min_interval=inst.interval,
            )
        if tick is None:
            return None
        try:
            if inst.kind == "schedule":
                out = self._run_schedule(inst, defs, tick.tick_ts)
            elif inst.kind == "sensor":
                out = self._run_sensor(inst, defs, store)
            else:
                out = self._run_automation(inst, defs, store, now)
        except Exception as e:  # noqa: BLE001 - the user's code failed: a failed tick, the loop goes on
            out = _Outcome("FAILURE", error=_user_traceback(e))
        end = _dt.datetime.now(_dt.timezone.utc).timestamp()
        return store.finish(
            tick,
            status=out.status,
            end_ts=max(end, ts),
            skip_reason=out.skip_reason,
            error=out.error,
            run_ids=out.run_ids,
            run_keys=out.run_keys,
            cursor=out.cursor,
            update_cursor=out.update_cursor,
        )

    def _due_schedule_tick(self, inst: Instigator, st: Any, ts: float) -> float | None:
        """The latest cron tick at or before ``ts``, after the last tick and not before the
        schedule started. Only the latest: a loop that was not running across several ticks
        launches one, as Dagster's scheduler does (it catches up only schedules with a
        partition set, which ``ScheduleSnap.from_def`` never gives one; pinned in
        tests/automation/test_schedule_catchup_vs_dagster.py)."""
        from dagster_nb._partitions._cron import CronTicks

        s = inst.definition
        tz = s.execution_timezone or "UTC"
        started = st.started_ts
        if started is None and st.last_tick_ts is None:
            # Running but never started by the user nor ticked (default_status RUNNING): it
            # starts now, when a loop first sees it; the time is stored, so the next loop too
            # launches no tick from before it.
            started = self.instance.get_tick_store().mark_started(inst.name, inst.kind, ts)
        crons = [s.cron_schedule] if isinstance(s.cron_schedule, str) else list(s.cron_schedule)
        best = None
        for cron in crons:
            ticks = self._cron.get((cron, tz))
            if ticks is None:
                ticks = self._cron[(cron, tz)] = CronTicks(cron, tz)
            t = ticks.prev_le(ts).timestamp()
            if started is not None and t < started:
                continue
            if st.last_tick_ts is not None and (
                t < st.last_tick_ts
                # the last tick unfinished (its loop died, or is at it): it is due again, and
                # the claim takes it over only from a dead or expired loop
                or (t == st.last_tick_ts and st.running_owner is None)
            ):
                continue
            if best is None or t > best:
                best = t
        return best

    # ------------------------------------------------------------------ evaluation
    def _run_schedule(self, inst: Instigator, defs: Any, tick_ts: float) -> _Outcome:
        from zoneinfo import ZoneInfo

        from dagster_nb._automation.schedules import ScheduleEvaluationContext

        s = inst.definition
        tz = ZoneInfo(s.execution_timezone or "UTC")
        when = _dt.datetime.fromtimestamp(tick_ts, tz)
        ctx = ScheduleEvaluationContext(
            instance=self.instance,
            scheduled_execution_time=when,
            resources=_resources(defs, s),
            repository_def=defs,
        )
        data = s.evaluate_tick(ctx)
        if not data.run_requests:
            return _Outcome("SKIPPED", skip_reason=data.skip_message)
        tags = {SCHEDULE_NAME_TAG: s.name, SCHEDULED_TIME_TAG: when.isoformat()}
        out = _Outcome("SUCCESS")
        self._launch_all(
            data.run_requests,
            s.job_name if s.has_job else None,
            defs,
            tags,
            SCHEDULE_NAME_TAG,
            s.name,
            out,
        )
        return out

    def _run_sensor(self, inst: Instigator, defs: Any, store: Any) -> _Outcome:
        from dagster_nb._automation.run_request import apply_dynamic_partitions_requests
        from dagster_nb._automation.sensors import SensorEvaluationContext

        s = inst.definition
        st = store.get_state(inst.name, inst.kind)
        prev = store.get_ticks(inst.name, inst.kind, limit=2)
        last_done = next((t for t in prev if t.status != "STARTED"), None)
        last_key = next((t.run_keys[-1] for t in prev if t.run_keys), None)
        ctx = SensorEvaluationContext(
            instance=self.instance,
            cursor=st.cursor,
            resources=_resources(defs, s),
            last_tick_completion_time=last_done.end_ts if last_done else None,
            last_run_key=last_key,
            repository_def=defs,
            sensor_name=s.name,
        )
        data = s.evaluate_tick(ctx)
        out = _Outcome("SUCCESS", cursor=data.cursor, update_cursor=data.cursor != st.cursor)
        if data.dynamic_partitions_requests:
            apply_dynamic_partitions_requests(data.dynamic_partitions_requests, self.instance)
        if not data.run_requests:
            out.status = "SKIPPED"
            out.skip_reason = data.skip_message
            return out
        self._launch_all(
            data.run_requests,
            s.job_name if s.has_jobs else None,
            defs,
            {SENSOR_NAME_TAG: s.name},
            SENSOR_NAME_TAG,
            s.name,
            out,
        )
        return out

    def _run_automation(
        self, inst: Instigator, defs: Any, store: Any, now: _dt.datetime
    ) -> _Outcome:
        from dagster_nb._automation.evaluator import AssetDaemonCursor, _evaluate
        from dagster_nb._automation.run_request import RunRequest

        st = store.get_state(inst.name, inst.kind)
        cursor = AssetDaemonCursor.from_json(st.cursor) if st.cursor else AssetDaemonCursor.empty()
        graph = defs.resolve_asset_graph()
        chosen: set | frozenset
        if isinstance(inst.definition, frozenset):
            chosen, run_tags = inst.definition, {}
        else:
            chosen, run_tags = (
                _resolve(inst.definition.asset_selection, graph),
                dict(inst.definition.run_tags),
            )
        keys = [
            k
            for k in graph.toposorted_keys()
            if k in chosen
            and graph.get(k).automation_condition is not None
            and graph.get(k).is_materializable
        ]
        result = _evaluate(graph, self.instance, keys, now, cursor)
        self.last_evaluations[inst.name] = result
        out = _Outcome("SUCCESS", cursor=result.cursor.to_json(), update_cursor=True)
        by_partition: dict = {}
        for k in keys:
            for p in result.get_requested_partitions(k):
                by_partition.setdefault(p, []).append(k)
        if self.reactive:
            redefined = self._redefined(defs, keys, graph, now)
            for k, parts in redefined:
                for p in parts:
                    if k not in by_partition.get(p, []):
                        by_partition.setdefault(p, []).append(k)
            if redefined:  # in the graph's order, as the evaluator's
                order = {k: i for i, k in enumerate(keys)}
                for ks in by_partition.values():
                    ks.sort(key=order.__getitem__)
        if not by_partition:
            out.status = "SKIPPED"
            out.skip_reason = "No asset partitions were requested."
            return out
        for ks in by_partition.values():
            # A multi-asset that cannot be subset runs whole: its other outputs join the run.
            extra = [
                e
                for k in ks
                for e in sorted(graph.get(k).execution_set_keys, key=lambda x: x.parts)
                if e not in ks
            ]
            ks.extend(dict.fromkeys(extra))
        requests = [
            RunRequest(asset_selection=ks, partition_key=p, tags=run_tags)
            for p, ks in sorted(by_partition.items(), key=lambda kv: "" if kv[0] is None else kv[0])
        ]
        self._launch_all(
            requests, None, defs, {SENSOR_NAME_TAG: inst.name}, SENSOR_NAME_TAG, inst.name, out
        )
        return out

    def _redefined(
        self, defs: Any, keys: Sequence[Any], graph: Any, now: _dt.datetime
    ) -> list[tuple[Any, list]]:
        """Assets whose effective code version (explicit, or derived from the source) changed
        since this loop last saw them, with the partitions to run again: None for an
        unpartitioned asset; for a time-partitioned one (or a multi-partitioned one with a time
        dimension) its materialized partitions in the latest time window, the ones ``eager()``
        keeps up to date. Other partitioned assets are not re-run on a redefinition."""
        from dagster_nb._automation.evaluator import _Facts

        out: list[tuple[Any, list]] = []
        by_key = defs.resolved.assets_def_by_key
        facts = None
        for k in keys:
            version = by_key[k].effective_code_version(k)
            before = self._code_versions.get(k)
            self._code_versions[k] = version
            if before is None or before == version:
                continue
            pd = graph.get(k).partitions_def
            if pd is None:
                out.append((k, [None]))
                continue
            if not _has_time_dimension(pd):
                continue
            facts = facts or _Facts(self.instance, graph, now)
            parts = facts.latest_window(k, None) & facts.materialized(k)
            if parts:
                out.append((k, sorted(parts)))
        return out

    # ------------------------------------------------------------------ launching
    def _launch_all(
        self,
        requests: Sequence[Any],
        default_job: str | None,
        defs: Any,
        tags: dict,
        owner_tag: str,
        owner: str,
        out: _Outcome,
    ) -> None:
        from dagster_nb._storage.queries import RunsFilter

        for req in requests:
            if req.run_key is not None:
                out.run_keys.append(req.run_key)
                used = self.instance.get_runs_count(
                    RunsFilter(tags={RUN_KEY_TAG: req.run_key, owner_tag: owner})
                )
                if used:
                    continue  # Dagster skips a run key the instigator already launched
            run_tags = {**dict(req.tags), **tags}
            if req.run_key is not None:
                run_tags[RUN_KEY_TAG] = req.run_key
            run_id = self._launch(req, req.job_name or default_job, defs, run_tags)
            if run_id is not None:
                out.run_ids.append(run_id)
        if not out.run_ids and out.status == "SUCCESS":
            out.status = "SKIPPED"
            out.skip_reason = out.skip_reason or "Every run request's run_key was already used."

    def _launch(self, req: Any, job_name: str | None, defs: Any, tags: dict) -> str | None:
        """Store the run QUEUED (its id goes in the tick) and hand it to the run queue, which
        starts it on its worker thread while the loop runs (at once otherwise). What can be
        checked without running is checked here, so a bad request fails the tick."""
        from dagster_nb._automation.run_queue import enqueue_run
        from dagster_nb._storage.records import make_new_run_id

        run_id = make_new_run_id()
        run_config = dict(req.run_config) or None
        run_tags = dict(tags)
        if req.partition_key is not None:
            run_tags.setdefault("dagster/partition", req.partition_key)
        instance = self.instance
        execute: Callable[[], Any]
        if job_name is not None:
            job = defs.resolve_job_def(job_name)
            kwargs = {}
            if req.asset_selection is not None:
                kwargs["asset_selection"] = list(req.asset_selection)
            enqueue_run(
                instance,
                run_id=run_id,
                job_name=job_name,
                asset_selection=kwargs.get("asset_selection"),
                tags=run_tags,
                run_config=run_config,
            )

            def execute() -> Any:
                return job.execute_in_process(
                    run_config=run_config,
                    instance=instance,
                    partition_key=req.partition_key,
                    raise_on_error=False,
                    tags=tags,
                    run_id=run_id,
                    **kwargs,
                )

            self.runs.submit(instance, run_id, job_name, execute)
            return run_id
        if req.asset_selection is None:
            raise DagsterInvalidDefinitionError(
                "A RunRequest without job_name or asset_selection from an instigator without a "
                "job: give the sensor/schedule a job (job=/job_name=) or the request an "
                "asset_selection."
            )
        from dagster_nb._definitions.asset_key import AssetKey

        keys = [
            AssetKey.from_coercible(k) if not isinstance(k, AssetKey) else k
            for k in req.asset_selection
        ]
        graph = defs.resolve_asset_graph()
        unknown = [k for k in keys if k not in graph.nodes]
        if unknown:
            from dagster_nb._errors import did_you_mean

            name = unknown[0].to_user_string()
            raise DagsterInvalidDefinitionError(
                f"RunRequest asset_selection names asset {name!r}, which is not defined."
                + did_you_mean(name, [k.to_user_string() for k in graph.nodes])
            )
        enqueue_run(
            instance,
            run_id=run_id,
            job_name=self.asset_job_name,
            asset_selection=keys,
            tags=run_tags,
            run_config=run_config,
        )
        launch_assets = self._launch_assets
        if launch_assets is not None:

            def execute() -> Any:
                return launch_assets(keys, req.partition_key, tags, run_config, run_id=run_id)

        else:
            from dagster_nb._execution.materialize import run_assets

            def execute() -> Any:
                return run_assets(
                    defs.resolved,
                    selected_keys=keys,
                    instance=instance,
                    resources=defs.resources,
                    partition_key=req.partition_key,
                    tags=tags,
                    run_config=run_config,
                    raise_on_error=False,
                    job_name=self.asset_job_name,
                    run_id=run_id,
                )

        self.runs.submit(instance, run_id, self.asset_job_name, execute)
        return run_id

    # ------------------------------------------------------------------ the thread
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, interval: float = 1.0) -> None:
        """Tick every ``interval`` seconds on a background thread until :meth:`stop`."""
        if self.running:
            return
        self._stop.clear()
        self.runs.start()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="dagster_nb-automation", daemon=True
        )
        self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
                self.last_error = None
            except Exception:  # noqa: BLE001 - e.g. a definitions error: say it, keep going
                self.last_error = traceback.format_exc()
            self._stop.wait(interval)

    def stop(self, timeout: float | None = 60.0) -> bool:
        """Stop after the tick in progress; the run in progress finishes, the runs still queued
        are recorded CANCELED (never left half-written). True when the loop and the run worker
        ended within ``timeout`` seconds each."""
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        runs_done = self.runs.stop(timeout)
        return not self.running and runs_done


_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_traceback(e: BaseException) -> str:
    """The traceback with dagster_nb's own frames left out (the user's code is what failed)."""
    te = traceback.TracebackException.from_exception(e)
    frames = [f for f in te.stack if not os.path.abspath(f.filename).startswith(_PKG + os.sep)]
    if frames:
        te.stack = traceback.StackSummary.from_list(frames)
    return "".join(te.format())


def _resources(defs: Any, definition: Any) -> dict:
    res = dict(getattr(defs, "resources", {}) or {})
    keys = getattr(definition, "required_resource_keys", None) or set()
    return {k: v for k, v in res.items() if k in keys} if keys else {}


def _has_time_dimension(pd: Any) -> bool:
    from dagster_nb._partitions.multi import MultiPartitionsDefinition
    from dagster_nb._partitions.time_window_definition import TimeWindowPartitionsDefinition

    if isinstance(pd, TimeWindowPartitionsDefinition):
        return True
    return isinstance(pd, MultiPartitionsDefinition) and pd.has_time_window_dimension


def _resolve(selection: Any, graph: Any) -> set:
    from dagster_nb._selection.asset_selection import AssetSelection

    return AssetSelection.from_coercible(selection).resolve(graph, allow_missing=True)


def run_daemon(
    defs: Any,
    instance: DagsterInstance,
    *,
    interval: float = 1.0,
    stop: threading.Event | None = None,
    log: Callable[[str], None] | None = None,
) -> int:
    """Run the loop in the foreground until ``stop`` is set (the CLI sets it on SIGINT/SIGTERM).
    ``defs``: a Definitions (or a function returning one). Returns 0 when stopped cleanly."""
    daemon = AutomationDaemon(defs, instance, automation_interval=interval)
    stop = stop or threading.Event()
    say = log or (lambda m: None)

    def on_tick(rec: Any) -> None:
        extra = rec.skip_reason or (rec.error or "").strip().splitlines()[-1:] or ""
        if isinstance(extra, list):
            extra = extra[0] if extra else ""
        say(f"{rec.kind} {rec.name}: {rec.status} {' '.join(rec.run_ids)} {extra}".rstrip())

    daemon._on_tick = on_tick
    names = ", ".join(f"{i.name} ({i.kind})" for i in daemon.instigators()) or "nothing"
    say(f"dagster-nb daemon: watching {names}")
    daemon.runs.start()
    try:
        while not stop.is_set():
            try:
                daemon.tick()
            except Exception:  # noqa: BLE001 - keep the daemon alive; say what broke
                say(traceback.format_exc())
            stop.wait(interval)
    finally:
        if daemon.runs.current is not None:
            say(f"dagster-nb daemon: waiting for run {daemon.runs.current} to finish")
        left = daemon.runs.queued
        daemon.runs.stop(timeout=None)
        if left:
            say(f"dagster-nb daemon: canceled {len(left)} queued run(s): {' '.join(left)}")
    say("dagster-nb daemon: stopped")
    return 0
