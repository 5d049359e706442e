"""Calendar arithmetic for the demo borough: months and working days."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt

import holidays


def add_months(day: dt.date, count: int) -> dt.date:
    """The same day `count` months later (earlier if negative), capped at the month's end."""
    index = day.year * 12 + day.month - 1 + count
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_start(day: dt.date, count: int = 0) -> dt.date:
    """The first day of the month `count` months after the one `day` falls in."""
    return add_months(day.replace(day=1), count)


class WorkingDays:
    """Working days: Monday to Friday, except England and Wales bank holidays (CONTRACT.md §5)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        years = range(first.year - 1, last.year + 3)
        self.holidays = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))
        # Every working day (as ordinals) from a little before `first` to well after `last`, so
        # that adding is a lookup: enquiries may run many months past the as-of date.
        begin, end = first.toordinal() - 10, last.toordinal() + 800
        self.ordinals = [n for n in range(begin, end) if self.is_working(dt.date.fromordinal(n))]

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, day: dt.date, count: int) -> dt.date:
        """The day `count` working days after `day`; with 0, `day` itself if it is a working day,
        else the next working day."""
        ordinal = day.toordinal()
        if count == 0:
            index = bisect.bisect_left(self.ordinals, ordinal)
        else:
            index = bisect.bisect_right(self.ordinals, ordinal) + count - 1
        return dt.date.fromordinal(self.ordinals[index])
