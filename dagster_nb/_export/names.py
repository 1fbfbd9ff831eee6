"""Name analysis of one top-level statement: what it binds, what it reads when it runs (module
level: decorators, defaults, annotations, class bodies, plain statements) and what it reads later
(function and lambda bodies, which look names up when they are called).

    binds, now, later = analyze(ast.parse("def f(x=y):\\n    return z").body[0])
    # binds == {"f"}, now == {"y"}, later == {"z"}
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["analyze", "function_free_names", "dotted"]


def _params(args: ast.arguments) -> set[str]:
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


def _signature_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.AST]:
    """Parts of a function evaluated where it is defined: defaults (and annotations)."""
    a = node.args
    out: list[ast.AST] = [*a.defaults, *(d for d in a.kw_defaults if d is not None)]
    if not isinstance(node, ast.Lambda):
        out += list(node.decorator_list)
        for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
            if arg is not None and arg.annotation is not None:
                out.append(arg.annotation)
        if node.returns is not None:
            out.append(node.returns)
    return out


class _Collector:
    """Walks one scope: ``stored`` names bound in it, ``now`` names read as it runs, ``later``
    free names of the functions it defines."""

    def __init__(self) -> None:
        self.stored: set[str] = set()
        self.now: set[str] = set()
        self.later: set[str] = set()

    def walk(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            (self.now if isinstance(node.ctx, ast.Load) else self.stored).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.stored.add(node.name)
            for n in _signature_nodes(node):
                self.walk(n)
            self.later |= function_free_names(node.body, _params(node.args))
        elif isinstance(node, ast.Lambda):
            for n in _signature_nodes(node):
                self.walk(n)
            self.later |= function_free_names([node.body], _params(node.args))
        elif isinstance(node, ast.ClassDef):
            self.stored.add(node.name)
            for n in [*node.decorator_list, *node.bases, *node.keywords]:
                self.walk(n)
            inner = _Collector()
            for stmt in node.body:
                inner.walk(stmt)
            self.now |= inner.now - inner.stored  # a class body runs now, in its own scope
            self.later |= inner.later
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self.walk(node.generators[0].iter)  # the first iterable is evaluated outside
            inner = _Collector()
            for i, gen in enumerate(node.generators):
                inner.walk(gen.target)
                if i:
                    inner.walk(gen.iter)
                for cond in gen.ifs:
                    inner.walk(cond)
            for part in ("elt", "key", "value"):
                if hasattr(node, part):
                    inner.walk(getattr(node, part))
            self.now |= inner.now - inner.stored
            self.later |= inner.later
        elif isinstance(node, ast.Import):
            for a in node.names:
                self.stored.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name != "*":
                    self.stored.add(a.asname or a.name)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                self.stored.add(node.name)
            for child in ast.iter_child_nodes(node):
                self.walk(child)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            if node.name:
                self.stored.add(node.name)
            for child in ast.iter_child_nodes(node):
                self.walk(child)
        elif isinstance(node, ast.MatchMapping):
            if node.rest:
                self.stored.add(node.rest)
            for child in ast.iter_child_nodes(node):
                self.walk(child)
        else:
            for child in ast.iter_child_nodes(node):
                self.walk(child)


def function_free_names(body: Iterable[ast.AST], params: Iterable[str] = ()) -> set[str]:
    """Names a function body reads from outside (globals or builtins), nested scopes included."""
    c = _Collector()
    c.stored |= set(params)
    for stmt in body:
        c.walk(stmt)
    return (c.now | c.later) - c.stored


def analyze(stmt: ast.stmt) -> tuple[set[str], set[str], set[str]]:
    """``(binds, now, later)`` of a module-level statement."""
    c = _Collector()
    c.walk(stmt)
    return (
        c.stored,
        c.now,
        c.later - c.stored
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        else c.later,
    )


def dotted(expr: ast.AST) -> str | None:
    """``dg.kernel.set_resources`` for that attribute chain; the callee for a call; else None."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None
