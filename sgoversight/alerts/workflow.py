"""Moving a quality alert on: status, assigned officer, notes and feedback.

Rules (CONTRACT.md §1 alerts.csv; issue "Quality alert intake, the alert register and the monthly
QA meeting"):

- open → in progress (`start_progress`); open or in progress → closed (`close_alert`, with a written
  outcome and a closing day on or after the day raised and not in the future; when the alert
  says someone is at risk of harm, also the safeguarding concern's reference or the reason none
  was raised); closed → open (`reopen_alert`, with a written reason; the closing day, outcome and
  safeguarding answer are cleared, the history and audit trail keep them). Anything else
  (closing a closed alert, progressing a closed one, …) is refused.
- Every refused form reports all its problems at once, one per field (FormInvalid).
- Feedback to the raiser or to the provider is recorded with its day (not in the future, not before
  the alert was raised); a later record replaces the earlier day, the audit trail keeps both.
- Every change, notes and feedback included, increases the alert's `version`. Each change names the
  version the user saw; if the stored version differs, the change is refused with EditConflict and
  nothing is saved. The ORM's version check (`version_id_col`) catches a change committed between
  our read and our write the same way.
- Who may do what: logging needs LOG_ALERT; progress, close, reopen and feedback need MANAGE_ALERTS;
  a note needs MANAGE_ALERTS or LOG_ALERT, so the safeguarding team and provider staff can add
  notes too. Provider staff act only on their own provider's alerts (for a provider user, reading
  or changing another provider's alert raises PermissionDenied). A QA meeting attendee reads only.
- Every change is audited (entity `quality_alert`) in the same transaction as the change.

Ownership
- An alert may have an assigned officer (`assigned_to`): a council user, i.e. a username in the
  users table whose roles include one other than provider staff (is_council_user). Provider
  staff are never assigned an alert. New alerts start unassigned.
- Starting work (`start_progress`, the triage) sets the assigned officer: the one chosen, or the
  person starting work when they are a council user and none was chosen.
- The officer is changed with `assign_alert` (MANAGE_ALERTS, not on a closed alert): the new
  officer (or nobody) and a written note, saved as an alert note (internal to the council by
  default, as notes are) in the same transaction; audited with the officers before and after.
  Choosing the officer already assigned is refused. Only an enabled council user can be chosen
  in the app; an import may name any council user (disabled ones included: old alerts keep the
  owner they had).

Notes
- Each note is internal to the council (the default) or shared with the provider. A note written
  by provider staff is shared by definition. Provider staff are served only shared notes, by every
  read here (`get_alert`, `register_notes` and the Excel register) and by the QA agenda and
  minutes (sgoversight.alerts.qa); the council sees all notes, each marked with who can read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sgoversight import uktime
from sgoversight import vocabulary as v
from sgoversight.alerts.officers import chosen_officer, council_usernames, display_names
from sgoversight.alerts.read import find_alert
from sgoversight.alerts.rules import (
    AUDIT_ENTITY,
    CLOSED,
    FEEDBACK_LABELS,
    IN_PROGRESS,
    MAX_REFERENCE,
    MAX_TEXT,
    NOTE_VISIBILITY,
    OPEN,
    AlertNotFound,
    FeedbackTo,
    IllegalTransition,
    as_day,
    blank,
    can_add_note,
    clean_text,
    close_needs_safeguarding_answer,
    note_visibility,
    officer_label,
    past_day,
)
from sgoversight.auth import Actor, Permission
from sgoversight.errors import EditConflict, FormInvalid
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    AlertNote,
    AlertStatusChange,
    AuditEvent,
    QualityAlert,
)
from sgoversight.uktime import long_date, utc_now


def _snapshot(alert: QualityAlert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "closed_on": alert.closed_on,
        "closing_outcome": alert.closing_outcome,
        "safeguarding_reference": alert.safeguarding_reference,
        "no_concern_reason": alert.no_concern_reason,
        "feedback_to_raiser_on": alert.feedback_to_raiser_on,
        "feedback_to_provider_on": alert.feedback_to_provider_on,
        "assigned_to": alert.assigned_to,
        "version": alert.version,
    }


def _audit_ids(alert: QualityAlert) -> list[str]:
    """The ids the audit trail knows the alert by: the trail can only be added to, so events
    written before the alert was renumbered keep its former id."""
    return [alert.alert_id] + ([alert.former_id] if alert.former_id else [])


def _last_change(session: Session, alert: QualityAlert) -> tuple[str, dt.datetime]:
    """Who changed the alert last and when (from the audit trail, under its id or former id; an
    import if none names it)."""
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == AUDIT_ENTITY, AuditEvent.entity_id.in_(_audit_ids(alert)))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is not None and event.occurred_at >= alert.updated_at - dt.timedelta(seconds=5):
        return event.actor, event.occurred_at
    return "a data import", alert.updated_at


def _conflict(session: Session, alert: QualityAlert) -> EditConflict:
    who, when = _last_change(session, alert)
    return EditConflict(
        f"This alert was changed by {who} at {uktime.clock(when)} since you opened it; "
        "reload to see their change — nothing was saved"
    )


def _conflict_after_race(engine: Engine, alert_id: str) -> EditConflict:
    with Session(engine) as session:
        alert = find_alert(session, alert_id)
        if alert is None:
            return EditConflict(f"{alert_id} was removed since you opened it — nothing was saved")
        return _conflict(session, alert)


def _change(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    expected_version: int,
    action: str,
    apply: Callable[[Session, QualityAlert], str | None],
    after: Mapping[str, Any] | None = None,
) -> int:
    """Apply one change to an alert in one transaction; returns the alert's new version.

    Order of checks: the alert exists (by id or former id); a provider user owns it; the version
    is the one the user saw; then `apply` checks the transition and makes the change. Always bumps
    the version (the timestamp is touched so that a note alone is an update of the alert) and
    audits the change (with `after` added to the audited state).
    """
    try:
        with session_scope(engine) as session:
            alert = find_alert(session, alert_id)
            if alert is None:
                raise AlertNotFound(f"There is no quality alert {alert_id}")
            alert_id = alert.alert_id
            actor.require_provider(alert.provider_id)
            if alert.version != expected_version:
                raise _conflict(session, alert)
            before = _snapshot(alert)
            detail = apply(session, alert)
            alert.updated_at = utc_now()
            session.flush()
            audit.record(
                session,
                actor,
                action,
                AUDIT_ENTITY,
                alert_id,
                before=before,
                after=_snapshot(alert) | dict(after or {}),
                detail=detail,
            )
            return alert.version
    except StaleDataError:
        raise _conflict_after_race(engine, alert_id) from None


def _status_change(
    session: Session,
    actor: Actor,
    alert: QualityAlert,
    to_status: str,
    today: dt.date,
    reason: str | None,
) -> None:
    session.add(
        AlertStatusChange(
            alert_id=alert.alert_id,
            from_status=alert.status,
            to_status=to_status,
            changed_on=today,
            changed_by=actor.username,
            reason=reason,
        )
    )
    alert.status = to_status


def _text_problem(
    value: str | None, what: str, problems: dict[str, str], field: str, max_length: int = MAX_TEXT
) -> str:
    """Rule for a required written answer: `what` when empty, else clean_text's rule. A problem
    is added to `problems` under `field` (so a form reports all of them at once)."""
    if blank(value):
        problems[field] = what
        return ""
    try:
        return clean_text(value, max_length)
    except ValueError as exc:
        problems[field] = str(exc)
        return ""


def _optional_text(
    value: str | None, problems: dict[str, str], field: str, max_length: int
) -> str | None:
    if blank(value):
        return None
    try:
        return clean_text(value, max_length)
    except ValueError as exc:
        problems[field] = str(exc)
        return None


def _day_problem(
    value: Any, alert: QualityAlert, today: dt.date, problems: dict[str, str], field: str
) -> dt.date | None:
    """Rule for the day something was done to an alert: a real day, not in the future and not
    before the day the alert was raised."""
    try:
        return past_day(as_day(value), today, alert.raised_on)
    except ValueError as exc:
        message = str(exc)
        if "before" in message:
            message = f"must not be before the day it was raised ({long_date(alert.raised_on)})"
        problems[field] = message
        return None


def _label(status: str) -> str:
    return v.ALERT_STATUS.label(status).lower()


def start_progress(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    expected_version: int,
    today: dt.date,
    assigned_to: str | None = None,
) -> int:
    """Move an open alert to in progress (the triage) and set its assigned officer. Needs
    MANAGE_ALERTS; refused unless the alert is open.

    The officer is `assigned_to` when given (an enabled council user, else FormInvalid on field
    assigned_to and nothing is saved); otherwise the person starting work when they are an
    enabled council user; otherwise the alert keeps the officer it had.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status != OPEN:
            raise IllegalTransition(
                f"{alert.alert_id} is {_label(alert.status)}: only an open alert can be moved to "
                "in progress — nothing was saved"
            )
        problems: dict[str, str] = {}
        if blank(assigned_to):
            mine = council_usernames(session, [actor.username], enabled_only=True)
            officer = actor.username if mine else alert.assigned_to
        else:
            officer = chosen_officer(session, assigned_to, problems)
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not moved to in progress")
        _status_change(session, actor, alert, IN_PROGRESS, today, None)
        alert.assigned_to = officer
        return "open → in progress" + (f"; assigned to {officer}" if officer else "")

    return _change(engine, actor, alert_id, expected_version, "start_progress", apply)


