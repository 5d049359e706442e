"""The append-only audit trail.

Rule: every create, update, delete and import writes one AuditEvent in the same transaction as the
change it records (so a rolled-back change leaves no event, and a committed one always has one).
Nothing can update or delete audit rows: the ORM refuses it here, and database triggers
(migration 0004) refuse it for any other connection.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.orm import Session

from sgoversight import uktime
from sgoversight.auth import Actor, Permission
from sgoversight.store.models import ACCOUNT_ENTITY as ACCOUNT_ENTITY  # re-exported for users
from sgoversight.store.models import DATA_CHANGE, AuditEvent

if TYPE_CHECKING:  # pandas is imported where a frame is built: an import command never needs it
    import pandas as pd


AUDIT_COLUMNS = [
    "id", "occurred_at", "actor", "action", "entity", "entity_id", "before", "after", "detail",
]  # fmt: skip


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: object, _connection: object, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add one audit event to `session` (committed with the change it describes)."""
    event = AuditEvent(
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        detail=detail,
    )
    session.add(event)
    return event


def audit_trail(
    engine: Engine,
    actor: Actor,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    who: str | None = None,
    entity: str | None = None,
    action: str | None = None,
    text: str | None = None,
    limit: int = 5_000,
) -> pd.DataFrame:
    """Audit events, newest first, filtered; only for those who may see the audit trail.

    `since`/`until` are inclusive UK days (midnight to midnight in Europe/London, BST included,
    as the people filtering read the times); `text` matches the record id or detail as typed
    (case-insensitive; `%` and `_` are the characters themselves, not wildcards); at most `limit`
    rows (the newest).
    """
    actor.require(Permission.VIEW_AUDIT)
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= uktime.day_start_utc(since))
    if until is not None:
        end = uktime.day_start_utc(until + dt.timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    if who:
        query = query.where(AuditEvent.actor == who)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if action:
        query = query.where(AuditEvent.action == action)
    if text:
        pattern = f"%{like_literal(text.lower())}%"
        query = query.where(
            AuditEvent.entity_id.ilike(pattern, escape=LIKE_ESCAPE)
            | AuditEvent.detail.ilike(pattern, escape=LIKE_ESCAPE)
        )
    with Session(engine) as session:
        events = session.scalars(query.limit(limit)).all()
        rows = [{column: getattr(e, column) for column in AUDIT_COLUMNS} for e in events]
    import pandas as pd

    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


LIKE_ESCAPE = "\\"


def like_literal(text: str) -> str:
    """`text` for a LIKE pattern that matches it literally: the escape character, `%` and `_`
    are escaped (the pattern names LIKE_ESCAPE as its escape)."""
    return "".join(LIKE_ESCAPE + c if c in {"%", "_", LIKE_ESCAPE} else c for c in text)


def audit_choices(engine: Engine, actor: Actor) -> dict[str, list[str]]:
    """The distinct users, record kinds and actions in the trail, for filter pickers."""
    actor.require(Permission.VIEW_AUDIT)
    with Session(engine) as session:
        return {
            name: sorted(v for v in session.scalars(select(column).distinct()) if v)
            for name, column in (
                ("who", AuditEvent.actor),
                ("entity", AuditEvent.entity),
                ("action", AuditEvent.action),
            )
        }


def data_version(engine: Engine, unrelated: frozenset[str] = frozenset()) -> int:
    """The id of the newest audit event that records a change to data: every write is audited in
    its own transaction, so this number changes whenever any data changes, and caches keyed on it
    are never stale. Account events (ACCOUNT_ENTITY) are left out, so a mistyped password does not
    empty every page's cache.

    `unrelated` names further entities a cached view is known not to read (for example the
    standards never read quality alerts): changes to those leave its version alone. Anything not
    named, a new kind of record included, still moves it. Read newest first down the index of
    data changes (migration 0006), stopping at the first match, so account events never slow it
    however many there are."""
    with Session(engine) as session:
        return session.scalar(newest_data_change(unrelated)) or 0


def newest_data_change(unrelated: frozenset[str] = frozenset()) -> Select[tuple[int]]:
    """The query data_version runs: the id of the newest event recording a data change to an
    entity not in `unrelated`. Its first condition is written exactly as the partial index's, so
    the database walks that index from the newest end."""
    newest = select(AuditEvent.id).where(DATA_CHANGE)
    if unrelated:
        newest = newest.where(AuditEvent.entity.not_in(sorted(unrelated)))
    return newest.order_by(AuditEvent.id.desc()).limit(1)
