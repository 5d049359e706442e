"""What needs each person's attention today: the landing page's work queue.

Rules (one line each; a line's count is the number of records it lists, by construction):
- commissioners and administrators (those who manage alerts):
  - alerts past their response time (not closed, today after raised_on + response_days; the rule of
    `alerts.rules.past_response_time`), most serious first, then most days past;
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
A line whose records another page lists opens that page filtered by the same rule (`?show=KEY`):
the Board table by `board.red_or_worse` or `board.awaiting_decision`, the plans page by
`plan_list`, so the count on the landing page and the rows of the list cannot differ; a plan
owner's action lines are listed whole on the landing page (no page lists exactly those).
Every read is limited to the actor's provider scope, in the query, and reads only the columns and
rows its line lists (counts and filters in SQL, no read per record); the Board month's ratings are
taken from the caller when it has them (`board_view`), not scored again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from sqlalchemy import Engine, Row, case, func, select
from sqlalchemy.orm import Session

from sgoversight import periods, workdays
from sgoversight.alerts.config import AlertConfig, load_alert_config
from sgoversight.alerts.rules import (
    CLOSED,
    IN_PROGRESS,
    SEVERITY_RANK,
    days_past_response,
    past_response_time,
)
from sgoversight.auth import Actor, Permission, Role
from sgoversight.board import month as board
from sgoversight.board import rules as scoring
from sgoversight.board.decisions import latest_decisions
from sgoversight.periods import Period
from sgoversight.plans.access import owns_action
from sgoversight.plans.read import open_arrangements
from sgoversight.plans.rules import setup_missing
from sgoversight.store.models import (
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
)
from sgoversight.store.queries import scoped
from sgoversight.vocabulary import SEVERITY
from sgoversight.weekly import read as weekly_read
from sgoversight.weekly import rules as weekly
from sgoversight.weekly.config import load_weekly_config

ALERT_PAGE = "pages/alerts.py"
PROVIDER_PAGE = "pages/provider.py"
PLAN_PAGE = "pages/plans.py"
BOARD_PAGE = "pages/board.py"
WEEKLY_PAGE = "pages/weekly.py"
DUE_SOON_DAYS = 14
#: The address key by which a line's "open the full list" link filters its page to the line's
#: records (`?show=<the line's key>`), and the plans page's lists offered under it.
SHOW = "show"
REVIEWS_DUE = "reviews_due"
WORK_NOT_STARTED = "work_not_started"
AWAITING_SIGN_OFF = "awaiting_sign_off"
SCREENING_WORKING_DAYS = 1
ENQUIRY_WORKING_DAYS = 20
ACTION_CHARS = 80  # an action's description in its line, at most (then cut at a word, with …)
_ActionRow = tuple[ImprovementAction, ImprovementPlan, str]


def _most_serious_first(severity: str) -> int:
    """A sort key putting critical alerts first, then high, medium, low (the alerts' one
    severity order, alerts.rules.SEVERITY_RANK); an unknown severity last."""
    return -SEVERITY_RANK.get(severity, -1)


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


BoardView = Callable[[Period], board.BoardMonth]


def needs_attention(
    engine: Engine, actor: Actor, today: dt.date, board_view: BoardView | None = None
) -> list[Line]:
    """Every attention line for `actor` on `today`, in the order of the module docstring; a role's
    lines are included when the actor has that role's permission.

    `board_view(month)` gives the Board month's ratings and decisions as `board.board_month` does
    for `actor` (a page passes its cached copy); without it they are scored here, once."""
    actor.require(Permission.VIEW_OVERVIEW)
    lines: list[Line] = []
    month = periods.last_complete_month(today)

    @cache
    def _board() -> board.BoardMonth:
        if board_view is not None:
            return board_view(month)
        return board.board_month(engine, actor, month)

    with Session(engine) as session:

        @cache
        def _arrangements() -> _Arrangements:
            return _Arrangements(session, actor, today)

        if actor.can(Permission.MANAGE_ALERTS):
            lines += _alert_lines(session, actor, today)
            lines.append(_rated_red_or_worse(_board()))
            lines.append(_reviews_due(_arrangements(), today))
        if actor.can(Permission.VIEW_CONCERNS) and _is_safeguarding_team(actor):
            lines.append(_enquiries_overdue(session, actor, today))
            lines.append(_concerns_not_screened(session, actor, today))
            lines.append(_flagged_this_week(session, actor, today))
        if actor.can(Permission.DECIDE_BOARD):
            lines.append(_awaiting_decision(_board()))
            lines.append(_awaiting_sign_off(_arrangements()))
            lines.append(_work_not_started(session, actor, month, _arrangements()))
        if actor.can(Permission.UPDATE_OWN_ACTIONS) and not actor.can(Permission.MANAGE_PLANS):
            lines += _my_actions(session, actor, today)
        if actor.is_provider_user:
            lines.append(_provider_open_alerts(session, actor, today))
    return lines


PLAN_LISTS = (REVIEWS_DUE, WORK_NOT_STARTED, AWAITING_SIGN_OFF)


def plan_list(engine: Engine, actor: Actor, today: dt.date, key: str) -> Line:
    """One plan line alone (a key of PLAN_LISTS), by the very rule of the landing page's line:
    the plans page lists exactly these records when its address says `?show=<key>`.

    Needs VIEW_PLANS; the Board's decisions whose work has not started need VIEW_BOARD too. Reads
    only the actor's provider scope, like every line."""
    actor.require(Permission.VIEW_PLANS)
    if key not in PLAN_LISTS:
        raise ValueError(f"no plan list {key!r}")
    with Session(engine) as session:
        arrangements = _Arrangements(session, actor, today)
        if key == REVIEWS_DUE:
            return _reviews_due(arrangements, today)
        if key == AWAITING_SIGN_OFF:
            return _awaiting_sign_off(arrangements)
        actor.require(Permission.VIEW_BOARD)
        month = periods.last_complete_month(today)
        return _work_not_started(session, actor, month, arrangements)


