"""TimeWindow: the [start, end) interval of one time partition."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class TimeWindow(NamedTuple):
    """An interval closed at the start and open at the end (a NamedTuple, as in Dagster).

    >>> import datetime as dt
    >>> w = TimeWindow(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2))
    >>> w.end - w.start
    datetime.timedelta(days=1)
    """

    start: datetime
    end: datetime
