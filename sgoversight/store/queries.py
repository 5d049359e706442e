"""Read the tables of record into pandas frames for the scoring and report functions.

Rule: every count shown anywhere is computed from these frames by one function in the domain
package, never by a page's own query. Date columns come back as pandas datetime64 (normalised to
midnight) so window arithmetic is the same for frames built by hand in tests. A provider user's
actor scope limits every frame to their own provider.

A report over a few weeks or months of a large register may pass `where`: a condition that keeps
every row its rules can count (a superset, never the count itself), so the database skips the rest.
The rules still run on the frame, so a row the condition lets through that the rule does not count
changes nothing; the conditions are built from `dated_between` and `open_on` by the module whose
rules they serve, next to those rules, and tested against the unfiltered load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sgoversight.store.models import (
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
    TrainingRecord,
)

PROVIDER_COLUMNS = [
    "provider_id",
    "name",
    "service_type",
    "regulated",
    "commissioned",
    "cqc_rating",
    "capacity",
]
ALERT_COLUMNS = [
    "alert_id",
    "provider_id",
    "raised_on",
    "raised_by",
    "category",
    "severity",
    "status",
    "closed_on",
]
CONCERN_COLUMNS = [
    c.name
    for c in SafeguardingConcern.__table__.columns
    if c.name not in {"created_at", "updated_at"}
]
ACTION_COLUMNS = ["action_id", "plan_id", "provider_id", "owner", "due_on", "completed_on"]
TRAINING_COLUMNS = ["staff_id", "role", "training_type", "completed_on"]

_DATE_COLUMNS = {
    "raised_on",
    "closed_on",
    "received_on",
    "screened_on",
    "enquiry_started_on",
    "enquiry_concluded_on",
    "feedback_to_referrer_on",
    "feedback_to_provider_on",
    "due_on",
    "completed_on",
    "opened_on",
}


def as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert the known date columns of `frame` to datetime64 (NaT for not recorded)."""
    for column in frame.columns:
        if column in _DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def dated_between(
    column: InstrumentedAttribute[dt.date | None], start: dt.date, end: dt.date
) -> ColumnElement[bool]:
    """Rows whose `column` falls from `start` to `end`, both included (blank never does)."""
    return column.between(start, end)


def open_on(
    started: InstrumentedAttribute[dt.date | None],
    ended: InstrumentedAttribute[dt.date | None],
    day: dt.date,
) -> ColumnElement[bool]:
    """Rows started on or before `day` and not ended by it: `ended` blank or after `day`."""
    return and_(started <= day, or_(ended.is_(None), ended > day))


SelectT = TypeVar("SelectT", bound=Select[Any])


def scoped(statement: SelectT, column: Any, scope: str | None) -> SelectT:
    """`statement` limited to the provider `scope` on `column` (a provider id column), or
    unchanged when `scope` is None (council staff see every provider): the one way a read is
    limited to an actor's provider (`Actor.provider_scope`, `Actor.scope_for`) in the query."""
    return statement if scope is None else statement.where(column == scope)


def _frame(session: Session, statement: Select, columns: list[str]) -> pd.DataFrame:
    """Run `statement` on the session's connection (Core rows, not ORM: about twice as fast on
    large tables) and build the frame column by column."""
    rows = session.connection().execute(statement).fetchall()
    data = dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}
    return as_dates(pd.DataFrame(data, columns=columns))


def load_providers(session: Session, provider_scope: str | None = None) -> pd.DataFrame:
    """Every provider in the register (or only `provider_scope`), one row each."""
    statement = select(*(getattr(Provider, c) for c in PROVIDER_COLUMNS))
    if provider_scope is not None:
        statement = statement.where(Provider.provider_id == provider_scope)
    return _frame(session, statement.order_by(Provider.provider_id), PROVIDER_COLUMNS)


def load_alerts(
    session: Session,
    provider_scope: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> pd.DataFrame:
    """Every quality alert (or only those about `provider_scope`, and only rows meeting `where`)."""
    statement = select(*(getattr(QualityAlert, c) for c in ALERT_COLUMNS))
    if provider_scope is not None:
        statement = statement.where(QualityAlert.provider_id == provider_scope)
    if where is not None:
        statement = statement.where(where)
    return _frame(session, statement.order_by(QualityAlert.alert_id), ALERT_COLUMNS)


def load_concerns(
    session: Session,
    provider_scope: str | None = None,
    columns: Sequence[str] | None = None,
    where: ColumnElement[bool] | None = None,
) -> pd.DataFrame:
    """Every safeguarding concern with its enquiry fields (or only those about `provider_scope`).

    `columns` limits the frame to those columns (concern_id always included), for reports that
    read a few columns of a large table; by default every column of CONCERN_COLUMNS. `where`
    keeps only the rows meeting it (see the module docstring).
    """
    wanted = (
        CONCERN_COLUMNS
        if columns is None
        else ["concern_id", *(c for c in CONCERN_COLUMNS if c in columns and c != "concern_id")]
    )
    statement = select(*(getattr(SafeguardingConcern, c) for c in wanted))
    if provider_scope is not None:
        statement = statement.where(SafeguardingConcern.provider_id == provider_scope)
    if where is not None:
        statement = statement.where(where)
    return _frame(session, statement.order_by(SafeguardingConcern.concern_id), wanted)


def load_actions(
    session: Session,
    provider_scope: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> pd.DataFrame:
    """Every improvement plan action, with the provider its plan is about (only rows meeting
    `where` if given)."""
    statement = select(
        ImprovementAction.action_id,
        ImprovementAction.plan_id,
        ImprovementPlan.provider_id,
        ImprovementAction.owner,
        ImprovementAction.due_on,
        ImprovementAction.completed_on,
    ).join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
    if provider_scope is not None:
        statement = statement.where(ImprovementPlan.provider_id == provider_scope)
    if where is not None:
        statement = statement.where(where)
    return _frame(session, statement.order_by(ImprovementAction.action_id), ACTION_COLUMNS)


def load_training(session: Session) -> pd.DataFrame:
    """Every safeguarding training record."""
    statement = select(*(getattr(TrainingRecord, c) for c in TRAINING_COLUMNS))
    return _frame(session, statement.order_by(TrainingRecord.id), TRAINING_COLUMNS)
