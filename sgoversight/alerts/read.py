"""Reading one quality alert: its facts, history, the notes the reader may read, its QA meeting
discussions, and the changes the reader may make.

Rules: provider staff read only their own provider's alerts, only notes shared with the provider,
and never the raiser's contact. An alert is found by its id or its former id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.alerts.config import AlertConfig, load_alert_config
from sgoversight.alerts.officers import display_names
from sgoversight.alerts.rules import (
    CLOSED,
    INTERNAL,
    NOT_CLOSED,
    NOTE_VISIBILITY_SHORT,
    OPEN,
    AlertNotFound,
    can_add_note,
    days_open,
    days_past_response,
    key_question,
    may_read_note,
    officer_label,
    past_response_time,
    response_due_on,
)
from sgoversight.auth import Actor, Permission
from sgoversight.store.models import (
    AlertNote,
    Provider,
    QaAgendaItem,
    QaMeeting,
    QualityAlert,
)


def find_alert(session: Session, alert_id: str) -> QualityAlert | None:
    """The alert with this id, or with this former id (an in-app alert numbered before the `AL-`
    scheme keeps its old `QA-` id findable)."""
    key = alert_id.strip() if isinstance(alert_id, str) else alert_id
    alert = session.get(QualityAlert, key)
    if alert is None and isinstance(key, str) and key:
        alert = session.scalars(select(QualityAlert).where(QualityAlert.former_id == key)).first()
    return alert


@dataclass(frozen=True)
class StatusChangeView:
    from_status: str | None
    to_status: str
    changed_on: dt.date
    changed_at: dt.datetime
    changed_by: str
    reason: str | None


@dataclass(frozen=True)
class NoteView:
    written_at: dt.datetime
    author: str
    text: str
    visibility: str = INTERNAL

    @property
    def seen_by(self) -> str:
        """Who can read the note, in words."""
        return NOTE_VISIBILITY_SHORT.get(self.visibility, self.visibility)


def readable_notes(actor: Actor, notes: Iterable[AlertNote]) -> tuple[NoteView, ...]:
    """The notes `actor` may read (may_read_note), oldest first, as views."""
    return tuple(
        NoteView(n.written_at, n.author, n.text, n.visibility)
        for n in notes
        if may_read_note(actor, n.visibility)
    )


@dataclass(frozen=True)
class QaActionView:
    action_id: int
    description: str
    owner: str
    due_on: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True)
class QaDiscussionView:
    meeting_id: int
    meeting_on: dt.date
    discussion: str
    actions: tuple[QaActionView, ...]


@dataclass(frozen=True)
class AlertDetail:
    """Everything about one alert as `actor` may see it (provider staff never see the contact)."""

    alert_id: str
    former_id: str | None
    provider_id: str
    provider_name: str
    raised_on: dt.date
    raised_by: str
    category: str
    severity: str
    summary: str
    status: str
    closed_on: dt.date | None
    raiser_contact: str | None
    contact_hidden: bool
    risk_of_harm: bool | None
    safeguarding_concern_raised: bool | None
    closing_outcome: str | None
    safeguarding_reference: str | None
    no_concern_reason: str | None
    feedback_to_raiser_on: dt.date | None
    feedback_to_provider_on: dt.date | None
    version: int
    key_question: str
    days_open: int
    response_due_on: dt.date
    past_response_time: bool
    status_history: tuple[StatusChangeView, ...]
    notes: tuple[NoteView, ...]
    qa_discussions: tuple[QaDiscussionView, ...]
    assigned_to: str | None = None
    assigned_name: str | None = None
    days_past_response: int = 0

    @property
    def assigned_label(self) -> str:
        """The assigned officer in words ("Unassigned" for nobody)."""
        return officer_label(self.assigned_to, self.assigned_name)


def get_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    today: dt.date | None = None,
    config: AlertConfig | None = None,
) -> AlertDetail:
    """One alert with its history, the notes `actor` may read, feedback and QA meeting
    discussions. `alert_id` may be the alert's id or its former id.

    Needs VIEW_ALERTS; AlertNotFound for an unknown id; PermissionDenied when a provider user asks
    for another provider's alert. Provider staff get only notes shared with the provider and
    never the raiser's contact.
    """
    actor.require(Permission.VIEW_ALERTS)
    today = today or dt.date.today()
    config = config or load_alert_config()
    with Session(engine) as session:
        alert = find_alert(session, alert_id)
        if alert is None:
            raise AlertNotFound(f"There is no quality alert {alert_id}")
        actor.require_provider(alert.provider_id)
        alert_id = alert.alert_id
        provider = session.get(Provider, alert.provider_id)
        items = session.scalars(
            select(QaAgendaItem)
            .join(QaMeeting, QaMeeting.id == QaAgendaItem.meeting_id)
            .where(QaAgendaItem.alert_id == alert_id)
            .order_by(QaMeeting.meeting_on, QaMeeting.id)
        ).all()
        discussions = tuple(
            QaDiscussionView(
                meeting_id=item.meeting_id,
                meeting_on=item.meeting.meeting_on,
                discussion=item.discussion,
                actions=tuple(
                    QaActionView(a.id, a.description, a.owner, a.due_on, a.completed_on)
                    for a in item.actions
                ),
            )
            for item in items
        )
        hidden = actor.is_provider_user
        officer_names = display_names(session, [alert.assigned_to])
        return AlertDetail(
            alert_id=alert.alert_id,
            former_id=alert.former_id,
            provider_id=alert.provider_id,
            provider_name=provider.name if provider else alert.provider_id,
            raised_on=alert.raised_on,
            raised_by=alert.raised_by,
            category=alert.category,
            severity=alert.severity,
            summary=alert.summary,
            status=alert.status,
            closed_on=alert.closed_on,
            raiser_contact=None if hidden else alert.raiser_contact,
            contact_hidden=hidden,
            risk_of_harm=alert.risk_of_harm,
            safeguarding_concern_raised=alert.safeguarding_concern_raised,
            closing_outcome=alert.closing_outcome,
            safeguarding_reference=alert.safeguarding_reference,
            no_concern_reason=alert.no_concern_reason,
            feedback_to_raiser_on=alert.feedback_to_raiser_on,
            feedback_to_provider_on=alert.feedback_to_provider_on,
            version=alert.version,
            key_question=key_question(alert.category),
            days_open=days_open(alert.raised_on, alert.closed_on, today),
            response_due_on=response_due_on(alert.raised_on, config),
            past_response_time=past_response_time(alert.status, alert.raised_on, today, config),
            status_history=tuple(
                StatusChangeView(
                    c.from_status, c.to_status, c.changed_on, c.changed_at, c.changed_by, c.reason
                )
                for c in alert.status_changes
            ),
            notes=readable_notes(actor, alert.notes),
            qa_discussions=discussions,
            assigned_to=alert.assigned_to,
            assigned_name=officer_names.get(alert.assigned_to or ""),
            days_past_response=days_past_response(alert.status, alert.raised_on, today, config),
        )


def allowed_actions(actor: Actor, detail: AlertDetail) -> frozenset[str]:
    """The changes `actor` may make to the alert now (pages show only these; the use cases check
    again): "start_progress", "close", "reopen", "feedback", "assign", "note"."""
    if actor.is_provider_user and detail.provider_id != actor.provider_id:
        return frozenset()
    actions: set[str] = set()
    if actor.can(Permission.MANAGE_ALERTS):
        actions.add("feedback")
        if detail.status == OPEN:
            actions.add("start_progress")
        if detail.status in NOT_CLOSED:
            actions.add("close")
            actions.add("assign")
        if detail.status == CLOSED:
            actions.add("reopen")
    if can_add_note(actor):
        actions.add("note")
    return frozenset(actions)
