"""Opening, changing and signing off improvement plans, and adding, changing and completing
their actions: permission check, audit event and write in one transaction.

Plans:
- Opening and updating a plan and adding actions need MANAGE_PLANS; closing a plan is its
  sign-off and needs SIGN_OFF_PLANS (Board members, administrators).
- A provider has at most one open plan (as a Board decision does, sgoversight.board.decisions).
- A plan opens with a reason, an owner and a next review date on or after the day it opens; it
  cannot open in the future.
- Closing is signing off: a written rationale, a closing date from the opening date to today, and
  every action marked done, so a signed-off plan never leaves an action counting as overdue. The
  signer and rationale are kept on the plan.
- A closed plan stays readable but neither it nor its actions can change. A closed plan is never
  reopened: if problems come back, open a new plan, so the signed-off record stays as signed.

Actions (who may change which: sgoversight.plans.access):
- An action needs a description, an owner and a due date on or after the day its plan opened.
- Marking an action done needs a completion date (from the plan's opening to today) and the
  evidence that it is done. Done is final: the due date of a done action no longer changes (its
  lateness stays on record), though evidence may still be added.

Every write records an audit event in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission
from sgoversight.errors import EditConflict, FormInvalid
from sgoversight.plans.access import require_some_update, require_update, same_name
from sgoversight.plans.inputs import (
    MAX_ID,
    ActionChange,
    ActionInput,
    CloseInput,
    DoneOn,
    PlanChange,
    PlanInput,
    form_invalid,
    validated,
)
from sgoversight.plans.records import (
    action_or_refuse,
    apply_changes,
    check_decision,
    new_plan_id,
    open_plan_of,
    open_plan_or_refuse,
    plan_conflict,
    plan_write,
    provider_or_refuse,
)
from sgoversight.plans.rules import count_text
from sgoversight.store import audit
from sgoversight.store.models import (
    ImprovementAction,
    ImprovementPlan,
)

#: Tries at allocating a new action id when others add to the same plan at the same moment.
ID_ATTEMPTS = 5


def open_plan(
    engine: Engine,
    actor: Actor,
    provider_id: str,
    reason: str,
    owner: str,
    opened_on: dt.date | str,
    next_review_on: dt.date | str,
    board_decision_id: int | None = None,
    *,
    today: dt.date | None = None,
) -> str:
    """Open an improvement plan for a provider (MANAGE_PLANS); returns its plan_id.

    Rules: reason, owner (a username) and next review date are required; opened_on is not in the
    future and next_review_on is not before it; the provider has no other open plan; a linked
    Board decision is about the same provider.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "The improvement plan was not opened"
    entry = validated(
        PlanInput,
        {
            "provider_id": provider_id,
            "reason": reason,
            "owner": owner,
            "opened_on": opened_on,
            "next_review_on": next_review_on,
            "board_decision_id": board_decision_id,
        },
        today or dt.date.today(),
        refusal,
    )
    with plan_write(engine, f"the plans of {entry.provider_id}") as session:
        provider_or_refuse(session, entry.provider_id, refusal, lock=True)
        check_decision(session, entry.board_decision_id, entry.provider_id, refusal)
        existing = open_plan_of(session, entry.provider_id)
        if existing is not None:
            raise form_invalid(
                refusal,
                [
                    f"provider_id: {entry.provider_id} already has an open improvement plan, "
                    f"{existing.plan_id}; add actions to it instead"
                ],
            )
        plan = ImprovementPlan(
            plan_id=new_plan_id(session, entry.provider_id, f"{entry.opened_on:%Y-%m}"),
            status="open",
            **entry.model_dump(),
        )
        session.add(plan)
        session.flush()
        audit.record(
            session, actor, "create", "improvement_plan", plan.plan_id, after=entry.model_dump()
        )
        return plan.plan_id


