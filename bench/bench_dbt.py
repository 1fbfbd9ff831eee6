"""Benchmark: dbt projects as assets, dagster_nb.dbt vs dagster_dbt (same manifests, same run).

    python bench/bench_dbt.py [--sizes 1000 5000] [--repeats 3] [--build-repeats 3] [--dbt PATH]

1. Loading: a generated manifest.json of N models (each with columns, a test, 0-3 parents among
   the previous 200 models or the sources) -> ``@dbt_assets(manifest=path)`` + ``Definitions`` +
   resolving a selection (``key:m{N/10}+``). Both libraries read the same file; median wall and
   CPU time of alternating repeats; ratio = dagster_dbt / dagster_nb. Both keep a parsed
   manifest (dagster_dbt by path, ours while the file is unchanged), so the repeats measure the
   load without the JSON parse; a second measurement gives each load a new file, so both parse.
2. Orchestration overhead of ``dbt build`` on examples/dbt_project: the same command run
   directly (subprocess, dbt's own time) vs through ``materialize`` of the ``@dbt_assets``
   (ours, and dagster_dbt on real Dagster for reference), alternating; overhead = median through
   the library - median direct.
"""

# no `from __future__ import annotations`: the asset functions annotate resources with
# classes imported inside functions, which both libraries resolve only as real objects
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_manifest(n: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    pkg = "bench"
    sources = {}
    for i in range(20):
        uid = f"source.{pkg}.raw.t{i}"
        sources[uid] = {
            "unique_id": uid,
            "resource_type": "source",
            "name": f"t{i}",
            "source_name": "raw",
            "package_name": pkg,
            "fqn": [pkg, "raw", f"t{i}"],
            "database": "db",
            "schema": "raw",
            "identifier": f"t{i}",
            "description": "",
            "columns": {},
            "meta": {},
            "tags": [],
            "config": {"enabled": True},
            "original_file_path": "models/sources.yml",
            "path": "models/sources.yml",
        }
    nodes: dict = {}
    parent_map: dict = {u: [] for u in sources}
    child_map: dict = {u: [] for u in sources}
    for i in range(n):
        uid = f"model.{pkg}.m{i}"
        lo = max(0, i - 200)
        parents = (
            sorted({f"model.{pkg}.m{rng.randrange(lo, i)}" for _ in range(rng.randint(0, 3))})
            if i
            else []
        )
        if not parents:
            parents = [f"source.{pkg}.raw.t{rng.randrange(20)}"]
        folder = f"layer{i % 10}"
        sql = f"select a, b from {{{{ ref('m{max(i - 1, 0)}') }}}} -- model {i}\n"
        nodes[uid] = {
            "unique_id": uid,
            "resource_type": "model",
            "name": f"m{i}",
            "package_name": pkg,
            "fqn": [pkg, folder, f"m{i}"],
            "original_file_path": f"models/{folder}/m{i}.sql",
            "path": f"{folder}/m{i}.sql",
            "raw_code": sql,
            "language": "sql",
            "description": f"Model {i}.",
            "database": "db",
            "schema": "main",
            "alias": f"m{i}",
            "config": {
                "enabled": True,
                "materialized": "table" if i % 3 else "view",
                "tags": ["nightly"] if i % 7 == 0 else [],
                "meta": {},
                "schema": None,
                "group": None,
            },
            "tags": ["nightly"] if i % 7 == 0 else [],
            "meta": {},
            "columns": {
                c: {"name": c, "description": f"column {c}", "data_type": None, "tags": []}
                for c in ("a", "b", "c")
            },
            "depends_on": {"nodes": parents, "macros": []},
            "checksum": {"name": "sha256", "checksum": f"{i:064x}"},
        }
        tid = f"test.{pkg}.not_null_m{i}_a.{i:010x}"
        nodes[tid] = {
            "unique_id": tid,
            "resource_type": "test",
            "name": f"not_null_m{i}_a",
            "package_name": pkg,
            "fqn": [pkg, folder, f"not_null_m{i}_a"],
            "original_file_path": f"models/{folder}/schema.yml",
            "path": f"not_null_m{i}_a.sql",
            "raw_code": "{{ test_not_null(**_dbt_generic_test_kwargs) }}",
            "attached_node": uid,
            "test_metadata": {"name": "not_null", "kwargs": {"column_name": "a"}},
            "config": {"enabled": True, "severity": "ERROR", "meta": {}, "tags": []},
            "tags": [],
            "meta": {},
            "columns": {},
            "depends_on": {"nodes": [uid], "macros": []},
            "description": "",
            "database": "db",
            "schema": "main",
            "alias": f"not_null_m{i}_a",
            "checksum": {"name": "none", "checksum": ""},
        }
        parent_map[uid] = parents
        parent_map[tid] = [uid]
        child_map.setdefault(uid, []).append(tid)
        child_map.setdefault(tid, [])
        for p in parents:
            child_map.setdefault(p, []).append(uid)
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.0",
            "adapter_type": "duckdb",
            "project_name": pkg,
            "project_id": "0" * 32,
        },
        "nodes": nodes,
        "sources": sources,
        "macros": {},
        "docs": {},
        "exposures": {},
        "metrics": {},
        "groups": {},
        "selectors": {},
        "disabled": {},
        "parent_map": parent_map,
        "child_map": child_map,
        "group_map": {},
        "saved_queries": {},
        "semantic_models": {},
        "unit_tests": {},
    }


