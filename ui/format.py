"""Small display helpers: numbers, dates and changes in plain words."""

from __future__ import annotations

import datetime as dt

from sgoversight import uktime


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(moment: dt.datetime | None, today: dt.date) -> str:
    """A stored (UTC) timestamp in UK time: 'today at 14:05 GMT', 'yesterday', 'N days ago
    (date)' or 'never', counting days on the UK calendar."""
    if moment is None:
        return "never"
    local = uktime.to_uk(moment)
    days = (today - local.date()).days
    if days <= 0:
        return f"today at {local:%H:%M} {local.tzname()}"
    if days == 1:
        return f"yesterday at {local:%H:%M} {local.tzname()}"
    return f"{days} days ago ({long_date(local.date())})"


def uk_time(moment: dt.datetime) -> str:
    """A stored (UTC) timestamp as people read it: '14:05 BST on 24 July 2026'."""
    return uktime.clock(moment)


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
