"""User code modelled on Dagster's documented examples, written in our own words.

Each example is a function ``example_<name>(dg)`` that defines assets / jobs / schedules with
whatever module it is handed (real ``dagster`` or ``dagster_nb``) and asserts real values; the
side-by-side test module runs every example against both. ``@example`` records which docs
snippet the example follows and, when dagster_nb has a known gap, the owning area.

The example modules deliberately do not use ``from __future__ import annotations``: like user
code, their Config / resource / context annotations must be real objects at definition time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One documented usage: the function to run, the docs snippet it follows, and the gap
    (owning area and what is missing) when dagster_nb cannot run it yet."""

    name: str
    snippet: str
    run: Callable[..., None]
    gap: str | None = None


EXAMPLES: list[Example] = []


def example(
    snippet: str, *, gap: str | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn`` as an example following ``snippet`` (a path under Dagster's
    examples/docs_snippets/docs_snippets/)."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        name = fn.__name__.removeprefix("example_")
        if any(e.name == name for e in EXAMPLES):
            raise ValueError(f"duplicate example name {name!r}")
        EXAMPLES.append(Example(name=name, snippet=snippet, run=fn, gap=gap))
        return fn

    return register
