"""Every notebook in notebooks/ exports to a module that real Dagster loads and materializes
(`dagster asset list` / `dagster asset materialize` as subprocesses), and the values Dagster
stores equal the values the notebook computes with dagster_nb (the notebook's cells run in a
real IPython shell here)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_nb._export import export_notebook

from .conftest import NOTEBOOKS, code_cells

pytestmark = [pytest.mark.dagster, pytest.mark.slow, pytest.mark.usefixtures("quiet_dagster")]
pytest.importorskip("dagster")

DAGSTER = Path(sys.executable).with_name("dagster")

# Per notebook: the Dagster runs to make (asset keys, or None for `--select '*'`; a partition
# key per partitions definition), run config, and environment the notebook set for itself.
CASES = {
    "01_quickstart": {"runs": [(None, None)]},
    "02_partitions_and_backfills": {
        # weekly_mean reads up to 7 days of readings as {day: frame}; on the first day Dagster
        # (and dagster_nb) pass that one day's frame itself, which the notebook's code does not
        # handle, so the second day is the first one it computes.
        "runs": [
            (["readings"], "2024-03-01"),
            (["readings", "weekly_mean"], "2024-03-02"),
            (["regional_load"], "2024-03-02|south"),
        ],
    },
    "03_resources_and_io_managers": {
        "runs": [(None, None)],
        "config": {"ops": {"km_by_city": {"config": {"min_km": 5}}}},
        "env": {"WAREHOUSE_TOKEN": "token-for-the-test"},
        # JsonIOManager writes under a tempfile.mkdtemp() made when the module is imported, so a
        # new process cannot find it again; its handle_output records the file as `path`.
        "by_path_metadata": {"km_by_city"},
    },
    "04_staleness_and_versions": {"runs": [(None, None)]},
}


def _dagster(args, home, env_extra):
    env = {**os.environ, "DAGSTER_HOME": str(home), **env_extra}
    env.pop("PYTHONPATH", None)  # the exported module needs dagster only, not dagster_nb
    proc = subprocess.run(
        [str(DAGSTER), *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, (
        f"dagster {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _our_key(dg, partition):
    """Dagster's CLI and loader take a multi-partition key as the string 'a|b'; dagster_nb's
    load_asset_value needs a MultiPartitionKey (with the string it looks for a file named
    'a|b' instead of a/b: a dagster_nb gap, reported)."""
    if partition and "|" in partition:
        date, region = partition.split("|")
        return dg.MultiPartitionKey({"date": date, "region": region})
    return partition


def _same(a, b):
    if type(a).__name__ == "DataFrame":
        import pandas.testing

        pandas.testing.assert_frame_equal(a, b)
        return True
    return a == b


@pytest.mark.skipif(not DAGSTER.exists(), reason="the dagster CLI is not installed next to python")
@pytest.mark.parametrize("name", sorted(CASES))
def test_notebook_exports_to_dagster_with_the_same_values(name, nb_shell, tmp_path, monkeypatch):
    import dagster

    case = CASES[name]
    notebook = NOTEBOOKS / f"{name}.ipynb"

    # 1. The notebook, as a kernel runs it, with dagster_nb.
    for cell in code_cells(notebook):
        nb_shell.run(cell)
    kernel = nb_shell.ns["dg"].kernel
    ours: dict[tuple[str, str | None], object] = {}
    for keys, partition in case["runs"]:
        selected = keys or sorted(
            k.to_user_string() for k in kernel.snapshot().graph.materializable_asset_keys
        )
        for key in selected:
            pk = _our_key(nb_shell.ns["dg"], partition)
            try:
                ours[key, partition] = kernel.load_asset_value(key, partition_key=pk)
            except Exception:  # not materialized for this partition in the notebook: do it now
                kernel.materialize(key, partition_key=pk, run_config=case.get("config", {}))
                ours[key, partition] = kernel.load_asset_value(key, partition_key=pk)
    materializable = sorted(
        k.to_user_string() for k in kernel.snapshot().graph.materializable_asset_keys
    )

    # 2. The export, with real Dagster in fresh processes.
    out = tmp_path / f"{name}_defs.py"
    out.write_text(export_notebook(notebook))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    env = case.get("env", {})
    listed = _dagster(["asset", "list", "-f", str(out)], home, env).split()
    assert sorted(listed) == materializable
    for keys, partition in case["runs"]:
        args = ["asset", "materialize", "-f", str(out), "--select", ",".join(keys) if keys else "*"]
        if partition:
            args += ["--partition", partition]
        if case.get("config"):
            args += ["--config-json", json.dumps(case["config"])]
        _dagster(args, home, env)

    # 3. Dagster's stored values equal the notebook's.
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    module = _import(out, f"_exported_{name}")
    instance = dagster.DagsterInstance.from_ref(
        dagster._core.instance.ref.InstanceRef.from_dir(str(home))
    )
    try:
        with module.defs.get_asset_value_loader(instance=instance) as loader:
            for (key, partition), expected in sorted(ours.items(), key=str):
                if key in case.get("by_path_metadata", ()):
                    event = instance.get_latest_materialization_event(dagster.AssetKey(key))
                    path = event.asset_materialization.metadata["path"].value
                    theirs = json.loads(Path(path).read_text())
                else:
                    theirs = loader.load_asset_value(key, partition_key=partition)
                assert _same(theirs, expected), (
                    f"{key} [{partition}]: Dagster {theirs!r} != notebook {expected!r}"
                )
    finally:
        instance.dispose()
    assert len(ours) >= 2
