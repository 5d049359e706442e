"""Working days: Monday to Friday except England and Wales bank holidays (CONTRACT.md section 5).

Rules:
- A working day is a Monday to Friday that is not an England and Wales bank holiday, as listed by
  the `holidays` package (`country_holidays("GB", subdiv="ENG")`: Easter Monday, the early May,
  spring and late summer bank holidays, and the substitute days when Christmas Day, Boxing Day or
  New Year's Day fall at a weekend are all included, as are one-off days such as the 2022 State
  Funeral).
- `working_days_after(start, end)` counts the working days after `start` up to and including
  `end`: the same day is 0, Friday to Monday is 1, Friday to the Tuesday after a bank holiday
  Monday is 1. Whether `start` itself is a working day does not matter. When `end` is before
  `start` the count is negative (the working days after `end` up to and including `start`, negated).
- `add_working_days(start, n)` is the earliest day `d` with `working_days_after(start, d) == n`.

There is one definition: `working_day_number(day)`, the number of working days from 1 January of
year 1 up to and including `day` (weekdays counted arithmetically, weekday bank holidays found by
bisection). Every count is a difference of two such numbers, in plain Python, so nothing here loads
pandas or numpy. The calendar covers every year the `holidays` package
knows England's bank holidays for (1872 to 2100 in version 0.109); a date outside that range
raises ValueError rather than being counted as if it had no bank holidays.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import lru_cache

import holidays

COUNTRY = "GB"
SUBDIVISION = "ENG"  # England; Wales has the same bank holidays.
_SATURDAY = 5
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()


@lru_cache(maxsize=1)
def _supported_years() -> tuple[int, int]:
    calendar = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION)
    return int(calendar.start_year), int(calendar.end_year)


@lru_cache(maxsize=1)
def bank_holidays() -> tuple[dt.date, ...]:
    """Every England and Wales bank holiday the `holidays` package knows, in date order."""
    first, last = _supported_years()
    calendar = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=range(first, last + 1))
    return tuple(sorted(calendar))


@lru_cache(maxsize=1)
def _weekday_holiday_ordinals() -> tuple[int, ...]:
    """The bank holidays that fall Monday to Friday, as date ordinals in order."""
    return tuple(day.toordinal() for day in bank_holidays() if day.weekday() < _SATURDAY)


@lru_cache(maxsize=1)
def _holiday_set() -> frozenset[dt.date]:
    return frozenset(bank_holidays())


@lru_cache(maxsize=1)
def _known_ordinals() -> tuple[int, int]:
    first, last = _supported_years()
    return dt.date(first, 1, 1).toordinal(), dt.date(last, 12, 31).toordinal()


def _check_range(ordinal: int) -> None:
    low, high = _known_ordinals()
    if not low <= ordinal <= high:
        raise ValueError(
            f"working days are known only from {dt.date.fromordinal(low)} to "
            f"{dt.date.fromordinal(high)} "
            f"(England and Wales bank holidays in holidays {holidays.__version__})"
        )


def _number(ordinal: int) -> int:
    """The one definition: working days from 1 January of year 1 (a Monday, ordinal 1) up to
    and including the day of `ordinal`."""
    _check_range(ordinal)
    weeks, days = divmod(ordinal, 7)
    weekdays = weeks * 5 + min(days, 5)
    return weekdays - bisect.bisect_right(_weekday_holiday_ordinals(), ordinal)


def working_day_number(day: dt.date) -> int:
    """Working days from 1 January of year 1 up to and including `day`; a weekend or bank holiday
    has the number of the working day before it."""
    return _number(_as_date(day).toordinal())


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a Monday to Friday that is not a bank holiday."""
    day = _as_date(day)
    _check_range(day.toordinal())
    return day.weekday() < _SATURDAY and day not in _holiday_set()


def working_days_after(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (same day 0, Friday to Monday 1)."""
    return working_day_number(end) - working_day_number(start)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The earliest day that is `n` working days after `start` (`start` itself when n is 0).

    For n ≥ 1 the answer is always a working day: Friday + 1 is the next Monday (or the Tuesday
    after a bank holiday Monday), and a Saturday + 1 is the following Monday too.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    start = _as_date(start)
    if n == 0:
        return start
    target = working_day_number(start) + n
    # (n - 1) // 5 whole weeks hold fewer than n working days, so the answer is after this day;
    # from there each day adds at most one working day, so the first to reach n is the earliest.
    day = start + dt.timedelta(days=((n - 1) // 5) * 7)
    while working_day_number(day) < target:
        day += dt.timedelta(days=1)
    return day


def _as_date(value: dt.date) -> dt.date:
    """A date, or the day of a datetime (pandas Timestamps included)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value
