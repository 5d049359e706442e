"""Reading improvement plans and enhanced monitoring: the portfolio of what is open, what is
due soon, one plan or arrangement in detail, and the choices a page offers.

Every read needs VIEW_PLANS (sgoversight.plans.access); provider users see their own workstream
instead (sgoversight.plans.workstream). Progress follows sgoversight.plans.rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission
from sgoversight.plans.access import may_update_action, owns_action, require_view, same_name
from sgoversight.plans.records import monitoring_or_refuse, plan_or_refuse
from sgoversight.plans.rules import (
    ACTION_STATUS_ORDER,
    DUE_SOON,
    DUE_SOON_DAYS,
    MONITORING_KIND,
    NEEDS_SETUP,
    OVERDUE,
    PLAN_KIND,
    PROGRESS_ORDER,
    ActionTally,
    action_statuses,
    action_tallies,
    action_tally,
    monitoring_progress,
    monitoring_progress_reason,
    monitoring_reference,
    progress_of,
    progress_reason,
    setup_missing,
    status_text,
)
from sgoversight.store.models import (
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
)
from sgoversight.store.queries import as_dates, load_actions, scoped

PORTFOLIO_COLUMNS = [
    "kind",
    "reference",
    "provider_id",
    "provider",
    "progress",
    "progress_text",
    "why",
    "since",
    "owner",
    "next_review_on",
    "open_actions",
    "overdue_actions",
    "due_soon_actions",
    "link",
]


def plan_link(plan_id: str) -> str:
    """The plans page showing one plan (other pages link here): `plans?plan=PLAN-ID`."""
    return f"plans?plan={plan_id}"


def monitoring_link(monitoring_id: int) -> str:
    """The plans page showing one enhanced monitoring arrangement."""
    return f"plans?monitoring={monitoring_id}"


def _actions_frame(session: Session, actor: Actor) -> pd.DataFrame:
    return load_actions(session, actor.provider_scope())


def open_arrangements(
    session: Session, scope: str | None
) -> tuple[list[tuple[ImprovementPlan, str]], list[tuple[EnhancedMonitoring, str]]]:
    """The open improvement plans and the enhanced monitoring not yet ended, each with its
    provider's name (only `scope`'s when given)."""
    plans = session.execute(
        scoped(
            select(ImprovementPlan, Provider.name)
            .join(Provider, Provider.provider_id == ImprovementPlan.provider_id)
            .where(ImprovementPlan.status == "open"),
            ImprovementPlan.provider_id,
            scope,
        )
    ).all()
    monitoring = session.execute(
        scoped(
            select(EnhancedMonitoring, Provider.name)
            .join(Provider, Provider.provider_id == EnhancedMonitoring.provider_id)
            .where(EnhancedMonitoring.ended_on.is_(None)),
            EnhancedMonitoring.provider_id,
            scope,
        )
    ).all()
    return [(plan, name) for plan, name in plans], [(m, name) for m, name in monitoring]


def portfolio(engine: Engine, actor: Actor, today: dt.date) -> pd.DataFrame:
    """Every open improvement plan and open enhanced monitoring arrangement on `today`, one row
    each (PORTFOLIO_COLUMNS), most urgent first: Overdue, At risk, On track; then most overdue
    actions, earliest review date, provider name. Needs VIEW_PLANS."""
    require_view(actor)
    scope = actor.provider_scope()
    with Session(engine) as session:
        plans, monitoring = open_arrangements(session, scope)
        actions = _actions_frame(session, actor)
    tallies = action_tallies(actions, today)
    rows: list[dict[str, Any]] = []
    for plan, provider_name in plans:
        tally = tallies.get(plan.plan_id, ActionTally())
        missing = setup_missing(plan.owner, plan.next_review_on, tally.actions)
        progress = progress_of(tally, missing=missing)
        rows.append(
            {
                "kind": PLAN_KIND,
                "reference": plan.plan_id,
                "provider_id": plan.provider_id,
                "provider": provider_name,
                "progress": progress,
                "progress_text": status_text(progress),
                "why": progress_reason(tally, progress, missing),
                "since": plan.opened_on,
                "owner": plan.owner,
                "next_review_on": plan.next_review_on,
                "open_actions": tally.not_done,
                "overdue_actions": tally.overdue,
                "due_soon_actions": tally.due_soon,
                "link": plan_link(plan.plan_id),
            }
        )
    for arrangement, provider_name in monitoring:
        progress = monitoring_progress(arrangement.review_on, today)
        rows.append(
            {
                "kind": MONITORING_KIND,
                "reference": monitoring_reference(arrangement.id),
                "provider_id": arrangement.provider_id,
                "provider": provider_name,
                "progress": progress,
                "progress_text": status_text(progress),
                "why": monitoring_progress_reason(arrangement.review_on, progress),
                "since": arrangement.started_on,
                "owner": arrangement.lead,
                "next_review_on": arrangement.review_on,
                "open_actions": 0,
                "overdue_actions": 0,
                "due_soon_actions": 0,
                "link": monitoring_link(arrangement.id),
            }
        )
    frame = pd.DataFrame(rows, columns=PORTFOLIO_COLUMNS)
    if frame.empty:
        return frame
    frame["_rank"] = frame["progress"].map(PROGRESS_ORDER.index)
    frame["_review"] = pd.to_datetime(frame["next_review_on"])
    frame = frame.sort_values(
        ["_rank", "overdue_actions", "_review", "provider", "reference"],
        ascending=[True, False, True, True, True],
        na_position="last",
    )
    return frame.drop(columns=["_rank", "_review"]).reset_index(drop=True)


DUE_SOON_COLUMNS = [
    "due_on",
    "kind",
    "what",
    "provider",
    "reference",
    "owner",
    "mine",
    "status_text",
    "link",
]


def only_own_actions(actor: Actor) -> bool:
    """A plan owner (UPDATE_OWN_ACTIONS without MANAGE_PLANS) sees only what they own."""
    return actor.can(Permission.UPDATE_OWN_ACTIONS) and not actor.can(Permission.MANAGE_PLANS)


def due_soon(
    engine: Engine,
    actor: Actor,
    today: dt.date,
    days: int = DUE_SOON_DAYS,
    *,
    include_overdue: bool = False,
) -> pd.DataFrame:
    """What falls due from `today` to `today` + `days` (DUE_SOON_COLUMNS): actions not done,
    plan reviews and monitoring reviews of open plans and arrangements; with `include_overdue`
    also actions overdue and reviews passed. An open plan that needs setting up (setup_missing) is
    listed too, dated the day it opened, whatever the window.

    `mine` marks what the actor owns (an action they own, a plan they own, monitoring they lead).
    A plan owner (only_own_actions) sees only their own; everyone else sees everything, their own
    first, then by date. Needs VIEW_PLANS.
    """
    require_view(actor)
    start = pd.Timestamp(today)
    end = start + pd.Timedelta(days=days)
    scope = actor.provider_scope()
    with Session(engine) as session:
        plans, monitoring = open_arrangements(session, scope)
        open_ids = [plan.plan_id for plan, _ in plans]
        actions = _open_actions(session, open_ids)
        counted = dict(
            session.execute(
                select(ImprovementAction.plan_id, func.count())
                .where(ImprovementAction.plan_id.in_(open_ids))
                .group_by(ImprovementAction.plan_id)
            ).all()
        )
    plan_by_id = {plan.plan_id: (plan, name) for plan, name in plans}

    def in_window(day: dt.date | None) -> bool:
        if day is None:
            return False
        stamp = pd.Timestamp(day)
        return stamp <= end and (include_overdue or stamp >= start)

    rows: list[dict[str, Any]] = []
    for action in actions:
        plan, name = plan_by_id[action.plan_id]
        if not in_window(action.due_on):
            continue
        status = OVERDUE if action.due_on < today else DUE_SOON
        rows.append(
            {
                "due_on": action.due_on,
                "kind": "Action",
                "what": action.description,
                "provider": name,
                "reference": action.action_id,
                "owner": action.owner,
                "mine": owns_action(actor, action, plan),
                "status_text": status_text(status),
                "link": plan_link(plan.plan_id),
            }
        )
    for plan, name in plans:
        missing = setup_missing(plan.owner, plan.next_review_on, counted.get(plan.plan_id, 0))
        if missing:  # waiting to be set up, whatever the window
            rows.append(
                {
                    "due_on": plan.opened_on,
                    "kind": "Plan to set up",
                    "what": f"Set up improvement plan {plan.plan_id}: it needs "
                    + " and ".join(missing),
                    "provider": name,
                    "reference": plan.plan_id,
                    "owner": plan.owner,
                    "mine": same_name(plan.owner, actor.username),
                    "status_text": status_text(NEEDS_SETUP),
                    "link": plan_link(plan.plan_id),
                }
            )
        if in_window(plan.next_review_on):
            status = OVERDUE if plan.next_review_on < today else DUE_SOON
            rows.append(
                {
                    "due_on": plan.next_review_on,
                    "kind": "Plan review",
                    "what": f"Review improvement plan {plan.plan_id}",
                    "provider": name,
                    "reference": plan.plan_id,
                    "owner": plan.owner,
                    "mine": same_name(plan.owner, actor.username),
                    "status_text": status_text(status),
                    "link": plan_link(plan.plan_id),
                }
            )
    for arrangement, name in monitoring:
        if in_window(arrangement.review_on):
            status = OVERDUE if arrangement.review_on < today else DUE_SOON
            rows.append(
                {
                    "due_on": arrangement.review_on,
                    "kind": "Monitoring review",
                    "what": f"Review enhanced monitoring {monitoring_reference(arrangement.id)}",
                    "provider": name,
                    "reference": monitoring_reference(arrangement.id),
                    "owner": arrangement.lead,
                    "mine": same_name(arrangement.lead, actor.username),
                    "status_text": status_text(status),
                    "link": monitoring_link(arrangement.id),
                }
            )
    frame = pd.DataFrame(rows, columns=DUE_SOON_COLUMNS)
    if only_own_actions(actor):
        frame = frame[frame["mine"].astype(bool)]
    if frame.empty:
        return frame.reset_index(drop=True)
    frame = frame.sort_values(
        ["mine", "due_on", "provider", "reference"], ascending=[False, True, True, True]
    )
    return frame.reset_index(drop=True)


def _open_actions(session: Session, plan_ids: Iterable[str]) -> list[ImprovementAction]:
    ids = list(plan_ids)
    found: list[ImprovementAction] = []
    for start in range(0, len(ids), 500):
        found.extend(
            session.scalars(
                select(ImprovementAction).where(
                    ImprovementAction.plan_id.in_(ids[start : start + 500]),
                    ImprovementAction.completed_on.is_(None),
                )
            )
        )
    return found


ACTION_DETAIL_COLUMNS = [
    "action_id",
    "description",
    "owner",
    "due_on",
    "completed_on",
    "evidence",
    "status",
    "status_text",
    "may_update",
    "version",
]


@dataclass(frozen=True)
class PlanDetail:
    """One plan as the plans page shows it, with what the actor may do to it."""

    plan_id: str
    provider_id: str
    provider_name: str
    status: str
    opened_on: dt.date
    reason: str
    owner: str | None
    next_review_on: dt.date | None
    closed_on: dt.date | None
    signed_off_by: str | None
    close_rationale: str | None
    board_decision_id: int | None
    progress: str
    why: str
    #: ACTION_DETAIL_COLUMNS, by due date; dates as datetime64 (NaT = not done).
    actions: pd.DataFrame
    can_manage: bool
    can_sign_off: bool
    #: The plan's version when read: a change made from this view names it (update_plan).
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def updatable_action_ids(self) -> list[str]:
        """The actions the actor may update or mark done now (none once the plan is closed)."""
        if not self.is_open:
            return []
        return list(self.actions.loc[self.actions["may_update"], "action_id"])

    @property
    def updatable_in_order(self) -> list[str]:
        """The actions the actor may update, those still to do first and most urgent first
        (ACTION_STATUS_ORDER: overdue, due soon, not yet due), then done ones, for their
        evidence; by due date within each status."""
        status = self.actions.set_index("action_id")["status"]
        return sorted(self.updatable_action_ids, key=lambda a: ACTION_STATUS_ORDER.index(status[a]))


def only_listed(frame: pd.DataFrame, wanted: Iterable[Mapping[str, str]]) -> pd.DataFrame:
    """The rows of `frame` (PORTFOLIO_COLUMNS) whose link opens one of the `wanted` addresses:
    the parameters a list's items open the plans page with (`{"plan": ID}`, `{"monitoring": ID}`).
    """
    want = {tuple(sorted(params.items())) for params in wanted}
    opened = [
        tuple(sorted((name, values[0]) for name, values in parse_qs(urlsplit(link).query).items()))
        for link in frame["link"]
    ]
    return frame[[row in want for row in opened]]


def plan_detail(
    engine: Engine, actor: Actor, plan_id: str, today: dt.date | None = None
) -> PlanDetail:
    """One plan, open or closed, with its actions' status on `today` (VIEW_PLANS)."""
    require_view(actor)
    today = today or dt.date.today()
    with Session(engine) as session:
        plan = plan_or_refuse(session, plan_id, "No such improvement plan")
        actor.require_provider(plan.provider_id)
        provider = session.get(Provider, plan.provider_id)
        rows = [
            {
                "action_id": a.action_id,
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on,
                "completed_on": a.completed_on,
                "evidence": a.evidence,
                "may_update": may_update_action(actor, a, plan),
                "version": a.version,
            }
            for a in sorted(plan.actions, key=lambda a: (a.due_on, a.action_id))
        ]
        actions = as_dates(pd.DataFrame(rows, columns=[*ACTION_DETAIL_COLUMNS]))
        actions["status"] = action_statuses(actions, today) if rows else pd.Series(dtype=object)
        actions["status_text"] = actions["status"].map(status_text)
        actions["may_update"] = actions["may_update"].astype(bool)
        tally = action_tally(actions, today)
        missing = setup_missing(plan.owner, plan.next_review_on, len(rows))
        progress = progress_of(tally, closed=plan.status != "open", missing=missing)
        return PlanDetail(
            plan_id=plan.plan_id,
            provider_id=plan.provider_id,
            provider_name=provider.name if provider else plan.provider_id,
            status=plan.status,
            opened_on=plan.opened_on,
            reason=plan.reason,
            owner=plan.owner,
            next_review_on=plan.next_review_on,
            closed_on=plan.closed_on,
            signed_off_by=plan.signed_off_by,
            close_rationale=plan.close_rationale,
            board_decision_id=plan.board_decision_id,
            progress=progress,
            why=progress_reason(tally, progress, missing),
            actions=actions,
            can_manage=actor.can(Permission.MANAGE_PLANS),
            can_sign_off=actor.can(Permission.SIGN_OFF_PLANS),
            version=plan.version,
        )


