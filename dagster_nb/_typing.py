"""Names for type checkers only: imported under ``if TYPE_CHECKING:``, never at run time.

``**kwargs: Unpack[NoExtraKwargs]`` on a public function or constructor keeps a ``**kwargs``
at run time (so an unknown keyword gets our ``TypeError`` with a did-you-mean) while a type
checker sees no extra keywords at all, and reports ``Unexpected keyword argument "grup_name"
for "asset"; did you mean "group_name"?``::

    def asset(compute_fn=None, *, group_name: str | None = None,
              **kwargs: Unpack[NoExtraKwargs]) -> ...: ...

Imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations

from typing_extensions import TypedDict, Unpack

__all__ = ["NoExtraKwargs", "CronScheduleKwarg", "Unpack"]


class NoExtraKwargs(TypedDict):
    """No keyword beyond the named parameters (PEP 692)."""


class CronScheduleKwarg(TypedDict, total=False):
    """The one extra keyword Dagster's Hourly/Daily/Weekly/MonthlyPartitionsDefinition take."""

    cron_schedule: str