def load_ours(path: Path, n: int) -> int:
    # the resource is part of a user's Definitions; its project only needs a dbt_project.yml
    import dagster_nb as dg
    from dagster_nb.dbt import DbtCliResource, dbt_assets

    @dbt_assets(manifest=path)
    def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    defs = dg.Definitions(
        assets=[models], resources={"dbt": DbtCliResource(project_dir=path.parent)}
    )
    return len(dg.AssetSelection.from_string(f"key:m{n // 10}+").resolve(defs))


def load_theirs(path: Path, n: int) -> int:
    import dagster as dg
    from dagster_dbt import DbtCliResource, dbt_assets

    @dbt_assets(manifest=path)
    def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    defs = dg.Definitions(
        assets=[models], resources={"dbt": DbtCliResource(project_dir=os.fspath(path.parent))}
    )
    graph = defs.resolve_asset_graph()
    return len(dg.AssetSelection.from_string(f"key:m{n // 10}+").resolve(graph))


_COLD = """
import os, resource, sys, time, warnings, logging
sys.path.insert(0, {root!r})
warnings.simplefilter("ignore")
logging.getLogger("dagster").setLevel(logging.CRITICAL)
from pathlib import Path
{load_source}
fn = load_ours if {name!r} == "ours" else load_theirs
# the import: every name the loader uses (ours resolve on first use; Dagster's import eagerly)
if {name!r} == "ours":
    import dagster_nb as lib
    from dagster_nb.dbt import DbtCliResource, dbt_assets
else:
    import dagster as lib
    from dagster_dbt import DbtCliResource, dbt_assets
lib.AssetExecutionContext, lib.Definitions, lib.AssetSelection
c = time.process_time()
k = fn(Path({path!r}), {n})
load = time.process_time() - c
ru = resource.getrusage(resource.RUSAGE_SELF)
print(k, load, ru.ru_utime + ru.ru_stime)
"""


def _cold_load(name: str, path: Path, n: int, expected: int) -> tuple[float, float]:
    """(load CPU s, whole process CPU s) of one load in a fresh interpreter."""
    import inspect

    # the two loaders' source, not `import bench_dbt`: its imports (statistics, tempfile, ...)
    # are the benchmark's, not the load's, and cost ~20 ms of a cold process
    load_source = inspect.getsource(load_ours) + "\n" + inspect.getsource(load_theirs)
    code = _COLD.format(
        root=str(ROOT / "bench"), name=name, path=str(path), n=n, load_source=load_source
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode (below)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert int(out[0]) == expected, (name, out)
    return float(out[1]), float(out[2])


def breakdown_ours(path: Path, n: int, repeats: int, collections: bool) -> list[float]:
    """Median CPU ms of each phase of load_ours: parse, @dbt_assets (specs + multi-asset),
    Definitions + asset graph, selection. ``collections=False`` pauses the cyclic GC for the
    whole load, to show what the collections cost in each phase."""
    import gc

    import dagster_nb as dg
    from dagster_nb.dbt import DbtCliResource, dbt_assets
    from dagster_nb.dbt._manifest import load_manifest

    rows = []
    for _ in range(repeats):
        gc.collect()
        if not collections:
            gc.disable()
        try:
            t0 = time.process_time()
            manifest = load_manifest(path)
            t1 = time.process_time()

            @dbt_assets(manifest=manifest)
            def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
                yield from dbt.cli(["build"], context=context).stream()

            t2 = time.process_time()
            defs = dg.Definitions(
                assets=[models], resources={"dbt": DbtCliResource(project_dir=path.parent)}
            )
            defs.resolve_asset_graph()
            t3 = time.process_time()
            dg.AssetSelection.from_string(f"key:m{n // 10}+").resolve(defs)
            t4 = time.process_time()
        finally:
            gc.enable()
        rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0))
        del manifest, models, defs
    return [1e3 * statistics.median(c) for c in zip(*rows, strict=True)]


