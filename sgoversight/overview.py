"""The landing page's "This month at a glance": open alerts, concerns this month against last month,
and how fresh each kind of data is.

Rules: an alert is open on a day when it was raised on or before that day and not closed by it
(CONTRACT.md §4's open_alerts, computed by sgoversight.counts.open_alerts_on). "This month" runs
from the first of the month to today; it is compared with the same number of days of last month,
and last month's full total is shown beside it. A provider user sees only their own provider's
alerts, no safeguarding concerns and nothing of the council's imports (their files cover every
provider), so their freshness list is empty. Only the rows these rules can count are read: alerts
and concerns dated from the first of last month to today, and alerts or enquiries open today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from sgoversight import counts, periods
from sgoversight.auth import Actor, Permission
from sgoversight.store.models import ImportRun, Provider, QualityAlert, SafeguardingConcern
from sgoversight.store.queries import dated_between, load_alerts, load_concerns, open_on

IMPORT_KINDS = ("providers", "alerts", "concerns", "plans", "actions", "training")


@dataclass(frozen=True)
class Freshness:
    """When a kind of contract file was last imported (None: never)."""

    kind: str
    last_imported_at: dt.datetime | None
    filename: str | None
    rows: int | None


@dataclass(frozen=True)
class MonthAtAGlance:
    today: dt.date
    month: periods.Period
    open_alerts: int
    open_alerts_by_severity: dict[str, int]
    alerts_raised_month_to_date: int
    alerts_raised_same_days_last_month: int
    concerns_month_to_date: int | None
    concerns_same_days_last_month: int | None
    concerns_last_month: int | None
    open_enquiries: int | None
    freshness: list[Freshness]
    #: The name of a provider user's own service (None for council staff).
    service_name: str | None = None


def _same_days_last_month(today: dt.date) -> periods.Period:
    """Day 1 of last month to the same day number (capped at last month's length)."""
    last = periods.add_months(periods.month_of(today), -1)
    end = min(last.end, last.start.replace(day=min(today.day, last.end.day)))
    return periods.Period(last.start, end, f"{last.label} to day {end.day}")


def freshness(session: Session) -> list[Freshness]:
    """The newest import of each contract file kind, in contract order."""
    newest = (
        select(ImportRun.kind, func.max(ImportRun.id).label("id"))
        .group_by(ImportRun.kind)
        .subquery()
    )
    runs = {
        run.kind: run
        for run in session.scalars(select(ImportRun).join(newest, ImportRun.id == newest.c.id))
    }
    result = []
    for kind in IMPORT_KINDS:
        run = runs.get(kind)
        result.append(
            Freshness(
                kind,
                run.imported_at if run else None,
                run.filename if run else None,
                run.rows if run else None,
            )
        )
    return result


def month_at_a_glance(engine: Engine, actor: Actor, today: dt.date) -> MonthAtAGlance:
    """The landing page figures for `actor` on `today` (see the module docstring for the rules)."""
    actor.require(Permission.VIEW_OVERVIEW)
    scope = actor.provider_scope()
    this_month = periods.Period(periods.month_of(today).start, today, "month to date")
    same_days = _same_days_last_month(today)
    last_month = periods.add_months(periods.month_of(today), -1)
    alerts_read = or_(
        dated_between(QualityAlert.raised_on, last_month.start, today),
        open_on(QualityAlert.raised_on, QualityAlert.closed_on, today),
    )
    concerns_read = or_(
        dated_between(SafeguardingConcern.received_on, last_month.start, today),
        open_on(
            SafeguardingConcern.enquiry_started_on, SafeguardingConcern.enquiry_concluded_on, today
        ),
    )
    with Session(engine) as session:
        alerts = load_alerts(session, provider_scope=scope, where=alerts_read)
        concerns = (
            load_concerns(
                session,
                provider_scope=scope,
                columns=("received_on", "enquiry_started_on", "enquiry_concluded_on"),
                where=concerns_read,
            )
            if actor.can(Permission.VIEW_CONCERNS)
            else None
        )
        fresh = freshness(session) if scope is None else []
        service = session.get(Provider, scope) if scope is not None else None
    open_now = counts.open_alerts_on(alerts, today)
    by_severity = (
        alerts[counts.open_alerts_mask(alerts, today)]["severity"].value_counts().to_dict()
    )
    severity_order = ("critical", "high", "medium", "low")
    return MonthAtAGlance(
        today=today,
        month=periods.month_of(today),
        open_alerts=open_now,
        open_alerts_by_severity={s: int(by_severity.get(s, 0)) for s in severity_order},
        alerts_raised_month_to_date=counts.dated_in(alerts, "raised_on", this_month),
        alerts_raised_same_days_last_month=counts.dated_in(alerts, "raised_on", same_days),
        concerns_month_to_date=_maybe(concerns, "received_on", this_month),
        concerns_same_days_last_month=_maybe(concerns, "received_on", same_days),
        concerns_last_month=_maybe(concerns, "received_on", last_month),
        open_enquiries=None if concerns is None else counts.open_enquiries_on(concerns, today),
        freshness=fresh,
        service_name=service.name if service is not None else None,
    )


def _maybe(frame: pd.DataFrame | None, column: str, period: periods.Period) -> int | None:
    return None if frame is None else counts.dated_in(frame, column, period)
