"""ExecuteInProcessResult: what ``materialize()`` returns, with Dagster's query methods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster_nb._definitions.asset_key import AssetKey, CoercibleToAssetKey
from dagster_nb._errors import DagsterError, DagsterInvariantViolationError, did_you_mean
from dagster_nb._events import DagsterEvent, DagsterEventType, DagsterRunStatus

if TYPE_CHECKING:
    from dagster_nb._event_data import StepFailureData

__all__ = ["ExecuteInProcessResult"]

_PLANNED = DagsterEventType.ASSET_MATERIALIZATION_PLANNED.value


class ExecuteInProcessResult:
    """The outcome of an in-process run.

    >>> import dagster_nb as dg
    >>> @dg.asset
    ... def n(): return 3
    >>> r = dg.materialize_to_memory([n])
    >>> r.success, r.output_for_node("n")
    (True, 3)
    """

    def __init__(self, execution: Any):
        self._x = execution
        # As Dagster: the planned materializations go to the instance (they mark what is in
        # progress) but are not among the run's events here.
        self._events: list[DagsterEvent] = [
            e for e in execution.events if e.event_type_value != _PLANNED
        ]
        self._released = False

    # ``with dg.execute_job(...) as result:`` (Dagster's JobExecutionResult is a context manager)
    def __enter__(self) -> ExecuteInProcessResult:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def _release_values(self) -> None:
        """Forget the in-memory output values (a backfill's runs: holding every partition's
        value would keep the whole backfill in memory). The stored values stay loadable."""
        self._x.outputs = {}
        self._released = True

    def _released_error(self, what: str) -> DagsterInvariantViolationError:
        return DagsterInvariantViolationError(
            f"{what}: this run was one of a backfill's, whose values are not kept in memory "
            "(every partition's value would be). Load the stored value instead, e.g. "
            "dg.kernel.load_asset_value(key, partition_key=...) or AssetValueLoader."
        )

    @property
    def success(self) -> bool:
        return self.dagster_run_status == DagsterRunStatus.SUCCESS

    @property
    def dagster_run_status(self) -> DagsterRunStatus:
        for e in reversed(self._events):
            if e.event_type_value == DagsterEventType.RUN_SUCCESS.value:
                return DagsterRunStatus.SUCCESS
            if e.event_type_value == DagsterEventType.RUN_FAILURE.value:
                return DagsterRunStatus.FAILURE
            if e.event_type_value == DagsterEventType.RUN_CANCELED.value:
                return DagsterRunStatus.CANCELED
        return DagsterRunStatus.STARTED

    @property
    def run_id(self) -> str:
        return self._x.run_id

    @property
    def dagster_run(self) -> Any:
        inst = self._x.instance
        return inst.get_run_by_id(self.run_id) if inst is not None else None

    @property
    def job_name(self) -> str:
        return self._x.job_name

    @property
    def all_events(self) -> list[DagsterEvent]:
        return list(self._events)

    @property
    def all_node_events(self) -> list[DagsterEvent]:
        return [e for e in self._events if e.step_key is not None]

    def events_for_node(self, node_name: str) -> list[DagsterEvent]:
        self._check_node(node_name)
        return [e for e in self._events if e.step_key == node_name]

    def _node_names(self) -> list[str]:
        return [s.key for s in self._x.plan.steps]

    def _check_node(self, node_name: str) -> None:
        names = self._node_names()
        if node_name not in names and not any(k[0] == node_name for k in self._x.outputs):
            raise DagsterInvariantViolationError(
                f"Node '{node_name}' was not part of this run." + did_you_mean(node_name, names)
            )

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        """The value a node produced (kept in memory during the run)."""
        try:
            return self._x.outputs[(node_str, output_name)]
        except KeyError:
            if self._released and node_str in self._node_names():
                raise self._released_error(
                    f"No value for output '{output_name}' of node '{node_str}' in memory"
                ) from None
            self._check_node(node_str)
            step = next((s for s in self._x.plan.steps if s.key == node_str), None)
            ad = step.assets_def if step is not None else None
            if step is not None and step.op is not None:  # an op of an op-based job
                outs = list(step.op.op_def.outs)
                if output_name in outs:
                    raise DagsterInvariantViolationError(
                        f"No outputs found for output '{output_name}' from node '{node_str}'."
                    ) from None
            else:
                outs = list(ad.keys_by_output_name) if ad is not None else []
            if ad is not None and output_name not in outs:
                raise DagsterInvariantViolationError(
                    f"Node '{node_str}' has no output '{output_name}'."
                    + did_you_mean(output_name, outs)
                    + (f" Its outputs are {outs}." if outs else "")
                ) from None
            raise DagsterInvariantViolationError(
                f"Did not find result {output_name} in node '{node_str}' execution result: the "
                "step failed, was skipped, or returned no value."
            ) from None

    def output_value(self, output_name: str = "result") -> Any:
        """The value of the job graph's output ``output_name`` (an op-based job's or a graph's
        ``execute_in_process``); for asset runs, the one output of that name."""
        job_outputs = getattr(self._x, "job_outputs", None)
        if job_outputs is not None:
            if output_name in job_outputs:
                return job_outputs[output_name]
            raise DagsterInvariantViolationError(
                f"Did not find result {output_name} in the job's outputs."
                + did_you_mean(output_name, job_outputs)
            )
        matches = [v for (n, o), v in self._x.outputs.items() if o == output_name]
        if self._released and not matches:
            raise self._released_error(f"No value for output '{output_name}' in memory")
        if len(matches) != 1:
            raise DagsterInvariantViolationError(
                f"output_value('{output_name}') is ambiguous here; use output_for_node(node, ...)."
            )
        return matches[0]

    def asset_value(self, asset_key: CoercibleToAssetKey) -> Any:
        """The value materialized for ``asset_key`` in this run."""
        key = AssetKey.from_coercible(asset_key)
        step = self._x.plan.step_by_asset_key.get(key)
        if step is None:
            raise DagsterInvariantViolationError(
                f"Asset {key.to_user_string()} was not materialized in this run."
                + did_you_mean(
                    key.to_user_string(),
                    (k.to_user_string() for k in self._x.plan.step_by_asset_key),
                )
            )
        ad = self._x.resolved.assets_def_by_key[key]
        return self.output_for_node(step, ad.get_output_name_for_asset_key(key))

    # --- events ---
    def filter_events(self, fn: Any) -> list[DagsterEvent]:
        return [e for e in self._events if fn(e)]

    def _of_type(self, t: DagsterEventType) -> list[DagsterEvent]:
        return [e for e in self._events if e.event_type_value == t.value]

    def get_asset_materialization_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.ASSET_MATERIALIZATION)

    def get_asset_observation_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.ASSET_OBSERVATION)

    def get_asset_materialization_planned_events(self) -> list[DagsterEvent]:
        """The planned materializations this run recorded in the instance (Dagster's result
        returns none: it keeps them out of its events; ours gives what was stored)."""
        return [e for e in self._x.events if e.event_type_value == _PLANNED]

    def get_asset_check_evaluations(self) -> list[Any]:
        """The ``AssetCheckEvaluation`` of every asset check evaluated in the run, in order."""
        return [
            e.asset_check_evaluation_data
            for e in self._of_type(DagsterEventType.ASSET_CHECK_EVALUATION)
        ]

    def get_step_success_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.STEP_SUCCESS)

    def get_step_skipped_events(self) -> list[DagsterEvent]:
        """STEP_SKIPPED events: steps whose inputs were not produced (an optional output not
        yielded upstream). Steps downstream of a failure are not run and have none, as in Dagster."""
        return self._of_type(DagsterEventType.STEP_SKIPPED)

    def get_step_failure_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.STEP_FAILURE)

    def get_failed_step_keys(self) -> set[str]:
        return {e.step_key for e in self.get_step_failure_events() if e.step_key}

    def get_job_success_event(self) -> DagsterEvent:
        evs = self._of_type(DagsterEventType.RUN_SUCCESS)
        if not evs:
            raise DagsterInvariantViolationError("The run did not succeed.")
        return evs[0]

    def get_job_failure_event(self) -> DagsterEvent:
        evs = self._of_type(DagsterEventType.RUN_FAILURE)
        if not evs:
            raise DagsterInvariantViolationError("The run did not fail.")
        return evs[0]

    def asset_materializations_for_node(self, node_name: str) -> list[Any]:
        self._check_node(node_name)
        return [
            e.materialization
            for e in self._events
            if e.step_key == node_name and e.materialization is not None
        ]

    def asset_observations_for_node(self, node_name: str) -> list[Any]:
        return [
            e.observation
            for e in self._events
            if e.step_key == node_name and e.observation is not None
        ]

    # --- Dagster's run-level and per-node queries ---
    def get_run_success_event(self) -> DagsterEvent:
        """The RUN_SUCCESS event (Dagster's name); raises DagsterError if the run did not succeed."""
        evs = self._of_type(DagsterEventType.RUN_SUCCESS)
        if not evs:
            raise DagsterError("No event of type DagsterEventType.PIPELINE_SUCCESS found.")
        return evs[0]

    def get_run_failure_event(self) -> DagsterEvent:
        """The RUN_FAILURE event (Dagster's name); raises DagsterError if the run did not fail."""
        evs = self._of_type(DagsterEventType.RUN_FAILURE)
        if not evs:
            raise DagsterError("No event of type DagsterEventType.PIPELINE_FAILURE found.")
        return evs[0]

    def failure_data_for_node(self, node_str: str) -> StepFailureData | None:
        """The node's step failure (``.error``: the framework error, whose ``.cause`` is the
        user's exception), or None if it did not fail.

        >>> import dagster_nb as dg
        >>> @dg.asset
        ... def bad(): raise ValueError("no")
        >>> r = dg.materialize_to_memory([bad], raise_on_error=False)
        >>> r.failure_data_for_node("bad").error.cause.cls_name
        'ValueError'
        """
        for e in self.events_for_node(node_str):
            if e.event_type_value == DagsterEventType.STEP_FAILURE.value:
                return e.step_failure_data
        return None

    def retry_attempts_for_node(self, node_str: str) -> int:
        """How many times the node's step was retried (its STEP_RESTARTED events)."""
        restarted = DagsterEventType.STEP_RESTARTED.value
        return sum(1 for e in self.events_for_node(node_str) if e.event_type_value == restarted)

    def expectation_results_for_node(self, node_str: str) -> list[Any]:
        """The ExpectationResults the node logged with ``context.log_event``."""
        t = DagsterEventType.STEP_EXPECTATION_RESULT.value
        return [
            e.expectation_result for e in self.events_for_node(node_str) if e.event_type_value == t
        ]

    @property
    def job_def(self) -> Any:
        """The job that ran: the job itself for ``job.execute_in_process()``; for
        ``materialize()``, Dagster's ``__ephemeral_asset_job__`` over the assets it was given."""
        job = getattr(self, "_job_def", None)
        if job is None:
            from dagster_nb._definitions.definitions_class import Definitions
            from dagster_nb._execution.jobs import JobDefinition, define_asset_job

            x = self._x
            selected = sorted(x.plan.selected_keys, key=lambda k: k.parts)
            defs = Definitions(assets=list(x.resolved.assets_defs))
            job = JobDefinition(define_asset_job(x.job_name, selection=selected), defs)
            self._job_def = job
        return job

    # --- node status (Dagster's predicates) ---
    def _outcome(self, node_name: str) -> str | None:
        self._check_node(node_name)
        return self._x.step_outcomes.get(node_name)

    def is_node_success(self, node_name: str) -> bool:
        return self._outcome(node_name) == "SUCCESS"

    def is_node_failed(self, node_name: str) -> bool:
        return self._outcome(node_name) == "FAILURE"

    def is_node_skipped(self, node_name: str) -> bool:
        return self._outcome(node_name) == "SKIPPED"

    def is_node_untouched(self, node_name: str) -> bool:
        return self._outcome(node_name) in (None, "UNTOUCHED")

    @property
    def step_outcomes(self) -> dict[str, str]:
        """Ours: node name -> SUCCESS | FAILURE | SKIPPED | UNTOUCHED."""
        return {s: self._x.step_outcomes.get(s, "UNTOUCHED") for s in self._node_names()}

    def __repr__(self) -> str:
        return (
            f"<ExecuteInProcessResult run_id={self.run_id!r} status={self.dagster_run_status.value} "
            f"steps={len(self._node_names())}>"
        )

    def _repr_html_(self) -> str:
        from dagster_nb._definitions.reprs import result_html

        return result_html(self)
