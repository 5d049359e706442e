"""What needs each person's attention today: the landing page's work queue.

Rules (one line each; a line's count is the number of records it lists, by construction):
- commissioners and administrators (those who manage alerts):
  - alerts past their response time (not closed, today after raised_on + response_days; the rule of
    `alerts.past_response_time`), most serious first, then most days past;
  - critical and high alerts not started (status open);
  - alerts assigned to you: not closed, and the assigned officer (`assigned_to`) is the actor; most
    serious first, then oldest (the register's "Assigned to me" filter with open and in progress);
  - providers rated Red for the current Board month (the last complete month) or worse than the
    month before;
  - plan and enhanced monitoring reviews due in the next 14 days or overdue (open plans'
    next_review_on, running monitoring's review_on, on or before today + 14 days);
- the safeguarding team (those who see concerns and write report text):
  - section 42 enquiries open more than 20 working days after they started (the Accountability
    standard ACC-2's limit; working days as in sgoversight.workdays);
  - concerns received this week (ISO week, Monday to today) not screened and more than 1 working
    day old (ACC-1's limit);
  - providers flagged on this week's weekly report;
- Board members (those who decide): providers with no decision recorded for the current Board month,
  Red first; open plans whose every action is done, awaiting sign-off; the month's current
  decisions whose work has not started: an improvement plan with no open plan, or one that still
  needs setting up (`plans.setup_missing`), or enhanced monitoring with none running;
- plan owners (those who update their own actions): their actions overdue, and due in 14 days;
- provider staff: their service's open alerts.
Every read is limited to the actor's provider scope, in the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import alerts as alert_rules
from sgoversight import board, periods, scoring, weekly, workdays
from sgoversight.auth import Actor, Permission, Role
from sgoversight.models import (
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
)
from sgoversight.vocabulary import SEVERITY

ALERT_PAGE = "pages/alerts.py"
PROVIDER_PAGE = "pages/provider.py"
PLAN_PAGE = "pages/plans.py"
BOARD_PAGE = "pages/board.py"
WEEKLY_PAGE = "pages/weekly.py"
DUE_SOON_DAYS = 14
SCREENING_WORKING_DAYS = 1
ENQUIRY_WORKING_DAYS = 20
ACTION_CHARS = 80  # an action's description in its line, at most (then cut at a word, with …)
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_RATING_ORDER = {rating: i for i, rating in enumerate(scoring.RATINGS)}
_ActionRow = tuple[ImprovementAction, ImprovementPlan, str]


@dataclass(frozen=True)
class Item:
    """One record needing attention: what it is, why, and the page and address that open it
    (`page` None when no page of the app shows the record)."""

    record_id: str
    label: str
    detail: str
    page: str | None
    params: dict[str, str]


@dataclass(frozen=True)
class Line:
    """One line of a person's attention list: a heading and the records it counts. `page` and
    `params` open the full list elsewhere; `page` is None when no other page lists exactly these
    records, and then the landing page lists them all."""

    key: str
    title: str
    items: tuple[Item, ...]
    page: str | None
    params: dict[str, str]

    @property
    def count(self) -> int:
        return len(self.items)


def _is_safeguarding_team(actor: Actor) -> bool:
    return Role.SAFEGUARDING in actor.roles or Role.ADMIN in actor.roles


def needs_attention(engine: Engine, actor: Actor, today: dt.date) -> list[Line]:
    """Every attention line for `actor` on `today`, in the order of the module docstring; a role's
    lines are included when the actor has that role's permission."""
    actor.require(Permission.VIEW_OVERVIEW)
    lines: list[Line] = []
    board_view: board.BoardMonth | None = None

    def _board() -> board.BoardMonth:
        nonlocal board_view
        if board_view is None:
            board_view = board.board_month(engine, actor, periods.last_complete_month(today))
        return board_view

    with Session(engine) as session:
        if actor.can(Permission.MANAGE_ALERTS):
            lines += _alert_lines(session, actor, today)
            lines.append(_rated_red_or_worse(_board()))
            lines.append(_reviews_due(session, actor, today))
        if actor.can(Permission.VIEW_CONCERNS) and _is_safeguarding_team(actor):
            lines.append(_enquiries_overdue(session, actor, today))
            lines.append(_concerns_not_screened(session, actor, today))
            lines.append(_flagged_this_week(session, actor, today))
        if actor.can(Permission.DECIDE_BOARD):
            lines.append(_awaiting_decision(_board()))
            lines.append(_awaiting_sign_off(session, actor, today))
            lines.append(_work_not_started(session, actor, today))
        if actor.can(Permission.UPDATE_OWN_ACTIONS) and not actor.can(Permission.MANAGE_PLANS):
            lines += _my_actions(session, actor, today)
        if actor.is_provider_user:
            lines.append(_provider_open_alerts(session, actor, today))
    return lines


