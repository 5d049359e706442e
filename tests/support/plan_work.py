"""Work under way on top of the demo borough (which has open plans but none due, done or newly
decided): enough for each of the landing page's plan lines to list records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import periods
from sgoversight.auth import Actor, Role
from sgoversight.board import month as board
from sgoversight.board.decisions import record_decision
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import monitoring as plan_monitoring
from sgoversight.store.models import ImprovementAction, ImprovementPlan

OFFICER = Actor("commissioner", frozenset({Role.COMMISSIONER}))
BOARD = Actor("board", frozenset({Role.BOARD_MEMBER}))


def start_plan_work(
    engine: Engine, today: dt.date, *, monitored: int = 1, decided: int = 2
) -> None:
    """Through the app's own rules: the first open plan is reviewed in 3 days with every action
    done (a review due, awaiting sign-off); the second's review is 2 days overdue; enhanced
    monitoring of `monitored` providers rated Red or worse with no plan is reviewed in 5 days; and
    the Board decides an improvement plan for `decided` more such providers (a plan that still
    needs setting up: work not started)."""
    with Session(engine) as session:
        open_plans = session.scalars(
            select(ImprovementPlan)
            .where(ImprovementPlan.status == "open")
            .order_by(ImprovementPlan.plan_id)
        ).all()
        first_actions = session.scalars(
            select(ImprovementAction).where(ImprovementAction.plan_id == open_plans[0].plan_id)
        ).all()
        planned = {plan.provider_id for plan in open_plans}
    plan_actions.update_plan(engine, OFFICER, open_plans[0].plan_id,
                      next_review_on=today + dt.timedelta(days=3))
    plan_actions.update_plan(engine, OFFICER, open_plans[1].plan_id,
                      next_review_on=today - dt.timedelta(days=2))
    for action in first_actions:
        if action.completed_on is None:
            plan_actions.update_action(engine, OFFICER, action.action_id,
                                       evidence="Seen on a visit", completed_on=today, today=today)
    month = periods.last_complete_month(today)
    view = board.board_month(engine, BOARD, month)
    free = [r for r in board.red_or_worse(view) if r.provider_id not in planned]
    review_on = today + dt.timedelta(days=5)
    for rating in free[:monitored]:
        plan_monitoring.start_monitoring(engine, OFFICER, rating.provider_id, today, review_on,
                               "Worse for two months", "commissioner", today=today)
    for rating in free[monitored : monitored + decided]:
        record_decision(
            engine, BOARD, today=today, board_month=month.label,
            provider_id=rating.provider_id, computed_rating=rating.rating, agreed=True,
            override_rating=None, rationale="", decision="improvement_plan", meeting_id=None,
        )
