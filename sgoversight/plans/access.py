"""Who may change improvement plan actions, and who may read plans (checked here, whatever the
page shows).

- Reading plans, actions and monitoring needs VIEW_PLANS (council staff, Board members, QA meeting
  attendees, plan owners). Provider users have no access to those reads; they see their own
  workstream instead (sgoversight.plans.workstream).
- Changing any action needs MANAGE_PLANS (commissioners, Board members, administrators).
- An actor who has UPDATE_OWN_ACTIONS but not MANAGE_PLANS (an improvement plan owner) may change
  the evidence and due date of, and mark done, only the actions they own. An actor *owns* an
  action when the action's owner or its plan's owner is their username (ignoring case and
  surrounding spaces): a plan's owner answers for every action of their plan. Giving an action to
  someone else needs MANAGE_PLANS.
"""

from __future__ import annotations

from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.store.models import (
    ImprovementAction,
    ImprovementPlan,
)


def same_name(name: str | None, username: str) -> bool:
    """The same person or service: equal ignoring case and surrounding spaces."""
    return name is not None and name.strip().casefold() == username.strip().casefold()


def owns_action(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> bool:
    """The actor owns the action: its owner or its plan's owner is the actor's username."""
    return same_name(action.owner, actor.username) or same_name(plan.owner, actor.username)


def may_update_action(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> bool:
    """MANAGE_PLANS may update any action; UPDATE_OWN_ACTIONS only the actions the actor owns."""
    if actor.can(Permission.MANAGE_PLANS):
        return True
    return actor.can(Permission.UPDATE_OWN_ACTIONS) and owns_action(actor, action, plan)


def require_some_update(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor may update some actions (any, or their own)."""
    if not (actor.can(Permission.MANAGE_PLANS) or actor.can(Permission.UPDATE_OWN_ACTIONS)):
        raise PermissionDenied(f"{actor.username} may not update improvement plan actions")


def require_update(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> None:
    """Raise PermissionDenied unless the actor may update this action (may_update_action)."""
    require_some_update(actor)
    if not may_update_action(actor, action, plan):
        raise PermissionDenied(
            f"{actor.username} may update only the actions they own; action {action.action_id} "
            f"is owned by {action.owner}"
        )


def require_view(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor may read plans and monitoring (VIEW_PLANS)."""
    actor.require(Permission.VIEW_PLANS)
