"""Working days: weekends and England and Wales bank holidays excluded (CONTRACT.md section 5).

2026: Good Friday 3 April, Easter Monday 6 April, late summer bank holiday Monday 31 August,
Christmas Day Friday 25 December, Boxing Day Saturday 26 December (substitute Monday 28 December).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgoversight.workdays import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_after,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "day",
    [
        "2026-01-01",  # New Year's Day
        "2026-04-03",  # Good Friday
        "2026-04-06",  # Easter Monday
        "2026-05-04",  # early May
        "2026-05-25",  # spring
        "2026-08-31",  # late summer
        "2026-12-25",  # Christmas Day
        "2026-12-28",  # Boxing Day (substitute day)
        "2027-12-27",  # Christmas Day (substitute day)
        "2027-12-28",  # Boxing Day (substitute day)
        "2022-01-03",  # New Year's Day (substitute day)
        "2022-09-19",  # State Funeral of Queen Elizabeth II
    ],
)
def test_bank_holidays_are_not_working_days(day: str) -> None:
    assert D(day) in bank_holidays()
    assert not is_working_day(D(day))


def test_scottish_only_holidays_are_working_days() -> None:
    assert is_working_day(D("2026-01-02"))  # 2 January is a bank holiday in Scotland only
    assert is_working_day(D("2026-11-30"))  # St Andrew's Day, Scotland only


def test_calendar_covers_every_year_the_data_can_hold() -> None:
    years = {day.year for day in bank_holidays()}
    assert set(range(2000, 2051)) <= years
    for year in range(2000, 2051):
        assert sum(day.year == year for day in bank_holidays()) >= 8


def test_weekends_are_not_working_days() -> None:
    assert is_working_day(D("2026-08-28"))  # Friday
    assert not is_working_day(D("2026-08-29"))  # Saturday
    assert not is_working_day(D("2026-08-30"))  # Sunday


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-06-10", "2026-06-10", 0),  # same day
        ("2026-06-12", "2026-06-15", 1),  # Friday to Monday
        ("2026-06-12", "2026-06-16", 2),  # Friday to Tuesday
        ("2026-06-13", "2026-06-15", 1),  # Saturday to Monday
        ("2026-06-13", "2026-06-14", 0),  # Saturday to Sunday
        ("2026-08-28", "2026-08-31", 0),  # Friday to bank holiday Monday
        ("2026-08-28", "2026-09-01", 1),  # Friday to Tuesday after the bank holiday
        ("2026-12-24", "2026-12-29", 1),  # Christmas: Fri 25, Sat 26, Sun 27, Mon 28 all off
        ("2026-12-24", "2026-12-28", 0),
        ("2026-04-02", "2026-04-07", 1),  # Easter: Good Friday and Easter Monday off
        ("2026-04-02", "2026-04-06", 0),
        ("2026-06-01", "2026-06-29", 20),  # four whole weeks
        ("2026-06-15", "2026-06-12", -1),  # backwards: Monday to the Friday before
    ],
)
def test_working_days_after(start: str, end: str, expected: int) -> None:
    assert working_days_after(D(start), D(end)) == expected


def test_timestamps_are_read_as_their_day() -> None:
    assert working_days_after(pd.Timestamp("2026-08-28"), pd.Timestamp("2026-09-01")) == 1


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-06-10", 0, "2026-06-10"),
        ("2026-06-12", 1, "2026-06-15"),  # Friday + 1 = Monday
        ("2026-06-13", 1, "2026-06-15"),  # Saturday + 1 = Monday
        ("2026-08-28", 1, "2026-09-01"),  # over the bank holiday Monday
        ("2026-12-24", 1, "2026-12-29"),
        ("2026-04-02", 1, "2026-04-07"),
        ("2026-06-01", 20, "2026-06-29"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert add_working_days(D(start), n) == D(expected)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(D("2026-06-10"), -1)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2049, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_add_working_days_is_the_earliest_day_that_many_working_days_after(
    start: dt.date, n: int
) -> None:
    day = add_working_days(start, n)
    assert working_days_after(start, day) == n
    if n > 0:
        assert working_days_after(start, day - dt.timedelta(days=1)) == n - 1


def test_days_outside_the_known_bank_holidays_are_refused() -> None:
    with pytest.raises(ValueError, match="working days are known only"):
        working_days_after(D("2101-01-03"), D("2101-01-05"))
    with pytest.raises(ValueError, match="working days are known only"):
        working_days_after(D("1850-01-01"), D("1850-01-02"))
