"""What asset and op bodies return or yield: Output, MaterializeResult, ObserveResult, and the
user-facing event records AssetMaterialization / AssetObservation, plus DataVersion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any, Generic, TypeVar

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._definitions.metadata import MetadataValue, normalize_metadata
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "DataVersion",
    "DATA_VERSION_TAG",
    "CODE_VERSION_TAG",
    "INPUT_DATA_VERSION_TAG_PREFIX",
    "Output",
    "DynamicOutput",
    "MaterializeResult",
    "ObserveResult",
    "AssetMaterialization",
    "AssetObservation",
    "ExpectationResult",
    "NoValue",
    "RetryRequested",
    "Failure",
]

T = TypeVar("T")

# Dagster's tag names for provenance on materializations and observations.
DATA_VERSION_TAG = "dagster/data_version"
CODE_VERSION_TAG = "dagster/code_version"
INPUT_DATA_VERSION_TAG_PREFIX = "dagster/input_data_version/"
INPUT_EVENT_POINTER_TAG_PREFIX = "dagster/input_event_pointer/"
DATA_VERSION_IS_USER_PROVIDED_TAG = "dagster/data_version_is_user_provided"


class _NoValueType:
    """Sentinel: 'no value was given' (distinct from None, which is a value)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NoValue"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (_NoValueType, ())


NoValue: Any = _NoValueType()


@dataclass(frozen=True, slots=True)
class DataVersion:
    """A version of an asset's data: ``DataVersion("v1")``."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise DagsterInvalidDefinitionError(
                f"DataVersion value must be a string, got {type(self.value).__name__}."
            )


def _coerce_key(asset_key: CoercibleToAssetKey | None) -> AssetKey | None:
    return None if asset_key is None else AssetKey.from_coercible(asset_key)


class Output(Generic[T]):
    """A value returned from an asset or op, with metadata: ``Output(df, metadata={"n": 3})``."""

    __slots__ = ("value", "output_name", "metadata", "data_version", "tags")

    def __init__(
        self,
        value: T,
        output_name: str = "result",
        metadata: Mapping[str, Any] | None = None,
        data_version: DataVersion | None = None,
        *,
        tags: Mapping[str, str] | None = None,
    ):
        self.value = value
        self.output_name = output_name
        self.metadata = normalize_metadata(metadata)
        self.data_version = data_version
        self.tags = dict(tags or {})

    def __repr__(self) -> str:
        return f"Output(value={self.value!r}, output_name={self.output_name!r})"

    def with_metadata(self, metadata: Mapping[str, Any]) -> Output[T]:
        return Output(self.value, self.output_name, metadata, self.data_version, tags=self.tags)


class DynamicOutput(Output[T]):
    __slots__ = ("mapping_key",)

    def __init__(self, value: T, mapping_key: str, output_name: str = "result", metadata=None):
        super().__init__(value, output_name, metadata)
        self.mapping_key = mapping_key


@dataclass(frozen=True, slots=True, kw_only=True)
class MaterializeResult(Generic[T]):
    """Report a materialization without returning a value to an IO manager.

    ``return MaterializeResult(metadata={"rows": 3})``; in a multi-asset, name the key:
    ``MaterializeResult(asset_key="a")``. Passing ``value=`` stores a value through the IO
    manager, as in Dagster 1.10+.
    """

    asset_key: AssetKey | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    check_results: tuple = ()
    data_version: DataVersion | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    value: Any = NoValue

    def __init__(  # asset_key first positional, as in Dagster: MaterializeResult("orders")
        self,
        asset_key: CoercibleToAssetKey | None = None,
        metadata: Mapping[str, Any] | None = None,
        check_results: Any = None,
        data_version: DataVersion | None = None,
        tags: Mapping[str, str] | None = None,
        value: Any = NoValue,
    ):
        object.__setattr__(self, "asset_key", _coerce_key(asset_key))
        # Raw, as in Dagster: normalized when the event is made.
        object.__setattr__(self, "metadata", dict(metadata) if metadata else {})
        object.__setattr__(self, "check_results", tuple(check_results or ()))
        object.__setattr__(self, "data_version", data_version)
        object.__setattr__(self, "tags", dict(tags or {}))
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObserveResult:
    """What an observable source asset's function returns."""

    asset_key: AssetKey | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    check_results: tuple = ()
    data_version: DataVersion | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __init__(  # asset_key first positional, as in Dagster: MaterializeResult("orders")
        self,
        asset_key: CoercibleToAssetKey | None = None,
        metadata: Mapping[str, Any] | None = None,
        check_results: Any = None,
        data_version: DataVersion | None = None,
        tags: Mapping[str, str] | None = None,
    ):
        object.__setattr__(self, "asset_key", _coerce_key(asset_key))
        # Raw, as in Dagster: normalized when the event is made.
        object.__setattr__(self, "metadata", dict(metadata) if metadata else {})
        object.__setattr__(self, "check_results", tuple(check_results or ()))
        object.__setattr__(self, "data_version", data_version)
        object.__setattr__(self, "tags", dict(tags or {}))


