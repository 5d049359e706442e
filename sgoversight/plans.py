"""Improvement plans, their actions, and enhanced monitoring: the use cases and the progress rule.

Who may do what (checked here, whatever the page shows):
- Reading plans, actions and monitoring needs VIEW_PLANS (council staff, Board members, QA meeting
  attendees, plan owners). Provider users have no access to those reads; they see their own
  workstream instead (WORK_ON_OWN_PLAN, below).
- Provider staff's workstream (provider_workstream, add_provider_evidence; WORK_ON_OWN_PLAN):
  their own service's open improvement plan and its actions, never another provider's (an
  administrator may open any provider's, to see what its staff see). An action is *assigned to
  the provider* when its owner is the provider's name or its provider id (ignoring case and
  surrounding spaces): the council gives an action to the service by writing the service as its
  owner. Provider staff see no internal text: not the plan's reason, sign-off rationale or
  owner, not who owns the council's actions (shown as "The council") and not the evidence on
  them; they see and add to the evidence of the actions assigned to their service. Adding
  evidence keeps what was there and adds the new text, dated and signed, below it; it does not
  mark the action done. Whether they also see the service's monthly rating is
  `show_monthly_rating` in config/provider_staff.toml, off by default.
- Opening and updating a plan, adding actions, changing any action, and starting, reviewing and
  ending enhanced monitoring need MANAGE_PLANS (commissioners, Board members, administrators).
- Closing a plan is its sign-off and needs SIGN_OFF_PLANS (Board members, administrators).
- An actor who has UPDATE_OWN_ACTIONS but not MANAGE_PLANS (an improvement plan owner) may change
  the evidence and due date of, and mark done, only the actions they own. An actor *owns* an
  action when the action's owner or its plan's owner is their username (ignoring case and
  surrounding spaces): a plan's owner answers for every action of their plan. Giving an action to
  someone else needs MANAGE_PLANS.

Plans:
- A provider has at most one open plan (as a Board decision does, sgoversight.board.decisions).
- A plan opens with a reason, an owner and a next review date on or after the day it opens; it
  cannot open in the future.
- Closing is signing off: a written rationale, a closing date from the opening date to today, and
  every action marked done, so a signed-off plan never leaves an action counting as overdue. The
  signer and rationale are kept on the plan.
- A closed plan stays readable but neither it nor its actions can change. A closed plan is never
  reopened: if problems come back, open a new plan, so the signed-off record stays as signed.

Actions:
- An action needs a description, an owner and a due date on or after the day its plan opened.
- Marking an action done needs a completion date (from the plan's opening to today) and the
  evidence that it is done. Done is final: the due date of a done action no longer changes (its
  lateness stays on record), though evidence may still be added.

Progress on a date D (plan_progress, action_statuses; used by pages, the portfolio and tests):
- An action is *done by D* when completed_on is on or before D.
- Action status: "Done" if done by D; else "Overdue" if due_on is before D; else "Due soon" if
  due_on is from D to D + 14 days; else "Not yet due".
- Plan progress: "Closed" if the plan is closed; else "Needs setting up" until the plan has an
  owner, a next review date and at least one action (a plan the Board opens starts so); else
  "Overdue" if any action is overdue; else "At risk" if any action is due soon; else "On track".
- `overdue_actions_by_provider` is the one definition of CONTRACT.md section 3 `overdue_actions`:
  actions with due_on before as-of and not completed by as-of (completed on as-of = not overdue),
  whatever the plan's status.

Enhanced monitoring:
- A provider has at most one open arrangement. It starts (not in the future) with a reason, a lead
  and a review date on or after the start.
- Visits are recorded while it is open, dated from its start to today.
- Ending needs a written rationale and a date from the start (and the last visit) to today.
- Progress on D: "Ended" once ended; "Overdue" when the review date is before D; "At risk" when
  the review is due from D to D + 14 days or no review date is set; else "On track".
- Every change (visit, review date, end) bumps the arrangement's version. A change that names the
  version the user saw is refused with StaleEdit when someone else changed it meanwhile, and
  SQLAlchemy's version check refuses two saves racing in the same instant the same way.

Every write records an audit event in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import altair as alt
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sgoversight import audit
from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.counts import overdue_actions_mask
from sgoversight.db import PROJECT_ROOT, session_scope
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.models import (
    BoardDecision,
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    MonitoringVisit,
    Provider,
)
from sgoversight.queries import as_dates, load_actions, scoped

#: "Due soon" and "At risk" look this many days ahead (today included).
DUE_SOON_DAYS = 14

OVERDUE, AT_RISK, ON_TRACK, CLOSED, ENDED = "Overdue", "At risk", "On track", "Closed", "Ended"
DONE, DUE_SOON, NOT_YET_DUE = "Done", "Due soon", "Not yet due"
NEEDS_SETUP = "Needs setting up"
#: Plan and monitoring progress words, most urgent first (the portfolio's sort order).
PROGRESS_ORDER: tuple[str, ...] = (NEEDS_SETUP, OVERDUE, AT_RISK, ON_TRACK, CLOSED, ENDED)
ACTION_STATUS_ORDER: tuple[str, ...] = (OVERDUE, DUE_SOON, NOT_YET_DUE, DONE)
#: A shape beside every word, so a status reads without colour (greyscale, colour-blind users).
STATUS_ICON: dict[str, str] = {
    NEEDS_SETUP: "◇",
    OVERDUE: "✖",
    AT_RISK: "▲",
    DUE_SOON: "▲",
    ON_TRACK: "●",
    NOT_YET_DUE: "○",
    DONE: "✔",
    CLOSED: "■",
    ENDED: "■",
}
STATUS_MATERIAL_ICON: dict[str, str] = {
    NEEDS_SETUP: ":material/construction:",
    OVERDUE: ":material/cancel:",
    AT_RISK: ":material/warning:",
    DUE_SOON: ":material/schedule:",
    ON_TRACK: ":material/check_circle:",
    NOT_YET_DUE: ":material/radio_button_unchecked:",
    DONE: ":material/task_alt:",
    CLOSED: ":material/lock:",
    ENDED: ":material/lock:",
}
STATUS_BADGE_COLOUR: dict[str, str] = {
    NEEDS_SETUP: "violet",
    OVERDUE: "red",
    AT_RISK: "orange",
    DUE_SOON: "orange",
    ON_TRACK: "green",
    NOT_YET_DUE: "blue",
    DONE: "green",
    CLOSED: "gray",
    ENDED: "gray",
}

PLAN_KIND, MONITORING_KIND = "Improvement plan", "Enhanced monitoring"
MONITORING_PREFIX = "EM-"
MAX_TEXT = 10_000
MAX_NAME = 200  # improvement_actions.owner, enhanced_monitoring.lead
MAX_USERNAME = 64  # improvement_plans.owner
MAX_ID = 64
#: Tries at allocating a new action id when others add to the same plan at the same moment.
ID_ATTEMPTS = 5


def status_text(status: str) -> str:
    """'✖ Overdue', '✔ Done' ...: the icon and the word together, never colour alone."""
    return f"{STATUS_ICON[status]} {status}"


def status_badge(status: str) -> str:
    """A coloured Streamlit badge with icon and word, for st.markdown."""
    return f":{STATUS_BADGE_COLOUR[status]}-badge[{STATUS_MATERIAL_ICON[status]} {status}]"


def monitoring_reference(monitoring_id: int) -> str:
    """How an enhanced monitoring arrangement is named on screen and in links: EM-12."""
    return f"{MONITORING_PREFIX}{monitoring_id}"


def long_date(day: dt.date | pd.Timestamp | None) -> str:
    """'3 November 2026' (or 'not set')."""
    if day is None or pd.isna(day):
        return "not set"
    return f"{day.day} {day:%B %Y}"


# --- the progress rule ----------------------------------------------------------------------------


def _day(on: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    return pd.Timestamp(on).normalize()


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column])


def done_mask(actions: pd.DataFrame, on: dt.date | pd.Timestamp) -> pd.Series:
    """Actions done by the end of `on`: completed_on on or before it."""
    completed = _dates(actions, "completed_on")
    return completed.notna() & (completed <= _day(on))


def due_soon_mask(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> pd.Series:
    """Actions not done by `on` and due from `on` to `on` + `days` (both ends included)."""
    due = _dates(actions, "due_on")
    start = _day(on)
    return ~done_mask(actions, on) & (due >= start) & (due <= start + pd.Timedelta(days=days))


def overdue_actions_by_provider(actions: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """CONTRACT.md §3 `overdue_actions`: per provider, "its plan actions with due_on before as-of
    and not completed by as-of", whatever the plan's status.

    `actions` is a frame like sgoversight.queries.load_actions (provider_id, due_on, completed_on).
    Returns counts indexed by provider_id (sorted), one entry for every provider in the frame (0
    when none is overdue); reindex on the register with fill_value=0 for providers with no actions.
    """
    mask = overdue_actions_mask(actions, as_of)
    providers = pd.Index(sorted(actions["provider_id"].dropna().unique()), name="provider_id")
    counts = actions.loc[mask, "provider_id"].value_counts()
    result = counts.reindex(providers, fill_value=0).astype("int64")
    result.name = "overdue_actions"
    return result


def action_statuses(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> pd.Series:
    """Each action's status on `on`: Done, Overdue, Due soon or Not yet due (module rule)."""
    conditions = [
        done_mask(actions, on).to_numpy(),
        overdue_actions_mask(actions, on).to_numpy(),
        due_soon_mask(actions, on, days).to_numpy(),
    ]
    values = np.select(conditions, [DONE, OVERDUE, DUE_SOON], default=NOT_YET_DUE)
    return pd.Series(values, index=actions.index, dtype=object, name="status")


