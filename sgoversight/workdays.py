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

There is one definition: the numpy business-day calendar of `bank_holiday_calendar()`. The scalar
and the pandas Series functions both call `numpy.busday_count` with it, so they cannot disagree.
The calendar covers every year the `holidays` package knows England's bank holidays for
(1872 to 2100 in version 0.109); a date outside that range raises ValueError rather than being
counted as if it had no bank holidays.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

COUNTRY = "GB"
SUBDIVISION = "ENG"  # England; Wales has the same bank holidays.

_ONE_DAY = np.timedelta64(1, "D")


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
def bank_holiday_calendar() -> np.busdaycalendar:
    """The numpy business-day calendar: Monday to Friday, bank holidays removed."""
    days = np.array(bank_holidays(), dtype="datetime64[D]")
    return np.busdaycalendar(weekmask="1111100", holidays=days)


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a Monday to Friday that is not a bank holiday."""
    _check_range(np.array([day], dtype="datetime64[D]"))
    return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=bank_holiday_calendar()))


def _check_range(days: np.ndarray) -> None:
    if days.size == 0:
        return
    first, last = _supported_years()
    low = np.datetime64(f"{first:04d}-01-01", "D")
    high = np.datetime64(f"{last:04d}-12-31", "D")
    if days.min() < low or days.max() > high:
        raise ValueError(
            f"working days are known only from {low} to {high} "
            f"(England and Wales bank holidays in holidays {holidays.__version__})"
        )


def _count(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The one definition: working days in (start, end], i.e. in [start + 1, end + 1); when end
    is before start, minus the working days in (end, start]."""
    _check_range(starts)
    _check_range(ends)
    # numpy counts a reversed range as minus [end, start); the contract's "after ... up to and
    # including" needs (end, start], so order each pair first and put the sign back after.
    backwards = ends < starts
    low = np.where(backwards, ends, starts)
    high = np.where(backwards, starts, ends)
    counted = np.busday_count(low + _ONE_DAY, high + _ONE_DAY, busdaycal=bank_holiday_calendar())
    return np.where(backwards, -counted, counted)


def working_days_after(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (same day 0, Friday to Monday 1)."""
    starts = np.array([_as_date(start)], dtype="datetime64[D]")
    ends = np.array([_as_date(end)], dtype="datetime64[D]")
    return int(_count(starts, ends)[0])


def working_days_after_series(start: pd.Series, end: pd.Series) -> pd.Series:
    """`working_days_after` row by row for two aligned date Series (datetime64 or dates).

    Returns a nullable Int64 Series on `start`'s index: <NA> where either date is not recorded.
    """
    if len(start) != len(end):
        raise ValueError(f"start and end differ in length ({len(start)} and {len(end)})")
    # Positional, not aligned on the index: the two Series are columns of one frame.
    starts = pd.to_datetime(pd.Series(start).to_numpy()).to_numpy().astype("datetime64[D]")
    ends = pd.to_datetime(pd.Series(end).to_numpy()).to_numpy().astype("datetime64[D]")
    known = ~(np.isnat(starts) | np.isnat(ends))
    counted = np.zeros(len(starts), dtype="int64")
    if known.any():
        counted[known] = _count(starts[known], ends[known])
    return pd.Series(
        pd.arrays.IntegerArray(counted, ~known), index=pd.Series(start).index, dtype="Int64"
    )


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
    origin = np.datetime64(start, "D")
    _check_range(np.array([origin]))
    # Rolling a weekend or bank holiday back to the previous working day does not change which
    # working days come after it, and lets busday_offset count from a working day.
    moved = np.busday_offset(origin, n, roll="backward", busdaycal=bank_holiday_calendar())
    _check_range(np.array([moved]))
    return moved.astype(dt.date)


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value
