"""A manifest.json read from a file is parsed lazily: loading reads a digest of each node, and a
node is parsed in full the first time something reads it (a spec, a run, a user's hook).

What loading derives from the digest (keys, deps, checks) is what the fully parsed manifest
gives; the parsed nodes are the file's; the manifest pickles; a digest refuses to answer for a
field it does not hold.
"""

import json
import pickle

import pytest

import dagster_nb as dg
from dagster_nb.dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_nb.dbt._manifest import graph_props, load_manifest

pytestmark = [pytest.mark.usefixtures("quiet_dagster")]


def _model(label, parents=(), **extra):
    name = label
    uid = f"model.p.{label}"
    node = {
        "unique_id": uid,
        "resource_type": "model",
        "name": name,
        "package_name": "p",
        "fqn": ["p", name],
        "raw_code": f"select 1 as {name}",
        "description": f"model {name}",
        "config": {"materialized": "table", "meta": {}},
        "meta": {},
        "columns": {"a": {"name": "a", "description": "col a", "data_type": "int", "tags": []}},
        "depends_on": {"nodes": list(parents), "macros": []},
        "database": "db",
        "schema": "main",
        "alias": name,
        "checksum": {"name": "sha256", "checksum": name * 3},
    }
    node.update(extra)
    return uid, node


def _test(name, attached, parents=None, **extra):
    uid = f"test.p.{name}"
    node = {
        "unique_id": uid,
        "resource_type": "test",
        "name": name,
        "package_name": "p",
        "fqn": ["p", name],
        "attached_node": attached,
        "config": {"severity": "ERROR", "meta": {}},
        "meta": {},
        "columns": {},
        "depends_on": {"nodes": list(parents if parents is not None else [attached])},
    }
    node.update(extra)
    return uid, node


def _tricky_manifest():
    """Ephemeral models looked through, a versioned model, asset keys set in meta (two ways),
    a source with a test, a test attached by ``meta.dagster.ref``, and a node the digest cannot
    read (its config is a list, an empty one)."""
    src = "source.p.raw.orders"
    nodes = dict(
        [
            _model("stg", [src]),
            _model("eph", ["model.p.stg"], config={"materialized": "ephemeral"}),
            _model("mart", ["model.p.eph"], version=2),
            _model(
                "keyed",
                ["model.p.stg"],
                config={"materialized": "view", "meta": {"dagster": {"asset_key": ["x", "k"]}}},
            ),
            _model("metakeyed", ["model.p.mart"], meta={"dagster": {"asset_key": ["y", "m"]}}),
            _model("odd", ["model.p.stg"], config=[]),
            _test("not_null_stg_a", "model.p.stg"),
            _test("src_unique", src),
            _test(
                "by_ref",
                None,
                parents=["model.p.stg", "model.p.mart"],
                config={
                    "severity": "WARN",
                    "meta": {"dagster": {"ref": {"name": "mart", "version": 2}}},
                },
            ),
        ]
    )
    nodes["model.p.mart"]["alias"] = "mart_v2"
    sources = {
        src: {
            "unique_id": src,
            "resource_type": "source",
            "name": "orders",
            "source_name": "raw",
            "package_name": "p",
            "fqn": ["p", "raw", "orders"],
            "database": "db",
            "schema": "raw",
            "identifier": "orders",
            "description": "raw orders",
            "columns": {"id": {"name": "id", "description": "", "data_type": "int", "tags": []}},
            "meta": {},
            "config": {"enabled": True},
        }
    }
    child_map: dict = {u: [] for u in [*nodes, *sources]}
    parent_map: dict = {}
    for uid, node in nodes.items():
        parent_map[uid] = node["depends_on"]["nodes"]
        for up in node["depends_on"]["nodes"]:
            child_map[up].append(uid)
    return {
        "metadata": {"adapter_type": "duckdb", "project_name": "p", "project_id": "abc"},
        "nodes": nodes,
        "sources": sources,
        "child_map": child_map,
        "parent_map": parent_map,
        "groups": {},
        "exposures": {},
    }


def _decorate(manifest, translator=None):
    @dbt_assets(manifest=manifest, dagster_dbt_translator=translator)
    def models(context: dg.AssetExecutionContext):
        yield from ()

    return models


def _described(models):
    """Everything loading derives, then every spec as built."""
    specs = models.specs_by_key
    graph = {
        key.to_user_string(): sorted(d.asset_key.to_user_string() for d in specs.deps_of(key))
        for key in specs
    }
    checks = sorted(
        (c.asset_key.to_user_string(), c.name, [d.asset_key.path for d in c.additional_deps])
        for c in models.check_specs
    )
    built = {
        key.to_user_string(): (
            spec.description,
            spec.group_name,
            spec.code_version,
            sorted(spec.kinds),
            {d.asset_key.to_user_string(): dict(d.metadata) for d in spec.deps},
            {k: repr(v) for k, v in spec.metadata.items() if not k.startswith("dagster_dbt/")},
        )
        for key, spec in specs.items()
    }
    return graph, checks, built


@pytest.mark.parametrize("source_checks", [False, True])
def test_loading_from_a_file_derives_what_the_parsed_manifest_gives(tmp_path, source_checks):
    raw = _tricky_manifest()
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(raw))
    translator = DagsterDbtTranslator(
        DagsterDbtTranslatorSettings(enable_source_tests_as_checks=source_checks)
    )
    lazy = _described(_decorate(path, translator))
    eager = _described(_decorate(json.loads(path.read_text()), translator))
    assert lazy == eager
    graph, checks, _ = lazy
    assert graph == {
        "stg": ["raw/orders"],
        "mart_v2": ["stg"],  # versioned: keyed by alias; its dep through the ephemeral model
        "x/k": ["stg"],
        "y/m": ["mart_v2"],
        "odd": ["stg"],
    }
    assert [c[:2] for c in checks] == [
        ("mart_v2", "by_ref"),
        *([("raw/orders", "src_unique")] if source_checks else []),
        ("stg", "not_null_stg_a"),
    ]


