"""Alert ownership and the register's search: who may be assigned, triage sets the officer, a
reassignment needs a note and is audited, the "Assigned to me" / "Unassigned" filters, free-text
search (never through notes the person may not read) and days past response time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.alerts.config import AlertConfig
from sgoversight.alerts.officers import council_officers, council_usernames
from sgoversight.alerts.output import register_table
from sgoversight.alerts.read import allowed_actions, get_alert
from sgoversight.alerts.register import alert_register
from sgoversight.alerts.rules import INTERNAL, IllegalTransition, is_council_user
from sgoversight.alerts.workflow import add_note, assign_alert, close_alert, start_progress
from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.errors import FormInvalid
from sgoversight.store.models import AlertNote, AuditEvent, QualityAlert, User
from tests.support.alerts import (
    COMMISSIONER,
    OTHER_COMMISSIONER,
    PROVIDER_A,
    TODAY,
    add_providers,
    log,
    stored,
    version,
)

CONFIG = AlertConfig(response_days=20)


def add_user(
    engine: Engine,
    username: str,
    roles: list[str],
    *,
    provider_id: str | None = None,
    disabled: bool = False,
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            User(
                username=username,
                display_name=f"{username.title()} Example",
                email=f"{username}@example.org",
                password_hash="not-a-real-hash",
                roles=roles,
                provider_id=provider_id,
                disabled=disabled,
            )
        )


@pytest.fixture
def db(engine: Engine) -> Engine:
    add_providers(engine)
    add_user(engine, "cara", [Role.COMMISSIONER])
    add_user(engine, "colin", [Role.COMMISSIONER])
    add_user(engine, "sam", [Role.SAFEGUARDING])
    add_user(engine, "pat", [Role.PROVIDER], provider_id="PRV-A")
    add_user(engine, "gone", [Role.COMMISSIONER], disabled=True)
    return engine


def test_council_users_are_those_with_a_role_other_than_provider_staff(db: Engine) -> None:
    assert is_council_user([Role.COMMISSIONER])
    assert is_council_user([Role.PROVIDER, Role.QA_ATTENDEE])
    assert not is_council_user([Role.PROVIDER])
    assert not is_council_user([])
    officers = council_officers(db, COMMISSIONER)
    assert set(officers) == {"cara", "colin", "sam"}  # no provider staff, no disabled account
    with Session(db) as session:
        assert council_usernames(session, ["cara", "pat", "gone", "nobody"]) == {
            "cara",
            "gone",
        }


def test_starting_work_assigns_the_person_who_starts_it(db: Engine) -> None:
    alert_id = log(db)
    assert stored(db, alert_id).assigned_to is None
    start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    assert stored(db, alert_id).assigned_to == "cara"


def test_starting_work_can_assign_someone_else(db: Engine) -> None:
    alert_id = log(db)
    start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY, assigned_to="sam")
    assert stored(db, alert_id).assigned_to == "sam"
    detail = get_alert(db, COMMISSIONER, alert_id, today=TODAY)
    assert detail.assigned_label == "Sam Example (sam)"


@pytest.mark.parametrize("who", ["pat", "gone", "nobody"])
def test_starting_work_refuses_an_officer_who_is_not_an_enabled_council_user(
    db: Engine, who: str
) -> None:
    alert_id = log(db)
    with pytest.raises(FormInvalid) as refused:
        start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY, assigned_to=who)
    assert set(refused.value.fields) == {"assigned_to"}
    after = stored(db, alert_id)
    assert (after.status, after.assigned_to, after.version) == ("open", None, 1)


def test_reassigning_needs_a_note_and_is_noted_internally_and_audited(db: Engine) -> None:
    alert_id = log(db)
    start_progress(db, COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    with pytest.raises(FormInvalid) as refused:
        assign_alert(db, COMMISSIONER, alert_id, assigned_to="pat", note="  ", expected_version=2)
    assert set(refused.value.fields) == {"assigned_to", "note"}
    assert stored(db, alert_id).version == 2
    assign_alert(
        db,
        COMMISSIONER,
        alert_id,
        assigned_to="colin",
        note="Colin covers this home from Monday.",
        expected_version=2,
    )
    alert = stored(db, alert_id)
    assert (alert.assigned_to, alert.version) == ("colin", 3)
    (note,) = alert.notes
    assert note.visibility == INTERNAL
    assert note.text == (
        "Assigned to Colin Example (colin) (was Cara Example (cara)): "
        "Colin covers this home from Monday."
    )
    with Session(db) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "assign", AuditEvent.entity_id == alert_id
            )
        ).one()
    assert (event.before["assigned_to"], event.after["assigned_to"]) == ("cara", "colin")
    assert event.after["note_visibility"] == "internal"
    # Provider staff never read the internal note about who owns it.
    assert get_alert(db, PROVIDER_A, alert_id, today=TODAY).notes == ()


def test_the_same_officer_again_is_refused_and_nobody_unassigns(db: Engine) -> None:
    alert_id = log(db)
    with pytest.raises(FormInvalid) as refused:
        assign_alert(db, COMMISSIONER, alert_id, assigned_to=None, note="x", expected_version=1)
    assert "already unassigned" in refused.value.fields["assigned_to"]
    assign_alert(
        db, COMMISSIONER, alert_id, assigned_to="sam", note="Sam triages", expected_version=1
    )
    assign_alert(
        db, COMMISSIONER, alert_id, assigned_to="", note="Back to the pool", expected_version=2
    )
    assert stored(db, alert_id).assigned_to is None


def test_only_alert_managers_assign_and_never_on_a_closed_alert(db: Engine) -> None:
    alert_id = log(db)
    with pytest.raises(PermissionDenied):
        assign_alert(db, PROVIDER_A, alert_id, assigned_to="cara", note="Mine", expected_version=1)
    close_alert(
        db, COMMISSIONER, alert_id, outcome="Sorted", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    with pytest.raises(IllegalTransition):
        assign_alert(
            db, COMMISSIONER, alert_id, assigned_to="cara", note="Late", expected_version=2
        )
    detail = get_alert(db, COMMISSIONER, alert_id, today=TODAY)
    assert "assign" not in allowed_actions(COMMISSIONER, detail)
    with Session(db) as session:
        assert session.scalars(select(AlertNote)).all() == []


def _ids(frame) -> set[str]:  # type: ignore[no-untyped-def]
    return set(frame["alert_id"])


def test_assigned_to_me_and_unassigned_filters(db: Engine) -> None:
    mine, theirs, nobodys = log(db), log(db), log(db)
    start_progress(db, COMMISSIONER, mine, expected_version=1, today=TODAY)
    start_progress(db, OTHER_COMMISSIONER, theirs, expected_version=1, today=TODAY)

    def register(**filters: object):  # type: ignore[no-untyped-def]
        return alert_register(db, COMMISSIONER, today=TODAY, config=CONFIG, **filters)

    assert _ids(register(assigned=["me"])) == {mine}
    assert _ids(register(assigned=["unassigned"])) == {nobodys}
    assert _ids(register(assigned=["me", "unassigned"])) == {mine, nobodys}
    assert _ids(register(assigned=[])) == {mine, theirs, nobodys}
    frame = register()
    by_id = dict(zip(frame["alert_id"], register_table(frame)["Assigned to"], strict=True))
    assert by_id == {
        mine: "Cara Example (cara)",
        theirs: "Colin Example (colin)",
        nobodys: "Unassigned",
    }


def test_search_reads_id_former_id_provider_summary_and_readable_notes(db: Engine) -> None:
    medicines = log(db, summary="Evening MEDICINES late twice")
    falls = log(db, provider_id="PRV-B", summary="Two falls at night")
    noted = log(db, summary="Nothing special")
    add_note(db, COMMISSIONER, noted, "Whistleblower mentions 100% agency", expected_version=1)
    shared = log(db, summary="Another")
    add_note(
        db, COMMISSIONER, shared, "Agreed a rota review", expected_version=1, visibility="shared"
    )

    def search(words: str, actor: Actor = COMMISSIONER) -> set[str]:
        return _ids(alert_register(db, actor, today=TODAY, config=CONFIG, search=words))

    assert search("medicines") == {medicines}
    assert search("elm court") == {falls}  # provider name, any case
    assert search(falls) == {falls}
    assert search(falls[-3:]) >= {falls}
    assert search("whistleblower") == {noted}
    assert search("100%") == {noted}  # % is a character, not a wildcard
    assert search("_") == set()
    assert search("  ") == {medicines, falls, noted, shared}
    # Provider staff search only their own alerts and only the notes shared with them.
    assert search("whistleblower", PROVIDER_A) == set()
    assert search("rota review", PROVIDER_A) == {shared}
    assert search("falls", PROVIDER_A) == set()


def test_search_finds_an_alert_by_its_former_id(db: Engine) -> None:
    alert_id = log(db)
    with Session(db) as session, session.begin():
        alert = session.get(QualityAlert, alert_id)
        assert alert is not None
        alert.former_id = "QA-2025-00042"
    assert _ids(
        alert_register(db, COMMISSIONER, today=TODAY, config=CONFIG, search="qa-2025-000")
    ) == {alert_id}


def test_days_past_response_time(db: Engine) -> None:
    late = log(db, raised_on=TODAY - dt.timedelta(days=25))
    due_today = log(db, raised_on=TODAY - dt.timedelta(days=20))
    closed = log(db, raised_on=TODAY - dt.timedelta(days=30))
    close_alert(
        db, COMMISSIONER, closed, outcome="Done", closed_on=TODAY, expected_version=1, today=TODAY
    )
    frame = alert_register(db, COMMISSIONER, today=TODAY, config=CONFIG)
    days = dict(zip(frame["alert_id"], frame["days_past_response"], strict=True))
    assert days == {late: 5, due_today: 0, closed: 0}
    table = register_table(frame)
    assert list(table["Days past response time"]) == list(frame["days_past_response"])
    detail = get_alert(db, COMMISSIONER, late, today=TODAY, config=CONFIG)
    assert detail.days_past_response == 5
    assert version(db, late) == 1