@dataclass(frozen=True)
class ActionTally:
    """A plan's actions on a day: how many, how many are not done, overdue and due soon, and the
    earliest due date among the overdue and among the due soon (None when there are none)."""

    actions: int = 0
    not_done: int = 0
    overdue: int = 0
    due_soon: int = 0
    oldest_overdue: pd.Timestamp | None = None
    first_due_soon: pd.Timestamp | None = None


def _timestamp(value: object) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value)


def action_tallies(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> dict[str, ActionTally]:
    """Each plan's ActionTally on `on`, keyed by plan_id (plans without actions are absent): the
    masks done_mask, overdue_actions_mask and due_soon_mask computed once over every action."""
    if actions.empty:
        return {}
    due = _dates(actions, "due_on")
    overdue = overdue_actions_mask(actions, on)
    soon = due_soon_mask(actions, on, days)
    frame = pd.DataFrame(
        {
            "plan_id": actions["plan_id"].to_numpy(),
            "not_done": (~done_mask(actions, on)).to_numpy(),
            "overdue": overdue.to_numpy(),
            "due_soon": soon.to_numpy(),
            "overdue_due": due.where(overdue).to_numpy(),
            "soon_due": due.where(soon).to_numpy(),
        }
    )
    grouped = frame.groupby("plan_id", sort=False).agg(
        actions=("not_done", "size"),
        not_done=("not_done", "sum"),
        overdue=("overdue", "sum"),
        due_soon=("due_soon", "sum"),
        oldest_overdue=("overdue_due", "min"),
        first_due_soon=("soon_due", "min"),
    )
    return {
        str(plan_id): ActionTally(
            int(count), int(not_done), int(late), int(soon), _timestamp(oldest), _timestamp(first)
        )
        for plan_id, count, not_done, late, soon, oldest, first in grouped.itertuples()
    }


def action_tally(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> ActionTally:
    """One plan's ActionTally on `on` (every row of `actions` taken as that plan's)."""
    return action_tallies(actions.assign(plan_id=""), on, days).get("", ActionTally())


def setup_missing(owner: str | None, next_review_on: dt.date | None, actions: int) -> list[str]:
    """What an open plan still lacks to be set up: an owner, a next review date, at least one
    action (in those words, in that order; empty when it is set up)."""
    missing = []
    if not (owner or "").strip():
        missing.append("an owner")
    if next_review_on is None or pd.isna(next_review_on):
        missing.append("a next review date")
    if actions == 0:
        missing.append("an action")
    return missing


def progress_of(tally: ActionTally, *, closed: bool = False, missing: Iterable[str] = ()) -> str:
    """A plan's progress from its tally: Closed if the plan is closed; else Needs setting up if
    it lacks an owner, a next review date or any action (`missing`, setup_missing); else Overdue
    if any action is overdue; else At risk if any is due soon; else On track."""
    if closed:
        return CLOSED
    if list(missing):
        return NEEDS_SETUP
    if tally.overdue:
        return OVERDUE
    if tally.due_soon:
        return AT_RISK
    return ON_TRACK


def progress_reason(tally: ActionTally, progress: str, missing: Iterable[str] = ()) -> str:
    """One plain sentence saying why a plan has its progress word."""
    if progress == CLOSED:
        return "Signed off and closed."
    if progress == NEEDS_SETUP:
        lacking = list(missing)
        listed = ", ".join(lacking[:-1]) + (" and " if len(lacking) > 1 else "") + lacking[-1]
        return f"Not set up yet: it needs {listed}."
    if tally.actions == 0:
        return "No actions yet."
    if progress == OVERDUE:
        return (
            f"{_count(tally.overdue, 'action')} overdue "
            f"(oldest due {long_date(tally.oldest_overdue)})."
        )
    if progress == AT_RISK:
        return (
            f"{_count(tally.due_soon, 'action')} due in the next {DUE_SOON_DAYS} days "
            f"(first on {long_date(tally.first_due_soon)})."
        )
    if tally.not_done == 0:
        return "Every action is done."
    left = _count(tally.not_done, "action")
    return f"{left} still to do, none due in the next {DUE_SOON_DAYS} days."


def plan_progress(
    actions: pd.DataFrame,
    on: dt.date | pd.Timestamp,
    *,
    closed: bool = False,
    days: int = DUE_SOON_DAYS,
) -> str:
    """A plan's progress on `on` from its actions: Closed, Overdue, At risk or On track.

    Closed if the plan is closed; else Overdue if any action has due_on before `on` and is not
    completed by `on`; else At risk if any action not completed by `on` is due from `on` to
    `on` + 14 days; else On track.
    """
    return progress_of(action_tally(actions, on, days), closed=closed)


def plan_progress_reason(actions: pd.DataFrame, on: dt.date | pd.Timestamp, progress: str) -> str:
    """One plain sentence saying why a plan has its progress word (progress_reason)."""
    return progress_reason(action_tally(actions, on), progress)


def monitoring_progress(
    review_on: dt.date | None,
    on: dt.date,
    *,
    ended: bool = False,
    days: int = DUE_SOON_DAYS,
) -> str:
    """Enhanced monitoring progress on `on`: Ended, Overdue (review date passed), At risk (review
    due within `days`, or no review date set) or On track."""
    if ended:
        return ENDED
    if review_on is None:
        return AT_RISK
    if review_on < on:
        return OVERDUE
    if review_on <= on + relativedelta(days=days):
        return AT_RISK
    return ON_TRACK


def monitoring_progress_reason(review_on: dt.date | None, progress: str) -> str:
    """One plain sentence saying why an arrangement has its progress word."""
    if progress == ENDED:
        return "Ended."
    if review_on is None:
        return "No review date set."
    if progress == OVERDUE:
        return f"Review was due on {long_date(review_on)}."
    return f"Review due on {long_date(review_on)}."


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


# --- validation -----------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def _not_future(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    today = (info.context or {}).get("today")
    if value is not None and today is not None and value > today:
        raise ValueError(f"cannot be in the future (today is {today.isoformat()})")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_not_blank)]
Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]
Username = Annotated[str, Field(max_length=MAX_USERNAME), AfterValidator(_not_blank)]
PastDay = Annotated[dt.date, AfterValidator(_not_future)]


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class PlanInput(_Input):
    """A new improvement plan."""

    provider_id: Annotated[str, Field(max_length=MAX_ID), AfterValidator(_not_blank)]
    reason: Text
    owner: Username
    opened_on: PastDay
    next_review_on: dt.date
    board_decision_id: int | None = None

    @model_validator(mode="after")
    def _review_after_opening(self) -> PlanInput:
        if self.next_review_on < self.opened_on:
            raise ValueError(
                f"next_review_on: must be on or after opened_on ({self.opened_on.isoformat()})"
            )
        return self


