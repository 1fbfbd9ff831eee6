"""What a schedule or sensor tick asks for: ``RunRequest``, ``SkipReason``, ``SensorResult``.

Frozen records with Dagster's field names and defaults, so user code that builds them and tests
that compare them run unchanged on both libraries.

    >>> RunRequest(run_key="2024-01-01", tags={"team": "data"}).tags
    {'team': 'data'}
    >>> SkipReason("nothing new").skip_message
    'nothing new'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = ["RunRequest", "SkipReason", "SensorResult", "normalize_tags", "to_run_config_dict"]


def normalize_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """Tags are str -> str, as in Dagster: non-string values are JSON-encoded (``1`` -> ``'1'``).

    >>> normalize_tags({"a": 1, "b": "x"})
    {'a': '1', 'b': 'x'}
    """
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise DagsterInvalidDefinitionError(
            f"tags must be a dict of str -> str, got {type(tags).__name__}."
        )
    out: dict[str, str] = {}
    for k, v in tags.items():
        if not isinstance(k, str):
            raise DagsterInvalidDefinitionError(f"Tag keys must be strings, got {k!r}.")
        out[k] = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
    return out


def to_run_config_dict(run_config: Any) -> dict[str, Any]:
    """A ``RunConfig`` or a mapping (or None) as the plain dict a run receives.

    >>> to_run_config_dict(None), to_run_config_dict({"ops": {}})
    ({}, {'ops': {}})
    """
    if run_config is None:
        return {}
    # Duck-typed so that this module does not import the config layer (pydantic) eagerly.
    if hasattr(run_config, "to_config_dict"):
        return run_config.to_config_dict()
    if isinstance(run_config, Mapping):
        return dict(run_config)
    raise DagsterInvalidDefinitionError(
        f"run_config must be a dict or a dg.RunConfig, got {type(run_config).__name__}."
    )


@dataclass(frozen=True, slots=True)
class SkipReason:
    """A tick that requests no runs, with an optional message shown in the tick history.

    >>> SkipReason("no new files")
    SkipReason(skip_message='no new files')
    """

    skip_message: str | None = None

    def __post_init__(self) -> None:
        if self.skip_message is not None and not isinstance(self.skip_message, str):
            raise DagsterInvalidDefinitionError(
                f"SkipReason takes a string message, got {type(self.skip_message).__name__}."
            )


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run a schedule or sensor asks to launch.

    Positional order follows Dagster (run_key, run_config, tags, job_name, ...). ``run_config``
    may be a ``dg.RunConfig``; it is stored as a dict. Tag values are stored as strings.

    >>> r = RunRequest(run_key="a.csv", run_config={"ops": {"load": {"config": {"f": "a.csv"}}}})
    >>> r.run_key, r.tags, r.partition_key
    ('a.csv', {}, None)
    """

    run_key: str | None = None
    run_config: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    job_name: str | None = None
    asset_selection: Sequence[Any] | None = None
    stale_assets_only: bool = False
    partition_key: str | None = None
    asset_check_keys: Sequence[Any] | None = None

    def __post_init__(self) -> None:
        if self.run_key is not None and not isinstance(self.run_key, str):
            raise DagsterInvalidDefinitionError(
                f"RunRequest run_key must be a string, got {type(self.run_key).__name__}."
            )
        object.__setattr__(self, "run_config", to_run_config_dict(self.run_config))
        object.__setattr__(self, "tags", normalize_tags(self.tags))
        if self.asset_selection is not None:
            from dagster_nb._definitions.asset_key import AssetKey

            object.__setattr__(
                self,
                "asset_selection",
                [AssetKey.from_coercible(k) for k in self.asset_selection],
            )

    # Dict fields make the generated hash fail; a request is identified by its key and target.
    def __hash__(self) -> int:
        return hash((self.run_key, self.job_name, self.partition_key))

    def with_replaced_attrs(self, **kwargs: Any) -> RunRequest:
        """A copy with some fields changed (Dagster's name for ``dataclasses.replace``).

        >>> RunRequest(run_key="a").with_replaced_attrs(tags={"x": "1"}).tags
        {'x': '1'}
        """
        return replace(self, **kwargs)

    def _asdict(self) -> dict[str, Any]:
        return {
            "run_key": self.run_key,
            "run_config": self.run_config,
            "tags": self.tags,
            "job_name": self.job_name,
            "asset_selection": self.asset_selection,
            "stale_assets_only": self.stale_assets_only,
            "partition_key": self.partition_key,
            "asset_check_keys": self.asset_check_keys,
        }


@dataclass(frozen=True, slots=True)
class SensorResult:
    """Everything one sensor tick produced: run requests or a skip reason, and a new cursor.

    >>> SensorResult(skip_reason="nothing new", cursor="42").skip_reason
    SkipReason(skip_message='nothing new')
    """

    run_requests: Sequence[RunRequest] | None = None
    skip_reason: SkipReason | str | None = None
    cursor: str | None = None
    dynamic_partitions_requests: Sequence[Any] | None = None
    asset_events: Sequence[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.skip_reason and self.run_requests:
            raise DagsterInvalidDefinitionError(
                "Expected a single skip reason or one or more run requests: received values for "
                "both run_requests and skip_reason"
            )
        if isinstance(self.skip_reason, str):
            object.__setattr__(self, "skip_reason", SkipReason(self.skip_reason))
        elif self.skip_reason is not None and not isinstance(self.skip_reason, SkipReason):
            raise DagsterInvalidDefinitionError(
                f"skip_reason must be a str or SkipReason, got {type(self.skip_reason).__name__}."
            )
        if self.cursor is not None and not isinstance(self.cursor, str):
            raise DagsterInvalidDefinitionError(
                f"SensorResult cursor must be a string, got {type(self.cursor).__name__}."
            )
        requests = list(self.run_requests or [])
        for r in requests:
            if not isinstance(r, RunRequest):
                raise DagsterInvalidDefinitionError(
                    f"SensorResult run_requests must be RunRequest objects, got {type(r).__name__}."
                )
        object.__setattr__(self, "run_requests", requests)
        object.__setattr__(
            self, "dynamic_partitions_requests", list(self.dynamic_partitions_requests or [])
        )
        object.__setattr__(self, "asset_events", list(self.asset_events or []))

    __hash__ = None  # type: ignore[assignment]  # holds lists
