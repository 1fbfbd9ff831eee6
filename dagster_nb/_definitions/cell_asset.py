"""``%%asset NAME``: turn a cell body into an asset.

Upstream assets are the free names the body reads that name registered assets; the value is the
variable ``NAME`` if the body assigns it, else the last expression. Other free names (imports,
helpers) resolve in the notebook's namespace when the asset runs.

    %%asset revenue --group sales
    df = orders.merge(customers, on="customer_id")   # orders, customers: upstream assets
    df.groupby("country").amount.sum()                # the value
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import sys
from collections.abc import Iterable
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = ["CellAsset", "analyze_cell", "build_cell_function"]

_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True, slots=True, kw_only=True)
class CellAsset:
    name: str
    upstream: tuple[str, ...]
    uses_context: bool
    tree: ast.Module
    code_version: str


class _Names(ast.NodeVisitor):
    """Names loaded and stored at any depth, ignoring names local to nested functions,
    lambdas and comprehensions (their own parameters/targets)."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.stored: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loaded.append(node.id)
        else:
            self.stored.add(node.id)

    def _scoped(self, node: ast.AST, params: Iterable[str]) -> None:
        inner = _Names()
        for child in ast.iter_child_nodes(node):
            inner.visit(child)
        local = set(params) | inner.stored
        self.loaded.extend(n for n in inner.loaded if n not in local)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.stored.add(node.name)
        for d in node.decorator_list:
            self.visit(d)
        args = [a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs]
        if node.args.vararg:
            args.append(node.args.vararg.arg)
        if node.args.kwarg:
            args.append(node.args.kwarg.arg)
        inner = _Names()
        for stmt in node.body:
            inner.visit(stmt)
        local = set(args) | inner.stored
        self.loaded.extend(n for n in inner.loaded if n not in local)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stored.add(node.name)
        self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._scoped(node.body, [a.arg for a in node.args.args])

    def _comp(self, node: Any) -> None:
        inner = _Names()
        for gen in node.generators:
            inner.visit(gen.iter)
            inner.visit(gen.target)
            for cond in gen.ifs:
                inner.visit(cond)
        for attr in ("elt", "key", "value"):
            if hasattr(node, attr):
                inner.visit(getattr(node, attr))
        self.loaded.extend(n for n in inner.loaded if n not in inner.stored)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self.stored.add((a.asname or a.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for a in node.names:
            self.stored.add(a.asname or a.name)


def _free_names_in_order(body: list[ast.stmt]) -> list[str]:
    """Names read before being assigned, in first-read order (top-level flow, conservative)."""
    free: list[str] = []
    assigned: set[str] = set()
    for stmt in body:
        v = _Names()
        v.visit(stmt)
        for n in v.loaded:
            if n not in assigned and n not in free:
                free.append(n)
        assigned |= v.stored
    return free


def analyze_cell(
    name: str, body: str, asset_names: Iterable[str], *, first_line: int = 2
) -> CellAsset:
    """Parse the cell body; find upstream assets and how the value is produced.

    Raises DagsterInvalidDefinitionError with the line and column of a syntax error.
    """
    try:
        tree = ast.parse(body)
    except SyntaxError as exc:
        line = (exc.lineno or 1) + first_line - 1
        col = exc.offset or 0
        text = (exc.text or "").rstrip("\n")
        caret = (" " * max(col - 1, 0)) + "^"
        raise DagsterInvalidDefinitionError(
            f"Syntax error in %%asset {name} at line {line}, column {col}: {exc.msg}\n    {text}\n    {caret}"
        ) from None
    if not tree.body:
        raise DagsterInvalidDefinitionError(
            f"%%asset {name}: the cell body is empty. Write code that computes the value, e.g.\n"
            f"    %%asset {name}\n    [1, 2, 3]"
        )
    ast.increment_lineno(tree, first_line - 1)
    _refuse_scope_statements(name, tree.body)
    known = set(asset_names)
    free = _free_names_in_order(tree.body)
    upstream = tuple(n for n in free if n in known and n != name)
    uses_context = "context" in free
    body_stmts = list(tree.body)
    last = body_stmts[-1]
    stored = set()
    for stmt in body_stmts:
        v = _Names()
        v.visit(stmt)
        stored |= v.stored
    if name in stored:  # `NAME = ...` wins over a trailing expression (e.g. a print)
        ret = ast.Return(value=ast.Name(id=name, ctx=ast.Load()))
        ast.copy_location(ret, last)
        body_stmts.append(ret)
    elif isinstance(last, ast.Expr):
        ret = ast.Return(value=last.value)
        ast.copy_location(ret, last)
        body_stmts[-1] = ret
    else:
        raise DagsterInvalidDefinitionError(
            f"%%asset {name}: the cell must assign `{name} = ...` or end with an expression whose "
            f"value is the asset (line {last.lineno} is a {type(last).__name__} statement)."
        )
    normalized = ast.dump(ast.Module(body=body_stmts, type_ignores=[]), annotate_fields=False)
    code_version = hashlib.sha256(normalized.encode()).hexdigest()[:16]
    module = ast.Module(body=body_stmts, type_ignores=[])
    return CellAsset(
        name=name,
        upstream=upstream,
        uses_context=uses_context,
        tree=module,
        code_version=code_version,
    )


def _refuse_scope_statements(name: str, body: list[ast.stmt]) -> None:
    """The body runs as a function: ``global NAME`` would move the value out of it, and
    ``nonlocal`` has no enclosing function. Both are refused with the line to change."""
    for stmt in body:
        if isinstance(stmt, ast.Nonlocal):
            raise DagsterInvalidDefinitionError(
                f"%%asset {name}: line {stmt.lineno} says `nonlocal {', '.join(stmt.names)}`, "
                "but a cell has no enclosing function. Remove it; to read a notebook variable, "
                "just use its name."
            )
        if isinstance(stmt, ast.Global) and name in stmt.names:
            raise DagsterInvalidDefinitionError(
                f"%%asset {name}: line {stmt.lineno} says `global {name}`, but the asset's value "
                f"is the `{name}` the cell assigns locally. Remove `{name}` from the global "
                f"statement; after a run, read the value with `%asset_value {name}` or "
                f"`dg.kernel.load_asset_value({name!r})`."
            )


# ast.FunctionDef needs type_params from Python 3.12 on.
_type_params: dict[str, Any] = {"type_params": []} if sys.version_info >= (3, 12) else {}


def build_cell_function(cell: CellAsset, filename: str, namespace: dict[str, Any]) -> Any:
    """Compile the analyzed body into ``def NAME([context,] *upstream)`` whose globals are the
    notebook namespace, with line numbers pointing into the cell."""
    params = (["context"] if cell.uses_context else []) + list(cell.upstream)
    fn_def = ast.FunctionDef(
        name=cell.name,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in params],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=cell.tree.body,
        decorator_list=[],
        returns=None,
        **_type_params,
    )
    first = cell.tree.body[0]
    fn_def.lineno = max(getattr(first, "lineno", 1) - 1, 1)
    fn_def.col_offset = 0
    last = cell.tree.body[-1]
    fn_def.end_lineno = getattr(last, "end_lineno", None) or getattr(last, "lineno", fn_def.lineno)
    fn_def.end_col_offset = getattr(last, "end_col_offset", 0) or 0
    module = ast.Module(body=[fn_def], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, filename, "exec")
    scope: dict[str, Any] = {}
    exec(code, namespace, scope)  # noqa: S102 - compiling the user's own cell
    fn = scope[cell.name]
    fn.__module__ = "__main__"
    return fn
