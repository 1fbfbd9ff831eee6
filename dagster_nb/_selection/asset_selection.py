"""AssetSelection: a query over the asset graph, as plain frozen data with a pure ``resolve``.

Names and semantics follow Dagster 1.13 (``dagster._core.definitions.asset_selection``):
``|``, ``&`` and ``-`` build unions, intersections and differences (``a | b | c`` is one flat
union), ``.upstream()`` / ``.downstream()`` / ``.roots()`` / ``.sinks()`` walk the graph, and
``resolve(graph)`` returns the selected keys.

>>> from dagster_nb._definitions.asset_graph import AssetGraph, AssetNode
>>> g = AssetGraph.from_nodes([AssetNode(key=AssetKey("a")),
...                            AssetNode(key=AssetKey("b"), parent_keys=frozenset({AssetKey("a")}))])
>>> sorted(k.to_user_string() for k in AssetSelection.assets("b").upstream().resolve(g))
['a', 'b']
>>> AssetSelection.from_string("key:a+").to_selection_str()
'key:"a"+'
"""

from __future__ import annotations

import collections.abc
import html
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import TYPE_CHECKING, Any, Union

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, key_prefix_from_coercible
from dagster_nb._errors import (
    DagsterInvalidAssetSelectionError,
    DagsterInvalidSubsetError,
    did_you_mean,
)
from dagster_nb._selection._graph_view import (
    GraphView,
    coerce_asset_graph,
)

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

__all__ = [
    "AssetSelection",
    "CoercibleToAssetSelection",
    "AllSelection",
    "AllAssetCheckSelection",
    "AssetChecksForAssetKeysSelection",
    "AssetCheckKeysSelection",
    "resolve_checks",
    "KeysAssetSelection",
    "KeyWildCardAssetSelection",
    "KeyPrefixesAssetSelection",
    "KeySubstringAssetSelection",
    "GroupsAssetSelection",
    "GroupWildCardAssetSelection",
    "TagAssetSelection",
    "KindAssetSelection",
    "OwnerAssetSelection",
    "CodeLocationAssetSelection",
    "IsAttributeAssetSelection",
    "PartitionsAssetSelection",
    "RuntimeAttributeAssetSelection",
    "AndAssetSelection",
    "OrAssetSelection",
    "SubtractAssetSelection",
    "UpstreamAssetSelection",
    "DownstreamAssetSelection",
    "RootsAssetSelection",
    "SinksAssetSelection",
    "RequiredNeighborsAssetSelection",
    "MaterializableAssetSelection",
    "ParentSourcesAssetSelection",
]

CoercibleToAssetSelection = Union[str, Sequence[Any], "AssetSelection"]

# Binding strength of the text a selection prints as, to decide where parentheses go.
_OR, _AND, _NOT, _PRIMARY, _ATOM = 1, 2, 3, 4, 5
# _PRIMARY: a traversal (`+x`) or `*`: fine as an and/or/not operand, but cannot itself be
# traversed. _ATOM: an attribute, `sinks(..)`/`roots(..)` or a parenthesized expression.


def _wildcard_to_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace("\\*", ".*") + "$")


def _quote(value: str) -> str:
    # The selection language's quoted strings cannot hold a quote, a backslash or a newline.
    if any(c in value for c in '"\\\r\n'):
        raise NotImplementedError(
            f"{value!r} cannot be written in the selection syntax (it contains a quote, "
            "backslash or newline)."
        )
    return f'"{value}"'


def _keys_from_coercibles(items: Iterable[Any]) -> list[AssetKey]:
    """Strings are user strings (``"a/b"`` is a two-part key), as in Dagster; objects with a
    ``.keys`` attribute (AssetsDefinition) contribute all their keys; ``.key`` (AssetSpec,
    SourceAsset) one key."""
    out: list[AssetKey] = []
    for item in items:
        if isinstance(item, str):
            out.append(AssetKey.from_user_string(item))
        elif isinstance(item, (AssetKey, list, tuple)) or type(item).__name__ == "AssetKey":
            out.append(AssetKey.from_coercible(item))
        elif (keys := getattr(item, "keys", None)) is not None and not callable(keys):
            out.extend(AssetKey.from_coercible(k) for k in keys)
        elif (key := getattr(item, "key", None)) is not None:
            out.append(AssetKey.from_coercible(key))
        else:
            raise DagsterInvalidAssetSelectionError(
                f"Cannot select {type(item).__name__} {item!r}: pass asset keys, strings, lists "
                "of strings, or asset definitions."
            )
    return out


