"""Plans and actions moved in from an existing tracker (CONTRACT.md §1) show in the portfolio."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Role
from sgoversight.intake.importing import import_file
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import read as plan_read
from sgoversight.plans import rules as plan_rules
from sgoversight.store.models import ImportRun, ImprovementAction, ImprovementPlan, Provider
from sgoversight.store.queries import load_actions

TODAY = dt.date(2026, 11, 24)
COMMISSIONER = Actor("cal", frozenset({Role.COMMISSIONER}))
QA = Actor("quinn", frozenset({Role.QA_ATTENDEE}))

PLANS_CSV = """plan_id,provider_id,opened_on,reason,status,closed_on
PL-1,PRV-1,2026-08-01,Medication errors at two visits,open,
PL-2,PRV-2,2025-01-10,Staffing shortfall,Closed,2025-09-30
PL-3,PRV-2,2026-10-01,Falls not followed up,open,
"""

ACTIONS_CSV = """\ufeffaction_id,plan_id,description,owner,due_on,completed_on
AC-1,PL-1,Audit medicine records weekly,planowner,2026-11-20,
AC-2,PL-1,Retrain night staff,Registered manager,2026-10-31,2026-10-30
AC-3,PL-1,Share audit with commissioners,Registered manager,2026-12-20,
AC-4,PL-2,Recruit two seniors,Registered manager,2025-06-30,2025-06-01
AC-5,PL-3,Review every falls plan,Head of care,2026-12-05,
"""

BAD_ACTIONS_CSV = """action_id,plan_id,description,owner,due_on,completed_on
AC-9,PL-404,Unknown plan,Registered manager,2026-12-01,
AC-10,PL-1,Bad date,Registered manager,31/12/2026,
AC-11,PL-1,Good row,Registered manager,2026-12-01,
"""


@pytest.fixture
def db(engine: Engine) -> Engine:
    with Session(engine) as session:
        session.add_all(
            [
                Provider(
                    provider_id="PRV-1", name="Elm House", service_type="care_home", regulated=True
                ),
                Provider(
                    provider_id="PRV-2", name="Ash Court", service_type="home_care", regulated=True
                ),
            ]
        )
        session.commit()
    return engine


def _import(engine: Engine, kind: str, text: str, name: str):
    return import_file(engine, kind, text.encode(), filename=name, actor=COMMISSIONER, today=TODAY)


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_imported_plans_and_actions_show_in_the_portfolio(db: Engine) -> None:
    assert _import(db, "plans", PLANS_CSV, "plans.csv").ok
    report = _import(db, "actions", ACTIONS_CSV, "actions.csv")
    assert report.ok and report.created == 5

    frame = plan_read.portfolio(db, QA, TODAY)
    assert list(frame["reference"]) == ["PL-1", "PL-3"]  # the closed plan is not in it
    # plans.csv names no owner or review date: an imported open plan needs setting up
    assert set(frame["progress"]) == {"Needs setting up"}
    for plan_id in ("PL-1", "PL-3"):
        plan_actions.update_plan(
            db, COMMISSIONER, plan_id, owner="cal", next_review_on=TODAY + dt.timedelta(days=30)
        )
    frame = plan_read.portfolio(db, QA, TODAY)
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["progress"], first["overdue_actions"], first["open_actions"]) == ("Overdue", 1, 2)
    assert first["why"] == "1 action overdue (oldest due 20 November 2026)."
    assert (second["progress"], second["due_soon_actions"]) == ("At risk", 1)

    closed = plan_read.plan_detail(db, QA, "PL-2", TODAY)
    assert closed.progress == "Closed" and list(closed.actions["status"]) == ["Done"]
    # The imported owner is a username: that plan owner may update the action.
    owner = Actor("planowner", frozenset({Role.PLAN_OWNER}))
    assert plan_read.plan_detail(db, owner, "PL-1", TODAY).updatable_action_ids == ["AC-1"]

    with Session(db) as session:
        counted = plan_rules.overdue_actions_by_provider(load_actions(session), TODAY)
    assert counted.to_dict() == {"PRV-1": 1, "PRV-2": 0}


def test_importing_the_same_files_again_changes_nothing(db: Engine) -> None:
    _import(db, "plans", PLANS_CSV, "plans.csv")
    _import(db, "actions", ACTIONS_CSV, "actions.csv")
    before = plan_read.portfolio(db, QA, TODAY)
    again = _import(db, "actions", ACTIONS_CSV, "actions.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert plan_read.portfolio(db, QA, TODAY).equals(before)


def test_bad_actions_file_is_refused_with_located_problems_and_nothing_written(
    db: Engine,
) -> None:
    _import(db, "plans", PLANS_CSV, "plans.csv")
    runs = _count(db, ImportRun)
    report = _import(db, "actions", BAD_ACTIONS_CSV, "actions.csv")
    assert not report.ok
    problems = [str(p) for p in report.problems]
    assert any(p.startswith("actions.csv:2:plan_id: ") and "PL-404" in p for p in problems)
    assert any(p.startswith("actions.csv:3:due_on: ") for p in problems)
    assert not any(p.startswith("actions.csv:4:") for p in problems)
    assert _count(db, ImprovementAction) == 0
    assert _count(db, ImportRun) == runs
    assert _count(db, ImprovementPlan) == 3
    assert list(plan_read.portfolio(db, QA, TODAY)["overdue_actions"]) == [0, 0]
