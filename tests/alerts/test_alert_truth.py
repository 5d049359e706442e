"""The alert workflow tells the truth: a note internal to the council never reaches provider staff
(through any read, download or the QA minutes), the answer to "Is someone at risk of harm?" is kept
on the alert and shown wherever the alert is, and closing an alert that says someone is at risk
asks what happened about a safeguarding concern."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from sgoversight.alerts import qa, rules
from sgoversight.alerts.output import alert_label, register_csv, register_table, register_xlsx
from sgoversight.alerts.read import get_alert
from sgoversight.alerts.register import alert_register, register_notes
from sgoversight.alerts.workflow import (
    SAFEGUARDING_ANSWER_MESSAGE,
    add_note,
    close_alert,
    reopen_alert,
    start_progress,
)
from sgoversight.errors import FormInvalid
from sgoversight.store.models import AuditEvent, QualityAlert
from tests.support.alerts import (
    COMMISSIONER,
    PROVIDER_A,
    QA_ATTENDEE,
    TODAY,
    add_providers,
    log,
    pdf_text,
    stored,
    version,
)

INTERNAL = "Internal: manager under review, do not share yet."
SHARED = "Visit booked for Thursday; please have the medicines records ready."
OWN = "We have moved the evening round to 6pm."
# Notes are stamped with the real time they are written, so the meetings whose agenda should
# count them are dated around the real today.
NOW = dt.date.today()
MEETING = NOW + dt.timedelta(days=1)


@pytest.fixture
def db(engine: Engine) -> Engine:
    add_providers(engine)
    return engine


def _workbook_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _noted(db: Engine) -> str:
    """An alert about PRV-A with an internal note, a shared note and the provider's own note."""
    alert_id = log(db)
    add_note(db, COMMISSIONER, alert_id, INTERNAL, expected_version=1)
    add_note(db, COMMISSIONER, alert_id, SHARED, expected_version=2, visibility=rules.SHARED)
    # A provider user's note is shared by definition, whatever they ask for.
    add_note(db, PROVIDER_A, alert_id, OWN, expected_version=3, visibility=rules.INTERNAL)
    return alert_id


# --- note visibility ------------------------------------------------------------------------------


def test_notes_are_internal_unless_shared_and_provider_notes_are_shared(db: Engine) -> None:
    alert_id = _noted(db)
    assert [(n.author, n.visibility) for n in stored(db, alert_id).notes] == [
        ("cara", "internal"),
        ("cara", "shared"),
        ("pat", "shared"),
    ]
    with Session(db) as session:
        audited = [
            e.after["note_visibility"]
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == alert_id, AuditEvent.action == "add_note")
                .order_by(AuditEvent.id)
            )
        ]
    assert audited == ["internal", "shared", "shared"]


def test_provider_staff_read_only_shared_notes_in_the_alert(db: Engine) -> None:
    alert_id = _noted(db)
    council = get_alert(db, COMMISSIONER, alert_id, today=TODAY)
    assert [n.text for n in council.notes] == [INTERNAL, SHARED, OWN]
    assert [n.seen_by for n in council.notes] == [
        "Internal to the council",
        "Shared with the provider",
        "Shared with the provider",
    ]
    assert len(get_alert(db, QA_ATTENDEE, alert_id, today=TODAY).notes) == 3
    provider = get_alert(db, PROVIDER_A, alert_id, today=TODAY)
    assert [n.text for n in provider.notes] == [SHARED, OWN]


def test_provider_staff_downloads_never_hold_an_internal_note(db: Engine) -> None:
    alert_id = _noted(db)
    council_frame = alert_register(db, COMMISSIONER, today=TODAY)
    council_book = _workbook_text(
        register_xlsx(council_frame, "note", register_notes(db, COMMISSIONER, [alert_id]))
    )
    assert INTERNAL in council_book and SHARED in council_book and OWN in council_book
    assert "Internal to the council" in council_book

    frame = alert_register(db, PROVIDER_A, today=TODAY)
    notes = register_notes(db, PROVIDER_A, list(frame["alert_id"]))
    assert list(notes["Note"]) == [SHARED, OWN]
    book = _workbook_text(register_xlsx(frame, "note", notes))
    assert SHARED in book and OWN in book
    assert INTERNAL not in book
    assert INTERNAL not in register_csv(frame).decode("utf-8-sig")
    # Asking for the notes of the whole register as a provider gives their own shared notes only.
    other = log(db, provider_id="PRV-B")
    add_note(db, COMMISSIONER, other, SHARED + " (B)", expected_version=1, visibility="shared")
    assert list(register_notes(db, PROVIDER_A, [alert_id, other])["Alert"]) == [
        alert_id,
        alert_id,
    ]