def update_plan(
    engine: Engine,
    actor: Actor,
    plan_id: str,
    *,
    owner: str | None = None,
    next_review_on: dt.date | str | None = None,
    version: int | None = None,
) -> bool:
    """Change an open plan's owner or next review date (MANAGE_PLANS); None leaves a value as it
    is. The review date is not before the plan opened; `version` (the one the person saw) must still
    be current, else EditConflict and nothing is written. Returns whether anything changed."""
    actor.require(Permission.MANAGE_PLANS)
    refusal = "The improvement plan was not changed"
    entry = validated(
        PlanChange, {"owner": owner, "next_review_on": next_review_on}, dt.date.max, refusal
    )
    with plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = open_plan_or_refuse(session, plan_id, refusal)
        if version is not None and plan.version != version:
            raise plan_conflict(f"improvement plan {plan_id}")
        if entry.next_review_on is not None and entry.next_review_on < plan.opened_on:
            raise form_invalid(
                refusal,
                [f"next_review_on: must be on or after opened_on ({plan.opened_on.isoformat()})"],
            )
        before, after = apply_changes(plan, entry.model_dump(exclude_none=True))
        if after:
            session.flush()
            audit.record(
                session, actor, "update", "improvement_plan", plan_id, before=before, after=after
            )
        return bool(after)