# --- alerts ---------------------------------------------------------------------------------------


def _alert_item(alert: Row[Any], name: str, detail: str) -> Item:
    return Item(
        alert.alert_id,
        f"{alert.alert_id} · {name}",
        detail,
        ALERT_PAGE,
        {"alert": alert.alert_id},
    )


def _open_alerts(session: Session, actor: Actor) -> list[tuple[Row[Any], str]]:
    """The actor's alerts not closed, each with its provider's name: only the columns the alert
    lines use."""
    query = scoped(
        select(
            QualityAlert.alert_id,
            QualityAlert.status,
            QualityAlert.severity,
            QualityAlert.raised_on,
            QualityAlert.assigned_to,
            Provider.name,
        )
        .join(Provider, Provider.provider_id == QualityAlert.provider_id)
        .where(QualityAlert.status != CLOSED),
        QualityAlert.provider_id,
        actor.provider_scope(),
    )
    return [(row, row.name) for row in session.execute(query)]


def _alert_lines(session: Session, actor: Actor, today: dt.date) -> list[Line]:
    config = load_alert_config()
    open_alerts = _open_alerts(session, actor)
    late = [
        (alert, name, days_past_response(alert.status, alert.raised_on, today, config))
        for alert, name in open_alerts
        if past_response_time(alert.status, alert.raised_on, today, config)
    ]
    late.sort(key=lambda row: (_most_serious_first(row[0].severity), -row[2], row[0].alert_id))
    not_started = [
        (alert, name)
        for alert, name in open_alerts
        if alert.status == "open" and alert.severity in {"critical", "high"}
    ]
    not_started.sort(
        key=lambda row: (_most_serious_first(row[0].severity), row[0].raised_on, row[0].alert_id)
    )
    mine = [(alert, name) for alert, name in open_alerts if alert.assigned_to == actor.username]
    mine.sort(
        key=lambda row: (
            _most_serious_first(row[0].severity), row[0].raised_on, row[0].alert_id
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
    alert: Row[Any], today: dt.date, config: AlertConfig
) -> str:
    late = days_past_response(alert.status, alert.raised_on, today, config)
    status = "in progress" if alert.status == IN_PROGRESS else "not started"
    if late:
        when = f"{_days(late)} past its response time"
    else:
        when = f"raised {_ago(alert.raised_on, today)}"
    return f"{SEVERITY.label(alert.severity)}, {status}, {when}"


def _provider_open_alerts(session: Session, actor: Actor, today: dt.date) -> Line:
    rows = sorted(
        _open_alerts(session, actor),
        key=lambda row: (_most_serious_first(row[0].severity), row[0].raised_on),
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
        {"status": "open,in_progress"},  # the register's own default, said in the link
    )


# --- the Board ------------------------------------------------------------------------------------


def _rated_red_or_worse(view: board.BoardMonth) -> Line:
    month = view.month.label
    chosen = board.red_or_worse(view)
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
        {"month": month, SHOW: board.RED_OR_WORSE},  # the Board table filtered by the same rule
    )


