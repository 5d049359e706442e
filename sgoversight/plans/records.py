"""Loading plans, actions, arrangements and providers for a change, and the one transaction
each change is written in.

- A record that is not there refuses the form under the field that named it.
- Every write goes through `db.session_scope` (on SQLite it takes the write lock first). A change
  that names the version the user saw is refused with EditConflict when someone else changed the
  record meanwhile, and SQLAlchemy's version check refuses two saves racing in the same instant
  the same way; nothing is written.
- Opening a plan or an arrangement holds the provider's row (PROVIDER_LOCK), so a provider never
  ends up with two open plans or arrangements.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sgoversight.errors import EditConflict
from sgoversight.plans.inputs import MAX_ID, form_invalid
from sgoversight.plans.rules import monitoring_reference
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    BoardDecision,
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
)


def plan_or_refuse(
    session: Session, plan_id: str, refusal: str, *, lock: bool = False
) -> ImprovementPlan:
    """The plan, or the form refused under plan_id when there is no such plan."""
    # lock: hold the plan's row to the end of the transaction (PostgreSQL), so writers that
    # number its actions take turns instead of colliding; SQLite's write lock already does.
    plan = session.get(ImprovementPlan, plan_id, with_for_update=lock or None)
    if plan is None:
        raise form_invalid(refusal, [f"plan_id: no improvement plan {plan_id}"])
    return plan


def open_plan_or_refuse(
    session: Session, plan_id: str, refusal: str, *, lock: bool = False
) -> ImprovementPlan:
    """The plan while it is open; a closed plan can be read but not changed."""
    plan = plan_or_refuse(session, plan_id, refusal, lock=lock)
    if plan.status != "open":
        raise form_invalid(
            refusal,
            [f"plan_id: improvement plan {plan_id} is closed; it can be read but not changed"],
        )
    return plan


def action_or_refuse(session: Session, action_id: str, refusal: str) -> ImprovementAction:
    """The action, or the form refused under action_id when there is no such action."""
    action = session.get(ImprovementAction, action_id)
    if action is None:
        raise form_invalid(refusal, [f"action_id: no improvement plan action {action_id}"])
    return action


def monitoring_or_refuse(
    session: Session, monitoring_id: int, version: int | None, refusal: str
) -> EnhancedMonitoring:
    """The arrangement, refused when there is none, or EditConflict when `version` (the one
    the person saw) is given and no longer current."""
    monitoring = session.get(EnhancedMonitoring, monitoring_id)
    if monitoring is None:
        raise form_invalid(
            refusal,
            [f"monitoring_id: no enhanced monitoring {monitoring_reference(monitoring_id)}"],
        )
    if version is not None and monitoring.version != version:
        raise monitoring_conflict(monitoring_id)
    return monitoring


def monitoring_conflict(monitoring_id: int) -> EditConflict:
    """The refusal when someone else changed the arrangement since the person opened it."""
    return EditConflict(
        f"Not saved: someone else changed enhanced monitoring "
        f"{monitoring_reference(monitoring_id)} since you opened it. Reload to see their change, "
        "then try again.",
        ["version: the arrangement has changed since you opened it"],
    )


#: Hold a provider's row while opening its plan or monitoring (PostgreSQL: FOR NO KEY UPDATE, which
#: still lets others add alerts naming the provider), so two openings take turns and the second
#: finds the first: a provider never ends up with two open plans or arrangements.
PROVIDER_LOCK: dict[str, bool] = {"key_share": True}


def provider_or_refuse(
    session: Session, provider_id: str, refusal: str, *, lock: bool = False
) -> Provider:
    """The provider (its row held when `lock`), or the form refused under provider_id."""
    provider = session.get(Provider, provider_id, with_for_update=PROVIDER_LOCK if lock else None)
    if provider is None:
        raise form_invalid(refusal, [f"provider_id: unknown provider {provider_id}"])
    return provider


def check_decision(
    session: Session, decision_id: int | None, provider_id: str, refusal: str
) -> None:
    """Refuse a linked Board decision that does not exist or is about another provider."""
    if decision_id is None:
        return
    decision = session.get(BoardDecision, decision_id)
    if decision is None:
        raise form_invalid(refusal, [f"board_decision_id: no Board decision {decision_id}"])
    if decision.provider_id != provider_id:
        raise form_invalid(
            refusal,
            [f"board_decision_id: decision {decision_id} is about {decision.provider_id}"],
        )


def plan_conflict(what: str) -> EditConflict:
    """The refusal when someone else changed the plan or action since the person opened it."""
    return EditConflict(
        f"Not saved: someone else changed {what} since you opened it. What is shown now "
        "includes their change; look at it, then save yours again.",
        ["version: it has changed since you opened it"],
    )


@contextmanager
def _write(engine: Engine, conflict: EditConflict, *races: type[Exception]) -> Iterator[Session]:
    """One transaction (db.session_scope: the write lock first on SQLite, committed at the end,
    rolled back on any error) in which any of `races` becomes `conflict`; nothing is written."""
    try:
        with session_scope(engine) as session:
            yield session
    except races as exc:
        raise conflict from exc


def plan_write(engine: Engine, what: str) -> AbstractContextManager[Session]:
    """One transaction changing a plan or its actions; SQLAlchemy's version check failing
    (someone saved in between) or someone taking the same new id (a plan's, an action's) at the
    same moment becomes EditConflict."""
    return _write(engine, plan_conflict(what), StaleDataError, IntegrityError)


def monitoring_write(engine: Engine, monitoring_id: int) -> AbstractContextManager[Session]:
    """One transaction changing an arrangement; SQLAlchemy's version check failing (someone saved
    in between) becomes EditConflict."""
    return _write(engine, monitoring_conflict(monitoring_id), StaleDataError)


def apply_changes(record: object, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply `values` that differ from `record`; return (before, after) of what changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(record, name, value)
    return before, after


def open_plan_of(session: Session, provider_id: str) -> ImprovementPlan | None:
    """The provider's open improvement plan, if it has one."""
    return session.scalars(
        select(ImprovementPlan)
        .where(ImprovementPlan.provider_id == provider_id, ImprovementPlan.status == "open")
        .order_by(ImprovementPlan.opened_on)
    ).first()


def new_plan_id(session: Session, provider_id: str, month: str) -> str:
    """`PROVIDER-YYYY-MM-N`, N one more than the provider's plans so far (the Board's scheme),
    moved on until no plan has that id."""
    count = session.scalar(
        select(func.count())
        .select_from(ImprovementPlan)
        .where(ImprovementPlan.provider_id == provider_id)
    )
    number = (count or 0) + 1
    stem = provider_id[: MAX_ID - len(month) - 8]
    while session.get(ImprovementPlan, candidate := f"{stem}-{month}-{number}") is not None:
        number += 1
    return candidate


def open_monitoring_of(session: Session, provider_id: str) -> EnhancedMonitoring | None:
    """The provider's open enhanced monitoring arrangement, if it has one."""
    return session.scalars(
        select(EnhancedMonitoring)
        .where(EnhancedMonitoring.provider_id == provider_id, EnhancedMonitoring.ended_on.is_(None))
        .order_by(EnhancedMonitoring.started_on)
    ).first()
