"""Asset specs and check specs from one real manifest, ours against dagster_dbt's."""

import pytest

import dagster_nb
from dagster_nb.dbt import DbtCliResource

pytestmark = [pytest.mark.dagster, pytest.mark.usefixtures("quiet_dagster")]

dagster_dbt = pytest.importorskip("dagster_dbt")
import dagster  # noqa: E402


def _ours(manifest, **kw):
    from dagster_nb.dbt import dbt_assets

    @dbt_assets(manifest=manifest, **kw)
    def jaffle(context: dagster_nb.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    return jaffle


def _theirs(manifest, **kw):
    @dagster_dbt.dbt_assets(manifest=manifest, **kw)
    def jaffle(context: dagster.AssetExecutionContext, dbt: dagster_dbt.DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    return jaffle


def _spec_facts(spec):
    meta = spec.metadata
    schema = meta.get("dagster/column_schema")
    return {
        "key": spec.key.path,
        "deps": sorted(tuple(d.asset_key.path) for d in spec.deps),
        "dep_meta": sorted((tuple(d.asset_key.path), sorted(d.metadata or {})) for d in spec.deps),
        "group": spec.group_name,
        "description": spec.description,
        "metadata_keys": sorted(meta),
        "table_name": meta.get("dagster/table_name"),
        "materialization_type": meta.get("dagster-dbt/materialization_type"),
        "unique_id": meta.get("dagster_dbt/unique_id"),
        "storage_kind": meta.get("dagster/storage_kind"),
        "columns": [(c.name, c.type, c.description) for c in schema.columns] if schema else None,
        "owners": list(spec.owners),
        "tags": dict(spec.tags),
        "kinds": sorted(spec.kinds),
        "code_version": spec.code_version,
        "skippable": spec.skippable,
    }


def _check_facts(cs):
    return {
        "asset": cs.asset_key.path,
        "name": cs.name,
        "description": cs.description,
        "blocking": cs.blocking,
        "additional_deps": sorted(tuple(d.asset_key.path) for d in cs.additional_deps),
        "metadata": dict(cs.metadata or {}),
    }


def test_specs_match_dagster_dbt(manifest):
    ours, theirs = _ours(manifest), _theirs(manifest)
    assert (
        {k.to_user_string() for k in ours.keys}
        == {k.to_user_string() for k in theirs.keys}
        == {"stg_orders", "stg_customers", "customer_revenue"}
    )
    by_key = {tuple(s.key.path): _spec_facts(s) for s in ours.specs}
    for s in theirs.specs:
        assert by_key[tuple(s.key.path)] == _spec_facts(s), s.key
    # a few real values, so an empty comparison cannot pass
    rev = by_key[("customer_revenue",)]
    assert rev["owners"] == ["team:finance"] and "finance" in rev["tags"]
    assert rev["deps"] == [("stg_customers",), ("stg_orders",)]
    assert by_key[("stg_orders",)]["deps"] == [("raw", "orders")]
    assert rev["kinds"] == ["dbt", "duckdb"] and rev["table_name"].endswith("main.customer_revenue")


def test_check_specs_match_dagster_dbt(manifest):
    ours = sorted(
        (_check_facts(c) for c in _ours(manifest).check_specs),
        key=lambda f: (f["asset"], f["name"]),
    )
    theirs = sorted(
        (_check_facts(c) for c in _theirs(manifest).check_specs),
        key=lambda f: (f["asset"], f["name"]),
    )
    assert ours == theirs
    assert len(ours) == 5 and {"unique_stg_orders_order_id", "not_null_stg_orders_order_id"} <= {
        f["name"] for f in ours
    }


def test_op_and_definition_match_dagster_dbt(manifest):
    ours, theirs = _ours(manifest, name="jaffle_dbt"), _theirs(manifest, name="jaffle_dbt")
    assert ours.op.name == theirs.op.name == "jaffle_dbt"
    assert dict(ours.op.tags) == {k: v for k, v in theirs.op.tags.items()}
    assert ours.can_subset is theirs.can_subset is True
    assert (
        set(ours.required_resource_keys) - {"io_manager"}
        == set(theirs.required_resource_keys) - {"io_manager"}
        == {"dbt"}
    )
    o = {k.to_user_string(): ours.get_io_manager_key_for_asset_key(k) for k in ours.keys}
    t = {k.to_user_string(): theirs.get_io_manager_key_for_asset_key(k) for k in theirs.keys}
    assert o == t


def test_io_manager_key_and_settings_match(manifest):
    from dagster_nb.dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

    ours = _ours(
        manifest,
        io_manager_key="warehouse",
        dagster_dbt_translator=DagsterDbtTranslator(
            DagsterDbtTranslatorSettings(enable_asset_checks=False)
        ),
    )
    theirs = _theirs(
        manifest,
        io_manager_key="warehouse",
        dagster_dbt_translator=dagster_dbt.DagsterDbtTranslator(
            dagster_dbt.DagsterDbtTranslatorSettings(enable_asset_checks=False)
        ),
    )
    assert list(ours.check_specs) == list(theirs.check_specs) == []
    assert {ours.get_io_manager_key_for_asset_key(k) for k in ours.keys} == {"warehouse"}
    assert {theirs.get_io_manager_key_for_asset_key(k) for k in theirs.keys} == {"warehouse"}


def test_translator_overrides_match(manifest):
    from dagster_nb.dbt import DagsterDbtTranslator

    def mixin(base):
        class Custom(base):
            def get_asset_key(self, props):
                return super().get_asset_key(props).with_prefix("wh")

            def get_group_name(self, props):
                return "staging" if props["name"].startswith("stg_") else "marts"

            def get_description(self, props):
                return f"{props['resource_type']}:{props['name']}"

        return Custom

    ours = _ours(manifest, dagster_dbt_translator=mixin(DagsterDbtTranslator)())
    theirs = _theirs(manifest, dagster_dbt_translator=mixin(dagster_dbt.DagsterDbtTranslator)())
    o = {
        tuple(s.key.path): (
            s.group_name,
            s.description,
            sorted(tuple(d.asset_key.path) for d in s.deps),
        )
        for s in ours.specs
    }
    t = {
        tuple(s.key.path): (
            s.group_name,
            s.description,
            sorted(tuple(d.asset_key.path) for d in s.deps),
        )
        for s in theirs.specs
    }
    assert o == t
    assert o[("wh", "stg_orders")] == ("staging", "model:stg_orders", [("wh", "raw", "orders")])
    assert sorted(c.asset_key.path for c in ours.check_specs) == sorted(
        c.asset_key.path for c in theirs.check_specs
    )


def test_key_helpers_match(manifest):
    ours, theirs = _ours(manifest), _theirs(manifest)
    from dagster_nb.dbt import get_asset_key_for_model, get_asset_key_for_source

    assert (
        get_asset_key_for_model([ours], "customer_revenue").path
        == dagster_dbt.get_asset_key_for_model([theirs], "customer_revenue").path
        == ["customer_revenue"]
    )
    with pytest.raises(KeyError) as ours_err:
        get_asset_key_for_model([ours], "customer_revenu")
    with pytest.raises(KeyError):
        dagster_dbt.get_asset_key_for_model([theirs], "customer_revenu")
    assert "customer_revenue" in str(ours_err.value)  # did you mean
    with pytest.raises(KeyError):
        get_asset_key_for_source([ours], "raw")  # two tables, as in dagster_dbt
    with pytest.raises(KeyError):
        dagster_dbt.get_asset_key_for_source([theirs], "raw")
    from dagster_nb.dbt import build_dbt_asset_selection

    for select in (
        "fqn:*",
    ):  # dagster_dbt evaluates other selections only with dbt-core in-process
        o = build_dbt_asset_selection([ours], dbt_select=select).resolve([ours])
        t = dagster_dbt.build_dbt_asset_selection([theirs], dbt_select=select).resolve([theirs])
        assert (
            {k.to_user_string() for k in o}
            == {k.to_user_string() for k in t}
            == {"stg_orders", "stg_customers", "customer_revenue"}
        )