def _awaiting_decision(view: board.BoardMonth) -> Line:
    month = view.month.label
    waiting = board.awaiting_decision(view)
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
        # The Board table filtered by the same rule, in the order that puts them first.
        {"month": month, "order": board.UNDECIDED_FIRST, SHOW: board.AWAITING_DECISION},
    )


def _work_not_started(
    session: Session, actor: Actor, month: Period, arrangements: _Arrangements
) -> Line:
    scope = actor.provider_scope()
    decided = [
        d
        for d in latest_decisions(session, month.label).values()
        if d.decision in {"improvement_plan", "enhanced_monitoring"}
        and (scope is None or d.provider_id == scope)
    ]
    names = arrangements.names
    items: list[Item] = []
    for decision in sorted(decided, key=lambda d: (names.get(d.provider_id, ""), d.provider_id)):
        if decision.decision == "improvement_plan":
            plan = arrangements.plan_of(decision.provider_id)
            if plan is None:
                why = "improvement plan decided, none open"
            elif missing := setup_missing(
                plan.owner, plan.next_review_on, arrangements.actions(plan.plan_id)[0]
            ):
                why = f"plan {plan.plan_id} still needs {', '.join(missing)}"
            else:
                continue
        else:
            if decision.provider_id in arrangements.monitored:
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
        WORK_NOT_STARTED,
        f"Decisions for {month.start:%B %Y} whose work has not started",
        tuple(items),
        PLAN_PAGE,
        {SHOW: WORK_NOT_STARTED},
    )


# --- plans and monitoring -------------------------------------------------------------------------


class _Arrangements:
    """What the plan lines read, once per list and only when a line asks: the open plans and
    running monitoring with their providers' names (`plans.open_arrangements`), each open plan's
    action count and how many of its actions are done by today (one grouped count), and the
    provider names."""

    plans: list[tuple[ImprovementPlan, str]]
    monitoring: list[tuple[EnhancedMonitoring, str]]

    def __init__(self, session: Session, actor: Actor, today: dt.date) -> None:
        self._session = session
        self._scope = actor.provider_scope()
        self._today = today
        self.plans, self.monitoring = open_arrangements(session, self._scope)

    @cached_property
    def action_counts(self) -> dict[str, tuple[int, int]]:
        """(actions, actions done by today) by open plan, for plans with any action."""
        done = case(
            (
                ImprovementAction.completed_on.is_not(None)
                & (ImprovementAction.completed_on <= self._today),
                1,
            ),
            else_=0,
        )
        counts = self._session.execute(
            scoped(
                select(ImprovementAction.plan_id, func.count(), func.sum(done))
                .join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
                .where(ImprovementPlan.status == "open")
                .group_by(ImprovementAction.plan_id),
                ImprovementPlan.provider_id,
                self._scope,
            )
        ).all()
        return {plan_id: (int(total), int(finished or 0)) for plan_id, total, finished in counts}

    @cached_property
    def names(self) -> dict[str, str]:
        """Provider names by provider id."""
        rows = self._session.execute(
            scoped(select(Provider.provider_id, Provider.name), Provider.provider_id, self._scope)
        ).all()
        return {provider_id: name for provider_id, name in rows}

    def actions(self, plan_id: str) -> tuple[int, int]:
        """(actions, actions done by today) of an open plan."""
        return self.action_counts.get(plan_id, (0, 0))

    def plan_of(self, provider_id: str) -> ImprovementPlan | None:
        """The provider's open plan (the lowest plan id should there be more than one)."""
        return self._plan_by_provider.get(provider_id)

    @cached_property
    def _plan_by_provider(self) -> dict[str, ImprovementPlan]:
        chosen: dict[str, ImprovementPlan] = {}
        for plan, _ in sorted(self.plans, key=lambda row: row[0].plan_id, reverse=True):
            chosen[plan.provider_id] = plan
        return chosen

    @cached_property
    def monitored(self) -> set[str]:
        """Providers with enhanced monitoring running."""
        return {record.provider_id for record, _ in self.monitoring}


def _reviews_due(arrangements: _Arrangements, today: dt.date) -> Line:
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
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
        for plan, name in arrangements.plans
        if plan.next_review_on is not None and plan.next_review_on <= horizon
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
        for record, name in arrangements.monitoring
        if record.review_on is not None and record.review_on <= horizon
    ]
    items.sort(key=lambda pair: (pair[0], pair[1].record_id))
    return Line(
        REVIEWS_DUE,
        f"Plan and monitoring reviews due in the next {DUE_SOON_DAYS} days or overdue",
        tuple(item for _, item in items),
        PLAN_PAGE,
        {SHOW: REVIEWS_DUE},
    )