def assign_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    assigned_to: str | None,
    note: str,
    expected_version: int,
    visibility: str | None = None,
) -> int:
    """Change an alert's assigned officer (None or blank: nobody), with a written note.

    Needs MANAGE_ALERTS; refused on a closed alert. The officer must be an enabled council user
    and differ from the one assigned; the note (1 to 10,000 characters) is saved as an alert note
    saying who it moved from and to, internal to the council unless `visibility` is "shared".
    Problems come all at once as FormInvalid (fields assigned_to, note, visibility); nothing is
    saved. Audited (action "assign") with the officers before and after.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status == CLOSED:
            raise IllegalTransition(
                f"{alert.alert_id} is closed: reopen it before changing who it is assigned to "
                "— nothing was saved"
            )
        problems: dict[str, str] = {}
        officer = chosen_officer(session, assigned_to, problems)
        body = _text_problem(note, "say why the assignment changes", problems, "note")
        if visibility is not None and visibility not in NOTE_VISIBILITY:
            problems["visibility"] = (
                "choose who can read the note: internal or shared with the provider"
            )
        if "assigned_to" not in problems and officer == alert.assigned_to:
            problems["assigned_to"] = (
                f"it is already assigned to {officer}: choose someone else"
                if officer
                else "it is already unassigned: choose an officer"
            )
        if problems:
            raise FormInvalid(problems, "The assignment was not changed")
        names = display_names(session, [alert.assigned_to, officer])
        before = officer_label(alert.assigned_to, names.get(alert.assigned_to or ""))
        after = officer_label(officer, names.get(officer or ""))
        change = f"Assigned to {after} (was {before})" if officer else f"Unassigned (was {before})"
        session.add(
            AlertNote(
                alert_id=alert.alert_id,
                author=actor.username,
                text=f"{change}: {body}",
                visibility=note_visibility(actor, visibility),
            )
        )
        alert.assigned_to = officer
        return change

    return _change(
        engine,
        actor,
        alert_id,
        expected_version,
        "assign",
        apply,
        after={"note_visibility": note_visibility(actor, visibility)},
    )


SAFEGUARDING_ANSWER_MESSAGE = (
    "this alert says someone is at risk of harm: give the safeguarding concern's reference, "
    "or say why no safeguarding concern was raised"
)
BOTH_ANSWERS_MESSAGE = (
    "you gave a safeguarding concern reference: leave this empty, or clear the reference"
)


def close_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    outcome: str,
    closed_on: dt.date,
    expected_version: int,
    today: dt.date,
    safeguarding_reference: str | None = None,
    no_concern_reason: str | None = None,
) -> int:
    """Close an open or in-progress alert with its outcome. Needs MANAGE_ALERTS.

    Rules: the outcome is written (1 to 10,000 characters); the closing day is on or after the day
    the alert was raised and not in the future; when the alert says someone is at risk of harm,
    exactly one of the safeguarding concern's reference (at most 100 characters) and the reason
    no concern was raised is given. A closed alert cannot be closed again. Every problem is
    reported at once (FormInvalid, fields outcome, closed_on, safeguarding_reference,
    no_concern_reason); nothing is saved.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status == CLOSED:
            raise IllegalTransition(f"{alert.alert_id} is already closed — nothing was saved")
        problems: dict[str, str] = {}
        text = _text_problem(outcome, "say what the outcome was", problems, "outcome")
        day = _day_problem(closed_on, alert, today, problems, "closed_on")
        reference = _optional_text(
            safeguarding_reference, problems, "safeguarding_reference", MAX_REFERENCE
        )
        reason = _optional_text(no_concern_reason, problems, "no_concern_reason", MAX_TEXT)
        if close_needs_safeguarding_answer(alert.risk_of_harm) and not problems:
            if reference is None and reason is None:
                problems["safeguarding_reference"] = SAFEGUARDING_ANSWER_MESSAGE
            elif reference is not None and reason is not None:
                problems["no_concern_reason"] = BOTH_ANSWERS_MESSAGE
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not closed")
        assert day is not None
        _status_change(session, actor, alert, CLOSED, today, text)
        alert.closed_on = day
        alert.closing_outcome = text
        alert.safeguarding_reference = reference
        alert.no_concern_reason = reason
        return f"{alert.alert_id} closed on {day.isoformat()}"

    return _change(engine, actor, alert_id, expected_version, "close", apply)


