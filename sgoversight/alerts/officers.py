"""Who can own a quality alert: the council users an alert may be assigned to.

Rules:
- An alert may have an assigned officer (`assigned_to`): a council user, i.e. a username in the
  users table whose roles include one other than provider staff (is_council_user). Provider
  staff are never assigned an alert. New alerts start unassigned.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.alerts.rules import blank, is_council_user
from sgoversight.auth import Actor, Permission
from sgoversight.store.models import User

ASSIGN_LABELS: dict[str, str] = {
    "assigned_to": "Assigned officer",
    "note": "Why (saved as a note)",
    "visibility": "Who can read the note about this change?",
}
NOT_COUNCIL_MESSAGE = (
    "{name} is not a council user who can be assigned an alert (provider staff never are): "
    "choose one from the list"
)


def council_usernames(
    session: Session, names: Collection[str], *, enabled_only: bool = False
) -> set[str]:
    """Which of `names` are council users (is_council_user) in the users table; with
    `enabled_only`, only those whose account is not disabled. A few queries, never one a name."""
    wanted = sorted({name for name in names if isinstance(name, str)})
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        statement = select(User.username, User.roles, User.disabled).where(
            User.username.in_(wanted[start : start + 500])
        )
        for row in session.execute(statement):
            if is_council_user(row.roles or []) and not (enabled_only and row.disabled):
                found.add(row.username)
    return found


def council_officers(engine: Engine, actor: Actor) -> dict[str, str]:
    """Username → display name of the enabled council users an alert can be assigned to, by
    name (the assign and start-work pickers). Needs MANAGE_ALERTS."""
    actor.require(Permission.MANAGE_ALERTS)
    statement = select(User.username, User.display_name, User.roles).where(User.disabled.is_(False))
    with Session(engine) as session:
        rows = session.execute(statement.order_by(User.display_name, User.username)).all()
    return {row.username: row.display_name for row in rows if is_council_user(row.roles or [])}


def display_names(session: Session, usernames: Collection[str | None]) -> dict[str, str]:
    """Username → display name of the given users (None and unknown names left out)."""
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    statement = select(User.username, User.display_name).where(User.username.in_(wanted))
    return {row.username: row.display_name for row in session.execute(statement)}


def chosen_officer(session: Session, value: str | None, problems: dict[str, str]) -> str | None:
    """Rule for an officer chosen in the app: blank is nobody; otherwise an enabled council user.
    A problem is added to `problems` under `assigned_to`."""
    if blank(value):
        return None
    name = str(value).strip()
    if name not in council_usernames(session, [name], enabled_only=True):
        problems["assigned_to"] = NOT_COUNCIL_MESSAGE.format(name=f"'{name[:64]}'")
        return None
    return name
