"""Provider staff's own workstream: their service's open improvement plan and its actions
(WORK_ON_OWN_PLAN).

- They see their own service's plan, never another provider's (an administrator may open any
  provider's, to see what its staff see). An action is *assigned to the provider* when its owner
  is the provider's name or its provider id (ignoring case and surrounding spaces): the council
  gives an action to the service by writing the service as its owner.
- Provider staff see no internal text: not the plan's reason, sign-off rationale or owner, not who
  owns the council's actions (shown as "The council") and not the evidence on them; they see and
  add to the evidence of the actions assigned to their service. Adding evidence keeps what was
  there and adds the new text, dated and signed, below it; it does not mark the action done.
- Whether they also see the service's monthly rating is `show_monthly_rating` in
  config/provider_staff.toml, off by default (sgoversight.plans.config).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.plans.access import same_name
from sgoversight.plans.config import ProviderStaffConfig, load_provider_staff_config
from sgoversight.plans.inputs import form_invalid
from sgoversight.plans.records import (
    action_or_refuse,
    open_plan_of,
    open_plan_or_refuse,
    plan_conflict,
    plan_write,
    provider_or_refuse,
)
from sgoversight.plans.rules import (
    action_statuses,
    action_tally,
    progress_of,
    setup_missing,
    status_text,
)
from sgoversight.store import audit
from sgoversight.store.models import (
    Provider,
)
from sgoversight.store.queries import as_dates

#: How an action the council keeps is shown to provider staff (never the person's username).
COUNCIL_OWNER = "The council"


def assigned_to_provider(owner: str | None, provider: Provider) -> bool:
    """Rule: an action is assigned to the provider when its owner is the provider's name or its
    provider id, ignoring case and surrounding spaces."""
    return same_name(owner, provider.name) or same_name(owner, provider.provider_id)


@dataclass(frozen=True)
class WorkstreamAction:
    """A plan action as provider staff see it. `owner` is their service's name or "The council";
    `evidence` is shown only for actions assigned to the service (None otherwise)."""

    action_id: str
    description: str
    owner: str
    due_on: dt.date
    completed_on: dt.date | None
    status: str
    ours: bool
    evidence: str | None
    version: int

    @property
    def status_text(self) -> str:
        return status_text(self.status)


@dataclass(frozen=True)
class MonthlyRating:
    """The service's computed rating for a month, shown to its staff only when config allows."""

    board_month: str
    rating: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProviderWorkstream:
    """What a provider's staff see of the council's oversight of their service (no internal
    text: see the module's rules). `plan_id` is None when no plan is open."""

    provider_id: str
    provider_name: str
    plan_id: str | None
    opened_on: dt.date | None
    next_review_on: dt.date | None
    progress: str | None
    actions: tuple[WorkstreamAction, ...]
    rating: MonthlyRating | None = None


def _require_workstream(actor: Actor, provider_id: str) -> None:
    actor.require(Permission.WORK_ON_OWN_PLAN)
    actor.require_provider(provider_id)


def provider_workstream(
    engine: Engine,
    actor: Actor,
    provider_id: str,
    today: dt.date,
    config: ProviderStaffConfig | None = None,
) -> ProviderWorkstream:
    """`provider_id`'s open plan and its actions as its staff see them, with the last complete
    month's rating when config shows it (WORK_ON_OWN_PLAN; a provider user only their own)."""
    _require_workstream(actor, provider_id)
    config = config or load_provider_staff_config()
    with Session(engine) as session:
        provider = provider_or_refuse(session, provider_id, "No such provider")
        plan = open_plan_of(session, provider_id)
        rows: list[WorkstreamAction] = []
        progress = None
        if plan is not None:
            actions = sorted(plan.actions, key=lambda a: (a.due_on, a.action_id))
            frame = as_dates(
                pd.DataFrame(
                    [{"due_on": a.due_on, "completed_on": a.completed_on} for a in actions],
                    columns=["due_on", "completed_on"],
                )
            )
            statuses = list(action_statuses(frame, today)) if actions else []
            for action, status in zip(actions, statuses, strict=True):
                ours = assigned_to_provider(action.owner, provider)
                rows.append(
                    WorkstreamAction(
                        action_id=action.action_id,
                        description=action.description,
                        owner=provider.name if ours else COUNCIL_OWNER,
                        due_on=action.due_on,
                        completed_on=action.completed_on,
                        status=status,
                        ours=ours,
                        evidence=action.evidence if ours else None,
                        version=action.version,
                    )
                )
            missing = setup_missing(plan.owner, plan.next_review_on, len(actions))
            progress = progress_of(action_tally(frame, today), missing=missing)
        workstream = ProviderWorkstream(
            provider_id=provider.provider_id,
            provider_name=provider.name,
            plan_id=plan.plan_id if plan else None,
            opened_on=plan.opened_on if plan else None,
            next_review_on=plan.next_review_on if plan else None,
            progress=progress,
            actions=tuple(rows),
        )
    if not config.show_monthly_rating:
        return workstream
    from sgoversight.auth import SYSTEM
    from sgoversight.board import read as scoring_read
    from sgoversight.periods import last_complete_month

    month = last_complete_month(today)
    # The permission is checked above for this provider; the rules then run on its rows only.
    (rated,) = scoring_read.score_from_database(
        engine, month, provider_id=provider_id, actor=SYSTEM
    )
    return replace(
        workstream,
        rating=MonthlyRating(rated.board_month, rated.rating, tuple(rated.reasons)),
    )


def add_provider_evidence(
    engine: Engine,
    actor: Actor,
    action_id: str,
    evidence: str,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Provider staff add evidence to an action assigned to their service (WORK_ON_OWN_PLAN).

    Rules: only an action of their own service's open plan that is assigned to the provider
    (assigned_to_provider), else PermissionDenied; the text may not be blank; what was recorded
    stays and the new text is added below it with the date and who added it; the action is not
    marked done. `version` (the one the person saw) must still be current, else EditConflict.
    """
    actor.require(Permission.WORK_ON_OWN_PLAN)
    refusal = "The evidence was not added"
    text = (evidence or "").strip()
    day = today or dt.date.today()
    with plan_write(engine, f"action {action_id}") as session:
        action = action_or_refuse(session, action_id, refusal)
        plan = action.plan
        actor.require_provider(plan.provider_id)
        provider = provider_or_refuse(session, plan.provider_id, refusal)
        if not assigned_to_provider(action.owner, provider):
            raise PermissionDenied(
                f"{actor.username} may add evidence only to actions assigned to the service"
            )
        if version is not None and action.version != version:
            raise plan_conflict(f"action {action_id}")
        open_plan_or_refuse(session, plan.plan_id, refusal)
        if not text:
            raise form_invalid(refusal, ["evidence: write what you have done or can show"])
        added = f"{text}\n(added by {actor.username}, {day.day} {day:%B %Y})"
        before = action.evidence
        action.evidence = f"{before}\n\n{added}" if before else added
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "improvement_action",
            action_id,
            before={"evidence": before},
            after={"evidence": action.evidence},
        )