def test_qa_agenda_and_minutes_never_give_provider_staff_an_internal_note(db: Engine) -> None:
    _noted(db)
    meeting_id = qa.create_meeting(db, COMMISSIONER, meeting_on=MEETING)
    council = qa.agenda(db, COMMISSIONER, meeting_id)
    (entry,) = council.entries
    assert [n.text for n in entry.notes] == [INTERNAL, SHARED, OWN]
    assert INTERNAL in _workbook_text(qa.minutes_xlsx(db, COMMISSIONER, meeting_id))

    provider = qa.agenda(db, PROVIDER_A, meeting_id)
    (entry,) = provider.entries
    assert [n.text for n in entry.notes] == [SHARED, OWN]
    book = _workbook_text(qa.minutes_xlsx(db, PROVIDER_A, meeting_id))
    assert SHARED in book and INTERNAL not in book
    pdf = pdf_text(qa.minutes_pdf(db, PROVIDER_A, meeting_id))
    assert "Visit booked" in pdf and "do not share" not in pdf
    assert "do not share" in pdf_text(qa.minutes_pdf(db, COMMISSIONER, meeting_id))


def test_an_internal_note_is_not_a_reason_a_provider_is_told_an_alert_is_on_the_agenda(
    db: Engine,
) -> None:
    alert_id = log(db, raised_on=TODAY - dt.timedelta(days=20))
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Resolved", closed_on=TODAY - dt.timedelta(days=10),
        expected_version=1, today=TODAY - dt.timedelta(days=10),
    )  # fmt: skip
    add_note(db, COMMISSIONER, alert_id, INTERNAL, expected_version=2)
    meeting_id = qa.create_meeting(db, COMMISSIONER, meeting_on=MEETING)
    qa.create_meeting(db, COMMISSIONER, meeting_on=NOW - dt.timedelta(days=5))
    assert alert_id in [e.alert_id for e in qa.agenda(db, COMMISSIONER, meeting_id).entries]
    assert qa.agenda(db, PROVIDER_A, meeting_id).entries == []


# --- the at-risk answer ---------------------------------------------------------------------------


def test_the_at_risk_answer_is_kept_and_shown_wherever_the_alert_is(db: Engine) -> None:
    at_risk = log(db, risk_of_harm=True, safeguarding_concern_raised=False)
    not_at_risk = log(db, category="falls")
    with Session(db, expire_on_commit=False) as session, session.begin():
        imported = QualityAlert(
            alert_id="ALT-000001", provider_id="PRV-A", raised_on=TODAY, raised_by="health",
            category="staffing", severity="low", summary="Imported.", status="open",
        )  # fmt: skip
        session.add(imported)
    assert stored(db, at_risk).risk_of_harm is True
    assert stored(db, not_at_risk).risk_of_harm is False
    detail = get_alert(db, COMMISSIONER, "ALT-000001", today=TODAY)
    assert detail.risk_of_harm is None

    frame = alert_register(db, COMMISSIONER, today=TODAY)
    table = register_table(frame).set_index("Alert")
    assert table.loc[at_risk, "Someone at risk of harm"] == "Yes"
    assert table.loc[not_at_risk, "Someone at risk of harm"] == "No"
    assert table.loc["ALT-000001", "Someone at risk of harm"] == "Not recorded"
    assert "Someone at risk of harm" in register_csv(frame).decode("utf-8-sig")

    def only(*answers: str) -> list[str]:
        chosen = alert_register(db, COMMISSIONER, today=TODAY, risk=answers)
        return sorted(chosen["alert_id"])

    assert only("yes") == [at_risk]
    assert only("no") == [not_at_risk]
    assert only("not_recorded") == ["ALT-000001"]
    assert only("yes", "not_recorded") == sorted([at_risk, "ALT-000001"])

    meeting_id = qa.create_meeting(db, COMMISSIONER, meeting_on=MEETING)
    risk = {e.alert_id: e.risk_of_harm for e in qa.agenda(db, COMMISSIONER, meeting_id).entries}
    assert risk == {at_risk: True, not_at_risk: False, "ALT-000001": None}
    tables = qa.minutes_tables(qa.agenda(db, COMMISSIONER, meeting_id))
    answers = dict(
        zip(
            tables["Agenda and discussion"]["Alert"],
            tables["Agenda and discussion"]["Someone at risk of harm"],
            strict=True,
        )
    )
    assert answers == {at_risk: "Yes", not_at_risk: "No", "ALT-000001": "Not recorded"}
    assert "Someone at risk of harm: Yes" in pdf_text(qa.minutes_pdf(db, COMMISSIONER, meeting_id))


