"""The automation view model: the loop's schedules and sensors with their status, next tick,
last ticks (result, skip reason, error) and launched runs, and the latest automation-condition
evaluation per asset as a tree with true/false per node. Plain JSON; the widget
(:mod:`dagster_nb._widgets.automation`) renders it.

    vm = automation_view_model(dg.kernel.automation)

```ts
interface AutomationViewModel {
  schema: "dagster_nb.automation/1";
  loop: { running: boolean; last_error: string | null; now: number };
  instigators: {
    name: string; kind: "schedule" | "sensor" | "automation"; status: "RUNNING" | "STOPPED";
    schedule: string | null; timezone: string | null; interval: number | null;
    next_tick: number | null;           // POSIX seconds; null when stopped
    ticks: { tick_ts: number; status: "STARTED" | "SUCCESS" | "SKIPPED" | "FAILURE";
             skip_reason: string | null; error: string | null;   // error: its last line
             traceback: string | null; run_ids: string[]; run_keys: string[]; end_ts: number | null }[];
    runs: { run_id: string; status: string }[];   // launched by the ticks shown
  }[];
  assets: { key: string; sensor: string; requested: string[];   // partition keys ("" unpartitioned)
            tree: ConditionNode }[];
  freshness: { key: string; state: "PASS" | "WARN" | "FAIL" | "UNKNOWN" }[];  // assets with a policy
}
interface ConditionNode { name: string; label: string | null; description: string;
  entity: string; true: number; candidates: number; partitions: string[]; children: ConditionNode[] }
```
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

__all__ = ["automation_view_model"]

SCHEMA = "dagster_nb.automation/1"


def _last_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else None


def _next_tick(daemon: Any, inst: Any, state: Any, now: float) -> float | None:
    if inst.kind == "schedule":
        from dagster_nb._partitions._cron import CronTicks

        s = inst.definition
        crons = [s.cron_schedule] if isinstance(s.cron_schedule, str) else list(s.cron_schedule)
        tz = s.execution_timezone or "UTC"
        return min(CronTicks(c, tz).next_ge(now + 1e-3).timestamp() for c in crons)
    last = state.last_tick_ts
    return now if last is None else max(now, last + inst.interval)


def automation_view_model(
    daemon: Any, *, limit: int = 5, now: float | None = None
) -> dict[str, Any]:
    """The JSON the automation widget draws (see the module docstring for its shape)."""
    now = time.time() if now is None else now
    instance = daemon.instance
    store = instance.get_tick_store()
    states = {(s.name, s.kind): s for s in store.all_states()}
    out: list[dict[str, Any]] = []
    from dagster_nb._storage.ticks import InstigatorState

    for inst in daemon.instigators():
        st = states.get((inst.name, inst.kind)) or InstigatorState(inst.name, inst.kind)
        running = daemon.is_running(inst, st)
        ticks = store.get_ticks(inst.name, inst.kind, limit=limit)
        run_ids = [r for t in ticks for r in t.run_ids]
        runs = []
        for rid in run_ids:
            run = instance.get_run_by_id(rid)
            runs.append(
                {"run_id": rid, "status": run.status.value if run is not None else "UNKNOWN"}
            )
        s = inst.definition
        out.append(
            {
                "name": inst.name,
                "kind": inst.kind,
                "status": "RUNNING" if running else "STOPPED",
                "schedule": (
                    s.cron_schedule
                    if isinstance(s.cron_schedule, str)
                    else " | ".join(s.cron_schedule)
                )
                if inst.kind == "schedule"
                else None,
                "timezone": (s.execution_timezone or "UTC") if inst.kind == "schedule" else None,
                "interval": inst.interval if inst.kind != "schedule" else None,
                "next_tick": _next_tick(daemon, inst, st, now) if running else None,
                "ticks": [
                    {
                        "tick_ts": t.tick_ts,
                        "status": t.status,
                        "skip_reason": t.skip_reason,
                        "error": _last_line(t.error),
                        "traceback": t.error,
                        "run_ids": list(t.run_ids),
                        "run_keys": list(t.run_keys),
                        "end_ts": t.end_ts,
                    }
                    for t in ticks
                ],
                "runs": runs,
            }
        )
    assets = []
    for sensor, result in sorted(daemon.last_evaluations.items()):
        for r in result.results:
            assets.append(
                {
                    "key": r.key.to_user_string(),
                    "sensor": sensor,
                    "requested": sorted("" if p is None else p for p in r.true_subset.value),
                    "tree": r.to_tree(),
                }
            )
    from dagster_nb._automation.freshness import freshness_states

    try:
        fresh = freshness_states(daemon._defs(), instance, now)
    except Exception:  # noqa: BLE001 - definitions that fail to load: shown by the loop's error
        fresh = {}
    return {
        "schema": SCHEMA,
        "freshness": [
            {"key": k.to_user_string(), "state": v}
            for k, v in sorted(fresh.items(), key=lambda kv: kv[0].to_user_string())
        ],
        "loop": {
            "running": bool(daemon.running),
            "last_error": _last_line(daemon.last_error),
            "now": now,
        },
        "instigators": out,
        "assets": assets,
    }


def format_ts(ts: float | None) -> str:
    """ISO time (UTC, seconds) of a POSIX timestamp; '' for None."""
    if ts is None:
        return ""
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")
