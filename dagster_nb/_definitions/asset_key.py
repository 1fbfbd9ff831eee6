"""AssetKey: the identity of an asset, a path of string parts.

>>> AssetKey("orders")
AssetKey(['orders'])
>>> AssetKey.from_user_string("raw/orders").path
['raw', 'orders']
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Union

from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "AssetKey",
    "CoercibleToAssetKey",
    "CoercibleToAssetKeyPrefix",
    "key_prefix_from_coercible",
]


class AssetKey:
    """Identifies an asset by a path of strings, e.g. ``AssetKey(["raw", "orders"])``.

    A plain string makes a one-part key (``AssetKey("a/b")`` is the single part ``"a/b"``, as in
    Dagster); use :meth:`from_user_string` to split on ``/``.
    """

    __slots__ = ("_parts", "_hash")
    _parts: tuple[str, ...]
    _hash: int

    def __new__(cls, path: str | Sequence[str]) -> AssetKey:
        # Interned: equal keys are one object, so the dict and set lookups that key everything
        # by AssetKey find it by identity, without calling __eq__.
        tp = type(path)
        if tp is str:  # the common cases first: no isinstance chain
            parts: tuple[str, ...] = (path,)  # type: ignore[assignment]
        elif (tp is list or tp is tuple) and all(type(p) is str for p in path):
            parts = tuple(path)
        elif isinstance(path, AssetKey):
            if cls is AssetKey:
                return path
            parts = path._parts
        elif isinstance(path, str):
            parts = (path,)
        else:
            try:
                parts = tuple(path)
            except TypeError:
                raise DagsterInvalidDefinitionError(
                    f"AssetKey expects a string or a list of strings, got {type(path).__name__}: "
                    f"{path!r}."
                ) from None
            for p in parts:
                if not isinstance(p, str):
                    raise DagsterInvalidDefinitionError(
                        f"AssetKey parts must be strings, got {type(p).__name__} {p!r} in {path!r}."
                    )
            parts = tuple(str(p) for p in parts)  # str subclasses: plain strings
        if cls is AssetKey:
            return key_from_parts(parts)
        k = _new_object(cls)
        _set_parts(k, parts)
        _set_hash(k, hash(("AssetKey", parts)))
        return k

    def __setattr__(self, name: str, value: Any) -> None:  # frozen
        raise AttributeError("AssetKey is immutable")

    def __reduce__(self):
        return (AssetKey, (list(self._parts),))

    @property
    def path(self) -> list[str]:
        """The key's parts, as a list (Dagster returns a list)."""
        return list(self._parts)

    @property
    def parts(self) -> tuple[str, ...]:
        return self._parts

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, AssetKey):
            return self._parts == other._parts
        # Dagster's AssetKey compares equal to other objects with the same `path`.
        other_path = getattr(other, "path", None)
        if isinstance(other_path, list) and type(other).__name__ == "AssetKey":
            return list(self._parts) == other_path
        return NotImplemented

    def __lt__(self, other: AssetKey) -> bool:
        return self._parts < other._parts

    def __repr__(self) -> str:
        return f"AssetKey({list(self._parts)!r})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        import html

        return f"<code title='AssetKey'>{html.escape(self.to_user_string())}</code>"

    def to_string(self) -> str:
        """JSON form, as Dagster stores keys: ``'["a", "b"]'`` (exactly ``json.dumps``)."""
        parts = self._parts
        if parts and all(_plain_json(p) for p in parts):  # nothing to escape: join (5x faster)
            return '["' + '", "'.join(parts) + '"]'
        return json.dumps(list(parts))

    def to_db_string(self) -> str:
        return self.to_string()

    def to_user_string(self) -> str:
        """``"a/b"``."""
        return "/".join(self._parts)

    def to_escaped_user_string(self) -> str:
        return "/".join(p.replace("/", "\\/") for p in self._parts)

    def to_python_identifier(self, suffix: str | None = None) -> str:
        name = "__".join((*self._parts, suffix) if suffix else self._parts)
        if "-" in name or "." in name:
            name = name.replace("-", "_").replace(".", "_")
        return name

    @staticmethod
    def from_user_string(asset_key_string: str) -> AssetKey:
        """``"a/b"`` -> ``AssetKey(["a", "b"])``."""
        return AssetKey(asset_key_string.split("/"))

    @staticmethod
    def from_escaped_user_string(asset_key_string: str) -> AssetKey:
        parts = re.split(r"(?<!\\)/", asset_key_string)
        return AssetKey([p.replace("\\/", "/") for p in parts])

    @staticmethod
    def from_db_string(asset_key_string: str | None) -> AssetKey | None:
        if not asset_key_string:
            return None
        if asset_key_string.startswith("["):
            return key_from_json(asset_key_string)
        return AssetKey(asset_key_string.split("."))

    @staticmethod
    def from_coercible(arg: CoercibleToAssetKey) -> AssetKey:
        """Accept an AssetKey, a string (one part), or a sequence of strings."""
        if isinstance(arg, AssetKey):
            return arg
        if isinstance(arg, str):
            return AssetKey([arg])
        if isinstance(arg, (list, tuple)):
            return AssetKey(arg)
        if type(arg).__name__ == "AssetKey" and hasattr(arg, "path"):  # Dagster's own key
            return AssetKey(list(arg.path))
        raise DagsterInvalidDefinitionError(
            f"Cannot make an AssetKey from {type(arg).__name__} {arg!r}: pass a string, a list of "
            "strings, or an AssetKey."
        )

    @staticmethod
    def from_coercible_or_definition(arg: Any) -> AssetKey:
        key = getattr(arg, "key", None)
        if key is not None and not isinstance(arg, (str, list, tuple, AssetKey)):
            return key
        return AssetKey.from_coercible(arg)

    def has_prefix(self, prefix: Sequence[str]) -> bool:
        prefix = tuple(prefix)
        return self._parts[: len(prefix)] == prefix

    def with_prefix(self, prefix: CoercibleToAssetKeyPrefix) -> AssetKey:
        """``AssetKey(["b"]).with_prefix("a") == AssetKey(["a", "b"])``."""
        return AssetKey([*key_prefix_from_coercible(prefix), *self._parts])

    def get_parent(self) -> AssetKey:
        return AssetKey(self._parts[:-1])


