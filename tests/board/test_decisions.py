"""Board decisions: agree or override with rationale, plans opened, permissions, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.board import decisions
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.store.models import (
    AuditEvent,
    BoardDecision,
    EnhancedMonitoring,
    ImprovementPlan,
    Provider,
)

BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
COMMISSIONER = Actor("cal", frozenset({Role.COMMISSIONER}))


@pytest.fixture
def db(engine: Engine) -> Engine:
    with Session(engine) as session:
        session.add(
            Provider(
                provider_id="PRV-1",
                name="Elm House",
                service_type="care_home",
                regulated=True,
                cqc_rating="requires_improvement",  # rated Amber every month
            )
        )
        session.commit()
    return engine


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _decide(engine: Engine, actor: Actor = BOARD, **overrides: object):
    values = {
        "board_month": "2026-10",
        "provider_id": "PRV-1",
        "computed_rating": "Amber",
        "agreed": True,
        "decision": "enhanced_monitoring",
    } | overrides
    return decisions.record_decision(engine, actor, today=dt.date(2026, 11, 5), **values)


def test_agreeing_keeps_computed_rating_and_is_audited(db: Engine) -> None:
    result = _decide(db)
    with Session(db) as session:
        saved = session.get(BoardDecision, result.decision_id)
        assert (saved.computed_rating, saved.agreed, saved.override_rating) == ("Amber", True, None)
        assert saved.decided_by == "bea"
        assert session.scalar(
            select(AuditEvent.entity).where(AuditEvent.entity_id == str(saved.id))
        )
    assert result.plan_id is None


def test_override_needs_rating_and_rationale(db: Engine) -> None:
    with pytest.raises(BadInput) as err:
        _decide(db, agreed=False, override_rating="Red", rationale="  ")
    assert any(p.startswith("rationale") for p in err.value.problems)
    with pytest.raises(BadInput) as err:
        _decide(db, agreed=False, rationale="Recent inspection")
    assert any("needs a rating" in p for p in err.value.problems)
    assert _count(db, BoardDecision) == 0
    assert _count(db, AuditEvent) == 0


def test_override_is_saved_beside_the_computed_rating(db: Engine) -> None:
    result = _decide(db, agreed=False, override_rating="Red", rationale="Whistleblowing")
    with Session(db) as session:
        saved = session.get(BoardDecision, result.decision_id)
        assert (saved.computed_rating, saved.override_rating) == ("Amber", "Red")


def test_improvement_plan_decision_opens_one_plan(db: Engine) -> None:
    first = _decide(db, decision="improvement_plan")
    second = _decide(db, decision="improvement_plan", board_month="2026-11")
    assert first.plan_id is not None and first.plan_id == second.plan_id
    with Session(db) as session:
        plan = session.get(ImprovementPlan, first.plan_id)
        assert plan.status == "open" and plan.board_decision_id == first.decision_id
        assert plan.opened_on == dt.date(2026, 11, 5)
    assert _count(db, ImprovementPlan) == 1


def test_a_computed_rating_the_records_do_not_give_is_refused(db: Engine) -> None:
    """The page passes the rating it showed; if the records now give another (they changed, or
    the value was forged), nothing is saved and the message says the current rating."""
    with pytest.raises(BadInput) as err:
        _decide(db, computed_rating="Green", decision="routine_monitoring")
    assert err.value.problems == [
        "computed_rating: the records now rate PRV-1 Amber for 2026-10, not Green: they changed "
        "after the page was drawn. Look at the provider again and record the decision."
    ]
    with pytest.raises(BadInput):
        _decide(db, computed_rating="Red", decision="improvement_plan")
    assert _count(db, BoardDecision) == 0
    assert _count(db, ImprovementPlan) == 0
    assert _count(db, AuditEvent) == 0


def test_only_board_members_decide(db: Engine) -> None:
    with pytest.raises(PermissionDenied):
        _decide(db, actor=COMMISSIONER)
    with pytest.raises(PermissionDenied):
        decisions.create_meeting(db, COMMISSIONER, board_month="2026-10", meeting_on="2026-11-04")
    assert _count(db, BoardDecision) == 0


def test_unknown_provider_and_bad_values_write_nothing(db: Engine) -> None:
    with pytest.raises(BadInput):
        _decide(db, provider_id="NOPE")
    with pytest.raises(BadInput) as err:
        _decide(db, decision="shout", computed_rating="Purple", board_month="2026-13")
    fields = {p.split(":")[0] for p in err.value.problems}
    assert {"decision", "computed_rating", "board_month"} <= fields
    assert _count(db, BoardDecision) == 0


def test_a_second_decision_without_an_amend_reason_is_refused_and_writes_nothing(
    db: Engine,
) -> None:
    _decide(db)
    before = {model: _count(db, model) for model in (BoardDecision, AuditEvent, EnhancedMonitoring)}
    with pytest.raises(FormInvalid) as err:
        _decide(db, agreed=False, override_rating="Green", rationale="New manager in post")
    assert set(err.value.fields) == {"amend_reason"}
    assert "already decided enhanced monitoring" in err.value.fields["amend_reason"]
    assert {model: _count(db, model) for model in before} == before


def test_an_amendment_keeps_the_earlier_decision_in_the_history(db: Engine) -> None:
    first = _decide(db, decision="routine_monitoring")
    second = _decide(
        db,
        agreed=False,
        override_rating="Green",
        rationale="New manager in post",
        decision="routine_monitoring",
        amends=first.decision_id,
        amend_reason="The inspection report arrived after the meeting",
    )
    assert second.amended == first.decision_id
    with Session(db) as session:
        latest = decisions.latest_decisions(session, "2026-10")["PRV-1"]
        assert (latest.id, latest.override_rating, latest.status) == (
            second.decision_id,
            "Green",
            "current",
        )
        assert latest.supersedes_id == first.decision_id
        assert latest.amend_reason == "The inspection report arrived after the meeting"
        history = decisions.decision_history(session, "PRV-1")
        assert [(d.id, d.status) for d in history] == [
            (second.decision_id, "current"),
            (first.decision_id, "superseded"),
        ]
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "board_decision")
        ).all()
        assert sorted(actions) == ["amend", "create"]


def test_an_amendment_naming_a_decision_no_longer_current_is_an_edit_conflict(db: Engine) -> None:
    first = _decide(db, decision="routine_monitoring")
    _decide(db, decision="routine_monitoring", amends=first.decision_id, amend_reason="Typo")
    with pytest.raises(EditConflict):
        _decide(db, decision="other", amends=first.decision_id, amend_reason="Mine")
    assert _count(db, BoardDecision) == 2


def test_changing_away_from_monitoring_asks_what_happens_to_it(db: Engine) -> None:
    first = _decide(db)  # enhanced monitoring starts
    assert first.monitoring_id is not None
    with pytest.raises(FormInvalid) as err:
        _decide(
            db,
            decision="improvement_plan",
            amends=first.decision_id,
            amend_reason="The Board asked for a plan",
        )
    assert set(err.value.fields) == {"workstream"}
    assert f"enhanced monitoring EM-{first.monitoring_id}" in err.value.fields["workstream"]
    with pytest.raises(FormInvalid) as err:
        _decide(
            db,
            decision="improvement_plan",
            amends=first.decision_id,
            amend_reason="The Board asked for a plan",
            workstream="close",
        )
    assert set(err.value.fields) == {"workstream_reason"}
    assert (_count(db, BoardDecision), _count(db, ImprovementPlan)) == (1, 0)

    second = _decide(
        db,
        decision="improvement_plan",
        amends=first.decision_id,
        amend_reason="The Board asked for a plan",
        workstream="close",
        workstream_reason="The plan replaces the monitoring",
    )
    assert second.closed == (f"enhanced monitoring EM-{first.monitoring_id}",)
    with Session(db) as session:
        monitoring = session.get(EnhancedMonitoring, first.monitoring_id)
        assert monitoring.ended_on == dt.date(2026, 11, 5)
        assert "The plan replaces the monitoring" in monitoring.end_rationale
        plan = session.scalars(select(ImprovementPlan)).one()
        assert plan.board_decision_id == second.decision_id


def test_keeping_the_earlier_workstream_moves_it_to_the_new_decision(db: Engine) -> None:
    first = _decide(db)
    second = _decide(
        db,
        decision="improvement_plan",
        amends=first.decision_id,
        amend_reason="Both are needed",
        workstream="keep",
    )
    assert second.kept == (f"enhanced monitoring EM-{first.monitoring_id}",)
    with Session(db) as session:
        monitoring = session.get(EnhancedMonitoring, first.monitoring_id)
        assert monitoring.ended_on is None
        assert monitoring.board_decision_id == second.decision_id
        kinds = {w.kind for w in decisions.workstreams_of(session, second.decision_id)}
        assert kinds == {"enhanced_monitoring", "improvement_plan"}


def test_a_decision_is_withdrawn_only_with_a_reason(db: Engine) -> None:
    first = _decide(db, decision="improvement_plan")
    with pytest.raises(FormInvalid) as err:
        decisions.withdraw_decision(db, BOARD, first.decision_id, " ")
    assert set(err.value.fields) == {"withdraw_reason", "workstream"}
    assert _count(db, AuditEvent) == 2  # the decision and its plan, nothing since
    closed = decisions.withdraw_decision(
        db,
        BOARD,
        first.decision_id,
        "Recorded against the wrong provider",
        workstream="close",
        workstream_reason="Opened in error",
        today=dt.date(2026, 11, 6),
    )
    assert closed == (f"improvement plan {first.plan_id}",)
    with Session(db) as session:
        assert decisions.latest_decisions(session, "2026-10") == {}
        withdrawn = session.get(BoardDecision, first.decision_id)
        assert (withdrawn.status, withdrawn.withdrawn_by) == ("withdrawn", "bea")
        assert session.get(ImprovementPlan, first.plan_id).status == "closed"
    with pytest.raises(EditConflict):
        decisions.withdraw_decision(db, BOARD, first.decision_id, "Again")
    # After a withdrawal the month has no current decision: a new one needs no amend reason.
    assert _decide(db, decision="routine_monitoring").amended is None


def test_every_problem_of_the_decision_form_at_once_by_field(db: Engine) -> None:
    with pytest.raises(FormInvalid) as err:
        _decide(db, agreed=False, rationale="  ")
    assert set(err.value.fields) == {"override_rating", "rationale"}
    assert _count(db, BoardDecision) == 0


def test_meeting_record(db: Engine) -> None:
    meeting_id = decisions.create_meeting(
        db, BOARD, board_month="2026-10", meeting_on="2026-11-04", attendees="Chair; Head of QA"
    )
    _decide(db, meeting_id=meeting_id)
    with Session(db) as session:
        (meeting,) = decisions.meetings_for_month(session, "2026-10")
        assert meeting.id == meeting_id and meeting.attendees == "Chair; Head of QA"
    with pytest.raises(BadInput):
        _decide(db, meeting_id=999)


@pytest.mark.parametrize(
    ("rating", "offered"),
    [
        ("Red", "improvement_plan"),
        ("Amber", "enhanced_monitoring"),
        ("Green", "routine_monitoring"),
    ],
)
def test_the_decision_offered_first_is_the_one_the_rating_calls_for(
    rating: str, offered: str
) -> None:
    assert decisions.suggested_decision(rating) == offered
    assert offered in decisions.DECISIONS
