"""AssetsDefinition: one or more asset specs and the computation (op or graph) that produces
them; SourceAsset: an asset produced elsewhere, loadable and possibly observable.

Definitions are immutable: ``with_attributes``, ``subset_for`` and friends return copies.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_graph import DEFAULT_GROUP_NAME
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.asset_spec import AssetSpec
from dagster_nb._definitions.derived import Facts, derived
from dagster_nb._definitions.lazy_specs import LazySpecs, check_keys_of, deps_of
from dagster_nb._definitions.metadata import normalize_metadata
from dagster_nb._definitions.records import trusted_constructor
from dagster_nb._errors import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    did_you_mean,
)

__all__ = [
    "AssetsDefinition",
    "SourceAsset",
    "ExecutionType",
    "source_code_version",
    "with_resources",
]


class ExecutionType:
    MATERIALIZATION = "MATERIALIZATION"
    OBSERVATION = "OBSERVATION"
    UNEXECUTABLE = "UNEXECUTABLE"


_AST_LOCK = threading.Lock()


def source_code_version(fn: Callable) -> str:
    """A code version derived from a function's normalized source: the AST without docstrings,
    so whitespace, comments and docstrings do not count. Falls back to the bytecode."""
    # ast.parse is not thread-safe on CPython 3.11 ("AST constructor recursion depth
    # mismatch" when steps run in threads with max_concurrent > 1).
    with _AST_LOCK:
        return _source_code_version(fn)


# (file, first line) -> (that file's lines, version): the same function source - same file
# contents, same first line - has the same version, so re-running an unchanged notebook cell
# (or re-decorating a function) skips tokenizing and parsing it again.
_VERSION_BY_SOURCE: dict[tuple[str, int], tuple[list[str], str]] = {}
_VERSION_CACHE_MAX = 1024


def _source_code_version(fn: Callable) -> str:
    import inspect
    import linecache

    code = getattr(inspect.unwrap(fn), "__code__", None)
    lines: list[str] = []
    if code is not None:
        where = (code.co_filename, code.co_firstlineno)
        if not code.co_filename.startswith("<"):
            linecache.checkcache(
                code.co_filename
            )  # as inspect.getsource: the file may have changed
        lines = linecache.getlines(code.co_filename, getattr(fn, "__globals__", None))
        hit = _VERSION_BY_SOURCE.get(where)
        if hit is not None and lines and (hit[0] is lines or hit[0] == lines):
            return hit[1]
    version = _parse_code_version(fn)
    if code is not None and lines:
        if len(_VERSION_BY_SOURCE) >= _VERSION_CACHE_MAX:
            _VERSION_BY_SOURCE.pop(next(iter(_VERSION_BY_SOURCE)))
        _VERSION_BY_SOURCE[where] = (lines, version)
    return version


def _parse_code_version(fn: Callable) -> str:
    import ast
    import inspect
    import textwrap

    h = hashlib.sha256()
    try:
        src = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)
                ):
                    node.body = body[1:] or [ast.Pass()]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                node.decorator_list = []
        h.update(ast.dump(tree, annotate_fields=False, include_attributes=False).encode())
    except (OSError, TypeError, SyntaxError, IndentationError):
        code = getattr(fn, "__code__", None)
        if code is None:
            return "unknown"
        h.update(code.co_code)
        h.update(repr(code.co_consts).encode())
        h.update(repr(code.co_names).encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetsDefinition:
    """A set of assets computed together. Usually built by ``@asset`` / ``@multi_asset``.

    >>> import dagster_nb as dg
    >>> @dg.asset
    ... def one(): return 1
    >>> one.key, one()
    (AssetKey(['one']), 1)
    """

    specs_by_key: Mapping[AssetKey, AssetSpec]
    keys_by_output_name: Mapping[str, AssetKey] = field(default_factory=dict)
    keys_by_input_name: Mapping[str, AssetKey] = field(default_factory=dict)
    node_def: Any = None  # OpDefinition | GraphDefinition | None (external)
    partitions_def: Any = None
    partition_mappings: Mapping[AssetKey, Any] = field(default_factory=dict)
    can_subset: bool = False
    selected_asset_keys: frozenset[AssetKey] = frozenset()
    resource_defs: Mapping[str, Any] = field(default_factory=dict)
    backfill_policy: Any = None
    execution_type: str = ExecutionType.MATERIALIZATION
    internal_asset_deps: Mapping[AssetKey, frozenset[AssetKey]] = field(default_factory=dict)
    is_subset: bool = False
    # Where it was defined ("<cell In[3]>:2" or "module.py:10"), for redefinition messages.
    source_location: str | None = None
    # Set only for @observable_source_asset / SourceAsset-derived definitions.
    auto_observe_interval_minutes: float | None = None
    # Checks this definition's op evaluates (Dagster's name): output name -> AssetCheckSpec.
    check_specs_by_output_name: Mapping[str, Any] = field(default_factory=dict)
    _derived_code_version: list = field(default_factory=list, repr=False, compare=False)
    # Facts derived from the (immutable) specs, per key. init=False: copies made with
    # dataclasses.replace start empty, since their specs may differ.
    _facts: Facts = field(default_factory=Facts, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.selected_asset_keys:
            object.__setattr__(self, "selected_asset_keys", frozenset(self.specs_by_key))
        # As in Dagster, every asset of a definition has a group: "default" unless one is given
        # (a bare AssetSpec keeps None until it joins a definition).
        # (A LazySpecs' builder sets the group of every spec it builds: not read here.)
        specs = self.specs_by_key
        if type(specs) is not LazySpecs and any(s.group_name is None for s in specs.values()):
            object.__setattr__(
                self,
                "specs_by_key",
                {
                    k: s
                    if s.group_name is not None
                    else s.replace_attributes(group_name=DEFAULT_GROUP_NAME)
                    for k, s in self.specs_by_key.items()
                },
            )

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    # --- identity ---
    @property
    def keys(self) -> frozenset[AssetKey]:
        """The selected keys (all keys unless this is a subset)."""
        return self.selected_asset_keys

    @property
    def key(self) -> AssetKey:
        if len(self.specs_by_key) != 1:
            raise DagsterInvalidInvocationError(
                f"Tried to retrieve asset key from an assets definition with multiple asset keys: "
                f"{', '.join(sorted(k.to_user_string() for k in self.specs_by_key))}. Use `.keys`."
            )
        return next(iter(self.specs_by_key))

    @property
    def specs(self) -> list[AssetSpec]:
        return [s for k, s in self.specs_by_key.items() if k in self.selected_asset_keys]

    def get_asset_spec(self, key: AssetKey | None = None) -> AssetSpec:
        return self.specs_by_key[key or self.key]

    @property
    def op(self) -> Any:
        from dagster_nb._definitions.op import OpDefinition

        if not isinstance(self.node_def, OpDefinition):
            raise DagsterInvalidInvocationError(
                f"The assets definition for {self._label()} is not backed by an op; use "
                "`.node_def`."
            )
        return self.node_def

    @property
    def node_name(self) -> str:
        if self.node_def is not None:
            return self.node_def.name
        return next(iter(self.specs_by_key)).to_python_identifier()

    @property
    def is_materializable(self) -> bool:
        return self.execution_type == ExecutionType.MATERIALIZATION and self.node_def is not None

    @property
    def is_observable(self) -> bool:
        return self.execution_type == ExecutionType.OBSERVATION

    @property
    def is_external(self) -> bool:
        return not self.is_materializable

    @property
    def is_executable(self) -> bool:
        return self.execution_type != ExecutionType.UNEXECUTABLE

    # --- asset checks (Dagster's names) ---
    @property
    def check_specs(self) -> list[Any]:
        """The AssetCheckSpecs of the checks this definition evaluates."""
        return list(self.check_specs_by_output_name.values())

    @property
    def check_keys(self) -> frozenset[Any]:
        return frozenset(check_keys_of(self.check_specs_by_output_name))

    @property
    def check_key(self) -> Any:
        keys = self.check_keys
        if len(keys) != 1:
            raise DagsterInvalidInvocationError(
                f"{self._label()} evaluates {len(keys)} checks, not one: use `.check_keys`."
            )
        return next(iter(keys))

    # --- per-key facts (Dagster's names) ---
    @property
    def dependency_keys(self) -> frozenset[AssetKey]:
        out: set[AssetKey] = set()
        for k in self.selected_asset_keys:
            out.update(d.asset_key for d in deps_of(self.specs_by_key, k))
        return frozenset(out)

    @property
    def asset_deps(self) -> dict[AssetKey, frozenset[AssetKey]]:
        return {k: self.dep_key_set(k) for k in self.specs_by_key}

    @property
    def group_names_by_key(self) -> dict[AssetKey, str]:
        return {k: s.group_name or DEFAULT_GROUP_NAME for k, s in self.specs_by_key.items()}

    @property
    def metadata_by_key(self) -> dict[AssetKey, Mapping[str, Any]]:
        return {k: s.metadata for k, s in self.specs_by_key.items()}

    @property
    def tags_by_key(self) -> dict[AssetKey, Mapping[str, str]]:
        return {k: s.tags for k, s in self.specs_by_key.items()}

    @property
    def owners_by_key(self) -> dict[AssetKey, tuple[str, ...]]:
        return {k: s.owners for k, s in self.specs_by_key.items()}

    @property
    def descriptions_by_key(self) -> dict[AssetKey, str | None]:
        return {k: s.description for k, s in self.specs_by_key.items()}

    @property
    def automation_conditions_by_key(self) -> dict[AssetKey, Any]:
        return {k: s.automation_condition for k, s in self.specs_by_key.items()}

    @property
    def code_versions_by_key(self) -> dict[AssetKey, str | None]:
        """Explicit code versions (None where the user gave none), as in Dagster."""
        return {k: s.code_version for k, s in self.specs_by_key.items()}

    def effective_code_version(self, key: AssetKey) -> str:
        """The explicit code version, else one derived from the function's normalized source."""
        explicit = self.specs_by_key[key].code_version
        if explicit is not None:
            return explicit
        if not self._derived_code_version:
            fn = None
            nd = self.node_def
            if nd is not None:
                fn = getattr(nd, "compute_fn", None) or getattr(nd, "compose_fn", None)
            version = source_code_version(fn) if fn is not None else "external"
            if nd is not None and hasattr(nd, "iterate_op_defs"):
                parts = [version] + [
                    op.code_version or source_code_version(op.compute_fn)
                    for op in nd.iterate_op_defs()
                ]
                version = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
            self._derived_code_version.append(version)
        return self._derived_code_version[0]

    @property
    def required_resource_keys(self) -> frozenset[str]:
        keys = set(getattr(self.node_def, "required_resource_keys", ()) or ())
        for in_def in (getattr(self.node_def, "ins", None) or {}).values():
            if getattr(in_def, "input_manager_key", None):
                keys.add(in_def.input_manager_key)
        io_keys = self._io_manager_keys()
        if self.is_subset:
            keys.update(io_keys[k] for k in self.selected_asset_keys)
        else:
            keys.update(io_keys.values())
        return frozenset(keys)

    def get_io_manager_key_for_asset_key(self, key: AssetKey) -> str:
        return self._io_manager_keys()[key]

    def dep_key_set(self, key: AssetKey) -> frozenset[AssetKey]:
        """The keys ``key`` depends on, as a set."""
        return self._dep_key_sets()[key]

    # One fact per definition, not one per key: a multi-asset of thousands of keys (a dbt
    # project) would overflow the bounded Facts and recompute them again and again.
    @derived
    def _io_manager_keys(self) -> dict[AssetKey, str]:
        return {k: self._io_manager_key(k) for k in self.specs_by_key}

    @derived
    def _dep_key_sets(self) -> dict[AssetKey, frozenset[AssetKey]]:
        specs = self.specs_by_key
        return {k: frozenset(d.asset_key for d in deps_of(specs, k)) for k in specs}

    def _io_manager_key(self, key: AssetKey) -> str:
        specs = self.specs_by_key
        spec_key = specs.io_manager_key if type(specs) is LazySpecs else specs[key].io_manager_key
        if spec_key:
            return spec_key
        nd = self.node_def
        outs = getattr(nd, "outs", None)
        if outs:
            name = self._output_names_by_key().get(key)
            if name in outs and outs[name].io_manager_key:
                return outs[name].io_manager_key
        return "io_manager"

    @derived
    def _output_names_by_key(self) -> dict[AssetKey, str]:
        # one reverse map per definition: a lookup per key would be quadratic in a multi-asset
        # of thousands of keys (a dbt project)
        return {k: n for n, k in self.keys_by_output_name.items()}

    def get_output_name_for_asset_key(self, key: AssetKey) -> str:
        name = self._output_names_by_key().get(key)
        if name is not None:
            return name
        raise DagsterInvariantViolationError(
            f"Asset key {key.to_user_string()} not found in {self._label()}."
        )

    @property
    def input_names(self) -> list[str]:
        return list(self.keys_by_input_name)

    def get_partition_mapping(self, upstream_key: AssetKey) -> Any:
        return self.partition_mappings.get(upstream_key)

    def _label(self) -> str:
        ks = sorted(k.to_user_string() for k in self.specs_by_key)
        if len(ks) == 1:
            return f"asset '{ks[0]}'"
        shown = ", ".join(ks[:_LABEL_KEYS])
        if len(ks) > _LABEL_KEYS:  # a dbt project's thousand models: name a few, count the rest
            shown += f", ... and {len(ks) - _LABEL_KEYS} more"
        return f"multi-asset '{self.node_name}' ({shown})"

    # --- from an op or graph (Dagster's constructors) ---
    @staticmethod
    def from_graph(graph_def: Any, **kwargs: Any) -> AssetsDefinition:
        """Assets computed by an existing graph: ``AssetsDefinition.from_graph(g,
        keys_by_input_name={"x": AssetKey("up")})``. Outputs are keyed by name (``result``
        by the graph's name) under ``key_prefix``; inputs by name."""
        from dagster_nb._definitions.node_assets import assets_def_from_node

        return assets_def_from_node(graph_def, what="AssetsDefinition.from_graph", **kwargs)

    @staticmethod
    def from_op(op_def: Any, **kwargs: Any) -> AssetsDefinition:
        """Assets computed by an existing op (see :meth:`from_graph` for the keys)."""
        if "resource_defs" in kwargs or "check_specs" in kwargs:
            raise TypeError(
                f"from_op() got an unexpected keyword argument "
                f"'{'resource_defs' if 'resource_defs' in kwargs else 'check_specs'}'"
            )
        from dagster_nb._definitions.node_assets import assets_def_from_node

        return assets_def_from_node(op_def, what="AssetsDefinition.from_op", **kwargs)

    # --- copies ---
    def subset_for(self, selected_asset_keys: Iterable[AssetKey]) -> AssetsDefinition:
        """The same definition restricted to ``selected_asset_keys``."""
        sel = frozenset(selected_asset_keys) & frozenset(self.specs_by_key)
        if sel == frozenset(self.specs_by_key):
            return self
        if not self.can_subset:
            raise DagsterInvalidSubsetError(
                f"Asset {', '.join(sorted(k.to_user_string() for k in sel))} is part of "
                f"{self._label()}, which has can_subset=False: all of its assets must be "
                "selected together. Select all of "
                + ", ".join(sorted(k.to_user_string() for k in self.specs_by_key))
                + " or set can_subset=True."
            )
        return dataclasses.replace(self, selected_asset_keys=sel, is_subset=True)

    def with_attributes(
        self,
        *,
        asset_key_replacements: Mapping[AssetKey, AssetKey] | None = None,
        group_names_by_key: Mapping[AssetKey, str] | None = None,
        **_: Any,
    ) -> AssetsDefinition:
        repl = dict(asset_key_replacements or {})
        groups = dict(group_names_by_key or {})

        def rk(k: AssetKey) -> AssetKey:
            return repl.get(k, k)

        new_specs = {}
        for k, s in self.specs_by_key.items():
            changes: dict[str, Any] = {}
            if k in repl:
                changes["key"] = repl[k]
            if k in groups:
                changes["group_name"] = groups[k]
            if any(d.asset_key in repl for d in s.deps):
                changes["deps"] = [d._with_asset_key(rk(d.asset_key)) for d in s.deps]
            new_spec = s.replace_attributes(**changes) if changes else s
            new_specs[rk(k)] = new_spec
        return dataclasses.replace(
            self,
            specs_by_key=new_specs,
            keys_by_output_name={n: rk(k) for n, k in self.keys_by_output_name.items()},
            keys_by_input_name={n: rk(k) for n, k in self.keys_by_input_name.items()},
            selected_asset_keys=frozenset(rk(k) for k in self.selected_asset_keys),
            partition_mappings={rk(k): m for k, m in self.partition_mappings.items()},
            internal_asset_deps={
                rk(k): frozenset(rk(x) for x in v) for k, v in self.internal_asset_deps.items()
            },
            check_specs_by_output_name={
                n: (c._with_asset_key(rk(c.asset_key)) if c.asset_key in repl else c)
                for n, c in self.check_specs_by_output_name.items()
            },
            _derived_code_version=self._derived_code_version,
        )

    def map_asset_specs(self, fn: Callable[[AssetSpec], AssetSpec]) -> AssetsDefinition:
        new_specs = {}
        for k, s in self.specs_by_key.items():
            ns = fn(s)
            if ns.key != k:
                raise DagsterInvalidDefinitionError(
                    "map_asset_specs cannot change asset keys; use with_attributes / key_prefix."
                )
            new_specs[k] = ns
        return dataclasses.replace(self, specs_by_key=new_specs)

    def with_resources(self, resource_defs: Mapping[str, Any]) -> AssetsDefinition:
        """A copy that carries ``resource_defs`` (see :func:`with_resources`)."""
        merged = _merge_resource_defs(self.resource_defs, resource_defs, self._label())
        out = dataclasses.replace(self, resource_defs=merged)
        provided = set(merged) | {"io_manager"}
        for key in sorted(out.required_resource_keys):
            if key not in provided:
                raise DagsterInvalidDefinitionError(
                    f"resource with key '{key}' required by {self._label()} was not provided. "
                    f"Please provide a resource to key '{key}', or change the required key to "
                    f"one of: {sorted(provided)}." + did_you_mean(key, provided)
                )
        return out

    def to_source_asset(self, key: AssetKey | None = None) -> SourceAsset:
        spec = self.get_asset_spec(key)
        return SourceAsset(
            key=spec.key,
            metadata=spec.metadata,
            io_manager_key=self.get_io_manager_key_for_asset_key(spec.key),
            description=spec.description,
            partitions_def=self.partitions_def,
            group_name=spec.group_name,
            tags=spec.tags,
        )

    def to_source_assets(self) -> list[SourceAsset]:
        return [self.to_source_asset(k) for k in self.specs_by_key]

    # --- direct invocation (for tests) ---
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from dagster_nb._definitions.invocation import direct_invoke

        if self.node_def is None:
            raise DagsterInvalidInvocationError(
                f"{self._label()} has no function to call: it is an external asset."
            )
        if self.execution_type == ExecutionType.OBSERVATION:
            return direct_invoke(self.node_def, args, kwargs, assets_def=self)
        from dagster_nb._definitions.op import is_graph_definition

        if is_graph_definition(self.node_def):
            raise DagsterInvalidInvocationError(
                f"{self._label()} is computed by a graph; test it with dg.materialize([...])."
            )
        return direct_invoke(self.node_def, args, kwargs, assets_def=self)

    def __repr__(self) -> str:
        return f"<AssetsDefinition {self._label()}>"

    def _repr_html_(self) -> str:
        from dagster_nb._definitions.reprs import assets_definition_html

        return assets_definition_html(self)