# Slot setters, which bypass the frozen __setattr__ (read from the class dict: the annotations
# above make a type checker take AssetKey._parts for the value, not the slot descriptor).
_set_parts = AssetKey.__dict__["_parts"].__set__
_set_hash = AssetKey.__dict__["_hash"].__set__
_new_object = object.__new__


def _plain_json(part: str) -> bool:
    """True when ``json.dumps`` writes ``part`` as is between quotes."""
    return part.isascii() and part.isprintable() and '"' not in part and "\\" not in part


def key_from_json(s: str) -> AssetKey:
    """The key of :meth:`AssetKey.to_string` output (``'["a", "b"]'``)."""
    if len(s) >= 4 and s.startswith('["') and s.endswith('"]') and "\\" not in s:
        # json.dumps output without escapes: a quote inside a part would have been escaped,
        # so '", "' only ever separates parts.
        return key_from_parts(tuple(s[2:-2].split('", "')))
    return AssetKey(json.loads(s))


_INTERNED: dict[tuple[str, ...], AssetKey] = {}
_INTERN_MAX = 500_000  # beyond this many distinct keys, new ones are simply not interned


def key_from_parts(parts: tuple[str, ...]) -> AssetKey:
    """``AssetKey(parts)`` for a tuple already known to hold only strings (internal fast path:
    no type dispatch, no copy)."""
    k = _INTERNED.get(parts)
    if k is None:
        k = _new_object(AssetKey)
        _set_parts(k, parts)
        _set_hash(k, hash(("AssetKey", parts)))
        if len(_INTERNED) < _INTERN_MAX:
            k = _INTERNED.setdefault(parts, k)  # two threads making the same key: one wins
    return k


CoercibleToAssetKey = Union[AssetKey, str, Sequence[str]]
CoercibleToAssetKeyPrefix = Union[str, Sequence[str]]


def key_prefix_from_coercible(key_prefix: CoercibleToAssetKeyPrefix | None) -> list[str]:
    if key_prefix is None:
        return []
    if isinstance(key_prefix, str):
        return [key_prefix]
    return list(key_prefix)
