"""Roles, permissions and the acting user.

Rule: every use case checks the actor's permission here, in the domain layer; pages and the command
line only decide what to show. A provider user acts only for their own provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COMMISSIONER = "commissioner"
    SAFEGUARDING = "safeguarding"
    BOARD_MEMBER = "board_member"
    QA_ATTENDEE = "qa_attendee"
    PLAN_OWNER = "plan_owner"
    PROVIDER = "provider"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.COMMISSIONER: "Commissioner",
    Role.SAFEGUARDING: "Safeguarding team",
    Role.BOARD_MEMBER: "Provider Oversight Board member",
    Role.QA_ATTENDEE: "Quality Assurance meeting attendee (read only)",
    Role.PLAN_OWNER: "Improvement plan owner",
    Role.PROVIDER: "Provider staff",
}


class Permission(StrEnum):
    VIEW_OVERVIEW = "view_overview"
    IMPORT_DATA = "import_data"
    VIEW_ALERTS = "view_alerts"
    LOG_ALERT = "log_alert"
    MANAGE_ALERTS = "manage_alerts"
    RECORD_QA = "record_qa"
    VIEW_CONCERNS = "view_concerns"
    VIEW_BOARD = "view_board"
    DECIDE_BOARD = "decide_board"
    VIEW_PLANS = "view_plans"
    UPDATE_OWN_ACTIONS = "update_own_actions"
    MANAGE_PLANS = "manage_plans"
    SIGN_OFF_PLANS = "sign_off_plans"
    #: Provider staff: their own service's open plan, and evidence on the actions assigned to it.
    WORK_ON_OWN_PLAN = "work_on_own_plan"
    VIEW_STANDARDS = "view_standards"
    WRITE_REPORT_TEXT = "write_report_text"
    BACKUP_RESTORE = "backup_restore"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"


P = Permission
#: The one permission table (documented in README.md).
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COMMISSIONER: frozenset(
        {
            P.VIEW_OVERVIEW,
            P.IMPORT_DATA,
            P.VIEW_ALERTS,
            P.LOG_ALERT,
            P.MANAGE_ALERTS,
            P.RECORD_QA,
            P.VIEW_CONCERNS,
            P.VIEW_BOARD,
            P.VIEW_PLANS,
            P.MANAGE_PLANS,
            P.VIEW_STANDARDS,
        }
    ),
    Role.SAFEGUARDING: frozenset(
        {
            P.VIEW_OVERVIEW,
            P.IMPORT_DATA,
            P.VIEW_ALERTS,
            P.LOG_ALERT,
            P.VIEW_CONCERNS,
            P.VIEW_BOARD,
            P.VIEW_PLANS,
            P.VIEW_STANDARDS,
            P.WRITE_REPORT_TEXT,
        }
    ),
    Role.BOARD_MEMBER: frozenset(
        {
            P.VIEW_OVERVIEW,
            P.VIEW_ALERTS,
            P.VIEW_CONCERNS,
            P.VIEW_BOARD,
            P.DECIDE_BOARD,
            P.VIEW_PLANS,
            P.MANAGE_PLANS,
            P.SIGN_OFF_PLANS,
            P.VIEW_STANDARDS,
            P.VIEW_AUDIT,
        }
    ),
    Role.QA_ATTENDEE: frozenset({P.VIEW_OVERVIEW, P.VIEW_ALERTS, P.VIEW_PLANS}),
    Role.PLAN_OWNER: frozenset({P.VIEW_OVERVIEW, P.VIEW_PLANS, P.UPDATE_OWN_ACTIONS}),
    Role.PROVIDER: frozenset({P.VIEW_OVERVIEW, P.VIEW_ALERTS, P.LOG_ALERT, P.WORK_ON_OWN_PLAN}),
}


class PermissionDenied(Exception):
    """The actor's roles do not allow the action (or the record is another provider's)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user or the command line (`system`)."""

    username: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    provider_id: str | None = None

    @property
    def is_provider_user(self) -> bool:
        """A provider user who is not also council staff sees only their own provider."""
        return Role.PROVIDER in self.roles and not (self.roles - {Role.PROVIDER})

    def can(self, permission: Permission) -> bool:
        return any(permission in PERMISSIONS[role] for role in self.roles)

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied unless one of the actor's roles grants `permission`."""
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} may not {permission.value.replace('_', ' ')}")

    def require_provider(self, provider_id: str | None) -> None:
        """Raise PermissionDenied when a provider user touches another provider's record (or any
        record, when no provider is recorded for them)."""
        if self.is_provider_user and (not self.provider_id or provider_id != self.provider_id):
            raise PermissionDenied(f"{self.username} may act only for their own provider")

    def provider_scope(self) -> str | None:
        """The provider this actor is limited to, or None for council staff (all providers).

        Rule: fails closed. Provider staff with no provider recorded see nothing (PermissionDenied),
        never every provider.
        """
        if not self.is_provider_user:
            return None
        if not self.provider_id:
            raise PermissionDenied(
                f"{self.username} works for a provider but none is recorded: ask an administrator"
            )
        return self.provider_id

    def scope_for(self, provider_id: str | None) -> str | None:
        """The provider a read asking for `provider_id` (None: every provider) is limited to.

        Rule: council staff get what they ask for; a provider user always gets their own
        provider, and asking for another provider is PermissionDenied (never a silent swap).
        """
        if provider_id is not None:
            self.require_provider(provider_id)
            return provider_id
        return self.provider_scope()


def actor_from(username: str, roles: list[str] | tuple[str, ...], provider_id: str | None) -> Actor:
    """Build an Actor from stored role names, ignoring none silently: unknown roles are an error."""
    return Actor(
        username=username, roles=frozenset(Role(r) for r in roles), provider_id=provider_id
    )


#: The command line acts as the system administrator of the machine it runs on.
SYSTEM = Actor(username="system", roles=frozenset({Role.ADMIN}))