_NO_CHECKS: Mapping[str, Any] = {}  # shared, never mutated
_LABEL_KEYS = 5  # keys a multi-asset's label names in messages
_generated_init = AssetsDefinition.__init__


def _assets_definition_init(self: AssetsDefinition, *, specs: Any = None, **kwargs: Any) -> None:
    # Dagster's AssetsDefinition(specs=[...], node_def=..., keys_by_output_name=...): the
    # specs become specs_by_key; without an op or graph the assets are external.
    if specs is not None:
        if "specs_by_key" in kwargs:
            raise DagsterInvalidDefinitionError(
                "AssetsDefinition: pass specs or specs_by_key, not both."
            )
        specs = list(specs)
        for sp in specs:
            if not isinstance(sp, AssetSpec):
                raise DagsterInvalidDefinitionError(
                    f"AssetsDefinition(specs=...) takes AssetSpecs, got {type(sp).__name__}."
                )
        kwargs["specs_by_key"] = {sp.key: sp for sp in specs}
        if len(kwargs["specs_by_key"]) != len(specs):
            raise DagsterInvalidDefinitionError(
                "AssetsDefinition(specs=...) has the same key twice."
            )
        if kwargs.get("node_def") is None:
            kwargs.setdefault("execution_type", ExecutionType.UNEXECUTABLE)
    _generated_init(self, **kwargs)


