"""Freshness policies: how stale an asset may get before it warns or fails (Dagster 1.13).

    import dagster_nb as dg
    from datetime import timedelta

    spec = dg.AssetSpec("orders", freshness_policy=dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=24), warn_window=timedelta(hours=12)))

``FreshnessPolicy.time_window`` and ``FreshnessPolicy.cron`` build frozen records; the older
``LegacyFreshnessPolicy(maximum_lag_minutes=...)`` is kept for code that still uses it.
:func:`freshness_state` / :func:`freshness_states` (end of this module) compute PASS / WARN /
FAIL / UNKNOWN from the instance's materializations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dagster_nb._automation._common import validate_cron_schedule, validate_timezone
from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dagster_nb._instance import DagsterInstance

__all__ = [
    "FreshnessPolicy",
    "TimeWindowFreshnessPolicy",
    "CronFreshnessPolicy",
    "LegacyFreshnessPolicy",
]


class FreshnessPolicy:
    """Factory for the freshness policies (Dagster's abstract base; build with its methods).

    >>> p = FreshnessPolicy.time_window(fail_window=timedelta(hours=2))
    >>> type(p).__name__, p.fail_window
    ('TimeWindowFreshnessPolicy', datetime.timedelta(seconds=7200))
    """

    @staticmethod
    def time_window(
        fail_window: timedelta, warn_window: timedelta | None = None
    ) -> TimeWindowFreshnessPolicy:
        """Fail when not updated within ``fail_window`` (warn after ``warn_window``)."""
        return TimeWindowFreshnessPolicy(fail_window=fail_window, warn_window=warn_window)

    @staticmethod
    def cron(
        deadline_cron: str, lower_bound_delta: timedelta, timezone: str = "UTC"
    ) -> CronFreshnessPolicy:
        """Fail when not updated between ``deadline - lower_bound_delta`` and each cron deadline."""
        return CronFreshnessPolicy(
            deadline_cron=deadline_cron, lower_bound_delta=lower_bound_delta, timezone=timezone
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeWindowFreshnessPolicy(FreshnessPolicy):
    """Fresh when updated within ``fail_window`` (a warning after ``warn_window``).

    >>> FreshnessPolicy.time_window(fail_window=timedelta(hours=1), warn_window=timedelta(minutes=30)).warn_window
    datetime.timedelta(seconds=1800)
    """

    fail_window: timedelta
    warn_window: timedelta | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.fail_window, timedelta):
            raise DagsterInvalidDefinitionError(
                f"fail_window must be a datetime.timedelta, got {self.fail_window!r}."
            )
        # Dagster's constraints, with its reasons: evaluation is at minute granularity.
        if self.fail_window < timedelta(minutes=1):
            raise DagsterInvalidDefinitionError(
                "Due to Dagster system constraints, fail_window cannot be less than 1 minute"
            )
        if self.warn_window is not None:
            if not isinstance(self.warn_window, timedelta):
                raise DagsterInvalidDefinitionError(
                    f"warn_window must be a datetime.timedelta, got {self.warn_window!r}."
                )
            if self.warn_window < timedelta(minutes=1):
                raise DagsterInvalidDefinitionError(
                    "Due to Dagster system constraints, warn_window cannot be less than 1 minute"
                )
            if self.warn_window >= self.fail_window:
                raise DagsterInvalidDefinitionError("warn_window must be less than fail_window")


@dataclass(frozen=True, slots=True, kw_only=True)
class CronFreshnessPolicy(FreshnessPolicy):
    """Fresh when updated in the ``lower_bound_delta`` before each ``deadline_cron`` tick.

    >>> FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=1)).timezone
    'UTC'
    """

    deadline_cron: str
    lower_bound_delta: timedelta
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not isinstance(self.deadline_cron, str):
            raise DagsterInvalidDefinitionError(
                f"deadline_cron must be one cron string, got {self.deadline_cron!r}."
            )
        validate_cron_schedule(self.deadline_cron, owner="FreshnessPolicy.cron deadline_cron")
        validate_timezone(self.timezone, owner="FreshnessPolicy.cron", field="timezone")
        if not isinstance(self.lower_bound_delta, timedelta):
            raise DagsterInvalidDefinitionError(
                f"lower_bound_delta must be a datetime.timedelta, got {self.lower_bound_delta!r}."
            )
        if self.lower_bound_delta < timedelta(minutes=1):
            raise DagsterInvalidDefinitionError(
                "Due to Dagster system constraints, lower_bound_delta cannot be less than 1 minute"
            )
        smallest = _smallest_cron_interval(self.deadline_cron)
        if smallest is not None and self.lower_bound_delta > smallest:
            raise DagsterInvalidDefinitionError(
                "lower_bound_delta must be less than or equal to the smallest cron interval of "
                f"({smallest.total_seconds()} seconds for deadline_cron {self.deadline_cron}). "
                f"Provided lower_bound_delta is {self.lower_bound_delta.total_seconds()} seconds"
            )


def _smallest_cron_interval(cron: str) -> timedelta | None:
    # Sample a year of ticks: enough to see the shortest gap of any standard 5-field cron.
    from datetime import datetime, timezone

    from croniter import croniter

    it = croniter(cron, datetime(2024, 1, 1, tzinfo=timezone.utc))
    prev = it.get_next(datetime)
    best: timedelta | None = None
    for _ in range(400):
        nxt = it.get_next(datetime)
        gap = nxt - prev
        best = gap if best is None or gap < best else best
        prev = nxt
    return best


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyFreshnessPolicy:
    """Dagster's older freshness policy: at most ``maximum_lag_minutes`` behind its upstreams,
    checked at ``cron_schedule`` ticks when one is given.

    >>> LegacyFreshnessPolicy(maximum_lag_minutes=30)
    LegacyFreshnessPolicy(maximum_lag_minutes=30.0, cron_schedule=None, cron_schedule_timezone=None)
    """

    maximum_lag_minutes: float
    cron_schedule: str | None = None
    cron_schedule_timezone: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.maximum_lag_minutes, bool) or not isinstance(
            self.maximum_lag_minutes, (int, float)
        ):
            raise DagsterInvalidDefinitionError(
                f"maximum_lag_minutes must be a number, got {self.maximum_lag_minutes!r}."
            )
        object.__setattr__(self, "maximum_lag_minutes", float(self.maximum_lag_minutes))
        if self.cron_schedule is not None:
            if not isinstance(self.cron_schedule, str):
                raise DagsterInvalidDefinitionError(
                    f"Invalid cron schedule {self.cron_schedule!r}: expected one cron string."
                )
            validate_cron_schedule(self.cron_schedule, owner="LegacyFreshnessPolicy")
        validate_timezone(
            self.cron_schedule_timezone,
            owner="LegacyFreshnessPolicy",
            field="cron_schedule_timezone",
        )

    @property
    def maximum_lag_delta(self) -> timedelta:
        return timedelta(minutes=self.maximum_lag_minutes)

    def _replace(self, **kwargs: Any) -> LegacyFreshnessPolicy:
        from dataclasses import replace

        return replace(self, **kwargs)


# --------------------------------------------------------------------------- evaluation

PASS, WARN, FAIL, UNKNOWN, NOT_APPLICABLE = "PASS", "WARN", "FAIL", "UNKNOWN", "NOT_APPLICABLE"


def freshness_state(policy: Any, last_materialization_ts: float | None, now_ts: float) -> str:
    """PASS / WARN / FAIL / UNKNOWN (never materialized) of one asset, as Dagster's evaluators:
    a time window fails once ``fail_window`` has passed since the last materialization (warns
    after ``warn_window``); a cron policy passes when the last materialization is at or after the
    start of the latest completed window, ``[tick - lower_bound_delta, tick]``.

    >>> freshness_state(FreshnessPolicy.time_window(fail_window=timedelta(hours=2),
    ...                 warn_window=timedelta(hours=1)), 0.0, 5400.0)
    'WARN'
    """
    if policy is None:
        return NOT_APPLICABLE
    if last_materialization_ts is None:
        return UNKNOWN
    if isinstance(policy, TimeWindowFreshnessPolicy):
        age = now_ts - last_materialization_ts
        if age >= policy.fail_window.total_seconds():
            return FAIL
        if (
            policy.warn_window is not None
            and policy.warn_window.total_seconds()
            and age >= policy.warn_window.total_seconds()
        ):
            return WARN
        return PASS
    if isinstance(policy, CronFreshnessPolicy):
        from dagster_nb._partitions._cron import CronTicks

        tick = CronTicks(policy.deadline_cron, policy.timezone).prev_le(now_ts).timestamp()
        start = tick - policy.lower_bound_delta.total_seconds()
        return PASS if last_materialization_ts >= start else FAIL
    raise DagsterInvalidDefinitionError(
        f"Cannot evaluate freshness for {type(policy).__name__}; use FreshnessPolicy.time_window "
        "or FreshnessPolicy.cron (LegacyFreshnessPolicy is not evaluated)."
    )


def freshness_states(
    defs: Any, instance: DagsterInstance, now_ts: float | None = None
) -> dict[Any, str]:
    """Every asset of ``defs`` with a ``freshness_policy``: key -> its freshness state now
    (from the instance's latest materializations, read in one query)."""
    import time

    now_ts = time.time() if now_ts is None else now_ts
    policies = {}
    for ad in defs.resolved.assets_defs:
        for k, spec in getattr(ad, "specs_by_key", {}).items():
            p = getattr(spec, "freshness_policy", None)
            if p is not None:
                policies[k] = p
    if not policies:
        return {}
    status = instance.get_status_by_asset_key(list(policies))
    out = {}
    for k, p in policies.items():
        r = status.get(k)
        out[k] = freshness_state(
            p, r.last_materialization_timestamp if r is not None else None, now_ts
        )
    return out
