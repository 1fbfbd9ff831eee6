"""A tiny observer hook: decorators announce each new definition here, and the notebook's
kernel repository (when loaded) subscribes. Keeps the pure layer free of notebook imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["subscribe", "unsubscribe", "notify"]

_subscribers: list[Callable[[Any], None]] = []


def subscribe(fn: Callable[[Any], None]) -> None:
    if fn not in _subscribers:
        _subscribers.append(fn)


def unsubscribe(fn: Callable[[Any], None]) -> None:
    if fn in _subscribers:
        _subscribers.remove(fn)


def notify(definition: Any) -> None:
    for fn in list(_subscribers):
        fn(definition)
