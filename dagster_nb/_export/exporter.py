"""Turn a notebook's definitions into a plain Python module for real Dagster.

What comes along: every asset (``@dg.asset`` and friends, ``%%asset`` cells, which become
ordinary ``@dg.asset`` functions), asset checks, jobs, schedules, sensors, the resources set with
``dg.kernel.set_resources(...)`` / ``dg.kernel.add_definitions(...)``, and the helper code they
need (imports, functions, classes, constants), found by name analysis: a read at module level
means the last definition *before* it, a read inside a function body the notebook's *last*
definition (as a kernel that ran the cells top to bottom sees it). Statements that change a
carried object (``with open(path, "w")``, ``path.write_text(...)``, ``config["x"] = 1``) come
too. Everything else stays behind: plots, prints, bare expressions, magics, runs, other
``dg.kernel`` calls. The user's source text and comments are kept as written.

    text = export_notebook("analysis.ipynb")        # a module ending in `defs = dg.Definitions(...)`
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import shlex
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterError
from dagster_nb._export import dbt as dbt_export
from dagster_nb._export.names import analyze, dotted, function_free_names

__all__ = [
    "NotebookExportError",
    "Export",
    "export_notebook",
    "export_cells",
    "build_export",
    "read_notebook_cells",
    "write_export",
    "DAGSTER_NB_ONLY_NAMES",
]


class NotebookExportError(DagsterError):
    """The notebook cannot be exported as it is; the message says what to change."""


# Public names of dagster_nb that Dagster does not have (a side-by-side test keeps this list
# equal to `set(dagster_nb.__all__) - set(dir(dagster))`), with what to write instead.
DAGSTER_NB_ONLY_NAMES: dict[str, str] = {
    "kernel": "the kernel repository exists only in a notebook; pass resources to "
    "Definitions and read values with defs.load_asset_value(...)",
    "observe": "observe source assets with Dagster's UI or `dagster asset materialize`",
    "StaleStatus": "use dagster._core.definitions.data_version.StaleStatus",
    "StaleCause": "use dagster._core.definitions.data_version.StaleCause",
    "StaleCauseCategory": "use dagster._core.definitions.data_version.StaleCauseCategory",
    "StalenessResolver": "Dagster computes staleness in its UI",
    "RedefinitionWarning": "notebook-only warning; drop it",
    "KernelRepository": "notebook-only; use dg.Definitions",
    "BackfillResult": "backfills are launched from Dagster's UI or CLI",
    "UnresolvedAssetJobDefinition": "use dg.define_asset_job(...)",
    "AutoMaterializeSensorDefinition": "use dg.AutomationConditionSensorDefinition",
    "AssetMetadataValue": "use dg.MetadataValue.asset(...)",
    "JobMetadataValue": "use dg.MetadataValue.job(...)",
    "external_assets_from_specs": "pass the dg.AssetSpec objects to Definitions(assets=...)",
    "external_asset_from_spec": "pass the dg.AssetSpec to Definitions(assets=...)",
    "ConfigurableResourceFactory": "use dg.ConfigurableResource",
    "PickledObjectFilesystemIOManager": "use dg.FilesystemIOManager",
    "DagsterInvalidObservationError": "catch dg.DagsterError",
    "DagsterInvalidPythonicConfigDefinitionError": "catch dg.DagsterInvalidDefinitionError",
    "DagsterExecutionLoadInputError": "catch dg.DagsterExecutionStepExecutionError",
    "DagsterExecutionHandleOutputError": "catch dg.DagsterExecutionStepExecutionError",
    "DagsterMaxRetriesExceededError": "catch dg.DagsterError",
    "DagsterInvalidAssetKey": "catch dg.DagsterError",
    "DagsterInvalidMetadata": "catch dg.DagsterError",
    "DagsterInvalidPropertyError": "catch dg.DagsterError",
    "DagsterHomeNotSetError": "catch dg.DagsterError",
    "DagsterUndefinedDataVersionError": "catch dg.DagsterError",
    "DagsterInvalidAssetSelectionError": "catch dg.DagsterInvalidSubsetError",
    "DagsterStorageError": "catch dg.DagsterError",
}

# Decorators (by their dagster name) whose function is a definition, and where it goes.
_DECORATOR_CATEGORY = {
    "asset": "assets",
    "multi_asset": "assets",
    "graph_asset": "assets",
    "graph_multi_asset": "assets",
    "observable_source_asset": "assets",
    "multi_observable_source_asset": "assets",
    "asset_check": "asset_checks",
    "multi_asset_check": "asset_checks",
    "schedule": "schedules",
    "sensor": "sensors",
    "asset_sensor": "sensors",
    "multi_asset_sensor": "sensors",
    "run_status_sensor": "sensors",
    "run_failure_sensor": "sensors",
    "job": "jobs",
}
# Constructors (by their dagster name) whose value is a definition.
_CALL_CATEGORY = {
    "define_asset_job": "jobs",
    "ScheduleDefinition": "schedules",
    "build_schedule_from_partitioned_job": "schedules",
    "SensorDefinition": "sensors",
    "AssetSensorDefinition": "sensors",
    "AutomationConditionSensorDefinition": "sensors",
    "AssetSpec": "assets",
    "SourceAsset": "assets",
    "AssetsDefinition": "assets",
    "AssetChecksDefinition": "asset_checks",
}
_CALL_LIST_CATEGORY = {
    "load_assets_from_modules": "assets",
    "load_assets_from_current_module": "assets",
    "load_assets_from_package_module": "assets",
    "load_assets_from_package_name": "assets",
    "external_assets_from_specs": "assets",
}
_CATEGORIES = ("assets", "asset_checks", "jobs", "schedules", "sensors")
# Runs and kernel calls: what a notebook does with definitions, not definitions.
_RUN_CALLS = frozenset({"materialize", "materialize_to_memory", "observe"})
# Method calls that show something rather than change it.
_SHOW_METHODS = frozenset(
    {
        "head",
        "tail",
        "describe",
        "info",
        "sample",
        "plot",
        "hist",
        "show",
        "display",
        "to_string",
        "value_counts",
        "print",
        "savefig",
        "figure",
        "subplots",
        "scatter",
        "bar",
        "barh",
        "line",
        "boxplot",
        "pie",
        "imshow",
        "legend",
        "title",
        "xlabel",
        "ylabel",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "load_asset_value",
        "get_asset_value_loader",
        "get_runs",
        "materialize",
    }
)


_MUTATOR = re.compile(
    r"^(write|mkdir|makedirs|update|append|extend|add|set|insert|remove|pop|clear|touch|unlink|"
    r"rename|replace|save|put|delete|drop|create|register|seed|close|flush|sort|reverse|prepare)"
)


# ---------------------------------------------------------------------- reading notebooks
def read_notebook_cells(path: str | os.PathLike[str]) -> list[str]:
    """The code cells of an ``.ipynb`` file, as source strings, in order."""
    p = Path(path)
    try:
        nb = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookExportError(f"Notebook {str(p)!r} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise NotebookExportError(
            f"{str(p)!r} is not a notebook (invalid JSON: {exc.msg})."
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotebookExportError(
            f"{str(p)!r} is not a Jupyter notebook (no 'cells' list); export an .ipynb file."
        )
    out = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        out.append("".join(src) if isinstance(src, list) else str(src))
    return out


# ---------------------------------------------------------------------- %%asset options
def _asset_magic_parser() -> argparse.ArgumentParser:
    """The options of ``%%asset`` (a test keeps them equal to the magic's)."""
    p = argparse.ArgumentParser(prog="%%asset", add_help=False, exit_on_error=False)
    p.add_argument("name")
    p.add_argument("--group", "-g", default=None)
    p.add_argument("--key-prefix", default=None)
    p.add_argument("--partitions", default=None)
    p.add_argument("--kinds", nargs="*", default=None)
    p.add_argument("--description", default=None)
    p.add_argument("--code-version", default=None)
    p.add_argument("--io-manager-key", default=None)
    p.add_argument("--deps", nargs="*", default=None)
    p.add_argument("--owners", nargs="*", default=None)
    return p


# ---------------------------------------------------------------------- the model
@dataclass(kw_only=True, eq=False)
class _Unit:
    """One top-level statement of a cell (or one ``%%asset`` cell)."""

    index: int
    cell: int
    kind: str  # import | def | assign | effect | resources | add_defs | asset_cell | skip
    binds: set[str] = field(default_factory=set)
    now: set[str] = field(default_factory=set)
    later: set[str] = field(default_factory=set)
    category: str | None = None  # where a definition goes in Definitions
    splat: bool = False  # the name holds a list of definitions
    asset_key: str | None = None
    text: str = ""
    node: ast.stmt | None = None
    first_line: int = 0
    last_line: int = 0
    call_args: str = ""  # set_resources / add_definitions: the argument source


@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    """An exported module: its text and the notes on what to change for Dagster."""

    text: str
    notes: tuple[str, ...] = ()


def _strip_magics(src: str) -> str:
    """Line magics, shell escapes and ``?`` help lines become ``pass`` (same line numbers);
    lines inside multi-line strings are text and stay as they are."""
    try:
        ast.parse(src)
        return src
    except SyntaxError:
        pass
    inside = _string_continuation_lines(src)
    out = []
    for n, line in enumerate(src.split("\n"), start=1):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        magic = (
            stripped.startswith(("%", "!"))
            or re.match(r"^\w+\s*=\s*[%!]", stripped)
            or (stripped.endswith("?") and not stripped.startswith("#"))
        )
        out.append(indent + "pass" if magic and n not in inside else line)
    return "\n".join(out)


class _Builder:
    def __init__(self, cells: Sequence[str], source: str):
        self.cells = list(cells)
        self.source = source
        self.units: list[_Unit] = []
        self.notes: list[str] = []
        self.env_vars: list[str] = []
        self.module_aliases: set[str] = set()  # names bound to dagster_nb itself
        self.from_imports: dict[str, str] = {}  # local name -> dagster_nb public name
        self.asset_names: set[str] = set()
        self.dbt_names: dict[str, str] = {}  # local name -> dagster_nb.dbt name
        self.dbt_modules: set[str] = set()  # X of `import dagster_nb.dbt as X`
        self.dbt_inline: list[str] | None = None  # DbtDuckDBIOManager's source is needed
        self._cell_lines: dict[int, list[str]] = {}

    # ------------------------------------------------------------ naming
    def canonical(self, expr: ast.AST) -> str | None:
        """``dagster_nb.kernel.set_resources`` for ``dg.kernel.set_resources`` etc."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.module_aliases:
            return "dagster_nb" + ("." + rest if rest else "")
        if head in self.from_imports:
            return "dagster_nb." + self.from_imports[head] + ("." + rest if rest else "")
        return None

    def dg_name(self, expr: ast.AST) -> str | None:
        """The public dagster_nb name an expression refers to (``asset`` for ``dg.asset(...)``)."""
        c = self.canonical(expr)
        if c is None or not c.startswith("dagster_nb."):
            return None
        return c.split(".")[1]

    # ------------------------------------------------------------ cells -> units
    def parse(self) -> None:
        parsed: list[tuple[int, str, ast.Module | None]] = []
        tree: ast.Module | None
        for ci, raw in enumerate(self.cells):
            src = raw.replace("\r\n", "\n")
            if src.lstrip().startswith("%%"):
                parsed.append((ci, src, None))
                continue
            code = _strip_magics(src)
            try:
                tree = ast.parse(code)
            except SyntaxError as exc:
                raise NotebookExportError(
                    f"Code cell {ci + 1} of {self.source} does not parse (line {exc.lineno}: "
                    f"{exc.msg}); fix or delete it, then export again."
                ) from None
            parsed.append((ci, code, tree))
        # Aliases first: a cell may use `dg` imported in an earlier one.
        for _, _, tree in parsed:
            for stmt in tree.body if tree else ():
                self._note_import(stmt)
        for ci, code, tree in parsed:
            self._cell_lines[ci] = code.split("\n")
            if tree is None:
                self._asset_cell(ci, code)
            else:
                for stmt in tree.body:
                    self.units.append(self._unit(ci, stmt, tree.body))

    def _note_import(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.name == "dagster_nb":
                    self.module_aliases.add(a.asname or "dagster_nb")
        elif isinstance(stmt, ast.ImportFrom) and stmt.module == "dagster_nb" and not stmt.level:
            for a in stmt.names:
                self.from_imports[a.asname or a.name] = a.name
        self.dbt_names.update(dbt_export.imported_names(stmt))
        self.dbt_modules |= dbt_export.imported_module_aliases(stmt)

    def _span(self, ci: int, stmt: ast.stmt, body: list[ast.stmt]) -> tuple[int, int, str]:
        """First and last line of a statement (decorators and comments right above it
        included) and its source text."""
        lines = self._cell_lines[ci]
        first = stmt.lineno
        if (
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and stmt.decorator_list
        ):
            first = stmt.decorator_list[0].lineno
        last = stmt.end_lineno or stmt.lineno
        shares = any(
            o is not stmt and ((o.end_lineno or o.lineno) >= first and o.lineno <= last)
            for o in body
        )
        if shares:  # `a = 1; b = 2`: only this statement's text
            seg = ast.get_source_segment("\n".join(lines), stmt) or ""
            return first, last, seg
        while first > 1 and lines[first - 2].lstrip().startswith("#"):
            first -= 1
        return first, last, "\n".join(lines[first - 1 : last])

    def _unit(self, ci: int, stmt: ast.stmt, body: list[ast.stmt]) -> _Unit:
        binds, now, later = analyze(stmt)
        first, last, text = self._span(ci, stmt, body)
        u = _Unit(
            index=len(self.units),
            cell=ci,
            kind="skip",
            binds=binds,
            now=now,
            later=later,
            text=text,
            node=stmt,
            first_line=first,
            last_line=last,
        )
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            u.kind = "import"
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            u.kind = "def"
            for d in stmt.decorator_list:
                cat = _DECORATOR_CATEGORY.get(
                    self.dg_name(d) or ""
                ) or dbt_export.decorator_category(self.dbt_names, self.dbt_modules, d)
                if cat is not None:
                    u.category = cat
                    if cat == "assets":
                        u.asset_key = self._decorated_key(stmt, d)
                        self._note_output_names(d)
        elif isinstance(stmt, ast.Expr):
            call = stmt.value if isinstance(stmt.value, ast.Call) else None
            c = self.canonical(call) if call is not None else None
            if c in ("dagster_nb.kernel.set_resources", "dagster_nb.kernel.add_definitions"):
                u.kind = "resources" if c.endswith("set_resources") else "add_defs"
                u.call_args = self._call_args_text(ci, call) if call is not None else ""
                u.binds = set()
            elif call is not None and self._is_mutation(call):
                # The cell's last line is the value it shows: exploration, unless the method
                # plainly changes something (`path.write_text(...)`).
                shown = stmt is body[-1] and not _MUTATOR.match(call.func.attr)  # type: ignore[attr-defined]
                u.kind = "skip" if shown else "effect"
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(self._is_environ(t) for t in targets):
                u.kind = "skip"
                for t in targets:
                    key = t.slice if isinstance(t, ast.Subscript) else None
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self.env_vars.append(key.value)
            elif all(_plain_target(t) for t in targets):
                value = stmt.value
                if value is not None and self._is_run(value):
                    u.kind = "skip"  # `result = dg.materialize(...)`: a run, not a definition
                else:
                    u.kind = "assign"
                    name = self.dg_name(value) if isinstance(value, ast.Call) else None
                    if name in _CALL_CATEGORY:
                        u.category = _CALL_CATEGORY[name]
                    elif name in _CALL_LIST_CATEGORY:
                        u.category, u.splat = _CALL_LIST_CATEGORY[name], True
                    elif name == "Definitions":
                        u.category = "definitions"
                    if u.category == "assets" and not u.splat and isinstance(value, ast.Call):
                        u.asset_key = _first_str_arg(value)
                        if u.asset_key and "/" not in u.asset_key:
                            self.asset_names.add(u.asset_key)
            else:
                u.kind = "effect"
        elif isinstance(
            stmt,
            (
                ast.With,
                ast.AsyncWith,
                ast.For,
                ast.AsyncFor,
                ast.While,
                ast.If,
                ast.Try,
                ast.Delete,
                ast.Match,
            )
            + ((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
        ):
            u.kind = "skip" if self._mentions_run(stmt) else "effect"
        return u

    def _decorated_key(self, stmt: ast.AST, deco: ast.AST) -> str | None:
        name = getattr(stmt, "name", None)
        prefix: list[str] = []
        if isinstance(deco, ast.Call):
            if self.dg_name(deco) not in ("asset", "observable_source_asset", "graph_asset"):
                return None
            for kw in deco.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    name = kw.value.value
                elif kw.arg == "key_prefix":
                    try:
                        v = ast.literal_eval(kw.value)
                    except ValueError:
                        return None
                    prefix = [v] if isinstance(v, str) else list(v)
                elif kw.arg == "key":
                    return None
        if name is None:
            return None
        if not prefix:
            self.asset_names.add(name)
        return "/".join([*prefix, name])

    def _note_output_names(self, deco: ast.AST) -> None:
        """Single-part keys a multi-asset makes (``outs={"a": ...}``, ``specs=[AssetSpec("b")]``):
        ``%%asset`` cells below read them as upstream values."""
        if not isinstance(deco, ast.Call):
            return
        for kw in deco.keywords:
            if kw.arg == "outs" and isinstance(kw.value, ast.Dict):
                for k in kw.value.keys:
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        self.asset_names.add(k.value)
            elif kw.arg == "specs" and isinstance(kw.value, (ast.List, ast.Tuple)):
                for e in kw.value.elts:
                    key = _first_str_arg(e) if isinstance(e, ast.Call) else None
                    if key and "/" not in key:
                        self.asset_names.add(key)

    def _call_args_text(self, ci: int, call: ast.Call) -> str:
        src = "\n".join(self._cell_lines[ci])
        parts = [ast.get_source_segment(src, a) or ast.unparse(a) for a in call.args]
        for kw in call.keywords:
            seg = ast.get_source_segment(src, kw.value) or ast.unparse(kw.value)
            parts.append(f"{kw.arg}={seg}" if kw.arg else f"**{seg}")
        return ", ".join(parts)

    def _is_environ(self, target: ast.AST) -> bool:
        base = target.value if isinstance(target, ast.Subscript) else None
        return base is not None and dotted(base) in ("os.environ", "environ")

    def _is_run(self, expr: ast.AST) -> bool:
        c = self.canonical(expr) if isinstance(expr, ast.Call) else None
        return c is not None and (
            c.startswith("dagster_nb.kernel") or c.split(".")[-1] in _RUN_CALLS
        )

    def _mentions_run(self, stmt: ast.AST) -> bool:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and self._is_run(n):
                return True
            if isinstance(n, (ast.Assign, ast.AugAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                if any(self._is_environ(t) for t in targets):
                    return True
        return False

    def _is_mutation(self, call: ast.Call) -> bool:
        """``obj.method(...)`` on a plain name (not dagster_nb, not a show method)."""
        f = call.func
        if not isinstance(f, ast.Attribute) or f.attr in _SHOW_METHODS:
            return False
        base = f.value
        while isinstance(base, ast.Attribute):
            base = base.value
        return isinstance(base, ast.Name) and self.canonical(f) is None and not self._is_run(call)

    def _asset_cell(self, ci: int, src: str) -> None:
        header, _, body = src.lstrip().partition("\n")
        words = header[2:].strip()
        magic, _, line = words.partition(" ")
        if magic != "asset":
            self.units.append(_Unit(index=len(self.units), cell=ci, kind="skip"))
            return
        try:
            args = _asset_magic_parser().parse_args(shlex.split(line))
        except (argparse.ArgumentError, SystemExit, ValueError) as exc:
            raise NotebookExportError(
                f"Code cell {ci + 1}: cannot read `%%asset {line}`: {exc}"
            ) from None
        from dagster_nb._definitions.cell_asset import analyze_cell

        known = set(self.asset_names)  # assets defined above this cell
        try:
            cell = analyze_cell(args.name, body, known)
        except DagsterError as exc:
            raise NotebookExportError(f"Code cell {ci + 1}: {exc}") from None
        params = (["context"] if cell.uses_context else []) + list(cell.upstream)
        tree = ast.parse(_strip_magics(body))
        later = function_free_names(tree.body, params)
        now: set[str] = set()
        if args.partitions:
            now.add(args.partitions)
        text = self._asset_cell_text(args, params, body, tree)
        key = "/".join([*(args.key_prefix.split("/") if args.key_prefix else []), args.name])
        if not args.key_prefix:
            self.asset_names.add(args.name)
        self.units.append(
            _Unit(
                index=len(self.units),
                cell=ci,
                kind="asset_cell",
                binds={args.name},
                now=now,
                later=later,
                category="assets",
                asset_key=key,
                text=text,
            )
        )

    def _asset_cell_text(
        self, args: argparse.Namespace, params: list[str], body: str, tree: ast.Module
    ) -> str:
        kw: list[str] = []
        if args.key_prefix:
            kw.append(f"key_prefix={_q(args.key_prefix.split('/'))}")
        if args.group:
            kw.append(f"group_name={_q(args.group)}")
        if args.description:
            kw.append(f"description={_q(args.description)}")
        if args.partitions:
            kw.append(f"partitions_def={args.partitions}")
        if args.kinds:
            kw.append("kinds={" + ", ".join(_q(k) for k in sorted(set(args.kinds))) + "}")
        if args.io_manager_key:
            kw.append(f"io_manager_key={_q(args.io_manager_key)}")
        if args.deps:
            deps = [
                _q(d) if "/" not in d else f"dg.AssetKey({_q(d.split('/'))})" for d in args.deps
            ]
            kw.append("deps=[" + ", ".join(deps) + "]")
        if args.owners:
            kw.append(f"owners={_q(list(args.owners))}")
        if args.code_version:
            kw.append(f"code_version={_q(args.code_version)}")
        deco = "@dg.asset" + (f"({', '.join(kw)})" if kw else "")
        sig = ", ".join(
            "context: dg.AssetExecutionContext" if p == "context" else p for p in params
        )
        lines = _strip_magics(body).rstrip("\n").split("\n")
        stmts = tree.body
        last = stmts[-1]
        assigned = set()
        for s in stmts:
            assigned |= analyze(s)[0]
        body_lines = list(lines)
        tail: list[str] = []
        if args.name in assigned:
            tail = [f"return {args.name}"]
        elif isinstance(last, ast.Expr):
            i = last.lineno - 1
            body_lines[i] = "return " + body_lines[i]
        # Strip trailing blank lines, indent everything but the inside of multi-line strings.
        keep = _string_continuation_lines("\n".join(body_lines))
        out = []
        for n, line in enumerate(body_lines + tail, start=1):
            if n in keep or not line.strip():
                out.append(line if n in keep else "")
            else:
                out.append("    " + line)
        while out and not out[-1].strip():
            out.pop()
        return f"{deco}\ndef {args.name}({sig}):\n" + "\n".join(out)

    # ------------------------------------------------------------ what to carry
    def resolve(self, unit: _Unit, name: str, deferred: bool) -> _Unit | None:
        best = None
        for u in self.units:
            if not deferred and u.index >= unit.index:
                break
            if u is not unit and name in u.binds and u.kind != "skip":
                best = u
        if best is None and not deferred and name in unit.binds:
            return None
        return best

    def carried(self) -> tuple[list[_Unit], dict[str, list[str]]]:
        final: dict[str, _Unit] = {}
        for u in self.units:
            if u.kind == "skip":
                for n in u.binds:
                    final.pop(n, None)
                continue
            for n in u.binds:
                final[n] = u
        roots: list[_Unit] = []
        by_key: dict[str, _Unit] = {}
        for u in self.units:
            if u.category in _CATEGORIES and u.binds and all(final.get(n) is u for n in u.binds):
                if u.asset_key is not None:
                    prev = by_key.get(u.asset_key)
                    if prev is not None and prev in roots:
                        roots.remove(prev)  # the same key defined again: the last one wins
                    by_key[u.asset_key] = u
                roots.append(u)
        carry: set[int] = set()
        star = [
            u for u in self.units if u.kind == "import" and _is_star(u.node)
        ]  # binds unknown names
        work = [*roots, *star, *(u for u in self.units if u.kind in ("resources", "add_defs"))]
        unresolved: dict[str, _Unit] = {}
        while True:
            while work:
                u = work.pop()
                if u.index in carry:
                    continue
                carry.add(u.index)
                for names, deferred in ((u.now, False), (u.later, True)):
                    for n in sorted(names):
                        dep = self.resolve(u, n, deferred)
                        if dep is None and n not in _BUILTINS and n not in u.binds:
                            unresolved.setdefault(n, u)
                        elif dep is not None and dep.index not in carry:
                            work.append(dep)
            # Statements that change something carried come along (in notebook order).
            for u in self.units:
                if u.kind != "effect" or u.index in carry:
                    continue
                for n in u.now:
                    if n in self.module_aliases:
                        continue
                    dep = self.resolve(u, n, False)
                    if dep is not None and dep.index in carry and dep.kind != "import":
                        work.append(u)
                        break
            if not work:
                break
        units = [u for u in self.units if u.index in carry]
        if not star:
            for n, u in sorted(unresolved.items()):
                later = [
                    x for x in self.units if n in x.binds and x.kind != "skip" and x.index > u.index
                ]
                bound_by_run = any(n in x.binds for x in self.units if x.kind == "skip")
                if later:
                    why = (
                        f"is defined only below it (cell {later[0].cell + 1}); move that code above"
                    )
                elif bound_by_run:
                    why = "is only set by a run or dg.kernel call, which the export leaves behind"
                else:
                    why = "is not defined by any code cell"
                self._note(
                    f"`{n}` (used in cell {u.cell + 1}) {why}; define it in a cell the export keeps"
                )
        # Definitions handed to add_definitions already list their parts.
        listed_elsewhere: set[str] = set()
        for u in units:
            if u.kind == "add_defs" or u.category == "definitions":
                listed_elsewhere |= u.now
        by_category: dict[str, list[str]] = {c: [] for c in _CATEGORIES}
        for u in roots:
            assert u.category is not None  # roots are units with a category (above)
            for n in sorted(u.binds):
                if n not in listed_elsewhere:
                    by_category[u.category].append(("*" if u.splat else "") + n)
        return units, by_category

    # ------------------------------------------------------------ rendering
    def render(self) -> Export:
        units, names = self.carried()
        taken = {n for u in self.units for n in u.binds}
        res_name = "resources" if "resources" not in taken else "kernel_resources"
        defs_list = (
            "kernel_definitions" if "kernel_definitions" not in taken else "_kernel_definitions"
        )
        imports: list[str] = []
        future: list[str] = []
        body: list[tuple[_Unit, str]] = []
        seen_res = seen_defs = False
        for u in units:
            if u.kind == "import":
                for line in self._render_import(u):
                    target = future if line.startswith("from __future__") else imports
                    if line not in target:
                        target.append(line)
                continue
            if u.kind == "resources":
                text = (
                    f"{res_name}.update({u.call_args})"
                    if seen_res
                    else f"{res_name} = dict({u.call_args})"
                )
                seen_res = True
            elif u.kind == "add_defs":
                text = (
                    f"{defs_list}.append({u.call_args})"
                    if seen_defs
                    else f"{defs_list} = [{u.call_args}]"
                )
                seen_defs = True
            else:
                text = self._rewrite(u)
            body.append((u, text))
        if "import dagster as dg" not in imports:
            imports.append("import dagster as dg")
        if self.dbt_inline is not None:
            io_imports, io_source = dbt_export.io_manager_source()
            imports += [line for line in io_imports if line not in imports]
            body.insert(0, (_Unit(index=-1, cell=-1, kind="def"), io_source))
            if self.dbt_inline:
                body.insert(
                    1, (_Unit(index=-1, cell=-1, kind="assign"), "\n".join(self.dbt_inline))
                )
        imports = _grouped_imports(imports)
        out: list[str] = [
            f"# Dagster definitions exported from {self.source} by `dagster-nb export`.",
            "# Edit the notebook and export again rather than editing this file.",
            "# Load it with: dagster dev -f THIS_FILE",
        ]
        env = [e for e in dict.fromkeys(self.env_vars) if e != "DAGSTER_HOME"]
        if env:
            out.append(
                "# The notebook set these environment variables (their values are not exported);"
            )
            out.append("# set them where Dagster runs: " + ", ".join(env))
        out.append("")
        out += future + imports
        prev: _Unit | None = None
        for u, text in body:
            big = u.kind in ("def", "asset_cell") or (
                prev is not None and prev.kind in ("def", "asset_cell")
            )
            if big or prev is None:
                out += ["", ""]
            elif prev.cell != u.cell or u.first_line > prev.last_line + 1:
                out.append("")
            out.append(text)
            prev = u
        defs_args = [f"    {c}=[{', '.join(ns)}]," for c, ns in names.items() if ns]
        if seen_res:
            defs_args.append(f"    resources={res_name},")
        call = (
            "dg.Definitions(\n" + "\n".join(defs_args) + "\n)" if defs_args else "dg.Definitions()"
        )
        out += ["", ""]
        if seen_defs:
            out.append(
                f"defs = dg.Definitions.merge(\n    {call.replace(chr(10), chr(10) + '    ')},\n    *{defs_list},\n)"
            )
            stray = sorted({n for u in units if u.category == "definitions" for n in u.binds})
            if stray:
                out.append(
                    f"del {', '.join(stray)}  # Dagster loads one Definitions per module: defs"
                )
        else:
            out.append(f"defs = {call}")
        return Export(text="\n".join(out).rstrip() + "\n", notes=tuple(self.notes))

    def _render_import(self, u: _Unit) -> list[str]:
        """The import, trimmed to the names the kept code reads, dagster_nb becoming dagster."""
        stmt = u.node
        used = self._used_names()
        if isinstance(stmt, ast.Import):
            lines = []
            for a in stmt.names:
                bound = (a.asname or a.name).split(".")[0]
                if bound not in used:
                    continue
                if a.name == "dagster_nb":
                    lines.append(f"import dagster as {a.asname}" if a.asname else "import dagster")
                elif a.name == dbt_export.DBT_MODULE and a.asname:
                    lines.append(f"import dagster_dbt as {a.asname}")
                    kept = [u.node for u in self.carried()[0] if u.node is not None]
                    for attr in dbt_export.missing_module_attributes(a.asname, kept):
                        self._note(
                            f"`{a.asname}.{attr}` is dagster_nb.dbt only (dagster_dbt has no "
                            f"{attr}); import it by name (`from dagster_nb.dbt import {attr}`) "
                            "and export again"
                        )
                elif a.name.startswith("dagster_nb."):
                    self._note(
                        f"`import {a.name}` has no Dagster module of that name; install and "
                        "import the matching dagster-* integration instead"
                    )
                    lines.append(
                        f"import {a.name}  # dagster-nb export: no Dagster equivalent, change this"
                    )
                else:
                    lines.append(f"import {a.name}" + (f" as {a.asname}" if a.asname else ""))
            return lines
        assert isinstance(stmt, ast.ImportFrom)
        mod = "." * stmt.level + (stmt.module or "")
        names = [a for a in stmt.names if a.name == "*" or (a.asname or a.name) in used]
        if not names:
            return []
        if stmt.module == dbt_export.DBT_MODULE and not stmt.level:
            lines, notes, inline = dbt_export.render_import(stmt, used)
            for n in notes:
                self._note(n)
            if inline is not None:
                self.dbt_inline = [*(self.dbt_inline or []), *inline]
            return lines
        if stmt.module == "dagster_nb" and not stmt.level:
            mod = "dagster"
            for a in names:
                if a.name in DAGSTER_NB_ONLY_NAMES:
                    self._note(f"`{a.name}` is dagster_nb only: {DAGSTER_NB_ONLY_NAMES[a.name]}")
        elif (stmt.module or "").startswith("dagster_nb.") and not stmt.level:
            self._note(f"`from {stmt.module} import ...` has no Dagster equivalent; change it")
        parts = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in names)
        return [f"from {mod} import {parts}"]

    def _used_names(self) -> set[str]:
        if not hasattr(self, "_used"):
            units, _ = self.carried()
            used: set[str] = set()
            for u in units:
                used |= u.now | u.later
            used |= {"dg"}
            self._used = used
        return self._used

    def _rewrite(self, u: _Unit) -> str:
        """The unit's text; `dagster_nb.X` becomes `dagster.X`; a comment above any use of a
        name Dagster lacks."""
        text = u.text
        if u.node is None:
            return text
        missing = []
        renames = []
        for n in ast.walk(u.node):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id in self.module_aliases
            ):
                if n.attr in DAGSTER_NB_ONLY_NAMES and n.attr not in missing:
                    missing.append(n.attr)
            if (
                isinstance(n, ast.Name)
                and n.id == "dagster_nb"
                and "dagster_nb" in self.module_aliases
            ):
                renames.append(n)
            if isinstance(n, ast.Name) and self.from_imports.get(n.id) in DAGSTER_NB_ONLY_NAMES:
                if n.id not in missing:
                    missing.append(self.from_imports[n.id])
        if renames and u.first_line:
            lines = text.split("\n")
            for n in sorted(renames, key=lambda x: (x.lineno, x.col_offset), reverse=True):
                i = n.lineno - u.first_line
                if (
                    0 <= i < len(lines)
                    and lines[i][n.col_offset : n.col_offset + 10] == "dagster_nb"
                ):
                    lines[i] = lines[i][: n.col_offset] + "dagster" + lines[i][n.col_offset + 10 :]
            text = "\n".join(lines)
        if missing:
            comment = []
            for m in missing:
                msg = f"dg.{m} is dagster_nb only: {DAGSTER_NB_ONLY_NAMES[m]}"
                self._note(f"{msg} (cell {u.cell + 1})")
                comment.append(f"# dagster-nb export: CHANGE THIS: {msg}.")
            text = "\n".join(comment) + "\n" + text
        return text

    def _note(self, msg: str) -> None:
        if msg not in self.notes:
            self.notes.append(msg)


_BUILTINS = frozenset(dir(__import__("builtins"))) | {"__name__", "__file__"}


def _is_star(node: ast.stmt | None) -> bool:
    return isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)


def _grouped_imports(lines: list[str]) -> list[str]:
    """PEP 8: standard library imports, a blank line, then the others (notebook order kept)."""
    import sys

    def top(line: str) -> str:
        return line.split()[1].split(".")[0]

    std = [x for x in lines if top(x) in sys.stdlib_module_names]
    other = [x for x in lines if top(x) not in sys.stdlib_module_names]
    return std + ([""] if std and other else []) + other


def _q(value: object) -> str:
    """A literal in double quotes, as the rest of the file (``json.dumps`` of str / list)."""
    return json.dumps(value)


def _plain_target(t: ast.AST) -> bool:
    if isinstance(t, ast.Name):
        return True
    if isinstance(t, (ast.Tuple, ast.List)):
        return all(_plain_target(e) for e in t.elts)
    if isinstance(t, ast.Starred):
        return _plain_target(t.value)
    return False


def _first_str_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for kw in call.keywords:
        if (
            kw.arg == "key"
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        ):
            return kw.value.value
    return None


def _string_continuation_lines(src: str) -> set[int]:
    """Line numbers (1-based) that lie inside a multi-line string after its first line: their
    text is part of the string's value, so indenting them would change it."""
    out: set[int] = set()
    starts: list[int] = []  # open f-strings (Python 3.12+ tokenizes them in pieces)
    fstart, fend = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                out.update(range(tok.start[0] + 1, tok.end[0] + 1))
            elif tok.type == fstart:
                starts.append(tok.start[0])
            elif tok.type == fend and starts:
                out.update(range(starts.pop() + 1, tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


# ---------------------------------------------------------------------- entry points
def build_export(cells: Iterable[str], *, source: str = "a notebook") -> Export:
    """Export code cells (source strings, in notebook order): the module text and notes."""
    b = _Builder(list(cells), source)
    b.parse()
    return b.render()


def export_cells(cells: Iterable[str], *, source: str = "a notebook") -> str:
    """The module text for a list of code cells (see :func:`export_notebook`)."""
    return build_export(cells, source=source).text


def export_notebook(path: str | os.PathLike[str]) -> str:
    """The plain-Python Dagster module for a notebook's definitions.

    text = export_notebook("notebooks/01_quickstart.ipynb")
    Path("quickstart_defs.py").write_text(text)   # dagster dev -f quickstart_defs.py
    """
    return build_export(read_notebook_cells(path), source=Path(path).name).text


def write_export(export: Export, out: str | os.PathLike[str]) -> Path:
    """Write an export to ``out``: a ``.py`` file, or a directory (a package: ``__init__.py``
    holds the module, so ``dagster dev -m PACKAGE`` loads it)."""
    p = Path(out)
    if p.suffix == ".py":
        target = p
    elif p.suffix:
        raise NotebookExportError(
            f"Output {str(p)!r} must be a .py file or a package directory (no suffix)."
        )
    else:
        if p.exists() and not p.is_dir():
            raise NotebookExportError(f"Output {str(p)!r} exists and is not a directory.")
        target = p / "__init__.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(export.text, encoding="utf-8")
    tmp.replace(target)
    return target
