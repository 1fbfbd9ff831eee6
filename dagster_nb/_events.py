"""The one event stream: frozen records the executor emits, the instance stores and the widgets
render. Nothing here knows about SQLite or widgets.

Event type values are Dagster's (``DagsterEventType``), so code that filters events by type
works the same. Every event round-trips through JSON (:meth:`DagsterEvent.to_json` /
:meth:`DagsterEvent.from_json`), which is how storage persists it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.metadata import metadata_from_json, metadata_to_json
from dagster_nb._definitions.results import (
    AssetMaterialization,
    AssetObservation,
    ExpectationResult,
)

_DATA: Any = None


def _data() -> Any:
    """The module of rarer event data (failures, observations, checks), loaded on first use."""
    global _DATA
    if _DATA is None:
        from dagster_nb import _event_data

        _DATA = _event_data
    return _DATA


def __getattr__(name: str) -> Any:
    if name in _DATA_NAMES:
        value = getattr(_data(), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_DATA_NAMES = frozenset(
    {
        "SerializableErrorInfo",
        "StepFailureData",
        "UserFailureData",
        "JobFailureData",
        "AssetObservationData",
        "StepExpectationResultData",
        "AssetCheckEvaluationPlanned",
        "_user_failure_data",
    }
)


# One encoder for every event: same output as json.dumps(d, separators=(",", ":"),
# default=str), without building an encoder per call.
_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode
NO_DATA: Mapping[str, Any] = MappingProxyType({})

if TYPE_CHECKING:
    from dagster_nb._event_data import (
        AssetObservationData,
        JobFailureData,
        SerializableErrorInfo,
        StepFailureData,
    )

__all__ = [
    "DagsterEventType",
    "DagsterEvent",
    "EventLogEntry",
    "SerializableErrorInfo",
    "DagsterRunStatus",
    "StepFailureData",
    "JobFailureData",
    "StepMaterializationData",
    "AssetObservationData",
]


class DagsterEventType(str, Enum):
    """Dagster's event type names and values."""

    RUN_ENQUEUED = "PIPELINE_ENQUEUED"
    RUN_STARTING = "PIPELINE_STARTING"
    RUN_START = "PIPELINE_START"
    RUN_SUCCESS = "PIPELINE_SUCCESS"
    RUN_FAILURE = "PIPELINE_FAILURE"
    RUN_CANCELING = "PIPELINE_CANCELING"
    RUN_CANCELED = "PIPELINE_CANCELED"
    STEP_START = "STEP_START"
    STEP_SUCCESS = "STEP_SUCCESS"
    STEP_FAILURE = "STEP_FAILURE"
    STEP_SKIPPED = "STEP_SKIPPED"
    STEP_OUTPUT = "STEP_OUTPUT"
    STEP_INPUT = "STEP_INPUT"
    STEP_UP_FOR_RETRY = "STEP_UP_FOR_RETRY"
    STEP_RESTARTED = "STEP_RESTARTED"
    STEP_EXPECTATION_RESULT = "STEP_EXPECTATION_RESULT"
    LOADED_INPUT = "LOADED_INPUT"
    HANDLED_OUTPUT = "HANDLED_OUTPUT"
    ASSET_MATERIALIZATION = "ASSET_MATERIALIZATION"
    ASSET_MATERIALIZATION_PLANNED = "ASSET_MATERIALIZATION_PLANNED"
    ASSET_OBSERVATION = "ASSET_OBSERVATION"
    ASSET_FAILED_TO_MATERIALIZE = "ASSET_FAILED_TO_MATERIALIZE"
    ASSET_CHECK_EVALUATION_PLANNED = "ASSET_CHECK_EVALUATION_PLANNED"
    ASSET_CHECK_EVALUATION = "ASSET_CHECK_EVALUATION"
    ENGINE_EVENT = "ENGINE_EVENT"
    HOOK_COMPLETED = "HOOK_COMPLETED"
    HOOK_ERRORED = "HOOK_ERRORED"
    HOOK_SKIPPED = "HOOK_SKIPPED"
    LOG_MESSAGE = "LOG_MESSAGE"  # ours: context.log records, so widgets can show them

    def __str__(self) -> str:
        return self.value


class DagsterRunStatus(str, Enum):
    QUEUED = "QUEUED"
    NOT_STARTED = "NOT_STARTED"
    STARTING = "STARTING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"

    def __str__(self) -> str:
        return self.value


