"""Improvement plans and enhanced monitoring: the progress rule, sign-off, permissions, versions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.board import decisions
from sgoversight.board.frames import rows_from_frames
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import monitoring as plan_monitoring
from sgoversight.plans import read as plan_read
from sgoversight.plans import rules as plan_rules
from sgoversight.plans.records import monitoring_write
from sgoversight.store.models import (
    AuditEvent,
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
)

TODAY = dt.date(2026, 11, 24)
BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
COMMISSIONER = Actor("cal", frozenset({Role.COMMISSIONER}))
OWNER = Actor("planowner", frozenset({Role.PLAN_OWNER}))
OTHER_OWNER = Actor("olly", frozenset({Role.PLAN_OWNER}))
QA = Actor("quinn", frozenset({Role.QA_ATTENDEE}))
PROVIDER_USER = Actor("pat", frozenset({Role.PROVIDER}), provider_id="PRV-1")


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


# --- the progress rule, on frames ----------------------------------------------------------------


def _actions(*rows: tuple[str, str, str | None, str | None]) -> pd.DataFrame:
    """(action_id, provider_id, due_on, completed_on) rows as load_actions returns them."""
    frame = pd.DataFrame(rows, columns=["action_id", "provider_id", "due_on", "completed_on"])
    for column in ("due_on", "completed_on"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


AS_OF = "2026-11-30"


def test_overdue_at_and_around_the_as_of_date() -> None:
    actions = _actions(
        ("due-day-before", "P1", "2026-11-29", None),
        ("due-on-as-of", "P1", "2026-11-30", None),
        ("due-day-after", "P1", "2026-12-01", None),
        ("late-done-on-as-of", "P1", "2026-11-29", "2026-11-30"),
        ("late-done-after-as-of", "P1", "2026-11-29", "2026-12-01"),
        ("done-before", "P1", "2026-11-20", "2026-11-19"),
    )
    overdue = plan_rules.overdue_actions_mask(actions, dt.date(2026, 11, 30))
    assert list(actions.loc[overdue, "action_id"]) == ["due-day-before", "late-done-after-as-of"]
    statuses = dict(
        zip(actions["action_id"], plan_rules.action_statuses(actions, AS_OF), strict=True)
    )
    assert statuses == {
        "due-day-before": "Overdue",
        "due-on-as-of": "Due soon",
        "due-day-after": "Due soon",
        "late-done-on-as-of": "Done",
        "late-done-after-as-of": "Overdue",
        "done-before": "Done",
    }


def test_overdue_actions_by_provider_counts_every_provider_in_the_frame() -> None:
    actions = _actions(
        ("a1", "P1", "2026-11-01", None),
        ("a2", "P1", "2026-11-02", "2026-12-05"),
        ("a3", "P1", "2026-11-03", None),
        ("b1", "P2", "2026-11-30", None),
        ("c1", "P3", "2026-10-01", "2026-11-30"),
    )
    counted = plan_rules.overdue_actions_by_provider(actions, pd.Timestamp(AS_OF))
    assert counted.to_dict() == {"P1": 3, "P2": 0, "P3": 0}
    assert counted.dtype == "int64"
    assert plan_rules.overdue_actions_by_provider(actions.iloc[0:0], AS_OF).empty


def test_plan_overdue_beats_at_risk_and_closed_beats_all() -> None:
    on = dt.date(2026, 11, 10)
    overdue = _actions(("x", "P", "2026-11-09", None), ("y", "P", "2026-11-12", None))
    assert plan_rules.plan_progress(overdue, on) == "Overdue"
    assert plan_rules.plan_progress(overdue, on, closed=True) == "Closed"


@pytest.mark.parametrize(
    ("due", "expected"),
    [("2026-11-10", "At risk"), ("2026-11-24", "At risk"), ("2026-11-25", "On track")],
)
def test_at_risk_up_to_14_days_ahead_not_15(due: str, expected: str) -> None:
    on = dt.date(2026, 11, 10)
    assert plan_rules.plan_progress(_actions(("x", "P", due, None)), on) == expected


def test_done_actions_and_empty_plans_are_on_track() -> None:
    on = dt.date(2026, 11, 10)
    done = _actions(("x", "P", "2026-11-01", "2026-11-05"), ("y", "P", "2026-11-12", "2026-11-09"))
    assert plan_rules.plan_progress(done, on) == "On track"
    assert plan_rules.plan_progress(done.iloc[0:0], on) == "On track"
    # Completed after the date looked at: on that date it was still to do.
    late = _actions(("x", "P", "2026-11-01", "2026-11-15"))
    assert plan_rules.plan_progress(late, on) == "Overdue"


def test_tallies_of_many_plans_at_once_are_each_plans_own() -> None:
    """The portfolio tallies every plan in one pass; each plan's figures, progress and reason are
    those of its own actions taken alone, on dates around every due and completion date."""
    rng = np.random.default_rng(7)
    base = np.datetime64("2026-11-01")
    rows = []
    for number in range(300):
        due = base + np.timedelta64(int(rng.integers(-20, 40)), "D")
        done = rng.random() < 0.4
        completed = due + np.timedelta64(int(rng.integers(-10, 10)), "D") if done else None
        plan = f"PL-{int(rng.integers(0, 12))}"
        rows.append((f"X{number}", plan, str(due), None if completed is None else str(completed)))
    frame = pd.DataFrame(rows, columns=["action_id", "plan_id", "due_on", "completed_on"])
    for column in ("due_on", "completed_on"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    for offset in range(-25, 45, 6):
        on = dt.date(2026, 11, 1) + dt.timedelta(days=offset)
        tallies = plan_rules.action_tallies(frame, on)
        for plan_id, own in frame.groupby("plan_id"):
            alone = plan_rules.action_tally(own, on)
            assert tallies[str(plan_id)] == alone, (plan_id, on)
            progress = plan_rules.plan_progress(own, on)
            assert plan_rules.progress_of(alone) == progress
            assert plan_rules.progress_reason(alone, progress) == plan_rules.plan_progress_reason(
                own, on, progress
            )
            assert alone.overdue == int(plan_rules.overdue_actions_mask(own, on).sum())
            assert alone.due_soon == int(plan_rules.due_soon_mask(own, on).sum())
            assert alone.not_done == int((~plan_rules.done_mask(own, on)).sum())
            late, soon = plan_rules.overdue_actions_mask(own, on), plan_rules.due_soon_mask(own, on)
            assert alone.oldest_overdue == (own["due_on"][late].min() if late.any() else None)
            assert alone.first_due_soon == (own["due_on"][soon].min() if soon.any() else None)
    assert plan_rules.action_tallies(frame.iloc[0:0], dt.date(2026, 11, 1)) == {}


@pytest.mark.parametrize(
    ("review", "expected"),
    [(-1, "Overdue"), (0, "At risk"), (14, "At risk"), (15, "On track"), (None, "At risk")],
)
def test_monitoring_progress_follows_its_review_date(review: int | None, expected: str) -> None:
    review_on = None if review is None else days(review)
    assert plan_rules.monitoring_progress(review_on, TODAY) == expected
    assert plan_rules.monitoring_progress(review_on, TODAY, ended=True) == "Ended"


def test_status_is_always_a_word_with_an_icon() -> None:
    for status in (*plan_rules.PROGRESS_ORDER, *plan_rules.ACTION_STATUS_ORDER):
        text = plan_rules.status_text(status)
        assert text.endswith(status) and text != status


# --- the database use cases ----------------------------------------------------------------------


@pytest.fixture
def db(engine: Engine) -> Engine:
    with Session(engine) as session:
        session.add_all(
            [
                Provider(
                    provider_id="PRV-1",
                    name="Elm House",
                    service_type="care_home",
                    regulated=True,
                    cqc_rating="requires_improvement",  # rated Amber every month
                ),
                Provider(
                    provider_id="PRV-2", name="Ash Court", service_type="home_care", regulated=True
                ),
            ]
        )
        session.commit()
    return engine


def _count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _audits(engine: Engine, entity: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
            )
        )


def _open(engine: Engine, actor: Actor = COMMISSIONER, **overrides: object) -> str:
    values = {
        "provider_id": "PRV-1",
        "reason": "Medication errors found at the September visit",
        "owner": "planowner",
        "opened_on": days(-30),
        "next_review_on": days(30),
    } | overrides
    return plan_actions.open_plan(engine, actor, **values, today=TODAY)


def _add(engine: Engine, plan_id: str, owner: str = "Registered manager", due: int = 7) -> str:
    return plan_actions.add_action(
        engine, COMMISSIONER, plan_id, "Audit the medicine records", owner, days(due)
    )


def test_open_plan_is_saved_and_audited(db: Engine) -> None:
    plan_id = _open(db)
    with Session(db) as session:
        plan = session.get(ImprovementPlan, plan_id)
        assert (plan.status, plan.owner, plan.next_review_on) == ("open", "planowner", days(30))
    (event,) = _audits(db, "improvement_plan")
    assert (event.actor, event.action, event.entity_id) == ("cal", "create", plan_id)
    assert event.after["reason"].startswith("Medication")


def test_open_plan_problems_name_the_field(db: Engine) -> None:
    with pytest.raises(BadInput) as err:
        _open(db, reason="  ", owner="", opened_on=days(1))
    fields = {p.split(":")[0] for p in err.value.problems}
    assert {"reason", "owner", "opened_on"} <= fields
    with pytest.raises(BadInput) as err:
        _open(db, next_review_on=days(-31))
    assert err.value.problems[0].startswith("next_review_on: must be on or after opened_on")
    with pytest.raises(BadInput) as err:
        _open(db, provider_id="NOPE")
    assert err.value.problems == ["provider_id: unknown provider NOPE"]
    assert _count(db, ImprovementPlan) == 0
    assert _count(db, AuditEvent) == 0


def test_one_open_plan_per_provider(db: Engine) -> None:
    first = _open(db)
    with pytest.raises(BadInput) as err:
        _open(db)
    assert first in err.value.problems[0]
    assert _open(db, provider_id="PRV-2") != first


def test_who_may_open_plans_and_add_actions(db: Engine) -> None:
    for actor in (OWNER, QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            _open(db, actor)
    plan_id = _open(db, BOARD)
    for actor in (OWNER, QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            plan_actions.add_action(db, actor, plan_id, "Retrain staff", "planowner", days(7))
    _add(db, plan_id)
    assert _count(db, ImprovementAction) == 1


def test_plan_owner_updates_only_actions_they_own(db: Engine) -> None:
    plan_id = _open(db, owner="someone-else")
    mine = _add(db, plan_id, owner="PlanOwner ")
    theirs = _add(db, plan_id, owner="Registered manager")
    assert plan_actions.update_action(db, OWNER, mine, evidence="Audit booked", due_on=days(10))
    plan_actions.complete_action(db, OWNER, mine, TODAY, "Audit report attached", today=TODAY)
    with pytest.raises(PermissionDenied):
        plan_actions.update_action(db, OWNER, theirs, evidence="Not mine")
    with pytest.raises(PermissionDenied):
        plan_actions.complete_action(db, OWNER, theirs, TODAY, "Not mine", today=TODAY)
    with pytest.raises(PermissionDenied):
        plan_actions.update_action(db, OTHER_OWNER, mine, evidence="Not mine either")
    for actor in (QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            plan_actions.update_action(db, actor, theirs, evidence="Read only")


def test_the_plans_owner_owns_every_action_of_the_plan_but_cannot_reassign(db: Engine) -> None:
    plan_id = _open(db, owner="planowner")
    action_id = _add(db, plan_id, owner="Registered manager")
    assert plan_actions.update_action(db, OWNER, action_id, due_on=days(20))
    with pytest.raises(PermissionDenied):
        plan_actions.update_action(db, OWNER, action_id, owner="Deputy manager")
    assert plan_actions.update_action(db, COMMISSIONER, action_id, owner="Deputy manager")
    detail = plan_read.plan_detail(db, OWNER, plan_id, TODAY)
    assert detail.updatable_action_ids == [action_id]
    assert plan_read.plan_detail(db, OTHER_OWNER, plan_id, TODAY).updatable_action_ids == []


def test_marking_done_needs_evidence_and_a_date_not_in_the_future(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id, due=-3)
    with pytest.raises(BadInput) as err:
        plan_actions.complete_action(db, COMMISSIONER, action_id, days(1), " ", today=TODAY)
    assert {p.split(":")[0] for p in err.value.problems} == {"completed_on", "evidence"}
    with pytest.raises(BadInput) as err:
        plan_actions.complete_action(db, COMMISSIONER, action_id, days(-31), "Done", today=TODAY)
    assert err.value.problems[0].startswith("completed_on: must be on or after the plan opened")
    plan_actions.complete_action(db, COMMISSIONER, action_id, TODAY, "Audit report", today=TODAY)
    with pytest.raises(BadInput, match="not marked done"):
        plan_actions.complete_action(db, COMMISSIONER, action_id, TODAY, "Again", today=TODAY)
    with pytest.raises(BadInput) as err:
        plan_actions.update_action(db, COMMISSIONER, action_id, due_on=days(5))
    assert "can no longer change" in err.value.problems[0]
    assert plan_actions.update_action(db, COMMISSIONER, action_id, evidence="Audit report, v2")


def test_action_due_date_not_before_the_plan_opened(db: Engine) -> None:
    plan_id = _open(db)
    with pytest.raises(BadInput) as err:
        plan_actions.add_action(db, COMMISSIONER, plan_id, "Too early", "cal", days(-31))
    assert err.value.problems[0].startswith("due_on:")
    with pytest.raises(BadInput) as err:
        plan_actions.add_action(db, COMMISSIONER, plan_id, "", "", "not a date")
    assert {p.split(":")[0] for p in err.value.problems} == {"description", "owner", "due_on"}


def test_progress_changes_as_actions_are_done(db: Engine) -> None:
    plan_id = _open(db)
    late = _add(db, plan_id, due=-1)
    soon = _add(db, plan_id, due=14)
    assert plan_read.plan_detail(db, QA, plan_id, TODAY).progress == "Overdue"
    plan_actions.complete_action(db, COMMISSIONER, late, TODAY, "Done late", today=TODAY)
    detail = plan_read.plan_detail(db, QA, plan_id, TODAY)
    assert detail.progress == "At risk"
    assert list(detail.actions["status"]) == ["Done", "Due soon"]
    plan_actions.update_action(db, COMMISSIONER, soon, due_on=days(15))
    assert plan_read.plan_detail(db, QA, plan_id, TODAY).progress == "On track"


def test_sign_off_rules(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id, due=-2)
    with pytest.raises(PermissionDenied):
        plan_actions.close_plan(db, COMMISSIONER, plan_id, "All done", TODAY, today=TODAY)
    for actor in (OWNER, QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            plan_actions.close_plan(db, actor, plan_id, "All done", TODAY, today=TODAY)
    with pytest.raises(BadInput) as err:
        plan_actions.close_plan(db, BOARD, plan_id, "   ", days(1), today=TODAY)
    assert {p.split(":")[0] for p in err.value.problems} == {"rationale", "closed_on"}
    with pytest.raises(BadInput) as err:
        plan_actions.close_plan(db, BOARD, plan_id, "All done", TODAY, today=TODAY)
    assert action_id in err.value.problems[0] and "not done" in err.value.problems[0]

    plan_actions.complete_action(db, OWNER, action_id, TODAY, "Evidence seen at visit", today=TODAY)
    plan_actions.close_plan(
        db, BOARD, plan_id, "Visit found every action embedded", TODAY, today=TODAY
    )
    with Session(db) as session:
        plan = session.get(ImprovementPlan, plan_id)
        assert (plan.status, plan.closed_on, plan.signed_off_by) == ("closed", TODAY, "bea")
        assert plan.close_rationale == "Visit found every action embedded"
    assert _audits(db, "improvement_plan")[-1].action == "close"


def test_closed_plan_stays_readable_and_cannot_change_or_reopen(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id, due=-2)
    plan_actions.complete_action(db, COMMISSIONER, action_id, TODAY, "Evidence", today=TODAY)
    plan_actions.close_plan(db, BOARD, plan_id, "Improved", TODAY, today=TODAY)
    writes = [
        lambda: plan_actions.update_plan(db, COMMISSIONER, plan_id, owner="cal"),
        lambda: _add(db, plan_id),
        lambda: plan_actions.update_action(db, COMMISSIONER, action_id, evidence="More"),
        lambda: plan_actions.close_plan(db, BOARD, plan_id, "Again", TODAY, today=TODAY),
    ]
    for write in writes:
        with pytest.raises(BadInput, match="not"):
            write()
    detail = plan_read.plan_detail(db, QA, plan_id, TODAY)
    assert (detail.progress, detail.is_open, detail.updatable_action_ids) == ("Closed", False, [])
    assert not hasattr(plan_actions, "reopen_plan")
    # A new plan for the same provider may be opened instead.
    assert _open(db) != plan_id


def test_update_plan_owner_and_review_date(db: Engine) -> None:
    plan_id = _open(db)
    assert plan_actions.update_plan(
        db, COMMISSIONER, plan_id, owner="olly", next_review_on=days(60)
    )
    assert not plan_actions.update_plan(db, COMMISSIONER, plan_id, owner="olly")
    with pytest.raises(PermissionDenied):
        plan_actions.update_plan(db, OWNER, plan_id, owner="planowner")
    with pytest.raises(BadInput) as err:
        plan_actions.update_plan(db, COMMISSIONER, plan_id, next_review_on=days(-40))
    assert err.value.problems[0].startswith("next_review_on:")
    (change,) = [e for e in _audits(db, "improvement_plan") if e.action == "update"]
    assert change.before == {"owner": "planowner", "next_review_on": days(30).isoformat()}


def test_every_change_is_audited_in_its_transaction(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id)
    plan_actions.update_action(db, OWNER, action_id, evidence="Started")
    plan_actions.complete_action(db, OWNER, action_id, TODAY, "Finished", today=TODAY)
    events = [(e.action, e.actor) for e in _audits(db, "improvement_action")]
    assert events == [("create", "cal"), ("update", "planowner"), ("complete", "planowner")]
    # A refused change leaves no event.
    with pytest.raises(BadInput):
        plan_actions.update_action(db, OWNER, action_id, due_on=days(40))
    assert len(_audits(db, "improvement_action")) == 3


def test_provider_users_cannot_read_plans(db: Engine) -> None:
    """Plans, their actions and evidence, monitoring and its visit findings, and the Board's
    decisions are internal to the council: no read serves them to provider users (so no plan or
    monitoring note needs a per-note visibility choice)."""
    plan_id = _open(db)
    monitoring_id = plan_monitoring.start_monitoring(
        db, COMMISSIONER, "PRV-1", TODAY, days(30), "Amber twice", "cal", today=TODAY
    )
    plan_monitoring.record_visit(
        db, COMMISSIONER, monitoring_id, TODAY, "cal", "Internal", today=TODAY
    )
    from sgoversight.board import month as board

    for read in (
        lambda: plan_read.portfolio(db, PROVIDER_USER, TODAY),
        lambda: plan_read.due_soon(db, PROVIDER_USER, TODAY),
        lambda: plan_read.plan_detail(db, PROVIDER_USER, plan_id, TODAY),
        lambda: plan_read.plan_choices(db, PROVIDER_USER),
        lambda: plan_read.monitoring_detail(db, PROVIDER_USER, monitoring_id, TODAY),
        lambda: plan_read.monitoring_choices(db, PROVIDER_USER),
        lambda: board.decision_trail(db, PROVIDER_USER, "PRV-1"),
        lambda: decisions.open_workstreams(db, PROVIDER_USER, 1),
    ):
        with pytest.raises(PermissionDenied):
            read()
    assert len(plan_read.portfolio(db, QA, TODAY)) == 2  # council staff read both


# --- enhanced monitoring -------------------------------------------------------------------------


def _start(engine: Engine, actor: Actor = COMMISSIONER, **overrides: object) -> int:
    values = {
        "provider_id": "PRV-2",
        "started_on": days(-20),
        "review_on": days(40),
        "reason": "Amber for three months running",
        "lead": "cal",
    } | overrides
    return plan_monitoring.start_monitoring(engine, actor, **values, today=TODAY)


def test_monitoring_start_visit_end(db: Engine) -> None:
    monitoring_id = _start(db)
    with pytest.raises(BadInput, match="not started"):
        _start(db)
    plan_monitoring.record_visit(
        db, COMMISSIONER, monitoring_id, days(-5), "cal", "Records improved"
    )
    with pytest.raises(BadInput) as err:
        plan_monitoring.end_monitoring(db, COMMISSIONER, monitoring_id, days(-6), " ", today=TODAY)
    assert {p.split(":")[0] for p in err.value.problems} == {"rationale"}
    with pytest.raises(BadInput) as err:
        plan_monitoring.end_monitoring(
            db, COMMISSIONER, monitoring_id, days(-6), "Better", today=TODAY
        )
    assert err.value.problems[0].startswith("ended_on: must be on or after")
    plan_monitoring.end_monitoring(db, BOARD, monitoring_id, TODAY, "Two good visits", today=TODAY)
    detail = plan_read.monitoring_detail(db, QA, monitoring_id, TODAY)
    assert (detail.progress, detail.ended_by, len(detail.visits)) == ("Ended", "bea", 1)
    with pytest.raises(BadInput, match="not recorded"):
        plan_monitoring.record_visit(db, COMMISSIONER, monitoring_id, TODAY, "cal", "Too late")
    entities = [(e.entity, e.action) for e in _audits(db, "enhanced_monitoring")]
    assert entities == [("enhanced_monitoring", "create"), ("enhanced_monitoring", "end")]
    assert len(_audits(db, "monitoring_visit")) == 1
    # Ended: the provider may be put under enhanced monitoring again.
    assert _start(db, started_on=TODAY) != monitoring_id


def test_monitoring_problems_name_the_field(db: Engine) -> None:
    with pytest.raises(BadInput) as err:
        _start(db, started_on=days(3), review_on=days(1), reason="", lead="")
    fields = {p.split(":")[0] for p in err.value.problems}
    assert {"started_on", "reason", "lead"} <= fields
    with pytest.raises(BadInput) as err:
        _start(db, review_on=days(-21))
    assert err.value.problems[0].startswith("review_on: must be on or after started_on")
    assert _count(db, EnhancedMonitoring) == 0


def test_monitoring_permissions(db: Engine) -> None:
    for actor in (OWNER, QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            _start(db, actor)
    monitoring_id = _start(db, BOARD)
    for actor in (OWNER, QA, PROVIDER_USER):
        with pytest.raises(PermissionDenied):
            plan_monitoring.record_visit(db, actor, monitoring_id, TODAY, "x", "y", today=TODAY)
        with pytest.raises(PermissionDenied):
            plan_monitoring.end_monitoring(db, actor, monitoring_id, TODAY, "x", today=TODAY)


def test_concurrent_monitoring_edit_is_refused(db: Engine) -> None:
    monitoring_id = _start(db)
    seen = plan_read.monitoring_detail(db, COMMISSIONER, monitoring_id, TODAY).version
    # Two people opened the arrangement at version `seen`; the first saves a visit...
    plan_monitoring.record_visit(
        db, COMMISSIONER, monitoring_id, TODAY, "cal", "Staffing better", version=seen, today=TODAY
    )
    # ...so the second, still looking at `seen`, is refused and nothing of theirs is written.
    with pytest.raises(EditConflict, match="someone else changed") as err:
        plan_monitoring.end_monitoring(
            db, BOARD, monitoring_id, TODAY, "Looks fine", version=seen, today=TODAY
        )
    assert err.value.problems[0].startswith("version:")
    with pytest.raises(EditConflict):
        plan_monitoring.update_monitoring(db, BOARD, monitoring_id, lead="bea", version=seen)
    detail = plan_read.monitoring_detail(db, QA, monitoring_id, TODAY)
    assert detail.ended_on is None and detail.lead == "cal" and detail.version == seen + 1
    assert plan_monitoring.update_monitoring(db, BOARD, monitoring_id, lead="bea", version=seen + 1)


def test_a_save_racing_another_is_refused_by_the_version_check(db: Engine) -> None:
    """Two saves that read the same version: the second to write finds it moved on. (On SQLite
    each write takes the lock when it starts, so the other save is made here, in the same
    transaction, after the row was read; on PostgreSQL it comes from another connection.)"""
    monitoring_id = _start(db)
    table = EnhancedMonitoring.__table__
    with (
        pytest.raises(EditConflict, match="someone else changed"),
        monitoring_write(db, monitoring_id) as session,
    ):
        monitoring = session.get(EnhancedMonitoring, monitoring_id)
        # Someone else saves between this session reading the row and writing it.
        session.connection().execute(
            update(table)
            .where(table.c.id == monitoring_id)
            .values(version=table.c.version + 1, lead="bea")
        )
        monitoring.lead = "someone"
    with Session(db) as session:
        assert session.get(EnhancedMonitoring, monitoring_id).lead == "cal"


def test_board_decision_for_enhanced_monitoring_starts_it_once(db: Engine) -> None:
    def decide(month: str) -> decisions.RecordedDecision:
        return decisions.record_decision(
            db,
            BOARD,
            today=TODAY,
            board_month=month,
            provider_id="PRV-1",
            computed_rating="Amber",
            agreed=True,
            decision="enhanced_monitoring",
        )

    first, second = decide("2026-10"), decide("2026-11")
    assert first.monitoring_id is not None and first.monitoring_id == second.monitoring_id
    assert first.plan_id is None
    detail = plan_read.monitoring_detail(db, QA, first.monitoring_id, TODAY)
    assert detail.board_decision_id == first.decision_id and detail.started_on == TODAY
    assert detail.reason == "Provider Oversight Board 2026-10: rated Amber"
    assert detail.progress == "At risk"  # no review date yet
    assert _count(db, EnhancedMonitoring) == 1


# --- portfolio and due soon ----------------------------------------------------------------------


def test_portfolio_lists_open_plans_and_monitoring_overdue_first(db: Engine) -> None:
    on_track = _open(db, provider_id="PRV-2")
    _add(db, on_track, due=30)
    overdue = _open(db)
    _add(db, overdue, due=-1)
    monitoring_id = _start(db, provider_id="PRV-1", review_on=days(10))
    ended = _start(db, provider_id="PRV-2")
    plan_monitoring.end_monitoring(db, COMMISSIONER, ended, TODAY, "Improved", today=TODAY)

    frame = plan_read.portfolio(db, QA, TODAY)
    assert list(frame["reference"]) == [overdue, f"EM-{monitoring_id}", on_track]
    assert list(frame["progress"]) == ["Overdue", "At risk", "On track"]
    assert list(frame["progress_text"]) == ["✖ Overdue", "▲ At risk", "● On track"]
    assert frame.loc[0, "overdue_actions"] == 1 and frame.loc[0, "link"] == f"plans?plan={overdue}"
    assert frame.loc[1, "kind"] == "Enhanced monitoring"


def test_only_listed_keeps_the_rows_a_list_names_by_plan_or_arrangement(db: Engine) -> None:
    plan_id = _open(db)
    _add(db, plan_id, due=3)
    monitoring_id = _start(db, provider_id="PRV-2", review_on=days(10))
    frame = plan_read.portfolio(db, QA, TODAY)
    assert len(frame) == 2
    named = plan_read.only_listed(frame, [{"monitoring": str(monitoring_id)}])
    assert list(named["reference"]) == [f"EM-{monitoring_id}"]
    both = plan_read.only_listed(frame, [{"plan": plan_id}, {"monitoring": str(monitoring_id)}])
    assert len(both) == 2
    assert plan_read.only_listed(frame, [{"plan": "NO-SUCH-PLAN"}]).empty


def test_actions_to_update_come_most_urgent_first_then_done(db: Engine) -> None:
    plan_id = _open(db)
    later = _add(db, plan_id, due=20)
    done = _add(db, plan_id, due=1)
    overdue = _add(db, plan_id, due=-2)
    soon = _add(db, plan_id, due=5)
    plan_actions.complete_action(db, COMMISSIONER, done, TODAY, "Audit seen", today=TODAY)
    detail = plan_read.plan_detail(db, COMMISSIONER, plan_id, TODAY)
    assert detail.updatable_in_order == [overdue, soon, later, done]


def test_due_soon_a_plan_owner_sees_only_their_own(db: Engine) -> None:
    plan_id = _open(db, owner="olly", next_review_on=days(30))
    _start(db, lead="cal", review_on=days(5))
    mine = _add(db, plan_id, owner="planowner", due=3)
    _add(db, plan_id, owner="Registered manager", due=1)
    _add(db, plan_id, owner="planowner", due=15)  # beyond the 14 days
    _add(db, plan_id, owner="planowner", due=-2)  # overdue: only with include_overdue
    assert list(plan_read.due_soon(db, OWNER, TODAY)["reference"]) == [mine]
    with_overdue = plan_read.due_soon(db, OWNER, TODAY, include_overdue=True)
    assert list(with_overdue["status_text"]) == ["✖ Overdue", "▲ Due soon"]

    everything = plan_read.due_soon(db, COMMISSIONER, TODAY)
    assert list(everything["kind"]) == ["Monitoring review", "Action", "Action"]
    assert list(everything["mine"]) == [True, False, False]  # cal leads the monitoring: first
    assert list(everything["due_on"][1:]) == [days(1), days(3)]
    # The plan's owner owns every action of the plan.
    olly = plan_read.due_soon(db, OTHER_OWNER, TODAY)
    assert len(olly) == 2 and olly["mine"].all()


def test_overdue_actions_on_the_plans_page_and_in_the_rating_agree() -> None:
    """One rule: the Board's `overdue_actions` indicator counts what the plans page counts."""
    import pandas as pd

    from sgoversight.board import rules as scoring
    from sgoversight.board.config import load_scoring_config

    actions = pd.DataFrame(
        {
            "action_id": ["a1", "a2", "a3", "a4", "a5"],
            "plan_id": ["PL"] * 5,
            "provider_id": ["P1", "P1", "P1", "P2", "P2"],
            "owner": ["x"] * 5,
            "due_on": pd.to_datetime(
                ["2026-10-30", "2026-10-31", "2026-10-01", "2026-09-01", "2026-11-05"]
            ),
            "completed_on": pd.to_datetime([None, None, "2026-10-31", "2026-11-01", None]),
        }
    )
    providers = pd.DataFrame(
        {
            "provider_id": ["P1", "P2", "P3"],
            "name": ["One", "Two", "Three"],
            "service_type": ["care_home"] * 3,
            "regulated": [True] * 3,
            "commissioned": [True] * 3,
            "cqc_rating": [None] * 3,
            "capacity": [None] * 3,
        }
    )
    empty_alerts = pd.DataFrame(columns=scoring_columns("alerts"))
    empty_concerns = pd.DataFrame(columns=scoring_columns("concerns"))
    ratings = scoring.score_month(
        "2026-10",
        *rows_from_frames(providers, empty_alerts, empty_concerns, actions),
        load_scoring_config(),
    )
    from_rating = {r.provider_id: r.indicators["overdue_actions"] for r in ratings}
    from_page = plan_rules.overdue_actions_by_provider(actions, dt.date(2026, 10, 31))
    assert from_rating == {"P1": 1, "P2": 1, "P3": 0}
    assert from_page.to_dict() == {"P1": 1, "P2": 1}


