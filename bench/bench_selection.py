"""Benchmark: resolving asset selections on 5,000- and 20,000-asset graphs, dagster_nb vs Dagster.

    python bench/bench_selection.py [--sizes 5000 20000] [--repeats 5] [--dagster-repeats 3]

Both sides pay what a user pays: build the asset graph from definitions, parse the selection
strings and resolve them. Resolve-only times (graph already built) are reported too.
Medians over repeats; the ratio is Dagster time / dagster_nb time.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode  # noqa: E402
from dagster_nb._definitions.asset_key import AssetKey  # noqa: E402
from dagster_nb._selection import parse_selection  # noqa: E402

GROUPS = [f"g{i}" for i in range(20)]


def make_specs(n: int, seed: int = 0) -> list[dict]:
    """A layered DAG: each asset depends on up to 3 of the 200 assets defined before it."""
    rng = random.Random(seed)
    specs = []
    for i in range(n):
        lo = max(0, i - 200)
        deps = sorted({f"n{rng.randrange(lo, i)}" for _ in range(rng.randint(0, 3))}) if i else []
        specs.append(
            {
                "key": f"n{i}",
                "deps": deps,
                "group": GROUPS[i % len(GROUPS)],
                "tags": {"tier": rng.choice(["gold", "silver", "bronze"])},
                "owners": [rng.choice(["team:x", "team:y", "team:z"])],
                "kinds": {rng.choice(["python", "dbt", "snowflake"])},
            }
        )
    return specs


def selections(n: int) -> list[str]:
    last, mid = n - 1, n // 2
    return [
        f"key:n{mid}+",
        f"+key:n{last}",
        "group:g3 and kind:python",
        'tag:tier=gold or owner:"team:x"',
        "roots(group:g3)",
        f"sinks(2+key:n{last})",
        f"*n{mid}",
        f"not group:g1 and 2+key:n{last}+2",
    ]


def build_ours(specs: list[dict]) -> AssetGraph:
    return AssetGraph.from_nodes(
        AssetNode(
            key=AssetKey(s["key"]),
            parent_keys=frozenset(AssetKey(d) for d in s["deps"]),
            group_name=s["group"],
            tags=s["tags"],
            owners=tuple(s["owners"]),
            kinds=frozenset(s["kinds"]),
        )
        for s in specs
    )


def build_dagster(specs: list[dict]):
    import dagster as dg

    assets = []
    for s in specs:
        spec = dg.AssetSpec(
            s["key"], deps=s["deps"], group_name=s["group"], tags=s["tags"],
            owners=s["owners"], kinds=s["kinds"],
        )  # fmt: skip

        @dg.multi_asset(specs=[spec], name=f"op_{s['key']}")
        def _fn():  # pragma: no cover - never executed
            ...

        assets.append(_fn)
    return dg.Definitions(assets=assets).resolve_asset_graph()


def run_ours(specs, texts, graph=None):
    g = graph if graph is not None else build_ours(specs)
    return [parse_selection(t).resolve(g) for t in texts]


def run_dagster(specs, texts, graph=None):
    import dagster as dg

    g = graph if graph is not None else build_dagster(specs)
    return [dg.AssetSelection.from_string(t).resolve(g) for t in texts]


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--dagster-repeats", type=int, default=3)
    ap.add_argument("--no-dagster", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    try:
        import dagster  # noqa: F401
    except ImportError:
        args.no_dagster = True

    print(f"{'assets':>7} {'what':<24} {'dagster_nb':>11} {'dagster':>10} {'ratio':>8}")
    for n in args.sizes:
        specs, texts = make_specs(n), selections(n)
        ours_graph = build_ours(specs)
        ours_full = timed(lambda s=specs, t=texts: run_ours(s, t), args.repeats)
        ours_resolve = timed(lambda s=specs, t=texts, g=ours_graph: run_ours(s, t, g), args.repeats)
        ours_build = timed(lambda s=specs: build_ours(s), args.repeats)
        rows = [
            ("build + resolve", ours_full),
            ("resolve only", ours_resolve),
            ("build graph only", ours_build),
        ]
        theirs: dict[str, float] = {}
        if not args.no_dagster:
            their_graph = build_dagster(specs)
            # Same answers, or the comparison means nothing.
            want = [{"/".join(k.path) for k in r} for r in run_dagster(specs, texts, their_graph)]
            got = [{k.to_user_string() for k in r} for r in run_ours(specs, texts, ours_graph)]
            assert want == got, "dagster_nb and Dagster disagree on a benchmark selection"
            theirs["build + resolve"] = timed(
                lambda s=specs, t=texts: run_dagster(s, t), args.dagster_repeats
            )
            theirs["resolve only"] = timed(
                lambda s=specs, t=texts, g=their_graph: run_dagster(s, t, g), args.dagster_repeats
            )
            theirs["build graph only"] = timed(
                lambda s=specs: build_dagster(s), args.dagster_repeats
            )
        for what, ours in rows:
            d = theirs.get(what)
            dt = f"{d:9.3f}s" if d is not None else f"{'-':>10}"
            ratio = f"{d / ours:7.1f}x" if d is not None else f"{'-':>8}"
            print(f"{n:>7} {what:<24} {ours:10.4f}s {dt} {ratio}", flush=True)
    print(f"({len(selections(10))} selection strings per run; medians of {args.repeats} (ours) / "
          f"{args.dagster_repeats} (Dagster) repeats)")  # fmt: skip


if __name__ == "__main__":
    main()