FINISHED_STATUSES = frozenset(
    {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
)


@dataclass(frozen=True, slots=True)
class StepMaterializationData:
    """``event_specific_data`` of an asset materialization, as in Dagster: ``.materialization``."""

    materialization: AssetMaterialization
    asset_lineage: tuple = ()


def expectation_to_data(er: ExpectationResult) -> dict[str, Any]:
    """An expectation result as an event's (JSON-able) ``data``."""
    return {
        "expectation": {
            "success": er.success,
            "label": er.label,
            "description": er.description,
            "metadata": metadata_to_json(er.metadata),
        }
    }


_EXPECTATION_VALUE = DagsterEventType.STEP_EXPECTATION_RESULT.value

_STEP_FAILURE_VALUE = DagsterEventType.STEP_FAILURE.value
_RUN_FAILURE_VALUE = DagsterEventType.RUN_FAILURE.value
_CHECK_EVALUATION_VALUE = DagsterEventType.ASSET_CHECK_EVALUATION.value
_CHECK_PLANNED_VALUE = DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value


class DagsterEvent(NamedTuple):
    """One event of a run.

    ``materialization`` / ``observation`` are set for asset events, ``error`` for failures,
    ``data`` holds small extra facts (e.g. ``{"duration": 0.01}`` on step success, or the
    planned partition on ASSET_MATERIALIZATION_PLANNED).

    A NamedTuple, as Dagster's own DagsterEvent is: immutable, and built in a fraction of the
    time a frozen dataclass takes (the executor builds several per step).
    """

    event_type_value: str
    run_id: str
    job_name: str
    timestamp: float
    step_key: str | None = None
    message: str = ""
    asset_key: AssetKey | None = None
    partition: str | None = None
    materialization: AssetMaterialization | None = None
    observation: AssetObservation | None = None
    error: SerializableErrorInfo | None = None
    level: str = "DEBUG"
    data: Mapping[str, Any] = NO_DATA

    @property
    def event_type(self) -> DagsterEventType:
        return DagsterEventType(self.event_type_value)

    # Dagster's predicates
    @property
    def is_step_start(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_START.value

    @property
    def is_step_success(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_SUCCESS.value

    @property
    def is_step_failure(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_FAILURE.value

    @property
    def is_step_skipped(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_SKIPPED.value

    @property
    def is_failure(self) -> bool:
        return self.event_type_value in (
            DagsterEventType.STEP_FAILURE.value,
            DagsterEventType.RUN_FAILURE.value,
        )

    @property
    def is_step_materialization(self) -> bool:
        return self.event_type_value == DagsterEventType.ASSET_MATERIALIZATION.value

    @property
    def is_asset_materialization(self) -> bool:  # Dagster's other name for it
        return self.event_type_value == DagsterEventType.ASSET_MATERIALIZATION.value

    @property
    def is_asset_observation(self) -> bool:
        return self.event_type_value == DagsterEventType.ASSET_OBSERVATION.value

    @property
    def is_run_failure(self) -> bool:
        return self.event_type_value == DagsterEventType.RUN_FAILURE.value

    @property
    def is_successful_output(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_OUTPUT.value

    @property
    def step_materialization_data(self) -> AssetMaterialization | None:
        return self.materialization

    @property
    def asset_observation_data(self) -> AssetObservation | None:
        return self.observation

    @property
    def expectation_result(self) -> ExpectationResult | None:
        """The ExpectationResult of a STEP_EXPECTATION_RESULT event (kept in ``data``)."""
        d = self.data.get("expectation") if self.event_type_value == _EXPECTATION_VALUE else None
        if d is None:
            return None
        return ExpectationResult(
            success=d["success"],
            label=d.get("label"),
            description=d.get("description"),
            metadata=metadata_from_json(d.get("metadata", {})),
        )

    @property
    def asset_check_evaluation_data(self) -> Any:
        """The ``AssetCheckEvaluation`` of an ASSET_CHECK_EVALUATION event (else None)."""
        if self.event_type_value != _CHECK_EVALUATION_VALUE or self.asset_key is None:
            return None
        from dagster_nb._definitions.asset_checks import AssetCheckEvaluation

        return AssetCheckEvaluation.from_data(self.asset_key, self.data, self.partition)

    @property
    def asset_check_planned_data(self) -> Any:
        """``AssetCheckEvaluationPlanned``-like facts of an ASSET_CHECK_EVALUATION_PLANNED event:
        ``.asset_key`` and ``.check_name`` (else None)."""
        if self.event_type_value != _CHECK_PLANNED_VALUE:
            return None
        return _data().AssetCheckEvaluationPlanned(
            asset_key=self.asset_key, check_name=self.data.get("check_name")
        )

    @property
    def step_failure_data(self) -> StepFailureData | None:
        if self.event_type_value != DagsterEventType.STEP_FAILURE.value:
            return None
        return _data().StepFailureData(self.error, _data()._user_failure_data(self.data))

    @property
    def event_specific_data(self) -> Any:
        """Dagster's shape per event type: StepFailureData / JobFailureData (``.error``),
        StepMaterializationData (``.materialization``), AssetObservationData
        (``.asset_observation``); other events give their small facts (a mapping)."""
        t = self.event_type_value
        if t == _STEP_FAILURE_VALUE:
            return _data().StepFailureData(self.error, _data()._user_failure_data(self.data))
        if t == _RUN_FAILURE_VALUE:
            return _data().JobFailureData(self.error)
        if t == _EXPECTATION_VALUE:
            return _data().StepExpectationResultData(self.expectation_result)
        if self.materialization is not None:
            return StepMaterializationData(self.materialization)
        if self.observation is not None:
            return _data().AssetObservationData(self.observation)
        if t == _CHECK_EVALUATION_VALUE:
            return self.asset_check_evaluation_data
        if t == _CHECK_PLANNED_VALUE:
            return self.asset_check_planned_data
        return self.error or self.data

    # --- JSON ---
    def to_json(self) -> str:
        d: dict[str, Any] = {
            "t": self.event_type_value,
            "run_id": self.run_id,
            "job": self.job_name,
            "ts": self.timestamp,
            "step": self.step_key,
            "msg": self.message,
            "level": self.level,
        }
        if self.asset_key is not None:
            d["key"] = self.asset_key.path
        if self.partition is not None:
            d["partition"] = self.partition
        for name, rec in (("mat", self.materialization), ("obs", self.observation)):
            if rec is not None:
                d[name] = {
                    "key": rec.asset_key.path,
                    "description": rec.description,
                    "metadata": metadata_to_json(rec.metadata),
                    "partition": rec.partition,
                    "tags": dict(rec.tags),
                }
        if self.error is not None:
            d["error"] = self.error.to_json()
        if self.data:
            d["data"] = dict(self.data)
        return _encode(d)

    @staticmethod
    def from_json(s: str | Mapping[str, Any]) -> DagsterEvent:
        d = json.loads(s) if isinstance(s, str) else s
        recs: dict[str, Any] = {}
        for name, cls in (("mat", AssetMaterialization), ("obs", AssetObservation)):
            r = d.get(name)
            if r is not None:
                recs[name] = cls(
                    AssetKey(r["key"]),
                    description=r.get("description"),
                    metadata=metadata_from_json(r.get("metadata", {})),
                    partition=r.get("partition"),
                    tags=r.get("tags", {}),
                )
        return DagsterEvent(
            event_type_value=d["t"],
            run_id=d["run_id"],
            job_name=d["job"],
            timestamp=d["ts"],
            step_key=d.get("step"),
            message=d.get("msg", ""),
            level=d.get("level", "DEBUG"),
            asset_key=AssetKey(d["key"]) if "key" in d else None,
            partition=d.get("partition"),
            materialization=recs.get("mat"),
            observation=recs.get("obs"),
            error=_data().SerializableErrorInfo.from_json(d["error"]) if d.get("error") else None,
            data=d.get("data", {}),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EventLogEntry:
    """A stored event with its storage id, as Dagster's event log returns it."""

    storage_id: int
    dagster_event: DagsterEvent

    @property
    def run_id(self) -> str:
        return self.dagster_event.run_id

    @property
    def timestamp(self) -> float:
        return self.dagster_event.timestamp

    @property
    def step_key(self) -> str | None:
        return self.dagster_event.step_key

    @property
    def job_name(self) -> str:
        return self.dagster_event.job_name

    @property
    def asset_materialization(self) -> AssetMaterialization | None:
        return self.dagster_event.materialization

    @property
    def asset_observation(self) -> AssetObservation | None:
        return self.dagster_event.observation

    @property
    def is_dagster_event(self) -> bool:
        return True

    @property
    def dagster_event_type(self) -> DagsterEventType:
        return self.dagster_event.event_type

    @property
    def user_message(self) -> str:
        return self.dagster_event.message