class PlanChange(_Input):
    """A change of a plan's owner or next review date (None = unchanged)."""

    owner: Username | None = None
    next_review_on: dt.date | None = None


class CloseInput(_Input):
    """Signing off a plan."""

    rationale: Text
    closed_on: PastDay


class ActionInput(_Input):
    """A new action of a plan."""

    description: Text
    owner: Name
    due_on: dt.date


class ActionChange(_Input):
    """A change of an action's evidence, due date or owner (None = unchanged)."""

    evidence: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    due_on: dt.date | None = None
    owner: Name | None = None


class DoneOn(_Input):
    """The day an action was done."""

    completed_on: PastDay


class MonitoringInput(_Input):
    """A new enhanced monitoring arrangement."""

    provider_id: Annotated[str, Field(max_length=MAX_ID), AfterValidator(_not_blank)]
    started_on: PastDay
    review_on: dt.date
    reason: Text
    lead: Name
    board_decision_id: int | None = None

    @model_validator(mode="after")
    def _review_after_start(self) -> MonitoringInput:
        if self.review_on < self.started_on:
            raise ValueError(
                f"review_on: must be on or after started_on ({self.started_on.isoformat()})"
            )
        return self


class MonitoringChange(_Input):
    """A change of an arrangement's review date or lead (None = unchanged)."""

    review_on: dt.date | None = None
    lead: Name | None = None


class VisitInput(_Input):
    """A monitoring visit."""

    visited_on: PastDay
    visited_by: Name
    findings: Text


class EndInput(_Input):
    """Ending enhanced monitoring."""

    ended_on: PastDay
    rationale: Text


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], values: dict[str, Any], today: dt.date, refusal: str) -> M:
    """`values` checked by `model`; BadInput naming each field's problem otherwise."""
    try:
        return model.model_validate(values, context={"today": today})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            if err.get("type") == "missing":
                message = "required"
            problems.append(f"{field}: {message}" if field else message)
        raise _invalid(refusal, problems) from exc


def _invalid(refusal: str, problems: list[str]) -> FormInvalid:
    """The form's problems by field: each "field: message" under its field (a rule between fields
    names the field it is about the same way), anything else under "form"."""
    fields: dict[str, str] = {}
    for problem in problems:
        name, sep, message = problem.partition(": ")
        if sep and name.replace("_", "").isalnum() and name == name.lower():
            fields.setdefault(name, message)
        else:
            fields.setdefault("form", problem)
    return FormInvalid(fields, refusal)


class StaleEdit(EditConflict):
    """Someone else changed the record since the user opened it; nothing was saved."""


# --- permissions ----------------------------------------------------------------------------------


def _same_user(name: str | None, username: str) -> bool:
    return name is not None and name.strip().casefold() == username.strip().casefold()