@dataclass(frozen=True)
class PlanChoice:
    """A plan in the page's picker."""

    plan_id: str
    provider_name: str
    status: str

    def label(self) -> str:
        state = "open" if self.status == "open" else "closed"
        return f"{self.plan_id}: {self.provider_name} ({state})"


def plan_choices(engine: Engine, actor: Actor) -> list[PlanChoice]:
    """Every plan the actor may read: open ones first, then closed, each by provider name."""
    require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(ImprovementPlan.plan_id, Provider.name, ImprovementPlan.status).join(
                    Provider, Provider.provider_id == ImprovementPlan.provider_id
                ),
                ImprovementPlan.provider_id,
                actor.provider_scope(),
            )
        ).all()
    choices = [PlanChoice(*row) for row in rows]
    return sorted(choices, key=lambda c: (c.status != "open", c.provider_name, c.plan_id))


def provider_choices(engine: Engine, actor: Actor) -> list[tuple[str, str]]:
    """(provider_id, name) of every provider the actor may see, by name, for the open forms."""
    require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(Provider.provider_id, Provider.name),
                Provider.provider_id,
                actor.provider_scope(),
            ).order_by(Provider.name)
        ).all()
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class MonitoringDetail:
    """One enhanced monitoring arrangement with its visits."""

    monitoring_id: int
    provider_id: str
    provider_name: str
    started_on: dt.date
    review_on: dt.date | None
    reason: str
    lead: str | None
    board_decision_id: int | None
    ended_on: dt.date | None
    end_rationale: str | None
    ended_by: str | None
    version: int
    progress: str
    why: str
    #: visited_on, visited_by, findings, recorded_by; newest first.
    visits: pd.DataFrame
    can_manage: bool

    @property
    def reference(self) -> str:
        return monitoring_reference(self.monitoring_id)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