@dataclass(frozen=True, slots=True)
class AssetMaterialization:
    """A record that an asset (or one partition of it) was materialized."""

    asset_key: AssetKey
    description: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    partition: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __init__(
        self,
        asset_key: CoercibleToAssetKey,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        partition: str | None = None,
        tags: Mapping[str, str] | None = None,
    ):
        object.__setattr__(self, "asset_key", AssetKey.from_coercible(asset_key))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "metadata", normalize_metadata(metadata))
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "tags", dict(tags or {}))

    def __hash__(self) -> int:
        return hash((self.asset_key, self.partition, tuple(sorted(self.tags.items()))))

    @property
    def label(self) -> str:
        return self.asset_key.to_user_string()

    @property
    def data_version(self) -> str | None:
        return self.tags.get(DATA_VERSION_TAG)

    @property
    def code_version(self) -> str | None:
        return self.tags.get(CODE_VERSION_TAG)


@dataclass(frozen=True, slots=True)
class AssetObservation:
    """A record of an asset's state without materializing it (e.g. a source's data version)."""

    asset_key: AssetKey
    description: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    partition: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __init__(
        self,
        asset_key: CoercibleToAssetKey,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        partition: str | None = None,
        tags: Mapping[str, str] | None = None,
    ):
        object.__setattr__(self, "asset_key", AssetKey.from_coercible(asset_key))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "metadata", normalize_metadata(metadata))
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "tags", dict(tags or {}))

    def __hash__(self) -> int:
        return hash((self.asset_key, self.partition, tuple(sorted(self.tags.items()))))

    @property
    def data_version(self) -> str | None:
        return self.tags.get(DATA_VERSION_TAG)


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    """The outcome of a data quality expectation, logged with ``context.log_event(...)``.

    >>> ExpectationResult(success=True, metadata={"rows": 3}).label
    'result'
    """

    def __post_init__(self) -> None:
        # Dagster's defaults: the label "result", metadata as MetadataValues
        if self.label is None:
            object.__setattr__(self, "label", "result")
        object.__setattr__(self, "metadata", normalize_metadata(self.metadata))

    success: bool
    label: str | None = None
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


class RetryRequested(Exception):  # noqa: N818 - Dagster's name
    """Raise in an asset or op to ask for it to be retried, up to ``max_retries`` times, after
    ``seconds_to_wait`` seconds (Dagster's semantics: it takes precedence over a RetryPolicy;
    once exhausted the step fails and the run raises DagsterMaxRetriesExceededError).

        @dg.asset
        def flaky(db: Warehouse):
            try:
                return db.query("...")
            except TimeoutError as exc:
                raise dg.RetryRequested(max_retries=3, seconds_to_wait=1) from exc
    """

    def __init__(self, max_retries: int | None = 1, seconds_to_wait: float | int | None = None):
        super().__init__()
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int)
        ):
            raise TypeError(f"RetryRequested: max_retries must be an int, got {max_retries!r}.")
        if seconds_to_wait is not None and (
            isinstance(seconds_to_wait, bool) or not isinstance(seconds_to_wait, (int, float))
        ):
            raise TypeError(
                f"RetryRequested: seconds_to_wait must be a number, got {seconds_to_wait!r}."
            )
        self.max_retries = max_retries
        self.seconds_to_wait = seconds_to_wait


class Failure(Exception):  # noqa: N818 - Dagster's name
    """Raise in an asset or op to fail its step on purpose, with a description and metadata
    that the STEP_FAILURE event carries (``event.step_failure_data.user_failure_data``).
    ``allow_retries=False`` stops a RetryPolicy from retrying it.

        @dg.asset(retry_policy=dg.RetryPolicy(max_retries=3))
        def orders(db: Warehouse):
            rows = db.query("...")
            if not rows:
                raise dg.Failure("no orders today", metadata={"checked": "orders"},
                                 allow_retries=False)
            return rows
    """

    def __init__(
        self,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        allow_retries: bool | None = None,
    ):
        super().__init__(description)
        self.description = description
        self.metadata = normalize_metadata(metadata)  # as Dagster's Failure
        self.allow_retries = True if allow_retries is None else bool(allow_retries)
