"""``DagsterDbtTranslator``: how each dbt node becomes an asset spec (dagster_dbt's defaults).

Override a ``get_*`` method to change keys, groups, descriptions, metadata, tags, owners:

    class Prefixed(DagsterDbtTranslator):
        def get_asset_key(self, dbt_resource_props):
            return super().get_asset_key(dbt_resource_props).with_prefix("warehouse")
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, key_from_parts
from dagster_nb._definitions.asset_spec import _new_dep, make_dep
from dagster_nb.dbt._manifest import (
    ManifestWrapper,
    get_node,
    graph_props,
    shared_memos,
    upstream_unique_ids,
)

UNIQUE_ID_KEY = "dagster_dbt/unique_id"
MANIFEST_KEY = "dagster_dbt/manifest"
TRANSLATOR_KEY = "dagster_dbt/dagster_dbt_translator"
PROJECT_KEY = "dagster_dbt/project"
PROJECT_ID_KEY = "dagster_dbt/project_id"
NAMESPACE = "dagster_dbt/"
# Dagster's tag-key rule: letters, digits, '-', '_', '.', optionally one '/' prefix.
_TAG_KEY = re.compile(r"^([A-Za-z0-9_.-]{1,63}/)?[A-Za-z0-9_.-]{1,63}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class DagsterDbtTranslatorSettings:
    """Switches of the translator, with dagster_dbt's defaults.

    >>> DagsterDbtTranslatorSettings(enable_asset_checks=False).enable_asset_checks
    False
    """

    enable_asset_checks: bool = True
    enable_duplicate_source_asset_keys: bool = False
    enable_code_references: bool = False
    enable_dbt_selection_by_name: bool = False
    enable_source_tests_as_checks: bool = False
    enable_source_metadata: bool = True
    enable_dbt_views_as_virtual_assets: bool = False


def _meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return (props.get("meta") or {}).get("dagster") or {}


class DagsterDbtTranslator:
    """Derives Dagster asset attributes from dbt resource properties (a manifest node).

    >>> from dagster_nb.dbt import DagsterDbtTranslator
    >>> DagsterDbtTranslator().get_asset_key({"resource_type": "source", "source_name": "raw",
    ...     "name": "orders", "config": {}})
    AssetKey(['raw', 'orders'])
    """

    def __init__(self, settings: DagsterDbtTranslatorSettings | None = None) -> None:
        self._settings = settings or DagsterDbtTranslatorSettings()

    def __getstate__(self) -> dict[str, Any]:
        # the memos are caches (and weak maps, which do not pickle): a copy starts without them
        state = dict(self.__dict__)
        state.pop("_node_memos", None)
        state.pop("_last_memo", None)
        return state

    @property
    def settings(self) -> DagsterDbtTranslatorSettings:
        if not hasattr(self, "_settings"):
            self._settings = DagsterDbtTranslatorSettings()
        return self._settings

    def get_resource_props(self, manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
        return get_node(manifest, unique_id)

    # -- the per-attribute hooks (dagster_dbt's names and defaults) ---------------------------

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> Any:
        props = dbt_resource_props
        meta = (props.get("config") or {}).get("meta") or props.get("meta") or {}
        configured = (meta.get("dagster") or {}).get("asset_key")
        if configured:
            return AssetKey(configured)
        parts: tuple[Any, ...]
        if props["resource_type"] == "source":
            parts = (props["source_name"], props["name"])
        elif props.get("version"):
            parts = (props["alias"],)
        else:
            schema = (props.get("config") or {}).get("schema")
            parts = (schema, props["name"]) if schema is not None else (props["name"],)
        if all(type(p) is str for p in parts):
            return key_from_parts(parts)  # (the common case: no coercion to do)
        return AssetKey(list(parts))

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> Any:
        return None

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        props = dbt_resource_props
        code = textwrap.indent(props.get("raw_sql") or props.get("raw_code", ""), "    ")
        sections = [
            props.get("description") or f"dbt {props['resource_type']} {props['name']}",
            f"#### Raw SQL:\n```sql\n{code}\n```",
        ]
        return "\n\n".join(filter(None, sections))

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        return _default_metadata(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {t: "" for t in dbt_resource_props.get("tags", ()) if _TAG_KEY.match(t)}

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        group = _meta(dbt_resource_props).get("group")
        if group:
            return group
        return (dbt_resource_props.get("config") or {}).get("group") or None

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        code = dbt_resource_props.get("raw_sql") or dbt_resource_props.get("raw_code")
        if code:
            return hashlib.sha1(code.encode("utf-8")).hexdigest()
        return (dbt_resource_props.get("checksum") or {}).get("checksum")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        owners = _meta(dbt_resource_props).get("owners")
        if owners:
            return owners
        group = dbt_resource_props.get("group")
        owner = (group or {}).get("owner", {}).get("email") if isinstance(group, Mapping) else None
        if not owner:
            return None
        return [owner] if isinstance(owner, str) else owner

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> Any:
        return None

    def get_partitions_def(self, dbt_resource_props: Mapping[str, Any]) -> Any:
        return None

    # -- whole specs ---------------------------------------------------------------------------

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> Any:
        """The AssetSpec of one dbt node (memoized per manifest, node and project)."""
        memo = self.node_memo(manifest, project).specs
        hit = memo.get(unique_id)
        if (
            hit is not None
            and hit.metadata.get(TRANSLATOR_KEY) is self
            and hit.metadata.get(PROJECT_KEY) is project
        ):
            return hit  # (a shared memo may hold another translator's or project's spec)
        spec = self.build_asset_spec(
            manifest,
            unique_id,
            project,
            key=self._default_key(manifest, unique_id, project),
            deps=self.asset_deps_of(manifest, unique_id, project),
        )
        memo[unique_id] = spec
        return spec

    # -- the parts of a spec, for @dbt_assets' lazy specs (internal) -----------------------------

    def node_memo(self, manifest: Mapping[str, Any], project: Any) -> NodeMemo:
        """What this translator derived from one manifest's nodes (with one project)."""
        # Weak: what holds a memo is the definition built from it (its lazy specs' builder);
        # the specs hold this translator in their metadata, so a strong map would be a cycle
        # keeping a whole manifest alive until the cyclic GC's next full collection.
        last = self.__dict__.get("_last_memo")  # a weakref.ref: the common case, one manifest
        if last is not None:
            memo = last()
            if memo is not None and memo.manifest is manifest and memo.project is project:
                return memo
        if type(self) is DagsterDbtTranslator:
            # The default translator derives the same from the same file with the same settings:
            # its memo is shared by every such translator while the manifest is kept (a cell
            # re-run makes a new translator and reads the kept manifest).
            # Keys, deps and tests do not depend on the project (a spec names it: specs are
            # checked against the asking translator and project, in get_asset_spec).
            shared = shared_memos(manifest)
            if shared is not None:
                memo = shared.get(self.settings)
                if memo is None:
                    memo = shared[self.settings] = NodeMemo(manifest, None)
                return memo
        memos: weakref.WeakValueDictionary[tuple[int, int], NodeMemo] | None = self.__dict__.get(
            "_node_memos"
        )
        if memos is None:
            memos = self.__dict__["_node_memos"] = weakref.WeakValueDictionary()
        memo = memos.get((id(manifest), id(project)))
        if memo is None or memo.manifest is not manifest or memo.project is not project:
            memo = memos[(id(manifest), id(project))] = NodeMemo(manifest, project)
        self.__dict__["_last_memo"] = weakref.ref(memo)
        return memo

    def asset_key_of(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
        node_memo: NodeMemo | None = None,
    ) -> Any:
        """The asset key of one node, as ``get_asset_spec(...).key`` gives it, without building
        the spec unless ``get_asset_spec`` is overridden (internal; ``node_memo``: this
        translator's for the manifest and project, when the caller holds it)."""
        memo = node_memo or self.node_memo(manifest, project)
        key = memo.asset_keys.get(unique_id)
        if key is None:
            if type(self).get_asset_spec is not DagsterDbtTranslator.get_asset_spec:
                key = self.get_asset_spec(manifest, unique_id, project).key
            else:
                key = self._default_key(manifest, unique_id, project, memo)
            memo.asset_keys[unique_id] = key
        return key

    def _default_key(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
        node_memo: NodeMemo | None = None,
    ) -> Any:
        # get_asset_key of one node, memoized
        memo = (node_memo or self.node_memo(manifest, project)).keys
        key = memo.get(unique_id)
        if key is None:
            if self.settings.enable_code_references:
                from dagster_nb._errors import DagsterInvalidDefinitionError

                raise DagsterInvalidDefinitionError(
                    "DagsterDbtTranslatorSettings(enable_code_references=True) is not supported "
                    "by dagster_nb.dbt yet; leave it False (the model's SQL is in the "
                    "description)."
                )
            cls = type(self)
            if (
                cls.get_asset_key is DagsterDbtTranslator.get_asset_key
                and cls.get_resource_props is DagsterDbtTranslator.get_resource_props
            ):
                props = graph_props(manifest, unique_id)  # the fields get_asset_key reads
            else:
                props = self.get_resource_props(manifest, unique_id)
            key = memo[unique_id] = self.get_asset_key(props)
        return key

    def asset_deps_of(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
        node_memo: NodeMemo | None = None,
    ) -> tuple[Any, ...]:
        """The AssetDeps of one node (its upstream models, seeds, snapshots and sources),
        memoized: the same tuple each time (internal)."""
        memo = node_memo or self.node_memo(manifest, project)
        deps = memo.deps.get(unique_id)
        if deps is not None:
            return deps
        mappings = (
            type(self).get_partition_mapping is not DagsterDbtTranslator.get_partition_mapping
        )
        # a user's get_partition_mapping reads the full node; the upstream ids only a digest
        props = (
            self.get_resource_props(manifest, unique_id)
            if mappings
            else graph_props(manifest, unique_id)
        )
        source_meta = self.settings.enable_source_metadata
        keys = memo.asset_keys
        out = []
        seen = set()
        for up in cached_upstream_ids(manifest, unique_id, props, memo.wrapper):
            key = keys.get(up) or self.asset_key_of(manifest, up, project, memo)
            if key in seen:
                continue
            seen.add(key)
            pm = (
                self.get_partition_mapping(props, self.get_resource_props(manifest, up))
                if mappings
                else None
            )
            if source_meta and up.startswith("source"):
                meta = memo.source_dep_meta.get(up)
                if meta is None:
                    meta = memo.source_dep_meta[up] = _SourceDepMetadata(
                        self, manifest, up, project
                    )
                    if _overrides_hooks(type(self)):
                        # a user's hooks run at decoration, for sources too (as in dagster_dbt)
                        meta._get()
                out.append(_new_dep(key, pm, meta))
            else:
                out.append(make_dep(key, pm))
        deps = memo.deps[unique_id] = tuple(out)
        return deps

    def build_asset_spec(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
        *,
        key: Any,
        deps: tuple[Any, ...],
        given: Mapping[str, Any] | None = None,
    ) -> Any:
        """The AssetSpec of one node from its key and deps; ``given`` holds hook results already
        computed (internal: @dbt_assets calls a user's overridden hooks up front)."""
        from dagster_nb._definitions.asset_spec import AssetSpec

        given = given or _NOTHING
        props = self.get_resource_props(manifest, unique_id)

        def hook(name: str, hook_props: Mapping[str, Any] = props) -> Any:
            return given[name] if name in given else getattr(self, name)(hook_props)

        owner_props = props
        if props.get("group"):
            gp = _wrapper(manifest).groups_by_name().get(props["group"])
            if gp:
                owner_props = {**props, "group": gp}
        mtype = (props.get("config") or {}).get("materialized")
        virtual = self.settings.enable_dbt_views_as_virtual_assets and mtype == "view"
        adapter = (manifest.get("metadata") or {}).get("adapter_type")
        kinds = {"dbt", adapter or "dbt"}
        if virtual:
            kinds.add("view")
        metadata = dict(hook("get_metadata"))
        metadata[MANIFEST_KEY] = _wrapper(manifest)
        metadata[TRANSLATOR_KEY] = self
        metadata[UNIQUE_ID_KEY] = props["unique_id"]
        if project is not None:
            metadata[PROJECT_KEY] = project
        if adapter:
            metadata["dagster/storage_kind"] = adapter
        pid = _wrapper(manifest).project_id_value
        if pid is not None:
            metadata[PROJECT_ID_KEY] = pid
        extra: dict[str, Any] = {}
        if virtual:
            extra["is_virtual"] = True
        spec = AssetSpec(
            key=key,
            deps=deps,
            description=hook("get_description"),
            metadata=metadata,
            skippable=True,
            # "default" here rather than None (dagster_dbt's spec before it joins the
            # definition): the definition would otherwise copy every spec to set it
            group_name=hook("get_group_name") or DEFAULT_GROUP_NAME,
            code_version=hook("get_code_version"),
            automation_condition=hook("get_automation_condition"),
            owners=hook("get_owners", owner_props),
            tags=hook("get_tags"),
            kinds=kinds,
            partitions_def=hook("get_partitions_def"),
            **extra,
        )
        return spec

    def get_asset_check_spec(
        self, asset_spec: Any, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> Any:
        """The AssetCheckSpec of one dbt test on ``asset_spec`` (None when it targets another)."""
        return self.check_spec_of(asset_spec.key, manifest, unique_id, project)

    def check_spec_of(
        self, asset_key: Any, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> Any:
        """``get_asset_check_spec`` from the asset's key alone (internal: @dbt_assets does not
        build a model's spec to name its tests' checks)."""
        if not self.settings.enable_asset_checks or not unique_id.startswith("test"):
            return None
        test = get_node(manifest, unique_id)
        known = self.node_memo(manifest, project).asset_keys
        if _attached_key(manifest, self, test, project, known) != asset_key:
            return None
        from dagster_nb._definitions.asset_checks import _trusted_check_spec

        parents = (manifest.get("parent_map") or {}).get(unique_id, ())
        additional = None
        if len(parents) > 1 or (
            parents
            and (known.get(parents[0]) or self.asset_key_of(manifest, parents[0], project))
            != asset_key
        ):
            from dagster_nb._definitions.asset_spec import make_dep

            keys = {self.asset_key_of(manifest, pid, project) for pid in parents}
            keys.discard(asset_key)
            additional = tuple(make_dep(k) for k in sorted(keys, key=lambda k: k.path))
        severity = (test.get("config") or {}).get("severity") or "error"
        description = (test.get("meta") or {}).get("description")
        name = test["name"]
        if not isinstance(name, str) or not name or not isinstance(description, (str, type(None))):
            from dagster_nb._definitions.asset_checks import AssetCheckSpec

            return AssetCheckSpec(  # the validating constructor names what is wrong
                name, asset=asset_key, description=description, metadata={UNIQUE_ID_KEY: unique_id}
            )
        # the values are checked above (a name, an AssetKey, AssetDeps): no __init__ needed
        return _trusted_check_spec(
            name=name,
            asset_key=asset_key,
            description=description,
            additional_deps=additional or (),
            blocking=severity.lower() == "error",
            metadata={UNIQUE_ID_KEY: unique_id},
            automation_condition=None,
            partitions_def=None,
        )


class NodeMemo:
    """Keys, deps and specs a translator derived from one manifest (and project), by unique
    id: each is computed once, however many places ask (internal)."""

    __slots__ = (
        "manifest",
        "wrapper",
        "project",
        "keys",
        "asset_keys",
        "deps",
        "specs",
        "source_dep_meta",
        "tests",
        "__weakref__",
    )

    def __init__(self, manifest: Mapping[str, Any], project: Any) -> None:
        self.manifest = manifest
        self.wrapper = _wrapper(manifest)  # kept while this memo is (upstream ids, groups)
        self.project = project
        self.keys: dict[str, Any] = {}  # get_asset_key's
        self.asset_keys: dict[str, Any] = {}  # asset_key_of's (get_asset_spec(...).key)
        self.deps: dict[str, tuple[Any, ...]] = {}
        self.specs: dict[str, Any] = {}
        self.source_dep_meta: dict[str, _SourceDepMetadata] = {}
        self.tests: dict[str, tuple[Any, str]] = {}  # test id -> (its node's key or None, name)


_OVERRIDES: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


#: The hooks whose override makes @dbt_assets build every spec up front.
EAGER_HOOKS = ("get_asset_spec", "get_partitions_def")


def overridden_hooks(cls: type, hooks: Sequence[str]) -> list[str]:
    """Which of ``hooks`` a translator class overrides."""
    return [h for h in hooks if getattr(cls, h) is not getattr(DagsterDbtTranslator, h)]


def _overrides_hooks(cls: type) -> bool:
    """Whether a translator class overrides one of the hooks a spec's build calls."""
    found = _OVERRIDES.get(cls)
    if found is None:
        found = _OVERRIDES[cls] = bool(overridden_hooks(cls, (*DEFERRED_HOOKS, *EAGER_HOOKS)))
    return found


class _SourceDepMetadata(Mapping[str, Any]):
    """The metadata of a dep on a dbt source (the source's spec metadata without
    ``dagster_dbt/*`` entries, as dagster_dbt gives it), computed when first read: loading
    builds no source's spec. Holds no memo, so it makes no reference cycle (internal)."""

    __slots__ = ("_args", "_value")

    def __init__(
        self, translator: DagsterDbtTranslator, manifest: Mapping[str, Any], uid: str, project: Any
    ) -> None:
        self._args: tuple[Any, ...] | None = (translator, manifest, uid, project)
        self._value: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._value is None:
            assert self._args is not None
            translator, manifest, uid, project = self._args
            spec = translator.get_asset_spec(manifest, uid, project)
            self._value = {k: v for k, v in spec.metadata.items() if not k.startswith(NAMESPACE)}
            self._args = None
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Any:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(self._get())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._get(),))