def close_plan(
    engine: Engine,
    actor: Actor,
    plan_id: str,
    rationale: str,
    closed_on: dt.date | str,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Sign off and close a plan (SIGN_OFF_PLANS: Board members).

    Rules: a written rationale; closed_on from opened_on to today; every action done by closed_on;
    a closed plan cannot be closed again or reopened. Records signed_off_by and close_rationale.
    """
    actor.require(Permission.SIGN_OFF_PLANS)
    refusal = "The improvement plan was not closed"
    entry = validated(
        CloseInput,
        {"rationale": rationale, "closed_on": closed_on},
        today or dt.date.today(),
        refusal,
    )
    with plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = open_plan_or_refuse(session, plan_id, refusal)
        if version is not None and plan.version != version:
            raise plan_conflict(f"improvement plan {plan_id}")
        if entry.closed_on < plan.opened_on:
            raise form_invalid(
                refusal,
                [f"closed_on: must be on or after opened_on ({plan.opened_on.isoformat()})"],
            )
        not_done = [
            a.action_id
            for a in plan.actions
            if a.completed_on is None or a.completed_on > entry.closed_on
        ]
        if not_done:
            raise form_invalid(
                refusal,
                [
                    f"actions: {count_text(len(not_done), 'action')} not done by "
                    f"{entry.closed_on.isoformat()} ({', '.join(not_done[:10])}); mark every "
                    "action done, with its evidence, before signing the plan off"
                ],
            )
        before, after = apply_changes(
            plan,
            {
                "status": "closed",
                "closed_on": entry.closed_on,
                "signed_off_by": actor.username,
                "close_rationale": entry.rationale,
            },
        )
        session.flush()
        audit.record(
            session, actor, "close", "improvement_plan", plan_id, before=before, after=after
        )


def add_action(
    engine: Engine,
    actor: Actor,
    plan_id: str,
    description: str,
    owner: str,
    due_on: dt.date | str,
) -> str:
    """Add an action to an open plan (MANAGE_PLANS); returns its action_id (`PLAN-ID-A3`).

    Rules: description, owner and due date are required; due_on is not before the plan opened.
    """
    actor.require(Permission.MANAGE_PLANS)
    refusal = "The action was not added"
    entry = validated(
        ActionInput,
        {"description": description, "owner": owner, "due_on": due_on},
        dt.date.max,
        refusal,
    )
    for attempt in range(ID_ATTEMPTS):
        try:
            return _add_action_once(engine, actor, plan_id, entry, refusal)
        except EditConflict:
            # Someone added an action to the plan at the same moment: the plan's version moved
            # on, so this attempt wrote nothing; take the next free number and try again.
            if attempt == ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _add_action_once(
    engine: Engine, actor: Actor, plan_id: str, entry: ActionInput, refusal: str
) -> str:
    """One attempt at adding an action. The plan's row is locked and its version bumped in the
    same transaction, so two people adding to one plan at once take turns and never get the same
    action id (should one slip past, the version check refuses it and add_action tries again)."""
    with plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = open_plan_or_refuse(session, plan_id, refusal, lock=True)
        _due_not_before_opening(entry.due_on, plan, refusal)
        action = ImprovementAction(
            action_id=_new_action_id(session, plan), plan_id=plan_id, **entry.model_dump()
        )
        session.add(action)
        plan.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "improvement_action",
            action.action_id,
            after={"plan_id": plan_id, **entry.model_dump()},
        )
        return action.action_id


def _new_action_id(session: Session, plan: ImprovementPlan) -> str:
    number = len(plan.actions) + 1
    stem = plan.plan_id[: MAX_ID - 6]
    while session.get(ImprovementAction, candidate := f"{stem}-A{number}") is not None:
        number += 1
    return candidate


def _due_not_before_opening(due_on: dt.date, plan: ImprovementPlan, refusal: str) -> None:
    if due_on < plan.opened_on:
        raise form_invalid(
            refusal,
            [f"due_on: must be on or after the plan opened ({plan.opened_on.isoformat()})"],
        )


def update_action(
    engine: Engine,
    actor: Actor,
    action_id: str,
    *,
    evidence: str | None = None,
    due_on: dt.date | str | None = None,
    owner: str | None = None,
    completed_on: dt.date | str | None = None,
    version: int | None = None,
    today: dt.date | None = None,
) -> bool:
    """Change an action's evidence, due date or owner, and mark it done when `completed_on` is
    given; None leaves a value as it is. One evidence box serves both: the evidence saved with a
    change is the evidence the action is marked done with.

    Rules: MANAGE_PLANS may change any action of an open plan; UPDATE_OWN_ACTIONS the evidence and
    due date of actions the actor owns (and mark them done). Changing the owner needs
    MANAGE_PLANS. The due date is not before the plan opened and does not change once the action
    is done. Marking done needs a completion date from the plan's opening to today and evidence
    (typed now, or already recorded); done is final. `version` (the one the person saw) must still
    be current, else EditConflict and nothing is written. Returns whether anything changed.
    """
    require_some_update(actor)
    marking = completed_on is not None
    refusal = "The action was not marked done" if marking else "The action was not changed"
    found: dict[str, str] = {}  # every problem at once: the fields' own, then the rules below
    entry: ActionChange | None = None
    done: DoneOn | None = None
    try:
        entry = validated(
            ActionChange,
            {"evidence": evidence, "due_on": due_on, "owner": owner},
            dt.date.max,
            refusal,
        )
    except FormInvalid as exc:
        found.update(exc.fields)
    if marking:
        try:
            done = validated(
                DoneOn, {"completed_on": completed_on}, today or dt.date.today(), refusal
            )
        except FormInvalid as exc:
            found.update(exc.fields)
    with plan_write(engine, f"action {action_id}") as session:
        action = action_or_refuse(session, action_id, refusal)
        if version is not None and action.version != version:
            raise plan_conflict(f"action {action_id}")
        plan = action.plan
        require_update(actor, action, plan)
        if entry.owner is not None and not same_name(entry.owner, action.owner):
            actor.require(Permission.MANAGE_PLANS)
        open_plan_or_refuse(session, plan.plan_id, refusal)
        values: dict[str, Any] = entry.model_dump(exclude_none=True) if entry else {}
        if "evidence" in values:
            values["evidence"] = values["evidence"] or None
        problems = [f"{name}: {message}" for name, message in found.items()]
        if entry is not None and entry.due_on is not None and entry.due_on != action.due_on:
            if action.completed_on is not None:
                problems.append(
                    f"due_on: action {action_id} is done; its due date "
                    f"({action.due_on.isoformat()}) can no longer change"
                )
            elif entry.due_on < plan.opened_on:
                problems.append(
                    f"due_on: must be on or after the plan opened ({plan.opened_on.isoformat()})"
                )
        if marking and not (evidence or "").strip() and not action.evidence:
            problems.append("evidence: say what shows the action is done")
        if done is not None:
            if action.completed_on is not None:
                problems.append(
                    f"completed_on: {action_id} was already marked done on "
                    f"{action.completed_on.isoformat()}"
                )
            elif done.completed_on < plan.opened_on:
                problems.append(
                    f"completed_on: must be on or after the plan opened "
                    f"({plan.opened_on.isoformat()})"
                )
            values["completed_on"] = done.completed_on
        if problems or entry is None:
            raise form_invalid(refusal, problems)
        before, after = apply_changes(action, values)
        if after:
            session.flush()
            audit.record(
                session,
                actor,
                "complete" if done is not None else "update",
                "improvement_action",
                action_id,
                before=before,
                after=after,
            )
        return bool(after)


def complete_action(
    engine: Engine,
    actor: Actor,
    action_id: str,
    completed_on: dt.date | str,
    evidence: str | None = None,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Mark an action done (update_action with a completion date): MANAGE_PLANS, or
    UPDATE_OWN_ACTIONS for own actions. Evidence is what is typed, or else what is recorded."""
    update_action(
        engine,
        actor,
        action_id,
        evidence=evidence or None,
        completed_on=completed_on,
        version=version,
        today=today,
    )