def bench_load(sizes: list[int], repeats: int) -> list[tuple]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_dbt_"))
    for n in sizes:
        (tmp / f"p{n}").mkdir()
        (tmp / f"p{n}" / "dbt_project.yml").write_text("name: bench\nprofile: bench\n")
        path = tmp / f"p{n}" / "manifest.json"
        path.write_text(json.dumps(make_manifest(n)))
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        import gc

        for _ in range(repeats):
            # each load starts from a collected heap: else a full collection of the other
            # library's garbage (dagster_dbt's 5,000 specs) may land in either's window
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            k1 = load_ours(path, n)
            ours.append(time.perf_counter() - t)
            ours_cpu.append(time.process_time() - c)
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            k2 = load_theirs(path, n)
            theirs.append(time.perf_counter() - t)
            theirs_cpu.append(time.process_time() - c)
            assert k1 == k2, (k1, k2)
        o, d = statistics.median(ours), statistics.median(theirs)
        oc, dc = statistics.median(ours_cpu), statistics.median(theirs_cpu)
        # Cold: a fresh process per load, as a new kernel loading the project: it imports the
        # library and parses the manifest (neither has read it), then loads as above. Reported:
        # the load's CPU time in that process and the whole process's (import included).
        cold: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
        import compileall  # pip compiles an installed package; a checkout may not be

        compileall.compile_dir(str(ROOT / "dagster_nb"), quiet=1)
        for _ in range(repeats):
            for name in ("ours", "theirs"):
                cold[name].append(_cold_load(name, path, n, k1))
        fo = statistics.median(c[0] for c in cold["ours"])
        fd = statistics.median(c[0] for c in cold["theirs"])
        po = statistics.median(c[1] for c in cold["ours"])
        pd = statistics.median(c[1] for c in cold["theirs"])
        rows.append((n, d, o, d / o, dc, oc, dc / oc, k1))
        print(
            f"load {n:>5} models: wall dagster_dbt {d:7.2f} s  dagster_nb {o:6.3f} s  {d / o:5.1f}x | "
            f"CPU {dc:7.2f} s / {oc:6.3f} s  {dc / oc:5.1f}x  (first run in the process: {theirs[0]:.2f} / {ours[0]:.3f} s; "
            f"selection: {k1} assets)",
            flush=True,
        )
        print(
            f"  cold, a fresh process per load (parse included): load CPU dagster_dbt {fd:.2f} s"
            f" / dagster_nb {fo:.3f} s  {fd / fo:5.1f}x | whole process (import + load) "
            f"{pd:.2f} s / {po:.3f} s  {pd / po:5.1f}x",
            flush=True,
        )
        for collections in (True, False):
            ms = breakdown_ours(path, n, repeats, collections)
            print(
                f"  dagster_nb phases, CPU ms ({'GC on' if collections else 'GC paused'}): "
                f"parse {ms[0]:.1f} | @dbt_assets {ms[1]:.1f} | Definitions + graph {ms[2]:.1f}"
                f" | selection {ms[3]:.1f} | total {ms[4]:.1f} ({1e3 * ms[4] / n:.0f} us/model)",
                flush=True,
            )
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


