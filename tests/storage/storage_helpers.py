"""Helpers for the storage tests: events as the executor makes them."""

from __future__ import annotations

import itertools

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.results import AssetMaterialization, AssetObservation
from dagster_nb._events import DagsterEvent, DagsterEventType

E = DagsterEventType
_clock = itertools.count(1)


def make_event(
    t: DagsterEventType,
    run_id: str,
    *,
    key: str | None = None,
    partition: str | None = None,
    step_key: str | None = None,
    metadata: dict | None = None,
    tags: dict | None = None,
    timestamp: float | None = None,
    job_name: str = "__ASSET_JOB",
) -> DagsterEvent:
    """An event as the executor makes it; timestamps increase by default."""
    kw: dict = {}
    if t == E.ASSET_MATERIALIZATION:
        kw["materialization"] = AssetMaterialization(
            key, metadata=metadata, partition=partition, tags=tags
        )
    elif t == E.ASSET_OBSERVATION:
        kw["observation"] = AssetObservation(key, metadata=metadata, partition=partition, tags=tags)
    return DagsterEvent(
        event_type_value=t.value,
        run_id=run_id,
        job_name=job_name,
        timestamp=timestamp if timestamp is not None else 1_700_000_000 + next(_clock) * 0.001,
        step_key=step_key or key,
        asset_key=AssetKey(key) if key is not None else None,
        partition=partition,
        **kw,
    )


def materialize(
    instance,
    key: str,
    partition: str | None = None,
    *,
    tags=None,
    metadata=None,
    run_id: str | None = None,
) -> str:
    """Events of one successful run materializing one asset (partition); returns the run id."""
    run = instance.create_run(job_name="__ASSET_JOB", run_id=run_id)
    rid = run.run_id
    for ev in (
        make_event(E.RUN_START, rid),
        make_event(E.ASSET_MATERIALIZATION_PLANNED, rid, key=key, partition=partition),
        make_event(E.STEP_START, rid, step_key=key),
        make_event(
            E.ASSET_MATERIALIZATION, rid, key=key, partition=partition, tags=tags, metadata=metadata
        ),
        make_event(E.STEP_SUCCESS, rid, step_key=key),
        make_event(E.RUN_SUCCESS, rid),
    ):
        instance.handle_new_event(ev)
    return rid
