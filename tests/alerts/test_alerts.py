"""Quality alerts: the intake form's rules, logging, duplicates, the workflow with its version
check, and the register (days open, response time, CQC key questions, exports)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from sgoversight.alerts import intake
from sgoversight.alerts.chart import key_question_chart, key_question_counts
from sgoversight.alerts.config import AlertConfig, load_alert_config
from sgoversight.alerts.intake import (
    AlertFormInvalid,
    next_alert_id,
    possible_duplicates,
    validate_alert_form,
)
from sgoversight.alerts.output import register_csv, register_table, register_xlsx
from sgoversight.alerts.read import get_alert
from sgoversight.alerts.register import REGISTER_COLUMNS, alert_register
from sgoversight.alerts.rules import (
    CQC_KEY_QUESTION,
    KEY_QUESTIONS,
    AlertNotFound,
    IllegalTransition,
)
from sgoversight.alerts.workflow import (
    add_note,
    close_alert,
    record_feedback,
    reopen_alert,
    start_progress,
)
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.store.models import AlertNote, AlertStatusChange, AuditEvent, QualityAlert
from sgoversight.vocabulary import ALERT_CATEGORY
from tests.support.alerts import (
    COMMISSIONER,
    OTHER_COMMISSIONER,
    PROVIDER_A,
    TODAY,
    add_providers,
    form,
    log,
    stored,
    version,
)

DAY = dt.timedelta(days=1)


@pytest.fixture
def db(engine: Engine) -> Engine:
    add_providers(engine)
    return engine


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return len(session.scalars(select(model)).all())


def _audit(engine: Engine, alert_id: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity == "quality_alert", AuditEvent.entity_id == alert_id)
                .order_by(AuditEvent.id)
            )
        )


# --- the intake form ------------------------------------------------------------------------------


def test_empty_form_gives_one_plain_message_per_required_field() -> None:
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form({}, TODAY)
    fields = caught.value.fields
    assert fields["severity"] == "choose a severity"
    assert fields["category"] == "choose a category"
    assert fields["summary"] == "say what happened"
    assert fields["raised_by"] == "choose who raised it"
    assert fields["raised_on"] == "give the date it was raised"
    assert fields["provider_id"] == "choose the provider the alert is about"
    assert "severity: choose a severity" in caught.value.problems
    assert "raiser_contact" not in fields


def test_blank_choices_read_as_not_chosen() -> None:
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(severity=None, category="  ", summary="   "), TODAY)
    assert caught.value.fields == {
        "category": "choose a category",
        "severity": "choose a severity",
        "summary": "say what happened",
    }


def test_labels_and_codes_are_both_accepted() -> None:
    entry = validate_alert_form(
        form(category="Nutrition and hydration", severity="CRITICAL", raised_by="Family or friend"),
        TODAY,
    )
    assert (entry.category, entry.severity, entry.raised_by) == (
        "nutrition_hydration",
        "critical",
        "family_friend",
    )


def test_unknown_codes_are_named_with_the_choices() -> None:
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(severity="urgent"), TODAY)
    assert caught.value.fields["severity"].startswith("'urgent' is not a severity: choose one of")
    assert "Critical" in caught.value.fields["severity"]


def test_summary_up_to_2000_characters() -> None:
    assert len(validate_alert_form(form(summary="x" * 2000), TODAY).summary) == 2000
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(summary="x" * 2001), TODAY)
    assert caught.value.fields["summary"] == "at most 2,000 characters (this has 2,001)"


def test_summary_is_trimmed_and_nul_refused() -> None:
    assert validate_alert_form(form(summary="  Late meds \n"), TODAY).summary == "Late meds"
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(summary="a\x00b"), TODAY)
    assert "cannot be stored" in caught.value.fields["summary"]


def test_raised_on_not_in_the_future_nor_before_2000() -> None:
    assert validate_alert_form(form(raised_on=TODAY), TODAY).raised_on == TODAY
    assert validate_alert_form(form(raised_on="2026-11-01"), TODAY).raised_on == dt.date(
        2026, 11, 1
    )
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(raised_on=TODAY + DAY), TODAY)
    assert (
        caught.value.fields["raised_on"] == "must not be in the future (today is 24 November 2026)"
    )
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(raised_on=dt.date(1999, 12, 31)), TODAY)
    assert caught.value.fields["raised_on"] == "must not be before 1 January 2000"
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(raised_on="31/12/2025"), TODAY)
    assert caught.value.fields["raised_on"] == "give a real date, written YYYY-MM-DD"


def test_risk_of_harm_needs_the_safeguarding_question_answered() -> None:
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(risk_of_harm=True), TODAY)
    message = caught.value.fields["safeguarding_concern_raised"]
    assert "say whether a safeguarding concern has been raised" in message
    assert "a safeguarding concern must also be raised" in message
    for answer in (True, False):
        entry = validate_alert_form(
            form(risk_of_harm=True, safeguarding_concern_raised=answer), TODAY
        )
        assert entry.safeguarding_concern_raised is answer


def test_no_risk_of_harm_leaves_the_question_optional() -> None:
    assert validate_alert_form(form(), TODAY).safeguarding_concern_raised is None


def test_contact_is_optional_and_limited() -> None:
    assert validate_alert_form(form(raiser_contact="  "), TODAY).raiser_contact is None
    with pytest.raises(AlertFormInvalid) as caught:
        validate_alert_form(form(raiser_contact="x" * 201), TODAY)
    assert "raiser_contact" in caught.value.fields


# --- logging --------------------------------------------------------------------------------------


def test_logged_alert_is_open_with_its_first_history_line_and_audit(db: Engine) -> None:
    alert_id = log(db, risk_of_harm=True, safeguarding_concern_raised=True)
    assert alert_id == "AL-2026-00001"
    alert = stored(db, alert_id)
    assert alert.status == "open"
    assert alert.version == 1
    assert alert.safeguarding_concern_raised is True
    assert alert.raiser_contact == "Daughter, 07700 900123"
    assert [(c.from_status, c.to_status, c.changed_by) for c in alert.status_changes] == [
        (None, "open", "cara")
    ]
    events = _audit(db, alert_id)
    assert [e.action for e in events] == ["create"]
    assert events[0].after["risk_of_harm"] is True
    assert events[0].after["severity"] == "high"


def test_ids_follow_on_within_the_year_and_restart_each_year(db: Engine) -> None:
    with Session(db) as session, session.begin():
        session.add(
            QualityAlert(
                alert_id="AL-2026-00041",
                provider_id="PRV-A",
                raised_on=dt.date(2026, 3, 1),
                raised_by="health",
                category="falls",
                severity="low",
                summary="Imported",
                status="open",
            )
        )
    assert log(db) == "AL-2026-00042"
    assert log(db) == "AL-2026-00043"
    assert log(db, today=dt.date(2027, 1, 2)) == "AL-2027-00001"


def test_an_id_clash_with_another_writer_is_retried(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = log(db)
    real = next_alert_id
    calls = []

    def stale_then_real(session: Session, year: int) -> str:
        calls.append(year)
        return first if len(calls) == 1 else real(session, year)

    monkeypatch.setattr(intake, "next_alert_id", stale_then_real)
    assert log(db) == "AL-2026-00002"
    assert len(calls) == 2


def test_every_alert_number_is_taken_in_turn(db: Engine) -> None:
    """The ratings import and the form share one allocator, and it holds the numbering turn
    (on PostgreSQL an advisory lock) until the transaction that uses the number ends."""
    with Session(db) as session, session.begin():
        assert next_alert_id(session, 2026) == "AL-2026-00001"
        if db.dialect.name == "postgresql":
            held = session.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            ).scalar_one()
            assert held >= 1


def test_unknown_provider_is_a_field_problem_and_nothing_is_written(db: Engine) -> None:
    with pytest.raises(AlertFormInvalid) as caught:
        log(db, provider_id="PRV-Z")
    assert caught.value.fields == {"provider_id": "there is no provider 'PRV-Z'"}
    assert _count(db, QualityAlert) == 0
    assert _count(db, AlertStatusChange) == 0
    assert _count(db, AuditEvent) == 0


def test_invalid_form_writes_nothing(db: Engine) -> None:
    with pytest.raises(AlertFormInvalid):
        log(db, severity="", risk_of_harm=True)
    assert _count(db, QualityAlert) == 0


# --- possible duplicates --------------------------------------------------------------------------


def test_possible_duplicates_same_provider_category_open_and_recent(db: Engine) -> None:
    recent = log(db, raised_on=TODAY - 7 * DAY)
    in_progress = log(db, raised_on=TODAY)
    start_progress(db, COMMISSIONER, in_progress, expected_version=1, today=TODAY)
    log(db, raised_on=TODAY - 8 * DAY)  # too old
    log(db, category="falls")  # another category
    log(db, provider_id="PRV-B")  # another provider
    closed = log(db)
    close_alert(
        db, COMMISSIONER, closed, outcome="Resolved", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    found = possible_duplicates(db, COMMISSIONER, "PRV-A", "medication", TODAY)
    assert [a.alert_id for a in found] == [in_progress, recent]
    assert found[0].status == "in_progress"


def test_duplicate_window_comes_from_config(db: Engine) -> None:
    log(db, raised_on=TODAY - 10 * DAY)
    config = AlertConfig(duplicate_window_days=14)
    assert possible_duplicates(db, COMMISSIONER, "PRV-A", "medication", TODAY, config)
    assert not possible_duplicates(db, COMMISSIONER, "PRV-A", "medication", TODAY)


def test_duplicates_do_not_block_logging(db: Engine) -> None:
    log(db)
    log(db)
    assert _count(db, QualityAlert) == 2


# --- the workflow ---------------------------------------------------------------------------------


def test_open_to_in_progress_to_closed_with_history(db: Engine) -> None:
    alert_id = log(db)
    v2 = start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    assert v2 == 2
    v3 = close_alert(
        db,
        COMMISSIONER,
        alert_id,
        outcome="Medicines round moved earlier; audit found no further late doses.",
        closed_on=TODAY,
        expected_version=v2,
        today=TODAY,
    )
    assert v3 == 3
    alert = stored(db, alert_id)
    assert alert.status == "closed"
    assert alert.closed_on == TODAY
    assert alert.closing_outcome.startswith("Medicines round moved")
    assert [(c.from_status, c.to_status) for c in alert.status_changes] == [
        (None, "open"),
        ("open", "in_progress"),
        ("in_progress", "closed"),
    ]
    assert alert.status_changes[-1].reason.startswith("Medicines round moved")
    assert [e.action for e in _audit(db, alert_id)] == ["create", "start_progress", "close"]
    close_event = _audit(db, alert_id)[-1]
    assert close_event.before["status"] == "in_progress"
    assert close_event.after["status"] == "closed"


def test_an_open_alert_can_be_closed_directly(db: Engine) -> None:
    alert_id = log(db)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="No concern found", closed_on=TODAY - DAY,
        expected_version=1, today=TODAY,
    )  # fmt: skip
    assert stored(db, alert_id).closed_on == TODAY - DAY


def test_closing_needs_an_outcome_and_a_sensible_day(db: Engine) -> None:
    alert_id = log(db, raised_on=TODAY - 3 * DAY)
    with pytest.raises(FormInvalid) as caught:  # both problems at once, each by its field
        close_alert(
            db, COMMISSIONER, alert_id, outcome="  ", closed_on=TODAY - 4 * DAY,
            expected_version=1, today=TODAY,
        )  # fmt: skip
    assert caught.value.fields == {
        "outcome": "say what the outcome was",
        "closed_on": "must not be before the day it was raised (21 November 2026)",
    }
    with pytest.raises(FormInvalid, match="not closed") as caught:
        close_alert(
            db, COMMISSIONER, alert_id, outcome="Done", closed_on=TODAY + DAY,
            expected_version=1, today=TODAY,
        )  # fmt: skip
    assert caught.value.fields["closed_on"].startswith("must not be in the future")
    alert = stored(db, alert_id)
    assert (alert.status, alert.version, len(alert.status_changes)) == ("open", 1, 1)


def test_illegal_transitions_are_refused(db: Engine) -> None:
    alert_id = log(db)
    with pytest.raises(IllegalTransition, match="only a closed alert can be reopened"):
        reopen_alert(db, COMMISSIONER, alert_id, reason="x", expected_version=1, today=TODAY)
    start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    with pytest.raises(IllegalTransition, match="only an open alert can be moved to in progress"):
        start_progress(db, COMMISSIONER, alert_id, expected_version=2, today=TODAY)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Done", closed_on=TODAY, expected_version=2,
        today=TODAY,
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="already closed"):
        close_alert(
            db, COMMISSIONER, alert_id, outcome="Again", closed_on=TODAY, expected_version=3,
            today=TODAY,
        )  # fmt: skip
    with pytest.raises(IllegalTransition, match="is closed: only an open alert"):
        start_progress(db, COMMISSIONER, alert_id, expected_version=3, today=TODAY)
    assert version(db, alert_id) == 3


def test_reopening_needs_a_reason_and_clears_the_closing(db: Engine) -> None:
    alert_id = log(db)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Resolved", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    with pytest.raises(FormInvalid) as caught:
        reopen_alert(db, COMMISSIONER, alert_id, reason="", expected_version=2, today=TODAY)
    assert caught.value.fields == {"reason": "say why the alert is reopened"}
    reopen_alert(
        db, COMMISSIONER, alert_id, reason="Late doses again this week", expected_version=2,
        today=TODAY,
    )  # fmt: skip
    alert = stored(db, alert_id)
    assert (alert.status, alert.closed_on, alert.closing_outcome) == ("open", None, None)
    assert [c.reason for c in alert.status_changes][-2:] == [
        "Resolved",
        "Late doses again this week",
    ]


def test_notes_are_kept_in_order_and_count_as_changes(db: Engine) -> None:
    alert_id = log(db)
    v2 = add_note(db, COMMISSIONER, alert_id, "Rang the manager.", expected_version=1)
    v3 = add_note(db, PROVIDER_A, alert_id, "Action plan sent.", expected_version=v2)
    assert (v2, v3) == (2, 3)
    alert = stored(db, alert_id)
    assert [(n.author, n.text) for n in alert.notes] == [
        ("cara", "Rang the manager."),
        ("pat", "Action plan sent."),
    ]
    assert [e.action for e in _audit(db, alert_id)][-2:] == ["add_note", "add_note"]
    with pytest.raises(FormInvalid) as caught:
        add_note(db, COMMISSIONER, alert_id, " ", expected_version=3, visibility="public")
    assert set(caught.value.fields) == {"note", "visibility"}
    assert caught.value.fields["note"] == "write the note"


def test_notes_may_be_added_to_a_closed_alert(db: Engine) -> None:
    alert_id = log(db)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Resolved", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    add_note(db, COMMISSIONER, alert_id, "Family thanked us.", expected_version=2)
    assert stored(db, alert_id).notes[0].text == "Family thanked us."


def test_feedback_to_raiser_and_provider(db: Engine) -> None:
    alert_id = log(db, raised_on=TODAY - 5 * DAY)
    v2 = record_feedback(
        db, COMMISSIONER, alert_id, to="raiser", on=TODAY - DAY, expected_version=1, today=TODAY
    )
    record_feedback(
        db, COMMISSIONER, alert_id, to="provider", on=TODAY, expected_version=v2, today=TODAY
    )
    alert = stored(db, alert_id)
    assert (alert.feedback_to_raiser_on, alert.feedback_to_provider_on) == (TODAY - DAY, TODAY)
    event = _audit(db, alert_id)[-1]
    assert event.action == "feedback"
    assert event.detail == f"feedback to the provider on {TODAY.isoformat()}"


def test_feedback_day_rules(db: Engine) -> None:
    alert_id = log(db, raised_on=TODAY - 5 * DAY)
    with pytest.raises(FormInvalid) as caught:
        record_feedback(
            db, COMMISSIONER, alert_id, to="raiser", on=TODAY - 6 * DAY, expected_version=1,
            today=TODAY,
        )  # fmt: skip
    assert caught.value.fields["on"].startswith("must not be before the day it was raised")
    with pytest.raises(FormInvalid) as caught:
        record_feedback(
            db, COMMISSIONER, alert_id, to="family", on=TODAY + DAY, expected_version=1,
            today=TODAY,
        )  # type: ignore[arg-type]  # fmt: skip
    assert caught.value.fields["to"] == "choose who the feedback was given to"
    assert caught.value.fields["on"].startswith("must not be in the future")
    assert version(db, alert_id) == 1


def test_unknown_alert(db: Engine) -> None:
    with pytest.raises(AlertNotFound):
        start_progress(db, COMMISSIONER, "AL-2026-99999", expected_version=1, today=TODAY)
    with pytest.raises(AlertNotFound):
        get_alert(db, COMMISSIONER, "AL-2026-99999", today=TODAY)


# --- two people editing at once -------------------------------------------------------------------


def test_a_change_made_since_you_opened_the_alert_refuses_yours(db: Engine) -> None:
    alert_id = log(db)
    opened = get_alert(db, COMMISSIONER, alert_id, today=TODAY).version
    add_note(db, OTHER_COMMISSIONER, alert_id, "Visited today.", expected_version=opened)
    with pytest.raises(EditConflict) as caught:
        close_alert(
            db, COMMISSIONER, alert_id, outcome="Resolved", closed_on=TODAY,
            expected_version=opened, today=TODAY,
        )  # fmt: skip
    message = str(caught.value)
    assert message.startswith("This alert was changed by colin at ")
    assert message.endswith("since you opened it; reload to see their change — nothing was saved")
    alert = stored(db, alert_id)
    assert alert.status == "open"
    assert len(alert.notes) == 1
    assert [e.action for e in _audit(db, alert_id)] == ["create", "add_note"]


@pytest.mark.parametrize(
    "change",
    [
        lambda db, a, v: start_progress(db, COMMISSIONER, a, expected_version=v, today=TODAY),
        lambda db, a, v: reopen_alert(
            db, COMMISSIONER, a, reason="x", expected_version=v, today=TODAY
        ),
        lambda db, a, v: add_note(db, COMMISSIONER, a, "x", expected_version=v),
        lambda db, a, v: record_feedback(
            db, COMMISSIONER, a, to="raiser", on=TODAY, expected_version=v, today=TODAY
        ),
    ],
    ids=["start_progress", "reopen", "add_note", "record_feedback"],
)
def test_every_change_checks_the_version(db: Engine, change) -> None:
    alert_id = log(db)
    add_note(db, OTHER_COMMISSIONER, alert_id, "First", expected_version=1)
    with pytest.raises(EditConflict, match="changed by colin"):
        change(db, alert_id, 1)
    assert version(db, alert_id) == 2


@pytest.fixture
def sneak_in_a_change(db: Engine) -> Iterator[list[str]]:
    """Just before our session writes, the alert's version moves on under it — the race an
    explicit version compare cannot see; the ORM's version check must catch it.

    On PostgreSQL another connection commits a change. On SQLite no other writer can commit once
    our transaction has started (sgoversight.store.db.begin_write takes the write lock at BEGIN),
    so the version is moved inside our own transaction instead; the refusal rolls that back as well.
    """
    targets: list[str] = []

    def before_flush(session: Session, _context: object, _instances: object) -> None:
        if not targets:
            return
        alert_id = targets.pop()
        bump = text("UPDATE quality_alerts SET version = version + 1 WHERE alert_id = :id")
        if db.dialect.name == "sqlite":
            session.connection().execute(bump, {"id": alert_id})
            return
        with db.begin() as connection:
            connection.execute(bump, {"id": alert_id})
            connection.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, actor, action, entity, entity_id) "
                    "VALUES (:at, 'colin', 'add_note', 'quality_alert', :id)"
                ),
                {"at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "id": alert_id},
            )

    event.listen(Session, "before_flush", before_flush)
    try:
        yield targets
    finally:
        event.remove(Session, "before_flush", before_flush)


def test_a_change_committed_between_read_and_write_is_refused(
    db: Engine, sneak_in_a_change: list[str]
) -> None:
    alert_id = log(db)
    sneak_in_a_change.append(alert_id)
    with pytest.raises(EditConflict, match="since you opened it") as caught:
        add_note(db, COMMISSIONER, alert_id, "Mine", expected_version=1)
    alert = stored(db, alert_id)
    assert alert.notes == []
    assert _count(db, AlertNote) == 0
    assert not [e for e in _audit(db, alert_id) if e.actor == "cara" and e.action == "add_note"]
    if db.dialect.name != "sqlite":
        assert "changed by colin" in str(caught.value)
        assert alert.version == 2


# --- reading and the register ---------------------------------------------------------------------


def test_get_alert_has_history_notes_feedback_and_response_time(db: Engine) -> None:
    alert_id = log(db, raised_on=TODAY - 21 * DAY)
    v2 = start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    add_note(db, COMMISSIONER, alert_id, "Chased.", expected_version=v2)
    detail = get_alert(db, COMMISSIONER, alert_id, today=TODAY)
    assert detail.provider_name == "Harbour View"
    assert detail.key_question == "Safe"
    assert detail.days_open == 21
    assert detail.response_due_on == TODAY - DAY
    assert detail.past_response_time
    assert [c.to_status for c in detail.status_history] == ["open", "in_progress"]
    assert [n.text for n in detail.notes] == ["Chased."]
    assert detail.raiser_contact == "Daughter, 07700 900123"
    assert detail.version == 3


def test_response_time_rule_at_the_boundary(db: Engine) -> None:
    config = AlertConfig(response_days=20)
    on_time = log(db, raised_on=TODAY - 20 * DAY)
    late = log(db, raised_on=TODAY - 21 * DAY)
    closed_late = log(db, raised_on=TODAY - 40 * DAY)
    close_alert(
        db, COMMISSIONER, closed_late, outcome="Done", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    frame = alert_register(db, COMMISSIONER, today=TODAY, config=config).set_index("alert_id")
    assert not frame.loc[on_time, "past_response_time"]
    assert frame.loc[late, "past_response_time"]
    assert not frame.loc[closed_late, "past_response_time"]
    assert frame.loc[closed_late, "days_open"] == 40
    assert frame.loc[on_time, "days_open"] == 20
    shorter = alert_register(
        db, COMMISSIONER, today=TODAY, config=AlertConfig(response_days=10)
    ).set_index("alert_id")
    assert shorter.loc[on_time, "past_response_time"]


def test_register_columns_order_and_filters(db: Engine) -> None:
    a = log(db, raised_on=TODAY - 30 * DAY, category="dignity_respect", severity="low")
    b = log(db, raised_on=TODAY - 2 * DAY, provider_id="PRV-B", raised_by="health")
    c = log(db, raised_on=TODAY - 10 * DAY, severity="critical")
    start_progress(db, COMMISSIONER, c, expected_version=1, today=TODAY)
    frame = alert_register(db, COMMISSIONER, today=TODAY)
    assert list(frame.columns) == REGISTER_COLUMNS
    assert list(frame["alert_id"]) == [b, c, a]  # newest first
    assert frame.set_index("alert_id").loc[b, "provider_name"] == "Elm Court"
    assert frame.set_index("alert_id").loc[a, "key_question"] == "Caring"

    def ids(**filters) -> list[str]:
        return list(alert_register(db, COMMISSIONER, today=TODAY, **filters)["alert_id"])

    assert ids(provider_ids=["PRV-B"]) == [b]
    assert ids(categories=["dignity_respect"]) == [a]
    assert ids(severities=["critical", "low"]) == [c, a]
    assert ids(statuses=["in_progress"]) == [c]
    assert ids(raised_by=["health"]) == [b]
    assert ids(min_days_open=7, max_days_open=27) == [c]
    assert ids(min_days_open=28) == [a]
    assert ids(past_response_only=True) == [a]
    assert ids(provider_ids=[], categories=None) == [b, c, a]


def test_empty_register_has_its_columns(db: Engine) -> None:
    frame = alert_register(db, COMMISSIONER, today=TODAY)
    assert frame.empty
    assert list(frame.columns) == REGISTER_COLUMNS
    assert register_table(frame).empty
    assert key_question_counts(frame).empty


def test_register_table_words_for_overdue_not_colour_alone(db: Engine) -> None:
    late = log(db, raised_on=TODAY - 25 * DAY)
    on_time = log(db, raised_on=TODAY - 2 * DAY)
    table = register_table(alert_register(db, COMMISSIONER, today=TODAY))
    response = dict(zip(table["Alert"], table["Response"], strict=True))
    assert response[late] == "⚠ Past response time"
    assert response[on_time] == "Due by 12 Dec 2026"
    assert table.loc[0, "Category"] == "Medication"
    assert table.loc[0, "Safeguarding concern raised"] == "Not recorded"


def test_exports_neutralise_formulas(db: Engine) -> None:
    log(db, summary='=HYPERLINK("http://example.com","click")')
    frame = alert_register(db, COMMISSIONER, today=TODAY)
    csv_text = register_csv(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(register_xlsx(frame, "Filters: none")))
    assert book.sheetnames == ["Quality alerts", "By CQC key question"]
    sheet = book["Quality alerts"]
    assert sheet["A1"].value == "Filters: none"
    headers = [cell.value for cell in sheet[3]]
    assert headers[:3] == ["Alert", "Provider", "Raised on"]
    summary = sheet.cell(row=4, column=headers.index("What happened") + 1).value
    assert summary.startswith("'=HYPERLINK")
    assert sheet.cell(row=4, column=headers.index("What happened") + 1).data_type == "s"


# --- CQC key questions and the chart --------------------------------------------------------------


def test_every_category_has_exactly_one_cqc_key_question() -> None:
    assert set(CQC_KEY_QUESTION) == set(ALERT_CATEGORY.codes)
    assert set(CQC_KEY_QUESTION.values()) == set(KEY_QUESTIONS)


def test_key_question_counts_are_grouped_in_cqc_order(db: Engine) -> None:
    log(db, category="dignity_respect")
    log(db, category="falls")
    log(db, category="falls")
    log(db, category="medication")
    log(db, category="nutrition_hydration")
    counts = key_question_counts(alert_register(db, COMMISSIONER, today=TODAY))
    assert counts.to_dict("records") == [
        {"CQC key question": "Safe", "Category": "Falls", "Alerts": 2},
        {"CQC key question": "Safe", "Category": "Medication", "Alerts": 1},
        {"CQC key question": "Effective", "Category": "Nutrition and hydration", "Alerts": 1},
        {"CQC key question": "Caring", "Category": "Dignity and respect", "Alerts": 1},
    ]
    spec = key_question_chart(counts).to_dict()
    assert spec["facet"]["row"]["field"] == "CQC key question"
    assert spec["facet"]["row"]["sort"] == ["Safe", "Effective", "Caring"]


# --- configuration --------------------------------------------------------------------------------


def test_shipped_config_is_valid() -> None:
    config = load_alert_config()
    assert (config.response_days, config.duplicate_window_days) == (20, 7)
    assert config.raise_concern is not None
    where = config.where_to_raise_a_concern()
    assert config.raise_concern.phone in where and config.raise_concern.email in where


def test_where_to_raise_a_concern_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(
        "[alerts.raise_concern]\nteam = 'Front Door'\nphone = 'ring us'\n"
        "email = 'not-an-address'\naddress = 'Town Hall, EX1 1AA'\n"
    )
    with pytest.raises(BadInput) as caught:
        load_alert_config(path)
    assert "raise_concern.phone" in str(caught.value)
    assert "raise_concern.email" in str(caught.value)
    path.write_text("[alerts.raise_concern]\nteam = 'Front Door'\n")
    with pytest.raises(BadInput, match=r"raise_concern\.phone"):
        load_alert_config(path)
    path.write_text("[alerts]\nresponse_days = 10\n")  # a file from before: still loads
    old = load_alert_config(path)
    assert old.raise_concern is None
    assert old.where_to_raise_a_concern() == "the council's adult social care team"


def test_config_missing_keys_take_defaults_and_broken_ones_are_named(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text("[alerts]\nresponse_days = 15\n")
    assert load_alert_config(path).response_days == 15
    assert load_alert_config(path).duplicate_window_days == 7
    for body, words in [
        ('[alerts]\nresponse_days = "20"\n', "response_days = '20'"),
        ("[alerts]\nresponse_days = 0\n", "response_days = 0"),
        ("[alerts]\nresponse_dayz = 20\n", "response_dayz"),
        ("[alerts\n", "not valid TOML"),
        ("alerts = 3\n", "must be a table"),
    ]:
        path.write_text(body)
        with pytest.raises(BadInput, match=r"alerts\.toml") as caught:
            load_alert_config(path)
        assert words in str(caught.value)
    with pytest.raises(BadInput, match="not found"):
        load_alert_config(tmp_path / "missing.toml")


def test_config_without_the_alerts_section_takes_every_default(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text("[other]\nresponse_days = 3\n")  # another section's keys are not ours
    config = load_alert_config(path)
    assert (config.response_days, config.duplicate_window_days) == (20, 7)
    assert config.raise_concern is None


def test_config_names_every_broken_key_in_one_message_that_starts_with_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text("[alerts]\nresponse_days = 0\nduplicate_window_days = 500\n")
    with pytest.raises(BadInput) as caught:
        load_alert_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: [alerts] ")
    assert "[alerts] response_days = 0: " in message
    assert "; [alerts] duplicate_window_days = 500: " in message