def bench_build(dbt_exe: str, repeats: int) -> dict:
    import duckdb

    import dagster_nb as dg
    from dagster_nb.dbt import DbtCliResource, DbtProject, dbt_assets

    tmp = Path(tempfile.mkdtemp(prefix="bench_dbt_build_"))
    pdir = tmp / "p"
    shutil.copytree(
        ROOT / "examples" / "dbt_project",
        pdir,
        ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"),
    )
    os.environ["PATH"] = str(Path(dbt_exe).parent) + os.pathsep + os.environ["PATH"]
    project = DbtProject(pdir)
    project.prepare()
    con = duckdb.connect(str(pdir / "jaffle.duckdb"))
    con.execute("create schema if not exists raw")
    con.execute(
        "create or replace table raw.orders as select range as id, range % 50 as customer_id, range * 1.5 as amount from range(1000)"
    )
    con.execute(
        "create or replace table raw.customers as select range as id, 'c' || range as name from range(50)"
    )
    con.close()

    @dbt_assets(manifest=project.manifest_path, project=project)
    def ours(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    res = {"dbt": DbtCliResource(project_dir=project)}
    env = {**os.environ, "DBT_PROFILES_DIR": str(pdir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    def direct():
        # the command dbt_assets runs, as a user would type it (JSON log as dagster_dbt asks)
        subprocess.run(
            [
                dbt_exe,
                "--no-use-colors",
                "build",
                "--select",
                "fqn:*",
                "--target-path",
                str(tmp / "direct"),
            ],
            cwd=pdir,
            env={**env, "DBT_LOG_FORMAT": "json"},
            check=True,
            capture_output=True,
        )

    def nb():
        assert dg.materialize([ours], resources=res).success

    theirs_fn = None
    try:
        import dagster
        import dagster_dbt

        tp = dagster_dbt.DbtProject(pdir)

        @dagster_dbt.dbt_assets(manifest=tp.manifest_path, project=tp)
        def theirs(context: dagster.AssetExecutionContext, dbt: dagster_dbt.DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream()

        tres = {"dbt": dagster_dbt.DbtCliResource(project_dir=tp, dbt_executable=dbt_exe)}

        def theirs_fn():
            assert dagster.materialize([theirs], resources=tres).success
    except ImportError:
        pass
    times: dict[str, list[float]] = {"direct": [], "dagster_nb": [], "dagster_dbt": []}
    cpu: dict[str, list[float]] = {"direct": [], "dagster_nb": [], "dagster_dbt": []}
    child: dict[str, list[float]] = {"direct": [], "dagster_nb": [], "dagster_dbt": []}  # dbt's CPU
    for _ in range(repeats):
        for name, fn in (("direct", direct), ("dagster_nb", nb), ("dagster_dbt", theirs_fn)):
            if fn is None:
                continue
            t, c = time.perf_counter(), time.process_time()
            ch = resource.getrusage(resource.RUSAGE_CHILDREN)
            fn()
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)  # this process only: dbt runs in a child
            ch2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            child[name].append(ch2.ru_utime + ch2.ru_stime - ch.ru_utime - ch.ru_stime)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    for k, v in med.items():
        over = v - med["direct"]
        print(
            f"dbt build via {k:<11} wall {v:6.2f} s  overhead {over:+6.2f} s ({100 * over / med['direct']:+5.1f}%)  "
            f"| CPU: orchestration {statistics.median(cpu[k]):.3f} s, dbt {statistics.median(child[k]):.2f} s "
            f"({100 * statistics.median(cpu[k]) / statistics.median(child[k]):.1f}% of dbt's)  wall samples {[round(x, 2) for x in times[k]]}",
            flush=True,
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return med


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--build-repeats", type=int, default=3)
    ap.add_argument("--dbt", default=os.environ.get("DAGSTER_NB_TEST_DBT") or shutil.which("dbt"))
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-load", action="store_true")
    args = ap.parse_args()
    import logging

    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if args.dbt:  # dagster_dbt's resource checks at construction that `dbt` is on PATH
        os.environ["PATH"] = str(Path(args.dbt).parent) + os.pathsep + os.environ["PATH"]
    if not args.skip_load:
        bench_load(args.sizes, args.repeats)
    if not args.skip_build:
        if not args.dbt:
            print("no dbt executable: skipping the build overhead (pass --dbt)")
        else:
            bench_build(args.dbt, args.build_repeats)


if __name__ == "__main__":
    main()
