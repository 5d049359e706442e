"""Enhanced monitoring: starting, reviewing and ending an arrangement, and recording visits
(MANAGE_PLANS; permission check, audit event and write in one transaction).

- A provider has at most one open arrangement. It starts (not in the future) with a reason, a lead
  and a review date on or after the start.
- Visits are recorded while it is open, dated from its start to today.
- Ending needs a written rationale and a date from the start (and the last visit) to today.
- Every change (visit, review date, end) bumps the arrangement's version. A change that names the
  version the user saw is refused with EditConflict when someone else changed it meanwhile, and
  SQLAlchemy's version check refuses two saves racing in the same instant the same way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission
from sgoversight.plans.inputs import (
    EndInput,
    MonitoringChange,
    MonitoringInput,
    VisitInput,
    form_invalid,
    validated,
)
from sgoversight.plans.records import (
    apply_changes,
    check_decision,
    monitoring_or_refuse,
    monitoring_write,
    open_monitoring_of,
    provider_or_refuse,
)
from sgoversight.plans.rules import monitoring_reference
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    EnhancedMonitoring,
    MonitoringVisit,
)


def _open_monitoring_or_refuse(
    session: Session, monitoring_id: int, version: int | None, refusal: str
) -> EnhancedMonitoring:
    monitoring = monitoring_or_refuse(session, monitoring_id, version, refusal)
    if monitoring.ended_on is not None:
        raise form_invalid(
            refusal,
            [
                f"monitoring_id: enhanced monitoring {monitoring_reference(monitoring_id)} "
                f"ended on {monitoring.ended_on.isoformat()}; it can be read but not changed"
            ],
        )
    return monitoring


def start_monitoring_in(
    session: Session,
    actor: Actor,
    *,
    provider_id: str,
    started_on: dt.date,
    reason: str,
    review_on: dt.date | None = None,
    lead: str | None = None,
    board_decision_id: int | None = None,
) -> tuple[int, bool]:
    """Start enhanced monitoring in `session`, or find the provider's open arrangement.

    Returns (id, started): started is False when an arrangement was already open (it is left as it
    is). No permission check: the caller checked (start_monitoring, or a Board decision).
    """
    existing = open_monitoring_of(session, provider_id)
    if existing is not None:
        return existing.id, False
    values = {
        "provider_id": provider_id,
        "started_on": started_on,
        "review_on": review_on,
        "reason": reason,
        "lead": lead,
        "board_decision_id": board_decision_id,
    }
    monitoring = EnhancedMonitoring(**values)
    session.add(monitoring)
    session.flush()
    audit.record(session, actor, "create", "enhanced_monitoring", str(monitoring.id), after=values)
    return monitoring.id, True


def start_monitoring(
    engine: Engine,
    actor: Actor,
    provider_id: str,
    started_on: dt.date | str,
    review_on: dt.date | str,
    reason: str,
    lead: str,
    board_decision_id: int | None = None,
    *,
    today: dt.date | None = None,
) -> int:
    """Start enhanced monitoring of a provider (MANAGE_PLANS); returns the arrangement's id.

    Rules: reason, lead and review date are required; started_on is not in the future and
    review_on not before it; the provider has no other open arrangement.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "Enhanced monitoring was not started"
    entry = validated(
        MonitoringInput,
        {
            "provider_id": provider_id,
            "started_on": started_on,
            "review_on": review_on,
            "reason": reason,
            "lead": lead,
            "board_decision_id": board_decision_id,
        },
        today or dt.date.today(),
        refusal,
    )
    with session_scope(engine) as session:
        provider_or_refuse(session, entry.provider_id, refusal, lock=True)
        check_decision(session, entry.board_decision_id, entry.provider_id, refusal)
        monitoring_id, started = start_monitoring_in(session, actor, **entry.model_dump())
        if not started:
            raise form_invalid(
                refusal,
                [
                    f"provider_id: {entry.provider_id} is already under enhanced monitoring "
                    f"({monitoring_reference(monitoring_id)})"
                ],
            )
        return monitoring_id


