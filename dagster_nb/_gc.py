"""The one place that pauses Python's cyclic garbage collector.

Some bulk builds make hundreds of thousands of small objects that cannot form cycles (multi-
partition keys, staleness statuses of a large graph, automation-condition results, a dbt
manifest's specs, the nodes of an asset graph: ``ResolvedAssets.build``). Each
allocation counts toward a collection, and each collection of the oldest generation rescans the
whole heap, so on a large heap the collector can take most of the time (measured: two thirds of
an evaluation of 1,000 automation conditions; loading 1,000 dbt models took 0.41-0.55 s CPU with
collections and 0.10-0.15 s without; see bench/RESULTS.md). Those builds run inside
``collector_paused()``. View models never do: they are small and must stay plain functions.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (re-entrant: an outer pause is kept)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
