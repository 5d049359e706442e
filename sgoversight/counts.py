"""Counting primitives shared by every report, so one number is computed in one place.

Each takes a frame from sgoversight.store.queries (date columns datetime64, NaT = not recorded).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sgoversight.periods import Period


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def dated_in_mask(frame: pd.DataFrame, column: str, period: Period) -> pd.Series:
    """Rows whose `column` date falls in `period` (both ends inclusive)."""
    values = frame[column]
    return (values >= _ts(period.start)) & (values <= _ts(period.end))


def dated_in(frame: pd.DataFrame, column: str, period: Period) -> int:
    """How many rows have their `column` date in `period`."""
    return int(dated_in_mask(frame, column, period).sum())


def open_alerts_mask(alerts: pd.DataFrame, day: dt.date) -> pd.Series:
    """Alerts open at the end of `day`: raised on or before it and not closed by it."""
    end = _ts(day)
    return (alerts["raised_on"] <= end) & (alerts["closed_on"].isna() | (alerts["closed_on"] > end))


def open_alerts_on(alerts: pd.DataFrame, day: dt.date) -> int:
    """How many alerts are open at the end of `day` (see open_alerts_mask)."""
    return int(open_alerts_mask(alerts, day).sum())


def open_enquiries_mask(concerns: pd.DataFrame, day: dt.date) -> pd.Series:
    """Enquiries started on or before `day` and not concluded by it."""
    end = _ts(day)
    started = concerns["enquiry_started_on"]
    concluded = concerns["enquiry_concluded_on"]
    return (started <= end) & (concluded.isna() | (concluded > end))


def open_enquiries_on(concerns: pd.DataFrame, day: dt.date) -> int:
    """How many enquiries are open at the end of `day` (see open_enquiries_mask)."""
    return int(open_enquiries_mask(concerns, day).sum())


def overdue_actions_mask(actions: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """CONTRACT.md §3 `overdue_actions`, per action: due_on before `as_of` and not completed by
    `as_of` (completed on `as_of` counts as completed; an action due on `as_of` is not overdue).

    The improvement plans page counts with it; the Board's rating counts the same rule over rows
    (sgoversight.board.rules), and tests/plans/test_plans.py checks the two agree.
    """
    day = pd.Timestamp(as_of).normalize()
    due, completed = pd.to_datetime(actions["due_on"]), pd.to_datetime(actions["completed_on"])
    return (due < day) & ~(completed.notna() & (completed <= day))
