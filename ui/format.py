"""Small display helpers: numbers, dates and changes in plain words."""

from __future__ import annotations

import datetime as dt


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(moment: dt.datetime | None, today: dt.date) -> str:
    """'today', 'yesterday', 'N days ago' or 'never' for a timestamp."""
    if moment is None:
        return "never"
    days = (today - moment.date()).days
    if days <= 0:
        return f"today at {moment:%H:%M}"
    if days == 1:
        return "yesterday"
    return f"{days} days ago ({long_date(moment.date())})"


def change(now: int, before: int) -> str:
    """A change phrased for st.metric's delta ('+3', '-2', '0')."""
    return f"{now - before:+,}"
