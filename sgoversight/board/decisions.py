"""The Provider Oversight Board's meetings and decisions.

Rules (CONTRACT.md §3, issue "Tested RAG scoring and the monthly Provider Oversight Board"):
- The Board records, per provider and month, that it agrees with the computed rating or overrides
  it; an override needs a rating and a written rationale. The computed rating is stored beside the
  decision and never overwritten. It is the rating the records give now (sgoversight.board.rules, in
  the same transaction): a page drawn before the records changed, or a forged value, is refused
  with the current rating, so a decision is never saved against a rating the Board did not see.
- A decision is one of routine monitoring, enhanced monitoring, improvement plan or other; choosing
  "improvement plan" opens an improvement plan for the provider (unless one is already open), linked
  to the decision, with no owner, review date or actions yet (sgoversight.plans.rules shows it as
  "Needs setting up" until it has them); choosing "enhanced monitoring" starts enhanced monitoring
  the same way (unless the provider is already under it), from the decision's day, with no review
  date or lead yet (shown as At risk until a review date is set).
- History: one *current* decision per provider and month (the database holds the rule too).
  Recording another amends it: the person must give the reason for amending, else nothing is
  written; the earlier decision stays in the record as *superseded*, and the new one names it.
  A decision can be *withdrawn* with a reason; the month then has no current decision. A page that
  names the decision it amends (`amends`) is refused with EditConflict when someone else amended or
  withdrew it meanwhile.
- The workstream a decision opened (its improvement plan, its enhanced monitoring) is never left
  open silently: when an amendment changes the decision away from that workstream's kind, or the
  decision is withdrawn, the person says whether it is kept (it then belongs to the new decision)
  or closed, with a reason (a plan is closed with that reason as its sign-off rationale; monitoring
  ends with it). A workstream of the same kind as the new decision carries on under it.
- Every problem with the form is reported at once (FormInvalid), by field.
- Only Board members (and admins) record, amend and withdraw decisions and meetings; every write
  is audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission
from sgoversight.board import read as scoring_read
from sgoversight.errors import BadInput, EditConflict, FormInvalid, field_messages
from sgoversight.plans.monitoring import start_monitoring_in
from sgoversight.plans.records import PROVIDER_LOCK, new_plan_id
from sgoversight.plans.rules import monitoring_reference
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    BoardDecision,
    BoardMeeting,
    EnhancedMonitoring,
    ImprovementPlan,
    Provider,
)

RATINGS = ("Red", "Amber", "Green")
DECISIONS = {
    "routine_monitoring": "Routine contract monitoring",
    "enhanced_monitoring": "Enhanced monitoring",
    "improvement_plan": "Improvement plan",
    "other": "Other (see rationale)",
}
CURRENT, SUPERSEDED, WITHDRAWN = "current", "superseded", "withdrawn"
STATUS_TEXT = {CURRENT: "Current", SUPERSEDED: "Amended later", WITHDRAWN: "Withdrawn"}
KEEP, CLOSE = "keep", "close"
#: What happens to a workstream the earlier decision opened, in the words the form uses.
WORKSTREAM_CHOICES = {KEEP: "Keep it open", CLOSE: "Close it, with the reason below"}
#: The decision each computed rating calls for (the contract's recommended actions); any other
#: rating calls for routine monitoring.
SUGGESTED = {"Red": "improvement_plan", "Amber": "enhanced_monitoring"}
MAX_TEXT = 5_000
REFUSAL = "The decision was not saved"


class DecisionInput(BaseModel):
    """One Board decision as entered on the page (each field checked on its own; the rules between
    fields are in _decision_problems)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    board_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    provider_id: str = Field(min_length=1)
    computed_rating: str
    agreed: bool
    override_rating: str | None = None
    rationale: str | None = Field(default=None, max_length=MAX_TEXT)
    decision: str
    meeting_id: int | None = None

    @field_validator("computed_rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        if value not in RATINGS:
            raise ValueError(f"must be one of {', '.join(RATINGS)}")
        return value

    @field_validator("decision")
    @classmethod
    def _known_decision(cls, value: str) -> str:
        if value not in DECISIONS:
            raise ValueError(f"must be one of {', '.join(DECISIONS)}")
        return value

    @field_validator("rationale")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class MeetingInput(BaseModel):
    """A Board meeting record as entered on the page."""

    model_config = ConfigDict(str_strip_whitespace=True)

    board_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    meeting_on: dt.date
    attendees: str = Field(default="", max_length=MAX_TEXT)
    notes: str = Field(default="", max_length=MAX_TEXT * 4)


def _text(value: object) -> str | None:
    """Typed text, stripped; blank = None."""
    text = str(value).strip() if value is not None else ""
    return text or None


def _decision_problems(values: dict[str, Any]) -> tuple[DecisionInput | None, dict[str, str]]:
    """The entry and every problem with it by field: each field's own check, and the override
    rule (agreeing leaves the Board's rating blank; overriding needs a rating and a rationale)."""
    problems: dict[str, str] = {}
    entry: DecisionInput | None = None
    try:
        entry = DecisionInput.model_validate(values)
    except ValidationError as exc:
        problems.update(field_messages(exc.errors()))
    agreed = values.get("agreed")
    override = values.get("override_rating")
    if agreed is True and override is not None:
        problems.setdefault("override_rating", "leave blank when agreeing with the rating")
    if agreed is False:
        if override not in RATINGS:
            problems.setdefault(
                "override_rating", "an override needs a rating (Red, Amber or Green)"
            )
        if not _text(values.get("rationale")):
            problems.setdefault("rationale", "an override needs a written rationale")
    return (entry if not problems else None), problems


@dataclass(frozen=True)
class Workstream:
    """An open improvement plan or enhanced monitoring arrangement a decision opened or carries."""

    kind: str  # "improvement_plan" or "enhanced_monitoring", as the decision that opens it
    record_id: str  # the plan id, or the arrangement's id as text
    reference: str  # as shown: the plan id, or EM-12

    @property
    def label(self) -> str:
        """'improvement plan P-1-2026-10-1' or 'enhanced monitoring EM-12'."""
        return f"{DECISIONS[self.kind].lower()} {self.reference}"


def suggested_decision(rating: str) -> str:
    """The decision offered first for a provider with no decision yet: an improvement plan for
    Red, enhanced monitoring for Amber, routine contract monitoring otherwise."""
    return SUGGESTED.get(rating, "routine_monitoring")


def workstreams_of(session: Session, decision_id: int) -> list[Workstream]:
    """The open plan and the enhanced monitoring not yet ended that belong to `decision_id`."""
    plans = session.scalars(
        select(ImprovementPlan.plan_id).where(
            ImprovementPlan.board_decision_id == decision_id, ImprovementPlan.status == "open"
        )
    ).all()
    monitoring = session.scalars(
        select(EnhancedMonitoring.id).where(
            EnhancedMonitoring.board_decision_id == decision_id,
            EnhancedMonitoring.ended_on.is_(None),
        )
    ).all()
    return [Workstream("improvement_plan", plan_id, plan_id) for plan_id in plans] + [
        Workstream("enhanced_monitoring", str(mid), monitoring_reference(mid)) for mid in monitoring
    ]


def open_workstreams(engine: Engine, actor: Actor, decision_id: int) -> list[Workstream]:
    """workstreams_of for a page (VIEW_BOARD): what an amendment or withdrawal asks about."""
    actor.require(Permission.VIEW_BOARD)
    with Session(engine) as session:
        return workstreams_of(session, decision_id)


@dataclass(frozen=True)
class RecordedDecision:
    decision_id: int
    plan_id: str | None
    monitoring_id: int | None = None
    amended: int | None = None  # the decision this one superseded
    closed: tuple[str, ...] = field(default=())  # labels of the workstreams closed
    kept: tuple[str, ...] = field(default=())  # labels of the workstreams kept open


def _reason_problems(
    problems: dict[str, str], amend_reason: str | None, workstream_reason: str | None
) -> None:
    for name, value in (("amend_reason", amend_reason), ("workstream_reason", workstream_reason)):
        if value is not None and len(value) > MAX_TEXT:
            problems.setdefault(name, f"use at most {MAX_TEXT:,} characters")


def _workstream_problems(
    problems: dict[str, str],
    leaving: list[Workstream],
    choice: str | None,
    reason: str | None,
    because: str,
) -> None:
    """A workstream the decision no longer calls for needs an answer: keep it, or close it with a
    reason."""
    if not leaving:
        return
    names = " and ".join(w.label for w in leaving)
    if choice not in WORKSTREAM_CHOICES:
        which = "it" if len(leaving) == 1 else "each"
        problems.setdefault("workstream", f"{because}: say whether {which} stays open or closes")
    elif choice == CLOSE and not reason:
        problems.setdefault("workstream_reason", f"say why {names} closes")


def _settle(
    session: Session,
    actor: Actor,
    streams: list[Workstream],
    choice: str | None,
    reason: str | None,
    day: dt.date,
    decision_id: int | None,
    why: str,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Close (choice CLOSE) or keep each of `streams`; a kept one belongs to `decision_id` from
    now on. Returns the labels (closed, kept)."""
    closed: list[str] = []
    kept: list[str] = []
    for stream in streams:
        if stream.kind == "improvement_plan":
            record: Any = session.get(ImprovementPlan, stream.record_id)
            entity = "improvement_plan"
        else:
            record = session.get(EnhancedMonitoring, int(stream.record_id))
            entity = "enhanced_monitoring"
        if choice == CLOSE:
            if stream.kind == "improvement_plan":
                after = {
                    "status": "closed",
                    "closed_on": day,
                    "signed_off_by": actor.username,
                    "close_rationale": f"{why}: {reason}",
                }
                verb = "close"
            else:
                after = {
                    "ended_on": max(day, record.started_on),
                    "end_rationale": f"{why}: {reason}",
                    "ended_by": actor.username,
                }
                verb = "end"
            closed.append(stream.label)
        else:
            if decision_id is None or record.board_decision_id == decision_id:
                kept.append(stream.label)
                continue
            after = {"board_decision_id": decision_id}
            verb = "update"
            kept.append(stream.label)
        before = {name: getattr(record, name) for name in after}
        for name, value in after.items():
            setattr(record, name, value)
        session.flush()
        audit.record(
            session, actor, verb, entity, stream.record_id, before=before, after=after, detail=why
        )
    return tuple(closed), tuple(kept)


def _current(session: Session, provider_id: str, board_month: str) -> BoardDecision | None:
    return session.scalars(
        select(BoardDecision).where(
            BoardDecision.provider_id == provider_id,
            BoardDecision.board_month == board_month,
            BoardDecision.status == CURRENT,
        )
    ).first()


def _changed_meanwhile(provider_id: object, board_month: object) -> EditConflict:
    return EditConflict(
        f"Not saved: someone else recorded, amended or withdrew the Board's decision on "
        f"{provider_id} for {board_month} since you opened it. Look at the decision now shown "
        "and record yours again if it still needs to change."
    )


def record_decision(
    engine: Engine,
    actor: Actor,
    *,
    today: dt.date | None = None,
    amends: int | None = None,
    amend_reason: str | None = None,
    workstream: str | None = None,
    workstream_reason: str | None = None,
    **values: object,
) -> RecordedDecision:
    """Validate and save one Board decision (see the module rules); open a plan or monitoring
    when asked to. A provider and month that already have a current decision need
    `amend_reason`; `amends` is the current decision the person saw (None when they saw none);
    `workstream` (keep or close) and `workstream_reason` answer for the earlier decision's
    workstream when the decision moves away from it. Every problem is reported at once and
    nothing is written unless there are none."""
    actor.require(Permission.DECIDE_BOARD)
    entry, problems = _decision_problems(values)
    amend_reason, workstream_reason = _text(amend_reason), _text(workstream_reason)
    _reason_problems(problems, amend_reason, workstream_reason)
    day = today or dt.date.today()
    provider_id, board_month = values.get("provider_id"), values.get("board_month")
    try:
        with session_scope(engine) as session:
            # the provider's row is held to the end (plans.PROVIDER_LOCK): decisions and plans
            # for one provider take turns, so none opens a second plan or a second decision
            known = (
                isinstance(provider_id, str)
                and session.get(Provider, provider_id, with_for_update=PROVIDER_LOCK) is not None
            )
            if not known:
                problems.setdefault("provider_id", f"unknown provider {provider_id}")
            meeting_id = values.get("meeting_id")
            if meeting_id is not None and (
                not isinstance(meeting_id, int) or session.get(BoardMeeting, meeting_id) is None
            ):
                problems.setdefault("meeting_id", f"no meeting {meeting_id}")
            if entry is not None and known:
                stale = _rating_problem(session, actor, entry)
                if stale:
                    problems.setdefault("computed_rating", stale)
            current = (
                _current(session, provider_id, board_month)
                if known and isinstance(board_month, str)
                else None
            )
            if amends is not None and (current is None or current.id != amends):
                raise _changed_meanwhile(provider_id, board_month)
            streams = workstreams_of(session, current.id) if current else []
            leaving = [w for w in streams if w.kind != values.get("decision")]
            if current is not None:
                if not amend_reason:
                    problems.setdefault(
                        "amend_reason",
                        f"the Board already decided {DECISIONS[current.decision].lower()} for "
                        f"this provider and month ({current.decided_by}, "
                        f"{current.decided_at:%d %b %Y}); say why it is being amended",
                    )
                _workstream_problems(
                    problems,
                    leaving,
                    workstream,
                    workstream_reason,
                    f"the earlier decision opened {' and '.join(w.label for w in leaving)}",
                )
            if problems or entry is None:
                raise FormInvalid(problems, REFUSAL)
            if current is not None:
                current.status = SUPERSEDED
                session.flush()
            decision = BoardDecision(
                **entry.model_dump(),
                decided_by=actor.username,
                status=CURRENT,
                amend_reason=amend_reason if current else None,
                supersedes_id=current.id if current else None,
            )
            session.add(decision)
            session.flush()
            audit.record(
                session,
                actor,
                "amend" if current else "create",
                "board_decision",
                str(decision.id),
                before=None if current is None else {"decision_id": current.id},
                after=entry.model_dump()
                | ({"amend_reason": amend_reason, "supersedes_id": current.id} if current else {}),
            )
            closed: tuple[str, ...] = ()
            kept: tuple[str, ...] = ()
            if streams:
                why = f"Board decision for {entry.board_month} amended"
                closed, kept = _settle(
                    session, actor, leaving, workstream, workstream_reason, day, decision.id, why
                )
                staying = [w for w in streams if w not in leaving]
                _settle(session, actor, staying, KEEP, None, day, decision.id, why)
            plan_id = monitoring_id = None
            if entry.decision == "improvement_plan":
                plan_id = _open_plan(session, actor, entry, decision.id, day)
            if entry.decision == "enhanced_monitoring":
                monitoring_id = _start_monitoring(session, actor, entry, decision.id, day)
            return RecordedDecision(
                decision.id,
                plan_id,
                monitoring_id,
                current.id if current else None,
                closed,
                kept,
            )
    except IntegrityError as exc:  # a decision for the same provider and month, the same instant
        raise _changed_meanwhile(provider_id, board_month) from exc


def withdraw_decision(
    engine: Engine,
    actor: Actor,
    decision_id: int,
    reason: str | None,
    *,
    workstream: str | None = None,
    workstream_reason: str | None = None,
    today: dt.date | None = None,
) -> tuple[str, ...]:
    """Withdraw the current decision `decision_id` with a written reason (DECIDE_BOARD); the month
    then has no current decision for the provider. Its open workstream must be kept or closed (with
    a reason). Returns the labels of the workstreams closed. A decision no longer current is refused
    with EditConflict."""
    actor.require(Permission.DECIDE_BOARD)
    reason, workstream_reason = _text(reason), _text(workstream_reason)
    problems: dict[str, str] = {}
    if not reason:
        problems["withdraw_reason"] = "say why the decision is withdrawn"
    _reason_problems(problems, None, workstream_reason)
    if reason and len(reason) > MAX_TEXT:
        problems["withdraw_reason"] = f"use at most {MAX_TEXT:,} characters"
    with session_scope(engine) as session:
        decision = session.get(BoardDecision, decision_id)
        if decision is None:
            raise BadInput(
                "The decision was not withdrawn", [f"decision_id: no decision {decision_id}"]
            )
        if decision.status != CURRENT:
            raise _changed_meanwhile(decision.provider_id, decision.board_month)
        streams = workstreams_of(session, decision_id)
        _workstream_problems(
            problems,
            streams,
            workstream,
            workstream_reason,
            f"this decision opened {' and '.join(w.label for w in streams)}",
        )
        if problems:
            raise FormInvalid(problems, "The decision was not withdrawn")
        decision.status = WITHDRAWN
        decision.withdrawn_reason = reason
        decision.withdrawn_by = actor.username
        decision.withdrawn_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        session.flush()
        audit.record(
            session,
            actor,
            "withdraw",
            "board_decision",
            str(decision_id),
            before={"status": CURRENT},
            after={"status": WITHDRAWN, "withdrawn_reason": reason},
        )
        why = f"Board decision for {decision.board_month} withdrawn"
        closed, _kept = _settle(
            session,
            actor,
            streams,
            workstream,
            workstream_reason,
            today or dt.date.today(),
            None,
            why,
        )
        return closed


def _rating_problem(session: Session, actor: Actor, entry: DecisionInput) -> str | None:
    """Why the computed rating is refused (not the one the records give now), or None."""
    # Read through the session's own connection, inside its transaction.
    (current,) = scoring_read.score_from_connection(
        session.connection().connection,
        entry.board_month,
        actor=actor,
        provider_id=entry.provider_id,
    )
    if current.rating == entry.computed_rating:
        return None
    return (
        f"the records now rate {entry.provider_id} {current.rating} for {entry.board_month}, not "
        f"{entry.computed_rating}: they changed after the page was drawn. Look at the provider "
        "again and record the decision."
    )


def _open_plan(
    session: Session, actor: Actor, entry: DecisionInput, decision_id: int, today: dt.date
) -> str:
    """Open an improvement plan for the provider, or link the one already open."""
    rating = entry.override_rating or entry.computed_rating
    existing = session.scalars(
        select(ImprovementPlan).where(
            ImprovementPlan.provider_id == entry.provider_id, ImprovementPlan.status == "open"
        )
    ).first()
    if existing is not None:
        return existing.plan_id
    plan = ImprovementPlan(
        plan_id=new_plan_id(session, entry.provider_id, entry.board_month),
        provider_id=entry.provider_id,
        opened_on=today,
        reason=entry.rationale or f"Provider Oversight Board {entry.board_month}: rated {rating}",
        status="open",
        board_decision_id=decision_id,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "improvement_plan",
        plan.plan_id,
        after={
            "provider_id": plan.provider_id,
            "reason": plan.reason,
            "board_decision_id": decision_id,
        },
    )
    return plan.plan_id


def _start_monitoring(
    session: Session, actor: Actor, entry: DecisionInput, decision_id: int, today: dt.date
) -> int:
    """Start enhanced monitoring of the provider, or link the arrangement already open."""
    rating = entry.override_rating or entry.computed_rating
    monitoring_id, _started = start_monitoring_in(
        session,
        actor,
        provider_id=entry.provider_id,
        started_on=today,
        reason=entry.rationale or f"Provider Oversight Board {entry.board_month}: rated {rating}",
        board_decision_id=decision_id,
    )
    return monitoring_id


def create_meeting(engine: Engine, actor: Actor, **values: object) -> int:
    """Validate and save a Board meeting record (date, attendees, notes); returns its id."""
    actor.require(Permission.DECIDE_BOARD)
    try:
        entry = MeetingInput.model_validate(values)
    except ValidationError as exc:
        raise FormInvalid(field_messages(exc.errors()), "The meeting was not saved") from exc
    with session_scope(engine) as session:
        meeting = BoardMeeting(**entry.model_dump(), created_by=actor.username)
        session.add(meeting)
        session.flush()
        audit.record(
            session, actor, "create", "board_meeting", str(meeting.id), after=entry.model_dump()
        )
        return meeting.id


def latest_decisions(session: Session, board_month: str) -> dict[str, BoardDecision]:
    """The current decision per provider for `board_month` (amended and withdrawn ones stay in
    the record, not here)."""
    rows = session.scalars(
        select(BoardDecision).where(
            BoardDecision.board_month == board_month, BoardDecision.status == CURRENT
        )
    ).all()
    return {row.provider_id: row for row in rows}


def decision_history(session: Session, provider_id: str) -> list[BoardDecision]:
    """Every decision about a provider, current, amended and withdrawn, newest first."""
    return list(
        session.scalars(
            select(BoardDecision)
            .where(BoardDecision.provider_id == provider_id)
            .order_by(BoardDecision.board_month.desc(), BoardDecision.id.desc())
        )
    )


def meetings_for_month(session: Session, board_month: str) -> list[BoardMeeting]:
    """The month's Board meetings, earliest first."""
    return list(
        session.scalars(
            select(BoardMeeting)
            .where(BoardMeeting.board_month == board_month)
            .order_by(BoardMeeting.meeting_on)
        )
    )
