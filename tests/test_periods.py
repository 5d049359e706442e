"""Reporting periods: months, ISO weeks across a year end, quarters."""

from __future__ import annotations

import datetime as dt

import pytest

from sgoversight import periods
from sgoversight.errors import BadInput


def test_month_has_first_and_last_day() -> None:
    feb = periods.parse_month("2024-02")
    assert (feb.start, feb.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_three_month_window_ends_with_board_month() -> None:
    window = periods.months_window(periods.parse_month("2026-02"), 3)
    assert (window.start, window.end) == (dt.date(2025, 12, 1), dt.date(2026, 2, 28))


def test_iso_week_across_year_end() -> None:
    week = periods.parse_week("2026-W01")
    assert (week.start, week.end) == (
        dt.date(2025, 12, 29),
        dt.date(2026, 1, 4),
    )
    assert periods.week_of(dt.date(2027, 1, 3)).label == "2026-W53"


def test_sunday_night_and_monday_morning_are_different_weeks() -> None:
    assert periods.week_of(dt.date(2026, 11, 22)).label == "2026-W47"
    assert periods.week_of(dt.date(2026, 11, 23)).label == "2026-W48"


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "", "2026-00"])
def test_bad_month_is_refused(text: str) -> None:
    with pytest.raises(BadInput):
        periods.parse_month(text)


@pytest.mark.parametrize("text", ["2025-W53", "2026-W54", "2026-W00", "2026W01"])
def test_bad_week_is_refused(text: str) -> None:
    with pytest.raises(BadInput):
        periods.parse_week(text)


def test_quarters_and_last_complete() -> None:
    q = periods.parse_quarter("2026-q4")
    assert (q.start, q.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert periods.last_complete_quarter(dt.date(2026, 1, 15)).label == "2025-Q4"
    assert periods.add_quarters(q, -8).label == "2024-Q4"
    assert periods.last_complete_month(dt.date(2026, 1, 1)).label == "2025-12"