DEFAULT_GROUP_NAME = "default"
_NOTHING: Mapping[str, Any] = {}
#: The hooks @dbt_assets may call after loading, when a spec is first read (see
#: asset_decorator.build_dbt_specs): a user's override of one of them is called up front.
DEFERRED_HOOKS = (
    "get_metadata",
    "get_description",
    "get_group_name",
    "get_code_version",
    "get_automation_condition",
    "get_owners",
    "get_tags",
)
# id(manifest) -> its wrapper, while something holds the wrapper: a definition's specs (in
# their metadata) or a translator's NodeMemo. Weak, so that no manifest outlives its users.
_WRAPPERS: weakref.WeakValueDictionary[int, ManifestWrapper] = weakref.WeakValueDictionary()


def cached_upstream_ids(
    manifest: Mapping[str, Any],
    unique_id: str,
    props: Mapping[str, Any],
    wrapper: ManifestWrapper | None = None,
) -> list[str]:
    """upstream_unique_ids, computed once per node of a manifest (``wrapper``: the manifest's,
    when the caller holds it)."""
    cache = (wrapper or _wrapper(manifest)).upstream
    found = cache.get(unique_id)
    if found is None:
        found = cache[unique_id] = upstream_unique_ids(manifest, props)
    return found


def _wrapper(manifest: Mapping[str, Any]) -> ManifestWrapper:
    # One wrapper per manifest object, shared by all its specs (the manifest is not copied).
    w = _WRAPPERS.get(id(manifest))
    if w is None or w.manifest is not manifest:
        w = _WRAPPERS[id(manifest)] = ManifestWrapper(manifest)
    return w


