"""Times as people in the council read them: UK time (Europe/London, so BST in summer).

Rule: the database stores moments as naive UTC; every time shown on a page or written into an
export people read is converted here, and labelled as UK time (GMT or BST, whichever applied on
that day), so a change made at 09:30 on a summer morning reads 09:30 BST, not 08:30.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
LABEL = "UK time"


def to_uk(moment: dt.datetime) -> dt.datetime:
    """A stored moment (naive means UTC; an aware one is converted) as an aware UK time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(UK)


def naive_uk(moment: dt.datetime) -> dt.datetime:
    """The UK wall-clock time of a stored moment without its zone, for spreadsheet cells (which
    cannot hold a zone) whose column heading says it is UK time."""
    return to_uk(moment).replace(tzinfo=None)


def zone(moment: dt.datetime) -> str:
    """'GMT' or 'BST': which UK time applied at that moment."""
    return to_uk(moment).tzname() or "UK time"


def clock(moment: dt.datetime) -> str:
    """'14:05 BST on 24 July 2026': a moment as a UK clock time with its zone and the day."""
    local = to_uk(moment)
    return f"{local:%H:%M} {local.tzname()} on {local.day} {local:%B %Y}"


def stamp(moment: dt.datetime) -> str:
    """'2026-07-24 14:05:09 BST': a sortable UK time with its zone, for tables and exports."""
    local = to_uk(moment)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


def day_start_utc(day: dt.date) -> dt.datetime:
    """The moment a UK day begins (00:00 in London), as naive UTC to compare with stored times."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=UK)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in the UK."""
    return dt.datetime.now(UK).date()


def utc_now() -> dt.datetime:
    """Now in naive UTC, the way the database stores times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def long_date(day: dt.date) -> str:
    """A day as people read it on a page or in a message: '24 November 2026'."""
    return f"{day.day} {day:%B %Y}"