def reopen_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    reason: str,
    expected_version: int,
    today: dt.date,
) -> int:
    """Reopen a closed alert with a written reason. Needs MANAGE_ALERTS; only a closed alert.

    The closing day, outcome and safeguarding answer are cleared (an open alert has none,
    CONTRACT.md §1); the status history keeps the closing outcome and the reason for reopening,
    the audit trail keeps the rest. A missing reason is refused as FormInvalid (field reason).
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status != CLOSED:
            raise IllegalTransition(
                f"{alert.alert_id} is {_label(alert.status)}: only a closed alert can be "
                "reopened — nothing was saved"
            )
        problems: dict[str, str] = {}
        text = _text_problem(reason, "say why the alert is reopened", problems, "reason")
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not reopened")
        _status_change(session, actor, alert, OPEN, today, text)
        alert.closed_on = None
        alert.closing_outcome = None
        alert.safeguarding_reference = None
        alert.no_concern_reason = None
        return "closed → open"

    return _change(engine, actor, alert_id, expected_version, "reopen", apply)


def add_note(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    text: str,
    *,
    expected_version: int,
    visibility: str | None = None,
) -> int:
    """Add a dated note to an alert's history, whatever its status.

    Needs MANAGE_ALERTS or LOG_ALERT (can_add_note); provider staff only on their own provider's
    alerts. `visibility` is "internal" (the default: the council's only) or "shared" (provider
    staff read it too); a provider user's note is always shared (note_visibility). A note counts
    as a change: it increases the version like any other. Problems come all at once as
    FormInvalid (fields note, visibility); the visibility is audited with the note.
    """
    if not can_add_note(actor):
        actor.require(Permission.MANAGE_ALERTS)  # raises PermissionDenied with the usual words
    problems: dict[str, str] = {}
    body = _text_problem(text, "write the note", problems, "note")
    if visibility is not None and visibility not in NOTE_VISIBILITY:
        problems["visibility"] = (
            "choose who can read the note: internal or shared with the provider"
        )
    if problems:
        raise FormInvalid(problems, "The note was not saved")
    seen_by = note_visibility(actor, visibility)

    def apply(session: Session, alert: QualityAlert) -> str:
        session.add(
            AlertNote(alert_id=alert.alert_id, author=actor.username, text=body, visibility=seen_by)
        )
        return body

    return _change(
        engine,
        actor,
        alert_id,
        expected_version,
        "add_note",
        apply,
        after={"note_visibility": seen_by},
    )


def record_feedback(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    to: FeedbackTo,
    on: dt.date,
    expected_version: int,
    today: dt.date,
) -> int:
    """Record the day feedback was given to the raiser or to the provider. Needs MANAGE_ALERTS.

    Rules: `to` is "raiser" or "provider"; the day is not in the future and not before the alert
    was raised; a new record replaces the earlier day (the audit trail keeps it). Problems come
    all at once as FormInvalid (fields to, on).
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        problems: dict[str, str] = {}
        if to not in FEEDBACK_LABELS:
            problems["to"] = "choose who the feedback was given to"
        day = _day_problem(on, alert, today, problems, "on")
        if problems:
            raise FormInvalid(problems, "The feedback was not recorded")
        assert day is not None
        if to == "raiser":
            alert.feedback_to_raiser_on = day
        else:
            alert.feedback_to_provider_on = day
        return f"feedback to {FEEDBACK_LABELS[to]} on {day.isoformat()}"

    return _change(engine, actor, alert_id, expected_version, "feedback", apply)
