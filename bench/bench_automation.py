"""Automation: evaluate_automation_conditions over 1,000 assets, side by side with Dagster
(issue 14, target >= 50x), in one process, alternating the libraries.

The graph: 1,000 assets in layers of 50, each depending on two assets of the layer above, every
one with ``AutomationCondition.eager()``. Each library gets its own in-memory instance. A sample
is: a first evaluation (no cursor), ten root materializations reported as runless events, then a
second evaluation with the cursor (this one requests the descendants). CPU time (process_time).

Then the loop's idle tick (ours only; Dagster's daemon runs out of process): 100 sensors
(minimum_interval_seconds=30) on a persistent SQLite instance, ticked once so each has state,
then ticked 200 times within their interval, as the kernel loop does every second. Target:
under 5 ms of CPU per idle tick.

    python bench/bench_automation.py [--repeat 3] [--assets 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import time
import warnings

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def build(dg, n: int, width: int = 50):
    AC = dg.AutomationCondition
    specs = []
    for i in range(n):
        layer, pos = divmod(i, width)
        deps = []
        if layer:
            base = (layer - 1) * width
            deps = [f"a{base + pos}", f"a{base + (pos + 1) % width}"]
        specs.append(dg.AssetSpec(f"a{i}", deps=deps, automation_condition=AC.eager()))

    @dg.multi_asset(specs=specs, can_subset=True)
    def everything(context):
        for k in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=k)

    return [everything]


def sample(dg, n: int) -> tuple[float, float, int]:
    assets = build(dg, n)
    defs = dg.Definitions(assets=assets)
    instance = dg.DagsterInstance.ephemeral()
    t = time.process_time()
    r1 = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=T0)
    first = time.process_time() - t
    for i in range(10):
        instance.report_runless_asset_event(dg.AssetMaterialization(f"a{i}"))
    t = time.process_time()
    r2 = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, cursor=r1.cursor, evaluation_time=T0 + dt.timedelta(minutes=1)
    )
    second = time.process_time() - t
    return first, second, r2.total_requested


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--assets", type=int, default=1000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    import dagster

    import dagster_nb

    rows: dict[str, list] = {"dagster_nb": [], "dagster": []}
    for _ in range(args.repeat):
        for name, lib in (("dagster_nb", dagster_nb), ("dagster", dagster)):
            rows[name].append(sample(lib, args.assets))
    req = {k: {r[2] for r in v} for k, v in rows.items()}
    print(f"requested on the second evaluation: {req}")
    assert req["dagster_nb"] == req["dagster"], "the two libraries disagree"
    print(
        f"| CPU ms, median of {args.repeat}, {args.assets} eager() assets | dagster_nb | dagster | ratio |"
    )
    print("|---|---|---|---|")
    for i, label in enumerate(
        ("first evaluation (no cursor)", "second evaluation (10 roots updated)")
    ):
        ours = statistics.median(r[i] for r in rows["dagster_nb"]) * 1000
        theirs = statistics.median(r[i] for r in rows["dagster"]) * 1000
        print(f"| {label} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.0f}x |")
    idle = statistics.median(idle_tick_ms() for _ in range(args.repeat))
    print(
        f"\nidle loop tick, 100 sensors not due (SQLite instance): {idle:.2f} ms CPU (target < 5)"
    )


def idle_tick_ms(n_sensors: int = 100, ticks: int = 200) -> float:
    import tempfile

    import dagster_nb as dg
    from dagster_nb._automation.daemon import AutomationDaemon

    @dg.asset
    def a():
        return 1

    job = dg.define_asset_job("j", selection=["a"])

    def make(i):
        @dg.sensor(
            name=f"s{i}",
            job=job,
            minimum_interval_seconds=30,
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
        def s(context):
            return dg.SkipReason("idle")

        return s

    defs = dg.Definitions(assets=[a], jobs=[job], sensors=[make(i) for i in range(n_sensors)])
    with tempfile.TemporaryDirectory() as home, dg.DagsterInstance.from_directory(home) as inst:
        d = AutomationDaemon(defs, inst)
        assert len(d.tick(at=T0)) == n_sensors  # every sensor ticks (and skips) once
        t = time.process_time()
        for i in range(ticks):
            assert d.tick(at=T0 + dt.timedelta(seconds=1 + i * 0.1)) == []
        return (time.process_time() - t) / ticks * 1000


if __name__ == "__main__":
    main()
