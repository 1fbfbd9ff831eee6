"""Retry and backfill policies.

>>> RetryPolicy(max_retries=2, delay=0.5, backoff=Backoff.EXPONENTIAL).calculate_delay(2)
1.5
"""

from __future__ import annotations

import random
from enum import Enum

from dagster_nb._dataclass import dataclass
from dagster_nb._errors import DagsterInvalidDefinitionError

__all__ = ["Backoff", "Jitter", "RetryPolicy", "BackfillPolicy", "BackfillPolicyType"]


class Backoff(Enum):
    """How the delay grows between retries."""

    LINEAR = "LINEAR"
    EXPONENTIAL = "EXPONENTIAL"


class Jitter(Enum):
    """Randomness added to the delay: FULL (0..delay) or PLUS_MINUS (delay +/- delay)."""

    FULL = "FULL"
    PLUS_MINUS = "PLUS_MINUS"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry a failing asset or op: ``@asset(retry_policy=RetryPolicy(max_retries=3))``."""

    max_retries: int = 1
    delay: float | None = None
    backoff: Backoff | None = None
    jitter: Jitter | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise DagsterInvalidDefinitionError(
                f"RetryPolicy max_retries must be a non-negative int, got {self.max_retries!r}."
            )
        if self.delay is not None and self.delay < 0:
            raise DagsterInvalidDefinitionError("RetryPolicy delay must be >= 0 seconds.")
        if (self.backoff or self.jitter) and self.delay is None:
            raise DagsterInvalidDefinitionError(
                "RetryPolicy: backoff and jitter need a delay; pass delay=<seconds>."
            )

    def calculate_delay(self, attempt_num: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry ``attempt_num`` (1-based), computed as Dagster does."""
        base = float(self.delay or 0)
        if self.backoff is Backoff.EXPONENTIAL:
            d = ((2**attempt_num) - 1) * base
        elif self.backoff is Backoff.LINEAR:
            d = base * attempt_num
        else:
            d = base
        r = (rng or random).random
        if self.jitter is Jitter.FULL:
            d = r() * d
        elif self.jitter is Jitter.PLUS_MINUS:
            d = d + (2 * (r() * base)) - base
        return max(0.0, d)


class BackfillPolicyType(Enum):
    SINGLE_RUN = "SINGLE_RUN"
    MULTI_RUN = "MULTI_RUN"


@dataclass(frozen=True, slots=True)
class BackfillPolicy:
    """How a range of partitions is run: ``BackfillPolicy.single_run()`` (one run for the whole
    range) or ``BackfillPolicy.multi_run(max_partitions_per_run=1)`` (one run per chunk)."""

    max_partitions_per_run: int | None = 1

    @staticmethod
    def single_run() -> BackfillPolicy:
        return BackfillPolicy(max_partitions_per_run=None)

    @staticmethod
    def multi_run(max_partitions_per_run: int = 1) -> BackfillPolicy:
        if max_partitions_per_run < 1:
            raise DagsterInvalidDefinitionError("max_partitions_per_run must be at least 1.")
        return BackfillPolicy(max_partitions_per_run=max_partitions_per_run)

    @property
    def policy_type(self) -> BackfillPolicyType:
        if self.max_partitions_per_run is None:
            return BackfillPolicyType.SINGLE_RUN
        return BackfillPolicyType.MULTI_RUN
