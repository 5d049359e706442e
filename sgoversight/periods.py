"""Reporting periods: Board months, ISO weeks and quarters, parsed from the CLI's text forms.

Rules: a month `YYYY-MM` runs from its first to its last calendar day; an ISO week `YYYY-Www`
runs Monday to Sunday (ISO 8601, so week 1 may start in December); a quarter `YYYY-Qn` is the
calendar quarter (Q1 = January to March). Every period is inclusive of both end dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sgoversight.errors import BadInput


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive date range with the label it was asked for by."""

    start: dt.date
    end: dt.date
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def month(year: int, month_number: int) -> Period:
    """The calendar month `year`-`month_number`."""
    last = calendar.monthrange(year, month_number)[1]
    return Period(
        dt.date(year, month_number, 1),
        dt.date(year, month_number, last),
        f"{year:04d}-{month_number:02d}",
    )


def parse_month(text: str) -> Period:
    """Parse `YYYY-MM`; BadInput naming the value otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise BadInput(f"'{text}' is not a month YYYY-MM")
    return month(int(match.group(1)), int(match.group(2)))


def add_months(period: Period, count: int) -> Period:
    """The month `count` months after (negative: before) the month `period` starts in."""
    index = period.start.year * 12 + period.start.month - 1 + count
    return month(index // 12, index % 12 + 1)


def month_of(day: dt.date) -> Period:
    return month(day.year, day.month)


def last_complete_month(today: dt.date) -> Period:
    """The month before the one `today` falls in."""
    return add_months(month_of(today), -1)


def months_window(last: Period, length: int) -> Period:
    """The `length` calendar months ending with month `last` (inclusive), as one period."""
    first = add_months(last, -(length - 1))
    return Period(first.start, last.end, f"{first.label} to {last.label}")


def iso_week(year: int, week: int) -> Period:
    """ISO week `week` of ISO year `year`, Monday to Sunday."""
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise BadInput(f"{year}-W{week:02d} is not an ISO week") from exc
    return Period(monday, monday + dt.timedelta(days=6), f"{year:04d}-W{week:02d}")


def parse_week(text: str) -> Period:
    """Parse `YYYY-Www`; BadInput naming the value otherwise (week 53 only in long ISO years)."""
    match = _WEEK.match(text.strip())
    if not match:
        raise BadInput(f"'{text}' is not an ISO week YYYY-Www")
    return iso_week(int(match.group(1)), int(match.group(2)))


def week_of(day: dt.date) -> Period:
    year, week, _ = day.isocalendar()
    return iso_week(year, week)


def add_weeks(period: Period, count: int) -> Period:
    return week_of(period.start + dt.timedelta(weeks=count))


def last_complete_week(today: dt.date) -> Period:
    """The ISO week before the one `today` falls in."""
    return add_weeks(week_of(today), -1)


def quarter(year: int, number: int) -> Period:
    """Calendar quarter `number` (1-4) of `year`."""
    first_month = 3 * (number - 1) + 1
    start = dt.date(year, first_month, 1)
    end = month(year, first_month + 2).end
    return Period(start, end, f"{year:04d}-Q{number}")


def parse_quarter(text: str) -> Period:
    """Parse `YYYY-Qn`; BadInput naming the value otherwise."""
    match = _QUARTER.match(text.strip())
    if not match:
        raise BadInput(f"'{text}' is not a quarter YYYY-Qn")
    return quarter(int(match.group(1)), int(match.group(2)))


def quarter_of(day: dt.date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def add_quarters(period: Period, count: int) -> Period:
    index = period.start.year * 4 + (period.start.month - 1) // 3 + count
    return quarter(index // 4, index % 4 + 1)


def last_complete_quarter(today: dt.date) -> Period:
    return add_quarters(quarter_of(today), -1)
