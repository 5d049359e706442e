"""The monthly Quality Assurance meeting: which alerts are on the agenda and in what order, the
discussion and agreed actions, and the minutes as Excel and PDF."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.alerts import qa
from sgoversight.alerts.read import get_alert
from sgoversight.alerts.rules import IllegalTransition
from sgoversight.alerts.workflow import close_alert
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.store.models import AlertNote, AuditEvent, QaAgendaItem
from tests.support.alerts import (
    COMMISSIONER,
    OTHER_COMMISSIONER,
    PROVIDER_A,
    add_providers,
    log,
    pdf_text,
)

DAY = dt.timedelta(days=1)
PREVIOUS = dt.date(2026, 10, 20)
MEETING = dt.date(2026, 11, 17)
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def db(engine: Engine) -> Engine:
    add_providers(engine)
    return engine


def _close(db: Engine, alert_id: str, on: dt.date, today: dt.date | None = None) -> None:
    version = get_alert(db, COMMISSIONER, alert_id, today=TODAY).version
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Resolved", closed_on=on, expected_version=version,
        today=today or on,
    )  # fmt: skip


def _note(db: Engine, alert_id: str, at: dt.datetime) -> None:
    with Session(db) as session, session.begin():
        session.add(AlertNote(alert_id=alert_id, author="cara", text="Chased", written_at=at))


def _meetings(db: Engine) -> tuple[int, int]:
    previous = qa.create_meeting(db, COMMISSIONER, meeting_on=PREVIOUS, attendees="A, B")
    meeting = qa.create_meeting(
        db, COMMISSIONER, meeting_on=MEETING, attendees="Cara (commissioning), Pat (provider)"
    )
    return previous, meeting


def _ids(agenda: qa.Agenda) -> list[str]:
    return [e.alert_id for e in agenda.entries]


def test_meeting_is_saved_audited_and_listed_newest_first(db: Engine) -> None:
    previous, meeting = _meetings(db)
    listed = qa.list_meetings(db, COMMISSIONER)
    assert [m.meeting_id for m in listed] == [meeting, previous]
    assert listed[0].attendees == "Cara (commissioning), Pat (provider)"
    with Session(db) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "qa_meeting")).all()
    assert len(events) == 2


def test_provider_staff_see_the_meeting_dates_not_who_attended(db: Engine) -> None:
    previous, meeting = _meetings(db)
    listed = qa.list_meetings(db, PROVIDER_A)
    assert [(m.meeting_id, m.attendees, m.created_by) for m in listed] == [
        (meeting, "", ""),
        (previous, "", ""),
    ]
    assert qa.agenda(db, PROVIDER_A, meeting).meeting.attendees == ""
    assert qa.agenda(db, COMMISSIONER, meeting).meeting.attendees != ""


def test_meeting_needs_a_date(db: Engine) -> None:
    with pytest.raises(BadInput) as caught:
        qa.create_meeting(db, COMMISSIONER, meeting_on=None)  # type: ignore[arg-type]
    assert caught.value.problems == ["meeting_on: give the date of the meeting"]
    with pytest.raises(BadInput, match="meeting"):
        qa.create_meeting(db, COMMISSIONER, meeting_on=dt.date(1999, 1, 1))


def test_agenda_open_at_the_meeting_or_changed_since_the_last_one(db: Engine) -> None:
    _, meeting = _meetings(db)
    still_open = log(db, raised_on=MEETING - 40 * DAY, today=MEETING - 40 * DAY)
    closed_after_meeting = log(db, raised_on=MEETING - 5 * DAY, today=MEETING - 5 * DAY)
    _close(db, closed_after_meeting, MEETING + 2 * DAY)
    closed_between = log(db, raised_on=PREVIOUS - 30 * DAY, today=PREVIOUS - 30 * DAY)
    _close(db, closed_between, MEETING - 3 * DAY)
    closed_before = log(db, raised_on=PREVIOUS - 30 * DAY, today=PREVIOUS - 30 * DAY)
    _close(db, closed_before, PREVIOUS - 2 * DAY)
    noted = log(db, raised_on=PREVIOUS - 30 * DAY, today=PREVIOUS - 30 * DAY)
    _close(db, noted, PREVIOUS - 2 * DAY)
    _note(db, noted, dt.datetime.combine(MEETING - 1 * DAY, dt.time(10)))
    noted_too_late = log(db, raised_on=PREVIOUS - 30 * DAY, today=PREVIOUS - 30 * DAY)
    _close(db, noted_too_late, PREVIOUS - 2 * DAY)
    _note(db, noted_too_late, dt.datetime.combine(MEETING + 1 * DAY, dt.time(10)))
    raised_after = log(db, raised_on=MEETING + 1 * DAY, today=TODAY)

    agenda = qa.agenda(db, COMMISSIONER, meeting)
    on_agenda = set(_ids(agenda))
    assert on_agenda == {still_open, closed_after_meeting, closed_between, noted}
    assert closed_before not in on_agenda and raised_after not in on_agenda
    reasons = {e.alert_id: e.reasons for e in agenda.entries}
    assert reasons[still_open] == ("Open at the meeting date",)
    assert reasons[closed_between] == ("Status changed since the last meeting",)
    assert reasons[noted] == ("Note added since the last meeting",)
    assert agenda.changes_since == PREVIOUS
    assert agenda.previous_meeting_on == PREVIOUS
    status = {e.alert_id: e.status_at_meeting for e in agenda.entries}
    assert status[closed_after_meeting] == "open"
    assert status[closed_between] == "closed"
    days = {e.alert_id: e.days_open_at_meeting for e in agenda.entries}
    assert days[still_open] == 40
    assert days[closed_after_meeting] == 5


def test_first_meeting_looks_back_a_month(db: Engine) -> None:
    meeting = qa.create_meeting(db, COMMISSIONER, meeting_on=MEETING)
    recent = log(db, raised_on=MEETING - 60 * DAY, today=MEETING - 60 * DAY)
    _close(db, recent, MEETING - 20 * DAY)
    older = log(db, raised_on=MEETING - 90 * DAY, today=MEETING - 90 * DAY)
    _close(db, older, MEETING - 40 * DAY)
    agenda = qa.agenda(db, COMMISSIONER, meeting)
    assert _ids(agenda) == [recent]
    assert agenda.previous_meeting_on is None
    assert agenda.changes_since == MEETING - qa.FIRST_MEETING_LOOKBACK_DAYS * DAY


def test_grouped_by_provider_most_severe_first(db: Engine) -> None:
    _, meeting = _meetings(db)
    day = MEETING - 3 * DAY
    a_low = log(db, provider_id="PRV-A", severity="low", raised_on=day - 5 * DAY, today=day)
    a_high_new = log(db, provider_id="PRV-A", severity="high", raised_on=day, today=day)
    a_high_old = log(db, provider_id="PRV-A", severity="high", raised_on=day - DAY, today=day)
    b_critical = log(db, provider_id="PRV-B", severity="critical", raised_on=day, today=day)
    c_high = log(db, provider_id="PRV-C", severity="high", raised_on=day, today=day)
    agenda = qa.agenda(db, COMMISSIONER, meeting)
    assert [(g.provider_name, g.highest_severity) for g in agenda.groups] == [
        ("Elm Court", "critical"),
        ("Ashgrove Home Care", "high"),
        ("Harbour View", "high"),
    ]
    assert [e.alert_id for e in agenda.groups[2].entries] == [a_high_old, a_high_new, a_low]
    assert _ids(agenda)[:2] == [b_critical, c_high]


def test_discussion_is_saved_audited_and_shown_on_the_agenda(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY)
    assert qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "  Manager attended.  ")
    assert not qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "Manager attended.")
    entry = qa.agenda(db, COMMISSIONER, meeting).entries[0]
    assert entry.discussion == "Manager attended."
    assert entry.discussion_by == "cara"
    with Session(db) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "qa_agenda_item")
        ).all()
    assert [(e.action, e.after["discussion"]) for e in events] == [("create", "Manager attended.")]


def test_blank_discussion_of_an_undiscussed_alert_writes_nothing(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY)
    assert not qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "  ")
    with Session(db) as session:
        assert session.scalars(select(QaAgendaItem)).all() == []


def test_discussion_only_for_alerts_on_the_agenda(db: Engine) -> None:
    _, meeting = _meetings(db)
    later = log(db, raised_on=MEETING + DAY, today=TODAY)
    with pytest.raises(BadInput, match="is not on the agenda"):
        qa.record_discussion(db, COMMISSIONER, meeting, later, "Talked about it")
    with pytest.raises(BadInput, match="is not on the agenda"):
        qa.add_qa_action(
            db, COMMISSIONER, meeting, later, owner="Cara", due_on=TODAY, description="Visit"
        )
    with pytest.raises(qa.QaNotFound):
        qa.agenda(db, COMMISSIONER, 9999)


def test_discussion_saved_by_someone_else_meanwhile_is_not_overwritten(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY)
    qa.record_discussion(
        db, OTHER_COMMISSIONER, meeting, alert_id, "Colin's notes", expected_text=""
    )
    with pytest.raises(EditConflict, match="changed by colin"):
        qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "Mine", expected_text="")
    assert qa.agenda(db, COMMISSIONER, meeting).entries[0].discussion == "Colin's notes"
    assert qa.record_discussion(
        db, COMMISSIONER, meeting, alert_id, "Colin's notes and mine", expected_text="Colin's notes"
    )


def test_actions_agreed_and_completed_once(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY)
    action_id = qa.add_qa_action(
        db, COMMISSIONER, meeting, alert_id, owner="Harbour View manager",
        due_on=MEETING + 14 * DAY, description="Send the medicines audit",
    )  # fmt: skip
    assert qa.open_actions_count(db, COMMISSIONER, meeting) == 1
    entry = qa.agenda(db, COMMISSIONER, meeting).entries[0]
    assert [(a.owner, a.completed_on) for a in entry.actions] == [("Harbour View manager", None)]
    with pytest.raises(FormInvalid) as caught:
        qa.complete_qa_action(db, COMMISSIONER, action_id, completed_on=TODAY + DAY, today=TODAY)
    assert caught.value.fields["completed_on"].startswith("must not be in the future")
    with pytest.raises(FormInvalid) as caught:
        qa.complete_qa_action(db, COMMISSIONER, action_id, completed_on=MEETING - DAY, today=TODAY)
    assert caught.value.fields["completed_on"].startswith("must not be before the meeting")
    qa.complete_qa_action(db, COMMISSIONER, action_id, completed_on=TODAY, today=TODAY)
    assert qa.open_actions_count(db, COMMISSIONER, meeting) == 0
    with pytest.raises(IllegalTransition, match="already marked done"):
        qa.complete_qa_action(db, COMMISSIONER, action_id, completed_on=TODAY, today=TODAY)
    with pytest.raises(qa.QaNotFound):
        qa.complete_qa_action(db, COMMISSIONER, 9999, completed_on=TODAY, today=TODAY)
    with Session(db) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "qa_action")
        ).all()
    assert actions == ["create", "complete"]


def test_action_needs_description_owner_and_due_day_after_the_meeting(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY)
    with pytest.raises(FormInvalid) as caught:
        qa.add_qa_action(
            db, COMMISSIONER, meeting, alert_id, owner=" ", due_on=MEETING - DAY, description=""
        )
    assert set(caught.value.fields) == {"description", "owner", "due_on"}
    assert caught.value.problems == [
        "description: say what is to be done",
        "owner: say who will do it",
        "due_on: must not be before the meeting (17 November 2026)",
    ]
    with Session(db) as session:
        assert session.scalars(select(QaAgendaItem)).all() == []


def test_minutes_as_excel(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(
        db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY, summary="=1+1 late medicines"
    )
    qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "@SUM(A1) manager to attend")
    qa.add_qa_action(
        db, COMMISSIONER, meeting, alert_id, owner="Cara", due_on=MEETING + 7 * DAY,
        description="Unannounced visit",
    )  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(qa.minutes_xlsx(db, COMMISSIONER, meeting)))
    assert book.sheetnames == ["Meeting", "Agenda and discussion", "Agreed actions"]
    agenda_sheet = book["Agenda and discussion"]
    headers = [c.value for c in agenda_sheet[3]]
    row = {h: c.value for h, c in zip(headers, agenda_sheet[4], strict=True)}
    assert row["Provider"] == "Harbour View"
    assert row["Severity"] == "High"
    assert row["What happened"] == "'=1+1 late medicines"
    assert row["Discussion"] == "'@SUM(A1) manager to attend"
    actions = book["Agreed actions"]
    assert [c.value for c in actions[4]][2:4] == ["Unannounced visit", "Cara"]


def test_minutes_as_pdf_name_providers_severities_and_actions(db: Engine) -> None:
    _, meeting = _meetings(db)
    alert_id = log(db, raised_on=MEETING - 3 * DAY, today=MEETING - 3 * DAY, severity="critical")
    qa.record_discussion(db, COMMISSIONER, meeting, alert_id, "Manager attended")
    qa.add_qa_action(
        db, COMMISSIONER, meeting, alert_id, owner="Cara", due_on=MEETING + 7 * DAY,
        description="Unannounced visit",
    )  # fmt: skip
    data = qa.minutes_pdf(db, COMMISSIONER, meeting)
    assert data.startswith(b"%PDF")
    drawn = pdf_text(data)
    for words in ("Harbour View", "highest severity critical", "Critical severity", "Cara",
                  "Unannounced visit", "Manager attended"):  # fmt: skip
        assert words in drawn


def test_minutes_of_an_empty_meeting(db: Engine) -> None:
    meeting = qa.create_meeting(db, COMMISSIONER, meeting_on=MEETING)
    assert "No quality alerts were on the agenda" in pdf_text(
        qa.minutes_pdf(db, COMMISSIONER, meeting)
    )
    book = openpyxl.load_workbook(io.BytesIO(qa.minutes_xlsx(db, COMMISSIONER, meeting)))
    assert book["Agenda and discussion"].max_row == 3