def update_monitoring(
    engine: Engine,
    actor: Actor,
    monitoring_id: int,
    *,
    review_on: dt.date | str | None = None,
    lead: str | None = None,
    version: int | None = None,
) -> bool:
    """Change an open arrangement's review date or lead (MANAGE_PLANS); None leaves a value.

    Rules: the review date is not before the start; `version` (the one the user saw) must still
    be current. Returns whether anything changed.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "Enhanced monitoring was not changed"
    entry = validated(
        MonitoringChange, {"review_on": review_on, "lead": lead}, dt.date.max, refusal
    )
    with monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        if entry.review_on is not None and entry.review_on < monitoring.started_on:
            raise form_invalid(
                refusal,
                [
                    f"review_on: must be on or after started_on "
                    f"({monitoring.started_on.isoformat()})"
                ],
            )
        before, after = apply_changes(monitoring, entry.model_dump(exclude_none=True))
        if not after:
            return False
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "enhanced_monitoring",
            str(monitoring_id),
            before=before,
            after=after,
        )
        return True


def record_visit(
    engine: Engine,
    actor: Actor,
    monitoring_id: int,
    visited_on: dt.date | str,
    visited_by: str,
    findings: str,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> int:
    """Record a monitoring visit to an open arrangement (MANAGE_PLANS); returns the visit's id.

    Rules: visited_on from the start of monitoring to today; who visited and what was found are
    required; `version` (the one the user saw) must still be current. Bumps the version.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "The visit was not recorded"
    entry = validated(
        VisitInput,
        {"visited_on": visited_on, "visited_by": visited_by, "findings": findings},
        today or dt.date.today(),
        refusal,
    )
    with monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        if entry.visited_on < monitoring.started_on:
            raise form_invalid(
                refusal,
                [
                    f"visited_on: must be on or after monitoring started "
                    f"({monitoring.started_on.isoformat()})"
                ],
            )
        visit = MonitoringVisit(
            monitoring_id=monitoring_id, recorded_by=actor.username, **entry.model_dump()
        )
        session.add(visit)
        _touch(monitoring)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "monitoring_visit",
            str(visit.id),
            after={"monitoring_id": monitoring_id, **entry.model_dump()},
        )
        return visit.id


def _touch(monitoring: EnhancedMonitoring) -> None:
    """Mark the arrangement changed so its version moves on (and is checked) with this save."""
    monitoring.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)


def end_monitoring(
    engine: Engine,
    actor: Actor,
    monitoring_id: int,
    ended_on: dt.date | str,
    rationale: str,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> None:
    """End enhanced monitoring (MANAGE_PLANS) with a written rationale.

    Rules: ended_on from the start (and the last visit) to today; an ended arrangement cannot be
    ended again; `version` (the one the user saw) must still be current. Records ended_by.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "Enhanced monitoring was not ended"
    entry = validated(
        EndInput,
        {"ended_on": ended_on, "rationale": rationale},
        today or dt.date.today(),
        refusal,
    )
    with monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        last_visit = max((v.visited_on for v in monitoring.visits), default=None)
        earliest = max(d for d in (monitoring.started_on, last_visit) if d is not None)
        if entry.ended_on < earliest:
            raise form_invalid(
                refusal,
                [
                    f"ended_on: must be on or after {earliest.isoformat()} (the start of "
                    "monitoring or its last visit)"
                ],
            )
        before, after = apply_changes(
            monitoring,
            {
                "ended_on": entry.ended_on,
                "end_rationale": entry.rationale,
                "ended_by": actor.username,
            },
        )
        session.flush()
        audit.record(
            session,
            actor,
            "end",
            "enhanced_monitoring",
            str(monitoring_id),
            before=before,
            after=after,
        )
