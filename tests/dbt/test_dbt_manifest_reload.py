"""A manifest.json is parsed again when the file changes, and only then; a broken one names the
file and the fix."""

import json
import os

import pytest

import dagster_nb as dg
from dagster_nb.dbt import DagsterDbtManifestNotFoundError, DbtCliResource, dbt_assets


def _manifest(*names):
    nodes = {}
    for name in names:
        uid = f"model.p.{name}"
        nodes[uid] = {
            "unique_id": uid,
            "resource_type": "model",
            "name": name,
            "package_name": "p",
            "fqn": ["p", name],
            "raw_code": f"select 1 as {name}",
            "config": {"materialized": "table"},
            "columns": {},
            "depends_on": {"nodes": []},
            "database": "db",
            "schema": "main",
            "alias": name,
        }
    return {
        "metadata": {"adapter_type": "duckdb", "project_name": "p"},
        "nodes": nodes,
        "sources": {},
        "child_map": {},
        "parent_map": {},
    }


def _keys(path):
    @dbt_assets(manifest=path)
    def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    return sorted(k.to_user_string() for k in models.keys)


def test_a_rewritten_manifest_is_read_again(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_manifest("a", "b")))
    assert _keys(path) == ["a", "b"]
    assert _keys(path) == ["a", "b"]
    # same size, same second: only the nanoseconds (or the inode) tell the files apart
    st = path.stat()
    path.write_text(json.dumps(_manifest("a", "c")))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert _keys(path) == ["a", "c"]
    # replaced by a new file (as dbt writes it): read again
    tmp = tmp_path / "new.json"
    tmp.write_text(json.dumps(_manifest("d")))
    os.replace(tmp, path)
    assert _keys(path) == ["d"]


@pytest.mark.parametrize(
    ("text", "what"), [("{not json", "not a valid manifest"), ("[1, 2]", "has no 'nodes'")]
)
def test_a_broken_manifest_names_the_file_and_the_fix(tmp_path, text, what):
    path = tmp_path / "manifest.json"
    path.write_text(text)
    with pytest.raises(DagsterDbtManifestNotFoundError) as e:
        _keys(path)
    assert str(path) in str(e.value) and what in str(e.value) and "dbt parse" in str(e.value)