# --- alerts ---------------------------------------------------------------------------------------


def _alert_item(alert: QualityAlert, name: str, detail: str) -> Item:
    return Item(
        alert.alert_id,
        f"{alert.alert_id} · {name}",
        detail,
        ALERT_PAGE,
        {"alert": alert.alert_id},
    )


def _open_alerts(session: Session, actor: Actor) -> list[tuple[QualityAlert, str]]:
    query = (
        select(QualityAlert, Provider.name)
        .join(Provider, Provider.provider_id == QualityAlert.provider_id)
        .where(QualityAlert.status != alert_rules.CLOSED)
    )
    scope = actor.provider_scope()
    if scope is not None:
        query = query.where(QualityAlert.provider_id == scope)
    return [(alert, name) for alert, name in session.execute(query)]


def _alert_lines(session: Session, actor: Actor, today: dt.date) -> list[Line]:
    config = alert_rules.load_alert_config()
    open_alerts = _open_alerts(session, actor)
    late = [
        (alert, name, alert_rules.days_past_response(alert.status, alert.raised_on, today, config))
        for alert, name in open_alerts
        if alert_rules.past_response_time(alert.status, alert.raised_on, today, config)
    ]
    late.sort(key=lambda row: (_SEVERITY_ORDER.get(row[0].severity, 9), -row[2], row[0].alert_id))
    not_started = [
        (alert, name)
        for alert, name in open_alerts
        if alert.status == "open" and alert.severity in {"critical", "high"}
    ]
    not_started.sort(
        key=lambda row: (_SEVERITY_ORDER[row[0].severity], row[0].raised_on, row[0].alert_id)
    )
    mine = [(alert, name) for alert, name in open_alerts if alert.assigned_to == actor.username]
    mine.sort(
        key=lambda row: (
            _SEVERITY_ORDER.get(row[0].severity, 9), row[0].raised_on, row[0].alert_id
        )
    )
    return [
        Line(
            "alerts_past_response",
            "Quality alerts past their response time",
            tuple(
                _alert_item(
                    alert,
                    name,
                    f"{SEVERITY.label(alert.severity)}, {_days(days)} past its response time",
                )
                for alert, name, days in late
            ),
            ALERT_PAGE,
            {"past_response": "yes"},
        ),
        Line(
            "serious_alerts_not_started",
            "Critical and high alerts not started",
            tuple(
                _alert_item(
                    alert,
                    name,
                    f"{SEVERITY.label(alert.severity)}, raised {_ago(alert.raised_on, today)}",
                )
                for alert, name in not_started
            ),
            ALERT_PAGE,
            {"status": "open", "severity": "critical,high"},
        ),
        Line(
            "alerts_assigned_to_me",
            "Alerts assigned to you",
            tuple(
                _alert_item(alert, name, _assigned_detail(alert, today, config))
                for alert, name in mine
            ),
            ALERT_PAGE,
            {"assigned": "me", "status": "open,in_progress"},
        ),
    ]


def _assigned_detail(
    alert: QualityAlert, today: dt.date, config: alert_rules.AlertConfig
) -> str:
    late = alert_rules.days_past_response(alert.status, alert.raised_on, today, config)
    status = "in progress" if alert.status == alert_rules.IN_PROGRESS else "not started"
    if late:
        when = f"{_days(late)} past its response time"
    else:
        when = f"raised {_ago(alert.raised_on, today)}"
    return f"{SEVERITY.label(alert.severity)}, {status}, {when}"


def _provider_open_alerts(session: Session, actor: Actor, today: dt.date) -> Line:
    rows = sorted(
        _open_alerts(session, actor),
        key=lambda row: (_SEVERITY_ORDER.get(row[0].severity, 9), row[0].raised_on),
    )
    return Line(
        "my_service_open_alerts",
        "Open quality alerts about your service",
        tuple(
            _alert_item(
                alert,
                name,
                f"{SEVERITY.label(alert.severity)}, raised {_ago(alert.raised_on, today)}",
            )
            for alert, name in rows
        ),
        ALERT_PAGE,
        {},
    )


