"""The dbt part of the export, as text (no dbt needed): aliases, names dagster_dbt lacks,
names the kept code does not read."""

import ast

from dagster_nb._export import build_export

CELLS = [
    "import dagster_nb as dg\n"
    "from dagster_nb.dbt import DbtProject, DbtCliResource as Cli, dbt_assets as dbt_multi\n"
    "from dagster_nb.dbt import DagsterDbtManifestNotFoundError, get_asset_key_for_model\n"
    "from dagster_nb.dbt import DbtDuckDBIOManager",
    "project = DbtProject('/srv/jaffle')\n"
    "try:\n"
    "    project.prepare_if_dev()\n"
    "except DagsterDbtManifestNotFoundError:\n"
    "    raise\n",
    "@dbt_multi(manifest=project.manifest_path, select='tag:daily')\n"
    "def daily(context: dg.AssetExecutionContext, dbt: Cli):\n"
    "    yield from dbt.cli(['build'], context=context).stream()",
    "dg.kernel.set_resources(dbt=Cli(project_dir=project))",
]


def test_aliases_and_decorator_under_another_name():
    export = build_export(CELLS, source="t.ipynb")
    text = export.text
    ast.parse(text)
    assert "from dagster_dbt import DbtProject, DbtCliResource as Cli, dbt_assets as dbt_multi" in (
        text
    )
    assert "    assets=[daily]," in text  # the aliased @dbt_assets is a definition
    # unused names are dropped: no IO manager source, no get_asset_key_for_model import
    assert "DbtDuckDBIOManager" not in text and "get_asset_key_for_model" not in text
    # an error class dagster_dbt lacks becomes its base class, with a note saying so
    assert "from dagster_dbt import DagsterDbtError as DagsterDbtManifestNotFoundError" in text
    assert any(
        "DagsterDbtManifestNotFoundError" in n and "DagsterDbtError" in n for n in export.notes
    )
    assert "dagster_nb" not in text


def test_a_notebook_without_dbt_is_unchanged():
    text = build_export(
        ["import dagster_nb as dg\n@dg.asset\ndef a():\n    return 1"], source="t.ipynb"
    ).text
    assert "dagster_dbt" not in text and "DbtDuckDBIOManager" not in text


def test_module_alias_import_and_its_decorator():
    export = build_export(
        [
            "import dagster_nb as dg\n"
            "import dagster_nb.dbt as nbdbt\n"
            "@nbdbt.dbt_assets(manifest='m.json')\n"
            "def models(context, dbt: nbdbt.DbtCliResource):\n"
            "    yield from dbt.cli(['build'], context=context).stream()\n"
            "dg.kernel.set_resources(io_manager=nbdbt.DbtDuckDBIOManager(database='w.duckdb'))"
        ],
        source="t.ipynb",
    )
    assert "import dagster_dbt as nbdbt" in export.text
    assert "    assets=[models]," in export.text
    # dagster_dbt has no DbtDuckDBIOManager: the note says what to change
    assert [n for n in export.notes if "nbdbt.DbtDuckDBIOManager" in n and "by name" in n]