def monitoring_detail(
    engine: Engine, actor: Actor, monitoring_id: int, today: dt.date | None = None
) -> MonitoringDetail:
    """One arrangement, open or ended, with its visits and progress on `today` (VIEW_PLANS)."""
    require_view(actor)
    today = today or dt.date.today()
    with Session(engine) as session:
        monitoring = monitoring_or_refuse(
            session, monitoring_id, None, "No such enhanced monitoring"
        )
        actor.require_provider(monitoring.provider_id)
        provider = session.get(Provider, monitoring.provider_id)
        visits = pd.DataFrame(
            [
                {
                    "visited_on": v.visited_on,
                    "visited_by": v.visited_by,
                    "findings": v.findings,
                    "recorded_by": v.recorded_by,
                }
                for v in sorted(monitoring.visits, key=lambda v: (v.visited_on, v.id), reverse=True)
            ],
            columns=["visited_on", "visited_by", "findings", "recorded_by"],
        )
        progress = monitoring_progress(
            monitoring.review_on, today, ended=monitoring.ended_on is not None
        )
        return MonitoringDetail(
            monitoring_id=monitoring.id,
            provider_id=monitoring.provider_id,
            provider_name=provider.name if provider else monitoring.provider_id,
            started_on=monitoring.started_on,
            review_on=monitoring.review_on,
            reason=monitoring.reason,
            lead=monitoring.lead,
            board_decision_id=monitoring.board_decision_id,
            ended_on=monitoring.ended_on,
            end_rationale=monitoring.end_rationale,
            ended_by=monitoring.ended_by,
            version=monitoring.version,
            progress=progress,
            why=monitoring_progress_reason(monitoring.review_on, progress),
            visits=visits,
            can_manage=actor.can(Permission.MANAGE_PLANS),
        )


