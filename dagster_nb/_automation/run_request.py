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
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "RunRequest",
    "SkipReason",
    "SensorResult",
    "normalize_tags",
    "to_run_config_dict",
    "DynamicPartitionsRequestResult",
    "check_dynamic_partitions_requests",
    "apply_dynamic_partitions_requests",
]


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
        dynamic = list(self.dynamic_partitions_requests or [])
        _check_request_types(dynamic)
        object.__setattr__(self, "dynamic_partitions_requests", dynamic)
        object.__setattr__(self, "asset_events", list(self.asset_events or []))

    __hash__ = None  # type: ignore[assignment]  # holds lists


# --------------------------------------------------------------------------- dynamic partitions


def _check_request_types(requests: Sequence[Any]) -> None:
    from dagster_nb._partitions.dynamic import (
        AddDynamicPartitionsRequest,
        DeleteDynamicPartitionsRequest,
    )

    for r in requests:
        if not isinstance(r, (AddDynamicPartitionsRequest, DeleteDynamicPartitionsRequest)):
            raise DagsterInvalidDefinitionError(
                "SensorResult dynamic_partitions_requests must be AddDynamicPartitionsRequest or "
                f"DeleteDynamicPartitionsRequest objects, got {type(r).__name__}. Build them with "
                "partitions_def.build_add_request([...]) / build_delete_request([...])."
            )


def check_dynamic_partitions_requests(requests: Sequence[Any]) -> None:
    """Reject a tick's requests that contradict each other, as Dagster does: the same key added
    twice, or added and deleted, for one partitions definition.

    >>> from dagster_nb._partitions.dynamic import AddDynamicPartitionsRequest as Add
    >>> check_dynamic_partitions_requests([Add("fruits", ["a"]), Add("fruits", ["b"])])
    """
    from dagster_nb._errors import DagsterInvariantViolationError
    from dagster_nb._partitions.dynamic import AddDynamicPartitionsRequest

    _check_request_types(requests)
    adding: dict[str, set[str]] = {}
    deleting: dict[str, set[str]] = {}
    for r in requests:
        name, keys = r.partitions_def_name, set(r.partition_keys)
        is_add = isinstance(r, AddDynamicPartitionsRequest)
        same = (adding if is_add else deleting).get(name, set()) & keys
        other = (deleting if is_add else adding).get(name, set()) & keys
        if other:
            raise DagsterInvariantViolationError(
                "Dynamic partition requests cannot contain both add and delete requests for the "
                f"same partition keys. Invalid request: partitions_def_name '{name}', "
                f"partition_keys: {sorted(other)}"
            )
        if same:
            raise DagsterInvariantViolationError(
                f"Cannot request to {'add' if is_add else 'delete'} duplicate dynamic partition "
                f"keys: partitions_def_name '{name}', partition_keys: {sorted(same)}"
            )
        (adding if is_add else deleting).setdefault(name, set()).update(keys)


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamicPartitionsRequestResult:
    """What applying one request did (Dagster's tick record): keys added or deleted, and keys
    skipped because they already existed (add) or did not exist (delete)."""

    partitions_def_name: str
    added_partitions: Sequence[str] | None
    deleted_partitions: Sequence[str] | None
    skipped_partitions: Sequence[str]


def apply_dynamic_partitions_requests(
    requests: Sequence[Any], instance: DagsterInstance
) -> list[DynamicPartitionsRequestResult]:
    """Apply a sensor tick's dynamic partitions requests to ``instance``, in order, as Dagster's
    sensor daemon does: an add request adds the keys that do not exist yet, a delete request
    deletes the keys that exist; the others are reported as skipped. Call this wherever a
    sensor's result is processed (before launching its run requests, whose partition keys may
    be the ones just added).

    >>> import dagster_nb as dg
    >>> fruits = dg.DynamicPartitionsDefinition(name="fruits")
    >>> with dg.DagsterInstance.ephemeral() as instance:
    ...     _ = apply_dynamic_partitions_requests([fruits.build_add_request(["apple"])], instance)
    ...     r = apply_dynamic_partitions_requests([fruits.build_add_request(["apple", "pear"])], instance)
    ...     r[0].added_partitions, r[0].skipped_partitions, instance.get_dynamic_partitions("fruits")
    (['pear'], ['apple'], ['apple', 'pear'])
    """
    from dagster_nb._partitions.dynamic import AddDynamicPartitionsRequest

    check_dynamic_partitions_requests(requests)
    results = []
    for r in requests:
        name = r.partitions_def_name
        existing = [k for k in r.partition_keys if instance.has_dynamic_partition(name, k)]
        missing = [k for k in r.partition_keys if k not in existing]
        if isinstance(r, AddDynamicPartitionsRequest):
            if missing:
                instance.add_dynamic_partitions(name, missing)
            results.append(
                DynamicPartitionsRequestResult(
                    partitions_def_name=name,
                    added_partitions=missing,
                    deleted_partitions=None,
                    skipped_partitions=existing,
                )
            )
        else:
            for k in existing:
                instance.delete_dynamic_partition(name, k)
            results.append(
                DynamicPartitionsRequestResult(
                    partitions_def_name=name,
                    added_partitions=None,
                    deleted_partitions=existing,
                    skipped_partitions=missing,
                )
            )
    return results
