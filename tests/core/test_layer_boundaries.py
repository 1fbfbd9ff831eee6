"""Layers import one way (ARCHITECTURE.md): every import in every module, lazy ones inside
functions included, read from the AST. A subprocess test (test_core_execution.py) checks what
importing actually loads; this one checks what the code *could* load."""

from __future__ import annotations

import ast
from pathlib import Path

import dagster_nb

PACKAGE = Path(dagster_nb.__file__).parent

# Lower numbers are lower layers; a module may import its own layer and the ones below.
RANK = {
    "_errors": 0,
    "_gc": 0,  # pausing the cyclic collector around bulk builds (the one place)
    "_dataclass": 0,  # dataclasses.dataclass, its generated methods compiled in one exec
    "_typing": 0,  # names for type checkers only; imports nothing of ours
    "_partitions": 1,
    "_definitions": 2,
    "_events": 2,  # frozen event records: definitions-level data
    "_event_data": 2,
    "_selection": 3,
    "_storage": 4,
    "_instance": 5,
    "_execution": 6,
    "_automation": 7,
    # adapters over everything above; the notebook may use the exporter, dbt and dask
    "_widgets": 8,
    "_export": 8,
    "dbt": 8,
    "dask": 8,
    "_notebook": 9,
    "_cli": 10,
}

# What the pure layers must never import, even lazily (a notebook or UI library, or SQLite).
FORBIDDEN = {
    "_partitions": ("IPython", "ipywidgets", "anywidget", "sqlite3"),
    "_definitions": ("IPython", "ipywidgets", "anywidget", "sqlite3"),
    "_selection": ("IPython", "ipywidgets", "anywidget", "sqlite3"),
    "_storage": ("IPython", "ipywidgets", "anywidget"),
    "_instance": ("IPython", "ipywidgets", "anywidget"),
    "_execution": ("IPython", "ipywidgets", "anywidget"),
    "_automation": ("IPython", "ipywidgets", "anywidget"),
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "dagster_nb" and len(parts) > 1 else None


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:``: imports for annotations (the typed public
    signatures name automation and execution types), which never run."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for stmt in node.body:
                out.update(id(n) for n in ast.walk(stmt))
    return out


def _imports(path: Path, *, runtime_only: bool = False):
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_every_layer_is_ranked():
    layers = {_layer(m) for m, _ in _modules()} - {None}
    assert layers <= set(RANK), f"rank these new layers in RANK: {sorted(layers - set(RANK))}"


def test_imports_point_down_only():
    bad = []
    for module, path in _modules():
        me = _layer(module)
        if me is None:
            continue  # the package root wires the layers and may import any of them
        for line, target in _imports(path, runtime_only=True):
            other = _layer(target)
            if other in RANK and RANK[other] > RANK[me]:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert bad == [], "layers import upward:\n" + "\n".join(sorted(set(bad)))


def test_pure_layers_never_import_ui_or_sqlite():
    bad = []
    for module, path in _modules():
        forbidden = FORBIDDEN.get(_layer(module) or "", ())
        for line, target in _imports(path):
            if target.split(".")[0] in forbidden:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert bad == [], "\n".join(sorted(set(bad)))


def test_the_seam_is_wired_by_the_package_root():
    """Definitions methods that need execution go through the seam, which works after a plain
    ``import dagster_nb``."""

    @dagster_nb.graph
    def g():
        pass

    assert type(g.to_job()).__name__ == "OpJobDefinition"
    defs = dagster_nb.Definitions(jobs=[dagster_nb.define_asset_job("j")])
    assert defs.resolve_job_def("j").name == "j"