# --- the Board ------------------------------------------------------------------------------------


def _rated_red_or_worse(view: board.BoardMonth) -> Line:
    month = view.month.label
    chosen = [
        rating
        for rating in view.ratings
        if rating.rating == scoring.RED or view.movement.get(rating.provider_id) == scoring.WORSE
    ]
    chosen.sort(key=lambda r: (_RATING_ORDER[r.rating], r.provider_name, r.provider_id))
    return Line(
        "providers_red_or_worse",
        f"Providers rated Red for {view.month.start:%B %Y} or worse than the month before",
        tuple(
            Item(
                r.provider_id,
                r.provider_name,
                board.rag_text(r.rating)
                + (", worse than last month" if view.movement.get(r.provider_id) == scoring.WORSE
                   else ""),
                PROVIDER_PAGE,
                {"provider": r.provider_id, "month": month},
            )
            for r in chosen
        ),
        BOARD_PAGE,
        {"month": month},
    )


def _awaiting_decision(view: board.BoardMonth) -> Line:
    month = view.month.label
    waiting = [r for r in view.ratings if r.provider_id not in view.decisions]
    waiting.sort(key=lambda r: (_RATING_ORDER[r.rating], r.provider_name, r.provider_id))
    return Line(
        "awaiting_decision",
        f"Providers awaiting the Board's decision for {view.month.start:%B %Y}",
        tuple(
            Item(
                r.provider_id,
                r.provider_name,
                board.rag_text(r.rating),
                BOARD_PAGE,
                {"provider": r.provider_id, "month": month},
            )
            for r in waiting
        ),
        BOARD_PAGE,
        {"month": month, "order": board.UNDECIDED_FIRST},  # the ones it counts come first
    )


def _work_not_started(session: Session, actor: Actor, today: dt.date) -> Line:
    from sgoversight.decisions import latest_decisions
    from sgoversight.plans import setup_missing

    month = periods.last_complete_month(today)
    scope = actor.provider_scope()
    decided = [
        d
        for d in latest_decisions(session, month.label).values()
        if d.decision in {"improvement_plan", "enhanced_monitoring"}
        and (scope is None or d.provider_id == scope)
    ]
    names = dict(session.execute(select(Provider.provider_id, Provider.name)).tuples().all())
    items: list[Item] = []
    for decision in sorted(decided, key=lambda d: (names.get(d.provider_id, ""), d.provider_id)):
        if decision.decision == "improvement_plan":
            plan = session.scalars(
                select(ImprovementPlan).where(
                    ImprovementPlan.provider_id == decision.provider_id,
                    ImprovementPlan.status == "open",
                )
            ).first()
            if plan is None:
                why = "improvement plan decided, none open"
            elif missing := setup_missing(plan.owner, plan.next_review_on, len(plan.actions)):
                why = f"plan {plan.plan_id} still needs {', '.join(missing)}"
            else:
                continue
        else:
            running = session.scalars(
                select(EnhancedMonitoring.id).where(
                    EnhancedMonitoring.provider_id == decision.provider_id,
                    EnhancedMonitoring.ended_on.is_(None),
                )
            ).first()
            if running is not None:
                continue
            why = "enhanced monitoring decided, none running"
        items.append(
            Item(
                decision.provider_id,
                names.get(decision.provider_id, decision.provider_id),
                why,
                PROVIDER_PAGE,
                {"provider": decision.provider_id, "month": month.label},
            )
        )
    return Line(
        "work_not_started",
        f"Decisions for {month.start:%B %Y} whose work has not started",
        tuple(items),
        PLAN_PAGE,
        {},
    )


# --- plans and monitoring -------------------------------------------------------------------------


def _scoped(query, column, actor: Actor):  # type: ignore[no-untyped-def]
    scope = actor.provider_scope()
    return query if scope is None else query.where(column == scope)


