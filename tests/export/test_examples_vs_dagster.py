"""The reverse direction: our examples and every notebook's definitions are Dagster code. Each
runs with `import dagster as dg` and with `import dagster_nb as dg`, and both give the same
values; none relies on a name only dagster_nb has (the notebooks' `dg.kernel` calls are
exploration, which the export leaves behind, so its notes are empty)."""

from __future__ import annotations

import ast
import re
import sys
import types

import pytest

from dagster_nb._export import build_export

from .conftest import ROOT, code_cells, exportable_notebooks

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]
dagster = pytest.importorskip("dagster")

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
NOTEBOOK_FILES = exportable_notebooks()
# A partition per partitions definition, for notebooks whose assets are partitioned.
# (weekly_mean reads seven days of readings, which one run of one day cannot give it.)
PARTITION = {
    "02_partitions_and_backfills": {"readings": "2024-03-05", "regional_load": "2024-03-05|east"}
}
RUN_CONFIG = {"03_resources_and_io_managers": {"ops": {"km_by_city": {"config": {"min_km": 5}}}}}


def _module(text: str, lib: str, name: str):
    """Run the code with `dg` being `lib` (dagster or dagster_nb)."""
    src = re.sub(r"^import dagster(_nb)? as dg$", f"import {lib} as dg", text, flags=re.M)
    assert f"import {lib} as dg" in src
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(src, f"<{name}:{lib}>", "exec", dont_inherit=True), module.__dict__)
    finally:
        sys.modules.pop(name, None)
    return module


def _values(module, lib, partitions=None, run_config=None, tmp=None):
    """Materialize the module's assets with `lib` (one run per partition key; partitioned
    assets without a key in `partitions` are left out) and return {(key, partition): value}."""
    m = sys.modules[lib]
    defs = module.defs
    groups: dict = {}
    for a in defs.assets:
        if type(a).__name__ != "AssetsDefinition" or not a.is_materializable:
            continue  # source assets (observable in ours, SourceAsset in Dagster)
        keys = [k.to_user_string() for k in a.keys]
        pk = next((partitions[k] for k in keys if k in (partitions or {})), None)
        if pk is None and a.partitions_def is not None:
            continue
        groups.setdefault(pk, []).extend(keys)
    out = {}
    for i, (pk, keys) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        instance = (
            m.DagsterInstance.ephemeral()
            if lib == "dagster"
            else m.DagsterInstance.from_directory(tmp / f"home-{i}")
        )
        result = m.materialize(
            list(defs.assets),
            selection=keys,
            resources=dict(defs.resources or {}),
            instance=instance,
            run_config=run_config or {},
            partition_key=pk,
        )
        assert result.success
        for k in keys:
            out[k, pk] = result.asset_value(k)
    return out


def _same(a, b) -> bool:
    if type(a).__name__ == "DataFrame":
        return a.equals(b)
    return a == b


def _dg_names(text: str, alias: str = "dg") -> set[str]:
    return {
        n.attr
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == alias
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_on_dagster_with_the_same_values(path, tmp_path):
    text = path.read_text()
    missing = sorted(n for n in _dg_names(text) if not hasattr(dagster, n))
    assert not missing, f"{path.name} uses names Dagster lacks: {missing}"
    ours = _values(_module(text, "dagster_nb", "ex_ours"), "dagster_nb", tmp=tmp_path)
    theirs = _values(_module(text, "dagster", "ex_theirs"), "dagster", tmp=tmp_path)
    assert ours.keys() == theirs.keys() and ours
    for k in ours:
        assert _same(ours[k], theirs[k]), k


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_definitions_run_on_both_with_the_same_values(path, tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_TOKEN", "token-for-the-test")
    export = build_export(code_cells(path), source=path.name)
    assert export.notes == ()  # nothing dagster_nb-only among the definitions
    text = export.text
    partitions, config = PARTITION.get(path.stem), RUN_CONFIG.get(path.stem)
    ours = _values(
        _module(text, "dagster_nb", "nb_ours"), "dagster_nb", partitions, config, tmp_path
    )
    theirs = _values(_module(text, "dagster", "nb_theirs"), "dagster", partitions, config, tmp_path)
    assert ours.keys() == theirs.keys() and ours
    for k in ours:
        assert _same(ours[k], theirs[k]), (k, ours[k], theirs[k])