def scoring_columns(kind: str) -> list[str]:
    from sgoversight.store.queries import ALERT_COLUMNS, CONCERN_COLUMNS

    return ALERT_COLUMNS if kind == "alerts" else CONCERN_COLUMNS


# --- a plan the Board opens needs setting up; one evidence box; versions -----------------------


def _board_plan(engine: Engine) -> str:
    recorded = decisions.record_decision(
        engine,
        BOARD,
        today=TODAY,
        board_month="2026-10",
        provider_id="PRV-1",
        computed_rating="Amber",
        agreed=False,
        override_rating="Red",
        rationale="Two medication incidents since the visit",
        decision="improvement_plan",
    )
    assert recorded.plan_id is not None
    return recorded.plan_id


def test_a_plan_opened_by_the_board_needs_setting_up_everywhere_until_it_is(db: Engine) -> None:
    plan_id = _board_plan(db)
    detail = plan_read.plan_detail(db, QA, plan_id, TODAY)
    assert detail.progress == "Needs setting up"
    assert detail.why == "Not set up yet: it needs an owner, a next review date and an action."
    (row,) = plan_read.portfolio(db, QA, TODAY).itertuples()
    assert (row.progress, row.progress_text) == ("Needs setting up", "◇ Needs setting up")
    listed = plan_read.due_soon(db, COMMISSIONER, TODAY)
    assert list(listed["kind"]) == ["Plan to set up"]

    plan_actions.update_plan(db, COMMISSIONER, plan_id, owner="planowner", next_review_on=days(30))
    assert plan_read.plan_detail(db, QA, plan_id, TODAY).why == (
        "Not set up yet: it needs an action."
    )
    mine = plan_read.due_soon(db, OWNER, TODAY, include_overdue=True)
    assert list(mine["reference"]) == [plan_id]  # the owner's list asks them to set it up

    _add(db, plan_id, owner="planowner", due=30)
    assert plan_read.plan_detail(db, QA, plan_id, TODAY).progress == "On track"
    assert "Plan to set up" not in set(plan_read.due_soon(db, OWNER, TODAY)["kind"])