class AssetSelection:
    """A query over a set of assets, normally all that are defined in a project.

    Combine with ``|`` (union), ``&`` (intersection) and ``-`` (difference). Resolve against an
    asset graph (or anything with ``resolve_asset_graph()``) with :meth:`resolve`.

    >>> sel = AssetSelection.groups("marketing") | AssetSelection.assets("promotion")
    >>> sel
    AssetSelection.groups('marketing') | AssetSelection.assets('promotion')
    >>> str(sel)
    'group:"marketing" or key:"promotion"'
    """

    __slots__ = ()

    # ---- constructors (Dagster's names and defaults) -------------------------------------
    @staticmethod
    def all(include_sources: bool = False) -> AllSelection:
        """All materializable assets (and external ones too with ``include_sources=True``).

        >>> AssetSelection.all().to_selection_str()
        '*'
        """
        return AllSelection(include_sources=include_sources)

    @staticmethod
    def all_asset_checks() -> AllAssetCheckSelection:
        """All asset checks. Selects no assets; ``sel - all_asset_checks()`` is ``sel``."""
        return AllAssetCheckSelection()

    @staticmethod
    def checks_for_assets(*assets_defs: Any) -> AssetChecksForAssetKeysSelection:
        """The asset checks of the given assets (not the assets themselves).

        >>> AssetSelection.checks_for_assets("orders")
        AssetSelection.checks_for_assets('orders')
        """
        return AssetChecksForAssetKeysSelection(
            selected_asset_keys=tuple(_keys_from_coercibles(assets_defs))
        )

    @staticmethod
    def checks(*assets_defs_or_check_keys: Any) -> AssetCheckKeysSelection:
        """These checks: ``AssetCheckKey``s or check definitions (``@asset_check``).

        >>> from dagster_nb._definitions.asset_checks import AssetCheckKey
        >>> AssetSelection.checks(AssetCheckKey(AssetKey("orders"), "positive"))
        AssetSelection.checks(AssetCheckKey(asset_key=AssetKey(['orders']), name='positive'))
        """
        keys: list[Any] = []
        for item in assets_defs_or_check_keys:
            check_keys = getattr(item, "check_keys", None)
            if check_keys is not None and not isinstance(item, tuple):
                keys.extend(sorted(check_keys, key=lambda k: (k.asset_key.parts, k.name)))
            elif isinstance(item, tuple) and len(item) == 2 and hasattr(item, "asset_key"):
                keys.append(item)
            else:
                raise DagsterInvalidAssetSelectionError(
                    f"AssetSelection.checks() takes AssetCheckKeys or asset check definitions, "
                    f"got {type(item).__name__}: {item!r}. For the checks of an asset, use "
                    "AssetSelection.checks_for_assets(...)."
                )
        return AssetCheckKeysSelection(selected_asset_check_keys=tuple(keys))

    @staticmethod
    def assets(*assets_defs: Any) -> KeysAssetSelection:
        """The given assets: keys, ``"a/b"`` strings, lists of parts, or definitions.

        Resolving raises :class:`DagsterInvalidSubsetError` for keys not in the graph.

        >>> AssetSelection.assets("raw/orders", ["x", "y"]).to_selection_str()
        'key:"raw/orders" or key:"x/y"'
        """
        return KeysAssetSelection(selected_keys=tuple(_keys_from_coercibles(assets_defs)))

    @staticmethod
    def keys(*asset_keys: Any) -> KeysAssetSelection:
        """Deprecated in Dagster in favour of :meth:`assets`, which it equals.

        >>> import warnings; warnings.simplefilter("ignore")
        >>> AssetSelection.keys("a") == AssetSelection.assets("a")
        True
        """
        warnings.warn(
            "AssetSelection.keys is deprecated and will be removed in 2.0. Use "
            "AssetSelection.assets instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return KeysAssetSelection(selected_keys=tuple(_keys_from_coercibles(asset_keys)))

    @staticmethod
    def key_prefixes(
        *key_prefixes: Any, include_sources: bool = False
    ) -> KeyPrefixesAssetSelection:
        """Assets whose key starts with any of the prefixes (``"a"`` or ``["a", "b"]``).

        >>> AssetSelection.key_prefixes(["raw", "sales"])
        AssetSelection.key_prefixes(['raw', 'sales'])
        """
        return KeyPrefixesAssetSelection(
            selected_key_prefixes=tuple(tuple(key_prefix_from_coercible(p)) for p in key_prefixes),
            include_sources=include_sources,
        )

    @staticmethod
    def key_substring(
        key_substring: str, include_sources: bool = False
    ) -> KeySubstringAssetSelection:
        """Assets whose ``"a/b"`` user string contains ``key_substring``.

        >>> AssetSelection.key_substring("ord").to_selection_str()
        'key:"*ord*" and is:materializable'
        """
        return KeySubstringAssetSelection(
            selected_key_substring=key_substring, include_sources=include_sources
        )

    @staticmethod
    def groups(*group_strs: str, include_sources: bool = False) -> GroupsAssetSelection:
        """Materializable assets in any of the groups.

        >>> AssetSelection.groups("a", "b").to_selection_str()
        'group:"a" or group:"b"'
        """
        for g in group_strs:
            if not isinstance(g, str):
                raise DagsterInvalidAssetSelectionError(
                    f"AssetSelection.groups takes group names (str), got {type(g).__name__} {g!r}."
                )
        return GroupsAssetSelection(
            selected_groups=tuple(group_strs), include_sources=include_sources
        )

    @staticmethod
    def tag(key: str, value: str, include_sources: bool = False) -> TagAssetSelection:
        """Materializable assets whose tag ``key`` equals ``value``.

        >>> AssetSelection.tag("team", "data").to_selection_str()
        'tag:"team"="data"'
        """
        return TagAssetSelection(key=key, value=value, include_sources=include_sources)

    @staticmethod
    def tag_string(string: str, include_sources: bool = False) -> TagAssetSelection:
        """``"k=v"`` or ``"k"`` (value ``""``) as a tag selection.

        >>> AssetSelection.tag_string("team=data") == AssetSelection.tag("team", "data")
        True
        """
        parts = string.split("=")
        if len(parts) == 1:
            return TagAssetSelection(key=string, value="", include_sources=include_sources)
        if len(parts) == 2:
            return TagAssetSelection(key=parts[0], value=parts[1], include_sources=include_sources)
        raise DagsterInvalidAssetSelectionError(
            f"Invalid tag selection string: {string}. Must have no more than one '='."
        )

    @staticmethod
    def kind(kind: str | None, include_sources: bool = False) -> KindAssetSelection:
        """Materializable assets of the given kind (``None``: assets with no kind).

        >>> AssetSelection.kind("python").to_selection_str()
        'kind:"python"'
        """
        return KindAssetSelection(kind_str=kind, include_sources=include_sources)

    @staticmethod
    def owner(owner: str | None) -> OwnerAssetSelection:
        """Assets owned by ``owner`` (a ``team:x`` name or an email).

        >>> AssetSelection.owner("team:data").to_selection_str()
        'owner:"team:data"'
        """
        return OwnerAssetSelection(selected_owner=owner)

    @classmethod
    def from_string(cls, string: str, include_sources: bool = False) -> AssetSelection:
        """Parse Dagster's selection syntax (``key:a+ and not group:g``), or, as Dagster falls
        back to, the older clause syntax (``*a``, ``a++``, ``a/b``) and ``tag:k=v``.

        >>> AssetSelection.from_string("key:a or group:g")
        AssetSelection.from_string('key:"a"') | AssetSelection.groups('g')
        >>> AssetSelection.from_string("*b") == AssetSelection.assets("b").upstream()
        True
        """
        from dagster_nb._selection.grammar import selection_from_string

        return selection_from_string(string, include_sources=include_sources)

    @classmethod
    def from_coercible(cls, selection: CoercibleToAssetSelection) -> AssetSelection:
        """What ``materialize(selection=...)`` and ``define_asset_job(selection=...)`` accept:
        a selection string, an AssetSelection, or a list of strings (each parsed, then unioned),
        keys or definitions.

        >>> AssetSelection.from_coercible(["a", "b"])
        AssetSelection.assets('a') | AssetSelection.assets('b')
        """
        if isinstance(selection, AssetSelection):
            return selection
        if isinstance(selection, str):
            return cls.from_string(selection)
        if isinstance(selection, collections.abc.Sequence) and selection:
            if all(isinstance(el, str) for el in selection):
                return reduce(lambda a, b: a | b, [cls.from_string(s) for s in selection])
            strings = [el for el in selection if isinstance(el, str)]
            others = [el for el in selection if not isinstance(el, str)]
            if any(isinstance(el, tuple) and hasattr(el, "asset_key") for el in others):
                raise DagsterInvalidAssetSelectionError(
                    "selection argument must be one of str, Sequence[str], Sequence[AssetKey], "
                    "Sequence[AssetsDefinition], Sequence[SourceAsset], AssetSelection; a list of "
                    "AssetCheckKeys is none of them. Pass AssetSelection.checks(*check_keys)."
                )
            parts = [cls.from_string(s) for s in strings]
            return reduce(lambda a, b: a | b, [*parts, cls.assets(*others)])
        raise DagsterInvalidAssetSelectionError(
            "selection argument must be one of str, Sequence[str], Sequence[AssetKey], "
            "Sequence[AssetsDefinition], Sequence[SourceAsset], AssetSelection. Was "
            f"{type(selection)}."
            + (
                " (an empty list selects nothing; pass AssetSelection.all() for everything)"
                if isinstance(selection, collections.abc.Sequence)
                else ""
            )
        )

    # ---- chaining ------------------------------------------------------------------------
    def upstream(
        self, depth: int | None = None, include_self: bool = True
    ) -> UpstreamAssetSelection:
        """This selection plus its materializable ancestors (to ``depth`` levels).

        >>> AssetSelection.assets("a").upstream(2).to_selection_str()
        '2+key:"a"'
        """
        return UpstreamAssetSelection(child=self, depth=depth, include_self=include_self)

    def downstream(
        self, depth: int | None = None, include_self: bool = True
    ) -> DownstreamAssetSelection:
        """This selection plus its descendants (to ``depth`` levels).

        >>> AssetSelection.assets("a").downstream().to_selection_str()
        'key:"a"+'
        """
        return DownstreamAssetSelection(child=self, depth=depth, include_self=include_self)

    def roots(self) -> RootsAssetSelection:
        """Keys of this selection with no ancestor inside it.

        >>> AssetSelection.all().roots().to_selection_str()
        'roots(*)'
        """
        return RootsAssetSelection(child=self)

    def sources(self) -> RootsAssetSelection:
        """Deprecated in Dagster: the same as :meth:`roots`."""
        warnings.warn(
            "AssetSelection.sources is deprecated and will be removed in 2.0. Use "
            "AssetSelection.roots instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return RootsAssetSelection(child=self)

    def sinks(self) -> SinksAssetSelection:
        """Keys of this selection with no descendant inside it.

        >>> AssetSelection.all().sinks().to_selection_str()
        'sinks(*)'
        """
        return SinksAssetSelection(child=self)

    def required_multi_asset_neighbors(self) -> RequiredNeighborsAssetSelection:
        """This selection plus every key that must run with it (non-subsettable multi-assets).

        >>> AssetSelection.assets("a").required_multi_asset_neighbors()
        AssetSelection.assets('a').required_multi_asset_neighbors()
        """
        return RequiredNeighborsAssetSelection(child=self)

    def materializable(self) -> MaterializableAssetSelection:
        """Only the materializable keys of this selection.

        >>> AssetSelection.all(include_sources=True).materializable().to_selection_str()
        '(* or is:external) and is:materializable'
        """
        return MaterializableAssetSelection(child=self)

    def upstream_source_assets(self) -> ParentSourcesAssetSelection:
        """The external (source) assets upstream of this selection."""
        return ParentSourcesAssetSelection(child=self)

    def without_checks(self) -> AssetSelection:
        """This selection minus its asset checks (the asset keys are unchanged)."""
        return self - AssetSelection.all_asset_checks()

    # ---- operators: flatten, as Dagster does ---------------------------------------------
    def __or__(self, other: AssetSelection) -> OrAssetSelection:
        if not isinstance(other, AssetSelection):
            return NotImplemented
        ops: list[AssetSelection] = []
        for s in (self, other):
            ops.extend(s.operands if isinstance(s, OrAssetSelection) else (s,))
        return OrAssetSelection(operands=tuple(ops))

    def __and__(self, other: AssetSelection) -> AndAssetSelection:
        if not isinstance(other, AssetSelection):
            return NotImplemented
        ops: list[AssetSelection] = []
        for s in (self, other):
            ops.extend(s.operands if isinstance(s, AndAssetSelection) else (s,))
        return AndAssetSelection(operands=tuple(ops))

    def __sub__(self, other: AssetSelection) -> SubtractAssetSelection:
        if not isinstance(other, AssetSelection):
            return NotImplemented
        return SubtractAssetSelection(left=self, right=other)

    def __bool__(self) -> bool:
        return True

    # ---- resolution ----------------------------------------------------------------------
    def resolve(self, all_assets: Any, allow_missing: bool = False) -> set[AssetKey]:
        """The keys of ``all_assets`` (an AssetGraph, Definitions, anything with
        ``resolve_asset_graph()``, or a list of assets) that this selection selects.

        ``allow_missing=False`` makes :meth:`assets` selections of unknown keys raise
        :class:`DagsterInvalidSubsetError`, with close matches.
        """
        view = GraphView.of(coerce_asset_graph(all_assets))
        return set(self._resolve(view, allow_missing))

    def _resolve(self, view: GraphView, allow_missing: bool) -> AbstractSet[AssetKey]:
        raise NotImplementedError

    # ---- text form -----------------------------------------------------------------------
    def to_selection_str(self) -> str:
        """The selection in Dagster's selection syntax; :meth:`from_string` parses it back to a
        selection that resolves to the same keys. Raises NotImplementedError for selections
        the syntax cannot express (e.g. ``required_multi_asset_neighbors``).

        >>> (AssetSelection.assets("a").upstream(1) - AssetSelection.groups("g")).to_selection_str()
        '1+key:"a" and not group:"g"'
        """
        return self._text()[0]

    def _text(self) -> tuple[str, int]:
        """(text, binding strength of that text)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot be written in the selection syntax."
        )

    def _operand_text(self, min_strength: int) -> str:
        text, strength = self._text()
        return text if strength >= min_strength else f"({text})"

    def _may_include_external(self) -> bool:
        """Whether resolving can yield non-materializable keys. The text syntax's ``not`` only
        complements within materializable keys, so a difference is written differently when
        its left side can hold external assets."""
        return True

    def __str__(self) -> str:
        try:
            return self.to_selection_str()
        except NotImplementedError:
            return repr(self)

    def __repr__(self) -> str:
        return self._py()

    def _py(self) -> str:
        raise NotImplementedError

    def _py_operand(self) -> str:
        return self._py()

    def _repr_html_(self) -> str:
        try:
            text = self.to_selection_str()
        except NotImplementedError:
            text = None
        body = f"<code>{html.escape(repr(self))}</code>"
        if text is not None and text != repr(self):
            body += f"<br><small>selection string: <code>{html.escape(text)}</code></small>"
        return f"<div class='dagster-nb-asset-selection'>{body}</div>"


_FROM = "AssetSelection.from_string"


# ---------------------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AllSelection(AssetSelection):
    """Every materializable asset (``include_sources``: every asset). ``*`` in text."""

    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        return view.nodes.keys() if self.include_sources else view.materializable

    def _text(self):
        return ("* or is:external", _OR) if self.include_sources else ("*", _PRIMARY)

    def _may_include_external(self):
        return bool(self.include_sources)

    def _py(self):
        return (
            "AssetSelection.all(include_sources=True)"
            if self.include_sources
            else "AssetSelection.all()"
        )


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AllAssetCheckSelection(AssetSelection):
    """All asset checks; selects no asset keys (see :func:`resolve_checks`)."""

    def _resolve(self, view, allow_missing):
        return frozenset()

    def _may_include_external(self):
        return False

    def _py(self):
        return "AssetSelection.all_asset_checks()"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AssetChecksForAssetKeysSelection(AssetSelection):
    """The checks of some assets; selects no asset keys."""

    selected_asset_keys: tuple[AssetKey, ...]

    def _resolve(self, view, allow_missing):
        return frozenset()

    def _may_include_external(self):
        return False

    def _py(self):
        return f"AssetSelection.checks_for_assets({', '.join(_key_py(k) for k in self.selected_asset_keys)})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AssetCheckKeysSelection(AssetSelection):
    """Exactly these checks; selects no asset keys."""

    selected_asset_check_keys: tuple[Any, ...]

    def _resolve(self, view, allow_missing):
        return frozenset()

    def _may_include_external(self):
        return False

    def _py(self):
        return (
            f"AssetSelection.checks({', '.join(repr(k) for k in self.selected_asset_check_keys)})"
        )


def _key_py(k: AssetKey) -> str:
    return repr(k.to_user_string()) if len(k.parts) == 1 else repr(k.path)


def resolve_checks(
    selection: AssetSelection, all_assets: Any, check_targets: Mapping[Any, AssetKey]
) -> set[Any]:
    """The asset check keys (of ``check_targets``: check key -> checked asset key) that
    ``selection`` selects, as Dagster resolves them: an asset selection selects the checks of
    its assets; ``checks(...)``, ``checks_for_assets(...)`` and ``all_asset_checks()`` select
    checks only; ``|``, ``&`` and ``-`` combine the check sets as they combine keys.
    Unknown check keys raise :class:`DagsterInvalidSubsetError` (with close matches)."""
    if not check_targets:
        return set()
    if isinstance(selection, AllAssetCheckSelection):
        return set(check_targets)
    if isinstance(selection, AssetChecksForAssetKeysSelection):
        wanted = set(selection.selected_asset_keys)
        return {k for k, t in check_targets.items() if t in wanted}
    if isinstance(selection, AssetCheckKeysSelection):
        for k in selection.selected_asset_check_keys:
            if k not in check_targets:
                from dagster_nb._errors import did_you_mean

                raise DagsterInvalidSubsetError(
                    f"Asset check {k.to_user_string()} is not defined."
                    + did_you_mean(k.to_user_string(), [c.to_user_string() for c in check_targets])
                )
        return set(selection.selected_asset_check_keys)
    if isinstance(selection, OrAssetSelection):
        out: set[Any] = set()
        for op in selection.operands:
            out |= resolve_checks(op, all_assets, check_targets)
        return out
    if isinstance(selection, AndAssetSelection):
        sets = [resolve_checks(op, all_assets, check_targets) for op in selection.operands]
        return set.intersection(*sets)
    if isinstance(selection, SubtractAssetSelection):
        return resolve_checks(selection.left, all_assets, check_targets) - resolve_checks(
            selection.right, all_assets, check_targets
        )
    keys = selection.resolve(all_assets)
    return {k for k, t in check_targets.items() if t in keys}


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KeysAssetSelection(AssetSelection):
    """Exactly these keys; unknown keys raise on resolve unless ``allow_missing``."""

    selected_keys: tuple[AssetKey, ...]

    def _resolve(self, view, allow_missing):
        nodes = view.nodes
        selected = set(self.selected_keys)
        missing = sorted(k for k in selected if k not in nodes)
        if missing and not allow_missing:
            names = [k.to_user_string() for k in nodes]
            hints = ""
            for k in missing[:4]:  # as Dagster: a few suggestions, not a wall of text
                same_text = [n for n in nodes if n.to_user_string() == k.to_user_string()]
                if same_text:  # AssetKey("a/b") is one part named "a/b", not the key a/b
                    hint = (
                        f" Did you mean AssetKey({list(same_text[0].path)!r})? "
                        f"AssetKey({list(k.path)!r}) has {len(k.path)} part(s); pass the "
                        f"string '{k.to_user_string()}' or AssetKey({list(same_text[0].path)!r})."
                    )
                else:
                    hint = did_you_mean(k.to_user_string(), names)
                if hint:
                    hints += f"\n\nFor selected asset '{k.to_user_string()}':{hint}"
            raise DagsterInvalidSubsetError(
                f"AssetKey(s) {[k.to_user_string() for k in missing]} were selected, but no "
                "AssetsDefinition objects supply these keys. Make sure all keys are spelled "
                "correctly, and all AssetsDefinitions are correctly added to the `Definitions`."
                + hints
            )
        return selected.difference(missing) if missing else selected

    def _text(self):
        if not self.selected_keys:
            return "not *", _NOT
        text = " or ".join(f"key:{_quote(k.to_user_string())}" for k in self.selected_keys)
        return text, (_OR if len(self.selected_keys) > 1 else _ATOM)

    def _py(self):
        # A user string is the shortest faithful spelling unless a part itself holds a '/'.
        args = (
            repr(k.to_user_string()) if not any("/" in p for p in k.parts) else repr(k)
            for k in self.selected_keys
        )
        return f"AssetSelection.assets({', '.join(args)})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KeyWildCardAssetSelection(AssetSelection):
    """Keys whose ``a/b`` user string matches a ``*`` wildcard (``key:raw/*`` in text).
    Unknown keys select nothing; external assets match too."""

    selected_key_wildcard: str

    def _resolve(self, view, allow_missing):
        pattern = self.selected_key_wildcard
        if "*" not in pattern:
            return set(view.keys_with_user_string(pattern))
        regex = _wildcard_to_regex(pattern)
        return {k for k in view.all_keys if regex.match(k.to_user_string())}

    def _text(self):
        return f"key:{_quote(self.selected_key_wildcard)}", _ATOM

    def _py(self):
        return f"{_FROM}({self.to_selection_str()!r})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KeyPrefixesAssetSelection(AssetSelection):
    """Materializable keys starting with any of the prefixes."""

    selected_key_prefixes: tuple[tuple[str, ...], ...]
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        base = view.all_keys if self.include_sources else view.materializable
        prefixes = [(len(p), p) for p in self.selected_key_prefixes]
        return {k for k in base if any(k.parts[:n] == p for n, p in prefixes)}

    def _text(self):
        if any(p == () for p in self.selected_key_prefixes):
            return AllSelection(include_sources=self.include_sources)._text()
        if not self.selected_key_prefixes:
            return "not *", _NOT
        alts = []
        for prefix in self.selected_key_prefixes:
            if any("/" in p or "*" in p for p in prefix):
                raise NotImplementedError(f"Key prefix {list(prefix)} cannot be written as text.")
            user = "/".join(prefix)
            alts += [f"key:{_quote(user)}", f"key:{_quote(user + '/*')}"]
        text = " or ".join(alts)
        if self.include_sources:
            return text, _OR
        return f"({text}) and is:materializable", _AND

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        args = ", ".join(
            repr(p[0]) if len(p) == 1 else repr(list(p)) for p in self.selected_key_prefixes
        )
        extra = ", include_sources=True" if self.include_sources else ""
        return f"AssetSelection.key_prefixes({args}{extra})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KeySubstringAssetSelection(AssetSelection):
    """Materializable keys whose ``a/b`` user string contains a substring."""

    selected_key_substring: str
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        base = view.all_keys if self.include_sources else view.materializable
        sub = self.selected_key_substring
        return {k for k in base if sub in k.to_user_string()}

    def _text(self):
        if "*" in self.selected_key_substring:
            raise NotImplementedError("A key substring containing '*' cannot be written as text.")
        text = f"key:{_quote('*' + self.selected_key_substring + '*')}"
        if self.include_sources:
            return text, _ATOM
        return f"{text} and is:materializable", _AND

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        extra = ", include_sources=True" if self.include_sources else ""
        return f"AssetSelection.key_substring({self.selected_key_substring!r}{extra})"


def _source_filtered(view: GraphView, include_sources: bool, pred) -> set[AssetKey]:
    if include_sources:
        return {k for k, n in view.nodes.items() if pred(n)}
    return {k for k, n in view.nodes.items() if n.is_materializable and pred(n)}


def _no_sources_text(sel: Any, text: str) -> tuple[str, int]:
    if sel.include_sources:
        # The text syntax has no way to ask for external assets of a group/tag/kind.
        raise NotImplementedError(
            f"{type(sel).__name__}(include_sources=True) cannot be written in the selection syntax."
        )
    return text, _ATOM


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class GroupsAssetSelection(AssetSelection):
    """Materializable assets in any of the groups (``group:g`` in text)."""

    selected_groups: tuple[str, ...]
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        index = view.index("group")
        found = set().union(*[index.get(g, ()) for g in self.selected_groups])
        return found if self.include_sources else found.intersection(view.materializable)

    def _text(self):
        if not self.selected_groups:
            return _no_sources_text(self, "group:<null>")
        text = " or ".join(f"group:{_quote(g)}" for g in self.selected_groups)
        _no_sources_text(self, text)
        return text, (_OR if len(self.selected_groups) > 1 else _ATOM)

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        extra = ", include_sources=True" if self.include_sources else ""
        return f"AssetSelection.groups({', '.join(map(repr, self.selected_groups))}{extra})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class GroupWildCardAssetSelection(AssetSelection):
    """Assets whose group name matches a ``*`` wildcard (``group:mark*`` in text)."""

    selected_group_wildcard: str
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        regex = _wildcard_to_regex(self.selected_group_wildcard)
        return _source_filtered(
            view,
            self.include_sources,
            lambda n: n.group_name is not None and regex.match(n.group_name),
        )

    def _text(self):
        return _no_sources_text(self, f"group:{_quote(self.selected_group_wildcard)}")

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        return f"{_FROM}({self._text()[0]!r})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class TagAssetSelection(AssetSelection):
    """Materializable assets whose tag ``key`` equals ``value`` (kinds count as
    ``dagster/kind/<kind>`` tags, as in Dagster)."""

    key: str | None
    value: str = ""
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        found = view.index("tag").get((self.key, self.value), set())
        return found if self.include_sources else found.intersection(view.materializable)

    def _text(self):
        k = "<null>" if self.key is None else _quote(self.key)
        return _no_sources_text(self, f"tag:{k}={_quote(self.value)}" if self.value else f"tag:{k}")

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        extra = ", include_sources=True" if self.include_sources else ""
        return f"AssetSelection.tag({self.key!r}, {self.value!r}{extra})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class KindAssetSelection(AssetSelection):
    """Materializable assets of a kind; ``kind_str=None`` selects assets with no kind."""

    kind_str: str | None
    include_sources: bool = False

    def _resolve(self, view, allow_missing):
        found = view.index("kind").get(self.kind_str, set())
        return found if self.include_sources else found.intersection(view.materializable)

    def _text(self):
        k = "<null>" if self.kind_str is None else _quote(self.kind_str)
        return _no_sources_text(self, f"kind:{k}")

    def _may_include_external(self):
        return self.include_sources

    def _py(self):
        extra = ", include_sources=True" if self.include_sources else ""
        return f"AssetSelection.kind({self.kind_str!r}{extra})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class OwnerAssetSelection(AssetSelection):
    """Assets (external ones included, as in Dagster) with ``selected_owner`` among owners."""

    selected_owner: str | None

    def _resolve(self, view, allow_missing):
        return view.index("owner").get(self.selected_owner, set())

    def _text(self):
        o = "<null>" if self.selected_owner is None else _quote(self.selected_owner)
        return f"owner:{o}", _ATOM

    def _py(self):
        return f"AssetSelection.owner({self.selected_owner!r})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CodeLocationAssetSelection(AssetSelection):
    """``code_location:x``. A notebook is one code location, so every asset matches.
    (Dagster refuses it outside its webserver.)"""

    selected_code_location: str | None

    def _resolve(self, view, allow_missing):
        return view.nodes.keys()

    def _text(self):
        v = "<null>" if self.selected_code_location is None else _quote(self.selected_code_location)
        return f"code_location:{v}", _ATOM

    def _py(self):
        return f"{_FROM}({self._text()[0]!r})"


IS_ATTRIBUTE_VALUES = frozenset({"external", "materializable"})


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class IsAttributeAssetSelection(AssetSelection):
    """``is:external`` / ``is:materializable``."""

    attribute: str

    def _resolve(self, view, allow_missing):
        if self.attribute == "external":
            return {k for k, n in view.nodes.items() if not n.is_materializable}
        if self.attribute == "materializable":
            return view.materializable
        raise DagsterInvalidSubsetError(
            f"Unsupported 'is:' attribute value {self.attribute!r}. Supported values are: "
            f"{sorted(IS_ATTRIBUTE_VALUES)}."
        )

    def _text(self):
        return f"is:{self.attribute}", _ATOM

    def _may_include_external(self):
        return self.attribute != "materializable"

    def _py(self):
        return f"{_FROM}({self._text()[0]!r})"


PARTITIONS_VALUES = ("none", "static", "dynamic", "time", "multipartitions")
_PARTITIONS_CLASS_NAMES = {
    "static": "StaticPartitionsDefinition",
    "dynamic": "DynamicPartitionsDefinition",
    "time": "TimeWindowPartitionsDefinition",
    "multipartitions": "MultiPartitionsDefinition",
}


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PartitionsAssetSelection(AssetSelection):
    """``partitions:none|static|dynamic|time|multipartitions``: assets by partitioning type."""

    selected_partitions: str | None

    def _resolve(self, view, allow_missing):
        kind = self.selected_partitions
        if kind is None or kind == "none":
            return {k for k, n in view.nodes.items() if n.partitions_def is None}
        cls_name = _PARTITIONS_CLASS_NAMES.get(kind)
        if cls_name is None:
            return set()
        # Matched by class name along the MRO so this pure layer need not import partitions.
        return {
            k
            for k, n in view.nodes.items()
            if n.partitions_def is not None
            and any(c.__name__ == cls_name for c in type(n.partitions_def).__mro__)
        }

    def _text(self):
        v = "<null>" if self.selected_partitions is None else _quote(self.selected_partitions)
        return f"partitions:{v}", _ATOM

    def _py(self):
        return f"{_FROM}({self._text()[0]!r})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RuntimeAttributeAssetSelection(AssetSelection):
    """Attributes the Dagster UI resolves from runtime state (``status:``, ``column:``,
    ``sensor:``, ``job:``, ...). They parse, but a pure graph cannot resolve them."""

    attribute: str
    value: str | None
    tag_value: str = ""

    def _resolve(self, view, allow_missing):
        raise DagsterInvalidAssetSelectionError(
            f"'{self.attribute}:' selects assets by runtime state that dagster_nb does not "
            "resolve; select by key:, group:, tag:, owner: or kind: instead."
        )

    def _text(self):
        v = "<null>" if self.value is None else _quote(self.value)
        if self.tag_value:
            v += f"={_quote(self.tag_value)}"
        return f"{self.attribute}:{v}", _ATOM

    def _py(self):
        return f"{_FROM}({self._text()[0]!r})"


# ---------------------------------------------------------------------------------------
# Combinations
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AndAssetSelection(AssetSelection):
    """Intersection of the operands (flat: ``a & b & c`` has three operands)."""

    operands: tuple[AssetSelection, ...]

    def _resolve(self, view, allow_missing):
        results = [op._resolve(view, allow_missing) for op in self.operands]
        results.sort(key=len)  # intersect starting from the smallest set
        out = set(results[0])
        for r in results[1:]:
            out.intersection_update(r)
        return out

    def _text(self):
        return " and ".join(op._operand_text(_NOT) for op in self.operands), _AND

    def _may_include_external(self):
        return all(op._may_include_external() for op in self.operands)

    def _py(self):
        return " & ".join(op._py_operand() for op in self.operands)

    def _py_operand(self):
        return f"({self._py()})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class OrAssetSelection(AssetSelection):
    """Union of the operands (flat: ``a | b | c`` has three operands)."""

    operands: tuple[AssetSelection, ...]

    def _resolve(self, view, allow_missing):
        out: set[AssetKey] = set()
        for op in self.operands:
            out.update(op._resolve(view, allow_missing))
        return out

    def _text(self):
        ops = self.operands
        # `+x+` parses to upstream(x) | downstream(x); print it back the way it was written.
        if (
            len(ops) == 2
            and isinstance(ops[0], UpstreamAssetSelection)
            and isinstance(ops[1], DownstreamAssetSelection)
            and ops[0].child == ops[1].child
            and ops[0].include_self
            and ops[1].include_self
            and ops[0].depth != 0
            and ops[1].depth != 0
        ):
            up = "" if ops[0].depth is None else str(ops[0].depth)
            down = "" if ops[1].depth is None else str(ops[1].depth)
            return f"{up}+{ops[0].child._operand_text(_ATOM)}+{down}", _PRIMARY
        return " or ".join(op._operand_text(_AND) for op in ops), _OR

    def _may_include_external(self):
        return any(op._may_include_external() for op in self.operands)

    def _py(self):
        return " | ".join(op._py_operand() for op in self.operands)

    def _py_operand(self):
        return f"({self._py()})"


def _difference_text(left: AssetSelection, right: AssetSelection) -> tuple[str, int]:
    # `not x` complements within materializable keys (Dagster's `not` is all() - x), so
    # `L and not R` equals L - R only when L holds no external keys, or R holds none.
    if isinstance(right, AllAssetCheckSelection):
        return left._text()
    if isinstance(left, AllSelection) and not left.include_sources:
        return f"not {right._operand_text(_NOT)}", _NOT
    text = f"{left._operand_text(_NOT)} and not {right._operand_text(_NOT)}"
    if not left._may_include_external():
        return text, _AND
    if not right._may_include_external():
        return f"({text}) or ({left._operand_text(_NOT)} and is:external)", _OR
    raise NotImplementedError(
        "This difference cannot be written in the selection syntax: both sides may hold "
        "external assets, and `not` only complements materializable ones."
    )


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SubtractAssetSelection(AssetSelection):
    """``left - right``."""

    left: AssetSelection
    right: AssetSelection

    def _resolve(self, view, allow_missing):
        left = self.left._resolve(view, allow_missing)
        right = self.right._resolve(view, allow_missing)
        return set(left).difference(right)

    def _text(self):
        return _difference_text(self.left, self.right)

    def _may_include_external(self):
        return self.left._may_include_external()

    def _py(self):
        return f"{self.left._py_operand()} - {self.right._py_operand()}"

    def _py_operand(self):
        return f"({self._py()})"


def _traversal_py(name: str, sel: Any) -> str:
    args = []
    if sel.depth is not None:
        args.append(repr(sel.depth))
    if not sel.include_self:
        args.append("include_self=False")
    return f"{sel.child._py_operand()}.{name}({', '.join(args)})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class UpstreamAssetSelection(AssetSelection):
    """The child plus its ancestors to ``depth`` levels (None: all), keeping only
    materializable keys, as Dagster does."""

    child: AssetSelection
    depth: int | None = None
    include_self: bool = True

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        if not selected:
            return set()
        return view.walk(
            selected, self.depth, self.include_self, upward=True, materializable_only=True
        )

    def _text(self):
        if self.depth == 0:
            # No traversal, but upstream still drops external keys.
            child = self.child
            base = (
                child.materializable()._text() if child._may_include_external() else child._text()
            )
        else:
            prefix = "+" if self.depth is None else f"{self.depth}+"
            base = (prefix + self.child._operand_text(_ATOM), _PRIMARY)
        if self.include_self:
            return base
        full = UpstreamAssetSelection(child=self.child, depth=self.depth, include_self=True)
        return _difference_text(full, self.child)

    def _may_include_external(self):
        return False

    def _py(self):
        return _traversal_py("upstream", self)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class DownstreamAssetSelection(AssetSelection):
    """The child plus its descendants to ``depth`` levels (None: all)."""

    child: AssetSelection
    depth: int | None = None
    include_self: bool = True

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        if not selected:
            return set()
        return view.walk(selected, self.depth, self.include_self, upward=False)

    def _text(self):
        if self.depth == 0:
            base = self.child._text()
        else:
            suffix = "+" if self.depth is None else f"+{self.depth}"
            base = (self.child._operand_text(_ATOM) + suffix, _PRIMARY)
        if self.include_self:
            return base
        full = DownstreamAssetSelection(child=self.child, depth=self.depth, include_self=True)
        return _difference_text(full, self.child)

    def _py(self):
        return _traversal_py("downstream", self)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RootsAssetSelection(AssetSelection):
    """Keys of the child with no ancestor (at any distance) in the child."""

    child: AssetSelection

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        return view.roots(selected)

    def _text(self):
        return f"roots({self.child.to_selection_str()})", _ATOM

    def _may_include_external(self):
        return self.child._may_include_external()

    def _py(self):
        return f"{self.child._py_operand()}.roots()"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SinksAssetSelection(AssetSelection):
    """Keys of the child with no descendant (at any distance) in the child."""

    child: AssetSelection

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        return view.sinks(selected)

    def _text(self):
        return f"sinks({self.child.to_selection_str()})", _ATOM

    def _may_include_external(self):
        return self.child._may_include_external()

    def _py(self):
        return f"{self.child._py_operand()}.sinks()"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RequiredNeighborsAssetSelection(AssetSelection):
    """The child plus every key in the same non-subsettable multi-asset."""

    child: AssetSelection

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        out = set(selected)
        nodes = view.nodes
        for k in selected:
            out.update(nodes[k].execution_set_keys)
        return out

    def _may_include_external(self):
        return self.child._may_include_external()

    def _py(self):
        return f"{self.child._py_operand()}.required_multi_asset_neighbors()"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class MaterializableAssetSelection(AssetSelection):
    """The materializable keys of the child."""

    child: AssetSelection

    def _resolve(self, view, allow_missing):
        return view.materializable.intersection(self.child._resolve(view, allow_missing))

    def _text(self):
        return f"{self.child._operand_text(_NOT)} and is:materializable", _AND

    def _may_include_external(self):
        return False

    def _py(self):
        return f"{self.child._py_operand()}.materializable()"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class ParentSourcesAssetSelection(AssetSelection):
    """External assets upstream (at any distance) of the child."""

    child: AssetSelection

    def _resolve(self, view, allow_missing):
        selected = self.child._resolve(view, allow_missing)
        if not selected:
            return set()
        nodes = view.nodes
        return {k for k in view.walk(selected, None, True, True) if not nodes[k].is_materializable}

    def _py(self):
        return f"{self.child._py_operand()}.upstream_source_assets()"
