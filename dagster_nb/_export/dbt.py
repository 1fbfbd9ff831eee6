"""The dbt part of the export: ``dagster_nb.dbt`` becomes ``dagster_dbt``.

A notebook that imports ``from dagster_nb.dbt import DbtProject, DbtCliResource, dbt_assets``
exports to ``from dagster_dbt import DbtProject, DbtCliResource, dbt_assets``: same names, same
parameters, so the decorated functions and resources are carried as written. ``@dbt_assets``
functions are assets of the module's ``Definitions``. ``DbtDuckDBIOManager`` has no dagster_dbt
counterpart; its source (plain Dagster code) is written into the module instead.

    from dagster_nb._export import export_notebook
    text = export_notebook("notebooks/06_dbt.ipynb")   # ... from dagster_dbt import ...
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

DBT_MODULE = "dagster_nb.dbt"

# dagster_nb.dbt names that dagster_dbt has under the same name.
SAME_IN_DAGSTER_DBT = frozenset(
    {
        "DbtProject",
        "DbtCliResource",
        "DbtCliInvocation",
        "dbt_assets",
        "get_asset_key_for_model",
        "get_asset_key_for_source",
        "build_dbt_asset_selection",
        "DagsterDbtTranslator",
        "DagsterDbtTranslatorSettings",
        "DagsterDbtError",
        "DagsterDbtCliRuntimeError",
    }
)
# Ours only: dagster_dbt raises its base error class for these.
ERRORS_AS_BASE = frozenset(
    {
        "DagsterDbtProjectNotFoundError",
        "DagsterDbtProfilesDirectoryNotFoundError",
        "DagsterDbtManifestNotFoundError",
        "DagsterDbtProjectYmlFileNotFoundError",
    }
)
# Ours only, written into the exported module from its source.
INLINED = "DbtDuckDBIOManager"
# Decorators (by their dagster_nb.dbt name) whose function is a definition, and where it goes.
DECORATOR_CATEGORY = {"dbt_assets": "assets"}


def imported_names(stmt: ast.stmt) -> dict[str, str]:
    """Local name -> dagster_nb.dbt name for ``from dagster_nb.dbt import X [as Y]``."""
    if isinstance(stmt, ast.ImportFrom) and stmt.module == DBT_MODULE and not stmt.level:
        return {a.asname or a.name: a.name for a in stmt.names if a.name != "*"}
    return {}


def imported_module_aliases(stmt: ast.stmt) -> set[str]:
    """``X`` for ``import dagster_nb.dbt as X`` (it becomes ``import dagster_dbt as X``)."""
    if isinstance(stmt, ast.Import):
        return {a.asname for a in stmt.names if a.name == DBT_MODULE and a.asname}
    return set()


def decorator_category(
    dbt_names: Mapping[str, str], dbt_modules: AbstractSet[str], deco: ast.AST
) -> str | None:
    """``"assets"`` for ``@dbt_assets(...)`` (under whatever local name it was imported) and
    ``@X.dbt_assets(...)`` (``import dagster_nb.dbt as X``)."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    if isinstance(target, ast.Name):
        return DECORATOR_CATEGORY.get(dbt_names.get(target.id, ""))
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in dbt_modules
    ):
        return DECORATOR_CATEGORY.get(target.attr)
    return None


def missing_module_attributes(alias: str, nodes: Iterable[ast.AST]) -> list[str]:
    """``X.Name`` uses, in kept code, of names dagster_dbt does not have (``X`` is the alias of
    ``import dagster_nb.dbt as X``): the user must change them."""
    out: list[str] = []
    for node in nodes:
        for n in ast.walk(node):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id == alias
                and n.attr not in SAME_IN_DAGSTER_DBT
                and n.attr not in out
            ):
                out.append(n.attr)
    return out


def render_import(
    stmt: ast.ImportFrom, used: set[str]
) -> tuple[list[str], list[str], list[str] | None]:
    """The dagster_dbt import lines for ``from dagster_nb.dbt import ...`` (only the names the
    kept code reads), notes for the user, and, when the IO manager's source must be inlined,
    the lines that follow it (``Alias = DbtDuckDBIOManager`` for an ``as`` import), else None."""
    lines: list[str] = []
    notes: list[str] = []
    inline: list[str] | None = None
    same: list[str] = []
    for a in stmt.names:
        local = a.asname or a.name
        if a.name == "*":
            notes.append(
                "`from dagster_nb.dbt import *` became `from dagster_dbt import *`; "
                "DbtDuckDBIOManager is not in dagster_dbt: import it by name in the notebook"
            )
            lines.append("from dagster_dbt import *")
            continue
        if local not in used:
            continue
        if a.name in SAME_IN_DAGSTER_DBT:
            same.append(a.name + (f" as {a.asname}" if a.asname else ""))
        elif a.name in ERRORS_AS_BASE:
            lines.append(f"from dagster_dbt import DagsterDbtError as {local}")
            notes.append(
                f"`{a.name}` is dagster_nb.dbt only; dagster_dbt raises DagsterDbtError (or "
                "DbtProject / DbtCliResource validation errors) in its place"
            )
        elif a.name == INLINED:
            inline = inline or []
            if a.asname:
                inline.append(f"{a.asname} = {INLINED}")
        else:
            lines.append(f"from {DBT_MODULE} import {a.name}  # no dagster_dbt equivalent")
            notes.append(f"`{a.name}` from dagster_nb.dbt has no dagster_dbt equivalent")
    if same:
        lines.insert(0, f"from dagster_dbt import {', '.join(same)}")
    return lines, notes, inline


def io_manager_source() -> tuple[list[str], str]:
    """The imports and plain-Dagster source of ``DbtDuckDBIOManager`` (read from its module,
    so the exported class is the one the notebook ran)."""
    path = Path(__file__).resolve().parents[1] / "dbt" / "io_manager.py"
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    imports: list[str] = []
    body: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # the module docstring
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                continue
            if isinstance(stmt, ast.Import) and stmt.names[0].name == "dagster_nb":
                continue  # `import dagster as dg` is in every export
            imports.append(ast.get_source_segment(src, stmt) or ast.unparse(stmt))
            continue
        body.append(ast.get_source_segment(src, stmt) or ast.unparse(stmt))
    header = (
        "# DbtDuckDBIOManager, from dagster_nb.dbt (dagster_dbt has no DuckDB IO manager): "
        "Python assets'\n# DataFrames as DuckDB tables, dbt models read back as DataFrames."
    )
    return imports, header + "\n" + "\n\n\n".join(body)


__all__ = [
    "DBT_MODULE",
    "decorator_category",
    "imported_module_aliases",
    "imported_names",
    "missing_module_attributes",
    "io_manager_source",
    "render_import",
]