def _reviews_due(session: Session, actor: Actor, today: dt.date) -> Line:
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    plans = session.execute(
        _scoped(
            select(ImprovementPlan, Provider.name)
            .join(Provider, Provider.provider_id == ImprovementPlan.provider_id)
            .where(
                ImprovementPlan.status == "open",
                ImprovementPlan.next_review_on.is_not(None),
                ImprovementPlan.next_review_on <= horizon,
            ),
            ImprovementPlan.provider_id,
            actor,
        )
    ).all()
    monitoring = session.execute(
        _scoped(
            select(EnhancedMonitoring, Provider.name)
            .join(Provider, Provider.provider_id == EnhancedMonitoring.provider_id)
            .where(
                EnhancedMonitoring.ended_on.is_(None),
                EnhancedMonitoring.review_on.is_not(None),
                EnhancedMonitoring.review_on <= horizon,
            ),
            EnhancedMonitoring.provider_id,
            actor,
        )
    ).all()
    items = [
        (
            plan.next_review_on,
            Item(
                plan.plan_id,
                f"Plan {plan.plan_id} · {name}",
                _due(plan.next_review_on, today, "review"),
                PLAN_PAGE,
                {"plan": plan.plan_id},
            ),
        )
        for plan, name in plans
    ] + [
        (
            record.review_on,
            Item(
                f"monitoring-{record.id}",
                f"Enhanced monitoring · {name}",
                _due(record.review_on, today, "review"),
                PLAN_PAGE,
                {"monitoring": str(record.id)},
            ),
        )
        for record, name in monitoring
    ]
    items.sort(key=lambda pair: (pair[0], pair[1].record_id))
    return Line(
        "reviews_due",
        f"Plan and monitoring reviews due in the next {DUE_SOON_DAYS} days or overdue",
        tuple(item for _, item in items),
        PLAN_PAGE,
        {},
    )


def _awaiting_sign_off(session: Session, actor: Actor, today: dt.date) -> Line:
    from sgoversight.plans import open_arrangements  # the one read of the open plans

    rows, _monitoring = open_arrangements(session, actor.provider_scope())
    ready = [
        (plan, name)
        for plan, name in rows
        if plan.actions
        and all(a.completed_on is not None and a.completed_on <= today for a in plan.actions)
    ]
    ready.sort(key=lambda row: row[0].plan_id)
    return Line(
        "awaiting_sign_off",
        "Improvement plans with every action done, awaiting sign-off",
        tuple(
            Item(
                plan.plan_id,
                f"Plan {plan.plan_id} · {name}",
                f"{len(plan.actions)} action{'s' if len(plan.actions) != 1 else ''} done",
                PLAN_PAGE,
                {"plan": plan.plan_id},
            )
            for plan, name in ready
        ),
        PLAN_PAGE,
        {},
    )


def _my_actions(session: Session, actor: Actor, today: dt.date) -> list[Line]:
    from sgoversight.plans import owns_action  # the one ownership rule

    rows = session.execute(
        _scoped(
            select(ImprovementAction, ImprovementPlan, Provider.name)
            .join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
            .join(Provider, Provider.provider_id == ImprovementPlan.provider_id)
            .where(ImprovementPlan.status == "open", ImprovementAction.completed_on.is_(None)),
            ImprovementPlan.provider_id,
            actor,
        )
    ).all()
    mine = sorted(
        ((action, plan, name) for action, plan, name in rows if owns_action(actor, action, plan)),
        key=lambda row: (row[0].due_on, row[0].action_id),
    )
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)

    def _items(chosen: Iterable[_ActionRow]) -> tuple[Item, ...]:
        return tuple(
            Item(
                action.action_id,
                f"{_shortened(action.description, ACTION_CHARS)} · {name}",
                _due(action.due_on, today, "due"),
                PLAN_PAGE,
                {"plan": plan.plan_id},
            )
            for action, plan, name in chosen
        )

    return [
        Line(
            "my_actions_overdue",
            "Your plan actions that are overdue",
            _items(row for row in mine if row[0].due_on < today),
            PLAN_PAGE,
            {},
        ),
        Line(
            "my_actions_due_soon",
            f"Your plan actions due in the next {DUE_SOON_DAYS} days",
            _items(row for row in mine if today <= row[0].due_on <= horizon),
            PLAN_PAGE,
            {},
        ),
    ]


# --- safeguarding ---------------------------------------------------------------------------------