def owns_action(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> bool:
    """The actor owns the action: its owner or its plan's owner is the actor's username."""
    return _same_user(action.owner, actor.username) or _same_user(plan.owner, actor.username)


def may_update_action(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> bool:
    """MANAGE_PLANS may update any action; UPDATE_OWN_ACTIONS only the actions the actor owns."""
    if actor.can(Permission.MANAGE_PLANS):
        return True
    return actor.can(Permission.UPDATE_OWN_ACTIONS) and owns_action(actor, action, plan)


def _require_some_update(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor may update some actions (any, or their own)."""
    if not (actor.can(Permission.MANAGE_PLANS) or actor.can(Permission.UPDATE_OWN_ACTIONS)):
        raise PermissionDenied(f"{actor.username} may not update improvement plan actions")


def _require_update(actor: Actor, action: ImprovementAction, plan: ImprovementPlan) -> None:
    _require_some_update(actor)
    if not may_update_action(actor, action, plan):
        raise PermissionDenied(
            f"{actor.username} may update only the actions they own; action {action.action_id} "
            f"is owned by {action.owner}"
        )


def _require_view(actor: Actor) -> None:
    actor.require(Permission.VIEW_PLANS)


# --- loading records ------------------------------------------------------------------------------


def _plan(session: Session, plan_id: str, refusal: str, *, lock: bool = False) -> ImprovementPlan:
    # lock: hold the plan's row to the end of the transaction (PostgreSQL), so writers that
    # number its actions take turns instead of colliding; SQLite's write lock already does.
    plan = session.get(ImprovementPlan, plan_id, with_for_update=lock or None)
    if plan is None:
        raise _invalid(refusal, [f"plan_id: no improvement plan {plan_id}"])
    return plan


def _open_plan_or_refuse(
    session: Session, plan_id: str, refusal: str, *, lock: bool = False
) -> ImprovementPlan:
    plan = _plan(session, plan_id, refusal, lock=lock)
    if plan.status != "open":
        raise _invalid(
            refusal,
            [f"plan_id: improvement plan {plan_id} is closed; it can be read but not changed"],
        )
    return plan


def _action(session: Session, action_id: str, refusal: str) -> ImprovementAction:
    action = session.get(ImprovementAction, action_id)
    if action is None:
        raise _invalid(refusal, [f"action_id: no improvement plan action {action_id}"])
    return action


def _monitoring(
    session: Session, monitoring_id: int, version: int | None, refusal: str
) -> EnhancedMonitoring:
    monitoring = session.get(EnhancedMonitoring, monitoring_id)
    if monitoring is None:
        raise _invalid(
            refusal,
            [f"monitoring_id: no enhanced monitoring {monitoring_reference(monitoring_id)}"],
        )
    if version is not None and monitoring.version != version:
        raise _stale(monitoring_id)
    return monitoring


def _stale(monitoring_id: int) -> StaleEdit:
    return StaleEdit(
        f"Not saved: someone else changed enhanced monitoring "
        f"{monitoring_reference(monitoring_id)} since you opened it. Reload to see their change, "
        "then try again.",
        ["version: the arrangement has changed since you opened it"],
    )


def _open_monitoring_or_refuse(
    session: Session, monitoring_id: int, version: int | None, refusal: str
) -> EnhancedMonitoring:
    monitoring = _monitoring(session, monitoring_id, version, refusal)
    if monitoring.ended_on is not None:
        raise _invalid(
            refusal,
            [
                f"monitoring_id: enhanced monitoring {monitoring_reference(monitoring_id)} "
                f"ended on {monitoring.ended_on.isoformat()}; it can be read but not changed"
            ],
        )
    return monitoring


#: Hold a provider's row while opening its plan or monitoring (PostgreSQL: FOR NO KEY UPDATE, which
#: still lets others add alerts naming the provider), so two openings take turns and the second
#: finds the first: a provider never ends up with two open plans or arrangements.
PROVIDER_LOCK: dict[str, bool] = {"key_share": True}


def _provider(session: Session, provider_id: str, refusal: str, *, lock: bool = False) -> Provider:
    provider = session.get(Provider, provider_id, with_for_update=PROVIDER_LOCK if lock else None)
    if provider is None:
        raise _invalid(refusal, [f"provider_id: unknown provider {provider_id}"])
    return provider


def _decision(session: Session, decision_id: int | None, provider_id: str, refusal: str) -> None:
    if decision_id is None:
        return
    decision = session.get(BoardDecision, decision_id)
    if decision is None:
        raise _invalid(refusal, [f"board_decision_id: no Board decision {decision_id}"])
    if decision.provider_id != provider_id:
        raise _invalid(
            refusal,
            [f"board_decision_id: decision {decision_id} is about {decision.provider_id}"],
        )


def _stale_plan(what: str) -> StaleEdit:
    return StaleEdit(
        f"Not saved: someone else changed {what} since you opened it. What is shown now "
        "includes their change; look at it, then save yours again.",
        ["version: it has changed since you opened it"],
    )


@contextmanager
def _plan_write(engine: Engine, what: str) -> Iterator[Session]:
    """One transaction changing a plan or its actions, taking the write lock first on SQLite
    (db.begin_write); SQLAlchemy's version check failing (someone saved in between) becomes
    StaleEdit, and nothing is written."""
    try:
        with session_scope(engine) as session:
            yield session
    except (StaleDataError, IntegrityError) as exc:
        # IntegrityError: someone took the same new id (a plan's, an action's) at the same moment
        raise _stale_plan(what) from exc


@contextmanager
def _monitoring_write(engine: Engine, monitoring_id: int) -> Iterator[Session]:
    """One transaction changing an arrangement: committed at the end, rolled back on any error;
    SQLAlchemy's version check failing (someone saved in between) becomes StaleEdit."""
    with Session(engine) as session:
        try:
            with session.begin():
                yield session
        except StaleDataError as exc:
            raise _stale(monitoring_id) from exc


def _changes(record: object, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply `values` that differ from `record`; return (before, after) of what changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(record, name, value)
    return before, after


# --- plans ----------------------------------------------------------------------------------------


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
    entry = _validated(
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
    with _plan_write(engine, f"the plans of {entry.provider_id}") as session:
        _provider(session, entry.provider_id, refusal, lock=True)
        _decision(session, entry.board_decision_id, entry.provider_id, refusal)
        existing = open_plan_of(session, entry.provider_id)
        if existing is not None:
            raise _invalid(
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
    be current, else StaleEdit and nothing is written. Returns whether anything changed."""
    actor.require(Permission.MANAGE_PLANS)
    refusal = "The improvement plan was not changed"
    entry = _validated(
        PlanChange, {"owner": owner, "next_review_on": next_review_on}, dt.date.max, refusal
    )
    with _plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = _open_plan_or_refuse(session, plan_id, refusal)
        if version is not None and plan.version != version:
            raise _stale_plan(f"improvement plan {plan_id}")
        if entry.next_review_on is not None and entry.next_review_on < plan.opened_on:
            raise _invalid(
                refusal,
                [f"next_review_on: must be on or after opened_on ({plan.opened_on.isoformat()})"],
            )
        before, after = _changes(plan, entry.model_dump(exclude_none=True))
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
    entry = _validated(
        CloseInput,
        {"rationale": rationale, "closed_on": closed_on},
        today or dt.date.today(),
        refusal,
    )
    with _plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = _open_plan_or_refuse(session, plan_id, refusal)
        if version is not None and plan.version != version:
            raise _stale_plan(f"improvement plan {plan_id}")
        if entry.closed_on < plan.opened_on:
            raise _invalid(
                refusal,
                [f"closed_on: must be on or after opened_on ({plan.opened_on.isoformat()})"],
            )
        not_done = [
            a.action_id
            for a in plan.actions
            if a.completed_on is None or a.completed_on > entry.closed_on
        ]
        if not_done:
            raise _invalid(
                refusal,
                [
                    f"actions: {_count(len(not_done), 'action')} not done by "
                    f"{entry.closed_on.isoformat()} ({', '.join(not_done[:10])}); mark every "
                    "action done, with its evidence, before signing the plan off"
                ],
            )
        before, after = _changes(
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


# --- actions --------------------------------------------------------------------------------------


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
    entry = _validated(
        ActionInput,
        {"description": description, "owner": owner, "due_on": due_on},
        dt.date.max,
        refusal,
    )
    for attempt in range(ID_ATTEMPTS):
        try:
            return _add_action_once(engine, actor, plan_id, entry, refusal)
        except StaleEdit:
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
    with _plan_write(engine, f"improvement plan {plan_id}") as session:
        plan = _open_plan_or_refuse(session, plan_id, refusal, lock=True)
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
        raise _invalid(
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
    be current, else StaleEdit and nothing is written. Returns whether anything changed.
    """
    _require_some_update(actor)
    marking = completed_on is not None
    refusal = "The action was not marked done" if marking else "The action was not changed"
    found: dict[str, str] = {}  # every problem at once: the fields' own, then the rules below
    entry: ActionChange | None = None
    done: DoneOn | None = None
    try:
        entry = _validated(
            ActionChange,
            {"evidence": evidence, "due_on": due_on, "owner": owner},
            dt.date.max,
            refusal,
        )
    except FormInvalid as exc:
        found.update(exc.fields)
    if marking:
        try:
            done = _validated(
                DoneOn, {"completed_on": completed_on}, today or dt.date.today(), refusal
            )
        except FormInvalid as exc:
            found.update(exc.fields)
    with _plan_write(engine, f"action {action_id}") as session:
        action = _action(session, action_id, refusal)
        if version is not None and action.version != version:
            raise _stale_plan(f"action {action_id}")
        plan = action.plan
        _require_update(actor, action, plan)
        if entry.owner is not None and not _same_user(entry.owner, action.owner):
            actor.require(Permission.MANAGE_PLANS)
        _open_plan_or_refuse(session, plan.plan_id, refusal)
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
            raise _invalid(refusal, problems)
        before, after = _changes(action, values)
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


# --- enhanced monitoring --------------------------------------------------------------------------


def open_monitoring_of(session: Session, provider_id: str) -> EnhancedMonitoring | None:
    """The provider's open enhanced monitoring arrangement, if it has one."""
    return session.scalars(
        select(EnhancedMonitoring)
        .where(EnhancedMonitoring.provider_id == provider_id, EnhancedMonitoring.ended_on.is_(None))
        .order_by(EnhancedMonitoring.started_on)
    ).first()


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
    entry = _validated(
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
        _provider(session, entry.provider_id, refusal, lock=True)
        _decision(session, entry.board_decision_id, entry.provider_id, refusal)
        monitoring_id, started = start_monitoring_in(session, actor, **entry.model_dump())
        if not started:
            raise _invalid(
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
    entry = _validated(
        MonitoringChange, {"review_on": review_on, "lead": lead}, dt.date.max, refusal
    )
    with _monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        if entry.review_on is not None and entry.review_on < monitoring.started_on:
            raise _invalid(
                refusal,
                [
                    f"review_on: must be on or after started_on "
                    f"({monitoring.started_on.isoformat()})"
                ],
            )
        before, after = _changes(monitoring, entry.model_dump(exclude_none=True))
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
    entry = _validated(
        VisitInput,
        {"visited_on": visited_on, "visited_by": visited_by, "findings": findings},
        today or dt.date.today(),
        refusal,
    )
    with _monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        if entry.visited_on < monitoring.started_on:
            raise _invalid(
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
    entry = _validated(
        EndInput,
        {"ended_on": ended_on, "rationale": rationale},
        today or dt.date.today(),
        refusal,
    )
    with _monitoring_write(engine, monitoring_id) as session:
        monitoring = _open_monitoring_or_refuse(session, monitoring_id, version, refusal)
        last_visit = max((v.visited_on for v in monitoring.visits), default=None)
        earliest = max(d for d in (monitoring.started_on, last_visit) if d is not None)
        if entry.ended_on < earliest:
            raise _invalid(
                refusal,
                [
                    f"ended_on: must be on or after {earliest.isoformat()} (the start of "
                    "monitoring or its last visit)"
                ],
            )
        before, after = _changes(
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


# --- reading: portfolio, due soon, detail --------------------------------------------------------

PORTFOLIO_COLUMNS = [
    "kind",
    "reference",
    "provider_id",
    "provider",
    "progress",
    "progress_text",
    "why",
    "since",
    "owner",
    "next_review_on",
    "open_actions",
    "overdue_actions",
    "due_soon_actions",
    "link",
]


def plan_link(plan_id: str) -> str:
    """The plans page showing one plan (other pages link here): `plans?plan=PLAN-ID`."""
    return f"plans?plan={plan_id}"


def monitoring_link(monitoring_id: int) -> str:
    """The plans page showing one enhanced monitoring arrangement."""
    return f"plans?monitoring={monitoring_id}"


def _actions_frame(session: Session, actor: Actor) -> pd.DataFrame:
    return load_actions(session, actor.provider_scope())


def open_arrangements(
    session: Session, scope: str | None
) -> tuple[list[tuple[ImprovementPlan, str]], list[tuple[EnhancedMonitoring, str]]]:
    """The open improvement plans and the enhanced monitoring not yet ended, each with its
    provider's name (only `scope`'s when given)."""
    plans = session.execute(
        scoped(
            select(ImprovementPlan, Provider.name)
            .join(Provider, Provider.provider_id == ImprovementPlan.provider_id)
            .where(ImprovementPlan.status == "open"),
            ImprovementPlan.provider_id,
            scope,
        )
    ).all()
    monitoring = session.execute(
        scoped(
            select(EnhancedMonitoring, Provider.name)
            .join(Provider, Provider.provider_id == EnhancedMonitoring.provider_id)
            .where(EnhancedMonitoring.ended_on.is_(None)),
            EnhancedMonitoring.provider_id,
            scope,
        )
    ).all()
    return [(plan, name) for plan, name in plans], [(m, name) for m, name in monitoring]


def portfolio(engine: Engine, actor: Actor, today: dt.date) -> pd.DataFrame:
    """Every open improvement plan and open enhanced monitoring arrangement on `today`, one row
    each (PORTFOLIO_COLUMNS), most urgent first: Overdue, At risk, On track; then most overdue
    actions, earliest review date, provider name. Needs VIEW_PLANS."""
    _require_view(actor)
    scope = actor.provider_scope()
    with Session(engine) as session:
        plans, monitoring = open_arrangements(session, scope)
        actions = _actions_frame(session, actor)
    tallies = action_tallies(actions, today)
    rows: list[dict[str, Any]] = []
    for plan, provider_name in plans:
        tally = tallies.get(plan.plan_id, ActionTally())
        missing = setup_missing(plan.owner, plan.next_review_on, tally.actions)
        progress = progress_of(tally, missing=missing)
        rows.append(
            {
                "kind": PLAN_KIND,
                "reference": plan.plan_id,
                "provider_id": plan.provider_id,
                "provider": provider_name,
                "progress": progress,
                "progress_text": status_text(progress),
                "why": progress_reason(tally, progress, missing),
                "since": plan.opened_on,
                "owner": plan.owner,
                "next_review_on": plan.next_review_on,
                "open_actions": tally.not_done,
                "overdue_actions": tally.overdue,
                "due_soon_actions": tally.due_soon,
                "link": plan_link(plan.plan_id),
            }
        )
    for arrangement, provider_name in monitoring:
        progress = monitoring_progress(arrangement.review_on, today)
        rows.append(
            {
                "kind": MONITORING_KIND,
                "reference": monitoring_reference(arrangement.id),
                "provider_id": arrangement.provider_id,
                "provider": provider_name,
                "progress": progress,
                "progress_text": status_text(progress),
                "why": monitoring_progress_reason(arrangement.review_on, progress),
                "since": arrangement.started_on,
                "owner": arrangement.lead,
                "next_review_on": arrangement.review_on,
                "open_actions": 0,
                "overdue_actions": 0,
                "due_soon_actions": 0,
                "link": monitoring_link(arrangement.id),
            }
        )
    frame = pd.DataFrame(rows, columns=PORTFOLIO_COLUMNS)
    if frame.empty:
        return frame
    frame["_rank"] = frame["progress"].map(PROGRESS_ORDER.index)
    frame["_review"] = pd.to_datetime(frame["next_review_on"])
    frame = frame.sort_values(
        ["_rank", "overdue_actions", "_review", "provider", "reference"],
        ascending=[True, False, True, True, True],
        na_position="last",
    )
    return frame.drop(columns=["_rank", "_review"]).reset_index(drop=True)


DUE_SOON_COLUMNS = [
    "due_on",
    "kind",
    "what",
    "provider",
    "reference",
    "owner",
    "mine",
    "status_text",
    "link",
]


def only_own_actions(actor: Actor) -> bool:
    """A plan owner (UPDATE_OWN_ACTIONS without MANAGE_PLANS) sees only what they own."""
    return actor.can(Permission.UPDATE_OWN_ACTIONS) and not actor.can(Permission.MANAGE_PLANS)


def due_soon(
    engine: Engine,
    actor: Actor,
    today: dt.date,
    days: int = DUE_SOON_DAYS,
    *,
    include_overdue: bool = False,
) -> pd.DataFrame:
    """What falls due from `today` to `today` + `days` (DUE_SOON_COLUMNS): actions not done,
    plan reviews and monitoring reviews of open plans and arrangements; with `include_overdue`
    also actions overdue and reviews passed. An open plan that needs setting up (setup_missing) is
    listed too, dated the day it opened, whatever the window.

    `mine` marks what the actor owns (an action they own, a plan they own, monitoring they lead).
    A plan owner (only_own_actions) sees only their own; everyone else sees everything, their own
    first, then by date. Needs VIEW_PLANS.
    """
    _require_view(actor)
    start = pd.Timestamp(today)
    end = start + pd.Timedelta(days=days)
    scope = actor.provider_scope()
    with Session(engine) as session:
        plans, monitoring = open_arrangements(session, scope)
        open_ids = [plan.plan_id for plan, _ in plans]
        actions = _open_actions(session, open_ids)
        counted = dict(
            session.execute(
                select(ImprovementAction.plan_id, func.count()).group_by(ImprovementAction.plan_id)
            ).all()
        )
    plan_by_id = {plan.plan_id: (plan, name) for plan, name in plans}

    def in_window(day: dt.date | None) -> bool:
        if day is None:
            return False
        stamp = pd.Timestamp(day)
        return stamp <= end and (include_overdue or stamp >= start)

    rows: list[dict[str, Any]] = []
    for action in actions:
        plan, name = plan_by_id[action.plan_id]
        if not in_window(action.due_on):
            continue
        status = OVERDUE if action.due_on < today else DUE_SOON
        rows.append(
            {
                "due_on": action.due_on,
                "kind": "Action",
                "what": action.description,
                "provider": name,
                "reference": action.action_id,
                "owner": action.owner,
                "mine": owns_action(actor, action, plan),
                "status_text": status_text(status),
                "link": plan_link(plan.plan_id),
            }
        )
    for plan, name in plans:
        missing = setup_missing(plan.owner, plan.next_review_on, counted.get(plan.plan_id, 0))
        if missing:  # waiting to be set up, whatever the window
            rows.append(
                {
                    "due_on": plan.opened_on,
                    "kind": "Plan to set up",
                    "what": f"Set up improvement plan {plan.plan_id}: it needs "
                    + " and ".join(missing),
                    "provider": name,
                    "reference": plan.plan_id,
                    "owner": plan.owner,
                    "mine": _same_user(plan.owner, actor.username),
                    "status_text": status_text(NEEDS_SETUP),
                    "link": plan_link(plan.plan_id),
                }
            )
        if in_window(plan.next_review_on):
            status = OVERDUE if plan.next_review_on < today else DUE_SOON
            rows.append(
                {
                    "due_on": plan.next_review_on,
                    "kind": "Plan review",
                    "what": f"Review improvement plan {plan.plan_id}",
                    "provider": name,
                    "reference": plan.plan_id,
                    "owner": plan.owner,
                    "mine": _same_user(plan.owner, actor.username),
                    "status_text": status_text(status),
                    "link": plan_link(plan.plan_id),
                }
            )
    for arrangement, name in monitoring:
        if in_window(arrangement.review_on):
            status = OVERDUE if arrangement.review_on < today else DUE_SOON
            rows.append(
                {
                    "due_on": arrangement.review_on,
                    "kind": "Monitoring review",
                    "what": f"Review enhanced monitoring {monitoring_reference(arrangement.id)}",
                    "provider": name,
                    "reference": monitoring_reference(arrangement.id),
                    "owner": arrangement.lead,
                    "mine": _same_user(arrangement.lead, actor.username),
                    "status_text": status_text(status),
                    "link": monitoring_link(arrangement.id),
                }
            )
    frame = pd.DataFrame(rows, columns=DUE_SOON_COLUMNS)
    if only_own_actions(actor):
        frame = frame[frame["mine"].astype(bool)]
    if frame.empty:
        return frame.reset_index(drop=True)
    frame = frame.sort_values(
        ["mine", "due_on", "provider", "reference"], ascending=[False, True, True, True]
    )
    return frame.reset_index(drop=True)


def _open_actions(session: Session, plan_ids: Iterable[str]) -> list[ImprovementAction]:
    ids = list(plan_ids)
    found: list[ImprovementAction] = []
    for start in range(0, len(ids), 500):
        found.extend(
            session.scalars(
                select(ImprovementAction).where(
                    ImprovementAction.plan_id.in_(ids[start : start + 500]),
                    ImprovementAction.completed_on.is_(None),
                )
            )
        )
    return found


ACTION_DETAIL_COLUMNS = [
    "action_id",
    "description",
    "owner",
    "due_on",
    "completed_on",
    "evidence",
    "status",
    "status_text",
    "may_update",
    "version",
]


@dataclass(frozen=True)
class PlanDetail:
    """One plan as the plans page shows it, with what the actor may do to it."""

    plan_id: str
    provider_id: str
    provider_name: str
    status: str
    opened_on: dt.date
    reason: str
    owner: str | None
    next_review_on: dt.date | None
    closed_on: dt.date | None
    signed_off_by: str | None
    close_rationale: str | None
    board_decision_id: int | None
    progress: str
    why: str
    #: ACTION_DETAIL_COLUMNS, by due date; dates as datetime64 (NaT = not done).
    actions: pd.DataFrame
    can_manage: bool
    can_sign_off: bool
    #: The plan's version when read: a change made from this view names it (update_plan).
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def updatable_action_ids(self) -> list[str]:
        """The actions the actor may update or mark done now (none once the plan is closed)."""
        if not self.is_open:
            return []
        return list(self.actions.loc[self.actions["may_update"], "action_id"])


def plan_detail(
    engine: Engine, actor: Actor, plan_id: str, today: dt.date | None = None
) -> PlanDetail:
    """One plan, open or closed, with its actions' status on `today` (VIEW_PLANS)."""
    _require_view(actor)
    today = today or dt.date.today()
    with Session(engine) as session:
        plan = _plan(session, plan_id, "No such improvement plan")
        actor.require_provider(plan.provider_id)
        provider = session.get(Provider, plan.provider_id)
        rows = [
            {
                "action_id": a.action_id,
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on,
                "completed_on": a.completed_on,
                "evidence": a.evidence,
                "may_update": may_update_action(actor, a, plan),
                "version": a.version,
            }
            for a in sorted(plan.actions, key=lambda a: (a.due_on, a.action_id))
        ]
        actions = as_dates(pd.DataFrame(rows, columns=[*ACTION_DETAIL_COLUMNS]))
        actions["status"] = action_statuses(actions, today) if rows else pd.Series(dtype=object)
        actions["status_text"] = actions["status"].map(status_text)
        actions["may_update"] = actions["may_update"].astype(bool)
        tally = action_tally(actions, today)
        missing = setup_missing(plan.owner, plan.next_review_on, len(rows))
        progress = progress_of(tally, closed=plan.status != "open", missing=missing)
        return PlanDetail(
            plan_id=plan.plan_id,
            provider_id=plan.provider_id,
            provider_name=provider.name if provider else plan.provider_id,
            status=plan.status,
            opened_on=plan.opened_on,
            reason=plan.reason,
            owner=plan.owner,
            next_review_on=plan.next_review_on,
            closed_on=plan.closed_on,
            signed_off_by=plan.signed_off_by,
            close_rationale=plan.close_rationale,
            board_decision_id=plan.board_decision_id,
            progress=progress,
            why=progress_reason(tally, progress, missing),
            actions=actions,
            can_manage=actor.can(Permission.MANAGE_PLANS),
            can_sign_off=actor.can(Permission.SIGN_OFF_PLANS),
            version=plan.version,
        )


@dataclass(frozen=True)
class PlanChoice:
    """A plan in the page's picker."""

    plan_id: str
    provider_name: str
    status: str

    def label(self) -> str:
        state = "open" if self.status == "open" else "closed"
        return f"{self.plan_id}: {self.provider_name} ({state})"


def plan_choices(engine: Engine, actor: Actor) -> list[PlanChoice]:
    """Every plan the actor may read: open ones first, then closed, each by provider name."""
    _require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(ImprovementPlan.plan_id, Provider.name, ImprovementPlan.status).join(
                    Provider, Provider.provider_id == ImprovementPlan.provider_id
                ),
                ImprovementPlan.provider_id,
                actor.provider_scope(),
            )
        ).all()
    choices = [PlanChoice(*row) for row in rows]
    return sorted(choices, key=lambda c: (c.status != "open", c.provider_name, c.plan_id))


def provider_choices(engine: Engine, actor: Actor) -> list[tuple[str, str]]:
    """(provider_id, name) of every provider the actor may see, by name, for the open forms."""
    _require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(Provider.provider_id, Provider.name),
                Provider.provider_id,
                actor.provider_scope(),
            ).order_by(Provider.name)
        ).all()
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class MonitoringDetail:
    """One enhanced monitoring arrangement with its visits."""

    monitoring_id: int
    provider_id: str
    provider_name: str
    started_on: dt.date
    review_on: dt.date | None
    reason: str
    lead: str | None
    board_decision_id: int | None
    ended_on: dt.date | None
    end_rationale: str | None
    ended_by: str | None
    version: int
    progress: str
    why: str
    #: visited_on, visited_by, findings, recorded_by; newest first.
    visits: pd.DataFrame
    can_manage: bool

    @property
    def reference(self) -> str:
        return monitoring_reference(self.monitoring_id)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


def monitoring_detail(
    engine: Engine, actor: Actor, monitoring_id: int, today: dt.date | None = None
) -> MonitoringDetail:
    """One arrangement, open or ended, with its visits and progress on `today` (VIEW_PLANS)."""
    _require_view(actor)
    today = today or dt.date.today()
    with Session(engine) as session:
        monitoring = _monitoring(session, monitoring_id, None, "No such enhanced monitoring")
        actor.require_provider(monitoring.provider_id)
        provider = session.get(Provider, monitoring.provider_id)
        visits = pd.DataFrame(
            [
                {
                    "visited_on": v.visited_on,
                    "visited_by": v.visited_by,
                    "findings": v.findings,
                    "recorded_by": v.recorded_by,
                }
                for v in sorted(monitoring.visits, key=lambda v: (v.visited_on, v.id), reverse=True)
            ],
            columns=["visited_on", "visited_by", "findings", "recorded_by"],
        )
        progress = monitoring_progress(
            monitoring.review_on, today, ended=monitoring.ended_on is not None
        )
        return MonitoringDetail(
            monitoring_id=monitoring.id,
            provider_id=monitoring.provider_id,
            provider_name=provider.name if provider else monitoring.provider_id,
            started_on=monitoring.started_on,
            review_on=monitoring.review_on,
            reason=monitoring.reason,
            lead=monitoring.lead,
            board_decision_id=monitoring.board_decision_id,
            ended_on=monitoring.ended_on,
            end_rationale=monitoring.end_rationale,
            ended_by=monitoring.ended_by,
            version=monitoring.version,
            progress=progress,
            why=monitoring_progress_reason(monitoring.review_on, progress),
            visits=visits,
            can_manage=actor.can(Permission.MANAGE_PLANS),
        )


@dataclass(frozen=True)
class MonitoringChoice:
    """An arrangement in the page's picker."""

    monitoring_id: int
    provider_name: str
    ended_on: dt.date | None
    review_on: dt.date | None = None

    def label(self) -> str:
        state = "open" if self.ended_on is None else f"ended {self.ended_on.isoformat()}"
        return f"{monitoring_reference(self.monitoring_id)}: {self.provider_name} ({state})"


def monitoring_choices(engine: Engine, actor: Actor) -> list[MonitoringChoice]:
    """Every arrangement the actor may read: open ones first, most urgent first (no review date
    set, then the earliest review date), then ended ones, most recently ended first."""
    _require_view(actor)
    with Session(engine) as session:
        rows = session.execute(
            scoped(
                select(
                    EnhancedMonitoring.id,
                    Provider.name,
                    EnhancedMonitoring.ended_on,
                    EnhancedMonitoring.review_on,
                ).join(Provider, Provider.provider_id == EnhancedMonitoring.provider_id),
                EnhancedMonitoring.provider_id,
                actor.provider_scope(),
            )
        ).all()
    choices = [MonitoringChoice(*row) for row in rows]
    open_ = sorted(
        (c for c in choices if c.ended_on is None),
        key=lambda c: (c.review_on is not None, c.review_on or dt.date.min, c.provider_name),
    )
    ended = sorted(
        (c for c in choices if c.ended_on is not None),
        key=lambda c: (c.ended_on, c.monitoring_id),
        reverse=True,
    )
    return open_ + ended


# --- the timeline chart ---------------------------------------------------------------------------

#: Marker shape and colour per timeline mark; shapes differ so the chart reads in greyscale.
TIMELINE_MARKS: dict[str, tuple[str, str]] = {
    f"Due: {OVERDUE.lower()}": ("cross", "#b2182b"),
    f"Due: {DUE_SOON.lower()}": ("triangle-up", "#b35806"),
    f"Due: {NOT_YET_DUE.lower()}": ("circle", "#2166ac"),
    "Due: done": ("square", "#4d4d4d"),
    "Completed": ("diamond", "#1b7837"),
}
TODAY_COLOUR = "#000000"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timeline_frame(detail: PlanDetail) -> pd.DataFrame:
    """One row per mark of the timeline: each action's due date (labelled by its status) and,
    for done actions, its completion date. Columns: action, mark, date, due_on, completed_on,
    status, owner."""
    rows = []
    for position, row in enumerate(detail.actions.itertuples(index=False), start=1):
        label = f"{position}. {_short(row.description)}"
        common = {
            "action": label,
            "order": position,
            "due_on": row.due_on,
            "completed_on": row.completed_on,
            "status": row.status_text,
            "owner": row.owner,
        }
        rows.append({**common, "mark": f"Due: {row.status.lower()}", "date": row.due_on})
        if pd.notna(row.completed_on):
            rows.append({**common, "mark": "Completed", "date": row.completed_on})
    return pd.DataFrame(
        rows,
        columns=["action", "order", "mark", "date", "due_on", "completed_on", "status", "owner"],
    )


def action_timeline_chart(detail: PlanDetail, today: dt.date) -> alt.LayerChart:
    """The plan's actions against their due dates: a point at each due date (shape and colour by
    status, named in the legend), a diamond where a done action was completed joined to its due
    date by a line, and a rule for today."""
    frame = timeline_frame(detail)
    actions = frame.drop_duplicates("action")
    order = list(actions["action"])
    height = max(120, 34 * len(order))
    y = alt.Y("action:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    domain = list(TIMELINE_MARKS)
    marks = (
        alt.Chart(frame)
        .mark_point(size=140, filled=True, opacity=1)
        .encode(
            x=alt.X(
                "date:T",
                title="Date",
                axis=alt.Axis(format="%d %b %Y"),
                scale=alt.Scale(padding=16),  # keep markers at either end whole
            ),
            y=y,
            shape=alt.Shape(
                "mark:N",
                scale=alt.Scale(domain=domain, range=[s for s, _ in TIMELINE_MARKS.values()]),
                legend=alt.Legend(title="On the timeline", orient="bottom", columns=3),
            ),
            color=alt.Color(
                "mark:N",
                scale=alt.Scale(domain=domain, range=[c for _, c in TIMELINE_MARKS.values()]),
                legend=alt.Legend(title="On the timeline", orient="bottom", columns=3),
            ),
            tooltip=[
                alt.Tooltip("action:N", title="Action"),
                alt.Tooltip("owner:N", title="Owner"),
                alt.Tooltip("due_on:T", title="Due", format="%d %b %Y"),
                alt.Tooltip("completed_on:T", title="Completed", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
    )
    done = actions[actions["completed_on"].notna()]
    span = (
        alt.Chart(done)
        .mark_rule(strokeDash=[3, 3], color="#4d4d4d")
        .encode(x="due_on:T", x2="completed_on:T", y=y)
    )
    today_frame = pd.DataFrame({"date": [pd.Timestamp(today)], "label": [f"Today, {today:%d %b}"]})
    today_rule = (
        alt.Chart(today_frame).mark_rule(color=TODAY_COLOUR, strokeWidth=2).encode(x="date:T")
    )
    today_label = (
        alt.Chart(today_frame)
        .mark_text(align="left", dx=4, dy=-6, baseline="bottom", color=TODAY_COLOUR)
        .encode(x="date:T", y=alt.value(0), text="label:N")
    )
    return (
        alt.layer(span, marks, today_rule, today_label)
        .properties(
            height=height,
            title=f"Actions of {detail.plan_id} against their due dates",
            # Fit the width only: with Streamlit's default "fit" the legend and title would
            # squeeze the rows into the given height.
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
        .configure_legend(labelLimit=260)
    )


# --- provider staff's own workstream --------------------------------------------------------------

PROVIDER_STAFF_CONFIG = PROJECT_ROOT / "config" / "provider_staff.toml"
#: How an action the council keeps is shown to provider staff (never the person's username).
COUNCIL_OWNER = "The council"


class ProviderStaffConfig(BaseModel):
    """config/provider_staff.toml [provider_staff]: what provider staff see beyond their plan."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    show_monthly_rating: bool = False


def load_provider_staff_config(path: Path | str | None = None) -> ProviderStaffConfig:
    """The [provider_staff] settings; a missing file or section means the defaults (rating not
    shown); an unknown or mistyped key is BadInput naming it."""
    source = Path(path) if path is not None else PROVIDER_STAFF_CONFIG
    if not source.exists():
        return ProviderStaffConfig()
    with source.open("rb") as handle:
        section = tomllib.load(handle).get("provider_staff", {})
    try:
        return ProviderStaffConfig.model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise BadInput(f"{source.name} [provider_staff]: {problems}") from exc


def assigned_to_provider(owner: str | None, provider: Provider) -> bool:
    """Rule: an action is assigned to the provider when its owner is the provider's name or its
    provider id, ignoring case and surrounding spaces."""
    return _same_user(owner, provider.name) or _same_user(owner, provider.provider_id)


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
        provider = _provider(session, provider_id, "No such provider")
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
    from sgoversight.board import (
        read as scoring_read,  # scoring reads plans' rules: imported when needed
    )
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
    marked done. `version` (the one the person saw) must still be current, else StaleEdit.
    """
    actor.require(Permission.WORK_ON_OWN_PLAN)
    refusal = "The evidence was not added"
    text = (evidence or "").strip()
    day = today or dt.date.today()
    with _plan_write(engine, f"action {action_id}") as session:
        action = _action(session, action_id, refusal)
        plan = action.plan
        actor.require_provider(plan.provider_id)
        provider = _provider(session, plan.provider_id, refusal)
        if not assigned_to_provider(action.owner, provider):
            raise PermissionDenied(
                f"{actor.username} may add evidence only to actions assigned to the service"
            )
        if version is not None and action.version != version:
            raise _stale_plan(f"action {action_id}")
        _open_plan_or_refuse(session, plan.plan_id, refusal)
        if not text:
            raise _invalid(refusal, ["evidence: write what you have done or can show"])
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
