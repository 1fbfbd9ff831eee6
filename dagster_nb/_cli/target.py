"""Where the CLI's definitions come from: ``-f FILE.py``, ``-m MODULE`` or ``-f NOTEBOOK.ipynb``.

A file or module gives its ``Definitions`` object (the one named with ``-a``, else the first
found at its top level; a ``@dg.definitions`` function is called), else every asset and asset
check defined at its top level, as ``dagster`` does.

A notebook gives what ``dagster-nb export`` would export, run with dagster_nb: the definition
cells (``@dg.asset``-style decorated functions, ``%%asset`` cells, asset checks, jobs, schedules,
sensors, resources set with ``dg.kernel.set_resources``) and the helper code they need (the
imports, functions, classes and constants they refer to by name). Nothing else runs: prints,
plots, bare expressions, magics, ``%materialize`` and other exploratory statements stay behind.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types
from typing import Any

from dagster_nb._dataclass import dataclass

__all__ = ["Target", "TargetError", "load_definitions"]


class TargetError(Exception):
    """The definitions cannot be loaded as given (a usage error: exit code 2)."""


@dataclass(frozen=True, slots=True)
class Target:
    python_file: str | None = None
    module_name: str | None = None
    attribute: str | None = None

    def describe(self) -> str:
        return self.python_file or self.module_name or "?"


def _module_from_file(path: str) -> types.ModuleType:
    if not os.path.isfile(path):
        raise TargetError(
            f"No such file: {path!r}. Pass -f FILE.py, -f NOTEBOOK.ipynb or -m MODULE."
        )
    # The file's folder is importable, as for `python FILE.py` (sibling helper modules)
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if path.endswith(".ipynb"):
        return _module_from_notebook(path)
    spec = importlib.util.spec_from_file_location("__dagster_nb_target__", path)
    if spec is None or spec.loader is None:
        raise TargetError(f"Cannot load {path!r} as a Python file: give a .py or .ipynb file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_IMPORT_DAGSTER = re.compile(r"^(\s*)(import dagster\b|from dagster\b)", re.MULTILINE)


def _module_from_notebook(path: str) -> types.ModuleType:
    from dagster_nb._export import NotebookExportError, build_export, read_notebook_cells

    try:
        export = build_export(read_notebook_cells(path), source=os.path.basename(path))
    except NotebookExportError as exc:
        raise TargetError(str(exc)) from None
    # The export is written for real Dagster; the same code runs on dagster_nb (same names).
    text = _IMPORT_DAGSTER.sub(
        lambda m: m.group(1) + m.group(2).replace("dagster", "dagster_nb"), export.text
    )
    module = types.ModuleType("__dagster_nb_notebook__")
    module.__file__ = os.path.abspath(path)
    sys.modules[module.__name__] = module
    exec(compile(text, os.path.abspath(path), "exec"), module.__dict__)  # noqa: S102 - the user's own code
    return module


def load_definitions(target: Target) -> Any:
    """The ``Definitions`` of ``target``."""
    from dagster_nb._definitions.definitions_class import Definitions, LazyDefinitions

    if target.python_file:
        module = _module_from_file(target.python_file)
    elif target.module_name:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # as `python -m`: the working directory first
        try:
            module = importlib.import_module(target.module_name)
        except ModuleNotFoundError as exc:
            if exc.name and target.module_name.startswith(exc.name):
                raise TargetError(f"No module named {target.module_name!r} (from -m).") from None
            raise
    else:
        raise TargetError(
            "Say where the definitions are: -f FILE.py, -f NOTEBOOK.ipynb or -m MODULE."
        )
    if target.attribute:
        if not hasattr(module, target.attribute):
            from dagster_nb._errors import did_you_mean

            found = [
                n for n, v in vars(module).items() if isinstance(v, (Definitions, LazyDefinitions))
            ]
            raise TargetError(
                f"{target.describe()} has no attribute {target.attribute!r}."
                + (
                    did_you_mean(target.attribute, found)
                    or (f" Definitions found: {found}." if found else "")
                )
            )
        defs = getattr(module, target.attribute)
        if isinstance(defs, LazyDefinitions):  # @dg.definitions: loaders call it
            defs = defs()
        if not isinstance(defs, Definitions):
            raise TargetError(
                f"{target.attribute!r} in {target.describe()} is a {type(defs).__name__}, not a "
                "Definitions object."
            )
        return defs
    for value in list(vars(module).values()):
        if isinstance(value, Definitions):
            return value
        if isinstance(value, LazyDefinitions):
            return value()
    from dagster_nb._definitions.load import (
        load_asset_checks_from_modules,
        load_assets_from_modules,
    )

    return Definitions(
        assets=load_assets_from_modules([module]),
        asset_checks=load_asset_checks_from_modules([module]),
    )