def _concern_item(concern: SafeguardingConcern, name: str | None, detail: str) -> Item:
    """A concern about a provider names it and opens its profile (where its concerns are listed);
    no page lists a concern about no provider, so it opens none."""
    if concern.provider_id is None:
        return Item(concern.concern_id, f"Concern {concern.concern_id}", detail, None, {})
    return Item(
        concern.concern_id,
        f"Concern {concern.concern_id} · {name or concern.provider_id}",
        detail,
        PROVIDER_PAGE,
        {"provider": concern.provider_id},
    )


def _enquiries_overdue(session: Session, actor: Actor, today: dt.date) -> Line:
    rows = session.execute(
        _scoped(
            select(SafeguardingConcern, Provider.name)
            .outerjoin(Provider, Provider.provider_id == SafeguardingConcern.provider_id)
            .where(
                SafeguardingConcern.enquiry_started_on.is_not(None),
                SafeguardingConcern.enquiry_started_on <= today,
                SafeguardingConcern.enquiry_concluded_on.is_(None),
            ),
            SafeguardingConcern.provider_id,
            actor,
        )
    ).all()
    late = [
        (concern, name, workdays.working_days_after(concern.enquiry_started_on, today))
        for concern, name in rows
        if concern.enquiry_started_on is not None
    ]
    late = [(c, name, days) for c, name, days in late if days > ENQUIRY_WORKING_DAYS]
    late.sort(key=lambda row: (-row[2], row[0].concern_id))
    return Line(
        "enquiries_overdue",
        f"Enquiries open more than {ENQUIRY_WORKING_DAYS} working days",
        tuple(
            _concern_item(concern, name, f"open {days} working days since {_long(concern)}")
            for concern, name, days in late
        ),
        None,  # the weekly report counts enquiries but lists none
        {},
    )


def _long(concern: SafeguardingConcern) -> str:
    started = concern.enquiry_started_on
    return f"{started.day} {started:%B %Y}" if started else ""


def _concerns_not_screened(session: Session, actor: Actor, today: dt.date) -> Line:
    week = periods.week_of(today)
    rows = session.execute(
        _scoped(
            select(SafeguardingConcern, Provider.name)
            .outerjoin(Provider, Provider.provider_id == SafeguardingConcern.provider_id)
            .where(
                SafeguardingConcern.received_on >= week.start,
                SafeguardingConcern.received_on <= today,
                SafeguardingConcern.screened_on.is_(None),
            ),
            SafeguardingConcern.provider_id,
            actor,
        )
    ).all()
    waiting = [
        (concern, name, workdays.working_days_after(concern.received_on, today))
        for concern, name in rows
    ]
    waiting = [(c, name, days) for c, name, days in waiting if days > SCREENING_WORKING_DAYS]
    waiting.sort(key=lambda row: (-row[2], row[0].concern_id))
    return Line(
        "concerns_not_screened",
        f"Concerns this week not screened within {SCREENING_WORKING_DAYS} working day",
        tuple(
            _concern_item(concern, name, f"received {days} working days ago, not screened")
            for concern, name, days in waiting
        ),
        None,  # the weekly report counts concerns but lists none
        {},
    )


def _flagged_this_week(session: Session, actor: Actor, today: dt.date) -> Line:
    week = periods.week_of(today)
    report = weekly.report_for_week(session, week, provider_scope=actor.provider_scope())
    return Line(
        "flagged_this_week",
        "Providers flagged on this week's safeguarding report",
        tuple(
            Item(
                flag.provider_id,
                flag.provider_name,
                "; ".join(flag.reasons),
                PROVIDER_PAGE,
                {"provider": flag.provider_id},
            )
            for flag in report.providers_flagged
        ),
        WEEKLY_PAGE,
        {"week": week.label},
    )


# --- words ----------------------------------------------------------------------------------------


def _shortened(text: str, most: int) -> str:
    """`text` if it has at most `most` characters; else cut at the last whole word that fits,
    with "…" so it reads as shortened."""
    if len(text) <= most:
        return text
    cut = text[: most - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _ago(day: dt.date, today: dt.date) -> str:
    n = (today - day).days
    return "today" if n == 0 else f"{_days(n)} ago"


def _due(day: dt.date | None, today: dt.date, what: str) -> str:
    if day is None:
        return ""
    n = (day - today).days
    if n < 0:
        return f"overdue by {_days(-n)}"
    return f"{what} today" if n == 0 else f"{what} in {_days(n)}"