def test_one_evidence_box_saves_evidence_and_marks_the_action_done(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id, owner="planowner")
    plan_actions.update_action(db, OWNER, action_id, evidence="Audit report of 20 November")
    # marked done later with nothing new typed: the evidence already recorded is the evidence
    plan_actions.complete_action(db, OWNER, action_id, TODAY, "", today=TODAY)
    with Session(db) as session:
        action = session.get(ImprovementAction, action_id)
        assert (action.completed_on, action.evidence) == (TODAY, "Audit report of 20 November")

    other = _add(db, plan_id, owner="planowner")
    changed = plan_actions.update_action(
        db, OWNER, other, evidence="Training records", completed_on=TODAY, today=TODAY
    )
    assert changed
    with Session(db) as session:
        action = session.get(ImprovementAction, other)
        assert (action.completed_on, action.evidence) == (TODAY, "Training records")


def test_marking_done_without_any_evidence_names_every_problem(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id)
    with pytest.raises(FormInvalid) as err:
        plan_actions.update_action(
            db, COMMISSIONER, action_id, evidence=" ", completed_on=days(3), today=TODAY
        )
    assert set(err.value.fields) == {"completed_on", "evidence"}


def test_a_stale_version_is_refused_and_writes_nothing(db: Engine) -> None:
    plan_id = _open(db)
    action_id = _add(db, plan_id)
    with Session(db) as session:
        plan_seen = session.get(ImprovementPlan, plan_id).version
        action_seen = session.get(ImprovementAction, action_id).version
    plan_actions.update_action(db, COMMISSIONER, action_id, evidence="First", version=action_seen)
    with pytest.raises(EditConflict):
        plan_actions.update_action(
            db, COMMISSIONER, action_id, evidence="Second", version=action_seen
        )
    plan_actions.update_plan(db, COMMISSIONER, plan_id, owner="olly", version=plan_seen)
    with pytest.raises(EditConflict):
        plan_actions.update_plan(db, COMMISSIONER, plan_id, owner="cal", version=plan_seen)
    with Session(db) as session:
        assert session.get(ImprovementAction, action_id).evidence == "First"
        assert session.get(ImprovementPlan, plan_id).owner == "olly"
