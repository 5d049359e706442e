"""The alert register: the alerts a person may see, filtered and searched, and their notes.

Rules (CONTRACT.md §1 alerts.csv; issue "Quality alert intake, the alert register and the monthly
QA meeting"):

- Days open: from the day raised to the closing day for a closed alert, to today otherwise
  (calendar days).
- Past response time: an alert not closed whose days open exceed `response_days` (config
  `[alerts]` in config/alerts.toml, default 20), i.e. today is after the day raised + response_days.
  Days past response time: today minus the response due day for such an alert, 0 for any other.
- Search: words typed are matched, ignoring case, as one piece of text against the alert's id,
  its former id, the provider's name, the summary and the notes the person may read
  (may_read_note); an alert matches when any of them contains the text.
- "Assigned to me" (assigned code `me`): the assigned officer is the person looking;
  "Unassigned" (`unassigned`): nobody is assigned. Both chosen: either.
- Each category is counted under one CQC key question (rules.CQC_KEY_QUESTION).
- Provider staff only ever see their own provider's alerts, and never the raiser's contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, exists, false, or_, select
from sqlalchemy.orm import Session

from sgoversight import uktime
from sgoversight.alerts.config import AlertConfig, load_alert_config
from sgoversight.alerts.rules import (
    NOTE_VISIBILITY_SHORT,
    SHARED,
    days_open,
    days_past_response,
    key_question,
    may_read_note,
    past_response_time,
    response_due_on,
)
from sgoversight.auth import Actor, Permission
from sgoversight.search import MAX_SEARCH
from sgoversight.store.models import (
    AlertNote,
    Provider,
    QualityAlert,
    User,
)

#: The register's "Someone at risk of harm" filter: code → words.
RISK_FILTER: dict[str, str] = {"yes": "Yes", "no": "No", "not_recorded": "Not recorded"}


REGISTER_COLUMNS = [
    "alert_id",
    "former_id",
    "provider_id",
    "provider_name",
    "raised_on",
    "raised_by",
    "category",
    "key_question",
    "severity",
    "status",
    "closed_on",
    "days_open",
    "response_due_on",
    "past_response_time",
    "days_past_response",
    "assigned_to",
    "assigned_name",
    "feedback_to_raiser_on",
    "feedback_to_provider_on",
    "risk_of_harm",
    "safeguarding_concern_raised",
    "safeguarding_reference",
    "no_concern_reason",
    "summary",
    "version",
]


def providers_with_alerts(engine: Engine, actor: Actor) -> dict[str, str]:
    """Provider id → name of the providers with at least one alert the actor may see, by name
    (the register's provider filter). Needs VIEW_ALERTS."""
    actor.require(Permission.VIEW_ALERTS)
    statement = (
        select(Provider.provider_id, Provider.name)
        .where(Provider.provider_id.in_(select(QualityAlert.provider_id)))
        .order_by(Provider.name)
    )
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(Provider.provider_id == scope)
    with Session(engine) as session:
        return {row.provider_id: row.name for row in session.execute(statement)}


#: The register's age filter: label → (fewest, most days open), both inclusive; None = no limit.
#: The bands match the weekly report's "open alerts by how long they have been open".
AGE_FILTERS: dict[str, tuple[int | None, int | None]] = {
    "Any age": (None, None),
    "Under 1 week": (0, 6),
    "1 to 4 weeks": (7, 27),
    "4 to 12 weeks": (28, 83),
    "12 weeks or more": (84, None),
}
#: The age filter's code (kept in the address bar) → its label in AGE_FILTERS.
AGE_FILTER_CODES: dict[str, str] = {
    "any": "Any age",
    "under_1_week": "Under 1 week",
    "1_to_4_weeks": "1 to 4 weeks",
    "4_to_12_weeks": "4 to 12 weeks",
    "12_weeks_plus": "12 weeks or more",
}
#: The register's "Assigned" filter: code → words (module rules).
ASSIGNED_FILTER: dict[str, str] = {"me": "Assigned to me", "unassigned": "Unassigned"}


def _like(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, its own % and _ taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_clause(actor: Actor, words: str) -> Any:
    """Rule (module "Search"): id, former id, provider name, summary, or a note `actor` may read
    contains `words`, ignoring case."""
    pattern = _like(words)
    notes = select(AlertNote.id).where(
        AlertNote.alert_id == QualityAlert.alert_id,
        AlertNote.text.ilike(pattern, escape="\\"),
    )
    if actor.is_provider_user:  # may_read_note: provider staff read shared notes only
        notes = notes.where(AlertNote.visibility == SHARED)
    return or_(
        QualityAlert.alert_id.ilike(pattern, escape="\\"),
        QualityAlert.former_id.ilike(pattern, escape="\\"),
        Provider.name.ilike(pattern, escape="\\"),
        QualityAlert.summary.ilike(pattern, escape="\\"),
        exists(notes),
    )


def _in(statement: Select, column: Any, values: Collection[str] | None) -> Select:
    return statement if not values else statement.where(column.in_(list(values)))


def alert_register(
    engine: Engine,
    actor: Actor,
    *,
    today: dt.date,
    provider_ids: Collection[str] | None = None,
    categories: Collection[str] | None = None,
    severities: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    raised_by: Collection[str] | None = None,
    min_days_open: int | None = None,
    max_days_open: int | None = None,
    past_response_only: bool = False,
    risk: Collection[str] | None = None,
    assigned: Collection[str] | None = None,
    search: str | None = None,
    config: AlertConfig | None = None,
) -> pd.DataFrame:
    """The alerts `actor` may see, filtered, newest first, one row each (REGISTER_COLUMNS).

    Needs VIEW_ALERTS. An empty or None filter means "any". Days open, the response due day, the
    past-response-time flag and the days past it follow the module's register rules; min/max days
    open are inclusive. `risk` holds RISK_FILTER codes for the answer to "Is someone at risk of
    harm?" ("yes", "no", "not_recorded"); `assigned` ASSIGNED_FILTER codes ("me", "unassigned");
    `search` is free text (module "Search"; blank means none, only its first 200 characters
    count). Provider staff get only their own provider's rows, whatever `provider_ids` says, and
    their search never reads internal notes.
    """
    actor.require(Permission.VIEW_ALERTS)
    config = config or load_alert_config()
    statement = select(
        QualityAlert.alert_id,
        QualityAlert.former_id,
        QualityAlert.provider_id,
        Provider.name,
        QualityAlert.raised_on,
        QualityAlert.raised_by,
        QualityAlert.category,
        QualityAlert.severity,
        QualityAlert.status,
        QualityAlert.closed_on,
        QualityAlert.feedback_to_raiser_on,
        QualityAlert.feedback_to_provider_on,
        QualityAlert.risk_of_harm,
        QualityAlert.safeguarding_concern_raised,
        QualityAlert.safeguarding_reference,
        QualityAlert.no_concern_reason,
        QualityAlert.summary,
        QualityAlert.version,
        QualityAlert.assigned_to,
        User.display_name.label("assigned_name"),
    ).join(Provider, Provider.provider_id == QualityAlert.provider_id)
    statement = statement.outerjoin(User, User.username == QualityAlert.assigned_to)
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(QualityAlert.provider_id == scope)
    statement = _in(statement, QualityAlert.provider_id, provider_ids)
    statement = _in(statement, QualityAlert.category, categories)
    statement = _in(statement, QualityAlert.severity, severities)
    statement = _in(statement, QualityAlert.status, statuses)
    statement = _in(statement, QualityAlert.raised_by, raised_by)
    if risk and set(risk) != set(RISK_FILTER):
        answers = []
        if "yes" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(True))
        if "no" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(False))
        if "not_recorded" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(None))
        statement = statement.where(or_(*answers) if answers else false())
    if assigned:
        owners = []
        if "me" in assigned:
            owners.append(QualityAlert.assigned_to == actor.username)
        if "unassigned" in assigned:
            owners.append(QualityAlert.assigned_to.is_(None))
        statement = statement.where(or_(*owners) if owners else false())
    words = (search or "").strip()[:MAX_SEARCH]
    if words:
        statement = statement.where(_search_clause(actor, words))
    statement = statement.order_by(QualityAlert.raised_on.desc(), QualityAlert.alert_id.desc())
    with Session(engine) as session:
        rows = session.execute(statement).all()
    records = []
    for row in rows:
        opened = days_open(row.raised_on, row.closed_on, today)
        late = past_response_time(row.status, row.raised_on, today, config)
        if min_days_open is not None and opened < min_days_open:
            continue
        if max_days_open is not None and opened > max_days_open:
            continue
        if past_response_only and not late:
            continue
        records.append(
            {
                "alert_id": row.alert_id,
                "former_id": row.former_id,
                "provider_id": row.provider_id,
                "provider_name": row.name,
                "raised_on": row.raised_on,
                "raised_by": row.raised_by,
                "category": row.category,
                "key_question": key_question(row.category),
                "severity": row.severity,
                "status": row.status,
                "closed_on": row.closed_on,
                "days_open": opened,
                "response_due_on": response_due_on(row.raised_on, config),
                "past_response_time": late,
                "days_past_response": days_past_response(row.status, row.raised_on, today, config),
                "assigned_to": row.assigned_to,
                "assigned_name": row.assigned_name,
                "feedback_to_raiser_on": row.feedback_to_raiser_on,
                "feedback_to_provider_on": row.feedback_to_provider_on,
                "risk_of_harm": row.risk_of_harm,
                "safeguarding_concern_raised": row.safeguarding_concern_raised,
                "safeguarding_reference": row.safeguarding_reference,
                "no_concern_reason": row.no_concern_reason,
                "summary": row.summary,
                "version": row.version,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=REGISTER_COLUMNS)
    frame["days_open"] = frame["days_open"].astype("int64")
    frame["past_response_time"] = frame["past_response_time"].astype(bool)
    frame["days_past_response"] = frame["days_past_response"].astype("int64")
    return frame


NOTE_COLUMNS = ["Alert", "Written", "By", "Who can read it", "Note"]


def register_notes(engine: Engine, actor: Actor, alert_ids: Collection[str]) -> pd.DataFrame:
    """The notes on the given alerts that `actor` may read (may_read_note: provider staff only
    those shared with the provider, and only on their own provider's alerts), by alert then time.
    Needs VIEW_ALERTS."""
    actor.require(Permission.VIEW_ALERTS)
    ids = list(dict.fromkeys(alert_ids))
    rows: list[dict[str, Any]] = []
    with Session(engine) as session:
        for start in range(0, len(ids), 500):
            statement = (
                select(AlertNote)
                .join(QualityAlert, QualityAlert.alert_id == AlertNote.alert_id)
                .where(AlertNote.alert_id.in_(ids[start : start + 500]))
                .order_by(AlertNote.alert_id, AlertNote.written_at, AlertNote.id)
            )
            if (scope := actor.provider_scope()) is not None:
                statement = statement.where(
                    QualityAlert.provider_id == scope, AlertNote.visibility == SHARED
                )
            for note in session.scalars(statement):
                if not may_read_note(actor, note.visibility):
                    continue
                rows.append(
                    {
                        "Alert": note.alert_id,
                        "Written": uktime.clock(note.written_at),
                        "By": note.author,
                        "Who can read it": NOTE_VISIBILITY_SHORT[note.visibility],
                        "Note": note.text,
                    }
                )
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)