AssetsDefinition.__init__ = _assets_definition_init  # type: ignore[method-assign]


def _merge_resource_defs(
    own: Mapping[str, Any], given: Mapping[str, Any], label: str
) -> dict[str, Any]:
    clash = sorted(k for k in own if k in given and given[k] is not own[k])
    if clash:
        raise DagsterInvalidInvocationError(
            f"{label} has conflicting resource definitions with provided resources for the "
            f"following keys: {', '.join(clash)}. Either remove the existing resources from the "
            "asset or change the resource keys so that they don't overlap."
        )
    return {**given, **own}


def with_resources(
    definitions: Iterable[Any],
    resource_defs: Mapping[str, Any],
    resource_config_by_key: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Attach resources to asset definitions (Dagster's ``with_resources``); each definition
    gets the resources it lacks, and one still missing a required resource is refused.

        assets = dg.with_resources([orders, revenue], {"db": Warehouse(url="...")})
        dg.materialize(assets)
    """
    if resource_config_by_key:
        raise DagsterInvalidDefinitionError(
            "with_resources(resource_config_by_key=...) is not supported by dagster_nb yet; "
            "configure the resources themselves (e.g. Warehouse(url=...)) or pass run_config "
            "when materializing."
        )
    out = []
    for d in definitions:
        if not hasattr(d, "with_resources"):
            raise DagsterInvalidDefinitionError(
                f"with_resources takes asset definitions (@asset, @multi_asset, SourceAsset), "
                f"got {type(d).__name__}."
            )
        out.append(d.with_resources(resource_defs))
    return out


_trusted_assets_definition = trusted_constructor(
    AssetsDefinition,
    fixed={
        "can_subset": False,
        "execution_type": ExecutionType.MATERIALIZATION,
        "is_subset": False,
        "auto_observe_interval_minutes": None,
        "check_specs_by_output_name": _NO_CHECKS,
    },
    fresh={"internal_asset_deps": dict, "_derived_code_version": list, "_facts": Facts},
)


def single_asset_definition(
    key: AssetKey,
    spec: AssetSpec,
    keys_by_input_name: dict[str, AssetKey],
    node_def: Any,
    partitions_def: Any,
    partition_mappings: dict[AssetKey, Any],
    resource_defs: dict[str, Any],
    backfill_policy: Any,
    source_location: str | None,
) -> AssetsDefinition:
    """What ``AssetsDefinition(specs_by_key={key: spec}, keys_by_output_name={"result": key},
    ...)`` builds for ``@asset``, without the generated frozen __init__ (internal: the caller
    owns the dicts it passes)."""
    return _trusted_assets_definition(
        specs_by_key={key: spec},
        keys_by_output_name={"result": key},
        keys_by_input_name=keys_by_input_name,
        node_def=node_def,
        partitions_def=partitions_def,
        partition_mappings=partition_mappings,
        selected_asset_keys=frozenset((key,)),
        resource_defs=resource_defs,
        backfill_policy=backfill_policy,
        source_location=source_location,
    )


def _coerce_key(k: CoercibleToAssetKey) -> AssetKey:
    return AssetKey.from_coercible(k)


class SourceAsset:
    """An asset produced outside this code: loadable through its IO manager; observable when it
    has an ``observe_fn``. It is never materialized.

    >>> SourceAsset("raw_orders").key
    AssetKey(['raw_orders'])
    """

    def __init__(
        self,
        key: CoercibleToAssetKey,
        metadata: Mapping[str, Any] | None = None,
        io_manager_key: str | None = None,
        io_manager_def: Any = None,
        description: str | None = None,
        partitions_def: Any = None,
        group_name: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        observe_fn: Callable | None = None,
        op_tags: Mapping[str, Any] | None = None,
        *,
        auto_observe_interval_minutes: float | None = None,
        automation_condition: Any = None,
        tags: Mapping[str, str] | None = None,
        _required_resource_keys: Any = None,
    ):
        self.key = _coerce_key(key)
        self.metadata = normalize_metadata(metadata)
        self.raw_metadata = dict(metadata or {})
        if io_manager_def is not None and io_manager_key is None:
            io_manager_key = f"{self.key.to_python_identifier()}__io_manager"
        self.io_manager_key = io_manager_key or "io_manager"
        self.resource_defs = dict(resource_defs or {})
        if io_manager_def is not None:
            self.resource_defs[self.io_manager_key] = io_manager_def
        self.description = description
        self.partitions_def = partitions_def
        self.group_name = group_name or DEFAULT_GROUP_NAME  # as Dagster's SourceAsset
        self.observe_fn = observe_fn
        self.op_tags = dict(op_tags or {})
        self.auto_observe_interval_minutes = auto_observe_interval_minutes
        self.automation_condition = automation_condition
        self.tags = dict(tags or {})
        self.required_resource_keys = frozenset(_required_resource_keys or ())

    @property
    def is_observable(self) -> bool:
        return self.observe_fn is not None

    @property
    def keys(self) -> frozenset[AssetKey]:
        return frozenset({self.key})

    def to_assets_definition(self) -> AssetsDefinition:
        """The equivalent external (or observable) AssetsDefinition."""
        from dagster_nb._definitions.decorators import _observable_assets_def

        spec = AssetSpec(
            self.key,
            description=self.description,
            metadata=self.metadata,
            group_name=self.group_name,
            tags=self.tags,
            partitions_def=self.partitions_def,
            automation_condition=self.automation_condition,
            io_manager_key=self.io_manager_key,
        )
        if self.observe_fn is not None:
            return _observable_assets_def(
                self.observe_fn,
                specs=[spec],
                partitions_def=self.partitions_def,
                required_resource_keys=self.required_resource_keys,
                resource_defs=self.resource_defs,
                auto_observe_interval_minutes=self.auto_observe_interval_minutes,
                name=self.key.to_python_identifier(),
                op_tags=self.op_tags,
                description=self.description,
            )
        return AssetsDefinition(
            specs_by_key={self.key: spec},
            partitions_def=self.partitions_def,
            resource_defs=self.resource_defs,
            execution_type=ExecutionType.UNEXECUTABLE,
        )

    def with_resources(self, resource_defs: Mapping[str, Any]) -> SourceAsset:
        """A copy that carries ``resource_defs`` (see :func:`with_resources`)."""
        merged = _merge_resource_defs(self.resource_defs, resource_defs, repr(self))
        return SourceAsset(
            self.key,
            metadata=self.raw_metadata,
            io_manager_key=self.io_manager_key,
            description=self.description,
            partitions_def=self.partitions_def,
            group_name=self.group_name,
            resource_defs=merged,
            observe_fn=self.observe_fn,
            op_tags=self.op_tags,
            auto_observe_interval_minutes=self.auto_observe_interval_minutes,
            automation_condition=self.automation_condition,
            tags=self.tags,
            _required_resource_keys=self.required_resource_keys,
        )

    def with_attributes(self, *, key: AssetKey | None = None, group_name: str | None = None):
        return SourceAsset(
            key or self.key,
            metadata=self.raw_metadata,
            io_manager_key=self.io_manager_key,
            description=self.description,
            partitions_def=self.partitions_def,
            group_name=group_name or self.group_name,
            resource_defs=self.resource_defs,
            observe_fn=self.observe_fn,
            auto_observe_interval_minutes=self.auto_observe_interval_minutes,
            tags=self.tags,
            _required_resource_keys=self.required_resource_keys,
        )

    def __repr__(self) -> str:
        return f"SourceAsset(key={self.key!r})"