def _default_metadata(props: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mtype = (props.get("config") or {}).get("materialized")
    if mtype is not None:
        out["dagster-dbt/materialization_type"] = mtype
    columns = props.get("columns") or {}
    if columns:
        from dagster_nb._definitions.metadata import TableColumn, TableSchema

        out["dagster/column_schema"] = TableSchema(
            columns=[
                TableColumn(
                    name=name,
                    type=info.get("data_type") or "?",
                    description=info.get("description"),
                    tags={t: "" for t in info.get("tags", ())},
                )
                for name, info in columns.items()
            ]
        )
    candidates = [
        props.get("database"),
        props.get("schema"),
        props.get("alias"),
        props.get("name") if props.get("resource_type") == "source" else None,
    ]
    parts = [str(p) for p in candidates if p]
    if parts:
        out["dagster/table_name"] = ".".join(parts)
    return out


def check_key_for_test(
    manifest: Mapping[str, Any], translator: DagsterDbtTranslator, test_unique_id: str, project: Any
) -> Any:
    """The AssetCheckKey a dbt test maps to (its attached node), or None."""
    if not test_unique_id.startswith("test"):
        return None
    from dagster_nb._definitions.asset_checks import AssetCheckKey

    test = graph_props(manifest, test_unique_id)
    key = _attached_key(manifest, translator, test, project, {})
    if key is None:
        return None
    return AssetCheckKey(name=test["name"], asset_key=key)


def _attached_key(
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    test: Mapping[str, Any],
    project: Any,
    known: Mapping[str, Any],
    node_memo: NodeMemo | None = None,
) -> Any:
    """The asset key of the node a test checks (its only parent, else its attached node, or the
    node ``meta.dagster.ref`` names), or None."""
    ups = (test.get("depends_on") or {}).get("nodes", ())
    attached = test.get("attached_node")
    if len(ups) == 1 or (len(ups) > 1 and len(set(ups)) == 1):
        attached = ups[0]
    ref = (
        ((test.get("config") or {}).get("meta") or test.get("meta") or {}).get("dagster") or {}
    ).get("ref") or {}
    if ref:
        pkg = ref.get("package") or (manifest.get("metadata") or {}).get("project_name")
        want = (ref["name"], pkg, ref.get("version"))
        attached = next(
            (
                uid
                for uid in manifest["nodes"]
                for p in (graph_props(manifest, uid),)
                if (p["name"], p["package_name"], p.get("version")) == want
            ),
            None,
        )
    if not attached:
        return None
    return known.get(attached) or translator.asset_key_of(manifest, attached, project, node_memo)
