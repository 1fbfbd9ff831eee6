"""``AutoMaterializePolicy`` and ``AutoMaterializeRule``: Dagster's older, rule-based automation.

    import dagster_nb as dg

    policy = dg.AutoMaterializePolicy.eager().with_rules(
        dg.AutoMaterializeRule.materialize_on_cron("0 6 * * *"),
    )
    @dg.asset(auto_materialize_policy=policy)
    def orders(): ...

Rules are frozen records with Dagster's class names, fields and descriptions (the policy
compares, and converts with ``to_automation_condition()``, as Dagster's does). The evaluator
(:mod:`dagster_nb._automation.evaluator`) evaluates each rule through an equivalent condition.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import Enum
from typing import Any, ClassVar

from dagster_nb._automation._common import validate_cron_schedule, validate_timezone
from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = [
    "AutoMaterializeDecisionType",
    "AutoMaterializePolicyType",
    "AutoMaterializeRule",
    "AutoMaterializePolicy",
]


class AutoMaterializeDecisionType(Enum):
    """What a rule votes for: materialize, skip, or discard (rate limit)."""

    MATERIALIZE = "MATERIALIZE"
    SKIP = "SKIP"
    DISCARD = "DISCARD"


class AutoMaterializePolicyType(Enum):
    EAGER = "EAGER"
    LAZY = "LAZY"


@dataclass(frozen=True, slots=True)
class AutoMaterializeRule:
    """Base of the rules; the static methods are Dagster's factories.

    >>> AutoMaterializeRule.materialize_on_missing()
    MaterializeOnMissingRule()
    >>> AutoMaterializeRule.skip_on_parent_missing().decision_type.value
    'SKIP'
    """

    decision_type: ClassVar[AutoMaterializeDecisionType] = AutoMaterializeDecisionType.MATERIALIZE

    @property
    def description(self) -> str:
        raise NotImplementedError

    def to_asset_condition(self) -> Any:
        """This rule as a condition node (``RuleCondition(rule=...)``), as in Dagster."""
        from dagster_nb._automation.conditions import RuleCondition

        return RuleCondition(rule=self)

    @staticmethod
    def materialize_on_missing() -> MaterializeOnMissingRule:
        return MaterializeOnMissingRule()

    @staticmethod
    def materialize_on_parent_updated(
        updated_parent_filter: Any = None,
    ) -> MaterializeOnParentUpdatedRule:
        return MaterializeOnParentUpdatedRule(updated_parent_filter=updated_parent_filter)

    @staticmethod
    def materialize_on_required_for_freshness() -> MaterializeOnRequiredForFreshnessRule:
        return MaterializeOnRequiredForFreshnessRule()

    @staticmethod
    def materialize_on_cron(
        cron_schedule: str, timezone: str = "UTC", all_partitions: bool = False
    ) -> MaterializeOnCronRule:
        return MaterializeOnCronRule(
            cron_schedule=cron_schedule, timezone=timezone, all_partitions=all_partitions
        )

    @staticmethod
    def skip_on_parent_outdated() -> SkipOnParentOutdatedRule:
        return SkipOnParentOutdatedRule()

    @staticmethod
    def skip_on_parent_missing() -> SkipOnParentMissingRule:
        return SkipOnParentMissingRule()

    @staticmethod
    def skip_on_not_all_parents_updated(
        require_update_for_all_parent_partitions: bool = False,
    ) -> SkipOnNotAllParentsUpdatedRule:
        return SkipOnNotAllParentsUpdatedRule(require_update_for_all_parent_partitions)

    @staticmethod
    def skip_on_not_all_parents_updated_since_cron(
        cron_schedule: str, timezone: str = "UTC"
    ) -> SkipOnNotAllParentsUpdatedSinceCronRule:
        return SkipOnNotAllParentsUpdatedSinceCronRule(
            cron_schedule=cron_schedule, timezone=timezone
        )

    @staticmethod
    def skip_on_required_but_nonexistent_parents() -> SkipOnRequiredButNonexistentParentsRule:
        return SkipOnRequiredButNonexistentParentsRule()

    @staticmethod
    def skip_on_backfill_in_progress(all_partitions: bool = False) -> SkipOnBackfillInProgressRule:
        return SkipOnBackfillInProgressRule(all_partitions=all_partitions)

    @staticmethod
    def skip_on_run_in_progress() -> SkipOnRunInProgressRule:
        return SkipOnRunInProgressRule()


_M, _S, _D = (
    AutoMaterializeDecisionType.MATERIALIZE,
    AutoMaterializeDecisionType.SKIP,
    AutoMaterializeDecisionType.DISCARD,
)


@dataclass(frozen=True, slots=True)
class MaterializeOnMissingRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _M

    @property
    def description(self) -> str:
        return "materialization is missing"


@dataclass(frozen=True, slots=True)
class MaterializeOnParentUpdatedRule(AutoMaterializeRule):
    updated_parent_filter: Any = None
    decision_type: ClassVar[AutoMaterializeDecisionType] = _M

    @property
    def description(self) -> str:
        return "upstream data has changed since latest materialization"


@dataclass(frozen=True, slots=True)
class MaterializeOnRequiredForFreshnessRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _M

    @property
    def description(self) -> str:
        return "required to meet this or downstream asset's freshness policy"


@dataclass(frozen=True, slots=True)
class MaterializeOnCronRule(AutoMaterializeRule):
    cron_schedule: str
    timezone: str = "UTC"
    all_partitions: bool = False
    decision_type: ClassVar[AutoMaterializeDecisionType] = _M

    def __post_init__(self) -> None:
        _check_cron(self.cron_schedule, self.timezone, "materialize_on_cron")

    @property
    def description(self) -> str:
        return (
            f"not materialized since last cron schedule tick of '{self.cron_schedule}' "
            f"(timezone: {self.timezone})"
        )


@dataclass(frozen=True, slots=True)
class SkipOnParentOutdatedRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        return "waiting on upstream data to be up to date"


@dataclass(frozen=True, slots=True)
class SkipOnParentMissingRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        return "waiting on upstream data to be present"


@dataclass(frozen=True, slots=True)
class SkipOnNotAllParentsUpdatedRule(AutoMaterializeRule):
    require_update_for_all_parent_partitions: bool = False
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        if self.require_update_for_all_parent_partitions:
            return "waiting until all upstream partitions are updated"
        return "waiting on upstream data to be updated"


@dataclass(frozen=True, slots=True)
class SkipOnNotAllParentsUpdatedSinceCronRule(AutoMaterializeRule):
    cron_schedule: str
    timezone: str = "UTC"
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    def __post_init__(self) -> None:
        _check_cron(self.cron_schedule, self.timezone, "skip_on_not_all_parents_updated_since_cron")

    @property
    def description(self) -> str:
        return (
            "waiting until all upstream assets have updated since the last cron schedule tick "
            f"of '{self.cron_schedule}' (timezone: {self.timezone})"
        )


@dataclass(frozen=True, slots=True)
class SkipOnRequiredButNonexistentParentsRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        return "required parent partitions do not exist"


@dataclass(frozen=True, slots=True)
class SkipOnBackfillInProgressRule(AutoMaterializeRule):
    all_partitions: bool = False
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        if self.all_partitions:
            return "part of an asset targeted by an in-progress backfill"
        return "targeted by an in-progress backfill"


@dataclass(frozen=True, slots=True)
class SkipOnRunInProgressRule(AutoMaterializeRule):
    decision_type: ClassVar[AutoMaterializeDecisionType] = _S

    @property
    def description(self) -> str:
        return "in-progress run for asset"


@dataclass(frozen=True, slots=True)
class DiscardOnMaxMaterializationsExceededRule(AutoMaterializeRule):
    limit: int
    decision_type: ClassVar[AutoMaterializeDecisionType] = _D

    @property
    def description(self) -> str:
        return f"exceeds {self.limit} materialization(s) per minute"


def _check_cron(cron: Any, tz: str, where: str) -> None:
    if not isinstance(cron, str):
        raise DagsterInvalidDefinitionError(f"{where} takes one cron string, got {cron!r}.")
    validate_cron_schedule(cron, owner=where)
    validate_timezone(tz, owner=where, field="timezone")


@dataclass(frozen=True, slots=True)
class AutoMaterializePolicy:
    """A set of rules deciding when an asset is auto-materialized (Dagster's legacy API).

    >>> p = AutoMaterializePolicy.eager()
    >>> AutoMaterializeRule.materialize_on_parent_updated() in p.rules, p.policy_type.value
    (True, 'EAGER')
    >>> AutoMaterializePolicy.lazy().policy_type.value
    'LAZY'
    """

    rules: frozenset[AutoMaterializeRule] = frozenset()
    max_materializations_per_minute: int | None = 1
    asset_condition: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", frozenset(self.rules))
        for r in self.rules:
            if not isinstance(r, AutoMaterializeRule):
                raise DagsterInvalidDefinitionError(
                    f"AutoMaterializePolicy rules must be AutoMaterializeRule objects, got {r!r}."
                )
        m = self.max_materializations_per_minute
        if m is not None and (not isinstance(m, int) or m <= 0):
            raise DagsterInvalidDefinitionError(
                "max_materializations_per_minute must be positive. To disable rate-limiting, set "
                "it to None. To disable auto materializing, remove the policy."
            )
        if bool(self.rules) == bool(self.asset_condition):
            raise DagsterInvalidDefinitionError(
                "Must specify exactly one of `rules` or `asset_condition`."
            )

    @staticmethod
    def eager(max_materializations_per_minute: int | None = 1) -> AutoMaterializePolicy:
        """Materialize when missing or when a parent updated, skipping on missing/outdated parents."""
        R = AutoMaterializeRule
        return AutoMaterializePolicy(
            rules=frozenset(
                {
                    R.materialize_on_missing(),
                    R.materialize_on_parent_updated(),
                    R.materialize_on_required_for_freshness(),
                    R.skip_on_parent_outdated(),
                    R.skip_on_parent_missing(),
                    R.skip_on_required_but_nonexistent_parents(),
                    R.skip_on_backfill_in_progress(),
                }
            ),
            max_materializations_per_minute=max_materializations_per_minute,
        )

    @staticmethod
    def lazy(max_materializations_per_minute: int | None = 1) -> AutoMaterializePolicy:
        """Materialize only when required for freshness (deprecated in Dagster)."""
        R = AutoMaterializeRule
        return AutoMaterializePolicy(
            rules=frozenset(
                {
                    R.materialize_on_required_for_freshness(),
                    R.skip_on_parent_outdated(),
                    R.skip_on_parent_missing(),
                    R.skip_on_required_but_nonexistent_parents(),
                    R.skip_on_backfill_in_progress(),
                }
            ),
            max_materializations_per_minute=max_materializations_per_minute,
        )

    @staticmethod
    def from_automation_condition(automation_condition: Any) -> AutoMaterializePolicy:
        return AutoMaterializePolicy(
            rules=frozenset(),
            max_materializations_per_minute=None,
            asset_condition=automation_condition,
        )

    @property
    def materialize_rules(self) -> frozenset[AutoMaterializeRule]:
        return frozenset(r for r in self.rules if r.decision_type == _M)

    @property
    def skip_rules(self) -> frozenset[AutoMaterializeRule]:
        return frozenset(r for r in self.rules if r.decision_type == _S)

    @property
    def policy_type(self) -> AutoMaterializePolicyType:
        if AutoMaterializeRule.materialize_on_parent_updated() in self.rules:
            return AutoMaterializePolicyType.EAGER
        return AutoMaterializePolicyType.LAZY

    def with_rules(self, *rules_to_add: AutoMaterializeRule) -> AutoMaterializePolicy:
        """A copy with these rules added; a rule of the same class already present is replaced."""
        new_types = {type(r) for r in rules_to_add}
        kept = {r for r in self.rules if type(r) not in new_types}
        return dataclasses.replace(self, rules=frozenset(rules_to_add) | kept)

    def without_rules(self, *rules_to_remove: AutoMaterializeRule) -> AutoMaterializePolicy:
        """A copy without these rules; removing a rule the policy does not have raises."""
        missing = [r for r in rules_to_remove if r not in self.rules]
        if missing:
            raise DagsterInvalidDefinitionError(f"Rules {missing} do not exist in this policy.")
        return dataclasses.replace(self, rules=self.rules - set(rules_to_remove))

    def to_automation_condition(self) -> Any:
        """``(m1 | ... | mn) & ~(s1 | ... | sn) [& ~discard]``, rules ordered by description."""
        from dagster_nb._automation.conditions import (
            AndAutomationCondition,
            NotAutomationCondition,
            OrAutomationCondition,
        )

        if self.asset_condition is not None:
            return self.asset_condition

        def by_desc(rules: Iterable[AutoMaterializeRule]) -> tuple[Any, ...]:
            return tuple(r.to_asset_condition() for r in sorted(rules, key=lambda r: r.description))

        children: list[Any] = [
            OrAutomationCondition(operands=by_desc(self.materialize_rules)),
            NotAutomationCondition(
                operand=OrAutomationCondition(operands=by_desc(self.skip_rules))
            ),
        ]
        if self.max_materializations_per_minute:
            discard = DiscardOnMaxMaterializationsExceededRule(self.max_materializations_per_minute)
            children.append(NotAutomationCondition(operand=discard.to_asset_condition()))
        return AndAutomationCondition(operands=tuple(children))
