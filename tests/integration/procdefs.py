"""Definitions and commands for the multi-process integration tests.

Run as ``python -m procdefs <command> <instance dir> [args]`` with this folder on PYTHONPATH and
``NB_MARK_DIR`` naming a folder where each asset appends one line per execution, so a test can
prove a value was loaded, not recomputed.
"""

from __future__ import annotations

import os
import sys
import time

import dagster_nb as dg

MARK_DIR = os.environ.get("NB_MARK_DIR", "")


def mark(name: str) -> None:
    if MARK_DIR:
        with open(os.path.join(MARK_DIR, name + ".ran"), "a") as f:
            f.write(f"{os.getpid()}\n")


def runs_of(name: str) -> int:
    path = os.path.join(MARK_DIR, name + ".ran")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return len(f.read().splitlines())


daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
regions = dg.DynamicPartitionsDefinition(name="regions")


@dg.asset
def numbers() -> list:
    mark("numbers")
    return [1, 2, 3, int(os.environ.get("NB_BUMP", "0"))]


@dg.asset
def total(numbers: list) -> dg.Output:
    mark("total")
    return dg.Output(
        sum(numbers),
        metadata={
            "n": len(numbers),
            "ratio": 0.5,
            "label": "sum",
            "ok": True,
            "link": dg.MetadataValue.url("https://example.com"),
            "doc": dg.MetadataValue.json({"a": [1, 2]}),
            "md": dg.MetadataValue.md("# hi"),
        },
    )


@dg.asset(partitions_def=daily)
def daily_value(context: dg.AssetExecutionContext) -> str:
    mark("daily_value")
    return "v-" + context.partition_key


@dg.asset(partitions_def=regions)
def regional(context: dg.AssetExecutionContext) -> str:
    mark("regional")
    return "r-" + context.partition_key


class SlowToPickle:
    """Pickling it announces itself, then blocks: the value file is half written meanwhile."""

    def __reduce__(self):
        with open(os.path.join(MARK_DIR, "pickling"), "w") as f:
            f.write("x")
        time.sleep(60)
        return (SlowToPickle, ())


@dg.asset
def big() -> list:
    mark("big")
    if os.environ.get("NB_SLOW_PICKLE"):
        return [b"x" * 4_000_000, SlowToPickle()]
    return [b"y" * 4_000_000, "complete"]


@dg.asset
def sleepy() -> int:
    mark("sleepy")
    if MARK_DIR:  # in-process runs have no mark folder: never write into the cwd
        with open(os.path.join(MARK_DIR, "sleepy.started"), "w") as f:
            f.write("x")
    if os.environ.get("NB_SLEEP"):
        time.sleep(60)
    return 7


def chain(prefix: str, n: int) -> list:
    out = []
    prev = None
    for i in range(n):
        deps = [prev] if prev else []

        @dg.asset(name=f"{prefix}{i}", deps=deps)
        def _a(context: dg.AssetExecutionContext) -> int:
            return len(context.asset_key.path[-1])

        out.append(_a)
        prev = f"{prefix}{i}"
    return out


ALL = [numbers, total, daily_value, regional, big, sleepy]


def main(argv: list[str]) -> None:
    cmd, home, *rest = argv
    instance = dg.DagsterInstance.from_directory(home)
    if cmd == "materialize":
        by_name = {a.key.to_user_string(): a for a in ALL}
        sel = [by_name[n] for n in rest[0].split(",")]
        part = rest[1] if len(rest) > 1 else None
        res = dg.materialize(sel, instance=instance, partition_key=part, raise_on_error=False)
        print("RUN", res.run_id, res.success)
    elif cmd == "add_partitions":
        instance.add_dynamic_partitions("regions", rest)
    elif cmd == "race":
        # Wait for the go file, then materialize a chain `rounds` times.
        prefix, n, rounds, go = rest[0], int(rest[1]), int(rest[2]), rest[3]
        assets = chain(prefix, n)
        while not os.path.exists(go):
            time.sleep(0.001)
        for _ in range(rounds):
            res = dg.materialize(assets, instance=instance)
            print("RUN", res.run_id, res.success, flush=True)
    elif cmd == "kernel":
        # A "kernel": definitions loaded into the kernel repository, then %materialize --stale.
        from dagster_nb._notebook.repository import KernelRepository

        repo = KernelRepository(instance=instance)
        repo.load_modules([sys.modules[__name__]])
        stale = sorted(k.to_user_string() for k in repo.stale_asset_keys(["numbers", "total"]))
        print("STALE", ",".join(stale))
        if stale:
            repo.materialize(["numbers", "total"], stale=True)
        print("VALUE", repo.load_asset_value("total"))
    else:
        raise SystemExit(f"unknown command {cmd}")
    instance.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
