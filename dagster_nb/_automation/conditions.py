"""``AutomationCondition``: declarative automation as an immutable expression tree.

    import dagster_nb as dg

    AC = dg.AutomationCondition
    cond = AC.eager() | AC.on_cron("0 6 * * *")
    cond.children[0].get_label()  # 'eager'

    @dg.asset(automation_condition=AC.on_missing())
    def orders(): ...

Each node is a frozen record whose class name, fields and repr are Dagster's
(``AndAutomationCondition(label=None, operands=[...])``), and builders produce the same trees as
Dagster's (``eager()`` is the same And of Since/Not nodes, labelled ``'eager'``), so labels,
``str()`` and equality agree between the two libraries. Operators flatten as Dagster's do:
``a & b & c`` is one And of three operands unless an operand carries a label.

**These trees are not evaluated here**: only structure, labels and validation (cron strings,
time zones). The evaluator (:mod:`dagster_nb._automation.evaluator`) walks these nodes by type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dagster_nb._automation._common import validate_cron_schedule, validate_timezone
from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "AutomationCondition",
    "AndAutomationCondition",
    "OrAutomationCondition",
    "NotAutomationCondition",
    "SinceCondition",
    "NewlyTrueCondition",
    "AnyDepsCondition",
    "AllDepsCondition",
    "EntityMatchesCondition",
    "CronTickPassedCondition",
    "InLatestTimeWindowCondition",
    "RuleCondition",
]


def _fmt(value: Any) -> str:
    # Dagster's records print sequences as lists; ours store tuples (hashable, immutable).
    if isinstance(value, tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return repr(value)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AutomationCondition:
    """Base of every condition node; the static methods build Dagster's standard conditions.

    >>> c = AutomationCondition.missing() & ~AutomationCondition.in_progress()
    >>> [type(x).__name__ for x in c.children]
    ['MissingAutomationCondition', 'NotAutomationCondition']
    """

    label: str | None = None

    # --- structure ---
    @property
    def name(self) -> str:
        """A short name for the node kind (Dagster's ``name``: 'AND', 'missing', ...)."""
        return _LEAF_NAMES.get(type(self).__name__, type(self).__name__)

    @property
    def description(self) -> str:
        return _DESCRIPTIONS.get(type(self).__name__, "")

    @property
    def children(self) -> list[AutomationCondition]:
        return []

    def get_label(self) -> str | None:
        """The label given with ``with_label`` (builders label their trees: ``'eager'``)."""
        return self.label

    def with_label(self, label: str | None) -> AutomationCondition:
        """A copy with ``label`` (the original is unchanged)."""
        return dataclasses.replace(self, label=label)

    def replace(
        self, old: AutomationCondition | str, new: AutomationCondition
    ) -> AutomationCondition:
        """A copy with every sub-condition equal to ``old`` (or whose label/name is ``old``)
        replaced by ``new``.

        >>> AC = AutomationCondition
        >>> AC.eager().replace("in_progress", AC.missing()) == AC.eager()
        False
        """
        if old in (self, self.name, self.get_label()):
            return new
        return self._map_children(lambda c: c.replace(old, new))

    def _map_children(
        self, fn: Callable[[AutomationCondition], AutomationCondition]
    ) -> AutomationCondition:
        return self

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{f.name}={_fmt(getattr(self, f.name))}" for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({parts})"

    def __str__(self) -> str:
        return self.__repr__()

    # --- operators ---
    def __and__(self, other: AutomationCondition) -> AndAutomationCondition:
        _check_condition(other, "&")
        return AndAutomationCondition(
            operands=(*_flat(self, AndAutomationCondition), *_flat(other, AndAutomationCondition))
        )

    def __or__(self, other: AutomationCondition) -> OrAutomationCondition:
        _check_condition(other, "|")
        return OrAutomationCondition(
            operands=(*_flat(self, OrAutomationCondition), *_flat(other, OrAutomationCondition))
        )

    def __invert__(self) -> NotAutomationCondition:
        return NotAutomationCondition(operand=self)

    def since(self, reset_condition: AutomationCondition) -> SinceCondition:
        """True from when this becomes true until ``reset_condition`` becomes true."""
        _check_condition(reset_condition, "since")
        return SinceCondition(trigger_condition=self, reset_condition=reset_condition)

    def newly_true(self) -> NewlyTrueCondition:
        """True only on the tick where this changes from false to true."""
        return NewlyTrueCondition(operand=self)

    def since_last_handled(self) -> SinceCondition:
        """True since this became true and the target was not requested/updated since."""
        AC = AutomationCondition
        handled = (AC.newly_requested() | AC.newly_updated() | AC.initial_evaluation()).with_label(
            "handled"
        )
        return self.since(handled)

    # --- leaves ---
    @staticmethod
    def missing() -> AutomationCondition:
        return MissingAutomationCondition()

    @staticmethod
    def run_in_progress() -> AutomationCondition:
        return RunInProgressAutomationCondition()

    @staticmethod
    def backfill_in_progress() -> AutomationCondition:
        return BackfillInProgressAutomationCondition()

    @staticmethod
    def in_progress() -> AutomationCondition:
        AC = AutomationCondition
        return (AC.run_in_progress() | AC.backfill_in_progress()).with_label("in_progress")

    @staticmethod
    def execution_failed() -> AutomationCondition:
        return ExecutionFailedAutomationCondition()

    @staticmethod
    def newly_updated() -> AutomationCondition:
        return NewlyUpdatedCondition()

    @staticmethod
    def newly_requested() -> AutomationCondition:
        return NewlyRequestedCondition()

    @staticmethod
    def initial_evaluation() -> AutomationCondition:
        return InitialEvaluationCondition()

    @staticmethod
    def will_be_requested() -> AutomationCondition:
        return WillBeRequestedCondition()

    @staticmethod
    def executed_with_root_target() -> AutomationCondition:
        return LatestRunExecutedWithRootTargetCondition()

    @staticmethod
    def code_version_changed() -> AutomationCondition:
        return CodeVersionChangedCondition()

    @staticmethod
    def data_version_changed() -> AutomationCondition:
        return DataVersionChangedCondition()

    @staticmethod
    def any_downstream_conditions() -> AutomationCondition:
        return AnyDownstreamConditionsCondition()

    @staticmethod
    def in_latest_time_window(lookback_delta: timedelta | None = None) -> AutomationCondition:
        if lookback_delta is not None and not isinstance(lookback_delta, timedelta):
            raise DagsterInvalidDefinitionError(
                f"in_latest_time_window takes a datetime.timedelta, got {lookback_delta!r}."
            )
        return InLatestTimeWindowCondition(serializable_lookback_timedelta=lookback_delta)

    @staticmethod
    def cron_tick_passed(cron_schedule: str, cron_timezone: str = "UTC") -> AutomationCondition:
        return CronTickPassedCondition(cron_schedule=cron_schedule, cron_timezone=cron_timezone)

    @staticmethod
    def newly_missing() -> AutomationCondition:
        return AutomationCondition.missing().newly_true().with_label("newly_missing")

    # --- dependency and entity scopes ---
    @staticmethod
    def any_deps_match(condition: AutomationCondition) -> AnyDepsCondition:
        _check_condition(condition, "any_deps_match")
        return AnyDepsCondition(operand=condition)

    @staticmethod
    def all_deps_match(condition: AutomationCondition) -> AllDepsCondition:
        _check_condition(condition, "all_deps_match")
        return AllDepsCondition(operand=condition)

    @staticmethod
    def asset_matches(key: Any, condition: AutomationCondition) -> AutomationCondition:
        """True when the asset ``key`` matches ``condition`` (evaluated against that asset)."""
        from dagster_nb._definitions.asset_key import AssetKey

        _check_condition(condition, "asset_matches")
        return EntityMatchesCondition(key=AssetKey.from_coercible(key), operand=condition)

    @staticmethod
    def any_deps_updated() -> AutomationCondition:
        AC = AutomationCondition
        updated = (AC.newly_updated() & ~AC.executed_with_root_target()).with_label(
            "newly_updated_without_root"
        )
        return AC.any_deps_match(updated | AC.will_be_requested()).with_label("any_deps_updated")

    @staticmethod
    def any_deps_missing() -> AutomationCondition:
        AC = AutomationCondition
        return AC.any_deps_match(AC.missing() & ~AC.will_be_requested()).with_label(
            "any_deps_missing"
        )

    @staticmethod
    def any_deps_in_progress() -> AutomationCondition:
        AC = AutomationCondition
        return AC.any_deps_match(AC.in_progress()).with_label("any_deps_in_progress")

    @staticmethod
    def all_deps_updated_since_cron(
        cron_schedule: str, cron_timezone: str = "UTC"
    ) -> AutomationCondition:
        AC = AutomationCondition
        tick = AC.cron_tick_passed(cron_schedule, cron_timezone)
        return AC.all_deps_match(
            AC.newly_updated().since(tick) | AC.will_be_requested()
        ).with_label(f"all_deps_updated_since_cron({cron_schedule}, {cron_timezone})")

    # --- Dagster's composite conditions ---
    @staticmethod
    def eager() -> AutomationCondition:
        """Request when missing or a dependency updated; not while deps are missing or running.

        >>> AutomationCondition.eager().get_label()
        'eager'
        """
        AC = AutomationCondition
        return (
            AC.in_latest_time_window()
            & (AC.newly_missing() | AC.any_deps_updated()).since_last_handled()
            & ~AC.any_deps_missing()
            & ~AC.any_deps_in_progress()
            & ~AC.in_progress()
        ).with_label("eager")

    @staticmethod
    def on_cron(cron_schedule: str, cron_timezone: str = "UTC") -> AutomationCondition:
        """Request once per cron tick, after all dependencies updated since that tick.

        >>> AutomationCondition.on_cron("0 6 * * *").get_label()
        'on_cron(0 6 * * *, UTC)'
        """
        AC = AutomationCondition
        return (
            AC.in_latest_time_window()
            & AC.cron_tick_passed(cron_schedule, cron_timezone).since_last_handled()
            & AC.all_deps_updated_since_cron(cron_schedule, cron_timezone)
        ).with_label(f"on_cron({cron_schedule}, {cron_timezone})")

    @staticmethod
    def on_missing() -> AutomationCondition:
        """Request missing partitions once, when none of the dependencies are missing."""
        AC = AutomationCondition
        return (
            AC.in_latest_time_window()
            & AC.missing()
            .newly_true()
            .since_last_handled()
            .with_label("missing_since_last_handled")
            & ~AC.any_deps_missing()
        ).with_label("on_missing")


def _check_condition(value: Any, where: str) -> None:
    if not isinstance(value, AutomationCondition):
        raise DagsterInvalidDefinitionError(
            f"{where} takes an AutomationCondition, got {type(value).__name__}. Build one with "
            "dg.AutomationCondition.eager(), .on_cron(...), .missing(), ..."
        )


def _flat(c: AutomationCondition, cls: type) -> tuple[AutomationCondition, ...]:
    # Unlabelled nodes of the same operator merge; a label marks a boundary the user named.
    if isinstance(c, cls) and c.label is None:
        return tuple(c.operands)  # type: ignore[attr-defined]
    return (c,)


# --------------------------------------------------------------------------- operators


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class _OperandsCondition(AutomationCondition):
    """An operator over several operands (kept as a tuple)."""

    operands: tuple[AutomationCondition, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "operands", tuple(self.operands))

    @property
    def children(self) -> list[AutomationCondition]:
        return list(self.operands)

    def _map_children(self, fn):
        return dataclasses.replace(self, operands=tuple(fn(c) for c in self.operands))


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AndAutomationCondition(_OperandsCondition):
    """True where all operands are true."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class OrAutomationCondition(_OperandsCondition):
    """True where any operand is true."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class NotAutomationCondition(AutomationCondition):
    """True where the operand is false."""

    operand: AutomationCondition

    @property
    def children(self) -> list[AutomationCondition]:
        return [self.operand]

    def _map_children(self, fn):
        return dataclasses.replace(self, operand=fn(self.operand))


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class NewlyTrueCondition(AutomationCondition):
    """True on the tick where the operand turns from false to true."""

    operand: AutomationCondition

    @property
    def children(self) -> list[AutomationCondition]:
        return [self.operand]

    def _map_children(self, fn):
        return dataclasses.replace(self, operand=fn(self.operand))


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SinceCondition(AutomationCondition):
    """True since ``trigger_condition`` last became true, until ``reset_condition`` does."""

    trigger_condition: AutomationCondition
    reset_condition: AutomationCondition

    @property
    def children(self) -> list[AutomationCondition]:
        return [self.trigger_condition, self.reset_condition]

    def _map_children(self, fn):
        return dataclasses.replace(
            self,
            trigger_condition=fn(self.trigger_condition),
            reset_condition=fn(self.reset_condition),
        )


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class _DepsCondition(AutomationCondition):
    """An operand evaluated over an asset's dependencies (optionally only some of them)."""

    operand: AutomationCondition
    allow_selection: Any = None
    ignore_selection: Any = None
    resolves_virtual_deps: bool = False

    @property
    def children(self) -> list[AutomationCondition]:
        return [self.operand]

    def _map_children(self, fn):
        return dataclasses.replace(self, operand=fn(self.operand))

    def allow(self, selection: Any):
        """Only consider dependencies in ``selection``."""
        sel = selection if self.allow_selection is None else self.allow_selection | selection
        return dataclasses.replace(self, allow_selection=sel)

    def ignore(self, selection: Any):
        """Do not consider dependencies in ``selection``."""
        sel = selection if self.ignore_selection is None else self.ignore_selection | selection
        return dataclasses.replace(self, ignore_selection=sel)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AnyDepsCondition(_DepsCondition):
    """True where any dependency matches the operand (optionally only some dependencies)."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class AllDepsCondition(_DepsCondition):
    """True where every dependency matches the operand."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class EntityMatchesCondition(AutomationCondition):
    """True where the asset ``key`` matches the operand."""

    key: Any
    operand: AutomationCondition

    @property
    def name(self) -> str:
        return self.key.to_user_string()

    @property
    def children(self) -> list[AutomationCondition]:
        return [self.operand]

    def _map_children(self, fn):
        return dataclasses.replace(self, operand=fn(self.operand))


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CronTickPassedCondition(AutomationCondition):
    """True on the first evaluation after a tick of ``cron_schedule``."""

    cron_schedule: str
    cron_timezone: str = "UTC"

    def __post_init__(self) -> None:
        validate_cron_schedule(self.cron_schedule, owner="AutomationCondition cron_schedule")
        if not isinstance(self.cron_schedule, str):
            raise DagsterInvalidDefinitionError("cron_tick_passed takes one cron string.")
        validate_timezone(self.cron_timezone, owner="AutomationCondition", field="cron_timezone")

    @property
    def name(self) -> str:
        return f"cron_tick_passed(cron_schedule={self.cron_schedule}, cron_timezone={self.cron_timezone})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class InLatestTimeWindowCondition(AutomationCondition):
    """True for the latest time partition (or within ``lookback`` of its end)."""

    serializable_lookback_timedelta: timedelta | None = None

    @property
    def lookback_timedelta(self) -> timedelta | None:
        return self.serializable_lookback_timedelta


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RuleCondition(AutomationCondition):
    """An ``AutoMaterializeRule`` as a condition node (from ``AutoMaterializePolicy``)."""

    rule: Any

    @property
    def name(self) -> str:
        return self.rule.description

    @property
    def description(self) -> str:
        return self.rule.description


def _leaf(cls_name: str, doc: str) -> type:
    cls: type = dataclass(frozen=True, slots=True, kw_only=True, repr=False)(
        type(cls_name, (AutomationCondition,), {"__doc__": doc, "__module__": __name__})
    )
    globals()[cls_name] = cls
    __all__.append(cls_name)
    return cls


# Leaves: no fields beyond the label. Class names are Dagster's (they show in repr/str).
MissingAutomationCondition = _leaf(
    "MissingAutomationCondition", "True where the target was never materialized."
)
RunInProgressAutomationCondition = _leaf(
    "RunInProgressAutomationCondition", "True while a run targeting it is in progress."
)
BackfillInProgressAutomationCondition = _leaf(
    "BackfillInProgressAutomationCondition", "True while a backfill targeting it is in progress."
)
ExecutionFailedAutomationCondition = _leaf(
    "ExecutionFailedAutomationCondition", "True where the latest execution failed."
)
NewlyUpdatedCondition = _leaf(
    "NewlyUpdatedCondition", "True where the target was updated since the previous tick."
)
NewlyRequestedCondition = _leaf(
    "NewlyRequestedCondition", "True where the target was requested on the previous tick."
)
InitialEvaluationCondition = _leaf(
    "InitialEvaluationCondition", "True on the first evaluation of a (changed) condition."
)
WillBeRequestedCondition = _leaf(
    "WillBeRequestedCondition", "True where the target will be requested this tick."
)
LatestRunExecutedWithRootTargetCondition = _leaf(
    "LatestRunExecutedWithRootTargetCondition", "True where the latest run also targeted the root."
)
CodeVersionChangedCondition = _leaf(
    "CodeVersionChangedCondition", "True where the code version changed since the previous tick."
)
DataVersionChangedCondition = _leaf(
    "DataVersionChangedCondition", "True where the data version changed since the previous tick."
)
AnyDownstreamConditionsCondition = _leaf(
    "AnyDownstreamConditionsCondition", "True where any downstream condition would request it."
)

_LEAF_NAMES = {
    "AndAutomationCondition": "AND",
    "OrAutomationCondition": "OR",
    "NotAutomationCondition": "NOT",
    "SinceCondition": "SINCE",
    "NewlyTrueCondition": "NEWLY_TRUE",
    "AnyDepsCondition": "ANY_DEPS_MATCH",
    "AllDepsCondition": "ALL_DEPS_MATCH",
    "AnyDownstreamConditionsCondition": "ANY_DOWNSTREAM_CONDITIONS",
    "InLatestTimeWindowCondition": "in_latest_time_window",
    "MissingAutomationCondition": "missing",
    "RunInProgressAutomationCondition": "run_in_progress",
    "BackfillInProgressAutomationCondition": "backfill_in_progress",
    "ExecutionFailedAutomationCondition": "execution_failed",
    "NewlyUpdatedCondition": "newly_updated",
    "NewlyRequestedCondition": "newly_requested",
    "InitialEvaluationCondition": "initial_evaluation",
    "WillBeRequestedCondition": "will_be_requested",
    "LatestRunExecutedWithRootTargetCondition": "executed_with_root_target",
    "CodeVersionChangedCondition": "code_version_changed",
    "DataVersionChangedCondition": "data_version_changed",
}
_DESCRIPTIONS = {
    "AndAutomationCondition": "All of",
    "OrAutomationCondition": "Any of",
    "NotAutomationCondition": "Not",
    "InLatestTimeWindowCondition": "Within latest time window",
    "WillBeRequestedCondition": "Will be requested this tick",
    "AnyDownstreamConditionsCondition": "Any downstream conditions",
}
