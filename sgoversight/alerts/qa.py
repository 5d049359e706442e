"""The monthly Quality Assurance meeting: its agenda of quality alerts, what was said about each,
the actions agreed, and the minutes.

Rules:
- A meeting has a date (not before 2000; it may be planned ahead) and the names of those attending.
- The agenda of a meeting held on day D: every alert open at the end of D (raised on or before D and
  not closed by D, as sgoversight.counts.open_alerts_mask), and every alert changed since the
  previous meeting — a status change or a note dated from the previous meeting's day up to D, both
  days included (with no earlier meeting: the FIRST_MEETING_LOOKBACK_DAYS before D). An alert the
  meeting has already recorded something about stays on its agenda.
- The agenda is grouped by provider; providers with the most severe alert come first (then by
  name), and within a provider the most severe alert first, then the oldest.
- "Status at the meeting" is the last status change on or before D (for alerts with no recorded
  history: closed if closed by D, otherwise open).
- Each entry carries the alert's notes written in that window and its answer to "Is someone at
  risk of harm?". Provider staff are served only notes shared with the provider: an internal note
  is neither shown to them nor a reason, for them, that an alert is on the agenda
  (sgoversight.alerts.rules.may_read_note).
- Reading the agenda and minutes needs VIEW_ALERTS; provider staff see only their own provider's
  part of it. Creating meetings, recording discussion and agreeing or completing actions needs
  RECORD_QA (commissioners and administrators); QA attendees read only.
- Discussion is recorded per alert on the agenda; saving names the text the user started from and
  is refused (EditConflict) if someone else saved different text since. An action has a
  description, an owner and a due day not before the meeting; it is completed once, on a day not in
  the future and not before the meeting. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from sgoversight import uktime
from sgoversight import vocabulary as v
from sgoversight.alerts.read import NoteView, readable_notes
from sgoversight.alerts.rules import (
    EARLIEST_DAY,
    MAX_TEXT,
    SEVERITY_RANK,
    SHARED,
    IllegalTransition,
    clean_text,
    days_open,
    key_question,
    officer_label,
    open_for,
    yes_no,
)
from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.exporting import to_xlsx_bytes
from sgoversight.pdf import PdfReport
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    AlertNote,
    AlertStatusChange,
    Provider,
    QaAction,
    QaAgendaItem,
    QaMeeting,
    QualityAlert,
    User,
)
from sgoversight.uktime import long_date

FIRST_MEETING_LOOKBACK_DAYS = 31
MAX_ATTENDEES = 5_000
MAX_OWNER = 200  # qa_actions.owner


class QaNotFound(BadInput):
    """No meeting, agenda item or action with that id."""


# --- meetings -------------------------------------------------------------------------------------


class MeetingForm(BaseModel):
    """A new QA meeting: its date and who attends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting_on: dt.date
    attendees: str = ""

    @field_validator("meeting_on", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        """Rule: a date, not before 2000 (a meeting may be planned ahead)."""
        if value is None or value == "":
            raise ValueError("give the date of the meeting")
        return value

    @field_validator("meeting_on")
    @classmethod
    def _not_too_early(cls, value: dt.date) -> dt.date:
        if value < EARLIEST_DAY:
            raise ValueError(f"must not be before {long_date(EARLIEST_DAY)}")
        return value

    @field_validator("attendees", mode="before")
    @classmethod
    def _attendees(cls, value: object) -> str:
        """Rule: at most 5,000 characters."""
        return "" if value is None else clean_text(value, MAX_ATTENDEES)


class ActionForm(BaseModel):
    """An action agreed by the meeting on one alert."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    owner: str
    due_on: dt.date

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> str:
        """Rule: written, at most 10,000 characters."""
        if value is None or not str(value).strip():
            raise ValueError("say what is to be done")
        return clean_text(value, MAX_TEXT)

    @field_validator("owner", mode="before")
    @classmethod
    def _owner(cls, value: object) -> str:
        """Rule: a named owner, at most 200 characters."""
        if value is None or not str(value).strip():
            raise ValueError("say who will do it")
        return clean_text(value, MAX_OWNER)

    @field_validator("due_on", mode="before")
    @classmethod
    def _due_given(cls, value: object) -> object:
        if value is None or value == "":
            raise ValueError("give the day it is due")
        return value

    @field_validator("due_on")
    @classmethod
    def _due_after_meeting(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        """Rule: due on or after the meeting day."""
        meeting_on = (info.context or {}).get("meeting_on")
        if meeting_on is not None and value < meeting_on:
            raise ValueError(f"must not be before the meeting ({long_date(meeting_on)})")
        return value


def _validated(model: type[BaseModel], values: dict, what: str, context: dict | None = None):
    """The validated form, or FormInvalid with every problem at once, one plain message per
    field."""
    try:
        return model.model_validate(values, context=context or {})
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"].startswith("date"):
                message = "give a real date"
            fields.setdefault(name, message)
        raise FormInvalid(fields, f"The {what} was not saved") from exc


@dataclass(frozen=True)
class MeetingInfo:
    meeting_id: int
    meeting_on: dt.date
    attendees: str
    created_by: str


def _info(meeting: QaMeeting, actor: Actor) -> MeetingInfo:
    """The meeting as `actor` may see it: provider staff see its date, not who attended or set it
    up (the council's staff and other providers' business)."""
    if actor.provider_scope() is not None:
        return MeetingInfo(meeting.id, meeting.meeting_on, "", "")
    return MeetingInfo(meeting.id, meeting.meeting_on, meeting.attendees, meeting.created_by)


def create_meeting(
    engine: Engine, actor: Actor, *, meeting_on: dt.date, attendees: str = ""
) -> int:
    """Save a new meeting (date, attendees); returns its id. Needs RECORD_QA."""
    actor.require(Permission.RECORD_QA)
    entry = _validated(MeetingForm, {"meeting_on": meeting_on, "attendees": attendees}, "meeting")
    with session_scope(engine) as session:
        meeting = QaMeeting(
            meeting_on=entry.meeting_on, attendees=entry.attendees, created_by=actor.username
        )
        session.add(meeting)
        session.flush()
        audit.record(
            session, actor, "create", "qa_meeting", str(meeting.id), after=entry.model_dump()
        )
        return meeting.id


def list_meetings(engine: Engine, actor: Actor) -> list[MeetingInfo]:
    """Every QA meeting, newest first. Needs VIEW_ALERTS."""
    actor.require(Permission.VIEW_ALERTS)
    with Session(engine) as session:
        meetings = session.scalars(
            select(QaMeeting).order_by(QaMeeting.meeting_on.desc(), QaMeeting.id.desc())
        ).all()
        return [_info(m, actor) for m in meetings]


# --- the agenda -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    action_id: int
    description: str
    owner: str
    due_on: dt.date
    completed_on: dt.date | None
    created_by: str


@dataclass(frozen=True)
class AgendaEntry:
    """One alert on the agenda with what the meeting recorded about it."""

    alert_id: str
    provider_id: str
    provider_name: str
    category: str
    severity: str
    status_now: str
    status_at_meeting: str
    raised_on: dt.date
    days_open_at_meeting: int
    summary: str
    reasons: tuple[str, ...]
    risk_of_harm: bool | None
    notes: tuple[NoteView, ...]
    item_id: int | None
    discussion: str
    discussion_by: str | None
    discussion_at: dt.datetime | None
    actions: tuple[ActionView, ...]
    assigned_to: str | None = None
    assigned_name: str | None = None

    @property
    def key_question(self) -> str:
        return key_question(self.category)

    @property
    def assigned_label(self) -> str:
        """The alert's assigned officer now, in words ("Unassigned" for nobody)."""
        return officer_label(self.assigned_to, self.assigned_name)


@dataclass(frozen=True)
class AgendaGroup:
    provider_id: str
    provider_name: str
    entries: tuple[AgendaEntry, ...]

    @property
    def highest_severity(self) -> str:
        return self.entries[0].severity

    @property
    def discussed(self) -> str:
        """'1 of 3': how many of the provider's alerts on the agenda have a discussion recorded."""
        return f"{sum(1 for e in self.entries if e.discussion)} of {len(self.entries)}"

    def search_fields(self) -> list[object]:
        """Rule for the agenda's search: a provider is found by its name and id and, for each of
        its alerts on the agenda, what the meeting is shown about it (id, what happened, category,
        severity, status, officer, discussion, the notes served to the reader, the actions), so
        the notes searched are only those the reader may read."""
        fields: list[object] = [self.provider_name, self.provider_id]
        for entry in self.entries:
            fields += [
                entry.alert_id,
                entry.summary,
                v.ALERT_CATEGORY.label(entry.category),
                v.SEVERITY.label(entry.severity),
                v.ALERT_STATUS.label(entry.status_now),
                entry.assigned_label,
                entry.discussion,
                *(f"{note.author} {note.text}" for note in entry.notes),
                *(f"{action.description} {action.owner}" for action in entry.actions),
            ]
        return fields


@dataclass(frozen=True)
class Agenda:
    meeting: MeetingInfo
    changes_since: dt.date
    previous_meeting_on: dt.date | None
    groups: tuple[AgendaGroup, ...] = field(default_factory=tuple)

    @property
    def entries(self) -> list[AgendaEntry]:
        return [entry for group in self.groups for entry in group.entries]


def _meeting(session: Session, meeting_id: int) -> QaMeeting:
    meeting = session.get(QaMeeting, meeting_id)
    if meeting is None:
        raise QaNotFound(f"There is no Quality Assurance meeting {meeting_id}")
    return meeting


def _previous_meeting(session: Session, meeting: QaMeeting) -> QaMeeting | None:
    return session.scalars(
        select(QaMeeting)
        .where(
            or_(
                QaMeeting.meeting_on < meeting.meeting_on,
                and_(QaMeeting.meeting_on == meeting.meeting_on, QaMeeting.id < meeting.id),
            )
        )
        .order_by(QaMeeting.meeting_on.desc(), QaMeeting.id.desc())
        .limit(1)
    ).first()


def _window(session: Session, meeting: QaMeeting) -> tuple[dt.date, dt.date | None]:
    previous = _previous_meeting(session, meeting)
    if previous is None:
        return meeting.meeting_on - dt.timedelta(days=FIRST_MEETING_LOOKBACK_DAYS), None
    return previous.meeting_on, previous.meeting_on


def _note_window(since: dt.date, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Notes count from the start of `since` to the end of the meeting day."""
    return (
        dt.datetime.combine(since, dt.time.min),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min),
    )


def _agenda_reasons(
    session: Session, meeting: QaMeeting, since: dt.date, scope: str | None
) -> dict[str, list[str]]:
    """Alert id → why it is on the agenda (see the module rules). With a provider `scope`, only
    notes shared with the provider count."""
    day = meeting.meeting_on
    reasons: dict[str, list[str]] = {}

    def add(statement, reason: str) -> None:
        if scope is not None:
            statement = statement.where(QualityAlert.provider_id == scope)
        for alert_id in session.scalars(statement.distinct()):
            reasons.setdefault(alert_id, []).append(reason)

    add(
        select(QualityAlert.alert_id).where(
            QualityAlert.raised_on <= day,
            or_(QualityAlert.closed_on.is_(None), QualityAlert.closed_on > day),
        ),
        "Open at the meeting date",
    )
    add(
        select(AlertStatusChange.alert_id)
        .join(QualityAlert, QualityAlert.alert_id == AlertStatusChange.alert_id)
        .where(AlertStatusChange.changed_on >= since, AlertStatusChange.changed_on <= day),
        "Status changed since the last meeting",
    )
    start, end = _note_window(since, day)
    notes = (
        select(AlertNote.alert_id)
        .join(QualityAlert, QualityAlert.alert_id == AlertNote.alert_id)
        .where(AlertNote.written_at >= start, AlertNote.written_at < end)
    )
    if scope is not None:
        notes = notes.where(AlertNote.visibility == SHARED)
    add(notes, "Note added since the last meeting")
    add(
        select(QaAgendaItem.alert_id)
        .join(QualityAlert, QualityAlert.alert_id == QaAgendaItem.alert_id)
        .where(QaAgendaItem.meeting_id == meeting.id),
        "Discussed at this meeting",
    )
    return reasons


def _status_at(alert: QualityAlert, changes: list[AlertStatusChange], day: dt.date) -> str:
    before = [c for c in changes if c.changed_on <= day]
    if before:
        return before[-1].to_status
    if alert.closed_on is not None and alert.closed_on <= day:
        return "closed"
    # Not closed by the day, and no history up to it: open, unless the alert was imported without
    # history and is still not closed (then its current status is the best record there is).
    return "open" if alert.status == "closed" or changes else alert.status


def agenda(engine: Engine, actor: Actor, meeting_id: int) -> Agenda:
    """The meeting's agenda (module rules), grouped by provider, most severe first.

    Needs VIEW_ALERTS; provider staff get only their own provider's alerts.
    """
    actor.require(Permission.VIEW_ALERTS)
    scope = actor.provider_scope()
    with Session(engine) as session:
        meeting = _meeting(session, meeting_id)
        since, previous_on = _window(session, meeting)
        reasons = _agenda_reasons(session, meeting, since, scope)
        alerts = session.scalars(
            select(QualityAlert).where(QualityAlert.alert_id.in_(list(reasons)))
        ).all()
        names = {
            row.provider_id: row.name
            for row in session.execute(select(Provider.provider_id, Provider.name))
        }
        items = {
            item.alert_id: item
            for item in session.scalars(
                select(QaAgendaItem).where(QaAgendaItem.meeting_id == meeting.id)
            )
        }
        start, end = _note_window(since, meeting.meeting_on)
        window_notes: dict[str, list[AlertNote]] = {}
        for note in session.scalars(
            select(AlertNote)
            .where(
                AlertNote.alert_id.in_(list(reasons)),
                AlertNote.written_at >= start,
                AlertNote.written_at < end,
            )
            .order_by(AlertNote.written_at, AlertNote.id)
        ):
            window_notes.setdefault(note.alert_id, []).append(note)
        officers = {
            row.username: row.display_name
            for row in session.execute(
                select(User.username, User.display_name).where(
                    User.username.in_({a.assigned_to for a in alerts if a.assigned_to})
                )
            )
        }
        entries: list[AgendaEntry] = []
        for alert in alerts:
            item = items.get(alert.alert_id)
            changes = list(alert.status_changes)
            entries.append(
                AgendaEntry(
                    alert_id=alert.alert_id,
                    provider_id=alert.provider_id,
                    provider_name=names.get(alert.provider_id, alert.provider_id),
                    category=alert.category,
                    severity=alert.severity,
                    status_now=alert.status,
                    status_at_meeting=_status_at(alert, changes, meeting.meeting_on),
                    raised_on=alert.raised_on,
                    days_open_at_meeting=days_open(
                        alert.raised_on,
                        alert.closed_on
                        if alert.closed_on and alert.closed_on <= meeting.meeting_on
                        else None,
                        meeting.meeting_on,
                    ),
                    summary=alert.summary,
                    reasons=tuple(reasons[alert.alert_id]),
                    risk_of_harm=alert.risk_of_harm,
                    notes=readable_notes(actor, window_notes.get(alert.alert_id, [])),
                    item_id=item.id if item else None,
                    discussion=item.discussion if item else "",
                    discussion_by=item.updated_by if item else None,
                    discussion_at=item.updated_at if item else None,
                    actions=tuple(
                        ActionView(
                            a.id, a.description, a.owner, a.due_on, a.completed_on, a.created_by
                        )
                        for a in (item.actions if item else [])
                    ),
                    assigned_to=alert.assigned_to,
                    assigned_name=officers.get(alert.assigned_to or ""),
                )
            )
        info = _info(meeting, actor)
    by_provider: dict[str, list[AgendaEntry]] = {}
    for entry in entries:
        by_provider.setdefault(entry.provider_id, []).append(entry)
    groups = []
    for provider_id, group in by_provider.items():
        group.sort(key=lambda e: (-SEVERITY_RANK.get(e.severity, -1), e.raised_on, e.alert_id))
        groups.append(AgendaGroup(provider_id, group[0].provider_name, tuple(group)))
    groups.sort(
        key=lambda g: (-SEVERITY_RANK.get(g.highest_severity, -1), g.provider_name, g.provider_id)
    )
    return Agenda(info, since, previous_on, tuple(groups))


def _on_agenda(session: Session, meeting: QaMeeting, alert_id: str) -> None:
    since, _ = _window(session, meeting)
    if alert_id not in _agenda_reasons(session, meeting, since, None):
        raise BadInput(
            f"{alert_id} is not on the agenda of the meeting of {long_date(meeting.meeting_on)}"
        )


def _find_item(session: Session, meeting: QaMeeting, alert_id: str) -> QaAgendaItem | None:
    return session.scalars(
        select(QaAgendaItem).where(
            QaAgendaItem.meeting_id == meeting.id, QaAgendaItem.alert_id == alert_id
        )
    ).one_or_none()


def _item(session: Session, meeting: QaMeeting, alert_id: str) -> QaAgendaItem:
    """The meeting's item for the alert, created on first use (only for an alert on the agenda)."""
    item = _find_item(session, meeting, alert_id)
    if item is not None:
        return item
    _on_agenda(session, meeting, alert_id)
    item = QaAgendaItem(meeting_id=meeting.id, alert_id=alert_id, discussion="")
    session.add(item)
    session.flush()
    return item


# --- recording the meeting ------------------------------------------------------------------------


def record_discussion(
    engine: Engine,
    actor: Actor,
    meeting_id: int,
    alert_id: str,
    text: str,
    *,
    expected_text: str | None = None,
) -> bool:
    """Save what the meeting said about one alert on its agenda; True when it changed.

    Needs RECORD_QA. Text is trimmed, at most 10,000 characters. When `expected_text` is given and
    the stored text differs from it, someone else saved in the meantime: EditConflict, nothing
    saved.
    """
    actor.require(Permission.RECORD_QA)
    try:
        body = clean_text(text or "", MAX_TEXT)
    except ValueError as exc:
        raise FormInvalid({"discussion": str(exc)}, "The discussion was not saved") from None
    with session_scope(engine) as session:
        meeting = _meeting(session, meeting_id)
        existing = _find_item(session, meeting, alert_id)
        if existing is None and not body and not expected_text:
            _on_agenda(session, meeting, alert_id)
            return False
        item = existing or _item(session, meeting, alert_id)
        before = item.discussion
        if expected_text is not None and before != expected_text.strip():
            who = item.updated_by or "someone"
            when = f" at {uktime.clock(item.updated_at)}" if item.updated_at else ""
            raise EditConflict(
                f"The discussion of {alert_id} was changed by {who}{when} since you opened it; "
                "reload to see their change — nothing was saved"
            )
        if before == body:
            return False
        item.discussion = body
        item.updated_by = actor.username
        item.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        session.flush()
        audit.record(
            session,
            actor,
            "update" if before else "create",
            "qa_agenda_item",
            str(item.id),
            before={"discussion": before},
            after={"discussion": body, "meeting_id": meeting_id, "alert_id": alert_id},
        )
    return True


def add_qa_action(
    engine: Engine,
    actor: Actor,
    meeting_id: int,
    alert_id: str,
    *,
    owner: str,
    due_on: dt.date,
    description: str,
) -> int:
    """Record an action the meeting agreed on an alert on its agenda; returns its id.

    Needs RECORD_QA. Description and owner are required; due on or after the meeting day.
    """
    actor.require(Permission.RECORD_QA)
    with session_scope(engine) as session:
        meeting = _meeting(session, meeting_id)
        entry = _validated(
            ActionForm,
            {"description": description, "owner": owner, "due_on": due_on},
            "action",
            {"meeting_on": meeting.meeting_on},
        )
        item = _item(session, meeting, alert_id)
        action = QaAction(
            item_id=item.id,
            description=entry.description,
            owner=entry.owner,
            due_on=entry.due_on,
            created_by=actor.username,
        )
        session.add(action)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "qa_action",
            str(action.id),
            after=entry.model_dump() | {"meeting_id": meeting_id, "alert_id": alert_id},
        )
        return action.id


def complete_qa_action(
    engine: Engine, actor: Actor, action_id: int, *, completed_on: dt.date, today: dt.date
) -> None:
    """Mark an agreed action done. Needs RECORD_QA; once only; the day is not in the future and
    not before the meeting that agreed it."""
    actor.require(Permission.RECORD_QA)
    with session_scope(engine) as session:
        action = session.get(QaAction, action_id)
        if action is None:
            raise QaNotFound(f"There is no agreed action {action_id}")
        if action.completed_on is not None:
            raise IllegalTransition(
                f"That action was already marked done on {long_date(action.completed_on)} — "
                "nothing was saved"
            )
        meeting_on = action.item.meeting.meeting_on
        problem = None
        if completed_on > today:
            problem = f"must not be in the future (today is {long_date(today)})"
        elif completed_on < meeting_on:
            problem = f"must not be before the meeting ({long_date(meeting_on)})"
        if problem is not None:
            raise FormInvalid({"completed_on": problem}, "The action was not marked done")
        action.completed_on = completed_on
        session.flush()
        audit.record(
            session,
            actor,
            "complete",
            "qa_action",
            str(action.id),
            before={"completed_on": None},
            after={"completed_on": completed_on},
        )


def open_actions_count(engine: Engine, actor: Actor, meeting_id: int) -> int:
    """How many actions agreed at the meeting are not done yet (within the actor's scope)."""
    actor.require(Permission.VIEW_ALERTS)
    statement = (
        select(func.count())
        .select_from(QaAction)
        .join(QaAgendaItem, QaAgendaItem.id == QaAction.item_id)
        .join(QualityAlert, QualityAlert.alert_id == QaAgendaItem.alert_id)
        .where(QaAgendaItem.meeting_id == meeting_id, QaAction.completed_on.is_(None))
    )
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(QualityAlert.provider_id == scope)
    with Session(engine) as session:
        return int(session.scalar(statement) or 0)


# --- minutes --------------------------------------------------------------------------------------


AGENDA_COLUMNS = [
    "Provider", "Alert", "Severity", "Category", "CQC key question", "Status at the meeting",
    "Assigned officer", "Days open", "Someone at risk of harm", "Why on the agenda",
    "What happened", "Notes since the last meeting", "Discussion",
]  # fmt: skip


def notes_in_words(notes: tuple[NoteView, ...]) -> str:
    """The notes of an agenda entry as one block of text for the minutes, each with its author,
    time and who can read it."""
    return "\n".join(
        f"{n.author}, {uktime.clock(n.written_at)} ({n.seen_by.lower()}): {n.text}" for n in notes
    )


def minutes_tables(minutes: Agenda) -> dict[str, pd.DataFrame]:
    """The minutes as tables: the meeting, the agenda with discussion, the agreed actions."""
    meeting = minutes.meeting
    header = pd.DataFrame(
        {
            "Meeting": ["Date", "Attendees", "Alerts on the agenda", "Changes counted since"],
            "Detail": [
                long_date(meeting.meeting_on),
                meeting.attendees or "Not recorded",
                str(len(minutes.entries)),
                long_date(minutes.changes_since),
            ],
        }
    )
    agenda_rows = [
        {
            "Provider": e.provider_name,
            "Alert": e.alert_id,
            "Severity": v.SEVERITY.label(e.severity),
            "Category": v.ALERT_CATEGORY.label(e.category),
            "CQC key question": e.key_question,
            "Status at the meeting": v.ALERT_STATUS.label(e.status_at_meeting),
            "Assigned officer": e.assigned_label,
            "Days open": e.days_open_at_meeting,
            "Someone at risk of harm": yes_no(e.risk_of_harm),
            "Why on the agenda": "; ".join(e.reasons),
            "What happened": e.summary,
            "Notes since the last meeting": notes_in_words(e.notes) or "None",
            "Discussion": e.discussion or "Not discussed",
        }
        for e in minutes.entries
    ]
    action_rows = [
        {
            "Provider": e.provider_name,
            "Alert": e.alert_id,
            "Action": a.description,
            "Owner": a.owner,
            "Due by": a.due_on,
            "Done": long_date(a.completed_on) if a.completed_on else "Not yet",
        }
        for e in minutes.entries
        for a in e.actions
    ]
    return {
        "Meeting": header,
        "Agenda and discussion": pd.DataFrame(agenda_rows, columns=AGENDA_COLUMNS),
        "Agreed actions": pd.DataFrame(
            action_rows, columns=["Provider", "Alert", "Action", "Owner", "Due by", "Done"]
        ),
    }


def _title(minutes: Agenda) -> str:
    return f"Quality Assurance meeting, {long_date(minutes.meeting.meeting_on)}"


def minutes_xlsx(engine: Engine, actor: Actor, meeting_id: int) -> bytes:
    """The minutes as an Excel workbook (formulas neutralised). Needs VIEW_ALERTS; provider staff
    get their own provider's part only."""
    minutes = agenda(engine, actor, meeting_id)
    note = f"Minutes of the {_title(minutes)}."
    tables = minutes_tables(minutes)
    return to_xlsx_bytes(tables, notes=dict.fromkeys(tables, note))


def minutes_pdf(engine: Engine, actor: Actor, meeting_id: int) -> bytes:
    """The minutes as an A4 PDF: black text on white, severity and status as words (greyscale
    readable). Needs VIEW_ALERTS; provider staff get their own provider's part only."""
    minutes = agenda(engine, actor, meeting_id)
    meeting = minutes.meeting
    pdf = PdfReport(
        f"Minutes: {_title(minutes)}",
        f"Attendees: {meeting.attendees or 'not recorded'}. "
        f"Agenda: alerts open on {long_date(meeting.meeting_on)} and alerts changed since "
        f"{long_date(minutes.changes_since)}.",
    )
    if not minutes.groups:
        pdf.paragraph("No quality alerts were on the agenda.")
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    for group in minutes.groups:
        count = len(group.entries)
        pdf.heading(
            f"{group.provider_name}: {count} alert{'s' if count != 1 else ''}, highest severity "
            f"{v.SEVERITY.label(group.highest_severity).lower()}"
        )
        for e in group.entries:
            pdf.set_font("helvetica", "B", 10)
            pdf.multi_cell(
                0,
                5,
                f"{e.alert_id} - {v.SEVERITY.label(e.severity)} severity - "
                f"{v.ALERT_CATEGORY.label(e.category)} ({e.key_question}) - "
                f"{v.ALERT_STATUS.label(e.status_at_meeting)} at the meeting, "
                f"{open_for(e.days_open_at_meeting)}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.paragraph(f"What happened: {e.summary}", size=9)
            pdf.paragraph(
                f"Someone at risk of harm: {yes_no(e.risk_of_harm)}. "
                f"Assigned officer: {e.assigned_label}.",
                size=9,
            )
            pdf.paragraph(f"Why on the agenda: {'; '.join(e.reasons)}.", size=9)
            if e.notes:
                pdf.paragraph(f"Notes since the last meeting:\n{notes_in_words(e.notes)}", size=9)
            pdf.paragraph(f"Discussion: {e.discussion or 'Not discussed.'}", size=9)
            if e.actions:
                pdf.table(
                    pd.DataFrame(
                        {
                            "Agreed action": [a.description for a in e.actions],
                            "Owner": [a.owner for a in e.actions],
                            "Due by": [long_date(a.due_on) for a in e.actions],
                            "Done": [
                                long_date(a.completed_on) if a.completed_on else "Not yet"
                                for a in e.actions
                            ],
                        }
                    ),
                    widths=[usable - 105, 45, 30, 30],
                )
            pdf.ln(2)
    return pdf.to_bytes()