def test_nodes_are_parsed_when_first_read(tmp_path):
    raw = _tricky_manifest()
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(raw))
    models = _decorate(path)
    defs = dg.Definitions(assets=[models])
    picked = dg.AssetSelection.from_string("key:stg+").resolve(defs)
    assert {k.to_user_string() for k in picked} == {"stg", "mart_v2", "x/k", "y/m", "odd"}

    manifest = load_manifest(path)  # the one @dbt_assets read (kept while the file is the same)
    nodes = manifest["nodes"]
    # loading parsed only the node the digest could not read (its config is a list)
    assert set(nodes._parsed) == {"model.p.odd"}
    spec = models.specs_by_key[dg.AssetKey("mart_v2")]
    assert spec.description.startswith("model mart")
    assert set(nodes._parsed) == {"model.p.odd", "model.p.mart"}
    # a parsed node is the file's node; the manifest reads as the file does
    assert nodes["model.p.mart"] == raw["nodes"]["model.p.mart"]
    assert dict(manifest) == raw
    assert sorted(manifest) == sorted(raw) and len(manifest["nodes"]) == len(raw["nodes"])


def test_a_lazy_manifest_pickles_as_its_bytes(tmp_path):
    raw = _tricky_manifest()
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(raw))
    manifest = load_manifest(path)
    back = pickle.loads(pickle.dumps(manifest))
    assert back is not manifest and dict(back) == raw
    # the Dask and process executors ship a definition with cloudpickle (its function is local)
    cloudpickle = pytest.importorskip("cloudpickle")
    models = _decorate(path)
    again = pickle.loads(cloudpickle.dumps(models))
    assert again.keys == models.keys
    assert again.specs_by_key[dg.AssetKey("stg")].description.startswith("model stg\n")


def test_a_digest_answers_only_for_what_it_holds(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_tricky_manifest()))
    manifest = load_manifest(path)
    props = graph_props(manifest, "model.p.mart")
    assert props["name"] == "mart" and props.get("version") == 2
    assert props.get("config").get("materialized") == "table"
    assert props.get("depends_on").get("nodes") == ["model.p.eph"]
    with pytest.raises(AttributeError, match="no attribute 'columns'"):
        props.get("columns")
    with pytest.raises(AttributeError, match="no attribute 'raw_code'"):
        props["raw_code"]
    # a source is found too; an unknown id is looked up (and refused) as before
    assert graph_props(manifest, "source.p.raw.orders")["source_name"] == "raw"
    with pytest.raises(dg.DagsterInvariantViolationError, match="model.p.nope"):
        graph_props(manifest, "model.p.nope")


def test_a_manifest_given_as_a_dict_is_used_as_it_is(manifest, parsed_project):
    assert load_manifest(manifest) is manifest
    models = _decorate(parsed_project.manifest_path)
    from_dict = _decorate(manifest)
    assert models.keys == from_dict.keys
    assert sorted(c.name for c in models.check_specs) == sorted(
        c.name for c in from_dict.check_specs
    )


def test_a_rerun_cell_reuses_what_the_default_translator_derived(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_tricky_manifest()))
    first, second = _decorate(path), _decorate(path)
    manifest = load_manifest(path)
    a, b = DagsterDbtTranslator(), DagsterDbtTranslator()
    memo = a.node_memo(manifest, None)
    # shared by default translators with the same settings, while the file is the one kept
    assert b.node_memo(manifest, None) is memo and memo.asset_keys and memo.tests
    assert b.node_memo(manifest, object()) is memo  # keys and deps do not depend on a project
    assert (
        DagsterDbtTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=False)).node_memo(
            manifest, None
        )
        is not memo
    )

    class Mine(DagsterDbtTranslator):
        pass

    assert Mine().node_memo(manifest, None) is not memo
    # each definition's specs name its own translator; a shared memo does not hand one
    # translator's spec to another
    t1 = first.specs_by_key[dg.AssetKey("stg")].metadata["dagster_dbt/dagster_dbt_translator"]
    t2 = second.specs_by_key[dg.AssetKey("stg")].metadata["dagster_dbt/dagster_dbt_translator"]
    assert t1 is not t2
    spec_a = a.get_asset_spec(manifest, "model.p.stg", None)
    spec_b = b.get_asset_spec(manifest, "model.p.stg", None)
    assert spec_a.metadata["dagster_dbt/dagster_dbt_translator"] is a
    assert spec_b.metadata["dagster_dbt/dagster_dbt_translator"] is b
    assert spec_a.key == spec_b.key and spec_a.deps == spec_b.deps
    project = object()
    spec_p = a.get_asset_spec(manifest, "model.p.stg", project)
    assert spec_p.metadata["dagster_dbt/project"] is project
    assert a.get_asset_spec(manifest, "model.p.stg", None) is not spec_p
    # a rewritten file is read again, and derived again
    path.write_text(json.dumps(_tricky_manifest()) + " ")
    third = _decorate(path)
    assert load_manifest(path) is not manifest
    assert DagsterDbtTranslator().node_memo(load_manifest(path), None) is not memo
    assert third.keys == first.keys