def test_closing_an_at_risk_alert_asks_about_the_safeguarding_concern(db: Engine) -> None:
    alert_id = log(db, risk_of_harm=True, safeguarding_concern_raised=False)

    def close(**answers: str | None) -> int:
        return close_alert(
            db, COMMISSIONER, alert_id, outcome="Medicines round moved.", closed_on=TODAY,
            expected_version=version(db, alert_id), today=TODAY, **answers,
        )  # fmt: skip

    with pytest.raises(FormInvalid) as caught:
        close()
    assert caught.value.fields == {"safeguarding_reference": SAFEGUARDING_ANSWER_MESSAGE}
    with pytest.raises(FormInvalid) as caught:
        close(safeguarding_reference="SG-123", no_concern_reason="Not needed")
    assert set(caught.value.fields) == {"no_concern_reason"}
    with pytest.raises(FormInvalid) as caught:  # every problem of the form at once
        close_alert(
            db, COMMISSIONER, alert_id, outcome="", closed_on=TODAY + dt.timedelta(days=1),
            expected_version=1, today=TODAY, safeguarding_reference="x" * 101,
        )  # fmt: skip
    assert set(caught.value.fields) == {"outcome", "closed_on", "safeguarding_reference"}
    alert = stored(db, alert_id)
    assert (alert.status, alert.version) == ("open", 1)

    close(safeguarding_reference=" SG-2026-0412 ")
    alert = stored(db, alert_id)
    assert (alert.status, alert.safeguarding_reference, alert.no_concern_reason) == (
        "closed",
        "SG-2026-0412",
        None,
    )
    detail = get_alert(db, COMMISSIONER, alert_id, today=TODAY)
    assert detail.safeguarding_reference == "SG-2026-0412"
    table = register_table(alert_register(db, COMMISSIONER, today=TODAY))
    assert list(table["Safeguarding answer at closing"]) == ["Concern reference SG-2026-0412"]
    with Session(db) as session:
        closing = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == alert_id, AuditEvent.action == "close")
        ).one()
    assert closing.after["safeguarding_reference"] == "SG-2026-0412"

    reopen_alert(
        db, COMMISSIONER, alert_id, reason="Late again.", expected_version=version(db, alert_id),
        today=TODAY,
    )  # fmt: skip
    assert stored(db, alert_id).safeguarding_reference is None
    close(no_concern_reason="The person's GP reviewed them; no harm came to them.")
    assert stored(db, alert_id).no_concern_reason.startswith("The person's GP")


def test_closing_an_alert_not_at_risk_asks_nothing_more(db: Engine) -> None:
    alert_id = log(db)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Done.", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    assert stored(db, alert_id).status == "closed"


# --- ids ------------------------------------------------------------------------------------------


def test_in_app_alerts_are_numbered_al_and_found_by_their_former_id(db: Engine) -> None:
    alert_id = log(db)
    assert alert_id.startswith("AL-2026-")
    with db.begin() as connection:  # as migration 0007 leaves an alert logged before AL- ids
        connection.execute(
            text("UPDATE quality_alerts SET former_id = 'QA-2026-00007' WHERE alert_id = :id"),
            {"id": alert_id},
        )
    detail = get_alert(db, COMMISSIONER, "QA-2026-00007", today=TODAY)
    assert (detail.alert_id, detail.former_id) == (alert_id, "QA-2026-00007")
    start_progress(db, COMMISSIONER, "QA-2026-00007", expected_version=1, today=TODAY)
    assert stored(db, alert_id).status == "in_progress"
    label = alert_label(alert_id, "Harbour View", "medication", "high", "QA-2026-00007")
    assert "QA-2026-00007" in label and "Open" not in label and "In progress" not in label
