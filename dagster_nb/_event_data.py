"""Event data made when something fails or for rarer event kinds: ``SerializableErrorInfo``,
``StepFailureData``, ``JobFailureData``, ``UserFailureData``, ``AssetObservationData``,
``StepExpectationResultData``, ``AssetCheckEvaluationPlanned`` (Dagster's names and shapes).

Loaded on first use through :mod:`dagster_nb._events` (its ``__getattr__`` and the
``DagsterEvent`` accessors), so a run in which nothing fails never creates these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.metadata import metadata_from_json
from dagster_nb._definitions.results import AssetObservation, ExpectationResult

__all__ = [
    "SerializableErrorInfo",
    "StepFailureData",
    "UserFailureData",
    "JobFailureData",
    "AssetObservationData",
    "StepExpectationResultData",
    "AssetCheckEvaluationPlanned",
]


def _traceback() -> Any:
    # Imported when an error is recorded, not by every run.
    import traceback

    return traceback


@dataclass(frozen=True, slots=True, kw_only=True)
class SerializableErrorInfo:
    """An exception as data: message, formatted stack, class name, and its cause."""

    message: str
    stack: tuple[str, ...] = ()
    cls_name: str | None = None
    cause: SerializableErrorInfo | None = None

    @staticmethod
    def from_exception(exc: BaseException) -> SerializableErrorInfo:
        cause = exc.__cause__ or getattr(exc, "user_exception", None)
        if cause is exc:
            cause = None
        return SerializableErrorInfo(
            message="".join(_traceback().format_exception_only(type(exc), exc)).strip(),
            stack=tuple(_traceback().format_tb(exc.__traceback__)),
            cls_name=type(exc).__name__,
            cause=SerializableErrorInfo.from_exception(cause) if cause is not None else None,
        )

    def to_string(self) -> str:
        s = self.message + "\n" + "".join(self.stack)
        if self.cause is not None:
            s += "\nThe above exception was caused by the following exception:\n"
            s += self.cause.to_string()
        return s

    def to_json(self) -> dict:
        return {
            "message": self.message,
            "stack": list(self.stack),
            "cls_name": self.cls_name,
            "cause": self.cause.to_json() if self.cause else None,
        }

    @staticmethod
    def from_json(d: Mapping[str, Any] | None) -> SerializableErrorInfo | None:
        if not d:
            return None
        return SerializableErrorInfo(
            message=d["message"],
            stack=tuple(d.get("stack", ())),
            cls_name=d.get("cls_name"),
            cause=SerializableErrorInfo.from_json(d.get("cause")),
        )


@dataclass(frozen=True, slots=True)
class StepFailureData:
    """What ``event.step_failure_data`` gives, as in Dagster: ``.error`` (SerializableErrorInfo
    of the framework error, whose ``.cause`` is the user's exception) and ``user_failure_data``
    (a raised dg.Failure's label, description and metadata)."""

    error: SerializableErrorInfo | None
    user_failure_data: Any = None


@dataclass(frozen=True, slots=True)
class UserFailureData:
    """A raised ``dg.Failure`` on its STEP_FAILURE event, as Dagster's."""

    label: str
    description: str | None
    metadata: Mapping[str, Any]


def _user_failure_data(data: Mapping[str, Any] | None) -> UserFailureData | None:
    raw = (data or {}).get("user_failure_data")
    if not raw:
        return None
    return UserFailureData(
        raw["label"], raw.get("description"), metadata_from_json(raw.get("metadata") or {})
    )


@dataclass(frozen=True, slots=True)
class JobFailureData:
    """``event_specific_data`` of a run failure, as in Dagster: ``.error`` (None when the run
    failed because a step did)."""

    error: SerializableErrorInfo | None
    failure_reason: Any = None


@dataclass(frozen=True, slots=True)
class AssetObservationData:
    """``event_specific_data`` of an asset observation, as in Dagster: ``.asset_observation``."""

    asset_observation: AssetObservation


@dataclass(frozen=True, slots=True)
class StepExpectationResultData:
    """``event_specific_data`` of an expectation result, as in Dagster: ``.expectation_result``."""

    expectation_result: ExpectationResult


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetCheckEvaluationPlanned:
    """``event_specific_data`` of an ASSET_CHECK_EVALUATION_PLANNED event, as in Dagster."""

    asset_key: AssetKey | None
    check_name: str | None
    partitions_subset: Any = None
