"""The public API as a type checker sees it: the static ``__all__`` and the ``TYPE_CHECKING``
imports of ``dagster_nb/__init__.py`` (read from the source, as mypy reads it) must list exactly
the names the runtime ``_EXPORTS`` serves lazily, each from the same module; the lazy
``__getattr__`` must be hidden from checkers; the wheel must ship ``py.typed``."""

from __future__ import annotations

import ast
import glob
import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import dagster_nb

ROOT = Path(dagster_nb.__file__).resolve().parent.parent
INIT = ROOT / "dagster_nb" / "__init__.py"
# Defined in __init__.py itself (or by __getattr__) rather than listed in _EXPORTS.
EXTRA = {"kernel", "load_ipython_extension", "unload_ipython_extension"}


def _tree() -> ast.Module:
    return ast.parse(INIT.read_text())


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _static_all() -> list[str]:
    for node in _tree().body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            assert isinstance(node.value, ast.List), "__all__ must be a literal list"
            return [ast.literal_eval(e) for e in node.value.elts]
    raise AssertionError("no static __all__ in dagster_nb/__init__.py")


def _type_checking_imports() -> tuple[dict[str, str], set[str]]:
    """{public name: module} of the ``from m import X as X`` re-exports, and the names
    annotated there (``kernel: KernelRepository``)."""
    imports: dict[str, str] = {}
    annotated: set[str] = set()
    for node in _tree().body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    for alias in stmt.names:
                        if alias.asname == alias.name:  # the explicit re-export form
                            assert alias.name not in imports, f"{alias.name} imported twice"
                            imports[alias.name] = stmt.module or ""
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    annotated.add(stmt.target.id)
    return imports, annotated


def test_static_all_equals_runtime_exports():
    static = _static_all()
    assert len(static) == len(set(static)), "a name is listed twice in __all__"
    assert set(static) == set(dagster_nb._EXPORTS) | EXTRA
    assert static == sorted(static)
    assert dagster_nb.__all__ == static


def test_type_checking_imports_match_runtime_exports():
    imports, annotated = _type_checking_imports()
    wrong = sorted(n for n in dagster_nb._EXPORTS if imports.get(n) != dagster_nb._EXPORTS[n])
    # The message is the fix: the lines the TYPE_CHECKING block should hold.
    assert not wrong, "in the TYPE_CHECKING block of dagster_nb/__init__.py, write:\n" + "\n".join(
        f"    from {dagster_nb._EXPORTS[n]} import {n} as {n}" for n in wrong
    )
    assert set(imports) == set(dagster_nb._EXPORTS), sorted(set(imports) - set(dagster_nb._EXPORTS))
    assert "kernel" in annotated


def test_every_static_import_is_the_runtime_object():
    imports, _ = _type_checking_imports()
    for name, module in imports.items():
        assert getattr(importlib.import_module(module), name) is getattr(dagster_nb, name), name


def test_module_getattr_is_hidden_from_type_checkers():
    """A module-level ``__getattr__`` visible to mypy makes ``dg.materialise`` an ``Any``."""
    for node in _tree().body:
        assert not (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            assert not any(
                isinstance(s, ast.FunctionDef) and s.name == "__getattr__" for s in node.body
            )
    with pytest.raises(AttributeError, match="Did you mean one of 'materialize'"):
        dagster_nb.materialise  # noqa: B018  (the runtime did-you-mean still works)


def test_wheel_ships_py_typed(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = glob.glob(str(tmp_path / "*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "dagster_nb/py.typed" in names
    assert "dagster_nb/__init__.py" in names
