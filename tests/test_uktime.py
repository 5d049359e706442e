"""Times people read are UK time: GMT in winter, BST in summer, labelled with the zone."""

from __future__ import annotations

import datetime as dt

from sgoversight import uktime


def test_summer_times_are_bst_an_hour_ahead_of_the_stored_utc() -> None:
    stored = dt.datetime(2026, 7, 24, 8, 30, 5)  # naive UTC, as the database holds it
    assert uktime.stamp(stored) == "2026-07-24 09:30:05 BST"
    assert uktime.clock(stored) == "09:30 BST on 24 July 2026"
    assert uktime.naive_uk(stored) == dt.datetime(2026, 7, 24, 9, 30, 5)


def test_winter_times_are_gmt() -> None:
    assert uktime.stamp(dt.datetime(2026, 11, 24, 14, 5)) == "2026-11-24 14:05:00 GMT"
    assert uktime.zone(dt.datetime(2026, 11, 24, 14, 5)) == "GMT"


def test_the_clocks_going_forward_and_back() -> None:
    assert uktime.stamp(dt.datetime(2026, 3, 29, 0, 59)) == "2026-03-29 00:59:00 GMT"
    assert uktime.stamp(dt.datetime(2026, 3, 29, 1, 0)) == "2026-03-29 02:00:00 BST"
    assert uktime.stamp(dt.datetime(2026, 10, 25, 0, 30)) == "2026-10-25 01:30:00 BST"
    assert uktime.stamp(dt.datetime(2026, 10, 25, 1, 30)) == "2026-10-25 01:30:00 GMT"


def test_a_uk_day_starts_at_london_midnight() -> None:
    assert uktime.day_start_utc(dt.date(2026, 7, 15)) == dt.datetime(2026, 7, 14, 23, 0)
    assert uktime.day_start_utc(dt.date(2026, 12, 1)) == dt.datetime(2026, 12, 1, 0, 0)


def test_an_aware_time_is_converted_not_relabelled() -> None:
    aware = dt.datetime(2026, 7, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert uktime.stamp(aware) == "2026-07-24 09:00:00 BST"
