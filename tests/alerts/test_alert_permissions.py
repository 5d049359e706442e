"""Who may do what with quality alerts and the QA meeting, checked in the domain functions
themselves (never only by the pages): every use case against every role, and provider staff kept
to their own provider's alerts."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.alerts import qa
from sgoversight.alerts.intake import log_alert, possible_duplicates
from sgoversight.alerts.read import allowed_actions, get_alert
from sgoversight.alerts.register import REGISTER_COLUMNS, alert_register
from sgoversight.alerts.workflow import (
    add_note,
    close_alert,
    record_feedback,
    reopen_alert,
    start_progress,
)
from sgoversight.auth import Actor, PermissionDenied
from sgoversight.store.models import AuditEvent
from tests.support.alerts import (
    ADMIN,
    BOARD,
    COMMISSIONER,
    PLAN_OWNER,
    PROVIDER_A,
    PROVIDER_B,
    QA_ATTENDEE,
    SAFEGUARDING,
    TODAY,
    add_providers,
    form,
    log,
    version,
)

MEETING = TODAY - dt.timedelta(days=2)


@dataclass(frozen=True)
class World:
    """Harbour View (PRV-A) has an open and a closed alert; Elm Court (PRV-B) has one alert."""

    engine: Engine
    alert_a: str
    closed_a: str
    alert_b: str
    meeting: int
    action: int


@pytest.fixture
def world(engine: Engine) -> World:
    add_providers(engine)
    alert_a = log(engine, raised_on=TODAY - dt.timedelta(days=5))
    closed_a = log(engine, raised_on=TODAY - dt.timedelta(days=5))
    close_alert(
        engine, COMMISSIONER, closed_a, outcome="Resolved", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    alert_b = log(engine, provider_id="PRV-B", raised_on=TODAY - dt.timedelta(days=5))
    meeting = qa.create_meeting(engine, COMMISSIONER, meeting_on=MEETING, attendees="Cara")
    action = qa.add_qa_action(
        engine, COMMISSIONER, meeting, alert_a, owner="Manager", due_on=TODAY,
        description="Send the audit",
    )  # fmt: skip
    return World(engine, alert_a, closed_a, alert_b, meeting, action)


ACTORS: dict[str, Actor] = {
    "commissioner": COMMISSIONER,
    "admin": ADMIN,
    "safeguarding": SAFEGUARDING,
    "board": BOARD,
    "qa_attendee": QA_ATTENDEE,
    "plan_owner": PLAN_OWNER,
    "provider_own": PROVIDER_A,
    "provider_other": PROVIDER_B,
}

UseCase = Callable[[World, Actor], object]

# Every use case acts on Harbour View (PRV-A): "provider_own" is Harbour View's staff,
# "provider_other" is Elm Court's.
USE_CASES: dict[str, tuple[UseCase, set[str]]] = {
    "log_alert": (
        lambda w, a: log_alert(w.engine, a, form(), today=TODAY),
        {"commissioner", "admin", "safeguarding", "provider_own"},
    ),
    "possible_duplicates": (
        lambda w, a: possible_duplicates(w.engine, a, "PRV-A", "medication", TODAY),
        {"commissioner", "admin", "safeguarding", "provider_own"},
    ),
    "get_alert": (
        lambda w, a: get_alert(w.engine, a, w.alert_a, today=TODAY),
        {"commissioner", "admin", "safeguarding", "board", "qa_attendee", "provider_own"},
    ),
    "start_progress": (
        lambda w, a: start_progress(w.engine, a, w.alert_a, expected_version=1, today=TODAY),
        {"commissioner", "admin"},
    ),
    "close_alert": (
        lambda w, a: close_alert(
            w.engine,
            a,
            w.alert_a,
            outcome="Done",
            closed_on=TODAY,
            expected_version=1,
            today=TODAY,
        ),
        {"commissioner", "admin"},
    ),
    "reopen_alert": (
        lambda w, a: reopen_alert(
            w.engine, a, w.closed_a, reason="Again", expected_version=2, today=TODAY
        ),
        {"commissioner", "admin"},
    ),
    "add_note": (
        lambda w, a: add_note(w.engine, a, w.alert_a, "A note", expected_version=1),
        {"commissioner", "admin", "safeguarding", "provider_own"},
    ),
    "record_feedback": (
        lambda w, a: record_feedback(
            w.engine, a, w.alert_a, to="raiser", on=TODAY, expected_version=1, today=TODAY
        ),
        {"commissioner", "admin"},
    ),
    "create_meeting": (
        lambda w, a: qa.create_meeting(w.engine, a, meeting_on=TODAY),
        {"commissioner", "admin"},
    ),
    "record_discussion": (
        lambda w, a: qa.record_discussion(w.engine, a, w.meeting, w.alert_a, "Discussed"),
        {"commissioner", "admin"},
    ),
    "add_qa_action": (
        lambda w, a: qa.add_qa_action(
            w.engine, a, w.meeting, w.alert_a, owner="Cara", due_on=TODAY, description="Visit"
        ),
        {"commissioner", "admin"},
    ),
    "complete_qa_action": (
        lambda w, a: qa.complete_qa_action(w.engine, a, w.action, completed_on=TODAY, today=TODAY),
        {"commissioner", "admin"},
    ),
}

READ_ALERTS = {"commissioner", "admin", "safeguarding", "board", "qa_attendee", "provider_own",
               "provider_other"}  # fmt: skip
READ_USE_CASES: dict[str, UseCase] = {
    "alert_register": lambda w, a: alert_register(w.engine, a, today=TODAY),
    "list_meetings": lambda w, a: qa.list_meetings(w.engine, a),
    "agenda": lambda w, a: qa.agenda(w.engine, a, w.meeting),
    "minutes_xlsx": lambda w, a: qa.minutes_xlsx(w.engine, a, w.meeting),
    "minutes_pdf": lambda w, a: qa.minutes_pdf(w.engine, a, w.meeting),
}


def _audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("role", list(ACTORS))
@pytest.mark.parametrize("use_case", list(USE_CASES))
def test_use_case_allowed_only_for_its_roles(world: World, use_case: str, role: str) -> None:
    call, allowed = USE_CASES[use_case]
    actor = ACTORS[role]
    audit_before = _audit_count(world.engine)
    if role in allowed:
        call(world, actor)
        return
    with pytest.raises(PermissionDenied):
        call(world, actor)
    # A refusal leaves no trace: the alerts are as they were and nothing was audited.
    assert version(world.engine, world.alert_a) == 1
    assert version(world.engine, world.closed_a) == 2
    assert _audit_count(world.engine) == audit_before


@pytest.mark.parametrize("use_case", list(READ_USE_CASES))
def test_reading_needs_permission_to_see_alerts(world: World, use_case: str) -> None:
    call = READ_USE_CASES[use_case]
    for role, actor in ACTORS.items():  # reading changes nothing, so one database serves all
        if role in READ_ALERTS:
            call(world, actor)
        else:
            with pytest.raises(PermissionDenied):
                call(world, actor)


def test_provider_user_reads_only_their_own_alerts(world: World) -> None:
    with pytest.raises(PermissionDenied):
        get_alert(world.engine, PROVIDER_A, world.alert_b, today=TODAY)
    own = alert_register(world.engine, PROVIDER_A, today=TODAY)
    assert set(own["provider_id"]) == {"PRV-A"}
    asked_for_other = alert_register(world.engine, PROVIDER_A, today=TODAY, provider_ids=["PRV-B"])
    assert asked_for_other.empty
    other = alert_register(world.engine, PROVIDER_B, today=TODAY)
    assert list(other["alert_id"]) == [world.alert_b]
    with pytest.raises(PermissionDenied):
        possible_duplicates(world.engine, PROVIDER_A, "PRV-B", "medication", TODAY)


def test_provider_user_changes_nothing_of_another_provider(world: World) -> None:
    with pytest.raises(PermissionDenied):
        add_note(world.engine, PROVIDER_A, world.alert_b, "Not mine", expected_version=1)
    with pytest.raises(PermissionDenied):
        log_alert(world.engine, PROVIDER_A, form(provider_id="PRV-B"), today=TODAY)
    assert version(world.engine, world.alert_b) == 1


def test_provider_user_never_sees_the_raisers_contact(world: World) -> None:
    mine = get_alert(world.engine, PROVIDER_A, world.alert_a, today=TODAY)
    assert mine.raiser_contact is None and mine.contact_hidden
    council = get_alert(world.engine, COMMISSIONER, world.alert_a, today=TODAY)
    assert council.raiser_contact == "Daughter, 07700 900123" and not council.contact_hidden
    assert "raiser_contact" not in REGISTER_COLUMNS


def test_provider_user_sees_only_their_part_of_the_agenda_and_minutes(world: World) -> None:
    council = qa.agenda(world.engine, COMMISSIONER, world.meeting)
    assert {g.provider_id for g in council.groups} == {"PRV-A", "PRV-B"}
    theirs = qa.agenda(world.engine, PROVIDER_B, world.meeting)
    assert [e.alert_id for e in theirs.entries] == [world.alert_b]
    book = openpyxl.load_workbook(
        io.BytesIO(qa.minutes_xlsx(world.engine, PROVIDER_B, world.meeting))
    )
    providers = {row[0].value for row in book["Agenda and discussion"].iter_rows(min_row=4)}
    assert providers == {"Elm Court"}
    assert book["Agreed actions"].max_row == 3  # the action is Harbour View's
    assert qa.open_actions_count(world.engine, PROVIDER_B, world.meeting) == 0
    assert qa.open_actions_count(world.engine, PROVIDER_A, world.meeting) == 1


def test_what_pages_offer_matches_the_rules(world: World) -> None:
    detail = get_alert(world.engine, COMMISSIONER, world.alert_a, today=TODAY)
    assert allowed_actions(COMMISSIONER, detail) == {
        "start_progress", "close", "feedback", "assign", "note"
    }  # fmt: skip
    assert allowed_actions(PROVIDER_A, detail) == {"note"}
    assert allowed_actions(PROVIDER_B, detail) == frozenset()
    assert allowed_actions(QA_ATTENDEE, detail) == frozenset()
    assert allowed_actions(SAFEGUARDING, detail) == {"note"}
    closed = get_alert(world.engine, COMMISSIONER, world.closed_a, today=TODAY)
    assert allowed_actions(ADMIN, closed) == {"reopen", "feedback", "note"}
