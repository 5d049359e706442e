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
    """A change phrased for st.metric's delta ('+3', '-2', or 'no change')."""
    return f"{now - before:+,}" if now != before else "no change"


def change_arrow(now: int, before: int) -> str:
    """st.metric's delta_arrow for that change: no arrow when nothing changed."""
    return "auto" if now != before else "off"


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~:$&")


def plain(text: str) -> str:
    """User-written text for st.markdown shown exactly as typed: every Markdown character
    escaped (so `**`, links and HTML stay text) and line breaks kept."""
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in text)
    return "  \n".join(escaped.splitlines())
