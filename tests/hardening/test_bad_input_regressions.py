"""Bad input that used to escape as an internal error (issue #11): each is now one of our
errors, naming the input and the valid form."""

from __future__ import annotations

import zoneinfo

import pytest

import dagster_nb as dg
from dagster_nb._partitions import _cron


def test_unknown_timezone_error_is_a_class_and_get_timezone_is_cached():
    # A class once sat between @lru_cache and get_timezone: `except UnknownTimezoneError`
    # raised TypeError and get_timezone lost its cache.
    assert isinstance(_cron.UnknownTimezoneError, type)
    try:
        dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="Mars/Olympus_Mons")
    except _cron.UnknownTimezoneError as e:
        assert isinstance(e, zoneinfo.ZoneInfoNotFoundError)
        assert isinstance(e, dg.DagsterInvalidDefinitionError)
        assert "Mars/Olympus_Mons" in str(e) and "America/New_York" in str(e)
    else:
        raise AssertionError("an unknown time zone was accepted")
    _cron.get_timezone.cache_clear()
    assert _cron.get_timezone("Europe/Berlin") is _cron.get_timezone("Europe/Berlin")
    assert _cron.get_timezone.cache_info().hits == 1


@pytest.mark.parametrize(
    ("factory", "key"),
    [
        (dg.DailyPartitionsDefinition, "9999-12-31"),
        (dg.WeeklyPartitionsDefinition, "9999-12-31"),
        (dg.MonthlyPartitionsDefinition, "9999-12-31"),
    ],
)
def test_window_past_year_9999_is_an_unknown_partition(factory, key):
    pd = factory(start_date="2024-01-01")
    with pytest.raises(dg.DagsterUnknownPartitionError, match="9999-12-31.*year 9999") as info:
        pd.time_window_for_partition_key(key)
    assert isinstance(info.value, OverflowError)  # what Dagster lets escape, still catchable


def test_last_representable_daily_window_still_works():
    w = dg.DailyPartitionsDefinition(start_date="2024-01-01").time_window_for_partition_key(
        "9999-12-30"
    )
    assert (w.start.isoformat(), w.end.isoformat()) == (
        "9999-12-30T00:00:00+00:00",
        "9999-12-31T00:00:00+00:00",
    )


@pytest.mark.parametrize(
    "text",
    ["(" * 3000 + "a" + ")" * 3000, "not " * 3000 + "a", "(" * 101 + "key:a" + ")" * 101],
)
def test_deeply_nested_selection_is_a_syntax_error_not_recursion(text):
    with pytest.raises(dg.DagsterInvalidAssetSelectionError, match="more than 100 levels") as info:
        dg.AssetSelection.from_string(text)
    message = str(info.value)
    assert f"of {len(text)} characters" in message
    assert len(message) < 600  # a window of the input, not all of it


def test_nesting_up_to_the_limit_parses():
    sel = dg.AssetSelection.from_string("(" * 100 + "key:a" + ")" * 100)
    assert sel == dg.AssetSelection.from_string("key:a")
    assert dg.AssetSelection.from_string("not " * 99 + "key:a") is not None
