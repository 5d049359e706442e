"""The quality alerts' shared rules: statuses, key questions, note visibility, days open and
the response time, and how answers and officers are put in words. Pure: values in, values out.

See the intake, workflow and register modules for the rules each applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from sgoversight import vocabulary as v
from sgoversight.alerts.config import AlertConfig
from sgoversight.auth import Actor, Permission, Role
from sgoversight.errors import BadInput
from sgoversight.uktime import long_date

AUDIT_ENTITY = "quality_alert"
EARLIEST_DAY = dt.date(2000, 1, 1)
MAX_TEXT = 10_000  # notes, closing outcomes, reopening reasons
MAX_REFERENCE = 100  # quality_alerts.safeguarding_reference

OPEN, IN_PROGRESS, CLOSED = "open", "in_progress", "closed"
NOT_CLOSED = (OPEN, IN_PROGRESS)
#: Severity codes, lowest first; the rank orders "highest severity first".
SEVERITY_RANK: dict[str, int] = {code: rank for rank, code in enumerate(v.SEVERITY.codes)}

#: The five questions CQC asks of every service, in CQC's order.
KEY_QUESTIONS: tuple[str, ...] = ("Safe", "Effective", "Caring", "Responsive", "Well-led")
#: Which CQC key question each alert category is counted under — the one place this is decided.
#: Why: Safe covers avoidable harm, medicines, infection control, safeguarding, staffing levels and
#: the premises; Effective covers food and drink and how services work together (hospital
#: discharge); Caring covers dignity and respect; Responsive covers personalised care planning and
#: communication with people and families. The contract has no category for leadership or
#: governance, so concerns about how the service is run are logged as "Other" and counted as
#: Well-led.
CQC_KEY_QUESTION: dict[str, str] = {
    "medication": "Safe",
    "care_planning": "Responsive",
    "staffing": "Safe",
    "safeguarding": "Safe",
    "nutrition_hydration": "Effective",
    "infection_control": "Safe",
    "dignity_respect": "Caring",
    "falls": "Safe",
    "pressure_care": "Safe",
    "environment": "Safe",
    "communication": "Responsive",
    "hospital_discharge": "Effective",
    "other": "Well-led",
}

FeedbackTo = Literal["raiser", "provider"]
FEEDBACK_LABELS: dict[str, str] = {"raiser": "the person who raised it", "provider": "the provider"}

INTERNAL, SHARED = "internal", "shared"
#: Who may read a note, in the words the note form and the notes list use.
NOTE_VISIBILITY: dict[str, str] = {
    INTERNAL: "Internal to the council (provider staff never see it)",
    SHARED: "Shared with the provider (their staff can read it)",
}
NOTE_VISIBILITY_SHORT: dict[str, str] = {
    INTERNAL: "Internal to the council",
    SHARED: "Shared with the provider",
}


class IllegalTransition(BadInput):
    """The change is not allowed from the alert's current status; nothing was saved."""


class AlertNotFound(BadInput):
    """No alert has that id."""


def blank(value: Any) -> bool:
    """Rule: nothing given, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any, max_length: int) -> str:
    """Rule for free text: trimmed, at most `max_length` characters, no NUL (cannot be stored)."""
    text = str(value).strip()
    if len(text) > max_length:
        raise ValueError(f"at most {max_length:,} characters (this has {len(text):,})")
    if "\x00" in text:
        raise ValueError("contains a character that cannot be stored")
    return text


def as_day(value: Any) -> dt.date:
    """Rule: a date, a date-time (its day) or text written YYYY-MM-DD; anything else is refused."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("give a real date, written YYYY-MM-DD")


def past_day(day: dt.date, today: dt.date, earliest: dt.date = EARLIEST_DAY) -> dt.date:
    """Rule for a day something happened: not after today and not before `earliest`."""
    if day > today:
        raise ValueError(f"must not be in the future (today is {long_date(today)})")
    if day < earliest:
        raise ValueError(f"must not be before {long_date(earliest)}")
    return day


def key_question(category: str) -> str:
    """The CQC key question an alert category is counted under (see CQC_KEY_QUESTION)."""
    return CQC_KEY_QUESTION.get(category, "Well-led")


def days_open(raised_on: dt.date, closed_on: dt.date | None, today: dt.date) -> int:
    """Calendar days from the day raised to the closing day, or to today if not closed."""
    return ((closed_on or today) - raised_on).days


def open_for(days: int) -> str:
    """How long an alert has been open, in words: 'raised that day', 'open 1 day', 'open 5 days'."""
    if days <= 0:
        return "raised that day"
    return f"open {days} day{'s' if days != 1 else ''}"


def response_due_on(raised_on: dt.date, config: AlertConfig) -> dt.date:
    """The last day of the response time: the day raised + response_days."""
    return raised_on + dt.timedelta(days=config.response_days)


def past_response_time(
    status: str, raised_on: dt.date, today: dt.date, config: AlertConfig
) -> bool:
    """Rule: not closed, and today is after the last day of the response time."""
    return status != CLOSED and today > response_due_on(raised_on, config)


def days_past_response(status: str, raised_on: dt.date, today: dt.date, config: AlertConfig) -> int:
    """Rule: for an alert past its response time, the days since its response due day; else 0."""
    if not past_response_time(status, raised_on, today, config):
        return 0
    return (today - response_due_on(raised_on, config)).days


def can_add_note(actor: Actor) -> bool:
    """Rule: those who manage alerts or may log them (provider staff: own provider only)."""
    return actor.can(Permission.MANAGE_ALERTS) or actor.can(Permission.LOG_ALERT)


def is_council_user(roles: Iterable[str]) -> bool:
    """Rule: a council user has at least one role other than provider staff."""
    return any(str(role) != Role.PROVIDER for role in roles)


def officer_label(username: str | None, display_name: str | None) -> str:
    """How an assigned officer is named on screen: 'Cara Jones (cara)'; 'Unassigned' for none
    (a missing value read back from a table, NaN, counts as none)."""
    username = username if isinstance(username, str) else None
    display_name = display_name if isinstance(display_name, str) else None
    if not username:
        return "Unassigned"
    if display_name and display_name != username:
        return f"{display_name} ({username})"
    return username


def close_needs_safeguarding_answer(risk_of_harm: bool | None) -> bool:
    """Rule: closing an alert that says someone is at risk of harm needs the safeguarding concern's
    reference or the reason none was raised (an alert whose answer was not recorded does not)."""
    return risk_of_harm is True


def note_visibility(actor: Actor, chosen: str | None) -> str:
    """Rule: who may read a note. Provider staff's notes are shared with the provider by
    definition; the council chooses, internal being the default."""
    if actor.is_provider_user:
        return SHARED
    return INTERNAL if chosen is None else chosen


def may_read_note(actor: Actor, visibility: str) -> bool:
    """Rule: provider staff read only notes shared with the provider; the council reads all."""
    return not actor.is_provider_user or visibility == SHARED


def yes_no(value: bool | None) -> str:
    """A yes/no answer in words; "Not recorded" when it was never asked (imported alerts)."""
    if value is None or pd.isna(value):
        return "Not recorded"
    return "Yes" if value else "No"


def safeguarding_answer(reference: str | None, reason: str | None) -> str:
    """What was said about a safeguarding concern when the alert was closed, in words."""
    if reference:
        return f"Concern reference {reference}"
    if reason:
        return f"No concern raised: {reason}"
    return ""
