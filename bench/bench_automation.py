"""Automation: evaluate_automation_conditions over 1,000 assets, side by side with Dagster
(issue 14, target >= 50x), in one process, alternating the libraries.

The graph: 1,000 assets in layers of 50, each depending on two assets of the layer above, every
one with ``AutomationCondition.eager()``. Each library gets its own in-memory instance. A sample
is: a first evaluation (no cursor), ten root materializations reported as runless events, then a
second evaluation with the cursor (this one requests the descendants). CPU time (process_time).

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
    r2 = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=r1.cursor,
                                           evaluation_time=T0 + dt.timedelta(minutes=1))
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
    print(f"| CPU ms, median of {args.repeat}, {args.assets} eager() assets | dagster_nb | dagster | ratio |")
    print("|---|---|---|---|")
    for i, label in enumerate(("first evaluation (no cursor)", "second evaluation (10 roots updated)")):
        ours = statistics.median(r[i] for r in rows["dagster_nb"]) * 1000
        theirs = statistics.median(r[i] for r in rows["dagster"]) * 1000
        print(f"| {label} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.0f}x |")


if __name__ == "__main__":
    main()
