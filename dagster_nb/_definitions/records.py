"""Trusted constructors: the one way to build a record without running its ``__init__``.

Records are frozen slots dataclasses (ARCHITECTURE.md, "Records"). Their ``__init__`` validates
and normalizes what a user passes. On a few hot paths (every ``@asset`` of a cell re-run, every
asset of a 5,000-asset build) the caller has already done that, and running the validation again
costs more than the rest of the work. Those paths build the record with a constructor made here:

    _new_dep = trusted_constructor(AssetDep)
    dep = _new_dep(asset_key=key, partition_mapping=None, metadata={})

The constructor is generated from the dataclass's fields, as ``dataclasses`` generates
``__init__``: it sets every field (a field added to the class is a required argument at once, so
the two cannot drift apart) and nothing else. ``fixed`` fields take the same value in every
record (immutable values, or shared empty mappings nobody mutates); ``fresh`` fields get a new
object from a factory per record (a dict the record owns, a ``Facts`` memo).

Every fast constructor of the project is made here; the list is in ARCHITECTURE.md. The two
exceptions have their own reasons: ``AssetKey`` (interned, with its hash precomputed:
``asset_key.key_from_parts``) and ``DagsterEvent``, a NamedTuple built with ``tuple.__new__``
as NamedTuple's own ``_make`` does (``_execution/executor._new_event``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def trusted_constructor(
    cls: type[T],
    *,
    fixed: Mapping[str, Any] | None = None,
    fresh: Mapping[str, Callable[[], Any]] | None = None,
) -> Callable[..., T]:
    """``new(**fields) -> cls`` for a frozen slots dataclass ``cls``, without ``__init__``.

    Every field not in ``fixed`` or ``fresh`` is a required argument (by keyword or in field
    order). The caller vouches that the values are what ``__init__`` would have stored.
    """
    fixed = dict(fixed or {})
    fresh = dict(fresh or {})
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = sorted((set(fixed) | set(fresh)) - set(names))
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {unknown}")
    params = [n for n in names if n not in fixed and n not in fresh]
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def new({', '.join(params)}):", "    o = _new(_cls)"]
    for n in names:
        ns[f"_set_{n}"] = cls.__dict__[n].__set__  # the slot's own setter: no frozen check
        if n in fixed:
            ns[f"_fixed_{n}"] = fixed[n]
            value = f"_fixed_{n}"
        elif n in fresh:
            ns[f"_fresh_{n}"] = fresh[n]
            value = f"_fresh_{n}()"
        else:
            value = n
        lines.append(f"    _set_{n}(o, {value})")
    lines.append("    return o")
    exec(compile("\n".join(lines), f"<trusted {cls.__name__}>", "exec"), ns)  # noqa: S102
    new = ns["new"]
    new.__qualname__ = new.__name__ = f"trusted_{cls.__name__}"
    new.__doc__ = f"A {cls.__name__} from validated values, without __init__ (records.py)."
    return new
