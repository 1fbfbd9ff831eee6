"""Facts derived from immutable objects, computed once: the one memo mechanism.

Definitions, resolved asset sets and execution plans are frozen; what is computed from them
(a plan for a selection, the resource keys a plan needs, an asset's IO manager key) can be kept
on the object itself. Such an object holds a :class:`Facts` field, and the functions that derive
facts are marked :func:`derived`::

    @dataclass(frozen=True, slots=True)
    class Plan:
        steps: tuple
        _facts: Facts = field(default_factory=Facts, init=False, compare=False, repr=False)

    @derived
    def step_count(plan: Plan) -> int:
        return len(plan.steps)

The key of a fact is the deriving function (and its arguments), never a string or an ``id()``;
the facts live and die with their object, so nothing global grows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Facts", "derived"]

F = TypeVar("F", bound=Callable[..., Any])
_MISSING = object()


class Facts:
    """The derived facts of one immutable object. Bounded: past ``limit`` entries (facts with
    arguments, e.g. one plan per selection) it starts over.

    >>> f = Facts(limit=2)
    >>> f.put("a", 1); f.put("b", 2); f.put("c", 3)
    >>> len(f)
    1
    """

    __slots__ = ("_values", "_limit")

    def __init__(self, limit: int = 64) -> None:
        self._values: dict[Any, Any] = {}
        self._limit = limit

    def get(self, key: Any, default: Any = None) -> Any:
        return self._values.get(key, default)

    def put(self, key: Any, value: Any) -> None:
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = value

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"<Facts: {len(self._values)}>"


def derived(fn: F) -> F:
    """Compute ``fn(owner, *args)`` once per owner and arguments (hashable); ``owner`` has a
    ``_facts`` field (:class:`Facts`). Use on functions and methods alike; with ``@property``
    put ``@derived`` innermost.

    >>> class Owner:
    ...     def __init__(self): self._facts = Facts()
    >>> calls = []
    >>> @derived
    ... def double(owner, n):
    ...     calls.append(n)
    ...     return 2 * n
    >>> o = Owner()
    >>> double(o, 2), double(o, 2), calls
    (4, 4, [2])
    """

    @functools.wraps(fn)
    def wrapper(owner: Any, *args: Any) -> Any:
        facts = owner._facts
        key = (wrapper, args) if args else wrapper
        value = facts._values.get(key, _MISSING)
        if value is _MISSING:
            value = fn(owner, *args)
            facts.put(key, value)
        return value

    return wrapper  # type: ignore[return-value]