def _awaiting_sign_off(arrangements: _Arrangements) -> Line:
    ready = []
    for plan, name in arrangements.plans:
        total, done = arrangements.actions(plan.plan_id)
        if total and done == total:
            ready.append((plan, name, total))
    ready.sort(key=lambda row: row[0].plan_id)
    return Line(
        AWAITING_SIGN_OFF,
        "Improvement plans with every action done, awaiting sign-off",
        tuple(
            Item(
                plan.plan_id,
                f"Plan {plan.plan_id} · {name}",
                f"{total} action{'s' if total != 1 else ''} done",
                PLAN_PAGE,
                {"plan": plan.plan_id},
            )
            for plan, name, total in ready
        ),
        PLAN_PAGE,
        {SHOW: AWAITING_SIGN_OFF},
    )


def _my_actions(session: Session, actor: Actor, today: dt.date) -> list[Line]:
    rows = session.execute(
        scoped(
            select(ImprovementAction, ImprovementPlan, Provider.name)
            .join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
            .join(Provider, Provider.provider_id == ImprovementPlan.provider_id)
            .where(ImprovementPlan.status == "open", ImprovementAction.completed_on.is_(None)),
            ImprovementPlan.provider_id,
            actor.provider_scope(),
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
            None,  # the plans page lists them with the reviews due: not exactly these
            {},
        ),
        Line(
            "my_actions_due_soon",
            f"Your plan actions due in the next {DUE_SOON_DAYS} days",
            _items(row for row in mine if today <= row[0].due_on <= horizon),
            None,  # the plans page lists them with the reviews due: not exactly these
            {},
        ),
    ]


# --- safeguarding ---------------------------------------------------------------------------------


def _concern_item(concern: Row[Any], name: str | None, detail: str) -> Item:
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


def _working_days_to(today: dt.date) -> Callable[[dt.date], int]:
    """`workdays.working_days_after(day, today)`, worked out once per distinct day."""
    return cache(lambda day: workdays.working_days_after(day, today))


def _enquiries_overdue(session: Session, actor: Actor, today: dt.date) -> Line:
    # More than 20 working days after the start needs more than 20 calendar days: the rest of the
    # open enquiries cannot be late, so they are not read.
    latest_start = today - dt.timedelta(days=ENQUIRY_WORKING_DAYS + 1)
    rows = session.execute(
        scoped(
            select(
                SafeguardingConcern.concern_id,
                SafeguardingConcern.provider_id,
                SafeguardingConcern.enquiry_started_on,
                Provider.name,
            )
            .outerjoin(Provider, Provider.provider_id == SafeguardingConcern.provider_id)
            .where(
                SafeguardingConcern.enquiry_started_on.is_not(None),
                SafeguardingConcern.enquiry_started_on <= latest_start,
                SafeguardingConcern.enquiry_concluded_on.is_(None),
            ),
            SafeguardingConcern.provider_id,
            actor.provider_scope(),
        )
    ).all()
    days_to_today = _working_days_to(today)
    late = [(row, row.name, days_to_today(row.enquiry_started_on)) for row in rows]
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


def _long(concern: Row[Any]) -> str:
    started = concern.enquiry_started_on
    return f"{started.day} {started:%B %Y}" if started else ""


def _concerns_not_screened(session: Session, actor: Actor, today: dt.date) -> Line:
    week = periods.week_of(today)
    rows = session.execute(
        scoped(
            select(
                SafeguardingConcern.concern_id,
                SafeguardingConcern.provider_id,
                SafeguardingConcern.received_on,
                Provider.name,
            )
            .outerjoin(Provider, Provider.provider_id == SafeguardingConcern.provider_id)
            .where(
                SafeguardingConcern.received_on >= week.start,
                SafeguardingConcern.received_on <= today,
                SafeguardingConcern.screened_on.is_(None),
            ),
            SafeguardingConcern.provider_id,
            actor.provider_scope(),
        )
    ).all()
    days_to_today = _working_days_to(today)
    waiting = [(row, row.name, days_to_today(row.received_on)) for row in rows]
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
    # The flags alone, by the weekly report's own rule, from the rows the week's report reads.
    with weekly_read.connection_for(session) as connection:
        rows = weekly_read.read_rows(connection, week, actor.provider_scope())
    flagged = weekly.providers_flagged(rows, week, load_weekly_config())
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
            for flag in flagged
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