@dataclass(frozen=True)
class MonitoringChoice:
    """An arrangement in the page's picker."""

    monitoring_id: int
    provider_name: str
    ended_on: dt.date | None
    review_on: dt.date | None = None

    def label(self) -> str:
        state = "open" if self.ended_on is None else f"ended {self.ended_on.isoformat()}"
        return f"{monitoring_reference(self.monitoring_id)}: {self.provider_name} ({state})"


def monitoring_choices(engine: Engine, actor: Actor) -> list[MonitoringChoice]:
    """Every arrangement the actor may read: open ones first, most urgent first (no review date
    set, then the earliest review date), then ended ones, most recently ended first."""
    require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(
                    EnhancedMonitoring.id,
                    Provider.name,
                    EnhancedMonitoring.ended_on,
                    EnhancedMonitoring.review_on,
                ).join(Provider, Provider.provider_id == EnhancedMonitoring.provider_id),
                EnhancedMonitoring.provider_id,
                actor.provider_scope(),
            )
        ).all()
    choices = [MonitoringChoice(*row) for row in rows]
    open_ = sorted(
        (c for c in choices if c.ended_on is None),
        key=lambda c: (c.review_on is not None, c.review_on or dt.date.min, c.provider_name),
    )
    ended = sorted(
        (c for c in choices if c.ended_on is not None),
        key=lambda c: (c.ended_on, c.monitoring_id),
        reverse=True,
    )
    return open_ + ended
